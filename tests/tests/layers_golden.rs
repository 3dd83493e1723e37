//! NIR's layers `Threshold`, `Scale` and `Delay` against the golden files of
//! `tests/golden/models/` (an independent numpy reference, `tests/golden/gen_models.py`):
//! the outputs bit for bit (each is one comparison, one product or a copy per element).
//! Each module is built from a network-file entry through the registry. Also: `f32`,
//! bit-identical batch chunking, thread counts and time splits, snapshots and written
//! files mid-delay, sweeps of the delay, and errors for bad parameters.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::round_trip::{through_network_file, through_snapshot};
use littoral::functional::{ParOptions, Sweep, SweepOptions, evolve_par, run_sweep};
use littoral_core::{Array, Error, Leaf, Module, ModuleExt, Tree, TreeExt, tree_bits_eq};
use littoral_tests::{model_docs, table};
use serde_json::{Value as Json, json};
use std::num::NonZeroUsize;
use std::sync::Arc;

const LAYERS: &[&str] = &["Threshold", "Scale", "Delay"];

struct Case {
    name: String,
    doc: Json,
}

impl Case {
    fn model(&self) -> &str {
        self.doc["model"].as_str().unwrap()
    }
}

fn cases() -> Vec<Case> {
    model_docs()
        .unwrap()
        .into_iter()
        .filter(|(_, doc)| doc["model"].as_str().is_some_and(|m| LAYERS.contains(&m)))
        .map(|(name, doc)| Case { name, doc })
        .collect()
}

/// The case's network-file entry (NIR's parameter names, as the golden file has them).
fn entry(case: &Case, options: Json) -> Json {
    json!({
        "class": case.model(),
        "shape": [case.doc["neurons"]],
        "options": options,
        "parameters": case.doc["parameters"],
        "simulation_parameters": {"dt": case.doc["dt"]},
    })
}

fn module(case: &Case, options: Json) -> Arc<dyn Module> {
    littoral_nets::registry()
        .read_json(&entry(case, options), "network")
        .unwrap_or_else(|e| panic!("{}: {e}", case.name))
}

fn with_leaf(tree: &Tree, path: &str, values: Vec<f64>) -> Tree {
    let leaf = tree.get(path).unwrap();
    let shape = leaf.value.as_f64().unwrap().shape().to_vec();
    let mut t = tree.clone();
    t.insert_path(
        path,
        Leaf::f64(
            leaf.kind,
            leaf.family.as_deref(),
            Array::from_shape_vec(shape, values).unwrap(),
        ),
    );
    t
}

#[test]
fn every_layer_matches_the_numpy_reference_bit_for_bit() {
    let cases = cases();
    for layer in LAYERS {
        assert!(
            cases.iter().any(|c| c.model() == *layer),
            "no golden case for {layer}"
        );
    }
    for case in &cases {
        let m = module(case, json!({}));
        assert_eq!(m.class_name(), case.model());
        assert_eq!(m.spiking_output(), case.model() == "Threshold");
        let tree = m.init(0);
        let ev = m
            .evolve(&tree, &tree, &table(&case.doc["input"]).unwrap(), true)
            .unwrap();
        let want = table(&case.doc["output"]).unwrap();
        assert!(
            ev.output
                .bits_eq(&want.clone().reshape(ev.output.shape().to_vec()).unwrap()),
            "{}",
            case.name
        );
        assert!(ev.record.is_empty(), "{}: layers record nothing", case.name);
        if case.model() == "Threshold" {
            assert!(want.data().iter().any(|&z| z > 0.0), "{}", case.name);
        }
    }
}

/// The tie case: inputs equal to the threshold bit for bit do not spike (NIR's strict
/// rule), in `f64` and in `f32`.
#[test]
fn threshold_ties_do_not_spike() {
    let case = cases()
        .into_iter()
        .find(|c| c.name == "threshold_tie")
        .unwrap();
    assert!(!case.doc["ties"].as_array().unwrap().is_empty());
    for precision in ["f64", "f32"] {
        let m = module(&case, json!({ "precision": precision }));
        let tree = m.init(0);
        let ev = m
            .evolve(&tree, &tree, &table(&case.doc["input"]).unwrap(), false)
            .unwrap();
        let n = case.doc["neurons"].as_u64().unwrap() as usize;
        for tie in case.doc["ties"].as_array().unwrap() {
            let (t, j) = (
                tie[0].as_u64().unwrap() as usize,
                tie[1].as_u64().unwrap() as usize,
            );
            assert_eq!(ev.output.data()[t * n + j], 0.0, "{precision} tie {t} {j}");
        }
    }
}

