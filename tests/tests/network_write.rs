//! The network writer (`littoral_core::network`) streams its text from the modules and
//! their arrays, with no `serde_json::Value` in between: the pretty and compact texts are
//! exactly serde_json's renderings of the value [`to_json`] describes (keys in
//! `serde_json::Map`'s sorted order, numbers as serde_json writes them).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use littoral_core::network::{
    Integers, array_to_json, describes_as_compact, to_json, to_json_compact, to_json_compact_apart,
    to_json_string,
};
use littoral_core::{Array, ModuleExt};
use littoral_nets::config::from_json_str;
use serde_json::{Value as Json, json};

/// Options of every kind (flags, names, counts, sparse structures), named and default
/// children, nested combinators, Parameters and SimulationParameters.
const NETWORKS: [&str; 5] = [
    r#"{"class": "Sequential", "modules": [
        {"class": "SparseLinear", "shape": [3, 4],
         "options": {"weight": {"indptr": [0, 1, 1, 3], "indices": [1, 0, 3], "data": [0.5, -1, 2e-300]}}},
        {"class": "LIF", "name": "hidden", "shape": [4],
         "options": {"reset": "to_value", "w_rec": {"init": "fixed_probability", "p": 0.5,
                     "seed": 3, "weight": {"normal": [0, 0.1]}}}},
        {"class": "Residual", "name": "skip", "modules": [{"class": "Instant", "shape": [4], "options": {"function": "tanh"}}]},
        {"class": "Delay", "shape": [4], "options": {"buffer_steps": 3}}
    ]}"#,
    r#"{"class": "LIF", "shape": [4, 2], "options": {"has_rec": true},
        "parameters": {"tau_mem": [0.02, 0.05], "threshold": 1e21, "bias": -0.0}}"#,
    r#"{"class": "CubaLIF", "shape": [5], "options": {"w_rec": {"init": "fixed_in_degree",
        "k": 2, "seed": 1, "weight": {"uniform": [-1, 1]}}}}"#,
    r#"{"class": "Rate", "shape": [3], "options": {"has_rec": true, "activation_func": "relu"}}"#,
    r#"{"class": "ALIF", "shape": [3]}"#,
];

#[test]
fn the_streamed_text_is_serde_jsons_rendering_of_the_described_value() {
    for text in NETWORKS {
        let m = from_json_str(text).expect(text);
        let tree = m.init(7);
        let value = to_json(m.as_ref(), &tree).unwrap();
        let pretty = to_json_string(m.as_ref(), &tree).unwrap();
        assert_eq!(
            pretty,
            serde_json::to_string_pretty(&value).unwrap(),
            "{text}"
        );
        let compact = to_json_compact(m.as_ref(), &tree).unwrap();
        assert_eq!(compact, serde_json::to_string(&value).unwrap());
        // Compared as written: the text itself, and no other (one byte changed, cut
        // short, one byte more).
        assert!(describes_as_compact(m.as_ref(), &tree, &compact, None).unwrap());
        let mut changed = compact.clone().into_bytes();
        let middle = changed.len() / 2;
        changed[middle] = if changed[middle] == b'1' { b'2' } else { b'1' };
        let changed = String::from_utf8(changed).unwrap();
        for other in [
            &changed,
            &compact[..compact.len() - 1],
            &format!("{compact} "),
        ] {
            assert!(
                !describes_as_compact(m.as_ref(), &tree, other, None).unwrap(),
                "{other}"
            );
        }
        // Written and read back, the network writes the same text again.
        let back = from_json_str(&pretty).unwrap();
        assert_eq!(
            to_json_string(back.as_ref(), &back.init(0)).unwrap(),
            pretty
        );
    }
}

