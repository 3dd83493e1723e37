//! Evolution in time chunks: the one loop behind checkpoints and the command line.
//!
//! [`TimeChunks`] validates once (input shape, parameters, state) and batches the state
//! once; every chunk then evolves the next steps of the input from the state the previous
//! chunk returned, with no re-validation and no re-batching. Noise is keyed by (sample
//! key, absolute step, neuron) and the step lives in the state, so any split gives the
//! bits of one call over the whole input. A run that needs no intermediate results (no
//! progress bar, no checkpoint) is one chunk: the input is not copied and no output is
//! concatenated.
//!
//! ```
//! use littoral_core::{Array, EvolveOptions, ModuleExt};
//! use littoral_functional::chunks::TimeChunks;
//! use std::num::NonZeroUsize;
//! let lif = littoral_nets::Lif::new(2).with_noise_std(0.3)?;
//! let tree = lif.init(5);
//! let x = Array::full(vec![3, 25, 2], 0.4);
//! let mut run = TimeChunks::new(&lif, &tree, &tree, &x, EvolveOptions::default())?;
//! let mut steps_seen = Vec::new();
//! let ev = run.run(NonZeroUsize::new(10), |chunk| {
//!     steps_seen.push(chunk.end);
//!     Ok(())
//! })?;
//! assert_eq!(steps_seen, [10, 20, 25]);
//! assert!(ev.output.bits_eq(&lif.evolve(&tree, &tree, &x, false)?.output));
//! # Ok::<(), littoral_functional::Error>(())
//! ```

use crate::error::Result;
use crate::par::{concat_axis, slice_axis1};
use littoral_core::batch::{batch_input, batch_owned};
use littoral_core::input_check::{evolve_checked, evolve_checked_owned, non_finite_input};
use littoral_core::{Array, Evolution, EvolveOptions, Module, ModuleExt, Record, Recording, Tree};
use std::borrow::Cow;
use std::num::NonZeroUsize;

/// The output of one chunk: steps `start..end` of the run.
#[derive(Clone, Debug)]
pub struct Chunk {
    /// First step of the chunk (counted from the start of the input).
    pub start: usize,
    /// One past the last step.
    pub end: usize,
    /// Output `(B, end − start, Nout)`.
    pub output: Array,
    /// The record of the chunk (empty without recording).
    pub record: Record,
}

/// A run over an input, evolved chunk by chunk from a state kept between chunks.
#[derive(Debug)]
pub struct TimeChunks<'a> {
    module: &'a dyn Module,
    params: &'a Tree,
    /// The batched input (`(B, 0, Nin)` once an input given away was evolved in one
    /// chunk: it became the output).
    input: Cow<'a, Array>,
    /// Steps of the whole input.
    steps: usize,
    state: Tree,
    options: EvolveOptions,
    step: usize,
    /// The whole input was checked for NaN and infinities (or need not be).
    input_checked: bool,
}

impl<'a> TimeChunks<'a> {
    /// Validate `input` (`(T,)`, `(T, Nin)` or `(B, T, Nin)`), `params` and `state` once
    /// and batch the state, ready to evolve from step 0. NaN and infinite input (unless
    /// `options` allows it) is refused by the first chunk, once for the whole input: in
    /// the kernel's own pass when the run is one chunk, by one scan before the first of
    /// several.
    ///
    /// # Errors
    /// A bad input shape, invalid parameters, a state that does not fit.
    pub fn new(
        module: &'a dyn Module,
        params: &'a Tree,
        state: &Tree,
        input: &'a Array,
        options: EvolveOptions,
    ) -> Result<Self> {
        let input = batch_input(input, module.size_in())?;
        Self::batched(module, params, state, input, options)
    }

    /// [`TimeChunks::new`] of an input the caller gives away: a run of one chunk evolves
    /// it with [`Module::evolve_batch_owned`] (the output may be written into the input's
    /// own buffer: no new output to allocate and fault in), every chunk of several its own
    /// slice of it. The same bits as [`TimeChunks::new`].
    ///
    /// # Errors
    /// As [`TimeChunks::new`].
    pub fn new_owned(
        module: &'a dyn Module,
        params: &'a Tree,
        state: &Tree,
        input: Array,
        options: EvolveOptions,
    ) -> Result<Self> {
        let input = batch_owned(input, module.size_in())?;
        Self::batched(module, params, state, Cow::Owned(input), options)
    }

    fn batched(
        module: &'a dyn Module,
        params: &'a Tree,
        state: &Tree,
        input: Cow<'a, Array>,
        options: EvolveOptions,
    ) -> Result<Self> {
        let state = module
            .check_params(params)
            .and_then(|()| module.batch_state(state, input.shape()[0]))
            .map_err(|e| match options.allow_non_finite_input {
                // Non-finite input is reported before any other problem.
                false => non_finite_input(input.view()).unwrap_or(e),
                true => e,
            })?;
        Ok(TimeChunks {
            module,
            params,
            steps: input.shape()[1],
            input,
            state,
            input_checked: options.allow_non_finite_input,
            options,
            step: 0,
        })
    }

