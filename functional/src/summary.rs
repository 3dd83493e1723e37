//! Summaries of an evolution, in one place for the library sweep, `littoral sweep` and
//! `littoral simulate`: each module's time step, where each module's output is found, spike
//! counts and firing rates of spiking populations, mean and maximum of any signal.
//!
//! What counts as a spiking population is the module's own word
//! ([`Module::spiking_output`]); no class name is looked at.
//!
//! ```
//! use littoral_core::{Array, ModuleExt};
//! use littoral_functional::summary::{output_dt, spiking_populations};
//! use littoral_nets::{Lif, Linear, Sequential};
//! let net = Sequential::new().append(Linear::new(2, 3))?.append(Lif::new(3))?;
//! let tree = net.init(0);
//! assert_eq!(output_dt(&net, &tree), Some(1e-3));          // the LIF's dt
//! let pops = spiking_populations(&net);
//! assert_eq!(pops.len(), 1);
//! assert_eq!(pops[0].label(), "1_LIF");
//! assert!(pops[0].is_network_output());                     // no record needed for it
//! # Ok::<(), littoral_functional::Error>(())
//! ```

use littoral_core::nested::join_path;
use littoral_core::{Array, Entry, Kind, Module, Record, Recording, Tree, Value};

/// The time step of a module's output: its own scalar `dt` SimulationParameter, else its
/// last child's (the module whose output it returns), found in `params` (the module's
/// branch of a tree). `None` when there is none.
///
/// This is the one place Littoral looks up a `dt`.
pub fn output_dt(module: &dyn Module, params: &Tree) -> Option<f64> {
    if let Some(leaf) = params.get("dt")
        && leaf.kind == Kind::SimulationParameter
    {
        return match &leaf.value {
            Value::F64(a) if a.len() == 1 => Some(a.data()[0]),
            _ => None,
        };
    }
    let children = module.children();
    let (name, child) = children.last()?;
    output_dt(*child, params.branch(name)?)
}

/// Every scalar `dt` SimulationParameter of a module at any depth, as (dotted path,
/// value), in tree order.
pub fn all_dts(module: &dyn Module, params: &Tree) -> Vec<(String, f64)> {
    fn go(m: &dyn Module, params: &Tree, prefix: &str, out: &mut Vec<(String, f64)>) {
        if let Some(dt) = own_dt(params) {
            out.push((join_path(prefix, "dt"), dt));
        }
        for (name, child) in m.children() {
            if let Some(p) = params.branch(name) {
                go(child, p, &join_path(prefix, name), out);
            }
        }
    }
    let mut out = Vec::new();
    go(module, params, "", &mut out);
    out
}

fn own_dt(params: &Tree) -> Option<f64> {
    let leaf = params.get("dt")?;
    match &leaf.value {
        Value::F64(a) if leaf.kind == Kind::SimulationParameter && a.len() == 1 => {
            Some(a.data()[0])
        }
        _ => None,
    }
}

/// Where a module's output is found after an evolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A record leaf (`0_LIF_output`): combinators record each child's output.
    Record(String),
    /// The network's output.
    Output,
}

/// A module without children (a population of neurons, a weight layer, …) with its
/// dotted path and where its output is found.
#[derive(Debug, Clone)]
pub struct Population<'a> {
    /// Dotted path (`""` for a network that is a single module).
    pub path: String,
    /// The module.
    pub module: &'a dyn Module,
    /// Candidate places of its output, in order: the record leaf its parent writes, then
    /// (for the last module of a chain) the network's output.
    pub sources: Vec<Source>,
}

