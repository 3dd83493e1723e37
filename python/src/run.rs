//! One evolution from Python: the input read once from its NumPy buffer, the library's
//! checks, then `Module::evolve_batch` (the call `ModuleExt::evolve` ends in) with the
//! GIL released, split into interruptible time chunks when the run is long.
//!
//! `ModuleExt::evolve` is: bring the input to `(B, T, Nin)` and reject non-finite input,
//! check the parameters, batch the state, `evolve_batch`. Here the non-finite check is done
//! on the NumPy buffer before the one copy out of it, the parameter check is skipped
//! when the engine already checked the same tree, and batching is skipped for a state that
//! an evolution returned (already batched for this batch size). The results are the same
//! bits; the errors the same messages.

use crate::convert::{array_f64, core_err, functional_err};
use littoral_core::array::first_non_finite;
use littoral_core::batch::batch_input;
use littoral_core::{Array, Error, Evolution, Module, ModuleExt, Tree};
use littoral_functional::par::{concat_axis, concat_records, slice_axis1};
use littoral_functional::{ParOptions, evolve_par};
use numpy::{PyArrayDyn, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Inputs with at least this many elements are copied by several threads, with the GIL
/// released.
const PARALLEL_COPY: usize = 1 << 18;

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

/// The input as `(B, T, size_in)`, checked finite (the library's error otherwise). A
/// float64 NumPy array is checked and copied straight from its buffer; a large one by
/// several threads with the GIL released. Other inputs go through NumPy's
/// conversion first.
pub fn input(
    obj: &Bound<'_, PyAny>,
    size_in: usize,
    pool: Option<&rayon::ThreadPool>,
) -> PyResult<Array<f64>> {
    let (a, checked) = match obj.cast::<PyArrayDyn<f64>>() {
        Ok(arr) if arr.len() >= PARALLEL_COPY => read_checked(arr, pool)?,
        _ => (array_f64(obj, "input")?, false),
    };
    let shape = a.shape();
    let direct = shape.last() == Some(&size_in) && (shape.len() == 2 || shape.len() == 3);
    let x = if direct {
        let mut batched = shape.to_vec();
        if batched.len() == 2 {
            batched.insert(0, 1);
        }
        a.reshape(batched).map_err(core_err)?
    } else {
        // Broadcast (`(T,)` or a last dimension of 1), or a shape error: the library's own
        // function, and its check on the broadcast values (so indices match its errors).
        let x = batch_input(&a, size_in).map_err(core_err)?.into_owned();
        return finite(x);
    };
    if checked { Ok(x) } else { finite(x) }
}

fn finite(x: Array<f64>) -> PyResult<Array<f64>> {
    match first_non_finite(x.data()) {
        Some((index, value)) => Err(core_err(Error::NonFinite {
            path: "input".into(),
            index,
            value,
        })),
        None => Ok(x),
    }
}

/// A large float64 array's values and whether they were checked finite on the way.
fn read_checked(
    arr: &Bound<'_, PyArrayDyn<f64>>,
    pool: Option<&rayon::ThreadPool>,
) -> PyResult<(Array<f64>, bool)> {
    let ro = arr
        .try_readonly()
        .map_err(|e| PyValueError::new_err(format!("input: {e}")))?;
    let shape = ro.shape().to_vec();
    let (data, checked) = match ro.as_slice() {
        Ok(s) => {
            let data = arr.py().detach(|| match pool {
                Some(p) => p.install(|| copy_checked(s)),
                None => copy_checked(s),
            })?;
            (data, true)
        }
        Err(_) => (ro.as_array().iter().copied().collect(), false),
    };
    Ok((
        Array::from_shape_vec(shape, data).map_err(core_err)?,
        checked,
    ))
}

/// `s` copied by the pool's threads, after the library's (parallel, vectorised)
/// non-finite check: its error, with the first index, when one is found.
fn copy_checked(s: &[f64]) -> PyResult<Vec<f64>> {
    if let Some((index, value)) = first_non_finite(s) {
        return Err(core_err(Error::NonFinite {
            path: "input".into(),
            index,
            value,
        }));
    }
    let mut data = Vec::with_capacity(s.len());
    s.par_iter()
        .with_min_len(1 << 15)
        .copied()
        .collect_into_vec(&mut data);
    Ok(data)
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

    /// One call of `evolve_batch` from a batched state, the GIL released.
    fn once(&self, py: Python<'_>, state: &Tree, x: &Array<f64>) -> PyResult<Evolution> {
        let (m, p, record) = (self.module, self.params, self.record);
        py.detach(|| match self.pool {
            None => m.evolve_batch(p, state, x, record).map_err(Into::into),
            Some(pool) => pool.install(|| evolve_par(m, p, state, x, &ParOptions::record(record))),
        })
        .map_err(|e| functional_err(None, e))
    }

    /// Evolve `x` (`(B, T, Nin)`, checked) from a batched `state`. A long run (by a probe
    /// of its first steps, estimated to take more than [`SINGLE_CALL_SECONDS`]) goes in
    /// time chunks of about [`CHUNK_SECONDS`]; between chunks pending signals are checked,
    /// so Ctrl-C raises `KeyboardInterrupt` and nothing is kept. Shorter runs are one call
    /// (the probe's work is discarded), so they pay no copy for joining chunks. Splitting
    /// time never changes a bit of the result.
    pub fn evolve(&self, py: Python<'_>, state: &Tree, x: &Array<f64>) -> PyResult<Evolution> {
        let steps = x.shape()[1];
        if steps <= SHORT_STEPS {
            return self.once(py, state, x);
        }
        let slice = |start: usize, end: usize| -> PyResult<Array<f64>> {
            slice_axis1(x, start, end).map_err(|e| functional_err(None, e))
        };
        let probe = (steps / 256).clamp(4, SHORT_STEPS);
        let clock = Instant::now();
        let first = self.once(py, state, &slice(0, probe)?)?;
        let mut seconds = clock.elapsed().as_secs_f64().max(1e-9);
        py.check_signals()?;
        if seconds * (steps as f64) / (probe as f64) < self::seconds(&SINGLE_CALL_SECONDS) {
            return self.once(py, state, x);
        }
        let mut chunk = probe;
        let mut start = probe;
        let mut parts = vec![first];
        while start < steps {
            let grow = (self::seconds(&CHUNK_SECONDS) / seconds).clamp(0.5, 8.0);
            chunk = ((chunk as f64 * grow) as usize).max(1);
            let end = (start + chunk).min(steps);
            let clock = Instant::now();
            let previous = parts.last().map_or(state, |p| &p.state);
            let ev = self.once(py, previous, &slice(start, end)?)?;
            seconds = clock.elapsed().as_secs_f64().max(1e-9);
            parts.push(ev);
            py.check_signals()?;
            start = end;
        }
        let outputs: Vec<&Array<f64>> = parts.iter().map(|p| &p.output).collect();
        let records: Vec<_> = parts.iter().map(|p| &p.record).collect();
        let output = concat_axis(&outputs, 1).map_err(|e| functional_err(None, e))?;
        let record = concat_records(&records, 1).map_err(|e| functional_err(None, e))?;
        let state = parts.pop().map(|p| p.state).unwrap_or_default();
        Ok(Evolution::new(output, state, record))
    }

    /// [`Runner::evolve`] from an unbatched (or batched) state, every check made.
    pub fn evolve_checked(
        &self,
        py: Python<'_>,
        state: &Tree,
        x: &Array<f64>,
    ) -> PyResult<Evolution> {
        self.check_params()?;
        let batched = self.batch_state(state, x.shape()[0])?;
        self.evolve(py, &batched, x)
    }
}

/// Below this many time steps an evolve runs in one call, without a probe.
const SHORT_STEPS: usize = 256;
/// A run estimated to take longer than this many seconds (bits of an `f64`; default 1 s)
/// is split into interruptible time chunks.
static SINGLE_CALL_SECONDS: AtomicU64 = AtomicU64::new(0x3FF0_0000_0000_0000);
/// The wall-clock seconds aimed at per chunk of a long run (bits of an `f64`; 0.2 s).
static CHUNK_SECONDS: AtomicU64 = AtomicU64::new(0x3FC9_9999_9999_999A);

fn seconds(setting: &AtomicU64) -> f64 {
    f64::from_bits(setting.load(Ordering::Relaxed))
}

/// Set the chunking of long runs: runs estimated longer than `single_call_seconds` go in
/// chunks of about `chunk_seconds`. For tests (0 forces chunking); the defaults are 1 s
/// and 0.2 s.
#[pyfunction]
pub fn _set_chunking(single_call_seconds: f64, chunk_seconds: f64) -> PyResult<()> {
    if !(single_call_seconds >= 0.0 && chunk_seconds > 0.0) {
        return Err(PyValueError::new_err(
            "chunking: single_call_seconds must be >= 0 and chunk_seconds > 0",
        ));
    }
    SINGLE_CALL_SECONDS.store(single_call_seconds.to_bits(), Ordering::Relaxed);
    CHUNK_SECONDS.store(chunk_seconds.to_bits(), Ordering::Relaxed);
    Ok(())
}
