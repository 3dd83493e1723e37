//! `Timed`: Rockpool's `module.timed()`, the high-level API over time series.
//!
//! A [`Timed`] is a [`Stateful`] (a module, its tree of parameters and state, its seed)
//! with a clock (`t = step·dt`, `dt` the module's own). [`Timed::evolve`] turns a [`TsContinuous`] or [`TsEvent`] into the
//! `(T, Nin)` input on the time base `(step + i)·dt`, calls the pure
//! [`ModuleExt::evolve`], keeps the new state, advances the clock, and returns the output
//! and the record as time series starting at the time before the call. It is a thin layer:
//! everything that is not the clock is the functional core, and `(tree, step)` is the
//! whole of its state, so it snapshots and restores like any tree
//! ([`Timed::from_parts`]).
//!
//! ```
//! use littoral_core::Array;
//! use littoral_functional::timeseries::TsContinuous;
//! use littoral_functional::timeseries::timed::{Duration, TimedExt};
//! use littoral_nets::Lif;
//! let mut net = Lif::new(2).timed()?;                      // LIF's dt: 1 ms
//! let input = TsContinuous::from_clocked(Array::full(vec![10, 2], 0.6), 1e-3, 0.0)?;
//! let first = net.evolve(&input, Duration::Seconds(5e-3), false)?;
//! assert_eq!(first.output.t_start(), 0.0);
//! let second = net.evolve(&input, Duration::Steps(5), false)?;
//! assert_eq!(second.output.t_start(), 5e-3);              // the clock advanced
//! assert!(net.evolve(&input, Duration::Seconds(2.5e-3), false).is_err());  // not a multiple of dt
//! # Ok::<(), littoral_functional::Error>(())
//! ```

use crate::error::Result;
use crate::summary::all_dts;
use crate::timeseries::{
    RasterOptions, RasterStop, TimeSeries, TsContinuous, TsEvent, exact_steps, steps_between,
};
use littoral_core::{Array, Families, Module, ModuleExt, Nested, Record, Stateful, Tree};
use std::sync::Arc;

/// The input of [`Timed::evolve`].
#[derive(Clone, Copy, Debug, Default)]
pub enum TimedInput<'a> {
    /// No input: zeros `(T, size_in)`.
    #[default]
    None,
    /// A continuous signal, sampled on the time base with its own interpolation
    /// (sample-and-hold by default). It must cover the time base (or be periodic).
    Continuous(&'a TsContinuous),
    /// Events, rasterised in bins `[t, t + dt)` on channels `0..size_in` (0/1 per bin, or
    /// counts with [`Timed::with_add_events`]).
    Events(&'a TsEvent),
}

impl<'a> From<&'a TsContinuous> for TimedInput<'a> {
    fn from(ts: &'a TsContinuous) -> Self {
        TimedInput::Continuous(ts)
    }
}

impl<'a> From<&'a TsEvent> for TimedInput<'a> {
    fn from(ts: &'a TsEvent) -> Self {
        TimedInput::Events(ts)
    }
}

impl<'a> From<&'a TimeSeries> for TimedInput<'a> {
    fn from(ts: &'a TimeSeries) -> Self {
        match ts {
            TimeSeries::Continuous(c) => TimedInput::Continuous(c),
            TimeSeries::Events(e) => TimedInput::Events(e),
        }
    }
}

/// How long [`Timed::evolve`] runs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Duration {
    /// This many seconds, which must be a whole number of steps of `dt` (within
    /// floating-point error); Rockpool silently floors instead.
    Seconds(f64),
    /// This many steps of `dt`.
    Steps(usize),
    /// From the input, as Rockpool: a periodic input's duration, otherwise until the
    /// input's `t_stop` (which must be after the current time, a whole number of steps
    /// away).
    #[default]
    Inferred,
}

/// What [`Timed::evolve`] returns.
#[must_use]
#[derive(Clone, Debug, PartialEq)]
pub struct TimedEvolution {
    /// The output of batch sample 0, from the time before the call: a [`TsEvent`]
    /// ("Output events", event counts repeated, at bin midpoints) when the module's output
    /// is spiking, otherwise a [`TsContinuous`] ("Output samples", sample-and-hold).
    pub output: TimeSeries,
    /// The module's new state (batched, as [`ModuleExt::evolve`] returns it).
    pub state: Tree,
    /// The record as time series, same paths: each `(B, T, …)` leaf of sample 0 becomes a
    /// [`TsContinuous`] with the trailing axes flattened into channels, except leaves named
    /// `spikes`, which become [`TsEvent`]s. Empty without recording.
    pub record: Nested<TimeSeries>,
}

