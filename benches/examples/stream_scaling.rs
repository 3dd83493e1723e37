//! What the machine gives a pass over memory in place, on one thread and on every thread of
//! a pool: the memory's side of W1's bound, in W1's own memory pattern.
//!
//! W1 (N = 1,000) reads its 80 MB input once and writes its output over it, each thread
//! taking its share of the samples. This example does the same with no neuron model: an
//! 80 MB buffer of `f64` (far beyond the last-level cache) is thresholded in place, pass
//! after pass for `SECONDS` (default 0.1), first on the calling thread, then split in one
//! contiguous share per thread of a pool, the pool meeting after each pass as an
//! evolution's threads do. It prints one JSON line: the bytes read and written per second
//! both ways and their ratio.
//!
//! ```text
//! cargo build --release -p littoral-benches --example stream_scaling
//! target/release/examples/stream_scaling 0.1
//! ```
//!
//! `compare.py` runs it right after each pair of 1- and 2-thread W1 runs of the command
//! line. No W1 run is faster than this pass on as many cores, and W1's 1 → 2 speed-up is
//! bounded both by its arithmetic's own scaling (`kernel_scaling`) and by this pass's rate
//! on two cores (`docs/performance-record.md`, "Thirtieth round"). `machine.copy_rates` is the
//! other streaming rate it prints: glibc's `memcpy` between two buffers, a different
//! pattern (its stores bypass the cache), about half as fast per byte on one core here.
#![allow(clippy::expect_used)]

use littoral_benches::rate::{per_second_for, seconds_arg};
use rayon::prelude::*;
use std::hint::black_box;
use std::time::Duration;

/// W1's input at N = 1,000: 10 samples × 1,000 steps × 1,000 neurons.
const VALUES: usize = 10 * 1000 * 1000;

/// One pass: every value replaced by 1 where it is above `threshold`, else 0 (read, then
/// written in place, as W1's spikes are written over its input).
fn pass(values: &mut [f64], threshold: f64) {
    for v in values.iter_mut() {
        *v = if *v > threshold { 1.0 } else { 0.0 };
    }
}

/// Bytes read and written per second by whole passes of `run` over `values` for
/// `seconds` (at least one pass).
fn rate(values: &mut [f64], seconds: Duration, run: impl Fn(&mut [f64])) -> f64 {
    let bytes = 2 * std::mem::size_of_val(values) as u64;
    per_second_for(seconds, || {
        run(black_box(&mut *values));
        bytes
    })
}

fn main() {
    let seconds = seconds_arg(0.1).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let threshold = black_box(0.5);
    // Every page touched before any timing; the values as W1's uniform input.
    let mut values: Vec<f64> = (0..VALUES).map(|i| (i % 997) as f64 / 997.0).collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .build()
        .expect("a thread pool");
    let threads = pool.current_num_threads();
    let share = VALUES.div_ceil(threads);
    let alone = |v: &mut [f64]| pass(v, threshold);
    let together = |v: &mut [f64]| {
        pool.install(|| v.par_chunks_mut(share).for_each(|s| pass(s, threshold)));
    };
    rate(&mut values, Duration::ZERO, together);
    let one = rate(&mut values, seconds, alone);
    let every = rate(&mut values, seconds, together);
    println!(
        "{}",
        serde_json::json!({
            "threads": threads,
            "one_thread_gb_per_s": one / 1e9,
            "all_threads_gb_per_s": every / 1e9,
            "scaling": every / one,
        })
    );
}
