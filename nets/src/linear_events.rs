//! The event-driven part of [`crate::linear::Linear`]'s product: input rows with few
//! non-zero entries (spikes) computed as sums of rows of `W`, with `W` read in column
//! panels that stay in cache while every row of a task uses them.
//!
//! A column panel of `W` taken in place is strided: a short piece of each of `Nin` rows,
//! each piece in its own 4 KiB page once a row of `W` is that long. Copied contiguous, the
//! same panel was read much faster for every shape tried (a standalone copy of the pass,
//! 2,000 rows at 5 % density: `Linear(512→512)` 5.3 ms in place, 3.3 ms copied, 4.4 ms
//! reading whole rows of `W` in place; `544→544` 5.7, 3.8 and 4.7 ms;
//! `docs/performance-record.md`, "Twenty-third round"). [`WeightPanels`] therefore copies
//! `W` panel after panel when a call has enough rows to repay the copy, and otherwise
//! reads it in place as one panel of all its columns.

use crate::spike_list::for_each_non_zero;
use littoral_core::{Array, Real};
use std::borrow::Cow;

/// Bytes of `W` a column panel holds: a quarter of a core's L2 on the machines measured
/// (1 MiB), room left for the rows' indices and outputs (128 and 512 KiB gave W2 the same
/// times).
const PANEL_BYTES: usize = 256 << 10;

/// Output columns accumulated in registers at once, by the compute type's size (four
/// AVX-512 registers either way: 64 `f32` or 32 `f64`).
const fn lanes<F>() -> usize {
    if std::mem::size_of::<F>() == 4 {
        64
    } else {
        32
    }
}

/// A weight `W` `(Nin, Nout)` in the compute type `F`, as column panels: panel after
/// panel, each `Nin` rows of its columns. One panel of every column is `W` itself.
pub(crate) struct WeightPanels<'a, F: Real> {
    data: Cow<'a, [F]>,
    k: usize,
    m: usize,
    /// Columns per panel (the last may have fewer).
    width: usize,
}

impl<'a, F: Real> WeightPanels<'a, F> {
    /// `w` (`(Nin, Nout)`, checked by the caller) for a call that multiplies `rows` input
    /// rows: copied into panels of about [`PANEL_BYTES`] when `rows` is at least `Nin`
    /// (the copy reads and writes `W` once; `Nin` rows of 5 % spikes read it `Nin`/20
    /// times), otherwise one panel, `W` as it is (rounded to `F`).
    pub(crate) fn new(w: &'a Array, rows: usize) -> Self {
        let (k, m) = (w.shape()[0], w.shape()[1]);
        let per_row = k.max(1) * std::mem::size_of::<F>();
        let width = (PANEL_BYTES / per_row / lanes::<F>()).max(1) * lanes::<F>();
        if rows >= k && width < m {
            Self::with_width(w, width)
        } else {
            WeightPanels {
                data: F::cast_slice(w.data()),
                k,
                m,
                width: m.max(1),
            }
        }
    }

    /// `w` copied into panels of `width` columns (at least one).
    pub(crate) fn with_width(w: &Array, width: usize) -> Self {
        let (k, m) = (w.shape()[0], w.shape()[1]);
        let width = width.clamp(1, m.max(1));
        let src = w.data();
        let mut data = Vec::with_capacity(k * m);
        for p0 in (0..m).step_by(width) {
            let p1 = (p0 + width).min(m);
            for row in src.chunks_exact(m.max(1)) {
                data.extend(row[p0..p1].iter().map(|&v| F::of(v)));
            }
        }
        WeightPanels {
            data: Cow::Owned(data),
            k,
            m,
            width,
        }
    }

    /// The panels: (first column, end column, the panel's `Nin × (end − first)` numbers).
    fn panels(&self) -> impl Iterator<Item = (usize, usize, &[F])> {
        (0..self.m).step_by(self.width).map(|p0| {
            let p1 = (p0 + self.width).min(self.m);
            (p0, p1, &self.data[p0 * self.k..p1 * self.k])
        })
    }
}

/// One task of [`event_rows`], compiled for the best vector instructions of the CPU
/// (chosen at run time by `pulp`).
pub(crate) struct EventRows<'a, 'w, F: Real> {
    /// The number of the task's first row in the call (to number the dense rows returned).
    pub first: usize,
    /// The task's input rows, `Nin` each.
    pub xs: &'a [f64],
    /// The task's output rows, `Nout` each.
    pub ys: &'a mut [f64],
    /// The weight, in panels.
    pub w: &'a WeightPanels<'w, F>,
    /// Rows with more non-zero inputs than this go to the dense product.
    pub limit: usize,
}

