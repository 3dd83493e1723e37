//! Parity with Rockpool 3.1.0 (numpy backend): every committed golden case, at 1e-9.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use littoral_core::{ModuleExt, Record, TreeExt};
use littoral_nets::config::from_json;
use littoral_tests::{all_cases, compare};

const TOL: f64 = 1e-9;

#[test]
fn every_golden_case_matches_rockpool() {
    let cases = all_cases().expect("golden files readable");
    assert!(
        cases.len() >= 30,
        "expected the committed golden cases, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        if let Err(e) = check(case) {
            failures.push(format!("{}: {e}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Rockpool's numpy `ExpSyn` convolves with a kernel of `min(10·max(τ)/dt,
/// max_window_length)` steps, so its memory ends after that window; Littoral computes the
/// exact recurrence. Where a golden case runs past the window, the two must agree inside
/// it and differ after it (documented in docs/rockpool-mapping.md).
fn expsyn_window(case: &littoral_tests::GoldenCase) -> Option<usize> {
    let net = &case.network;
    (net["class"] == "ExpSyn").then_some(())?;
    let sim = &net["simulation_parameters"];
    let dt = sim["dt"].as_f64()?;
    let window = sim["max_window_length"].as_f64()?;
    let taus = littoral_nets::config::json_to_array(&net["parameters"]["tau"], "tau").ok()?;
    let max_tau = taus.data().iter().copied().fold(0.0, f64::max);
    let steps = (10.0 * max_tau / dt).min(window) as usize;
    (steps < case.input.shape()[case.input.ndim() - 2]).then_some(steps)
}

fn check(case: &littoral_tests::GoldenCase) -> Result<(), String> {
    let net = from_json(&case.network, "").map_err(|e| e.to_string())?;
    let tree = net.init(0);
    let ev = net
        .evolve(&tree, &tree, &case.input, case.record_flag)
        .map_err(|e| e.to_string())?;
    if let Some(window) = expsyn_window(case) {
        let n = ev.output.shape()[2];
        let (ours, theirs) = (ev.output.data(), case.output.data());
        let inside = ours[..window * n].iter().zip(&theirs[..window * n]);
        if inside
            .clone()
            .any(|(a, b)| (a - b).abs() > TOL * b.abs().max(1.0))
        {
            return Err(format!(
                "differs inside Rockpool's ExpSyn window of {window} steps"
            ));
        }
        if ours[window * n..]
            .iter()
            .zip(&theirs[window * n..])
            .all(|(a, b)| (a - b).abs() <= TOL)
        {
            return Err(
                "expected Rockpool's truncated window to differ from the exact recurrence".into(),
            );
        }
        return Ok(());
    }
    compare("output", &ev.output, &case.output, TOL)?;
    for (path, theirs) in &case.state {
        let ours = ev.state.array(path).map_err(|e| e.to_string())?;
        let sample0 = ours.index_axis0(0).map_err(|e| e.to_string())?;
        compare(&format!("state {path}"), &sample0, theirs, TOL)?;
    }
    if case.record_flag {
        for (path, theirs) in &case.record {
            let ours = ev
                .record
                .get(path)
                .ok_or_else(|| format!("record {path} missing"))?;
            compare(&format!("record {path}"), ours, theirs, TOL)?;
        }
    } else {
        assert_eq!(ev.record, Record::new(), "no record when recording is off");
    }
    Ok(())
}

#[test]
fn recorded_spikes_match_rockpool_exactly() {
    // Spike counts are integers: they must agree exactly, not just within tolerance.
    for case in all_cases().unwrap() {
        let net = from_json(&case.network, "").unwrap();
        let tree = net.init(0);
        let ev = net.evolve(&tree, &tree, &case.input, true).unwrap();
        for (path, theirs) in case.record.iter().filter(|(p, _)| p.ends_with("spikes")) {
            let ours = ev.record.get(path).unwrap();
            assert_eq!(ours.data(), theirs.data(), "{}: {path}", case.name);
        }
    }
}
