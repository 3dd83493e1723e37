//! Time series as `.npz` files with Rockpool's field names, so files move between Rockpool
//! (`TSContinuous.save`, `TSEvent.save`, `load_ts_from_file`) and Littoral.
//!
//! | field | `TSContinuous` | `TSEvent` |
//! |---|---|---|
//! | `times` | `<f8 (T,)` | `<f8 (N,)` |
//! | `samples` | `<f8 (T, C)` | — |
//! | `channels` | — | `<i8 (N,)` |
//! | `t_start`, `t_stop` | `<f8 ()` | `<f8 ()` |
//! | `periodic` | `\|b1 ()` | `\|b1 ()` |
//! | `num_channels` | — | `<i8 ()` |
//! | `interp_kind_<kind>` | empty marker | — |
//! | `name_<name>`, `type_<class>` | empty markers | empty markers |
//!
//! Writes are atomic (a temporary file in the same directory, fsync, rename) and store the
//! arrays uncompressed, as `numpy.savez`. The file is written at exactly the given path
//! (`numpy.savez` appends `.npz` when it is missing). Reading accepts any float, integer
//! or bool dtype, either byte order and Fortran order; a file without a `type_` marker is
//! read as the type asked for ([`load_continuous`], [`load_events`]), as Rockpool's
//! `expected_type`. Rockpool accepts series Littoral rejects (NaN samples, events before
//! `t_start`); loading such a file is an error naming the field.
//!
//! ```
//! use littoral_core::Array;
//! use littoral_functional::timeseries::TsContinuous;
//! use littoral_functional::timeseries::npz;
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("signal.npz");
//! let ts = TsContinuous::from_clocked(Array::from_vec(vec![1.0, 2.0, 3.0]), 0.1, 0.0)?.with_name("signal");
//! npz::save_continuous(&ts, &path)?;
//! assert_eq!(npz::load_continuous(&path)?, ts);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::atomic::write_atomic;
use crate::codec::read_file;
use crate::error::{Error, Result};
use crate::npy::{NpzIn, NpzOut};
use crate::timeseries::{Interp, TimeSeries, TsContinuous, TsEvent};
use littoral_core::{Array, array::format_shape};
use std::io::{Cursor, Read, Seek};
use std::path::Path;

fn invalid(field: &str, message: impl Into<String>) -> Error {
    littoral_core::Error::invalid(field, message).into()
}

fn npz_error(field: &str, e: impl std::fmt::Display) -> Error {
    invalid(field, format!("npz: {e}"))
}

type Writer = NpzOut<Cursor<Vec<u8>>>;

fn write<T: crate::npy::NpyElement>(
    npz: &mut Writer,
    name: &str,
    shape: &[u64],
    data: &[T],
) -> Result<()> {
    npz.add(name, shape, data).map_err(|e| npz_error(name, e))
}

/// An empty `<f8 (0,)` marker array, as Rockpool's `np.array([])`.
fn write_marker(npz: &mut Writer, name: &str) -> Result<()> {
    write::<f64>(npz, name, &[0], &[])
}

fn finish(npz: Writer) -> Result<Vec<u8>> {
    let cursor = npz.finish().map_err(|e| npz_error("npz", e))?;
    Ok(cursor.into_inner())
}

fn to_u64(n: usize) -> u64 {
    n as u64
}

fn to_i64(n: usize, field: &str) -> Result<i64> {
    i64::try_from(n).map_err(|_| invalid(field, format!("{n} does not fit in int64")))
}

/// The bytes of Rockpool's `TSContinuous.save` for `ts`.
///
/// # Errors
/// Only if the archive cannot be built in memory.
pub fn continuous_to_bytes(ts: &TsContinuous) -> Result<Vec<u8>> {
    let mut npz = NpzOut::new(Cursor::new(Vec::new()));
    let t = to_u64(ts.len());
    let c = to_u64(ts.num_channels());
    write(&mut npz, "times", &[t], ts.times())?;
    write(&mut npz, "samples", &[t, c], ts.samples().data())?;
    write(&mut npz, "t_start", &[], &[ts.t_start()])?;
    write(&mut npz, "t_stop", &[], &[ts.t_stop()])?;
    write_marker(
        &mut npz,
        &format!("interp_kind_{}", ts.interp().rockpool_name()),
    )?;
    write(&mut npz, "periodic", &[], &[ts.periodic()])?;
    write_marker(&mut npz, &format!("name_{}", ts.name()))?;
    write_marker(&mut npz, "type_TSContinuous")?;
    finish(npz)
}

