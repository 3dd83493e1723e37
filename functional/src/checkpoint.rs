//! Checkpointed long runs: evolve in time chunks of K steps, save after every chunk, and
//! resume after an interruption with exactly the output the uninterrupted run gives.
//!
//! # The checkpoint directory
//!
//! | file | written | content |
//! |---|---|---|
//! | `run.meta` | once, at the start | total steps, K, input shape and CRC-32, what is recorded (a byte: 0 nothing, 1 everything, 2 spikes, 3 spike counts; earlier versions wrote the first two as a `bool`) |
//! | `output-<start>.chunk` | after each chunk, before the snapshot | that chunk's output (and record) |
//! | `checkpoint.snap` | after each chunk (and at step 0) | a [`Snapshot`] at the chunk's end |
//! | `checkpoint.prev.snap` | when `checkpoint.snap` is replaced | the snapshot before it |
//!
//! Every file is framed by [`crate::codec`] (magic, version, length, CRC-32) and written
//! atomically (temporary file, fsync, rename, directory fsync). The outputs are stored
//! per chunk rather than in the snapshot so that each checkpoint writes only its own
//! chunk (a run of `T` steps writes `O(T)` bytes, not `O(T²/K)`). A chunk file is written
//! before the snapshot that covers it, so every chunk before a snapshot's step exists;
//! chunk files past it (a crash between the two writes) are recomputed, with the same
//! bits, and overwritten.
//!
//! [`resume`] reads `checkpoint.snap`, or `checkpoint.prev.snap` when the former is
//! missing or corrupt, restores the state (checked against the module), reloads the
//! chunks before it and continues. The chunks are those of [`TimeChunks`]: the input,
//! parameters and state are validated once, and each chunk evolves from the state the
//! previous one returned; since noise is keyed by (sample key, absolute step, neuron) and
//! the step lives in the state, the bits do not depend on K, on where the run was
//! interrupted, or on the thread count.

use crate::atomic::{AtomicFile, write_atomic};
use crate::chunks::{Chunk, TimeChunks, concat_chunks};
use crate::codec;
use crate::error::{Error, Result};
use crate::par::{ParOptions, in_pool};
use crate::snapshot::Snapshot;
use littoral_core::batch::batch_input;
use littoral_core::{Array, Evolution, EvolveOptions, Module, Record, Recording, Tree};
use serde::{Deserialize, Serialize};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

/// The latest snapshot of a run.
pub const SNAPSHOT_FILE: &str = "checkpoint.snap";
/// The snapshot before the latest.
pub const PREVIOUS_SNAPSHOT_FILE: &str = "checkpoint.prev.snap";
/// The run's description.
pub const RUN_FILE: &str = "run.meta";

/// The file holding the output of the chunk that starts at step `start`.
pub fn chunk_file_name(start: u64) -> String {
    format!("output-{start:020}.chunk")
}

/// A progress callback: `(steps done, total steps)`, called after each saved checkpoint.
pub type CheckpointCallback<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// Options of [`run_checkpointed`] and [`resume`].
#[derive(Clone, Copy, Default)]
pub struct CheckpointOptions<'a> {
    /// How each chunk is evolved: recording, non-finite input, and the threads of a local
    /// pool (the modules fan the batch out over it; `chunk_size` is not used). On
    /// [`resume`] the recording flag of the original run is used.
    pub par: ParOptions,
    /// Called after each checkpoint is safely on disk.
    pub on_checkpoint: Option<CheckpointCallback<'a>>,
}

impl std::fmt::Debug for CheckpointOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckpointOptions")
            .field("par", &self.par)
            .field("on_checkpoint", &self.on_checkpoint.map(|_| ".."))
            .finish()
    }
}

/// The description of a run, written once to `run.meta`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct RunMeta {
    total_steps: u64,
    every_k: u64,
    input_shape: Vec<u64>,
    input_crc32: u32,
    /// [`recording_code`]: one byte, as the `bool` of earlier versions for its two values.
    record: u8,
}

/// The byte `run.meta` keeps for a [`Recording`].
fn recording_code(record: Recording) -> u8 {
    match record {
        Recording::Nothing => 0,
        Recording::Everything => 1,
        Recording::Spikes => 2,
        Recording::SpikeCounts => 3,
    }
}

/// The [`Recording`] of a `run.meta` byte.
fn recording_of(code: u8, meta_path: &Path) -> Result<Recording> {
    match code {
        0 => Ok(Recording::Nothing),
        1 => Ok(Recording::Everything),
        2 => Ok(Recording::Spikes),
        3 => Ok(Recording::SpikeCounts),
        other => Err(Error::from(littoral_core::Error::invalid(
            "record",
            format!(
                "expected 0 (nothing), 1 (everything), 2 (spikes) or 3 (spike counts), \
                 found {other}"
            ),
        ))
        .in_file(meta_path)),
    }
}

