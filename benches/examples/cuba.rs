//! The CUBA benchmark (Vogels & Abbott 2005; Brian2's `examples/CUBA.py`) in Littoral:
//! build, simulate, report the JSON fields `benches/compare/brian2_cuba.py` writes for
//! Brian2, and print them as a table.
//!
//! ```text
//! cargo run --release -p littoral-benches --example cuba -- --neurons 4000 --duration 1 \
//!     --threads 1 --seed 1 --json out.json [--chunk-steps 1000] [--general]
//! ```
//!
//! `--general` evolves through the scaffold `littoral_nets::neuron::evolve` (dense zero input and spike output)
//! instead of the input-free fast path `littoral_nets::autonomous`, for comparison.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use littoral_benches::cuba::{DT, build, prepare, simulate_general, simulate_prepared};
use serde_json::json;
use std::time::Instant;

struct Args {
    neurons: usize,
    duration: f64,
    threads: usize,
    seed: u64,
    json: Option<String>,
    chunk_steps: usize,
    general: bool,
}

fn args() -> Args {
    let mut a = Args {
        neurons: 4000,
        duration: 1.0,
        threads: 1,
        seed: 1,
        json: None,
        chunk_steps: 1000,
        general: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--neurons" => a.neurons = value().parse().expect("--neurons N"),
            "--duration" => a.duration = value().parse().expect("--duration seconds"),
            "--threads" => a.threads = value().parse().expect("--threads K"),
            "--seed" => a.seed = value().parse().expect("--seed SEED"),
            "--json" => a.json = Some(value()),
            "--chunk-steps" => a.chunk_steps = value().parse().expect("--chunk-steps K"),
            "--general" => a.general = true,
            other => panic!(
                "unknown argument {other} (--neurons --duration --threads --seed --json --chunk-steps --general)"
            ),
        }
    }
    a
}

/// The process's peak resident set (`VmHWM` of `/proc/self/status`), bytes.
fn peak_rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

fn main() {
    let a = args();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.threads)
        .build()
        .unwrap();
    let steps = (a.duration / DT).round() as usize;
    let (doc, table) = pool.install(|| {
        let t = Instant::now();
        let net = build(a.neurons, a.seed).unwrap();
        // The fast path's parameter check and decoding count as building.
        let mut run = (!a.general).then(|| prepare(&net).unwrap());
        let build_seconds = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let stats = match run.as_mut() {
            Some(run) => simulate_prepared(run, steps, a.chunk_steps).unwrap(),
            None => simulate_general(&net, steps, a.chunk_steps).unwrap(),
        };
        let simulate_seconds = t.elapsed().as_secs_f64();
        let doc = json!({
            "neurons": a.neurons,
            "synapses": net.synapses,
            "duration": a.duration,
            "dt": DT,
            "build_seconds": build_seconds,
            "simulate_seconds": simulate_seconds,
            "spikes": stats.spikes,
            "mean_rate_hz": stats.mean_rate_hz(a.duration),
            "cv_isi_mean": stats.cv_isi_mean(),
            "peak_rss_bytes": peak_rss_bytes(),
            "seed": a.seed,
            "threads": a.threads,
            "chunk_steps": a.chunk_steps,
            "path": if a.general { "general" } else { "autonomous" },
            "simulator": format!("littoral {} ({})", env!("CARGO_PKG_VERSION"), littoral_benches::ALLOCATOR),
        });
        (doc.clone(), doc)
    });
    println!("CUBA (Vogels & Abbott 2005), Littoral");
    for key in [
        "neurons",
        "synapses",
        "duration",
        "dt",
        "build_seconds",
        "simulate_seconds",
        "spikes",
        "mean_rate_hz",
        "cv_isi_mean",
        "peak_rss_bytes",
        "threads",
        "seed",
    ] {
        println!("  {key:<18} {}", table[key]);
    }
    if let Some(path) = a.json {
        std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
    }
}
