//! Sparse recurrent weights of `LIF` and `ALIF`: a CSR matrix that stores every entry
//! gives the dense module's bits; thread counts and batch chunking do not change the
//! bits; snapshots (sparse leaves, refractory counters mid period) and written network
//! files round-trip exactly; the network file's explicit CSR and initialiser forms; bad
//! CSR gives errors naming the path.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::round_trip::{through_network_file, through_snapshot};
use littoral::functional::{ParOptions, evolve_par};
use littoral_core::{Array, Module, ModuleExt, tree_bits_eq};
use littoral_nets::sparse::Csr;
use littoral_nets::{Alif, Lif, Reset};
use proptest::prelude::*;
use serde_json::json;
use std::num::NonZeroUsize;

/// A dense LIF and the same LIF with its `w_rec` as a CSR matrix holding every entry.
fn pair(n: usize, s: usize, w: &[f64], reset: Reset, refractory: Option<f64>) -> (Lif, Lif) {
    let mut dense = Lif::with_synapses(n * s, n)
        .unwrap()
        .with_has_rec(true)
        .with_w_rec(Array::from_shape_vec(vec![n, n * s], w.to_vec()).unwrap())
        .unwrap()
        .with_threshold(0.6)
        .unwrap()
        .with_reset(reset);
    if let Some(r) = refractory {
        dense = dense.with_refractory(r).unwrap();
    }
    let csr = Csr::from_dense("w_rec", n, n * s, w, |_| true).unwrap();
    let sparse = dense.clone().with_sparse_w_rec(csr).unwrap();
    (dense, sparse)
}

fn input(b: usize, t: usize, width: usize, seed: u64) -> Array {
    let data = (0..b * t * width)
        .map(|i| {
            let h = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seed;
            0.9 * ((h >> 40) % 1000) as f64 / 1000.0
        })
        .collect();
    Array::from_shape_vec(vec![b, t, width], data).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Sparse × dense: bit for bit, for either reset, with and without a refractory
    /// period, one or two synapses per neuron.
    #[test]
    fn a_full_csr_gives_the_dense_bits(
        n in 1usize..7,
        s in 1usize..3,
        seed in 0u64..1000,
        to_value in any::<bool>(),
        refractory in prop_oneof![Just(None), Just(Some(0.0)), Just(Some(0.003))],
    ) {
        let w: Vec<f64> = (0..n * n * s)
            .map(|i| ((i as u64 * 7919 + seed) % 17) as f64 / 17.0 - 0.3)
            .collect();
        let reset = if to_value { Reset::ToValue } else { Reset::Subtract };
        let (dense, sparse) = pair(n, s, &w, reset, refractory);
        let x = input(2, 30, n * s, seed);
        let (td, ts) = (dense.init(1), sparse.init(1));
        let a = dense.evolve(&td, &td, &x, true).unwrap();
        let b = sparse.evolve(&ts, &ts, &x, true).unwrap();
        prop_assert!(a.output.bits_eq(&b.output));
        for name in ["vmem", "isyn", "spikes", "irec"] {
            prop_assert!(a.record.get(name).unwrap().bits_eq(b.record.get(name).unwrap()), "{}", name);
        }
    }
}

/// A larger sparse CUBA-like network (reset to value, refractory, two synapses): the
/// same bits on 1 and 2 threads and any batch chunking, and with the neuron range split
/// over threads (N above the split threshold).
#[test]
fn threads_and_chunks_give_the_same_bits() {
    for n in [300, 9000] {
        let net = littoral_nets::registry()
            .read_json(
                &json!({"class": "LIF", "shape": [2 * n, n],
                    "options": {"reset": "to_value", "w_rec": {"init": "fixed_probability",
                        "p": 0.01, "autapses": false, "seed": 3, "blocks": [
                        {"pre": [0, n * 4 / 5], "synapse": 0, "weight": 0.3},
                        {"pre": [n * 4 / 5, n], "synapse": 1, "weight": -0.9}]}},
                    "parameters": {"tau_syn": [[0.005, 0.01]], "threshold": 1.0, "bias": 0.06},
                    "simulation_parameters": {"dt": 0.0001, "refractory": 0.002}}),
                "net",
            )
            .unwrap();
        let tree = net.init(0);
        let x = input(3, 40, 2 * n, 5);
        let whole = net.evolve(&tree, &tree, &x, true).unwrap();
        assert!(whole.output.data().iter().sum::<f64>() > 0.0);
        for (chunk, threads) in [(1, 1), (1, 2), (2, 2), (3, 1)] {
            let opts = ParOptions {
                record: littoral_core::Recording::Everything,
                chunk_size: NonZeroUsize::new(chunk),
                threads: Some(threads),
                allow_non_finite_input: false,
            };
            let par = evolve_par(net.as_ref(), &tree, &tree, &x, &opts).unwrap();
            assert!(par.output.bits_eq(&whole.output), "{n} {chunk} {threads}");
            assert!(
                tree_bits_eq(&par.state, &whole.state),
                "{n} {chunk} {threads}"
            );
        }
    }
}

