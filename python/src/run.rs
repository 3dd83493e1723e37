//! One evolution from Python: the input read from its NumPy buffer in place, the library's
//! checks, then `Module::evolve_batch` (the call `ModuleExt::evolve` ends in) with the
//! GIL released, in blocks of time steps.
//!
//! `ModuleExt::evolve` is: bring the input to `(B, T, Nin)` and reject non-finite input,
//! check the parameters, batch the state, `evolve_batch`. Here the parameter check is
//! skipped when the engine already checked the same tree, and batching is skipped for a
//! state that an evolution returned (already batched for this batch size). The results
//! are the same bits; the errors the same messages.
//!
//! A large float64 NumPy input is not copied whole (unless the run is small and short):
//! the engine's arrays own their memory, so it is evolved a block of time steps at a time, each block copied (and checked
//! finite) into a buffer small enough to stay in cache and each block's output written
//! into its place in the one output array. The input is read from memory once, as the
//! library's own evolve reads it. Splitting time never changes a bit of the result (noise
//! is keyed by the absolute step, which the state carries).

use crate::convert::{array_f64, core_err, functional_err};
use littoral_core::array::first_non_finite;
use littoral_core::batch::batch_input;
use littoral_core::input_check::has_non_finite;
use littoral_core::{Array, Error, Evolution, Module, ModuleExt, Record, Tree};
use littoral_functional::par::concat_records;
use littoral_functional::{ParOptions, evolve_par};
use numpy::{PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rayon::prelude::*;
use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

/// Float64 inputs with at least this many elements are evolved in place (lent), smaller
/// ones copied into an array once.
const LEND_FROM: usize = 1 << 18;

/// The bytes of input and output one block of time steps aims at (default 4 MiB): small
/// enough that the block's copy of the input and its output stay in cache between the
/// copy, the kernel and the placing of the output.
static BLOCK_BYTES: AtomicUsize = AtomicUsize::new(4 << 20);

/// Elements copied and then checked finite at a time (while in L1).
const CHECK_RUN: usize = 1024;

/// Blocks with fewer bytes than this are copied by one thread (no fork-join).
const PARALLEL_COPY_BYTES: usize = 1 << 20;

/// Below this many time steps an owned input runs in one call.
const SHORT_STEPS: usize = 256;

/// A run with at most this many blocks' bytes of input and output, predicted by its probe
/// to take less than [`SHORT_RUN`] times the block time, is one call: its input copied
/// whole (once), its output handed over without being placed. Splitting a run this small
/// saves little memory traffic and costs a call per block.
const SMALL_RUN_BLOCKS: usize = 8;

/// See [`SMALL_RUN_BLOCKS`]: with the default 0.2 s per block, runs under 1 s.
const SHORT_RUN: f64 = 5.0;

/// The wall-clock seconds aimed at per block of a long run (bits of an `f64`; 0.2 s):
/// between blocks pending signals are checked.
static BLOCK_SECONDS: AtomicU64 = AtomicU64::new(0x3FC9_9999_9999_999A);

/// The thread pool of `threads=` (`None`: rayon's global pool, as the library uses).
pub fn pool(threads: Option<usize>) -> PyResult<Option<rayon::ThreadPool>> {
    threads
        .map(|n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| PyValueError::new_err(format!("threads: {e}")))
        })
        .transpose()
}

/// An evolution's input, `(B, T, Nin)`.
pub enum Input<'py> {
    /// Read (converted, broadcast as the library does) into an array, checked finite.
    Owned(Array<f64>),
    /// A large C-contiguous float64 NumPy array, read in place (not yet checked finite).
    Lent {
        /// The array, borrowed read-only for the call.
        array: PyReadonlyArrayDyn<'py, f64>,
        /// Its shape as `(B, T, Nin)`.
        shape: [usize; 3],
    },
}

