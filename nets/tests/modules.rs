//! Integration tests of Rate, Linear, ExpSyn and Instant against Rockpool's golden values
//! (reference contract §3.10) and construction rules.
#![allow(clippy::unwrap_used)]

use littoral_core::{Array, Constant, Error, Initialiser, Module, ModuleExt, OptionValue, TreeExt};
use littoral_nets::{Activation, ExpSyn, Instant, InstantFn, Lif, Linear, Rate};

const TOL: f64 = 1e-12;

fn rows(r: &[&[f64]]) -> Array {
    Array::from_rows(&r.iter().map(|v| v.to_vec()).collect::<Vec<_>>()).unwrap()
}

/// `got` (any shape) equals the row-major `want` element-wise within `tol`.
fn assert_close(got: &Array, want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "length of {:?}", got.shape());
    for (i, (g, w)) in got.data().iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tol, "element {i}: got {g:e}, want {w:e}");
    }
}

fn flat(r: &[&[f64]]) -> Vec<f64> {
    r.iter().flat_map(|v| v.iter().copied()).collect()
}

fn invalid_message(e: &Error) -> &str {
    match e {
        Error::Invalid { message, .. } => message,
        other => panic!("expected Error::Invalid, got {other:?}"),
    }
}

// ----------------------------------------------------------------------------------------
// Rate

#[test]
fn rate_g6_recurrent() {
    let rate = Rate::new(2)
        .with_has_rec(true)
        .with_w_rec(rows(&[&[0.0, 1.0], &[0.0, 0.0]]))
        .unwrap()
        .with_bias(0.1)
        .unwrap();
    let tree = rate.init(0);
    let x = rows(&[&[1.0, 0.0], &[0.0, 0.0], &[0.0, 0.0]]);
    let ev = rate.evolve(&tree, &tree, &x, true).unwrap();
    let want = flat(&[&[0.055, 0.005], &[0.05725, 0.0125], &[0.0593875, 0.0197375]]);
    assert_eq!(ev.output.shape(), &[1, 3, 2]);
    assert_close(&ev.output, &want, TOL);
    assert_close(ev.record.get("x").unwrap(), &want, TOL);
    assert_close(
        ev.record.get("rec_input").unwrap(),
        &flat(&[&[0.0, 0.0], &[0.0, 0.055], &[0.0, 0.05725]]),
        TOL,
    );
    assert_eq!(ev.record.get("rec_input").unwrap().shape(), &[1, 3, 2]);
    let xs = ev.state.array("x").unwrap();
    assert_eq!(xs.shape(), &[1, 2]);
    assert_close(xs, &[0.0593875, 0.0197375], TOL);
    assert_eq!(
        rate.options(),
        vec![
            ("has_rec", OptionValue::Bool(true)),
            ("activation_func", OptionValue::Str("relu".into())),
        ]
    );
    assert_eq!(tree.parameters("weights").leaf_count(), 1);
}

#[test]
fn rate_g7_tanh_threshold_and_tau_clip() {
    let rate = Rate::new(2)
        .with_activation(Activation::from_name("tanh").unwrap())
        .with_tau([0.02, 0.005])
        .unwrap()
        .with_threshold(0.1)
        .unwrap();
    let tree = rate.init(0);
    let x = Array::full(vec![2, 2], 1.0);
    let ev = rate.evolve(&tree, &tree, &x, true).unwrap();
    assert_close(
        ev.record.get("x").unwrap(),
        &flat(&[&[0.05, 0.1], &[0.0975, 0.19]]),
        TOL,
    );
    assert_close(
        &ev.output,
        &flat(&[
            &[-0.04995837495787997, 0.0],
            &[-0.00249999479167969, 0.0897577847471601],
        ]),
        TOL,
    );
    assert_eq!(
        rate.options()[1],
        ("activation_func", OptionValue::Str("tanh".into()))
    );
}

