//! The grouped convolution kernel behind [`super::ops::conv1d`], [`super::ops::conv2d`] and
//! a graph's `Conv1d`/`Conv2d` nodes: a [`ConvPlan`] made once per weight and input shape,
//! then applied to any number of inputs (a node applies it to every sample and step).
//!
//! Every output starts at its channel's bias and adds `w · x` for each kernel tap that
//! falls inside the input, input channel after input channel, taps in row-major order:
//! PyTorch's cross-correlation summed in one fixed order. The plan walks the *inputs* in
//! channel, row, column order and adds each one's products into the outputs it reaches;
//! for any one output that visits its taps in the same order (a later input row or column
//! is a later tap row or column), so the sums are those of the window-by-window loop, bit
//! for bit. An input's zeros (spikes are mostly zeros) are skipped whenever that cannot
//! change a bit: a `0 · w` term is `±0` when `w` is finite, and adding `±0` changes a sum
//! only when the sum is `-0.0`, which it can be only while every term before was `-0.0`
//! from a bias of `-0.0`. A weight that is not finite, or a bias of `-0.0`, turns the
//! skipping off: every product is added, as the window loop adds it.
//!
//! A table lists for each input position the `(output position, tap)` pairs it reaches,
//! so the inner loop does no division and no bounds arithmetic, and the non-zero inputs
//! are found 64 at a time ([`crate::spike_list`]). The weight is kept as `[input
//! channel][tap][output channel of the group]` and the sums as `[group][output
//! position][output channel of the group]`: each product added is a run of contiguous output
//! channels, which the compiler vectorises (a separate multiply and add, never fused, so
//! every instruction set gives the same bits).

use super::error::{NirError, Result};
use super::model::Padding;
use super::shapes::conv_len;
use crate::spike_list::for_each_non_zero;
use littoral_core::limits::MAX_ELEMENTS;

/// One spatial axis of a window operation: size, padding before, kernel, stride,
/// dilation and the output size.
#[derive(Clone, Copy, Debug)]
pub(super) struct Axis {
    pub(super) size: usize,
    pub(super) pad: usize,
    pub(super) kernel: usize,
    pub(super) stride: usize,
    pub(super) dilation: usize,
    pub(super) out: usize,
}

impl Axis {
    /// The axis of an input of `size` with `padding` (its `index`-th size when explicit),
    /// `kernel`, `stride` and `dilation`.
    ///
    /// # Errors
    /// A window larger than the padded input; `"same"` with a stride other than 1.
    pub(super) fn new(
        size: usize,
        padding: &Padding,
        index: usize,
        kernel: usize,
        stride: usize,
        dilation: usize,
    ) -> Result<Self> {
        let pad = match padding {
            Padding::Explicit(p) => p.get(index).copied().unwrap_or(0),
            Padding::Valid => 0,
            Padding::Same => {
                if stride != 1 {
                    return Err(NirError::at(
                        "padding",
                        format!("padding \"same\" needs stride 1, found {stride}"),
                    ));
                }
                // PyTorch: the extra element of an odd total goes after.
                dilation.saturating_mul(kernel.saturating_sub(1)) / 2
            }
        };
        let out = conv_len("", size, pad, dilation, kernel, stride, padding)?;
        Ok(Axis {
            size,
            pad,
            kernel,
            stride,
            dilation,
            out,
        })
    }

    /// The outputs whose tap `k` falls inside the input: one run, since the input index
    /// `o · stride + k · dilation − pad` grows with `o`.
    pub(super) fn inside(&self, k: usize) -> std::ops::Range<usize> {
        let first = (0..self.out).find(|&o| self.source(o, k).is_some());
        let Some(first) = first else {
            return 0..0;
        };
        let end = (first..self.out)
            .find(|&o| self.source(o, k).is_none())
            .unwrap_or(self.out);
        first..end
    }

    /// The input index of output `o`, kernel tap `k`, if inside the input.
    pub(super) fn source(&self, o: usize, k: usize) -> Option<usize> {
        (o * self.stride + k * self.dilation)
            .checked_sub(self.pad)
            .filter(|&i| i < self.size)
    }
}

