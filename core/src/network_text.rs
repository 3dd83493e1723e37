//! Reading a network file's text in one pass.
//!
//! The module entries become `serde_json` values, as [`crate::registry::Registry::read_json`]
//! reads them, except the values listed under `parameters` and `simulation_parameters`:
//! their numbers go straight into flat arrays while the text is parsed, without a
//! `serde_json::Value` for each number (32 bytes each: `littoral inspect` of a 100 MB
//! network file took 390 ms and 261 MB with them, 318 ms and 166 MB without; see
//! `docs/performance.md`, "Reading network files"). Deeply nested text is refused by
//! `serde_json`'s own recursion limit, as before.
//!
//! So do the `indptr` and `indices` of an option that is an object (a sparse matrix's
//! structure, millions of integers in a large network), as integer lists: read from their
//! text when they hold nothing but plain non-negative integers, item by item through
//! `serde_json` otherwise (see [`parse`]). The values' reader is [`arrays`], the lists'
//! [`lists`].
//!
//! Each such array or list, or what is wrong with it, is kept under its JSON path
//! (`modules[1].parameters.weight`) and the tree holds `null` in its place;
//! [`crate::registry::FileEntry::apply_values`] takes it where it would have read the
//! value. An array gets the shape, the bits and the error that
//! [`crate::network::json_to_array`] gives the same JSON (a tested property).

mod arrays;
mod lists;

use crate::array::Array;
use crate::error::{Error, Result};
use crate::network::Integers;
use crate::registry::{item_path, key_path};
use arrays::ArraySeed;
use lists::{ListSeed, Listed, plain_integers};
use serde::de::{
    DeserializeSeed, Deserializer, Error as DeError, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::value::RawValue;
use serde_json::{Map, Value as Json};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

/// The arrays of the values a network file's text gives, and the integer lists of its
/// structured options, by JSON path; each is taken once.
#[derive(Debug, Default)]
pub(crate) struct ParsedValues(RefCell<Collected>);

impl ParsedValues {
    /// The array (or its error) of the value at `path`, if the text gave one there.
    pub(crate) fn take(&self, path: &str) -> Option<Result<Array>> {
        self.0.borrow_mut().arrays.remove(path)
    }

    /// The integer list (or its error) at `path` (`options.w_rec.indices`), if the text
    /// gave one there.
    pub(crate) fn take_list(&self, path: &str) -> Option<Result<Integers>> {
        self.0.borrow_mut().lists.remove(path)
    }
}

/// What the reader collects while it parses, by JSON path.
#[derive(Debug, Default)]
struct Collected {
    arrays: HashMap<String, Result<Array>>,
    lists: HashMap<String, Result<Integers>>,
    /// How integer lists are read.
    lists_read: ListReading,
    /// Whether a list was not plain: [`ListReading::Plain`] kept it as an empty list, and
    /// [`parse`] reads the text again item by item.
    not_plain: bool,
    /// With lists apart ([`parse_apart`]), the paths of the lists written as `null`, in
    /// the order of the text; otherwise `None`, and a `null` list is not a list.
    apart: Option<Vec<String>>,
}

/// How the reader reads the integer lists of a structured option.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum ListReading {
    /// Item by item through `serde_json` ([`ListSeed`]): every list, every error.
    #[default]
    ItemByItem,
    /// As text ([`plain_integers`]), when the list holds nothing but non-negative
    /// integers: no visitor call and no `serde_json` value per item, and the list
    /// allocated once, for the millions of `indices` a large network's snapshot holds
    /// (`docs/performance-record.md`, "Twenty-sixth round").
    Plain,
}

/// Parse the text of a network file: its tree with `null` in place of each value of a
/// `parameters` or `simulation_parameters` object, and those values as arrays.
///
/// Integer lists are first read as plain text ([`ListReading::Plain`]); when one is not
/// plain, or the text has an error anywhere, the text is read again item by item, so
/// every result and every error is the item-by-item reader's (a broken file is read
/// twice, a valid one once).
///
/// # Errors
/// Text that is not JSON (or has anything after it), as `serde_json` words it.
pub(crate) fn parse(text: &str) -> serde_json::Result<(Json, ParsedValues)> {
    let (tree, values) = parse_twice(text, false)?;
    Ok((tree, ParsedValues(RefCell::new(values))))
}

