//! `Timed`: Rockpool's `module.timed(dt)`, the high-level API over time series.
//!
//! A [`Timed`] holds a module, its tree (parameters and state) and a clock
//! (`t = step·dt`). [`Timed::evolve`] turns a [`TsContinuous`] or [`TsEvent`] into the
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
//! let mut net = Lif::new(2).timed(1e-3, 0)?;
//! let input = TsContinuous::from_clocked(Array::full(vec![10, 2], 0.6), 1e-3, 0.0)?;
//! let first = net.evolve(&input, Duration::Seconds(5e-3), false)?;
//! assert_eq!(first.output.t_start(), 0.0);
//! let second = net.evolve(&input, Duration::Steps(5), false)?;
//! assert_eq!(second.output.t_start(), 5e-3);              // the clock advanced
//! assert!(net.evolve(&input, Duration::Seconds(2.5e-3), false).is_err());  // not a multiple of dt
//! # Ok::<(), littoral_functional::Error>(())
//! ```

use crate::error::Result;
use crate::timeseries::{
    RasterOptions, RasterStop, TimeSeries, TsContinuous, TsEvent, exact_steps,
};
use littoral_core::{
    Array, Families, Kind, Module, ModuleExt, Nested, Record, Tree, TreeExt, Value,
};
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
    /// This many seconds, which must be a whole number of steps of `dt` (within 1e-9,
    /// relative); Rockpool silently floors instead.
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
/// let mut net = Lif::new(1).with_threshold(0.5)?.timed(1e-3, 0)?.with_add_events(true);
/// let spikes_in = TsEvent::new(vec![0.5e-3, 0.6e-3], vec![0, 0], 0.0, 4e-3)?;
/// let ev = net.evolve(&spikes_in, Duration::Inferred, true)?;
/// assert!(ev.output.as_events().is_some_and(|out| out.t_stop() == 4e-3));
/// assert!(ev.record.get("vmem").is_some());
/// # Ok::<(), littoral_functional::Error>(())
/// ```
#[doc(alias = "TimedModuleWrapper")]
#[derive(Clone, Debug)]
pub struct Timed {
    module: Arc<dyn Module>,
    tree: Tree,
    seed: u64,
    dt: f64,
    step: u64,
    add_events: bool,
}

/// Every `dt` SimulationParameter in the tree (path, value).
fn module_dts(tree: &Tree) -> Vec<(String, f64)> {
    tree.leaves()
        .into_iter()
        .filter(|(path, leaf)| {
            leaf.kind == Kind::SimulationParameter && path.rsplit('.').next() == Some("dt")
        })
        .filter_map(|(path, leaf)| match &leaf.value {
            Value::F64(a) if a.len() == 1 => Some((path, a.data()[0])),
            _ => None,
        })
        .collect()
}

fn check_dt(dt: f64, tree: &Tree) -> Result<()> {
    if !(dt.is_finite() && dt > 0.0) {
        return Err(littoral_core::Error::invalid(
            "dt",
            format!("must be finite and positive, found {dt}"),
        )
        .into());
    }
    for (path, module_dt) in module_dts(tree) {
        if (module_dt - dt).abs() > 1e-12 * module_dt.abs().max(dt.abs()) {
            return Err(littoral_core::Error::invalid(
                path,
                format!(
                    "the module steps with dt = {module_dt} s but the timed wrapper was asked \
                     for dt = {dt} s; build the module with that dt (e.g. `with_dt({dt})`) or \
                     pass dt = {module_dt} (Rockpool silently ignores the wrapper's dt)"
                ),
            )
            .into());
        }
    }
    Ok(())
}

impl Timed {
    /// Wrap `module`, initialised from `seed`, with time step `dt` and the clock at 0.
    ///
    /// # Errors
    /// A non-positive or non-finite `dt`, or a module whose own `dt` SimulationParameters
    /// (at any depth) differ from `dt`.
    pub fn new(module: Arc<dyn Module>, dt: f64, seed: u64) -> Result<Self> {
        let tree = module.init(seed);
        Timed::from_parts(module, tree, dt, 0, seed)
    }

    /// Rebuild a wrapper from its state: the module, its tree, `dt`, the step counter and
    /// the seed used by resets (what a snapshot holds).
    ///
    /// # Errors
    /// As [`Timed::new`], and parameters that do not fit the module.
    pub fn from_parts(
        module: Arc<dyn Module>,
        tree: Tree,
        dt: f64,
        step: u64,
        seed: u64,
    ) -> Result<Self> {
        module.check_params(&tree)?;
        check_dt(dt, &tree)?;
        Ok(Timed {
            module,
            tree,
            seed,
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
        &self.module
    }

    /// The tree: parameters, simulation parameters and the current state.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// The current state (Rockpool's `state()`).
    pub fn state(&self) -> Tree {
        self.tree.state(Families::all())
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
        self.seed
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
                    exact_steps(remaining, self.dt)?
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
        let size_in = self.module.size_in();
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
        let ev = self.module.evolve(&self.tree, &self.tree, &x, record)?;
        let output = ev.output.index_axis0(0)?;
        let output = if self.module.spiking_output() {
            TimeSeries::Events(self.events(&output, "Output events")?)
        } else {
            TimeSeries::Continuous(self.continuous(output, "Output samples")?)
        };
        let record = self.record_series(&ev.record)?;
        self.tree = self.tree.merged(&ev.state);
        self.step += n as u64;
        Ok(TimedEvolution {
            output,
            state: ev.state,
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
        self.tree = self.module.reset_state(&self.tree, self.seed);
        self
    }

    /// Rockpool's `reset_all()`: state and clock.
    pub fn reset_all(&mut self) -> &mut Self {
        self.reset_state().reset_time()
    }
}

/// `module.timed(dt, seed)`: wrap a module (any [`Module`], or an `Arc<dyn Module>`) in
/// a [`Timed`] wrapper initialised from `seed`.
///
/// Unlike Rockpool, `dt` is not ignored when the module has its own `dt`: the two must
/// agree, or this is an error.
///
/// ```
/// use littoral_functional::timeseries::timed::TimedExt;
/// use littoral_nets::Lif;
/// assert!(Lif::new(3).timed(1e-3, 0).is_ok());
/// assert!(Lif::new(3).timed(1e-4, 0).is_err());           // LIF's dt is 1e-3
/// assert!(Lif::new(3).with_dt(1e-4)?.timed(1e-4, 0).is_ok());
/// let shared: std::sync::Arc<dyn littoral_core::Module> = std::sync::Arc::new(Lif::new(3));
/// assert!(shared.timed(1e-3, 0).is_ok());
/// # Ok::<(), littoral_functional::Error>(())
/// ```
pub trait TimedExt<Marker = marker::OwnedModule> {
    /// Wrap in a [`Timed`] with time step `dt`, initialised from `seed`.
    ///
    /// # Errors
    /// As [`Timed::new`].
    fn timed(self, dt: f64, seed: u64) -> Result<Timed>;
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
    fn timed(self, dt: f64, seed: u64) -> Result<Timed> {
        Timed::new(Arc::new(self), dt, seed)
    }
}

impl TimedExt<marker::SharedModule> for Arc<dyn Module> {
    fn timed(self, dt: f64, seed: u64) -> Result<Timed> {
        Timed::new(self, dt, seed)
    }
}