/// Snapshots hold the sparse leaf and the refractory counters exactly: taken in the middle
/// of refractory periods, restored through the registry, continued bit for bit; the
/// written network file reads back to the same module and values.
#[test]
fn snapshots_and_files_round_trip_mid_refractory() {
    let registry = littoral_nets::registry();
    let w: Vec<f64> = (0..8 * 16)
        .map(|i| if i % 3 == 0 { 0.2 } else { 0.0 })
        .collect();
    let csr = Csr::from_dense("w_rec", 8, 16, &w, |v| v != 0.0).unwrap();
    let lif = Lif::with_synapses(16, 8)
        .unwrap()
        .with_reset(Reset::ToValue)
        .with_refractory(0.004)
        .unwrap()
        .with_sparse_w_rec(csr)
        .unwrap();
    for module in [
        std::sync::Arc::new(lif.clone()) as std::sync::Arc<dyn Module>,
        std::sync::Arc::new(Alif::on(lif).with_beta(0.2).unwrap()),
    ] {
        let tree = module.init(2);
        let x = input(2, 60, 16, 1);
        let whole = module.evolve(&tree, &tree, &x, true).unwrap();
        let counters = whole.record.get("refractory_steps").unwrap();
        let width = counters.shape()[2];
        let split = (1..60)
            .find(|&s| {
                counters.data()[(s - 1) * width..s * width]
                    .iter()
                    .any(|&c| c > 1.0)
            })
            .unwrap();
        let part = |from: usize, to: usize| {
            let d = (0..2)
                .flat_map(|k| x.data()[(k * 60 + from) * 16..(k * 60 + to) * 16].to_vec())
                .collect();
            Array::from_shape_vec(vec![2, to - from, 16], d).unwrap()
        };
        let first = module.evolve(&tree, &tree, &part(0, split), false).unwrap();
        let (restored, params, state) = through_snapshot(
            module.class_name(),
            &registry,
            module.as_ref(),
            &tree,
            &first.state,
            split as u64,
        );
        let second = restored
            .evolve(&params, &state, &part(split, 60), false)
            .unwrap();
        assert!(
            tree_bits_eq(&second.state, &whole.state),
            "{}",
            module.class_name()
        );
        let back = through_network_file(module.class_name(), &registry, module.as_ref(), &tree);
        assert!(tree_bits_eq(&back.init(2), &tree));
        let again = back
            .evolve(&back.init(2), &back.init(2), &x, false)
            .unwrap();
        assert!(again.output.bits_eq(&whole.output));
    }
}

