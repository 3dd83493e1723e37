//! Sweep points that keep only their summaries, evolved by blocks: each block's output
//! (and record) is folded into the summaries as soon as it is computed, and the whole
//! `(B, T, N)` output is never held. A block is a few samples whole when they fit in
//! [`BLOCK_BYTES`] of output (and record), else one sample's steps, [`SPAN_BYTES`] of
//! input and output at a time; it stays in cache between the evolution that writes it
//! and the fold that reads it, so a point's memory traffic does not grow with the batch.
//!
//! Points that share their input (the points of a sweep, on the input or on the output
//! of the chain's shared head) are walked together ([`summarise_group`]): every point of
//! the group evolves a block before the walk moves on, so each block of the input is read
//! from memory once for the whole group and from cache by the other points. Where a
//! point ran one after the other read the whole input each time (W4: 8 MB per point), a
//! group of `g` points reads it `g` times less often — what slowed points down when every
//! core (or every MPI rank of a node) ran one.
//!
//! The summaries are the same bits as those of the whole evolution:
//! - the samples of a batch never interact (the guarantee [`crate::par::evolve_par`]
//!   rests on): each block evolves its rows of the batched state (its own noise keys and
//!   steps) and its rows of the input, and gives the rows of the whole output;
//! - a sample's steps evolved a span at a time, each span from the state the last one
//!   left, are its steps evolved at once (the state holds all a module carries from one
//!   step to the next, its noise keys and step count included);
//! - the sums fold the blocks in flat-index order (sample by sample, span by span) into
//!   the accumulators of [`crate::summary::summarise`] (eight lanes by flat index, the
//!   tail added last), so the additions are those of one pass over the whole output;
//! - the points of a group share nothing but their input, which no point writes.
//!
//! On any error of a point the caller evolves that point whole, which reports it as
//! before (a non-finite input, for one, is named by its index in the whole batch).

use crate::error::{Error, Result};
use crate::par::slice_tree;
use crate::summary::{SignalSummary, SumMax, populations, signals};
use littoral_core::batch::{BatchedInput, batch_view};
use littoral_core::input_check::evolve_checked;
use littoral_core::{ArrayView, EvolveOptions, Module, ModuleExt, Tree};
use std::borrow::Cow;
use std::time::Instant;

/// The most bytes of output and record one block of whole samples holds.
pub(crate) const BLOCK_BYTES: usize = 2 << 20;

/// The most bytes of input and output one span of a sample's steps holds, when a sample
/// does not fit in [`BLOCK_BYTES`]: half of a core's L2 cache (1 MiB on the development
/// VM's EPYC), so that the span's input is still there when the group's last point reads
/// it. W4 in a cache model of that L2 (callgrind): 2.0 M lines missed instead of 25.1 M
/// one point after the other; 1 MiB spans missed 11.9 M.
pub(crate) const SPAN_BYTES: usize = 512 << 10;

/// What a streamed point evolves: `module` from `params` and `state` on `input`, whose
/// output (and record) are those of the `network` with parameters `network_params` (the
/// same module, or the tail of its chain after a shared head).
pub(crate) struct Streamed<'a> {
    /// The network the summaries describe.
    pub network: &'a dyn Module,
    /// Its parameters (time steps are read there).
    pub network_params: &'a Tree,
    /// The module evolved.
    pub module: &'a dyn Module,
    /// Its parameters.
    pub params: Cow<'a, Tree>,
    /// Its state, per sample or batched.
    pub state: Cow<'a, Tree>,
    /// Its input.
    pub input: ArrayView<'a>,
}

/// A streamed point's summaries and the seconds spent evolving and folding its blocks.
pub(crate) type Summaries = (Vec<SignalSummary>, f64);

