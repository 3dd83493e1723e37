//! Sweeps: grid and zip ordering, scalar broadcast, validation, per-point reproducibility,
//! shared leaves, summaries and progress.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{assert_ev_bits_eq, input};
use littoral_core::{Array, Initialiser, ModuleExt, Tree, TreeExt, Value};
use littoral_functional::sweep::{PointResult, point_seed, run_point, sweep_map};
use littoral_functional::{Error, Sweep, SweepMode, SweepOptions, run_sweep};
use littoral_nets::{Lif, Linear, Sequential};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

fn network() -> (Sequential, Tree) {
    let net = Sequential::new()
        .append(Linear::new(2, 3).with_weight_init(Initialiser::Kaiming))
        .unwrap()
        .append(Lif::new(3).with_noise_std(0.5).unwrap().with_has_rec(true))
        .unwrap()
        .append(Lif::new(3))
        .unwrap();
    let tree = net.init(8);
    (net, tree)
}

fn scalar_of(v: &Value) -> Vec<f64> {
    v.as_f64().unwrap().data().to_vec()
}

fn keep() -> SweepOptions<'static> {
    SweepOptions {
        base_seed: 17,
        keep_outputs: true,
        record: littoral_core::Recording::Everything,
        ..SweepOptions::default()
    }
}

#[test]
fn grid_order_is_row_major_with_the_last_axis_fastest() {
    let (net, tree) = network();
    let sweep = Sweep::grid()
        .axis("1_LIF.tau_mem", [0.01, 0.02, 0.03])
        .axis("2_LIF.threshold", [0.5, 1.0]);
    assert_eq!(sweep.len().unwrap(), 6);
    let x = input(2, 20, 2, 1);
    let r = run_sweep(&net, &tree, &tree, &x, &sweep, &keep()).unwrap();
    let got: Vec<(f64, f64)> = r
        .iter()
        .map(|p| {
            let o = &p.summary.overrides;
            assert_eq!(o[0].0, "1_LIF.tau_mem");
            assert_eq!(o[1].0, "2_LIF.threshold");
            (scalar_of(&o[0].1)[0], scalar_of(&o[1].1)[0])
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (0.01, 0.5),
            (0.01, 1.0),
            (0.02, 0.5),
            (0.02, 1.0),
            (0.03, 0.5),
            (0.03, 1.0)
        ]
    );
    for (k, p) in r.iter().enumerate() {
        assert_eq!(p.summary.index, k);
        // The overrides are in the point's params.
        assert_eq!(
            p.params.array("1_LIF.tau_mem").unwrap().data(),
            &[got[k].0; 3]
        );
    }
}

#[test]
fn zip_pairs_values_and_checks_lengths() {
    let (net, tree) = network();
    let sweep = Sweep::zip()
        .axis("1_LIF.tau_mem", [0.01, 0.02, 0.03])
        .axis("1_LIF.dt", [1e-3, 2e-3, 5e-4]);
    assert_eq!(sweep.mode, SweepMode::Zip);
    let r = run_sweep(&net, &tree, &tree, &input(1, 10, 2, 2), &sweep, &keep()).unwrap();
    let dts: Vec<f64> = r
        .iter()
        .map(|p| scalar_of(&p.summary.overrides[1].1)[0])
        .collect();
    assert_eq!(dts, vec![1e-3, 2e-3, 5e-4]);
    let bad = Sweep::zip()
        .axis("1_LIF.tau_mem", [0.01, 0.02])
        .axis("1_LIF.dt", [1e-3]);
    let e = run_sweep(&net, &tree, &tree, &input(1, 10, 2, 2), &bad, &keep()).unwrap_err();
    assert!(
        matches!(e, Error::Sweep(_)) && e.to_string().contains("same length"),
        "{e}"
    );
}

#[test]
fn scalars_broadcast_to_the_leaf_shape_and_arrays_are_checked() {
    let (net, tree) = network();
    let sweep = Sweep::grid()
        .axis("1_LIF.bias", [0.25])
        .axis("0_Linear.weight", [Array::full(vec![2, 3], 0.5)]);
    let r = run_sweep(&net, &tree, &tree, &input(1, 5, 2, 3), &sweep, &keep()).unwrap();
    let bias = r[0].params.array("1_LIF.bias").unwrap();
    assert_eq!(bias.shape(), tree.array("1_LIF.bias").unwrap().shape());
    assert!(bias.data().iter().all(|&b| b == 0.25));
    let bad = Sweep::grid().axis("0_Linear.weight", [Array::full(vec![3, 2], 0.5)]);
    let e = run_sweep(&net, &tree, &tree, &input(1, 5, 2, 3), &bad, &keep()).unwrap_err();
    assert!(e.to_string().contains("0_Linear.weight"), "{e}");
    let nan = Sweep::grid().axis("1_LIF.tau_mem", [f64::NAN]);
    let e = run_sweep(&net, &tree, &tree, &input(1, 5, 2, 3), &nan, &keep()).unwrap_err();
    assert!(e.to_string().contains("1_LIF.tau_mem"), "{e}");
}

