//! Time series and the clocked wrapper for Python: `TSContinuous`, `TSEvent` (Rockpool's
//! names and arguments) over Littoral's `TsContinuous` / `TsEvent`, and `TimedModule`
//! over `littoral_functional::Timed` (Rockpool's `TimedModuleWrapper`). Every method is a
//! one-line call into Rust; this file is the only one that names the time-series API.

use crate::convert::{array_f64, core_err, functional_err, to_numpy, tree_to_dict};
use littoral_core::{Array, Entry, Module, Nested, Tree};
use littoral_functional::timeseries::{
    Interp, RasterOptions, RasterStop, TimeSeries, TsContinuous, TsEvent,
};
use littoral_functional::{Duration, Timed, TimedInput};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use std::sync::Arc;

/// A continuous time series (Rockpool's `TSContinuous`): sample times, samples `(T, C)`,
/// a range, an interpolation (`"previous"` or `"linear"`).
#[pyclass(module = "littoral._littoral", name = "TSContinuous", frozen)]
pub struct PyTsContinuous(pub TsContinuous);

/// An event time series (Rockpool's `TSEvent`): event times, their channels, a range
/// `[t_start, t_stop)` and a channel count.
#[pyclass(module = "littoral._littoral", name = "TSEvent", frozen)]
pub struct PyTsEvent(pub TsEvent);

/// The getters `TSContinuous` and `TSEvent` share (Rockpool's `TimeSeries`), one
/// `#[pymethods]` block per class.
macro_rules! range_getters {
    ($class:ty) => {
        #[pymethods]
        impl $class {
            /// Start of the range.
            #[getter]
            fn t_start(&self) -> f64 {
                self.0.t_start()
            }

            /// End of the range (exclusive for events).
            #[getter]
            fn t_stop(&self) -> f64 {
                self.0.t_stop()
            }

            /// `t_stop - t_start`.
            #[getter]
            fn duration(&self) -> f64 {
                self.0.duration()
            }

            /// Number of channels.
            #[getter]
            fn num_channels(&self) -> usize {
                self.0.num_channels()
            }

            /// Whether the series repeats.
            #[getter]
            fn periodic(&self) -> bool {
                self.0.periodic()
            }

            /// The name.
            #[getter]
            fn name(&self) -> String {
                self.0.name().to_string()
            }
        }
    };
}

range_getters!(PyTsContinuous);
range_getters!(PyTsEvent);

fn interp(name: &str) -> PyResult<Interp> {
    Interp::from_rockpool_name(name).ok_or_else(|| {
        PyValueError::new_err(format!(
            "interp_kind: unknown interpolation '{name}' (known: previous, linear)"
        ))
    })
}

