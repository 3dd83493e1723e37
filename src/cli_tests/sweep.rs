//! `littoral sweep`: rows per point, summaries, shards and their merge (job arrays), and
//! resuming a sweep from its journal.

use crate::util::*;
use std::path::PathBuf;

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

/// `littoral sweep merge DIR` exits with status 1, its error holding every one of
/// `needles`.
fn merge_refused(f: &Fixture, dir: &str, needles: &[&str]) {
    let r = f.run(&["sweep", "merge", dir]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    for n in needles {
        assert!(r.stderr.contains(n), "missing {n:?} in {}", r.stderr);
    }
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
    merge_refused(
        &f,
        "arr",
        &["3 of 9 point(s) missing: 1, 4, 7", "--shard 1/3"],
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
    merge_refused(&f, "arr", &["3.csv", "line 2: not a row of shard 3/9"]);
    std::fs::remove_file(f.path("arr/shards/3.csv")).unwrap();
    std::fs::remove_file(f.path("arr/shards/3.manifest.json")).unwrap();
    f.ok(&["sweep", "merge", "arr", "-q"]);
    std::fs::remove_file(f.path("arr/summary.csv")).unwrap();
    // Shard 4/6 (point 4) overlaps shard 1/3 (points 1, 4, 7).
    assert_eq!(sweep_into(&f, "arr", &["--shard", "4/6"]).code, 0);
    merge_refused(&f, "arr", &["4.csv: duplicate point 4: also in", "1.csv"]);
    assert!(!f.path("arr/summary.csv").exists());
    // No shards at all.
    std::fs::create_dir(f.path("empty")).unwrap();
    merge_refused(&f, "empty", &["no shard files"]);
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
    merge_refused(&f, "arr", &["1.manifest.json", "another network"]);
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
