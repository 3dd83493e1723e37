//! A sweep point that keeps only its summaries, evolved by blocks of samples: each block's
//! output (and record) is folded into the summaries as soon as it is computed, and the
//! whole `(B, T, N)` output is never held. A block holds at most [`BLOCK_BYTES`] of
//! output and record (one sample at least), so it stays in cache between the evolution
//! that writes it and the fold that reads it; the point's memory traffic no longer grows
//! with the batch, which is what slowed points down when every core ran one. Each block's
//! output, once folded, is handed back as the thread's spare ([`littoral_core::spare`]):
//! the next block's output is written into the same memory, which a LIF kernel then need
//! not zero first (W4's loop 0.86–0.88 of the time it took with fresh memory).
//!
//! The summaries are the same bits as those of the whole evolution:
//! - the samples of a batch never interact (the guarantee [`crate::par::evolve_par`]
//!   rests on): each block evolves its rows of the batched state (its own noise keys and
//!   steps) and its rows of the input, and gives the rows of the whole output;
//! - the sums fold the blocks in sample order into the accumulators of
//!   [`crate::summary::summarise`] (eight lanes by flat index, the tail added last), so the
//!   additions are those of one pass over the whole output.
//!
//! On any error the caller evolves the point whole, which reports it as before (a
//! non-finite input, for one, is named by its index in the whole batch).

use crate::error::{Error, Result};
use crate::par::slice_tree;
use crate::summary::{SignalSummary, SumMax, populations, signals};
use littoral_core::batch::batch_view;
use littoral_core::input_check::evolve_checked;
use littoral_core::{ArrayView, EvolveOptions, Module, ModuleExt, Recording, Tree};
use std::borrow::Cow;

/// The most bytes of output and record one block of samples holds (one sample at least).
pub(crate) const BLOCK_BYTES: usize = 2 << 20;

/// What a streamed point evolves: `module` from `params` and `state` on `inputs`, whose
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
    /// Its input, as consecutive parts of the batch in sample order: one part (the whole
    /// input) unless a shared head's output came in parts from several processes.
    pub inputs: Vec<ArrayView<'a>>,
}

impl Streamed<'_> {
    /// The summaries of the evolution, [`crate::summary::summarise_evolution`]'s bits,
    /// from blocks of at most [`BLOCK_BYTES`].
    ///
    /// # Errors
    /// Evolution errors of a block (with indices within the block); an empty batch.
    pub(crate) fn summarise(&self, options: &EvolveOptions) -> Result<Vec<SignalSummary>> {
        let steps = match self.inputs.first().map(ArrayView::shape) {
            Some([_, t, _] | [t, _] | [t]) => *t,
            _ => 0,
        };
        self.summarise_by(options, block_samples(self.network, steps, options.record))
    }

    /// [`Streamed::summarise`] by blocks of `block` samples (one at least) within each
    /// part of the input.
    fn summarise_by(&self, options: &EvolveOptions, block: usize) -> Result<Vec<SignalSummary>> {
        let block = block.max(1);
        let parts = self
            .inputs
            .iter()
            .map(|x| batch_view(*x, self.module.size_in()))
            .collect::<littoral_core::Result<Vec<_>>>()?;
        let mut sample = None;
        let mut batch = 0;
        for part in &parts {
            let &[b, steps, width] = part.view().shape() else {
                return Err(Error::Sweep("a batched input has three axes".into()));
            };
            if sample.is_some_and(|s| s != (steps, width)) {
                return Err(Error::Sweep(
                    "the parts of an input differ in their samples' shape".into(),
                ));
            }
            sample = Some((steps, width));
            batch += b;
        }
        let Some((steps, width)) = sample.filter(|_| batch > 0) else {
            return Err(Error::Sweep("no sample to stream".into()));
        };
        self.module.check_params(&self.params)?;
        let state = self.module.batch_state(&self.state, batch)?;
        let row = steps * width;
        let mut folded = Vec::new();
        // The first sample of the current part within the whole batch.
        let mut first = 0;
        for part in &parts {
            let x = part.view();
            let b = x.shape()[0];
            for start in (0..b).step_by(block) {
                let end = (start + block).min(b);
                let shape = [end - start, steps, width];
                let input = ArrayView::new(&shape, &x.data()[start * row..end * row])?;
                let st = slice_tree(&state, first + start, first + end)?;
                self.fold_block(input, &st, options, &mut folded)?;
            }
            first += b;
        }
        Ok(folded
            .iter()
            .map(|(path, spiking, dt, acc)| acc.finish(path, *spiking, *dt))
            .collect())
    }

    /// Evolve one block of samples (`input`, its rows `state` of the batched state) and
    /// fold its signals into `folded` (path, spiking, time step, sums), started by the
    /// first block.
    fn fold_block(
        &self,
        input: ArrayView<'_>,
        state: &Tree,
        options: &EvolveOptions,
        folded: &mut Vec<(String, bool, Option<f64>, SumMax)>,
    ) -> Result<()> {
        // The parameters and the state were checked by the caller; the block's input is
        // checked as `evolve` checks it (in the kernel's pass where it is claimed).
        let evolve = || {
            self.module
                .evolve_batch(&self.params, state, input, options.record)
        };
        let ev = if options.allow_non_finite_input {
            evolve()?
        } else {
            evolve_checked(input, evolve)?
        };
        let found = signals(self.network, self.network_params, &ev.output, &ev.record);
        if folded.is_empty() {
            *folded = found
                .iter()
                .map(|s| (s.path.clone(), s.spiking, s.dt, SumMax::spanning(s.span)))
                .collect();
        }
        if found.len() != folded.len()
            || found.iter().zip(folded.iter()).any(|(s, f)| s.path != f.0)
        {
            return Err(Error::Sweep(
                "the blocks of a point recorded different signals".into(),
            ));
        }
        for (s, f) in found.iter().zip(folded.iter_mut()) {
            f.3.add(s.values.data());
        }
        // The next block's output, made on this thread, is written into this one's memory
        // rather than into fresh memory zeroed first (`littoral_core::spare`).
        littoral_core::spare::give_back(ev.output.into_data());
        Ok(())
    }
}

