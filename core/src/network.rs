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
use crate::module::{Module, OptionValue, SparseStructure};
use crate::nested::Entry;
use crate::tree::{Kind, Tree};
use serde::ser::{Error as _, Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value as Json;
use std::cell::RefCell;

/// Describe a module and the current values of its tree as a network-file JSON value.
///
/// # Errors
/// None today for finite values; kept fallible for formats that cannot describe a module.
pub fn to_json(module: &dyn Module, tree: &Tree) -> Result<Json> {
    serde_json::to_value(Described::new(module, tree, None)).map_err(written)
}

/// [`to_json`] as pretty-printed text. Reading it back gives bit-identical values.
///
/// The text is written straight from the module and its arrays (no `serde_json::Value`
/// per number in between), so a large network costs its text, not a value tree.
///
/// # Errors
/// As [`to_json`].
pub fn to_json_string(module: &dyn Module, tree: &Tree) -> Result<String> {
    serde_json::to_string_pretty(&Described::new(module, tree, None)).map_err(written)
}

/// [`to_json_string`] without whitespace.
///
/// # Errors
/// As [`to_json`].
pub fn to_json_compact(module: &dyn Module, tree: &Tree) -> Result<String> {
    serde_json::to_string(&Described::new(module, tree, None)).map_err(written)
}

/// [`to_json_compact`] with every sparse structure's `indices` and `indptr` written as
/// `null` and returned apart, in the order of the text: a snapshot's network description,
/// whose structures the snapshot keeps as binary (a large network's are hundreds of MB of
/// text). [`crate::registry::Registry::read_json_str_apart`] reads the two back together.
///
/// ```
/// use littoral_core::ModuleExt;
/// use littoral_core::doc_support::SparseToy;
/// use littoral_core::network::{Integers, to_json_compact_apart};
/// let toy = SparseToy::default();
/// let (text, lists) = to_json_compact_apart(&toy, &toy.init(0))?;
/// assert!(text.contains(r#""w":{"indices":null,"indptr":null,"shape":[2,3]}"#));
/// assert_eq!(lists, [Integers::Narrow(vec![2, 0, 1]), Integers::Narrow(vec![0, 1, 3])]);
/// # Ok::<(), littoral_core::Error>(())
/// ```
///
/// # Errors
/// As [`to_json`].
pub fn to_json_compact_apart(module: &dyn Module, tree: &Tree) -> Result<(String, Vec<Integers>)> {
    let apart = RefCell::new(Apart::new(None));
    let text =
        serde_json::to_string(&Described::new(module, tree, Some(&apart))).map_err(written)?;
    Ok((text, apart.into_inner().collected))
}

/// Whether [`to_json_compact`] would write exactly `text` (`lists: None`), or
/// [`to_json_compact_apart`] exactly `text` and `lists` (`Some`), found without writing
/// them: the text and the lists are compared as they are produced, and the comparison
/// stops at the first difference (a large network's description is hundreds of MB).
///
/// ```
/// use littoral_core::ModuleExt;
/// use littoral_core::doc_support::{SparseToy, Toy};
/// use littoral_core::network::{describes_as_compact, to_json_compact, to_json_compact_apart};
/// let tree = Toy.init(0);
/// let text = to_json_compact(&Toy, &tree)?;
/// assert!(describes_as_compact(&Toy, &tree, &text, None)?);
/// assert!(!describes_as_compact(&Toy, &tree, &text[..text.len() - 1], None)?);
/// assert!(!describes_as_compact(&Toy, &Toy.init(1), &text, None)?); // another weight
/// let toy = SparseToy::default();
/// let tree = toy.init(0);
/// let (text, lists) = to_json_compact_apart(&toy, &tree)?;
/// assert!(describes_as_compact(&toy, &tree, &text, Some(&lists))?);
/// assert!(!describes_as_compact(&toy, &tree, &text, Some(&lists[..1]))?);
/// assert!(!describes_as_compact(&toy, &tree, &text, None)?); // the lists inline
/// let other = SparseToy { indptr: vec![0, 2, 3], indices: vec![0, 2, 1] };
/// assert!(!describes_as_compact(&other, &tree, &text, Some(&lists))?);
/// # Ok::<(), littoral_core::Error>(())
/// ```
///
/// # Errors
/// As [`to_json`].
pub fn describes_as_compact(
    module: &dyn Module,
    tree: &Tree,
    text: &str,
    lists: Option<&[Integers]>,
) -> Result<bool> {
    let mut matching = Matching {
        rest: text.as_bytes(),
        differs: false,
    };
    let apart = lists.map(|expected| RefCell::new(Apart::new(Some(expected))));
    let result =
        serde_json::to_writer(&mut matching, &Described::new(module, tree, apart.as_ref()));
    let lists_match = apart
        .map(RefCell::into_inner)
        .is_none_or(|a| a.all_matched());
    match result {
        Ok(()) => Ok(matching.rest.is_empty() && lists_match),
        Err(_) if matching.differs || !lists_match => Ok(false),
        Err(e) => Err(written(e)),
    }
}

/// What becomes of the sparse structures' lists of a description written apart: copied
/// out in the order of the text, or compared with the lists of a description written
/// apart before.
struct Apart<'l> {
    /// The lists to compare with; `None` to collect them.
    expected: Option<&'l [Integers]>,
    /// The lists collected.
    collected: Vec<Integers>,
    /// The index of the next list expected.
    next: usize,
    /// Whether a list differed from the one expected.
    differs: bool,
}

