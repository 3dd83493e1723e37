//! The network file format (JSON): read a module description, write one back.
//! The format is a stable contract, documented in `docs/network-format.md`.
//!
//! ```
//! use littoral_core::{ModuleExt, TreeExt};
//! let text = r#"{"class": "Sequential", "modules": [
//!   {"class": "Linear", "shape": [2, 3], "parameters": {"weight": [[1, 0, 0], [0, 1, 0]]}},
//!   {"class": "LIF", "shape": [3], "parameters": {"tau_mem": 0.02}}]}"#;
//! let net = littoral_nets::config::from_json_str(text)?;
//! let tree = net.init(0);
//! assert_eq!(tree.array("1_LIF.tau_mem")?.data(), &[0.02]);
//! let back = littoral_nets::config::to_json_string(net.as_ref(), &tree)?;
//! let again = littoral_nets::config::from_json_str(&back)?;
//! assert!(littoral_core::tree_bits_eq(&again.init(1).parameters(None), &tree.parameters(None)));
//! # Ok::<(), littoral_core::Error>(())
//! ```

use crate::{
    Activation, ExpSyn, FFwdStack, Instant, InstantFn, Lif, Linear, Rate, Residual, Sequential,
};
use littoral_core::{
    Array, Constant, Entry, Error, InitValue, Kind, Module, OptionValue, Precision, Result, Tree,
};
use serde_json::{Map, Value as Json};
use std::sync::Arc;

/// The classes the format knows.
pub const CLASSES: [&str; 8] = [
    "LIF",
    "Rate",
    "Linear",
    "ExpSyn",
    "Instant",
    "Sequential",
    "Residual",
    "FFwdStack",
];

/// Build a module from the JSON text of a network file. Given values become the module's
/// concrete initial values (a reset restores them); omitted ones take Rockpool's defaults.
///
/// # Errors
/// Malformed JSON, unknown classes, options or attributes, wrong shapes and non-finite
/// numbers, each naming its JSON path (`modules[1].parameters.tau_mem`).
pub fn from_json_str(text: &str) -> Result<Arc<dyn Module>> {
    let v: Json = serde_json::from_str(text)
        .map_err(|e| Error::invalid("network", format!("invalid JSON: {e}")))?;
    from_json(&v, "")
}

/// Build a module from a parsed JSON value; `path` prefixes error paths.
///
/// # Errors
/// As [`from_json_str`].
pub fn from_json(v: &Json, path: &str) -> Result<Arc<dyn Module>> {
    let obj = v
        .as_object()
        .ok_or_else(|| Error::invalid(root(path), "a module must be a JSON object"))?;
    let at = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    for k in obj.keys() {
        if ![
            "class",
            "name",
            "shape",
            "options",
            "parameters",
            "simulation_parameters",
            "modules",
        ]
        .contains(&k.as_str())
        {
            return Err(Error::invalid(at(k), "unknown key"));
        }
    }
    let class = obj
        .get("class")
        .and_then(Json::as_str)
        .ok_or_else(|| Error::invalid(at("class"), "missing or not a string"))?;
    let options = obj.get("options").map_or(Ok(Map::new()), |o| {
        o.as_object()
            .cloned()
            .ok_or_else(|| Error::invalid(at("options"), "must be an object"))
    })?;
    let opts = Options {
        map: &options,
        path: at("options"),
    };
    let module: Arc<dyn Module> = match class {
        "LIF" => {
            opts.only(&["has_rec", "precision"])?;
            let lif = Lif::from_shape(&shape(obj, &at("shape"))?)
                .map_err(|e| relabel(e, &at("shape")))?
                .with_has_rec(opts.bool("has_rec")?.unwrap_or(false))
                .with_precision(opts.precision()?);
            Arc::new(apply_values(lif, obj, path, Lif::with)?)
        }
        "Rate" => {
            opts.only(&["has_rec", "activation_func"])?;
            let mut rate = Rate::from_shape(&shape(obj, &at("shape"))?)
                .map_err(|e| relabel(e, &at("shape")))?
                .with_has_rec(opts.bool("has_rec")?.unwrap_or(false));
            if let Some(name) = opts.str("activation_func")? {
                let act = Activation::from_name(name)
                    .map_err(|e| relabel(e, &opts.key("activation_func")))?;
                rate = rate.with_activation(act);
            }
            Arc::new(apply_values(rate, obj, path, Rate::with)?)
        }
        "Linear" => {
            opts.only(&["has_bias", "precision"])?;
            let lin = Linear::from_shape(&shape(obj, &at("shape"))?)
                .map_err(|e| relabel(e, &at("shape")))?
                .with_has_bias(opts.bool("has_bias")?.unwrap_or(false))
                .with_precision(opts.precision()?);
            Arc::new(apply_values(lin, obj, path, Linear::with)?)
        }
        "ExpSyn" => {
            opts.only(&[])?;
            let syn = ExpSyn::from_shape(&shape(obj, &at("shape"))?)
                .map_err(|e| relabel(e, &at("shape")))?;
            Arc::new(apply_values(syn, obj, path, ExpSyn::with)?)
        }
        "Instant" => {
            opts.only(&["function"])?;
            let s = shape(obj, &at("shape"))?;
            let n = match *s {
                [n] => n,
                _ => return Err(Error::shape(at("shape"), &[vec![1]], &[s.len()])),
            };
            let f = match opts.str("function")? {
                Some(name) => {
                    InstantFn::from_name(name).map_err(|e| relabel(e, &opts.key("function")))?
                }
                None => InstantFn::Identity,
            };
            no_values(obj, path)?;
            Arc::new(Instant::new(n, f))
        }
        "Sequential" | "Residual" | "FFwdStack" => {
            opts.only(&[])?;
            if obj.contains_key("shape") {
                return Err(Error::invalid(at("shape"), "a combinator takes no shape"));
            }
            let children = children(obj, path)?;
            match class {
                "Sequential" => Arc::new(sequential(children, path)?),
                "Residual" => Arc::new(
                    Residual::from_sequential(sequential(children, path)?)
                        .map_err(|e| relabel(e, &root(path)))?,
                ),
                _ => {
                    let stack =
                        FFwdStack::from_named(children).map_err(|e| relabel(e, &at("modules")))?;
                    Arc::new(apply_values(stack, obj, path, FFwdStack::with)?)
                }
            }
        }
        other => {
            return Err(Error::invalid(
                at("class"),
                format!("unknown class '{other}' (known: {})", CLASSES.join(", ")),
            ));
        }
    };
    Ok(module)
}

