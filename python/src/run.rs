//! One evolution from Python: the input lent from its NumPy buffer (or converted once),
//! the library's checks, then `Module::evolve_batch` (the call `ModuleExt::evolve` ends
//! in) with the GIL released, split into interruptible time chunks when the run is long.
//!
//! `ModuleExt::evolve` is: bring the input to `(B, T, Nin)` and reject non-finite input,
//! check the parameters, batch the state, `evolve_batch`. Here a contiguous float64 input
//! of shape `(T, Nin)` or `(B, T, Nin)` is not copied: `evolve_batch` reads the NumPy buffer
//! (borrowed read-only while the GIL is released), and the non-finite check is the
//! library's own (`input_check::evolve_checked`: inside the kernel's pass when the kernel
//! claims it). The parameter check is skipped when the engine already checked the same
//! tree, and batching is skipped for a state that an evolution returned (already batched
//! for this batch size). The results are the same bits; the errors the same messages.

use crate::convert::{COPY_BELOW, array_f64, core_err, functional_err};
use crate::pace::Pace;
use littoral_core::batch::batch_view;
use littoral_core::input_check::{evolve_checked, non_finite_input};
use littoral_core::{Array, ArrayView, Evolution, Module, ModuleExt, Recording, Tree};
use littoral_functional::par::{concat_axis, slice_axis1};
use littoral_functional::{ParOptions, evolve_par};
use numpy::{PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

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

/// The input of one evolution, `(B, T, size_in)`.
pub enum Input<'py> {
    /// A C-contiguous float64 NumPy array of shape `(T, size_in)` or `(B, T, size_in)`,
    /// borrowed read-only, not yet checked for NaN and infinities.
    Lent {
        /// The read-only borrow (held until the evolution returns).
        array: PyReadonlyArrayDyn<'py, f64>,
        /// Its shape as `(B, T, size_in)`.
        shape: [usize; 3],
    },
    /// Any other input: converted by NumPy, broadcast, and checked finite.
    Checked(Array<f64>),
}

impl Input<'_> {
    /// The input, `(B, T, size_in)`.
    pub fn view(&self) -> ArrayView<'_> {
        match self {
            Input::Checked(a) => a.view(),
            Input::Lent { array, shape } => {
                ArrayView::new(shape, array.as_slice().unwrap_or_default())
                    .unwrap_or_else(|_| EMPTY.view())
            }
        }
    }

    /// The batch size.
    pub fn batch(&self) -> usize {
        self.view().shape()[0]
    }

    /// Whether the input was checked finite already.
    fn checked(&self) -> bool {
        matches!(self, Input::Checked(_))
    }

    /// `e`, unless the input holds a NaN or an infinity: then the library's error for it,
    /// which a call reports before any other problem.
    pub fn non_finite_first(&self, py: Python<'_>, e: PyErr) -> PyErr {
        if self.checked() {
            return e;
        }
        let x = self.view();
        match py.detach(|| non_finite_input(x)) {
            Some(n) => core_err(n),
            None => e,
        }
    }
}

/// What a lent input's view falls back to if its buffer stopped being contiguous (it
/// cannot: the borrow is held): an empty `(0, 0, 0)` array.
static EMPTY: std::sync::LazyLock<Array<f64>> =
    std::sync::LazyLock::new(|| Array::zeros(vec![0, 0, 0]));