/// The `(output index, tap)` pairs of one axis that fall inside the input, listed by input
/// index, taps ascending.
fn axis_pairs(axis: &Axis) -> Vec<Vec<(usize, usize)>> {
    let mut by_input = vec![Vec::new(); axis.size];
    for k in 0..axis.kernel {
        for o in 0..axis.out {
            if let Some(i) = axis.source(o, k) {
                by_input[i].push((o, k));
            }
        }
    }
    by_input
}

/// For each input position `iy · W + ix`, the `(output position, tap)` pairs it reaches
/// (`oy · W' + ox`, `ky · K_w + kx`), taps in row-major order.
#[derive(Clone, Debug)]
struct Reach {
    /// `pairs[start[p]..start[p + 1]]` are position `p`'s.
    start: Vec<usize>,
    pairs: Vec<(usize, usize)>,
}

impl Reach {
    /// The table of `axes`: as many pairs as the window loop visits taps inside the input
    /// (at most `H' · W' · K_h · K_w`). Refused with an error, not allocated, above
    /// [`MAX_ELEMENTS`] (two per pair) or when the allocation fails.
    fn new([ay, ax]: [Axis; 2]) -> Result<Self> {
        let (rows, cols) = (axis_pairs(&ay), axis_pairs(&ax));
        let count = rows
            .iter()
            .map(Vec::len)
            .sum::<usize>()
            .checked_mul(cols.iter().map(Vec::len).sum::<usize>());
        let limit = MAX_ELEMENTS / 2;
        let mut pairs = Vec::new();
        count
            .filter(|&n| n as u64 <= limit)
            .and_then(|n| pairs.try_reserve_exact(n).ok())
            .ok_or_else(|| {
                let count = count.map_or_else(|| "more than usize::MAX".into(), |n| n.to_string());
                NirError::at(
                    "weight",
                    format!(
                        "a convolution of {}×{} outputs by {}×{} taps needs {count} (output, \
                         tap) pairs, more than the {limit} allowed",
                        ay.out, ax.out, ay.kernel, ax.kernel
                    ),
                )
            })?;
        let mut start = Vec::with_capacity(ay.size * ax.size + 1);
        start.push(0);
        for row in &rows {
            for col in &cols {
                for &(oy, ky) in row {
                    for &(ox, kx) in col {
                        pairs.push((oy * ax.out + ox, ky * ax.kernel + kx));
                    }
                }
                start.push(pairs.len());
            }
        }
        Ok(Reach { start, pairs })
    }

    fn of(&self, position: usize) -> &[(usize, usize)] {
        &self.pairs[self.start[position]..self.start[position + 1]]
    }
}

/// A grouped convolution ready to apply: `c_in` input and `c_out` output channels in
/// `groups` groups over two spatial axes (a 1-d convolution has a height of 1).
#[derive(Clone, Debug)]
pub(super) struct ConvPlan {
    c_in: usize,
    c_out: usize,
    groups: usize,
    axes: [Axis; 2],
    /// `[input channel][tap][output channel of its group]`.
    weight: Vec<f64>,
    bias: Vec<f64>,
    reach: Reach,
    /// Whether an input's zeros can be skipped without changing a bit: every weight finite
    /// (so `0 · w` is `±0`, not NaN) and no bias `-0.0` (the only sum a `+0` term changes).
    skip_zeros: bool,
    arch: pulp::Arch,
}

