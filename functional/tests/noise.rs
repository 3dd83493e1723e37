//! Noise: a counter-based stream keyed by (sample key, step, neuron), its position in the
//! state. Same seed same bits; time splits and batch chunking change nothing; samples and
//! neurons are independent; mean 0 and standard deviation `noise_std·√dt` (LIF, Rate and
//! ExpSyn).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{assert_ev_bits_eq, input, steps};
use littoral_core::rng::{derive_seed, fill_standard_normal, sample_key};
use littoral_core::{Array, ModuleExt, Tree, tree_bits_eq};
use littoral_functional::{ParOptions, evolve_par};
use littoral_nets::{ExpSyn, Lif, Rate, Sequential};
use proptest::prelude::*;
use std::num::NonZeroUsize;

const DT: f64 = 1e-3;
const NOISE_STD: f64 = 2.0;

/// A LIF whose membrane shows each step's noise alone: `α = exp(-dt/τ_mem) = 0`,
/// `β = exp(-dt/τ_syn) = 0`, no bias, an unreachable threshold, so `vmem_t = noise_t`.
fn noise_probe(n: usize) -> Lif {
    Lif::new(n)
        .with_tau_mem(1e-6)
        .unwrap()
        .with_tau_syn(1e-6)
        .unwrap()
        .with_threshold(1e12)
        .unwrap()
        .with_noise_std(NOISE_STD)
        .unwrap()
        .with_dt(DT)
        .unwrap()
}

/// `vmem` record `(B, T, N)` of the probe.
fn noise_of(lif: &Lif, tree: &Tree, b: usize, t: usize) -> Array {
    let x = Array::zeros(vec![b, t, lif.n_neurons()]);
    let ev = lif.evolve(tree, tree, &x, true).unwrap();
    ev.record.get("vmem").unwrap().clone()
}

#[test]
fn the_probe_shows_the_noise_alone() {
    let lif = noise_probe(2);
    let tree = lif.init(0);
    let quiet = tree.merged(
        &lif.set(&tree, "noise_std", Array::scalar(0.0).into())
            .unwrap(),
    );
    assert!(
        noise_of(&lif, &quiet, 1, 10)
            .data()
            .iter()
            .all(|&v| v == 0.0)
    );
    assert!(
        noise_of(&lif, &tree, 1, 10)
            .data()
            .iter()
            .any(|&v| v != 0.0)
    );
}

/// The derivation documented in `docs/reproducibility.md`, bit for bit: the key of a
/// leaf is `derive_seed(seed, path)`, sample `b` uses `sample_key(key, b)`, and step `t`
/// of the stream gives neuron `j` the `j`-th standard normal, scaled by `noise_std·√dt`.
#[test]
fn noise_follows_the_documented_derivation() {
    let (b, t, n) = (3, 6, 5);
    let lif = noise_probe(n);
    let seed = 77;
    let v = noise_of(&lif, &lif.init(seed), b, t);
    let key = derive_seed(seed, "rng_key");
    let mut z = vec![0.0; n];
    for bi in 0..b {
        for s in 0..t {
            fill_standard_normal(sample_key(key, bi as u64), s as u64, &mut z);
            for (j, zj) in z.iter().enumerate() {
                let expected = NOISE_STD * DT.sqrt() * zj;
                let got = v.data()[(bi * t + s) * n + j];
                assert_eq!(
                    got.to_bits(),
                    expected.to_bits(),
                    "sample {bi} step {s} neuron {j}"
                );
            }
        }
    }
}

/// The standard normals of sample `bi`, step `s` for `n` units of a module initialised
/// with `seed` (the derivation above).
fn normals(seed: u64, bi: usize, s: usize, n: usize) -> Vec<f64> {
    let mut z = vec![0.0; n];
    let key = derive_seed(seed, "rng_key");
    fill_standard_normal(sample_key(key, bi as u64), s as u64, &mut z);
    z
}

