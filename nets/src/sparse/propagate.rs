//! Propagation through a [`Csr`] matrix: event-driven accumulation of presynaptic spikes
//! (cost O(spikes × fan-out)) and the dense-equivalent vector–matrix product.
//!
//! **Summation order.** Every kernel adds into `out[j]` the terms `c_i · w_ij` (or `w_ij`
//! for unit spikes) in increasing presynaptic index `i`, one `+=` per term, starting from
//! the value `out[j]` had. The chunked kernel splits the *postsynaptic* range, so each
//! `out[j]` still sees the same terms in the same order: results are bit-identical for
//! any chunk length and thread count. The same order makes [`Csr::vecmat`] on a matrix
//! that stores every entry bit-identical to the plain dense loop
//! `for i { for j { out[j] += x[i] * w[i][j] } }`.

use super::csr::Csr;
use littoral_core::{Error, Real, Result};
use rayon::prelude::*;

impl<T: Real> Csr<T> {
    /// `out[j] += Σ_e w[events[e], j]` over the spiking presynaptic neurons `events`
    /// (strictly increasing indices), one spike each. Cost O(Σ fan-out of the events).
    ///
    /// ```
    /// use littoral_nets::sparse::Csr;
    /// let w = Csr::from_dense("w", 3, 2, &[1.0, 0.0, 0.0, 2.0, 4.0, 8.0], |v: f64| v != 0.0)?;
    /// let mut out = vec![0.0; 2];
    /// w.accumulate_spikes(&[0, 2], &mut out)?;
    /// assert_eq!(out, vec![5.0, 8.0]);
    /// # Ok::<(), littoral_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// `out` not of length `n_post`, or `events` not strictly increasing or out of range.
    pub fn accumulate_spikes(&self, events: &[u32], out: &mut [T]) -> Result<()> {
        self.check_events(events, None, out.len())?;
        for &i in events {
            let (cols, vals) = self.row(i as usize);
            for (&j, &w) in cols.iter().zip(vals) {
                out[j as usize] += w;
            }
        }
        Ok(())
    }

    /// `out[j] += Σ_e counts[e] · w[events[e], j]`: events with a spike count (or any
    /// value) each. With counts of 1 this gives the same bits as
    /// [`Csr::accumulate_spikes`] (`1 · w == w` exactly).
    ///
    /// # Errors
    /// As [`Csr::accumulate_spikes`], and `counts` not of the length of `events`.
    pub fn accumulate_events(&self, events: &[u32], counts: &[T], out: &mut [T]) -> Result<()> {
        self.check_events(events, Some(counts), out.len())?;
        for (&i, &c) in events.iter().zip(counts) {
            let (cols, vals) = self.row(i as usize);
            for (&j, &w) in cols.iter().zip(vals) {
                out[j as usize] += c * w;
            }
        }
        Ok(())
    }

    /// [`Csr::accumulate_events`] with the postsynaptic range split into chunks of
    /// `chunk_len` neurons run in parallel on the current rayon pool. Each chunk finds its
    /// part of every event's row by binary search, so the cost is
    /// O(spikes × (fan-out + chunks × log fan-out)); the bits are those of the sequential
    /// kernel whatever `chunk_len` and the number of threads.
    ///
    /// # Errors
    /// As [`Csr::accumulate_events`], and `chunk_len == 0`.
    pub fn accumulate_events_chunked(
        &self,
        events: &[u32],
        counts: &[T],
        out: &mut [T],
        chunk_len: usize,
    ) -> Result<()> {
        if chunk_len == 0 {
            return Err(Error::invalid("chunk_len", "expected at least 1, found 0"));
        }
        self.check_events(events, Some(counts), out.len())?;
        out.par_chunks_mut(chunk_len)
            .enumerate()
            .for_each(|(chunk, slice)| {
                let lo = chunk * chunk_len;
                let hi = lo + slice.len();
                for (&i, &c) in events.iter().zip(counts) {
                    let (cols, vals) = self.row(i as usize);
                    let start = cols.partition_point(|&j| (j as usize) < lo);
                    for (&j, &w) in cols[start..].iter().zip(&vals[start..]) {
                        let j = j as usize;
                        if j >= hi {
                            break;
                        }
                        slice[j - lo] += c * w;
                    }
                }
            });
        Ok(())
    }

    /// The dense-equivalent product `out[j] += Σ_i x[i] · w[i, j]` over **every** row
    /// (for analogue, non-spiking input): cost O(nnz).
    ///
    /// # Errors
    /// `x` not of length `n_pre` or `out` not of length `n_post`.
    pub fn vecmat(&self, x: &[T], out: &mut [T]) -> Result<()> {
        if x.len() != self.n_pre() {
            return Err(Error::invalid(
                "input",
                format!(
                    "expected {} presynaptic values, found {}",
                    self.n_pre(),
                    x.len()
                ),
            ));
        }
        self.check_out(out.len())?;
        for (i, &xi) in x.iter().enumerate() {
            let (cols, vals) = self.row(i);
            for (&j, &w) in cols.iter().zip(vals) {
                out[j as usize] += xi * w;
            }
        }
        Ok(())
    }

    fn check_out(&self, len: usize) -> Result<()> {
        if len != self.n_post() {
            return Err(Error::invalid(
                "out",
                format!(
                    "expected {} postsynaptic values, found {len}",
                    self.n_post()
                ),
            ));
        }
        Ok(())
    }

    fn check_events(&self, events: &[u32], counts: Option<&[T]>, out_len: usize) -> Result<()> {
        self.check_out(out_len)?;
        if let Some(counts) = counts
            && counts.len() != events.len()
        {
            return Err(Error::invalid(
                "counts",
                format!(
                    "expected one count per event ({}), found {}",
                    events.len(),
                    counts.len()
                ),
            ));
        }
        for (k, &i) in events.iter().enumerate() {
            if i as usize >= self.n_pre() {
                return Err(Error::invalid(
                    "events",
                    format!(
                        "event {k} names presynaptic neuron {i}: expected < n_pre = {}",
                        self.n_pre()
                    ),
                ));
            }
            if k > 0 && events[k - 1] >= i {
                return Err(Error::invalid(
                    "events",
                    format!(
                        "expected strictly increasing neuron indices (a fixed summation order), \
                         found {} after {} at event {k}",
                        i,
                        events[k - 1]
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// The events of a vector of spike counts (or any values): the indices of its non-zero
/// entries, in increasing order, and their values. Clears both outputs first.
///
/// ```
/// let (mut events, mut counts) = (Vec::new(), Vec::new());
/// littoral_nets::sparse::events_from_counts(&[0.0, 2.0, 0.0, 1.0], &mut events, &mut counts)?;
/// assert_eq!((events, counts), (vec![1, 3], vec![2.0, 1.0]));
/// # Ok::<(), littoral_core::Error>(())
/// ```
///
/// # Errors
/// A non-zero entry beyond index `u32::MAX` (events are `u32`, as are [`Csr`] indices).
pub fn events_from_counts<T: Real>(
    x: &[T],
    events: &mut Vec<u32>,
    counts: &mut Vec<T>,
) -> Result<()> {
    events.clear();
    counts.clear();
    for (i, &c) in x.iter().enumerate() {
        if c != T::zero() {
            let index = u32::try_from(i).map_err(|_| {
                Error::invalid(
                    "input",
                    format!("expected at most 2^32 neurons, found an event at index {i}"),
                )
            })?;
            events.push(index);
            counts.push(c);
        }
    }
    Ok(())
}
