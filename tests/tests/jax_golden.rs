//! The f32 path against Rockpool 3.1.0's Jax modules (`LIFJax`, `LinearJax`), which compute
//! in float32: spike counts equal (up to the sign of zero), potentials and currents within a per-case
//! budget (relative to `max(1, |value|)`), given with its reason in [`TOLERANCES`]. Files
//! from `tests/golden/gen_jax.py`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use littoral_core::{ModuleExt, TreeExt};
use littoral_nets::config::from_json;
use littoral_tests::{Budget, GoldenCase, compare, read_case};
use std::path::PathBuf;

/// Per case: the budget of potentials and currents, and why. Two sources of difference,
/// both in float32 (ε = 1.2e-7): XLA's float32 `exp` is not correctly rounded, so a decay
/// constant `exp(−dt/τ)` can be an ulp off the one Littoral computes (libm's f64 `exp`
/// rounded to f32), and `LIFJax` adds in its own order, `((v·α + Σisyn) + noise) + bias`,
/// where Littoral follows numpy's `v·α + ((Σisyn + noise) + bias)`. Both compound over the
/// 40–50 steps of a case, and the reset `v − s·θ` keeps the absolute error of a potential
/// of a few θ.
const TOLERANCES: &[(&str, f64, &str)] = &[
    (
        "jax_lif_default",
        1e-6,
        "one LIF(4), defaults (observed 4.8e-7)",
    ),
    (
        "jax_lif_random",
        6e-6,
        "random τ, bias ≠ 0: the order of bias (observed 3.2e-6)",
    ),
    (
        "jax_lif_recurrent",
        8e-6,
        "recurrent counts, bias ≠ 0 (observed 4.1e-6)",
    ),
    (
        "jax_linear_lif",
        5e-6,
        "f32 GEMM order before the LIF (observed 2.7e-6)",
    ),
    (
        "jax_lif_multisyn",
        6e-5,
        "two synapses: an ulp of both β compounds in two currents and their sum, with \
         potentials up to 6θ (observed 3.4e-5; 3.3e-5 in LIFJax's own order)",
    ),
];

fn cases() -> Vec<GoldenCase> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("golden")
        .join("jax");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths.iter().map(|p| read_case(p).unwrap()).collect()
}

/// The largest `|ours − theirs| / max(1, |theirs|)` over the non-spike values of `case`.
fn worst(case: &GoldenCase) -> f64 {
    let net = from_json(&case.network, "").unwrap();
    let tree = net.init(0);
    let ev = net.evolve(&tree, &tree, &case.input, true).unwrap();
    let mut worst = 0.0f64;
    for (path, theirs) in &case.record {
        if path.ends_with("spikes") || path.ends_with("LIF_output") {
            continue;
        }
        let ours = ev.record.get(path).unwrap();
        for (a, b) in ours.data().iter().zip(theirs.data()) {
            worst = worst.max((a - b).abs() / b.abs().max(1.0));
        }
    }
    for (path, theirs) in &case.state {
        if path.ends_with("spikes") {
            continue;
        }
        let ours = ev.state.array(path).unwrap().index_axis0(0).unwrap();
        for (a, b) in ours.data().iter().zip(theirs.data()) {
            worst = worst.max((a - b).abs() / b.abs().max(1.0));
        }
    }
    worst
}

#[test]
fn f32_path_matches_rockpool_jax() {
    let cases = cases();
    assert_eq!(cases.len(), TOLERANCES.len(), "one tolerance per Jax case");
    let mut failures = Vec::new();
    for case in &cases {
        let &(_, tol, _) = TOLERANCES
            .iter()
            .find(|(name, _, _)| *name == case.name)
            .unwrap_or_else(|| panic!("no tolerance for {}", case.name));
        let net = from_json(&case.network, "").unwrap();
        let tree = net.init(0);
        let ev = net.evolve(&tree, &tree, &case.input, true).unwrap();
        let mut check = |what: &str, ours: &littoral_core::Array, theirs: &littoral_core::Array| {
            let counts =
                what.ends_with("spikes") || what == "output" || what.ends_with("LIF_output");
            // Counts agree in value; their zeros not in sign: LIFJax clips the count at
            // +0.0, numpy's LIF (and Littoral) keep `(v ≥ θ)·floor(v/θ)`'s -0.0.
            let budget = if counts {
                Budget::Rel(0.0)
            } else {
                Budget::Rel(tol)
            };
            if let Err(e) = compare(what, ours, theirs, budget) {
                failures.push(format!("{}: {e}", case.name));
            }
        };
        check("output", &ev.output, &case.output);
        for (path, theirs) in &case.state {
            let ours = ev.state.array(path).unwrap().index_axis0(0).unwrap();
            check(&format!("state {path}"), &ours, theirs);
        }
        for (path, theirs) in &case.record {
            let ours = ev
                .record
                .get(path)
                .unwrap_or_else(|| panic!("{}: no record {path}", case.name));
            check(path, ours, theirs);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn report_worst_differences() {
    // Printed with `--nocapture`; keeps the observed numbers in the comments honest.
    for case in cases() {
        println!("{}: {:.2e}", case.name, worst(&case));
    }
}