#[pymethods]
impl PyTsContinuous {
    /// `TSContinuous(times, samples, num_channels=None, periodic=False, t_start=None,
    /// t_stop=None, name=None, interp_kind="previous")`, as Rockpool.
    #[new]
    #[pyo3(signature = (times=None, samples=None, num_channels=None, periodic=false,
                        t_start=None, t_stop=None, name=None, interp_kind="previous"))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        times: Option<Vec<f64>>,
        samples: Option<&Bound<'_, PyAny>>,
        num_channels: Option<usize>,
        periodic: bool,
        t_start: Option<f64>,
        t_stop: Option<f64>,
        name: Option<String>,
        interp_kind: &str,
    ) -> PyResult<Self> {
        let times = times.unwrap_or_default();
        let mut ts = match samples {
            Some(s) => TsContinuous::new(times, array_f64(s, "samples")?).map_err(core_err)?,
            None if times.is_empty() => {
                let t0 = t_start.unwrap_or(0.0);
                TsContinuous::empty(num_channels.unwrap_or(0), t0, t_stop.unwrap_or(t0))
                    .map_err(core_err)?
            }
            None => return Err(PyValueError::new_err("samples: required with times")),
        };
        if t_start.is_some() || t_stop.is_some() {
            let (a, b) = (
                t_start.unwrap_or(ts.t_start()),
                t_stop.unwrap_or(ts.t_stop()),
            );
            ts = ts.with_range(a, b).map_err(core_err)?;
        }
        if let Some(n) = name {
            ts = ts.with_name(n);
        }
        Ok(PyTsContinuous(
            ts.with_periodic(periodic).with_interp(interp(interp_kind)?),
        ))
    }

    /// Rockpool's `TSContinuous.from_clocked(samples, dt, t_start=0, periodic=False,
    /// name=None, interp_kind="previous")`.
    #[staticmethod]
    #[pyo3(signature = (samples, dt, t_start=0.0, periodic=false, name=None, interp_kind="previous"))]
    fn from_clocked(
        samples: &Bound<'_, PyAny>,
        dt: f64,
        t_start: f64,
        periodic: bool,
        name: Option<String>,
        interp_kind: &str,
    ) -> PyResult<Self> {
        let mut ts = TsContinuous::from_clocked(array_f64(samples, "samples")?, dt, t_start)
            .map_err(core_err)?
            .with_periodic(periodic)
            .with_interp(interp(interp_kind)?);
        if let Some(n) = name {
            ts = ts.with_name(n);
        }
        Ok(PyTsContinuous(ts))
    }

    /// Sample times.
    #[getter]
    fn times<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_numpy(py, Array::from_vec(self.0.times().to_vec()))
    }

    /// Samples `(T, C)`.
    #[getter]
    fn samples<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_numpy(py, self.0.samples().clone())
    }

    /// `"previous"` (sample-and-hold) or `"linear"`.
    #[getter]
    fn interp_kind(&self) -> &'static str {
        self.0.interp().rockpool_name()
    }

    /// Sample at `times`: an array `(len(times), C)`.
    fn __call__<'py>(&self, py: Python<'py>, times: Vec<f64>) -> PyResult<Bound<'py, PyAny>> {
        to_numpy(py, self.0.sample(&times).map_err(core_err)?)
    }

    /// The part within `[t_start, t_stop]`.
    fn clip(&self, t_start: f64, t_stop: f64) -> PyResult<Self> {
        Ok(PyTsContinuous(
            self.0.clip(t_start, t_stop).map_err(core_err)?,
        ))
    }

    /// Shifted by `offset` seconds.
    fn delay(&self, offset: f64) -> PyResult<Self> {
        Ok(PyTsContinuous(self.0.delay(offset).map_err(core_err)?))
    }

    /// Shifted to start at `t_start`.
    fn start_at(&self, t_start: f64) -> PyResult<Self> {
        Ok(PyTsContinuous(self.0.start_at(t_start).map_err(core_err)?))
    }

    /// Shifted to start at 0.
    fn start_at_zero(&self) -> PyResult<Self> {
        Ok(PyTsContinuous(self.0.start_at_zero().map_err(core_err)?))
    }

    /// The same series as Rockpool's `TSContinuous` (needs `rockpool`).
    fn to_rockpool<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let kwargs = PyDict::new(py);
        kwargs.set_item("times", self.times(py)?)?;
        kwargs.set_item("samples", self.samples(py)?)?;
        kwargs.set_item("t_start", self.0.t_start())?;
        kwargs.set_item("t_stop", self.0.t_stop())?;
        kwargs.set_item("periodic", self.0.periodic())?;
        kwargs.set_item("name", self.0.name())?;
        kwargs.set_item("interp_kind", self.interp_kind())?;
        rockpool_class(py, "TSContinuous")?.call((), Some(&kwargs))
    }

    fn __len__(&self) -> usize {
        self.0.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "{}TSContinuous '{}' from {} to {}; {} samples, {} channel(s)",
            if self.0.periodic() {
                "Periodic "
            } else {
                "non-periodic "
            },
            self.0.name(),
            self.0.t_start(),
            self.0.t_stop(),
            self.0.len(),
            self.0.num_channels()
        )
    }
}