/// The bytes of Rockpool's `TSEvent.save` for `ts`.
///
/// # Errors
/// A channel count beyond `int64`, or an archive that cannot be built in memory.
pub fn events_to_bytes(ts: &TsEvent) -> Result<Vec<u8>> {
    let mut npz = NpzOut::new(Cursor::new(Vec::new()));
    let channels = ts
        .channels()
        .iter()
        .map(|&c| to_i64(c, "channels"))
        .collect::<Result<Vec<_>>>()?;
    write(&mut npz, "times", &[to_u64(ts.len())], ts.times())?;
    write(&mut npz, "channels", &[to_u64(ts.len())], &channels)?;
    write(&mut npz, "t_start", &[], &[ts.t_start()])?;
    write(&mut npz, "t_stop", &[], &[ts.t_stop()])?;
    write(&mut npz, "periodic", &[], &[ts.periodic()])?;
    write(
        &mut npz,
        "num_channels",
        &[],
        &[to_i64(ts.num_channels(), "num_channels")?],
    )?;
    write_marker(&mut npz, &format!("name_{}", ts.name()))?;
    write_marker(&mut npz, "type_TSEvent")?;
    finish(npz)
}

/// The bytes of either kind of series.
///
/// # Errors
/// As [`continuous_to_bytes`] and [`events_to_bytes`].
pub fn to_bytes(ts: &TimeSeries) -> Result<Vec<u8>> {
    match ts {
        TimeSeries::Continuous(c) => continuous_to_bytes(c),
        TimeSeries::Events(e) => events_to_bytes(e),
    }
}

/// Save a continuous series at `path` (atomically), as Rockpool's `TSContinuous.save`.
///
/// # Errors
/// [`Error::Io`] naming the file.
pub fn save_continuous(ts: &TsContinuous, path: impl AsRef<Path>) -> Result<()> {
    write_atomic(path.as_ref(), &continuous_to_bytes(ts)?)
}

/// Save an event series at `path` (atomically), as Rockpool's `TSEvent.save`.
///
/// # Errors
/// [`Error::Io`] naming the file.
pub fn save_events(ts: &TsEvent, path: impl AsRef<Path>) -> Result<()> {
    write_atomic(path.as_ref(), &events_to_bytes(ts)?)
}

/// Save either kind of series at `path` (atomically).
///
/// # Errors
/// [`Error::Io`] naming the file.
pub fn save(ts: &TimeSeries, path: impl AsRef<Path>) -> Result<()> {
    write_atomic(path.as_ref(), &to_bytes(ts)?)
}

/// An array read from the archive as `f64` values in C order, with its shape.
struct Field {
    shape: Vec<usize>,
    data: Vec<f64>,
}

impl Field {
    fn scalar(&self, name: &str) -> Result<f64> {
        match self.data[..] {
            [v] => Ok(v),
            _ => Err(invalid(
                name,
                format!(
                    "expected one value, found shape {}",
                    format_shape(&self.shape)
                ),
            )),
        }
    }

    fn vector(self) -> Vec<f64> {
        self.data
    }
}

/// A field through the one `.npy` reader ([`NpzIn::member`]): header
/// nesting and keys checked, its data bounded by the element limit, decompressed only as
/// far as its header declares.
fn read_field<R: Read + Seek>(ar: &mut NpzIn<R>, name: &str) -> Result<Option<Field>> {
    let max_bytes = littoral_core::limits::MAX_ELEMENTS.saturating_mul(8);
    let Some(a) = ar.member(name, max_bytes).map_err(|e| npz_error(name, e))? else {
        return Ok(None);
    };
    Ok(Some(Field {
        shape: a.shape().to_vec(),
        data: a.into_data(),
    }))
}

fn require<R: Read + Seek>(ar: &mut NpzIn<R>, name: &str) -> Result<Field> {
    read_field(ar, name)?.ok_or_else(|| invalid(name, "missing from the .npz file"))
}

fn marker(names: &[String], prefix: &str) -> Option<String> {
    names
        .iter()
        .find_map(|n| n.strip_prefix(prefix).map(str::to_string))
}

/// Which kind of series was expected by the caller.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    Any,
    Continuous,
    Events,
}