impl Population<'_> {
    /// The name shown in summaries: the path, or the class name for a lone module.
    pub fn label(&self) -> String {
        if self.path.is_empty() {
            self.module.class_name().to_string()
        } else {
            self.path.clone()
        }
    }

    /// Whether its output is the network's output (found without a record).
    pub fn is_network_output(&self) -> bool {
        self.sources.contains(&Source::Output)
    }

    /// Its output in an evolution, if the record (or the network's output) holds it.
    pub fn output_in<'e>(&self, output: &'e Array, record: &'e Record) -> Option<&'e Array> {
        self.sources.iter().find_map(|s| match s {
            Source::Output => Some(output),
            Source::Record(p) => record.get(p),
        })
    }

    /// Its spikes in an evolution, if the record holds them (summed over time by
    /// [`Recording::SpikeCounts`], or as trains) or they are the network's output: either
    /// way their sum is the population's spike count.
    pub fn spikes_in<'e>(&self, output: &'e Array, record: &'e Record) -> Option<&'e Array> {
        let counts = || {
            let suffix = Recording::SpikeCounts.output_suffix();
            record.get(&format!("{}{suffix}", self.path))
        };
        (!self.path.is_empty())
            .then(counts)
            .flatten()
            .or_else(|| self.output_in(output, record))
    }

    /// Its time step, from the network's `params`.
    pub fn dt(&self, params: &Tree) -> Option<f64> {
        if self.path.is_empty() {
            return output_dt(self.module, params);
        }
        match params.entry_at(&self.path)? {
            Entry::Branch(p) => output_dt(self.module, p),
            Entry::Leaf(_) => None,
        }
    }
}

/// Every module without children, depth first.
pub fn populations(module: &dyn Module) -> Vec<Population<'_>> {
    fn go<'a>(
        m: &'a dyn Module,
        prefix: &str,
        sources: Vec<Source>,
        out: &mut Vec<Population<'a>>,
    ) {
        let children = m.children();
        if children.is_empty() {
            out.push(Population {
                path: prefix.to_string(),
                module: m,
                sources,
            });
            return;
        }
        let last = children.len() - 1;
        for (i, (name, child)) in children.into_iter().enumerate() {
            let mut s = vec![Source::Record(join_path(prefix, &format!("{name}_output")))];
            if i == last {
                s.extend(sources.iter().cloned());
            }
            go(child, &join_path(prefix, name), s, out);
        }
    }
    let mut out = Vec::new();
    go(module, "", vec![Source::Output], &mut out);
    out
}

/// The populations whose output is spikes ([`Module::spiking_output`]), depth first.
pub fn spiking_populations(module: &dyn Module) -> Vec<Population<'_>> {
    populations(module)
        .into_iter()
        .filter(|p| p.module.spiking_output())
        .collect()
}