impl Input<'_> {
    /// `(B, T, Nin)`.
    pub fn shape(&self) -> [usize; 3] {
        match self {
            Input::Owned(a) => match *a.shape() {
                [b, t, n] => [b, t, n],
                _ => [0; 3],
            },
            Input::Lent { shape, .. } => *shape,
        }
    }

    /// The batch size.
    pub fn batch(&self) -> usize {
        self.shape()[0]
    }

    /// The values, sample after sample.
    fn data(&self) -> PyResult<&[f64]> {
        match self {
            Input::Owned(a) => Ok(a.data()),
            Input::Lent { array, .. } => array
                .as_slice()
                .map_err(|e| PyValueError::new_err(format!("input: {e}"))),
        }
    }

    /// The library's error for the first non-finite value, if there is one.
    fn non_finite(&self) -> Option<PyErr> {
        let data = self.data().ok()?;
        first_non_finite(data).map(|(index, value)| non_finite_err(index, value))
    }
}

fn non_finite_err(index: usize, value: f64) -> PyErr {
    core_err(Error::NonFinite {
        path: "input".into(),
        index,
        value,
    })
}

/// The input as `(B, T, size_in)`: a large C-contiguous float64 array of that shape (or
/// `(T, size_in)`) is lent in place; anything else is read into an array (NumPy converts
/// other dtypes and lists), broadcast as the library does, and checked finite (the
/// library's error otherwise).
pub fn input<'py>(obj: &Bound<'py, PyAny>, size_in: usize) -> PyResult<Input<'py>> {
    if let Ok(arr) = obj.cast::<PyArrayDyn<f64>>()
        && arr.len() >= LEND_FROM
        && arr.is_c_contiguous()
    {
        let shape = match *arr.shape() {
            [b, t, n] if n == size_in => Some([b, t, n]),
            [t, n] if n == size_in => Some([1, t, n]),
            _ => None,
        };
        if let Some(shape) = shape {
            let array = arr
                .try_readonly()
                .map_err(|e| PyValueError::new_err(format!("input: {e}")))?;
            return Ok(Input::Lent { array, shape });
        }
    }
    let a = array_f64(obj, "input")?;
    let shape = a.shape();
    let x = if shape.last() == Some(&size_in) && (shape.len() == 2 || shape.len() == 3) {
        let mut batched = shape.to_vec();
        if batched.len() == 2 {
            batched.insert(0, 1);
        }
        a.reshape(batched).map_err(core_err)?
    } else {
        // Broadcast (`(T,)` or a last dimension of 1), or a shape error: the library's own
        // function, and its check on the broadcast values (so indices match its errors).
        batch_input(&a, size_in).map_err(core_err)?.into_owned()
    };
    match first_non_finite(x.data()) {
        Some((index, value)) => Err(non_finite_err(index, value)),
        None => Ok(Input::Owned(x)),
    }
}

impl Input<'_> {
    /// `e`, unless the input holds a non-finite value: as the library, non-finite input is
    /// reported before any other problem (a lent input is checked block by block, so a
    /// failure before its last block scans the rest).
    pub fn or_non_finite(&self, e: PyErr) -> PyErr {
        match self {
            Input::Lent { .. } => self.non_finite().unwrap_or(e),
            Input::Owned(_) => e,
        }
    }
}

/// One module's evolution settings: the parameters (checked) and where to run.
pub struct Runner<'a> {
    /// The module.
    pub module: &'a dyn Module,
    /// Its Parameters and SimulationParameters (State leaves are ignored).
    pub params: &'a Tree,
    /// Record internal signals.
    pub record: bool,
    /// `threads=`: the batch is fanned out over this pool (`evolve_par`).
    pub pool: Option<&'a rayon::ThreadPool>,
}

