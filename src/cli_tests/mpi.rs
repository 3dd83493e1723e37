//! `littoral sweep` over MPI ranks (the `mpi` feature), driven through `mpirun` (Open
//! MPI: `--allow-run-as-root --oversubscribe`): the summary is the one-process run's, byte
//! for byte; a rank killed mid-sweep fails the run without a summary, and `--resume`
//! completes it with the same bytes.
#![cfg(feature = "mpi")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "util.rs"]
#[allow(dead_code)]
mod util;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use util::{Fixture, Ran, ok_in};

/// `mpirun -n RANKS littoral ARGS…` in the fixture's folder, marked with the folder so
/// that the test can find its ranks.
fn mpirun(f: &Fixture, ranks: usize, args: &[&str]) -> Command {
    let mut c = Command::new("mpirun");
    c.current_dir(f.dir.path())
        .env("LITTORAL_MPI_TEST", f.dir.path())
        .args(["--allow-run-as-root", "--oversubscribe", "-n"])
        .arg(ranks.to_string())
        .arg(env!("CARGO_BIN_EXE_littoral"))
        .args(args);
    c
}

fn ran(out: Output) -> Ran {
    Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn mpi_ok(f: &Fixture, ranks: usize, args: &[&str]) -> Ran {
    let r = ran(mpirun(f, ranks, args).output().unwrap());
    assert_eq!(
        r.code, 0,
        "mpirun -n {ranks} littoral {args:?}: {}",
        r.stderr
    );
    r
}

/// `sweep net.json -i x.npy --vary … --out DIR -q` and `extra`.
fn sweep_args<'a>(vary: &[&'a str], dir: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["sweep", "net.json", "-i", "x.npy", "--out", dir, "-q"];
    v.extend(vary);
    v.extend(extra);
    v
}

const VARY: [&str; 4] = [
    "--vary",
    "lif.tau_mem=0.01,0.02,0.03,0.04,0.05",
    "--vary",
    "lif.threshold=0.5,1.0,1.5",
];

