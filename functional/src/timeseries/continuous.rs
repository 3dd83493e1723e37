//! `TsContinuous`: a sampled signal with sample-and-hold or linear interpolation.

use super::{
    TOLERANCE_ABSOLUTE, TOLERANCE_RELATIVE, check_dt, check_finite, check_times, extend_periodic,
};
use littoral_core::array::{Array, format_shape};
use littoral_core::error::{Error, Result};

/// How a [`TsContinuous`] is interpolated between its samples.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Interp {
    /// Sample-and-hold (Rockpool's default `interp_kind="previous"`): the value at `t` is
    /// the last sample at or before `t`, held up to `t_stop`.
    #[default]
    Previous,
    /// Linear interpolation between samples (`interp_kind="linear"`), defined from the
    /// first to the last sample time.
    Linear,
}

impl Interp {
    /// Rockpool's `interp_kind` string: `"previous"` or `"linear"`.
    ///
    /// ```
    /// use littoral_functional::timeseries::Interp;
    /// assert_eq!(Interp::Previous.rockpool_name(), "previous");
    /// assert_eq!(Interp::from_rockpool_name("linear"), Some(Interp::Linear));
    /// ```
    pub fn rockpool_name(self) -> &'static str {
        match self {
            Interp::Previous => "previous",
            Interp::Linear => "linear",
        }
    }

    /// Parse Rockpool's `interp_kind` (only `"previous"` and `"linear"` are supported).
    pub fn from_rockpool_name(name: &str) -> Option<Interp> {
        match name {
            "previous" => Some(Interp::Previous),
            "linear" => Some(Interp::Linear),
            _ => None,
        }
    }
}

/// What sampling does with a time outside the range a series can be sampled on
/// (`[first sample, t_stop]` for sample-and-hold, `[first sample, last sample]` for linear).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum BeyondRange {
    /// An error (Rockpool's default `beyond_range_exception=True`).
    #[default]
    Error,
    /// NaN for those times (Rockpool's `beyond_range_exception=False`).
    Nan,
    /// Hold the first or last value (clamp the time into range).
    Hold,
}

/// Options of [`TsContinuous::sample_with`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SampleOptions {
    /// What to do beyond the sampling range.
    pub beyond_range: BeyondRange,
    /// Snap times within `min(1e-9, 1e-6·duration)` outside the range onto it (Rockpool's
    /// `approx_limit_times`, on by default).
    pub approx_limit_times: bool,
}

impl Default for SampleOptions {
    fn default() -> Self {
        SampleOptions {
            beyond_range: BeyondRange::Error,
            approx_limit_times: true,
        }
    }
}

/// The right-hand side of [`TsContinuous`] arithmetic: a scalar, one value per channel, or
/// another series (sampled at this series' times, so it must cover them).
#[derive(Clone, Copy, Debug)]
pub enum Operand<'a> {
    /// The same value everywhere.
    Scalar(f64),
    /// One value per channel.
    Channels(&'a [f64]),
    /// Another series with the same number of channels, or one channel (broadcast).
    Series(&'a TsContinuous),
}

impl From<f64> for Operand<'_> {
    fn from(v: f64) -> Self {
        Operand::Scalar(v)
    }
}

impl<'a> From<&'a [f64]> for Operand<'a> {
    fn from(v: &'a [f64]) -> Self {
        Operand::Channels(v)
    }
}

impl<'a> From<&'a Vec<f64>> for Operand<'a> {
    fn from(v: &'a Vec<f64>) -> Self {
        Operand::Channels(v)
    }
}

impl<'a> From<&'a TsContinuous> for Operand<'a> {
    fn from(v: &'a TsContinuous) -> Self {
        Operand::Series(v)
    }
}