impl<'l> Apart<'l> {
    fn new(expected: Option<&'l [Integers]>) -> Self {
        Apart {
            expected,
            collected: Vec::new(),
            next: 0,
            differs: false,
        }
    }

    /// Take a structure's `indices` and `indptr` (in the order the text names them);
    /// `false` when they differ from the lists expected.
    fn take(&mut self, structure: &SparseStructure<'_>) -> bool {
        let Some(expected) = self.expected else {
            self.collected
                .push(Integers::Narrow(structure.indices.to_vec()));
            self.collected
                .push(structure.indptr.iter().map(|&x| x as u64).collect());
            return true;
        };
        let same = match expected.get(self.next..self.next + 2) {
            Some([indices, indptr]) => {
                same_items(indices, structure.indices, u64::from)
                    && same_items(indptr, structure.indptr, |x| x as u64)
            }
            _ => false,
        };
        self.next += 2;
        self.differs |= !same;
        same
    }

    /// Every list expected met, and each the same.
    fn all_matched(&self) -> bool {
        !self.differs && self.next == self.expected.map_or(0, <[Integers]>::len)
    }
}

/// Whether `list` holds `items` (each widened by `wide`).
fn same_items<T: Copy>(list: &Integers, items: &[T], wide: impl Fn(T) -> u64) -> bool {
    match list {
        Integers::Narrow(list) => {
            list.len() == items.len()
                && list
                    .iter()
                    .zip(items)
                    .all(|(&a, &b)| u64::from(a) == wide(b))
        }
        Integers::Wide(list) => {
            list.len() == items.len() && list.iter().zip(items).all(|(&a, &b)| a == wide(b))
        }
    }
}

/// A writer that checks what it is given against the rest of an expected text, and fails
/// at the first byte that differs (so the writing stops there).
struct Matching<'a> {
    rest: &'a [u8],
    differs: bool,
}

