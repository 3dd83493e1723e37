//! The recurrent input of one step onto one part's neurons, event-driven: accumulated in
//! a scratch plane where the step's spiking rows reach, then added into `isyn` there, so
//! the neuron pass streams no recurrent-input plane.
//!
//! The module computes, per synapse column, `isyn + (0 + irec)` in the neuron step, with
//! `irec = ((0 + c₁w₁) + c₂w₂) + …` (the events in row order, synapses in column order).
//! Here [`Targets::add_row`] sums `irec` in that order and [`Targets::apply_row`] writes
//! `isyn + irec` (`0 + irec = irec`: summed from `+0`, `irec` is never `−0`), after which
//! the neuron pass computes `(isyn + 0)·β` for every neuron: the module's
//! `(isyn + (0 + 0))·β` where no event reached, and the settled value where one did
//! (`isyn + irec` is never `−0`, so `+ 0` keeps it). A second visit of a column adds
//! `+0` to a value that is not `−0`: no change.
//!
//! A part walks only its own columns of a row (found by binary search: a row's columns
//! are sorted), so two threads do not both scan every spiking row. A row whose synapses
//! all have one weight (CUBA's: the excitatory or the inhibitory weight) reads no weight
//! array: `c · w` is the same product for each of its synapses.

use crate::sparse::Structure;
use littoral_core::Array;
use std::sync::Arc;

/// The sparse recurrent weights: structure, values, and each row's one weight.
#[derive(Debug)]
pub(super) struct Rows {
    st: Arc<Structure>,
    w: Arc<Array>,
    /// Per row, the weight all its synapses have (the same bits), if they have one.
    one: Vec<Option<f64>>,
}

impl Rows {
    /// The weights `w` (one per synapse of `st`, the module's checked `w_rec`).
    pub fn new(st: Arc<Structure>, w: Arc<Array>) -> Self {
        let one = st
            .indptr()
            .windows(2)
            .map(|r| {
                let row = w.data().get(r[0]..r[1]).unwrap_or_default();
                let first = row.first().copied();
                first.filter(|f| row.iter().all(|x| x.to_bits() == f.to_bits()))
            })
            .collect();
        Rows { st, w, one }
    }
}

/// The columns of a part's neurons in the sparse `w_rec` (`(N, N·S)`): the part's
/// `irec` holds columns `base..base + irec.len()` (`S` per neuron, as `w_rec`).
pub(super) struct Targets<'a> {
    rows: &'a Rows,
    /// `S − 1` (S is 1 or 2): the part's column `r` is synapse `r & mask` of its neuron
    /// `r / S`.
    mask: usize,
    base: usize,
    /// One past the part's last column.
    end: usize,
}

impl<'a> Targets<'a> {
    /// The columns `base..end` of `rows` (`S − 1 = mask`).
    pub fn new(rows: &'a Rows, mask: usize, base: usize, end: usize) -> Self {
        Targets {
            rows,
            mask,
            base,
            end,
        }
    }

    /// Row `i`'s synapses onto the part: their columns and the offset of the first in
    /// the weights.
    #[inline]
    fn row(&self, i: usize) -> (&'a [u32], usize) {
        let st = &*self.rows.st;
        let (a, b) = (st.indptr()[i], st.indptr()[i + 1]);
        let cols = &st.indices()[a..b];
        let from = cols.partition_point(|&k| (k as usize) < self.base);
        let to = from + cols[from..].partition_point(|&k| (k as usize) < self.end);
        (&cols[from..to], a + from)
    }

    /// `irec[r] += c · w` over row `i`'s synapses onto the part, in column order (as
    /// `Structure::accumulate_rows`).
    #[inline]
    pub fn add_row(&self, i: usize, c: f64, irec: &mut [f64]) {
        let (cols, at) = self.row(i);
        if let Some(w) = self.rows.one[i] {
            let cw = c * w;
            for &k in cols {
                if let Some(x) = irec.get_mut(k as usize - self.base) {
                    *x += cw;
                }
            }
        } else {
            let w = &self.rows.w.data()[at..at + cols.len()];
            for (&k, &w) in cols.iter().zip(w) {
                if let Some(x) = irec.get_mut(k as usize - self.base) {
                    *x += c * w;
                }
            }
        }
    }

    /// After every [`Targets::add_row`] of a step: `isyn += irec; irec = 0` where row `i`
    /// reaches (see the module docs). The plane is chosen per column by a branch (rows
    /// that reach one synapse type only, as CUBA's, predict it) rather than by indexing
    /// the planes, which costs a load and a bounds check per synapse.
    #[inline]
    pub fn apply_row(&self, i: usize, irec: &mut [f64], isyn: &mut [&mut [f64]; 2]) {
        let (cols, _) = self.row(i);
        let [isyn0, isyn1] = isyn;
        if self.mask == 0 {
            for &k in cols {
                let r = k as usize - self.base;
                if let (Some(x), Some(y)) = (irec.get_mut(r), isyn0.get_mut(r)) {
                    *y += std::mem::take(x);
                }
            }
        } else {
            for &k in cols {
                let r = k as usize - self.base;
                if let Some(x) = irec.get_mut(r) {
                    let plane = if r & 1 == 0 { &mut *isyn0 } else { &mut *isyn1 };
                    plane[r >> 1] += std::mem::take(x);
                }
            }
        }
    }
}
