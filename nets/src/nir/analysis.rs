//! Structure checks for the executor: edges that name real nodes, a deterministic
//! topological order, the edges that close cycles, cycles that hold no state, and the
//! shape of every node's input and output inferred along the edges.
//!
//! **Cycles.** A depth-first search starts at the `Input` nodes (in name order), then at
//! any node not reached yet (in name order), and follows each node's successors in name
//! order; an edge to a node still on the search path *closes a cycle*. The executor
//! delivers over such an edge the source's output of the previous time step (zero at the
//! first step). The remaining edges form a DAG; [`Analysis::order`] is its topological
//! order, ties broken by name.

use std::collections::{BTreeMap, BTreeSet};

use littoral_core::array::format_shape;

use super::error::{NirError, Result};
use super::hdf5_read::check_elements;
use super::model::{Edge, NirGraph, Padding, Primitive};
use super::validate::validate_node;

/// The inferred shapes of one node (`None` where the graph does not determine them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeShapes {
    /// Shape of one time step of the node's input.
    pub input: Option<Vec<usize>>,
    /// Shape of one time step of the node's output.
    pub output: Option<Vec<usize>>,
}

/// What [`analyse`] found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Analysis {
    /// Every node, each after all the sources of its forward edges.
    pub order: Vec<String>,
    /// The edges that close cycles (they carry the previous step's value), in file order.
    pub back_edges: Vec<Edge>,
    /// Inferred shapes by node name.
    pub shapes: BTreeMap<String, NodeShapes>,
    /// The analyses of nested graphs, by node name.
    pub subgraphs: BTreeMap<String, Analysis>,
    /// Lenient inferences, one sentence each, naming the node.
    pub warnings: Vec<String>,
}

/// Check a graph's structure and infer its shapes.
///
/// # Errors
/// A [`NirError`] naming the node or edge: an edge to or from a missing node, a duplicate
/// edge, an edge into an `Input` or out of an `Output`, a cycle without a stateful node
/// (neuron or `Delay`), shapes that cannot meet (different element counts), convolution
/// or pooling windows larger than their padded input, `Flatten` axes out of range.
pub fn analyse(graph: &NirGraph) -> Result<Analysis> {
    for (name, node) in &graph.nodes {
        validate_node(name, &node.primitive)?;
    }
    check_edges(graph)?;
    let successors = successors(graph);
    let back_edges = find_back_edges(graph, &successors);
    let back: BTreeSet<&Edge> = back_edges.iter().collect();
    check_stateful_cycles(graph, &successors)?;
    let order = topological_order(graph, &back);
    let mut analysis = Analysis {
        order,
        back_edges: graph
            .edges
            .iter()
            .filter(|e| back.contains(e))
            .cloned()
            .collect(),
        ..Analysis::default()
    };
    infer_shapes(graph, &mut analysis)?;
    Ok(analysis)
}

fn check_edges(graph: &NirGraph) -> Result<()> {
    let mut seen = BTreeSet::new();
    for e in &graph.edges {
        for (end, name) in [("source", &e.source), ("target", &e.target)] {
            if !graph.nodes.contains_key(name) {
                return Err(NirError::at(
                    "edges",
                    format!(
                        "edge ({} -> {}): its {end} {name:?} is not a node of the graph",
                        e.source, e.target
                    ),
                ));
            }
        }
        if !seen.insert(e) {
            return Err(NirError::at(
                "edges",
                format!("edge ({} -> {}) appears twice", e.source, e.target),
            ));
        }
        if matches!(graph.nodes[&e.target].primitive, Primitive::Input { .. }) {
            return Err(NirError::at(
                &e.target,
                format!("an Input node cannot receive an edge (from {})", e.source),
            ));
        }
        if matches!(graph.nodes[&e.source].primitive, Primitive::Output { .. }) {
            return Err(NirError::at(
                &e.source,
                format!("an Output node cannot send an edge (to {})", e.target),
            ));
        }
    }
    Ok(())
}

/// Successors of every node, in name order.
fn successors(graph: &NirGraph) -> BTreeMap<&str, BTreeSet<&str>> {
    let mut out: BTreeMap<&str, BTreeSet<&str>> = graph
        .nodes
        .keys()
        .map(|k| (k.as_str(), BTreeSet::new()))
        .collect();
    for e in &graph.edges {
        if let Some(s) = out.get_mut(e.source.as_str()) {
            s.insert(e.target.as_str());
        }
    }
    out
}

