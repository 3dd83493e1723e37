//! `littoral demo` (and `littoral` with no command): the seed page's walkthrough, then a
//! 1,000-neuron recurrent LIF network driven by Poisson input for 2 s of simulated time.

use super::args::DemoArgs;
use super::atomic::Outputs;
use super::error::{CliError, CliResult};
use super::network::json_text;
use super::plot::plot_output;
use super::progress;
use super::pyfmt::{array_str, record_repr, tree_repr};
use super::run::{RunSpec, neuron_count, on_pool, run, si, summary_json};
use super::say;
use littoral::prelude::*;
use littoral_core::rng::{InitRng, derive_seed};
use littoral_functional::Snapshot;
use serde_json::json;
use std::borrow::Cow;
use std::sync::Arc;

/// Neurons of the recurrent network.
pub const N: usize = 1000;
/// Excitatory neurons (the first `NE`); the rest are inhibitory.
pub const NE: usize = 800;
/// Poisson input channels.
pub const N_IN: usize = 200;
/// Time steps (dt = 1 ms: 2 s).
pub const T: usize = 2000;
/// Time step in seconds.
pub const DT: f64 = 1e-3;
/// Rate of each Poisson input channel, Hz.
pub const INPUT_HZ: f64 = 20.0;
/// Connection probability (input and recurrent).
pub const P_CONNECT: f64 = 0.1;
/// Input weight.
pub const W_IN: f64 = 0.03;
/// Excitatory recurrent weight.
pub const W_E: f64 = 0.02;
/// Inhibitory recurrent weight.
pub const W_I: f64 = -0.2;
/// Membrane time constant, seconds.
pub const TAU_MEM: f64 = 0.02;
/// Synaptic time constant, seconds.
pub const TAU_SYN: f64 = 0.005;
/// The neurons whose recorded traces `record.npz` keeps: five excitatory, five inhibitory.
pub const TRACED: [usize; 10] = [0, 1, 2, 3, 4, NE, NE + 1, NE + 2, NE + 3, NE + 4];

/// The channels `keep` (axis 2) of a recorded `(B, T, N, …)` array, in that order; an
/// array of another shape is kept whole.
fn neuron_traces(a: &Array, keep: &[usize]) -> CliResult<Array> {
    let shape = a.shape();
    if shape.len() < 3 || keep.iter().any(|&j| j >= shape[2]) {
        return Ok(a.clone());
    }
    let inner: usize = shape[3..].iter().product();
    let mut data = Vec::with_capacity(shape[0] * shape[1] * keep.len() * inner);
    for row in a.data().chunks_exact(shape[2] * inner) {
        for &j in keep {
            data.extend_from_slice(&row[j * inner..(j + 1) * inner]);
        }
    }
    let mut out_shape = shape.to_vec();
    out_shape[2] = keep.len();
    Array::from_shape_vec(out_shape, data).map_err(lib)
}

/// The seed page's `ffwd_net` (a `weights`-family Parameter `w_ffwd` and a `Rate`
/// submodule `neurons`): the same code as `examples/ffwd_net.rs`, shown to users there.
#[path = "../../examples/ffwd_net.rs"]
mod ffwd_net;
use ffwd_net::FfwdNet;

fn lib(e: impl std::fmt::Display) -> CliError {
    CliError::other(format!("demo: {e}"))
}