/// A continuous, sampled time series (Rockpool's `TSContinuous`): sample times `(T,)`,
/// samples `(T, C)`, a range `[t_start, t_stop]`, and an interpolation rule.
///
/// Invariants, checked by every constructor: times finite and non-decreasing, samples
/// finite, `t_start ≤ times[0]`, `times[T-1] ≤ t_stop`. Every method returns a new series.
///
/// ```
/// use littoral_core::Array;
/// use littoral_functional::timeseries::{Interp, TsContinuous};
/// let ts = TsContinuous::new(vec![0.0, 1.0, 2.0], Array::from_vec(vec![0.0, 10.0, 20.0]))?
///     .with_range(0.0, 3.0)?
///     .with_name("ramp");
/// assert_eq!(ts.sample(&[0.5, 2.5])?.data(), &[0.0, 20.0]);          // sample-and-hold
/// let lin = ts.clone().with_interp(Interp::Linear);
/// assert_eq!(lin.sample(&[0.5, 1.5])?.data(), &[5.0, 15.0]);
/// assert!(ts.sample(&[3.5]).is_err());                                  // beyond t_stop
/// let doubled = ts.mul(2.0)?.add(&ts)?;
/// assert_eq!(doubled.samples().data(), &[0.0, 30.0, 60.0]);
/// # Ok::<(), littoral_core::Error>(())
/// ```
#[doc(alias = "TSContinuous")]
#[derive(Clone, Debug, PartialEq)]
pub struct TsContinuous {
    times: Vec<f64>,
    samples: Array<f64>,
    t_start: f64,
    t_stop: f64,
    periodic: bool,
    name: String,
    interp: Interp,
}

/// Bring samples to `(T, C)`: `(T,)` is one channel.
fn to_2d(samples: Array<f64>, n_times: usize) -> Result<Array<f64>> {
    let shape = samples.shape().to_vec();
    let out = match shape[..] {
        [t, _] if t == n_times => samples,
        [t] if t == n_times => samples.reshape(vec![t, 1])?,
        [] if n_times == 1 => samples.reshape(vec![1, 1])?,
        _ => {
            return Err(Error::Shape {
                path: "samples".into(),
                expected: format!("({n_times}, C) or ({n_times},) (one row per sample time)"),
                found: format_shape(&shape),
            });
        }
    };
    if let Some((index, value)) = out.first_non_finite() {
        return Err(Error::NonFinite {
            path: "samples".into(),
            index,
            value,
        });
    }
    Ok(out)
}

impl TsContinuous {
    /// A series from sample times and samples `(T, C)` (or `(T,)` for one channel), with
    /// range `[times[0], times[T-1]]` (`[0, 0]` when empty), sample-and-hold, named
    /// `"unnamed"`. Use [`TsContinuous::with_range`] to set `t_start`/`t_stop`.
    ///
    /// # Errors
    /// [`Error::NonFinite`] for a NaN or infinite time (`times`) or sample (`samples`);
    /// [`Error::Invalid`] for unsorted times; [`Error::Shape`] when the samples do not have
    /// one row per time.
    pub fn new(times: Vec<f64>, samples: Array<f64>) -> Result<Self> {
        check_times("times", &times)?;
        let samples = to_2d(samples, times.len())?;
        let t_start = times.first().copied().unwrap_or(0.0);
        let t_stop = times.last().copied().unwrap_or(t_start);
        Ok(TsContinuous {
            times,
            samples,
            t_start,
            t_stop,
            periodic: false,
            name: "unnamed".into(),
            interp: Interp::Previous,
        })
    }

    /// An empty series with `num_channels` channels over `[t_start, t_stop]`.
    ///
    /// # Errors
    /// As [`TsContinuous::with_range`].
    pub fn empty(num_channels: usize, t_start: f64, t_stop: f64) -> Result<Self> {
        TsContinuous::new(Vec::new(), Array::zeros(vec![0, num_channels]))?
            .with_range(t_start, t_stop)
    }

