//! The memory budget of a run (`--max-memory`): the network, the input, the output and
//! the record are sized before any work starts, and a run that would need more than the
//! budget is refused with one line naming the file and the limit. The default is the
//! machine's memory (`MemTotal` of `/proc/meminfo`), or 8 GiB where that is unknown.

use super::error::{CliError, CliResult};
use littoral_core::limits::human_bytes;
use littoral_core::{Kind, Module, Recording, for_each_module};
use std::convert::Infallible;
use std::path::Path;
use std::sync::OnceLock;

/// The budget when the machine's memory is unknown.
const FALLBACK: u64 = 8 << 30;

static BUDGET: OnceLock<u64> = OnceLock::new();

/// The machine's memory in bytes (`MemTotal`), when `/proc/meminfo` tells it.
fn machine_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// Set the budget for this run (`--max-memory`, else the machine's memory). Called once,
/// before the command runs.
pub fn set(flag: Option<u64>) {
    let _ = BUDGET.set(flag.unwrap_or_else(|| machine_memory().unwrap_or(FALLBACK)));
}

/// The budget in bytes.
pub fn bytes() -> u64 {
    *BUDGET.get_or_init(|| machine_memory().unwrap_or(FALLBACK))
}

/// Refuse `need` bytes for `what` (read from or written to `file`) above the budget.
///
/// # Errors
/// [`CliError::File`] naming the file, the size and the limit.
pub fn check(file: &Path, what: &str, need: u64) -> CliResult<()> {
    let limit = bytes();
    if need > limit {
        return Err(CliError::file(
            file,
            format!(
                "{what} needs {} of memory, more than the limit of {} (--max-memory)",
                human_bytes(need),
                human_bytes(limit)
            ),
        ));
    }
    Ok(())
}

/// The bytes of `module`'s parameters and one sample's state, checked with the limits
/// (call it before `init`).
///
/// # Errors
/// The limits' error (depth, element count), naming the file.
pub fn network_bytes(module: &dyn Module, file: &Path) -> CliResult<u64> {
    let elements =
        littoral_core::limits::module_elements(module).map_err(|e| CliError::file(file, e))?;
    Ok(elements.saturating_mul(8))
}

/// Per-sample element counts of a module tree: its State, and the outputs of every
/// module in it (a record holds both, every step).
fn per_sample(module: &dyn Module) -> (u64, u64) {
    let (mut state, mut outputs) = (0u64, 0u64);
    let walked = for_each_module(module, |_, _, m| -> Result<(), Infallible> {
        outputs = outputs.saturating_add(m.size_out() as u64);
        for a in m.attributes().iter().filter(|a| a.kind == Kind::State) {
            let shape = a.shapes.first().map_or(&[][..], Vec::as_slice);
            let n = shape
                .iter()
                .try_fold(1u64, |n, &d| n.checked_mul(d as u64))
                .unwrap_or(u64::MAX);
            state = state.saturating_add(n);
        }
        Ok(())
    });
    let Ok(()) = walked;
    (state, outputs)
}

/// The values one sample's record holds per step: every state element and every module's
/// output when everything is recorded, the spiking populations' outputs when their spikes
/// are; none for counts ([`record_values_per_call`]).
pub fn record_values_per_step(module: &dyn Module, record: Recording) -> u64 {
    match record {
        Recording::Nothing | Recording::SpikeCounts => 0,
        Recording::Spikes => spiking_values(module),
        Recording::Everything => {
            let (state, outputs) = per_sample(module);
            state.saturating_add(outputs)
        }
    }
}

/// The values one sample's record holds whatever the steps: a count for every neuron of
/// every spiking population when spikes are counted ([`Recording::SpikeCounts`]).
fn record_values_per_call(module: &dyn Module, record: Recording) -> u64 {
    match record {
        Recording::SpikeCounts => spiking_values(module),
        _ => 0,
    }
}

/// The outputs of the spiking populations, per sample and step.
fn spiking_values(module: &dyn Module) -> u64 {
    littoral_functional::summary::SpikeCounter::new(module).recorded_values() as u64
}

/// The bytes one evolution of `module` over `batch` samples of `steps` steps holds beyond
/// the network and the input: its state for every sample, its output and its record
/// ([`record_values_per_step`] a step, [`record_values_per_call`] once).
fn evolution_bytes(module: &dyn Module, batch: u64, steps: u64, record: Recording) -> u64 {
    let (state, _) = per_sample(module);
    let bt = batch.saturating_mul(steps);
    let per_step =
        (module.size_out() as u64).saturating_add(record_values_per_step(module, record));
    let per_sample_once = state.saturating_add(record_values_per_call(module, record));
    per_sample_once
        .saturating_mul(batch.max(1))
        .saturating_add(bt.saturating_mul(per_step))
        .saturating_mul(8)
}

/// The bytes of an input of `batch` samples of `steps` steps for `module`.
fn input_bytes(module: &dyn Module, batch: u64, steps: u64) -> u64 {
    batch
        .saturating_mul(steps)
        .saturating_mul(module.size_in() as u64)
        .saturating_mul(8)
}

/// The bytes a run of `module` over `batch` samples of `steps` steps takes: the network
/// (`network` bytes: its parameters and one sample's state), the input, and one
/// evolution (state per sample, output and record).
pub fn run_bytes(
    module: &dyn Module,
    network: u64,
    batch: u64,
    steps: u64,
    record: Recording,
) -> u64 {
    network
        .saturating_add(input_bytes(module, batch, steps))
        .saturating_add(evolution_bytes(module, batch, steps, record))
}