/// Part 1 and 2: the seed page's walkthrough.
fn walkthrough(seed: u64) -> CliResult<()> {
    say("== 1. Constructing a Module ==");
    say(">>> mod = Rate(4)");
    let m = Rate::new(4);
    say(&m.repr());
    say(">>> mod = Rate(4, tau=np.ones(4))");
    let m = Rate::new(4).with_tau(vec![1.0; 4]).map_err(lib)?;
    say(&m.repr());
    say("");
    say("== 2. Evolving a Module ==");
    let mut rng = InitRng::new(derive_seed(seed, "demo.rate_input"));
    let input: Vec<f64> = (0..5 * 4).map(|_| rng.uniform(0.0, 1.0)).collect();
    let input = Array::from_shape_vec(vec![5, 4], input).map_err(lib)?;
    let tree = m.init(seed);
    say(">>> input = np.random.rand(T, mod.size_in)        # T = 5");
    say(">>> output, _, recorded_state = mod(input, record=True)");
    let ev = m.evolve(&tree, &tree, &input, true).map_err(lib)?;
    say(&format!(
        "Output shape: {}",
        littoral_core::array::format_shape(ev.output.shape())
    ));
    say(&format!("Recorded state: {}", record_repr(&ev.record)));
    say("");

    say("== 3. Building a network: ffwd_net, a `weights` Parameter and a Rate submodule ==");
    let net = Stateful::new(FfwdNet::new(4, 6), seed);
    say(">>> my_mod = ffwd_net((4, 6))");
    say(&net.repr());
    say(&format!("Parameters: {}", tree_repr(&net.parameters(None))));
    say(&format!("State: {}", tree_repr(&net.state(None))));
    say(&format!(
        "Module time constants: {}",
        tree_repr(&net.parameters("taus"))
    ));
    say(&format!(
        "Module weights: {}",
        tree_repr(&net.parameters("weights"))
    ));
    let w = net.tree().array("w_ffwd").map_err(lib)?;
    let tau = net.tree().array("neurons.tau").map_err(lib)?;
    say(&format!(".w_ffwd: {}", array_str(w)));
    say(&format!(".neurons.tau: {}", array_str(tau)));
    say("");
    Ok(())
}

/// A `rows × cols` matrix with `value` at each entry with probability `p` (0 elsewhere),
/// and row-dependent values through `value(row)`.
fn sparse(rows: usize, cols: usize, p: f64, seed: u64, value: impl Fn(usize) -> f64) -> Array {
    let mut rng = InitRng::new(seed);
    Array::from_fn(vec![rows, cols], |i| {
        if rng.uniform(0.0, 1.0) < p {
            value(i / cols)
        } else {
            0.0
        }
    })
}

/// The demo network: `Linear(200 → 1000)` (sparse input weights) and a recurrent
/// `LIF(1000)` with 800 excitatory and 200 inhibitory neurons.
pub fn demo_network(seed: u64) -> CliResult<Arc<dyn Module>> {
    let w_in = sparse(N_IN, N, P_CONNECT, derive_seed(seed, "demo.w_in"), |_| W_IN);
    let w_rec = sparse(N, N, P_CONNECT, derive_seed(seed, "demo.w_rec"), |pre| {
        if pre < NE { W_E } else { W_I }
    });
    let lif = Lif::new(N)
        .with_has_rec(true)
        .with_w_rec(w_rec)
        .and_then(|l| l.with_tau_mem(TAU_MEM))
        .and_then(|l| l.with_tau_syn(TAU_SYN))
        .and_then(|l| l.with_threshold(1.0))
        .and_then(|l| l.with_dt(DT))
        .map_err(lib)?;
    let lin = Linear::new(N_IN, N).with_weight(w_in).map_err(lib)?;
    let net = Sequential::new()
        .append(lin)
        .and_then(|s| s.append(lif))
        .map_err(lib)?;
    Ok(Arc::new(net))
}

/// Poisson spike trains `(T, N_IN)` at `INPUT_HZ`.
pub fn poisson_input(seed: u64) -> Array {
    let mut rng = InitRng::new(derive_seed(seed, "demo.poisson"));
    let p = INPUT_HZ * DT;
    Array::from_fn(vec![1, T, N_IN], |_| {
        if rng.uniform(0.0, 1.0) < p { 1.0 } else { 0.0 }
    })
}

