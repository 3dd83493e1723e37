//! `Graph`: a NIR graph as a Littoral module. Every node becomes a child module under its
//! NIR name (nested graphs as nested `Graph`s), so parameters, state and records are
//! trees named by the file's nodes; [`super::graph_exec`] runs the cycle rule over them.

use std::collections::BTreeMap;
use std::sync::Arc;

use littoral_core::{Array, ArrayView, Attribute, Evolution, Module, Result as CoreResult, Tree};

use super::analysis::{Analysis, NodeShapes, analyse};
use super::error::{NirError, Result};
use super::framework::{FrameworkNeuron, NeuronKind};
use super::model::{NirGraph, Primitive};
use super::node::NirNode;
use super::schedule::{Schedule, schedule};
use super::semantics::Semantics;
use crate::{Cuba, Membrane};

/// What the executor needs to know of a flat node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// An `Input` node of the graph itself (receives the module's input).
    Input,
    /// A neuron (its input is divided by `dt` under `dirac`).
    Neuron,
    /// Anything else.
    Other,
}

/// A node of the flattened graph: its dotted path (`rnn.lif`) and module.
#[derive(Clone, Debug)]
pub(crate) struct FlatNode {
    pub path: String,
    pub module: Arc<dyn Module>,
    pub role: Role,
}

/// A top-level node: its module, and the graph itself when it is a nested graph.
#[derive(Clone, Debug)]
struct Child {
    name: String,
    module: Arc<dyn Module>,
    sub: Option<Arc<Graph>>,
}

/// A NIR graph executed as a Littoral [`Module`] (class `NIRGraph`).
///
/// Built from a [`NirGraph`] with a time step and a [`Semantics`]: each node is a child
/// module named by its NIR name: neurons are [`Membrane`] (`LI`, `Integrator`, `IF`,
/// `NirLIF`) and [`Cuba`] (`CubaLI`, `CubaLIF`) under `littoral` and `dirac`, a
/// [`FrameworkNeuron`] under `rockpool`, `snntorch` and `norse`; the other nodes are
/// [`NirNode`]s; nested graphs are nested `Graph`s. Parameters and state are therefore
/// trees by node name (`rnn.lif.tau_mem`); the record holds each node's state variables
/// per step under its name (`rnn.lif.v`) and its output as `<node>_output` beside it
/// (`rnn.lif_output`, `(B, T, N)`, flat row-major values of its NIR shape), as
/// `Sequential` records its children.
///
/// The module's input is the concatenation of its `Input` nodes' values (in name order),
/// its output that of its `Output` nodes. Evaluation follows `docs/nir-semantics.md` §1:
/// fan-in sums, an edge that closes a cycle delivers its source's output of the previous
/// step (zeros at the first), nodes on cycles are stepped together one step at a time and
/// every other node runs over the whole time series at once.
///
/// ```
/// use littoral_core::{Array, ModuleExt};
/// use littoral_nets::nir::{self, Edge, Graph, NirGraph, Primitive, Semantics, Tensor};
/// let mut g = NirGraph::default();
/// g.insert("input", Primitive::Input { shape: vec![1] });
/// let one = || Tensor::f64(Array::from_vec(vec![1.0]));
/// g.insert("if", Primitive::IF { r: Tensor::f64(Array::from_vec(vec![300.0])), v_threshold: one(), v_reset: Tensor::f64(Array::from_vec(vec![0.0])) });
/// g.insert("output", Primitive::Output { shape: vec![1] });
/// g.edges = vec![Edge::new("input", "if"), Edge::new("if", "output")];
/// let graph = Graph::from_nir(&g, 1e-3, Semantics::Littoral)?;
/// let tree = graph.init(0);
/// let ev = graph.evolve(&tree, &tree, &Array::full(vec![4, 1], 1.0), true)?;
/// assert_eq!(ev.output.data(), &[0.0, 0.0, 0.0, 1.0]);
/// assert!(ev.record.get("if.v").is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Graph {
    children: Vec<Child>,
    /// The children as the module tree sees them: dotted names (`lif1.lif`) grouped
    /// under their first part.
    module_children: Vec<(String, Arc<dyn Module>)>,
    /// Every node of the flattened graph, by index.
    pub(crate) flat: Vec<FlatNode>,
    /// Flat edges `(source, target)` in file order (nested graphs' first).
    pub(crate) edges: Vec<(usize, usize)>,
    /// This graph's own `Input` and `Output` nodes (flat indices, name order).
    pub(crate) inputs: Vec<usize>,
    pub(crate) outputs: Vec<usize>,
    /// The cycle rule's order, back edges and blocks.
    pub(crate) schedule: Schedule,
    /// Per node, its sources: `(flat index, closes a cycle)`, in edge order.
    pub(crate) preds: Vec<Vec<(usize, bool)>>,
    /// The sources of back edges (flat indices) with their State attributes holding the
    /// last step's output, so that a run split in time resumes exactly.
    pub(crate) previous: Vec<(usize, Attribute)>,
    attrs: Vec<Attribute>,
    semantics: Semantics,
    dt: f64,
}

