//! NIR's neuron modules (`LI`, `Integrator`, `IF`, `NirLIF`, `CubaLI`, `CubaLIF`) against the golden files of
//! `tests/golden/models/` (scipy's exact zero-order hold, `tests/golden/gen_models.py`):
//! outputs and every state at every step within 1e-9, spikes exactly. Each module is built
//! from a network-file entry through the registry, so the file format is tested too. Also:
//! bit-identical results over batch chunking, thread counts and time splits, `f32`, and
//! errors for bad parameters.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::round_trip::{through_network_file, through_snapshot};
use littoral::functional::{ParOptions, evolve_par};
use littoral_core::{Array, Error, Kind, Leaf, Module, ModuleExt, Tree, TreeExt, tree_bits_eq};
use littoral_tests::{model_docs, numbers, table};
use serde_json::{Value as Json, json};
use std::num::NonZeroUsize;
use std::sync::Arc;

/// The golden model name → the Littoral class, for every class implemented so far.
const CLASSES: &[(&str, &str)] = &[
    ("LI", "LI"),
    ("I", "Integrator"),
    ("IF", "IF"),
    ("LIF", "NirLIF"),
    ("CubaLI", "CubaLI"),
    ("CubaLIF", "CubaLIF"),
];

/// Which golden model names are spiking.
fn spiking(model: &str) -> bool {
    matches!(model, "IF" | "LIF" | "CubaLIF")
}

struct Case {
    name: String,
    model: String,
    doc: Json,
}

fn cases() -> Vec<Case> {
    model_docs()
        .unwrap()
        .into_iter()
        .filter_map(|(name, doc)| {
            let model = doc["model"].as_str()?.to_string();
            (doc["family"] == "nir" && CLASSES.iter().any(|(m, _)| *m == model)).then_some(Case {
                name,
                model,
                doc,
            })
        })
        .collect()
}

fn class_of(model: &str) -> &'static str {
    CLASSES.iter().find(|(m, _)| *m == model).unwrap().1
}

/// The case's network-file entry.
fn entry(case: &Case, precision: Option<&str>) -> Json {
    let mut e = json!({
        "class": class_of(&case.model),
        "shape": [case.doc["neurons"]],
        "parameters": case.doc["parameters"],
        "simulation_parameters": {"dt": case.doc["dt"]},
    });
    if let Some(p) = precision {
        e["options"] = json!({ "precision": p });
    }
    e
}

fn module(case: &Case, precision: Option<&str>) -> Arc<dyn Module> {
    littoral_nets::registry()
        .read_json(&entry(case, precision), "network")
        .unwrap_or_else(|e| panic!("{}: {e}", case.name))
}

/// The module's tree with the case's initial state.
fn tree(module: &dyn Module, case: &Case) -> Tree {
    let mut tree = module.init(0);
    for (name, values) in case.doc["initial_state"].as_object().unwrap() {
        let values = numbers(values).unwrap();
        let array = Array::from_shape_vec(vec![values.len()], values).unwrap();
        tree.insert_leaf(name.as_str(), Leaf::f64(Kind::State, None, array));
    }
    tree
}

fn assert_close(case: &str, what: &str, got: &Array, want: &Array, tol: f64) {
    assert_eq!(got.len(), want.len(), "{case}: {what} size");
    for (k, (g, w)) in got.data().iter().zip(want.data()).enumerate() {
        assert!(
            (g - w).abs() <= tol * w.abs().max(1.0),
            "{case}: {what}[{k}] = {g}, scipy {w}"
        );
    }
}

