//! One workload evolved a few times, nothing else: the program to put under a
//! deterministic profiler (instruction counts do not move with the machine's load, wall
//! times do).
//!
//! ```text
//! cargo build --release -p littoral-benches --example one_workload
//! valgrind --tool=callgrind --callgrind-out-file=cg.out \
//!     target/release/examples/one_workload W2F32 --batch 4 --steps 200 --reps 2
//! perf stat -e instructions target/release/examples/one_workload W1 --reps 5
//! ```
//!
//! Workloads: `W1`, `W1F32` (LIF(N), `--neurons`, default 1000), `W2`, `W2F32`
//! (Linear(512→512)+LIF(512)), `W3`, `W3F32` (recurrent LIF(2048)), `W4` (the 64-point
//! sweep of W2's LIF), `W4LIF` (the sweep of a LIF alone on a precomputed Linear output).
//! Runs on one thread unless `--threads` says otherwise, so counts are comparable.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use littoral_benches::{w1_with, w2, w3, w4, w4_sweep};
use littoral_core::{ModuleExt, Precision};
use littoral_functional::sweep::{SweepOptions, run_sweep};
use std::hint::black_box;

fn main() {
    let mut it = std::env::args().skip(1);
    let name = it.next().unwrap_or_else(|| "W1".into()).to_uppercase();
    let (mut batch, mut steps, mut neurons, mut reps, mut threads) = (0, 0, 1000, 1, 1);
    while let Some(arg) = it.next() {
        let mut value = || -> usize { it.next().and_then(|v| v.parse().ok()).expect("a number") };
        match arg.as_str() {
            "--batch" => batch = value(),
            "--steps" => steps = value(),
            "--neurons" => neurons = value(),
            "--reps" => reps = value(),
            "--threads" => threads = value(),
            other => panic!("unknown argument {other}"),
        }
    }
    let or = |v: usize, d: usize| if v == 0 { d } else { v };
    let f32_if = |tag: &str| {
        if name.ends_with(tag) {
            Precision::F32
        } else {
            Precision::F64
        }
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| match name.as_str() {
        "W1" | "W1F32" => {
            let w = w1_with(neurons, or(batch, 10), or(steps, 1000), f32_if("F32"));
            for _ in 0..reps {
                black_box(w.run().unwrap());
            }
        }
        "W2" | "W2F32" => {
            let w = w2(or(batch, 32), or(steps, 1000), 0.05, f32_if("F32")).unwrap();
            for _ in 0..reps {
                black_box(w.run().unwrap());
            }
        }
        "W3" | "W3F32" => {
            let w = w3(2048, or(steps, 10000), 0.02, f32_if("F32")).unwrap();
            for _ in 0..reps {
                black_box(w.run().unwrap());
            }
        }
        "W4" | "W4LIF" => {
            let w = w4(or(batch, 4), or(steps, 500), Precision::F64).unwrap();
            let opts = SweepOptions {
                threads: Some(threads),
                ..SweepOptions::default()
            };
            for _ in 0..reps {
                if name == "W4" {
                    let sweep = w4_sweep("1_LIF");
                    black_box(
                        run_sweep(w.module.as_ref(), &w.tree, &w.tree, &w.input, &sweep, &opts)
                            .unwrap(),
                    );
                } else {
                    let lin = w.module.children()[0].1;
                    let lif = w.module.children()[1].1;
                    let lin_tree = w.tree.branch("0_Linear").unwrap().clone();
                    let lif_tree = w.tree.branch("1_LIF").unwrap().clone();
                    let x = lin
                        .evolve(&lin_tree, &lin_tree, &w.input, false)
                        .unwrap()
                        .output;
                    let sweep = w4_sweep("");
                    black_box(run_sweep(lif, &lif_tree, &lif_tree, &x, &sweep, &opts).unwrap());
                }
            }
        }
        other => panic!("unknown workload {other}"),
    });
}
