//! Time series: Rockpool's `TSContinuous` and `TSEvent` as validated values.
//!
//! - [`TsContinuous`]: sampled signals, times `(T,)` and samples `(T, C)`, sampled with
//!   sample-and-hold ([`Interp::Previous`], Rockpool's default) or linear interpolation.
//! - [`TsEvent`]: events (spikes) as times and channels, rasterised with Rockpool's bin rules
//!   ([`TsEvent::raster`]) and built from rasters ([`TsEvent::from_raster`]).
//! - [`TimeSeries`]: either one (what a file or a record holds).
//! - [`timed`]: Rockpool's high-level API (`module.timed()`), evolving on time series with
//!   a clock; [`npz`] saves and loads time series as Rockpool `.npz` files; [`plot`] draws
//!   them to PNG.
//!
//! Every constructor validates: times are finite and sorted, samples are finite, events lie
//! in `[t_start, t_stop)`. Every operation returns a new series. Where Rockpool is silent or
//! warns, Littoral returns an [`Error`] naming the argument (`times`,
//! `samples`, `t_stop`, …). `docs/timeseries.md` lists the Rockpool pitfalls this removes.
//!
//! ```
//! use littoral_core::Array;
//! use littoral_functional::timeseries::{RasterOptions, TsContinuous, TsEvent};
//! // A clocked signal: samples at 0, 0.1; t_stop = 0.2 (one dt after the last sample).
//! let ts = TsContinuous::from_clocked(Array::from_rows(&[vec![1.0, 2.0], vec![3.0, 4.0]])?, 0.1, 0.0)?;
//! assert_eq!(ts.sample(&[0.05, 0.15])?.data(), &[1.0, 2.0, 3.0, 4.0]);
//! // Spikes on two channels, rasterised in 1 ms bins.
//! let ev = TsEvent::new(vec![0.0005, 0.0012, 0.0013], vec![0, 1, 1], 0.0, 0.003)?;
//! let counts = ev.raster(1e-3, &RasterOptions { add_events: true, ..Default::default() })?;
//! assert_eq!(counts.data(), &[1.0, 0.0, 0.0, 2.0, 0.0, 0.0]);
//! # Ok::<(), littoral_core::Error>(())
//! ```

