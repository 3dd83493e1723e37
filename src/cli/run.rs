//! Evolution for `simulate`: one [`TimeChunks`] run on the command's thread pool, in chunks
//! only when a progress bar is drawn, with the spikes of every spiking population counted
//! as the chunks come (those inside the network recorded as counts,
//! [`Recording::SpikeCounts`]: a record that does not grow with the steps). Each chunk
//! starts from the state the previous one returned, which gives the same bits as one call
//! over the whole input.

use super::error::{CliError, CliResult};
use littoral_core::{Array, EvolveOptions, Module, Record, Recording, Tree};
use littoral_functional::TimeChunks;
use littoral_functional::summary::{SpikeCount, SpikeCounter, all_dts, populations};
use serde_json::{Map, Value as Json, json};
use std::borrow::Cow;
use std::num::NonZeroUsize;
use std::path::Path;
use std::time::{Duration, Instant};

/// What to evolve and how.
pub struct RunSpec<'a> {
    /// The network.
    pub module: &'a dyn Module,
    /// Parameters and SimulationParameters (a full tree is fine).
    pub params: &'a Tree,
    /// The starting State (per sample or batched).
    pub state: &'a Tree,
    /// Input `(B, T, Nin)`: lent, or given away (then the output may be written into its
    /// buffer, [`TimeChunks::new_owned`]: no new output to allocate and fault in).
    pub input: Cow<'a, Array>,
    /// Keep the record (`--record`).
    pub keep_record: bool,
    /// Called with the number of steps done after each chunk; `None` when nobody watches
    /// (then the input is evolved in one call).
    pub on_progress: Option<&'a (dyn Fn(u64) + Sync)>,
    /// The file the input came from (for error messages).
    pub input_file: &'a Path,
    /// The file the network came from (for error messages).
    pub net_file: &'a Path,
}

/// What a run gives.
pub struct RunResult {
    /// Output `(B, T, Nout)`.
    pub output: Array,
    /// Final state, batched.
    pub state: Tree,
    /// The record, when asked for.
    pub record: Option<Record>,
    /// Spike counts per spiking population, in tree order.
    pub spikes: Vec<SpikeCount>,
    /// Wall-clock seconds of the evolution (validation included; counting spikes and the
    /// progress bar left out).
    pub seconds: f64,
}

/// Steps per chunk when a progress bar is drawn: about a hundred chunks, at least ten
/// steps each (the bar moves by one percent).
pub fn chunk_steps(t: usize) -> NonZeroUsize {
    NonZeroUsize::new(t.div_ceil(100).max(10)).unwrap_or(NonZeroUsize::MIN)
}

/// What a run records: everything when the record is kept (`--record`), else the spike
/// counts of the spiking populations inside the network, when there are any
/// ([`SpikeCounter::recording`]).
pub fn recording(module: &dyn Module, keep_record: bool) -> Recording {
    if keep_record {
        Recording::Everything
    } else {
        SpikeCounter::new(module).recording()
    }
}

/// Run a whole command, `command`, on one local pool of `threads` worker threads (`None`:
/// all cores): reading and checking the input as well as the evolution. The command starts
/// one pool and no other: the parallel scan of a large input for NaN and infinities
/// (`first_non_finite`) used to start rayon's global pool of all cores besides the
/// evolution's, whatever `--threads` said (`docs/performance-record.md`, "Third round"). The
/// pool's threads poll for work while the command reads its input
/// ([`super::awake::keep_awake`]).
///
/// # Errors
/// A pool that cannot start; whatever `command` returns.
pub fn on_pool<R: Send>(
    threads: Option<u64>,
    command: impl FnOnce() -> CliResult<R> + Send,
) -> CliResult<R> {
    let n = threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
        |n| usize::try_from(n).unwrap_or(usize::MAX),
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .map_err(|e| CliError::other(format!("cannot start {n} worker thread(s): {e}")))?;
    super::awake::keep_awake(&pool, super::awake::LONGEST);
    pool.install(command)
}