/// The leaves a level of the graph adds to an assembled tree (see [`Graph::nest`]).
pub(crate) type OwnLeaves<'a, T> = dyn FnMut(&Graph, &str) -> Vec<(String, T)> + 'a;

/// The State leaf holding a back-edge source's output of the last step:
/// `previous:<path>`, nested names joined with `/` (`previous:rnn/w_rec`).
pub(crate) fn previous_name(path: &str) -> String {
    format!("previous:{}", path.replace('.', "/"))
}

impl Graph {
    /// Build the module of a NIR graph for time step `dt` (seconds) under `semantics`.
    ///
    /// # Errors
    /// What [`analyse`] refuses, a `dt` that is not positive and finite, a `Delay` that is
    /// not a whole number of steps, a node the semantics cannot run, a node name with a
    /// `.`, a nested graph without exactly one `Input` and one `Output` where an edge
    /// names it; each naming the node.
    pub fn from_nir(graph: &NirGraph, dt: f64, semantics: Semantics) -> Result<Graph> {
        if !(dt.is_finite() && dt > 0.0) {
            return Err(NirError::at(
                "dt",
                format!("must be positive and finite, found {dt}"),
            ));
        }
        let analysis = analyse(graph)?;
        Graph::build(graph, &analysis, dt, semantics)
    }

