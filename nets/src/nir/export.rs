//! Littoral networks ⇄ NIR graphs, for `littoral convert`.
//!
//! [`export`] writes a module and its values as a NIR graph: `Linear` → `Affine` (with a
//! bias) or `Linear` (NIR's weight is `(out, in)`, Littoral's `(in, out)`: transposed),
//! `LI`, `Integrator`, `IF`, `NirLIF`, `CubaLI`, `CubaLIF` → `LI`, `I`, `IF`, `LIF`,
//! `CubaLI`, `CubaLIF` with the same parameters, Rockpool's `LIF` → `CubaLIF` with the
//! mapping of `docs/models.md` §5 (a nested `{lif ⇄ w_rec}` graph with recurrent
//! weights; warnings for its reset and threshold rule; noise and several synapses per
//! neuron refused), Rockpool's `ExpSyn` → `LI` (`r = β/(1 − β)`), `Sequential` → a chain
//! of edges, `Residual` → the chain plus a skip edge `input → output` (fan-in sums),
//! `FFwdStack` → the chain with a `Linear` node per weight (a nested combinator → a
//! nested graph). Anything else (`Rate`: NIR has no activation function) is refused with
//! the class named. NIR has no `dt`: give `--dt` when running the graph.
//!
//! [`import_chain`] reads a chain graph (Input → … → Output, no cycle, no nested graph)
//! back as a `Sequential` of those modules, with a given `dt`; export then import gives
//! the same modules and bit-identical values.

use std::sync::Arc;

use littoral_core::{Array, Module, Tree, TreeExt};

use super::error::{NirError, Result};
use super::framework::NeuronKind;
use super::graph::{exact_neuron, population};
use super::model::{Edge, NirGraph, Primitive, Tensor};
use crate::{Linear, Sequential};

fn tensor(params: &Tree, name: &str, shape: Vec<usize>) -> Result<Tensor> {
    let a = params
        .array(name)
        .map_err(|e| NirError::at(name, e.to_string()))?;
    let n: usize = shape.iter().product();
    let values = match a.len() {
        1 => vec![a.data()[0]; n],
        len if len == n => a.data().to_vec(),
        len => {
            return Err(NirError::at(
                name,
                format!("expected {n} values (or one), found {len}"),
            ));
        }
    };
    Array::from_shape_vec(shape, values)
        .map(Tensor::f64)
        .map_err(|e| NirError::at(name, e.to_string()))
}

/// A NIR graph written from a Littoral network, with what the export could not keep
/// exactly (one sentence each, naming the module).
#[derive(Clone, Debug, PartialEq)]
pub struct Exported {
    /// The graph.
    pub graph: NirGraph,
    /// What differs between the network and the graph under NIR's semantics.
    pub warnings: Vec<String>,
}

/// A Littoral `(n_in, n_out)` weight (`params[name]`) as NIR's `(n_out, n_in)`.
fn transposed(params: &Tree, name: &str, n_in: usize, n_out: usize) -> Result<Tensor> {
    let w = tensor(params, name, vec![n_in, n_out])?;
    let mut t = vec![0.0; n_in * n_out];
    for i in 0..n_in {
        for o in 0..n_out {
            t[o * n_in + i] = w.values()[i * n_out + o];
        }
    }
    Array::from_shape_vec(vec![n_out, n_in], t)
        .map(Tensor::f64)
        .map_err(|e| NirError::at(name, e.to_string()))
}

fn scalar(params: &Tree, name: &str) -> Result<f64> {
    crate::view::scalar(params, name).map_err(|e| NirError::at(name, e.to_string()))
}

fn per_neuron(params: &Tree, name: &str, n: usize) -> Result<Vec<f64>> {
    crate::view::per_element(params, name, n).map_err(|e| NirError::at(name, e.to_string()))
}

fn vector(values: Vec<f64>) -> Tensor {
    Tensor::f64(Array::from_vec(values))
}

/// The time step of a module whose `noise_std` is 0 (NIR has no noise).
fn noiseless_dt(params: &Tree) -> Result<f64> {
    let noise = scalar(params, "noise_std")?;
    if noise != 0.0 {
        return Err(NirError::at(
            "noise_std",
            format!("NIR has no noise: set noise_std to 0 to export (found {noise})"),
        ));
    }
    scalar(params, "dt")
}