/// The output of one chunk, in `output-<start>.chunk`.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct OutputChunk {
    start: u64,
    end: u64,
    output: Array,
    record: Record,
}

/// Evolve `input` in chunks of `every_k_steps`, writing a checkpoint to `dir` after each
/// chunk (and one at step 0), and return the whole run's evolution (output and record
/// over all steps, final state). See the [module docs](self) for the files.
///
/// ```
/// use littoral_core::{Array, ModuleExt};
/// use littoral_functional::checkpoint::{resume, run_checkpointed, CheckpointOptions};
/// use std::num::NonZeroUsize;
/// let lif = littoral_nets::Lif::new(2).with_noise_std(0.5)?;
/// let tree = lif.init(0);
/// let x = Array::full(vec![3, 50, 2], 0.2);
/// let dir = std::env::temp_dir().join(format!("littoral-doc-ckpt-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir);
/// let k = NonZeroUsize::new(20).unwrap_or(NonZeroUsize::MIN);
/// let run = run_checkpointed(&lif, &tree, &tree, &x, k, &dir, &CheckpointOptions::default())?;
/// let again = resume(&dir, &lif, &x, &CheckpointOptions::default())?;   // nothing left to do
/// assert!(run.output.bits_eq(&again.output));
/// assert!(run.output.bits_eq(&lif.evolve(&tree, &tree, &x, false)?.output));
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), littoral_functional::Error>(())
/// ```
///
/// # Errors
/// A directory that already holds a run; invalid input, parameters or state; I/O errors
/// naming the file.
pub fn run_checkpointed(
    module: &dyn Module,
    params: &Tree,
    state: &Tree,
    input: &Array,
    every_k_steps: NonZeroUsize,
    dir: &Path,
    opts: &CheckpointOptions<'_>,
) -> Result<Evolution> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "create directory", e))?;
    let meta_path = dir.join(RUN_FILE);
    if meta_path.exists() {
        return Err(Error::Checkpoint {
            dir: dir.to_path_buf(),
            message: format!(
                "{RUN_FILE} exists: the directory holds a run already; `resume` it or use an \
                 empty directory"
            ),
        });
    }
    let run = TimeChunks::new(module, params, state, input, evolve_options(&opts.par))?;
    let x = run.input();
    let meta = RunMeta {
        total_steps: x.shape()[1] as u64,
        every_k: every_k_steps.get() as u64,
        input_shape: x.shape().iter().map(|&d| d as u64).collect(),
        input_crc32: array_crc(x),
        record: recording_code(opts.par.record),
    };
    write_atomic(&meta_path, &codec::encode(&meta)?)?;
    save_snapshot(
        dir,
        &Snapshot::capture_lenient(module, params, run.state(), 0),
    )?;
    continue_run(run, module, params, &meta, dir, opts, Vec::new())
}

fn evolve_options(par: &ParOptions) -> EvolveOptions {
    EvolveOptions {
        record: par.record,
        allow_non_finite_input: par.allow_non_finite_input,
    }
}

/// Continue the run checkpointed in `dir` from its last good snapshot, with the same
/// `module` and `input` as the original run, and return the whole run's evolution,
/// bit-identical to an uninterrupted [`run_checkpointed`].
///
/// # Errors
/// [`Error::Checkpoint`] when `dir` holds no run or the input differs from the original;
/// [`Error::Structure`] when the snapshot does not fit `module`; unreadable files (both
/// snapshots corrupt, a missing output chunk), naming the file.
pub fn resume(
    dir: &Path,
    module: &dyn Module,
    input: &Array,
    opts: &CheckpointOptions<'_>,
) -> Result<Evolution> {
    let meta_path = dir.join(RUN_FILE);
    if !meta_path.exists() {
        return Err(checkpoint_error(
            dir,
            format!("no {RUN_FILE}: not a checkpoint directory (start with `run_checkpointed`)"),
        ));
    }
    let meta: RunMeta = read_framed(&meta_path)?;
    let x = batch_input(input, module.size_in())?;
    let shape: Vec<u64> = x.shape().iter().map(|&d| d as u64).collect();
    if shape != meta.input_shape || array_crc(&x) != meta.input_crc32 {
        return Err(checkpoint_error(
            dir,
            "the input differs from the one the run started with (shape or CRC-32): pass the \
             same input to `resume`",
        ));
    }
    let snap = read_last_snapshot(dir)?;
    let (params, state) = snap.restore(module)?;
    let k = meta.every_k.max(1);
    if snap.step > meta.total_steps || (snap.step % k != 0 && snap.step != meta.total_steps) {
        return Err(checkpoint_error(
            dir,
            format!(
                "snapshot step {} does not fit a run of {} steps in chunks of {k}",
                snap.step, meta.total_steps
            ),
        ));
    }
    let mut done = Vec::new();
    let mut start = 0;
    while start < snap.step {
        let path = dir.join(chunk_file_name(start));
        let chunk: OutputChunk = read_framed(&path)?;
        let end = (start + k).min(meta.total_steps);
        if chunk.start != start || chunk.end != end {
            return Err(Error::from(littoral_core::Error::invalid(
                "chunk",
                format!(
                    "holds steps {}..{}, expected {start}..{end}",
                    chunk.start, chunk.end
                ),
            ))
            .in_file(&path));
        }
        done.push(Chunk {
            start: to_usize(chunk.start)?,
            end: to_usize(chunk.end)?,
            output: chunk.output,
            record: chunk.record,
        });
        start = end;
    }
    let mut opts = *opts;
    opts.par.record = recording_of(meta.record, &meta_path)?;
    let run = TimeChunks::new(module, &params, &state, input, evolve_options(&opts.par))?
        .starting_at(to_usize(snap.step)?);
    continue_run(run, module, &params, &meta, dir, &opts, done)
}

