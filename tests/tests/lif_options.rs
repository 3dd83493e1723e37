//! The Rockpool-family `LIF` options (reset to value, refractory period) and `ALIF`
//! against the golden files of `tests/golden/models/` whose `family` is `"rockpool"`
//! (an independent numpy implementation of `docs/models.md` §3–§4,
//! `tests/golden/gen_models.py`; the option-free cases are checked there against
//! Rockpool 3.1.0 bit for bit, the reset/refractory ones against Brian2 in
//! `models_reference.rs`): spikes exactly, every recorded state at every step within
//! 1e-9. Each module is read from a network-file entry. Also: the option path gives the
//! kernel's bits when the options are neutral, chunking, threads, time splits and
//! snapshots taken mid refractory period are bit-identical, `f32`, and bad input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::round_trip::{through_network_file, through_snapshot};
use littoral::functional::{ParOptions, evolve_par};
use littoral_core::{Array, Kind, Leaf, Module, ModuleExt, Tree, tree_bits_eq};
use littoral_tests::{model_docs, table};
use serde_json::{Value as Json, json};
use std::num::NonZeroUsize;
use std::path::Path;
use std::sync::Arc;

struct Case {
    name: String,
    doc: Json,
}

fn cases() -> Vec<Case> {
    model_docs()
        .unwrap()
        .into_iter()
        .filter(|(_, doc)| doc["family"] == "rockpool")
        .map(|(name, doc)| Case { name, doc })
        .collect()
}

fn refractory(case: &Case) -> f64 {
    case.doc["options"]["refractory"].as_f64().unwrap()
}

/// The case's network-file entry; `force_refractory` lists `refractory` (0 if the case
/// has none), which routes a plain LIF through the option path.
fn entry(case: &Case, precision: &str, force_refractory: bool) -> Json {
    let o = &case.doc["options"];
    let n = case.doc["neurons"].as_u64().unwrap();
    let s = o["n_synapses"].as_u64().unwrap();
    let mut sim = json!({"dt": case.doc["dt"], "max_spikes_per_dt": o["max_spikes_per_dt"]});
    if refractory(case) > 0.0 || force_refractory {
        sim["refractory"] = json!(refractory(case));
    }
    json!({
        "class": case.doc["model"],
        "shape": [n * s, n],
        "options": {"has_rec": o["has_rec"], "reset": o["reset"], "precision": precision},
        "parameters": case.doc["parameters"],
        "simulation_parameters": sim,
    })
}

fn module(case: &Case, precision: &str, force_refractory: bool) -> Arc<dyn Module> {
    littoral_nets::registry()
        .read_json(&entry(case, precision, force_refractory), "network")
        .unwrap_or_else(|e| panic!("{}: {e}", case.name))
}

fn input(case: &Case) -> Array {
    table(&case.doc["input"]).unwrap()
}

fn assert_close(case: &str, what: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{case}: {what} size");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol * w.abs().max(1.0),
            "{case}: {what}[{k}] = {g}, numpy {w}"
        );
    }
}

#[test]
fn every_rockpool_family_case_matches_the_numpy_reference() {
    let cases = cases();
    for name in [
        "lif_reset_to_value",
        "lif_refractory_subtract",
        "lif_refractory_reset_to_value",
        "lif_cuba_like",
        "lif_tie",
        "alif_subtract",
        "alif_reset_to_value_refractory",
    ] {
        assert!(cases.iter().any(|c| c.name == name), "missing {name}");
    }
    for case in &cases {
        for force in [false, true] {
            let m = module(case, "f64", force);
            let tree = m.init(0);
            let ev = m.evolve(&tree, &tree, &input(case), true).unwrap();
            let want = table(&case.doc["output"]).unwrap();
            assert_eq!(ev.output.data(), want.data(), "{}: spikes", case.name);
            assert!(want.data().iter().any(|&z| z > 0.0), "{}", case.name);
            for (name, values) in case.doc["states"].as_object().unwrap() {
                let want = table(values).unwrap();
                let Some(recorded) = ev.record.get(name) else {
                    assert!(
                        name == "refractory_steps" && want.data().iter().all(|&c| c == 0.0),
                        "{}: no record {name}",
                        case.name
                    );
                    continue;
                };
                assert_close(&case.name, name, recorded.data(), want.data(), 1e-9);
                if let Some(last) = ev.state.get(name) {
                    let n = want.shape()[1];
                    let final_row = &want.data()[want.len() - n..];
                    assert_close(
                        &case.name,
                        name,
                        last.value.as_f64().unwrap().data(),
                        final_row,
                        1e-9,
                    );
                }
            }
        }
    }
}