/// What an evolution must record to count the spikes of `populations`: their spike counts
/// ([`Recording::SpikeCounts`]) when one of them is not the network's output, else
/// nothing.
pub fn recording_to_count(populations: &[Population<'_>]) -> Recording {
    recording_if_inside(populations, Recording::SpikeCounts)
}

/// What an evolution must record to summarise the signals of `populations` with their
/// maxima (a sweep's [`SignalSummary`]): their spike trains ([`Recording::Spikes`]) when
/// one of them is not the network's output, else nothing. `littoral sweep` records this:
/// in its blocks of one or a few samples the fused `Linear → LIF` pass that counts would
/// allow was not faster (a dense second layer: the pass multiplies its weights 32 steps at
/// a time; record of the thirty-eighth round).
pub fn recording_to_summarise(populations: &[Population<'_>]) -> Recording {
    recording_if_inside(populations, Recording::Spikes)
}

/// `record` when one of `populations` is not the network's output, else nothing.
fn recording_if_inside(populations: &[Population<'_>], record: Recording) -> Recording {
    if populations.iter().any(|p| !p.is_network_output()) {
        record
    } else {
        Recording::Nothing
    }
}

/// Spike count and firing rate of one spiking population over a run.
#[derive(Clone, Debug, PartialEq)]
pub struct SpikeCount {
    /// [`Population::label`].
    pub label: String,
    /// Spikes over all samples and steps.
    pub count: f64,
    /// Neurons (output channels) of the population.
    pub neurons: usize,
    /// Mean firing rate per neuron in Hz (`count / (B·T·neurons) / dt`), when the
    /// population has a `dt`.
    pub rate_hz: Option<f64>,
}

/// Spike counts of `populations` accumulated over the chunks of a run.
#[derive(Clone, Debug)]
pub struct SpikeCounter<'a> {
    populations: Vec<Population<'a>>,
    counts: Vec<f64>,
}

impl<'a> SpikeCounter<'a> {
    /// A counter at zero for the spiking populations of `module`.
    pub fn new(module: &'a dyn Module) -> Self {
        let populations = spiking_populations(module);
        let counts = vec![0.0; populations.len()];
        SpikeCounter {
            populations,
            counts,
        }
    }

    /// What an evolution must record for this counter ([`recording_to_count`]).
    pub fn recording(&self) -> Recording {
        recording_to_count(&self.populations)
    }

    /// The values one sample's spike record holds per step (trains) or per call
    /// (counts): the outputs of the spiking populations.
    pub fn recorded_values(&self) -> usize {
        self.populations.iter().map(|p| p.module.size_out()).sum()
    }

    /// Add the spikes of one evolution (or chunk), recorded as trains or as counts.
    pub fn add(&mut self, output: &Array, record: &Record) {
        for (c, p) in self.counts.iter_mut().zip(&self.populations) {
            if let Some(a) = p.spikes_in(output, record) {
                *c += sum(a.data());
            }
        }
    }

    /// The counts and rates over `batch · steps` sample-steps, in population order.
    pub fn finish(&self, params: &Tree, batch: usize, steps: usize) -> Vec<SpikeCount> {
        self.populations
            .iter()
            .zip(&self.counts)
            .map(|(p, &count)| {
                let neurons = p.module.size_out();
                let elements = batch * steps * neurons;
                SpikeCount {
                    label: p.label(),
                    count,
                    neurons,
                    rate_hz: rate_hz(count, elements, p.dt(params)),
                }
            })
            .collect()
    }
}

/// Mean rate per element in Hz, `(sum / elements) / dt`, when `dt` is positive and there
/// are elements.
fn rate_hz(sum: f64, elements: usize, dt: Option<f64>) -> Option<f64> {
    dt.filter(|&d| d > 0.0 && elements > 0)
        .map(|d| sum / elements as f64 / d)
}

/// Summary statistics of one signal (the network's output or a submodule's), computed
/// sequentially (the same bits on any thread count).
#[derive(Clone, Debug, PartialEq)]
pub struct SignalSummary {
    /// `output` for the network's output, else the submodule's dotted path (`0_LIF`).
    pub path: String,
    /// Whether the module emits spikes (then `sum` is the spike count).
    pub spiking: bool,
    /// Number of elements (`B · T · N`).
    pub elements: usize,
    /// Sum of all elements: the spike count of a spiking signal.
    pub sum: f64,
    /// Mean over all elements (NaN when there is none).
    pub mean: f64,
    /// Largest element, NaN ignored, a zero maximum as `+0.0` (NaN when there is no
    /// element but NaN): the same bits whatever the order the elements are compared in.
    /// NaN for spikes recorded as counts over more than one step
    /// ([`Recording::SpikeCounts`]), which do not give it.
    pub max: f64,
    /// Mean firing rate per neuron in Hz (`mean / dt`), for a spiking signal whose module
    /// (or last submodule) has a scalar `dt`.
    pub rate_hz: Option<f64>,
}

/// One signal of an evolution, before it is summarised: where it comes from, whether it
/// is spikes, its module's time step, and its values.
#[derive(Clone, Debug)]
pub(crate) struct Signal<'e> {
    /// As [`SignalSummary::path`].
    pub path: String,
    /// As [`SignalSummary::spiking`].
    pub spiking: bool,
    /// The time step of the module that emits it.
    pub dt: Option<f64>,
    /// Its values.
    pub values: &'e Array,
    /// The steps each value spans: 1 for a signal recorded step by step, the run's steps
    /// for spikes recorded as counts ([`Recording::SpikeCounts`]).
    pub span: usize,
}

/// The network's output (`output`) and every submodule output in `record`, summarised.
pub fn summarise_evolution(
    module: &dyn Module,
    params: &Tree,
    output: &Array,
    record: &Record,
) -> Vec<SignalSummary> {
    signals(module, params, output, record)
        .into_iter()
        .map(|s| {
            let mut acc = SumMax::spanning(s.span);
            acc.add(s.values.data());
            acc.finish(&s.path, s.spiking, s.dt)
        })
        .collect()
}

/// The signals [`summarise_evolution`] summarises, in its order: the network's output,
/// then every submodule output in `record` (as recorded step by step, or spikes as
/// counts), depth first.
pub(crate) fn signals<'e>(
    module: &dyn Module,
    params: &Tree,
    output: &'e Array,
    record: &'e Record,
) -> Vec<Signal<'e>> {
    let mut out = vec![Signal {
        path: "output".into(),
        spiking: module.spiking_output(),
        dt: output_dt(module, params),
        values: output,
        span: 1,
    }];
    let steps = output.shape().get(1).copied().unwrap_or(1);
    children_signals(module, params, record, "", steps, &mut out);
    out
}

