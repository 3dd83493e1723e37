//! Reading NIR files as the `nir` package (h5py) writes them: a root dataset `version`
//! and a group `node` holding the top-level `NIRGraph` (`type`, `nodes/<name>/...`,
//! `edges` as an `(E, 2)` string array, optional `metadata`).

use std::path::Path;

use hdf5_pure::File;

use super::analysis::analyse;
use super::error::{NirError, Result};
use super::framework::NeuronKind;
use super::hdf5_read::{Budget, DataKind, MAX_ELEMENTS, Scope, check_elements};
use super::model::{
    Conv1d, Conv2d, Edge, Metadata, NirFile, NirGraph, Node, Padding, Pool2d, Primitive, Tensor,
};
use super::read_metadata::read_metadata_of;

/// Deepest nesting of graphs accepted (a graph inside a graph is depth 1).
pub const MAX_DEPTH: usize = 16;

/// Read a NIR file, check its structure ([`analyse`]) and return the graph with the
/// warnings of lenient reading.
///
/// Strict where safety needs it (every size checked before allocation, nesting bounded,
/// dangling edges, wrong types and inconsistent parameter shapes are errors naming the
/// file and the node); lenient where the data allow it: an `Output` whose declared shape
/// differs from what its source produces but has as many elements takes the source's
/// shape (inferred from the parameters) with a warning; integer parameters are read as
/// floats with a warning; a missing `v_reset` is zero and a missing `w_in` is one, as in
/// the `nir` package.
///
/// # Errors
/// A [`NirError`] naming the file and the node for anything malformed.
pub fn read(path: impl AsRef<Path>) -> Result<NirFile> {
    read_with(path, ReadLimits::default())
}

/// Limits of reading beyond the fixed ones ([`MAX_ELEMENTS`] per dataset, [`MAX_DEPTH`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadLimits {
    /// Elements all the datasets of one file may hold together (default
    /// [`MAX_ELEMENTS`], 2 GiB of float64).
    pub total_elements: usize,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            total_elements: MAX_ELEMENTS,
        }
    }
}

/// [`read`] with other limits.
///
/// # Errors
/// As [`read`].
pub fn read_with(path: impl AsRef<Path>, limits: ReadLimits) -> Result<NirFile> {
    let path = path.as_ref();
    let file = File::open(path)
        .map_err(|e| NirError::at("", format!("not a readable HDF5 file: {e}")).in_file(path))?;
    read_file(&file, limits).map_err(|e| e.in_file(path))
}

/// Read a NIR file held in memory (as [`read`], without a file name in errors).
///
/// # Errors
/// A [`NirError`] for anything malformed.
pub fn read_bytes(bytes: Vec<u8>) -> Result<NirFile> {
    let file = File::from_bytes(bytes)
        .map_err(|e| NirError::at("", format!("not a readable HDF5 file: {e}")))?;
    read_file(&file, ReadLimits::default())
}

fn read_file(file: &File, limits: ReadLimits) -> Result<NirFile> {
    let root = file.root();
    let budget = Budget::new(limits.total_elements);
    let scope = Scope::root(&root, &budget)?;
    let mut warnings = Vec::new();
    let version = if scope.has_dataset("version") {
        scope.string("version")?
    } else {
        warnings.push("the file has no `version` dataset".to_string());
        String::new()
    };
    let node = scope.subgroup("node")?;
    let top = scope.child(&node, String::new())?;
    let graph = read_graph(&top, 0, &mut warnings)?;
    let analysis = analyse(&graph)?;
    warnings.extend(analysis.warnings);
    Ok(NirFile {
        version,
        graph,
        warnings,
    })
}

/// Read a graph group (`type` = `NIRGraph`).
fn read_graph(scope: &Scope, depth: usize, warnings: &mut Vec<String>) -> Result<NirGraph> {
    if depth > MAX_DEPTH {
        return Err(NirError::at(
            &scope.location,
            format!("graphs nested deeper than {MAX_DEPTH} levels"),
        ));
    }
    let nodes_group = scope.subgroup("nodes")?;
    let nodes_scope = scope.child(&nodes_group, scope.location.clone())?;
    if !nodes_scope.dataset_names().is_empty() {
        warnings.push(format!(
            "{}: ignored datasets directly under `nodes`: {}",
            describe(&scope.location),
            nodes_scope.dataset_names().join(", ")
        ));
    }
    let mut graph = NirGraph::default();
    for name in nodes_scope.group_names() {
        let group = nodes_scope.subgroup(name)?;
        let node_scope = nodes_scope.child(&group, nodes_scope.at(name))?;
        let node = read_node(&node_scope, depth, warnings)?;
        graph.nodes.insert(name.clone(), node);
    }
    graph.edges = read_edges(scope)?;
    graph.metadata = read_metadata_of(scope, warnings)?;
    warn_unknown(scope, &["type", "edges", "nodes", "metadata"], warnings);
    Ok(graph)
}