    fn build(
        graph: &NirGraph,
        analysis: &Analysis,
        dt: f64,
        semantics: Semantics,
    ) -> Result<Graph> {
        let mut children = Vec::new();
        let mut flat: Vec<FlatNode> = Vec::new();
        let mut flat_edges: Vec<(String, String)> = Vec::new();
        // nested graph name -> (its Input paths, its Output paths)
        let mut sub_io: BTreeMap<&str, (Vec<String>, Vec<String>)> = BTreeMap::new();
        for (name, node) in &graph.nodes {
            if name.is_empty() || name.split('.').any(str::is_empty) {
                return Err(NirError::at(
                    name,
                    "a node name must be non-empty, without empty parts between dots, to be run",
                ));
            }
            match &node.primitive {
                Primitive::Graph(inner) => {
                    let sub_analysis = analysis
                        .subgraphs
                        .get(name)
                        .ok_or_else(|| NirError::at(name, "the nested graph was not analysed"))?;
                    let sub = Graph::build(inner, sub_analysis, dt, semantics)
                        .map_err(|e| e.within(name))?;
                    let path = |i: usize| format!("{name}.{}", sub.flat[i].path);
                    for f in &sub.flat {
                        let role = match f.role {
                            Role::Input => Role::Other,
                            r => r,
                        };
                        flat.push(FlatNode {
                            path: format!("{name}.{}", f.path),
                            module: f.module.clone(),
                            role,
                        });
                    }
                    flat_edges.extend(sub.edges.iter().map(|&(s, d)| (path(s), path(d))));
                    sub_io.insert(
                        name,
                        (
                            sub.inputs.iter().map(|&i| path(i)).collect(),
                            sub.outputs.iter().map(|&i| path(i)).collect(),
                        ),
                    );
                    let sub = Arc::new(sub);
                    children.push(Child {
                        name: name.clone(),
                        module: sub.clone(),
                        sub: Some(sub),
                    });
                }
                p => {
                    let shapes = analysis.shapes.get(name).cloned().unwrap_or_default();
                    let module =
                        node_module(p, &shapes, dt, semantics).map_err(|e| e.within(name))?;
                    let role = match p {
                        Primitive::Input { .. } => Role::Input,
                        p if p.neuron_kind().is_some() => Role::Neuron,
                        _ => Role::Other,
                    };
                    flat.push(FlatNode {
                        path: name.clone(),
                        module: module.clone(),
                        role,
                    });
                    children.push(Child {
                        name: name.clone(),
                        module,
                        sub: None,
                    });
                }
            }
        }
        let resolve = |name: &str, as_target: bool| -> Result<String> {
            match sub_io.get(name) {
                None => Ok(name.to_string()),
                Some((ins, outs)) => {
                    let (list, what) = if as_target {
                        (ins, "Input")
                    } else {
                        (outs, "Output")
                    };
                    match list.as_slice() {
                        [one] => Ok(one.clone()),
                        _ => Err(NirError::at(
                            name,
                            format!(
                                "an edge names this nested graph, which has {} {what} nodes (it needs exactly one)",
                                list.len()
                            ),
                        )),
                    }
                }
            }
        };
        for e in &graph.edges {
            flat_edges.push((resolve(&e.source, false)?, resolve(&e.target, true)?));
        }
        let index: BTreeMap<&str, usize> = flat
            .iter()
            .enumerate()
            .map(|(i, f)| (f.path.as_str(), i))
            .collect();
        let lookup = |name: &str| {
            index
                .get(name)
                .copied()
                .ok_or_else(|| NirError::at("edges", format!("no node {name:?}")))
        };
        let edges = flat_edges
            .iter()
            .map(|(s, d)| Ok((lookup(s)?, lookup(d)?)))
            .collect::<Result<Vec<_>>>()?;
        let own = |want: fn(&Primitive) -> bool| -> Vec<usize> {
            graph
                .nodes
                .iter()
                .filter(|(_, n)| want(&n.primitive))
                .filter_map(|(name, _)| index.get(name.as_str()).copied())
                .collect()
        };
        let inputs = own(|p| matches!(p, Primitive::Input { .. }));
        let outputs = own(|p| matches!(p, Primitive::Output { .. }));
        let names: Vec<String> = flat.iter().map(|f| f.path.clone()).collect();
        let schedule = schedule(&names, &edges, &inputs);
        let mut preds = vec![Vec::new(); flat.len()];
        for &(s, d) in &edges {
            preds[d].push((s, schedule.back.contains(&(s, d))));
        }
        for (d, list) in preds.iter().enumerate() {
            for &(s, _) in list {
                let (out, inp) = (flat[s].module.size_out(), flat[d].module.size_in());
                if out != inp {
                    return Err(NirError::at(
                        &flat[d].path,
                        format!(
                            "receives {out} values from {} but takes {inp}",
                            flat[s].path
                        ),
                    ));
                }
            }
        }
        let mut sources: Vec<usize> = schedule.back.iter().map(|&(s, _)| s).collect();
        sources.dedup();
        let previous: Vec<(usize, Attribute)> = sources
            .into_iter()
            .map(|s| {
                let n = flat[s].module.size_out();
                (s, Attribute::state(&previous_name(&flat[s].path), vec![n]))
            })
            .collect();
        let attrs = previous.iter().map(|(_, a)| a.clone()).collect();
        let module_children = super::names::group(
            children
                .iter()
                .map(|c| (c.name.clone(), c.module.clone()))
                .collect(),
        )?;
        Ok(Graph {
            module_children,
            children,
            flat,
            edges,
            inputs,
            outputs,
            schedule,
            preds,
            previous,
            attrs,
            semantics,
            dt,
        })
    }

    /// The semantics the graph was built with.
    pub fn semantics(&self) -> Semantics {
        self.semantics
    }

    /// The time step the graph was built with (each neuron's and `Delay`'s `dt`).
    pub fn dt(&self) -> f64 {
        self.dt
    }

    /// The flat node paths in evaluation order (nested nodes as `sub.node`).
    pub fn order(&self) -> Vec<&str> {
        self.schedule
            .order
            .iter()
            .map(|&i| self.flat[i].path.as_str())
            .collect()
    }