#[pymethods]
impl PyTsEvent {
    /// `TSEvent(times, channels, periodic=False, t_start=None, t_stop=None, name=None,
    /// num_channels=None)`, as Rockpool: `t_stop` must be after the last event.
    #[new]
    #[pyo3(signature = (times=None, channels=None, periodic=false, t_start=None, t_stop=None,
                        name=None, num_channels=None))]
    fn new(
        times: Option<Vec<f64>>,
        channels: Option<Vec<usize>>,
        periodic: bool,
        t_start: Option<f64>,
        t_stop: Option<f64>,
        name: Option<String>,
        num_channels: Option<usize>,
    ) -> PyResult<Self> {
        let times = times.unwrap_or_default();
        let channels = channels.unwrap_or_else(|| vec![0; times.len()]);
        let t0 = t_start.unwrap_or_else(|| times.first().copied().unwrap_or(0.0));
        let t1 = match t_stop {
            Some(t) => t,
            None if times.is_empty() => t0,
            None => {
                return Err(PyValueError::new_err(
                    "t_stop: required with events (strictly after the last event)",
                ));
            }
        };
        let mut ts = TsEvent::new(times, channels, t0, t1).map_err(core_err)?;
        if let Some(n) = num_channels {
            ts = ts.with_num_channels(n).map_err(core_err)?;
        }
        if let Some(n) = name {
            ts = ts.with_name(n);
        }
        Ok(PyTsEvent(ts.with_periodic(periodic)))
    }

    /// Rockpool's `TSEvent.from_raster(raster, dt, t_start=0, name=None, periodic=False)`:
    /// one event per count in each bin, at the bin start.
    #[staticmethod]
    #[pyo3(signature = (raster, dt, t_start=0.0, name=None, periodic=false))]
    fn from_raster(
        raster: &Bound<'_, PyAny>,
        dt: f64,
        t_start: f64,
        name: Option<String>,
        periodic: bool,
    ) -> PyResult<Self> {
        let mut ts = TsEvent::from_raster(&array_f64(raster, "raster")?, dt, t_start, true)
            .map_err(core_err)?;
        if let Some(n) = name {
            ts = ts.with_name(n);
        }
        Ok(PyTsEvent(ts.with_periodic(periodic)))
    }

    /// Event times.
    #[getter]
    fn times<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_numpy(py, Array::from_vec(self.0.times().to_vec()))
    }

    /// The channel of each event.
    #[getter]
    fn channels<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let c: Vec<u64> = self.0.channels().iter().map(|&c| c as u64).collect();
        let n = c.len();
        to_numpy(py, Array::from_shape_vec(vec![n], c).map_err(core_err)?)
    }

    /// Rockpool's `raster(dt, t_start=None, t_stop=None, num_timesteps=None,
    /// channels=None, add_events=False)`: an array `(T, C)` of 0/1 (or counts).
    #[pyo3(signature = (dt, t_start=None, t_stop=None, num_timesteps=None, channels=None, add_events=false))]
    #[allow(clippy::too_many_arguments)] // Rockpool's keyword arguments, one by one
    fn raster<'py>(
        &self,
        py: Python<'py>,
        dt: f64,
        t_start: Option<f64>,
        t_stop: Option<f64>,
        num_timesteps: Option<usize>,
        channels: Option<Vec<usize>>,
        add_events: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let stop = match (num_timesteps, t_stop) {
            (Some(n), _) => RasterStop::Steps(n),
            (None, Some(t)) => RasterStop::At(t),
            (None, None) => RasterStop::SeriesStop,
        };
        let options = RasterOptions {
            t_start,
            stop,
            channels,
            add_events,
        };
        to_numpy(py, self.0.raster(dt, &options).map_err(core_err)?)
    }

    /// The events within `[t_start, t_stop)`.
    fn clip(&self, t_start: f64, t_stop: f64) -> PyResult<Self> {
        Ok(PyTsEvent(self.0.clip(t_start, t_stop).map_err(core_err)?))
    }

    /// Shifted by `offset` seconds.
    fn delay(&self, offset: f64) -> PyResult<Self> {
        Ok(PyTsEvent(self.0.delay(offset).map_err(core_err)?))
    }

    /// The same series as Rockpool's `TSEvent` (needs `rockpool`).
    fn to_rockpool<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let kwargs = PyDict::new(py);
        kwargs.set_item("times", self.times(py)?)?;
        kwargs.set_item("channels", self.channels(py)?)?;
        kwargs.set_item("t_start", self.0.t_start())?;
        kwargs.set_item("t_stop", self.0.t_stop())?;
        kwargs.set_item("periodic", self.0.periodic())?;
        kwargs.set_item("name", self.0.name())?;
        kwargs.set_item("num_channels", self.0.num_channels())?;
        rockpool_class(py, "TSEvent")?.call((), Some(&kwargs))
    }

    fn __len__(&self) -> usize {
        self.0.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "{}TSEvent '{}' from {} to {}; {} events on {} channel(s)",
            if self.0.periodic() {
                "Periodic "
            } else {
                "non-periodic "
            },
            self.0.name(),
            self.0.t_start(),
            self.0.t_stop(),
            self.0.len(),
            self.0.num_channels()
        )
    }
}