/// A module with its values and a clock: Rockpool's `TimedModuleWrapper`. Build one with
/// [`TimedExt::timed`].
///
/// ```
/// use littoral_functional::timeseries::TsEvent;
/// use littoral_functional::timeseries::timed::{Duration, TimedExt};
/// use littoral_nets::Lif;
/// let lif = Lif::new(1).with_threshold(0.5)?.with_spiking_input(true);
/// let mut net = lif.timed()?.with_add_events(true);
/// let spikes_in = TsEvent::new(vec![0.5e-3, 0.6e-3], vec![0, 0], 0.0, 4e-3)?;
/// let ev = net.evolve(&spikes_in, Duration::Inferred, true)?;
/// assert!(ev.output.as_events().is_some_and(|out| out.t_stop() == 4e-3));
/// assert!(ev.record.get("vmem").is_some());
/// # Ok::<(), littoral_functional::Error>(())
/// ```
#[doc(alias = "TimedModuleWrapper")]
#[derive(Clone, Debug)]
pub struct Timed {
    /// The module with its tree and seed (Rockpool's object style), evolved on rasters.
    inner: Stateful,
    dt: f64,
    step: u64,
    add_events: bool,
}

/// The module's own time step: every scalar `dt` SimulationParameter in the tree (any
/// depth) must agree. `None` when it has none.
fn module_dt(module: &dyn Module, tree: &Tree) -> Result<Option<f64>> {
    let dts = all_dts(module, tree);
    let Some((_, first)) = dts.first() else {
        return Ok(None);
    };
    if let Some((path, other)) = dts.iter().find(|(_, d)| d != first) {
        return Err(littoral_core::Error::invalid(
            path.clone(),
            format!(
                "dt = {other} s, but {} has dt = {first} s: a timed module needs one time step",
                dts[0].0
            ),
        )
        .into());
    }
    Ok(Some(*first))
}

fn check_dt(dt: f64, module: &dyn Module, tree: &Tree) -> Result<()> {
    if !(dt.is_finite() && dt > 0.0) {
        return Err(littoral_core::Error::invalid(
            "dt",
            format!("must be finite and positive, found {dt}"),
        )
        .into());
    }
    for (path, module_dt) in all_dts(module, tree) {
        if (module_dt - dt).abs() > 1e-12 * module_dt.abs().max(dt.abs()) {
            return Err(littoral_core::Error::invalid(
                path,
                format!(
                    "the module steps with dt = {module_dt} s but the timed wrapper was asked \
                     for dt = {dt} s; build the module with that dt (e.g. `with_dt({dt})`) or \
                     use its own (`timed()`; Rockpool silently ignores the wrapper's dt)"
                ),
            )
            .into());
        }
    }
    Ok(())
}

impl Timed {
    /// Wrap `module`, initialised from `seed` (only random initialisers and noise keys
    /// use it), with the clock at 0 and the module's own time step (every `dt`
    /// SimulationParameter, at any depth, must agree), as Rockpool's `timed()`.
    ///
    /// # Errors
    /// A module without a `dt` (use [`Timed::with_dt`]), or whose `dt`s differ.
    pub fn new(module: Arc<dyn Module>, seed: u64) -> Result<Self> {
        let tree = module.init(seed);
        let dt = module_dt(module.as_ref(), &tree)?.ok_or_else(|| {
            littoral_core::Error::invalid(
                "dt",
                format!(
                    "{} has no dt: give the time step with `Timed::with_dt` (as Rockpool's \
                     `timed(dt=…)` for a module without one)",
                    module.class_name()
                ),
            )
        })?;
        Timed::from_parts(module, tree, dt, 0, seed)
    }

    /// Wrap `module`, initialised from `seed`, with time step `dt` and the clock at 0: for a
    /// module without a `dt` of its own (a module that has one must agree).
    ///
    /// # Errors
    /// A non-positive or non-finite `dt`, or a module whose own `dt` SimulationParameters
    /// (at any depth) differ from `dt`.
    pub fn with_dt(module: Arc<dyn Module>, dt: f64, seed: u64) -> Result<Self> {
        let tree = module.init(seed);
        Timed::from_parts(module, tree, dt, 0, seed)
    }