/// `f32` is read from the file, written back, and close to the reference (`Delay` and
/// `Scale` round each value once; `Threshold`'s spikes are the same away from ties).
#[test]
fn f32_is_read_from_the_file_and_close_to_f64() {
    for case in &cases() {
        let m = module(case, json!({"precision": "f32"}));
        let text = littoral_core::network::to_json_string(m.as_ref(), &m.init(0)).unwrap();
        assert!(text.contains("\"f32\""), "{}: {text}", case.name);
        let tree = m.init(0);
        let ev = m
            .evolve(&tree, &tree, &table(&case.doc["input"]).unwrap(), false)
            .unwrap();
        let want = table(&case.doc["output"]).unwrap();
        for (g, w) in ev.output.data().iter().zip(want.data()) {
            assert!(
                (g - w).abs() <= 1e-6 * w.abs().max(1.0),
                "{}: {g} vs {w}",
                case.name
            );
        }
        // f32 is not f64: Scale's products are rounded.
        if case.model() == "Scale" {
            assert!(
                !ev.output
                    .bits_eq(&want.clone().reshape(ev.output.shape().to_vec()).unwrap())
            );
        }
    }
}

/// Batch chunking, thread counts and a split in time (through the Delay's buffer) give the
/// same bits as one call.
#[test]
fn chunks_threads_and_time_splits_give_the_same_bits() {
    for case in &cases() {
        let m = module(case, json!({}));
        let tree = m.init(0);
        let rows = table(&case.doc["input"]).unwrap();
        let (t, n) = (rows.shape()[0], rows.shape()[1]);
        let b = 5;
        let data: Vec<f64> = (0..b)
            .flat_map(|k| rows.data().iter().map(move |v| v * (1.0 + 0.1 * k as f64)))
            .collect();
        let x = Array::from_shape_vec(vec![b, t, n], data.clone()).unwrap();
        let whole = m.evolve(&tree, &tree, &x, false).unwrap();
        for (chunk, threads) in [(1, 1), (2, 2), (3, 2)] {
            let opts = ParOptions {
                record: littoral_core::Recording::Nothing,
                chunk_size: NonZeroUsize::new(chunk),
                threads: Some(threads),
                allow_non_finite_input: false,
            };
            let par = evolve_par(m.as_ref(), &tree, &tree, &x, &opts).unwrap();
            assert!(par.output.bits_eq(&whole.output), "{}", case.name);
            assert!(tree_bits_eq(&par.state, &whole.state), "{}", case.name);
        }
        for split in [1, t / 3, t - 1] {
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
            assert!(tree_bits_eq(&second.state, &whole.state), "{}", case.name);
            let joined: Vec<f64> = (0..b)
                .flat_map(|k| {
                    let a = &first.output.data()[k * split * n..(k + 1) * split * n];
                    let c = &second.output.data()[k * (t - split) * n..(k + 1) * (t - split) * n];
                    a.iter().chain(c).copied().collect::<Vec<_>>()
                })
                .collect();
            let joined = Array::from_shape_vec(vec![b, t, n], joined).unwrap();
            assert!(joined.bits_eq(&whole.output), "{} split {split}", case.name);
        }
    }
}

/// A snapshot taken while values are in the Delay's buffer resumes bit for bit; a written
/// network file keeps `buffer_steps` and the values; both through the built-in registry.
#[test]
fn snapshots_and_written_files_round_trip_mid_delay() {
    let registry = littoral_nets::registry();
    for case in &cases() {
        let n = case.doc["neurons"].as_u64().unwrap() as usize;
        let options = if case.model() == "Delay" {
            json!({"buffer_steps": 20})
        } else {
            json!({})
        };
        let net = registry
            .read_json(
                &json!({"class": "Sequential", "modules": [
                    {"class": "Linear", "shape": [2, n]}, entry(case, options)]}),
                "net",
            )
            .unwrap();
        let tree = net.init(3);
        let x = Array::from_shape_vec(
            vec![2, 30, 2],
            (0..120).map(|i| ((i * 7 % 13) as f64) / 13.0).collect(),
        )
        .unwrap();
        let first = net.evolve(&tree, &tree, &x, false).unwrap();
        let (module, params, state) =
            through_snapshot(&case.name, &registry, net.as_ref(), &tree, &first.state, 30);
        let second = module.evolve(&params, &state, &x, false).unwrap();
        let again = net.evolve(&tree, &first.state, &x, false).unwrap();
        assert!(second.output.bits_eq(&again.output), "{}", case.name);
        assert!(tree_bits_eq(&second.state, &again.state), "{}", case.name);
        if case.model() == "Delay" {
            let text = littoral_core::network::to_json_string(net.as_ref(), &tree).unwrap();
            assert!(text.contains("\"buffer_steps\": 20"), "{text}");
            let buffer = state.array("1_Delay.buffer").unwrap();
            assert_eq!(buffer.shape(), &[2, n, 20]);
            assert!(
                buffer.data().iter().any(|&v| v != 0.0),
                "a buffer in flight"
            );
        }
        let read = through_network_file(&case.name, &registry, net.as_ref(), &tree);
        assert!(tree_bits_eq(
            &read.init(9).parameters(None),
            &tree.parameters(None)
        ));
        assert_eq!(
            read.init(9)
                .state(None)
                .array("1_Delay.buffer")
                .ok()
                .map(|a| a.shape().to_vec()),
            tree.state(None)
                .array("1_Delay.buffer")
                .ok()
                .map(|a| a.shape().to_vec())
        );
    }
}

