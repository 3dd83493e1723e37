//! The f32 path against Rockpool 3.1.0's Jax modules (`LIFJax`, `LinearJax`), which compute
//! in float32: spike counts equal, potentials and currents within 5e-5 (relative to
//! `max(1, |value|)`). XLA's float32 `exp` differs from the correctly rounded one by an ulp
//! on some decay constants (`exp(-dt/τ)`), and that difference accumulates over the 40–50
//! steps of a case to a few 1e-5 (1e-5 holds for every case but the two-synapse one).
//! Files from `tests/golden/gen_jax.py`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use littoral_core::{ModuleExt, TreeExt};
use littoral_nets::config::from_json;
use littoral_tests::{compare, read_case};
use std::path::PathBuf;

const TOL: f64 = 5e-5;

fn cases() -> Vec<littoral_tests::GoldenCase> {
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

#[test]
fn f32_path_matches_rockpool_jax() {
    let cases = cases();
    assert!(cases.len() >= 5, "expected the committed Jax golden cases");
    let mut failures = Vec::new();
    for case in &cases {
        let net = from_json(&case.network, "").unwrap();
        let tree = net.init(0);
        let ev = net.evolve(&tree, &tree, &case.input, true).unwrap();
        let mut check = |what: &str, ours: &littoral_core::Array, theirs: &littoral_core::Array| {
            let exact =
                what.ends_with("spikes") || what == "output" || what.ends_with("LIF_output");
            let tol = if exact { 0.0 } else { TOL };
            if let Err(e) = compare(what, ours, theirs, tol) {
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