    /// Rebuild a wrapper from its state: the module, its tree, `dt`, the step counter and
    /// the seed used by resets (what a snapshot holds).
    ///
    /// # Errors
    /// As [`Timed::with_dt`], and parameters that do not fit the module.
    pub fn from_parts(
        module: Arc<dyn Module>,
        tree: Tree,
        dt: f64,
        step: u64,
        seed: u64,
    ) -> Result<Self> {
        check_dt(dt, module.as_ref(), &tree)?;
        Ok(Timed {
            inner: Stateful::with_tree(module, tree, seed)?,
            dt,
            step,
            add_events: false,
        })
    }

    /// Count events per bin when rasterising event input (`true`), or mark bins 0/1
    /// (`false`, the default of Rockpool's `timed()`).
    #[must_use]
    pub fn with_add_events(mut self, add_events: bool) -> Self {
        self.add_events = add_events;
        self
    }

    /// The module.
    pub fn module(&self) -> &Arc<dyn Module> {
        self.inner.module()
    }

    /// The module with its tree and seed, without the clock.
    pub fn stateful(&self) -> &Stateful {
        &self.inner
    }

    /// The tree: parameters, simulation parameters and the current state.
    pub fn tree(&self) -> &Tree {
        self.inner.tree()
    }

    /// The current state (Rockpool's `state()`).
    pub fn state(&self) -> Tree {
        self.inner.state(Families::all())
    }

    /// The time step.
    pub fn dt(&self) -> f64 {
        self.dt
    }

    /// Steps evolved since the last [`Timed::reset_time`].
    pub fn step(&self) -> u64 {
        self.step
    }

    /// The current time, `step·dt`.
    pub fn t(&self) -> f64 {
        self.step as f64 * self.dt
    }

    /// The seed used to initialise and reset.
    pub fn seed(&self) -> u64 {
        self.inner.seed()
    }

    /// Whether event input is counted per bin.
    pub fn add_events(&self) -> bool {
        self.add_events
    }

    /// The time base of the next `n` steps: `(step + i)·dt` (Rockpool's
    /// `t + arange(n)·dt`, computed so that splitting an evolution never moves a time).
    pub fn time_base(&self, n: usize) -> Vec<f64> {
        (0..n as u64)
            .map(|i| (self.step + i) as f64 * self.dt)
            .collect()
    }

    fn steps_for(&self, input: &TimedInput<'_>, duration: Duration) -> Result<usize> {
        let (stop, periodic, duration_of_input) = match input {
            TimedInput::None => (None, false, 0.0),
            TimedInput::Continuous(ts) => (Some(ts.t_stop()), ts.periodic(), ts.duration()),
            TimedInput::Events(ts) => (Some(ts.t_stop()), ts.periodic(), ts.duration()),
        };
        Ok(match duration {
            Duration::Steps(n) => n,
            Duration::Seconds(s) => exact_steps(s, self.dt)?,
            Duration::Inferred => match stop {
                None => {
                    return Err(littoral_core::Error::invalid(
                        "duration",
                        "no input to infer the duration from: pass Duration::Seconds or \
                         Duration::Steps",
                    )
                    .into());
                }
                Some(_) if periodic => exact_steps(duration_of_input, self.dt)?,
                Some(t_stop) => {
                    let remaining = t_stop - self.t();
                    if remaining <= 0.0 {
                        return Err(littoral_core::Error::invalid(
                            "duration",
                            format!(
                                "the input stops at {t_stop} s, not after the current time \
                                 {} s: call reset_time(), delay the input, or make it periodic",
                                self.t()
                            ),
                        )
                        .into());
                    }
                    steps_between(self.t(), t_stop, self.dt)?
                }
            },
        })
    }