/// Edges to a node still on the depth-first path (iterative search, no recursion).
fn find_back_edges(graph: &NirGraph, successors: &BTreeMap<&str, BTreeSet<&str>>) -> Vec<Edge> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let mut mark: BTreeMap<&str, Mark> = graph
        .nodes
        .keys()
        .map(|k| (k.as_str(), Mark::New))
        .collect();
    let inputs = graph
        .nodes
        .iter()
        .filter(|(_, n)| matches!(n.primitive, Primitive::Input { .. }))
        .map(|(k, _)| k.as_str());
    let roots: Vec<&str> = inputs
        .chain(graph.nodes.keys().map(String::as_str))
        .collect();
    let mut back = BTreeSet::new();
    for root in roots {
        if mark[root] != Mark::New {
            continue;
        }
        let mut stack: Vec<(&str, Vec<&str>)> = vec![(root, succ_list(successors, root))];
        mark.insert(root, Mark::OnPath);
        while let Some((node, pending)) = stack.last_mut() {
            let node = *node;
            if pending.is_empty() {
                mark.insert(node, Mark::Done);
                stack.pop();
                continue;
            }
            let Some(next) = pending.pop() else { continue };
            match mark[next] {
                Mark::New => {
                    mark.insert(next, Mark::OnPath);
                    stack.push((next, succ_list(successors, next)));
                }
                Mark::OnPath => {
                    back.insert(Edge::new(node, next));
                }
                Mark::Done => {}
            }
        }
    }
    graph
        .edges
        .iter()
        .filter(|e| back.contains(*e))
        .cloned()
        .collect()
}

/// Successors of `node` in reverse name order (popped from the end: name order).
fn succ_list<'a>(successors: &BTreeMap<&'a str, BTreeSet<&'a str>>, node: &str) -> Vec<&'a str> {
    successors
        .get(node)
        .map(|s| s.iter().rev().copied().collect())
        .unwrap_or_default()
}

/// Every cycle must pass through a node that keeps state; otherwise the loop has no
/// defined value (the `nir` semantics need a time step inside every cycle).
fn check_stateful_cycles(
    graph: &NirGraph,
    successors: &BTreeMap<&str, BTreeSet<&str>>,
) -> Result<()> {
    let stateless: BTreeMap<&str, BTreeSet<&str>> = successors
        .iter()
        .filter(|(k, _)| !graph.nodes[**k].primitive.is_stateful())
        .map(|(k, s)| {
            let kept = s
                .iter()
                .copied()
                .filter(|t| !graph.nodes[*t].primitive.is_stateful())
                .collect();
            (*k, kept)
        })
        .collect();
    // Kahn's algorithm on the stateless sub-graph: what cannot be removed lies on or
    // behind a cycle; follow successors inside that remainder to name one cycle.
    let mut indegree: BTreeMap<&str, usize> = stateless.keys().map(|k| (*k, 0)).collect();
    for targets in stateless.values() {
        for t in targets {
            if let Some(d) = indegree.get_mut(t) {
                *d += 1;
            }
        }
    }
    let mut ready: Vec<&str> = indegree
        .iter()
        .filter(|(_, d)| **d == 0)
        .map(|(k, _)| *k)
        .collect();
    let mut removed = BTreeSet::new();
    while let Some(n) = ready.pop() {
        removed.insert(n);
        for t in &stateless[n] {
            if let Some(d) = indegree.get_mut(t) {
                *d -= 1;
                if *d == 0 {
                    ready.push(t);
                }
            }
        }
    }
    let Some(start) = indegree.keys().find(|k| !removed.contains(*k)) else {
        return Ok(());
    };
    // Every node left has a predecessor left: walk predecessors until a node repeats.
    let mut path = vec![*start];
    loop {
        let last = path[path.len() - 1];
        let Some(prev) = stateless
            .iter()
            .find(|(k, targets)| !removed.contains(*k) && targets.contains(last))
            .map(|(k, _)| *k)
        else {
            return Ok(()); // unreachable: Kahn left `last` with a predecessor
        };
        if let Some(i) = path.iter().position(|p| *p == prev) {
            // path[i..] walked backwards is the cycle; print it forwards from its
            // smallest name.
            let mut cycle: Vec<&str> = path[i..].iter().rev().copied().collect();
            let smallest = (0..cycle.len()).min_by_key(|&j| cycle[j]).unwrap_or(0);
            cycle.rotate_left(smallest);
            let first = cycle[0];
            cycle.push(first);
            return Err(NirError::at(
                first,
                format!(
                    "the cycle {} holds no neuron or Delay, so it has no defined value",
                    cycle.join(" -> ")
                ),
            ));
        }
        path.push(prev);
    }
}

/// Kahn's algorithm on the forward edges, smallest name first.
fn topological_order(graph: &NirGraph, back: &BTreeSet<&Edge>) -> Vec<String> {
    let mut indegree: BTreeMap<&str, usize> = graph.nodes.keys().map(|k| (k.as_str(), 0)).collect();
    let mut forward: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in graph.edges.iter().filter(|e| !back.contains(e)) {
        *indegree.entry(e.target.as_str()).or_default() += 1;
        forward
            .entry(e.source.as_str())
            .or_default()
            .push(e.target.as_str());
    }
    let mut ready: BTreeSet<&str> = indegree
        .iter()
        .filter(|(_, d)| **d == 0)
        .map(|(k, _)| *k)
        .collect();
    let mut order = Vec::with_capacity(graph.nodes.len());
    while let Some(n) = ready.pop_first() {
        order.push(n.to_string());
        for t in forward.get(n).into_iter().flatten() {
            if let Some(d) = indegree.get_mut(t) {
                *d -= 1;
                if *d == 0 {
                    ready.insert(t);
                }
            }
        }
    }
    order
}

/// Shapes along the order, then a check of the cycle-closing edges.
fn infer_shapes(graph: &NirGraph, analysis: &mut Analysis) -> Result<()> {
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