fn bytes(f: &Fixture, name: &str) -> Vec<u8> {
    std::fs::read(f.path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn mpi_sweep_writes_the_one_process_summary_byte_for_byte() {
    let f = Fixture::new(2, 60);
    // The same binary without a launcher: the one-process run.
    ok_in(
        f.dir.path(),
        &sweep_args(&VARY, "one", &["--save-outputs", "--threads", "2"]),
    );
    for (ranks, threads, dir) in [(3, "1", "mpi3"), (2, "2", "mpi2")] {
        mpi_ok(
            &f,
            ranks,
            &sweep_args(&VARY, dir, &["--save-outputs", "--threads", threads]),
        );
        assert_eq!(csv_rows_of(&bytes(&f, "one/summary.csv")).len(), 1 + 15);
        assert_eq!(
            String::from_utf8_lossy(&bytes(&f, &format!("{dir}/summary.csv"))),
            String::from_utf8_lossy(&bytes(&f, "one/summary.csv")),
            "{ranks} ranks × {threads} thread(s)"
        );
        assert_eq!(
            bytes(&f, &format!("{dir}/manifest.json")),
            bytes(&f, "one/manifest.json")
        );
        // Every point computed once, by some rank, with its output file.
        let timings = csv_rows_of(&bytes(&f, &format!("{dir}/timings.csv")));
        assert_eq!(timings.len(), 1 + 15);
        assert!(timings[1..].iter().all(|r| !r[1].is_empty()), "{timings:?}");
        // How each rank spent the sweep: one row per rank, the points adding up.
        let spent = csv_rows_of(&bytes(&f, &format!("{dir}/ranks.csv")));
        assert_eq!(
            spent[0],
            [
                "rank",
                "points",
                "prepare_seconds",
                "busy_seconds",
                "waiting_seconds"
            ]
        );
        let ranks_seen: Vec<&str> = spent[1..].iter().map(|r| r[0].as_str()).collect();
        let expected: Vec<String> = (0..ranks).map(|r| r.to_string()).collect();
        assert_eq!(ranks_seen, expected, "{spent:?}");
        let points: usize = spent[1..]
            .iter()
            .map(|r| r[1].parse::<usize>().unwrap())
            .sum();
        assert_eq!(points, 15, "{spent:?}");
        assert!(
            spent[1..].iter().all(|r| r[2..]
                .iter()
                .all(|s| s.parse::<f64>().is_ok_and(|s| s >= 0.0))),
            "{spent:?}"
        );
        for k in 0..15 {
            let name = format!("point-{k:04}.npy");
            assert_eq!(
                bytes(&f, &format!("{dir}/{name}")),
                bytes(&f, &format!("one/{name}")),
                "{dir}/{name}"
            );
        }
    }
}

/// Points streamed by blocks of samples (no output kept) from the shared `Linear` head
/// evolved in parts: five samples over 3 ranks (1, 2 and 2 samples) and 2 ranks (2 and
/// 3), each rank keeping the parts it received; the LIF's noise is keyed by sample, so a
/// block of a part evolved as another sample would change the summary.
#[test]
fn a_head_in_parts_streams_the_one_process_summary() {
    let f = Fixture::new(5, 40);
    ok_in(f.dir.path(), &sweep_args(&VARY, "one", &["--threads", "1"]));
    for (ranks, dir) in [(3, "mpi3"), (2, "mpi2")] {
        mpi_ok(&f, ranks, &sweep_args(&VARY, dir, &["--threads", "1"]));
        assert_eq!(
            String::from_utf8_lossy(&bytes(&f, &format!("{dir}/summary.csv"))),
            String::from_utf8_lossy(&bytes(&f, "one/summary.csv")),
            "{ranks} ranks"
        );
    }
}

#[test]
fn errors_are_reported_once_by_rank_0_and_no_rank_hangs() {
    let f = Fixture::new(1, 20);
    // A usage error every rank meets.
    let r = ran(mpirun(&f, 3, &sweep_args(&VARY, "s", &["--shard", "0/2"]))
        .output()
        .unwrap());
    assert_ne!(r.code, 0);
    assert_eq!(
        r.stderr
            .matches("--shard and --point run in one process")
            .count(),
        1,
        "{}",
        r.stderr
    );
    // An error only rank 0 meets: the folder holds another sweep.
    mpi_ok(&f, 3, &sweep_args(&VARY, "s", &[]));
    let other = [
        "--vary",
        "lif.tau_mem=0.01,0.02",
        "--vary",
        "lif.threshold=0.5,1.0,1.5",
    ];
    let before = bytes(&f, "s/summary.csv");
    let r = ran(mpirun(&f, 3, &sweep_args(&other, "s", &[]))
        .output()
        .unwrap());
    assert_ne!(r.code, 0);
    assert_eq!(
        r.stderr.matches("holds another sweep").count(),
        1,
        "{}",
        r.stderr
    );
    assert_eq!(bytes(&f, "s/summary.csv"), before);
    // Failures in the middle of the sweep, on whichever ranks compute the points: every
    // point's output file is a folder. One message, no summary, no rank left waiting.
    for k in 0..15 {
        std::fs::create_dir_all(f.path(&format!("w/point-{k:04}.npy"))).unwrap();
    }
    let r = ran(mpirun(
        &f,
        3,
        &sweep_args(&VARY, "w", &["--save-outputs", "--threads", "1"]),
    )
    .output()
    .unwrap());
    assert_ne!(r.code, 0);
    let ours: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("littoral: "))
        .collect();
    assert_eq!(ours.len(), 1, "{}", r.stderr);
    assert!(
        ours[0].contains("point-00") && ours[0].contains("folder"),
        "{}",
        r.stderr
    );
    assert!(!f.path("w/summary.csv").exists());
}

/// The process ids of the ranks of this fixture's job with this rank number.
fn rank_pids(f: &Fixture, rank: usize) -> Vec<u32> {
    let mark = format!("LITTORAL_MPI_TEST={}", f.dir.path().display());
    let rank = format!("OMPI_COMM_WORLD_RANK={rank}");
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(env) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        let vars: Vec<&[u8]> = env.split(|&b| b == 0).collect();
        let has = |v: &str| vars.contains(&v.as_bytes());
        let exe = std::fs::read_link(entry.path().join("exe")).unwrap_or_default();
        if has(&mark) && has(&rank) && exe.file_name() == Path::new("littoral").file_name() {
            pids.push(pid);
        }
    }
    pids
}