    /// Evolve for `duration` on `input` (a `&TsContinuous`, a `&TsEvent` or
    /// [`TimedInput::None`]), keep the new state and advance the clock. On error nothing
    /// changes.
    ///
    /// # Errors
    /// A duration that is not a whole number of steps, or cannot be inferred; an input that
    /// does not cover the time base (continuous) or has more channels than the module takes
    /// (events); whatever [`ModuleExt::evolve`] reports.
    pub fn evolve<'a>(
        &mut self,
        input: impl Into<TimedInput<'a>>,
        duration: Duration,
        record: bool,
    ) -> Result<TimedEvolution> {
        let input = input.into();
        let n = self.steps_for(&input, duration)?;
        let module = self.inner.module();
        let size_in = module.size_in();
        let x = match input {
            TimedInput::None => Array::zeros(vec![n, size_in]),
            TimedInput::Continuous(ts) => ts.sample(&self.time_base(n))?,
            TimedInput::Events(ts) => {
                if ts.num_channels() > size_in {
                    return Err(littoral_core::Error::invalid(
                        "input",
                        format!(
                            "events on {} channels, but the module takes {size_in} (Rockpool \
                             silently drops the extra channels)",
                            ts.num_channels()
                        ),
                    )
                    .into());
                }
                if !module.spiking_input() {
                    return Err(littoral_core::Error::invalid(
                        "input",
                        format!(
                            "{} takes continuous input (spiking_input() is false): pass a \
                             TsContinuous, as Rockpool requires, or build the module with \
                             spiking input",
                            module.class_name()
                        ),
                    )
                    .into());
                }
                ts.raster(
                    self.dt,
                    &RasterOptions {
                        t_start: Some(self.t()),
                        stop: RasterStop::Steps(n),
                        channels: Some((0..size_in).collect()),
                        add_events: self.add_events,
                    },
                )?
            }
        };
        let spiking_output = module.spiking_output();
        let mut next = self.inner.clone();
        let (output, state, rec) = next.call(&x, record)?;
        let output = output.index_axis0(0)?;
        let output = if spiking_output {
            TimeSeries::Events(self.events(&output, "Output events")?)
        } else {
            TimeSeries::Continuous(self.continuous(output, "Output samples")?)
        };
        let record = self.record_series(&rec)?;
        self.inner = next;
        self.step += n as u64;
        Ok(TimedEvolution {
            output,
            state,
            record,
        })
    }

    /// A `(T, C)` array of sample 0 as a continuous series from the current time.
    fn continuous(&self, samples: Array<f64>, name: &str) -> Result<TsContinuous> {
        let t = samples.shape().first().copied().unwrap_or(0);
        let times = self.time_base(t);
        let t_stop = (self.step + t as u64) as f64 * self.dt;
        Ok(TsContinuous::new(times, samples)?
            .with_range(self.t(), t_stop)?
            .with_name(name))
    }

    /// A `(T, C)` raster of sample 0 (whole counts) as events from the current time, at bin
    /// midpoints `(step + i)·dt + dt/2` (a count of `k` gives `k` events).
    fn events(&self, raster: &Array<f64>, name: &str) -> Result<TsEvent> {
        let (t, c) = match *raster.shape() {
            [t, c] => (t, c),
            _ => (raster.len(), 1),
        };
        let mut times = Vec::new();
        let mut channels = Vec::new();
        for (flat, &v) in raster.data().iter().enumerate() {
            if !(v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= f64::from(u32::MAX)) {
                return Err(littoral_core::Error::invalid(
                    name,
                    format!(
                        "spiking output must hold whole event counts, found {v} at flat index \
                         {flat}"
                    ),
                )
                .into());
            }
            let i = (flat / c.max(1)) as u64;
            let time = (self.step + i) as f64 * self.dt + self.dt / 2.0;
            for _ in 0..v as u64 {
                times.push(time);
                channels.push(flat % c.max(1));
            }
        }
        let t_stop = (self.step + t as u64) as f64 * self.dt;
        Ok(TsEvent::new(times, channels, self.t(), t_stop)?
            .with_num_channels(c)?
            .with_name(name))
    }

    /// Each `(B, T, …)` record leaf of sample 0 as a time series.
    fn record_series(&self, record: &Record) -> Result<Nested<TimeSeries>> {
        let mut out = Nested::new();
        for (path, a) in record.leaves() {
            let shape = a.shape();
            if shape.len() < 2 {
                return Err(littoral_core::Error::invalid(
                    path,
                    format!(
                        "a record leaf must be (B, T, …), found shape {}",
                        littoral_core::array::format_shape(shape)
                    ),
                )
                .into());
            }
            let t = shape[1];
            let c: usize = shape[2..].iter().product();
            let sample0 = a.index_axis0(0)?.reshape(vec![t, c])?;
            let series = if path.rsplit('.').next() == Some("spikes") {
                TimeSeries::Events(self.events(&sample0, &path)?)
            } else {
                TimeSeries::Continuous(self.continuous(sample0, &path)?)
            };
            out.insert_path(&path, series);
        }
        Ok(out)
    }

    /// Rockpool's `reset_time()`: the clock back to 0 (the state is kept).
    pub fn reset_time(&mut self) -> &mut Self {
        self.step = 0;
        self
    }

    /// Rockpool's `reset_state()`: every State leaf back at its initial value.
    pub fn reset_state(&mut self) -> &mut Self {
        self.inner.reset_state();
        self
    }

    /// Rockpool's `reset_all()`: state and clock.
    pub fn reset_all(&mut self) -> &mut Self {
        self.reset_state().reset_time()
    }
}

