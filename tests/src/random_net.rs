//! Random networks for the property tests, built through the module registry: every class
//! of [`littoral_nets::registry`] that reads as a single population or layer from
//! `{"class": …, "shape": [n]}` or `[n, m]` takes part, so a newly registered class is
//! covered without editing this file. Random choices are generic, not per class: the shape
//! tried first, each boolean option (`has_rec`, `has_bias`, …), `noise_std` on or off,
//! and the value of every `bias`-family Parameter.

use littoral_core::registry::Registry;
use littoral_core::{Error, Kind, Module, Result};
use littoral_nets::{FFwdStack, Residual, Sequential};
use proptest::prelude::*;
use serde_json::{Map, Value as Json, json};
use std::sync::{Arc, OnceLock};

/// One layer of a random network.
#[derive(Debug, Clone)]
pub struct LayerSpec {
    /// Which class: an index into [`layer_classes`], modulo their number.
    pub class: usize,
    /// The second dimension of a two-dimensional shape `[n_in, width]` (a `Linear`'s
    /// output size; a `LIF`'s neurons, with `n_in / width` synapses each).
    pub width: usize,
    /// Random bits: bit 0 tries the two-dimensional shape first, bit 1 turns `noise_std`
    /// on, bit `2 + k` is the value of the class's `k`-th boolean option.
    pub bits: u32,
    /// The value of every Parameter of the family `"bias"` (drives spiking neurons).
    pub bias: f64,
}

/// A random layer.
pub fn layer_spec() -> impl Strategy<Value = LayerSpec> {
    (0usize..64, 1usize..=4, any::<u32>(), 0.0f64..1.5).prop_map(|(class, width, bits, bias)| {
        LayerSpec {
            class,
            width,
            bits,
            bias,
        }
    })
}

/// A random network: input size, layers and how they are combined.
#[derive(Debug, Clone)]
pub struct NetSpec {
    /// Input channels.
    pub n_in: usize,
    /// Layers in order.
    pub layers: Vec<LayerSpec>,
    /// 0 the bare first layer, 1 `Sequential`, 2 `FFwdStack`, 3 `Residual` (when the
    /// sizes allow; else `Sequential`).
    pub wrapper: u8,
}

/// Small random networks (every size ≤ 5, so matrix products stay on one code path).
pub fn net_spec() -> impl Strategy<Value = NetSpec> {
    (
        1usize..=4,
        prop::collection::vec(layer_spec(), 1..=3),
        0u8..4,
    )
        .prop_map(|(n_in, layers, wrapper)| NetSpec {
            n_in,
            layers,
            wrapper,
        })
}

/// The registry's classes that read as a module without children from a shape alone.
pub fn layer_classes() -> &'static [&'static str] {
    static CLASSES: OnceLock<Vec<&'static str>> = OnceLock::new();
    CLASSES.get_or_init(|| {
        let registry = littoral_nets::registry();
        registry
            .names()
            .into_iter()
            .filter(|name| {
                [json!([2]), json!([2, 2])].iter().any(|shape| {
                    registry
                        .read_json(&json!({"class": name, "shape": shape}), "probe")
                        .is_ok_and(|m| m.children().is_empty() && m.size_in() == 2)
                })
            })
            .collect()
    })
}

fn read(registry: &Registry, entry: &Json) -> Result<Arc<dyn Module>> {
    registry.read_json(entry, "layer")
}

