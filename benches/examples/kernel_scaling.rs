//! What the machine gives the LIF kernel right now, on one core and on every core at once:
//! the bound of a thread speed-up measured beside it, in the kernel's own instructions.
//!
//! W1's LIF (N = 1,000, one sample of 100 steps: 800 KB of input and of output, within
//! each core's L2) is evolved over and over for `SECONDS` (default 0.1) on the calling
//! thread, then by every thread of a pool at once, each on its own copy. It prints one
//! JSON line: neuron-steps per second both ways and their ratio.
//!
//! ```text
//! cargo build --release -p littoral-benches --example kernel_scaling
//! target/release/examples/kernel_scaling 0.1
//! ```
//!
//! `compare.py` runs it right after each pair of 1- and 2-thread command-line runs, next
//! to `machine.core_scaling` (a Python loop of scalar arithmetic): on the development VMs
//! the vCPUs sometimes run vector code slower while that loop runs as fast as ever
//! (`docs/performance-record.md`, "Twenty-first round"), so a pair is judged against what the
//! kernel itself got at that moment.
#![allow(clippy::expect_used)]

use littoral_benches::rate::{per_second_for, seconds_arg};
use littoral_core::ModuleExt;
use std::time::Duration;

/// Neurons and steps of the evolution repeated (one sample).
const NEURONS: usize = 1000;
const STEPS: usize = 100;

/// Neuron-steps per second evolved on this thread over `seconds` (whole evolutions, at
/// least one).
fn evolve_for(w: &littoral_benches::Workload, seconds: Duration) -> f64 {
    per_second_for(seconds, || {
        let ev = w
            .module
            .evolve(&w.tree, &w.tree, &w.input, false)
            .expect("W1's evolution");
        drop(std::hint::black_box(ev));
        (NEURONS * STEPS) as u64
    })
}

fn main() {
    let seconds = seconds_arg(0.1).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let w = littoral_benches::w1(NEURONS, 1, STEPS);
    // One evolution first, untimed: the first call's page faults and CPU feature detection.
    evolve_for(&w, Duration::ZERO);
    let one = evolve_for(&w, seconds);
    let pool = rayon::ThreadPoolBuilder::new()
        .build()
        .expect("a thread pool");
    let threads = pool.current_num_threads();
    let rates = pool.broadcast(|_| {
        evolve_for(&w, Duration::ZERO);
        evolve_for(&w, seconds)
    });
    let every: f64 = rates.iter().sum();
    println!(
        "{}",
        serde_json::json!({
            "threads": threads,
            "one_thread_neuron_steps_per_s": one,
            "all_threads_neuron_steps_per_s": every,
            "scaling": every / one,
        })
    );
}