impl Runner<'_> {
    /// The library's parameter check (skip it only for a tree already checked).
    pub fn check_params(&self) -> PyResult<()> {
        self.module.check_params(self.params).map_err(core_err)
    }

    /// The state batched for `batch` samples (the library's `batch_state`).
    pub fn batch_state(&self, state: &Tree, batch: usize) -> PyResult<Tree> {
        self.module.batch_state(state, batch).map_err(core_err)
    }

    /// `f` in the `threads=` pool, else in the current one.
    fn in_pool<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        match self.pool {
            Some(pool) => pool.install(f),
            None => f(),
        }
    }

    /// One call of `evolve_batch` (`evolve_par` with `threads=`) from a batched state.
    fn evolve_block(&self, state: &Tree, x: &Array<f64>) -> PyResult<Evolution> {
        let (m, p, record) = (self.module, self.params, self.record);
        match self.pool {
            None => m.evolve_batch(p, state, x, record).map_err(core_err),
            Some(pool) => pool
                .install(|| evolve_par(m, p, state, x, &ParOptions::record(record)))
                .map_err(|e| functional_err(None, e)),
        }
    }

    /// Evolve `x` (checked, or lent) from a batched `state`. A short owned input is one
    /// call; otherwise the run goes in blocks of time steps of at most [`BLOCK_BYTES`] of
    /// input and output and about [`BLOCK_SECONDS`] each (the first block a probe of the
    /// step time), each from the state the previous one returned; a small, short run is
    /// one call after its probe ([`SMALL_RUN_BLOCKS`]). Between blocks pending signals are
    /// checked, so Ctrl-C raises `KeyboardInterrupt` and nothing is kept.
    pub fn evolve(&self, py: Python<'_>, state: &Tree, x: &Input<'_>) -> PyResult<Evolution> {
        let [b, t, n_in] = x.shape();
        match x {
            Input::Owned(a) if t <= SHORT_STEPS => py.detach(|| self.evolve_block(state, a)),
            _ => self.blocks(
                py,
                state,
                x.data()?,
                [b, t, n_in],
                matches!(x, Input::Lent { .. }),
            ),
        }
        .map_err(|e| x.or_non_finite(e))
    }

    fn blocks(
        &self,
        py: Python<'_>,
        state: &Tree,
        x: &[f64],
        [b, t, n_in]: [usize; 3],
        check: bool,
    ) -> PyResult<Evolution> {
        let n_out = self.module.size_out();
        let step_bytes = (b * (n_in + n_out)).max(1) * std::mem::size_of::<f64>();
        let block_bytes = BLOCK_BYTES.load(Ordering::Relaxed);
        // A run of a few blocks' bytes may be one call (below); a larger one is split.
        let small = step_bytes.saturating_mul(t) <= block_bytes.saturating_mul(SMALL_RUN_BLOCKS);
        let cap = match small {
            true => t.max(1),
            false => (block_bytes / step_bytes).clamp(1, t.max(1)),
        };
        let target = f64::from_bits(BLOCK_SECONDS.load(Ordering::Relaxed));
        // The first block is a probe of the step time, unless time is not limited.
        let mut steps = match target.is_finite() {
            true => (t / 256).clamp(4, SHORT_STEPS).min(cap),
            false => cap,
        };
        let mut state = Cow::Borrowed(state);
        let (mut output, mut records, mut buffer) = (Vec::new(), Vec::new(), Vec::new());
        let mut start = 0;
        loop {
            let end = (start + steps).min(t);
            let clock = Instant::now();
            let current: &Tree = &state;
            let (ev, spare) = py.detach(|| {
                self.in_pool(|| -> PyResult<(Evolution, Vec<f64>)> {
                    let block = read_block(x, [b, t, n_in], (start, end), buffer, check)?;
                    let ev = self.evolve_block(current, &block)?;
                    Ok((ev, block.into_data()))
                })
            })?;
            buffer = spare;
            if start == 0 && end == t {
                // The whole run: its output is handed over as it is.
                return Ok(ev);
            }
            let seconds = clock.elapsed().as_secs_f64().max(1e-9);
            py.check_signals()?;
            if start == 0 && small && seconds * (t as f64) / (end as f64) < SHORT_RUN * target {
                // A short run is one call: the probe is discarded, nothing is placed.
                steps = t;
                continue;
            }
            if start == 0 {
                output = vec![0.0; b * t * n_out];
            }
            let out = &mut output;
            py.detach(|| self.in_pool(|| place(out, &ev.output, [b, t, n_out], (start, end))))?;
            let Evolution {
                state: next,
                record,
                ..
            } = ev;
            state = Cow::Owned(next);
            if self.record {
                records.push(record);
            }
            if end == t {
                break;
            }
            let grow = (target / seconds).clamp(0.5, 64.0);
            steps = ((steps as f64 * grow) as usize).clamp(1, cap);
            start = end;
        }
        let parts: Vec<&Record> = records.iter().collect();
        let record = concat_records(&parts, 1).map_err(|e| functional_err(None, e))?;
        let output = Array::from_shape_vec(vec![b, t, n_out], output).map_err(core_err)?;
        Ok(Evolution::new(output, state.into_owned(), record))
    }

    /// [`Runner::evolve`] from an unbatched (or batched) state, every check made.
    pub fn evolve_checked(
        &self,
        py: Python<'_>,
        state: &Tree,
        x: &Input<'_>,
    ) -> PyResult<Evolution> {
        self.check_params()
            .and_then(|()| self.batch_state(state, x.batch()))
            .map_err(|e| x.or_non_finite(e))
            .and_then(|batched| self.evolve(py, &batched, x))
    }
}

