//! The W1–W5 table: Littoral on the standard workloads, with this machine's bounds measured
//! in the same run (memory bandwidth by a plain copy, a tuned GEMM of W2's linear stage,
//! W3's event-driven replay), medians of several runs.
//!
//! ```text
//! cargo run --release -p littoral-benches --example workloads -- [--quick] [--runs K]
//!     [--only W1,W2,W3,W4,W5] [--sizes 100,1000,10000] [--json out.json] [--no-bounds]
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use littoral_benches::{ALLOCATOR, median, w1, w1_with, w2, w3, w4, w4_sweep};
use littoral_core::{ModuleExt, Precision, TreeExt};
use littoral_functional::Snapshot;
use littoral_functional::sweep::{SweepOptions, run_sweep};
use littoral_nets::Linear;
use nalgebra::DMatrix;
use rayon::prelude::*;
use serde_json::{Value as Json, json};
use std::hint::black_box;
use std::time::Instant;

struct Args {
    quick: bool,
    runs: usize,
    only: Vec<String>,
    sizes: Vec<usize>,
    json: Option<String>,
    no_bounds: bool,
}

fn args() -> Args {
    let mut a = Args {
        quick: false,
        runs: 5,
        only: ["W1", "W2", "W3", "W4", "W5"].map(String::from).to_vec(),
        sizes: vec![100, 1000, 10000],
        json: None,
        no_bounds: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => a.quick = true,
            "--runs" => a.runs = it.next().and_then(|v| v.parse().ok()).expect("--runs K"),
            "--only" => {
                a.only = it
                    .next()
                    .expect("--only W1,W2")
                    .split(',')
                    .map(String::from)
                    .collect();
            }
            "--sizes" => {
                a.sizes = it
                    .next()
                    .expect("--sizes 100,1000")
                    .split(',')
                    .map(|s| s.parse().expect("a size"))
                    .collect();
            }
            "--json" => a.json = Some(it.next().expect("--json PATH")),
            "--no-bounds" => a.no_bounds = true,
            "--help" | "-h" => {
                println!(
                    "workloads [--quick] [--runs K] [--only W1,W2,W3,W4,W5] [--sizes 100,1000,10000] [--json out.json] [--no-bounds]"
                );
                std::process::exit(0);
            }
            other => panic!("unknown argument {other}"),
        }
    }
    if a.quick {
        a.runs = a.runs.min(3);
        a.sizes.retain(|&n| n <= 1000);
    }
    a
}

/// Median seconds of `runs` timed calls after one warm-up call.
fn time(runs: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut ts = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        f();
        ts.push(t.elapsed().as_secs_f64());
    }
    median(&ts)
}

struct Table {
    rows: Vec<Json>,
}

impl Table {
    fn row(&mut self, name: &str, secs: f64, work: f64, unit: &str, bound: Option<(&str, f64)>) {
        let rate = work / secs;
        let (bname, bsecs) = bound.unwrap_or(("", f64::NAN));
        let ratio = secs / bsecs;
        let rate_text = if unit == "B" {
            format!("{:9.2} GB/s", rate / 1e9)
        } else {
            format!("{:9.1} M/s", rate / 1e6)
        };
        let bound_text = if bound.is_some() {
            format!("{bname:<22} {:10.2} ms  {ratio:6.2}×", bsecs * 1e3)
        } else {
            String::new()
        };
        println!(
            "{name:<26} {:10.2} ms {rate_text}   {bound_text}",
            secs * 1e3
        );
        self.rows.push(json!({
            "workload": name,
            "ms": secs * 1e3,
            "per_s": rate,
            "unit": unit,
            "bound": bname,
            "bound_ms": if bound.is_some() { Json::from(bsecs * 1e3) } else { Json::Null },
            "ratio_to_bound": if bound.is_some() { Json::from(ratio) } else { Json::Null },
        }));
    }
}

