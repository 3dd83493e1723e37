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

use super::error::{NirError, Result};
use super::model::{Edge, NirGraph, Primitive};
use super::shapes::infer_shapes;
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
/// edge, an edge into an `Input` or out of an `Output`, shapes that cannot meet (different element counts), convolution
/// or pooling windows larger than their padded input, `Flatten` axes out of range.
pub fn analyse(graph: &NirGraph) -> Result<Analysis> {
    for (name, node) in &graph.nodes {
        validate_node(name, &node.primitive)?;
    }
    check_edges(graph)?;
    let successors = successors(graph);
    let back_edges = find_back_edges(graph, &successors);
    let back: BTreeSet<&Edge> = back_edges.iter().collect();
    let stateless_cycle = stateless_cycle(graph, &successors);
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
    analysis.warnings.extend(stateless_cycle);
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

/// A cycle through stateless nodes only gets its one step of memory from the edge that
/// closes it (`docs/nir-semantics.md` §1); it is legal, but worth a warning naming it.
fn stateless_cycle(
    graph: &NirGraph,
    successors: &BTreeMap<&str, BTreeSet<&str>>,
) -> Option<String> {
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
    let start = indegree.keys().find(|k| !removed.contains(*k))?;
    // Every node left has a predecessor left: walk predecessors until a node repeats.
    let mut path = vec![*start];
    loop {
        let last = path[path.len() - 1];
        let Some(prev) = stateless
            .iter()
            .find(|(k, targets)| !removed.contains(*k) && targets.contains(last))
            .map(|(k, _)| *k)
        else {
            return None; // unreachable: Kahn left `last` with a predecessor
        };
        if let Some(i) = path.iter().position(|p| *p == prev) {
            // path[i..] walked backwards is the cycle; print it forwards from its
            // smallest name.
            let mut cycle: Vec<&str> = path[i..].iter().rev().copied().collect();
            let smallest = (0..cycle.len()).min_by_key(|&j| cycle[j]).unwrap_or(0);
            cycle.rotate_left(smallest);
            let first = cycle[0];
            cycle.push(first);
            return Some(format!(
                "{first}: the cycle {} holds no neuron or Delay; the edge closing it gives it a one-step memory",
                cycle.join(" -> ")
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