/// The methods both series types have on their `name`, `periodic`, `t_start` and
/// `t_stop` fields: `with_name`, `with_periodic`, `t_start`, `t_stop`, `duration`,
/// `periodic` and `name`. The doc comments given are `with_periodic`'s, which says what
/// periodic means for the type.
macro_rules! series_methods {
    ($(#[doc = $doc:literal])*) => {
        /// The same series with another name.
        #[must_use]
        pub fn with_name(mut self, name: impl Into<String>) -> Self {
            self.name = name.into();
            self
        }

        $(#[doc = $doc])*
        #[must_use]
        pub fn with_periodic(mut self, periodic: bool) -> Self {
            self.periodic = periodic;
            self
        }

        /// Start time.
        pub fn t_start(&self) -> f64 {
            self.t_start
        }

        /// Stop time (an event series' events are all strictly before it).
        pub fn t_stop(&self) -> f64 {
            self.t_stop
        }

        /// `t_stop − t_start`.
        pub fn duration(&self) -> f64 {
            self.t_stop - self.t_start
        }

        /// Whether the series is periodic.
        pub fn periodic(&self) -> bool {
            self.periodic
        }

        /// The name (`"unnamed"` by default).
        pub fn name(&self) -> &str {
            &self.name
        }
    };
}

mod continuous;
mod event;
pub mod npz;
pub mod plot;
pub mod timed;

pub use continuous::{BeyondRange, Interp, Operand, SampleOptions, TsContinuous};
pub use event::{RasterOptions, RasterStop, TsEvent};

use littoral_core::error::{Error, Result};

/// Rockpool's absolute time tolerance (`_TOLERANCE_ABSOLUTE`, seconds): sampling times this
/// close outside a series' range are snapped onto it.
pub const TOLERANCE_ABSOLUTE: f64 = 1e-9;

/// Rockpool's relative time tolerance (`_TOLERANCE_RELATIVE`, of a series' duration).
pub const TOLERANCE_RELATIVE: f64 = 1e-6;

/// How many units in the last place of `t/dt` a ratio of times may be off a whole number
/// and still count as that whole number of bins.
///
/// Used by [`num_bins`], [`bin_index`] and [`exact_steps`]: `(t_stop − t_start)/dt` is
/// `11.000000000000002` for `t_stop = 1.1, dt = 0.1`, and Rockpool's `ceil` then makes a
/// twelfth, empty bin. Littoral treats such ratios as the whole number they round to when
/// they are within the floating-point error of computing them: a few ulps of `t/dt`, where
/// `t` is the largest time involved (the subtraction `t − t_start` is exact only to an ulp
/// of `t`). An event 5 ns before a bin edge at 10⁶ bins of 1 ms stays in its bin.
pub const BIN_TOLERANCE_ULPS: f64 = 8.0;

/// The whole number `x` rounds to, when `x` is within [`BIN_TOLERANCE_ULPS`] ulps of
/// `scale` (the magnitude of the times divided by `dt`) of it.
fn near_integer(x: f64, scale: f64) -> Option<f64> {
    let r = x.round();
    let tolerance = BIN_TOLERANCE_ULPS * f64::EPSILON * scale.abs().max(x.abs()).max(1.0);
    ((x - r).abs() <= tolerance).then_some(r)
}

/// Rockpool's number of raster bins, `ceil((t_stop − t_start)/dt)`, with ratios within
/// floating-point error of a whole number ([`BIN_TOLERANCE_ULPS`]) taken as that number.
///
/// ```
/// use littoral_functional::timeseries::num_bins;
/// assert_eq!(num_bins(0.0, 2.0, 0.9), 3);
/// assert_eq!(num_bins(0.0, 2.0, 1.1), 2);
/// assert_eq!(num_bins(0.0, 1.1, 0.1), 11);   // Rockpool's ceil gives 12 here
/// ```
pub fn num_bins(t_start: f64, t_stop: f64, dt: f64) -> usize {
    let x = (t_stop - t_start) / dt;
    if x.is_nan() || x <= 0.0 {
        return 0;
    }
    let n = near_integer(x, t_start.abs().max(t_stop.abs()) / dt).unwrap_or_else(|| x.ceil());
    float_to_usize(n)
}

/// Rockpool's bin of an event at `t`, `floor((t − t_start)/dt)`, with ratios within
/// floating-point error of a whole number ([`BIN_TOLERANCE_ULPS`]) taken as that number (an
/// event at `0.3` with `dt = 0.1` is in bin 3, where Rockpool's `floor(2.9999999999999996)`
/// puts it in bin 2). `None` for events before `t_start`.
///
/// ```
/// use littoral_functional::timeseries::bin_index;
/// assert_eq!(bin_index(0.0012, 0.0, 1e-3), Some(1));
/// assert_eq!(bin_index(0.3, 0.0, 0.1), Some(3));
/// // 5 ns before the edge of bin 10⁶ (1 ms bins) is still in bin 999 999.
/// assert_eq!(bin_index(1000.0 - 5e-9, 0.0, 1e-3), Some(999_999));
/// ```
pub fn bin_index(t: f64, t_start: f64, dt: f64) -> Option<usize> {
    let x = (t - t_start) / dt;
    let i = near_integer(x, t.abs().max(t_start.abs()) / dt).unwrap_or_else(|| x.floor());
    (i >= 0.0).then(|| float_to_usize(i))
}

/// The number of steps of `dt` in `duration`, which must be a whole number (within
/// floating-point error, [`BIN_TOLERANCE_ULPS`]). Rockpool floors `(duration + 1e-6)/dt`
/// silently; a duration that is not a multiple of `dt` is an error here.
///
/// ```
/// use littoral_functional::timeseries::exact_steps;
/// assert_eq!(exact_steps(0.3, 0.1)?, 3);
/// assert!(exact_steps(0.25, 0.1).is_err());
/// # Ok::<(), littoral_core::Error>(())
/// ```
///
/// # Errors
/// [`Error::Invalid`] at `duration` for a negative or non-finite duration or one that is
/// not a whole number of steps; at `dt` for a non-positive or non-finite `dt`.
pub fn exact_steps(duration: f64, dt: f64) -> Result<usize> {
    steps_between(0.0, duration, dt)
}

/// [`exact_steps`] for the duration `t_stop − t_from`, whose floating-point error is that of
/// the larger time.
pub(crate) fn steps_between(t_from: f64, t_stop: f64, dt: f64) -> Result<usize> {
    check_dt(dt)?;
    let duration = t_stop - t_from;
    if !duration.is_finite() || duration < 0.0 {
        return Err(Error::invalid(
            "duration",
            format!("must be finite and non-negative, found {duration}"),
        ));
    }
    let x = duration / dt;
    match near_integer(x, t_from.abs().max(t_stop.abs()) / dt) {
        Some(n) => Ok(float_to_usize(n)),
        None => Err(Error::invalid(
            "duration",
            format!(
                "{duration} s is {x} steps of dt = {dt} s, not a whole number (Rockpool would \
                 silently evolve {} steps); pass a multiple of dt or a number of steps",
                (x + 1e-6 / dt).floor()
            ),
        )),
    }
}

/// Check a bin width / time step: finite and positive.
pub(crate) fn check_dt(dt: f64) -> Result<()> {
    if dt.is_finite() && dt > 0.0 {
        Ok(())
    } else {
        Err(Error::invalid(
            "dt",
            format!("must be finite and positive, found {dt}"),
        ))
    }
}

/// Check that a time is finite.
pub(crate) fn check_finite(path: &str, t: f64) -> Result<()> {
    if t.is_finite() {
        Ok(())
    } else {
        Err(Error::NonFinite {
            path: path.to_string(),
            index: 0,
            value: t,
        })
    }
}

/// Check a time vector: every element finite, non-decreasing.
pub(crate) fn check_times(path: &str, times: &[f64]) -> Result<()> {
    if let Some((index, &value)) = times.iter().enumerate().find(|(_, t)| !t.is_finite()) {
        return Err(Error::NonFinite {
            path: path.to_string(),
            index,
            value,
        });
    }
    if let Some(i) = times.windows(2).position(|w| w[1] < w[0]) {
        return Err(Error::invalid(
            path,
            format!(
                "must be sorted (non-decreasing): element {} ({}) is before element {} ({})",
                i + 1,
                times[i + 1],
                i,
                times[i]
            ),
        ));
    }
    Ok(())
}

/// A non-negative whole float as `usize` (saturating; callers pass whole numbers).
fn float_to_usize(x: f64) -> usize {
    if x <= 0.0 {
        0
    } else if x >= usize::MAX as f64 {
        usize::MAX
    } else {
        x as usize
    }
}

/// Rockpool's `_extend_periodic_times`: the times of a periodic series repeated over
/// enough periods to cover `[t_start, t_stop]`, with the period index of each.
pub(crate) fn extend_periodic(
    times: &[f64],
    series_start: f64,
    series_stop: f64,
    t_start: f64,
    t_stop: f64,
) -> Vec<(f64, usize)> {
    let duration = series_stop - series_start;
    if duration.is_nan() || duration <= 0.0 {
        return times.iter().enumerate().map(|(i, &t)| (t, i)).collect();
    }
    let after = if t_stop > series_stop {
        float_to_usize(((t_stop - series_start) / duration).ceil())
    } else {
        1
    };
    let before = if t_start < series_start {
        float_to_usize(((series_start - t_start) / duration).ceil())
    } else {
        0
    };
    let mut out = Vec::with_capacity((before + after) * times.len());
    for k in 0..before + after {
        let period = k as f64 - before as f64;
        for (i, &t) in times.iter().enumerate() {
            out.push((t + duration * period, i));
        }
    }
    out
}

/// A time series of either kind: what `.npz` files and timed records hold.
#[derive(Clone, Debug, PartialEq)]
pub enum TimeSeries {
    /// A continuous (sampled) series.
    Continuous(TsContinuous),
    /// An event series.
    Events(TsEvent),
}

impl TimeSeries {
    /// The continuous series, if this is one.
    pub fn as_continuous(&self) -> Option<&TsContinuous> {
        match self {
            TimeSeries::Continuous(ts) => Some(ts),
            TimeSeries::Events(_) => None,
        }
    }

    /// The event series, if this is one.
    pub fn as_events(&self) -> Option<&TsEvent> {
        match self {
            TimeSeries::Events(ts) => Some(ts),
            TimeSeries::Continuous(_) => None,
        }
    }

    /// The series' name.
    pub fn name(&self) -> &str {
        match self {
            TimeSeries::Continuous(ts) => ts.name(),
            TimeSeries::Events(ts) => ts.name(),
        }
    }

    /// Start time.
    pub fn t_start(&self) -> f64 {
        match self {
            TimeSeries::Continuous(ts) => ts.t_start(),
            TimeSeries::Events(ts) => ts.t_start(),
        }
    }

    /// Stop time.
    pub fn t_stop(&self) -> f64 {
        match self {
            TimeSeries::Continuous(ts) => ts.t_stop(),
            TimeSeries::Events(ts) => ts.t_stop(),
        }
    }

    /// Rockpool's class name: `"TSContinuous"` or `"TSEvent"`.
    pub fn type_name(&self) -> &'static str {
        match self {
            TimeSeries::Continuous(_) => "TSContinuous",
            TimeSeries::Events(_) => "TSEvent",
        }
    }
}

impl From<TsContinuous> for TimeSeries {
    fn from(ts: TsContinuous) -> Self {
        TimeSeries::Continuous(ts)
    }
}

impl From<TsEvent> for TimeSeries {
    fn from(ts: TsEvent) -> Self {
        TimeSeries::Events(ts)
    }
}
