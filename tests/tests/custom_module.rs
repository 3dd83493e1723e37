//! A user-written module (the seed page's `ffwd_net`, from `examples/ffwd_net.rs`) gets
//! inspection, families, reset, records and batching with no extra code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../examples/ffwd_net.rs"]
mod ffwd_net;

use ffwd_net::FfwdNet;
use littoral::prelude::*;

#[test]
fn repr_and_families_of_a_user_module() {
    let net = Stateful::new(FfwdNet::new(4, 6), 0);
    assert_eq!(
        net.repr(),
        "ffwd_net  with shape (4, 6) {\n    Rate 'neurons' with shape (6,)\n}"
    );
    let weights = net.parameters("weights");
    assert_eq!(weights.leaves().len(), 1);
    assert_eq!(weights.array("w_ffwd").unwrap().shape(), &[4, 6]);
    let taus = net.parameters("taus");
    assert_eq!(taus.array("neurons.tau").unwrap().data(), &[0.02; 6]);
    assert_eq!(net.state(None).array("neurons.x").unwrap().shape(), &[6]);
    assert!(net.simulation_parameters(None).get("neurons.dt").is_some());
    assert_eq!(net.modules().len(), 1);
    assert_eq!(net.modules()[0].name(), "'neurons'");
    assert_eq!(net.modules()[0].full_name(), "Rate 'neurons'");
}

#[test]
fn a_user_module_batches_records_and_resets() {
    let mut net = Stateful::new(FfwdNet::new(4, 6), 0);
    net.set("w_ffwd", Array::full(vec![4, 6], 0.25)).unwrap();
    let x = Array::full(vec![3, 5, 4], 1.0);
    let (out, state, record) = net.call(&x, true).unwrap();
    assert_eq!(out.shape(), &[3, 5, 6]);
    assert_eq!(state.array("neurons.x").unwrap().shape(), &[3, 6]);
    assert_eq!(record.get("weighted_input").unwrap().shape(), &[3, 5, 6]);
    assert_eq!(record.get("neurons.x").unwrap().shape(), &[3, 5, 6]);
    assert!(out.data().iter().all(|&v| v > 0.0));
    // The held state advanced: a second call starts from it.
    let (out2, _, _) = net.call(&x, false).unwrap();
    assert!(out2.data()[0] > out.data()[0]);
    net.reset_state();
    assert_eq!(
        net.state(None).array("neurons.x").unwrap().data(),
        &[0.0; 6]
    );
    net.reset_parameters(0);
    assert_eq!(
        net.parameters(None).array("w_ffwd").unwrap().data(),
        &[0.0; 24]
    );
    // Unknown paths are errors, unlike Rockpool's silent ignore.
    assert!(net.set("w_ffwd_typo", Array::scalar(1.0)).is_err());
}
