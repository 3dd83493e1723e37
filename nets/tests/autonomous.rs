//! The autonomous (input-free, event-output) evolve of `Lif` against the general
//! `evolve` with a zero input: the same spikes and final state to the bit, on any thread
//! count and split of the run into calls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use littoral_core::{Array, Kind, Leaf, Module, ModuleExt, Tree, TreeExt};
use littoral_nets::autonomous::{Autonomous, Spike};
use littoral_nets::sparse::{Connectivity, SparseInit, Weights, onto_synapses};
use littoral_nets::{Lif, Reset};

/// A small recurrent LIF with reset to value, refractory period and 2 synapses per
/// neuron, driven to fire by its bias; `uniform = false` gives per-neuron parameters and
/// rows with more than one weight (every 503rd synapse's weight changed), `uniform = true`
/// one weight per synapse type (as CUBA's: the events onto a column are tallied).
fn network(n: usize, refractory: bool, uniform: bool) -> (Lif, Tree) {
    let w = SparseInit {
        connectivity: Connectivity::FixedProbability {
            p: 0.1,
            autapses: false,
        },
        weights: Weights::Uniform {
            low: -0.3,
            high: 0.2,
        },
    }
    .build::<f64>("w_rec", n, n, 3)
    .unwrap();
    let w = onto_synapses(w, 2, |i| Some((i % 2, if i % 2 == 0 { 0.7 } else { 1.1 }))).unwrap();
    let mut lif = Lif::with_synapses(2 * n, n)
        .unwrap()
        .with_reset(Reset::ToValue)
        .with_tau_syn(Array::from_shape_vec(vec![1, 2], vec![5e-3, 1e-2]).unwrap())
        .unwrap()
        .with_dt(1e-3)
        .unwrap()
        .with_sparse_w_rec(w)
        .unwrap();
    if refractory {
        lif = lif.with_refractory(4e-3).unwrap();
    }
    let mut tree = lif.init(5);
    let per_neuron = |f: fn(usize) -> f64| Array::from_shape_vec(vec![n], (0..n).map(f).collect());
    let leaf = |a: Array| Leaf::f64(Kind::Parameter, None, a);
    if uniform {
        tree.insert_leaf(
            "bias",
            leaf(Array::from_shape_vec(vec![], vec![0.05]).unwrap()),
        );
    } else {
        tree.insert_leaf(
            "bias",
            leaf(per_neuron(|j| 0.03 + 0.001 * j as f64).unwrap()),
        );
        tree.insert_leaf(
            "tau_mem",
            leaf(per_neuron(|j| 0.01 + 1e-4 * j as f64).unwrap()),
        );
        tree.insert_leaf(
            "threshold",
            leaf(per_neuron(|j| 0.8 + 0.01 * (j % 7) as f64).unwrap()),
        );
        tree.insert_leaf(
            "v_reset",
            leaf(per_neuron(|j| -0.1 * (j % 3) as f64).unwrap()),
        );
        let mut w = tree.array("w_rec").unwrap().data().to_vec();
        for x in w.iter_mut().step_by(503) {
            *x *= 1.25;
        }
        let nnz = w.len();
        tree.insert_leaf("w_rec", leaf(Array::from_shape_vec(vec![nnz], w).unwrap()));
    }
    let v0 = per_neuron(|j| (j as f64 * 0.37).fract()).unwrap();
    tree.insert_leaf("vmem", Leaf::f64(Kind::State, None, v0));
    (lif, tree)
}

/// The general path: spikes as events and the final state's leaves.
fn general(lif: &Lif, tree: &Tree, steps: usize) -> (Vec<Spike>, Tree) {
    let x = Array::zeros(vec![steps, lif.size_in()]);
    // `record = true` keeps `evolve` off the fast path, which it takes for an input-free
    // run without record.
    let ev = lif.evolve(tree, tree, &x, true).unwrap();
    let n = lif.n_neurons();
    let spikes = ev
        .output
        .data()
        .chunks(n)
        .enumerate()
        .flat_map(|(t, row)| {
            row.iter()
                .enumerate()
                .filter(|(_, s)| **s != 0.0)
                .map(move |(j, s)| {
                    assert_eq!(*s, 1.0);
                    Spike {
                        step: t as u32,
                        neuron: j as u32,
                    }
                })
        })
        .collect();
    (spikes, ev.state)
}

fn bits(tree: &Tree, name: &str) -> Vec<u64> {
    tree.array(name)
        .unwrap()
        .data()
        .iter()
        .map(|v| v.to_bits())
        .collect()
}