#[test]
fn rate_g8_relu_negative_zero() {
    let rate = Rate::new(2);
    let tree = rate.init(0);
    let x = rows(&[&[1.0, -1.0], &[1.0, -1.0], &[0.0, 0.0]]);
    let ev = rate.evolve(&tree, &tree, &x, true).unwrap();
    let xs = flat(&[&[0.05, -0.05], &[0.0975, -0.0975], &[0.092625, -0.092625]]);
    assert_close(ev.record.get("x").unwrap(), &xs, TOL);
    let relu: Vec<f64> = xs.iter().map(|&v| if v > 0.0 { v } else { -0.0 }).collect();
    assert_close(&ev.output, &relu, TOL);
    // NumPy's `(x - t) * ((x - t) > 0)` gives -0.0 for negative x: so do we.
    for (o, x) in ev.output.data().iter().zip(&xs) {
        if *x < 0.0 {
            assert_eq!(o.to_bits(), (-0.0f64).to_bits());
        }
    }
}

#[test]
fn rate_sigmoid_and_names() {
    for (name, act) in [
        ("ReLU", Activation::Relu),
        ("r", Activation::Relu),
        ("SIGMOID", Activation::Sigmoid),
        ("Sig", Activation::Sigmoid),
        ("s", Activation::Sigmoid),
        ("Tanh", Activation::Tanh),
        ("T", Activation::Tanh),
    ] {
        assert_eq!(Activation::from_name(name).unwrap(), act, "{name}");
    }
    let rate = Rate::new(1).with_activation(Activation::Sigmoid);
    let tree = rate.init(0);
    let ev = rate
        .evolve(&tree, &tree, &Array::full(vec![1, 1], 1.0), false)
        .unwrap();
    assert_close(&ev.output, &[(0.05f64.tanh() + 1.0) / 2.0], TOL);
}

#[test]
fn rate_construction_errors() {
    let e = Rate::from_shape(&[2, 3]).unwrap_err();
    assert_eq!(
        invalid_message(&e),
        "Rate module must have `size_out` == `size_in`."
    );
    assert_eq!(Rate::from_shape(&[3, 3]).unwrap().shape(), vec![3, 3]);
    assert_eq!(Rate::from_shape(&[3]).unwrap().shape(), vec![3]);
    assert!(Rate::from_shape(&[]).is_err());
    assert!(Rate::from_shape(&[2, 2, 2]).is_err());

    let e = Rate::new(2)
        .with_w_rec(rows(&[&[0.0, 1.0], &[0.0, 0.0]]))
        .unwrap_err();
    assert_eq!(
        invalid_message(&e),
        "If `shape` is unidimensional, then `w_rec` may not be provided as an argument."
    );

    let e = Activation::from_name("softplus").unwrap_err();
    assert_eq!(
        invalid_message(&e),
        "If `activation_func` is provided as a string argument, it must be one of \
         [\"ReLU\", \"sigmoid\", \"tanh\"]."
    );

    // Rockpool's shape rules: (3,) for a 2-unit tau is rejected, a scalar is kept.
    assert!(Rate::new(2).with_tau([0.1, 0.2, 0.3]).is_err());
    let tree = Rate::new(2).with_tau(0.05).unwrap().init(0);
    assert_eq!(tree.array("tau").unwrap().shape(), &[] as &[usize]);
}