#[test]
fn unknown_and_state_paths_are_rejected_before_running() {
    let (net, tree) = network();
    let ran = AtomicUsize::new(0);
    let progress = |_: usize, _: usize| {
        ran.fetch_add(1, Ordering::Relaxed);
    };
    let opts = SweepOptions {
        progress: Some(&progress),
        ..keep()
    };
    let sweep = Sweep::grid()
        .axis("1_LIF.tau_mem", [0.01, 0.02])
        .axis("1_LIF.tau_membrane", [0.01]);
    let e = run_sweep(&net, &tree, &tree, &input(1, 5, 2, 3), &sweep, &opts).unwrap_err();
    assert!(
        matches!(&e, Error::Core(littoral_core::Error::UnknownPath { path }) if path == "1_LIF.tau_membrane"),
        "{e}"
    );
    assert!(e.to_string().contains("1_LIF.tau_membrane"));
    let state = Sweep::grid().axis("1_LIF.vmem", [0.1]);
    let e = run_sweep(&net, &tree, &tree, &input(1, 5, 2, 3), &state, &opts).unwrap_err();
    assert!(e.to_string().contains("is a State"), "{e}");
    let twice = Sweep::grid()
        .axis("1_LIF.dt", [1e-3])
        .axis("1_LIF.dt", [2e-3]);
    let e = run_sweep(&net, &tree, &tree, &input(1, 5, 2, 3), &twice, &opts).unwrap_err();
    assert!(
        matches!(e, Error::Sweep(ref m) if m == "1_LIF.dt appears on two axes"),
        "{e:?}"
    );
    assert_eq!(
        ran.load(Ordering::Relaxed),
        0,
        "nothing may run before validation passes"
    );
}

#[test]
fn each_point_rerun_alone_gives_identical_bits_on_any_thread_count() {
    let (net, tree) = network();
    let sweep = Sweep::grid()
        .axis("1_LIF.tau_mem", [0.01, 0.03])
        .axis("1_LIF.noise_std", [0.2, 0.9, 1.5]);
    let x = input(3, 25, 2, 4);
    let mut runs: Vec<Vec<PointResult>> = Vec::new();
    for threads in [1, 2, 4] {
        let opts = SweepOptions {
            threads: Some(threads),
            ..keep()
        };
        runs.push(run_sweep(&net, &tree, &tree, &x, &sweep, &opts).unwrap());
    }
    for k in 0..sweep.len().unwrap() {
        let alone = run_point(&net, &tree, &tree, &x, &sweep, k, &keep()).unwrap();
        let a = alone.evolution.as_ref().unwrap();
        for run in &runs {
            assert_ev_bits_eq(run[k].evolution.as_ref().unwrap(), a, &format!("point {k}"));
        }
        // The point's noise is its own: point k is an evolve from the re-keyed state.
        let (p, s, _) = sweep.point_trees(&net, &tree, &tree, 17, k).unwrap();
        let direct = net.evolve(&p, &s, &x, true).unwrap();
        assert_ev_bits_eq(&direct, a, &format!("direct point {k}"));
    }
    // Points with the same overrides but different indices draw different noise.
    let same = Sweep::zip().axis("1_LIF.noise_std", [0.9, 0.9]);
    let r = run_sweep(&net, &tree, &tree, &x, &same, &keep()).unwrap();
    let v0 = r[0]
        .evolution
        .as_ref()
        .unwrap()
        .record
        .get("1_LIF.vmem")
        .unwrap()
        .clone();
    let v1 = r[1]
        .evolution
        .as_ref()
        .unwrap()
        .record
        .get("1_LIF.vmem")
        .unwrap()
        .clone();
    assert!(!v0.bits_eq(&v1));
    // Another base seed, other noise.
    let other = SweepOptions {
        base_seed: 18,
        ..keep()
    };
    let r2 = run_sweep(&net, &tree, &tree, &x, &same, &other).unwrap();
    let v2 = r2[0]
        .evolution
        .as_ref()
        .unwrap()
        .record
        .get("1_LIF.vmem")
        .unwrap()
        .clone();
    assert!(!v2.bits_eq(&v0));
    assert_ne!(point_seed(17, 0), point_seed(17, 1));
}

