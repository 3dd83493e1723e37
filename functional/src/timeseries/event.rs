//! `TsEvent`: events (spikes) as times and channels, with Rockpool's raster rules.

use super::{bin_index, check_dt, check_finite, check_times, extend_periodic, num_bins};
use littoral_core::array::{Array, format_shape};
use littoral_core::error::{Error, Result};

/// Where a raster ends (Rockpool's mutually exclusive `t_stop` and `num_timesteps`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum RasterStop {
    /// At the series' own `t_stop`.
    #[default]
    SeriesStop,
    /// At this time: `T = ceil((t_stop − t_start)/dt)` bins; events at or after it are
    /// left out.
    At(f64),
    /// Exactly this many bins (`t_stop = t_start + T·dt`). Rockpool computes `T` back from
    /// that `t_stop` and can return one bin more; Littoral returns exactly `T`.
    Steps(usize),
}

/// Options of [`TsEvent::raster`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RasterOptions {
    /// Start of the first bin; the series' `t_start` when `None`.
    pub t_start: Option<f64>,
    /// End of the raster.
    pub stop: RasterStop,
    /// The channels that become columns, in order; `0..num_channels` when `None`. Channels
    /// the series does not have give empty columns.
    pub channels: Option<Vec<usize>>,
    /// Count events (`true`), or mark bins with at least one event as 1 (`false`,
    /// Rockpool's default boolean raster).
    pub add_events: bool,
}

/// An event time series (Rockpool's `TSEvent`): event times, their channels, a range
/// `[t_start, t_stop)` and a channel count.
///
/// Invariants, checked by every constructor: times finite, non-negative, sorted
/// (non-decreasing), within `[t_start, t_stop)` (an event at `t_stop` is an error, as in
/// Rockpool), channels below `num_channels`.
///
/// ```
/// use littoral_functional::timeseries::{RasterOptions, TsEvent};
/// let ev = TsEvent::new(vec![0.5e-3, 1.2e-3, 1.3e-3, 3.1e-3], vec![0, 1, 1, 0], 0.0, 5e-3)?;
/// let raster = ev.raster(1e-3, &RasterOptions::default())?;
/// assert_eq!(raster.shape(), &[5, 2]);
/// assert_eq!(raster.data(), &[1., 0., 0., 1., 0., 0., 1., 0., 0., 0.]);
/// assert!(TsEvent::new(vec![1.0], vec![0], 0.0, 1.0).is_err());   // event at t_stop
/// # Ok::<(), littoral_core::Error>(())
/// ```
#[doc(alias = "TSEvent")]
#[derive(Clone, Debug, PartialEq)]
pub struct TsEvent {
    times: Vec<f64>,
    channels: Vec<usize>,
    t_start: f64,
    t_stop: f64,
    num_channels: usize,
    periodic: bool,
    name: String,
}

fn check_range(t_start: f64, t_stop: f64) -> Result<()> {
    check_finite("t_start", t_start)?;
    check_finite("t_stop", t_stop)?;
    if t_start < 0.0 {
        return Err(Error::invalid(
            "t_start",
            format!("event times are non-negative, found t_start = {t_start}"),
        ));
    }
    if t_stop < t_start {
        return Err(Error::invalid(
            "t_stop",
            format!("must not be before t_start ({t_start}), found {t_stop}"),
        ));
    }
    Ok(())
}

impl TsEvent {
    /// Events at `times` (sorted, seconds) on `channels` (one per event) in
    /// `[t_start, t_stop)`, named `"unnamed"`, with `num_channels = max(channel) + 1`
    /// (0 without events; see [`TsEvent::with_num_channels`]).
    ///
    /// # Errors
    /// [`Error::NonFinite`] for a non-finite time or bound; [`Error::Invalid`] at `times`
    /// for unsorted or negative times, or events before `t_start` or at/after `t_stop`; at
    /// `channels` when its length differs from `times`; at `t_start`/`t_stop` for a
    /// negative start or `t_stop < t_start`.
    pub fn new(times: Vec<f64>, channels: Vec<usize>, t_start: f64, t_stop: f64) -> Result<Self> {
        check_range(t_start, t_stop)?;
        check_times("times", &times)?;
        if let (Some(&first), Some(&last)) = (times.first(), times.last()) {
            if first < 0.0 {
                return Err(Error::invalid(
                    "times",
                    format!("event times must be non-negative, found {first}"),
                ));
            }
            if first < t_start {
                return Err(Error::invalid(
                    "times",
                    format!("event at {first} is before t_start ({t_start})"),
                ));
            }
            if last >= t_stop {
                return Err(Error::invalid(
                    "times",
                    format!(
                        "event at {last} is at or after t_stop ({t_stop}); t_stop must be \
                         strictly greater than every event time"
                    ),
                ));
            }
        }
        if channels.len() != times.len() {
            return Err(Error::invalid(
                "channels",
                format!(
                    "one channel per event: {} times but {} channels",
                    times.len(),
                    channels.len()
                ),
            ));
        }
        let num_channels = channels.iter().max().map_or(0, |&c| c + 1);
        Ok(TsEvent {
            times,
            channels,
            t_start,
            t_stop,
            num_channels,
            periodic: false,
            name: "unnamed".into(),
        })
    }

