//! The recurrent input of one step onto one part's neurons, event-driven: accumulated in
//! a scratch plane where the step's spiking rows reach, then added into `isyn` there, so
//! the neuron pass streams no recurrent-input plane.
//!
//! The module computes, per synapse column, `isyn + (0 + irec)` in the neuron step, with
//! `irec = ((0 + c₁w₁) + c₂w₂) + …` (the events in row order, synapses in column order).
//! Here [`Targets::step`] sums `irec` in that order and then writes `isyn + irec`
//! (`0 + irec = irec`: summed from `+0`, `irec` is never `−0`), after which the neuron
//! pass computes `(isyn + 0)·β` for every neuron: the module's `(isyn + (0 + 0))·β` where
//! no event reached, and the settled value where one did (`isyn + irec` is never `−0`, so
//! `+ 0` keeps it). A second visit of a column adds `+0` to a value that is not `−0`: no
//! change.
//!
//! A part walks only its own columns of a row (a row's columns are sorted: found by a
//! short scan from an interpolated guess), so two threads do not both scan every
//! spiking row. When every synapse onto
//! a plane has one weight (CUBA) and the step's events are at most [`MAX_TALLY`] single
//! spikes, a column's `irec` is `Rows::sums[k]` for its `k` events: the first walk counts
//! events in bytes (an eighth of the `f64` plane's cache footprint), the second adds the
//! looked-up sum.

use super::rows::{MAX_TALLY, Rows, Sums};

/// The position of the first of a row's sorted `cols` (in `0..n_post`) that is at least
/// `at`: none is below 0 and all are below `n_post` (one thread's part: no probe), else a
/// scan from where uniformly spread columns would put it. A binary search would probe
/// lines of a row not yet in cache one after the other; the scan touches the line or two
/// around the guess (its cost is at most a walk over the row).
#[inline]
fn cut(cols: &[u32], at: usize, n_post: usize) -> usize {
    if at == 0 {
        return 0;
    }
    if at >= n_post {
        return cols.len();
    }
    let guess = (cols.len() as u128 * at as u128 / n_post as u128) as usize;
    let mut i = guess.min(cols.len());
    while i < cols.len() && (cols[i] as usize) < at {
        i += 1;
    }
    while i > 0 && (cols[i - 1] as usize) >= at {
        i -= 1;
    }
    i
}

/// A part's scratch planes (one entry per column, zero between steps) and the step's
/// row spans.
#[derive(Debug)]
pub(super) struct Scratch {
    irec: Vec<f64>,
    tally: Vec<u8>,
    /// Per event of the step, its row's synapses onto the part: positions `from..to` in
    /// the structure's `indices` (and weights).
    spans: Vec<(usize, usize)>,
}

/// The columns of a part's neurons in the sparse `w_rec` (`(N, N·S)`): columns
/// `base..end` (`S` per neuron, as `w_rec`).
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

    /// Zeroed scratch planes for the part's columns.
    pub fn scratch(&self) -> Scratch {
        let len = self.end - self.base;
        Scratch {
            irec: vec![0.0; len],
            tally: vec![0; if self.rows.sums.is_some() { len } else { 0 }],
            spans: Vec::new(),
        }
    }

    /// One step's recurrent input from `events`, `(row, spike count)` in row order, added
    /// into `isyn` (see the module docs). The rows' spans onto the part are found first,
    /// all at once: their first lines, not yet in cache, are fetched together rather than
    /// one row after the other, and both walks use them.
    pub fn step<I>(&self, events: I, scratch: &mut Scratch, isyn: &mut [&mut [f64]; 2])
    where
        I: Iterator<Item = (usize, f64)> + Clone,
    {
        let Scratch { irec, tally, spans } = scratch;
        spans.clear();
        spans.extend(events.clone().map(|(i, _)| self.span(i)));
        let single =
            |(n, (_, c)): (usize, (usize, f64))| n < MAX_TALLY && c.to_bits() == 1f64.to_bits();
        let indices = self.rows.st.indices();
        match self.rows.sums.as_deref() {
            Some(sums) if events.clone().enumerate().all(single) => {
                for &(from, to) in spans.iter() {
                    self.count(&indices[from..to], tally);
                }
                for &(from, to) in spans.iter() {
                    self.apply_tally(&indices[from..to], sums, tally, isyn);
                }
            }
            _ => {
                for ((i, c), &span) in events.zip(spans.iter()) {
                    self.add_row(i, c, span, irec);
                }
                for &(from, to) in spans.iter() {
                    self.apply_row(&indices[from..to], irec, isyn);
                }
            }
        }
    }

    /// Row `i`'s synapses onto the part: positions `from..to` in `indices`. Reads the
    /// span's first column, so that the loads of a step's rows overlap.
    #[inline]
    fn span(&self, i: usize) -> (usize, usize) {
        let st = &*self.rows.st;
        let (a, b) = (st.indptr()[i], st.indptr()[i + 1]);
        let cols = &st.indices()[a..b];
        let n_post = st.n_post();
        let (from, to) = (cut(cols, self.base, n_post), cut(cols, self.end, n_post));
        std::hint::black_box(cols.get(from));
        (a + from, a + to)
    }

    /// `irec[r] += c · w` over row `i`'s synapses onto the part (`span`), in column order
    /// (as `Structure::accumulate_rows`); a row with one weight reads no weight array.
    #[inline]
    fn add_row(&self, i: usize, c: f64, (from, to): (usize, usize), irec: &mut [f64]) {
        let cols = &self.rows.st.indices()[from..to];
        if let Some(w) = self.rows.one[i] {
            let cw = c * w;
            for &k in cols {
                if let Some(x) = irec.get_mut(k as usize - self.base) {
                    *x += cw;
                }
            }
        } else {
            let w = &self.rows.w.data()[from..to];
            for (&k, &w) in cols.iter().zip(w) {
                if let Some(x) = irec.get_mut(k as usize - self.base) {
                    *x += c * w;
                }
            }
        }
    }

    /// After every [`Targets::add_row`] of a step: `isyn += irec; irec = 0` at a row's
    /// columns `cols`. The plane is chosen per column by a branch (rows that reach one
    /// synapse type only, as CUBA's, predict it) rather than by indexing the planes, which
    /// costs a load and a bounds check per synapse.
    #[inline]
    fn apply_row(&self, cols: &[u32], irec: &mut [f64], isyn: &mut [&mut [f64]; 2]) {
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

    /// `tally[r] += 1` over a row's columns `cols` onto the part (at most [`MAX_TALLY`]
    /// events a step, so no overflow).
    #[inline]
    fn count(&self, cols: &[u32], tally: &mut [u8]) {
        for &k in cols {
            if let Some(x) = tally.get_mut(k as usize - self.base) {
                *x += 1;
            }
        }
    }

    /// After every [`Targets::count`] of a step: `isyn += sums[tally]; tally = 0` at a
    /// row's columns `cols` (as [`Targets::apply_row`]: `sums[k]` is the `irec` of `k`
    /// events, `sums[0] = +0`).
    #[inline]
    fn apply_tally(&self, cols: &[u32], sums: &Sums, tally: &mut [u8], isyn: &mut [&mut [f64]; 2]) {
        let [isyn0, isyn1] = isyn;
        for &k in cols {
            let r = k as usize - self.base;
            if let Some(x) = tally.get_mut(r) {
                let n = usize::from(std::mem::take(x));
                if r & self.mask == 0 {
                    isyn0[r >> self.mask] += sums[0][n];
                } else {
                    isyn1[r >> 1] += sums[1][n];
                }
            }
        }
    }
}