/// Seconds of the fastest of `runs` timed calls after one warm-up call (for bounds: the
/// best the machine reaches).
fn best(runs: usize, mut f: impl FnMut()) -> f64 {
    f();
    (0..runs.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// Bytes read + written per second by a plain copy of `bytes` bytes into a buffer that was
/// already written (1 thread and all threads), and by a copy into a fresh allocation; the
/// best of `runs` copies each (a bound is what the machine can reach).
fn bandwidth(bytes: usize, runs: usize) -> (f64, f64, f64) {
    let n = bytes / 8;
    let src: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let mut dst = vec![1.0f64; n];
    let one = best(runs, || {
        dst.copy_from_slice(&src);
        black_box(&dst);
    });
    let threads = rayon::current_num_threads().max(1);
    let chunk = n.div_ceil(threads);
    let all = best(runs, || {
        dst.par_chunks_mut(chunk)
            .zip(src.par_chunks(chunk))
            .for_each(|(d, s)| d.copy_from_slice(s));
        black_box(&dst);
    });
    let fresh = best(runs, || {
        black_box(src.clone());
    });
    let moved = 2.0 * (n * 8) as f64;
    (moved / one, moved / all, moved / fresh)
}

/// Seconds of a tuned GEMM (nalgebra → matrixmultiply) of `rows × k × m`, the best of
/// `runs`: one thread, and the rows split over the rayon pool.
fn gemm_bound(rows: usize, k: usize, m: usize, runs: usize) -> (f64, f64) {
    let x = DMatrix::<f64>::from_fn(
        k,
        rows,
        |i, j| if (i * 7 + j * 13) % 20 == 0 { 1.0 } else { 0.0 },
    );
    let w = DMatrix::<f64>::from_fn(m, k, |i, j| ((i * 31 + j * 17) % 101) as f64 / 101.0 - 0.5);
    let one = best(runs, || {
        black_box(&w * &x);
    });
    let threads = rayon::current_num_threads().max(1);
    let cols = rows.div_ceil(threads);
    let parts: Vec<DMatrix<f64>> = (0..threads)
        .map(|t| x.columns(t * cols, cols.min(rows - t * cols)).into_owned())
        .collect();
    let all = best(runs, || {
        let ys: Vec<DMatrix<f64>> = parts.par_iter().map(|p| &w * p).collect();
        black_box(ys);
    });
    (one, all)
}

/// The W3 recurrence alone: the recorded spike raster replayed as row additions (what any
/// event-driven kernel must do), compiled for the CPU's best vector instructions.
struct Replay<'a> {
    w: &'a [f64],
    raster: &'a [f64],
    n: usize,
}

impl pulp::WithSimd for Replay<'_> {
    type Output = f64;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> f64 {
        let n = self.n;
        let mut irec = vec![0.0f64; n];
        let mut sum = 0.0;
        for step in self.raster.chunks(n) {
            irec.fill(0.0);
            for (j, &s) in step.iter().enumerate() {
                if s != 0.0 {
                    for (acc, &wv) in irec.iter_mut().zip(&self.w[j * n..(j + 1) * n]) {
                        *acc += s * wv;
                    }
                }
            }
            sum += irec[0];
        }
        sum
    }
}

