//! Running a [`Graph`]: blocks in order; a node off every cycle runs over the whole time
//! series in one call of its module, the nodes of a cycle are stepped together one time
//! step at a time (each step one call per node with `T = 1`, its state carried), so an
//! edge that closes a cycle can deliver its source's output of the previous step.
//!
//! A run without a record goes through the graph in time blocks of a few steps, each from
//! the state the last returned, so that each node's output is still in cache when the
//! next node reads it (the NIR paper's CNN at batch 8 × 300 steps: 0.34 s in one block,
//! 0.14 s in blocks; `docs/nir.md`).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;

use littoral_core::{
    Array, ArrayView, Entry, Error, Evolution, Kind, Leaf, Record, Recording, Result, Tree,
};

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

/// Steps in a time block of a run of `b` samples: the input and every node's output
/// within [`crate::time_blocks::BLOCK_VALUES`].
fn block_steps(graph: &Graph, b: usize) -> usize {
    let per_sample: usize = graph
        .flat
        .iter()
        .map(|node| node.module.size_out())
        .fold(littoral_core::Module::size_in(graph), usize::saturating_add);
    crate::time_blocks::block_steps(per_sample.saturating_mul(b))
}

/// Evolve a graph (the body of its `evolve_batch`). Without a record, or recording only
/// spikes, in time blocks of [`block_steps`] steps, each from the state the last
/// returned, their outputs joined and their spike records too (trains joined along time,
/// counts added: [`Recording::join_in_time`]): the bits of one run over all steps
/// (each node gets the same inputs and states step by step; the state is what a resumed
/// run continues from). Recording everything, in one block: the record holds every
/// intermediate result anyway, and joining blocks' records copies it once more (the CNN
/// above recorded: 0.94 s in one-step blocks against 0.44 s in one).
pub(crate) fn evolve(
    graph: &Graph,
    params: &Tree,
    state: &Tree,
    input: ArrayView<'_>,
    record: Recording,
) -> Result<Evolution> {
    let [b, t, _] = super::node::input_dims(input, littoral_core::Module::size_in(graph))?;
    let k = block_steps(graph, b);
    if record.everything() || t <= k {
        return evolve_whole(graph, params, state, input, 0..t, record);
    }
    evolve_in_blocks(graph, params, state, input, k, record)
}

/// Evolve a graph in time blocks of `k` steps (recording nothing, or only spikes: trains
/// or counts).
fn evolve_in_blocks(
    graph: &Graph,
    params: &Tree,
    state: &Tree,
    input: ArrayView<'_>,
    k: usize,
    record: Recording,
) -> Result<Evolution> {
    let [b, t, _] = super::node::input_dims(input, littoral_core::Module::size_in(graph))?;
    let output = Array::zeros(vec![b, t, littoral_core::Module::size_out(graph)]);
    crate::time_blocks::evolve_in_blocks(state, output, k, record, |state, steps, _| {
        evolve_whole(graph, params, state, input, steps, record)
    })
}