impl std::io::Write for Matching<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.rest.strip_prefix(buf) {
            Some(rest) => {
                self.rest = rest;
                Ok(buf.len())
            }
            None => {
                self.differs = true;
                Err(std::io::Error::other("the text differs"))
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn written(e: serde_json::Error) -> Error {
    Error::invalid("network", e.to_string())
}

/// A module (under its name, when not the default one) and the values of its tree, as the
/// network format's object. Its keys come in the order of a `serde_json::Map` (sorted), so
/// the text is the same whether written directly or through a [`Json`] value.
struct Described<'a, 'l> {
    module: &'a dyn Module,
    tree: &'a Tree,
    name: Option<&'a str>,
    /// Where the sparse structures' lists go when they are written apart.
    apart: Option<&'a RefCell<Apart<'l>>>,
}

impl<'a, 'l> Described<'a, 'l> {
    fn new(module: &'a dyn Module, tree: &'a Tree, apart: Option<&'a RefCell<Apart<'l>>>) -> Self {
        Described {
            module,
            tree,
            name: None,
            apart,
        }
    }

    /// The tree's `f64` leaves of one kind, by name.
    fn values(&self, kind: Kind) -> Vec<(&'a str, &'a Array)> {
        let mut values: Vec<_> = self
            .tree
            .iter()
            .filter_map(|(name, entry)| match entry {
                Entry::Leaf(leaf) if leaf.kind == kind => {
                    leaf.value.as_f64().map(|a| (name, a.as_ref()))
                }
                _ => None,
            })
            .collect();
        values.sort_unstable_by_key(|&(name, _)| name);
        values
    }
}

impl Serialize for Described<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let children = self.module.children();
        let mut options = self.module.options();
        options.sort_by_key(|&(name, _)| name);
        let params = self.values(Kind::Parameter);
        let sim = self.values(Kind::SimulationParameter);
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("class", self.module.class_name())?;
        if !children.is_empty() {
            let empty = Tree::new();
            let modules: Vec<Described<'_, '_>> = children
                .iter()
                .enumerate()
                .map(|(i, &(n, child))| Described {
                    module: child,
                    tree: self.tree.branch(n).unwrap_or(&empty),
                    name: (n != format!("{i}_{}", child.class_name())).then_some(n),
                    apart: self.apart,
                })
                .collect();
            map.serialize_entry("modules", &modules)?;
        }
        if let Some(name) = self.name {
            map.serialize_entry("name", name)?;
        }
        if !options.is_empty() {
            map.serialize_entry("options", &Options(&options, self.apart))?;
        }
        if !params.is_empty() {
            map.serialize_entry("parameters", &Values(&params))?;
        }
        if children.is_empty() {
            map.serialize_entry("shape", &self.module.shape())?;
        }
        if !sim.is_empty() {
            map.serialize_entry("simulation_parameters", &Values(&sim))?;
        }
        map.end()
    }
}

/// A module's options, sorted by name.
struct Options<'a, 'm, 'l>(
    &'a [(&'static str, OptionValue<'m>)],
    Option<&'a RefCell<Apart<'l>>>,
);

impl Serialize for Options<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, value) in self.0 {
            match value {
                OptionValue::Bool(b) => map.serialize_entry(name, b)?,
                OptionValue::Str(text) => map.serialize_entry(name, text)?,
                OptionValue::Count(n) => map.serialize_entry(name, n)?,
                OptionValue::Sparse(sparse) => {
                    map.serialize_entry(name, &Sparse(sparse, self.1))?;
                }
            }
        }
        map.end()
    }
}

/// A sparse structure as `{"indices", "indptr", "shape"}`; with its lists `null` when
/// they are written apart.
struct Sparse<'a, 'm, 'l>(&'a SparseStructure<'m>, Option<&'a RefCell<Apart<'l>>>);

impl Serialize for Sparse<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3))?;
        match self.1 {
            None => {
                map.serialize_entry("indices", self.0.indices)?;
                map.serialize_entry("indptr", self.0.indptr)?;
            }
            Some(apart) => {
                if !apart.borrow_mut().take(self.0) {
                    return Err(S::Error::custom("a sparse structure differs"));
                }
                map.serialize_entry("indices", &())?;
                map.serialize_entry("indptr", &())?;
            }
        }
        map.serialize_entry("shape", &self.0.shape)?;
        map.end()
    }
}