#[test]
fn rate_families_and_weight_init() {
    let rate = Rate::new(3)
        .with_weight_init(Initialiser::Zeros)
        .with_has_rec(true);
    let tree = rate.init(5);
    assert_eq!(tree.array("w_rec").unwrap().data(), &[0.0; 9]);
    assert!(tree.parameters("taus").get("tau").is_some());
    assert!(tree.parameters("bias").get("bias").is_some());
    assert!(tree.parameters("thresholds").get("threshold").is_some());
    assert!(tree.parameters("weights").get("w_rec").is_some());
    assert!(tree.state(None).get("x").is_some());
    assert!(tree.state(None).get("rng_key").is_some());
    // Default recurrent weights are unit_eigs (random, non-zero).
    let tree = Rate::new(3).with_has_rec(true).init(5);
    assert!(
        tree.array("w_rec")
            .unwrap()
            .data()
            .iter()
            .any(|&w| w != 0.0)
    );
    // Turning has_rec off drops w_rec and keeps the other values.
    let rate = Rate::new(2)
        .with_has_rec(true)
        .with_bias(0.3)
        .unwrap()
        .with_has_rec(false);
    let tree = rate.init(0);
    assert!(tree.get("w_rec").is_none());
    assert_eq!(tree.array("bias").unwrap().data(), &[0.3]);
}

#[test]
fn rate_constant_tau_is_simulation_parameter() {
    let rate = Rate::new(2).with_tau(Constant(0.01)).unwrap();
    let tree = rate.init(0);
    assert!(tree.simulation_parameters(None).get("tau").is_some());
    assert!(tree.parameters(None).get("tau").is_none());
    assert!(tree.parameters("taus").get("tau").is_none());
    // It still drives the dynamics: α = dt / max(0.01, 10·dt) = 0.1.
    let ev = rate
        .evolve(&tree, &tree, &Array::full(vec![1, 2], 1.0), false)
        .unwrap();
    assert_close(&ev.output, &[0.1, 0.1], TOL);
}

#[test]
fn records_absent_without_record_flag() {
    let rate = Rate::new(2).with_has_rec(true);
    let tree = rate.init(0);
    let x = Array::full(vec![4, 2], 0.5);
    let ev = rate.evolve(&tree, &tree, &x, false).unwrap();
    assert!(ev.record.is_empty());
    let ev = rate.evolve(&tree, &tree, &x, true).unwrap();
    assert_eq!(ev.record.leaf_count(), 2);

    let lif = Lif::new(2);
    let tree = lif.init(0);
    let ev = lif.evolve(&tree, &tree, &x, false).unwrap();
    assert!(ev.record.is_empty());
    let ev = lif.evolve(&tree, &tree, &x, true).unwrap();
    assert_eq!(ev.record.leaf_count(), 4);
}

#[test]
fn rate_noise_reproducible() {
    let rate = Rate::new(3).with_noise_std(0.5).unwrap();
    let x = Array::full(vec![2, 20, 3], 0.1);
    let run = |seed: u64| {
        let tree = rate.init(seed);
        rate.evolve(&tree, &tree, &x, true).unwrap()
    };
    let (a, b, c) = (run(1), run(1), run(2));
    assert!(a.output.bits_eq(&b.output));
    assert!(!a.output.bits_eq(&c.output));
    // The noise is there, and differs between the two samples of the batch.
    let quiet = Rate::new(3);
    let qt = quiet.init(1);
    let q = quiet.evolve(&qt, &qt, &x, false).unwrap();
    assert!(!a.output.bits_eq(&q.output));
    let (s0, s1) = (
        a.output.index_axis0(0).unwrap(),
        a.output.index_axis0(1).unwrap(),
    );
    assert!(!s0.bits_eq(&s1));
    // Splitting time across two calls gives the same bits.
    let tree = rate.init(1);
    let first = rate
        .evolve(
            &tree,
            &tree,
            &x.clone().reshape(vec![2, 20, 3]).unwrap(),
            false,
        )
        .unwrap();
    let x1 = Array::full(vec![2, 12, 3], 0.1);
    let x2 = Array::full(vec![2, 8, 3], 0.1);
    let e1 = rate.evolve(&tree, &tree, &x1, false).unwrap();
    let e2 = rate.evolve(&tree, &e1.state, &x2, false).unwrap();
    let joined: Vec<f64> = (0..2)
        .flat_map(|b| {
            let mut v = e1.output.index_axis0(b).unwrap().into_data();
            v.extend(e2.output.index_axis0(b).unwrap().into_data());
            v
        })
        .collect();
    assert!(
        Array::from_shape_vec(vec![2, 20, 3], joined)
            .unwrap()
            .bits_eq(&first.output)
    );
}