#[test]
fn rate_and_exp_syn_noise_follow_the_documented_derivation() {
    let (b, t, n, seed) = (2, 7, 3, 41);
    let x = input(b, t, n, 8);
    let scale = NOISE_STD * DT.sqrt();
    // ExpSyn: `out_t = I_t + noise_std·√dt·z`, `I_t` the noiseless recurrence.
    let syn = ExpSyn::new(n).with_dt(DT).unwrap();
    let quiet = syn
        .evolve(&syn.init(seed), &syn.init(seed), &x, false)
        .unwrap();
    let noisy = syn.clone().with_noise_std(NOISE_STD).unwrap();
    let tree = noisy.init(seed);
    let out = noisy.evolve(&tree, &tree, &x, false).unwrap().output;
    // Rate: the noise joins the input, `x_t = x + α·(((−x + (in + noise)) + bias) + rec)`.
    let tau = 0.02;
    let rate = Rate::new(n)
        .with_tau(tau)
        .unwrap()
        .with_dt(DT)
        .unwrap()
        .with_noise_std(NOISE_STD)
        .unwrap();
    let tree = rate.init(seed);
    let states = rate.evolve(&tree, &tree, &x, true).unwrap();
    let states = states.record.get("x").unwrap();
    let alpha = DT / tau;
    for bi in 0..b {
        let mut state = vec![0.0f64; n];
        for s in 0..t {
            let z = normals(seed, bi, s, n);
            for j in 0..n {
                let at = (bi * t + s) * n + j;
                let expected = quiet.output.data()[at] + scale * z[j];
                assert_eq!(out.data()[at].to_bits(), expected.to_bits(), "ExpSyn {at}");
                let drive = ((-state[j] + (x.data()[at] + scale * z[j])) + 0.0) + 0.0;
                state[j] += drive * alpha;
                assert_eq!(states.data()[at].to_bits(), state[j].to_bits(), "Rate {at}");
            }
        }
    }
}

#[test]
fn same_seed_same_bits_other_seed_other_bits() {
    let lif = noise_probe(4);
    let a = noise_of(&lif, &lif.init(9), 3, 50);
    let b = noise_of(&lif, &lif.init(9), 3, 50);
    let c = noise_of(&lif, &lif.init(10), 3, 50);
    assert!(a.bits_eq(&b));
    assert!(a.data().iter().zip(c.data()).all(|(x, y)| x != y));
}

/// `values` look like independent draws of `N(0, σ²)`: mean and standard deviation within
/// 5 standard errors (the mean's is σ/√n, the standard deviation's about σ/√(2n)), and the
/// fraction beyond 2σ within 5 standard errors of 4.55 % (√(p(1−p)/n)).
fn assert_gaussian(values: &[f64], sigma: f64, what: &str) {
    let count = values.len() as f64;
    assert!(count >= 10_000.0, "{what}: too few values for the bounds");
    let mean = values.iter().sum::<f64>() / count;
    let var = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (count - 1.0);
    assert!(
        mean.abs() < 5.0 * sigma / count.sqrt(),
        "{what}: mean {mean}, σ {sigma}"
    );
    let rel = (var.sqrt() - sigma).abs() / sigma;
    assert!(
        rel < 5.0 / (2.0 * count).sqrt(),
        "{what}: std {} vs {sigma}",
        var.sqrt()
    );
    let p = 0.0455;
    let beyond = values.iter().filter(|x| x.abs() > 2.0 * sigma).count() as f64 / count;
    assert!(
        (beyond - p).abs() < 5.0 * (p * (1.0 - p) / count).sqrt(),
        "{what}: {beyond} beyond 2σ"
    );
}

#[test]
fn mean_and_std_match_noise_std_sqrt_dt() {
    let (b, t, n) = (4, 2000, 8);
    let lif = noise_probe(n);
    let v = noise_of(&lif, &lif.init(1), b, t);
    assert_gaussian(v.data(), NOISE_STD * DT.sqrt(), "LIF");
}

#[test]
fn rate_noise_has_mean_zero_and_std_noise_std_sqrt_dt() {
    // Rate adds the noise to its input: with no input, bias or recurrence,
    // `x_t = x_{t−1} + α·(−x_{t−1} + noise_t)`, so `noise_t = (x_t − x_{t−1})/α + x_{t−1}`
    // (to rounding, ~1e-16 of σ) from the recorded `x`.
    let (b, t, n) = (4, 2000, 8);
    let tau = 0.02;
    let rate = Rate::new(n)
        .with_tau(tau)
        .unwrap()
        .with_noise_std(NOISE_STD)
        .unwrap()
        .with_dt(DT)
        .unwrap();
    let alpha = DT / tau;
    let tree = rate.init(3);
    let ev = rate
        .evolve(&tree, &tree, &Array::zeros(vec![b, t, n]), true)
        .unwrap();
    let x = ev.record.get("x").unwrap().data();
    let mut noise = Vec::with_capacity(b * t * n);
    for bi in 0..b {
        for s in 0..t {
            for j in 0..n {
                let now = x[(bi * t + s) * n + j];
                let before = if s == 0 {
                    0.0
                } else {
                    x[(bi * t + s - 1) * n + j]
                };
                noise.push((now - before) / alpha + before);
            }
        }
    }
    assert_gaussian(&noise, NOISE_STD * DT.sqrt(), "Rate");
}

