//! Files written by the reference `nir` package (1.0.8, `nets/tests/nir/gen_fixtures.py`)
//! read by Littoral: every dataset h5py sees (`fixtures/expected.json`) is in the typed
//! model with the same numbers, bit for bit, and nothing is left over.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use littoral_nets::nir::{self, FloatType, MetaValue, Metadata, NirGraph, Padding, Primitive};
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/nir/fixtures")
}

fn expected() -> BTreeMap<String, Value> {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// One dataset as h5py read it.
struct Dataset<'a> {
    dtype: &'a str,
    shape: Vec<usize>,
    values: &'a [Value],
}

fn dataset(v: &Value) -> Dataset<'_> {
    Dataset {
        dtype: v["dtype"].as_str().unwrap(),
        shape: v["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect(),
        values: v["values"].as_array().unwrap(),
    }
}

fn ints(d: &Dataset) -> Vec<i64> {
    d.values.iter().map(|v| v.as_i64().unwrap()).collect()
}

/// The integer and string settings of a primitive, as the `nir` package stores them
/// (flattened: a scalar and a one-element array compare equal).
fn settings(p: &Primitive) -> Vec<(&'static str, Value)> {
    let list = |v: &[usize]| Value::from(v.iter().map(|&x| x as i64).collect::<Vec<_>>());
    let pad = |p: &Padding| match p {
        Padding::Same => Value::from(vec!["same"]),
        Padding::Valid => Value::from(vec!["valid"]),
        Padding::Explicit(v) => list(v),
    };
    match p {
        Primitive::Input { shape } | Primitive::Output { shape } => vec![("shape", list(shape))],
        Primitive::Flatten {
            start_dim,
            end_dim,
            input_type,
        } => {
            let mut v = vec![
                ("start_dim", Value::from(vec![*start_dim])),
                ("end_dim", Value::from(vec![*end_dim])),
            ];
            if let Some(t) = input_type {
                v.push(("input_type", list(t)));
            }
            v
        }
        Primitive::Conv1d(c) => vec![
            ("input_shape", list(&[c.input_shape.unwrap()])),
            ("stride", list(&[c.stride])),
            ("padding", pad(&c.padding)),
            ("dilation", list(&[c.dilation])),
            ("groups", list(&[c.groups])),
        ],
        Primitive::Conv2d(c) => vec![
            ("input_shape", list(&c.input_shape.unwrap())),
            ("stride", list(&c.stride)),
            ("padding", pad(&c.padding)),
            ("dilation", list(&c.dilation)),
            ("groups", list(&[c.groups])),
        ],
        Primitive::SumPool2d(q) | Primitive::AvgPool2d(q) => vec![
            ("kernel_size", list(&q.kernel_size)),
            ("stride", list(&q.stride)),
            ("padding", list(&q.padding)),
        ],
        _ => vec![],
    }
}

fn check_metadata(loc: &str, meta: &Metadata, expected: &Value) {
    let exp = expected.as_object().unwrap();
    assert_eq!(meta.len(), exp.len(), "{loc}: metadata keys");
    for (key, value) in exp {
        let d = dataset(value);
        match &meta[key] {
            MetaValue::Text { shape, values } => {
                assert_eq!(d.dtype, "str", "{loc}.{key}");
                assert_eq!(*shape, d.shape, "{loc}.{key}");
                let exp: Vec<&str> = d.values.iter().map(|v| v.as_str().unwrap()).collect();
                assert_eq!(*values, exp, "{loc}.{key}");
            }
            MetaValue::Int { shape, values } => {
                assert_eq!(*shape, d.shape, "{loc}.{key}");
                assert_eq!(*values, ints(&d), "{loc}.{key}");
            }
            MetaValue::Float(t) => {
                assert_eq!(t.shape(), d.shape, "{loc}.{key}");
                let exp: Vec<f64> = d.values.iter().map(|v| v.as_f64().unwrap()).collect();
                assert_eq!(t.values(), exp, "{loc}.{key}");
            }
            MetaValue::Group(_) => panic!("{loc}.{key}: unexpected group"),
        }
    }
}

