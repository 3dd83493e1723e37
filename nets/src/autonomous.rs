//! An input-free evolve of a [`Lif`] with reset to value (optionally a refractory period
//! and sparse recurrent weights), 1 or 2 synapses per neuron, `f64`, no noise: the state is
//! kept in place, parameters shared by every neuron are scalars, and the spikes come back
//! as events `(step, neuron)` instead of a dense `(T, N)` output. For long recurrent
//! simulations such as CUBA (`docs/models.md` §7, `docs/performance.md` §CUBA).
//!
//! The arithmetic is `lif_options`' fused step with a zero input, operation for operation,
//! so the numbers are those of `Lif::evolve` to the bit. Threads own contiguous neuron
//! ranges; each accumulates the recurrent input of its own targets (its part of every
//! spiking row) in the serial order (rows by neuron, synapses by column) and adds it into
//! `isyn` where it reaches (`recurrent`: the neuron pass streams no recurrent plane), so
//! the bits do not depend on the thread count or on how a run is split into calls. The
//! refractory counters, integers in `f64` in the module's state, are `u16` here, and the
//! neurons they hold are a short list beside the neuron pass (`held`).
//!
//! ```
//! use littoral_core::{Module, ModuleExt};
//! use littoral_nets::{Lif, Reset, autonomous::Autonomous};
//! let lif = Lif::new(3).with_reset(Reset::ToValue).with_bias(0.3)?;
//! let mut tree = lif.init(0);
//! let mut run = Autonomous::new(&lif, &tree)?;
//! let spikes = run.run(100)?;
//! assert!(!spikes.is_empty());
//! run.write_state(&mut tree)?;
//! # Ok::<(), littoral_core::Error>(())
//! ```

mod barrier;
mod dispatch;
mod held;
mod pass;
mod recurrent;
mod rows;

use crate::Lif;
use crate::lif_options::Reset;
use crate::neuron::NeuronModel;
use crate::view::scalar;
use barrier::{StepBarrier, Waiter};
pub(crate) use dispatch::evolve_if_autonomous;
use held::Held;
use littoral_core::{Array, Error, Kind, Leaf, ModuleExt, Precision, Result, Tree, TreeExt};
use pass::{Consts, PartState};
use recurrent::Targets;
use rows::Rows;
use std::sync::{Mutex, RwLock};

/// One spike: the step within the [`Autonomous::run`] call that emitted it (from 0) and
/// the neuron.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spike {
    /// Step within the call.
    pub step: u32,
    /// Neuron index.
    pub neuron: u32,
}

/// Default neurons per thread at least: below it a thread's share of a step costs less
/// than the per-step synchronisation.
pub const MIN_PART: usize = 4096;

/// A [`Lif`]'s input-free evolution in place; see the module docs.
#[derive(Debug)]
pub struct Autonomous {
    consts: Consts,
    /// Sparse recurrent weights (`None`: no recurrence).
    sparse: Option<Rows>,
    vmem: Vec<f64>,
    /// Per synapse, its currents (planes; the second empty with 1 synapse).
    isyn: [Vec<f64>; 2],
    /// Remaining refractory steps (empty without a refractory period).
    refractory: Vec<u16>,
    /// The spike counts of the last step, non-zero only: `(neuron, count)`.
    last: Vec<(u32, f64)>,
    /// Neurons per thread at least.
    min_part: usize,
}

