//! The library's side of one command-line run, in the same conditions: a fresh process
//! reads a network file and a `.npy` input as `littoral simulate` does, and times its one
//! evolution (`evolve_owned`: the output written into the input's buffer) on a pool of
//! all cores. It prints the seconds.
//!
//! ```text
//! cargo build --release -p littoral-benches --example first_call
//! target/release/examples/first_call NET.json X.npy
//! ```
//!
//! `compare.py` runs it after each command-line run ("library first call, fresh
//! process"): the command line's own cost over the library's, without the cold start that
//! every fresh process's first evolution pays and that the library's repeated calls in
//! one process ("library side by side") do not (`docs/performance-record.md`, "Nineteenth
//! round"). Unlike the command line, it does not keep the pool's threads awake. It
//! allocates with mimalloc, as the `littoral` binary (`littoral_benches::ALLOCATOR`,
//! printed on stderr, says which).
#![allow(clippy::expect_used)]

use littoral_core::{EvolveOptions, ModuleExt};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(net), Some(input)) = (args.next(), args.next()) else {
        eprintln!("usage: first_call NET.json X.npy");
        std::process::exit(2);
    };
    eprintln!("allocator: {}", littoral_benches::ALLOCATOR);
    let text = std::fs::read_to_string(&net).expect("a readable network file");
    let module = littoral_nets::registry()
        .read_json_str(&text)
        .expect("a valid network file");
    let tree = module.init(0);
    let file = std::fs::File::open(&input).expect("a readable input");
    let len = file.metadata().expect("the input's size").len();
    let x = littoral_functional::npy::read_npy(&mut std::io::BufReader::new(file), len, u64::MAX)
        .expect("a valid .npy input");
    let options = EvolveOptions::default();
    let pool = rayon::ThreadPoolBuilder::new()
        .build()
        .expect("a thread pool");
    let seconds = pool.install(|| {
        let started = Instant::now();
        let evolution = module
            .evolve_owned(&tree, &tree, x, &options)
            .expect("an evolution");
        let seconds = started.elapsed().as_secs_f64();
        drop(std::hint::black_box(evolution));
        seconds
    });
    println!("{seconds}");
}