/// Steps `start..end` of every sample of `x` (`(B, T, Nin)`) as a `(B, end - start, Nin)`
/// array in `buffer`'s memory, copied by the pool's threads; with `check`, the library's
/// error for the first non-finite value of the whole input when the block holds one.
fn read_block(
    x: &[f64],
    [b, t, n]: [usize; 3],
    (start, end): (usize, usize),
    mut buffer: Vec<f64>,
    check: bool,
) -> PyResult<Array<f64>> {
    let width = (end - start) * n;
    buffer.resize(b * width, 0.0);
    if width > 0 {
        let found = buffer
            .par_chunks_mut(width)
            .zip(x.par_chunks(t * n))
            .with_min_len(samples_per_task(b * width))
            .map(|(dst, src)| {
                let src = &src[start * n..end * n];
                if !check {
                    dst.copy_from_slice(src);
                    return false;
                }
                // Checked while the copy is in L1.
                let mut found = false;
                for (d, s) in dst.chunks_mut(CHECK_RUN).zip(src.chunks(CHECK_RUN)) {
                    d.copy_from_slice(s);
                    found |= has_non_finite(d);
                }
                found
            })
            .reduce(|| false, |a, b| a || b);
        if let Some((index, value)) = found.then(|| first_non_finite(x)).flatten() {
            return Err(non_finite_err(index, value));
        }
    }
    Array::from_shape_vec(vec![b, end - start, n], buffer).map_err(core_err)
}

/// Samples per copying task: all of them (one thread, no fork-join) when the block's
/// `elements` are few.
fn samples_per_task(elements: usize) -> usize {
    if elements * std::mem::size_of::<f64>() < PARALLEL_COPY_BYTES {
        usize::MAX
    } else {
        1
    }
}

/// Write a block's output (`(B, end - start, Nout)`) into its steps of `output`
/// (`(B, T, Nout)`), by the pool's threads.
fn place(
    output: &mut [f64],
    part: &Array<f64>,
    [b, t, n]: [usize; 3],
    (start, end): (usize, usize),
) -> PyResult<()> {
    if part.shape() != [b, end - start, n] {
        return Err(PyValueError::new_err(format!(
            "output: expected shape ({b}, {}, {n}) from a block, found {:?}",
            end - start,
            part.shape()
        )));
    }
    let width = (end - start) * n;
    if width > 0 {
        output
            .par_chunks_mut(t * n)
            .zip(part.data().par_chunks(width))
            .with_min_len(samples_per_task(b * width))
            .for_each(|(dst, src)| dst[start * n..end * n].copy_from_slice(src));
    }
    Ok(())
}

/// Set the blocks of a run: about `block_seconds` of wall-clock time (default 0.2 s;
/// infinite: no time limit) and at most `block_bytes` of input and output (default 4 MiB)
/// each. For tests (tiny values force many blocks, huge ones one call) and measurements.
#[pyfunction]
pub fn _set_chunking(block_seconds: f64, block_bytes: usize) -> PyResult<()> {
    if !(block_seconds > 0.0 && block_bytes > 0) {
        return Err(PyValueError::new_err(
            "chunking: block_seconds and block_bytes must be > 0",
        ));
    }
    BLOCK_SECONDS.store(block_seconds.to_bits(), Ordering::Relaxed);
    BLOCK_BYTES.store(block_bytes, Ordering::Relaxed);
    Ok(())
}