    /// No events over `[t_start, t_stop)`, with `num_channels` channels.
    ///
    /// # Errors
    /// As [`TsEvent::new`].
    pub fn empty(t_start: f64, t_stop: f64, num_channels: usize) -> Result<Self> {
        TsEvent::new(Vec::new(), Vec::new(), t_start, t_stop)?.with_num_channels(num_channels)
    }

    /// The same events with `num_channels` channels.
    ///
    /// # Errors
    /// [`Error::Invalid`] at `num_channels` when an event's channel is not below it.
    pub fn with_num_channels(mut self, num_channels: usize) -> Result<Self> {
        if let Some(&max) = self.channels.iter().max()
            && max >= num_channels
        {
            return Err(Error::invalid(
                "num_channels",
                format!("must be greater than the highest channel ({max}), found {num_channels}"),
            ));
        }
        self.num_channels = num_channels;
        Ok(self)
    }

    series_methods! {
        /// The same events, periodic or not: a periodic series repeats with period
        /// `t_stop − t_start` wherever it is read ([`TsEvent::events_in`], rasters).
    }

    /// Event times.
    pub fn times(&self) -> &[f64] {
        &self.times
    }

    /// Event channels.
    pub fn channels(&self) -> &[usize] {
        &self.channels
    }

    /// Number of channels.
    pub fn num_channels(&self) -> usize {
        self.num_channels
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// True when there is no event.
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// The events in `[t_start, t_stop)` as `(time, channel)`, in time order (Rockpool's
    /// `ts(t_start, t_stop)`); a periodic series is unrolled over the interval.
    pub fn events_in(&self, t_start: f64, t_stop: f64) -> Vec<(f64, usize)> {
        let all: Vec<(f64, usize)> = if self.periodic {
            extend_periodic(&self.times, self.t_start, self.t_stop, t_start, t_stop)
                .into_iter()
                .map(|(t, i)| (t, self.channels[i]))
                .collect()
        } else {
            self.times
                .iter()
                .copied()
                .zip(self.channels.iter().copied())
                .collect()
        };
        all.into_iter()
            .filter(|&(t, _)| t >= t_start && t < t_stop)
            .collect()
    }

    /// Rockpool's `clip(t_start, t_stop)`: the events in `[t_start, t_stop)` over exactly
    /// that range, same channel count. A periodic series is unrolled; the result is not
    /// periodic.
    ///
    /// # Errors
    /// Invalid limits (non-finite, negative, `t_stop < t_start`).
    pub fn clip(&self, t_start: f64, t_stop: f64) -> Result<Self> {
        check_range(t_start, t_stop)?;
        let (times, channels) = self.events_in(t_start, t_stop).into_iter().unzip();
        Ok(TsEvent {
            times,
            channels,
            t_start,
            t_stop,
            num_channels: self.num_channels,
            periodic: false,
            name: self.name.clone(),
        })
    }

    /// Rockpool's `delay(offset)`: every time and both limits shifted by `offset`.
    ///
    /// # Errors
    /// A non-finite offset, or a shift that makes a time negative.
    pub fn delay(&self, offset: f64) -> Result<Self> {
        check_finite("offset", offset)?;
        let times = self.times.iter().map(|&t| t + offset).collect();
        let shifted = TsEvent::new(
            times,
            self.channels.clone(),
            self.t_start + offset,
            self.t_stop + offset,
        )?;
        Ok(TsEvent {
            num_channels: self.num_channels,
            periodic: self.periodic,
            name: self.name.clone(),
            ..shifted
        })
    }

    /// Rockpool's `merge`: the events of both series, in time order (stable: this series'
    /// events first on equal times), over the union of the ranges, with the larger channel
    /// count.
    ///
    /// # Errors
    /// None in practice (the result is validated).
    pub fn merge(&self, other: &TsEvent) -> Result<Self> {
        let mut events: Vec<(f64, usize)> = Vec::with_capacity(self.len() + other.len());
        let (mut i, mut j) = (0, 0);
        while i < self.len() || j < other.len() {
            let take_self = match (self.times.get(i), other.times.get(j)) {
                (Some(&a), Some(&b)) => a <= b,
                (Some(_), None) => true,
                _ => false,
            };
            if take_self {
                events.push((self.times[i], self.channels[i]));
                i += 1;
            } else {
                events.push((other.times[j], other.channels[j]));
                j += 1;
            }
        }
        let (times, channels) = events.into_iter().unzip();
        let merged = TsEvent::new(
            times,
            channels,
            self.t_start.min(other.t_start),
            self.t_stop.max(other.t_stop),
        )?;
        Ok(TsEvent {
            num_channels: self.num_channels.max(other.num_channels),
            periodic: self.periodic,
            name: self.name.clone(),
            ..merged
        })
    }

    /// Rockpool's `append_c`: `other`'s channels numbered after these
    /// (`channel + self.num_channels`).
    ///
    /// # Errors
    /// As [`TsEvent::merge`].
    pub fn append_c(&self, other: &TsEvent) -> Result<Self> {
        let shifted = TsEvent {
            channels: other
                .channels
                .iter()
                .map(|&c| c + self.num_channels)
                .collect(),
            num_channels: other.num_channels + self.num_channels,
            ..other.clone()
        };
        self.merge(&shifted)
    }

    /// Rockpool's `append_t`: `other` delayed to start `offset` after this series'
    /// `t_stop` (Rockpool's default offset is 0), then merged.
    ///
    /// ```
    /// use littoral_functional::timeseries::TsEvent;
    /// let a = TsEvent::new(vec![0.5], vec![0], 0.0, 1.0)?;
    /// let aa = a.append_t(&a, 0.0)?;
    /// assert_eq!(aa.times(), &[0.5, 1.5]);
    /// assert_eq!(aa.t_stop(), 2.0);
    /// # Ok::<(), littoral_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// A non-finite offset, or one that moves `other` before time 0.
    pub fn append_t(&self, other: &TsEvent, offset: f64) -> Result<Self> {
        check_finite("offset", offset)?;
        self.merge(&other.delay(offset + self.t_stop - other.t_start)?)
    }

    /// Rockpool's `raster(dt, …)`: a `(T, C)` array of 0/1 (or counts with `add_events`).
    ///
    /// Bin `i` is `[t_start + i·dt, t_start + (i+1)·dt)`; an event at `t` is in bin
    /// `floor((t − t_start)/dt)`; `T = ceil((t_stop − t_start)/dt)`, or
    /// [`RasterStop::Steps`]; events before `t_start` or at/after the raster's `t_stop` are
    /// left out. Ratios within floating-point error (a few ulps of `t/dt`) of a whole number
    /// count as that number, so
    /// `t_stop = 1.1, dt = 0.1` gives 11 bins, not 12, and an event at `0.3` with
    /// `dt = 0.1` is in bin 3, not 2 (see [`super::num_bins`], [`super::bin_index`]).
    ///
    /// ```
    /// use littoral_functional::timeseries::{RasterOptions, TsEvent};
    /// let ev = TsEvent::new(vec![0.0, 30.0], vec![0, 0], 0.0, 31.0)?.with_num_channels(4)?;
    /// assert_eq!(ev.raster(1.0, &RasterOptions::default())?.shape(), &[31, 4]);
    /// # Ok::<(), littoral_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// A non-positive or non-finite `dt`, a non-finite or negative `t_start`, a raster
    /// `t_stop` before its `t_start`, or a raster too large to allocate.
    pub fn raster(&self, dt: f64, options: &RasterOptions) -> Result<Array<f64>> {
        check_dt(dt)?;
        let t0 = options.t_start.unwrap_or(self.t_start);
        check_finite("t_start", t0)?;
        let (t1, steps) = match options.stop {
            RasterStop::SeriesStop => (self.t_stop, None),
            RasterStop::At(t) => (t, None),
            RasterStop::Steps(n) => (t0 + n as f64 * dt, Some(n)),
        };
        check_range(t0, t1)?;
        let steps = steps.unwrap_or_else(|| num_bins(t0, t1, dt));
        let default_channels: Vec<usize>;
        let channels = match &options.channels {
            Some(c) => c.as_slice(),
            None => {
                default_channels = (0..self.num_channels).collect();
                &default_channels
            }
        };
        let c = channels.len();
        let size = steps.checked_mul(c).ok_or_else(|| {
            Error::invalid("dt", format!("a raster of {steps} × {c} bins is too large"))
        })?;
        let mut data: Vec<f64> = Vec::new();
        data.try_reserve_exact(size).map_err(|_| {
            Error::invalid("dt", format!("a raster of {steps} × {c} bins is too large"))
        })?;
        data.resize(size, 0.0);
        // Columns of each channel of this series (a channel may be listed more than once).
        let mut columns: Vec<Vec<usize>> = vec![Vec::new(); self.num_channels];
        for (col, &ch) in channels.iter().enumerate() {
            if let Some(cols) = columns.get_mut(ch) {
                cols.push(col);
            }
        }
        for (t, ch) in self.events_in(t0, t1) {
            let Some(i) = bin_index(t, t0, dt).filter(|&i| i < steps) else {
                continue;
            };
            for &col in columns.get(ch).map_or(&[][..], Vec::as_slice) {
                let cell = &mut data[i * c + col];
                *cell = if options.add_events { *cell + 1.0 } else { 1.0 };
            }
        }
        Array::from_shape_vec(vec![steps, c], data)
    }

    /// Rockpool's `from_raster`: the events of a `(T, C)` raster (or `(T,)`, one channel)
    /// of non-negative whole counts; a count of `k` gives `k` events. Events are at bin
    /// midpoints `t_start + i·dt + dt/2`, or at bin starts with `spikes_at_bin_start`;
    /// `t_stop = T·dt + t_start`; `num_channels = C`.
    ///
    /// ```
    /// use littoral_core::Array;
    /// use littoral_functional::timeseries::TsEvent;
    /// let raster = Array::from_rows(&[vec![0.0, 1.0], vec![2.0, 0.0], vec![0.0, 0.0]])?;
    /// let ev = TsEvent::from_raster(&raster, 1e-3, 0.0, false)?;
    /// assert_eq!(ev.times(), &[0.0005, 0.0015, 0.0015]);
    /// assert_eq!(ev.channels(), &[1, 0, 0]);
    /// assert_eq!(ev.t_stop(), 0.003);
    /// # Ok::<(), littoral_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Shape`] for a raster that is not 1- or 2-D; [`Error::Invalid`] at `raster`
    /// for a negative, fractional or non-finite count (Rockpool truncates to int); invalid
    /// `dt` or `t_start`.
    pub fn from_raster(
        raster: &Array<f64>,
        dt: f64,
        t_start: f64,
        spikes_at_bin_start: bool,
    ) -> Result<Self> {
        check_dt(dt)?;
        check_finite("t_start", t_start)?;
        let (t, c) = match *raster.shape() {
            [t] => (t, 1),
            [t, c] => (t, c),
            _ => {
                return Err(Error::Shape {
                    path: "raster".into(),
                    expected: "(T, C) or (T,)".into(),
                    found: format_shape(raster.shape()),
                });
            }
        };
        let half = if spikes_at_bin_start { 0.0 } else { dt / 2.0 };
        let mut times = Vec::new();
        let mut channels = Vec::new();
        for (flat, &v) in raster.data().iter().enumerate() {
            if !(v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= f64::from(u32::MAX)) {
                return Err(Error::invalid(
                    "raster",
                    format!(
                        "event counts must be whole numbers in [0, 2^32), found {v} at flat \
                         index {flat}"
                    ),
                ));
            }
            if v > 0.0 {
                let (i, ch) = (flat / c, flat % c);
                let time = i as f64 * dt + t_start + half;
                for _ in 0..v as u64 {
                    times.push(time);
                    channels.push(ch);
                }
            }
        }
        let t_stop = t as f64 * dt + t_start;
        TsEvent::new(times, channels, t_start, t_stop)?.with_num_channels(c)
    }
}