/// Written with its structures' lists apart (a snapshot's description): the compact text
/// with `null` in their place, the lists in the text's order; compared as written, the
/// text and lists and no others; read back with its lists, the same network.
#[test]
fn a_description_with_its_lists_apart_is_the_compact_text_without_them() {
    let registry = littoral_nets::registry();
    let mut sparse_networks = 0;
    for text in NETWORKS {
        let m = from_json_str(text).expect(text);
        let tree = m.init(7);
        let compact = to_json_compact(m.as_ref(), &tree).unwrap();
        let (apart, lists) = to_json_compact_apart(m.as_ref(), &tree).unwrap();
        let mut value: Json = serde_json::from_str(&compact).unwrap();
        let mut taken = Vec::new();
        take_lists(&mut value, &mut taken);
        assert_eq!(apart, serde_json::to_string(&value).unwrap(), "{text}");
        let taken: Vec<Integers> = taken.into_iter().map(|l| l.into_iter().collect()).collect();
        assert_eq!(lists, taken, "{text}");
        let describes = |lists: &[Integers]| {
            describes_as_compact(m.as_ref(), &tree, &apart, Some(lists)).unwrap()
        };
        assert!(describes(&lists), "{text}");
        let back = registry.read_json_str_apart(&apart, lists.clone()).unwrap();
        assert_eq!(to_json_compact(back.as_ref(), &tree).unwrap(), compact);
        if lists.is_empty() {
            assert_eq!(apart, compact);
            continue;
        }
        sparse_networks += 1;
        assert!(!describes(&lists[1..]), "{text}: one list fewer");
        let mut more = lists.clone();
        more.push(Integers::default());
        assert!(!describes(&more), "{text}: one list more");
        let mut changed = lists.clone();
        let last = changed.len() - 1;
        let mut items = changed[last].clone().into_u64();
        items[0] += 1;
        changed[last] = items.into_iter().collect();
        assert!(!describes(&changed), "{text}: an item changed");
        assert!(!describes_as_compact(m.as_ref(), &tree, &apart, None).unwrap());
    }
    assert_eq!(sparse_networks, 2, "the networks with sparse structures");
}

/// Every `indices` and `indptr` of a value's objects replaced by `null`, their lists taken
/// in the order of the compact text (keys sorted).
fn take_lists(value: &mut Json, taken: &mut Vec<Vec<u64>>) {
    match value {
        Json::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key == "indices" || key == "indptr" {
                    let list = v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap());
                    taken.push(list.collect());
                    *v = Json::Null;
                } else {
                    take_lists(v, taken);
                }
            }
        }
        Json::Array(items) => items.iter_mut().for_each(|v| take_lists(v, taken)),
        _ => {}
    }
}

#[test]
fn a_sparse_structure_is_written_as_its_three_lists() {
    let m = from_json_str(NETWORKS[0]).unwrap();
    let value = to_json(m.as_ref(), &m.init(0)).unwrap();
    assert_eq!(
        value["modules"][0]["options"]["weight"],
        json!({"indices": [1, 0, 3], "indptr": [0, 1, 1, 3], "shape": [3, 4]})
    );
    assert_eq!(
        value["modules"][0]["parameters"]["weight"],
        json!([0.5, -1.0, 2e-300])
    );
    assert_eq!(value["modules"][1]["name"], json!("hidden"));
    assert_eq!(value["modules"][3]["options"]["buffer_steps"], json!(3));
}

#[test]
fn arrays_are_numbers_or_nested_lists_and_non_finite_numbers_null() {
    let array = |shape: Vec<usize>, data: Vec<f64>| Array::from_shape_vec(shape, data).unwrap();
    let cases: [(Array, Json); 5] = [
        (array(vec![], vec![1.5]), json!(1.5)),
        (array(vec![0], vec![]), json!([])),
        (array(vec![2, 0], vec![]), json!([[], []])),
        (
            array(vec![2, 1, 2], vec![1.0, -0.0, 3.0, 4.0]),
            json!([[[1.0, -0.0]], [[3.0, 4.0]]]),
        ),
        (
            array(vec![3], vec![f64::NAN, f64::INFINITY, 0.1]),
            json!([null, null, 0.1]),
        ),
    ];
    for (a, want) in cases {
        let got = array_to_json(&a);
        assert_eq!(got, want);
        // `-0.0` keeps its sign (`Json`'s equality would not tell).
        assert_eq!(got.to_string(), want.to_string());
    }
}

/// A module of zero neurons or channels that reads is written as a network that reads
/// back and writes the same text, for every registered class (found by the `evolve` fuzz
/// target: a `LIF` read from `[0]` was written as `(0, 0)`, which did not read, so a
/// snapshot of it could not be resumed).
#[test]
fn every_empty_module_that_reads_is_written_as_one_that_reads_back() {
    let registry = littoral_nets::registry();
    let mut read = 0;
    for class in registry.names() {
        for shape in ["[0]", "[0, 0]"] {
            let text = format!(r#"{{"class": "{class}", "shape": {shape}}}"#);
            let Ok(m) = from_json_str(&text) else {
                continue;
            };
            read += 1;
            let written = to_json_string(m.as_ref(), &m.init(0)).unwrap();
            let back =
                from_json_str(&written).unwrap_or_else(|e| panic!("{text} → {written}: {e}"));
            assert_eq!(
                to_json_string(back.as_ref(), &back.init(0)).unwrap(),
                written,
                "{text}"
            );
        }
    }
    assert!(read >= 10, "only {read} empty modules read");
}