    /// Rockpool's `from_clocked`: sample `i` of `samples` (`(T, C)` or `(T,)`) is at
    /// `i·dt + t_start`, and `t_stop` is one `dt` after the last sample, so the last sample
    /// is held for a full step. An empty `samples` gives an empty series with
    /// `t_stop = t_start` (Rockpool raises).
    ///
    /// ```
    /// use littoral_core::Array;
    /// use littoral_functional::timeseries::TsContinuous;
    /// let ts = TsContinuous::from_clocked(Array::from_rows(&[vec![1.0, 2.0], vec![3.0, 4.0]])?, 0.1, 0.0)?;
    /// assert_eq!(ts.times(), &[0.0, 0.1]);
    /// assert_eq!(ts.t_stop(), 0.2);
    /// assert_eq!(ts.sample(&[0.05, 0.1, 0.15])?.data(), &[1.0, 2.0, 3.0, 4.0, 3.0, 4.0]);
    /// # Ok::<(), littoral_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// A non-positive or non-finite `dt`, a non-finite `t_start`, non-finite samples, or
    /// samples that are not 1- or 2-dimensional.
    pub fn from_clocked(samples: Array<f64>, dt: f64, t_start: f64) -> Result<Self> {
        check_dt(dt)?;
        check_finite("t_start", t_start)?;
        let n = match samples.shape() {
            [] => {
                return Err(Error::Shape {
                    path: "samples".into(),
                    expected: "(T, C) or (T,)".into(),
                    found: "()".into(),
                });
            }
            s => s[0],
        };
        let times: Vec<f64> = (0..n).map(|i| i as f64 * dt + t_start).collect();
        let t_stop = times.last().map_or(t_start, |&t| t + dt);
        TsContinuous::new(times, samples)?.with_range(t_start, t_stop)
    }

    /// The same series over `[t_start, t_stop]`. `t_start` must not be after the first
    /// sample, nor `t_stop` before the last (values within 1e-9 s are snapped onto them, as
    /// Rockpool does).
    ///
    /// # Errors
    /// [`Error::NonFinite`] for a non-finite bound; [`Error::Invalid`] for a bound inside
    /// the samples or `t_start > t_stop`.
    pub fn with_range(mut self, t_start: f64, t_stop: f64) -> Result<Self> {
        check_finite("t_start", t_start)?;
        check_finite("t_stop", t_stop)?;
        let first = self.times.first().copied().unwrap_or(t_stop);
        let t_start = snap_bound(&self.name, "t_start", t_start, first, Side::AtMost)?;
        let last = self.times.last().copied().unwrap_or(t_start);
        let t_stop = snap_bound(&self.name, "t_stop", t_stop, last, Side::AtLeast)?;
        self.t_start = t_start;
        self.t_stop = t_stop;
        Ok(self)
    }

    series_methods! {
        /// The same series, periodic or not. A periodic series is sampled at times taken
        /// modulo its duration (`t_start + (t − t_start) mod (t_stop − t_start)`), so it can
        /// be sampled anywhere; the value at `t_stop` is the value at `t_start`.
    }

    /// The same series with another interpolation rule.
    #[must_use]
    pub fn with_interp(mut self, interp: Interp) -> Self {
        self.interp = interp;
        self
    }

    /// Sample times `(T,)`.
    pub fn times(&self) -> &[f64] {
        &self.times
    }

    /// Samples `(T, C)`.
    pub fn samples(&self) -> &Array<f64> {
        &self.samples
    }

    /// The interpolation rule.
    pub fn interp(&self) -> Interp {
        self.interp
    }

    /// Number of channels `C`.
    pub fn num_channels(&self) -> usize {
        self.samples.shape().get(1).copied().unwrap_or(0)
    }

    /// Number of samples `T`.
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// True when there is no sample.
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    fn row(&self, i: usize) -> &[f64] {
        let c = self.num_channels();
        &self.samples.data()[i * c..(i + 1) * c]
    }

    /// The interpolated value at `t` (inside the sampling range), appended to `out`.
    fn value_at(&self, t: f64, out: &mut Vec<f64>) {
        let n = self.times.len();
        match self.interp {
            Interp::Previous => {
                let i = self.times.partition_point(|&x| x <= t).saturating_sub(1);
                out.extend_from_slice(self.row(i));
            }
            Interp::Linear => {
                if n == 1 {
                    out.extend_from_slice(self.row(0));
                    return;
                }
                // scipy's interp1d: the interval of the first sample time >= t.
                let hi = self.times.partition_point(|&x| x < t).clamp(1, n - 1);
                let lo = hi - 1;
                let (x_lo, x_hi) = (self.times[lo], self.times[hi]);
                if x_hi == x_lo {
                    out.extend_from_slice(self.row(hi));
                    return;
                }
                for (&y_lo, &y_hi) in self.row(lo).iter().zip(self.row(hi)) {
                    let slope = (y_hi - y_lo) / (x_hi - x_lo);
                    out.push(slope * (t - x_lo) + y_lo);
                }
            }
        }
    }