/// Refuse a run of `module` (read from `file`) over `batch` samples of `steps` steps
/// recording `record`, whose network, input, output and record together exceed the
/// budget.
///
/// # Errors
/// As [`check`].
pub fn check_run(
    module: &dyn Module,
    file: &Path,
    batch: usize,
    steps: usize,
    record: Recording,
) -> CliResult<()> {
    let network = network_bytes(module, file)?;
    let need = run_bytes(module, network, batch as u64, steps as u64, record);
    let what = format!(
        "a run of {batch} sample(s) × {steps} step(s){}",
        if record.everything() {
            " with its record"
        } else {
            ""
        }
    );
    check(file, &what, need)
}

/// What a sweep holds at once, beside its network and input (see [`sweep_bytes`]).
#[derive(Clone, Copy, Debug)]
pub struct SweepLoad {
    /// Samples of the input.
    pub batch: usize,
    /// Steps of the input.
    pub steps: usize,
    /// What every point records (spikes, to summarise spiking populations inside the
    /// network).
    pub record: Recording,
    /// The points this process runs.
    pub points: usize,
    /// Worker threads: the points in flight at once.
    pub threads: usize,
    /// Whether every point's evolution is kept to the end (`--save-outputs`).
    pub keep_outputs: bool,
    /// The bytes of the values one point overrides (each point keeps its own).
    pub override_bytes: u64,
}

/// The bytes a sweep of `module` holds at once: the network (`network` bytes) and the
/// input; one evolution (state per sample, output, record) per point in flight — one per
/// thread, or every point's when their outputs are kept; and every point's overridden
/// values.
pub fn sweep_bytes(module: &dyn Module, network: u64, load: &SweepLoad) -> u64 {
    let (batch, steps) = (load.batch as u64, load.steps as u64);
    let points = load.points as u64;
    let alive = if load.keep_outputs {
        points
    } else {
        points.min(load.threads.max(1) as u64)
    };
    network
        .saturating_add(input_bytes(module, batch, steps))
        .saturating_add(alive.saturating_mul(evolution_bytes(module, batch, steps, load.record)))
        .saturating_add(points.saturating_mul(load.override_bytes))
}

/// Refuse a sweep of `module` (read from `file`) that would hold more than the budget at
/// once (see [`sweep_bytes`]), before any point runs.
///
/// # Errors
/// As [`check`].
pub fn check_sweep(module: &dyn Module, file: &Path, load: &SweepLoad) -> CliResult<()> {
    let network = network_bytes(module, file)?;
    let need = sweep_bytes(module, network, load);
    let what = format!(
        "a sweep of {} point(s) of {} sample(s) × {} step(s) on {} thread(s){}",
        load.points,
        load.batch,
        load.steps,
        load.threads.max(1),
        if load.keep_outputs {
            ", keeping every point's output (--save-outputs),"
        } else {
            ""
        }
    );
    check(file, &what, need)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sweeps_count_one_evolution_per_thread_or_every_kept_one() {
        let lif = littoral_nets::Lif::new(3);
        let load = SweepLoad {
            batch: 2,
            steps: 100,
            record: Recording::Everything,
            points: 1000,
            threads: 4,
            keep_outputs: false,
            override_bytes: 24,
        };
        let one = evolution_bytes(&lif, 2, 100, Recording::Everything);
        let held = sweep_bytes(&lif, 80, &load);
        assert_eq!(held, 80 + input_bytes(&lif, 2, 100) + 4 * one + 1000 * 24);
        let kept = sweep_bytes(
            &lif,
            80,
            &SweepLoad {
                keep_outputs: true,
                ..load
            },
        );
        assert_eq!(kept - held, 996 * one);
        let few = sweep_bytes(&lif, 80, &SweepLoad { points: 3, ..load });
        assert_eq!(few, 80 + input_bytes(&lif, 2, 100) + 3 * one + 3 * 24);
        // A run is one evolution beside its network and input.
        assert_eq!(
            run_bytes(&lif, 80, 2, 100, Recording::Everything),
            80 + input_bytes(&lif, 2, 100) + one
        );
        let (state, outputs) = per_sample(&lif);
        assert_eq!(outputs, 3);
        assert_eq!(one, (2 * state + 200 * 3 + 200 * (state + outputs)) * 8);
    }

    #[test]
    fn a_spike_record_counts_the_spiking_populations_outputs_only() -> littoral_core::Result<()> {
        let net = littoral_nets::Sequential::new()
            .append(littoral_nets::Linear::new(2, 5))?
            .append(littoral_nets::Lif::new(5))?
            .append(littoral_nets::Linear::new(5, 3))?
            .append(littoral_nets::Lif::new(3))?;
        assert_eq!(record_values_per_step(&net, Recording::Nothing), 0);
        assert_eq!(record_values_per_step(&net, Recording::Spikes), 5 + 3);
        assert_eq!(record_values_per_step(&net, Recording::SpikeCounts), 0);
        assert_eq!(record_values_per_call(&net, Recording::SpikeCounts), 5 + 3);
        assert_eq!(record_values_per_call(&net, Recording::Spikes), 0);
        let (state, outputs) = per_sample(&net);
        assert_eq!(
            record_values_per_step(&net, Recording::Everything),
            state + outputs
        );
        Ok(())
    }
}