/// Run the demo.
///
/// # Errors
/// An output folder that cannot be created or written.
pub fn demo(a: &DemoArgs) -> CliResult<()> {
    // Fail before any work when the output folder cannot be made.
    let created = !a.out.exists();
    std::fs::create_dir_all(&a.out).map_err(|e| CliError::io(&a.out, "create folder", &e))?;
    let result = on_pool(a.threads, || demo_in(a));
    if result.is_err() && created {
        let _ = std::fs::remove_dir(&a.out);
    }
    result
}

fn demo_in(a: &DemoArgs) -> CliResult<()> {
    let mut outs = Outputs::new();
    let file = |name: &str| a.out.join(name);
    let net_id = outs.reserve(&file("network.json"))?;
    let in_id = outs.reserve(&file("input.npy"))?;
    let out_id = outs.reserve(&file("output.npy"))?;
    let rec_id = outs.reserve(&file("record.npz"))?;
    let snap_id = outs.reserve(&file("state.snap"))?;
    let sum_id = outs.reserve(&file("summary.json"))?;
    let png_id = outs.reserve_with_suffix(&file("raster.png"), ".png")?;

    walkthrough(a.seed)?;

    say(&format!(
        "== 4. A 1,000-neuron recurrent LIF network ({NE} excitatory, {} inhibitory), \
         {N_IN} Poisson inputs at {INPUT_HZ} Hz, {:.1} s of simulated time ==",
        N - NE,
        T as f64 * DT
    ));
    let built = demo_network(a.seed)?;
    // The network goes through its file: what runs is what `network.json` describes.
    let tree0 = built.init(a.seed);
    let text = json_text(&littoral_nets::config::to_json(built.as_ref(), &tree0).map_err(lib)?);
    let module = littoral_nets::config::from_json_str(&text).map_err(lib)?;
    let module = module.as_ref();
    let tree = module.init(a.seed);
    say(&module.repr());
    let x = poisson_input(a.seed);
    let pb = progress::bar(T as u64, "steps", a.quiet);
    let on_progress = |done: u64| pb.set_position(done);
    let on_progress: Option<&(dyn Fn(u64) + Sync)> = (!pb.is_hidden()).then_some(&on_progress);
    let net_file = file("network.json");
    let input_file = file("input.npy");
    let spec = |keep_record, on_progress| RunSpec {
        module,
        params: &tree,
        state: &tree,
        // Lent: the input is written out and summed after the runs. Neither run could
        // write into it anyway (200 channels in, 1,000 neurons out); the recorded run's
        // LIF writes into the `Linear`'s output, handed on by `Sequential`.
        input: Cow::Borrowed(&x),
        keep_record,
        on_progress,
        input_file: &input_file,
        net_file: &net_file,
    };
    // The main run records nothing (the fused, fast path); a second run of the same
    // network, seed and input records every signal, of which a few neurons' traces are
    // kept: the same bits, so the record belongs to this output.
    let result = run(spec(false, on_progress))?;
    pb.finish_and_clear();
    let recorded = run(spec(true, None))?;
    if !recorded.output.bits_eq(&result.output) {
        return Err(CliError::other(
            "demo: the recorded run gave another output than the unrecorded one",
        ));
    }
    let mut traces = Record::new();
    for (path, a) in recorded.record.iter().flat_map(|r| r.leaves()) {
        traces.insert_path(&path, neuron_traces(a, &TRACED)?);
    }

    let neurons = neuron_count(module);
    let rate = |secs: f64| (T * neurons) as f64 / secs.max(1e-12);
    say(&format!(
        "evolved {T} steps × {neurons} neurons in {:.3} s: {}neuron-steps/s ({:.1}× real time); \
         recording every signal: {:.3} s, {}neuron-steps/s",
        result.seconds,
        si(rate(result.seconds)),
        T as f64 * DT / result.seconds.max(1e-12),
        recorded.seconds,
        si(rate(recorded.seconds)),
    ));
    let spikes = &result.output;
    let count = |range: std::ops::Range<usize>| -> f64 {
        (0..T)
            .map(|t| {
                spikes.data()[t * N + range.start..t * N + range.end]
                    .iter()
                    .sum::<f64>()
            })
            .sum()
    };
    let (ce, ci) = (count(0..NE), count(NE..N));
    let secs = T as f64 * DT;
    let (re, ri) = (ce / NE as f64 / secs, ci / (N - NE) as f64 / secs);
    let mean = (ce + ci) / N as f64 / secs;
    let silent = (0..N)
        .filter(|&j| (0..T).all(|t| spikes.data()[t * N + j] == 0.0))
        .count();
    say(&format!(
        "spikes: {} in total; mean rate {mean:.2} Hz (excitatory {re:.2} Hz, inhibitory {ri:.2} Hz); \
         {silent} silent neuron(s)",
        ce + ci
    ));
    let inputs: f64 = x.data().iter().sum();
    say(&format!(
        "input: {inputs} Poisson spikes ({:.2} Hz per channel)",
        inputs / N_IN as f64 / secs
    ));
    let most = spikes.data().iter().copied().fold(0.0, f64::max);
    let healthy = (1.0..=50.0).contains(&mean) && most <= 1.0;
    say(&format!(
        "regime: {} (mean rate {mean:.2} Hz, at most {most} spike(s) per neuron per step)",
        if healthy {
            "healthy: neither silent nor saturated"
        } else {
            "unusual: outside 1–50 Hz or saturated"
        }
    ));

    outs.write_bytes(net_id, text.as_bytes())?;
    super::simulate::put_npy(&mut outs, in_id, &x)?;
    super::simulate::put_npy(&mut outs, out_id, &result.output)?;
    let dest = outs.dest(rec_id).to_path_buf();
    outs.write_with(rec_id, |w| {
        super::simulate::write_record_npz(w, &traces).map_err(|e| CliError::io(&dest, "write", &e))
    })?;
    let snap = Snapshot::capture(module, &tree, &result.state, T as u64)
        .map_err(|e| CliError::functional(file("state.snap"), e))?;
    super::simulate::put_snapshot(&mut outs, snap_id, &snap)?;
    let extra = [
        ("network", json!(net_file.display().to_string())),
        ("input", json!(input_file.display().to_string())),
        ("seed", json!(a.seed)),
        ("recorded_evolve_seconds", json!(recorded.seconds)),
        (
            "recorded_neuron_steps_per_second",
            json!(rate(recorded.seconds)),
        ),
        ("recorded_neurons", json!(TRACED)),
    ];
    let summary = summary_json(module, &result, 0, &extra);
    let sum_text = serde_json::to_string_pretty(&summary).map_err(CliError::other)? + "\n";
    outs.write_bytes(sum_id, sum_text.as_bytes())?;
    let png_dest = file("raster.png");
    let title =
        format!("{N} LIF neurons, {N_IN} Poisson inputs at {INPUT_HZ} Hz: mean rate {mean:.1} Hz");
    outs.write_via_path(png_id, |tmp| {
        plot_output(tmp, &result.output, true, DT, 0, &title, (1200, 700))
            .map_err(|m| CliError::file(&png_dest, m))
    })?;
    let written = outs.commit()?;
    say("");
    say("wrote:");
    for p in &written {
        let size = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        say(&format!("  {}  ({})", p.display(), bytes(size)));
    }
    say("");
    say("next:");
    say(&format!(
        "  littoral inspect {} --family taus",
        net_file.display()
    ));
    say(&format!(
        "  littoral simulate {} --input {} --output y.npy --summary s.json --plot p.png",
        net_file.display(),
        input_file.display()
    ));
    say(&format!(
        "  littoral simulate --resume {} --input {} --output y2.npy   # 2 s more",
        file("state.snap").display(),
        input_file.display()
    ));
    Ok(())
}

fn bytes(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MiB", n as f64 / f64::from(1u32 << 20))
    } else if n >= 1 << 10 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{n} B")
    }
}