/// A LIF whose options are neutral (`refractory = 0`) steps through the option path and
/// gives the vectorised kernel's bits, with noise and recurrence.
#[test]
fn the_option_path_gives_the_kernels_bits() {
    for s in [1, 2] {
        let plain = littoral_nets::Lif::with_synapses(6 * s, 6)
            .unwrap()
            .with_has_rec(true)
            .with_noise_std(0.2)
            .unwrap()
            .with_threshold([0.3, 0.5, 0.7, 0.9, 1.1, 1.3])
            .unwrap();
        let optioned = plain.clone().with_refractory(0.0).unwrap();
        assert!(optioned.has_options() && !plain.has_options());
        let tree = plain.init(4);
        let otree = optioned.init(4);
        let x = Array::from_shape_vec(
            vec![2, 40, 6 * s],
            (0..2 * 40 * 6 * s)
                .map(|i| 0.6 * ((i * 29 % 13) as f64 / 13.0))
                .collect(),
        )
        .unwrap();
        let a = plain.evolve(&tree, &tree, &x, true).unwrap();
        let b = optioned.evolve(&otree, &otree, &x, true).unwrap();
        assert!(a.output.data().iter().sum::<f64>() > 0.0);
        assert!(a.output.bits_eq(&b.output), "{s} synapses");
        for name in ["vmem", "isyn", "spikes"] {
            let (va, vb) = (a.state.get(name).unwrap(), b.state.get(name).unwrap());
            let (va, vb) = (va.value.as_f64().unwrap(), vb.value.as_f64().unwrap());
            assert!(va.bits_eq(vb), "{name}");
            assert!(
                a.record
                    .get(name)
                    .unwrap()
                    .bits_eq(b.record.get(name).unwrap())
            );
        }
    }
}

/// Batch chunking, thread counts and time splits give the same bits, including splits in
/// the middle of refractory periods; a snapshot taken there resumes bit for bit.
#[test]
fn chunks_threads_splits_and_snapshots_mid_refractory_give_the_same_bits() {
    let registry = littoral_nets::registry();
    for case in cases().iter().filter(|c| refractory(c) > 0.0) {
        let m = module(case, "f64", false);
        let tree = m.init(0);
        let rows = input(case);
        let (t, n) = (rows.shape()[0], rows.shape()[1]);
        let b = 4;
        let data: Vec<f64> = (0..b)
            .flat_map(|k| rows.data().iter().map(move |v| v * (1.0 + 0.15 * k as f64)))
            .collect();
        let x = Array::from_shape_vec(vec![b, t, n], data.clone()).unwrap();
        let whole = m.evolve(&tree, &tree, &x, true).unwrap();
        for (chunk, threads) in [(1, 1), (2, 2), (3, 2)] {
            let opts = ParOptions {
                record: littoral_core::Recording::Everything,
                chunk_size: NonZeroUsize::new(chunk),
                threads: Some(threads),
                allow_non_finite_input: false,
            };
            let par = evolve_par(m.as_ref(), &tree, &tree, &x, &opts).unwrap();
            assert!(par.output.bits_eq(&whole.output), "{}", case.name);
            assert!(tree_bits_eq(&par.state, &whole.state), "{}", case.name);
        }
        let part = |from: usize, to: usize| {
            let d = (0..b)
                .flat_map(|k| data[(k * t + from) * n..(k * t + to) * n].to_vec())
                .collect();
            Array::from_shape_vec(vec![b, to - from, n], d).unwrap()
        };
        // A split where some neuron is in the middle of its refractory period.
        let counters = whole.record.get("refractory_steps").unwrap();
        let width = counters.shape()[2];
        let split = (1..t)
            .find(|&s| {
                counters.data()[(s - 1) * width..s * width]
                    .iter()
                    .any(|&c| c > 1.0)
            })
            .unwrap();
        let first = m.evolve(&tree, &tree, &part(0, split), false).unwrap();
        let (restored, params, state) = through_snapshot(
            &case.name,
            &registry,
            m.as_ref(),
            &tree,
            &first.state,
            split as u64,
        );
        let second = restored
            .evolve(&params, &state, &part(split, t), false)
            .unwrap();
        assert!(
            tree_bits_eq(&second.state, &whole.state),
            "{}: resumed at {split}",
            case.name
        );
        let tail: Vec<u64> = whole
            .output
            .data()
            .chunks(t * width)
            .flat_map(|s| s[split * width..].iter().map(|v| v.to_bits()))
            .collect();
        let got: Vec<u64> = second.output.data().iter().map(|v| v.to_bits()).collect();
        assert_eq!(got, tail, "{}: resumed output", case.name);
        // The written network file reads back to the same module.
        through_network_file(&case.name, &registry, m.as_ref(), &tree);
    }
}