/// Rockpool's LIF as a NIR `CubaLIF` with `docs/models.md` §5's mapping (a nested graph
/// `{input, lif ⇄ w_rec, output}` when it has recurrent weights).
fn rockpool_lif(
    module: &dyn Module,
    params: &Tree,
    warnings: &mut Vec<String>,
) -> Result<Primitive> {
    let n = module.size_out();
    if module.size_in() != n {
        return Err(NirError::at(
            "",
            "a LIF with several synapses per neuron cannot be written as NIR (CubaLIF has one current per neuron)",
        ));
    }
    let dt = noiseless_dt(params)?;
    let tau_mem = per_neuron(params, "tau_mem", n)?;
    let tau_syn = per_neuron(params, "tau_syn", n)?;
    let bias = per_neuron(params, "bias", n)?;
    let threshold = per_neuron(params, "threshold", n)?;
    let to_value = module
        .options()
        .iter()
        .any(|(k, v)| *k == "reset" && *v == littoral_core::OptionValue::Str("to_value".into()));
    let v_reset = if to_value {
        per_neuron(params, "v_reset", n)?
    } else {
        warnings.push(format!(
            "Rockpool's subtractive reset (up to max_spikes_per_dt = {} spikes per step) is written as NIR's reset to 0 with one spike per step",
            scalar(params, "max_spikes_per_dt")?
        ));
        vec![0.0; n]
    };
    warnings.push(
        "LIF spikes on v >= threshold, NIR on v > v_threshold (they differ only on exact ties); an input's same-step effect on v is exact in Rockpool's step and a held current in NIR's (docs/models.md §5)"
            .to_string(),
    );
    let (mut w_in, mut r, mut v_leak) = (Vec::new(), Vec::new(), Vec::new());
    for j in 0..n {
        let alpha = (-dt / tau_mem[j]).exp();
        let beta = (-dt / tau_syn[j]).exp();
        let g = crate::zoh::coupling(dt, tau_syn[j], tau_mem[j]);
        w_in.push(beta / (1.0 - beta));
        r.push(beta / g);
        v_leak.push(bias[j] / (1.0 - alpha));
    }
    let lif = Primitive::CubaLIF {
        tau_syn: vector(tau_syn),
        tau_mem: vector(tau_mem),
        r: vector(r),
        v_leak: vector(v_leak),
        v_threshold: vector(threshold),
        v_reset: vector(v_reset),
        w_in: vector(w_in),
    };
    if params.get("w_rec").is_none() {
        return Ok(lif);
    }
    // Rockpool: irec = spikes · w_rec, w_rec (N, N); NIR: W s with W = w_rec^T.
    let weight = transposed(params, "w_rec", n, n)?;
    let mut g = NirGraph::default();
    g.insert("input", Primitive::Input { shape: vec![n] });
    g.insert("lif", lif);
    g.insert("w_rec", Primitive::Linear { weight });
    g.insert("output", Primitive::Output { shape: vec![n] });
    g.edges = vec![
        Edge::new("input", "lif"),
        Edge::new("lif", "w_rec"),
        Edge::new("w_rec", "lif"),
        Edge::new("lif", "output"),
    ];
    Ok(Primitive::Graph(g))
}

/// Rockpool's `ExpSyn` (`I_t = β (I_{t−1} + x_t)`, output `I_t`, `β = exp(−dt/τ)`) as a
/// NIR `LI` with the same `tau`, `v_leak = 0` and `r = β / (1 − β)`: the exact
/// zero-order hold of LI, `v_t = β v_{t−1} + (1 − β) r x_t`, is then `β v_{t−1} + β x_t`
/// (equal up to the rounding of `(1 − β) r` and of the sum's order, about 1 ulp a step).
fn exp_syn(params: &Tree, n: usize) -> Result<Primitive> {
    let dt = noiseless_dt(params)?;
    let tau = per_neuron(params, "tau", n)?;
    let r = tau
        .iter()
        .map(|&tau| {
            let (beta, one_minus_beta) = crate::zoh::decay(dt, tau);
            beta / one_minus_beta
        })
        .collect();
    Ok(Primitive::LI {
        tau: vector(tau),
        r: vector(r),
        v_leak: vector(vec![0.0; n]),
    })
}