impl Autonomous {
    /// The network `lif` with parameters and state from `params` (an unbatched tree, as
    /// `Module::init` makes it).
    ///
    /// # Errors
    /// Invalid parameters; a module outside the fast path's cases (subtractive reset,
    /// float32, noise, dense `w_rec`, more than 2 synapses per neuron, a refractory period
    /// or counter that is not a whole number of steps in `0..=65535`), named.
    pub fn new(lif: &Lif, params: &Tree) -> Result<Self> {
        lif.check_params(params)?;
        let (n, s) = (lif.n_neurons(), lif.n_synapses());
        let unsupported = |what: &str| Err(Error::invalid("autonomous", what.to_string()));
        if lif.reset() != Reset::ToValue {
            return unsupported("needs reset = \"to_value\"");
        }
        if lif.precision() != Precision::F64 {
            return unsupported("needs float64 precision");
        }
        if !(s == 1 || s == 2) {
            return unsupported("needs 1 or 2 synapses per neuron");
        }
        if lif.has_rec() && lif.sparse_w_rec().is_none() {
            return unsupported("needs sparse w_rec (or none)");
        }
        if scalar(params, "noise_std")? != 0.0 {
            return unsupported("needs noise_std = 0");
        }
        if n > u32::MAX as usize {
            return unsupported("needs at most 2^32 - 1 neurons");
        }
        let p = lif.decode::<f64>(params)?;
        let c = p.consts(n, s);
        let o = &p.options;
        let v_reset = o.v_reset.clone().unwrap_or_default();
        let counter_range = "needs refractory periods and counters of 0..=65535 whole steps";
        let refractory = match o.refractory {
            Some(r) => Some(counter(r).ok_or_else(|| Error::invalid("autonomous", counter_range))?),
            None => None,
        };
        let consts = Consts::new(
            n,
            s,
            [c.alpha, c.beta, c.bias, c.threshold, &v_reset],
            refractory,
        );
        let sparse = o
            .sparse
            .as_ref()
            .map(|sw| Rows::new(sw.structure.clone(), sw.data.clone(), s));
        let state = |name: &str, len: usize| -> Result<Vec<f64>> {
            let a = params.array(name)?;
            if a.len() != len {
                return Err(Error::shape(name, &[vec![len]], a.shape()));
            }
            Ok(a.data().to_vec())
        };
        let last = state("spikes", n)?
            .into_iter()
            .enumerate()
            .filter(|(_, c)| *c != 0.0)
            .map(|(j, c)| (j as u32, c))
            .collect();
        Ok(Autonomous {
            consts,
            sparse,
            vmem: state("vmem", n)?,
            isyn: {
                let isyn = state("isyn", n * s)?;
                [0, 1].map(|syn| {
                    let plane = isyn.iter().skip(syn).step_by(s);
                    plane.take(if syn < s { n } else { 0 }).copied().collect()
                })
            },
            refractory: if o.refractory.is_some() {
                state("refractory_steps", n)?
                    .into_iter()
                    .map(counter)
                    .collect::<Option<_>>()
                    .ok_or_else(|| Error::invalid("autonomous", counter_range))?
            } else {
                Vec::new()
            },
            last,
            min_part: MIN_PART,
        })
    }

    /// The number of neurons.
    pub fn n_neurons(&self) -> usize {
        self.consts.n
    }

    /// Use at most one thread per `neurons` neurons (default [`MIN_PART`]; at least 1).
    /// The bits do not depend on it.
    pub fn with_min_part(mut self, neurons: usize) -> Self {
        self.min_part = neurons.max(1);
        self
    }

    /// Write the state (`spikes`, `isyn`, `vmem`, `refractory_steps`) into `tree`.
    ///
    /// # Errors
    /// None in practice (the shapes are the module's).
    pub fn write_state(&self, tree: &mut Tree) -> Result<()> {
        let (n, s) = (self.consts.n, self.consts.n_syn);
        let mut spikes = vec![0.0; n];
        for &(j, c) in &self.last {
            spikes[j as usize] = c;
        }
        let mut put = |name: &str, shape: Vec<usize>, v: Vec<f64>| -> Result<()> {
            let leaf = Leaf::f64(Kind::State, None, Array::from_shape_vec(shape, v)?);
            tree.insert_leaf(name, leaf);
            Ok(())
        };
        put("spikes", vec![n], spikes)?;
        let isyn = (0..n * s).map(|k| self.isyn[k % s][k / s]).collect();
        put("isyn", vec![n, s], isyn)?;
        put("vmem", vec![n], self.vmem.clone())?;
        if !self.refractory.is_empty() {
            let counters = self.refractory.iter().map(|&c| f64::from(c)).collect();
            put("refractory_steps", vec![n], counters)?;
        }
        Ok(())
    }

    /// Evolve `steps` steps without input on the current rayon pool's threads, returning
    /// the spikes ordered by step, then neuron.
    ///
    /// # Errors
    /// More than `u32::MAX` steps in one call.
    pub fn run(&mut self, steps: usize) -> Result<Vec<Spike>> {
        if steps > u32::MAX as usize {
            return Err(Error::invalid(
                "steps",
                format!(
                    "expected at most {} steps per call, found {steps}",
                    u32::MAX
                ),
            ));
        }
        let n = self.consts.n;
        let ways = rayon::current_num_threads().min(n / self.min_part).max(1);
        let bounds: Vec<usize> = (0..=ways).map(|k| part_bound(n, ways, k)).collect();
        let shared = Shared {
            consts: &self.consts,
            sparse: self.sparse.as_ref(),
            bounds: &bounds,
            first: &self.last,
            fired: (0..ways)
                .map(|_| [RwLock::new(Vec::new()), RwLock::new(Vec::new())])
                .collect(),
            barrier: StepBarrier::new(ways),
            steps,
        };
        let parts = split_state(
            &mut self.vmem,
            &mut self.isyn,
            &mut self.refractory,
            &bounds,
        );
        let logs: Vec<Vec<Spike>> = if ways == 1 {
            parts.into_iter().map(|p| shared.part_loop(0, p)).collect()
        } else {
            let parts: Vec<Mutex<Option<PartState<'_>>>> =
                parts.into_iter().map(|p| Mutex::new(Some(p))).collect();
            let logs = rayon::broadcast(|ctx| {
                let taken = parts
                    .get(ctx.index())
                    .and_then(|m| m.lock().unwrap_or_else(|e| e.into_inner()).take());
                taken.map(|p| shared.part_loop(ctx.index(), p))
            });
            logs.into_iter().flatten().collect()
        };
        let last_step = steps.checked_sub(1).map(|t| t % 2);
        let last = match last_step {
            Some(parity) => shared
                .fired
                .iter()
                .flat_map(|f| {
                    read(&f[parity])
                        .iter()
                        .map(|&j| (j, 1.0))
                        .collect::<Vec<_>>()
                })
                .collect(),
            None => self.last.clone(),
        };
        self.last = last;
        Ok(merge_by_step(&logs, steps))
    }
}