/// The autonomous run against the general path (spikes and final state to the bit);
/// returns the spikes.
fn check(
    n: usize,
    refractory: bool,
    uniform: bool,
    threads: usize,
    splits: &[usize],
) -> Vec<Spike> {
    let (lif, tree) = network(n, refractory, uniform);
    let steps: usize = splits.iter().sum();
    let (want, want_state) = general(&lif, &tree, steps);
    assert!(
        want.len() > steps / 2,
        "the test network must spike: {}",
        want.len()
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let mut run = Autonomous::new(&lif, &tree).unwrap().with_min_part(1024);
    let mut got = Vec::new();
    let mut t0 = 0;
    for &len in splits {
        let part = pool.install(|| run.run(len)).unwrap();
        got.extend(part.into_iter().map(|s| Spike {
            step: s.step + t0 as u32,
            neuron: s.neuron,
        }));
        t0 += len;
    }
    assert_eq!(
        got, want,
        "n={n} refractory={refractory} uniform={uniform} threads={threads}"
    );
    let mut state = tree.clone();
    run.write_state(&mut state).unwrap();
    let mut names = vec!["spikes", "isyn", "vmem"];
    if refractory {
        names.push("refractory_steps");
    }
    for name in names {
        assert_eq!(bits(&state, name), bits(&want_state, name), "{name}");
    }
    want
}

#[test]
fn autonomous_equals_general_evolve_to_the_bit() {
    for refractory in [true, false] {
        for uniform in [true, false] {
            check(300, refractory, uniform, 1, &[400]);
        }
    }
}

#[test]
fn autonomous_bits_do_not_depend_on_threads_or_calls() {
    // 3100 neurons: two and three parts of >= 1024 neurons on 2 and 3 threads.
    for threads in [2, 3] {
        let spikes = check(3100, true, true, threads, &[70, 80]);
        // Both ways of summing the input onto a column: tallies (at most 255 spikes in a
        // step) and the general walk (more).
        let mut per_step = vec![0; 150];
        for s in &spikes {
            per_step[s.step as usize] += 1;
        }
        assert!(
            per_step.iter().any(|&c| c > 255) && per_step.iter().any(|&c| (1..=255).contains(&c))
        );
        check(3100, true, false, threads, &[60, 1, 89]);
    }
    check(300, true, false, 1, &[0, 100, 7, 93]);
}

#[test]
fn autonomous_refuses_what_it_does_not_cover() {
    let subtract = Lif::new(4);
    let tree = subtract.init(0);
    let err = Autonomous::new(&subtract, &tree).unwrap_err().to_string();
    assert!(err.contains("to_value"), "{err}");
}

#[test]
fn autonomous_one_synapse_without_recurrence_equals_general_evolve() {
    let lif = Lif::new(50)
        .with_reset(Reset::ToValue)
        .with_bias(0.3)
        .unwrap()
        .with_refractory(3e-3)
        .unwrap();
    let tree = lif.init(1);
    let (want, want_state) = general(&lif, &tree, 300);
    assert!(!want.is_empty());
    let mut run = Autonomous::new(&lif, &tree).unwrap();
    assert_eq!(run.run(300).unwrap(), want);
    let mut state = tree.clone();
    run.write_state(&mut state).unwrap();
    for name in ["spikes", "isyn", "vmem", "refractory_steps"] {
        assert_eq!(bits(&state, name), bits(&want_state, name), "{name}");
    }
}

/// `Lif::evolve` of an input-free run without record takes the fast path by itself: the
/// same output and state as the general path (`record = true`), and a non-zero input or
/// a batch of 2 still evolves correctly (general path).
#[test]
fn evolve_chooses_the_fast_path_with_the_same_bits() {
    let (lif, tree) = network(300, true, true);
    let x = Array::zeros(vec![120, lif.size_in()]);
    let (fast, general) = (
        lif.evolve(&tree, &tree, &x, false).unwrap(),
        lif.evolve(&tree, &tree, &x, true).unwrap(),
    );
    assert!(fast.output.data().contains(&1.0));
    assert_eq!(fast.output.data(), general.output.data());
    assert!(littoral_core::tree_bits_eq(&fast.state, &general.state));
    assert!(fast.record.is_empty());
    let mut x1 = x.data().to_vec();
    x1[5] = 0.5;
    let x1 = Array::from_shape_vec(x.shape().to_vec(), x1).unwrap();
    let (a, b) = (
        lif.evolve(&tree, &tree, &x1, false).unwrap(),
        lif.evolve(&tree, &tree, &x1, true).unwrap(),
    );
    assert_eq!(a.output.data(), b.output.data());
    assert_ne!(a.output.data(), fast.output.data());
}