fn children_signals<'e>(
    m: &dyn Module,
    params: &Tree,
    record: &'e Record,
    prefix: &str,
    steps: usize,
    out: &mut Vec<Signal<'e>>,
) {
    let empty_tree = Tree::new();
    for (name, child) in m.children() {
        let path = join_path(prefix, name);
        let p = params.branch(name).unwrap_or(&empty_tree);
        let leaf = |recording: Recording| match record
            .entry(&format!("{name}{}", recording.output_suffix()))
        {
            Some(Entry::Leaf(a)) => Some(a),
            _ => None,
        };
        let found = leaf(Recording::Everything)
            .map(|a| (a, 1))
            .or_else(|| leaf(Recording::SpikeCounts).map(|a| (a, steps)));
        if let Some((values, span)) = found {
            out.push(Signal {
                path: path.clone(),
                spiking: child.spiking_output(),
                dt: output_dt(child, p),
                values,
                span,
            });
        }
        if let Some(r) = record.branch(name) {
            children_signals(child, p, r, &path, steps, out);
        }
    }
}

/// Sum, mean and maximum of `a` (and the rate, for a spiking signal with a `dt`).
pub fn summarise(path: &str, a: &Array, spiking: bool, dt: Option<f64>) -> SignalSummary {
    let mut acc = SumMax::default();
    acc.add(a.data());
    acc.finish(path, spiking, dt)
}

/// The sum of `data` in the fixed order of [`summarise`].
fn sum(data: &[f64]) -> f64 {
    let mut acc = SumMax::default();
    acc.add(data);
    acc.sum_max().0
}

/// Sum and maximum of a signal handed over in consecutive parts.
///
/// The sum has eight accumulators in a fixed order: element `i` of the whole goes to lane
/// `i mod 8` while a full group of eight remains, the last `len mod 8` elements are added
/// one by one after the lanes are summed. Vectorisable, and the same bits on any machine
/// that rounds IEEE-754 additions, whatever the parts (the order depends on neither
/// threads nor how the signal is cut).
///
/// The maximum ignores NaN and compares `v + 0.0` (a `-0.0` counted as `+0.0`), which
/// makes it the same bits in any order: the groups of eight are compared in four
/// interleaved sets, each its own chain of comparisons, so that they do not wait on one
/// another (one chain held a W4 sweep point's fold to half the speed of its sum). NaN
/// when there is no element but NaN.
#[derive(Clone, Debug)]
pub(crate) struct SumMax {
    lanes: [f64; 8],
    top: [f64; 8],
    /// The elements after the last full group of eight (`pending[..held]`).
    pending: [f64; 8],
    held: usize,
    elements: usize,
    /// The steps each value spans ([`Signal::span`]).
    span: usize,
}

