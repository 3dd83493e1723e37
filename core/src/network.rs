//! Writing the network file format (JSON), and its arrays. The format is a stable
//! contract, documented in `docs/network-format.md`; reading it goes through a
//! [`crate::registry::Registry`].
//!
//! A module is written from what the [`Module`] trait tells: `class` is its class name, a
//! module with children lists them under `modules`, one without writes its `shape`, then
//! its `options`, and the leaves of its tree as `parameters` and `simulation_parameters`.
//! So a new module class needs nothing here.

use crate::array::Array;
use crate::error::{Error, Result};
use crate::module::{Module, OptionValue};
use crate::nested::Entry;
use crate::tree::{Kind, Tree};
use serde_json::{Map, Value as Json};

/// Describe a module and the current values of its tree as a network-file JSON value.
///
/// # Errors
/// None today for finite values; kept fallible for formats that cannot describe a module.
pub fn to_json(module: &dyn Module, tree: &Tree) -> Result<Json> {
    to_json_named(module, tree, None)
}

/// [`to_json`] as pretty-printed text. Reading it back gives bit-identical values.
///
/// # Errors
/// As [`to_json`].
pub fn to_json_string(module: &dyn Module, tree: &Tree) -> Result<String> {
    let v = to_json(module, tree)?;
    serde_json::to_string_pretty(&v).map_err(|e| Error::invalid("network", e.to_string()))
}

fn to_json_named(module: &dyn Module, tree: &Tree, name: Option<&str>) -> Result<Json> {
    let mut obj = Map::new();
    obj.insert("class".into(), Json::String(module.class_name().into()));
    if let Some(n) = name {
        obj.insert("name".into(), Json::String(n.into()));
    }
    let children = module.children();
    if children.is_empty() {
        obj.insert(
            "shape".into(),
            Json::Array(module.shape().into_iter().map(Json::from).collect()),
        );
    }
    let options: Map<String, Json> = module
        .options()
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                OptionValue::Bool(b) => Json::Bool(b),
                OptionValue::Str(s) => Json::String(s),
                OptionValue::Count(n) => Json::from(n),
                OptionValue::Json(v) => v,
            };
            (k.to_string(), v)
        })
        .collect();
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
    if !children.is_empty() {
        let empty = Tree::new();
        let mods = children
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
    // Reserve once: the product of the probed shape, but never more than the numbers the
    // innermost lists actually hold (a ragged list cannot make it allocate beyond its data).
    let present = innermost_len(v, shape.len().saturating_sub(1));
    let expected = shape
        .iter()
        .try_fold(1usize, |acc, &n| acc.checked_mul(n))
        .unwrap_or(0);
    let mut data = Vec::with_capacity(expected.min(present));
    flatten(v, &shape, 0, path, &mut data)?;
    Array::from_shape_vec(shape, data).map_err(|e| crate::registry::relabel(e, path))
}

fn flatten(v: &Json, shape: &[usize], depth: usize, path: &str, out: &mut Vec<f64>) -> Result<()> {
    match v {
        Json::Number(n) => {
            if depth != shape.len() {
                return Err(Error::invalid(path, "ragged nested list"));
            }
            push_number(n, path, out)
        }
        Json::Array(items) => {
            if shape.get(depth) != Some(&items.len()) {
                return Err(Error::invalid(path, "ragged nested list"));
            }
            if depth + 1 == shape.len() {
                // The innermost list (most of a large array): numbers inline, anything else
                // through the general case, which gives the same errors.
                for item in items {
                    match item {
                        Json::Number(n) => push_number(n, path, out)?,
                        other => flatten(other, shape, depth + 1, path, out)?,
                    }
                }
                return Ok(());
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

/// A list of non-negative integers: `v`, the value at `path` (`options.w_rec.indices`), if
/// the file gives one.
///
/// # Errors
/// No list, or an item that is not a non-negative integer (the first, with its position).
pub fn integer_list(v: Option<&Json>, path: &str) -> Result<Vec<u64>> {
    let list = v
        .and_then(Json::as_array)
        .ok_or_else(|| not_integers(path, None))?;
    list.iter()
        .enumerate()
        .map(|(k, x)| x.as_u64().ok_or_else(|| not_integers(path, Some((k, x)))))
        .collect()
}

/// Why a value is not a list of non-negative integers: no list, or its first bad item.
pub(crate) fn not_integers(path: &str, first_bad: Option<(usize, &Json)>) -> Error {
    match first_bad {
        None => Error::invalid(path, "missing, or not a list of non-negative integers"),
        Some((k, x)) => Error::invalid(
            path,
            format!("expected non-negative integers, found {x} at position {k}"),
        ),
    }
}

/// Append a JSON number to `out` as a finite `f64`.
#[inline]
fn push_number(n: &serde_json::Number, path: &str, out: &mut Vec<f64>) -> Result<()> {
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

/// How many items the lists `depth` levels down hold in all (0 for a bare number): an
/// upper bound on the numbers in `v` when its shape is `depth + 1` deep, found by visiting
/// only the lists above the innermost ones.
fn innermost_len(v: &Json, depth: usize) -> usize {
    match v {
        Json::Array(items) if depth == 0 => items.len(),
        Json::Array(items) => items.iter().fold(0usize, |acc, i| {
            acc.saturating_add(innermost_len(i, depth - 1))
        }),
        _ => 0,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Array> {
        let v: Json = serde_json::from_str(text).map_err(|e| Error::invalid("t", e.to_string()))?;
        json_to_array(&v, "m.w")
    }

    fn message(text: &str) -> String {
        read(text).err().map(|e| e.to_string()).unwrap_or_default()
    }

    #[test]
    fn nested_lists_become_flat_arrays() -> Result<()> {
        let a = read("[[1, 2.5, true], [-3, 0, false]]")?;
        assert_eq!(a.shape(), &[2, 3]);
        assert_eq!(a.data(), &[1.0, 2.5, 1.0, -3.0, 0.0, 0.0]);
        assert_eq!(read("0.25")?.shape(), &[] as &[usize]);
        assert_eq!(read("[]")?.shape(), &[0]);
        assert_eq!(read("[[[1], [2]]]")?.data(), &[1.0, 2.0]);
        Ok(())
    }

    #[test]
    fn ragged_and_foreign_items_are_refused_naming_the_path() {
        for ragged in [
            "[[1, 2], [3]]",
            "[[1], [2, 3]]",
            "[[1, 2], [3, [4]]]",
            "[[1], 2]",
            "[1, [2]]",
        ] {
            let m = message(ragged);
            assert!(
                m.contains("m.w") && m.contains("ragged nested list"),
                "{ragged}: {m}"
            );
        }
        for foreign in ["[[1, null]]", "[\"a\"]", "{\"x\": 1}"] {
            let m = message(foreign);
            assert!(
                m.contains("m.w") && m.contains("numbers or nested lists"),
                "{foreign}: {m}"
            );
        }
    }
}
