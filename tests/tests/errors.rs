//! Bad shapes, paths and values give the documented errors, never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use littoral_core::{Array, Constant, Error, Leaf, ModuleExt, Tree, TreeExt, Value};
use littoral_nets::{ExpSyn, Lif, Linear, Rate, Sequential};

fn invalid(path: &str, message: &str) -> Error {
    Error::Invalid {
        path: path.into(),
        message: message.into(),
    }
}

fn shape(path: &str, expected: &str, found: &str) -> Error {
    Error::Shape {
        path: path.into(),
        expected: expected.into(),
        found: found.into(),
    }
}

fn seq() -> Sequential {
    Sequential::new()
        .append(Linear::new(2, 3))
        .unwrap()
        .append(Lif::new(3))
        .unwrap()
}

#[test]
fn set_attributes_rejects_an_unknown_path_naming_it() {
    let net = seq();
    let tree = net.init(0);
    let mut typo = Tree::new();
    typo.insert_path(
        "1_LIF.tau_mem_typo",
        Leaf::f64(littoral_core::Kind::Parameter, None, Array::scalar(0.1)),
    );
    let err = net.set_attributes(&tree, &typo).unwrap_err();
    assert_eq!(
        err,
        Error::UnknownPath {
            path: "1_LIF.tau_mem_typo".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "1_LIF.tau_mem_typo: unknown path (the module has no such attribute or submodule)"
    );
}

#[test]
fn set_attributes_rejects_a_wrong_shape_naming_path_expected_and_found() {
    let net = seq();
    let tree = net.init(0);
    let err = net
        .set(&tree, "1_LIF.tau_mem", Array::zeros(vec![4]).into())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "1_LIF.tau_mem: expected shape (3,) or (), found (4,)"
    );
}

#[test]
fn non_finite_parameters_are_rejected_with_their_path() {
    let net = seq();
    let tree = net.init(0);
    let err = net
        .set(
            &tree,
            "0_Linear.weight",
            Array::full(vec![2, 3], f64::NAN).into(),
        )
        .unwrap_err();
    assert!(
        matches!(err, Error::NonFinite { ref path, index: 0, .. } if path == "0_Linear.weight"),
        "{err}"
    );
    assert_eq!(
        Lif::new(2).with_bias(vec![0.0, f64::INFINITY]).unwrap_err(),
        Error::NonFinite {
            path: "bias".into(),
            index: 1,
            value: f64::INFINITY
        }
    );
}

#[test]
fn non_finite_input_is_rejected_unless_allowed() {
    let lif = Lif::new(2);
    let tree = lif.init(0);
    let x = Array::from_rows(&[vec![0.0, f64::NAN]]).unwrap();
    let err = lif.evolve(&tree, &tree, &x, false).unwrap_err();
    assert_eq!(
        err.to_string(),
        "input: non-finite value NaN at flat index 1"
    );
    let opts = littoral_core::EvolveOptions {
        allow_non_finite_input: true,
        ..Default::default()
    };
    let ev = lif.evolve_with(&tree, &tree, &x, &opts).unwrap();
    // The NaN goes through: no spike on the finite channel, NaN potential on the other.
    assert_eq!(ev.output.data()[0], 0.0);
    assert!(ev.output.data()[1].is_nan());
}

#[test]
fn input_of_the_wrong_width_or_rank_is_an_error() {
    let lif = Lif::new(3);
    let tree = lif.init(0);
    let err = lif
        .evolve(&tree, &tree, &Array::zeros(vec![4, 2]), false)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "input: expected shape (T, 3) or (B, T, 3), found (4, 2)"
    );
    let expected = "(T, 3) or (B, T, 3)";
    assert_eq!(
        lif.evolve(&tree, &tree, &Array::zeros(vec![1, 1, 4, 3]), false)
            .unwrap_err(),
        shape("input", expected, "(1, 1, 4, 3)")
    );
    assert_eq!(
        lif.evolve(&tree, &tree, &Array::scalar(1.0), false)
            .unwrap_err(),
        shape("input", expected, "()")
    );
}

