//! The stateless NIR primitives as pure functions of one time step of one sample:
//! `Affine`, `Linear`, `Scale`, `Threshold`, `Conv1d`, `Conv2d` (stride, padding,
//! dilation, groups), `SumPool2d`, `AvgPool2d`. (`Flatten` moves no data: a row-major
//! array keeps its values, only the shape changes, see [`super::output_shape`].)
//!
//! Shapes exclude batch and time, as in NIR: a `Conv2d` maps `(C_in, H, W)` to
//! `(C_out, H', W')` with PyTorch's arithmetic (cross-correlation, zero padding).
//! Errors carry no location; callers add the node name with [`NirError::within`].

use littoral_core::Array;
use littoral_core::array::format_shape;

use super::error::{NirError, Result};
use super::model::{Conv1d, Conv2d, Padding, Pool2d, Tensor};
use super::shapes::conv_len;

/// `y = W x + b` for a weight `(out, in)` and bias `(out,)`.
///
/// ```
/// use littoral_core::Array;
/// use littoral_nets::nir::{Tensor, ops};
/// let w = Tensor::f64(Array::from_shape_vec(vec![2, 2], vec![1.0, 2.0, 3.0, 4.0])?);
/// let b = Tensor::f64(Array::from_vec(vec![0.5, -0.5]));
/// let y = ops::affine(&w, Some(&b), &Array::from_vec(vec![1.0, 1.0]))?;
/// assert_eq!(y.data(), &[3.5, 6.5]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// A weight that is not 2-d, or an input of the wrong length.
pub fn affine(weight: &Tensor, bias: Option<&Tensor>, x: &Array<f64>) -> Result<Array<f64>> {
    let [out, inp] = match weight.shape() {
        [o, i] => [*o, *i],
        s => {
            return Err(NirError::at(
                "weight",
                format!("only 2-d weights (out, in) are supported, found shape {s:?}"),
            ));
        }
    };
    if x.len() != inp {
        return Err(NirError::at(
            "",
            format!(
                "expects {inp} input values, found shape {}",
                format_shape(x.shape())
            ),
        ));
    }
    if let Some(b) = bias
        && b.values().len() != out
    {
        return Err(NirError::at(
            "bias",
            format!(
                "expected {out} values, found shape {}",
                format_shape(b.shape())
            ),
        ));
    }
    let w = weight.values();
    let y = (0..out)
        .map(|o| {
            let row = &w[o * inp..(o + 1) * inp];
            let init = bias.map_or(0.0, |b| b.values()[o]);
            row.iter()
                .zip(x.data())
                .fold(init, |acc, (a, b)| acc + a * b)
        })
        .collect();
    Ok(Array::from_vec(y))
}

/// `y = W x` (a [`affine`] without bias).
///
/// # Errors
/// As [`affine`].
pub fn linear(weight: &Tensor, x: &Array<f64>) -> Result<Array<f64>> {
    affine(weight, None, x)
}

/// `y = s ⊙ x`.
///
/// # Errors
/// Shapes that differ.
pub fn scale(s: &Tensor, x: &Array<f64>) -> Result<Array<f64>> {
    elementwise(s, x, |s, x| s * x)
}

/// `y = 1 if x > θ else 0` (NIR's Heaviside, strict).
///
/// # Errors
/// Shapes that differ.
pub fn threshold(theta: &Tensor, x: &Array<f64>) -> Result<Array<f64>> {
    elementwise(theta, x, |t, x| if x > t { 1.0 } else { 0.0 })
}

fn elementwise(p: &Tensor, x: &Array<f64>, f: impl Fn(f64, f64) -> f64) -> Result<Array<f64>> {
    if p.values().len() != x.len() {
        return Err(NirError::at(
            "",
            format!(
                "expects input of shape {}, found {}",
                format_shape(p.shape()),
                format_shape(x.shape())
            ),
        ));
    }
    let y = p
        .values()
        .iter()
        .zip(x.data())
        .map(|(&a, &b)| f(a, b))
        .collect();
    Array::from_shape_vec(x.shape().to_vec(), y).map_err(|e| NirError::at("", e.to_string()))
}

/// One spatial axis of a window operation: size, padding before, kernel, stride,
/// dilation and the output size.
#[derive(Clone, Copy)]
struct Axis {
    size: usize,
    pad: usize,
    kernel: usize,
    stride: usize,
    dilation: usize,
    out: usize,
}