/// A sweep of the delay within the reserved buffer: each point is the input shifted by
/// its number of steps.
#[test]
fn the_delay_is_sweepable_within_its_buffer() {
    let delay = littoral_nets::Delay::new(1)
        .with_buffer_steps(4)
        .unwrap()
        .with_delay(1e-3)
        .unwrap();
    assert_eq!(delay.buffer_steps(), 4);
    let tree = delay.init(0);
    let x = Array::from_vec((1..=8).map(f64::from).collect());
    let sweep = Sweep::grid().axis("delay", [0.0, 2e-3, 4e-3]);
    let opts = SweepOptions {
        keep_outputs: true,
        ..SweepOptions::default()
    };
    let points = run_sweep(&delay, &tree, &tree, &x, &sweep, &opts).unwrap();
    for (point, d) in points.iter().zip([0usize, 2, 4]) {
        let out = point.evolution.as_ref().unwrap().output.data().to_vec();
        let want: Vec<f64> = (0..8)
            .map(|t| if t < d { 0.0 } else { (t - d + 1) as f64 })
            .collect();
        assert_eq!(out, want, "delay {d} steps");
    }
    let too_long = Sweep::grid().axis("delay", [5e-3]);
    let e = run_sweep(&delay, &tree, &tree, &x, &too_long, &opts).unwrap_err();
    assert!(e.to_string().contains("buffer_steps"), "{e}");
}

/// Bad delays and time steps are errors naming the path (nested too), never a panic.
#[test]
fn bad_parameters_are_errors_naming_the_path() {
    let registry = littoral_nets::registry();
    let net = registry
        .read_json_str(
            r#"{"class": "Sequential", "modules": [
                {"class": "Scale", "shape": [2], "parameters": {"scale": [1.0, 2.0]}},
                {"class": "Delay", "shape": [2], "parameters": {"delay": [0.0, 0.002]}}]}"#,
        )
        .unwrap();
    let tree = net.init(0);
    let x = Array::full(vec![6, 2], 0.5);
    let good = net.evolve(&tree, &tree, &x, false).unwrap();
    assert_eq!(&good.output.data()[..6], &[0.5, 0.0, 0.5, 0.0, 0.5, 1.0]);
    for (bad, says) in [
        (vec![0.0, -0.001], "≥ 0"),
        (vec![0.0, 0.0015], "whole number of steps"),
        (vec![0.003, 0.0], "longer than the buffer"),
        (vec![f64::NAN, 0.0], "NaN"),
    ] {
        let t = with_leaf(&tree, "1_Delay.delay", bad);
        let e: Error = net.evolve(&t, &t, &x, false).unwrap_err();
        assert_eq!(e.path(), "1_Delay.delay", "{e}");
        assert!(e.to_string().contains(says), "{e}");
    }
    for bad in [0.0, -1e-3] {
        let t = with_leaf(&tree, "1_Delay.dt", vec![bad]);
        let e = net.evolve(&t, &t, &x, false).unwrap_err();
        assert_eq!(e.path(), "1_Delay.dt", "{e}");
    }
    // Within the tolerance of a whole number of steps (3e-4 / 1e-4 is not exactly 3).
    let fine = littoral_nets::Delay::new(1)
        .with_dt(1e-4)
        .unwrap()
        .with_delay(3e-4)
        .unwrap();
    assert_eq!(fine.buffer_steps(), 3);
    let t = fine.init(0);
    let out = fine
        .evolve(&t, &t, &Array::from_vec(vec![1.0; 4]), false)
        .unwrap();
    assert_eq!(out.output.data(), &[0.0, 0.0, 0.0, 1.0]);
    // A buffer too large to allocate is refused when the module is built.
    let e = littoral_nets::Delay::new(1000).with_delay(1e9).unwrap_err();
    assert!(e.to_string().contains("limit"), "{e}");
    let e = registry
        .read_json_str(r#"{"class": "Delay", "shape": [2], "options": {"buffer_steps": -1}}"#)
        .unwrap_err();
    assert_eq!(e.path(), "options.buffer_steps", "{e}");
    let e = registry
        .read_json_str(r#"{"class": "Delay", "shape": [2], "options": {"buffer_steps": 1e12}}"#)
        .unwrap_err();
    assert!(e.path().starts_with("options.buffer_steps"), "{e}");
    let e = registry
        .read_json_str(
            r#"{"class": "Threshold", "shape": [2], "parameters": {"threshold": [1, 2, 3]}}"#,
        )
        .unwrap_err();
    assert!(e.path().contains("parameters.threshold"), "{e}");
}