/// `f32` is read from the file and stays close to `f64` over the golden inputs.
#[test]
fn f32_is_close_to_f64() {
    for case in &cases() {
        let m64 = module(case, "f64", false);
        let m32 = module(case, "f32", false);
        let (t64, t32) = (m64.init(0), m32.init(0));
        let a = m64.evolve(&t64, &t64, &input(case), true).unwrap();
        let b = m32.evolve(&t32, &t32, &input(case), true).unwrap();
        let (va, vb) = (a.record.get("vmem").unwrap(), b.record.get("vmem").unwrap());
        // Spike times may move where f32 rounding crosses a threshold: compare the steps
        // before the first difference in output.
        let n = va.shape()[2];
        let first_diff = a
            .output
            .data()
            .chunks(n)
            .zip(b.output.data().chunks(n))
            .position(|(x, y)| x != y)
            .unwrap_or(va.len() / n);
        assert!(
            first_diff > 3,
            "{}: f32 diverges at step {first_diff}",
            case.name
        );
        // f32 rounds every step (ε ≈ 6e-8) and the errors accumulate over ~100 steps.
        assert_close(
            &case.name,
            "f32 vmem",
            &vb.data()[..first_diff * n],
            &va.data()[..first_diff * n],
            1e-4,
        );
    }
}

/// Bad option values: clear errors naming the JSON path, never a panic.
#[test]
fn bad_options_are_errors_naming_the_path() {
    let registry = littoral_nets::registry();
    let bad = [
        (
            json!({"class": "LIF", "shape": [3], "simulation_parameters": {"refractory": -0.001}}),
            "network.simulation_parameters.refractory",
            ">= 0",
        ),
        (
            json!({"class": "LIF", "shape": [3], "parameters": {"v_reset": 0.1}}),
            "network.parameters.v_reset",
            "to_value",
        ),
        (
            json!({"class": "ALIF", "shape": [3], "options": {"reset": "to_zero"}}),
            "network.options.reset",
            "to_value",
        ),
        (
            json!({"class": "ALIF", "shape": [3], "options": {"reset": "to_value"},
                   "parameters": {"v_reset": [0.0, 0.1]}}),
            "network.parameters.v_reset",
            "",
        ),
    ];
    for (net, path, says) in bad {
        let e = registry.read_json(&net, "network").unwrap_err();
        assert_eq!(e.path(), path, "{e}");
        assert!(e.to_string().contains(says), "{e}");
    }
    // A NaN or negative refractory in a tree is an error at evolve, naming it.
    let lif = littoral_nets::Lif::new(2).with_refractory(0.002).unwrap();
    let x = Array::full(vec![3, 2], 0.5);
    for v in [f64::NAN, -1.0] {
        let mut tree: Tree = lif.init(0);
        tree.insert_leaf(
            "refractory",
            Leaf::f64(Kind::SimulationParameter, None, Array::scalar(v)),
        );
        let e = lif.evolve(&tree, &tree, &x, false).unwrap_err();
        assert_eq!(e.path(), "refractory", "{e}");
    }
}

/// Littoral against Brian2 itself (`tests/golden/models_brian2/`, written by
/// `tests/golden/gen_models_brian2.py` with Brian2's refractoriness, thresholder, reset and
/// synapses): the same spikes, the membrane within 1e-12.
#[test]
fn reset_and_refractory_agree_with_brian2() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden/models_brian2");
    let cases = cases();
    for name in [
        "lif_reset_to_value",
        "lif_refractory_reset_to_value",
        "lif_cuba_like",
    ] {
        let case = cases.iter().find(|c| c.name == name).unwrap();
        let text = std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap();
        let brian: Json = serde_json::from_str(&text).unwrap();
        let m = module(case, "f64", false);
        let tree = m.init(0);
        let ev = m.evolve(&tree, &tree, &input(case), true).unwrap();
        assert_eq!(
            ev.output.data(),
            table(&brian["spikes"]).unwrap().data(),
            "{name}: spikes"
        );
        assert_close(
            name,
            "vmem (Brian2)",
            ev.record.get("vmem").unwrap().data(),
            table(&brian["vmem"]).unwrap().data(),
            1e-12,
        );
    }
}
