//! The text of `littoral inspect GRAPH.nir`: nodes in execution order with their input
//! and output shapes and a summary of each parameter, the edges (marking those that
//! close a cycle), nested graphs indented, and the reader's warnings.

use std::fmt::Write;

use littoral_core::array::format_shape;

use super::analysis::{Analysis, analyse};
use super::error::Result;
use super::model::{FloatType, NirFile, NirGraph, Padding, Primitive, Tensor};

/// Render a NIR file (version, graph, warnings) as text.
///
/// # Errors
/// A structure error of the graph (see [`analyse`]).
pub fn render_file(file: &NirFile) -> Result<String> {
    let mut out = String::new();
    let version = if file.version.is_empty() {
        "unknown"
    } else {
        &file.version
    };
    let _ = writeln!(out, "NIR file, written by nir {version}");
    out.push_str(&render(&file.graph)?);
    if !file.warnings.is_empty() {
        let _ = writeln!(out, "warnings:");
        for w in &file.warnings {
            let _ = writeln!(out, "  {w}");
        }
    }
    Ok(out)
}

/// Render a graph as text.
///
/// ```
/// use littoral_nets::nir::{Edge, NirGraph, Primitive, render};
/// let mut g = NirGraph::default();
/// g.insert("in", Primitive::Input { shape: vec![3] });
/// g.insert("out", Primitive::Output { shape: vec![3] });
/// g.edges.push(Edge::new("in", "out"));
/// let text = render(&g)?;
/// assert!(text.contains("in -> out"));
/// # Ok::<(), littoral_nets::nir::NirError>(())
/// ```
///
/// # Errors
/// A structure error of the graph (see [`analyse`]).
pub fn render(graph: &NirGraph) -> Result<String> {
    let analysis = analyse(graph)?;
    let mut out = String::new();
    render_graph(&mut out, graph, &analysis, 0);
    Ok(out)
}

fn render_graph(out: &mut String, graph: &NirGraph, analysis: &Analysis, depth: usize) {
    let pad = "  ".repeat(depth);
    let _ = writeln!(
        out,
        "{pad}graph: {} nodes, {} edges ({} closing a cycle)",
        graph.nodes.len(),
        graph.edges.len(),
        analysis.back_edges.len()
    );
    let width = graph.nodes.keys().map(String::len).max().unwrap_or(0);
    let _ = writeln!(out, "{pad}nodes, in execution order:");
    for name in &analysis.order {
        let node = &graph.nodes[name];
        let shapes = analysis.shapes.get(name).cloned().unwrap_or_default();
        let _ = writeln!(
            out,
            "{pad}  {name:width$}  {:9}  in {}  out {}",
            node.primitive.type_name(),
            shape_text(shapes.input.as_deref()),
            shape_text(shapes.output.as_deref()),
        );
        let settings = settings(&node.primitive);
        if !settings.is_empty() {
            let _ = writeln!(out, "{pad}  {:width$}    {settings}", "");
        }
        for (param, t) in node.primitive.tensors() {
            let _ = writeln!(out, "{pad}  {:width$}    {param}: {}", "", summary(t));
        }
        if !node.metadata.is_empty() {
            let keys: Vec<&str> = node.metadata.keys().map(String::as_str).collect();
            let _ = writeln!(out, "{pad}  {:width$}    metadata: {}", "", keys.join(", "));
        }
        if let (Primitive::Graph(inner), Some(sub)) =
            (&node.primitive, analysis.subgraphs.get(name))
        {
            render_graph(out, inner, sub, depth + 2);
        }
    }
    let _ = writeln!(out, "{pad}edges:");
    for e in &graph.edges {
        let note = if analysis.back_edges.contains(e) {
            "  (closes a cycle: carries the previous step)"
        } else {
            ""
        };
        let _ = writeln!(out, "{pad}  {} -> {}{note}", e.source, e.target);
    }
    if !graph.metadata.is_empty() {
        let keys: Vec<&str> = graph.metadata.keys().map(String::as_str).collect();
        let _ = writeln!(out, "{pad}metadata: {}", keys.join(", "));
    }
}

fn shape_text(shape: Option<&[usize]>) -> String {
    shape.map_or_else(|| "?".to_string(), format_shape)
}

/// Integer settings of convolutions, pooling and flatten.
fn settings(p: &Primitive) -> String {
    let pad = |p: &Padding| match p {
        Padding::Same => "same".to_string(),
        Padding::Valid => "valid".to_string(),
        Padding::Explicit(v) => format!("{v:?}"),
    };
    // A number (1-d) or a list (2-d): `{:?}` writes a `usize` as `{}` does.
    let conv = |stride: &dyn std::fmt::Debug, padding, dilation: &dyn std::fmt::Debug, groups| {
        format!(
            "stride {stride:?}, padding {}, dilation {dilation:?}, groups {groups}",
            pad(padding)
        )
    };
    match p {
        Primitive::Conv1d(c) => conv(&c.stride, &c.padding, &c.dilation, c.groups),
        Primitive::Conv2d(c) => conv(&c.stride, &c.padding, &c.dilation, c.groups),
        Primitive::SumPool2d(q) | Primitive::AvgPool2d(q) => format!(
            "kernel {:?}, stride {:?}, padding {:?}",
            q.kernel_size, q.stride, q.padding
        ),
        Primitive::Flatten {
            start_dim, end_dim, ..
        } => format!("axes {start_dim}..={end_dim}"),
        _ => String::new(),
    }
}

/// `f32 (16, 2, 5, 5) min -0.33 max 0.41 mean 0.0012`, or `= v` when all equal.
fn summary(t: &Tensor) -> String {
    let dtype = match t.dtype {
        FloatType::F32 => "f32",
        FloatType::F64 => "f64",
    };
    let v = t.values();
    let head = format!("{dtype} {}", format_shape(t.shape()));
    match v.first() {
        None => format!("{head} (empty)"),
        Some(&first) if v.iter().all(|x| x.to_bits() == first.to_bits()) => match t.dtype {
            // Shortest text that reads back as the same f32.
            FloatType::F32 => format!("{head} = {}", first as f32),
            FloatType::F64 => format!("{head} = {first}"),
        },
        Some(_) => {
            let min = v.iter().copied().fold(f64::INFINITY, f64::min);
            let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let mean = v.iter().sum::<f64>() / v.len() as f64;
            format!("{head} min {min:.6} max {max:.6} mean {mean:.6}")
        }
    }
}