/// The NIR primitive of one non-combinator module.
fn primitive(module: &dyn Module, params: &Tree, warnings: &mut Vec<String>) -> Result<Primitive> {
    let n = module.size_out();
    let v = |name: &str| tensor(params, name, vec![n]);
    Ok(match module.class_name() {
        "LIF" => rockpool_lif(module, params, warnings)?,
        "ExpSyn" => exp_syn(params, n)?,
        "Rate" => {
            return Err(NirError::at(
                "",
                "class Rate cannot be written as NIR: NIR has no rate neuron (Rockpool's Rate passes its state through a ReLU, tanh or sigmoid activation after a threshold, feeds that back through w_rec, and clips tau to at least 10·dt; no NIR primitive computes an activation function)",
            ));
        }
        "Linear" => {
            let weight = transposed(params, "weight", module.size_in(), n)?;
            if params.get("bias").is_some() {
                Primitive::Affine {
                    weight,
                    bias: v("bias")?,
                }
            } else {
                Primitive::Linear { weight }
            }
        }
        "LI" => Primitive::neuron(NeuronKind::Li, v)?,
        "Integrator" => Primitive::neuron(NeuronKind::I, v)?,
        "IF" => Primitive::neuron(NeuronKind::If, v)?,
        "NirLIF" => Primitive::neuron(NeuronKind::Lif, v)?,
        "CubaLI" => Primitive::neuron(NeuronKind::CubaLi, v)?,
        "CubaLIF" if params.get("w_rec").is_some() => {
            return Err(NirError::at(
                "w_rec",
                "a CubaLIF with sparse recurrent weights cannot be written as NIR yet",
            ));
        }
        "CubaLIF" => Primitive::neuron(NeuronKind::CubaLif, v)?,
        other => {
            return Err(NirError::at(
                "",
                format!(
                    "class {other} cannot be written as NIR: only Linear, LIF (as CubaLIF), ExpSyn (as LI), LI, Integrator, IF, NirLIF, CubaLI, CubaLIF, Sequential, Residual and FFwdStack are"
                ),
            ));
        }
    })
}

/// Write a Littoral module and its values (`params`, a full tree as `init` gives) as a
/// NIR graph: `input → <children in order> → output`, with warnings for what NIR's
/// semantics change (Rockpool's LIF: reset and threshold rule).
///
/// # Errors
/// A class NIR cannot express (named, with the path), noise, several synapses per
/// neuron, a child name that clashes with a node the export adds, or a missing
/// parameter.
pub fn export(module: &dyn Module, params: &Tree) -> Result<Exported> {
    let mut warnings = Vec::new();
    let graph = export_into(module, params, &mut warnings)?;
    Ok(Exported { graph, warnings })
}

/// Classes written as a graph of their children rather than as one node.
fn is_combinator(module: &dyn Module) -> bool {
    matches!(module.class_name(), "Sequential" | "Residual" | "FFwdStack")
}

/// A module as a graph `input → … → output`: a combinator's children as nodes joined by
/// edges (`Sequential`: a chain; `Residual`: the chain plus the skip edge
/// `input → output`, which NIR's fan-in sums; `FFwdStack`: a `Linear` node
/// `<n>_<n+1>_weight` between consecutive children), any other module as one node named
/// by its class.
fn export_into(module: &dyn Module, params: &Tree, warnings: &mut Vec<String>) -> Result<NirGraph> {
    let mut g = NirGraph::default();
    g.insert(
        "input",
        Primitive::Input {
            shape: vec![module.size_in()],
        },
    );
    g.insert(
        "output",
        Primitive::Output {
            shape: vec![module.size_out()],
        },
    );
    let combinator = is_combinator(module);
    let children: Vec<(String, &dyn Module)> = if combinator {
        module
            .children()
            .into_iter()
            .map(|(n, m)| (n.to_string(), m))
            .collect()
    } else {
        vec![(module.class_name().to_string(), module)]
    };
    if children.is_empty() {
        return Err(NirError::at(
            "",
            format!("an empty {} has no NIR graph", module.class_name()),
        ));
    }
    let stack = module.class_name() == "FFwdStack";
    let mut previous = "input".to_string();
    for (k, (name, child)) in children.iter().enumerate() {
        if g.nodes.contains_key(name) {
            return Err(NirError::at(
                name,
                "a child named input, output or like a FFwdStack weight would clash with another node of the graph",
            ));
        }
        let p = if combinator {
            params
                .branch(name)
                .ok_or_else(|| NirError::at(name, "no parameters for this child"))?
        } else {
            params
        };
        let mut own = Vec::new();
        let prim = if is_combinator(*child) {
            Primitive::Graph(export_into(*child, p, &mut own).map_err(|e| e.within(name))?)
        } else {
            primitive(*child, p, &mut own).map_err(|e| e.within(name))?
        };
        warnings.extend(own.into_iter().map(|w| format!("{name}: {w}")));
        g.insert(name.clone(), prim);
        g.edges.push(Edge::new(previous, name.clone()));
        previous = name.clone();
        if stack && k + 1 < children.len() {
            let weight_name = format!("{k}_{}_weight", k + 1);
            if children.iter().any(|(n, _)| *n == weight_name) {
                return Err(NirError::at(
                    &weight_name,
                    "a child has the name of a FFwdStack weight node",
                ));
            }
            let weight = transposed(
                params,
                &weight_name,
                child.size_out(),
                children[k + 1].1.size_in(),
            )?;
            g.insert(weight_name.clone(), Primitive::Linear { weight });
            g.edges.push(Edge::new(previous, weight_name.clone()));
            previous = weight_name;
        }
    }
    g.edges.push(Edge::new(previous, "output"));
    if module.class_name() == "Residual" {
        g.edges.push(Edge::new("input", "output"));
    }
    super::analyse(&g)?;
    Ok(g)
}