/// Samples per block: as many as fit [`BLOCK_BYTES`] of output and, when recording, of
/// the recorded populations' outputs (what the record mostly holds: every population's,
/// or the spiking ones', a step at a time or as counts); one at least.
fn block_samples(network: &dyn Module, steps: usize, record: Recording) -> usize {
    let recorded = populations(network)
        .iter()
        .filter(|p| record.keeps_output_of(p.module))
        .map(|p| p.module.size_out())
        .sum::<usize>();
    let (per_step, per_sample) = match record {
        Recording::SpikeCounts => (network.size_out(), recorded),
        _ => (network.size_out() + recorded, 0),
    };
    let sample_bytes = steps
        .saturating_mul(per_step)
        .saturating_add(per_sample)
        .saturating_mul(8)
        .max(1);
    (BLOCK_BYTES / sample_bytes).max(1)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::{Streamed, block_samples};
    use crate::summary::{SignalSummary, summarise_evolution};
    use littoral_core::{Array, EvolveOptions, Initialiser, Module, ModuleExt, Recording, Tree};
    use littoral_nets::{Lif, Linear, Sequential};
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
            inputs: vec![x.view()],
        }
    }

    /// Blocks of any size (one sample, several, a partial last block, the whole batch)
    /// give the summaries of the whole evolution bit for bit: noise keys and recurrent
    /// state by sample, records folded, 7 × 13 elements per sample (not a multiple of 8);
    /// also with the input in two parts of the batch.
    #[test]
    fn blocks_of_any_size_give_the_bits_of_the_whole() {
        let net = noisy_net(3, 7);
        let tree = net.init(5);
        let x = Array::from_fn(vec![5, 13, 3], |i| ((i * 7919) % 17) as f64 / 5.0);
        for (record, signals) in [
            (Recording::Nothing, 1),
            (Recording::Everything, 4),
            (Recording::Spikes, 3),
            (Recording::SpikeCounts, 3),
        ] {
            let options = EvolveOptions {
                record,
                ..EvolveOptions::default()
            };
            let ev = net.evolve_with(&tree, &tree, &x, &options).unwrap();
            let whole = summarise_evolution(&net, &tree, &ev.output, &ev.record);
            assert_eq!(whole.len(), signals, "{record:?}");
            let record = format!("{record:?}");
            let (head, rest) = (x.slice_axis0(0, 2).unwrap(), x.slice_axis0(2, 5).unwrap());
            for block in [1, 2, 3, 5, 9] {
                let got = streamed(&net, &tree, &x)
                    .summarise_by(&options, block)
                    .unwrap();
                assert_eq!(bits(&got), bits(&whole), "record {record}, block {block}");
                // The input in two parts (samples 0–1 and 2–4): blocks within each part.
                let parts = Streamed {
                    inputs: vec![head.view(), rest.view()],
                    ..streamed(&net, &tree, &x)
                };
                let got = parts.summarise_by(&options, block).unwrap();
                assert_eq!(
                    bits(&got),
                    bits(&whole),
                    "parts, record {record}, block {block}"
                );
            }
        }
    }

    /// Spikes recorded as counts summarise as their trains do (sum, elements, mean, rate,
    /// bit for bit), but for the maximum, which counts do not give (NaN); and a block
    /// holds as many samples as the counts leave room for.
    #[test]
    fn counts_summarise_as_their_trains_but_for_the_maximum() {
        let net = noisy_net(3, 7);
        let tree = net.init(2);
        let x = Array::from_fn(vec![4, 30, 3], |i| ((i * 7919) % 17) as f64 / 4.0);
        let run = |record| {
            let ev = net.evolve(&tree, &tree, &x, record).unwrap();
            summarise_evolution(&net, &tree, &ev.output, &ev.record)
        };
        let (trains, counts) = (run(Recording::Spikes), run(Recording::SpikeCounts));
        assert_eq!(trains.len(), 3);
        assert_eq!(
            bits(&trains[..1]),
            bits(&counts[..1]),
            "the network's output"
        );
        for (t, c, path) in [
            (&trains[1], &counts[1], "1_LIF"),
            (&trains[2], &counts[2], "2_LIF"),
        ] {
            assert_eq!((t.path.as_str(), c.path.as_str()), (path, path));
            assert_eq!(
                (c.elements, c.sum.to_bits(), c.mean.to_bits()),
                (t.elements, t.sum.to_bits(), t.mean.to_bits())
            );
            assert_eq!(c.rate_hz.map(f64::to_bits), t.rate_hz.map(f64::to_bits));
            assert!(c.max.is_nan() && !t.max.is_nan(), "{path}");
        }
        assert!(
            trains[1].sum > 0.0 && trains[1].max >= 1.0,
            "the inner LIF spikes"
        );
        let counted = block_samples(&net, 1000, Recording::SpikeCounts);
        let trained = block_samples(&net, 1000, Recording::Spikes);
        assert_eq!(counted, (2 << 20) / ((1000 * 7 + 14) * 8));
        assert_eq!(trained, (2 << 20) / (1000 * 21 * 8));
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
        assert_eq!(bits(&s.summarise_by(&options, 3).unwrap()), bits(&whole));
        let one = x.slice_axis0(0, 1).unwrap();
        let one = Array::from_shape_vec(vec![11, 2], one.data().to_vec()).unwrap();
        let ev = net.evolve_with(&tree, &tree, &one, &options).unwrap();
        let whole = summarise_evolution(&net, &tree, &ev.output, &ev.record);
        let got = streamed(&net, &tree, &one).summarise(&options).unwrap();
        assert_eq!(bits(&got), bits(&whole));
    }

    /// Errors (left to the whole evolution to report) and the block size.
    #[test]
    fn errors_and_block_sizes() {
        let net = noisy_net(2, 5);
        let tree = net.init(1);
        let options = EvolveOptions::default();
        let empty = Array::zeros(vec![0, 4, 2]);
        assert!(streamed(&net, &tree, &empty).summarise(&options).is_err());
        let nan = Array::full(vec![2, 4, 2], f64::NAN);
        assert!(streamed(&net, &tree, &nan).summarise(&options).is_err());
        let wrong = Array::full(vec![2, 4, 3], 0.5);
        assert!(streamed(&net, &tree, &wrong).summarise(&options).is_err());
        let (good, other) = (
            Array::full(vec![1, 4, 2], 0.5),
            Array::full(vec![1, 5, 2], 0.5),
        );
        let mixed = Streamed {
            inputs: vec![good.view(), other.view()],
            ..streamed(&net, &tree, &good)
        };
        assert!(mixed.summarise(&options).is_err(), "parts of other steps");
        // W4: one sample of 500 × 512 numbers (2 MB) per block.
        let w4 = Sequential::new()
            .append(Linear::new(512, 512))
            .unwrap()
            .append(Lif::new(512))
            .unwrap();
        assert_eq!(block_samples(&w4, 500, Recording::Nothing), 1);
        assert_eq!(block_samples(&w4, 50, Recording::Nothing), 10);
        assert_eq!(
            block_samples(&w4, 50, Recording::Everything),
            3,
            "the record's two signals too"
        );
        assert_eq!(
            block_samples(&w4, 5_000, Recording::Nothing),
            1,
            "one sample at least"
        );
    }
}