impl Axis {
    fn new(
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

    /// The input index of output `o`, kernel tap `k`, if inside the input.
    fn source(&self, o: usize, k: usize) -> Option<usize> {
        (o * self.stride + k * self.dilation)
            .checked_sub(self.pad)
            .filter(|&i| i < self.size)
    }
}

/// `acc + Σ term(tap, input)` over the kernel taps of output `[oy, ox]` that fall inside
/// the input, one `+=` per tap in row-major tap order; `tap` is `ky · K_w + kx` and
/// `input` is `iy · W + ix`.
#[inline]
fn window_sum(
    ay: &Axis,
    ax: &Axis,
    [oy, ox]: [usize; 2],
    mut acc: f64,
    term: impl Fn(usize, usize) -> f64,
) -> f64 {
    for ky in 0..ay.kernel {
        let Some(iy) = ay.source(oy, ky) else {
            continue;
        };
        for kx in 0..ax.kernel {
            let Some(ix) = ax.source(ox, kx) else {
                continue;
            };
            acc += term(ky * ax.kernel + kx, iy * ax.size + ix);
        }
    }
    acc
}

/// A grouped convolution, checked: `c_in` input and `c_out` output channels in `groups`
/// groups, a weight `(C_out, C_in / groups, K_h, K_w)` row-major, one bias per output
/// channel, and the two spatial axes (a 1-d convolution has a height of 1).
#[derive(Clone, Copy)]
struct Grouped<'a> {
    c_in: usize,
    c_out: usize,
    groups: usize,
    axes: [Axis; 2],
    weight: &'a [f64],
    bias: &'a [f64],
}

impl Grouped<'_> {
    /// Input and output channels per group.
    fn per_group(&self) -> [usize; 2] {
        [self.c_in / self.groups, self.c_out / self.groups]
    }
}

/// Grouped 2-d cross-correlation of `x` `(C_in, H, W)`.
fn correlate(x: &[f64], conv: Grouped<'_>) -> Vec<f64> {
    let [ay, ax] = conv.axes;
    let [per_group_in, per_group_out] = conv.per_group();
    let mut y = Vec::with_capacity(conv.c_out * ay.out * ax.out);
    for oc in 0..conv.c_out {
        let first_in = (oc / per_group_out) * per_group_in;
        for oy in 0..ay.out {
            for ox in 0..ax.out {
                let mut acc = conv.bias[oc];
                for icl in 0..per_group_in {
                    let plane = &x[(first_in + icl) * ay.size * ax.size..];
                    let kernel = &conv.weight[(oc * per_group_in + icl) * ay.kernel * ax.kernel..];
                    acc = window_sum(&ay, &ax, [oy, ox], acc, |k, i| kernel[k] * plane[i]);
                }
                y.push(acc);
            }
        }
    }
    y
}

/// Inputs with at most this fraction of non-zero values (spikes) are convolved by
/// scattering each non-zero input into the outputs it reaches, instead of the dense
/// window sums: the same products, summed in another (fixed) order.
pub const SCATTER_MAX_DENSITY: f64 = 0.25;

/// The scatter form of [`correlate`]: for each non-zero input, add its products with the
/// kernel taps to every output they reach. Deterministic (input order), so the same data
/// gives the same bits.
fn scatter(x: &[f64], conv: Grouped<'_>) -> Vec<f64> {
    let [ay, ax] = conv.axes;
    let [per_group_in, per_group_out] = conv.per_group();
    let plane_out = ay.out * ax.out;
    let mut y = Vec::with_capacity(conv.c_out * plane_out);
    for &b in conv.bias.iter().take(conv.c_out) {
        y.extend(std::iter::repeat_n(b, plane_out));
    }
    // Output index along one axis reached from input index `i` by tap `k`, if any.
    let reach = |a: &Axis, i: usize, k: usize| -> Option<usize> {
        let pos = (i + a.pad).checked_sub(k * a.dilation)?;
        (pos % a.stride == 0 && pos / a.stride < a.out).then_some(pos / a.stride)
    };
    for ic in 0..conv.c_in {
        let g = ic / per_group_in;
        let icl = ic % per_group_in;
        for iy in 0..ay.size {
            for ix in 0..ax.size {
                let v = x[(ic * ay.size + iy) * ax.size + ix];
                if v == 0.0 {
                    continue;
                }
                for oc in g * per_group_out..(g + 1) * per_group_out {
                    let kernel = &conv.weight[(oc * per_group_in + icl) * ay.kernel * ax.kernel..];
                    let out = &mut y[oc * plane_out..(oc + 1) * plane_out];
                    for ky in 0..ay.kernel {
                        let Some(oy) = reach(&ay, iy, ky) else {
                            continue;
                        };
                        for kx in 0..ax.kernel {
                            let Some(ox) = reach(&ax, ix, kx) else {
                                continue;
                            };
                            out[oy * ax.out + ox] += kernel[ky * ax.kernel + kx] * v;
                        }
                    }
                }
            }
        }
    }
    y
}