#[test]
fn unchanged_leaves_are_shared_not_copied() {
    let (net, tree) = network();
    let sweep = Sweep::grid().axis("1_LIF.tau_mem", [0.01, 0.02, 0.03, 0.04]);
    let opts = SweepOptions {
        keep_outputs: false,
        ..keep()
    };
    let r = run_sweep(&net, &tree, &tree, &input(1, 5, 2, 5), &sweep, &opts).unwrap();
    let base_w = tree.array("0_Linear.weight").unwrap();
    let base_rec = tree.array("1_LIF.w_rec").unwrap();
    for p in &r {
        assert!(Arc::ptr_eq(
            p.params.array("0_Linear.weight").unwrap(),
            base_w
        ));
        assert!(Arc::ptr_eq(
            p.params.array("1_LIF.w_rec").unwrap(),
            base_rec
        ));
        assert!(!Arc::ptr_eq(
            p.params.array("1_LIF.tau_mem").unwrap(),
            tree.array("1_LIF.tau_mem").unwrap()
        ));
        assert!(p.evolution.is_none());
    }
    // The generic map sees the shared trees too.
    let shared = sweep_map(
        &net,
        &tree,
        &tree,
        &sweep,
        0,
        Some(2),
        None,
        |_, p, _, _| Ok(Arc::ptr_eq(p.array("0_Linear.weight")?, base_w)),
    )
    .unwrap();
    assert!(shared.iter().all(|&s| s));
}

#[test]
fn summaries_progress_and_empty_sweeps() {
    let (net, tree) = network();
    let sweep = Sweep::grid().axis("1_LIF.bias", [0.0, 2.0]);
    let calls = std::sync::Mutex::new(Vec::new());
    let progress = |done: usize, total: usize| calls.lock().unwrap().push((done, total));
    let opts = SweepOptions {
        progress: Some(&progress),
        threads: Some(2),
        keep_outputs: true,
        record: littoral_core::Recording::Everything,
        base_seed: 3,
        ..SweepOptions::default()
    };
    let x = input(2, 50, 2, 6);
    let started = std::time::Instant::now();
    let r = run_sweep(&net, &tree, &tree, &x, &sweep, &opts).unwrap();
    let wall = started.elapsed().as_secs_f64();
    let mut c = calls.lock().unwrap().clone();
    c.sort_unstable();
    assert_eq!(c, vec![(1, 2), (2, 2)]);
    for p in &r {
        let ev = p.evolution.as_ref().unwrap();
        let out = p.summary.signal("output").unwrap();
        assert!(out.spiking);
        assert_eq!(out.elements, 2 * 50 * 3);
        assert_eq!(out.sum, ev.output.data().iter().sum::<f64>());
        assert_eq!(out.rate_hz, Some(out.mean / 1e-3));
        let lin = p.summary.signal("0_Linear").unwrap();
        assert!(!lin.spiking && lin.rate_hz.is_none());
        let rec = ev.record.get("0_Linear_output").unwrap();
        assert_eq!(lin.max, rec.data().iter().copied().fold(f64::NAN, f64::max));
        assert!(p.summary.signal("1_LIF").unwrap().spiking);
        // Each point's evolve, timed inside the sweep.
        let seconds = p.summary.seconds;
        assert!(seconds > 0.0 && seconds <= wall, "{seconds} s of {wall} s");
    }
    // More bias, more spikes in the middle layer.
    let s0 = r[0].summary.signal("1_LIF").unwrap().sum;
    let s1 = r[1].summary.signal("1_LIF").unwrap().sum;
    assert!(s1 > s0, "{s0} vs {s1}");
    // A sweep with no axis is one point: the base values (with the point's noise).
    let one = run_sweep(&net, &tree, &tree, &x, &Sweep::grid(), &opts).unwrap();
    assert_eq!(one.len(), 1);
    assert!(one[0].summary.overrides.is_empty());
    // An axis without values: no point.
    let none = Sweep::grid().axis::<f64>("1_LIF.bias", []);
    assert!(
        run_sweep(&net, &tree, &tree, &x, &none, &opts)
            .unwrap()
            .is_empty()
    );
}

