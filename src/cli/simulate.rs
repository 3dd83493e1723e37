//! `littoral simulate NET.json --input X.npy --output Y.npy [options]`.

use super::args::SimulateArgs;
use super::atomic::Outputs;
use super::error::{CliError, CliResult};
use super::network::load_snapshot;
use super::npy_io::read_input;
use super::plot::plot_output;
use super::progress;
use super::run::{RunSpec, network_dt, on_pool, run, si, summary_json};
use super::say;
use littoral_core::array::format_shape;
use littoral_core::{Array, Module, ModuleExt, Record, Tree, Value};
use littoral_functional::Snapshot;
use littoral_functional::npy::{NpzOut, write_npy};
use serde_json::{Value as Json, json};
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The network, its values and where they came from.
struct Loaded {
    module: Arc<dyn Module>,
    params: Tree,
    state: Tree,
    start_step: u64,
    /// The file to name in errors about the network.
    net_file: PathBuf,
}

/// Load the network and its values; `sized` (which reads the input and checks the memory
/// budget) runs once the module is known and before a network file's values are drawn,
/// so an oversized run is refused before anything large is allocated.
fn load<T>(
    a: &SimulateArgs,
    sized: impl FnOnce(&dyn Module, &Path) -> CliResult<T>,
) -> CliResult<(Loaded, T)> {
    let Some(snap_path) = &a.resume else {
        let net = a
            .net
            .as_ref()
            .ok_or_else(|| CliError::usage("give a network file, or a snapshot with --resume"))?;
        let module = super::nir_cli::load_net(net, a.dt, a.semantics.as_deref())?;
        let checked = sized(module.as_ref(), net)?;
        let tree = module.init(a.seed.unwrap_or(0));
        let loaded = Loaded {
            module,
            params: tree.clone(),
            state: tree,
            start_step: 0,
            net_file: net.clone(),
        };
        return Ok((loaded, checked));
    };
    let snap = load_snapshot(snap_path)?;
    let start_step = snap.step;
    let in_snap = |e| CliError::functional(snap_path, e);
    let (module, params, state) = match &a.net {
        None => snap
            .restore_module(&super::network::registry())
            .map_err(in_snap)?,
        Some(net) => {
            let module = super::nir_cli::load_net(net, a.dt, a.semantics.as_deref())?;
            let own = module.init_simulation_parameters(0);
            let (params, state) = snap.restore_checked(module.as_ref(), &own).map_err(|e| {
                CliError::file(
                    net,
                    format!(
                        "does not match the network in {}: {}; leave the network file out to \
                         use the snapshot's",
                        snap_path.display(),
                        e.brief()
                    ),
                )
            })?;
            (module, params, state)
        }
    };
    // Values are checked like shapes before the run: parameter domains, finite state.
    let values = littoral_core::validate::Scope::RESUME;
    if let Some(m) = littoral_core::validate::mismatches(module.as_ref(), &params, &state, values)
        .into_iter()
        .next()
    {
        return Err(CliError::file(snap_path, m));
    }
    let checked = sized(module.as_ref(), snap_path)?;
    let loaded = Loaded {
        module,
        params,
        state,
        start_step,
        net_file: snap_path.clone(),
    };
    Ok((loaded, checked))
}

/// The dotted-path leaves of a State tree into an `.npz` archive.
fn write_state_npz(
    w: &mut (impl std::io::Write + std::io::Seek),
    state: &Tree,
) -> std::io::Result<()> {
    let mut npz = NpzOut::new(w);
    for (path, leaf) in state.leaves() {
        match &leaf.value {
            Value::F64(a) => npz.add_array(&path, a)?,
            Value::U64(a) => npz.add_array(&path, a)?,
        }
    }
    npz.finish().map(drop)
}

/// The dotted-path leaves of a record into an `.npz` archive.
pub fn write_record_npz(
    w: &mut (impl std::io::Write + std::io::Seek),
    record: &Record,
) -> std::io::Result<()> {
    let mut npz = NpzOut::new(w);
    for (path, a) in record.leaves() {
        npz.add_array(&path, a)?;
    }
    npz.finish().map(drop)
}

/// Write `a` as `.npy` into a reserved output.
pub fn put_npy(outs: &mut Outputs, id: super::atomic::OutputId, a: &Array) -> CliResult<()> {
    let dest = outs.dest(id).to_path_buf();
    outs.write_with(id, |w| {
        write_npy(w, a).map_err(|e| CliError::io(&dest, "write", &e))
    })
}

/// Write a snapshot to a reserved output as it is encoded (the file is never in memory
/// whole: a large network's snapshot is hundreds of MB).
///
/// # Errors
/// Encoding or writing errors, naming the destination.
pub fn put_snapshot(
    outs: &mut Outputs,
    id: super::atomic::OutputId,
    snap: &Snapshot,
) -> CliResult<()> {
    let dest = outs.dest(id).to_path_buf();
    outs.write_with(id, |w| {
        snap.write_to(w, &dest)
            .map_err(|e| CliError::functional(&dest, e))
    })
}

/// Run the command, on one pool of `--threads` threads from reading the input to writing
/// the outputs ([`on_pool`]).
///
/// # Errors
/// Any [`CliError`]; no output file is left behind then.
pub fn simulate(a: &SimulateArgs) -> CliResult<()> {
    on_pool(a.threads, || simulate_on_pool(a))
}

