//! The contract's verified golden values G1–G5 and G10 (Rockpool 3.1.0, numpy); G6–G9
//! (Rate, ExpSyn) live with those modules' tests in `littoral-nets`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use littoral_core::{Array, Evolution, Module, ModuleExt, TreeExt};
use littoral_nets::{Lif, Linear, Sequential};

fn run(m: &dyn Module, rows: &[Vec<f64>]) -> Evolution {
    let tree = m.init(0);
    m.evolve(&tree, &tree, &Array::from_rows(rows).unwrap(), true)
        .unwrap()
}

fn close(ours: &[f64], theirs: &[f64]) {
    assert_eq!(ours.len(), theirs.len());
    for (a, b) in ours.iter().zip(theirs) {
        assert!(
            (a - b).abs() <= 1e-12 * b.abs().max(1.0),
            "{ours:?} vs {theirs:?}"
        );
    }
}

#[test]
fn g1_lif_defaults() {
    let ev = run(
        &Lif::new(2),
        &[
            vec![0.5, 2.0],
            vec![0.0, 0.0],
            vec![0.5, 0.0],
            vec![0.0, 0.0],
            vec![0.0, 3.5],
        ],
    );
    assert_eq!(ev.output.data(), &[0., 1., 0., 2., 1., 2., 1., 1., 1., 5.]);
    close(
        ev.record.get("vmem").unwrap().data(),
        &[
            0.475614712250357,
            0.902458849001428,
            0.9048374180359596,
            0.6681202476431243,
            0.7666766768879438,
            0.3569515915129595,
            0.5910694996912094,
            0.9770043631254504,
            0.38199707977942543,
            0.8162598499658174,
        ],
    );
    close(
        ev.record.get("isyn").unwrap().data(),
        &[
            0.475614712250357,
            1.902458849001428,
            0.4524187090179798,
            1.8096748360719193,
            0.905968700462886,
            1.7214159528501158,
            0.8617840855569708,
            1.6374615061559639,
            0.8197543797482315,
            4.8869045518953085,
        ],
    );
    assert_eq!(ev.state.array("spikes").unwrap().data(), &[1.0, 5.0]);
    close(
        ev.state.array("isyn").unwrap().data(),
        &[0.8197543797482315, 4.8869045518953085],
    );
    close(
        ev.state.array("vmem").unwrap().data(),
        &[0.38199707977942543, 0.8162598499658174],
    );
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
    let ev = run(&lif, &[vec![2.0, 0.0], vec![0.0, 0.0], vec![0.0, 0.0]]);
    assert_eq!(ev.output.data(), &[1., 0., 2., 0., 2., 1.]);
    close(
        ev.record.get("irec").unwrap().data(),
        &[0., 0., 0., 0.5, 0., 1.0],
    );
    close(
        ev.record.get("isyn").unwrap().data(),
        &[
            1.902458849001428,
            0.0,
            1.8096748360719193,
            0.475614712250357,
            1.7214159528501158,
            1.4036481335186939,
        ],
    );
    close(
        ev.record.get("vmem").unwrap().data(),
        &[
            0.902458849001428,
            0.0,
            0.6681202476431243,
            0.475614712250357,
            0.3569515915129595,
            0.8560668425366738,
        ],
    );
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
    let ev = run(
        &lif,
        &[
            vec![1.0, 1.0],
            vec![1.0, 1.0],
            vec![0.0, 0.0],
            vec![0.0, 2.0],
        ],
    );
    assert_eq!(ev.output.data(), &[0., 0., 2., 1., 1., 2., 1., 2.]);
    close(
        ev.record.get("vmem").unwrap().data(),
        &[
            0.7703200460356393,
            0.9301986733067552,
            0.2503337215546855,
            1.2847131740857107,
            0.25547909239870514,
            0.08689282273798238,
            0.012259319622128673,
            0.858763933009183,
        ],
    );
    close(
        ev.record.get("isyn").unwrap().data(),
        &[
            0.6703200460356393,
            0.9801986733067553,
            1.119649010152861,
            1.9409881124590784,
            0.7505231760294238,
            1.9025539727365717,
            0.5030907299068575,
            3.8252782265843943,
        ],
    );
}

#[test]
fn g4_lif_spike_cap() {
    let capped = Lif::new(1).with_max_spikes_per_dt(2.0).unwrap();
    let ev = run(&capped, &[vec![10.0], vec![0.0]]);
    assert_eq!(ev.output.data(), &[2.0, 2.0]);
    close(
        ev.record.get("vmem").unwrap().data(),
        &[7.512294245007141, 14.194289511717763],
    );
    let ev = run(&Lif::new(1), &[vec![10.0], vec![0.0]]);
    assert_eq!(ev.output.data(), &[9.0, 9.0]);
    close(
        ev.record.get("vmem").unwrap().data(),
        &[0.512294245007, 0.535683540213],
    );
}

#[test]
fn g5_lif_multi_synapse() {
    let lif = Lif::with_synapses(4, 2)
        .unwrap()
        .with_tau_syn(Array::from_rows(&[vec![0.01, 0.02], vec![0.01, 0.02]]).unwrap())
        .unwrap();
    let ev = run(&lif, &[vec![1.0, 2.0, 3.0, 4.0]]);
    let e = f64::exp;
    close(
        ev.record.get("isyn").unwrap().data(),
        &[e(-0.1), 2.0 * e(-0.05), 3.0 * e(-0.1), 4.0 * e(-0.05)],
    );
    assert_eq!(ev.output.data(), &[2.0, 6.0]);
    let v = ev.record.get("vmem").unwrap().data();
    assert!(
        (v[0] - 0.80729627).abs() < 1e-8 && (v[1] - 0.51942995).abs() < 1e-8,
        "{v:?}"
    );
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
    let ev = run(&net, &vec![vec![0.4, 0.4]; 4]);
    assert_eq!(ev.output.shape(), &[1, 4, 1]);
    assert_eq!(ev.output.data(), &[0.0, 6.0, 6.0, 9.0]);
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