/// Evolve a graph over `input`'s steps `steps` at once (a time block is cut from the
/// input as each Input node's columns are taken: one copy).
fn evolve_whole(
    graph: &Graph,
    params: &Tree,
    state: &Tree,
    input: ArrayView<'_>,
    steps: Range<usize>,
    record: Recording,
) -> Result<Evolution> {
    let [b, all, width] = super::node::input_dims(input, littoral_core::Module::size_in(graph))?;
    if steps.end > all || steps.start > steps.end {
        return Err(Error::invalid(
            "input",
            format!("steps {steps:?} of an input of {all} steps"),
        ));
    }
    let t = steps.len();
    // The graph input's columns, per Input node.
    let mut own_input: BTreeMap<usize, Array> = BTreeMap::new();
    let mut col = 0;
    for &i in &graph.inputs {
        let n = graph.flat[i].module.size_in();
        let mut data = Vec::with_capacity(b * t * n);
        for sample in input.data().chunks((all * width).max(1)).take(b) {
            for row in sample[steps.start * width..steps.end * width].chunks(width.max(1)) {
                data.extend_from_slice(&row[col..col + n]);
            }
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
        if record.any() {
            records.insert(i, run.record);
        }
        if record.keeps_output_of(graph.flat[i].module.as_ref()) {
            recorded_outputs.insert(i, record.recorded_output(Cow::Owned(run.output)));
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
    let state = graph.nest(&mut states, &mut BTreeMap::new(), "", 0, "", &mut own_state);
    let record = if record.any() {
        record.keep_nested_records(graph.nest(
            &mut records,
            &mut recorded_outputs,
            record.output_suffix(),
            0,
            "",
            &mut |_, _| Vec::new(),
        ))
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
    record: Recording,
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
            if record.any() {
                records[k].push(ev.record);
            }
        }
    }
    for ((k, &i), output) in members.iter().enumerate().zip(outputs) {
        let record = if record.any() {
            record.join_in_time(&records[k].iter().collect::<Vec<_>>())?
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::{evolve_in_blocks, evolve_whole};
    use crate::nir::{Graph, Semantics, read};
    use littoral_core::{Array, Module, ModuleExt, Recording, record_bits_eq, tree_bits_eq};

    /// Any time blocks give the output, final state and spike record (trains or counts)
    /// of one block, under every semantics, for the NIR paper's CNN (convolutions,
    /// pooling, IF), its braille RNN (a cycle, stepped) and a single LIF; the spike record
    /// holds outputs of the full record (every graph here has a spiking node), and nothing
    /// else; the counts are those trains summed over time.
    #[test]
    fn time_blocks_give_the_bits_of_one_block() {
        let mut runs = 0;
        for name in [
            "cnn_sinabs.nir",
            "braille_noDelay_bias_zero.nir",
            "lif_norse.nir",
        ] {
            let mut spiked = 0;
            let path = format!("{}/tests/nir/paper/{name}", env!("CARGO_MANIFEST_DIR"));
            let file = read(&path).unwrap();
            for semantics in Semantics::ALL {
                let Ok(graph) = Graph::from_nir(&file.graph, 1e-3, semantics) else {
                    continue;
                };
                let tree = graph.init(0);
                let state = graph.batch_state(&tree, 2).unwrap();
                // Spikes on a third of the inputs, zero elsewhere.
                let x = Array::from_fn(vec![2, 16, graph.size_in()], |i| match i % 3 {
                    0 => 1.0,
                    _ => 0.0,
                });
                let what = format!("{name}, {}", semantics.name());
                let whole = evolve_whole(&graph, &tree, &state, x.view(), 0..16, Recording::Spikes)
                    .unwrap();
                let full = evolve_whole(
                    &graph,
                    &tree,
                    &state,
                    x.view(),
                    0..16,
                    Recording::Everything,
                )
                .unwrap();
                assert!(whole.output.bits_eq(&full.output), "{what}: outputs differ");
                let spike_leaves = whole.record.leaves();
                assert!(!spike_leaves.is_empty(), "{what}: an empty spike record");
                for (path, spikes) in &spike_leaves {
                    assert!(
                        path.ends_with("_output"),
                        "{what}: {path} in the spike record"
                    );
                    let kept = full.record.get(path).unwrap();
                    assert!(
                        kept.bits_eq(spikes),
                        "{what}: {path} differs from the full record"
                    );
                }
                let counts = evolve_whole(
                    &graph,
                    &tree,
                    &state,
                    x.view(),
                    0..16,
                    Recording::SpikeCounts,
                )
                .unwrap();
                assert!(
                    whole.output.bits_eq(&counts.output),
                    "{what}: outputs differ"
                );
                assert!(
                    record_bits_eq(&counts.record, &Recording::spike_counts_of(&whole.record)),
                    "{what}: the counts are not the trains summed"
                );
                spiked += usize::from(whole.output.data().iter().any(|&v| v != 0.0));
                for k in [1, 2, 3, 7, 16] {
                    for record in [
                        Recording::Nothing,
                        Recording::Spikes,
                        Recording::SpikeCounts,
                    ] {
                        let blocks =
                            evolve_in_blocks(&graph, &tree, &state, x.view(), k, record).unwrap();
                        let what = format!("{what}, blocks of {k}, {record:?}");
                        assert!(
                            whole.output.bits_eq(&blocks.output),
                            "{what}: outputs differ"
                        );
                        assert!(
                            tree_bits_eq(&whole.state, &blocks.state),
                            "{what}: states differ"
                        );
                        let expected = match record {
                            Recording::Spikes => whole.record.clone(),
                            Recording::SpikeCounts => counts.record.clone(),
                            _ => littoral_core::Record::new(),
                        };
                        assert!(
                            record_bits_eq(&expected, &blocks.record),
                            "{what}: records differ"
                        );
                    }
                }
                runs += 1;
            }
            assert!(spiked > 0, "{name}: no output under any semantics");
        }
        assert!(runs >= 10, "only {runs} graphs were built");
    }

    /// An input of no steps gives an output of no steps and the state it started from,
    /// whatever is recorded.
    #[test]
    fn an_input_of_no_steps_evolves_to_nothing() {
        let path = format!(
            "{}/tests/nir/paper/cnn_sinabs.nir",
            env!("CARGO_MANIFEST_DIR")
        );
        let graph = Graph::from_nir(&read(&path).unwrap().graph, 1e-3, Semantics::ALL[0]).unwrap();
        let tree = graph.init(0);
        let state = graph.batch_state(&tree, 2).unwrap();
        let x = Array::zeros(vec![2, 0, graph.size_in()]);
        for record in [
            Recording::Nothing,
            Recording::Spikes,
            Recording::SpikeCounts,
            Recording::Everything,
        ] {
            let ev = graph.evolve_batch(&tree, &state, x.view(), record).unwrap();
            assert_eq!(ev.output.shape(), &[2, 0, graph.size_out()], "{record:?}");
        }
    }
}
