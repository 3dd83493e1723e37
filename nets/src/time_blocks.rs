//! Time blocks: a network whose layers run one after the other over the whole input (a
//! `Sequential` of several passes, a NIR graph) evolves in blocks of steps short enough
//! that each layer's output is still in cache when the next layer reads it, and that the
//! memory one block's layers free serves the next block's; each block starts from the
//! state the last returned. Every module gives the same bits however its input is cut in
//! time (`docs/reproducibility.md`), so the blocks give the bits of one call.

use littoral_core::array::format_shape;
use littoral_core::{Array, Error, Evolution, Record, Recording, Result, Tree};
use std::borrow::Cow;
use std::ops::Range;

/// Values (the input and every layer's output, over the batch) that one time block may
/// hold: 16 MiB of `f64`, within the last-level cache of the machines measured (the
/// command line's counting chunks of the thirty-fourth to thirty-seventh rounds ran the
/// NIR paper's CNN equally fast at 4, 16 and 64 MiB).
pub(crate) const BLOCK_VALUES: usize = 1 << 21;

/// Steps in a time block of a run that holds `values_per_step` values a step (the input
/// and every layer's output, over the batch): [`BLOCK_VALUES`] over them, at least 1.
pub(crate) fn block_steps(values_per_step: usize) -> usize {
    (BLOCK_VALUES / values_per_step.max(1)).max(1)
}

/// Evolve the steps of `output` (`(B, T, N)`: the whole run's output, written block by
/// block) in blocks of `k` (at least 1), `evolve_block(state, steps, output)` each from
/// the state the last returned (it may read what `output` holds beyond the steps written
/// so far: an input whose buffer the output reuses). Records are joined as `record` joins
/// them ([`Recording::join_in_time`]); the state is the last block's.
///
/// # Errors
/// The first error of `evolve_block`; a block's output of another shape than its part of
/// `output`; records that do not join.
pub(crate) fn evolve_in_blocks(
    state: &Tree,
    mut output: Array,
    k: usize,
    record: Recording,
    mut evolve_block: impl FnMut(&Tree, Range<usize>, &Array) -> Result<Evolution>,
) -> Result<Evolution> {
    let k = k.max(1);
    let [_, t, _] = *output.shape() else {
        return Err(Error::invalid("output", "a run's output is (B, T, N)"));
    };
    let mut state = Cow::Borrowed(state);
    // Counts are added as the blocks come (one block's worth held); trains are joined once.
    let mut records: Vec<Record> = Vec::new();
    for start in (0..t).step_by(k) {
        let steps = start..(start + k).min(t);
        let ev = evolve_block(&state, steps.clone(), &output)?;
        write_steps(&mut output, steps, &ev.output)?;
        match records.last_mut() {
            Some(sum) if record == Recording::SpikeCounts => {
                *sum = record.join_in_time(&[sum, &ev.record])?;
            }
            _ => records.push(ev.record),
        }
        state = Cow::Owned(ev.state);
    }
    let record = record.join_in_time(&records.iter().collect::<Vec<_>>())?;
    Ok(Evolution::new(output, state.into_owned(), record))
}

/// Write a block's `(B, steps, N)` output into those steps of the run's `(B, T, N)`.
fn write_steps(output: &mut Array, steps: Range<usize>, block: &Array) -> Result<()> {
    let (b, t, n) = (output.shape()[0], output.shape()[1], output.shape()[2]);
    if block.shape() != [b, steps.len(), n] {
        return Err(Error::invalid(
            "output",
            format!(
                "a time block's output is {}, expected {}",
                format_shape(block.shape()),
                format_shape(&[b, steps.len(), n])
            ),
        ));
    }
    let row = steps.len() * n;
    for (s, src) in block.data().chunks_exact(row.max(1)).enumerate() {
        let at = (s * t + steps.start) * n;
        output.data_mut()[at..at + row].copy_from_slice(src);
    }
    Ok(())
}