    /// Sample at `times` (any order): an array `(len(times), C)`. Times outside the
    /// sampling range are an error; see [`TsContinuous::sample_with`].
    ///
    /// # Errors
    /// A non-finite time, a time beyond the range, or an empty series with channels.
    pub fn sample(&self, times: &[f64]) -> Result<Array<f64>> {
        self.sample_with(times, &SampleOptions::default())
    }

    /// Sample at `times`, holding the first or last value beyond the range.
    ///
    /// ```
    /// use littoral_core::Array;
    /// use littoral_functional::timeseries::TsContinuous;
    /// let ts = TsContinuous::new(vec![1.0, 2.0], Array::from_vec(vec![5.0, 7.0]))?;
    /// assert_eq!(ts.sample_clamped(&[0.0, 9.0])?.data(), &[5.0, 7.0]);
    /// # Ok::<(), littoral_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// A non-finite time, or an empty series with channels.
    pub fn sample_clamped(&self, times: &[f64]) -> Result<Array<f64>> {
        self.sample_with(
            times,
            &SampleOptions {
                beyond_range: BeyondRange::Hold,
                ..SampleOptions::default()
            },
        )
    }

    /// Sample at `times` with explicit options: Rockpool's `ts(times)`.
    ///
    /// A periodic series first takes times modulo its duration. Sample-and-hold is defined
    /// on `[times[0], t_stop]`, linear on `[times[0], times[T-1]]`; with
    /// `approx_limit_times`, times within `min(1e-9, 1e-6·duration)` outside are snapped in.
    ///
    /// # Errors
    /// [`Error::NonFinite`] for a non-finite time; [`Error::Invalid`] for a time beyond the
    /// range with [`BeyondRange::Error`], or for sampling a series that has channels but no
    /// sample.
    pub fn sample_with(&self, times: &[f64], options: &SampleOptions) -> Result<Array<f64>> {
        if let Some((index, &value)) = times.iter().enumerate().find(|(_, t)| !t.is_finite()) {
            return Err(Error::NonFinite {
                path: "times".into(),
                index,
                value,
            });
        }
        let c = self.num_channels();
        let n = self.times.len();
        if n == 0 {
            if c == 0 {
                return Ok(Array::zeros(vec![times.len(), 0]));
            }
            return Err(Error::invalid(
                "times",
                format!("series `{}` has no sample to sample from", self.name),
            ));
        }
        let duration = self.duration();
        let t_first = self.times[0];
        let t_last = match self.interp {
            Interp::Previous => self.t_stop,
            Interp::Linear => self.times[n - 1],
        };
        let tol = TOLERANCE_ABSOLUTE.min(TOLERANCE_RELATIVE * duration);
        let mut out = Vec::with_capacity(times.len() * c);
        for &t_req in times {
            let mut t = t_req;
            if self.periodic && duration > 0.0 {
                t = (t - self.t_start).rem_euclid(duration) + self.t_start;
            }
            if options.approx_limit_times {
                if t < t_first && t >= t_first - tol {
                    t = t_first;
                }
                if t > t_last && t <= t_last + tol {
                    t = t_last;
                }
            }
            if t < t_first || t > t_last {
                match options.beyond_range {
                    BeyondRange::Error => {
                        return Err(Error::invalid(
                            "times",
                            format!(
                                "series `{}`: time {t_req} is outside the range [{t_first}, \
                                 {t_last}] it can be sampled on; use a periodic series, \
                                 `sample_clamped`, or `sample_with` and `BeyondRange`",
                                self.name
                            ),
                        ));
                    }
                    BeyondRange::Nan => {
                        out.extend(std::iter::repeat_n(f64::NAN, c));
                        continue;
                    }
                    BeyondRange::Hold => t = t.clamp(t_first, t_last),
                }
            }
            self.value_at(t, &mut out);
        }
        Array::from_shape_vec(vec![times.len(), c], out)
    }

