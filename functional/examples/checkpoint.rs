//! A checkpointed long run that is killed mid-run and resumed, giving exactly the output
//! of the uninterrupted run.
//!
//! The example starts itself again as a child process that runs the long simulation with
//! a checkpoint every 50 steps, kills that child once a few checkpoints are on disk, then
//! resumes from the last good snapshot in this process and compares the whole output,
//! bit for bit, with an uninterrupted evolve.
//!
//! ```text
//! cargo run --release -p littoral-functional --example checkpoint
//! ```

use littoral_core::{Array, ModuleExt, Tree, tree_bits_eq};
use littoral_functional::checkpoint::{SNAPSHOT_FILE, read_last_snapshot};
use littoral_functional::{CheckpointOptions, ParOptions, Snapshot, resume, run_checkpointed};
use littoral_nets::{Lif, Sequential};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const STEPS: usize = 2000;
const EVERY: usize = 50;

fn network() -> Result<(Sequential, Tree), littoral_core::Error> {
    let net = Sequential::new()
        .append(
            Lif::with_synapses(8, 4)?
                .with_has_rec(true)
                .with_w_rec(Array::full(vec![4, 8], -0.005))?
                .with_noise_std(0.5)?,
        )?
        .append(Lif::new(4).with_threshold(20.0)?.with_noise_std(0.1)?)?;
    let tree = net.init(11);
    Ok((net, tree))
}

fn drive() -> Result<Array, littoral_core::Error> {
    // Two samples, a slow sinusoidal drive on eight channels.
    let data = (0..2 * STEPS * 8)
        .map(|i| 0.003 + 0.002 * ((i / 8) as f64 * 0.01 + (i % 8) as f64).sin())
        .collect();
    Array::from_shape_vec(vec![2, STEPS, 8], data)
}

fn every() -> NonZeroUsize {
    NonZeroUsize::new(EVERY).unwrap_or(NonZeroUsize::MIN)
}

/// The child: the long run, slowed down a little so that it can be interrupted.
fn child(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let (net, tree) = network()?;
    let slow = |_: u64, _: u64| std::thread::sleep(Duration::from_millis(20));
    let opts = CheckpointOptions {
        par: ParOptions::default(),
        on_checkpoint: Some(&slow),
    };
    let _ = run_checkpointed(&net, &tree, &tree, &drive()?, every(), dir, &opts)?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, dir] = args.as_slice()
        && flag == "--child"
    {
        return child(Path::new(dir));
    }

    let dir: PathBuf =
        std::env::temp_dir().join(format!("littoral-checkpoint-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    // Start the long run in a child process and kill it after a few checkpoints.
    let mut run = std::process::Command::new(std::env::current_exe()?)
        .arg("--child")
        .arg(&dir)
        .spawn()?;
    let started = Instant::now();
    loop {
        if let Ok(s) = Snapshot::read(&dir.join(SNAPSHOT_FILE))
            && s.step >= 4 * EVERY as u64
        {
            run.kill()?;
            break;
        }
        if started.elapsed() > Duration::from_secs(60) || run.try_wait()?.is_some() {
            return Err("the run ended before it could be interrupted".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    run.wait()?;
    let last = read_last_snapshot(&dir)?;
    println!(
        "killed the run; last good snapshot at step {} of {STEPS}",
        last.step
    );

    // Resume in this process.
    let (net, tree) = network()?;
    let x = drive()?;
    let resumed = resume(&dir, &net, &x, &CheckpointOptions::default())?;

    // The uninterrupted run, for comparison.
    let whole = net.evolve(&tree, &tree, &x, false)?;
    assert!(resumed.output.bits_eq(&whole.output));
    assert!(tree_bits_eq(&resumed.state, &whole.state));
    let spikes: f64 = resumed.output.data().iter().sum();
    println!(
        "resumed to step {STEPS}: {spikes} output spikes, bit-identical to the uninterrupted run"
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
