//! Evolution in time chunks (so a progress bar can move), with spike counting. Each
//! chunk starts from the state the previous one returned, which gives the same bits as
//! one call over the whole input.

use super::error::{CliError, CliResult};
use super::network::{LeafModule, leaf_modules};
use littoral_core::{Array, Module, Record, Tree};
use littoral_functional::ParOptions;
use littoral_functional::par::{concat_axis, concat_records, evolve_par, slice_axis1};
use serde_json::{Map, Value as Json, json};
use std::path::Path;
use std::time::Instant;

/// What to evolve and how.
pub struct RunSpec<'a> {
    /// The network.
    pub module: &'a dyn Module,
    /// Parameters and SimulationParameters (a full tree is fine).
    pub params: &'a Tree,
    /// The starting State (per sample or batched).
    pub state: &'a Tree,
    /// Input `(B, T, Nin)`.
    pub input: &'a Array,
    /// Keep the record (`--record`).
    pub keep_record: bool,
    /// Worker threads of the local pool (`None`: all cores).
    pub threads: Option<usize>,
    /// Called with the number of steps done after each chunk.
    pub on_progress: &'a (dyn Fn(u64) + Sync),
    /// The file the input came from (for error messages).
    pub input_file: &'a Path,
    /// The file the network came from (for error messages).
    pub net_file: &'a Path,
}

/// Spikes of one spiking module.
#[derive(Clone, Debug, PartialEq)]
pub struct ModuleSpikes {
    /// Dotted path (or class name for a lone module).
    pub label: String,
    /// Number of spikes over all samples and steps.
    pub count: f64,
    /// Neurons of the module.
    pub neurons: usize,
    /// Mean firing rate per neuron in Hz, when the module has a `dt`.
    pub rate_hz: Option<f64>,
}

/// What a run gives.
pub struct RunResult {
    /// Output `(B, T, Nout)`.
    pub output: Array,
    /// Final state, batched.
    pub state: Tree,
    /// The record, when asked for.
    pub record: Option<Record>,
    /// Spike counts per spiking module, in tree order.
    pub spikes: Vec<ModuleSpikes>,
    /// Wall-clock seconds of the evolution.
    pub seconds: f64,
}

/// Steps per chunk: about a hundred chunks, at least ten steps each.
pub fn chunk_steps(t: usize) -> usize {
    t.div_ceil(100).max(10)
}

fn build_pool(threads: Option<usize>) -> CliResult<rayon::ThreadPool> {
    let n = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .map_err(|e| CliError::other(format!("cannot start {n} worker thread(s): {e}")))
}

/// Evolve `spec.input` chunk by chunk on a local thread pool.
///
/// # Errors
/// Input that does not fit the network (naming the input file); invalid parameters or
/// state.
pub fn run(spec: &RunSpec<'_>) -> CliResult<RunResult> {
    let pool = build_pool(spec.threads)?;
    pool.install(|| run_in_pool(spec))
}

fn run_in_pool(spec: &RunSpec<'_>) -> CliResult<RunResult> {
    let module = spec.module;
    let leaves = leaf_modules(module);
    let spiking: Vec<&LeafModule<'_>> = leaves
        .iter()
        .filter(|l| l.module.spiking_output())
        .collect();
    let need_record = spec.keep_record || spiking.iter().any(|l| l.needs_record());
    let shape = spec.input.shape();
    let (b, t) = (shape[0], shape[1]);
    let chunk = chunk_steps(t);
    let mut counts = vec![0.0f64; spiking.len()];
    let mut outputs = Vec::new();
    let mut records = Vec::new();
    let mut state = spec.state.clone();
    let opts = ParOptions {
        record: need_record,
        ..ParOptions::default()
    };
    let started = Instant::now();
    let mut start = 0;
    while start < t {
        let end = (start + chunk).min(t);
        let x = slice_axis1(spec.input, start, end)
            .map_err(|e| CliError::functional(spec.input_file, e))?;
        let ev = evolve_par(module, spec.params, &state, &x, &opts)
            .map_err(|e| evolve_error(spec.input_file, spec.net_file, e))?;
        for (c, l) in counts.iter_mut().zip(&spiking) {
            if let Some(a) = l.output_in(&ev.output, &ev.record) {
                *c += a.data().iter().sum::<f64>();
            }
        }
        state = ev.state;
        outputs.push(ev.output);
        if spec.keep_record {
            records.push(ev.record);
        }
        (spec.on_progress)(end as u64);
        start = end;
    }
    let seconds = started.elapsed().as_secs_f64();
    let parts: Vec<&Array> = outputs.iter().collect();
    let output = concat_axis(&parts, 1).map_err(|e| CliError::other(e.to_string()))?;
    let record = if spec.keep_record {
        let parts: Vec<&Record> = records.iter().collect();
        Some(concat_records(&parts, 1).map_err(|e| CliError::other(e.to_string()))?)
    } else {
        None
    };
    let spikes = spiking
        .iter()
        .zip(counts)
        .map(|(l, count)| {
            let neurons = l.module.size_out();
            let denom = (b * t * neurons) as f64;
            ModuleSpikes {
                label: l.label(),
                count,
                neurons,
                rate_hz: l
                    .dt(spec.params)
                    .filter(|&dt| dt > 0.0 && denom > 0.0)
                    .map(|dt| count / denom / dt),
            }
        })
        .collect();
    Ok(RunResult {
        output,
        state,
        record,
        spikes,
        seconds,
    })
}

/// An evolution error: input problems name the input file, others the network file.
fn evolve_error(input_file: &Path, net_file: &Path, e: littoral_functional::Error) -> CliError {
    let text = e.to_string();
    match text.strip_prefix("input: ") {
        Some(rest) => CliError::file(input_file, rest),
        None => CliError::file(net_file, text),
    }
}

/// Total neurons (LIF and Rate units) of a network.
pub fn neuron_count(module: &dyn Module) -> usize {
    leaf_modules(module).iter().map(LeafModule::neurons).sum()
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