    /// A copy with `samples` (same shape rules as [`TsContinuous::new`]) and the same
    /// times, range, name and settings.
    fn with_samples(&self, samples: Array<f64>) -> Result<Self> {
        let samples = to_2d(samples, self.times.len())?;
        Ok(TsContinuous {
            samples,
            ..self.clone_meta()
        })
    }

    /// Everything but the samples (an empty `(0, 0)` placeholder).
    fn clone_meta(&self) -> Self {
        TsContinuous {
            times: self.times.clone(),
            samples: Array::zeros(vec![0, 0]),
            t_start: self.t_start,
            t_stop: self.t_stop,
            periodic: self.periodic,
            name: self.name.clone(),
            interp: self.interp,
        }
    }

    /// Rockpool's `clip(t_start, t_stop)`: the samples in `[t_start, t_stop]`, with samples
    /// added at both limits (so the clipped series has values there), over exactly that
    /// range. A periodic series is unrolled over the range; the result is not periodic
    /// (Rockpool keeps the flag, so the result would wrap at the clip length).
    ///
    /// ```
    /// use littoral_core::Array;
    /// use littoral_functional::timeseries::TsContinuous;
    /// let ts = TsContinuous::new(vec![0.0, 1.0, 2.0], Array::from_vec(vec![0.0, 10.0, 20.0]))?
    ///     .with_range(0.0, 3.0)?;
    /// let c = ts.clip(0.5, 2.5)?;
    /// assert_eq!(c.times(), &[0.5, 1.0, 2.0, 2.5]);
    /// assert_eq!(c.samples().data(), &[0.0, 10.0, 20.0, 20.0]);
    /// # Ok::<(), littoral_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// Non-finite limits, `t_start > t_stop`, or limits beyond a non-periodic series' range.
    pub fn clip(&self, t_start: f64, t_stop: f64) -> Result<Self> {
        check_finite("t_start", t_start)?;
        check_finite("t_stop", t_stop)?;
        if t_start > t_stop {
            return Err(Error::invalid(
                "t_stop",
                format!("must not be before t_start ({t_start}), found {t_stop}"),
            ));
        }
        let candidates: Vec<f64> = if self.periodic {
            extend_periodic(&self.times, self.t_start, self.t_stop, t_start, t_stop)
                .into_iter()
                .map(|(t, _)| t)
                .collect()
        } else {
            self.times.clone()
        };
        let mut times: Vec<f64> = candidates
            .into_iter()
            .filter(|&t| t >= t_start && t <= t_stop)
            .collect();
        if times.first().is_none_or(|&t| t > t_start) {
            times.insert(0, t_start);
        }
        if times.last().is_none_or(|&t| t < t_stop) {
            times.push(t_stop);
        }
        self.sampled_at(times, t_start, t_stop)
    }

    /// This series sampled at `times` (checked by the caller), over `[t_start, t_stop]`,
    /// not periodic.
    fn sampled_at(&self, times: Vec<f64>, t_start: f64, t_stop: f64) -> Result<Self> {
        let samples = self.sample(&times)?;
        Ok(TsContinuous {
            times,
            samples,
            t_start,
            t_stop,
            periodic: false,
            ..self.clone_meta()
        })
    }

    /// The listed channels, in order.
    ///
    /// # Errors
    /// [`Error::Invalid`] at `channels` for a channel `≥ C`.
    pub fn select_channels(&self, channels: &[usize]) -> Result<Self> {
        let c = self.num_channels();
        if let Some(&bad) = channels.iter().find(|&&ch| ch >= c) {
            return Err(Error::invalid(
                "channels",
                format!(
                    "series `{}` has {c} channels, found channel {bad}",
                    self.name
                ),
            ));
        }
        let mut data = Vec::with_capacity(self.len() * channels.len());
        for i in 0..self.len() {
            let row = self.row(i);
            data.extend(channels.iter().map(|&ch| row[ch]));
        }
        self.with_samples(Array::from_shape_vec(
            vec![self.len(), channels.len()],
            data,
        )?)
    }