/// `module.timed()`: wrap a module (any [`Module`], or an `Arc<dyn Module>`) in a
/// [`Timed`] wrapper with the module's own `dt`, as Rockpool's `timed()` does.
///
/// No seed is needed: `timed()` initialises with seed 0, which matters only for random
/// initialisers and noise keys; `timed_with_seed(seed)` chooses another. A module without
/// a `dt` is wrapped with [`Timed::with_dt`].
///
/// ```
/// use littoral_functional::timeseries::timed::TimedExt;
/// use littoral_nets::Lif;
/// assert_eq!(Lif::new(3).timed()?.dt(), 1e-3);              // LIF's own dt
/// assert_eq!(Lif::new(3).with_dt(1e-4)?.timed()?.dt(), 1e-4);
/// assert!(littoral_nets::Linear::new(2, 3).timed().is_err()); // no dt: Timed::with_dt
/// let shared: std::sync::Arc<dyn littoral_core::Module> = std::sync::Arc::new(Lif::new(3));
/// assert_eq!(shared.timed_with_seed(7)?.seed(), 7);
/// # Ok::<(), littoral_functional::Error>(())
/// ```
pub trait TimedExt<Marker = marker::OwnedModule>: Sized {
    /// Wrap in a [`Timed`] with the module's `dt`, initialised from seed 0.
    ///
    /// # Errors
    /// As [`Timed::new`].
    fn timed(self) -> Result<Timed> {
        self.timed_with_seed(0)
    }

    /// Wrap in a [`Timed`] with the module's `dt`, initialised from `seed`.
    ///
    /// # Errors
    /// As [`Timed::new`].
    fn timed_with_seed(self, seed: u64) -> Result<Timed>;
}

/// Marker types that let [`TimedExt`] be implemented both for every [`Module`] and for
/// `Arc<dyn Module>` (which the compiler would otherwise consider overlapping). They are
/// inferred; nothing needs to name them.
pub mod marker {
    /// [`TimedExt`](super::TimedExt) on a module taken by value.
    #[derive(Debug)]
    pub enum OwnedModule {}
    /// [`TimedExt`](super::TimedExt) on a shared `Arc<dyn Module>`.
    #[derive(Debug)]
    pub enum SharedModule {}
}

impl<M: Module + 'static> TimedExt<marker::OwnedModule> for M {
    fn timed_with_seed(self, seed: u64) -> Result<Timed> {
        Timed::new(Arc::new(self), seed)
    }
}

impl TimedExt<marker::SharedModule> for Arc<dyn Module> {
    fn timed_with_seed(self, seed: u64) -> Result<Timed> {
        Timed::new(self, seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use littoral_nets::Lif;

    #[test]
    fn events_are_refused_by_a_module_with_continuous_input() -> Result<()> {
        let events = TsEvent::new(vec![1e-3], vec![0], 0.0, 3e-3)?;
        let mut continuous = Lif::new(1).timed()?;
        let e = continuous.evolve(&events, Duration::Inferred, false).err();
        assert!(
            e.as_ref()
                .and_then(crate::Error::model_error)
                .is_some_and(|m| m.path() == "input" && m.detail().contains("spiking_input")),
            "{e:?}"
        );
        assert_eq!(continuous.step(), 0);
        let mut spiking = Lif::new(1).with_spiking_input(true).timed()?;
        assert!(spiking.evolve(&events, Duration::Inferred, false).is_ok());
        Ok(())
    }

    #[test]
    fn the_inferred_duration_tolerates_the_clock_s_rounding() -> Result<()> {
        let mut net = Lif::new(1).timed()?;
        let _ = net.evolve(TimedInput::None, Duration::Steps(1000), false)?;
        // t_stop − t = 1.005 − 1.0 is 4.999999999999893 steps of 1 ms.
        let input = TsContinuous::from_clocked(Array::full(vec![1005, 1], 0.1), 1e-3, 0.0)?;
        let ev = net.evolve(&input, Duration::Inferred, false)?;
        assert_eq!(net.step(), 1005);
        assert_eq!(ev.output.t_start(), 1.0);
        Ok(())
    }

    #[test]
    fn a_module_without_dt_needs_one_and_dts_must_agree() {
        assert!(littoral_nets::Linear::new(1, 1).timed().is_err());
        assert!(Timed::with_dt(Arc::new(littoral_nets::Linear::new(1, 1)), 1e-3, 0).is_ok());
    }
}
