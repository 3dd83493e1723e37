//! Running a [`Graph`]: blocks in order; a node off every cycle runs over the whole time
//! series in one call of its module, the nodes of a cycle are stepped together one time
//! step at a time (each step one call per node with `T = 1`, its state carried), so an
//! edge that closes a cycle can deliver its source's output of the previous step.

use std::borrow::Cow;
use std::collections::BTreeMap;

use littoral_core::{Array, ArrayView, Entry, Error, Evolution, Kind, Leaf, Record, Result, Tree};

use super::graph::{Graph, Role};
use super::semantics::Semantics;

/// The branch of `tree` at a dotted path.
fn branch_at<'t>(tree: &'t Tree, path: &str) -> Option<&'t Tree> {
    match tree.entry_at(path)? {
        Entry::Branch(b) => Some(b),
        Entry::Leaf(_) => None,
    }
}

/// One node's results over the whole run.
struct NodeRun {
    output: Array,
    state: Tree,
    record: Record,
}

/// `(B, T, N)` → the `(B, 1, N)` slice at step `t`.
fn at_step(a: &Array, t: usize) -> Array {
    let (b, steps, n) = (a.shape()[0], a.shape()[1], a.shape()[2]);
    let mut out = Vec::with_capacity(b * n);
    for s in 0..b {
        let at = (s * steps + t) * n;
        out.extend_from_slice(&a.data()[at..at + n]);
    }
    Array::from_shape_vec(vec![b, 1, n], out).unwrap_or_else(|_| Array::zeros(vec![b, 1, n]))
}

/// Write a `(B, 1, …)` slice into step `t` of a `(B, T, …)` array.
fn write_step(dst: &mut Array, t: usize, src: &Array) {
    let (b, steps) = (dst.shape()[0], dst.shape()[1]);
    let per = src.len() / b.max(1);
    for s in 0..b {
        let at = (s * steps + t) * per;
        dst.data_mut()[at..at + per].copy_from_slice(&src.data()[s * per..(s + 1) * per]);
    }
}

/// The input of node `i` off every cycle: its one source's output as it is, or the sum of
/// its sources' outputs, or zeros when none has run.
fn summed_input<'r>(
    graph: &Graph,
    i: usize,
    runs: &'r BTreeMap<usize, NodeRun>,
    (b, t): (usize, usize),
) -> Cow<'r, Array> {
    let mut outputs = graph.preds[i]
        .iter()
        .filter_map(|(s, _)| runs.get(s).map(|r| &r.output));
    match (outputs.next(), outputs.next()) {
        (None, _) => Cow::Owned(Array::zeros(vec![b, t, graph.flat[i].module.size_in()])),
        (Some(only), None) => Cow::Borrowed(only),
        (Some(first), Some(second)) => {
            let mut sum = first.clone();
            for term in std::iter::once(second).chain(outputs) {
                add_to(&mut sum, term);
            }
            Cow::Owned(sum)
        }
    }
}

fn add_into(acc: &mut Option<Array>, term: &Array) {
    match acc {
        None => *acc = Some(term.clone()),
        Some(a) => add_to(a, term),
    }
}

/// `sum += term`, element by element.
fn add_to(sum: &mut Array, term: &Array) {
    for (x, y) in sum.data_mut().iter_mut().zip(term.data()) {
        *x += y;
    }
}