#[test]
fn a_state_of_another_batch_size_is_an_error() {
    let lif = Lif::new(2);
    let tree = lif.init(0);
    let ev = lif
        .evolve(&tree, &tree, &Array::zeros(vec![3, 4, 2]), false)
        .unwrap();
    let err = lif
        .evolve(&tree, &ev.state, &Array::zeros(vec![2, 4, 2]), false)
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("spikes: expected shape (2,) or (2, 2), found (3, 2)"),
        "{err}"
    );
}

#[test]
fn missing_and_mistyped_leaves_are_errors() {
    let net = seq();
    let tree = net.init(0);
    let mut params = tree.parameters(None);
    params.remove("1_LIF");
    let err = net
        .evolve(&params, &tree, &Array::zeros(vec![2, 2]), false)
        .unwrap_err();
    assert_eq!(
        err,
        Error::MissingPath {
            path: "1_LIF".into()
        }
    );
    let bad = net
        .set(&tree, "1_LIF.rng_key", Value::from(Array::zeros(vec![2])))
        .unwrap_err();
    assert!(matches!(bad, Error::Kind { .. }), "{bad}");
}

#[test]
fn rockpool_construction_checks_are_errors() {
    // Rockpool's own messages, at the attribute they concern.
    assert_eq!(
        Lif::from_shape(&[2, 3, 4]).unwrap_err(),
        invalid(
            "shape",
            "`shape` must be a one- or two-element tuple `(Nin, Nout)`"
        )
    );
    assert_eq!(
        Lif::from_shape(&[5, 2]).unwrap_err(),
        invalid(
            "shape",
            "you must specify an integer number of synapses per neuron: (5, 2)"
        )
    );
    assert_eq!(
        Lif::new(2)
            .with_w_rec(Array::zeros(vec![2, 2]))
            .unwrap_err(),
        invalid(
            "w_rec",
            "`w_rec` may not be provided if `has_rec` is `False`"
        )
    );
    assert_eq!(
        Lif::new(2).with_tau_mem(vec![0.1, 0.2, 0.3]).unwrap_err(),
        shape("tau_mem", "(2,) or ()", "(3,)")
    );
    let linear_shape = invalid(
        "shape",
        "`shape` must specify input and output sizes for Linear.",
    );
    assert_eq!(Linear::from_shape(&[10]).unwrap_err(), linear_shape);
    assert_eq!(Linear::from_shape(&[10, 10, 10]).unwrap_err(), linear_shape);
    assert_eq!(
        Rate::from_shape(&[2, 3]).unwrap_err(),
        invalid("shape", "Rate module must have `size_out` == `size_in`.")
    );
    assert_eq!(
        ExpSyn::from_shape(&[2, 3]).unwrap_err(),
        invalid(
            "shape",
            "The `shape` argument must be one-dimensional for an ExpSyn module."
        )
    );
    let err = Sequential::new()
        .append(Linear::new(2, 3))
        .unwrap()
        .append(Linear::new(2, 3))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "1_Linear: The output of submodule 0 (Linear) does not match the input shape of submodule 1 (Linear): 3 ≠ 2"
    );
    let dup = Sequential::new()
        .append_named(std::sync::Arc::new(Lif::new(2)), Some("a"))
        .unwrap()
        .append_named(std::sync::Arc::new(Lif::new(2)), Some("a"));
    assert_eq!(
        dup.unwrap_err(),
        invalid("a", "a submodule named 'a' already exists")
    );
}

#[test]
fn constant_makes_a_simulation_parameter() {
    let lif = Lif::new(2).with_tau_mem(Constant(0.01)).unwrap();
    let tree = lif.init(0);
    assert!(tree.parameters(None).get("tau_mem").is_none());
    assert_eq!(
        tree.simulation_parameters(None)
            .array("tau_mem")
            .unwrap()
            .data(),
        &[0.01]
    );
}