/// The per-neuron values of a primitive's parameter.
fn values(t: &Tensor) -> Array {
    Array::from_vec(t.values().to_vec())
}

/// Read a chain graph as a `Sequential` of Littoral modules with time step `dt`, each
/// child named by its NIR node (Input, Output and Flatten nodes are dropped).
///
/// # Errors
/// A graph that is not one chain from one Input to one Output, a cycle, a nested graph,
/// or a primitive without a Littoral module (conv, pooling, Scale, Threshold, Delay),
/// naming the node.
pub fn import_chain(graph: &NirGraph, dt: f64) -> Result<Sequential> {
    let analysis = super::analyse(graph)?;
    if let Some(e) = analysis.back_edges.first() {
        return Err(NirError::at(
            &e.target,
            format!(
                "the edge {} -> {} closes a cycle: not a chain (run the graph with `littoral simulate GRAPH.nir`)",
                e.source, e.target
            ),
        ));
    }
    let core = |name: &str| {
        let name = name.to_string();
        move |e: littoral_core::Error| NirError::at(&name, e.to_string())
    };
    let mut seq = Sequential::new();
    for name in &analysis.order {
        let outgoing = graph.edges.iter().filter(|e| e.source == *name).count();
        let incoming = graph.edges.iter().filter(|e| e.target == *name).count();
        let node = &graph.nodes[name];
        let is_input = matches!(node.primitive, Primitive::Input { .. });
        let is_output = matches!(node.primitive, Primitive::Output { .. });
        if (!is_output && outgoing != 1) || (!is_input && incoming != 1) {
            return Err(NirError::at(
                name,
                "not a chain (a node with several or no inputs or outputs); run the graph with `littoral simulate GRAPH.nir`",
            ));
        }
        let module: Arc<dyn Module> = match &node.primitive {
            Primitive::Input { .. } | Primitive::Output { .. } | Primitive::Flatten { .. } => {
                continue;
            }
            Primitive::Affine { weight, .. } | Primitive::Linear { weight } => {
                let &[n_out, n_in] = weight.shape() else {
                    return Err(NirError::at(
                        name,
                        "only 2-d weights have a Littoral Linear",
                    ));
                };
                let mut t = vec![0.0; n_in * n_out];
                for o in 0..n_out {
                    for i in 0..n_in {
                        t[i * n_out + o] = weight.values()[o * n_in + i];
                    }
                }
                let w = Array::from_shape_vec(vec![n_in, n_out], t).map_err(core(name))?;
                let linear = Linear::new(n_in, n_out)
                    .with_weight(w)
                    .map_err(core(name))?;
                match &node.primitive {
                    Primitive::Affine { bias, .. } => Arc::new(
                        linear
                            .with_has_bias(true)
                            .with_bias(values(bias))
                            .map_err(core(name))?,
                    ),
                    _ => Arc::new(linear),
                }
            }
            p => match p.neuron_kind() {
                Some(kind) => {
                    let shape = analysis
                        .shapes
                        .get(name)
                        .and_then(|s| s.output.as_ref())
                        .map(|s| s.iter().product());
                    let values = p.tensors().into_iter().map(|(k, t)| (k, values(t)));
                    exact_neuron(kind, population(p, shape), dt, values).map_err(core(name))?
                }
                None => {
                    return Err(NirError::at(
                        name,
                        format!(
                            "{} has no Littoral network-file module; run the graph with `littoral simulate GRAPH.nir`",
                            p.type_name()
                        ),
                    ));
                }
            },
        };
        seq = seq.append_named(module, Some(name)).map_err(core(name))?;
    }
    Ok(seq)
}
