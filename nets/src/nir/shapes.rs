//! Shape inference along a graph's edges: what each node's parameters imply, how the
//! shapes arriving over edges meet (strictly when element counts differ, leniently with
//! a warning when they agree), and PyTorch's output-size arithmetic for convolution and
//! pooling.

use std::collections::{BTreeMap, BTreeSet};

use littoral_core::array::format_shape;

use super::analysis::{Analysis, NodeShapes, analyse};
use super::error::{NirError, Result};
use super::hdf5_read::check_elements;
use super::model::{Edge, NirGraph, Padding, Primitive};

/// Shapes along the order, then a check of the cycle-closing edges.
pub(crate) fn infer_shapes(graph: &NirGraph, analysis: &mut Analysis) -> Result<()> {
    let back: BTreeSet<&Edge> = analysis.back_edges.iter().collect();
    let mut incoming: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in graph.edges.iter().filter(|e| !back.contains(e)) {
        incoming
            .entry(e.target.as_str())
            .or_default()
            .push(e.source.as_str());
    }
    for name in analysis.order.clone() {
        let node = &graph.nodes[&name];
        let (mut declared, graph_output) = match &node.primitive {
            Primitive::Graph(inner) => {
                let sub = analyse(inner).map_err(|e| e.within(&name))?;
                let shapes = graph_io_shapes(inner, &sub);
                analysis
                    .warnings
                    .extend(sub.warnings.iter().map(|w| format!("{name}.{w}")));
                analysis.subgraphs.insert(name.clone(), sub);
                shapes
            }
            p => (declared_input(p), None),
        };
        for &source in incoming.get(name.as_str()).into_iter().flatten() {
            let arriving = analysis.shapes.get(source).and_then(|s| s.output.clone());
            if let Some(arriving) = arriving {
                declared = Some(meet(
                    &name,
                    node_is_output(&node.primitive),
                    declared,
                    arriving,
                    source,
                    &mut analysis.warnings,
                )?);
            }
        }
        let output = match &node.primitive {
            Primitive::Graph(_) => graph_output,
            p => match &declared {
                Some(input) => Some(output_shape(&name, p, input)?),
                None => declared_output(p),
            },
        };
        if let Some(out) = &output {
            check_elements(&name, out)?;
        }
        analysis.shapes.insert(
            name,
            NodeShapes {
                input: declared,
                output,
            },
        );
    }
    for e in &analysis.back_edges {
        let arriving = analysis
            .shapes
            .get(&e.source)
            .and_then(|s| s.output.clone());
        let target = &graph.nodes[&e.target];
        let current = analysis.shapes.get(&e.target).and_then(|s| s.input.clone());
        if let Some(arriving) = arriving {
            let met = meet(
                &e.target,
                node_is_output(&target.primitive),
                current,
                arriving,
                &e.source,
                &mut analysis.warnings,
            )?;
            if let Some(s) = analysis.shapes.get_mut(&e.target) {
                s.input = Some(met);
            }
        }
    }
    Ok(())
}

fn node_is_output(p: &Primitive) -> bool {
    matches!(p, Primitive::Output { .. })
}