    /// Rockpool's `resample(times)`: this series sampled at `times` (sorted), with range
    /// `[times[0], times[last]]`. The result is not periodic.
    ///
    /// # Errors
    /// Unsorted or non-finite times, or times beyond the range.
    pub fn resample(&self, times: &[f64]) -> Result<Self> {
        check_times("times", times)?;
        let (t_start, t_stop) = match (times.first(), times.last()) {
            (Some(&a), Some(&b)) => (a, b),
            _ => (self.t_start, self.t_stop),
        };
        self.sampled_at(times.to_vec(), t_start, t_stop)
    }

    /// Rockpool's `delay(offset)`: every time, `t_start` and `t_stop` shifted by `offset`.
    ///
    /// # Errors
    /// A non-finite offset or shifted time.
    pub fn delay(&self, offset: f64) -> Result<Self> {
        check_finite("offset", offset)?;
        let times: Vec<f64> = self.times.iter().map(|&t| t + offset).collect();
        check_times("times", &times)?;
        let (t_start, t_stop) = (self.t_start + offset, self.t_stop + offset);
        check_finite("t_start", t_start)?;
        check_finite("t_stop", t_stop)?;
        Ok(TsContinuous {
            times,
            samples: self.samples.clone(),
            t_start,
            t_stop,
            ..self.clone_meta()
        })
    }

    /// Rockpool's `start_at(t)`: delayed so that `t_start == t`.
    ///
    /// # Errors
    /// As [`TsContinuous::delay`].
    pub fn start_at(&self, t_start: f64) -> Result<Self> {
        check_finite("t_start", t_start)?;
        self.delay(t_start - self.t_start)
    }

    /// Rockpool's `start_at_zero()`.
    ///
    /// # Errors
    /// As [`TsContinuous::delay`].
    pub fn start_at_zero(&self) -> Result<Self> {
        self.start_at(0.0)
    }

    /// Rockpool's `append_c`: `other`'s channels added after these, sampled at this
    /// series' times.
    ///
    /// # Errors
    /// When `other` cannot be sampled at these times.
    pub fn append_c(&self, other: &TsContinuous) -> Result<Self> {
        let theirs = other.sample(&self.times)?;
        let (c1, c2) = (self.num_channels(), other.num_channels());
        let mut data = Vec::with_capacity(self.len() * (c1 + c2));
        for i in 0..self.len() {
            data.extend_from_slice(self.row(i));
            data.extend_from_slice(&theirs.data()[i * c2..(i + 1) * c2]);
        }
        self.with_samples(Array::from_shape_vec(vec![self.len(), c1 + c2], data)?)
    }

    /// Rockpool's `merge`: the samples of both series interleaved in time (stable: on equal
    /// times this series' samples come first), over the union of the ranges. With
    /// `remove_duplicates`, `other`'s samples at times this series also has are dropped.
    ///
    /// # Errors
    /// [`Error::Shape`] when the channel counts differ (an empty series with no channel
    /// merges with anything).
    pub fn merge(&self, other: &TsContinuous, remove_duplicates: bool) -> Result<Self> {
        let (c1, c2) = (self.num_channels(), other.num_channels());
        let c = if self.is_empty() && c1 == 0 {
            c2
        } else if (other.is_empty() && c2 == 0) || c1 == c2 {
            c1
        } else {
            return Err(Error::Shape {
                path: "other".into(),
                expected: format!("(T, {c1}) (the channels of `{}`)", self.name),
                found: format_shape(other.samples.shape()),
            });
        };
        let keep_other: Vec<usize> = (0..other.len())
            .filter(|&j| !remove_duplicates || !self.times.iter().any(|&t| t == other.times[j]))
            .collect();
        let total = self.len() + keep_other.len();
        let mut times = Vec::with_capacity(total);
        let mut data = Vec::with_capacity(total * c);
        let (mut i, mut k) = (0, 0);
        while i < self.len() || k < keep_other.len() {
            let take_self = match (self.times.get(i), keep_other.get(k)) {
                (Some(&a), Some(&j)) => a <= other.times[j],
                (Some(_), None) => true,
                _ => false,
            };
            if take_self {
                times.push(self.times[i]);
                data.extend_from_slice(self.row(i));
                i += 1;
            } else {
                let j = keep_other[k];
                times.push(other.times[j]);
                data.extend_from_slice(other.row(j));
                k += 1;
            }
        }
        Ok(TsContinuous {
            samples: Array::from_shape_vec(vec![times.len(), c], data)?,
            times,
            t_start: self.t_start.min(other.t_start),
            t_stop: self.t_stop.max(other.t_stop),
            ..self.clone_meta()
        })
    }

