//! Tests of the `littoral` command line, driving the real binary (assert_cmd).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod errors;
mod nir;
mod reliability;
mod sweep;
mod util;

use littoral::prelude::*;
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

/// A chain of two fused `Linear → LIF` pairs counts the spikes of its first `LIF` from a
/// record of counts: the counts are the library's spike trains summed, and the output is
/// the library's, on one thread and two.
#[test]
fn counting_the_spikes_of_a_fused_chain_gives_the_sums_of_its_trains() {
    const TWO: &str = r#"{"class": "Sequential", "modules": [
      {"class": "Linear", "shape": [2, 6]},
      {"name": "first", "class": "LIF", "shape": [6], "parameters": {"threshold": 0.3}},
      {"class": "Linear", "shape": [6, 4]},
      {"name": "second", "class": "LIF", "shape": [4], "parameters": {"threshold": 0.1},
       "simulation_parameters": {"noise_std": 0.2}}]}"#;
    let f = Fixture::new(3, 300);
    f.write("two.json", TWO.as_bytes());
    let net = littoral::nets::config::from_json_str(TWO).unwrap();
    let tree = net.init(0);
    let trains = net.evolve(&tree, &tree, &f.x, Recording::Spikes).unwrap();
    let sum_of = |name: &str| -> f64 { trains.record.get(name).unwrap().data().iter().sum() };
    let (first, second) = (sum_of("first_output"), sum_of("second_output"));
    assert!(first > 0.0 && second > 0.0, "both populations spike");
    for threads in ["1", "2"] {
        f.ok(&[
            "simulate",
            "two.json",
            "-i",
            "x.npy",
            "-o",
            "y.npy",
            "--summary",
            "s.json",
            "-q",
            "--threads",
            threads,
        ]);
        assert!(
            read_npy(&f.path("y.npy")).bits_eq(&trains.output),
            "{threads} thread(s)"
        );
        let text = std::fs::read_to_string(f.path("s.json")).unwrap();
        let summary: serde_json::Value = serde_json::from_str(&text).unwrap();
        let counts = &summary["spikes_per_module"];
        assert_eq!(counts["first"].as_f64(), Some(first), "{threads} thread(s)");
        assert_eq!(
            counts["second"].as_f64(),
            Some(second),
            "{threads} thread(s)"
        );
    }
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