// ----------------------------------------------------------------------------------------
// Linear

#[test]
fn linear_matches_hand_loop() {
    let (nin, nout, b, t) = (7, 5, 3, 4);
    let lin = Linear::new(nin, nout).with_has_bias(true);
    let tree = lin.init(11);
    let w = tree.array("weight").unwrap().clone();
    let bias = tree.array("bias").unwrap().clone();
    assert_eq!(w.shape(), &[nin, nout]);
    assert_eq!(bias.shape(), &[nout]);
    let data: Vec<f64> = (0..b * t * nin)
        .map(|i| ((i * 37 % 101) as f64 - 50.0) / 17.0)
        .collect();
    let x = Array::from_shape_vec(vec![b, t, nin], data.clone()).unwrap();
    let ev = lin.evolve(&tree, &tree, &x, true).unwrap();
    assert_eq!(ev.output.shape(), &[b, t, nout]);
    assert!(ev.state.is_empty());
    assert!(ev.record.is_empty());
    for r in 0..b * t {
        for j in 0..nout {
            let mut acc = 0.0;
            let mut mag = 0.0;
            for i in 0..nin {
                let p = data[r * nin + i] * w.data()[i * nout + j];
                acc += p;
                mag += p.abs();
            }
            let want = acc + bias.data()[j];
            let got = ev.output.data()[r * nout + j];
            assert!(
                (got - want).abs() <= 1e-12 * (mag + bias.data()[j].abs()),
                "row {r} col {j}: {got} vs {want}"
            );
        }
    }
}

#[test]
fn linear_bias_rules_and_batching() {
    let w = rows(&[&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]]);
    let lin = Linear::new(2, 3).with_weight(w).unwrap();
    assert!(!lin.has_bias());
    let tree = lin.init(0);
    assert!(tree.get("bias").is_none());
    assert_eq!(lin.options(), vec![("has_bias", OptionValue::Bool(false))]);
    // (T, Nin) input is batched to (1, T, Nout), unlike Rockpool.
    let ev = lin
        .evolve(&tree, &tree, &rows(&[&[1.0, 0.0], &[1.0, 1.0]]), false)
        .unwrap();
    assert_eq!(ev.output.shape(), &[1, 2, 3]);
    assert_eq!(ev.output.data(), &[1.0, 2.0, 3.0, 5.0, 7.0, 9.0]);
    // Giving a bias turns has_bias on.
    let lin = lin.with_bias([1.0, 1.0, 1.0]).unwrap();
    assert!(lin.has_bias());
    let tree = lin.init(0);
    assert_eq!(tree.parameters("biases").leaf_count(), 1);
    assert_eq!(tree.parameters("weights").leaf_count(), 1);
    let ev = lin
        .evolve(&tree, &tree, &rows(&[&[1.0, 0.0]]), false)
        .unwrap();
    assert_eq!(ev.output.data(), &[2.0, 3.0, 4.0]);
    // A wrong bias shape or input size is an error, not a panic.
    assert!(Linear::new(2, 3).with_bias([1.0, 1.0]).is_err());
    assert!(
        lin.evolve(&tree, &tree, &rows(&[&[1.0, 0.0, 0.0]]), false)
            .is_err()
    );
    // Initialisers.
    let tree = Linear::new(3, 2)
        .with_weight_init(Initialiser::Zeros)
        .with_bias_init(Initialiser::Zeros)
        .with_has_bias(true)
        .init(3);
    assert_eq!(tree.array("weight").unwrap().data(), &[0.0; 6]);
    assert_eq!(tree.array("bias").unwrap().data(), &[0.0; 2]);
    // Zero-sized layers.
    let lin = Linear::new(0, 2).with_bias([0.5, -0.5]).unwrap();
    let tree = lin.init(0);
    let ev = lin
        .evolve(&tree, &tree, &Array::zeros(vec![1, 3, 0]), false)
        .unwrap();
    assert_eq!(ev.output.data(), &[0.5, -0.5, 0.5, -0.5, 0.5, -0.5]);
}