/// Explicit CSR and both initialisers read from a file; bad CSR is an error naming the
/// JSON path, never a panic.
#[test]
fn network_file_forms_and_errors() {
    let registry = littoral_nets::registry();
    let read = |w: serde_json::Value| {
        registry.read_json(
            &json!({"class": "LIF", "shape": [3], "options": {"w_rec": w}}),
            "net",
        )
    };
    let explicit =
        read(json!({"indptr": [0, 2, 2, 3], "indices": [0, 2, 1], "data": [0.5, -1.0, 2.0]}))
            .unwrap();
    let leaf = explicit.init(0);
    let w = leaf.get("w_rec").unwrap().value.as_f64().unwrap().clone();
    assert_eq!(w.data(), &[0.5, -1.0, 2.0]);
    let any: &dyn std::any::Any = explicit.as_ref();
    let lif = any.downcast_ref::<Lif>().unwrap();
    assert_eq!(lif.sparse_w_rec().unwrap().nnz(), 3);
    // The structure alone (as a snapshot stores it): the weights come from the Parameter.
    let bare = read(json!({"indptr": [0, 1, 1, 2], "indices": [2, 0]})).unwrap();
    let w = bare
        .init(0)
        .get("w_rec")
        .unwrap()
        .value
        .as_f64()
        .unwrap()
        .clone();
    assert_eq!(w.data(), &[0.0, 0.0]);
    for (spec, nnz) in [
        (
            json!({"init": "fixed_in_degree", "k": 2, "autapses": false, "weight": {"uniform": [0.0, 1.0]}, "seed": 4}),
            6,
        ),
        (
            json!({"init": "fixed_probability", "p": 1.0, "autapses": false, "weight": {"normal": [0.0, 1.0]}}),
            6,
        ),
    ] {
        let m = read(spec).unwrap();
        let any: &dyn std::any::Any = m.as_ref();
        let lif = any.downcast_ref::<Lif>().unwrap();
        assert_eq!(lif.sparse_w_rec().unwrap().nnz(), nnz);
    }
    let bad = [
        (
            json!({"indptr": [0, 2, 3], "indices": [0, 2, 1], "data": [1.0, 1.0, 1.0]}),
            "net.options.w_rec.indptr",
            "length",
        ),
        (
            json!({"indptr": [0, 2, 2, 3], "indices": [2, 0, 1], "data": [1.0, 1.0, 1.0]}),
            "net.options.w_rec.indices",
            "increasing",
        ),
        (
            json!({"indptr": [0, 2, 2, 3], "indices": [0, 7, 1], "data": [1.0, 1.0, 1.0]}),
            "net.options.w_rec.indices",
            "out of range",
        ),
        (
            json!({"init": "fixed_probability", "p": 1.5, "weight": {"constant": 1.0}}),
            "net.options.w_rec.p",
            "probability",
        ),
        (
            json!({"init": "fixed_probability", "p": 0.5, "weight": 1.0}),
            "net.options.w_rec.weight",
            "constant",
        ),
        (
            json!({"init": "fixed_probability", "p": 0.5, "weight": {"constant": 1.0}, "shape": [3, 4]}),
            "net.options.w_rec.shape",
            "[3,3]",
        ),
        (json!([1, 2]), "net.options.w_rec", "sparse matrix"),
    ];
    for (spec, path, says) in bad {
        let e = read(spec).unwrap_err();
        assert_eq!(e.path(), path, "{e}");
        assert!(e.to_string().contains(says), "{e}");
    }
    let e = registry
        .read_json(
            &json!({"class": "LIF", "shape": [3], "options": {"has_rec": true,
                "w_rec": {"init": "fixed_probability", "p": 0.5, "weight": {"constant": 1.0}}}}),
            "net",
        )
        .unwrap_err();
    assert_eq!(e.path(), "net.options.w_rec");
}

/// `SparseLinear` equals the dense loop (up to the sign of exact zeros, none here), reads
/// both file forms, round-trips through a written file, and names bad CSR's path.
#[test]
fn sparse_linear_matches_the_dense_loop_and_reads_files() {
    use littoral_nets::SparseLinear;
    let (n_in, n_out) = (7, 5);
    let w: Vec<f64> = (0..n_in * n_out)
        .map(|i| {
            if i % 3 == 1 {
                (i as f64 * 0.37).sin()
            } else {
                0.0
            }
        })
        .collect();
    let layer =
        SparseLinear::new(Csr::from_dense("weight", n_in, n_out, &w, |v| v != 0.0).unwrap());
    let x = input(2, 9, n_in, 3);
    let tree = layer.init(0);
    let ev = layer.evolve(&tree, &tree, &x, false).unwrap();
    for (row, y) in x.data().chunks(n_in).zip(ev.output.data().chunks(n_out)) {
        let mut want = vec![0.0; n_out];
        for i in 0..n_in {
            for j in 0..n_out {
                want[j] += row[i] * w[i * n_out + j];
            }
        }
        let got: Vec<u64> = y.iter().map(|v| v.to_bits()).collect();
        let want: Vec<u64> = want.iter().map(|v| v.to_bits()).collect();
        assert_eq!(got, want);
    }
    let registry = littoral_nets::registry();
    let text = littoral_core::network::to_json_string(&layer, &tree).unwrap();
    let back = registry.read_json_str(&text).unwrap();
    assert_eq!(back.repr(), layer.repr());
    let again = back
        .evolve(&back.init(0), &back.init(0), &x, false)
        .unwrap();
    assert!(again.output.bits_eq(&ev.output));
    let drawn = registry
        .read_json(
            &json!({"class": "SparseLinear", "shape": [50, 20], "options": {"weight":
                {"init": "fixed_in_degree", "k": 4, "weight": {"uniform": [-1.0, 1.0]}, "seed": 2}}}),
            "net",
        )
        .unwrap();
    assert_eq!(drawn.init(0).get("weight").unwrap().value.shape(), &[80]);
    let e = registry
        .read_json(
            &json!({"class": "SparseLinear", "shape": [2, 2], "options": {"weight":
                {"indptr": [0, 1, 2], "indices": [0, 2], "data": [1.0, 1.0]}}}),
            "net",
        )
        .unwrap_err();
    assert_eq!(e.path(), "net.options.weight.indices", "{e}");
    let e = registry
        .read_json(&json!({"class": "SparseLinear", "shape": [2, 2]}), "net")
        .unwrap_err();
    assert_eq!(e.path(), "net.options.weight", "{e}");
}