/// The `(E, 2)` string dataset `edges` (an empty dataset of any type is no edges).
fn read_edges(scope: &Scope) -> Result<Vec<Edge>> {
    if scope.element_count("edges")? == 0 {
        return Ok(Vec::new());
    }
    let (shape, names) = scope.strings("edges")?;
    if shape.len() != 2 || shape[1] != 2 {
        return Err(NirError::at(
            scope.at("edges"),
            format!("expected shape (E, 2), found {shape:?}"),
        ));
    }
    let mut edges = Vec::with_capacity(names.len() / 2);
    for pair in names.chunks_exact(2) {
        if pair[0].is_empty() || pair[1].is_empty() {
            return Err(NirError::at(
                scope.at("edges"),
                format!("edge ({:?}, {:?}) has an empty node name", pair[0], pair[1]),
            ));
        }
        edges.push(Edge::new(pair[0].clone(), pair[1].clone()));
    }
    Ok(edges)
}

/// One node group.
fn read_node(scope: &Scope, depth: usize, warnings: &mut Vec<String>) -> Result<Node> {
    let type_name = scope.string("type")?;
    let (primitive, known): (Primitive, &[&str]) = match type_name.as_str() {
        "Input" => (
            Primitive::Input {
                shape: shape_of(scope, "shape")?,
            },
            &["shape"],
        ),
        "Output" => (
            Primitive::Output {
                shape: shape_of(scope, "shape")?,
            },
            &["shape"],
        ),
        "Affine" => {
            let weight = scope.float("weight", warnings)?;
            let bias = scope.float("bias", warnings)?;
            (Primitive::Affine { weight, bias }, &["weight", "bias"])
        }
        "Linear" => {
            let weight = scope.float("weight", warnings)?;
            (Primitive::Linear { weight }, &["weight"])
        }
        "Scale" => (
            Primitive::Scale {
                scale: scope.float("scale", warnings)?,
            },
            &["scale"],
        ),
        "Threshold" => (
            Primitive::Threshold {
                threshold: scope.float("threshold", warnings)?,
            },
            &["threshold"],
        ),
        "Delay" => (
            Primitive::Delay {
                delay: scope.float("delay", warnings)?,
            },
            &["delay"],
        ),
        "Flatten" => (
            Primitive::Flatten {
                start_dim: scope.int("start_dim")?,
                end_dim: scope.int("end_dim")?,
                input_type: optional(scope, "input_type", shape_of)?,
            },
            &["start_dim", "end_dim", "input_type"],
        ),
        "Conv1d" => (Primitive::Conv1d(read_conv1d(scope, warnings)?), CONV_KEYS),
        "Conv2d" => (Primitive::Conv2d(read_conv2d(scope, warnings)?), CONV_KEYS),
        "SumPool2d" => (Primitive::SumPool2d(read_pool(scope)?), POOL_KEYS),
        "AvgPool2d" => (Primitive::AvgPool2d(read_pool(scope)?), POOL_KEYS),
        "NIRGraph" => {
            let inner = read_graph(scope, depth + 1, warnings)?;
            return Ok(Node {
                primitive: Primitive::Graph(inner),
                metadata: Metadata::new(),
            });
        }
        other => match NeuronKind::from_nir_name(other) {
            Some(kind) => (read_neuron(scope, kind, warnings)?, kind.parameters()),
            None => {
                return Err(NirError::at(
                    scope.at("type"),
                    format!("unknown NIR type {other:?}"),
                ));
            }
        },
    };
    let mut all_known: Vec<&str> = known.to_vec();
    all_known.extend(["type", "metadata"]);
    warn_unknown(scope, &all_known, warnings);
    Ok(Node {
        primitive,
        metadata: read_metadata_of(scope, warnings)?,
    })
}

const CONV_KEYS: &[&str] = &[
    "input_shape",
    "weight",
    "stride",
    "padding",
    "dilation",
    "groups",
    "bias",
];
const POOL_KEYS: &[&str] = &["kernel_size", "stride", "padding"];

fn read_conv1d(scope: &Scope, warnings: &mut Vec<String>) -> Result<Conv1d> {
    let weight = scope.float("weight", warnings)?;
    let (groups, bias) = (scope.size("groups")?, scope.float("bias", warnings)?);
    let [stride] = spatial(scope, "stride")?;
    let [dilation] = spatial(scope, "dilation")?;
    let input_shape = optional(scope, "input_shape", |s, n| s.size(n))?;
    Ok(Conv1d {
        input_shape,
        weight,
        stride,
        padding: padding(scope, 1)?,
        dilation,
        groups,
        bias,
    })
}

fn read_conv2d(scope: &Scope, warnings: &mut Vec<String>) -> Result<Conv2d> {
    let weight = scope.float("weight", warnings)?;
    let (groups, bias) = (scope.size("groups")?, scope.float("bias", warnings)?);
    let stride = spatial(scope, "stride")?;
    let dilation = spatial(scope, "dilation")?;
    let input_shape = optional(scope, "input_shape", spatial::<2>)?;
    Ok(Conv2d {
        input_shape,
        weight,
        stride,
        padding: padding(scope, 2)?,
        dilation,
        groups,
        bias,
    })
}

