//! The CUBA network (Vogels & Abbott 2005, Brian2's `examples/CUBA.py`) as one Littoral
//! `LIF`: two synapse types per neuron (excitatory τ_e, inhibitory τ_i), reset to value,
//! refractory period, sparse recurrent weights (p = 0.02, no autapses). The mapping of
//! Brian2's parameters is in `docs/models.md` §7; the statistics are Brian2's
//! (`benches/compare/brian2_cuba.py`): `mean_rate_hz = spikes / (N · duration)`,
//! `cv_isi_mean` the mean over neurons with at least 3 spikes of `std(ISI)/mean(ISI)`.

use crate::SplitMix;
use littoral_core::{Array, Kind, Leaf, Module, ModuleExt, Result, Tree};
use littoral_nets::autonomous::Autonomous;
use littoral_nets::sparse::{Connectivity, SparseInit, Weights, onto_synapses};
use littoral_nets::{Lif, Reset};

/// Brian2's CUBA constants (mV, seconds).
pub const TAU_M: f64 = 20e-3;
/// Excitatory synaptic time constant.
pub const TAU_E: f64 = 5e-3;
/// Inhibitory synaptic time constant.
pub const TAU_I: f64 = 10e-3;
/// Threshold relative to the reset potential: `V_t − V_r` (mV).
pub const THRESHOLD: f64 = 10.0;
/// Rest relative to the reset potential: `E_l − V_r` (mV).
pub const REST: f64 = 11.0;
/// Brian2's excitatory and inhibitory voltage jumps (mV).
pub const W_E: f64 = 1.62;
/// Inhibitory jump (mV).
pub const W_I: f64 = -9.0;
/// Refractory period (s).
pub const REFRACTORY: f64 = 5e-3;
/// Connection probability.
pub const P: f64 = 0.02;
/// Time step (s).
pub const DT: f64 = 1e-4;

/// A built CUBA network: the module and its tree (initial state included).
#[derive(Debug)]
pub struct Cuba {
    /// The LIF population, `shape = (2N, N)`.
    pub lif: Lif,
    /// Its parameters and initial state (`vmem` uniform in `[0, threshold)`).
    pub tree: Tree,
    /// Synapse count.
    pub synapses: usize,
}

/// Charge-matched Littoral weight of a Brian2 voltage jump `w` into a synapse of time
/// constant `tau`: `w (τ/τ_m)(e^{dt/τ} − 1)`.
pub fn charge_matched(w: f64, tau: f64) -> f64 {
    w * (tau / TAU_M) * (DT / tau).exp_m1()
}

/// Build CUBA with `n` neurons (80 % excitatory) from `seed`.
///
/// # Errors
/// None for sensible `n` (the library's construction errors otherwise).
pub fn build(n: usize, seed: u64) -> Result<Cuba> {
    let n_exc = (0.8 * n as f64).round() as usize;
    let neurons = SparseInit {
        connectivity: Connectivity::FixedProbability {
            p: P,
            autapses: false,
        },
        weights: Weights::Constant(1.0),
    }
    .build::<f64>("w_rec", n, n, seed)?;
    let (w_exc, w_inh) = (charge_matched(W_E, TAU_E), charge_matched(W_I, TAU_I));
    let w = onto_synapses(neurons, 2, |i| {
        Some(if i < n_exc { (0, w_exc) } else { (1, w_inh) })
    })?;
    let synapses = w.nnz();
    let lif = Lif::with_synapses(2 * n, n)?
        .with_reset(Reset::ToValue)
        .with_tau_mem(TAU_M)?
        .with_tau_syn(Array::from_shape_vec(vec![1, 2], vec![TAU_E, TAU_I])?)?
        .with_threshold(THRESHOLD)?
        .with_value("v_reset", 0.0.into())?
        .with_bias(REST * -(-DT / TAU_M).exp_m1())?
        .with_dt(DT)?
        .with_refractory(REFRACTORY)?
        .with_sparse_w_rec(w)?;
    let mut tree = lif.init(seed);
    let mut rng = SplitMix::new(seed ^ 0x05EE_DCBA);
    let v0: Vec<f64> = (0..n).map(|_| THRESHOLD * rng.uniform()).collect();
    tree.insert_leaf(
        "vmem",
        Leaf::f64(Kind::State, None, Array::from_shape_vec(vec![n], v0)?),
    );
    Ok(Cuba {
        lif,
        tree,
        synapses,
    })
}

/// The spike statistics of a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    /// Total spikes.
    pub spikes: u64,
    /// Per neuron: spike count, last spike step, ISI running mean and sum of squared
    /// deviations (Welford), in steps.
    per_neuron: Vec<(u64, u64, f64, f64)>,
}