/// The input as `(B, T, size_in)`. A large contiguous float64 NumPy array of a shape that
/// needs no broadcast is lent as it is (checked during the evolution); other inputs go
/// through NumPy's conversion and the library's broadcast, and are checked finite here.
pub fn input<'py>(obj: &Bound<'py, PyAny>, size_in: usize) -> PyResult<Input<'py>> {
    if let Ok(arr) = obj.cast::<PyArrayDyn<f64>>()
        && arr.len() >= COPY_BELOW
        && let Ok(array) = arr.try_readonly()
        && array.is_c_contiguous()
        && array.as_slice().is_ok()
    {
        let shape = match *array.shape() {
            [t, n] if n == size_in => Some([1, t, n]),
            [b, t, n] if n == size_in => Some([b, t, n]),
            _ => None,
        };
        if let Some(shape) = shape {
            return Ok(Input::Lent { array, shape });
        }
    }
    let a = array_f64(obj, "input")?;
    // Brought to `(B, T, size_in)`: reshaped when no value is broadcast (one copy in all).
    let batched = batch_view(a.view(), size_in).map_err(core_err)?;
    let (view, shape) = (batched.view(), batched.view().shape().to_vec());
    let x = if std::ptr::eq(view.data(), a.data()) {
        drop(batched);
        Array::from_shape_vec(shape, a.into_data()).map_err(core_err)?
    } else {
        view.to_owned()
    };
    // The check on the broadcast values, so indices match the library's errors.
    match non_finite_input(x.view()) {
        Some(e) => Err(core_err(e)),
        None => Ok(Input::Checked(x)),
    }
}