/// [`parse`] of a text written with its structures' lists apart
/// ([`crate::network::to_json_compact_apart`]): each `indptr` and `indices` written as
/// `null` takes the next of `lists`, in the order of the text; a list written out is read
/// as [`parse`] reads it.
///
/// # Errors
/// As [`parse`] (as an invalid `network`); a number of lists other than the text's
/// `null` lists.
pub(crate) fn parse_apart(text: &str, lists: Vec<Integers>) -> Result<(Json, ParsedValues)> {
    let (tree, mut values) = parse_twice(text, true).map_err(invalid_json)?;
    let paths = values.apart.take().unwrap_or_default();
    if paths.len() != lists.len() {
        return Err(Error::invalid(
            "network",
            format!(
                "the description leaves {} structure list(s) apart, and {} are given",
                paths.len(),
                lists.len()
            ),
        ));
    }
    for (path, list) in paths.into_iter().zip(lists) {
        values.lists.insert(path, Ok(list));
    }
    Ok((tree, ParsedValues(RefCell::new(values))))
}

/// A text that is not JSON, as the reader of a network file says it.
pub(crate) fn invalid_json(e: serde_json::Error) -> Error {
    Error::invalid("network", format!("invalid JSON: {e}"))
}

/// The text read with its lists as plain text, and again item by item when one is not
/// plain or the text has an error anywhere.
fn parse_twice(text: &str, apart: bool) -> serde_json::Result<(Json, Collected)> {
    match parse_with(text, ListReading::Plain, apart) {
        Ok(parsed) if !parsed.1.not_plain => Ok(parsed),
        _ => parse_with(text, ListReading::ItemByItem, apart),
    }
}

fn parse_with(
    text: &str,
    lists_read: ListReading,
    apart: bool,
) -> serde_json::Result<(Json, Collected)> {
    let mut values = Collected {
        lists_read,
        apart: apart.then(Vec::new),
        ..Collected::default()
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let tree = Part {
        kind: PartKind::Entry,
        path: String::new(),
        values: &mut values,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok((tree, values))
}

/// What a part of the text is expected to be.
#[derive(Clone, Copy)]
enum PartKind {
    /// A module entry (an object).
    Entry,
    /// A `parameters` or `simulation_parameters` object: name → value.
    Section,
    /// A `modules` list of entries.
    Modules,
    /// An `options` object: name → option (see [`OptionSeed`]).
    Options,
}

/// A part of a network file's text at JSON path `path`. What is not of the expected kind
/// is checked as JSON and kept as `null`: the registry refuses it as it refuses any value
/// of the wrong kind there (a module must be an object, `modules` a list, a section an
/// object).
struct Part<'v> {
    kind: PartKind,
    path: String,
    values: &'v mut Collected,
}

impl<'de> DeserializeSeed<'de> for Part<'_> {
    type Value = Json;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Json, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Part<'_> {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a network file's JSON")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Json, A::Error> {
        let mut object = Map::new();
        match self.kind {
            PartKind::Entry => {
                while let Some(key) = map.next_key::<String>()? {
                    let kind = match key.as_str() {
                        "parameters" | "simulation_parameters" => PartKind::Section,
                        "modules" => PartKind::Modules,
                        "options" => PartKind::Options,
                        _ => {
                            object.insert(key, map.next_value::<Json>()?);
                            continue;
                        }
                    };
                    let value = map.next_value_seed(Part {
                        kind,
                        path: key_path(&self.path, &key),
                        values: &mut *self.values,
                    })?;
                    object.insert(key, value);
                }
            }
            PartKind::Section => {
                while let Some(name) = map.next_key::<String>()? {
                    let path = key_path(&self.path, &name);
                    let array = map.next_value_seed(ArraySeed(&path))?;
                    self.values.arrays.insert(path, array);
                    object.insert(name, Json::Null);
                }
            }
            PartKind::Options => {
                while let Some(name) = map.next_key::<String>()? {
                    let option = map.next_value_seed(OptionSeed {
                        path: key_path(&self.path, &name),
                        values: &mut *self.values,
                    })?;
                    object.insert(name, option);
                }
            }
            PartKind::Modules => {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                return Ok(Json::Null);
            }
        }
        Ok(Json::Object(object))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Json, A::Error> {
        if !matches!(self.kind, PartKind::Modules) {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(Json::Null);
        }
        let mut entries = Vec::new();
        while let Some(entry) = seq.next_element_seed(Part {
            kind: PartKind::Entry,
            path: item_path(&self.path, entries.len()),
            values: &mut *self.values,
        })? {
            entries.push(entry);
        }
        Ok(Json::Array(entries))
    }

    fn visit_bool<E: DeError>(self, _: bool) -> std::result::Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_i64<E: DeError>(self, _: i64) -> std::result::Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_u64<E: DeError>(self, _: u64) -> std::result::Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_f64<E: DeError>(self, _: f64) -> std::result::Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_str<E: DeError>(self, _: &str) -> std::result::Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_unit<E: DeError>(self) -> std::result::Result<Json, E> {
        Ok(Json::Null)
    }
}

