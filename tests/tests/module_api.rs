//! The seed page's Module API: construction, properties, inspection, reset, combinators.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use littoral::prelude::*;
use std::sync::Arc;

#[test]
fn rate_of_four_as_on_the_seed_page() {
    let m = Rate::new(4);
    assert_eq!(m.repr(), "Rate  with shape (4,)");
    assert_eq!(m.full_name(), "Rate ");
    assert_eq!((m.size_in(), m.size_out()), (4, 4));
    assert!(!m.spiking_input() && !m.spiking_output());
    let concrete = Rate::new(4).with_tau(vec![1.0; 4]).unwrap();
    let tree = concrete.init(0);
    assert_eq!(tree.array("tau").unwrap().data(), &[1.0; 4]);
    let x = Array::full(vec![5, 4], 0.3);
    let ev = m.evolve(&m.init(0), &m.init(0), &x, true).unwrap();
    assert_eq!(ev.output.shape(), &[1, 5, 4]);
    let keys: Vec<_> = ev.record.leaves().into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["rec_input", "x"]);
}

#[test]
fn lif_properties_and_families() {
    let lif = Lif::new(3).with_has_rec(true);
    assert_eq!(lif.shape(), vec![3, 3]);
    assert_eq!(lif.repr(), "LIF  with shape (3, 3)");
    assert!(lif.spiking_output());
    let tree = lif.init(1);
    let params: Vec<_> = tree
        .parameters(None)
        .leaves()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(params, ["w_rec", "tau_mem", "tau_syn", "bias", "threshold"]);
    let taus: Vec<_> = tree
        .parameters(["taus", "bias"])
        .leaves()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(taus, ["tau_mem", "tau_syn", "bias"]);
    let sim: Vec<_> = tree
        .simulation_parameters(None)
        .leaves()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(sim, ["dt", "noise_std", "max_spikes_per_dt"]);
    let state: Vec<_> = tree
        .state(None)
        .leaves()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(state, ["spikes", "isyn", "vmem", "rng_key"]);
    assert_eq!(tree.array("tau_syn").unwrap().shape(), &[3, 1]);
}

#[test]
fn sequential_inspection_as_rockpool() {
    let net = Sequential::new()
        .append(Linear::new(2, 3))
        .unwrap()
        .append(Lif::new(3))
        .unwrap();
    assert_eq!(
        net.repr(),
        "Sequential  with shape (2, 3) {\n    Linear '0_Linear' with shape (2, 3)\n    LIF '1_LIF' with shape (3, 3)\n}"
    );
    let tree = net.init(0);
    // family=None lists every submodule, even empty ones; a family omits empty ones.
    let state = tree.state(None);
    assert!(state.branch("0_Linear").is_some_and(|b| b.is_empty()));
    assert!(tree.parameters("taus").branch("0_Linear").is_none());
    let named = tree.attributes_named(&["tau_mem"]);
    assert_eq!(
        named
            .leaves()
            .into_iter()
            .map(|(k, _)| k)
            .collect::<Vec<_>>(),
        ["1_LIF.tau_mem"]
    );
    assert_eq!(net.at(-1).unwrap().class_name(), "LIF");
    assert_eq!(net.by_name("0_Linear").unwrap().class_name(), "Linear");
    assert!(net.at(2).is_none() && net.by_name("nope").is_none());
    let names: Vec<_> = net.modules().iter().map(|m| m.full_name()).collect();
    assert_eq!(names, ["Linear '0_Linear'", "LIF '1_LIF'"]);
    assert_eq!(Sequential::new().shape(), vec![0, 0]);
}

