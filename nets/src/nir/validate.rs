//! Parameter checks of one node, for graphs read from a file and graphs built in code
//! alike: whatever passes them can be shaped and computed without a panic.

use super::error::{NirError, Result, join};
use super::hdf5_read::check_elements;
use super::model::{Padding, Pool2d, Primitive, Tensor};

/// Check the parameters of node `name`: matrix ranks, bias shapes, one shape for all of
/// a neuron's parameters, convolution weights, groups, strides, dilations, kernels and
/// paddings, declared shapes within [`super::MAX_ELEMENTS`].
///
/// # Errors
/// A [`NirError`] at `name.parameter` naming the expected and the actual.
pub fn validate_node(name: &str, p: &Primitive) -> Result<()> {
    match p {
        Primitive::Input { shape } | Primitive::Output { shape } => {
            check_elements(&join(name, "shape"), shape).map(|_| ())
        }
        Primitive::Flatten {
            input_type: Some(t),
            ..
        } => check_elements(&join(name, "input_type"), t).map(|_| ()),
        Primitive::Affine { weight, bias } => {
            matrix(name, weight)?;
            let out = &weight.shape()[..weight.shape().len() - 1];
            expect_shape(name, "bias", out, bias.shape())
        }
        Primitive::Linear { weight } => matrix(name, weight),
        Primitive::Conv1d(c) => {
            conv(name, &c.weight, &c.bias, c.groups, 3)?;
            positive(name, "stride", &[c.stride])?;
            positive(name, "dilation", &[c.dilation])?;
            padding(name, &c.padding, 1)
        }
        Primitive::Conv2d(c) => {
            conv(name, &c.weight, &c.bias, c.groups, 4)?;
            positive(name, "stride", &c.stride)?;
            positive(name, "dilation", &c.dilation)?;
            padding(name, &c.padding, 2)
        }
        Primitive::SumPool2d(q) | Primitive::AvgPool2d(q) => pool(name, q),
        Primitive::LI { .. }
        | Primitive::IF { .. }
        | Primitive::LIF { .. }
        | Primitive::CubaLI { .. }
        | Primitive::CubaLIF { .. } => one_shape(name, p),
        _ => Ok(()),
    }
}

fn matrix(name: &str, weight: &Tensor) -> Result<()> {
    if weight.shape().len() < 2 {
        return Err(NirError::at(
            join(name, "weight"),
            format!(
                "expected at least 2 dimensions (out, in), found shape {:?}",
                weight.shape()
            ),
        ));
    }
    Ok(())
}

fn expect_shape(name: &str, param: &str, expected: &[usize], found: &[usize]) -> Result<()> {
    if expected != found {
        return Err(NirError::at(
            join(name, param),
            format!("expected shape {expected:?}, found {found:?}"),
        ));
    }
    Ok(())
}

fn conv(name: &str, weight: &Tensor, bias: &Tensor, groups: usize, rank: usize) -> Result<()> {
    let shape = weight.shape();
    if shape.len() != rank || shape.contains(&0) {
        return Err(NirError::at(
            join(name, "weight"),
            format!(
                "expected a non-empty weight of {rank} dimensions (C_out, C_in/groups, kernel...), found shape {shape:?}"
            ),
        ));
    }
    if groups == 0 || !shape[0].is_multiple_of(groups) {
        return Err(NirError::at(
            join(name, "groups"),
            format!(
                "groups = {groups} must be positive and divide C_out = {}",
                shape[0]
            ),
        ));
    }
    if shape[1].checked_mul(groups).is_none() {
        return Err(NirError::at(join(name, "groups"), "C_in overflows"));
    }
    expect_shape(name, "bias", &[shape[0]], bias.shape())
}

fn positive(name: &str, param: &str, values: &[usize]) -> Result<()> {
    if values.contains(&0) {
        return Err(NirError::at(
            join(name, param),
            format!("expected positive values, found {values:?}"),
        ));
    }
    Ok(())
}

fn padding(name: &str, p: &Padding, dims: usize) -> Result<()> {
    match p {
        Padding::Explicit(v) if v.len() != dims => Err(NirError::at(
            join(name, "padding"),
            format!("expected {dims} values, found {}", v.len()),
        )),
        _ => Ok(()),
    }
}

fn pool(name: &str, q: &Pool2d) -> Result<()> {
    positive(name, "kernel_size", &q.kernel_size)?;
    positive(name, "stride", &q.stride)
}

/// NIR's neuron rule: every parameter has one shape.
fn one_shape(name: &str, p: &Primitive) -> Result<()> {
    let tensors = p.tensors();
    let Some((first_name, first)) = tensors.first() else {
        return Ok(());
    };
    for (param, t) in &tensors[1..] {
        if t.shape() != first.shape() {
            return Err(NirError::at(
                join(name, param),
                format!(
                    "shape {:?} differs from {first_name} {:?}; all parameters of a {} need one shape",
                    t.shape(),
                    first.shape(),
                    p.type_name()
                ),
            ));
        }
    }
    Ok(())
}