/// `x` as a `u16` counter if it is one exactly (`-0.0`, fractions, NaN are not).
fn counter(x: f64) -> Option<u16> {
    let c = x as u16;
    (f64::from(c).to_bits() == x.to_bits()).then_some(c)
}

/// The first neuron of part `k` of `ways` (multiples of 64 but the last).
fn part_bound(n: usize, ways: usize, k: usize) -> usize {
    if k == ways {
        n
    } else {
        (n * k / ways) / 64 * 64
    }
}

/// The state split into the parts' ranges.
fn split_state<'a>(
    mut vmem: &'a mut [f64],
    isyn: &'a mut [Vec<f64>; 2],
    mut refractory: &'a mut [u16],
    bounds: &[usize],
) -> Vec<PartState<'a>> {
    let [isyn0, isyn1] = isyn;
    let (mut isyn0, mut isyn1) = (&mut isyn0[..], &mut isyn1[..]);
    let mut parts = Vec::with_capacity(bounds.len() - 1);
    for w in bounds.windows(2) {
        let len = w[1] - w[0];
        fn cut<'a, T>(plane: &mut &'a mut [T], len: usize) -> &'a mut [T] {
            let at = if plane.is_empty() { 0 } else { len };
            let (head, rest) = std::mem::take(plane).split_at_mut(at);
            *plane = rest;
            head
        }
        let (v, i0, i1, r) = (
            cut(&mut vmem, len),
            cut(&mut isyn0, len),
            cut(&mut isyn1, len),
            cut(&mut refractory, len),
        );
        parts.push(PartState {
            lo: w[0],
            held: Held::from_counters(w[0], r, v),
            vmem: v,
            isyn: [i0, i1],
            refractory: r,
        });
    }
    parts
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

/// The parts' spike logs (each ordered by step) merged by step, parts in neuron order.
fn merge_by_step(logs: &[Vec<Spike>], steps: usize) -> Vec<Spike> {
    let mut out = Vec::with_capacity(logs.iter().map(Vec::len).sum());
    let mut cursors = vec![0usize; logs.len()];
    for t in 0..steps as u32 {
        for (log, at) in logs.iter().zip(cursors.iter_mut()) {
            while let Some(&e) = log.get(*at).filter(|e| e.step == t) {
                out.push(e);
                *at += 1;
            }
        }
    }
    out
}

/// What every part reads during a run.
struct Shared<'a> {
    consts: &'a Consts,
    sparse: Option<&'a Rows>,
    bounds: &'a [usize],
    /// The spikes before the first step, `(neuron, count)`.
    first: &'a [(u32, f64)],
    /// Per part, the neurons that fired, by step parity.
    fired: Vec<[RwLock<Vec<u32>>; 2]>,
    barrier: StepBarrier,
    steps: usize,
}

impl Shared<'_> {
    /// Part `p`'s whole run: per step, its recurrent input, its neurons, then a barrier.
    fn part_loop(&self, p: usize, mut part: PartState<'_>) -> Vec<Spike> {
        let s = self.consts.n_syn;
        let (lo, hi) = (self.bounds[p], self.bounds[p + 1]);
        let targets = self
            .sparse
            .map(|rows| Targets::new(rows, s - 1, lo * s, hi * s));
        let mut scratch = targets.as_ref().map(Targets::scratch);
        let mut log = Vec::new();
        let mut waiter = Waiter::default();
        for t in 0..self.steps {
            if let (Some(targets), Some(scratch)) = (&targets, &mut scratch) {
                if t == 0 {
                    let events = self.first.iter().map(|&(i, c)| (i as usize, c));
                    targets.step(events, scratch, &mut part.isyn);
                } else {
                    let fired: Vec<_> = self.fired.iter().map(|f| read(&f[(t - 1) % 2])).collect();
                    let events = fired
                        .iter()
                        .flat_map(|f| f.iter().map(|&i| (i as usize, 1.0)));
                    targets.step(events, scratch, &mut part.isyn);
                }
            }
            {
                let mut mine = self.fired[p][t % 2]
                    .write()
                    .unwrap_or_else(|e| e.into_inner());
                mine.clear();
                pass::neurons(self.consts, &mut part, &mut mine);
                log.extend(mine.iter().map(|&neuron| Spike {
                    step: t as u32,
                    neuron,
                }));
            }
            self.barrier.wait(&mut waiter);
        }
        part.held.write_counters(part.lo, part.refractory);
        log
    }
}