/// A Linear stage that no point changes is computed once for all points (as XLA does
/// for a vmapped sweep); the points' bits equal full runs of each point alone.
#[test]
fn a_shared_upstream_stage_gives_the_same_bits_as_full_runs() {
    let net = Sequential::new()
        .append(Linear::new(6, 5))
        .unwrap()
        .append(Lif::new(5).with_noise_std(0.2).unwrap())
        .unwrap();
    let tree = net.init(9);
    let sweep = Sweep::grid()
        .axis("1_LIF.tau_mem", [0.01, 0.03])
        .axis("1_LIF.threshold", [0.5, 1.0, 2.0]);
    let x = Array::full(vec![2, 30, 6], 0.3);
    let opts = SweepOptions {
        keep_outputs: true,
        base_seed: 4,
        ..SweepOptions::default()
    };
    let all = run_sweep(&net, &tree, &tree, &x, &sweep, &opts).unwrap();
    for (k, point) in all.iter().enumerate() {
        let alone = run_point(&net, &tree, &tree, &x, &sweep, k, &opts).unwrap();
        let (a, b) = (
            point.evolution.as_ref().unwrap(),
            alone.evolution.as_ref().unwrap(),
        );
        assert!(a.output.bits_eq(&b.output), "point {k}");
        assert!(littoral_core::tree_bits_eq(&a.state, &b.state), "point {k}");
        assert_eq!(point.summary.signals, alone.summary.signals);
    }
}

/// Points that keep only summaries (evolved by blocks of samples, here one sample of
/// 450 × 300 numbers a block) give the summaries of points evolved whole (kept outputs),
/// bit for bit, on any thread count, with the shared head and with recording.
#[test]
fn summaries_alone_are_the_bits_of_whole_points() {
    let net = Sequential::new()
        .append(Linear::new(4, 300).with_weight_init(Initialiser::Kaiming))
        .unwrap()
        .append(Lif::new(300).with_noise_std(0.3).unwrap())
        .unwrap();
    let tree = net.init(3);
    let sweep = Sweep::grid()
        .axis("1_LIF.tau_mem", [0.01, 0.04])
        .axis("1_LIF.threshold", [0.5, 1.0]);
    let x = input(3, 450, 4, 9);
    type Bits = Vec<Vec<(String, usize, u64, u64, u64)>>;
    let bits = |r: &[PointResult]| -> Bits {
        r.iter()
            .map(|p| {
                p.summary
                    .signals
                    .iter()
                    .map(|s| {
                        let (sum, mean, max) = (s.sum.to_bits(), s.mean.to_bits(), s.max.to_bits());
                        (s.path.clone(), s.elements, sum, mean, max)
                    })
                    .collect()
            })
            .collect()
    };
    for record in [false, true] {
        let whole = SweepOptions {
            base_seed: 5,
            record: record.into(),
            keep_outputs: true,
            ..SweepOptions::default()
        };
        let expected = bits(&run_sweep(&net, &tree, &tree, &x, &sweep, &whole).unwrap());
        assert_eq!(expected[0].len(), if record { 3 } else { 1 });
        for threads in [1, 2, 3] {
            let alone = SweepOptions {
                keep_outputs: false,
                threads: Some(threads),
                ..whole
            };
            let r = run_sweep(&net, &tree, &tree, &x, &sweep, &alone).unwrap();
            assert!(r.iter().all(|p| p.evolution.is_none()));
            assert_eq!(bits(&r), expected, "record {record}, {threads} thread(s)");
            let one = run_point(&net, &tree, &tree, &x, &sweep, 3, &alone).unwrap();
            assert_eq!(bits(&[one]), expected[3..], "point 3 alone");
        }
    }
}

/// A NaN or an infinity in the input of points that keep only summaries (whose common
/// input is scanned once for all of them) is reported as evolving the network reports
/// it: `input`, its flat index and value; with a shared head (its output then checked,
/// here finite) and without one (the sweep's own input); and allowed when asked.
#[test]
fn non_finite_input_of_streamed_points_is_reported_as_evolve_reports_it() {
    let shared = Sequential::new()
        .append(Linear::new(3, 4))
        .unwrap()
        .append(Lif::new(4))
        .unwrap();
    let alone = Sequential::new().append(Lif::new(3)).unwrap();
    for (net, axis) in [(shared, "1_LIF.tau_mem"), (alone, "0_LIF.tau_mem")] {
        let tree = net.init(2);
        let sweep = Sweep::grid().axis(axis, [0.01, 0.02, 0.03, 0.04]);
        let mut x = Array::full(vec![2, 20, 3], 0.4);
        x.data_mut()[77] = f64::INFINITY;
        let expected = net.evolve(&tree, &tree, &x, false).unwrap_err().to_string();
        assert!(expected.contains("77"), "{expected}");
        for threads in [1, 2] {
            let opts = SweepOptions {
                threads: Some(threads),
                ..SweepOptions::default()
            };
            let err = run_sweep(&net, &tree, &tree, &x, &sweep, &opts).unwrap_err();
            assert_eq!(err.to_string(), expected, "{axis}, {threads} thread(s)");
            let allowed = SweepOptions {
                allow_non_finite_input: true,
                ..opts
            };
            assert!(run_sweep(&net, &tree, &tree, &x, &sweep, &allowed).is_ok());
        }
    }
}