#[test]
fn reset_restores_concrete_values_and_redraws_initialisers() {
    let net = Sequential::new()
        .append(
            Linear::new(3, 3)
                .with_weight(Array::full(vec![3, 3], 0.5))
                .unwrap(),
        )
        .unwrap()
        .append(Linear::new(3, 2))
        .unwrap();
    let mut m = Stateful::new(net, 7);
    let drawn = m.parameters(None).array("1_Linear.weight").unwrap().clone();
    m.set("0_Linear.weight", Array::zeros(vec![3, 3])).unwrap();
    m.set("1_Linear.weight", Array::zeros(vec![3, 2])).unwrap();
    m.reset_parameters(7);
    assert_eq!(
        m.parameters(None).array("0_Linear.weight").unwrap().data(),
        &[0.5; 9]
    );
    assert!(
        m.parameters(None)
            .array("1_Linear.weight")
            .unwrap()
            .bits_eq(&drawn),
        "same seed, same draw"
    );
    m.reset_parameters(8);
    assert!(
        !m.parameters(None)
            .array("1_Linear.weight")
            .unwrap()
            .bits_eq(&drawn),
        "new seed, new draw"
    );
}

#[test]
fn initialiser_draws_depend_only_on_their_path() {
    let a = Sequential::new().append(Linear::new(2, 2)).unwrap();
    let b = Sequential::new()
        .append(Linear::new(2, 2))
        .unwrap()
        .append(Linear::new(2, 5))
        .unwrap();
    let (ta, tb) = (a.init(3), b.init(3));
    assert!(
        ta.array("0_Linear.weight")
            .unwrap()
            .bits_eq(tb.array("0_Linear.weight").unwrap())
    );
    // Kaiming bounds: U(-√(6/Nin), √(6/Nin)).
    let w = tb.array("1_Linear.weight").unwrap();
    assert!(w.data().iter().all(|v| v.abs() <= (6.0f64 / 2.0).sqrt()));
}

#[test]
fn auto_batching_rules() {
    let lif = Lif::new(3);
    let tree = lif.init(0);
    // (T,) is T steps of one value broadcast to every channel.
    let ev = lif
        .evolve(&tree, &tree, &Array::from_vec(vec![1.0, 0.0, 0.5]), false)
        .unwrap();
    assert_eq!(ev.output.shape(), &[1, 3, 3]);
    // A last dimension of 1 broadcasts to size_in.
    let ev1 = lif
        .evolve(&tree, &tree, &Array::full(vec![2, 4, 1], 1.5), false)
        .unwrap();
    let ev3 = lif
        .evolve(&tree, &tree, &Array::full(vec![2, 4, 3], 1.5), false)
        .unwrap();
    assert!(ev1.output.bits_eq(&ev3.output));
    // A per-sample state is replicated over the batch; the new state keeps the batch axis.
    assert_eq!(ev3.state.array("vmem").unwrap().shape(), &[2, 3]);
    // T = 0 leaves the state unchanged.
    let ev0 = lif
        .evolve(&tree, &ev3.state, &Array::zeros(vec![2, 0, 3]), false)
        .unwrap();
    assert_eq!(ev0.output.shape(), &[2, 0, 3]);
    assert!(
        ev0.state
            .array("vmem")
            .unwrap()
            .bits_eq(ev3.state.array("vmem").unwrap())
    );
}

#[test]
fn residual_and_ffwd_stack() {
    let res = Residual::new(vec![
        Arc::new(Linear::new(4, 6)) as _,
        Arc::new(Linear::new(6, 4)) as _,
    ])
    .unwrap();
    assert_eq!(res.class_name(), "Residual");
    // A residual block must map its input size to itself (Rockpool's message).
    let e = Residual::new(vec![Arc::new(Linear::new(4, 6)) as _]).unwrap_err();
    assert_eq!(
        e,
        littoral_core::Error::Invalid {
            path: "shape".into(),
            message: "`size_in` and `size_out` must be identical for a residual block".into(),
        }
    );
    let stack =
        FFwdStack::new(vec![Arc::new(Lif::new(2)) as _, Arc::new(Lif::new(3)) as _]).unwrap();
    let tree = stack.init(0);
    let keys: Vec<_> = tree
        .parameters(None)
        .leaves()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(keys[0], "0_1_weight", "weights first, then modules");
    assert!(FFwdStack::new(vec![Arc::new(Lif::new(2)) as _]).is_err());
}

#[test]
fn modules_and_trees_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Lif>();
    check::<Rate>();
    check::<Linear>();
    check::<ExpSyn>();
    check::<Instant>();
    check::<Sequential>();
    check::<Residual>();
    check::<FFwdStack>();
    check::<Tree>();
    check::<Stateful>();
}
