//! Sum and average pooling over `(C, H, W)` inputs: a [`PoolPlan`] checked once for an
//! input shape, then applied to any number of inputs (a graph's `SumPool2d`/`AvgPool2d`
//! node applies it to every sample and step, with no copy of its input).

use std::ops::Range;

use littoral_core::array::format_shape;

use super::conv::Axis;
use super::error::{NirError, Result};
use super::model::{Padding, Pool2d};

/// A 2-d pooling ready to apply: each output the sum of its window's taps inside the input
/// (zero padding), from `0.0` in row-major tap order, divided by the window's area for an
/// average (PyTorch's `count_include_pad=True`).
#[derive(Clone, Debug)]
pub(super) struct PoolPlan {
    channels: usize,
    axes: [Axis; 2],
    /// `k_h · k_w` for an average, `None` for a sum.
    area: Option<f64>,
    /// For each tap column `kx`: the outputs of a row whose window holds it inside the
    /// input, and the input column of the first.
    columns: Vec<(Range<usize>, usize)>,
}

impl PoolPlan {
    /// The plan of `p` over inputs shaped `shape`.
    ///
    /// # Errors
    /// A shape that is not `(C, H, W)`, a window larger than the padded input.
    pub(super) fn new(p: &Pool2d, shape: &[usize], average: bool) -> Result<Self> {
        let &[channels, h, w] = shape else {
            return Err(NirError::at(
                "",
                format!(
                    "expects input (C, H, W), found shape {}",
                    format_shape(shape)
                ),
            ));
        };
        let padding = Padding::Explicit(p.padding.to_vec());
        let ay = Axis::new(h, &padding, 0, p.kernel_size[0], p.stride[0], 1)?;
        let ax = Axis::new(w, &padding, 1, p.kernel_size[1], p.stride[1], 1)?;
        let columns = (0..ax.kernel)
            .map(|kx| {
                let inside = ax.inside(kx);
                let first = ax.source(inside.start, kx).unwrap_or(0);
                (inside, first)
            })
            .collect();
        Ok(PoolPlan {
            channels,
            axes: [ay, ax],
            columns,
            area: average.then(|| (p.kernel_size[0] * p.kernel_size[1]) as f64),
        })
    }

    /// `[C, H', W']` of one output.
    pub(super) fn output_dims(&self) -> [usize; 3] {
        [self.channels, self.axes[0].out, self.axes[1].out]
    }

    /// Values of one output.
    pub(super) fn output_len(&self) -> usize {
        self.output_dims().iter().product()
    }

    /// The pooling of one input `x` (`C · H · W` values) into `y`: each output row's sums
    /// kept in `y` while the window's taps are added in row-major order, each tap to the
    /// run of outputs whose window holds it inside the input.
    pub(super) fn apply(&self, x: &[f64], y: &mut [f64]) {
        let [ay, ax] = self.axes;
        let (plane_in, plane_out) = (ay.size * ax.size, ay.out * ax.out);
        for (plane, out) in x
            .chunks_exact(plane_in.max(1))
            .zip(y.chunks_exact_mut(plane_out.max(1)))
            .take(self.channels)
        {
            for (oy, sums) in out.chunks_exact_mut(ax.out.max(1)).enumerate() {
                sums.fill(0.0);
                for ky in 0..ay.kernel {
                    let Some(iy) = ay.source(oy, ky) else {
                        continue;
                    };
                    let line = &plane[iy * ax.size..(iy + 1) * ax.size];
                    for (inside, first) in &self.columns {
                        let taps = line[*first..].iter().step_by(ax.stride);
                        for (s, &v) in sums[inside.clone()].iter_mut().zip(taps) {
                            *s += v;
                        }
                    }
                }
                if let Some(area) = self.area {
                    for s in sums.iter_mut() {
                        *s /= area;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::PoolPlan;
    use crate::nir::conv::tests::same;
    use crate::nir::model::Pool2d;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// The plan gives the bits of the window-by-window sum (from `0.0`, taps inside the
        /// input in row-major order; divided by the area for an average), NaN and `-0.0`
        /// included.
        #[test]
        fn the_plan_gives_the_window_loop_s_bits(
            c in 1usize..4,
            (h, w) in (1usize..10, 1usize..10),
            kernel_size in (1usize..4, 1usize..4),
            stride in (1usize..4, 1usize..4),
            padding in (0usize..2, 0usize..2),
            average in any::<bool>(),
            x in prop::collection::vec(
                prop::sample::select(vec![0.0, -0.0, 1.0, -2.5, 3.25, f64::NAN, 1e300]),
                300,
            ),
        ) {
            let p = Pool2d {
                kernel_size: [kernel_size.0, kernel_size.1],
                stride: [stride.0, stride.1],
                padding: [padding.0, padding.1],
            };
            let Ok(plan) = PoolPlan::new(&p, &[c, h, w], average) else {
                return Ok(()); // the window does not fit
            };
            let [_, ho, wo] = plan.output_dims();
            let x = &x[..c * h * w];
            let mut y = vec![f64::NAN; plan.output_len()];
            plan.apply(x, &mut y);
            let area = (p.kernel_size[0] * p.kernel_size[1]) as f64;
            let mut want = Vec::new();
            for ch in 0..c {
                for oy in 0..ho {
                    for ox in 0..wo {
                        let mut acc = 0.0;
                        for ky in 0..p.kernel_size[0] {
                            for kx in 0..p.kernel_size[1] {
                                let iy = (oy * p.stride[0] + ky).checked_sub(p.padding[0]);
                                let ix = (ox * p.stride[1] + kx).checked_sub(p.padding[1]);
                                if let (Some(iy), Some(ix)) = (iy, ix)
                                    && iy < h
                                    && ix < w
                                {
                                    acc += x[(ch * h + iy) * w + ix];
                                }
                            }
                        }
                        want.push(if average { acc / area } else { acc });
                    }
                }
            }
            prop_assert_eq!(y.len(), want.len());
            prop_assert!(y.iter().zip(&want).all(|(a, b)| same(*a, *b)));
        }
    }
}