fn rockpool_class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("rockpool.timeseries")?.getattr(name)
}

fn series_to_py<'py>(py: Python<'py>, ts: TimeSeries) -> PyResult<Bound<'py, PyAny>> {
    Ok(match ts {
        TimeSeries::Continuous(c) => Bound::new(py, PyTsContinuous(c))?.into_any(),
        TimeSeries::Events(e) => Bound::new(py, PyTsEvent(e))?.into_any(),
    })
}

fn record_to_py<'py>(py: Python<'py>, record: &Nested<TimeSeries>) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (name, entry) in record.iter() {
        match entry {
            Entry::Leaf(ts) => d.set_item(name, series_to_py(py, ts.clone())?)?,
            Entry::Branch(b) => d.set_item(name, record_to_py(py, b)?)?,
        }
    }
    Ok(d)
}

/// A module with its values and a clock (Rockpool's `TimedModuleWrapper`): call it on a
/// `TSContinuous` or `TSEvent` (or nothing, with a duration) and get time series back.
#[pyclass(module = "littoral._littoral", name = "TimedModule")]
pub struct PyTimed(Timed);

impl PyTimed {
    /// Wrap a module and its current values with time step `dt`.
    pub fn new(
        module: Arc<dyn Module>,
        tree: Tree,
        dt: f64,
        seed: u64,
        add_events: bool,
    ) -> PyResult<Self> {
        let timed = Timed::from_parts(module, tree, dt, 0, seed)
            .map_err(|e| functional_err(None, e))?
            .with_add_events(add_events);
        Ok(PyTimed(timed))
    }
}

#[pymethods]
impl PyTimed {
    /// Rockpool's `TimedModule.__call__(ts_input=None, duration=None, num_timesteps=None,
    /// record=False)`: `(ts_output, new_state, record)`; keeps the state and advances
    /// the clock.
    #[pyo3(signature = (ts_input=None, duration=None, num_timesteps=None, record=false))]
    fn __call__<'py>(
        &mut self,
        py: Python<'py>,
        ts_input: Option<&Bound<'py, PyAny>>,
        duration: Option<f64>,
        num_timesteps: Option<usize>,
        record: bool,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let how = match (num_timesteps, duration) {
            (Some(n), _) => Duration::Steps(n),
            (None, Some(s)) => Duration::Seconds(s),
            (None, None) => Duration::Inferred,
        };
        let continuous;
        let events;
        let input = match ts_input {
            None => TimedInput::None,
            Some(obj) => {
                if let Ok(c) = obj.cast::<PyTsContinuous>() {
                    continuous = c.get().0.clone();
                    TimedInput::Continuous(&continuous)
                } else if let Ok(e) = obj.cast::<PyTsEvent>() {
                    events = e.get().0.clone();
                    TimedInput::Events(&events)
                } else {
                    return Err(PyValueError::new_err(
                        "ts_input: expected a littoral TSContinuous or TSEvent \
                         (convert Rockpool's with littoral.from_rockpool)",
                    ));
                }
            }
        };
        let timed = &mut self.0;
        let ev = py
            .detach(|| timed.evolve(input, how, record))
            .map_err(|e| functional_err(None, e))?;
        let out = series_to_py(py, ev.output)?;
        let state = tree_to_dict(py, &ev.state)?;
        let rec = record_to_py(py, &ev.record)?;
        PyTuple::new(py, [out, state.into_any(), rec.into_any()])
    }

    /// The current time, `step·dt`.
    #[getter]
    fn t(&self) -> f64 {
        self.0.t()
    }

    /// The time step.
    #[getter]
    fn dt(&self) -> f64 {
        self.0.dt()
    }

    /// The current state.
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        tree_to_dict(py, &self.0.state())
    }

    /// Set the clock to 0.
    fn reset_time(&mut self) {
        self.0.reset_time();
    }

    /// Reset the state (the clock keeps running).
    fn reset_state(&mut self) {
        self.0.reset_state();
    }

    /// Reset the state and the clock.
    fn reset_all(&mut self) {
        self.0.reset_all();
    }

    fn __repr__(&self) -> String {
        format!(
            "TimedModuleWrapper with dt {} around {}",
            self.0.dt(),
            self.0.module().class_name()
        )
    }
}
