//! Tests of the `littoral` command line, driving the real binary (assert_cmd).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod nir;
mod reliability;
mod util;

use littoral::prelude::*;
use std::path::PathBuf;
use util::*;

// ---------------------------------------------------------------- demo

#[test]
fn demo_is_the_default_and_writes_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let r = ok_in(dir.path(), &[]);
    for needle in [
        "Rate  with shape (4,)",
        "Output shape: (1, 5, 4)",
        "'rec_input': array(",
        "'x': array(",
        "ffwd_net  with shape (4, 6) {",
        "Module time constants:",
        "Module weights:",
        "'w_ffwd'",
        "LIF '1_LIF' with shape (1000, 1000)",
        "neuron-steps/s",
        "regime: healthy",
    ] {
        assert!(
            r.stdout.contains(needle),
            "missing {needle:?} in:\n{}",
            r.stdout
        );
    }
    let out = dir.path().join("littoral-demo");
    for f in [
        "network.json",
        "input.npy",
        "output.npy",
        "record.npz",
        "state.snap",
        "summary.json",
        "raster.png",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let y = read_npy(&out.join("output.npy"));
    assert_eq!(y.shape(), &[1, 2000, 1000]);
    let rate = y.data().iter().sum::<f64>() / 1000.0 / 2.0;
    assert!((1.0..50.0).contains(&rate), "mean rate {rate} Hz");
    let keys: Vec<String> = npz_entries(&out.join("record.npz"))
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert!(
        keys.contains(&"1_LIF.vmem".to_string()) && keys.contains(&"0_Linear_output".to_string())
    );
    // Ten neurons' traces, not every signal of every neuron (that was 90 MiB).
    let record_bytes = std::fs::metadata(out.join("record.npz")).unwrap().len();
    assert!(record_bytes < 2 << 20, "record.npz is {record_bytes} bytes");
    let png = std::fs::read(out.join("raster.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    // What ran is what network.json describes: simulate gives the same output.
    let r = ok_in(
        &out,
        &[
            "simulate",
            "network.json",
            "--input",
            "input.npy",
            "--output",
            "y.npy",
            "-q",
        ],
    );
    assert!(r.stdout.is_empty());
    assert!(read_npy(&out.join("y.npy")).bits_eq(&y));
    // No temporary file is left behind.
    assert!(
        std::fs::read_dir(&out).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with('.'))
    );
}

// ---------------------------------------------------------------- simulate

#[test]
fn simulate_matches_the_library_for_every_dtype_and_rank() {
    let f = Fixture::new(2, 30);
    let expected = library_evolve(NET, 0, &f.x, false).output;
    f.ok(&["simulate", "net.json", "-i", "x.npy", "-o", "y.npy", "-q"]);
    let y = read_npy(&f.path("y.npy"));
    assert_eq!(y.shape(), &[2, 30, 3]);
    assert!(y.bits_eq(&expected));

    // (T, Nin) gives (1, T, Nout).
    let x0 = f.x.index_axis0(0).unwrap();
    f.write("x2.npy", &npy_f64(x0.shape(), x0.data()));
    f.ok(&["simulate", "net.json", "-i", "x2.npy", "-o", "y2.npy", "-q"]);
    let y2 = read_npy(&f.path("y2.npy"));
    assert_eq!(y2.shape(), &[1, 30, 3]);
    assert!(y2.bits_eq(&library_evolve(NET, 0, &x0, false).output));

    // Integer, bool, float32, big-endian and Fortran-order inputs: converted exactly.
    let ints: Vec<i64> = (0..2 * 30 * 2).map(|i| (i % 3) as i64).collect();
    let as_f64 =
        Array::from_shape_vec(vec![2, 30, 2], ints.iter().map(|&v| v as f64).collect()).unwrap();
    let want = library_evolve(NET, 0, &as_f64, false).output;
    let cases: Vec<(&str, Vec<u8>, bool)> = vec![
        ("|u1", ints.iter().map(|&v| v as u8).collect(), false),
        ("|i1", ints.iter().map(|&v| v as i8 as u8).collect(), false),
        (
            "<i2",
            ints.iter()
                .flat_map(|&v| (v as i16).to_le_bytes())
                .collect(),
            false,
        ),
        (
            "<u2",
            ints.iter()
                .flat_map(|&v| (v as u16).to_le_bytes())
                .collect(),
            false,
        ),
        (
            "<i4",
            ints.iter()
                .flat_map(|&v| (v as i32).to_le_bytes())
                .collect(),
            false,
        ),
        (
            ">i4",
            ints.iter()
                .flat_map(|&v| (v as i32).to_be_bytes())
                .collect(),
            false,
        ),
        (
            "<u4",
            ints.iter()
                .flat_map(|&v| (v as u32).to_le_bytes())
                .collect(),
            false,
        ),
        (
            "<i8",
            ints.iter().flat_map(|&v| v.to_le_bytes()).collect(),
            false,
        ),
        (
            "<u8",
            ints.iter()
                .flat_map(|&v| (v as u64).to_le_bytes())
                .collect(),
            false,
        ),
        (
            "<f4",
            ints.iter()
                .flat_map(|&v| (v as f32).to_le_bytes())
                .collect(),
            false,
        ),
        (
            ">f8",
            ints.iter()
                .flat_map(|&v| (v as f64).to_be_bytes())
                .collect(),
            false,
        ),
    ];
    for (descr, raw, fortran) in cases {
        f.write("xi.npy", &npy_bytes(descr, &[2, 30, 2], fortran, &raw));
        f.ok(&["simulate", "net.json", "-i", "xi.npy", "-o", "yi.npy", "-q"]);
        assert!(read_npy(&f.path("yi.npy")).bits_eq(&want), "dtype {descr}");
    }
    // Fortran order: the same values stored column-major.
    let mut col = Vec::new();
    for n in 0..2 {
        for t in 0..30 {
            for b in 0..2 {
                col.extend_from_slice(&as_f64.get(&[b, t, n]).unwrap().to_le_bytes());
            }
        }
    }
    f.write("xf.npy", &npy_bytes("<f8", &[2, 30, 2], true, &col));
    f.ok(&["simulate", "net.json", "-i", "xf.npy", "-o", "yf.npy", "-q"]);
    assert!(read_npy(&f.path("yf.npy")).bits_eq(&want));
    // bool
    let bools: Vec<u8> = (0..30 * 2).map(|i| (i % 2) as u8).collect();
    let as_f64 =
        Array::from_shape_vec(vec![30, 2], bools.iter().map(|&v| f64::from(v)).collect()).unwrap();
    f.write("xb.npy", &npy_bytes("|b1", &[30, 2], false, &bools));
    f.ok(&["simulate", "net.json", "-i", "xb.npy", "-o", "yb.npy", "-q"]);
    assert!(read_npy(&f.path("yb.npy")).bits_eq(&library_evolve(NET, 0, &as_f64, false).output));
    // --seed changes the noise keys, as the library's init(seed) does.
    f.ok(&[
        "simulate", "net.json", "-i", "x.npy", "-o", "ys.npy", "-q", "--seed", "7",
    ]);
    assert!(read_npy(&f.path("ys.npy")).bits_eq(&library_evolve(NET, 7, &f.x, false).output));
    // --threads: the same bits.
    f.ok(&[
        "simulate",
        "net.json",
        "-i",
        "x.npy",
        "-o",
        "yt.npy",
        "-q",
        "--threads",
        "1",
    ]);
    assert!(read_npy(&f.path("yt.npy")).bits_eq(&expected));
}

#[test]
fn record_state_summary_and_plot() {
    let f = Fixture::new(2, 40);
    let started = std::time::Instant::now();
    let r = f.ok(&[
        "simulate",
        "net.json",
        "-i",
        "x.npy",
        "-o",
        "y.npy",
        "--record",
        "r.npz",
        "--state-npz",
        "s.npz",
        "--summary",
        "sum.json",
        "--plot",
        "p.png",
    ]);
    assert!(r.stdout.contains("lif:"), "{}", r.stdout);
    let ev = library_evolve(NET, 0, &f.x, true);
    let rec = npz_entries(&f.path("r.npz"));
    let names: Vec<&str> = rec.iter().map(|e| e.0.as_str()).collect();
    for key in [
        "0_Linear_output",
        "lif.vmem",
        "lif.spikes",
        "lif.isyn",
        "lif.irec",
        "lif_output",
    ] {
        assert!(names.contains(&key), "record key {key} missing: {names:?}");
    }
    for (name, shape, descr) in &rec {
        assert_eq!(&shape[..2], &[2, 40], "{name}");
        assert_eq!(descr, "'<f8'");
        let want = ev.record.get(name).unwrap();
        assert!(npz_f64(&f.path("r.npz"), name).bits_eq(want), "{name}");
    }
    let st = npz_entries(&f.path("s.npz"));
    let mut names: Vec<&str> = st.iter().map(|e| e.0.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["lif.isyn", "lif.rng_key", "lif.spikes", "lif.vmem"]);
    for (name, shape, descr) in &st {
        assert_eq!(shape[0], 2, "{name} has a leading batch axis");
        if name == "lif.rng_key" {
            assert_eq!(descr, "'<u8'");
        } else {
            assert!(npz_f64(&f.path("s.npz"), name).bits_eq(ev.state.array(name).unwrap()));
        }
    }
    let sum: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(f.path("sum.json")).unwrap()).unwrap();
    assert_eq!(sum["batches"], 2);
    assert_eq!(sum["timesteps"], 40);
    assert_eq!(sum["neurons"], 3);
    // The evolve is timed inside the command: more than nothing, less than the whole run,
    // and the throughput is the work divided by it.
    let seconds = sum["evolve_seconds"].as_f64().unwrap();
    let wall = started.elapsed().as_secs_f64();
    assert!(seconds > 0.0 && seconds < wall, "{seconds} s of {wall} s");
    let rate = sum["neuron_steps_per_second"].as_f64().unwrap();
    let work = 2.0 * 40.0 * 3.0;
    assert!(
        (rate * seconds - work).abs() <= 1e-9 * work,
        "{rate}/s × {seconds} s ≠ {work}"
    );
    let spikes: f64 = ev.output.data().iter().sum();
    assert_eq!(sum["spikes_total"].as_f64().unwrap(), spikes);
    assert_eq!(sum["spikes_per_module"]["lif"].as_f64().unwrap(), spikes);
    assert!(sum["rates_hz_per_module"]["lif"].as_f64().unwrap() > 0.0);
    let png = std::fs::read(f.path("p.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG"));

    // A continuous output is drawn as traces.
    f.write(
        "rate.json",
        br#"{"class": "Sequential", "modules": [
        {"class": "Linear", "shape": [2, 4]}, {"class": "Rate", "shape": [4]}]}"#,
    );
    f.ok(&[
        "simulate",
        "rate.json",
        "-i",
        "x.npy",
        "-o",
        "yr.npy",
        "--plot",
        "pr.png",
        "-q",
    ]);
    assert!(
        std::fs::read(f.path("pr.png"))
            .unwrap()
            .starts_with(b"\x89PNG")
    );
}