impl<F: Real> pulp::WithSimd for EventRows<'_, '_, F> {
    type Output = Vec<usize>;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> Vec<usize> {
        event_rows(self.first, self.xs, self.ys, self.w, self.limit)
    }
}

/// The event-driven pass over a block of rows (the first numbered `first`): rows with at
/// most `limit` non-zero inputs are computed, the others' indices returned (for the dense
/// product). The sparse rows are computed panel by panel of `W`'s columns, so that a panel
/// stays in cache while every row of the block uses it.
#[inline(always)]
pub(crate) fn event_rows<F: Real>(
    first: usize,
    xs: &[f64],
    ys: &mut [f64],
    w: &WeightPanels<'_, F>,
    limit: usize,
) -> Vec<usize> {
    let (k, m) = (w.k, w.m);
    let mut dense = Vec::new();
    // Non-zero input indices of the sparse rows, row after row: (row, start, end, all
    // non-zero inputs are exactly 1).
    let mut idx: Vec<u32> = Vec::with_capacity(xs.len() / k.max(1) * (limit + 1) + k);
    let mut sparse: Vec<(usize, usize, usize, bool)> = Vec::new();
    for (r, xr) in xs.chunks_exact(k).enumerate() {
        let start = idx.len();
        let ones = non_zeros(xr, &mut idx);
        if idx.len() - start <= limit {
            sparse.push((r, start, idx.len(), ones));
        } else {
            idx.truncate(start);
            dense.push(first + r);
        }
    }
    for (p0, p1, panel) in w.panels() {
        for &(r, a, b, ones) in &sparse {
            let xr = &xs[r * k..(r + 1) * k];
            let yr = &mut ys[r * m + p0..r * m + p1];
            // Spikes of exactly 1: `1 · w` is `w` exactly, so the product is skipped.
            if ones {
                row_events::<F, true>(xr, &idx[a..b], panel, yr);
            } else {
                row_events::<F, false>(xr, &idx[a..b], panel, yr);
            }
        }
    }
    dense
}

/// Append the indices of `xr`'s non-zero entries to `idx`, in order; whether every
/// non-zero entry is exactly 1. NaN counts as non-zero (and not 1).
#[inline(always)]
fn non_zeros(xr: &[f64], idx: &mut Vec<u32>) -> bool {
    for_each_non_zero(xr, |j| idx.push(j as u32));
    // Every entry compared (no early exit), so that the compares are vector ones.
    !xr.iter()
        .fold(false, |other, &v| other | !(v == 0.0 || v == 1.0))
}

/// `y[c] = Σ_j x_j · panel[j, c]` over the listed inputs `idx`, in order, [`lanes`]
/// outputs at a time (the accumulators stay in registers); `panel` has `y.len()`
/// columns. With `ONES` every listed `x_j` is 1 and `x_j · w` is `w` (the same bits).
#[inline(always)]
fn row_events<F: Real, const ONES: bool>(x: &[f64], idx: &[u32], panel: &[F], y: &mut [f64]) {
    match lanes::<F>() {
        64 => row_events_by::<F, 64, ONES>(x, idx, panel, y),
        _ => row_events_by::<F, 32, ONES>(x, idx, panel, y),
    }
}

