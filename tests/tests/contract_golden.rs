//! The contract's golden examples G1–G5 and G10 (docs/rockpool-contract.md): each module
//! is built through Littoral's builders (not from the network file), evolved on the input
//! Rockpool 3.1.0 was given, and compared with Rockpool's numbers bit for bit. The numbers
//! come from `tests/golden/gen.py` (`contract_*` and `sequential_g10`); G6–G9 (Rate,
//! ExpSyn) live with those modules' tests in `littoral-nets`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use littoral_core::{Array, Evolution, Module, ModuleExt, TreeExt};
use littoral_nets::{Lif, Linear, Sequential};
use littoral_tests::{Budget, GoldenCase, compare, golden_dir, read_case};

fn golden(name: &str) -> GoldenCase {
    read_case(&golden_dir().join(format!("{name}.json"))).unwrap()
}

/// Evolve `m` on the case's input and compare output, every record and every state leaf
/// with Rockpool's, to the bit.
fn check(m: &dyn Module, name: &str) {
    let case = golden(name);
    let tree = m.init(0);
    let ev = m.evolve(&tree, &tree, &case.input, true).unwrap();
    compare_with(&ev, &case);
}

/// [`check`], returning the evolution for further checks.
fn checked(m: &dyn Module, name: &str) -> Evolution {
    let case = golden(name);
    let tree = m.init(0);
    let ev = m.evolve(&tree, &tree, &case.input, true).unwrap();
    compare_with(&ev, &case);
    ev
}

fn compare_with(ev: &Evolution, case: &GoldenCase) {
    let name = &case.name;
    compare("output", &ev.output, &case.output, Budget::Bits).unwrap();
    for (path, theirs) in &case.record {
        let ours = ev.record.get(path).unwrap();
        compare(&format!("{name} record {path}"), ours, theirs, Budget::Bits).unwrap();
    }
    for (path, theirs) in &case.state {
        let ours = ev.state.array(path).unwrap().index_axis0(0).unwrap();
        compare(&format!("{name} state {path}"), &ours, theirs, Budget::Bits).unwrap();
    }
    assert!(!case.record.is_empty() && !case.state.is_empty());
}

#[test]
fn g1_lif_defaults() {
    let ev = checked(&Lif::new(2), "contract_g1_lif_defaults");
    assert_eq!(
        ev.state.array("vmem").unwrap().shape(),
        &[1, 2],
        "state keeps the batch axis"
    );
}

#[test]
fn g2_lif_recurrent() {
    let lif = Lif::new(2)
        .with_has_rec(true)
        .with_w_rec(Array::from_rows(&[vec![0.0, 0.5], vec![0.0, 0.0]]).unwrap())
        .unwrap();
    check(&lif, "contract_g2_lif_recurrent");
}

#[test]
fn g3_lif_custom_parameters() {
    let lif = Lif::new(2)
        .with_tau_mem(vec![0.01, 0.05])
        .unwrap()
        .with_tau_syn(vec![0.005, 0.1])
        .unwrap()
        .with_bias(vec![0.1, -0.05])
        .unwrap()
        .with_threshold(vec![0.8, 1.5])
        .unwrap()
        .with_dt(2e-3)
        .unwrap();
    check(&lif, "contract_g3_lif_custom");
}

#[test]
fn g4_lif_spike_cap() {
    let capped = Lif::new(1).with_max_spikes_per_dt(2.0).unwrap();
    let ev = checked(&capped, "contract_g4_lif_capped");
    assert_eq!(ev.output.data(), &[2.0, 2.0], "the cap holds");
    check(&Lif::new(1), "contract_g4_lif_uncapped");
}

#[test]
fn g5_lif_multi_synapse() {
    let lif = Lif::with_synapses(4, 2)
        .unwrap()
        .with_tau_syn(Array::from_rows(&[vec![0.01, 0.02], vec![0.01, 0.02]]).unwrap())
        .unwrap();
    check(&lif, "contract_g5_lif_multisyn");
}

#[test]
fn g10_sequential() {
    let net = Sequential::new()
        .append(
            Linear::new(2, 3)
                .with_weight(Array::full(vec![2, 3], 1.0))
                .unwrap(),
        )
        .unwrap()
        .append(Lif::new(3))
        .unwrap()
        .append(
            Linear::new(3, 1)
                .with_weight(Array::full(vec![3, 1], 1.0))
                .unwrap(),
        )
        .unwrap();
    let ev = checked(&net, "sequential_g10");
    assert_eq!(ev.output.shape(), &[1, 4, 1]);
    // Rockpool's record keys: each module's record (empty for Linear) and its output.
    let mut keys: Vec<String> = ev.record.iter().map(|(k, _)| k.to_string()).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "0_Linear",
            "0_Linear_output",
            "1_LIF",
            "1_LIF_output",
            "2_Linear",
            "2_Linear_output"
        ]
    );
}