/// Compare a graph with h5py's view of its group, recursively.
fn check_graph(loc: &str, graph: &NirGraph, expected: &Value) {
    let exp_nodes = expected["nodes"].as_object().unwrap();
    assert_eq!(
        graph.nodes.keys().collect::<Vec<_>>(),
        exp_nodes.keys().collect::<Vec<_>>(),
        "{loc}: node names"
    );
    let edges = dataset(&expected["edges"]);
    let flat: Vec<&str> = graph
        .edges
        .iter()
        .flat_map(|e| [e.source.as_str(), e.target.as_str()])
        .collect();
    let exp_flat: Vec<&str> = edges.values.iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(flat, exp_flat, "{loc}: edges in file order");
    match expected.get("metadata") {
        Some(m) => check_metadata(loc, &graph.metadata, m),
        None => assert!(graph.metadata.is_empty(), "{loc}: metadata"),
    }
    for (name, exp) in exp_nodes {
        let here = format!("{loc}/{name}");
        let node = &graph.nodes[name];
        let exp = exp.as_object().unwrap();
        let ty = dataset(&exp["type"]);
        assert_eq!(
            ty.values[0].as_str().unwrap(),
            node.primitive.type_name(),
            "{here}"
        );
        if let Primitive::Graph(inner) = &node.primitive {
            check_graph(&here, inner, &Value::Object(exp.clone()));
            continue;
        }
        let mut seen = vec!["type".to_string()];
        for (param, t) in node.primitive.tensors() {
            let d = dataset(&exp[param]);
            let dtype = match t.dtype {
                FloatType::F32 => "float32",
                FloatType::F64 => "float64",
            };
            assert_eq!(dtype, d.dtype, "{here}.{param}: dtype");
            assert_eq!(t.shape(), d.shape, "{here}.{param}: shape");
            for (i, (a, b)) in t.values().iter().zip(d.values).enumerate() {
                let b = b.as_f64().unwrap();
                assert_eq!(a.to_bits(), b.to_bits(), "{here}.{param}[{i}]: {a} vs {b}");
            }
            assert_eq!(t.values().len(), d.values.len(), "{here}.{param}");
            seen.push(param.to_string());
        }
        for (key, value) in settings(&node.primitive) {
            let d = dataset(&exp[key]);
            let got: Vec<Value> = d.values.to_vec();
            assert_eq!(Value::from(got), value, "{here}.{key}");
            seen.push(key.to_string());
        }
        match exp.get("metadata") {
            Some(m) => {
                check_metadata(&here, &node.metadata, m);
                seen.push("metadata".into());
            }
            None => assert!(node.metadata.is_empty(), "{here}: metadata"),
        }
        let mut keys: Vec<&String> = exp.keys().collect();
        keys.retain(|k| !seen.contains(k));
        assert!(
            keys.is_empty(),
            "{here}: datasets not in the model: {keys:?}"
        );
    }
}

#[test]
fn every_fixture_reads_with_the_reference_numbers() {
    let expected = expected();
    assert_eq!(expected.len(), 6);
    for (name, exp) in &expected {
        let file = nir::read(fixtures().join(format!("{name}.nir")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(file.version, "1.0.8", "{name}");
        check_graph(name, &file.graph, exp);
    }
}

#[test]
fn fixtures_from_a_consistent_nir_graph_read_without_warnings() {
    for name in [
        "chain_affine_lif",
        "all_neurons",
        "recurrent",
        "nested",
        "conv1d_same",
        "conv2d_pool",
    ] {
        let file = nir::read(fixtures().join(format!("{name}.nir"))).unwrap();
        assert!(file.warnings.is_empty(), "{name}: {:?}", file.warnings);
    }
}

#[test]
fn fixture_shapes_follow_pytorch_arithmetic() {
    let file = nir::read(fixtures().join("conv2d_pool.nir")).unwrap();
    let a = nir::analyse(&file.graph).unwrap();
    // groups 2: the weight (4, 1, 3, 2) takes 2 input channels.
    assert_eq!(a.shapes["conv"].input, Some(vec![2, 9, 10]));
    // H: (9 + 2 - 2 - 1) / 2 + 1 = 5; W: (10 + 4 - 2 - 1) / 1 + 1 = 12.
    assert_eq!(a.shapes["conv"].output, Some(vec![4, 5, 12]));
    assert_eq!(a.shapes["sum"].output, Some(vec![4, 3, 7]));
    assert_eq!(a.shapes["avg"].output, Some(vec![4, 2, 6]));
    assert_eq!(a.shapes["flat"].output, Some(vec![48]));
    assert_eq!(a.shapes["output"].output, Some(vec![3]));

    let file = nir::read(fixtures().join("conv1d_same.nir")).unwrap();
    let a = nir::analyse(&file.graph).unwrap();
    // (11 + 2 - 4 - 1) / 2 + 1 = 5.
    assert_eq!(a.shapes["c1"].output, Some(vec![6, 5]));
    assert_eq!(a.shapes["same"].output, Some(vec![2, 5, 5]));

    let file = nir::read(fixtures().join("recurrent.nir")).unwrap();
    let a = nir::analyse(&file.graph).unwrap();
    assert_eq!(a.back_edges, [nir::Edge::new("rec", "lif")]);
    assert_eq!(a.order, ["input", "fc", "lif", "out", "output", "rec"]);
}
