//! Littoral's CUBA against Brian2's committed statistics
//! (`benches/compare/brian2_cuba_stats.json`, written by `brian2_cuba.py --stats`): at
//! N = 4,000 over 1 s, the mean rate over three seeds within 10 % of Brian2's and the
//! mean CV of the inter-spike intervals within 0.1 (different random draws, the same
//! model; `docs/models.md` §7).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use littoral_benches::cuba::{DT, build, simulate, simulate_general};
use serde_json::Value as Json;

#[test]
fn cuba_statistics_agree_with_brian2() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("compare/brian2_cuba_stats.json");
    let doc: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let brian = &doc["summary"]["4000"];
    let (brian_rate, brian_cv) = (
        brian["mean_rate_hz"].as_f64().unwrap(),
        brian["cv_isi_mean"].as_f64().unwrap(),
    );
    let (n, duration) = (4000, 1.0);
    let steps = (duration / DT).round() as usize;
    let seeds = [1, 2, 3];
    let (mut rate, mut cv) = (0.0, 0.0);
    for seed in seeds {
        let net = build(n, seed).unwrap();
        // About 320,000 synapses (p = 0.02 of N·(N − 1) pairs).
        assert!(
            (300_000..340_000).contains(&net.synapses),
            "{}",
            net.synapses
        );
        let stats = simulate(&net, steps, 100).unwrap();
        rate += stats.mean_rate_hz(duration) / seeds.len() as f64;
        cv += stats.cv_isi_mean() / seeds.len() as f64;
    }
    assert!(
        (rate - brian_rate).abs() <= 0.1 * brian_rate,
        "rate {rate} Hz, Brian2 {brian_rate} Hz"
    );
    assert!((cv - brian_cv).abs() <= 0.1, "CV {cv}, Brian2 {brian_cv}");
}

/// The statistics do not depend on the number of calls the run is split into or on the
/// thread count (the bits of every step are the same), and the fast path's are the
/// general `evolve`'s (the split over threads is tested in `nets/tests/autonomous.rs`).
#[test]
fn cuba_runs_the_same_in_any_chunking_and_thread_count_and_path() {
    let net = build(2500, 9).unwrap();
    let one = simulate(&net, 600, 600).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let chunked = pool.install(|| simulate(&net, 600, 7).unwrap());
    let general = simulate_general(&net, 600, 100).unwrap();
    assert!(one.spikes > 100, "{}", one.spikes);
    assert_eq!(one, chunked);
    assert_eq!(one, general);
    assert_eq!(one.cv_isi_mean().to_bits(), chunked.cv_isi_mean().to_bits());
}