    /// Rockpool's `append_t`: `other` delayed to start `offset` after this series' `t_stop`,
    /// then merged. With `offset = None`, Rockpool's rule: the median sample interval of
    /// this series (0 if it has fewer than two samples or `other` is empty). For clocked
    /// series that leaves a one-`dt` gap (held at the last value); pass `Some(0.0)` to butt
    /// them.
    ///
    /// ```
    /// use littoral_core::Array;
    /// use littoral_functional::timeseries::TsContinuous;
    /// let a = TsContinuous::from_clocked(Array::from_vec(vec![1.0, 2.0]), 0.1, 0.0)?;
    /// let ab = a.append_t(&a, Some(0.0))?;
    /// assert_eq!(ab.times(), &[0.0, 0.1, 0.2, 0.30000000000000004]);
    /// assert_eq!(ab.t_stop(), 0.4);
    /// # Ok::<(), littoral_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// A non-finite offset, or different channel counts.
    pub fn append_t(&self, other: &TsContinuous, offset: Option<f64>) -> Result<Self> {
        let offset = match offset {
            Some(o) => {
                check_finite("offset", o)?;
                o
            }
            None if !other.is_empty() && self.len() > 1 => median_interval(&self.times),
            None => 0.0,
        };
        let delayed = other.delay(offset + self.t_stop - other.t_start)?;
        self.merge(&delayed, false)
    }

    /// The right-hand side as `(T, C)` row-major values.
    fn operand_values(&self, rhs: Operand<'_>) -> Result<Vec<f64>> {
        let (t, c) = (self.len(), self.num_channels());
        match rhs {
            Operand::Scalar(v) => {
                check_finite("rhs", v)?;
                Ok(vec![v; t * c])
            }
            Operand::Channels(v) => {
                if v.len() != c && v.len() != 1 {
                    return Err(Error::Shape {
                        path: "rhs".into(),
                        expected: format!("({c},) or (1,)"),
                        found: format_shape(&[v.len()]),
                    });
                }
                if let Some((index, &value)) = v.iter().enumerate().find(|(_, x)| !x.is_finite()) {
                    return Err(Error::NonFinite {
                        path: "rhs".into(),
                        index,
                        value,
                    });
                }
                Ok((0..t * c).map(|i| v[(i % c.max(1)) % v.len()]).collect())
            }
            Operand::Series(other) => {
                let s = other.sample(&self.times)?;
                let c2 = other.num_channels();
                if c2 == c {
                    Ok(s.into_data())
                } else if c2 == 1 {
                    Ok(s.data()
                        .iter()
                        .flat_map(|&x| std::iter::repeat_n(x, c))
                        .collect())
                } else {
                    Err(Error::Shape {
                        path: "rhs".into(),
                        expected: format!("a series with {c} channels or 1"),
                        found: format!("{c2} channels"),
                    })
                }
            }
        }
    }