/// Evolve a graph (the body of its `evolve_batch`).
pub(crate) fn evolve(
    graph: &Graph,
    params: &Tree,
    state: &Tree,
    input: ArrayView<'_>,
    record: bool,
) -> Result<Evolution> {
    let [b, t, width] = super::node::input_dims(input, littoral_core::Module::size_in(graph))?;
    // The graph input's columns, per Input node.
    let mut own_input: BTreeMap<usize, Array> = BTreeMap::new();
    let mut col = 0;
    for &i in &graph.inputs {
        let n = graph.flat[i].module.size_in();
        let mut data = Vec::with_capacity(b * t * n);
        for row in input.data().chunks(width.max(1)).take(b * t) {
            data.extend_from_slice(&row[col..col + n]);
        }
        own_input.insert(i, Array::from_shape_vec(vec![b, t, n], data)?);
        col += n;
    }
    let empty = Tree::new();
    let mut runs: BTreeMap<usize, NodeRun> = BTreeMap::new();
    for block in &graph.schedule.blocks {
        match block.as_slice() {
            [i] if !graph.preds[*i].iter().any(|&(_, back)| back) => {
                let i = *i;
                let node = &graph.flat[i];
                let p = branch_at(params, &node.path).unwrap_or(&empty);
                let s = branch_at(state, &node.path).unwrap_or(&empty);
                let x = match own_input.remove(&i) {
                    Some(x) => Cow::Owned(x),
                    None => summed_input(graph, i, &runs, (b, t)),
                };
                let x = scale_input(graph, node.role, p, x)?;
                let ev = node
                    .module
                    .evolve_batch(p, s, x.view(), record)
                    .map_err(|e| e.within(&node.path))?;
                drop(x); // it may borrow `runs`, which takes the node's run next

                runs.insert(
                    i,
                    NodeRun {
                        output: ev.output,
                        state: ev.state,
                        record: ev.record,
                    },
                );
            }
            members => step_block(
                graph,
                members,
                params,
                state,
                &own_input,
                &mut runs,
                (b, t),
                record,
            )?,
        }
    }
    let mut outputs = Vec::new();
    for &o in &graph.outputs {
        if let Some(r) = runs.get(&o) {
            outputs.push(&r.output);
        }
    }
    let output = concat_last(&outputs, b, t)?;
    let runs_last: BTreeMap<usize, Array> = graph
        .previous
        .iter()
        .map(|(s, _)| {
            (
                *s,
                runs.get(s)
                    .map_or_else(|| Array::zeros(vec![b, 0]), |r| last_step(&r.output)),
            )
        })
        .collect();
    let state_in = state;
    let mut states = BTreeMap::new();
    let mut records = BTreeMap::new();
    let mut recorded_outputs = BTreeMap::new();
    for (i, run) in runs {
        states.insert(i, run.state);
        if record {
            records.insert(i, run.record);
            recorded_outputs.insert(i, run.output);
        }
    }
    let mut own_state = |g: &Graph, prefix: &str| -> Vec<(String, Leaf)> {
        g.previous
            .iter()
            .filter_map(|(s, attr)| {
                let value = if prefix.is_empty() {
                    // This graph's back edges: the last step's output of each source.
                    let out = &runs_last[s];
                    Leaf::f64(Kind::State, None, out.clone())
                } else {
                    // A nested graph's own back edges are not used when it is flattened
                    // into its parent: its leaves pass through.
                    let path = format!("{prefix}.{}", attr.name);
                    return state_in.get(&path).cloned().map(|l| (attr.name.clone(), l));
                };
                Some((attr.name.clone(), value))
            })
            .collect()
    };
    let state = graph.nest(&mut states, &mut BTreeMap::new(), 0, "", &mut own_state);
    let record = if record {
        graph.nest(&mut records, &mut recorded_outputs, 0, "", &mut |_, _| {
            Vec::new()
        })
    } else {
        Record::new()
    };
    Ok(Evolution::new(output, state, record))
}

/// `(B, T, N)` → the `(B, N)` values of the last step.
fn last_step(a: &Array) -> Array {
    let (b, t, n) = (a.shape()[0], a.shape()[1], a.shape()[2]);
    let step = at_step(a, t.saturating_sub(1));
    step.reshape(vec![b, n])
        .unwrap_or_else(|_| Array::zeros(vec![b, n]))
}

/// Under `dirac`, a neuron's input is divided by its `dt`.
fn scale_input<'x>(
    graph: &Graph,
    role: Role,
    params: &Tree,
    x: Cow<'x, Array>,
) -> Result<Cow<'x, Array>> {
    if graph.semantics() == Semantics::Dirac && role == Role::Neuron {
        let dt = crate::view::scalar(params, "dt")?;
        Ok(Cow::Owned(x.map(|v| v / dt)))
    } else {
        Ok(x)
    }
}