fn decode(bytes: &[u8], expect: Expect) -> Result<TimeSeries> {
    let mut ar = NpzIn::new(Cursor::new(bytes)).map_err(|e| npz_error("npz", e))?;
    let names = ar.names();
    let kind = match (marker(&names, "type_"), expect) {
        (Some(k), _) => k,
        (None, Expect::Continuous) => "TSContinuous".into(),
        (None, Expect::Events) => "TSEvent".into(),
        (None, Expect::Any) => {
            return Err(invalid(
                "type",
                "cannot tell the kind of time series: no `type_TSContinuous` or `type_TSEvent` \
                 marker (load it with load_continuous or load_events)",
            ));
        }
    };
    match (kind.as_str(), expect) {
        ("TSContinuous", Expect::Events) | ("TSEvent", Expect::Continuous) => {
            return Err(invalid(
                "type",
                format!("the file holds a {kind}, not the kind of series asked for"),
            ));
        }
        _ => {}
    }
    let name = marker(&names, "name_").unwrap_or_else(|| "unnamed".into());
    let t_start = require(&mut ar, "t_start")?.scalar("t_start")?;
    let t_stop = require(&mut ar, "t_stop")?.scalar("t_stop")?;
    let periodic = match read_field(&mut ar, "periodic")? {
        Some(f) => f.scalar("periodic")? != 0.0,
        None => false,
    };
    let times = require(&mut ar, "times")?.vector();
    match kind.as_str() {
        "TSContinuous" => {
            // Rockpool's loader defaults to "linear" when the file does not say.
            let interp = match marker(&names, "interp_kind_") {
                None => Interp::Linear,
                Some(k) => Interp::from_rockpool_name(&k).ok_or_else(|| {
                    invalid(
                        "interp_kind",
                        format!("interpolation `{k}` is not supported (previous, linear)"),
                    )
                })?,
            };
            let samples = require(&mut ar, "samples")?;
            let shape = if samples.shape.len() == 2 {
                samples.shape.clone()
            } else {
                vec![times.len(), samples.data.len() / times.len().max(1)]
            };
            let samples = Array::from_shape_vec(shape, samples.data)
                .map_err(|e| Error::from(e.within("samples")))?;
            let ts = TsContinuous::new(times, samples)?
                .with_range(t_start, t_stop)?
                .with_periodic(periodic)
                .with_interp(interp)
                .with_name(name);
            Ok(TimeSeries::Continuous(ts))
        }
        "TSEvent" => {
            let channels = require(&mut ar, "channels")?
                .vector()
                .into_iter()
                .map(|c| {
                    if c >= 0.0 && c.fract() == 0.0 && c < 2f64.powi(53) {
                        Ok(c as usize)
                    } else {
                        Err(invalid("channels", format!("invalid channel {c}")))
                    }
                })
                .collect::<Result<Vec<usize>>>()?;
            let ts = TsEvent::new(times, channels, t_start, t_stop)?;
            let ts = match read_field(&mut ar, "num_channels")? {
                Some(f) => {
                    let n = f.scalar("num_channels")?;
                    if !(n >= 0.0 && n.fract() == 0.0 && n < 2f64.powi(53)) {
                        return Err(invalid("num_channels", format!("invalid count {n}")));
                    }
                    ts.with_num_channels(n as usize)?
                }
                None => ts,
            };
            Ok(TimeSeries::Events(
                ts.with_periodic(periodic).with_name(name),
            ))
        }
        other => Err(invalid(
            "type",
            format!("type `{other}` is not supported (TSContinuous, TSEvent)"),
        )),
    }
}

/// Decode `.npz` bytes written by Rockpool or Littoral.
///
/// # Errors
/// Bytes that are not an `.npz`, a missing or unknown `type_` marker, a missing field, or
/// a series Littoral rejects (each error names the field).
pub fn from_bytes(bytes: &[u8]) -> Result<TimeSeries> {
    decode(bytes, Expect::Any)
}

/// Load a series of either kind from `path` (Rockpool's `load_ts_from_file`).
///
/// # Errors
/// [`Error::Io`] naming the file; otherwise as [`from_bytes`], within
/// [`Error::InFile`].
pub fn load(path: impl AsRef<Path>) -> Result<TimeSeries> {
    let path = path.as_ref();
    decode(&read_file(path)?, Expect::Any).map_err(|e| e.in_file(path))
}

/// Load a continuous series from `path` (a file without a type marker is taken to be one).
///
/// # Errors
/// As [`load`], and a file holding events.
pub fn load_continuous(path: impl AsRef<Path>) -> Result<TsContinuous> {
    let path = path.as_ref();
    match decode(&read_file(path)?, Expect::Continuous).map_err(|e| e.in_file(path))? {
        TimeSeries::Continuous(ts) => Ok(ts),
        TimeSeries::Events(_) => Err(invalid("type", "the file holds a TSEvent").in_file(path)),
    }
}

/// Load an event series from `path` (a file without a type marker is taken to be one).
///
/// # Errors
/// As [`load`], and a file holding a continuous series.
pub fn load_events(path: impl AsRef<Path>) -> Result<TsEvent> {
    let path = path.as_ref();
    match decode(&read_file(path)?, Expect::Events).map_err(|e| e.in_file(path))? {
        TimeSeries::Events(ts) => Ok(ts),
        TimeSeries::Continuous(_) => {
            Err(invalid("type", "the file holds a TSContinuous").in_file(path))
        }
    }
}