#[test]
fn resume_from_a_snapshot_equals_one_long_run() {
    let f = Fixture::new(2, 50);
    let first = f.x.map(|v| v); // (2, 50, 2)
    let split =
        |a: &Array, s: usize, e: usize| littoral::functional::par::slice_axis1(a, s, e).unwrap();
    let (xa, xb) = (split(&first, 0, 20), split(&first, 20, 50));
    f.write("xa.npy", &npy_f64(xa.shape(), xa.data()));
    f.write("xb.npy", &npy_f64(xb.shape(), xb.data()));
    f.ok(&[
        "simulate",
        "net.json",
        "-i",
        "x.npy",
        "-o",
        "whole.npy",
        "--state-npz",
        "sw.npz",
        "-q",
    ]);
    simulate_saving_state(&f, "net.json", "xa.npy", "a.npy", "a.snap");
    f.ok(&[
        "simulate",
        "--resume",
        "a.snap",
        "-i",
        "xb.npy",
        "-o",
        "b.npy",
        "--state-npz",
        "sb.npz",
        "--save-state",
        "b.snap",
        "--summary",
        "sum.json",
        "-q",
    ]);
    let whole = read_npy(&f.path("whole.npy"));
    let a = read_npy(&f.path("a.npy"));
    let b = read_npy(&f.path("b.npy"));
    let joined = littoral::functional::par::concat_axis(&[&a, &b], 1).unwrap();
    assert!(
        joined.bits_eq(&whole),
        "resumed run differs from the long run"
    );
    for name in ["lif.vmem", "lif.isyn", "lif.spikes"] {
        assert!(npz_f64(&f.path("sb.npz"), name).bits_eq(&npz_f64(&f.path("sw.npz"), name)));
    }
    let sum: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(f.path("sum.json")).unwrap()).unwrap();
    assert_eq!(sum["start_step"], 20);
    assert_eq!(sum["end_step"], 50);
    // With the network file given too (it must match the snapshot's).
    f.ok(&[
        "simulate", "net.json", "--resume", "a.snap", "-i", "xb.npy", "-o", "b2.npy", "-q",
    ]);
    assert!(read_npy(&f.path("b2.npy")).bits_eq(&b));
    // A different network does not match.
    f.write(
        "other.json",
        br#"{"class": "Sequential", "modules": [
        {"class": "Linear", "shape": [2, 3]}, {"name": "lif", "class": "LIF", "shape": [3]}]}"#,
    );
    let r = f.run(&[
        "simulate",
        "other.json",
        "--resume",
        "a.snap",
        "-i",
        "xb.npy",
        "-o",
        "b3.npy",
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("other.json") && r.stderr.contains("does not match"),
        "{}",
        r.stderr
    );
    assert!(!f.path("b3.npy").exists());
    // The snapshot of the second part continues too.
    f.ok(&[
        "simulate", "--resume", "b.snap", "-i", "xb.npy", "-o", "c.npy", "-q",
    ]);
}