impl ConvPlan {
    /// The plan of a weight `(C_out, C_in / groups, K_h, K_w)` (row-major, checked by the
    /// caller: `c_out` divisible by `groups`, one bias per output channel) over `axes`.
    ///
    /// # Errors
    /// Reach tables too large to allocate.
    pub(super) fn new(
        c_in: usize,
        c_out: usize,
        groups: usize,
        axes: [Axis; 2],
        weight: &[f64],
        bias: &[f64],
    ) -> Result<Self> {
        let [ay, ax] = axes;
        let taps = ay.kernel * ax.kernel;
        let (per_in, per_out) = (c_in / groups, c_out / groups);
        let mut transposed = vec![0.0; c_in * taps * per_out];
        for oc in 0..c_out {
            let (g, ocl) = (oc / per_out, oc % per_out);
            for icl in 0..per_in {
                let ic = g * per_in + icl;
                for k in 0..taps {
                    transposed[(ic * taps + k) * per_out + ocl] =
                        weight[(oc * per_in + icl) * taps + k];
                }
            }
        }
        Ok(ConvPlan {
            c_in,
            c_out,
            groups,
            axes,
            weight: transposed,
            bias: bias.to_vec(),
            reach: Reach::new(axes)?,
            skip_zeros: weight.iter().all(|w| w.is_finite())
                && !bias.iter().any(|b| *b == 0.0 && b.is_sign_negative()),
            arch: pulp::Arch::new(),
        })
    }

    /// `[C_out, H', W']` of one output.
    pub(super) fn output_dims(&self) -> [usize; 3] {
        [self.c_out, self.axes[0].out, self.axes[1].out]
    }

    /// Values of one output: `C_out · H' · W'`.
    pub(super) fn output_len(&self) -> usize {
        self.c_out * self.axes[0].out * self.axes[1].out
    }

    /// The convolution of one input `x` (`C_in, H, W`, its `C_in · H · W` values) into `y`
    /// (`C_out, H', W'`); `sums` is scratch, kept between calls. Compiled for the best
    /// vector instructions of the CPU (chosen at run time; the same bits in each).
    pub(super) fn apply(&self, x: &[f64], y: &mut [f64], sums: &mut Vec<f64>) {
        self.arch.dispatch(Apply {
            plan: self,
            x,
            y,
            sums,
        });
    }

    /// The body of [`apply`](Self::apply), inlined into each instruction set's variant.
    #[inline(always)]
    fn apply_body(&self, x: &[f64], y: &mut [f64], sums: &mut Vec<f64>) {
        let [ay, ax] = self.axes;
        let (plane_in, plane_out) = (ay.size * ax.size, ay.out * ax.out);
        let (per_in, per_out) = (self.c_in / self.groups, self.c_out / self.groups);
        let taps = ay.kernel * ax.kernel;
        sums.clear();
        for g in 0..self.groups {
            let bias = &self.bias[g * per_out..(g + 1) * per_out];
            for _ in 0..plane_out {
                sums.extend_from_slice(bias);
            }
        }
        for (ic, plane) in x.chunks_exact(plane_in.max(1)).take(self.c_in).enumerate() {
            let g = ic / per_in;
            let group = &mut sums[g * plane_out * per_out..(g + 1) * plane_out * per_out];
            let weight = &self.weight[ic * taps * per_out..(ic + 1) * taps * per_out];
            let mut visit = |p: usize| {
                let v = plane[p];
                for &(at, k) in self.reach.of(p) {
                    match per_out {
                        8 => add_products::<8>(group, weight, at, k, v),
                        16 => add_products::<16>(group, weight, at, k, v),
                        _ => {
                            let out = &mut group[at * per_out..(at + 1) * per_out];
                            let w = &weight[k * per_out..(k + 1) * per_out];
                            for (s, &w) in out.iter_mut().zip(w) {
                                *s += w * v;
                            }
                        }
                    }
                }
            };
            if self.skip_zeros {
                for_each_non_zero(plane, visit);
            } else {
                (0..plane.len()).for_each(&mut visit);
            }
        }
        // [group][position][channel] → [channel][position], written in order.
        let groups = sums.chunks_exact((plane_out * per_out).max(1));
        let outputs = y.chunks_exact_mut((plane_out * per_out).max(1));
        for (group, out) in groups.zip(outputs).take(self.groups) {
            for (ocl, channel) in out.chunks_exact_mut(plane_out.max(1)).enumerate() {
                for (d, at) in channel.iter_mut().zip(group.chunks_exact(per_out.max(1))) {
                    *d = at[ocl];
                }
            }
        }
    }
}