/// Evolve `spec.input` on the current thread pool (the command's, see [`on_pool`]).
///
/// # Errors
/// Input that does not fit the network (naming the input file); invalid parameters or
/// state.
pub fn run(spec: RunSpec<'_>) -> CliResult<RunResult> {
    let module = spec.module;
    let mut spikes = SpikeCounter::new(module);
    let options = EvolveOptions {
        record: recording(module, spec.keep_record),
        allow_non_finite_input: false,
    };
    let evolve_error = |e| CliError::evolution(spec.input_file, spec.net_file, e);
    let started = Instant::now();
    let chunks = match spec.input {
        Cow::Borrowed(x) => TimeChunks::new(module, spec.params, spec.state, x, options),
        Cow::Owned(x) => TimeChunks::new_owned(module, spec.params, spec.state, x, options),
    }
    .map_err(evolve_error)?;
    let (b, t) = (chunks.input().shape()[0], chunks.total_steps());
    let steps = spec.on_progress.map(|_| chunk_steps(t));
    // Counting spikes and drawing the bar are not the evolution: their time is left out of
    // `evolve_seconds` (the whole process's time includes everything).
    let mut aside = Duration::ZERO;
    let ev = chunks
        .run(steps, |chunk| {
            let counting = Instant::now();
            spikes.add(&chunk.output, &chunk.record);
            if !spec.keep_record {
                chunk.record = Record::new();
            }
            if let Some(progress) = spec.on_progress {
                progress(chunk.end as u64);
            }
            aside += counting.elapsed();
            Ok(())
        })
        .map_err(evolve_error)?;
    let seconds = started.elapsed().saturating_sub(aside).as_secs_f64();
    Ok(RunResult {
        spikes: spikes.finish(spec.params, b, t),
        output: ev.output,
        state: ev.state,
        record: spec.keep_record.then_some(ev.record),
        seconds,
    })
}

/// Total units with a state of their own (neurons, and synapses such as `ExpSyn`'s): the
/// `size_out` of every population with a float State; stateless layers (`Linear`,
/// `Instant`) count 0.
pub fn neuron_count(module: &dyn Module) -> usize {
    populations(module)
        .iter()
        .filter(|p| {
            p.module
                .attributes()
                .iter()
                .any(|a| a.kind == littoral_core::Kind::State && !a.integer)
        })
        .map(|p| p.module.size_out())
        .sum()
}

/// The `dt` of the network: its first scalar `dt` in tree order (1 ms when it has none).
pub fn network_dt(module: &dyn Module, params: &Tree) -> f64 {
    all_dts(module, params).first().map_or(1e-3, |(_, dt)| *dt)
}

/// The JSON summary of a run.
pub fn summary_json(
    module: &dyn Module,
    result: &RunResult,
    start_step: u64,
    extra: &[(&str, Json)],
) -> Json {
    let shape = result.output.shape();
    let (b, t) = (shape[0], shape[1]);
    let neurons = neuron_count(module);
    let neuron_steps = (b * t * neurons) as f64;
    let mut per_module = Map::new();
    let mut rates = Map::new();
    let mut total = 0.0;
    for s in &result.spikes {
        total += s.count;
        per_module.insert(s.label.clone(), json!(s.count as u64));
        rates.insert(s.label.clone(), s.rate_hz.map_or(Json::Null, |r| json!(r)));
    }
    let mut obj = Map::new();
    for (k, v) in extra {
        obj.insert((*k).to_string(), v.clone());
    }
    obj.insert("batches".into(), json!(b));
    obj.insert("timesteps".into(), json!(t));
    obj.insert("neurons".into(), json!(neurons));
    obj.insert("output_shape".into(), json!(shape));
    obj.insert("start_step".into(), json!(start_step));
    obj.insert("end_step".into(), json!(start_step + t as u64));
    obj.insert("evolve_seconds".into(), json!(result.seconds));
    obj.insert(
        "neuron_steps_per_second".into(),
        json!(if result.seconds > 0.0 {
            neuron_steps / result.seconds
        } else {
            0.0
        }),
    );
    obj.insert("spikes_total".into(), json!(total as u64));
    obj.insert("spikes_per_module".into(), Json::Object(per_module));
    obj.insert("rates_hz_per_module".into(), Json::Object(rates));
    Json::Object(obj)
}

/// A human-readable number of neuron-steps per second (`12.3 M`).
pub fn si(v: f64) -> String {
    if v >= 1e9 {
        format!("{:.2} G", v / 1e9)
    } else if v >= 1e6 {
        format!("{:.2} M", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.2} k", v / 1e3)
    } else {
        format!("{v:.1} ")
    }
}

/// A duration for messages: `1.234 s` or `12.3 ms`.
pub fn seconds(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.3} s")
    } else {
        format!("{:.3} ms", s * 1e3)
    }
}