impl Default for SumMax {
    fn default() -> Self {
        SumMax::spanning(1)
    }
}

impl SumMax {
    /// An empty fold of values that span `span` steps each (1: a signal step by step; a
    /// run's steps: spike counts, whose elements are `span` times as many as their values
    /// and whose maximum they do not give).
    pub(crate) fn spanning(span: usize) -> Self {
        SumMax {
            lanes: [0.0; 8],
            top: [f64::NAN; 8],
            pending: [0.0; 8],
            held: 0,
            elements: 0,
            span,
        }
    }

    /// Fold the next part of the signal.
    pub(crate) fn add(&mut self, mut data: &[f64]) {
        self.elements += data.len();
        if self.held > 0 {
            let take = (8 - self.held).min(data.len());
            self.pending[self.held..self.held + take].copy_from_slice(&data[..take]);
            self.held += take;
            data = &data[take..];
            if self.held < 8 {
                return;
            }
            fold_group(&mut self.lanes, &mut self.top, &self.pending);
            self.held = 0;
        }
        let (groups, rest) = data.as_chunks::<8>();
        pulp::Arch::new().dispatch(FoldGroups {
            lanes: &mut self.lanes,
            top: &mut self.top,
            groups,
        });
        self.pending[..rest.len()].copy_from_slice(rest);
        self.held = rest.len();
    }

    /// Sum and maximum of everything added.
    fn sum_max(&self) -> (f64, f64) {
        let mut sum = self.lanes.iter().sum::<f64>();
        let mut max = self.top.iter().copied().fold(f64::NAN, f64::max);
        for &v in &self.pending[..self.held] {
            sum += v;
            max = larger(max, v);
        }
        (sum, if max.is_nan() { f64::NAN } else { max })
    }

    /// The summary of everything added, as [`summarise`] gives it for the whole signal.
    pub(crate) fn finish(&self, path: &str, spiking: bool, dt: Option<f64>) -> SignalSummary {
        let n = self.elements.saturating_mul(self.span);
        let (sum, max) = self.sum_max();
        let max = if self.span > 1 { f64::NAN } else { max };
        let mean = if n == 0 { f64::NAN } else { sum / n as f64 };
        SignalSummary {
            path: path.to_string(),
            spiking,
            elements: n,
            sum,
            mean,
            max,
            rate_hz: if spiking {
                dt.filter(|d| *d > 0.0).map(|d| mean / d)
            } else {
                None
            },
        }
    }
}

/// Every group of eight folded into the lanes, compiled for the best vector instructions
/// of the CPU (chosen at run time by `pulp`): each lane adds its own elements in the same
/// order whatever the vector width, so the bits are those of the baseline build.
struct FoldGroups<'a> {
    lanes: &'a mut [f64; 8],
    top: &'a mut [f64; 8],
    groups: &'a [[f64; 8]],
}

impl pulp::WithSimd for FoldGroups<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        // The lanes and the four sets of maxima in locals: kept in registers over the
        // whole part. The sum takes the groups one after another, each set of maxima
        // every fourth group.
        let mut lanes = *self.lanes;
        let mut tops = [*self.top, [f64::NAN; 8], [f64::NAN; 8], [f64::NAN; 8]];
        let [t0, t1, t2, t3] = &mut tops;
        let (quads, rest) = self.groups.as_chunks::<4>();
        for [g0, g1, g2, g3] in quads {
            fold_group(&mut lanes, t0, g0);
            fold_group(&mut lanes, t1, g1);
            fold_group(&mut lanes, t2, g2);
            fold_group(&mut lanes, t3, g3);
        }
        for g in rest {
            fold_group(&mut lanes, t0, g);
        }
        *self.lanes = lanes;
        for (i, top) in self.top.iter_mut().enumerate() {
            *top = t0[i].max(t1[i]).max(t2[i].max(t3[i]));
        }
    }
}