fn read_pool(scope: &Scope) -> Result<Pool2d> {
    Ok(Pool2d {
        kernel_size: spatial(scope, "kernel_size")?,
        stride: spatial(scope, "stride")?,
        padding: spatial(scope, "padding")?,
    })
}

/// `N` spatial sizes: a scalar or one value (broadcast) or `N` values.
fn spatial<const N: usize>(scope: &Scope, name: &str) -> Result<[usize; N]> {
    let values = scope.sizes(name)?;
    match values.as_slice() {
        [v] => Ok([*v; N]),
        vs if vs.len() == N => {
            let mut out = [0; N];
            out.copy_from_slice(vs);
            Ok(out)
        }
        vs => Err(NirError::at(
            scope.at(name),
            format!("expected 1 or {N} values, found {}", vs.len()),
        )),
    }
}

/// Convolution padding: `"same"`, `"valid"` or sizes.
fn padding(scope: &Scope, dims: usize) -> Result<Padding> {
    if scope.kind("padding")? == DataKind::Text {
        return match scope.string("padding")?.as_str() {
            "same" => Ok(Padding::Same),
            "valid" => Ok(Padding::Valid),
            other => Err(NirError::at(
                scope.at("padding"),
                format!("expected \"same\", \"valid\" or sizes, found {other:?}"),
            )),
        };
    }
    let values = scope.sizes("padding")?;
    match values.len() {
        1 => Ok(Padding::Explicit(vec![values[0]; dims])),
        n if n == dims => Ok(Padding::Explicit(values)),
        n => Err(NirError::at(
            scope.at("padding"),
            format!("expected 1 or {dims} values, found {n}"),
        )),
    }
}

/// A declared shape (non-negative sizes, element count bounded).
fn shape_of(scope: &Scope, name: &str) -> Result<Vec<usize>> {
    let shape = scope.sizes(name)?;
    check_elements(&scope.at(name), &shape)?;
    Ok(shape)
}

/// Read `name` when present.
fn optional<T>(
    scope: &Scope,
    name: &str,
    read: impl Fn(&Scope, &str) -> Result<T>,
) -> Result<Option<T>> {
    if scope.has_dataset(name) {
        read(scope, name).map(Some)
    } else {
        Ok(None)
    }
}

/// A neuron node's parameters in NIR's order. `v_reset` (zeros) and `w_in` (ones) may be
/// omitted, as the `nir` package allows: they are then shaped like the last parameter
/// read before them that has no default (`v_threshold`, or `v_leak` for `CubaLI`).
fn read_neuron(scope: &Scope, kind: NeuronKind, warnings: &mut Vec<String>) -> Result<Primitive> {
    let mut like: Option<Tensor> = None;
    Primitive::neuron(kind, |name| {
        let fill = match name {
            "v_reset" => 0.0,
            "w_in" => 1.0,
            _ => {
                let t = scope.float(name, warnings)?;
                like = Some(t.clone());
                return Ok(t);
            }
        };
        let like = like
            .as_ref()
            .ok_or_else(|| NirError::at(scope.at(name), "internal: no parameter to shape it"))?;
        defaulted(scope, name, like, fill, warnings)
    })
}

/// An optional parameter with NIR's default (`fill`, shaped like `like`).
fn defaulted(
    scope: &Scope,
    name: &str,
    like: &Tensor,
    fill: f64,
    warnings: &mut Vec<String>,
) -> Result<Tensor> {
    if !scope.has_dataset(name) {
        return Ok(Tensor {
            array: littoral_core::Array::full(like.shape().to_vec(), fill),
            dtype: like.dtype,
        });
    }
    let t = scope.float(name, warnings)?;
    if t.shape() == like.shape() {
        Ok(t)
    } else if t.values().len() == 1 {
        warnings.push(format!(
            "{}: one value broadcast to shape {:?}",
            scope.at(name),
            like.shape()
        ));
        Ok(Tensor {
            array: littoral_core::Array::full(like.shape().to_vec(), t.values()[0]),
            dtype: t.dtype,
        })
    } else {
        Err(mismatch(scope, name, like.shape(), t.shape()))
    }
}

fn mismatch(scope: &Scope, name: &str, expected: &[usize], found: &[usize]) -> NirError {
    NirError::at(
        scope.at(name),
        format!("expected shape {expected:?}, found {found:?}"),
    )
}

fn describe(location: &str) -> &str {
    if location.is_empty() {
        "graph"
    } else {
        location
    }
}

/// Warn about members a node does not define (kept out of the model, never silently).
fn warn_unknown(scope: &Scope, known: &[&str], warnings: &mut Vec<String>) {
    let unknown: Vec<&str> = scope
        .dataset_names()
        .iter()
        .chain(scope.group_names())
        .map(String::as_str)
        .filter(|n| !known.contains(n))
        .collect();
    if !unknown.is_empty() {
        warnings.push(format!(
            "{}: ignored unknown members {}",
            describe(&scope.location),
            unknown.join(", ")
        ));
    }
}
