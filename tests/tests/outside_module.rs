//! A neuron model defined outside the Littoral crates (`examples/lapicque.rs`, one file,
//! registered with one call) loads from a network file, evolves, snapshots, restores,
//! sweeps and is inspected with no Littoral edit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../examples/lapicque.rs"]
mod lapicque;

use lapicque::Lapicque;
use littoral::functional::{Snapshot, Sweep, SweepOptions, run_sweep};
use littoral::prelude::*;
use littoral::tree_bits_eq;

const NET: &str = r#"{"class": "Sequential", "modules": [
    {"class": "Linear", "shape": [2, 3], "parameters": {"weight": [[1, 0.5, 0], [0, 0.5, 1]]}},
    {"class": "Lapicque", "shape": [3], "parameters": {"tau": [0.01, 0.02, 0.03]},
     "simulation_parameters": {"noise_std": 0.3}}]}"#;

fn registry() -> littoral::registry::Registry {
    littoral::nets::registry().with(Lapicque::CLASS)
}

/// Lapicque's equations, written out for one neuron, no noise.
fn reference(x: &[f64], tau: f64, threshold: f64, dt: f64) -> Vec<f64> {
    let alpha = (-dt / tau).exp();
    let mut v = 0.0;
    x.iter()
        .map(|&xt| {
            v = v * alpha + xt;
            let s = if v >= threshold { 1.0 } else { 0.0 };
            v -= s * threshold;
            s
        })
        .collect()
}

#[test]
fn the_scaffold_runs_the_model_equations() {
    let m = Lapicque::new(1);
    let tree = m.init(0);
    let x: Vec<f64> = (0..50).map(|t| 0.1 + 0.01 * f64::from(t % 7)).collect();
    let ev = m
        .evolve(
            &tree,
            &tree,
            &Array::from_shape_vec(vec![1, 50, 1], x.clone()).unwrap(),
            true,
        )
        .unwrap();
    let want = reference(&x, 0.02, 1.0, 1e-3);
    assert!(want.iter().sum::<f64>() >= 3.0, "the input makes it spike");
    assert_eq!(ev.output.data(), &want[..]);
    assert_eq!(ev.record.get("v").unwrap().shape(), &[1, 50, 1]);
    assert_eq!(ev.state.array("v").unwrap().shape(), &[1, 1]);
}

#[test]
fn an_outside_module_loads_snapshots_restores_and_continues_bit_for_bit() {
    let registry = registry();
    let net = registry.read_json_str(NET).unwrap();
    assert!(net.spiking_output(), "spiking comes from the module");
    let tree = net.init(5);
    assert_eq!(
        tree.array("1_Lapicque.tau").unwrap().data(),
        &[0.01, 0.02, 0.03]
    );
    let x = Array::full(vec![2, 40, 2], 0.4);
    let first = net.evolve(&tree, &tree, &x, false).unwrap();
    assert!(first.output.data().iter().any(|&s| s > 0.0));
    let bytes = Snapshot::capture(net.as_ref(), &tree, &first.state, 40)
        .unwrap()
        .to_bytes()
        .unwrap();
    let snap = Snapshot::from_bytes(&bytes).unwrap();
    // Without the class the description cannot be read, and the error says which.
    let e = snap
        .clone()
        .restore_module(&littoral::nets::registry())
        .unwrap_err();
    assert!(e.to_string().contains("unknown class 'Lapicque'"), "{e}");
    let (module, params, state) = snap.restore_module(&registry).unwrap();
    assert_eq!(module.repr(), net.repr());
    let second = module.evolve(&params, &state, &x, false).unwrap();
    let whole = net
        .evolve(&tree, &tree, &Array::full(vec![2, 80, 2], 0.4), false)
        .unwrap();
    let tail: Vec<f64> = (0..2)
        .flat_map(|b| whole.output.data()[b * 240 + 120..b * 240 + 240].to_vec())
        .collect();
    assert_eq!(second.output.data(), &tail[..]);
    assert!(tree_bits_eq(&second.state, &whole.state));
    // Writing it back and reading it again gives the same module and values.
    let text = littoral::network::to_json_string(net.as_ref(), &tree).unwrap();
    let again = registry.read_json_str(&text).unwrap();
    assert!(tree_bits_eq(
        &again.init(1).parameters(None),
        &tree.parameters(None)
    ));
}

#[test]
fn an_outside_module_sweeps_and_is_inspected() {
    let net = registry().read_json_str(NET).unwrap();
    let tree = net.init(2);
    let sweep = Sweep::grid().axis("1_Lapicque.threshold", [0.5, 1.0, 2.0]);
    let x = Array::full(vec![1, 60, 2], 0.5);
    let opts = SweepOptions {
        keep_outputs: true,
        ..SweepOptions::default()
    };
    let points = run_sweep(net.as_ref(), &tree, &tree, &x, &sweep, &opts).unwrap();
    assert_eq!(points.len(), 3);
    let spikes: Vec<f64> = points
        .iter()
        .map(|p| p.evolution.as_ref().unwrap().output.data().iter().sum())
        .collect();
    assert!(spikes[0] > spikes[1] && spikes[1] > spikes[2], "{spikes:?}");
    assert_eq!(
        net.repr(),
        "Sequential  with shape (2, 3) {\n    Linear '0_Linear' with shape (2, 3)\n    Lapicque '1_Lapicque' with shape (3,)\n}"
    );
    let taus = tree.parameters("taus");
    assert_eq!(taus.leaf_count(), 1);
    assert_eq!(
        tree.state(None).array("1_Lapicque.v").unwrap().shape(),
        &[3]
    );
}
