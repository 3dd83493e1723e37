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

use super::conv::{Axis, ConvPlan};
use super::error::{NirError, Result};
use super::model::{Conv1d, Conv2d, Padding, Pool2d, Tensor};
use super::pool::PoolPlan;

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

/// The plan of a convolution with a weight `(C_out, C_in / groups, kernel…)` over inputs
/// of `input_shape` (channels first): the checks both convolutions make (a weight of one
/// axis more than the input, groups that split the output channels, one bias per output
/// channel, an input with `C_in` channels), then `axes(input_shape, the kernel's sides)`.
fn grouped_plan(
    input_shape: &[usize],
    rank: usize,
    weight: &Tensor,
    bias: &Tensor,
    groups: usize,
    axes: impl FnOnce(&[usize], &[usize]) -> Result<[Axis; 2]>,
) -> Result<ConvPlan> {
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
    check_input(input_shape, rank, c_in)?;
    let axes = axes(input_shape, kernel)?;
    ConvPlan::new(c_in, c_out, groups, axes, weight.values(), bias.values())
}

/// `plan` applied to one input `x`, shaped `shape` (`C_out` and the output's spatial sizes).
fn apply_plan(plan: &ConvPlan, x: &Array<f64>, shape: Vec<usize>) -> Result<Array<f64>> {
    let mut y = vec![0.0; plan.output_len()];
    plan.apply(x.data(), &mut y, &mut Vec::new());
    Array::from_shape_vec(shape, y).map_err(|e| NirError::at("", e.to_string()))
}

fn check_input(shape: &[usize], rank: usize, channels: usize) -> Result<()> {
    if shape.len() != rank || shape[0] != channels {
        return Err(NirError::at(
            "",
            format!(
                "expects input of {rank} dimensions with {channels} channels first, found shape {}",
                format_shape(shape)
            ),
        ));
    }
    Ok(())
}

/// The plan of `Conv2d` `c` over inputs shaped `input_shape` (`(C_in, H, W)`).
///
/// # Errors
/// As [`conv2d`].
pub(super) fn conv2d_plan(c: &Conv2d, input_shape: &[usize]) -> Result<ConvPlan> {
    grouped_plan(input_shape, 3, &c.weight, &c.bias, c.groups, |at, k| {
        Ok([
            Axis::new(at[1], &c.padding, 0, k[0], c.stride[0], c.dilation[0])?,
            Axis::new(at[2], &c.padding, 1, k[1], c.stride[1], c.dilation[1])?,
        ])
    })
}

/// The plan of `Conv1d` `c` over inputs shaped `input_shape` (`(C_in, N)`): a 2-d plan of
/// height 1.
///
/// # Errors
/// As [`conv2d`].
pub(super) fn conv1d_plan(c: &Conv1d, input_shape: &[usize]) -> Result<ConvPlan> {
    let flat = Padding::Explicit(vec![0]);
    grouped_plan(input_shape, 2, &c.weight, &c.bias, c.groups, |at, k| {
        Ok([
            Axis::new(1, &flat, 0, 1, 1, 1)?,
            Axis::new(at[1], &c.padding, 0, k[0], c.stride, c.dilation)?,
        ])
    })
}

/// `Conv2d` on one input `(C_in, H, W)`.
///
/// # Errors
/// An input of the wrong shape, a window larger than the padded input, `"same"` with a
/// stride other than 1.
pub fn conv2d(c: &Conv2d, x: &Array<f64>) -> Result<Array<f64>> {
    let plan = conv2d_plan(c, x.shape())?;
    let [c_out, h, w] = plan.output_dims();
    apply_plan(&plan, x, vec![c_out, h, w])
}

/// `Conv1d` on one input `(C_in, N)`.
///
/// # Errors
/// As [`conv2d`].
pub fn conv1d(c: &Conv1d, x: &Array<f64>) -> Result<Array<f64>> {
    let plan = conv1d_plan(c, x.shape())?;
    let [c_out, _, n] = plan.output_dims();
    apply_plan(&plan, x, vec![c_out, n])
}

/// Sum over each window of one input `(C, H, W)`, zero padding; divided by the window's
/// area when `average`.
fn pool(p: &Pool2d, x: &Array<f64>, average: bool) -> Result<Array<f64>> {
    let plan = PoolPlan::new(p, x.shape(), average)?;
    let mut y = vec![0.0; plan.output_len()];
    plan.apply(x.data(), &mut y);
    Array::from_shape_vec(plan.output_dims().to_vec(), y)
        .map_err(|e| NirError::at("", e.to_string()))
}

/// `SumPool2d` on one input `(C, H, W)`.
///
/// # Errors
/// An input that is not 3-d, a window larger than the padded input.
pub fn sum_pool2d(p: &Pool2d, x: &Array<f64>) -> Result<Array<f64>> {
    pool(p, x, false)
}

/// `AvgPool2d` on one input `(C, H, W)`: the window sum divided by `k_h · k_w`, padded
/// zeros included (PyTorch's default `count_include_pad=True`).
///
/// # Errors
/// As [`sum_pool2d`].
pub fn avg_pool2d(p: &Pool2d, x: &Array<f64>) -> Result<Array<f64>> {
    pool(p, x, true)
}