/// Dense or scatter form, by the input's density.
fn convolve(x: &[f64], conv: Grouped<'_>) -> Vec<f64> {
    let nonzero = x.iter().filter(|v| **v != 0.0).count();
    if (nonzero as f64) <= SCATTER_MAX_DENSITY * x.len() as f64 {
        scatter(x, conv)
    } else {
        correlate(x, conv)
    }
}

/// A convolution of `x` (channels first) with a weight `(C_out, C_in / groups,
/// kernel…)`: the checks both convolutions make (a weight of one axis more than `x`,
/// groups that split the output channels, one bias per output channel, an input with
/// `C_in` channels), then `axes(x's shape, the kernel's sides)`, then the sums. Returns
/// the output values, `C_out` and the two spatial axes.
fn grouped_conv(
    x: &Array<f64>,
    rank: usize,
    weight: &Tensor,
    bias: &Tensor,
    groups: usize,
    axes: impl FnOnce(&[usize], &[usize]) -> Result<[Axis; 2]>,
) -> Result<(Vec<f64>, usize, [Axis; 2])> {
    let dims = weight.shape();
    if dims.len() != rank + 1 {
        return Err(NirError::at(
            "weight",
            format!("expected {} dimensions", rank + 1),
        ));
    }
    // rank ≥ 2: a channel axis and at least one spatial axis.
    let (c_out, per_group, kernel) = (dims[0], dims[1], &dims[2..]);
    if groups == 0 || !c_out.is_multiple_of(groups) {
        return Err(NirError::at(
            "groups",
            format!("groups = {groups} must be positive and divide C_out = {c_out}"),
        ));
    }
    if bias.values().len() != c_out {
        return Err(NirError::at(
            "bias",
            format!(
                "expected {c_out} values, found shape {}",
                format_shape(bias.shape())
            ),
        ));
    }
    let c_in = per_group * groups;
    check_input(x, rank, c_in)?;
    let axes = axes(x.shape(), kernel)?;
    let conv = Grouped {
        c_in,
        c_out,
        groups,
        axes,
        weight: weight.values(),
        bias: bias.values(),
    };
    Ok((convolve(x.data(), conv), c_out, axes))
}

fn check_input(x: &Array<f64>, rank: usize, channels: usize) -> Result<()> {
    if x.ndim() != rank || x.shape()[0] != channels {
        return Err(NirError::at(
            "",
            format!(
                "expects input of {rank} dimensions with {channels} channels first, found shape {}",
                format_shape(x.shape())
            ),
        ));
    }
    Ok(())
}

/// `Conv2d` on one input `(C_in, H, W)`.
///
/// # Errors
/// An input of the wrong shape, a window larger than the padded input, `"same"` with a
/// stride other than 1.
pub fn conv2d(c: &Conv2d, x: &Array<f64>) -> Result<Array<f64>> {
    let (y, c_out, [ay, ax]) = grouped_conv(x, 3, &c.weight, &c.bias, c.groups, |at, k| {
        Ok([
            Axis::new(at[1], &c.padding, 0, k[0], c.stride[0], c.dilation[0])?,
            Axis::new(at[2], &c.padding, 1, k[1], c.stride[1], c.dilation[1])?,
        ])
    })?;
    Array::from_shape_vec(vec![c_out, ay.out, ax.out], y)
        .map_err(|e| NirError::at("", e.to_string()))
}