#[test]
fn linear_shape_errors() {
    for shape in [&[10][..], &[10, 10, 10][..], &[][..]] {
        let e = Linear::from_shape(shape).unwrap_err();
        assert_eq!(
            invalid_message(&e),
            "`shape` must specify input and output sizes for Linear."
        );
    }
    assert_eq!(Linear::from_shape(&[2, 3]).unwrap().shape(), vec![2, 3]);
}

// ----------------------------------------------------------------------------------------
// ExpSyn

#[test]
fn exp_syn_g9_and_continuation() {
    let syn = ExpSyn::new(2).with_tau([0.01, 0.02]).unwrap();
    assert!(syn.spiking_input());
    assert!(!syn.spiking_output());
    let tree = syn.init(0);
    let x = rows(&[&[1.0, 0.0], &[0.0, 1.0], &[1.0, 0.0]]);
    let ev = syn.evolve(&tree, &tree, &x, true).unwrap();
    let last = [1.6456556387176775, 0.9048374180359597];
    assert_close(
        &ev.output,
        &flat(&[
            &[0.9048374180359595, 0.0],
            &[0.8187307530779819, 0.9512294245007141],
            &last,
        ]),
        TOL,
    );
    assert!(ev.record.is_empty());
    let isyn = ev.state.array("isyn").unwrap();
    assert_eq!(isyn.shape(), &[1, 2]);
    assert_close(isyn, &last, TOL);

    let beta = [(-0.1f64).exp(), (-0.05f64).exp()];
    let ev2 = syn
        .evolve(&tree, &ev.state, &Array::zeros(vec![2, 2]), false)
        .unwrap();
    assert_close(
        &ev2.output,
        &[
            last[0] * beta[0],
            last[1] * beta[1],
            last[0] * beta[0] * beta[0],
            last[1] * beta[1] * beta[1],
        ],
        TOL,
    );
    // Exactly the recurrence (bit for bit, with the state's own values).
    let s = isyn.data();
    assert_eq!(ev2.output.data()[0], beta[0] * (s[0] + 0.0));
    assert_eq!(
        ev2.output.data()[2],
        beta[0] * (beta[0] * (s[0] + 0.0) + 0.0)
    );
}

#[test]
fn exp_syn_shape_error_and_attributes() {
    let e = ExpSyn::from_shape(&[2, 2]).unwrap_err();
    assert_eq!(
        invalid_message(&e),
        "The `shape` argument must be one-dimensional for an ExpSyn module."
    );
    assert!(ExpSyn::from_shape(&[]).is_err());
    let syn = ExpSyn::from_shape(&[3]).unwrap();
    let tree = syn.init(0);
    assert_eq!(tree.array("tau").unwrap().data(), &[0.01; 3]);
    assert!(tree.parameters("taus").get("tau").is_some());
    let sim = tree.simulation_parameters(None);
    assert_eq!(sim.array("max_window_length").unwrap().data(), &[1e6]);
    assert_eq!(sim.array("dt").unwrap().data(), &[1e-3]);
    assert_eq!(sim.array("noise_std").unwrap().data(), &[0.0]);
    assert!(tree.state(None).get("isyn").is_some());
    // A scalar tau stays scalar.
    let tree = ExpSyn::new(3).with_tau(0.05).unwrap().init(0);
    assert_eq!(tree.array("tau").unwrap().shape(), &[] as &[usize]);
}