/// Reconcile what a node expects with what arrives over one edge. Equal shapes meet;
/// shapes with the same element count meet with a warning (an `Output` takes the
/// arriving shape, inferred from its source's parameters; other nodes keep the shape
/// their parameters give); different counts are an error.
fn meet(
    name: &str,
    is_output: bool,
    expected: Option<Vec<usize>>,
    arriving: Vec<usize>,
    source: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<usize>> {
    let Some(expected) = expected else {
        return Ok(arriving);
    };
    if expected == arriving {
        return Ok(expected);
    }
    let count = |s: &[usize]| littoral_core::array::checked_size(s);
    if count(&expected) != count(&arriving) {
        return Err(NirError::at(
            name,
            format!(
                "expects input of shape {} but {source} sends shape {}",
                format_shape(&expected),
                format_shape(&arriving)
            ),
        ));
    }
    if is_output {
        warnings.push(format!(
            "{name}: declared shape {} but {source} sends {} (same element count); using {}, inferred from the parameters",
            format_shape(&expected),
            format_shape(&arriving),
            format_shape(&arriving)
        ));
        Ok(arriving)
    } else {
        warnings.push(format!(
            "{name}: expects shape {} but {source} sends {} (same element count); the input is reshaped",
            format_shape(&expected),
            format_shape(&arriving)
        ));
        Ok(expected)
    }
}

/// Input and output shape of a nested graph: those of its single `Input` and `Output`.
fn graph_io_shapes(
    graph: &NirGraph,
    analysis: &Analysis,
) -> (Option<Vec<usize>>, Option<Vec<usize>>) {
    let single = |want_input: bool| {
        let mut found = graph.nodes.iter().filter(|(_, n)| {
            if want_input {
                matches!(n.primitive, Primitive::Input { .. })
            } else {
                node_is_output(&n.primitive)
            }
        });
        match (found.next(), found.next()) {
            (Some((k, _)), None) => analysis.shapes.get(k).and_then(|s| {
                if want_input {
                    s.input.clone()
                } else {
                    s.output.clone()
                }
            }),
            _ => None,
        }
    };
    (single(true), single(false))
}

/// The input shape a node's parameters imply, if any.
pub fn declared_input(p: &Primitive) -> Option<Vec<usize>> {
    match p {
        Primitive::Input { shape } | Primitive::Output { shape } => Some(shape.clone()),
        Primitive::Affine { weight, .. } | Primitive::Linear { weight } => {
            let s = weight.shape();
            let mut v = s[..s.len() - 2].to_vec();
            v.push(s[s.len() - 1]);
            Some(v)
        }
        Primitive::Flatten { input_type, .. } => input_type.clone(),
        Primitive::Conv1d(c) => c
            .input_shape
            .map(|n| vec![c.weight.shape()[1] * c.groups, n]),
        Primitive::Conv2d(c) => c
            .input_shape
            .map(|[h, w]| vec![c.weight.shape()[1] * c.groups, h, w]),
        Primitive::SumPool2d(_) | Primitive::AvgPool2d(_) | Primitive::Graph(_) => None,
        other => other.tensors().first().map(|(_, t)| t.shape().to_vec()),
    }
}

/// The output shape a node's parameters imply without knowing its input, if any.
fn declared_output(p: &Primitive) -> Option<Vec<usize>> {
    match p {
        Primitive::Affine { weight, .. } | Primitive::Linear { weight } => {
            let s = weight.shape();
            Some(s[..s.len() - 1].to_vec())
        }
        Primitive::Flatten { .. }
        | Primitive::Conv1d(_)
        | Primitive::Conv2d(_)
        | Primitive::SumPool2d(_)
        | Primitive::AvgPool2d(_)
        | Primitive::Graph(_) => None,
        other => declared_input(other),
    }
}

/// The output shape of a node from its input shape.
///
/// # Errors
/// Windows larger than the padded input, channel counts that do not match the weight,
/// `Flatten` axes out of range; each names the node.
pub fn output_shape(name: &str, p: &Primitive, input: &[usize]) -> Result<Vec<usize>> {
    let err = |m: String| NirError::at(name, m);
    match p {
        Primitive::Flatten {
            start_dim, end_dim, ..
        } => {
            let rank = input.len() as i64;
            let norm = |d: i64| if d < 0 { d + rank } else { d };
            let (s, e) = (norm(*start_dim), norm(*end_dim));
            if s < 0 || e >= rank || s > e {
                return Err(err(format!(
                    "cannot flatten axes {start_dim}..={end_dim} of an input of shape {}",
                    format_shape(input)
                )));
            }
            let (s, e) = (s as usize, e as usize);
            let mut out = input[..s].to_vec();
            out.push(input[s..=e].iter().product());
            out.extend_from_slice(&input[e + 1..]);
            Ok(out)
        }
        Primitive::Conv1d(c) => {
            let w = c.weight.shape();
            check_channels(name, input, 2, w[1] * c.groups)?;
            let pad = explicit(&c.padding, 0);
            let n = conv_len(name, input[1], pad, c.dilation, w[2], c.stride, &c.padding)?;
            Ok(vec![w[0], n])
        }
        Primitive::Conv2d(c) => {
            let w = c.weight.shape();
            check_channels(name, input, 3, w[1] * c.groups)?;
            let mut out = vec![w[0]];
            for axis in 0..2 {
                out.push(conv_len(
                    name,
                    input[axis + 1],
                    explicit(&c.padding, axis),
                    c.dilation[axis],
                    w[axis + 2],
                    c.stride[axis],
                    &c.padding,
                )?);
            }
            Ok(out)
        }
        Primitive::SumPool2d(pool) | Primitive::AvgPool2d(pool) => {
            if input.len() != 3 {
                return Err(err(format!(
                    "expects input (C, H, W), found shape {}",
                    format_shape(input)
                )));
            }
            let mut out = vec![input[0]];
            for axis in 0..2 {
                out.push(conv_len(
                    name,
                    input[axis + 1],
                    pool.padding[axis],
                    1,
                    pool.kernel_size[axis],
                    pool.stride[axis],
                    &Padding::Explicit(pool.padding.to_vec()),
                )?);
            }
            Ok(out)
        }
        Primitive::Output { .. } => Ok(input.to_vec()),
        other => Ok(declared_output(other).unwrap_or_else(|| input.to_vec())),
    }
}

fn explicit(padding: &Padding, axis: usize) -> usize {
    match padding {
        Padding::Explicit(p) => p.get(axis).copied().unwrap_or(0),
        Padding::Same | Padding::Valid => 0,
    }
}

fn check_channels(name: &str, input: &[usize], rank: usize, channels: usize) -> Result<()> {
    if input.len() != rank || input[0] != channels {
        return Err(NirError::at(
            name,
            format!(
                "expects input of {rank} dimensions with {channels} channels first, found shape {}",
                format_shape(input)
            ),
        ));
    }
    Ok(())
}

/// PyTorch's output length `floor((n + 2p − d(k − 1) − 1) / s) + 1`, checked.
pub fn conv_len(
    name: &str,
    n: usize,
    pad: usize,
    dilation: usize,
    kernel: usize,
    stride: usize,
    padding: &Padding,
) -> Result<usize> {
    if *padding == Padding::Same {
        if stride != 1 {
            return Err(NirError::at(
                name,
                format!("padding \"same\" needs stride 1, found {stride}"),
            ));
        }
        return Ok(n);
    }
    let span = kernel
        .checked_sub(1)
        .and_then(|k| k.checked_mul(dilation))
        .and_then(|k| k.checked_add(1));
    let padded = pad.checked_mul(2).and_then(|p| p.checked_add(n));
    match (padded, span) {
        (Some(padded), Some(span)) if padded >= span && stride > 0 => {
            Ok((padded - span) / stride + 1)
        }
        _ => Err(NirError::at(
            name,
            format!(
                "a window of {kernel} (dilation {dilation}) does not fit an input of {n} padded by {pad}"
            ),
        )),
    }
}