/// `Conv1d` on one input `(C_in, N)`.
///
/// # Errors
/// As [`conv2d`].
pub fn conv1d(c: &Conv1d, x: &Array<f64>) -> Result<Array<f64>> {
    let flat = Padding::Explicit(vec![0]);
    let (y, c_out, [_, ax]) = grouped_conv(x, 2, &c.weight, &c.bias, c.groups, |at, k| {
        Ok([
            Axis::new(1, &flat, 0, 1, 1, 1)?,
            Axis::new(at[1], &c.padding, 0, k[0], c.stride, c.dilation)?,
        ])
    })?;
    Array::from_shape_vec(vec![c_out, ax.out], y).map_err(|e| NirError::at("", e.to_string()))
}

/// Sum over each window of one input `(C, H, W)`, zero padding.
fn pool(p: &Pool2d, x: &Array<f64>) -> Result<Array<f64>> {
    if x.ndim() != 3 {
        return Err(NirError::at(
            "",
            format!(
                "expects input (C, H, W), found shape {}",
                format_shape(x.shape())
            ),
        ));
    }
    let padding = Padding::Explicit(p.padding.to_vec());
    let ay = Axis::new(x.shape()[1], &padding, 0, p.kernel_size[0], p.stride[0], 1)?;
    let ax = Axis::new(x.shape()[2], &padding, 1, p.kernel_size[1], p.stride[1], 1)?;
    let channels = x.shape()[0];
    let mut y = Vec::with_capacity(channels * ay.out * ax.out);
    for c in 0..channels {
        let plane = &x.data()[c * ay.size * ax.size..];
        for oy in 0..ay.out {
            for ox in 0..ax.out {
                y.push(window_sum(&ay, &ax, [oy, ox], 0.0, |_, i| plane[i]));
            }
        }
    }
    Array::from_shape_vec(vec![channels, ay.out, ax.out], y)
        .map_err(|e| NirError::at("", e.to_string()))
}

/// `SumPool2d` on one input `(C, H, W)`.
///
/// # Errors
/// An input that is not 3-d, a window larger than the padded input.
pub fn sum_pool2d(p: &Pool2d, x: &Array<f64>) -> Result<Array<f64>> {
    pool(p, x)
}

/// `AvgPool2d` on one input `(C, H, W)`: the window sum divided by `k_h · k_w`, padded
/// zeros included (PyTorch's default `count_include_pad=True`).
///
/// # Errors
/// As [`sum_pool2d`].
pub fn avg_pool2d(p: &Pool2d, x: &Array<f64>) -> Result<Array<f64>> {
    let area = (p.kernel_size[0] * p.kernel_size[1]) as f64;
    Ok(pool(p, x)?.map(|v| v / area))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::{Axis, Grouped, correlate, scatter};
    use crate::nir::model::Padding;

    /// The scatter form gives the dense sums (up to the order of additions) on sparse
    /// inputs, with strides, dilations, padding and groups.
    #[test]
    fn scatter_matches_the_dense_correlation() {
        let (c_in, c_out, groups, h, w) = (4, 6, 2, 9, 7);
        for (stride, dilation, pad) in [(1, 1, 0), (2, 1, 1), (1, 2, 2), (3, 2, 1)] {
            let padding = Padding::Explicit(vec![pad, pad]);
            let ay = Axis::new(h, &padding, 0, 3, stride, dilation).unwrap();
            let ax = Axis::new(w, &padding, 1, 2, stride, dilation).unwrap();
            let x: Vec<f64> = (0..c_in * h * w)
                .map(|i| {
                    if (i * 37) % 9 == 0 {
                        (i % 3) as f64 + 1.0
                    } else {
                        0.0
                    }
                })
                .collect();
            let weight: Vec<f64> = (0..c_out * (c_in / groups) * 6)
                .map(|i| ((i * 13) % 11) as f64 / 7.0 - 0.7)
                .collect();
            let bias: Vec<f64> = (0..c_out).map(|i| i as f64 * 0.1).collect();
            let k = Grouped {
                c_in,
                c_out,
                groups,
                axes: [ay, ax],
                weight: &weight,
                bias: &bias,
            };
            let (dense, sparse) = (correlate(&x, k), scatter(&x, k));
            assert_eq!(dense.len(), sparse.len());
            for (a, b) in dense.iter().zip(&sparse) {
                assert!((a - b).abs() < 1e-12, "{stride} {dilation} {pad}: {a} {b}");
            }
        }
    }
}