fn simulate_on_pool(a: &SimulateArgs) -> CliResult<()> {
    let (loaded, x) = load(a, |module, net_file| {
        let x = read_input(&a.input, module.size_in(), super::budget::bytes())?;
        let (b, t) = (x.shape()[0], x.shape()[1]);
        let record = super::run::recording(module, a.record.is_some());
        super::budget::check_run(module, net_file, b, t, record)?;
        Ok(x)
    })?;
    let module = loaded.module.as_ref();
    let (b, t) = (x.shape()[0], x.shape()[1]);
    // The step count after this run must not wrap (a snapshot at step 2⁶⁴−1 resumes nowhere).
    let Some(end_step) = loaded.start_step.checked_add(t as u64) else {
        return Err(CliError::file(
            &loaded.net_file,
            format!(
                "the snapshot is at step {}; {t} more step(s) would pass the last step count \
                 (2⁶⁴−1)",
                loaded.start_step
            ),
        ));
    };
    if a.resume.is_some() {
        module.batch_state(&loaded.state, b).map_err(|e| {
            CliError::file(
                &loaded.net_file,
                format!("the snapshot's state does not fit an input of {b} sample(s): {e}"),
            )
        })?;
    }

    // Reserve every output before the work: a bad folder fails now.
    let mut outs = Outputs::new();
    let out_id = outs.reserve(&a.output)?;
    let rec_id = a.record.as_deref().map(|p| outs.reserve(p)).transpose()?;
    let state_id = a
        .state_npz
        .as_deref()
        .map(|p| outs.reserve(p))
        .transpose()?;
    let snap_id = a
        .save_state
        .as_deref()
        .map(|p| outs.reserve(p))
        .transpose()?;
    let sum_id = a.summary.as_deref().map(|p| outs.reserve(p)).transpose()?;
    let plot_id = a
        .plot
        .as_deref()
        .map(|p| outs.reserve_with_suffix(p, ".png"))
        .transpose()?;
    if let Some(p) = &a.plot {
        let dt = network_dt(module, &loaded.params);
        super::plot::check_plot(dt, loaded.start_step, t, module.size_out())
            .map_err(|m| CliError::file(p, m))?;
    }

    let pb = progress::bar(t as u64, "steps", a.quiet);
    let on_progress = |done: u64| pb.set_position(done);
    let on_progress: Option<&(dyn Fn(u64) + Sync)> = (!pb.is_hidden()).then_some(&on_progress);
    // Nothing reads the input after the run (the plot and summary read the output), so it
    // is given away: the output may be written into its buffer.
    let result = run(RunSpec {
        module,
        params: &loaded.params,
        state: &loaded.state,
        input: Cow::Owned(x),
        keep_record: a.record.is_some(),
        on_progress,
        input_file: &a.input,
        net_file: &loaded.net_file,
    })?;
    pb.finish_and_clear();

    put_npy(&mut outs, out_id, &result.output)?;
    if let (Some(id), Some(rec)) = (rec_id, &result.record) {
        let dest = outs.dest(id).to_path_buf();
        outs.write_with(id, |w| {
            write_record_npz(w, rec).map_err(|e| CliError::io(&dest, "write", &e))
        })?;
    }
    if let Some(id) = state_id {
        let dest = outs.dest(id).to_path_buf();
        outs.write_with(id, |w| {
            write_state_npz(w, &result.state).map_err(|e| CliError::io(&dest, "write", &e))
        })?;
    }
    if let Some(id) = snap_id {
        let snap = Snapshot::capture(module, &loaded.params, &result.state, end_step)
            .map_err(|e| CliError::functional(outs.dest(id), e))?;
        put_snapshot(&mut outs, id, &snap)?;
    }
    if let Some(id) = sum_id {
        let path_json = |p: &Option<PathBuf>| {
            p.as_ref()
                .map_or(Json::Null, |p| json!(p.display().to_string()))
        };
        let extra = [
            ("network", path_json(&a.net)),
            ("input", json!(a.input.display().to_string())),
            ("resumed_from", path_json(&a.resume)),
            ("seed", a.seed.map_or(Json::Null, |s| json!(s))),
        ];
        let summary = summary_json(module, &result, loaded.start_step, &extra);
        let text = serde_json::to_string_pretty(&summary).map_err(CliError::other)? + "\n";
        outs.write_bytes(id, text.as_bytes())?;
    }
    if let Some(id) = plot_id {
        let dest = outs.dest(id).to_path_buf();
        let dt = network_dt(module, &loaded.params);
        let title = format!("{} output, sample 0 of {b}", module.class_name());
        outs.write_via_path(id, |tmp| {
            plot_output(
                tmp,
                &result.output,
                module.spiking_output(),
                dt,
                loaded.start_step,
                &title,
                (1000, 500),
            )
            .map_err(|m| CliError::file(&dest, m))
        })?;
    }
    let written = outs.commit()?;

    if !a.quiet {
        report(module, &result, &written, b, t);
    }
    Ok(())
}

fn report(
    module: &dyn Module,
    result: &super::run::RunResult,
    written: &[PathBuf],
    b: usize,
    t: usize,
) {
    let neurons = super::run::neuron_count(module);
    let rate = if result.seconds > 0.0 {
        (b * t * neurons) as f64 / result.seconds
    } else {
        0.0
    };
    say(&format!(
        "simulated {} {} for {b} sample(s) × {t} step(s) in {} ({}neuron-steps/s)",
        module.class_name(),
        format_shape(&module.shape()),
        super::run::seconds(result.seconds),
        si(rate)
    ));
    for s in &result.spikes {
        let hz = s
            .rate_hz
            .map_or(String::new(), |r| format!(", {r:.2} Hz per neuron"));
        say(&format!("  {}: {} spikes{hz}", s.label, s.count));
    }
    let names: Vec<String> = written.iter().map(|p| show(p)).collect();
    say(&format!("  wrote {}", names.join(", ")));
}

/// A path for messages.
pub fn show(p: &Path) -> String {
    p.display().to_string()
}