impl Stats {
    fn new(n: usize) -> Self {
        Stats {
            spikes: 0,
            per_neuron: vec![(0, 0, 0.0, 0.0); n],
        }
    }

    fn spike(&mut self, neuron: usize, step: u64) {
        self.spikes += 1;
        let (count, last, mean, m2) = &mut self.per_neuron[neuron];
        if *count > 0 {
            let isi = (step - *last) as f64;
            let k = *count as f64; // ISIs so far, this one included
            let delta = isi - *mean;
            *mean += delta / k;
            *m2 += delta * (isi - *mean);
        }
        *count += 1;
        *last = step;
    }

    /// `spikes / (N · duration)`.
    pub fn mean_rate_hz(&self, duration: f64) -> f64 {
        self.spikes as f64 / (self.per_neuron.len() as f64 * duration)
    }

    /// Mean over neurons with at least 3 spikes of `std(ISI)/mean(ISI)` (population std);
    /// NaN if there is none.
    pub fn cv_isi_mean(&self) -> f64 {
        let cvs: Vec<f64> = self
            .per_neuron
            .iter()
            .filter(|(count, ..)| *count >= 3)
            .map(|&(count, _, mean, m2)| (m2 / (count - 1) as f64).sqrt() / mean)
            .collect();
        if cvs.is_empty() {
            f64::NAN
        } else {
            cvs.iter().sum::<f64>() / cvs.len() as f64
        }
    }
}

/// Evolve the network for `steps` steps without external input, `chunk` steps per call,
/// through the input-free fast path ([`Autonomous`]: state in place, spikes as events,
/// neuron ranges over the current rayon pool; the same bits as `evolve` with a zero
/// input, on any thread count and chunking), and collect the statistics.
///
/// # Errors
/// Invalid parameters or state.
pub fn simulate(net: &Cuba, steps: usize, chunk: usize) -> Result<Stats> {
    simulate_prepared(&mut prepare(net)?, steps, chunk)
}

/// The fast path's evolution of `net` before its first step: parameters checked (every
/// weight finite) and decoded, state copied.
///
/// # Errors
/// Invalid parameters or state.
pub fn prepare(net: &Cuba) -> Result<Autonomous> {
    Autonomous::new(&net.lif, &net.tree)
}

/// [`simulate`] from a [`prepare`]d evolution (the benchmark times this alone).
///
/// # Errors
/// None in practice (`chunk` is at most `u32::MAX` steps per call).
pub fn simulate_prepared(run: &mut Autonomous, steps: usize, chunk: usize) -> Result<Stats> {
    let mut stats = Stats::new(run.n_neurons());
    let chunk = chunk.clamp(1, u32::MAX as usize);
    let mut t0 = 0;
    while t0 < steps {
        let len = chunk.min(steps - t0);
        for spike in run.run(len)? {
            stats.spike(spike.neuron as usize, t0 as u64 + u64::from(spike.step));
        }
        t0 += len;
    }
    Ok(stats)
}

/// [`simulate`] through the general path, `littoral_nets::neuron::evolve` (a `(1, chunk, 2N)` zero input
/// per call, a dense spike output scanned for events): the reference the fast path is
/// tested against.
///
/// # Errors
/// Invalid parameters or state.
pub fn simulate_general(net: &Cuba, steps: usize, chunk: usize) -> Result<Stats> {
    let lif = &net.lif;
    let n = lif.n_neurons();
    lif.check_params(&net.tree)?;
    let mut state = lif.batch_state(&net.tree, 1)?;
    let chunk = chunk.max(1);
    let zeros = Array::zeros(vec![1, chunk, lif.size_in()]);
    let mut stats = Stats::new(n);
    let mut t0 = 0;
    while t0 < steps {
        let len = chunk.min(steps - t0);
        let short;
        let x = if len == chunk {
            &zeros
        } else {
            short = Array::zeros(vec![1, len, lif.size_in()]);
            &short
        };
        // The scaffold's driver directly: `evolve_batch` would take the fast path.
        let ev = littoral_nets::neuron::evolve(
            lif,
            &net.tree,
            &state,
            x.view(),
            littoral_core::Recording::Nothing,
        )?;
        for (dt, row) in ev.output.data().chunks(n).enumerate() {
            // Spikes are rare: test blocks of 16 without a branch, then search.
            for (b, block) in row.chunks(16).enumerate() {
                if block.iter().fold(0u64, |acc, &s| acc | s.to_bits()) != 0 {
                    for (j, &s) in block.iter().enumerate() {
                        if s != 0.0 {
                            stats.spike(b * 16 + j, (t0 + dt) as u64);
                        }
                    }
                }
            }
        }
        state = ev.state;
        t0 += len;
    }
    Ok(stats)
}