    /// The same run, continuing at `step` from the state given to [`TimeChunks::new`] (a
    /// resumed run: the input still covers every step from 0).
    #[must_use]
    pub fn starting_at(mut self, step: usize) -> Self {
        self.step = step.min(self.total_steps());
        self
    }

    /// Steps of the whole input.
    pub fn total_steps(&self) -> usize {
        self.steps
    }

    /// The next step to evolve.
    pub fn step(&self) -> usize {
        self.step
    }

    /// The batched input `(B, T, Nin)` (`(B, 0, Nin)` once an input given away,
    /// [`TimeChunks::new_owned`], was evolved in one chunk).
    pub fn input(&self) -> &Array {
        &self.input
    }

    /// The batched state after the chunks evolved so far.
    pub fn state(&self) -> &Tree {
        &self.state
    }

    /// The state, consuming the run.
    pub fn into_state(self) -> Tree {
        self.state
    }

    /// Evolve the next `steps` steps (fewer at the end of the input), or every remaining
    /// step when `steps` is `None`. `None` when the input is used up.
    ///
    /// # Errors
    /// Whatever the module reports. A non-finite input value is reported with its flat
    /// index in the whole input.
    pub fn next_chunk(&mut self, steps: Option<NonZeroUsize>) -> Result<Option<Chunk>> {
        let total = self.total_steps();
        let start = self.step;
        if start >= total {
            return Ok(None);
        }
        let end = steps.map_or(total, |k| start.saturating_add(k.get()).min(total));
        let ev = if start == 0 && end == total {
            // One chunk: the input is checked as in `ModuleExt::evolve_with`, inside the
            // kernel's own pass when it claims the check.
            let module = self.module;
            let (params, state, record) = (self.params, &self.state, self.options.record);
            if let Cow::Owned(x) = &mut self.input {
                // The run's own input (given away, or broadcast): evolved as given away.
                let empty = Array::from_shape_vec(vec![x.shape()[0], 0, x.shape()[2]], Vec::new())?;
                let x = std::mem::replace(x, empty);
                if self.input_checked {
                    module.evolve_batch_owned(params, state, x, record)?
                } else {
                    evolve_checked_owned(x, |x| {
                        module.evolve_batch_owned(params, state, x, record)
                    })?
                }
            } else if self.input_checked {
                module.evolve_batch(params, state, self.input.view(), record)?
            } else {
                evolve_checked(self.input.view(), || {
                    module.evolve_batch(params, state, self.input.view(), record)
                })?
            }
        } else {
            // Several chunks: the whole input is checked before the first one.
            if !self.input_checked
                && let Some(e) = non_finite_input(self.input.view())
            {
                return Err(e.into());
            }
            self.evolve(slice_axis1(self.input.view(), start, end)?)?
        };
        self.input_checked = true;
        self.state = ev.state;
        self.step = end;
        Ok(Some(Chunk {
            start,
            end,
            output: ev.output,
            record: ev.record,
        }))
    }

    /// Evolve every remaining step in chunks of `steps` (one chunk when `None`), calling
    /// `on_chunk` after each, and return the evolution of those steps: outputs
    /// concatenated in time, records joined ([`Recording::join_in_time`]), the final
    /// state. `on_chunk` may take what it wants to keep
    /// only for itself (a record it has summarised: `chunk.record = Record::new()`).
    ///
    /// # Errors
    /// As [`TimeChunks::next_chunk`]; the first error of `on_chunk`.
    pub fn run(
        mut self,
        steps: Option<NonZeroUsize>,
        mut on_chunk: impl FnMut(&mut Chunk) -> Result<()>,
    ) -> Result<Evolution> {
        let mut chunks = Vec::new();
        while let Some(mut chunk) = self.next_chunk(steps)? {
            on_chunk(&mut chunk)?;
            chunks.push(chunk);
        }
        let batch = self.input.shape()[0];
        let size_out = self.module.size_out();
        let record = self.options.record;
        let state = self.into_state();
        concat_chunks(chunks, batch, size_out, record, state)
    }

    /// One chunk of input `x` (a slice of the input: given away), from the current state
    /// (the input already checked).
    fn evolve(&self, x: Array) -> Result<Evolution> {
        Ok(self
            .module
            .evolve_batch_owned(self.params, &self.state, x, self.options.record)?)
    }
}