    /// The edges that close cycles, as `(source, target)` flat paths, sorted.
    pub fn back_edges(&self) -> Vec<(&str, &str)> {
        let mut v: Vec<(&str, &str)> = self
            .schedule
            .back
            .iter()
            .map(|&(s, d)| (self.flat[s].path.as_str(), self.flat[d].path.as_str()))
            .collect();
        v.sort_unstable();
        v
    }

    /// The names of the `Input` nodes, in the order their values are concatenated.
    pub fn input_names(&self) -> Vec<&str> {
        self.inputs
            .iter()
            .map(|&i| self.flat[i].path.as_str())
            .collect()
    }

    /// The names of the `Output` nodes, in the order their values are concatenated.
    pub fn output_names(&self) -> Vec<&str> {
        self.outputs
            .iter()
            .map(|&i| self.flat[i].path.as_str())
            .collect()
    }

    /// Assemble per-node trees (by flat index) into the nested tree of the graph; `own`
    /// gives the leaves of each level (a graph and its dotted path) first; `outputs`
    /// (records) become leaves `<node><output_suffix>` beside each node's branch, as
    /// `Sequential` records its children's outputs ([`Recording::output_suffix`]).
    ///
    /// [`Recording::output_suffix`]: littoral_core::Recording::output_suffix
    pub(crate) fn nest<T: Clone>(
        &self,
        per_node: &mut BTreeMap<usize, littoral_core::Nested<T>>,
        outputs: &mut BTreeMap<usize, T>,
        output_suffix: &str,
        offset: usize,
        prefix: &str,
        own: &mut OwnLeaves<'_, T>,
    ) -> littoral_core::Nested<T> {
        let mut out = littoral_core::Nested::new();
        let mut at = offset;
        for child in &self.children {
            match &child.sub {
                Some(sub) => {
                    let path = super::error::join(prefix, &child.name);
                    let branch = sub.nest(per_node, outputs, output_suffix, at, &path, own);
                    super::names::insert_nested(&mut out, &child.name, branch);
                    at += sub.flat.len();
                }
                None => {
                    let branch = per_node.remove(&at).unwrap_or_default();
                    super::names::insert_nested(&mut out, &child.name, branch);
                    if let Some(output) = outputs.remove(&at) {
                        out.insert_path(&format!("{}{output_suffix}", child.name), output);
                    }
                    at += 1;
                }
            }
        }
        // The module tree's order: own leaves, then the children (groups in place).
        let mut ordered = littoral_core::Nested::new();
        for (name, leaf) in own(self, prefix) {
            ordered.insert_leaf(name, leaf);
        }
        for (name, _) in &self.module_children {
            for key in [name.clone(), format!("{name}{output_suffix}")] {
                if let Some(entry) = out.remove(&key) {
                    ordered.insert(key, entry);
                }
            }
        }
        ordered
    }
}

/// A neuron's parameters as `(N,)` vectors (one-value parameters broadcast).
fn neuron_values(p: &Primitive, n: usize) -> Result<Vec<(&'static str, Vec<f64>)>> {
    p.tensors()
        .into_iter()
        .map(|(name, t)| match t.values().len() {
            1 => Ok((name, vec![t.values()[0]; n])),
            len if len == n => Ok((name, t.values().to_vec())),
            len => Err(NirError::at(
                name,
                format!("expected {n} values (or one), found {len}"),
            )),
        })
        .collect()
}

fn numel(shape: &Option<Vec<usize>>) -> Option<usize> {
    shape.as_ref().map(|s| s.iter().product())
}

/// The child module of one (non-graph) node.
fn node_module(
    p: &Primitive,
    shapes: &NodeShapes,
    dt: f64,
    semantics: Semantics,
) -> Result<Arc<dyn Module>> {
    let Some(kind) = p.neuron_kind() else {
        let input = shapes
            .input
            .clone()
            .or_else(|| shapes.output.clone())
            .ok_or_else(|| NirError::at("", "its input shape cannot be inferred"))?;
        let output = shapes
            .output
            .clone()
            .ok_or_else(|| NirError::at("", "its output shape cannot be inferred"))?;
        if semantics == Semantics::Norse {
            norse_refusals(p)?;
        }
        return Ok(Arc::new(NirNode::new(p, input, output, dt)?));
    };
    let n = population(p, numel(&shapes.output).or_else(|| numel(&shapes.input)));
    let values = neuron_values(p, n)?;
    if !semantics.is_exact() {
        return Ok(Arc::new(FrameworkNeuron::new(
            kind, semantics, &values, dt,
        )?));
    }
    let values = values
        .into_iter()
        .map(|(name, v)| (name, Array::from_vec(v)));
    exact_neuron(kind, n, dt, values).map_err(|e| NirError::at(e.path(), e.detail()))
}

