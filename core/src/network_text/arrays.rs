//! The values of a network file's `parameters` and `simulation_parameters`, read from
//! its text straight into flat arrays ([`ArraySeed`]): each number is visited as
//! `serde_json` parses it and kept in a [`Flat`], which gives the shape, the bits and the
//! error that [`crate::network::json_to_array`] gives the same JSON.

use crate::array::Array;
use crate::error::{Error, Result};
use crate::registry::relabel;
use serde::de::{
    DeserializeSeed, Deserializer, Error as DeError, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use std::fmt;

/// One value of a section, read into an array named by its JSON path.
pub(super) struct ArraySeed<'p>(pub(super) &'p str);

impl<'de> DeserializeSeed<'de> for ArraySeed<'_> {
    type Value = Result<Array>;

    fn deserialize<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Result<Array>, D::Error> {
        let mut flat = Flat::default();
        Node {
            flat: &mut flat,
            depth: 0,
        }
        .deserialize(d)?;
        Ok(flat.finish(self.0))
    }
}

/// Why a value is not an array, as [`crate::network::json_to_array`] says it.
enum Failure {
    Ragged,
    Foreign,
    NonFinite { index: usize, value: f64 },
}

impl Failure {
    fn at(self, path: &str) -> Error {
        match self {
            Failure::Ragged => Error::invalid(path, "ragged nested list"),
            Failure::Foreign => {
                Error::invalid(path, "values must be numbers or nested lists of numbers")
            }
            Failure::NonFinite { index, value } => Error::NonFinite {
                path: path.into(),
                index,
                value,
            },
        }
    }
}

/// A value's numbers in the text's order, and the first check that
/// [`crate::network::json_to_array`] would fail on it.
///
/// `json_to_array` takes the shape from the lengths of the first items' lists (`[[1, 2],
/// [3, 4]]`: the outer list, then its first item), then visits the value in the text's
/// order, checking each list's length at the list and each number's depth at the number,
/// and stops at the first failure. Here those lists are the first ones opened (before
/// any number or any list closes), each length is known when its list closes (before any
/// other list of its depth closes), and a failure is kept when it comes before the one
/// kept: by the order in which its list or number began, which is the order of the checks.
#[derive(Default)]
struct Flat {
    data: Vec<f64>,
    /// The lengths of the first items' lists, by depth, each once its list has closed.
    shape: Vec<usize>,
    /// The number (in the text's order) of the first items' list at each depth.
    first_lists: Vec<usize>,
    /// The depth of the numbers (the shape's length), once the first items' lists end.
    number_depth: Option<usize>,
    /// Lists and items begun so far.
    begun: usize,
    /// The first failing check: the number of the list or item it checks, and why.
    failed: Option<(usize, Failure)>,
}

impl Flat {
    fn begin(&mut self) -> usize {
        self.begun += 1;
        self.begun - 1
    }

    fn fail(&mut self, at: usize, failure: Failure) {
        if self.failed.as_ref().is_none_or(|(first, _)| at < *first) {
            self.failed = Some((at, failure));
        }
    }

    /// A list opens at `depth`; returns its number.
    fn open(&mut self, depth: usize) -> usize {
        let n = self.begin();
        if self.number_depth.is_none() {
            self.first_lists.push(n);
            self.shape.push(0);
        }
        debug_assert!(self.number_depth.is_some() || self.first_lists.len() == depth + 1);
        n
    }

    /// List number `n` at `depth` closes after `len` items.
    fn close(&mut self, depth: usize, n: usize, len: usize) {
        if self.first_lists.get(depth) == Some(&n) {
            self.shape[depth] = len;
            // The first items' lists end with an empty one: the numbers would be one deeper.
            self.number_depth.get_or_insert(depth + 1);
        } else if self.shape.get(depth) != Some(&len) {
            // Deeper than the first items' lists (no length there), or another length.
            self.fail(n, Failure::Ragged);
        }
    }

    /// An item that is not a list at `depth`: a number (`true` and `false` as 1 and 0), or
    /// `None` for anything else.
    fn item(&mut self, depth: usize, value: Option<f64>) {
        let n = self.begin();
        let number_depth = *self.number_depth.get_or_insert(depth);
        match value {
            None => self.fail(n, Failure::Foreign),
            Some(_) if depth != number_depth => self.fail(n, Failure::Ragged),
            Some(value) if !value.is_finite() => {
                let index = self.data.len();
                self.fail(n, Failure::NonFinite { index, value });
            }
            Some(x) => self.data.push(x),
        }
    }

    fn finish(self, path: &str) -> Result<Array> {
        match self.failed {
            Some((_, failure)) => Err(failure.at(path)),
            None => Array::from_shape_vec(self.shape, self.data).map_err(|e| relabel(e, path)),
        }
    }
}

/// A list or item at `depth` of a value being flattened.
struct Node<'f> {
    flat: &'f mut Flat,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number or a nested list of numbers")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        let n = self.flat.open(self.depth);
        let mut len = 0;
        while seq
            .next_element_seed(Node {
                flat: &mut *self.flat,
                depth: self.depth + 1,
            })?
            .is_some()
        {
            len += 1;
        }
        self.flat.close(self.depth, n, len);
        Ok(())
    }

    fn visit_f64<E: DeError>(self, x: f64) -> std::result::Result<(), E> {
        self.flat.item(self.depth, Some(x));
        Ok(())
    }

    fn visit_u64<E: DeError>(self, x: u64) -> std::result::Result<(), E> {
        self.visit_f64(x as f64)
    }

    fn visit_i64<E: DeError>(self, x: i64) -> std::result::Result<(), E> {
        self.visit_f64(x as f64)
    }

    fn visit_bool<E: DeError>(self, b: bool) -> std::result::Result<(), E> {
        self.visit_f64(if b { 1.0 } else { 0.0 })
    }

    fn visit_str<E: DeError>(self, _: &str) -> std::result::Result<(), E> {
        self.flat.item(self.depth, None);
        Ok(())
    }

    fn visit_unit<E: DeError>(self) -> std::result::Result<(), E> {
        self.flat.item(self.depth, None);
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        self.flat.item(self.depth, None);
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    }
}