    /// Combine samples with a scalar, per-channel values or another series (sampled at
    /// this series' times) element by element. The general form of
    /// [`add`](TsContinuous::add), [`sub`](TsContinuous::sub), [`mul`](TsContinuous::mul)
    /// and [`div`](TsContinuous::div).
    ///
    /// # Errors
    /// A non-finite operand or result (division by zero), a series that cannot be sampled
    /// here, or mismatched channels.
    pub fn zip_with<'a>(
        &self,
        rhs: impl Into<Operand<'a>>,
        f: impl Fn(f64, f64) -> f64,
    ) -> Result<Self> {
        let other = self.operand_values(rhs.into())?;
        let data: Vec<f64> = self
            .samples
            .data()
            .iter()
            .zip(&other)
            .map(|(&a, &b)| f(a, b))
            .collect();
        self.with_samples(Array::from_shape_vec(self.samples.shape().to_vec(), data)?)
    }

    /// `self + rhs` (Rockpool's `ts + x`).
    ///
    /// # Errors
    /// As [`TsContinuous::zip_with`].
    pub fn add<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<Self> {
        self.zip_with(rhs, |a, b| a + b)
    }

    /// `self − rhs`.
    ///
    /// # Errors
    /// As [`TsContinuous::zip_with`].
    pub fn sub<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<Self> {
        self.zip_with(rhs, |a, b| a - b)
    }

    /// `self · rhs`.
    ///
    /// # Errors
    /// As [`TsContinuous::zip_with`].
    pub fn mul<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<Self> {
        self.zip_with(rhs, |a, b| a * b)
    }

    /// `self / rhs`; dividing by zero is an error (the result would not be finite).
    ///
    /// # Errors
    /// As [`TsContinuous::zip_with`].
    pub fn div<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<Self> {
        self.zip_with(rhs, |a, b| a / b)
    }

    /// `self ** rhs`.
    ///
    /// # Errors
    /// As [`TsContinuous::zip_with`].
    pub fn pow<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<Self> {
        self.zip_with(rhs, f64::powf)
    }

    /// `f` applied to every sample.
    ///
    /// # Errors
    /// A non-finite result.
    pub fn map(&self, f: impl Fn(f64) -> f64) -> Result<Self> {
        self.with_samples(self.samples.map(f))
    }

    /// `−self`.
    #[must_use]
    pub fn neg(&self) -> Self {
        TsContinuous {
            samples: self.samples.map(|x| -x),
            ..self.clone_meta()
        }
    }

    /// `|self|`.
    #[must_use]
    pub fn abs(&self) -> Self {
        TsContinuous {
            samples: self.samples.map(f64::abs),
            ..self.clone_meta()
        }
    }

    /// `self @ matrix` (Rockpool's `ts @ W`): samples `(T, C)` times `matrix` `(C, M)`.
    ///
    /// # Errors
    /// [`Error::Shape`] at `matrix` when it is not `(C, M)`; a non-finite result.
    pub fn matmul(&self, matrix: &Array<f64>) -> Result<Self> {
        let c = self.num_channels();
        let m = match *matrix.shape() {
            [rows, cols] if rows == c => cols,
            _ => {
                return Err(Error::Shape {
                    path: "matrix".into(),
                    expected: format!("({c}, M)"),
                    found: format_shape(matrix.shape()),
                });
            }
        };
        let w = matrix.data();
        let mut data = vec![0.0; self.len() * m];
        for i in 0..self.len() {
            let row = self.row(i);
            let out = &mut data[i * m..(i + 1) * m];
            for (k, &x) in row.iter().enumerate() {
                for (o, &wv) in out.iter_mut().zip(&w[k * m..(k + 1) * m]) {
                    *o += x * wv;
                }
            }
        }
        self.with_samples(Array::from_shape_vec(vec![self.len(), m], data)?)
    }
}

/// numpy's `median(diff(times))`.
fn median_interval(times: &[f64]) -> f64 {
    let mut d: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    d.sort_by(f64::total_cmp);
    match d.len() {
        0 => 0.0,
        n if n % 2 == 1 => d[n / 2],
        n => (d[n / 2 - 1] + d[n / 2]) / 2.0,
    }
}

/// Which side of its limit a range bound must be on.
#[derive(Clone, Copy)]
enum Side {
    /// `t_start`: at most the first sample time (or `t_stop`).
    AtMost,
    /// `t_stop`: at least the last sample time (or `t_start`).
    AtLeast,
}

/// `bound` when it is on its `side` of `limit`, `limit` when it is less than
/// [`TOLERANCE_ABSOLUTE`] past it, else an error at `field` naming the series.
fn snap_bound(series: &str, field: &str, bound: f64, limit: f64, side: Side) -> Result<f64> {
    let (past, word, what) = match side {
        Side::AtMost => (bound - limit, "most", "the first sample time or t_stop"),
        Side::AtLeast => (limit - bound, "least", "the last sample time or t_start"),
    };
    if past <= 0.0 {
        Ok(bound)
    } else if past < TOLERANCE_ABSOLUTE {
        Ok(limit)
    } else {
        Err(Error::invalid(
            field,
            format!("series `{series}`: {field} must be at {word} {limit} ({what}), found {bound}"),
        ))
    }
}