#[test]
fn every_nir_neuron_matches_scipys_zero_order_hold() {
    let cases = cases();
    for (model, _) in CLASSES {
        assert!(
            cases.iter().any(|c| c.model == *model),
            "no golden case for {model}"
        );
    }
    for case in &cases {
        let m = module(case, None);
        assert_eq!(m.class_name(), class_of(&case.model));
        assert_eq!(m.spiking_output(), spiking(&case.model));
        let tree = tree(m.as_ref(), case);
        let x = table(&case.doc["input"]).unwrap();
        let ev = m.evolve(&tree, &tree, &x, true).unwrap();
        let want = table(&case.doc["output"]).unwrap();
        if spiking(&case.model) {
            assert_eq!(ev.output.data(), want.data(), "{}: spikes", case.name);
            assert!(
                want.data().iter().any(|&z| z > 0.0),
                "{}: no spikes",
                case.name
            );
        } else {
            assert_close(&case.name, "output", &ev.output, &want, 1e-9);
        }
        let states = case.doc["states"].as_object().unwrap();
        assert!(!states.is_empty());
        for (name, values) in states {
            let want = table(values).unwrap();
            let recorded = ev
                .record
                .get(name)
                .unwrap_or_else(|| panic!("record {name}"));
            assert_close(&case.name, name, recorded, &want, 1e-9);
            let last = ev.state.get(name).unwrap().value.as_f64().unwrap();
            let n = want.shape()[1];
            let final_row = &want.data()[want.len() - n..];
            let final_row = Array::from_shape_vec(vec![n], final_row.to_vec()).unwrap();
            assert_close(&case.name, name, last, &final_row, 1e-9);
        }
    }
}

/// `f32` goes through the same scaffold: the network-file option, and close to `f64`.
#[test]
fn f32_is_read_from_the_file_and_close_to_f64() {
    for case in cases().iter().filter(|c| !spiking(&c.model)) {
        let m = module(case, Some("f32"));
        let text = littoral_core::network::to_json_string(m.as_ref(), &m.init(0)).unwrap();
        assert!(text.contains("f32"), "{}: {text}", case.name);
        let tree = tree(m.as_ref(), case);
        let ev = m
            .evolve(&tree, &tree, &table(&case.doc["input"]).unwrap(), false)
            .unwrap();
        assert_close(
            &case.name,
            "f32 output",
            &ev.output,
            &table(&case.doc["output"]).unwrap(),
            1e-4,
        );
    }
}

/// Batch chunking, thread counts and a split in time give the same bits as one call.
#[test]
fn chunks_threads_and_time_splits_give_the_same_bits() {
    for case in &cases() {
        let m = module(case, None);
        let tree = tree(m.as_ref(), case);
        let rows = table(&case.doc["input"]).unwrap();
        let (t, n) = (rows.shape()[0], rows.shape()[1]);
        let b = 5;
        let data: Vec<f64> = (0..b)
            .flat_map(|k| rows.data().iter().map(move |v| v * (1.0 + 0.1 * k as f64)))
            .collect();
        let x = Array::from_shape_vec(vec![b, t, n], data.clone()).unwrap();
        let whole = m.evolve(&tree, &tree, &x, true).unwrap();
        for (chunk, threads) in [(1, 1), (2, 2), (3, 2), (5, 1)] {
            let opts = ParOptions {
                record: littoral_core::Recording::Everything,
                chunk_size: NonZeroUsize::new(chunk),
                threads: Some(threads),
                allow_non_finite_input: false,
            };
            let par = evolve_par(m.as_ref(), &tree, &tree, &x, &opts).unwrap();
            assert!(
                par.output.bits_eq(&whole.output),
                "{} {chunk} {threads}",
                case.name
            );
            assert!(tree_bits_eq(&par.state, &whole.state), "{}", case.name);
        }
        let split = t / 3;
        let part = |from: usize, to: usize| {
            let d = (0..b)
                .flat_map(|k| data[(k * t + from) * n..(k * t + to) * n].to_vec())
                .collect();
            Array::from_shape_vec(vec![b, to - from, n], d).unwrap()
        };
        let first = m.evolve(&tree, &tree, &part(0, split), false).unwrap();
        let second = m
            .evolve(&tree, &first.state, &part(split, t), false)
            .unwrap();
        assert!(
            tree_bits_eq(&second.state, &whole.state),
            "{}: time split",
            case.name
        );
        let tail = whole
            .output
            .data()
            .chunks(t * n)
            .flat_map(|s| s[split * n..].to_vec());
        assert!(
            second
                .output
                .data()
                .iter()
                .zip(tail)
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "{}: time split output",
            case.name
        );
    }
}

