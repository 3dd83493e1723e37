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

use crate::sparse::Structure;

/// The columns of a part's neurons in the sparse `w_rec` (`(N, N·S)`): the part's
/// `irec` holds columns `base..base + irec.len()` (`S` per neuron, as `w_rec`).
pub(super) struct Targets<'a> {
    pub st: &'a Structure,
    pub w: &'a [f64],
    /// `S − 1` (S is 1 or 2): the part's column `r` is synapse `r & mask` of its neuron
    /// `r / S`.
    pub mask: usize,
    pub base: usize,
}

impl Targets<'_> {
    /// Row `i`'s column indices and weights.
    #[inline]
    fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let (a, b) = (self.st.indptr()[i], self.st.indptr()[i + 1]);
        (&self.st.indices()[a..b], &self.w[a..b])
    }

    /// `irec[r] += c · w` over row `i`'s synapses onto the part, in column order (as
    /// `Structure::accumulate_rows`).
    #[inline]
    pub fn add_row(&self, i: usize, c: f64, irec: &mut [f64]) {
        let (cols, w) = self.row(i);
        for (&k, &w) in cols.iter().zip(w) {
            if let Some(x) = irec.get_mut((k as usize).wrapping_sub(self.base)) {
                *x += c * w;
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
                let r = (k as usize).wrapping_sub(self.base);
                if let (Some(x), Some(y)) = (irec.get_mut(r), isyn0.get_mut(r)) {
                    *y += std::mem::take(x);
                }
            }
        } else {
            for &k in cols {
                let r = (k as usize).wrapping_sub(self.base);
                if let Some(x) = irec.get_mut(r) {
                    let plane = if r & 1 == 0 { &mut *isyn0 } else { &mut *isyn1 };
                    plane[r >> 1] += std::mem::take(x);
                }
            }
        }
    }
}
