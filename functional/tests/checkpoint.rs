//! Checkpointed runs: a real child process is killed mid-run, the run is resumed from the
//! last good snapshot, and the whole output equals the uninterrupted run bit for bit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{assert_ev_bits_eq, input};
use littoral_core::{Array, Evolution, ModuleExt, Recording, Tree, record_bits_eq, tree_bits_eq};
use littoral_functional::checkpoint::{
    PREVIOUS_SNAPSHOT_FILE, RUN_FILE, SNAPSHOT_FILE, chunk_file_name, read_last_snapshot,
};
use littoral_functional::{
    CheckpointOptions, Error, ParOptions, Snapshot, resume, run_checkpointed,
};
use littoral_nets::{Lif, Sequential};
use std::num::NonZeroUsize;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Duration;

/// A child process that is killed and reaped however the test ends (a failed assertion
/// included), so that it never outlives the test.
struct ChildGuard(Child);

impl ChildGuard {
    /// The steps of the child's progress lines, read on a thread, in order.
    fn progress_lines(&mut self) -> Receiver<u64> {
        use std::io::BufRead;
        let stdout = self.0.stdout.take().unwrap();
        let (send, receive) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                // The first line also holds libtest's `test child_long_run ... `.
                let step = line
                    .find(PROGRESS)
                    .and_then(|at| line[at + PROGRESS.len()..].trim().parse().ok());
                if let Some(step) = step
                    && send.send(step).is_err()
                {
                    break;
                }
            }
        });
        receive
    }

    fn kill_and_reap(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.kill_and_reap();
    }
}

/// Makes [`child_long_run`] act as the long run, in the directory it names.
const CHILD_ENV: &str = "LITTORAL_CHECKPOINT_CHILD_DIR";
const B: usize = 3;
const T: usize = 400;
const K: usize = 10;

fn network() -> (Sequential, Tree) {
    let net = Sequential::new()
        .append(
            Lif::with_synapses(4, 2)
                .unwrap()
                .with_has_rec(true)
                .with_noise_std(0.6)
                .unwrap()
                .with_bias(0.4)
                .unwrap(),
        )
        .unwrap()
        .append(Lif::new(2).with_noise_std(0.2).unwrap())
        .unwrap();
    let tree = net.init(31);
    (net, tree)
}

fn long_input() -> Array {
    input(B, T, 4, 5)
}

fn k(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n).unwrap()
}

/// A checkpointed run of `x` every `every` steps into `run`, evolved as `par` says, and a
/// copy of every snapshot it wrote, by step.
fn run_keeping_snapshots(
    (net, tree): (&Sequential, &Tree),
    x: &Array,
    every: usize,
    run: &Path,
    par: ParOptions,
) -> (Evolution, Vec<(u64, Vec<u8>)>) {
    let seen = std::sync::Mutex::new(Vec::new());
    let keep = |step: u64, _: u64| {
        let snap = std::fs::read(run.join(SNAPSHOT_FILE)).unwrap();
        seen.lock().unwrap().push((step, snap));
    };
    let opts = CheckpointOptions {
        par,
        on_checkpoint: Some(&keep),
    };
    let ev = run_checkpointed(net, tree, tree, x, k(every), run, &opts).unwrap();
    (ev, seen.into_inner().unwrap())
}

/// Resume the run in `run` as if it had stopped right after writing `snapshot` (the
/// latest, with none before it).
fn resume_after(run: &Path, snapshot: &[u8], net: &Sequential, x: &Array) -> Evolution {
    std::fs::write(run.join(SNAPSHOT_FILE), snapshot).unwrap();
    std::fs::remove_file(run.join(PREVIOUS_SNAPSHOT_FILE)).ok();
    resume(run, net, x, &CheckpointOptions::default()).unwrap()
}

fn recording() -> CheckpointOptions<'static> {
    CheckpointOptions {
        par: ParOptions::record(true).with_threads(2),
        on_checkpoint: None,
    }
}

/// The line the child prints after each saved checkpoint.
const PROGRESS: &str = "littoral-checkpoint-saved";
/// The checkpoint after which the child waits to be killed.
const KILL_AFTER: u64 = 3 * K as u64;

/// The long run of the child process (a no-op unless [`CHILD_ENV`] is set). The handshake:
/// after each saved checkpoint it prints `PROGRESS <step>` on stdout; after the one at
/// [`KILL_AFTER`] it waits on stdin, which the parent never writes, until it is killed
/// (and exits if the parent went away and stdin closed).
#[test]
fn child_long_run() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (net, tree) = network();
    let report = |done: u64, _: u64| {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{PROGRESS} {done}");
        let _ = out.flush();
        if done == KILL_AFTER {
            let _ = std::io::stdin().read_line(&mut String::new());
            std::process::exit(3);
        }
    };
    let opts = CheckpointOptions {
        on_checkpoint: Some(&report),
        ..recording()
    };
    let _ = run_checkpointed(
        &net,
        &tree,
        &tree,
        &long_input(),
        k(K),
        Path::new(&dir),
        &opts,
    )
    .unwrap();
}