/// Rows recorded in `dir`'s journal files (whole lines).
fn journal_len(f: &Fixture, dir: &str) -> usize {
    let Ok(entries) = std::fs::read_dir(f.path(&format!("{dir}/points"))) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| std::fs::read(e.path()).unwrap_or_default())
        .map(|b| b.iter().filter(|&&c| c == b'\n').count())
        .sum()
}

fn wait_for(mut child: Child, limit: Duration) -> Ran {
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(started.elapsed() < limit, "mpirun still running");
        std::thread::sleep(Duration::from_millis(50));
    }
    ran(child.wait_with_output().unwrap())
}

/// The cells of a CSV file without quoted fields.
fn csv_rows_of(bytes: &[u8]) -> Vec<Vec<String>> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn a_killed_rank_fails_the_run_and_resume_completes_it_byte_for_byte() {
    // 120 points of a few milliseconds each.
    let f = Fixture::new(4, 3000);
    let vary = [
        "--vary",
        "lif.tau_mem=0.01,0.012,0.014,0.016,0.018,0.02,0.022,0.024,0.026,0.028,0.03,0.032",
        "--vary",
        "lif.threshold=0.5,0.6,0.7,0.8,0.9,1.0,1.1,1.2,1.3,1.4",
    ];
    let total = 120;
    ok_in(f.dir.path(), &sweep_args(&vary, "one", &["--threads", "1"]));
    let mut job = mpirun(&f, 3, &sweep_args(&vary, "k", &["--threads", "1"]))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Kill rank 1 once a few points are recorded.
    let started = Instant::now();
    while journal_len(&f, "k") < 4 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no point recorded"
        );
        assert!(job.try_wait().unwrap().is_none(), "mpirun ended early");
        std::thread::sleep(Duration::from_millis(5));
    }
    let victims = rank_pids(&f, 1);
    assert_eq!(victims.len(), 1, "rank 1 not found: {victims:?}");
    let killed = Command::new("kill")
        .args(["-9", &victims[0].to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let recorded_at_kill = journal_len(&f, "k");
    let r = wait_for(job, Duration::from_secs(120));
    assert!(
        recorded_at_kill < total,
        "the sweep finished before the kill; make it longer"
    );
    assert_ne!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("rank 1") && r.stderr.contains("signal 9"),
        "mpirun names the killed rank: {}",
        r.stderr
    );
    assert!(
        !f.path("k/summary.csv").exists(),
        "no summary after a failed run"
    );
    // Left behind: at most the hidden temporaries of the outputs rank 0 had reserved.
    let hidden = |dir: &str| -> Vec<String> {
        std::fs::read_dir(f.path(dir))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect()
    };
    let leftovers = hidden("k");
    assert!(
        leftovers.iter().all(|n| n.contains(".littoral-tmp-")),
        "{leftovers:?}"
    );
    let kept = journal_len(&f, "k");
    assert!(kept >= 4, "the points recorded before the kill are kept");
    // Resume over MPI: only the missing points are computed.
    mpi_ok(
        &f,
        3,
        &sweep_args(&vary, "k", &["--threads", "1", "--resume"]),
    );
    assert_eq!(bytes(&f, "k/summary.csv"), bytes(&f, "one/summary.csv"));
    assert_eq!(hidden("k"), Vec::<String>::new(), "temporaries cleaned");
    assert_eq!(hidden("k/points"), Vec::<String>::new());
    let timed = csv_rows_of(&bytes(&f, "k/timings.csv"))[1..]
        .iter()
        .filter(|r| !r[1].is_empty())
        .count();
    assert!(
        timed <= total - 4 && timed + kept >= total,
        "{timed} point(s) recomputed, {kept} kept of {total}"
    );
}