fn root(path: &str) -> String {
    if path.is_empty() {
        "network".into()
    } else {
        path.to_string()
    }
}

/// Replace an error's path by a JSON path, keeping its message.
fn relabel(e: Error, path: &str) -> Error {
    match e {
        Error::Invalid { message, .. } => Error::invalid(path, message),
        Error::Shape {
            expected, found, ..
        } => Error::Shape {
            path: path.into(),
            expected,
            found,
        },
        Error::NonFinite { index, value, .. } => Error::NonFinite {
            path: path.into(),
            index,
            value,
        },
        Error::UnknownPath { path: p } => Error::invalid(path, format!("unknown attribute '{p}'")),
        other => other,
    }
}

struct Options<'a> {
    map: &'a Map<String, Json>,
    path: String,
}

impl Options<'_> {
    fn key(&self, k: &str) -> String {
        format!("{}.{k}", self.path)
    }
    fn only(&self, allowed: &[&str]) -> Result<()> {
        match self.map.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(k) => Err(Error::invalid(
                self.key(k),
                format!(
                    "unknown option (allowed: {})",
                    if allowed.is_empty() {
                        "none".to_string()
                    } else {
                        allowed.join(", ")
                    }
                ),
            )),
            None => Ok(()),
        }
    }
    fn bool(&self, k: &str) -> Result<Option<bool>> {
        self.map
            .get(k)
            .map(|v| {
                v.as_bool()
                    .ok_or_else(|| Error::invalid(self.key(k), "must be true or false"))
            })
            .transpose()
    }
    fn precision(&self) -> Result<Precision> {
        match self.str("precision")? {
            Some(name) => {
                Precision::from_name(name).map_err(|e| relabel(e, &self.key("precision")))
            }
            None => Ok(Precision::F64),
        }
    }
    fn str(&self, k: &str) -> Result<Option<&str>> {
        self.map
            .get(k)
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| Error::invalid(self.key(k), "must be a string"))
            })
            .transpose()
    }
}

fn shape(obj: &Map<String, Json>, path: &str) -> Result<Vec<usize>> {
    let list = obj
        .get("shape")
        .and_then(Json::as_array)
        .ok_or_else(|| Error::invalid(path, "missing, or not a list of sizes"))?;
    list.iter()
        .map(|d| {
            d.as_u64()
                .and_then(|d| usize::try_from(d).ok())
                .ok_or_else(|| Error::invalid(path, "sizes must be non-negative integers"))
        })
        .collect()
}