// ---------------------------------------------------------------- fuzzing findings

/// Issue 11's reproducers for the binary (`fuzz/regressions/cli/`): each is refused at
/// once with one line naming the file and the limit, never an abort or a hang.
#[test]
fn fuzzing_reproducers_are_refused_with_one_line() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/cli");
    let f = Fixture::new(1, 5);
    for (file, needle) in [
        (
            "linear-100000-squared.json",
            "weight: shape (100000, 100000) holds more than 1073741824 elements (the limit)",
        ),
        (
            "lif-u64-max.json",
            "holds more than 1073741824 elements (the limit)",
        ),
        (
            "linear-wrapping-shape.json",
            "weight: shape (4294967296, 4294967296) holds more than",
        ),
    ] {
        let path = dir.join(file).to_string_lossy().to_string();
        let r = f.run(&["inspect", &path]);
        assert_eq!(r.code, 1, "{file}: {}", r.stderr);
        assert!(r.stderr.contains(needle), "{file}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{file}: {}", r.stderr);
    }
    for file in ["nested-brackets-16.npy", "nested-brackets-26.npy"] {
        let path = dir.join(file).to_string_lossy().to_string();
        let start = std::time::Instant::now();
        let r = f.run(&["simulate", "net.json", "-i", &path, "-o", "y.npy", "-q"]);
        assert_eq!(r.code, 1, "{file}: {}", r.stderr);
        assert!(
            r.stderr
                .contains("invalid header: the header nests brackets")
                && r.stderr.contains("the limit is 8"),
            "{file}: {}",
            r.stderr
        );
        assert!(
            start.elapsed().as_secs() < 5,
            "{file} took {:?}",
            start.elapsed()
        );
        assert!(!f.path("y.npy").exists());
    }
}

// ---------------------------------------------------------------- inspect

