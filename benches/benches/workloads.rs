//! Criterion benches of the standard workloads W1–W5 (`docs/performance.md`), with
//! throughput in neuron-steps (W1–W4) or bytes (W5).
//!
//! `cargo bench -p littoral-benches --bench workloads` runs the full sizes (several
//! minutes); `LITTORAL_BENCH_QUICK=1` shrinks every workload for a quick look.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use littoral_benches::{w1, w2, w3, w4, w4_sweep};
use littoral_core::{ModuleExt, Precision};
use littoral_functional::Snapshot;
use littoral_functional::sweep::{SweepOptions, run_sweep};
use std::hint::black_box;
use std::time::Duration;

fn quick() -> bool {
    std::env::var_os("LITTORAL_BENCH_QUICK").is_some()
}

fn bench_w1(c: &mut Criterion) {
    let mut g = c.benchmark_group("W1 LIF(N), B=10");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    let (sizes, t): (&[usize], usize) = if quick() {
        (&[100, 1000], 100)
    } else {
        (&[100, 1000, 10000], 1000)
    };
    for &n in sizes {
        let w = w1(n, 10, t);
        g.throughput(Throughput::Elements(w.neuron_steps()));
        g.bench_with_input(BenchmarkId::new("f64", n), &w, |b, w| {
            b.iter(|| black_box(w.run().unwrap()))
        });
    }
    g.finish();
}

fn bench_w2(c: &mut Criterion) {
    let mut g = c.benchmark_group("W2 Linear(512)+LIF(512)");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    let (b, t) = if quick() { (4, 100) } else { (32, 1000) };
    for p in [Precision::F64, Precision::F32] {
        let w = w2(b, t, 0.05, p).unwrap();
        g.throughput(Throughput::Elements(w.neuron_steps()));
        g.bench_function(p.name(), |bch| bch.iter(|| black_box(w.run().unwrap())));
    }
    g.finish();
}

fn bench_w3(c: &mut Criterion) {
    let mut g = c.benchmark_group("W3 recurrent LIF(2048)");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    let t = if quick() { 500 } else { 10000 };
    // The doubled input rate shows the time growing with the number of spikes.
    for (rate, label) in [(0.02, "rate 0.02"), (0.04, "rate 0.04")] {
        for p in [Precision::F64, Precision::F32] {
            let w = w3(2048, t, rate, p).unwrap();
            g.throughput(Throughput::Elements(w.neuron_steps()));
            g.bench_function(format!("{label} {}", p.name()), |bch| {
                bch.iter(|| black_box(w.run().unwrap()))
            });
        }
    }
    g.finish();
}

fn bench_w4(c: &mut Criterion) {
    let mut g = c.benchmark_group("W4 64-point sweep of W2");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    let (b, t) = if quick() { (2, 50) } else { (4, 500) };
    let w = w4(b, t, Precision::F64).unwrap();
    let sweep = w4_sweep("1_LIF");
    g.throughput(Throughput::Elements(64 * w.neuron_steps()));
    for threads in [1usize, 2] {
        let opts = SweepOptions {
            threads: Some(threads),
            ..SweepOptions::default()
        };
        g.bench_function(format!("{threads} threads"), |bch| {
            bch.iter(|| {
                black_box(
                    run_sweep(w.module.as_ref(), &w.tree, &w.tree, &w.input, &sweep, &opts)
                        .unwrap(),
                )
            })
        });
    }
    g.finish();
}

fn bench_w5(c: &mut Criterion) {
    let mut g = c.benchmark_group("W5 snapshot of the W3 network");
    g.sample_size(10);
    let w = w3(2048, if quick() { 50 } else { 200 }, 0.02, Precision::F64).unwrap();
    let ev = w.module.evolve(&w.tree, &w.tree, &w.input, false).unwrap();
    let module = w.module.as_ref();
    let bytes = Snapshot::capture(module, &w.tree, &ev.state, 0)
        .unwrap()
        .to_bytes()
        .unwrap();
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("write", |bch| {
        bch.iter(|| {
            black_box(
                Snapshot::capture(module, &w.tree, &ev.state, 0)
                    .unwrap()
                    .to_bytes()
                    .unwrap(),
            )
        })
    });
    g.bench_function("read", |bch| {
        bch.iter(|| {
            black_box(
                Snapshot::from_bytes(&bytes)
                    .unwrap()
                    .restore(module)
                    .unwrap(),
            )
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    // No plots: they need system fonts that a CI machine may not have.
    config = Criterion::default().without_plots();
    targets = bench_w1, bench_w2, bench_w3, bench_w4, bench_w5
}
criterion_main!(benches);