fn children(obj: &Map<String, Json>, path: &str) -> Result<Vec<(String, Arc<dyn Module>)>> {
    let at = if path.is_empty() {
        "modules".to_string()
    } else {
        format!("{path}.modules")
    };
    let list = obj
        .get("modules")
        .and_then(Json::as_array)
        .ok_or_else(|| Error::invalid(&at, "missing, or not a list of modules"))?;
    list.iter()
        .enumerate()
        .map(|(i, m)| {
            let p = format!("{at}[{i}]");
            let module = from_json(m, &p)?;
            let name = match m.get("name") {
                None => format!("{i}_{}", module.class_name()),
                Some(n) => n
                    .as_str()
                    .ok_or_else(|| Error::invalid(format!("{p}.name"), "must be a string"))?
                    .to_string(),
            };
            Ok((name, module))
        })
        .collect()
}

fn sequential(children: Vec<(String, Arc<dyn Module>)>, path: &str) -> Result<Sequential> {
    let at = if path.is_empty() {
        "modules".to_string()
    } else {
        format!("{path}.modules")
    };
    children
        .into_iter()
        .enumerate()
        .try_fold(Sequential::new(), |s, (i, (name, m))| {
            s.append_named(m, Some(&name))
                .map_err(|e| relabel(e, &format!("{at}[{i}]")))
        })
}

fn no_values(obj: &Map<String, Json>, path: &str) -> Result<()> {
    for section in ["parameters", "simulation_parameters"] {
        if let Some(Json::Object(m)) = obj.get(section)
            && let Some(k) = m.keys().next()
        {
            let p = if path.is_empty() {
                format!("{section}.{k}")
            } else {
                format!("{path}.{section}.{k}")
            };
            return Err(Error::invalid(p, "unknown attribute"));
        }
    }
    Ok(())
}

/// Apply the `parameters` and `simulation_parameters` sections through a module's `with`.
/// A Parameter listed under `simulation_parameters` becomes a `Constant`.
fn apply_values<M: Module>(
    mut module: M,
    obj: &Map<String, Json>,
    path: &str,
    with: fn(M, &str, InitValue) -> Result<M>,
) -> Result<M> {
    for (section, as_constant) in [("parameters", false), ("simulation_parameters", true)] {
        let Some(values) = obj.get(section) else {
            continue;
        };
        let prefix = if path.is_empty() {
            section.to_string()
        } else {
            format!("{path}.{section}")
        };
        let values = values
            .as_object()
            .ok_or_else(|| Error::invalid(&prefix, "must be an object"))?;
        for (name, v) in values {
            let p = format!("{prefix}.{name}");
            let attr = module
                .attributes()
                .iter()
                .find(|a| a.name == *name)
                .ok_or_else(|| Error::invalid(&p, "unknown attribute"))?;
            let is_param = attr.kind == Kind::Parameter;
            if attr.kind == Kind::State {
                return Err(Error::invalid(
                    &p,
                    "a State cannot be set in a network file",
                ));
            }
            if !as_constant && !is_param {
                return Err(Error::invalid(
                    &p,
                    "a SimulationParameter: list it under simulation_parameters",
                ));
            }
            let array = json_to_array(v, &p)?;
            let value: InitValue = if as_constant && is_param {
                Constant(array).into()
            } else {
                array.into()
            };
            module = with(module, name, value).map_err(|e| relabel(e, &p))?;
        }
    }
    Ok(module)
}

/// A number or a rectangular nested list of numbers as an array.
///
/// # Errors
/// Ragged lists, non-numbers and non-finite numbers, naming `path`.
pub fn json_to_array(v: &Json, path: &str) -> Result<Array> {
    let mut shape = Vec::new();
    let mut probe = v;
    while let Json::Array(items) = probe {
        shape.push(items.len());
        match items.first() {
            Some(first) => probe = first,
            None => break,
        }
    }
    let mut data = Vec::new();
    flatten(v, &shape, 0, path, &mut data)?;
    Array::from_shape_vec(shape, data).map_err(|e| relabel(e, path))
}

fn flatten(v: &Json, shape: &[usize], depth: usize, path: &str, out: &mut Vec<f64>) -> Result<()> {
    match v {
        Json::Number(n) => {
            if depth != shape.len() {
                return Err(Error::invalid(path, "ragged nested list"));
            }
            let x = n
                .as_f64()
                .ok_or_else(|| Error::invalid(path, "not a number"))?;
            if !x.is_finite() {
                return Err(Error::NonFinite {
                    path: path.into(),
                    index: out.len(),
                    value: x,
                });
            }
            out.push(x);
            Ok(())
        }
        Json::Array(items) => {
            if shape.get(depth) != Some(&items.len()) {
                return Err(Error::invalid(path, "ragged nested list"));
            }
            items
                .iter()
                .try_for_each(|i| flatten(i, shape, depth + 1, path, out))
        }
        Json::Bool(b) => {
            if depth != shape.len() {
                return Err(Error::invalid(path, "ragged nested list"));
            }
            out.push(if *b { 1.0 } else { 0.0 });
            Ok(())
        }
        _ => Err(Error::invalid(
            path,
            "values must be numbers or nested lists of numbers",
        )),
    }
}