#[test]
fn exp_syn_noise_has_mean_zero_and_std_noise_std_sqrt_dt() {
    // ExpSyn adds the noise to its output: with no input the output is the noise.
    let (b, t, n) = (4, 2000, 8);
    let syn = ExpSyn::new(n)
        .with_noise_std(NOISE_STD)
        .unwrap()
        .with_dt(DT)
        .unwrap();
    let tree = syn.init(4);
    let ev = syn
        .evolve(&tree, &tree, &Array::zeros(vec![b, t, n]), false)
        .unwrap();
    assert_gaussian(ev.output.data(), NOISE_STD * DT.sqrt(), "ExpSyn");
}

fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

/// The series of sample `b`, neuron `j` from a `(B, T, N)` array.
fn series(v: &Array, b: usize, j: usize) -> Vec<f64> {
    let (t, n) = (v.shape()[1], v.shape()[2]);
    (0..t).map(|s| v.data()[(b * t + s) * n + j]).collect()
}

#[test]
fn samples_neurons_and_lags_are_uncorrelated() {
    let (b, t, n) = (3, 4000, 3);
    let lif = noise_probe(n);
    let v = noise_of(&lif, &lif.init(2), b, t);
    let bound = 5.0 / (t as f64).sqrt();
    let mut pairs = Vec::new();
    for b1 in 0..b {
        for j1 in 0..n {
            for b2 in 0..b {
                for j2 in 0..n {
                    if (b1, j1) < (b2, j2) {
                        pairs.push(((b1, j1), (b2, j2)));
                    }
                }
            }
        }
    }
    for ((b1, j1), (b2, j2)) in pairs {
        let r = correlation(&series(&v, b1, j1), &series(&v, b2, j2));
        assert!(
            r.abs() < bound,
            "samples {b1},{b2} neurons {j1},{j2}: r = {r}"
        );
    }
    // Successive steps of one neuron are independent too.
    let s = series(&v, 0, 0);
    let r = correlation(&s[..t - 1], &s[1..]);
    assert!(r.abs() < bound, "lag-1 r = {r}");
}

#[test]
fn a_network_of_identical_layers_draws_different_noise_per_layer() {
    let net = Sequential::new()
        .append(noise_probe(2))
        .unwrap()
        .append(noise_probe(2))
        .unwrap();
    let tree = net.init(4);
    let k0 = tree
        .get("0_LIF.rng_key")
        .unwrap()
        .value
        .as_u64()
        .unwrap()
        .clone();
    let k1 = tree
        .get("1_LIF.rng_key")
        .unwrap()
        .value
        .as_u64()
        .unwrap()
        .clone();
    assert_ne!(k0.data()[0], k1.data()[0]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Splitting T into several evolve calls (each continuing from the returned state)
    /// gives the bits of one call; so does any batch chunking and thread count.
    #[test]
    fn time_splits_and_batch_chunks_change_nothing(
        b in 1usize..=4,
        cuts in prop::collection::vec(1usize..=7, 1..=4),
        rec in any::<bool>(),
        seed in any::<u64>(),
        chunk in 1usize..=4,
        threads in 1usize..=3,
    ) {
        let net = Sequential::new()
            .append(Lif::with_synapses(4, 2).unwrap().with_noise_std(0.7).unwrap().with_has_rec(rec).with_bias(0.8).unwrap())
            .unwrap()
            .append(Lif::new(2).with_noise_std(0.3).unwrap().with_has_rec(true))
            .unwrap();
        let tree = net.init(seed);
        let t: usize = cuts.iter().sum();
        let x = input(b, t, 4, seed ^ 1);
        let whole = net.evolve(&tree, &tree, &x, true).unwrap();
        let mut state = tree.clone();
        let mut outputs = Vec::new();
        let mut start = 0;
        let par = ParOptions {
            record: littoral_core::Recording::Everything,
            chunk_size: NonZeroUsize::new(chunk),
            threads: Some(threads),
            allow_non_finite_input: false,
        };
        for c in &cuts {
            let ev = evolve_par(&net, &tree, &state, &steps(&x, start, start + c), &par).unwrap();
            outputs.push(ev.output);
            state = ev.state;
            start += c;
        }
        let parts: Vec<&Array> = outputs.iter().collect();
        let joined = littoral_functional::par::concat_axis(&parts, 1).unwrap();
        prop_assert!(joined.bits_eq(&whole.output));
        prop_assert!(tree_bits_eq(&state, &whole.state));
        // The step counters advanced by T.
        let key = state.get("0_LIF.rng_key").unwrap().value.as_u64().unwrap().clone();
        prop_assert!(key.data().chunks(2).all(|k| k[1] == t as u64));
        let again = net.evolve(&tree, &tree, &x, true).unwrap();
        assert_ev_bits_eq(&again, &whole, "same seed");
    }
}