/// The size of a neuron population: the node's shape when it is known, else its longest
/// parameter.
pub(crate) fn population(p: &Primitive, shape: Option<usize>) -> usize {
    shape.unwrap_or_else(|| {
        p.tensors()
            .iter()
            .map(|(_, t)| t.values().len())
            .max()
            .unwrap_or(0)
    })
}

/// Littoral's exact module of `n` NIR neurons of `kind` (a [`Membrane`] for LI, I, IF and
/// LIF, a [`Cuba`] for CubaLI and CubaLIF) with the given parameters (NIR's names) and
/// time step.
///
/// # Errors
/// A parameter the module refuses (a wrong shape, a non-finite value), or `dt`.
pub(crate) fn exact_neuron(
    kind: NeuronKind,
    n: usize,
    dt: f64,
    values: impl IntoIterator<Item = (&'static str, Array)>,
) -> CoreResult<Arc<dyn Module>> {
    match kind {
        NeuronKind::CubaLi | NeuronKind::CubaLif => {
            let mut m = if kind == NeuronKind::CubaLi {
                Cuba::li(n)
            } else {
                Cuba::lif(n)
            };
            for (name, v) in values {
                m = m.with(name, v.into())?;
            }
            Ok(Arc::new(m.with_dt(dt)?))
        }
        NeuronKind::Li | NeuronKind::I | NeuronKind::If | NeuronKind::Lif => {
            let mut m = match kind {
                NeuronKind::Li => Membrane::li(n),
                NeuronKind::I => Membrane::integrator(n),
                NeuronKind::If => Membrane::if_neuron(n),
                _ => Membrane::nir_lif(n),
            };
            for (name, v) in values {
                m = m.with(name, v.into())?;
            }
            Ok(Arc::new(m.with_dt(dt)?))
        }
    }
}

/// What Norse 1.1.0's importer cannot take among the stateless nodes.
fn norse_refusals(p: &Primitive) -> Result<()> {
    match p {
        Primitive::AvgPool2d(_) => Err(NirError::at(
            "",
            "the norse semantics cannot run AvgPool2d (Norse 1.1.0's import has no mapping)",
        )),
        Primitive::SumPool2d(pool) if pool.padding != [0, 0] => Err(NirError::at(
            "padding",
            "Norse 1.1.0 ignores SumPool2d padding (LPPool2d), which changes the shapes; the norse semantics refuses a padded SumPool2d",
        )),
        _ => Ok(()),
    }
}

impl Module for Graph {
    fn class_name(&self) -> &str {
        "NIRGraph"
    }

    fn shape(&self) -> Vec<usize> {
        let size = |list: &[usize], f: fn(&dyn Module) -> usize| {
            list.iter()
                .map(|&i| f(self.flat[i].module.as_ref()))
                .sum::<usize>()
        };
        vec![
            size(&self.inputs, |m| m.size_in()),
            size(&self.outputs, |m| m.size_out()),
        ]
    }

    fn spiking_output(&self) -> bool {
        self.outputs.iter().all(|&o| {
            self.preds[o]
                .iter()
                .all(|&(s, _)| self.flat[s].module.spiking_output())
        })
    }

    fn attributes(&self) -> &[Attribute] {
        &self.attrs
    }

    fn children(&self) -> Vec<(&str, &dyn Module)> {
        littoral_core::borrow_children(&self.module_children)
    }

    fn evolve_batch(
        &self,
        params: &Tree,
        state: &Tree,
        input: ArrayView<'_>,
        record: littoral_core::Recording,
    ) -> CoreResult<Evolution> {
        super::graph_exec::evolve(self, params, state, input, record)
    }
}