/// A non-positive time constant or `dt` is an error naming the attribute (and, nested, the
/// module's path); NaN is rejected by the parameter check.
#[test]
fn bad_parameters_are_errors_naming_the_path() {
    for case in &cases() {
        let m = module(case, None);
        let good = tree(m.as_ref(), case);
        let x = table(&case.doc["input"]).unwrap();
        let taus: Vec<String> = m
            .attributes()
            .iter()
            .filter(|a| a.family.as_deref() == Some("taus"))
            .map(|a| a.name.clone())
            .chain(["dt".to_string()])
            .collect();
        for name in &taus {
            for bad in [-0.01, 0.0, f64::NAN] {
                let mut t = good.clone();
                let leaf = t.get(name).unwrap();
                let mut values = leaf.value.as_f64().unwrap().as_ref().clone();
                values.data_mut()[0] = bad;
                let kind = leaf.kind;
                t.insert_leaf(
                    name.as_str(),
                    Leaf::f64(kind, leaf.family.as_deref(), values),
                );
                let e: Error = m.evolve(&t, &t, &x, false).unwrap_err();
                assert_eq!(e.path(), name, "{}: {e}", case.name);
            }
        }
        let nested = littoral_nets::registry()
            .read_json(
                &json!({"class": "Sequential", "modules": [entry(case, None)]}),
                "net",
            )
            .unwrap();
        let mut t = nested.init(0);
        let path = format!("0_{}.{}", class_of(&case.model), taus[0]);
        let leaf = t.get(&path).unwrap().clone();
        let mut values = leaf.value.as_f64().unwrap().as_ref().clone();
        values.data_mut()[0] = -1.0;
        t.insert_path(&path, Leaf::f64(leaf.kind, leaf.family.as_deref(), values));
        let x = Array::full(vec![4, nested.size_in()], 0.1);
        let e = nested.evolve(&t, &t, &x, false).unwrap_err();
        assert_eq!(e.path(), path, "{e}");
        assert!(e.to_string().contains("positive"), "{e}");
    }
}

/// Every class goes through a snapshot (restored with the built-in registry, continued bit
/// for bit) and a written network file (read back with the same values), in a
/// `Sequential` behind a `Linear`.
#[test]
fn snapshots_and_written_files_round_trip() {
    let registry = littoral_nets::registry();
    for case in &cases() {
        let n = case.doc["neurons"].as_u64().unwrap() as usize;
        let net = registry
            .read_json(
                &json!({"class": "Sequential", "modules": [
                    {"class": "Linear", "shape": [2, n]}, entry(case, Some("f64"))]}),
                "net",
            )
            .unwrap();
        let tree = net.init(3);
        let x = Array::full(vec![2, 30, 2], 0.8);
        let first = net.evolve(&tree, &tree, &x, false).unwrap();
        let (module, params, state) =
            through_snapshot(&case.name, &registry, net.as_ref(), &tree, &first.state, 30);
        let second = module.evolve(&params, &state, &x, false).unwrap();
        let whole = net
            .evolve(&tree, &tree, &Array::full(vec![2, 60, 2], 0.8), false)
            .unwrap();
        assert!(tree_bits_eq(&second.state, &whole.state), "{}", case.name);
        let again = through_network_file(&case.name, &registry, net.as_ref(), &tree);
        assert!(
            tree_bits_eq(&again.init(9).parameters(None), &tree.parameters(None)),
            "{}",
            case.name
        );
    }
}
