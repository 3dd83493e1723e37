//! Sparse recurrent weights of `CubaLIF`: a CSR matrix that stores every entry gives the
//! bits of the non-recurrent neuron fed, step by step, `x + Σ_i z_i w[i, ·]` summed by the
//! plain dense loop (rows in order; `f64`); the network file's forms round-trip; a `CubaLI`
//! or a wrong shape is refused with the path named.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use littoral_core::{Array, ModuleExt, TreeExt, tree_bits_eq};
use littoral_nets::Cuba;
use littoral_nets::sparse::Csr;
use proptest::prelude::*;
use serde_json::json;

fn neuron(n: usize) -> Cuba {
    Cuba::lif(n)
        .with_tau_syn(0.004)
        .unwrap()
        .with_tau_mem(0.01)
        .unwrap()
        .with_r(3.0)
        .unwrap()
        .with_v_threshold(0.5)
        .unwrap()
}

/// The reference: the non-recurrent neuron, one step per call, its input plus the dense
/// recurrent sum of the previous step's spikes. Returns the `(T, N)` spikes and the final
/// `i` and `v` bits.
fn dense_reference(n: usize, w: &[f64], x: &[f64], t: usize) -> (Vec<f64>, Vec<u64>) {
    let plain = neuron(n);
    let mut state = plain.init(0);
    let params = state.clone();
    let mut z = vec![0.0; n];
    let mut out = Vec::new();
    for step in 0..t {
        let mut irec = vec![0.0; n];
        for i in 0..n {
            for j in 0..n {
                irec[j] += z[i] * w[i * n + j];
            }
        }
        let row: Vec<f64> = (0..n).map(|j| x[step * n + j] + irec[j]).collect();
        let ev = plain
            .evolve(
                &params,
                &state,
                &Array::from_shape_vec(vec![1, n], row).unwrap(),
                false,
            )
            .unwrap();
        z = ev.output.data().to_vec();
        out.extend(&z);
        state = ev.state;
    }
    let bits = ["i", "v"]
        .iter()
        .flat_map(|k| {
            state
                .get(k)
                .unwrap()
                .value
                .as_f64()
                .unwrap()
                .data()
                .iter()
                .map(|v| v.to_bits())
                .collect::<Vec<_>>()
        })
        .collect();
    (out, bits)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Sparse × dense: bit for bit (`f64`).
    #[test]
    fn a_full_csr_gives_the_dense_bits(n in 1usize..7, t in 1usize..30, seed in 0u64..1000) {
        let w: Vec<f64> = (0..n * n)
            .map(|i| ((i as u64 * 7919 + seed) % 17) as f64 / 17.0 - 0.3)
            .collect();
        let x: Vec<f64> = (0..t * n)
            .map(|i| ((i as u64 * 104_729 + 3 * seed) % 13) as f64 / 13.0)
            .collect();
        let sparse = neuron(n)
            .with_sparse_w_rec(Csr::from_dense("w_rec", n, n, &w, |_| true).unwrap())
            .unwrap();
        let tree = sparse.init(0);
        let ev = sparse
            .evolve(&tree, &tree, &Array::from_shape_vec(vec![t, n], x.clone()).unwrap(), false)
            .unwrap();
        let (want, want_bits) = dense_reference(n, &w, &x, t);
        // The case must exercise the recurrence (a spike before the last step).
        prop_assume!(want[..(t - 1) * n].contains(&1.0));
        prop_assert_eq!(ev.output.data(), &want[..]);
        let got_bits: Vec<u64> = ["i", "v"]
            .iter()
            .flat_map(|k| {
                ev.state.get(k).unwrap().value.as_f64().unwrap().data().iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            })
            .collect();
        prop_assert_eq!(got_bits, want_bits);
    }
}

/// The network file: explicit CSR and initialiser forms; a written file reads back to the
/// same module and bits; bad input names its path.
#[test]
fn network_file_forms_and_errors() {
    let registry = littoral_nets::registry();
    let read = |class: &str, w: serde_json::Value| {
        registry.read_json(
            &json!({"class": class, "shape": [3], "options": {"w_rec": w}}),
            "net",
        )
    };
    let explicit = read(
        "CubaLIF",
        json!({"indptr": [0, 2, 2, 3], "indices": [0, 2, 1], "data": [0.5, -1.0, 2.0]}),
    )
    .unwrap();
    let tree = explicit.init(0);
    let w = tree.get("w_rec").unwrap().value.as_f64().unwrap().clone();
    assert_eq!(w.data(), &[0.5, -1.0, 2.0]);
    assert!(tree.get("spikes").is_some());
    let written = littoral_core::network::to_json(explicit.as_ref(), &tree).unwrap();
    let back = registry.read_json(&written, "net").unwrap();
    assert!(tree_bits_eq(&back.init(0), &tree));
    let x = Array::from_shape_vec(vec![40, 3], vec![30.0; 120]).unwrap();
    let (a, b) = (
        explicit.evolve(&tree, &tree, &x, true).unwrap(),
        back.evolve(&tree, &tree, &x, true).unwrap(),
    );
    assert_eq!(a.output.data(), b.output.data());
    assert!(a.output.data().contains(&1.0));
    let init = read(
        "CubaLIF",
        json!({"init": "fixed_probability", "p": 1.0, "autapses": false, "weight": {"constant": 0.25}, "seed": 1}),
    )
    .unwrap();
    let nnz = init.init(0).array("w_rec").unwrap().len();
    assert_eq!(nnz, 6);
    let e = read(
        "CubaLIF",
        json!({"indptr": [0, 2, 2, 3], "indices": [0, 7, 1], "data": [1.0, 1.0, 1.0]}),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("net.options.w_rec.indices"), "{e}");
    let e = read("CubaLI", json!({"indptr": [0, 0, 0, 0], "indices": []}))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("net.options"), "{e}");
    let e = Cuba::lif(3)
        .with_sparse_w_rec(Csr::from_dense("w_rec", 2, 3, &[1.0; 6], |_| true).unwrap())
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("w_rec"), "{e}");
}

/// A recurrent CubaLIF is refused by the NIR export (NIR's CubaLIF has no recurrence), not
/// written without its `w_rec`.
#[test]
fn nir_export_refuses_the_recurrence() {
    let m = neuron(3)
        .with_sparse_w_rec(Csr::from_dense("w_rec", 3, 3, &[0.5; 9], |_| true).unwrap())
        .unwrap();
    let e = littoral_nets::nir::export(&m, &m.init(0))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("w_rec"), "{e}");
    assert!(littoral_nets::nir::export(&neuron(3), &neuron(3).init(0)).is_ok());
}