#[test]
fn a_killed_run_resumes_to_the_uninterrupted_bits() {
    let (net, tree) = network();
    let x = long_input();
    let reference = net.evolve(&tree, &tree, &x, true).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    // The test's name as libtest lists it: its module path without the crate's name.
    let child_test = match module_path!().split_once("::") {
        Some((_, module)) => format!("{module}::child_long_run"),
        None => "child_long_run".to_string(),
    };
    let mut child = ChildGuard(
        Command::new(std::env::current_exe().unwrap())
            .args(["--exact", &child_test, "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, &dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    // Read the child's progress lines until it reports the checkpoint it waits after.
    let lines = child.progress_lines();
    let mut seen = Vec::new();
    while seen.last() != Some(&KILL_AFTER) {
        // A generous bound against a hung child; the handshake itself needs no timing.
        match lines.recv_timeout(Duration::from_secs(300)) {
            Ok(step) => seen.push(step),
            Err(e) => panic!("the child stopped reporting after {seen:?}: {e}"),
        }
    }
    let expected: Vec<u64> = (1..=3).map(|c| c * K as u64).collect();
    assert_eq!(seen, expected, "one report per checkpoint, in order");
    // Kill it without warning while it waits, as a crash would.
    child.kill_and_reap();
    let last = read_last_snapshot(&dir).unwrap();
    assert_eq!(last.step, KILL_AFTER, "the last saved checkpoint survives");
    // Resume in this process and compare with the uninterrupted run.
    let resumed = resume(&dir, &net, &x, &recording()).unwrap();
    assert_ev_bits_eq(&resumed, &reference, "resumed vs evolve");
    let fresh = tempfile::tempdir().unwrap();
    let whole = run_checkpointed(&net, &tree, &tree, &x, k(K), fresh.path(), &recording()).unwrap();
    assert_ev_bits_eq(
        &resumed,
        &whole,
        "resumed vs uninterrupted checkpointed run",
    );
    assert_eq!(read_last_snapshot(&dir).unwrap().step, T as u64);
}

#[test]
fn checkpointed_output_equals_evolve_for_any_k() {
    let (net, tree) = network();
    let x = input(2, 37, 4, 9);
    let reference = net.evolve(&tree, &tree, &x, true).unwrap();
    for every in [1, 5, 36, 37, 100] {
        let tmp = tempfile::tempdir().unwrap();
        let ev =
            run_checkpointed(&net, &tree, &tree, &x, k(every), tmp.path(), &recording()).unwrap();
        assert_ev_bits_eq(&ev, &reference, &format!("K = {every}"));
        let chunks = 37usize.div_ceil(every);
        for c in 0..chunks {
            assert!(
                tmp.path()
                    .join(chunk_file_name((c * every) as u64))
                    .exists()
            );
        }
        // Resuming a finished run just reloads it.
        let again = resume(tmp.path(), &net, &x, &recording()).unwrap();
        assert_ev_bits_eq(&again, &reference, &format!("resume K = {every}"));
    }
}

/// A run counting spikes (`Recording::SpikeCounts`) adds its chunks' counts: checkpointed
/// at any K, resumed from any checkpoint, the counts of one call, bit for bit, and the
/// trains of a spike record summed.
#[test]
fn a_checkpointed_run_adds_its_spike_counts() {
    let (net, tree) = network();
    let x = input(2, 23, 4, 2);
    let reference = net
        .evolve(&tree, &tree, &x, Recording::SpikeCounts)
        .unwrap();
    let trains = net.evolve(&tree, &tree, &x, Recording::Spikes).unwrap();
    assert!(record_bits_eq(
        &reference.record,
        &Recording::spike_counts_of(&trains.record)
    ));
    let inner = reference.record.get("0_LIF_spike_count").unwrap();
    assert_eq!(inner.shape(), &[2, 2]);
    assert!(inner.data().iter().any(|&c| c > 0.0), "no spikes to count");
    for every in [1, 4, 23] {
        let tmp = tempfile::tempdir().unwrap();
        let run = tmp.path().join("run");
        let counting = ParOptions::record(Recording::SpikeCounts);
        let (ev, seen) = run_keeping_snapshots((&net, &tree), &x, every, &run, counting);
        assert_ev_bits_eq(&ev, &reference, &format!("K = {every}"));
        for (step, snap) in seen {
            // The recording is the original run's, whatever `resume`'s options say.
            let ev = resume_after(&run, &snap, &net, &x);
            assert_ev_bits_eq(
                &ev,
                &reference,
                &format!("K = {every}, resumed after {step}"),
            );
        }
    }
}

#[test]
fn resume_from_every_checkpoint_in_process() {
    let (net, tree) = network();
    let x = input(2, 23, 4, 2);
    let reference = net.evolve(&tree, &tree, &x, false).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    // Record every snapshot the run writes, then replay an interruption after each one.
    let (_, mut seen) = run_keeping_snapshots((&net, &tree), &x, 4, &run, ParOptions::default());
    assert_eq!(seen.len(), 6);
    // And the start (a per-sample state, as `init` gives it).
    let start = Snapshot::capture(&net, &tree, &tree, 0)
        .unwrap()
        .to_bytes()
        .unwrap();
    seen.insert(0, (0, start));
    for (step, snap) in seen {
        let ev = resume_after(&run, &snap, &net, &x);
        assert!(
            ev.output.bits_eq(&reference.output),
            "resumed after step {step}"
        );
        assert!(tree_bits_eq(&ev.state, &reference.state));
    }
}

#[test]
fn a_corrupt_latest_snapshot_falls_back_to_the_previous_one() {
    let (net, tree) = network();
    let x = input(1, 30, 4, 3);
    let tmp = tempfile::tempdir().unwrap();
    let reference =
        run_checkpointed(&net, &tree, &tree, &x, k(7), tmp.path(), &recording()).unwrap();
    // Corrupt the latest snapshot: resume uses checkpoint.prev.snap (step 28).
    let latest = tmp.path().join(SNAPSHOT_FILE);
    let mut bytes = std::fs::read(&latest).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    std::fs::write(&latest, &bytes).unwrap();
    assert_eq!(read_last_snapshot(tmp.path()).unwrap().step, 28);
    let ev = resume(tmp.path(), &net, &x, &recording()).unwrap();
    assert!(ev.output.bits_eq(&reference.output));
    assert!(record_bits_eq(&ev.record, &reference.record));
    // Both corrupt: a clear error naming the latest file.
    let prev = tmp.path().join(PREVIOUS_SNAPSHOT_FILE);
    std::fs::write(&latest, b"garbage").unwrap();
    std::fs::write(&prev, b"").unwrap();
    let e = resume(tmp.path(), &net, &x, &recording()).unwrap_err();
    assert!(e.to_string().contains(SNAPSHOT_FILE), "{e}");
}

#[test]
fn misuse_is_reported() {
    let (net, tree) = network();
    let x = input(1, 10, 4, 3);
    let tmp = tempfile::tempdir().unwrap();
    // Not a checkpoint directory.
    let e = resume(tmp.path(), &net, &x, &recording()).unwrap_err();
    assert!(
        matches!(e, Error::Checkpoint { .. }) && e.to_string().contains(RUN_FILE),
        "{e}"
    );
    let _ = run_checkpointed(&net, &tree, &tree, &x, k(3), tmp.path(), &recording()).unwrap();
    // A second run into the same directory.
    let e = run_checkpointed(&net, &tree, &tree, &x, k(3), tmp.path(), &recording()).unwrap_err();
    assert!(e.to_string().contains("holds a run already"), "{e}");
    // Another input.
    let e = resume(tmp.path(), &net, &input(1, 10, 4, 4), &recording()).unwrap_err();
    assert!(e.to_string().contains("input differs"), "{e}");
    // Another module.
    let other = Sequential::new().append(Lif::new(4)).unwrap();
    let e = resume(tmp.path(), &other, &x, &recording()).unwrap_err();
    assert!(matches!(e, Error::Structure { .. }), "{e}");
    // A missing output chunk.
    std::fs::remove_file(tmp.path().join(chunk_file_name(3))).unwrap();
    let e = resume(tmp.path(), &net, &x, &recording()).unwrap_err();
    assert!(e.to_string().contains(&chunk_file_name(3)), "{e}");
}

#[test]
fn zero_steps() {
    let (net, tree) = network();
    let x = Array::zeros(vec![2, 0, 4]);
    let tmp = tempfile::tempdir().unwrap();
    let ev = run_checkpointed(&net, &tree, &tree, &x, k(3), tmp.path(), &recording()).unwrap();
    assert_eq!(ev.output.shape(), &[2, 0, 2]);
    assert_eq!(read_last_snapshot(tmp.path()).unwrap().step, 0);
}