/// Named arrays (sorted by name) as an object of nested lists.
struct Values<'a, 'm>(&'a [(&'m str, &'m Array)]);

impl Serialize for Values<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for &(name, a) in self.0 {
            map.serialize_entry(name, &Nested(a.shape(), a.data()))?;
        }
        map.end()
    }
}

/// Numbers `data` of row-major `shape`, as a number (0-d) or nested lists; a non-finite
/// number is `null`, as `serde_json` writes it.
struct Nested<'a>(&'a [usize], &'a [f64]);

impl Serialize for Nested<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let Nested(shape, data) = *self;
        match shape.split_first() {
            None => match data.first() {
                Some(x) => s.serialize_f64(*x),
                None => s.serialize_unit(),
            },
            Some((&n, [])) => s.collect_seq(&data[..n]),
            Some((&n, rest)) => {
                let stride: usize = rest.iter().product();
                let mut seq = s.serialize_seq(Some(n))?;
                for i in 0..n {
                    seq.serialize_element(&Nested(rest, &data[i * stride..(i + 1) * stride]))?;
                }
                seq.end()
            }
        }
    }
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
pub fn integer_list(v: Option<&Json>, path: &str) -> Result<Integers> {
    let list = v
        .and_then(Json::as_array)
        .ok_or_else(|| not_integers(path, None))?;
    list.iter()
        .enumerate()
        .map(|(k, x)| x.as_u64().ok_or_else(|| not_integers(path, Some((k, x)))))
        .collect()
}

/// A list of non-negative integers as a network file gives it (a sparse matrix's
/// `indptr` or `indices`), held in 32 bits while every item fits — half the memory of 64
/// bits for the millions of `indices` of a large network — and in 64 bits from the first
/// item that does not.
///
/// ```
/// use littoral_core::network::Integers;
/// let small: Integers = [3, 1, 4].into_iter().collect();
/// assert_eq!(small.into_u32(), Ok(vec![3, 1, 4]));
/// let large: Integers = [3, 1 << 40, 5].into_iter().collect();
/// assert_eq!(large.clone().into_u32(), Err(1 << 40));
/// assert_eq!(large.into_u64(), vec![3, 1 << 40, 5]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Integers {
    /// Every item fits in 32 bits.
    Narrow(Vec<u32>),
    /// Some item does not.
    Wide(Vec<u64>),
}

impl Default for Integers {
    fn default() -> Self {
        Integers::Narrow(Vec::new())
    }
}

impl Integers {
    /// Append `x`, widening the list if `x` needs more than 32 bits.
    pub fn push(&mut self, x: u64) {
        match self {
            Integers::Narrow(list) => match u32::try_from(x) {
                Ok(x) => list.push(x),
                Err(_) => {
                    let mut wide: Vec<u64> = list.iter().map(|&n| u64::from(n)).collect();
                    wide.push(x);
                    *self = Integers::Wide(wide);
                }
            },
            Integers::Wide(list) => list.push(x),
        }
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        match self {
            Integers::Narrow(list) => list.len(),
            Integers::Wide(list) => list.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every item, in 64 bits.
    pub fn into_u64(self) -> Vec<u64> {
        match self {
            Integers::Narrow(list) => list.into_iter().map(u64::from).collect(),
            Integers::Wide(list) => list,
        }
    }

    /// Every item in 32 bits (no copy when they fit), or the first item that does not.
    ///
    /// # Errors
    /// The first item above `u32::MAX`.
    pub fn into_u32(self) -> std::result::Result<Vec<u32>, u64> {
        match self {
            Integers::Narrow(list) => Ok(list),
            Integers::Wide(list) => list
                .into_iter()
                .map(|x| u32::try_from(x).map_err(|_| x))
                .collect(),
        }
    }
}

impl FromIterator<u64> for Integers {
    fn from_iter<I: IntoIterator<Item = u64>>(items: I) -> Self {
        let mut list = Integers::default();
        for x in items {
            list.push(x);
        }
        list
    }
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
    serde_json::to_value(Nested(a.shape(), a.data())).unwrap_or(Json::Null)
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