/// Build one layer with input size `n` through the registry.
///
/// # Errors
/// When the chosen class reads from neither shape (a registry change this generator does
/// not know how to cover).
pub fn build_layer(spec: &LayerSpec, n: usize) -> Result<Arc<dyn Module>> {
    let registry = littoral_nets::registry();
    let classes = layer_classes();
    let name = classes[spec.class % classes.len()];
    let class = registry
        .class(name)
        .ok_or_else(|| Error::invalid(name, "not registered"))?;
    let mut shapes = vec![json!([n]), json!([n, spec.width])];
    if spec.bits & 1 == 1 {
        shapes.reverse();
    }
    for shape in shapes {
        let mut entry = json!({"class": name, "shape": shape});
        if read(&registry, &entry).is_err() {
            continue;
        }
        let mut options = Map::new();
        for (k, option) in class.options.iter().enumerate() {
            let value = Json::Bool(spec.bits >> (2 + k) & 1 == 1);
            let mut one = entry.clone();
            one["options"] = json!({ *option: value.clone() });
            if read(&registry, &one).is_ok() {
                options.insert((*option).to_string(), value);
            }
        }
        entry["options"] = Json::Object(options);
        let module = read(&registry, &entry)?;
        let (mut parameters, mut simulation) = (Map::new(), Map::new());
        for a in module.attributes() {
            if a.kind == Kind::SimulationParameter && a.name == "noise_std" {
                let noise = if spec.bits & 2 == 2 { 0.5 } else { 0.0 };
                simulation.insert(a.name.clone(), json!(noise));
            }
            if a.kind == Kind::Parameter && a.family.as_deref() == Some("bias") {
                parameters.insert(a.name.clone(), json!(spec.bias));
            }
        }
        entry["parameters"] = Json::Object(parameters);
        entry["simulation_parameters"] = Json::Object(simulation);
        return read(&registry, &entry);
    }
    Err(Error::invalid(
        name,
        format!("reads from neither shape [{n}] nor [{n}, {}]", spec.width),
    ))
}

/// The layers of a network with input size `n_in`, sizes chained through, and the output
/// size.
fn build_layers(n_in: usize, layers: &[LayerSpec]) -> Result<(Vec<Arc<dyn Module>>, usize)> {
    let mut n = n_in;
    let mut modules = Vec::new();
    for spec in layers {
        let m = build_layer(spec, n)?;
        n = m.size_out();
        modules.push(m);
    }
    Ok((modules, n))
}

/// Build a `Sequential` with input size `n_in` from layer specs (sizes chain through).
///
/// # Errors
/// As [`build_layer`].
pub fn build_network(n_in: usize, layers: &[LayerSpec]) -> Result<Sequential> {
    Sequential::from_modules(build_layers(n_in, layers)?.0)
}

/// Build the module a [`NetSpec`] describes.
///
/// # Errors
/// As [`build_layer`].
pub fn build(spec: &NetSpec) -> Result<Arc<dyn Module>> {
    let (modules, n) = build_layers(spec.n_in, &spec.layers)?;
    Ok(match spec.wrapper {
        0 => modules[0].clone(),
        2 if modules.len() >= 2 => {
            Arc::new(FFwdStack::new(modules)?.with_weight_init(littoral_core::Initialiser::Kaiming))
        }
        3 if n == spec.n_in => Arc::new(Residual::new(modules)?),
        _ => Arc::new(Sequential::from_modules(modules)?),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::{LayerSpec, build_layer, layer_classes};
    use littoral_core::{ModuleExt, TreeExt};

    /// Every built-in population and layer takes part; combinators do not.
    #[test]
    fn every_registered_layer_class_is_generated() {
        let classes = layer_classes();
        for name in [
            "LIF",
            "Rate",
            "Linear",
            "ExpSyn",
            "Instant",
            "CubaLI",
            "CubaLIF",
            "LI",
            "Integrator",
            "IF",
            "NirLIF",
            "Threshold",
            "Scale",
            "Delay",
        ] {
            assert!(
                classes.contains(&name),
                "{name} is not generated: {classes:?}"
            );
        }
        assert!(!classes.contains(&"Sequential"));
    }

    /// The generic choices reach the options and values: LIF with two synapses per neuron,
    /// recurrence and noise; Linear with a bias.
    #[test]
    fn options_shapes_and_noise_are_drawn() {
        let lif = layer_classes().iter().position(|&c| c == "LIF").unwrap();
        let spec = LayerSpec {
            class: lif,
            width: 2,
            bits: 0b111,
            bias: 0.25,
        };
        let m = build_layer(&spec, 4).unwrap();
        assert_eq!(m.shape(), vec![4, 2]);
        let tree = m.init(0);
        assert!(tree.get("w_rec").is_some(), "has_rec drawn");
        assert_eq!(tree.array("noise_std").unwrap().data(), &[0.5]);
        assert_eq!(tree.array("bias").unwrap().data(), &[0.25]);
        let linear = layer_classes().iter().position(|&c| c == "Linear").unwrap();
        let spec = LayerSpec {
            class: linear,
            width: 3,
            bits: 0b100,
            bias: 0.0,
        };
        let m = build_layer(&spec, 4).unwrap();
        assert_eq!(m.shape(), vec![4, 3]);
        assert!(m.init(0).get("bias").is_some(), "has_bias drawn");
    }
}