/// [`ConvPlan::apply`] as a `pulp` operation.
struct Apply<'a> {
    plan: &'a ConvPlan,
    x: &'a [f64],
    y: &'a mut [f64],
    sums: &'a mut Vec<f64>,
}

impl pulp::WithSimd for Apply<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        self.plan.apply_body(self.x, self.y, self.sums);
    }
}

/// `sums[at] += weight[k] · v`, each a run of `N` output channels.
#[inline(always)]
fn add_products<const N: usize>(sums: &mut [f64], weight: &[f64], at: usize, k: usize, v: f64) {
    let (Some(out), Some(w)) = (
        sums.get_mut(at * N..(at + 1) * N),
        weight.get(k * N..(k + 1) * N),
    ) else {
        return;
    };
    for (s, &w) in out.iter_mut().zip(w) {
        *s += w * v;
    }
}

#[cfg(test)]
pub(super) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::{Axis, ConvPlan};
    use crate::nir::model::Padding;
    use proptest::prelude::*;

    /// The definition, window by window: output `(oc, oy, ox)` is its bias plus `w · x`
    /// for every tap inside the input, input channel by input channel, taps in row-major
    /// order, zeros included.
    fn window_loop(
        x: &[f64],
        [c_in, c_out, groups]: [usize; 3],
        [ay, ax]: [Axis; 2],
        weight: &[f64],
        bias: &[f64],
    ) -> Vec<f64> {
        let (per_in, per_out) = (c_in / groups, c_out / groups);
        let taps = ay.kernel * ax.kernel;
        let mut y = Vec::new();
        for oc in 0..c_out {
            let first_in = oc / per_out * per_in;
            for oy in 0..ay.out {
                for ox in 0..ax.out {
                    let mut acc = bias[oc];
                    for icl in 0..per_in {
                        let plane = &x[(first_in + icl) * ay.size * ax.size..];
                        let kernel = &weight[(oc * per_in + icl) * taps..];
                        for ky in 0..ay.kernel {
                            for kx in 0..ax.kernel {
                                if let (Some(iy), Some(ix)) = (ay.source(oy, ky), ax.source(ox, kx))
                                {
                                    acc += kernel[ky * ax.kernel + kx] * plane[iy * ax.size + ix];
                                }
                            }
                        }
                    }
                    y.push(acc);
                }
            }
        }
        y
    }

    /// Values drawn from `seed`: mostly zeros (`+0.0` and `-0.0`) at `density`, else
    /// small integers and fractions, with NaN and infinities when `special`.
    fn values(n: usize, density: f64, special: bool, seed: u64) -> Vec<f64> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                let u = (s >> 11) as f64 / (1u64 << 53) as f64;
                let pick = s % 97;
                if u >= density {
                    if pick.is_multiple_of(2) { 0.0 } else { -0.0 }
                } else if special && pick == 0 {
                    f64::NAN
                } else if special && pick == 1 {
                    f64::INFINITY
                } else {
                    (pick as f64 - 48.0) / 8.0 * (1.0 + u)
                }
            })
            .collect()
    }

    /// The same bits, or both NaN (Rust does not fix a NaN's payload: the compiler may
    /// swap the operands of an addition of two NaNs).
    pub(in crate::nir) fn same(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// The plan gives the window loop's bits for any shape, stride, dilation, padding
        /// and groups, on sparse and dense inputs, with `±0.0`, NaN and infinities in the
        /// input, weights that are not finite and biases of `-0.0`.
        #[test]
        fn the_plan_gives_the_window_loop_s_bits(
            groups in 1usize..3,
            per_in in 1usize..4,
            per_out in prop::sample::select(vec![1usize, 3, 8, 16]),
            (h, w) in (1usize..9, 1usize..9),
            (kh, kw) in (1usize..4, 1usize..4),
            (stride, dilation, pad) in (1usize..4, 1usize..3, 0usize..3),
            density in prop::sample::select(vec![0.0, 0.05, 0.3, 1.0]),
            (special_x, special_w, negative_zero_bias) in (any::<bool>(), any::<bool>(), any::<bool>()),
            seed in any::<u64>(),
        ) {
            let (c_in, c_out) = (groups * per_in, groups * per_out);
            let padding = Padding::Explicit(vec![pad, pad]);
            let ay = Axis::new(h, &padding, 0, kh, stride, dilation);
            let ax = Axis::new(w, &padding, 1, kw, stride, dilation);
            let (Ok(ay), Ok(ax)) = (ay, ax) else {
                return Ok(()); // the window does not fit: refused before any plan
            };
            let x = values(c_in * h * w, density, special_x, seed);
            let weight = values(c_out * per_in * kh * kw, 0.9, special_w, seed ^ 1);
            let mut bias = values(c_out, 0.5, false, seed ^ 2);
            if negative_zero_bias {
                bias[0] = -0.0;
            }
            let plan = ConvPlan::new(c_in, c_out, groups, [ay, ax], &weight, &bias).unwrap();
            let mut y = vec![f64::NAN; plan.output_len()];
            let mut sums = Vec::new();
            plan.apply(&x, &mut y, &mut sums);
            let want = window_loop(&x, [c_in, c_out, groups], [ay, ax], &weight, &bias);
            prop_assert_eq!(y.len(), want.len());
            for (k, (a, b)) in y.iter().zip(&want).enumerate() {
                prop_assert!(same(*a, *b), "output {}: {} against {}", k, a, b);
            }
            // Scratch reused from a call on other values: the same bits.
            let other = values(c_in * h * w, 1.0, false, seed ^ 3);
            plan.apply(&other, &mut y, &mut sums);
            plan.apply(&x, &mut y, &mut sums);
            prop_assert!(y.iter().zip(&want).all(|(a, b)| same(*a, *b)));
        }
    }

    /// A table of more pairs than [`super::MAX_ELEMENTS`] allows (two elements a pair) is
    /// refused before anything is allocated: here a 1000 × 1000 input, each value reaching
    /// all 30 × 30 taps of a padded kernel (9 · 10⁸ pairs).
    #[test]
    fn a_reach_table_above_the_element_limit_is_refused() {
        let padding = Padding::Explicit(vec![29, 29]);
        let axis = |i| Axis::new(1000, &padding, i, 30, 1, 1).unwrap();
        let err = ConvPlan::new(1, 1, 1, [axis(0), axis(1)], &[0.5; 900], &[0.0]).unwrap_err();
        assert_eq!(err.location, "weight");
        assert!(
            err.message
                .contains("1029×1029 outputs by 30×30 taps needs 900000000 (output, tap) pairs, more than the 536870912 allowed"),
            "{}",
            err.message
        );
    }

    /// Skipping zeros would turn a `-0.0` sum into `+0.0`, or a `0 · ∞` NaN into a number:
    /// those plans add every product.
    #[test]
    fn zeros_are_added_where_skipping_them_would_change_a_bit() {
        let padding = Padding::Explicit(vec![0, 0]);
        let axis = |n| Axis::new(n, &padding, 0, 1, 1, 1).unwrap();
        let one = [axis(1), axis(2)];
        let x = [0.0, 2.0];
        let mut y = [0.0; 2];
        let plan = ConvPlan::new(1, 1, 1, one, &[3.0], &[-0.0]).unwrap();
        plan.apply(&x, &mut y, &mut Vec::new());
        assert_eq!(y[0].to_bits(), 0.0f64.to_bits(), "-0 + 3·0 is +0");
        assert_eq!(y[1], 6.0);
        let plan = ConvPlan::new(1, 1, 1, one, &[f64::INFINITY], &[1.0]).unwrap();
        plan.apply(&x, &mut y, &mut Vec::new());
        assert!(y[0].is_nan(), "1 + ∞·0 is NaN");
        let plan = ConvPlan::new(1, 1, 1, one, &[3.0], &[0.5]).unwrap();
        plan.apply(&x, &mut y, &mut Vec::new());
        assert_eq!(y, [0.5, 6.5]);
    }
}