/// Add a group of eight to the lanes (and keep each lane's maximum).
#[inline(always)]
fn fold_group(lanes: &mut [f64; 8], top: &mut [f64; 8], group: &[f64; 8]) {
    for ((l, t), &v) in lanes.iter_mut().zip(top.iter_mut()).zip(group) {
        *l += v;
        *t = larger(*t, v);
    }
}

/// The larger of the maximum so far `top` and `v`, NaN ignored, `v` compared as
/// `v + 0.0` (a `-0.0` as `+0.0`): any order of comparisons gives the same bits.
#[inline(always)]
fn larger(top: f64, v: f64) -> f64 {
    top.max(v + 0.0)
}

#[cfg(test)]
mod tests {
    use super::SumMax;
    use proptest::prelude::*;

    /// The reference: the one-pass sum the summaries used before [`SumMax`] (eight lanes,
    /// the rest after), and the maximum as documented, element by element in order.
    fn one_pass(data: &[f64]) -> (f64, f64) {
        let mut lanes = [0.0f64; 8];
        let chunks = data.chunks_exact(8);
        let rest = chunks.remainder();
        for c in chunks {
            for (l, &v) in lanes.iter_mut().zip(c) {
                *l += v;
            }
        }
        let mut sum = lanes.iter().sum::<f64>();
        for &v in rest {
            sum += v;
        }
        let max = data
            .iter()
            .filter(|v| !v.is_nan())
            .map(|&v| if v == 0.0 { 0.0 } else { v })
            .reduce(f64::max)
            .unwrap_or(f64::NAN);
        (sum, max)
    }

    proptest! {
        /// Any cut of a signal into consecutive parts gives the one-pass bits.
        #[test]
        fn parts_give_the_one_pass_bits(
            data in prop::collection::vec(
                prop_oneof![
                    -1e6f64..1e6,
                    Just(0.0),
                    Just(-0.0),
                    Just(1.0),
                    Just(-1.0),
                    Just(f64::NAN),
                    Just(f64::NEG_INFINITY),
                ],
                0..200,
            ),
            cuts in prop::collection::vec(0usize..200, 0..6),
        ) {
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(data.len())).collect();
            cuts.sort_unstable();
            let mut acc = SumMax::default();
            let mut start = 0;
            for c in cuts.into_iter().chain([data.len()]) {
                acc.add(&data[start..c]);
                start = c;
            }
            let (sum, max) = one_pass(&data);
            let s = acc.finish("x", true, Some(1e-3));
            prop_assert_eq!(s.elements, data.len());
            prop_assert_eq!(s.sum.to_bits(), sum.to_bits());
            prop_assert_eq!(s.max.to_bits(), max.to_bits());
        }
    }

    /// The maximum's edge cases: a signal of zeros of both signs (the maximum is `+0.0`
    /// whichever comes first), negative zeros alone, NaN only (the canonical NaN, not the
    /// payload of the elements), and nothing.
    #[test]
    fn the_maximum_of_zeros_nans_and_nothing() {
        let max = |data: &[f64]| {
            let mut acc = SumMax::default();
            acc.add(data);
            acc.finish("x", false, None).max
        };
        let mixed: Vec<f64> = (0..77)
            .map(|i| if i % 3 == 0 { 0.0 } else { -0.0 })
            .collect();
        let mut reversed = mixed.clone();
        reversed.reverse();
        assert_eq!(max(&mixed).to_bits(), 0.0f64.to_bits());
        assert_eq!(max(&reversed).to_bits(), 0.0f64.to_bits());
        assert_eq!(max(&[-0.0; 40]).to_bits(), 0.0f64.to_bits());
        let payload = f64::from_bits(f64::NAN.to_bits() | 1);
        assert_eq!(max(&[payload; 40]).to_bits(), f64::NAN.to_bits());
        assert_eq!(max(&[]).to_bits(), f64::NAN.to_bits());
        assert_eq!(max(&[payload, -3.0, payload]), -3.0);
    }
}