fn main() {
    let a = args();
    let want = |w: &str| a.only.iter().any(|o| o == w);
    let threads = rayon::current_num_threads();
    println!(
        "Littoral workloads: {} threads, {ALLOCATOR} allocator, median of {} runs{}",
        threads,
        a.runs,
        if a.quick { " (quick sizes)" } else { "" }
    );
    let mut table = Table { rows: Vec::new() };
    let mut bounds = serde_json::Map::new();

    // ---- bounds -----------------------------------------------------------------------
    let bw_bytes = if a.quick { 128 << 20 } else { 512 << 20 };
    let (bw1, bw_all, bw_fresh) = if a.no_bounds {
        (f64::NAN, f64::NAN, f64::NAN)
    } else {
        bandwidth(bw_bytes, a.runs.max(7))
    };
    let bw = bw1.max(bw_all);
    println!(
        "memory bandwidth (copy, read+written): {:.2} GB/s on 1 thread, {:.2} GB/s on {threads}; \
         {:.2} GB/s into a fresh allocation",
        bw1 / 1e9,
        bw_all / 1e9,
        bw_fresh / 1e9
    );
    bounds.insert("copy_gb_s_1_thread".into(), json!(bw1 / 1e9));
    bounds.insert("copy_gb_s_all_threads".into(), json!(bw_all / 1e9));
    bounds.insert("copy_gb_s_fresh_allocation".into(), json!(bw_fresh / 1e9));
    bounds.insert("copy_gb_s".into(), json!(bw / 1e9));
    let bytes_bound = |bytes: f64| bytes / bw;

    let mut extra = serde_json::Map::new();

    // ---- W1 -----------------------------------------------------------------------------
    if want("W1") {
        let t = 1000;
        for &n in &a.sizes {
            let w = w1(n, 10, t);
            let runs = if n >= 10000 { a.runs.min(3) } else { a.runs };
            let secs = time(runs, || {
                black_box(w.run().unwrap());
            });
            let bound = bytes_bound((w.input_bytes() + w.output_bytes()) as f64);
            let footprint = w.input_bytes() + w.output_bytes() + w.param_bytes();
            extra.insert(format!("W1 N={n} bytes in+out+params"), json!(footprint));
            table.row(
                &format!("W1 N={n}"),
                secs,
                w.neuron_steps() as f64,
                "neuron-steps",
                Some(("copy in+out", bound)),
            );
            if n == 1000 {
                let w32 = w1_with(n, 10, t, Precision::F32);
                let secs = time(runs, || {
                    black_box(w32.run().unwrap());
                });
                table.row(
                    &format!("W1 N={n} f32"),
                    secs,
                    w.neuron_steps() as f64,
                    "neuron-steps",
                    Some(("copy in+out", bound)),
                );
            }
        }
    }

    // ---- W2 -----------------------------------------------------------------------------
    let (b2, t2) = if a.quick { (8, 250) } else { (32, 1000) };
    if want("W2") {
        let (one, all) = if a.no_bounds {
            (f64::NAN, f64::NAN)
        } else {
            gemm_bound(b2 * t2, 512, 512, a.runs)
        };
        let gemm = one.min(all);
        println!(
            "tuned GEMM ({}×512×512, f64): {:.1} ms on 1 thread ({:.1} GFLOP/s), {:.1} ms on {threads}",
            b2 * t2,
            one * 1e3,
            2.0 * (b2 * t2 * 512 * 512) as f64 / one / 1e9,
            all * 1e3
        );
        bounds.insert("gemm_ms_1_thread".into(), json!(one * 1e3));
        bounds.insert("gemm_ms_all_threads".into(), json!(all * 1e3));
        for precision in [Precision::F64, Precision::F32] {
            let w = w2(b2, t2, 0.05, precision).unwrap();
            let tag = if precision == Precision::F32 {
                " f32"
            } else {
                ""
            };
            let secs = time(a.runs, || {
                black_box(w.run().unwrap());
            });
            table.row(
                &format!("W2{tag}"),
                secs,
                w.neuron_steps() as f64,
                "neuron-steps",
                None,
            );
            // The linear stage alone against the GEMM of the same size.
            let lin = Linear::new(512, 512).with_precision(precision);
            let lt = w.tree.branch("0_Linear").unwrap().clone();
            let secs = time(a.runs, || {
                black_box(lin.evolve(&lt, &lt, &w.input, false).unwrap().output);
            });
            table.row(
                &format!("W2{tag} linear stage"),
                secs,
                w.neuron_steps() as f64,
                "neuron-steps",
                Some(("tuned GEMM", gemm)),
            );
        }
    }

    // ---- W3 -----------------------------------------------------------------------------
    if want("W3") {
        let t3 = if a.quick { 2000 } else { 10000 };
        for (rate, tag) in [(0.02, ""), (0.04, " (2× input rate)")] {
            for precision in [Precision::F64, Precision::F32] {
                let w = w3(2048, t3, rate, precision).unwrap();
                let out = w.run().unwrap();
                let spikes: f64 = out.data().iter().sum();
                let events = out.data().iter().filter(|&&s| s != 0.0).count();
                let secs = time(a.runs, || {
                    black_box(w.run().unwrap());
                });
                let word = if precision == Precision::F32 { 4 } else { 8 };
                let rows_bytes = (events * 2048 * word) as f64;
                let bound = bytes_bound((w.input_bytes() + w.output_bytes()) as f64 + rows_bytes);
                let ptag = if precision == Precision::F32 {
                    " f32"
                } else {
                    ""
                };
                let name = format!("W3{ptag}{tag}");
                table.row(
                    &name,
                    secs,
                    w.neuron_steps() as f64,
                    "neuron-steps",
                    Some(("in+out+rows per spike", bound)),
                );
                let per_step = events as f64 / t3 as f64;
                println!(
                    "    {:.1} spiking neurons per step ({:.2} %), {:.0} spikes; {:.2} µs per step",
                    per_step,
                    100.0 * per_step / 2048.0,
                    spikes,
                    secs / t3 as f64 * 1e6
                );
                extra.insert(
                    name.clone(),
                    json!({"events_per_step": per_step, "us_per_step": secs / t3 as f64 * 1e6}),
                );
                if precision == Precision::F64 && rate == 0.02 {
                    // The event-driven recurrence alone: the same spike raster replayed as
                    // row additions (what any event-driven kernel must do).
                    let wrec = w.tree.array("w_rec").unwrap();
                    let replay = time(a.runs, || {
                        black_box(pulp::Arch::new().dispatch(Replay {
                            w: wrec.data(),
                            raster: out.data(),
                            n: 2048,
                        }));
                    });
                    table.row(
                        "W3 recurrence replay",
                        replay,
                        w.neuron_steps() as f64,
                        "neuron-steps",
                        Some(("in+out+rows per spike", bound)),
                    );
                }
            }
        }
    }

    // ---- W4 -----------------------------------------------------------------------------
    if want("W4") {
        let (b4, t4) = if a.quick { (2, 100) } else { (4, 500) };
        let w = w4(b4, t4, Precision::F64).unwrap();
        let sweep = w4_sweep("1_LIF");
        let work = 64.0 * w.neuron_steps() as f64;
        let mut per_threads = Vec::new();
        for th in [1usize, 2] {
            let opts = SweepOptions {
                threads: Some(th),
                ..SweepOptions::default()
            };
            let secs = time(a.runs.min(3), || {
                black_box(
                    run_sweep(w.module.as_ref(), &w.tree, &w.tree, &w.input, &sweep, &opts)
                        .unwrap(),
                );
            });
            per_threads.push(secs);
            table.row(
                &format!("W4 sweep, {th} thread{}", if th > 1 { "s" } else { "" }),
                secs,
                work,
                "neuron-steps",
                None,
            );
        }
        let speedup = per_threads[0] / per_threads[1];
        println!("    speed-up 1 → 2 threads: {speedup:.2}×");
        extra.insert("W4_speedup_1_to_2_threads".into(), json!(speedup));
        // The Linear stage shared by all points (no swept parameter touches it): computed
        // once, then the LIF alone swept.
        let lin = w.module.children()[0].1;
        let lif = w.module.children()[1].1;
        let lin_tree = w.tree.branch("0_Linear").unwrap().clone();
        let lif_tree = w.tree.branch("1_LIF").unwrap().clone();
        let sweep_lif = w4_sweep("");
        let secs = time(a.runs.min(3), || {
            let current = lin
                .evolve(&lin_tree, &lin_tree, &w.input, false)
                .unwrap()
                .output;
            let opts = SweepOptions::default();
            black_box(run_sweep(lif, &lif_tree, &lif_tree, &current, &sweep_lif, &opts).unwrap());
        });
        table.row("W4 sweep, Linear shared", secs, work, "neuron-steps", None);
    }

    // ---- W5 -----------------------------------------------------------------------------
    if want("W5") {
        let t5 = if a.quick { 200 } else { 1000 };
        let w = w3(2048, t5, 0.02, Precision::F64).unwrap();
        let ev = w.module.evolve(&w.tree, &w.tree, &w.input, false).unwrap();
        let module = w.module.as_ref();
        let bytes = Snapshot::capture(module, &w.tree, &ev.state, t5 as u64)
            .unwrap()
            .to_bytes()
            .unwrap();
        let size = bytes.len() as f64;
        let write = time(a.runs, || {
            let snap = Snapshot::capture(module, &w.tree, &ev.state, t5 as u64).unwrap();
            black_box(snap.to_bytes().unwrap());
        });
        let read = time(a.runs, || {
            black_box(
                Snapshot::from_bytes(&bytes)
                    .unwrap()
                    .restore(module)
                    .unwrap(),
            );
        });
        println!("    snapshot of {:.1} MB", size / 1e6);
        table.row("W5 snapshot write", write, size, "B", None);
        table.row("W5 snapshot read", read, size, "B", None);
        let dir = std::env::temp_dir().join(format!("littoral-w5-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("w3.snap");
        let snap = Snapshot::capture(module, &w.tree, &ev.state, t5 as u64).unwrap();
        let file_write = time(a.runs, || snap.write_atomic(&path).unwrap());
        let file_read = time(a.runs, || {
            black_box(Snapshot::read(&path).unwrap());
        });
        table.row("W5 snapshot file write", file_write, size, "B", None);
        table.row("W5 snapshot file read", file_read, size, "B", None);
        let _ = std::fs::remove_dir_all(&dir);
        extra.insert("W5_bytes".into(), json!(size));
    }

    if let Some(path) = &a.json {
        let doc = json!({
            "threads": threads,
            "allocator": ALLOCATOR,
            "runs": a.runs,
            "quick": a.quick,
            "bounds": bounds,
            "rows": table.rows,
            "extra": extra,
        });
        std::fs::write(path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
        println!("wrote {path}");
    }
}
