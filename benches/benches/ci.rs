//! The quick subset CI compiles (`cargo bench --no-run`) and anyone can run in seconds:
//! W1 N=1000, W2 and W3 at small sizes, with throughput in neuron-steps.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use littoral_benches::{w1, w2, w3};
use littoral_core::Precision;
use std::hint::black_box;
use std::time::Duration;

fn quick(c: &mut Criterion) {
    let mut g = c.benchmark_group("quick");
    g.sample_size(10).measurement_time(Duration::from_secs(2));
    let w = w1(1000, 4, 100);
    g.throughput(Throughput::Elements(w.neuron_steps()));
    g.bench_function("W1 N=1000 B=4 T=100", |b| {
        b.iter(|| black_box(w.run().unwrap()))
    });
    let w = w2(4, 100, 0.05, Precision::F64).unwrap();
    g.throughput(Throughput::Elements(w.neuron_steps()));
    g.bench_function("W2 B=4 T=100", |b| b.iter(|| black_box(w.run().unwrap())));
    let w = w3(2048, 200, 0.02, Precision::F64).unwrap();
    g.throughput(Throughput::Elements(w.neuron_steps()));
    g.bench_function("W3 T=200", |b| b.iter(|| black_box(w.run().unwrap())));
    g.finish();
}

criterion_group! {
    name = benches;
    // No plots: they need system fonts that a CI machine may not have.
    config = Criterion::default().without_plots();
    targets = quick
}
criterion_main!(benches);