/// Concatenate `(B, T, N_k)` arrays along the last axis.
fn concat_last(parts: &[&Array], b: usize, t: usize) -> Result<Array> {
    let widths: Vec<usize> = parts.iter().map(|a| a.shape()[2]).collect();
    let total: usize = widths.iter().sum();
    let mut data = Vec::with_capacity(b * t * total);
    for row in 0..b * t {
        for (a, &w) in parts.iter().zip(&widths) {
            data.extend_from_slice(&a.data()[row * w..(row + 1) * w]);
        }
    }
    Array::from_shape_vec(vec![b, t, total], data)
}

/// Step the nodes of a cycle together, one time step at a time.
#[allow(clippy::too_many_arguments)]
fn step_block(
    graph: &Graph,
    members: &[usize],
    params: &Tree,
    state: &Tree,
    own_input: &BTreeMap<usize, Array>,
    runs: &mut BTreeMap<usize, NodeRun>,
    (b, t): (usize, usize),
    record: bool,
) -> Result<()> {
    let empty = Tree::new();
    let mut states: Vec<Tree> = members
        .iter()
        .map(|&i| {
            branch_at(state, &graph.flat[i].path)
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    let mut outputs: Vec<Array> = members
        .iter()
        .map(|&i| Array::zeros(vec![b, t, graph.flat[i].module.size_out()]))
        .collect();
    let mut records: Vec<Vec<Record>> = vec![Vec::new(); members.len()];
    let position: BTreeMap<usize, usize> =
        members.iter().enumerate().map(|(k, &i)| (i, k)).collect();
    for step in 0..t {
        for (k, &i) in members.iter().enumerate() {
            let node = &graph.flat[i];
            let mut acc = own_input.get(&i).map(|x| at_step(x, step));
            for &(s, back) in &graph.preds[i] {
                let term = match (position.get(&s), back) {
                    (Some(_), true) if step == 0 => previous(graph, state, s, b)?,
                    (Some(&ks), true) => at_step(&outputs[ks], step - 1),
                    (Some(&ks), false) => at_step(&outputs[ks], step),
                    (None, _) => match runs.get(&s) {
                        Some(r) => at_step(&r.output, step),
                        None => continue,
                    },
                };
                add_into(&mut acc, &term);
            }
            let x = acc.unwrap_or_else(|| Array::zeros(vec![b, 1, node.module.size_in()]));
            let p = branch_at(params, &node.path).unwrap_or(&empty);
            let x = scale_input(graph, node.role, p, Cow::Owned(x))?;
            let ev = node
                .module
                .evolve_batch(p, &states[k], x.view(), record)
                .map_err(|e| e.within(&node.path))?;
            write_step(&mut outputs[k], step, &ev.output);
            states[k] = ev.state;
            if record {
                records[k].push(ev.record);
            }
        }
    }
    for ((k, &i), output) in members.iter().enumerate().zip(outputs) {
        let record = if record {
            concat_records(&records[k], b, t)?
        } else {
            Record::new()
        };
        runs.insert(
            i,
            NodeRun {
                output,
                state: states[k].clone(),
                record,
            },
        );
    }
    Ok(())
}

/// A back-edge source's output of the step before this run, from the graph's State.
fn previous(graph: &Graph, state: &Tree, source: usize, b: usize) -> Result<Array> {
    let n = graph.flat[source].module.size_out();
    let name = super::graph::previous_name(&graph.flat[source].path);
    let a = crate::view::batched(state, &name, b, &[n])?;
    a.clone().reshape(vec![b, 1, n])
}

/// Per-step records `(B, 1, …)` joined into `(B, T, …)`.
fn concat_records(steps: &[Record], b: usize, t: usize) -> Result<Record> {
    let Some(first) = steps.first() else {
        return Ok(Record::new());
    };
    let mut out = Record::new();
    for (path, leaf) in first.leaves() {
        let mut shape = leaf.shape().to_vec();
        if shape.len() < 2 {
            continue;
        }
        shape[1] = t;
        let mut joined = Array::zeros(shape);
        for (step, rec) in steps.iter().enumerate() {
            if let Some(a) = rec.get(&path) {
                if a.len() * t != joined.len() {
                    return Err(Error::invalid(&path, "record sizes differ between steps"));
                }
                write_step(&mut joined, step, a);
            }
        }
        let _ = b;
        out.insert_path(&path, joined);
    }
    Ok(out)
}