/// The last good snapshot of a checkpoint directory: `checkpoint.snap`, or
/// `checkpoint.prev.snap` when the former is missing or unreadable.
///
/// # Errors
/// The error of `checkpoint.snap` when neither can be read.
pub fn read_last_snapshot(dir: &Path) -> Result<Snapshot> {
    match Snapshot::read(&dir.join(SNAPSHOT_FILE)) {
        Ok(s) => Ok(s),
        Err(first) => Snapshot::read(&dir.join(PREVIOUS_SNAPSHOT_FILE)).map_err(|_| first),
    }
}

/// Evolve the rest of `run` in chunks of K steps, writing each chunk and then a snapshot,
/// and join every chunk of the run (`done`: those before `run`'s first step).
fn continue_run(
    mut run: TimeChunks<'_>,
    module: &dyn Module,
    params: &Tree,
    meta: &RunMeta,
    dir: &Path,
    opts: &CheckpointOptions<'_>,
    mut done: Vec<Chunk>,
) -> Result<Evolution> {
    let total = meta.total_steps;
    let k = NonZeroUsize::new(to_usize(meta.every_k)?).unwrap_or(NonZeroUsize::MIN);
    let batch = run.input().shape()[0];
    in_pool(opts.par.threads, || {
        while let Some(chunk) = run.next_chunk(Some(k))? {
            let (start, end) = (chunk.start as u64, chunk.end as u64);
            let file = OutputChunk {
                start,
                end,
                output: chunk.output,
                record: chunk.record,
            };
            write_atomic(&dir.join(chunk_file_name(start)), &codec::encode(&file)?)?;
            save_snapshot(
                dir,
                &Snapshot::capture_lenient(module, params, run.state(), end),
            )?;
            if let Some(cb) = opts.on_checkpoint {
                cb(end, total);
            }
            done.push(Chunk {
                start: chunk.start,
                end: chunk.end,
                output: file.output,
                record: file.record,
            });
        }
        concat_chunks(
            done,
            batch,
            module.size_out(),
            opts.par.record,
            run.into_state(),
        )
    })
}

/// Replace `checkpoint.snap`, keeping the one it replaces as `checkpoint.prev.snap`.
fn save_snapshot(dir: &Path, snap: &Snapshot) -> Result<()> {
    let current = dir.join(SNAPSHOT_FILE);
    // Written (to a temporary name) before the current one is moved aside.
    let mut file = AtomicFile::create(&current)?;
    file.write_with(|w| snap.write_to(w, &current))?;
    if current.exists() {
        let prev = dir.join(PREVIOUS_SNAPSHOT_FILE);
        std::fs::rename(&current, &prev)
            .map_err(|e| Error::io(&current, format!("rename to {}", prev.display()), e))?;
    }
    file.persist()
}

fn read_framed<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    codec::decode_file::<T>(path)
        .map(|(_, v)| v)
        .map_err(|e| e.in_file(path))
}

fn array_crc(x: &Array) -> u32 {
    let mut crc = 0;
    for d in x.shape() {
        crc = codec::crc32_continue(crc, &(*d as u64).to_le_bytes());
    }
    for v in x.data() {
        crc = codec::crc32_continue(crc, &v.to_bits().to_le_bytes());
    }
    crc
}

fn to_usize(v: u64) -> Result<usize> {
    usize::try_from(v)
        .map_err(|_| littoral_core::Error::invalid("step", "step count exceeds usize").into())
}

fn checkpoint_error(dir: &Path, message: impl Into<String>) -> Error {
    Error::Checkpoint {
        dir: PathBuf::from(dir),
        message: message.into(),
    }
}