/// Chunks joined in time into one evolution ending in `state` (no chunk: an empty output
/// `(batch, 0, size_out)`): outputs concatenated, records as `record` joins them
/// ([`Recording::join_in_time`]).
///
/// # Errors
/// Chunks whose shapes do not join (not produced by one run).
pub fn concat_chunks(
    chunks: Vec<Chunk>,
    batch: usize,
    size_out: usize,
    record: Recording,
    state: Tree,
) -> Result<Evolution> {
    if chunks.len() <= 1 {
        return Ok(match chunks.into_iter().next() {
            Some(c) => Evolution::new(c.output, state, c.record),
            None => Evolution::new(Array::zeros(vec![batch, 0, size_out]), state, Record::new()),
        });
    }
    let outputs: Vec<&Array> = chunks.iter().map(|c| &c.output).collect();
    let records: Vec<&Record> = chunks.iter().map(|c| &c.record).collect();
    Ok(Evolution::new(
        concat_axis(&outputs, 1)?,
        state,
        record.join_in_time(&records)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use littoral_core::{Error, Recording, tree_bits_eq};
    use littoral_nets::Lif;

    fn noisy_lif() -> Result<Lif> {
        Ok(Lif::new(3).with_noise_std(0.2)?.with_has_rec(true))
    }

    #[test]
    fn any_split_gives_the_bits_of_one_call() -> Result<()> {
        let lif = noisy_lif()?;
        let tree = lif.init(9);
        let x = Array::from_fn(vec![2, 31, 3], |i| (i % 7) as f64 * 0.15);
        let whole = lif.evolve(&tree, &tree, &x, true)?;
        for k in [1, 7, 30, 31, 100] {
            let run = TimeChunks::new(
                &lif,
                &tree,
                &tree,
                &x,
                EvolveOptions {
                    record: Recording::Everything,
                    allow_non_finite_input: false,
                },
            )?;
            let ev = run.run(NonZeroUsize::new(k), |_| Ok(()))?;
            assert!(ev.output.bits_eq(&whole.output), "k = {k}");
            assert!(tree_bits_eq(&ev.state, &whole.state), "k = {k}");
            assert_eq!(ev.record.leaves().len(), whole.record.leaves().len());
        }
        Ok(())
    }

    /// A run given its input (evolved in place: one chunk, or chunk by chunk) gives the
    /// bits of one borrowed call, output, state and record, with and without recording.
    #[test]
    fn a_run_given_its_input_gives_the_bits_of_one_call() -> Result<()> {
        let lif = noisy_lif()?;
        let tree = lif.init(9);
        let x = Array::from_fn(vec![2, 31, 3], |i| (i % 7) as f64 * 0.15);
        for record in [false, true] {
            let whole = lif.evolve(&tree, &tree, &x, record)?;
            for k in [None, NonZeroUsize::new(7), NonZeroUsize::new(31)] {
                let options = EvolveOptions {
                    record: record.into(),
                    allow_non_finite_input: false,
                };
                let run = TimeChunks::new_owned(&lif, &tree, &tree, x.clone(), options)?;
                assert_eq!(
                    (run.total_steps(), run.input().shape()),
                    (31, &[2, 31, 3][..])
                );
                let ev = run.run(k, |_| Ok(()))?;
                assert!(ev.output.bits_eq(&whole.output), "{k:?}");
                assert!(tree_bits_eq(&ev.state, &whole.state), "{k:?}");
                assert!(littoral_core::record_bits_eq(&ev.record, &whole.record));
            }
        }
        Ok(())
    }

    #[test]
    fn a_resumed_run_continues_from_its_state() -> Result<()> {
        let lif = noisy_lif()?;
        let tree = lif.init(3);
        let x = Array::full(vec![2, 20, 3], 0.7);
        let mut first = TimeChunks::new(&lif, &tree, &tree, &x, EvolveOptions::default())?;
        let head = first.next_chunk(NonZeroUsize::new(12))?;
        assert_eq!(head.as_ref().map(|c| (c.start, c.end)), Some((0, 12)));
        let rest = TimeChunks::new(&lif, &tree, first.state(), &x, EvolveOptions::default())?
            .starting_at(12)
            .run(None, |_| Ok(()))?;
        let whole = lif.evolve(&tree, &tree, &x, false)?;
        assert!(tree_bits_eq(&rest.state, &whole.state));
        assert_eq!(rest.output.shape(), &[2, 8, 3]);
        Ok(())
    }

    #[test]
    fn non_finite_input_is_named_by_its_index_in_the_whole_input() -> Result<()> {
        let lif = noisy_lif()?;
        let tree = lif.init(0);
        let mut x = Array::full(vec![2, 30, 3], 0.1);
        let bad = 30 * 3 + 17 * 3 + 2; // sample 1, step 17, channel 2
        x.data_mut()[bad] = f64::NAN;
        let index_of =
            |e: Option<crate::Error>| match e.as_ref().and_then(crate::Error::model_error) {
                Some(Error::NonFinite { path, index, .. }) if path == "input" => Some(*index),
                _ => None,
            };
        let e = TimeChunks::new(&lif, &tree, &tree, &x, EvolveOptions::default())
            .and_then(|run| run.run(NonZeroUsize::new(10), |_| Ok(())))
            .err();
        assert_eq!(index_of(e), Some(bad));
        // Given away, in one chunk (overwritten in place as it is checked) or several.
        for k in [None, NonZeroUsize::new(10)] {
            let e = TimeChunks::new_owned(&lif, &tree, &tree, x.clone(), EvolveOptions::default())
                .and_then(|run| run.run(k, |_| Ok(())))
                .err();
            assert_eq!(index_of(e), Some(bad), "{k:?}");
        }
        Ok(())
    }
}