#[test]
fn exp_syn_noise_on_output() {
    let syn = ExpSyn::new(2).with_noise_std(0.3).unwrap();
    let x = Array::full(vec![3, 10, 2], 0.2);
    let run = |seed: u64| {
        let tree = syn.init(seed);
        syn.evolve(&tree, &tree, &x, false).unwrap()
    };
    let (a, b, c) = (run(4), run(4), run(5));
    assert!(a.output.bits_eq(&b.output));
    assert!(
        a.state
            .array("isyn")
            .unwrap()
            .bits_eq(b.state.array("isyn").unwrap())
    );
    assert!(!a.output.bits_eq(&c.output));
    // The noise is added to the output and not filtered: output − clean recurrence is the
    // noise itself; the state keeps the noiseless current, so splitting time is exact.
    let quiet = ExpSyn::new(2);
    let qt = quiet.init(0);
    let q = quiet.evolve(&qt, &qt, &x, false).unwrap();
    let diffs: Vec<f64> = a
        .output
        .data()
        .iter()
        .zip(q.output.data())
        .map(|(n, c)| n - c)
        .collect();
    assert!(
        diffs
            .iter()
            .all(|d| d.abs() > 0.0 && d.abs() < 0.3 * 1e-3f64.sqrt() * 8.0)
    );
    let isyn = a.state.array("isyn").unwrap();
    let clean = q.state.array("isyn").unwrap();
    assert!(isyn.bits_eq(clean), "state is the noiseless current");
}

// ----------------------------------------------------------------------------------------
// Instant

#[test]
fn instant_tanh_example() {
    let m = Instant::new(3, InstantFn::from_name("tanh").unwrap());
    let tree = m.init(0);
    assert!(tree.is_empty());
    let ev = m
        .evolve(&tree, &tree, &rows(&[&[0.5, 1.0, 2.0]]), false)
        .unwrap();
    assert_eq!(ev.output.shape(), &[1, 1, 3]);
    assert_close(&ev.output, &[0.4621, 0.7616, 0.9640], 1e-4);
    assert_close(
        &ev.output,
        &[0.5f64.tanh(), 1.0f64.tanh(), 2.0f64.tanh()],
        0.0,
    );
    assert!(ev.state.is_empty() && ev.record.is_empty());
    assert_eq!(
        m.options(),
        vec![("function", OptionValue::Str("tanh".into()))]
    );
}

#[test]
fn instant_functions() {
    let x = rows(&[&[-1.0, 0.0, 2.0]]);
    type Case = (&'static str, fn(f64) -> f64);
    let cases: [Case; 6] = [
        ("identity", |v| v),
        ("tanh", f64::tanh),
        ("sigmoid", |v| 1.0 / (1.0 + (-v).exp())),
        ("relu", |v| v.max(0.0)),
        ("exp", f64::exp),
        ("abs", f64::abs),
    ];
    for (name, f) in cases {
        let m = Instant::new(3, InstantFn::from_name(name).unwrap());
        let tree = m.init(0);
        let ev = m.evolve(&tree, &tree, &x, false).unwrap();
        let want: Vec<f64> = x.data().iter().map(|&v| f(v)).collect();
        assert_close(&ev.output, &want, 0.0);
        assert_eq!(m.function().name(), name);
    }
    assert!(InstantFn::from_name("softmax").is_err());
    let m = Instant::new(3, InstantFn::custom(|v| v * v + 1.0));
    assert_eq!(
        m.options(),
        vec![("function", OptionValue::Str("custom".into()))]
    );
    assert_eq!(format!("{:?}", m.function()), "Custom(..)");
    let tree = m.init(0);
    let ev = m.evolve(&tree, &tree, &x, false).unwrap();
    assert_eq!(ev.output.data(), &[2.0, 1.0, 5.0]);
    // (T,) input broadcasts to every channel, as Rockpool's auto-batching.
    let ev = m
        .evolve(&tree, &tree, &Array::from_vec(vec![1.0, 2.0]), false)
        .unwrap();
    assert_eq!(ev.output.shape(), &[1, 2, 3]);
}