/// The summaries of every point of `points`, each the bits of
/// [`crate::summary::summarise_evolution`] on its whole evolution, and the seconds it
/// took, walked together over blocks of their input (see the module docs); in the order of `points`.
/// A point whose input has another batch or step count than the first point's is
/// reported as an error (its caller evolves it whole).
pub(crate) fn summarise_group(
    points: &[Streamed<'_>],
    options: &EvolveOptions,
) -> Vec<Result<Summaries>> {
    let Some(first) = points.first() else {
        return Vec::new();
    };
    let steps = match first.input.shape() {
        [_, t, _] | [t, _] | [t] => *t,
        _ => 0,
    };
    let samples = block_samples(first.network, steps, options.record);
    let span = if samples > 1 || options.record {
        steps
    } else {
        span_steps(first.network, first.module, steps)
    };
    walk(points, options, samples, span)
}

/// One point of a walk: its batched input and state, the state its current sample block
/// reached, its folded summaries, the time it took, or the error that stopped it.
struct Walker<'p, 'a> {
    point: &'p Streamed<'a>,
    x: BatchedInput<'p>,
    state: Tree,
    current: Tree,
    folded: Vec<(String, bool, Option<f64>, SumMax)>,
    seconds: f64,
}

impl<'p, 'a> Walker<'p, 'a> {
    fn new(point: &'p Streamed<'a>) -> Result<Self> {
        let started = Instant::now();
        let x = batch_view(point.input, point.module.size_in())?;
        let &[batch, _, _] = x.view().shape() else {
            return Err(Error::Sweep("a batched input has three axes".into()));
        };
        if batch == 0 {
            return Err(Error::Sweep("no sample to stream".into()));
        }
        point.module.check_params(&point.params)?;
        let state = point.module.batch_state(&point.state, batch)?;
        Ok(Walker {
            point,
            x,
            state,
            current: Tree::new(),
            folded: Vec::new(),
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// `(batch, steps, width)` of the batched input.
    fn shape(&self) -> [usize; 3] {
        match self.x.view().shape() {
            &[b, t, n] => [b, t, n],
            _ => [0; 3],
        }
    }

    /// Start the block of samples `s0..s1` from their rows of the batched state.
    fn start(&mut self, s0: usize, s1: usize) -> Result<()> {
        self.current = slice_tree(&self.state, s0, s1)?;
        Ok(())
    }

    /// Evolve steps `t0..t1` of samples `s0..s1` (one sample, or every step) from the
    /// current state and fold the block's signals.
    fn advance(
        &mut self,
        s: (usize, usize),
        t: (usize, usize),
        options: &EvolveOptions,
    ) -> Result<()> {
        let started = Instant::now();
        let [_, steps, width] = self.shape();
        let ((s0, s1), (t0, t1)) = (s, t);
        let x = self.x.view();
        let row = steps * width;
        let data = &x.data()[s0 * row + t0 * width..(s1 - 1) * row + t1 * width];
        let shape = [s1 - s0, t1 - t0, width];
        let input = ArrayView::new(&shape, data)?;
        let p = self.point;
        // The parameters and the state were checked at the start; the block's input is
        // checked as `evolve` checks it (in the kernel's pass where it is claimed).
        let evolve = || {
            p.module
                .evolve_batch(&p.params, &self.current, input, options.record)
        };
        let ev = if options.allow_non_finite_input {
            evolve()?
        } else {
            evolve_checked(input, evolve)?
        };
        let found = signals(p.network, p.network_params, &ev.output, &ev.record);
        if self.folded.is_empty() {
            self.folded = found
                .iter()
                .map(|s| (s.path.clone(), s.spiking, s.dt, SumMax::default()))
                .collect();
        }
        if found.len() != self.folded.len()
            || found.iter().zip(&self.folded).any(|(s, f)| s.path != f.0)
        {
            return Err(Error::Sweep(
                "the blocks of a point recorded different signals".into(),
            ));
        }
        for (s, f) in found.iter().zip(self.folded.iter_mut()) {
            f.3.add(s.values.data());
        }
        self.current = ev.state;
        self.seconds += started.elapsed().as_secs_f64();
        Ok(())
    }

    fn finish(&self) -> Summaries {
        let summaries = self
            .folded
            .iter()
            .map(|(path, spiking, dt, acc)| acc.finish(path, *spiking, *dt))
            .collect();
        (summaries, self.seconds)
    }
}

/// [`summarise_group`] by blocks of `samples` samples (one at least) and, for blocks of
/// one sample without record, spans of `span` steps (every step otherwise).
fn walk(
    points: &[Streamed<'_>],
    options: &EvolveOptions,
    samples: usize,
    span: usize,
) -> Vec<Result<Summaries>> {
    let mut walkers: Vec<Result<Walker<'_, '_>>> = points.iter().map(Walker::new).collect();
    let Some([batch, steps, _]) = walkers
        .iter()
        .find_map(|w| w.as_ref().ok().map(Walker::shape))
    else {
        return walkers.into_iter().map(|w| w.map(|w| w.finish())).collect();
    };
    for w in &mut walkers {
        if let Ok(k) = w
            && k.shape()[..2] != [batch, steps]
        {
            *w = Err(Error::Sweep(
                "the points of a group have other inputs".into(),
            ));
        }
    }
    let samples = samples.max(1);
    let span = if samples > 1 || options.record {
        steps
    } else {
        span.max(1)
    };
    for s0 in (0..batch).step_by(samples) {
        let s1 = (s0 + samples).min(batch);
        each(&mut walkers, |w| w.start(s0, s1));
        for t0 in (0..steps).step_by(span) {
            let t1 = (t0 + span).min(steps);
            each(&mut walkers, |w| w.advance((s0, s1), (t0, t1), options));
        }
    }
    walkers.into_iter().map(|w| w.map(|w| w.finish())).collect()
}

/// Run `f` on every point still going; a point that fails stops there.
fn each<'p, 'a>(
    walkers: &mut [Result<Walker<'p, 'a>>],
    mut f: impl FnMut(&mut Walker<'p, 'a>) -> Result<()>,
) {
    for w in walkers.iter_mut() {
        if let Ok(k) = w
            && let Err(e) = f(k)
        {
            *w = Err(e);
        }
    }
}

/// Samples per block: as many as fit [`BLOCK_BYTES`] of output and, when recording, of
/// every population's output (what the record mostly holds); one at least.
fn block_samples(network: &dyn Module, steps: usize, record: bool) -> usize {
    let mut width = network.size_out();
    if record {
        width += populations(network)
            .iter()
            .map(|p| p.module.size_out())
            .sum::<usize>();
    }
    let sample_bytes = steps.saturating_mul(width).saturating_mul(8).max(1);
    (BLOCK_BYTES / sample_bytes).max(1)
}

/// Steps per span of one sample: as many as fit [`SPAN_BYTES`] of the evolved module's
/// input and the network's output; one at least, every step at most.
fn span_steps(network: &dyn Module, module: &dyn Module, steps: usize) -> usize {
    let step_bytes = (module.size_in() + network.size_out())
        .saturating_mul(8)
        .max(1);
    (SPAN_BYTES / step_bytes).clamp(1, steps.max(1))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::{Streamed, block_samples, span_steps, summarise_group, walk};
    use crate::summary::{SignalSummary, summarise_evolution};
    use littoral_core::{Array, EvolveOptions, Initialiser, Module, ModuleExt, Tree};
    use littoral_nets::{Lif, Linear, Sequential};
    use proptest::prelude::*;
    use std::borrow::Cow;

    /// A summary's fields, numbers as bits.
    type Bits = (String, bool, usize, u64, u64, u64, Option<u64>);

    /// Every field, bit for bit (`==` would take NaN for unequal and -0 for 0).
    fn bits(s: &[SignalSummary]) -> Vec<Bits> {
        s.iter()
            .map(|s| {
                (
                    s.path.clone(),
                    s.spiking,
                    s.elements,
                    s.sum.to_bits(),
                    s.mean.to_bits(),
                    s.max.to_bits(),
                    s.rate_hz.map(f64::to_bits),
                )
            })
            .collect()
    }

    fn noisy_net(n_in: usize, n: usize) -> Sequential {
        Sequential::new()
            .append(Linear::new(n_in, n).with_weight_init(Initialiser::Kaiming))
            .unwrap()
            .append(Lif::new(n).with_noise_std(0.4).unwrap().with_has_rec(true))
            .unwrap()
            .append(Lif::new(n))
            .unwrap()
    }

    fn streamed<'a>(net: &'a dyn Module, tree: &'a Tree, x: &'a Array) -> Streamed<'a> {
        Streamed {
            network: net,
            network_params: tree,
            module: net,
            params: Cow::Borrowed(tree),
            state: Cow::Borrowed(tree),
            input: x.view(),
        }
    }

    /// One point alone, as a group of one.
    fn alone(s: Streamed<'_>, options: &EvolveOptions) -> crate::Result<Vec<SignalSummary>> {
        let mut out = summarise_group(std::slice::from_ref(&s), options);
        out.pop().unwrap().map(|(s, _)| s)
    }

    /// Blocks of any size (one sample, several, a partial last block, the whole batch),
    /// spans of any length (one step, several, a partial last span, every step), give the
    /// summaries of the whole evolution bit for bit: noise keys and recurrent state by
    /// sample and step, records folded, 7 × 13 elements per sample (not a multiple of 8).
    #[test]
    fn blocks_and_spans_of_any_size_give_the_bits_of_the_whole() {
        let net = noisy_net(3, 7);
        let tree = net.init(5);
        let x = Array::from_fn(vec![5, 13, 3], |i| ((i * 7919) % 17) as f64 / 5.0);
        for record in [false, true] {
            let options = EvolveOptions {
                record,
                ..EvolveOptions::default()
            };
            let ev = net.evolve_with(&tree, &tree, &x, &options).unwrap();
            let whole = summarise_evolution(&net, &tree, &ev.output, &ev.record);
            assert_eq!(whole.len(), if record { 4 } else { 1 });
            for block in [1, 2, 3, 5, 9] {
                for span in [1, 4, 6, 13, 20] {
                    let point = streamed(&net, &tree, &x);
                    let got = walk(&[point], &options, block, span).pop().unwrap();
                    let (got, seconds) = got.unwrap();
                    assert_eq!(
                        bits(&got),
                        bits(&whole),
                        "record {record}, block {block}, span {span}"
                    );
                    assert!(seconds >= 0.0);
                }
            }
        }
    }

    /// A batched state (rows of other steps and keys) is cut by samples too, and an input
    /// of one sample `(T, N)` streams as a batch of one.
    #[test]
    fn batched_states_and_unbatched_inputs() {
        let net = noisy_net(2, 5);
        let tree = net.init(1);
        let x = Array::from_fn(vec![4, 11, 2], |i| ((i * 31) % 7) as f64 / 3.0);
        let options = EvolveOptions::default();
        let first = net.evolve_with(&tree, &tree, &x, &options).unwrap();
        let state = first.state;
        let ev = net.evolve_with(&tree, &state, &x, &options).unwrap();
        let whole = summarise_evolution(&net, &tree, &ev.output, &ev.record);
        let s = Streamed {
            state: Cow::Borrowed(&state),
            ..streamed(&net, &tree, &x)
        };
        let got = walk(&[s], &options, 1, 3).pop().unwrap().unwrap().0;
        assert_eq!(bits(&got), bits(&whole));
        let one = x.slice_axis0(0, 1).unwrap();
        let one = Array::from_shape_vec(vec![11, 2], one.data().to_vec()).unwrap();
        let ev = net.evolve_with(&tree, &tree, &one, &options).unwrap();
        let whole = summarise_evolution(&net, &tree, &ev.output, &ev.record);
        let got = alone(streamed(&net, &tree, &one), &options).unwrap();
        assert_eq!(bits(&got), bits(&whole));
    }

    /// Errors (left to the whole evolution to report), also of one point of a group (the
    /// others go on), and the block and span sizes.
    #[test]
    fn errors_and_block_sizes() {
        let net = noisy_net(2, 5);
        let tree = net.init(1);
        let options = EvolveOptions::default();
        let empty = Array::zeros(vec![0, 4, 2]);
        assert!(alone(streamed(&net, &tree, &empty), &options).is_err());
        let nan = Array::full(vec![2, 4, 2], f64::NAN);
        assert!(alone(streamed(&net, &tree, &nan), &options).is_err());
        let wrong = Array::full(vec![2, 4, 3], 0.5);
        assert!(alone(streamed(&net, &tree, &wrong), &options).is_err());
        let good = Array::full(vec![2, 4, 2], 0.5);
        let longer = Array::full(vec![2, 5, 2], 0.5);
        let group = [
            streamed(&net, &tree, &good),
            streamed(&net, &tree, &nan),
            streamed(&net, &tree, &longer),
            streamed(&net, &tree, &good),
        ];
        let got = walk(&group, &options, 1, 3);
        let ok: Vec<bool> = got.iter().map(Result::is_ok).collect();
        assert_eq!(
            ok,
            [true, false, false, true],
            "another step count fails too"
        );
        let whole = alone(streamed(&net, &tree, &good), &options).unwrap();
        assert_eq!(bits(&got[3].as_ref().unwrap().0), bits(&whole));
        assert!(summarise_group(&[], &options).is_empty());
        // W4: one sample of 500 × 512 numbers (2 MB) per block, 64 steps per span.
        let w4 = Sequential::new()
            .append(Linear::new(512, 512))
            .unwrap()
            .append(Lif::new(512))
            .unwrap();
        assert_eq!(block_samples(&w4, 500, false), 1);
        assert_eq!(block_samples(&w4, 50, false), 10);
        assert_eq!(
            block_samples(&w4, 50, true),
            3,
            "the record's two signals too"
        );
        assert_eq!(block_samples(&w4, 5_000, false), 1, "one sample at least");
        assert_eq!(span_steps(&w4, &w4, 500), 64);
        assert_eq!(span_steps(&w4, &w4, 40), 40, "every step at most");
        assert_eq!(span_steps(&w4, &w4, 0), 1);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        /// A group of points (other time constants, thresholds and noise seeds, on one
        /// input) walked together by any blocks and spans gives every point the bits of
        /// its own whole evolution.
        #[test]
        fn a_group_gives_each_point_its_own_bits(
            taus in prop::collection::vec(0.002f64..0.1, 1..6),
            threshold in 0.05f64..2.0,
            seed in 0u64..1000,
            block in 1usize..4,
            span in 1usize..12,
            record in any::<bool>(),
        ) {
            let net = noisy_net(3, 6);
            let base = net.init(seed);
            let x = Array::from_fn(vec![3, 10, 3], |i| ((i * 7919 + seed as usize) % 23) as f64 / 9.0);
            let options = EvolveOptions { record, ..EvolveOptions::default() };
            let trees: Vec<(Tree, Tree)> = taus
                .iter()
                .enumerate()
                .map(|(i, &tau)| {
                    let p = net.set(&base, "1_LIF.tau_mem", Array::full(vec![6], tau).into()).unwrap();
                    let p = net.set(&p, "2_LIF.threshold", Array::full(vec![6], threshold * (1.0 + i as f64)).into()).unwrap();
                    (p, net.init(seed + 1 + i as u64))
                })
                .collect();
            let group: Vec<Streamed<'_>> = trees
                .iter()
                .map(|(p, s)| Streamed {
                    params: Cow::Borrowed(p),
                    state: Cow::Borrowed(s),
                    network_params: p,
                    ..streamed(&net, p, &x)
                })
                .collect();
            let got = walk(&group, &options, block, span);
            for ((p, s), g) in trees.iter().zip(got) {
                let ev = net.evolve_with(p, s, &x, &options).unwrap();
                let whole = summarise_evolution(&net, p, &ev.output, &ev.record);
                prop_assert_eq!(bits(&g.unwrap().0), bits(&whole));
            }
        }
    }
}