/// An array as a number (0-d) or nested lists.
pub fn array_to_json(a: &Array) -> Json {
    fn build(shape: &[usize], data: &[f64]) -> Json {
        match shape.split_first() {
            None => data.first().map_or(Json::Null, |&x| num(x)),
            Some((&n, rest)) => {
                let stride: usize = rest.iter().product();
                Json::Array(
                    (0..n)
                        .map(|i| build(rest, &data[i * stride..(i + 1) * stride]))
                        .collect(),
                )
            }
        }
    }
    build(a.shape(), a.data())
}

fn num(x: f64) -> Json {
    serde_json::Number::from_f64(x).map_or(Json::Null, Json::Number)
}

/// Describe a module and the current values of its tree as a network-file JSON value.
///
/// # Errors
/// A class the format does not know (your own modules), or a custom `Instant` function.
pub fn to_json(module: &dyn Module, tree: &Tree) -> Result<Json> {
    to_json_named(module, tree, None)
}

fn to_json_named(module: &dyn Module, tree: &Tree, name: Option<&str>) -> Result<Json> {
    let class = module.class_name();
    if !CLASSES.contains(&class) {
        return Err(Error::invalid(
            name.unwrap_or("network"),
            format!("class '{class}' cannot be written to a network file"),
        ));
    }
    let mut obj = Map::new();
    obj.insert("class".into(), Json::String(class.into()));
    if let Some(n) = name {
        obj.insert("name".into(), Json::String(n.into()));
    }
    let combinator = matches!(class, "Sequential" | "Residual" | "FFwdStack");
    if !combinator {
        let s = module.shape();
        let written = if class == "LIF" && s.len() == 2 && s[0] == s[1]
            || class != "LIF" && class != "Linear"
        {
            vec![s[s.len().saturating_sub(1)]]
        } else {
            s
        };
        obj.insert(
            "shape".into(),
            Json::Array(written.into_iter().map(Json::from).collect()),
        );
    }
    let mut options = Map::new();
    for (k, v) in module.options() {
        let v = match v {
            OptionValue::Bool(b) => Json::Bool(b),
            OptionValue::Str(s) if s == "custom" => {
                return Err(Error::invalid(
                    name.unwrap_or("network"),
                    "a custom Instant function cannot be written to a network file",
                ));
            }
            OptionValue::Str(s) => Json::String(s),
        };
        options.insert(k.into(), v);
    }
    if !options.is_empty() {
        obj.insert("options".into(), Json::Object(options));
    }
    let mut params = Map::new();
    let mut sim = Map::new();
    for (leaf_name, entry) in tree.iter() {
        if let Entry::Leaf(leaf) = entry {
            let Some(a) = leaf.value.as_f64() else {
                continue;
            };
            match leaf.kind {
                Kind::Parameter => {
                    params.insert(leaf_name.into(), array_to_json(a));
                }
                Kind::SimulationParameter => {
                    sim.insert(leaf_name.into(), array_to_json(a));
                }
                Kind::State => {}
            }
        }
    }
    if !params.is_empty() {
        obj.insert("parameters".into(), Json::Object(params));
    }
    if !sim.is_empty() {
        obj.insert("simulation_parameters".into(), Json::Object(sim));
    }
    if combinator {
        let empty = Tree::new();
        let mods = module
            .children()
            .into_iter()
            .enumerate()
            .map(|(i, (n, child))| {
                let default = format!("{i}_{}", child.class_name());
                let sub = tree.branch(n).unwrap_or(&empty);
                to_json_named(child, sub, (n != default).then_some(n)).map_err(|e| e.within(n))
            })
            .collect::<Result<Vec<_>>>()?;
        obj.insert("modules".into(), Json::Array(mods));
    }
    Ok(Json::Object(obj))
}

/// [`to_json`] as pretty-printed text. Reading it back gives bit-identical values.
///
/// # Errors
/// As [`to_json`].
pub fn to_json_string(module: &dyn Module, tree: &Tree) -> Result<String> {
    let v = to_json(module, tree)?;
    serde_json::to_string_pretty(&v).map_err(|e| Error::invalid("network", e.to_string()))
}