/// One module's evolution settings: the parameters (checked) and where to run.
pub struct Runner<'a> {
    /// The module.
    pub module: &'a dyn Module,
    /// Its Parameters and SimulationParameters (State leaves are ignored).
    pub params: &'a Tree,
    /// What to record.
    pub record: Recording,
    /// `threads=`: the batch is fanned out over this pool (`evolve_par`).
    pub pool: Option<&'a rayon::ThreadPool>,
    /// The pace of this module's last long runs with these parameters (`None`: always
    /// probe a long run).
    pub pace: Option<&'a Pace>,
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

    /// One call of `evolve_batch` on a lent input from a batched state, the GIL released;
    /// the input is checked by the library (in the kernel's pass when it claims the check).
    fn once(&self, py: Python<'_>, state: &Tree, x: ArrayView<'_>) -> PyResult<Evolution> {
        let (m, p, record) = (self.module, self.params, self.record);
        py.detach(|| match self.pool {
            None => evolve_checked(x, || m.evolve_batch(p, state, x, record)).map_err(Into::into),
            Some(pool) => {
                pool.install(|| evolve_par(m, p, state, &x.to_owned(), &ParOptions::record(record)))
            }
        })
        .map_err(|e| functional_err(None, e))
    }

    /// [`Runner::once`] of an input given away (a converted copy, or a slice of a long
    /// input: both checked): `evolve_batch_owned`, which may write the output into its
    /// buffer (the same bits, no new output to allocate).
    fn once_owned(&self, py: Python<'_>, state: &Tree, x: Array<f64>) -> PyResult<Evolution> {
        let (m, p, record) = (self.module, self.params, self.record);
        py.detach(|| match self.pool {
            None => m
                .evolve_batch_owned(p, state, x, record)
                .map_err(Into::into),
            Some(pool) => pool.install(|| evolve_par(m, p, state, &x, &ParOptions::record(record))),
        })
        .map_err(|e| functional_err(None, e))
    }

    /// One call on the whole input: lent (checked by the library) or given away.
    fn once_whole(&self, py: Python<'_>, state: &Tree, input: Input<'_>) -> PyResult<Evolution> {
        match input {
            Input::Checked(x) => self.once_owned(py, state, x),
            lent @ Input::Lent { .. } => self.once(py, state, lent.view()),
        }
    }

    /// Evolve `x` (`(B, T, Nin)`, checked) from a batched `state`. A long run estimated
    /// to take more than [`SINGLE_CALL_SECONDS`] goes in time chunks of about
    /// [`CHUNK_SECONDS`]; between chunks pending signals are checked, so Ctrl-C raises
    /// `KeyboardInterrupt` and nothing is kept. The estimate is the [`Pace`] of the last
    /// runs when it says "well under" (half the limit), else a probe of the run's first
    /// steps (whose work is discarded when the run then goes in one call, so it pays no
    /// copy for joining chunks). Splitting time never changes a bit of the result.
    pub fn evolve(&self, py: Python<'_>, state: &Tree, input: Input<'_>) -> PyResult<Evolution> {
        let (batch, steps) = {
            let x = input.view();
            (x.shape()[0], x.shape()[1])
        };
        if steps <= SHORT_STEPS {
            return self.once_whole(py, state, input);
        }
        let threads = self.pool.map(rayon::ThreadPool::current_num_threads);
        let limit = self::seconds(&SINGLE_CALL_SECONDS);
        let paced = self.pace.and_then(|p| p.estimate(batch, threads, steps));
        let clock = Instant::now();
        if paced.is_some_and(|s| s < limit / 2.0) {
            let ev = self.once_whole(py, state, input)?;
            self.record(batch, threads, steps, clock);
            return Ok(ev);
        }
        let x = input.view();
        let slice = |start: usize, end: usize| -> PyResult<Array<f64>> {
            slice_axis1(x, start, end).map_err(|e| functional_err(None, e))
        };
        let probe = (steps / 256).clamp(4, SHORT_STEPS);
        // The probe's input is not checked on its own (a chunk's error would give an index
        // in the chunk): the whole input is, by the single call or the scan below.
        let first = self.once_owned(py, state, slice(0, probe)?)?;
        let mut seconds = clock.elapsed().as_secs_f64().max(1e-9);
        py.check_signals()?;
        if seconds * (steps as f64) / (probe as f64) < limit {
            let clock = Instant::now();
            let ev = self.once_whole(py, state, input)?;
            self.record(batch, threads, steps, clock);
            return Ok(ev);
        }
        if !input.checked()
            && let Some(e) = py.detach(|| non_finite_input(x))
        {
            return Err(core_err(e));
        }
        let mut chunk = probe;
        let mut start = probe;
        let mut parts = vec![first];
        while start < steps {
            let grow = (self::seconds(&CHUNK_SECONDS) / seconds).clamp(0.5, 8.0);
            chunk = ((chunk as f64 * grow) as usize).max(1);
            let end = (start + chunk).min(steps);
            let chunk_clock = Instant::now();
            let previous = parts.last().map_or(state, |p| &p.state);
            let ev = self.once_owned(py, previous, slice(start, end)?)?;
            seconds = chunk_clock.elapsed().as_secs_f64().max(1e-9);
            parts.push(ev);
            py.check_signals()?;
            start = end;
        }
        self.record(batch, threads, steps, clock);
        let outputs: Vec<&Array<f64>> = parts.iter().map(|p| &p.output).collect();
        let records: Vec<_> = parts.iter().map(|p| &p.record).collect();
        let output = concat_axis(&outputs, 1).map_err(|e| functional_err(None, e))?;
        let record = (self.record).join_in_time(&records).map_err(core_err)?;
        let state = parts.pop().map(|p| p.state).unwrap_or_default();
        Ok(Evolution::new(output, state, record))
    }

    /// Keep the pace of a run of `steps` steps that started at `clock`.
    fn record(&self, batch: usize, threads: Option<usize>, steps: usize, clock: Instant) {
        if let Some(pace) = self.pace {
            pace.record(batch, threads, steps, clock.elapsed().as_secs_f64());
        }
    }

    /// [`Runner::evolve`] from an unbatched (or batched) state, every check made (the
    /// parameter check unless `params_checked`: these values passed it already).
    pub fn evolve_checked(
        &self,
        py: Python<'_>,
        state: &Tree,
        x: Input<'_>,
        params_checked: bool,
    ) -> PyResult<Evolution> {
        let checked = if params_checked {
            Ok(())
        } else {
            self.check_params()
        };
        let batched = checked
            .and_then(|()| self.batch_state(state, x.batch()))
            .map_err(|e| x.non_finite_first(py, e))?;
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