#[inline(always)]
fn row_events_by<F: Real, const L: usize, const ONES: bool>(
    x: &[f64],
    idx: &[u32],
    panel: &[F],
    y: &mut [f64],
) {
    let width = y.len();
    let full = width - width % L;
    for c0 in (0..full).step_by(L) {
        let mut acc = [F::zero(); L];
        for &j in idx {
            let j = j as usize;
            let xv = F::of(x[j]);
            let at = j * width + c0;
            for (a, &wv) in acc.iter_mut().zip(&panel[at..at + L]) {
                *a += if ONES { wv } else { xv * wv };
            }
        }
        F::widen_into(&acc, &mut y[c0..c0 + L]);
    }
    for (c, yc) in y.iter_mut().enumerate().skip(full) {
        let mut acc = F::zero();
        for &j in idx {
            let j = j as usize;
            let wv = panel[j * width + c];
            acc += if ONES { wv } else { F::of(x[j]) * wv };
        }
        *yc = acc.to64();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A draw in `[0, 1)` from `seed` and a counter.
    fn draw(seed: u64, i: usize) -> f64 {
        (littoral_core::rng::mix64(seed ^ (i as u64).wrapping_mul(0x9e37_79b9)) >> 11) as f64
            / (1u64 << 53) as f64
    }

    /// Rows of `k` inputs: zero, or (by `kind`) 1, small integers, or any value, NaN,
    /// infinity and `-0.0` among them.
    fn inputs(rows: usize, k: usize, density: f64, kind: u8, seed: u64) -> Vec<f64> {
        (0..rows * k)
            .map(|i| {
                let u = draw(seed, 2 * i);
                let v = draw(seed, 2 * i + 1);
                if u >= density {
                    return if v < 0.1 { -0.0 } else { 0.0 };
                }
                match kind {
                    0 => 1.0,
                    1 => (v * 3.0).floor() + 1.0,
                    _ if v < 0.02 => f64::NAN,
                    _ if v < 0.04 => f64::INFINITY,
                    _ => v * 4.0 - 2.0,
                }
            })
            .collect()
    }

    fn event_pass<F: Real>(
        xs: &[f64],
        w: &WeightPanels<'_, F>,
        limit: usize,
    ) -> (Vec<u64>, Vec<usize>) {
        let mut ys = vec![f64::NAN; xs.len() / w.k.max(1) * w.m];
        let dense = event_rows(3, xs, &mut ys, w, limit);
        let bits = ys.iter().map(|v| v.to_bits()).collect();
        (bits, dense)
    }

    proptest! {
        /// `W` copied into panels of any width gives the bits of `W` read as one panel,
        /// for every sparse row, and the same dense rows, in `f64` and `f32`.
        #[test]
        fn panels_give_the_bits_of_one_panel(
            k in 1usize..150,
            m in 1usize..200,
            rows in 1usize..12,
            width in 1usize..220,
            density in 0.0f64..0.4,
            kind in 0u8..3,
            seed in any::<u64>(),
        ) {
            let xs = inputs(rows, k, density, kind, seed);
            let w = Array::from_shape_vec(
                vec![k, m],
                (0..k * m).map(|i| draw(!seed, i) * 2.0 - 1.0).collect(),
            ).unwrap_or_else(|e| panic!("{e}"));
            let limit = k / 4;
            let one = WeightPanels::<f64>::new(&w, 0);
            prop_assert_eq!(one.width, m);
            let whole = event_pass(&xs, &one, limit);
            prop_assert_eq!(&whole, &event_pass(&xs, &WeightPanels::<f64>::with_width(&w, width), limit));
            let one32 = event_pass(&xs, &WeightPanels::<f32>::new(&w, 0), limit);
            prop_assert_eq!(&one32, &event_pass(&xs, &WeightPanels::<f32>::with_width(&w, width), limit));
            // Every row computed is the sum of its inputs' rows of `W`, in input order.
            for (r, xr) in xs.chunks_exact(k).enumerate() {
                if whole.1.contains(&(3 + r)) {
                    prop_assert!(xr.iter().filter(|&&v| v != 0.0).count() > limit);
                    continue;
                }
                for c in 0..m {
                    let mut acc = 0.0;
                    for (j, &v) in xr.iter().enumerate() {
                        if v != 0.0 {
                            acc += v * w.data()[j * m + c];
                        }
                    }
                    prop_assert_eq!(whole.0[r * m + c], acc.to_bits(), "row {} column {}", r, c);
                }
            }
        }

        /// The non-zero entries listed are those of a plain filter, NaN included, `-0.0`
        /// not; "all ones" only when every non-zero entry is exactly 1.
        #[test]
        fn non_zeros_lists_every_non_zero_entry(
            k in 0usize..300,
            density in 0.0f64..1.0,
            kind in 0u8..3,
            seed in any::<u64>(),
        ) {
            let xr = inputs(1, k, density, kind, seed);
            let mut idx = vec![7];
            let ones = non_zeros(&xr, &mut idx);
            let want: Vec<u32> = std::iter::once(7)
                .chain((0..k).filter(|&j| xr[j] != 0.0).map(|j| j as u32))
                .collect();
            prop_assert_eq!(idx, want);
            prop_assert_eq!(ones, xr.iter().all(|&v| v == 0.0 || v == 1.0));
        }
    }

    /// A call with at least `Nin` rows copies `W` into panels of about [`PANEL_BYTES`]
    /// when they are narrower than `W`; otherwise `W` is read as it is.
    #[test]
    fn the_copy_is_made_for_calls_with_enough_rows() {
        let w = Array::full(vec![1024, 1024], 0.5);
        let packed = WeightPanels::<f64>::new(&w, 1024);
        assert_eq!(packed.width, 32);
        assert!(matches!(packed.data, Cow::Owned(_)));
        let packed32 = WeightPanels::<f32>::new(&w, 5000);
        assert_eq!(packed32.width, 64);
        let few_rows = WeightPanels::<f64>::new(&w, 1023);
        assert_eq!(few_rows.width, 1024);
        assert!(matches!(few_rows.data, Cow::Borrowed(_)));
        let small = Array::full(vec![100, 100], 0.5);
        assert_eq!(WeightPanels::<f64>::new(&small, 10_000).width, 100);
    }
}