#[test]
fn inspect_prints_a_nir_graph_and_refuses_a_broken_one() {
    let nir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("nets/tests/nir/paper/lif_rockpool.nir");
    let nir = nir.to_string_lossy().to_string();
    let f = Fixture::new(1, 5);
    let r = f.ok(&["inspect", &nir]);
    for needle in [
        "graph: 4 nodes, 3 edges (0 closing a cycle)",
        "1_LIFNeuronTorch  LIF",
        "v_threshold: f32 (1,) = 0.1",
        "input -> 0_LinearTorch",
        "output: declared shape (1, 1, 1) but 1_LIFNeuronTorch sends (1,)",
    ] {
        assert!(
            r.stdout.contains(needle),
            "missing {needle:?} in\n{}",
            r.stdout
        );
    }
    let r = f.run(&["inspect", &nir, "--family", "taus"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    f.write("bad.nir", b"not an HDF5 file at all");
    let r = f.run(&["inspect", "bad.nir"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with("littoral: bad.nir: not a readable HDF5 file"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
}

#[test]
fn inspect_prints_the_rockpool_tree_and_the_attributes() {
    let f = Fixture::new(1, 5);
    let r = f.ok(&["inspect", "net.json"]);
    for needle in [
        "Sequential  with shape (2, 3) {\n    Linear '0_Linear' with shape (2, 3)\n    LIF 'lif' with shape (3, 3)\n}",
        "0_Linear.weight",
        "[[0.1 0.2 0.3] [0.4 0.5 0.6]]",
        "lif.tau_mem",
        "taus",
        "lif.vmem",
        "lif.dt",
        "SimulationParameter",
        "(3, 1)",
    ] {
        assert!(
            r.stdout.contains(needle),
            "missing {needle:?} in\n{}",
            r.stdout
        );
    }
    let r = f.ok(&["inspect", "net.json", "--family", "weights"]);
    assert!(r.stdout.contains("0_Linear.weight") && r.stdout.contains("lif.w_rec"));
    assert!(!r.stdout.contains("lif.tau_mem"));
    let r = f.ok(&[
        "inspect", "net.json", "--family", "taus", "--family", "bias",
    ]);
    assert!(r.stdout.contains("lif.tau_syn") && r.stdout.contains("lif.bias"));
    assert!(!r.stdout.contains("0_Linear.weight"));
    // A snapshot can be inspected too.
    simulate_saving_state(&f, "net.json", "x.npy", "y.npy", "s.snap");
    let r = f.ok(&["inspect", "s.snap"]);
    assert!(r.stdout.contains("LIF 'lif' with shape (3, 3)") && r.stdout.contains("(1, 3)"));
}

/// `simulate NET -i INPUT -o OUTPUT --save-state SNAP -q`, which must succeed.
fn simulate_saving_state(f: &Fixture, net: &str, input: &str, output: &str, snap: &str) {
    f.ok(&[
        "simulate",
        net,
        "-i",
        input,
        "-o",
        output,
        "--save-state",
        snap,
        "-q",
    ]);
}

/// `inspect` names each sparse matrix with its shape, synapse count and density, from a
/// network file and from a snapshot of it (whose structures are written explicitly).
#[test]
fn inspect_counts_the_synapses_of_sparse_matrices() {
    let f = Fixture::new(1, 5);
    f.write(
        "sparse.json",
        br#"{"class": "Sequential", "modules": [
            {"class": "SparseLinear", "shape": [3, 4],
             "options": {"weight": {"indptr": [0, 1, 1, 3], "indices": [1, 0, 3], "data": [0.5, -1, 2]}}},
            {"class": "LIF", "name": "hidden", "shape": [4],
             "options": {"w_rec": {"init": "fixed_in_degree", "k": 1, "seed": 2, "weight": {"constant": 0.1}}}}
        ]}"#,
    );
    let lines = [
        "sparse 0_SparseLinear.weight: shape (3, 4), nnz 3, density 0.25\n",
        "sparse hidden.w_rec: shape (4, 4), nnz 4, density 0.25\n",
    ];
    let r = f.ok(&["inspect", "sparse.json"]);
    for line in lines {
        assert!(r.stdout.contains(line), "missing {line:?} in\n{}", r.stdout);
    }
    f.write("x3.npy", &npy_f64(&[5, 3], &[0.5; 15]));
    simulate_saving_state(&f, "sparse.json", "x3.npy", "y.npy", "s.snap");
    let r = f.ok(&["inspect", "s.snap"]);
    for line in lines {
        assert!(r.stdout.contains(line), "missing {line:?} in\n{}", r.stdout);
    }
}

// ---------------------------------------------------------------- sweep

fn csv_rows(path: &std::path::Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn sweep_writes_one_row_per_point_and_point_k_reproduces_it() {
    let f = Fixture::new(2, 40);
    let vary = [
        "--vary",
        "lif.tau_mem=0.01,0.02,0.04",
        "--vary",
        "lif.threshold=0.5,1.5",
    ];
    let mut args = vec![
        "sweep",
        "net.json",
        "-i",
        "x.npy",
        "--out",
        "sw",
        "--save-outputs",
        "-q",
    ];
    args.extend(vary);
    f.ok(&args);
    let rows = csv_rows(&f.path("sw/summary.csv"));
    assert_eq!(rows.len(), 1 + 6);
    assert_eq!(
        rows[0],
        [
            "point",
            "lif.tau_mem",
            "lif.threshold",
            "lif.spikes",
            "lif.rate_hz"
        ]
    );
    // Timing lives apart, so that summary.csv is the same bytes on every run.
    let timings = csv_rows(&f.path("sw/timings.csv"));
    assert_eq!(timings.len(), 1 + 6);
    assert_eq!(timings[0], ["point", "seconds"]);
    assert_eq!(rows[2][..3], ["1", "0.01", "1.5"]);
    for k in 0..6 {
        assert!(f.path(&format!("sw/point-{k:04}.npy")).is_file());
    }
    // Different points differ.
    assert_ne!(rows[1][3], rows[2][3]);
    for k in [0usize, 4] {
        let ks = k.to_string();
        let mut args = vec![
            "sweep",
            "net.json",
            "-i",
            "x.npy",
            "--out",
            "one",
            "--save-outputs",
            "-q",
            "--point",
            &ks,
            "--threads",
            "1",
        ];
        args.extend(vary);
        f.ok(&args);
        let one = csv_rows(&f.path("one/summary.csv"));
        assert_eq!(one.len(), 2);
        assert_eq!(one[1][..5], rows[k + 1][..5], "point {k}");
        let a = read_npy(&f.path(&format!("sw/point-{k:04}.npy")));
        let b = read_npy(&f.path(&format!("one/point-{k:04}.npy")));
        assert!(a.bits_eq(&b), "point {k} output differs");
    }
    // Zip: the i-th values together.
    f.ok(&[
        "sweep",
        "net.json",
        "-i",
        "x.npy",
        "--out",
        "z",
        "--zip",
        "--save-outputs",
        "-q",
        "--vary",
        "lif.tau_mem=0.01,0.02",
        "--vary",
        "lif.threshold=0.5,1.5",
    ]);
    let z = csv_rows(&f.path("z/summary.csv"));
    assert_eq!(z.len(), 3);
    assert_eq!(z[1][..3], ["0", "0.01", "0.5"]);
    assert_eq!(z[2][..3], ["1", "0.02", "1.5"]);
    // Each zipped point is a grid point with the same values and the same index (point k
    // draws its noise from `point{k}`): (0.01, 0.5) is point 0 of the grid above,
    // (0.02, 1.5) point 1 of the grid τ = 0.02 × θ = 0.5, 1.5. Same outputs and counts.
    f.ok(&[
        "sweep",
        "net.json",
        "-i",
        "x.npy",
        "--out",
        "g",
        "--save-outputs",
        "-q",
        "--vary",
        "lif.tau_mem=0.02",
        "--vary",
        "lif.threshold=0.5,1.5",
    ]);
    let g = csv_rows(&f.path("g/summary.csv"));
    for (zk, grid, grid_rows, gk) in [(0usize, "sw", &rows, 0usize), (1, "g", &g, 1)] {
        assert_eq!(
            z[zk + 1][..5],
            grid_rows[gk + 1][..5],
            "zip {zk} vs {grid} {gk}"
        );
        let a = read_npy(&f.path(&format!("z/point-{zk:04}.npy")));
        let b = read_npy(&f.path(&format!("{grid}/point-{gk:04}.npy")));
        assert!(
            a.bits_eq(&b),
            "zip point {zk} differs from {grid} point {gk}"
        );
    }
    assert_ne!(z[1][3], z[2][3], "the two zipped points differ");
}

/// A sweep that keeps only summaries (points evolved by blocks of samples) writes the
/// summary.csv of one that keeps every output (points evolved whole), on any thread
/// count; `--summary` reports the run and its `sweep_seconds`.
#[test]
fn summaries_alone_match_kept_outputs_and_summary_reports_the_sweep() {
    let f = Fixture::new(3, 40);
    assert_eq!(sweep_into(&f, "kept", &["--save-outputs"]).code, 0);
    let kept = std::fs::read(f.path("kept/summary.csv")).unwrap();
    for threads in ["1", "2", "3"] {
        let dir = format!("alone{threads}");
        let extra = ["--threads", threads, "--summary", "run.json"];
        assert_eq!(sweep_into(&f, &dir, &extra).code, 0);
        let alone = std::fs::read(f.path(&format!("{dir}/summary.csv"))).unwrap();
        assert_eq!(alone, kept, "{threads} thread(s)");
        let run: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(f.path("run.json")).unwrap()).unwrap();
        assert_eq!(run["command"], "sweep");
        assert_eq!(run["points"], 9);
        assert_eq!(run["points_in_sweep"], 9);
        assert_eq!(
            run["threads"].as_u64().map(|t| t.to_string()),
            Some(threads.into())
        );
        assert_eq!(run["ranks"], 1);
        assert!(run["sweep_seconds"].as_f64().is_some_and(|s| s > 0.0));
    }
}

// ---------------------------------------------------------------- job arrays

const SHARD_VARY: [&str; 4] = [
    "--vary",
    "lif.tau_mem=0.01,0.02,0.04",
    "--vary",
    "lif.threshold=0.5,1.0,1.5",
];

/// `littoral sweep net.json -i x.npy --vary … --out DIR -q` plus `extra`.
fn sweep_into(f: &Fixture, dir: &str, extra: &[&str]) -> Ran {
    let mut args = vec!["sweep", "net.json", "-i", "x.npy", "--out", dir, "-q"];
    args.extend(SHARD_VARY);
    args.extend(extra);
    f.run(&args)
}

#[test]
fn shards_then_merge_give_the_one_process_summary_byte_for_byte() {
    let f = Fixture::new(2, 40);
    assert_eq!(sweep_into(&f, "one", &["--threads", "2"]).code, 0);
    // Shards in a different order and thread count than the one-process run.
    for (i, threads) in [(2, "1"), (0, "2"), (1, "1")] {
        let shard = format!("{i}/3");
        let r = sweep_into(&f, "arr", &["--shard", &shard, "--threads", threads]);
        assert_eq!(r.code, 0, "shard {shard}: {}", r.stderr);
    }
    assert!(
        !f.path("arr/summary.csv").exists(),
        "shards alone write no summary"
    );
    let shard1 = csv_rows(&f.path("arr/shards/1.csv"));
    let ks: Vec<&str> = shard1[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ks, ["1", "4", "7"]);
    f.ok(&["sweep", "merge", "arr", "-q"]);
    let one = std::fs::read(f.path("one/summary.csv")).unwrap();
    let merged = std::fs::read(f.path("arr/summary.csv")).unwrap();
    assert_eq!(csv_rows(&f.path("one/summary.csv")).len(), 1 + 9);
    assert_eq!(
        String::from_utf8_lossy(&merged),
        String::from_utf8_lossy(&one)
    );
    assert_eq!(merged, one);
    // The merged folder's manifest is the one-process run's.
    assert_eq!(
        std::fs::read(f.path("arr/manifest.json")).unwrap(),
        std::fs::read(f.path("one/manifest.json")).unwrap()
    );
}

#[test]
fn merge_names_missing_and_duplicate_points() {
    let f = Fixture::new(1, 20);
    for i in [0, 2] {
        assert_eq!(
            sweep_into(&f, "arr", &["--shard", &format!("{i}/3")]).code,
            0
        );
    }
    let r = f.run(&["sweep", "merge", "arr"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("3 of 9 point(s) missing: 1, 4, 7") && r.stderr.contains("--shard 1/3"),
        "{}",
        r.stderr
    );
    assert!(!f.path("arr/summary.csv").exists());
    // A second division of the same sweep overlaps the first: point 0 twice.
    assert_eq!(sweep_into(&f, "arr", &["--shard", "1/3"]).code, 0);
    std::fs::copy(f.path("arr/shards/0.csv"), f.path("arr/shards/3.csv")).unwrap();
    std::fs::write(
        f.path("arr/shards/3.manifest.json"),
        std::fs::read_to_string(f.path("arr/shards/0.manifest.json"))
            .unwrap()
            .replace("\"0/3\"", "\"3/9\""),
    )
    .unwrap();
    let r = f.run(&["sweep", "merge", "arr"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("3.csv"), "{}", r.stderr);
    assert!(
        r.stderr.contains("line 2: not a row of shard 3/9"),
        "{}",
        r.stderr
    );
    std::fs::remove_file(f.path("arr/shards/3.csv")).unwrap();
    std::fs::remove_file(f.path("arr/shards/3.manifest.json")).unwrap();
    f.ok(&["sweep", "merge", "arr", "-q"]);
    std::fs::remove_file(f.path("arr/summary.csv")).unwrap();
    // Shard 4/6 (point 4) overlaps shard 1/3 (points 1, 4, 7).
    assert_eq!(sweep_into(&f, "arr", &["--shard", "4/6"]).code, 0);
    let r = f.run(&["sweep", "merge", "arr"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("4.csv: duplicate point 4: also in") && r.stderr.contains("1.csv"),
        "{}",
        r.stderr
    );
    assert!(!f.path("arr/summary.csv").exists());
    // No shards at all.
    std::fs::create_dir(f.path("empty")).unwrap();
    let r = f.run(&["sweep", "merge", "empty"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("no shard files"), "{}", r.stderr);
}

#[test]
fn shards_of_another_network_input_or_grid_are_refused() {
    let f = Fixture::new(1, 20);
    assert_eq!(sweep_into(&f, "arr", &["--shard", "0/2"]).code, 0);
    // Another input: refused when the shard starts, naming the manifest.
    f.write("x2.npy", &npy_f64(&[1, 20, 2], &[0.25; 40]));
    let mut args = vec![
        "sweep", "net.json", "-i", "x2.npy", "--out", "arr", "-q", "--shard", "1/2",
    ];
    args.extend(SHARD_VARY);
    let r = f.run(&args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("0.manifest.json") && r.stderr.contains("another input"),
        "{}",
        r.stderr
    );
    assert!(!f.path("arr/shards/1.csv").exists());
    // Another grid.
    let r = f.run(&[
        "sweep",
        "net.json",
        "-i",
        "x.npy",
        "--out",
        "arr",
        "-q",
        "--shard",
        "1/2",
        "--vary",
        "lif.tau_mem=0.01,0.02,0.05",
        "--vary",
        "lif.threshold=0.5,1.0,1.5",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("another grid"), "{}", r.stderr);
    // Another network, made elsewhere and copied in: merge refuses it.
    f.write(
        "net2.json",
        NET.replace("0.1, 0.2, 0.3", "0.1, 0.2, 0.4").as_bytes(),
    );
    let mut args = vec![
        "sweep",
        "net2.json",
        "-i",
        "x.npy",
        "--out",
        "other",
        "-q",
        "--shard",
        "1/2",
    ];
    args.extend(SHARD_VARY);
    f.ok(&args);
    for name in ["1.csv", "1.manifest.json"] {
        std::fs::copy(
            f.path(&format!("other/shards/{name}")),
            f.path(&format!("arr/shards/{name}")),
        )
        .unwrap();
    }
    let r = f.run(&["sweep", "merge", "arr"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("1.manifest.json") && r.stderr.contains("another network"),
        "{}",
        r.stderr
    );
    assert!(!f.path("arr/summary.csv").exists());
    // Bad --shard values are usage errors.
    for bad in ["2/2", "1", "a/3", "0/0"] {
        let r = sweep_into(&f, "arr", &["--shard", bad]);
        assert_eq!(r.code, 2, "--shard {bad}: {}", r.stderr);
        assert!(r.stderr.contains("--shard"), "{}", r.stderr);
    }
}

/// The one journal file a one-process sweep into `dir` wrote (`dir/points/journal-*.csv`).
fn journal_file(f: &Fixture, dir: &str) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(f.path(&format!("{dir}/points")))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("journal-") && name.ends_with(".csv"),
        "{name}"
    );
    files[0].clone()
}

/// A journal's text without the rows of `points`.
fn without_rows(text: &str, points: &[usize]) -> String {
    text.split_inclusive('\n')
        .filter(|l| !points.iter().any(|k| l.starts_with(&format!("{k},"))))
        .collect()
}

#[test]
fn resume_recomputes_only_missing_points_with_the_same_bytes() {
    let f = Fixture::new(2, 30);
    assert_eq!(sweep_into(&f, "one", &[]).code, 0);
    assert_eq!(sweep_into(&f, "r", &["--threads", "1"]).code, 0);
    // As if the run had been killed: no summary, points 3 and 6 never finished, point
    // 5's row torn at the end of the journal (a partial row is never taken for a
    // result), and an older folder's one-point file `6.csv` holding point 7's row.
    std::fs::remove_file(f.path("r/summary.csv")).unwrap();
    let journal = journal_file(&f, "r");
    let text = std::fs::read_to_string(&journal).unwrap();
    let row_of = |k: usize| {
        text.split_inclusive('\n')
            .find(|l| l.starts_with(&format!("{k},")))
    };
    let (five, seven) = (row_of(5).unwrap(), row_of(7).unwrap());
    let mut kept = without_rows(&text, &[3, 5, 6]);
    kept.push_str(&five[..five.len() / 2]);
    std::fs::write(&journal, kept).unwrap();
    std::fs::write(f.path("r/points/6.csv"), seven).unwrap();
    assert_eq!(sweep_into(&f, "r", &["--resume"]).code, 0);
    assert_eq!(
        std::fs::read(f.path("r/summary.csv")).unwrap(),
        std::fs::read(f.path("one/summary.csv")).unwrap()
    );
    // Only points 3, 5 and 6 were computed (only they have a time).
    let timed: Vec<String> = csv_rows(&f.path("r/timings.csv"))[1..]
        .iter()
        .filter(|r| !r[1].is_empty())
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(timed, ["3", "5", "6"]);
    // Resuming with another grid is refused.
    let r = f.run(&[
        "sweep",
        "net.json",
        "-i",
        "x.npy",
        "--out",
        "r",
        "-q",
        "--resume",
        "--vary",
        "lif.tau_mem=0.01",
        "--vary",
        "lif.threshold=0.5,1.0,1.5",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("another grid"), "{}", r.stderr);
}

/// `--resume DIR` (the folder given to `--resume` itself, without `--out`) resumes the
/// same way; `--out` and `--resume` naming two folders is a usage error.
#[test]
fn resume_takes_the_folder_itself() {
    let f = Fixture::new(2, 30);
    assert_eq!(sweep_into(&f, "one", &[]).code, 0);
    assert_eq!(sweep_into(&f, "r", &[]).code, 0);
    std::fs::remove_file(f.path("r/summary.csv")).unwrap();
    let journal = journal_file(&f, "r");
    let text = std::fs::read_to_string(&journal).unwrap();
    std::fs::write(&journal, without_rows(&text, &[4])).unwrap();
    let mut args = vec!["sweep", "net.json", "-i", "x.npy", "-q"];
    args.extend(SHARD_VARY);
    args.extend(["--resume", "r"]);
    let r = f.run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        std::fs::read(f.path("r/summary.csv")).unwrap(),
        std::fs::read(f.path("one/summary.csv")).unwrap()
    );
    let r = sweep_into(&f, "one", &["--resume", "r"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("different folders"), "{}", r.stderr);
}

// ---------------------------------------------------------------- errors

/// Run a failing command and check: the exit code, one line on stderr that starts with
/// `littoral: ` and names `file`, no panic, and no new file in the folder.
fn fails(f: &Fixture, args: &[&str], code: i32, file: &str) -> String {
    let before = f.files();
    let r = f.run(args);
    assert_eq!(r.code, code, "littoral {args:?}: stderr {}", r.stderr);
    let err = r.stderr.trim_end();
    assert_eq!(err.lines().count(), 1, "one line expected, got {err:?}");
    assert!(err.starts_with("littoral: "), "{err}");
    assert!(err.contains(file), "{err:?} does not name {file}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
    assert_eq!(f.files(), before, "littoral {args:?} left files behind");
    err.to_string()
}

#[test]
fn bad_network_files() {
    let f = Fixture::new(1, 10);
    let sim = |net: &str| {
        vec![
            "simulate".to_string(),
            net.into(),
            "-i".into(),
            "x.npy".into(),
            "-o".into(),
            "y.npy".into(),
        ]
    };
    let cases: Vec<(&str, &[u8], &str)> = vec![
        ("malformed.json", b"{\"class\": LIF}", "invalid JSON"),
        ("truncated.json", &NET.as_bytes()[..NET.len() / 2], "invalid JSON"),
        ("empty.json", b"", "empty"),
        ("binary.json", b"\xff\xfe\x00garbage", "UTF-8"),
        ("class.json", br#"{"class": "LIFF", "shape": [3]}"#, "unknown class"),
        ("option.json", br#"{"class": "LIF", "shape": [2], "options": {"has_recc": true}}"#, "options.has_recc"),
        ("attr.json", br#"{"class": "LIF", "shape": [2], "parameters": {"tau": 0.1}}"#, "parameters.tau"),
        ("shape.json", br#"{"class": "LIF", "shape": [2], "parameters": {"tau_mem": [1, 2, 3]}}"#, "parameters.tau_mem"),
        ("inf.json", br#"{"class": "LIF", "shape": [2], "parameters": {"tau_mem": 1e999}}"#, "invalid JSON"),
        ("nested.json", br#"{"class": "Sequential", "modules": [{"class": "Linear", "shape": [2, 3]}, {"class": "LIF", "shape": [3], "parameters": {"bias": [1, 2]}}]}"#, "modules[1].parameters.bias"),
    ];
    for (name, bytes, what) in cases {
        f.write(name, bytes);
        let args = sim(name);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let err = fails(&f, &args, 1, name);
        assert!(err.contains(what), "{name}: {err}");
    }
    let args = sim("missing.json");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    fails(&f, &args, 1, "missing.json");
    fails(&f, &["inspect", "missing.json"], 1, "missing.json");
    fails(&f, &["inspect", "class.json"], 1, "class.json");
}

#[test]
fn bad_input_files() {
    let f = Fixture::new(1, 10);
    let good = npy_f64(&[10, 2], &[0.5; 20]);
    let mut huge = npy_bytes("<f8", &[1_000_000, 1_000_000, 2], false, &[]);
    huge.extend_from_slice(&[0u8; 64]);
    let overflow = npy_bytes("<f8", &[u64::MAX as usize / 2, 4, 2], false, &[0u8; 16]);
    let mut nan = vec![0.5; 20];
    nan[7] = f64::NAN;
    let mut inf = vec![0.5; 20];
    inf[3] = f64::NEG_INFINITY;
    let structured = npy_bytes("[('a', '<f8')]", &[10, 2], false, &[0u8; 160]);
    let mut trailing = good.clone();
    trailing.extend_from_slice(&[1, 2, 3]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.npy", Vec::new(), "empty"),
        ("magic.npy", b"not a numpy file at all".to_vec(), "magic"),
        ("header.npy", good[..40].to_vec(), "truncated"),
        ("data.npy", good[..good.len() - 9].to_vec(), "truncated"),
        ("trailing.npy", trailing, "unexpected"),
        ("huge.npy", huge, "truncated"),
        ("overflow.npy", overflow, "overflow"),
        (
            "complex.npy",
            npy_bytes("<c16", &[10, 2], false, &[0u8; 320]),
            "unsupported dtype",
        ),
        (
            "half.npy",
            npy_bytes("<f2", &[10, 2], false, &[0u8; 40]),
            "unsupported dtype",
        ),
        (
            "string.npy",
            npy_bytes("<U3", &[10, 2], false, &[0u8; 240]),
            "unsupported dtype",
        ),
        ("structured.npy", structured, "unsupported dtype"),
        (
            "rank1.npy",
            npy_f64(&[20], &[0.5; 20]),
            "expected an input of shape (T, 2)",
        ),
        (
            "rank4.npy",
            npy_f64(&[1, 1, 10, 2], &[0.5; 20]),
            "expected an input of shape",
        ),
        ("width.npy", npy_f64(&[5, 4], &[0.5; 20]), "found (5, 4)"),
        ("nosteps.npy", npy_f64(&[0, 2], &[]), "no time step"),
        ("nan.npy", npy_f64(&[10, 2], &nan), "NaN"),
        ("inf.npy", npy_f64(&[10, 2], &inf), "inf"),
        (
            "bool.npy",
            npy_bytes("|b1", &[10, 2], false, &[7u8; 20]),
            "bool",
        ),
    ];
    for (name, bytes, what) in &cases {
        f.write(name, bytes);
        let err = fails(
            &f,
            &["simulate", "net.json", "-i", name, "-o", "y.npy"],
            1,
            name,
        );
        assert!(err.contains(what), "{name}: {err}");
    }
    // The sweep reads its input the same way.
    fails(
        &f,
        &[
            "sweep",
            "net.json",
            "-i",
            "nan.npy",
            "--vary",
            "lif.dt=0.001",
            "--out",
            "sw",
        ],
        1,
        "nan.npy",
    );
    fails(
        &f,
        &["simulate", "net.json", "-i", "missing.npy", "-o", "y.npy"],
        1,
        "missing.npy",
    );
}

/// A stored (uncompressed) zip with one entry.
fn zip_one(name: &str, data: &[u8]) -> Vec<u8> {
    let crc = littoral::functional::codec::crc32(data);
    let mut local = Vec::new();
    local.extend_from_slice(b"PK\x03\x04");
    local.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    local.extend_from_slice(&crc.to_le_bytes());
    local.extend_from_slice(&(data.len() as u32).to_le_bytes());
    local.extend_from_slice(&(data.len() as u32).to_le_bytes());
    local.extend_from_slice(&(name.len() as u16).to_le_bytes());
    local.extend_from_slice(&[0, 0]);
    local.extend_from_slice(name.as_bytes());
    local.extend_from_slice(data);
    let mut central = Vec::new();
    central.extend_from_slice(b"PK\x01\x02");
    central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    central.extend_from_slice(&crc.to_le_bytes());
    central.extend_from_slice(&(data.len() as u32).to_le_bytes());
    central.extend_from_slice(&(data.len() as u32).to_le_bytes());
    central.extend_from_slice(&(name.len() as u16).to_le_bytes());
    central.extend_from_slice(&[0; 12]);
    central.extend_from_slice(&0u32.to_le_bytes());
    central.extend_from_slice(name.as_bytes());
    let mut out = local.clone();
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

#[test]
fn npz_inputs_good_and_bad() {
    let f = Fixture::new(1, 10);
    let x = Array::full(vec![10, 2], 0.5);
    let npy = npy_f64(x.shape(), x.data());
    f.write("one.npz", &zip_one("input.npy", &npy));
    f.ok(&["simulate", "net.json", "-i", "one.npz", "-o", "y.npy", "-q"]);
    assert!(read_npy(&f.path("y.npy")).bits_eq(&library_evolve(NET, 0, &x, false).output));
    std::fs::remove_file(f.path("y.npy")).unwrap();
    let zip = zip_one("x.npy", &npy);
    let mut huge = npy_bytes("<f8", &[1_000_000_000, 2], false, &[]);
    huge.extend_from_slice(&[0u8; 32]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated.npz", zip[..zip.len() / 2].to_vec(), "npz"),
        (
            "garbage.npz",
            b"PK\x03\x04 this is not really a zip file".to_vec(),
            "npz",
        ),
        (
            "inner.npz",
            zip_one("x.npy", &npy[..npy.len() - 8]),
            "truncated",
        ),
        ("huge.npz", zip_one("x.npy", &huge), "truncated"),
        (
            "notnpy.npz",
            zip_one("x.npy", b"hello world, not an array"),
            "magic",
        ),
        (
            "empty.npz",
            zip_one("readme.txt", b"no arrays here"),
            "no array",
        ),
    ];
    for (name, bytes, what) in &cases {
        f.write(name, bytes);
        let err = fails(
            &f,
            &["simulate", "net.json", "-i", name, "-o", "y.npy"],
            1,
            name,
        );
        assert!(err.contains(what), "{name}: {err}");
    }
}

#[test]
fn bad_snapshots() {
    let f = Fixture::new(1, 10);
    simulate_saving_state(&f, "net.json", "x.npy", "y.npy", "s.snap");
    std::fs::remove_file(f.path("y.npy")).unwrap();
    let snap = std::fs::read(f.path("s.snap")).unwrap();
    let mut flipped = snap.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0xff;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.snap", Vec::new(), "empty"),
        (
            "truncated.snap",
            snap[..snap.len() / 2].to_vec(),
            "truncated",
        ),
        ("header.snap", snap[..12].to_vec(), "truncated"),
        ("corrupt.snap", flipped, "checksum"),
        (
            "foreign.snap",
            b"GIF89a this is a picture".to_vec(),
            "not a Littoral file",
        ),
        ("net.snap", NET.as_bytes().to_vec(), "not a Littoral file"),
    ];
    for (name, bytes, what) in &cases {
        f.write(name, bytes);
        let err = fails(
            &f,
            &["simulate", "--resume", name, "-i", "x.npy", "-o", "y.npy"],
            1,
            name,
        );
        assert!(err.contains(what), "{name}: {err}");
        if *name != "net.snap" {
            fails(&f, &["inspect", name], 1, name);
        }
    }
    fails(
        &f,
        &[
            "simulate",
            "--resume",
            "missing.snap",
            "-i",
            "x.npy",
            "-o",
            "y.npy",
        ],
        1,
        "missing.snap",
    );
    // A snapshot of 1 sample cannot continue a batch of 3.
    let x3 = Array::full(vec![3, 10, 2], 0.5);
    f.write("x3.npy", &npy_f64(x3.shape(), x3.data()));
    fails(
        &f,
        &[
            "simulate", "--resume", "s.snap", "-i", "x3.npy", "-o", "y.npy",
        ],
        1,
        "s.snap",
    );
}

#[test]
fn unwritable_outputs_leave_nothing_behind() {
    let f = Fixture::new(1, 10);
    f.write("plain-file", b"I am a file, not a folder");
    fails(
        &f,
        &[
            "simulate",
            "net.json",
            "-i",
            "x.npy",
            "-o",
            "no/such/folder/y.npy",
        ],
        1,
        "y.npy",
    );
    fails(
        &f,
        &[
            "simulate",
            "net.json",
            "-i",
            "x.npy",
            "-o",
            "plain-file/y.npy",
        ],
        1,
        "y.npy",
    );
    // The first outputs are fine, a later one is not: none of them appears.
    fails(
        &f,
        &[
            "simulate",
            "net.json",
            "-i",
            "x.npy",
            "-o",
            "y.npy",
            "--record",
            "r.npz",
            "--save-state",
            "s.snap",
            "--summary",
            "plain-file/sum.json",
        ],
        1,
        "sum.json",
    );
    fails(
        &f,
        &["simulate", "net.json", "-i", "x.npy", "-o", "."],
        1,
        ".",
    );
    fails(
        &f,
        &["demo", "--out", "plain-file/demo", "-q"],
        1,
        "plain-file",
    );
    fails(
        &f,
        &[
            "sweep",
            "net.json",
            "-i",
            "x.npy",
            "--vary",
            "lif.dt=0.001",
            "--out",
            "plain-file/sw",
        ],
        1,
        "plain-file",
    );
}

#[test]
fn usage_errors_exit_2() {
    let f = Fixture::new(1, 10);
    let sim = ["simulate", "net.json", "-i", "x.npy", "-o", "y.npy"];
    let with = |extra: &[&'static str]| {
        let mut v = sim.to_vec();
        v.extend_from_slice(extra);
        v
    };
    fails(&f, &with(&["--bogus"]), 2, "--bogus");
    fails(&f, &["simulate", "net.json", "-o", "y.npy"], 2, "--input");
    fails(
        &f,
        &["simulate", "-i", "x.npy", "-o", "y.npy"],
        2,
        "NET.json",
    );
    fails(
        &f,
        &with(&["--resume", "a.snap", "--seed", "3"]),
        2,
        "--seed",
    );
    fails(&f, &with(&["--threads", "0"]), 2, "--threads");
    fails(&f, &with(&["--record", "y.npy"]), 2, "y.npy");
    fails(&f, &["frobnicate"], 2, "frobnicate");
    let sw = |extra: &[&'static str]| {
        let mut v = vec!["sweep", "net.json", "-i", "x.npy", "--out", "sw"];
        v.extend_from_slice(extra);
        v
    };
    fails(&f, &sw(&[]), 2, "--vary");
    fails(&f, &sw(&["--vary", "lif.tau_mem"]), 2, "lif.tau_mem");
    fails(&f, &sw(&["--vary", "lif.tau_mem=0.1,abc"]), 2, "abc");
    fails(&f, &sw(&["--vary", "lif.tau_mem=nan"]), 2, "nan");
    fails(&f, &sw(&["--vary", "lif.nope=1"]), 2, "lif.nope");
    fails(&f, &sw(&["--vary", "lif.vmem=1"]), 2, "lif.vmem");
    fails(
        &f,
        &sw(&["--vary", "lif.tau_mem=0.1,0.2", "--point", "2"]),
        2,
        "--point 2",
    );
    fails(
        &f,
        &sw(&[
            "--zip",
            "--vary",
            "lif.tau_mem=0.1,0.2",
            "--vary",
            "lif.dt=0.001",
        ]),
        2,
        "same length",
    );
    let r = f.ok(&["--help"]);
    for cmd in ["demo", "simulate", "inspect", "sweep"] {
        assert!(r.stdout.contains(cmd));
    }
}

// ---------------------------------------------------------------- CUBA as a network file

/// `examples/cuba.json` (issue 12: "a network-file version of CUBA must run too") runs
/// through `littoral simulate`, and once its synchronous first volley has passed (the file
/// starts from `vmem = 0`; `docs/models.md`) its rate is within 10 % of Brian2's committed
/// CUBA rate at N = 4,000 (`benches/compare/brian2_cuba_stats.json`).
#[test]
fn the_cuba_network_file_runs_at_brian2_s_rate() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let stats =
        std::fs::read_to_string(root.join("benches/compare/brian2_cuba_stats.json")).unwrap();
    let stats: serde_json::Value = serde_json::from_str(&stats).unwrap();
    let brian_rate = stats["summary"]["4000"]["mean_rate_hz"].as_f64().unwrap();

    let (steps, channels, neurons, skip, dt) = (5000, 8000, 4000, 2000, 1e-4);
    let dir = tempfile::tempdir().unwrap();
    let zeros = vec![0u8; steps * channels];
    let x = dir.path().join("x.npy");
    std::fs::write(&x, npy_bytes("|b1", &[steps, channels], false, &zeros)).unwrap();
    let net = root.join("examples/cuba.json");
    ok_in(
        dir.path(),
        &[
            "simulate",
            net.to_str().unwrap(),
            "-i",
            "x.npy",
            "-o",
            "y.npy",
            "--summary",
            "s.json",
            "--quiet",
        ],
    );
    let y = read_npy(&dir.path().join("y.npy"));
    assert_eq!(y.shape(), &[1, steps, neurons]);
    let total: f64 = y.data().iter().sum();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("s.json")).unwrap()).unwrap();
    assert_eq!(summary["spikes_total"].as_f64(), Some(total));
    let late: f64 = y.data()[skip * neurons..].iter().sum();
    let rate = late / (neurons as f64 * (steps - skip) as f64 * dt);
    assert!(
        (rate - brian_rate).abs() <= 0.1 * brian_rate,
        "rate after the first volley {rate} Hz, Brian2 {brian_rate} Hz"
    );
}