/// One option at JSON path `path`, as `serde_json` reads it, except that an object's
/// `indptr` and `indices` (a sparse matrix's structure: a large network's millions of
/// integers) go straight into integer lists, with `null` left in their place.
struct OptionSeed<'v> {
    path: String,
    values: &'v mut Collected,
}

impl<'de> DeserializeSeed<'de> for OptionSeed<'_> {
    type Value = Json;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Json, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for OptionSeed<'_> {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an option's JSON")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Json, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = match key.as_str() {
                "indptr" | "indices" => {
                    let path = key_path(&self.path, &key);
                    let apart = self.values.apart.is_some();
                    let list = match self.values.lists_read {
                        ListReading::ItemByItem => {
                            map.next_value_seed(ListSeed { path: &path, apart })?
                        }
                        ListReading::Plain => {
                            let raw: &'de RawValue = map.next_value()?;
                            if apart && raw.get() == "null" {
                                Listed::Apart
                            } else {
                                let list = plain_integers(raw.get());
                                self.values.not_plain |= list.is_none();
                                Listed::Read(Ok(list.unwrap_or_default()))
                            }
                        }
                    };
                    match list {
                        Listed::Apart => self.values.apart.get_or_insert_default().push(path),
                        Listed::Read(list) => {
                            self.values.lists.insert(path, list);
                        }
                    }
                    Json::Null
                }
                _ => map.next_value::<Json>()?,
            };
            object.insert(key, value);
        }
        Ok(Json::Object(object))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Json>()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_bool<E: DeError>(self, b: bool) -> std::result::Result<Json, E> {
        Ok(Json::Bool(b))
    }

    fn visit_i64<E: DeError>(self, x: i64) -> std::result::Result<Json, E> {
        Ok(Json::from(x))
    }

    fn visit_u64<E: DeError>(self, x: u64) -> std::result::Result<Json, E> {
        Ok(Json::from(x))
    }

    fn visit_f64<E: DeError>(self, x: f64) -> std::result::Result<Json, E> {
        Ok(Json::from(x))
    }

    fn visit_str<E: DeError>(self, s: &str) -> std::result::Result<Json, E> {
        Ok(Json::String(s.to_owned()))
    }

    fn visit_unit<E: DeError>(self) -> std::result::Result<Json, E> {
        Ok(Json::Null)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]
    use super::*;
    use crate::network::json_to_array;
    use proptest::prelude::*;

    /// The array the one-pass reader makes of a section value's text.
    fn streamed(text: &str) -> Result<Array> {
        let doc = format!(r#"{{"parameters": {{"w": {text}}}}}"#);
        let (_, values) = parse(&doc).map_err(|e| Error::invalid("t", e.to_string()))?;
        values.take("parameters.w").expect("the value was read")
    }

    /// The array `json_to_array` makes of the same text, parsed into a `Value` first.
    fn through_value(text: &str) -> Result<Array> {
        let v: Json = serde_json::from_str(text).map_err(|e| Error::invalid("t", e.to_string()))?;
        json_to_array(&v, "parameters.w")
    }

    fn same(text: &str) -> std::result::Result<(), TestCaseError> {
        match (streamed(text), through_value(text)) {
            (Ok(a), Ok(b)) => {
                prop_assert_eq!(a.shape(), b.shape(), "{}", text);
                let bits = |x: &Array| x.data().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                prop_assert_eq!(bits(&a), bits(&b), "{}", text);
            }
            (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string(), "{}", text),
            (a, b) => prop_assert!(false, "{}: one pass {:?}, through a Value {:?}", text, a, b),
        }
        Ok(())
    }

    /// JSON values of the kinds a section may hold or wrongly hold: numbers written in
    /// every form, booleans, strings, null, objects, and lists of them, nested (often
    /// rectangular, often not).
    fn value() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            4 => any::<f64>().prop_filter("finite", |x| x.is_finite()).prop_map(|x| format!("{x:?}")),
            2 => any::<i64>().prop_map(|x| x.to_string()),
            1 => any::<u64>().prop_map(|x| x.to_string()),
            1 => Just("-0".to_string()),
            1 => Just("-0.0".to_string()),
            1 => Just("18446744073709551616".to_string()),
            1 => any::<bool>().prop_map(|b| b.to_string()),
            1 => Just("null".to_string()),
            1 => Just("\"a\"".to_string()),
            1 => Just(r#"{"x": [1, 2]}"#.to_string()),
        ];
        leaf.prop_recursive(4, 64, 4, |inner| {
            prop_oneof![
                // Any list of any items.
                prop::collection::vec(inner.clone(), 0..4)
                    .prop_map(|items| format!("[{}]", items.join(", "))),
                // The same item repeated: rectangular when the item is.
                (inner, 0usize..4).prop_map(|(item, n)| format!("[{}]", vec![item; n].join(", "))),
            ]
        })
    }

    /// A rectangular nested list of numbers of a random shape.
    fn rectangular() -> impl Strategy<Value = String> {
        prop::collection::vec(0usize..4, 0..4).prop_flat_map(|shape| {
            let n = shape.iter().product::<usize>();
            prop::collection::vec(any::<f64>().prop_filter("finite", |x| x.is_finite()), n)
                .prop_map(move |data| nest(&shape, &data))
        })
    }

    fn nest(shape: &[usize], data: &[f64]) -> String {
        match shape.split_first() {
            None => format!("{:?}", data[0]),
            Some((&n, rest)) => {
                let step = rest.iter().product::<usize>();
                let items: Vec<String> = (0..n)
                    .map(|i| nest(rest, &data[i * step..(i + 1) * step]))
                    .collect();
                format!("[{}]", items.join(", "))
            }
        }
    }

    proptest! {
        // Each case takes microseconds: many, for the rarer orders of failures.
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn one_pass_gives_what_json_to_array_gives(text in value()) {
            same(&text)?;
        }

        #[test]
        fn rectangular_lists_give_the_same_arrays(text in rectangular()) {
            prop_assert!(streamed(&text).is_ok(), "{}", text);
            same(&text)?;
        }
    }

    /// The integer list the one-pass reader makes of an option's `indices` text, against
    /// `integer_list` of the same text parsed into a `Value`.
    fn same_list(text: &str) -> std::result::Result<(), TestCaseError> {
        let doc = format!(r#"{{"options": {{"w": {{"indices": {text}}}}}}}"#);
        let (tree, values) = parse(&doc).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&tree["options"]["w"]["indices"], &Json::Null);
        let streamed = values
            .take_list("options.w.indices")
            .expect("the list was read");
        let v: Json = serde_json::from_str(text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let through_value = crate::network::integer_list(Some(&v), "options.w.indices");
        match (streamed, through_value) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b, "{}", text),
            (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string(), "{}", text),
            (a, b) => prop_assert!(false, "{}: one pass {:?}, through a Value {:?}", text, a, b),
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn integer_lists_are_read_as_integer_list_reads_them(text in value()) {
            same_list(&text)?;
        }

        #[test]
        fn lists_of_integers_are_read_whole(list in prop::collection::vec(any::<u64>(), 0..50)) {
            let text = format!("{list:?}");
            same_list(&text)?;
        }

        #[test]
        fn plain_lists_are_read_in_any_layout(
            items in prop::collection::vec(
                (prop_oneof![0..100_000u64, 0..10_000_000_000_000_000_000u64], blanks(), blanks()),
                0..40,
            ),
            around in (blanks(), blanks()),
        ) {
            let items: Vec<String> = items
                .iter()
                .map(|(x, before, after)| format!("{before}{x}{after}"))
                .collect();
            let text = format!("[{}{}{}]", around.0, items.join(","), around.1);
            prop_assert!(plain_integers(&text).is_some(), "{}", text);
            same_list(&text)?;
        }

        #[test]
        fn a_plain_reading_and_an_item_by_item_one_agree(text in value()) {
            let doc = format!(r#"{{"options": {{"w": {{"indptr": [0, 2], "indices": {text}}}}}}}"#);
            let item_by_item = parse_with(&doc, ListReading::ItemByItem, false)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let plain = parse_with(&doc, ListReading::Plain, false)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&plain.0, &item_by_item.0);
            if !plain.1.not_plain {
                let lists = |c: &Collected| {
                    let mut l: Vec<_> = c.lists.iter().map(|(k, v)| (k.clone(), v.as_ref().ok().cloned())).collect();
                    l.sort_by(|a, b| a.0.cmp(&b.0));
                    l
                };
                prop_assert_eq!(lists(&plain.1), lists(&item_by_item.1), "{}", text);
            }
        }
    }

    /// JSON whitespace, often none.
    fn blanks() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => Just(String::new()),
            1 => prop::collection::vec(prop::sample::select(vec![' ', '\n', '\r', '\t']), 1..4)
                .prop_map(|b| b.into_iter().collect()),
        ]
    }

    #[test]
    fn a_broken_text_gives_the_item_by_item_readers_error() {
        for text in [
            r#"{"options": {"w": {"indices": [1, 2}}}"#,
            r#"{"options": {"w": {"indices": [1, 2]}}, "modules": [}"#,
            r#"{"options": {"w": {"indices": [-1]}}, "x": }"#,
            r#"{"options": {"w": {"indices": [1, 2]}}} trailing"#,
        ] {
            let plain = parse(text).map(|_| ()).map_err(|e| e.to_string());
            let item_by_item = parse_with(text, ListReading::ItemByItem, false)
                .map(|_| ())
                .map_err(|e| e.to_string());
            assert!(plain.is_err(), "{text}");
            assert_eq!(plain, item_by_item, "{text}");
        }
    }

    #[test]
    fn lists_apart_take_the_place_of_their_nulls_in_order() {
        let text = r#"{"modules": [{"options": {"w": {"indices": null, "indptr": null}}},
            {"options": {"v": {"indices": [5], "indptr": null}}}]}"#;
        let given = || {
            vec![
                Integers::Narrow(vec![1]),
                Integers::Narrow(vec![2]),
                Integers::Wide(vec![1 << 40]),
            ]
        };
        // Read as plain text, and item by item (a list that is not plain).
        for text in [text.to_string(), text.replace("[5]", "[5, -1]")] {
            let (_, values) = parse_apart(&text, given()).expect("three lists apart");
            let list = |path: &str| values.take_list(path).expect(path);
            let read = |path: &str| list(path).expect(path).into_u64();
            assert_eq!(read("modules[0].options.w.indices"), [1]);
            assert_eq!(read("modules[0].options.w.indptr"), [2]);
            assert_eq!(read("modules[1].options.v.indptr"), [1 << 40]);
            let written_out = list("modules[1].options.v.indices");
            assert_eq!(written_out.is_ok(), !text.contains("-1"), "{text}");
        }
        for n in [0, 2, 4] {
            let mut lists = given();
            lists.resize(n, Integers::default());
            let e = parse_apart(text, lists).expect_err("another number of lists");
            let want = format!("leaves 3 structure list(s) apart, and {n} are given");
            assert!(e.to_string().contains(&want), "{e}");
        }
        // Without lists apart, `null` is not a list.
        let (_, values) = parse(text).expect("valid JSON");
        let e = values
            .take_list("modules[0].options.w.indices")
            .expect("read")
            .expect_err("null");
        assert!(e.to_string().contains("not a list"), "{e}");
    }

    #[test]
    fn options_keep_their_json_but_a_matrix_structure() {
        let text = r#"{"options": {"has_rec": true, "reset": "to_value", "n": 3, "x": [1, 2.5, null],
            "w_rec": {"shape": [2, 2], "indptr": [0, 1, 2], "indices": [1, 0], "data": [0.5, -1]}}}"#;
        let (tree, values) = parse(text).expect("valid JSON");
        let options = &tree["options"];
        assert_eq!(options["has_rec"], true);
        assert_eq!(options["reset"], "to_value");
        assert_eq!(options["n"], 3);
        assert_eq!(options["x"], serde_json::json!([1, 2.5, null]));
        assert_eq!(options["w_rec"]["shape"], serde_json::json!([2, 2]));
        assert_eq!(options["w_rec"]["data"], serde_json::json!([0.5, -1]));
        assert_eq!(options["w_rec"]["indptr"], Json::Null);
        let list = |path: &str| values.take_list(path).expect(path).expect(path);
        assert_eq!(list("options.w_rec.indptr").into_u64(), [0, 1, 2]);
        assert_eq!(list("options.w_rec.indices").into_u64(), [1, 0]);
        assert!(
            values.take_list("options.w_rec.indices").is_none(),
            "taken once"
        );
        for (wrong, message) in [
            (
                r#"{"options": {"w": {"indices": [1, -2]}}}"#,
                "found -2 at position 1",
            ),
            (r#"{"options": {"w": {"indices": 7}}}"#, "not a list"),
        ] {
            let (_, values) = parse(wrong).expect("valid JSON");
            let e = values
                .take_list("options.w.indices")
                .expect(wrong)
                .expect_err(wrong);
            assert!(e.to_string().contains(message), "{wrong}: {e}");
        }
    }

    #[test]
    fn the_checks_come_in_the_order_json_to_array_makes_them()
    -> std::result::Result<(), TestCaseError> {
        // A list of the wrong length before a foreign item inside it; a foreign item
        // before a later ragged list; ragged lists and numbers at every depth.
        for text in [
            r#"[[1, 2], [3, "a", 4]]"#,
            r#"[[1, "a"], [2]]"#,
            "[[1, 2], [3, [4]]]",
            "[[], [1]]",
            "[[[]], [[1]]]",
            "[1, [2]]",
            "[[1], 2]",
            "[true, [false]]",
            r#"[[1, {"x": [[[]]]}], [2, null, 3]]"#,
            "[]",
            "[[]]",
            "7",
            "false",
        ] {
            same(text)?;
        }
        Ok(())
    }

    #[test]
    fn sections_and_modules_are_read_at_their_paths() {
        let text = r#"{"class": "Sequential", "modules": [
            {"class": "A", "parameters": {"w": [[1, 2]], "b": 3}},
            {"class": "B", "simulation_parameters": {"dt": 0.5}, "modules": [{"parameters": {"x": [1]}}]},
            7
        ], "options": {"parameters": {"kept": [1]}}}"#;
        let (tree, values) = parse(text).expect("valid JSON");
        assert_eq!(tree["modules"][0]["parameters"]["w"], Json::Null);
        assert_eq!(tree["modules"][0]["class"], "A");
        assert_eq!(
            tree["modules"][2],
            Json::Null,
            "an entry that is not an object"
        );
        assert_eq!(
            tree["options"]["parameters"]["kept"][0], 1,
            "options are kept as JSON"
        );
        let array = |path: &str| values.take(path).expect(path).expect(path);
        assert_eq!(array("modules[0].parameters.w").shape(), &[1, 2]);
        assert_eq!(array("modules[0].parameters.b").data(), &[3.0]);
        assert_eq!(array("modules[1].simulation_parameters.dt").data(), &[0.5]);
        assert_eq!(array("modules[1].modules[0].parameters.x").data(), &[1.0]);
        assert!(
            values.take("modules[0].parameters.w").is_none(),
            "taken once"
        );
        for wrong in [
            r#"{"parameters": [1]}"#,
            r#"{"modules": {"a": 1}}"#,
            r#"{"parameters": 3}"#,
        ] {
            let (tree, _) = parse(wrong).expect("valid JSON");
            let key = tree
                .as_object()
                .and_then(|o| o.keys().next())
                .cloned()
                .unwrap_or_default();
            assert_eq!(
                tree[&key],
                Json::Null,
                "{wrong}: kept as null, refused by the registry"
            );
        }
    }

    #[test]
    fn text_that_is_not_json_is_refused_as_serde_json_refuses_it() {
        for bad in [
            r#"{"parameters": {"w": [1, 2}}"#,
            r#"{"parameters": {"w": [1e999]}}"#,
            r#"{"class": "A"} trailing"#,
            r#"{"modules": [{"parameters": {"w": [01]}}]}"#,
            "",
        ] {
            let ours = parse(bad).err().map(|e| e.to_string());
            let theirs = serde_json::from_str::<Json>(bad)
                .err()
                .map(|e| e.to_string());
            assert!(ours.is_some(), "{bad}");
            assert_eq!(ours, theirs, "{bad}");
        }
    }
}
