//! Shared helpers of Littoral's tests: reading Rockpool golden files and the neuron-model
//! golden files, comparing arrays bit for bit or within a stated budget, and the random
//! networks of the property tests (used by this crate's tests and `littoral-functional`'s).
#![deny(missing_docs)]

use littoral_core::{Array, Error, Result};
use littoral_nets::config::json_to_array;
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

mod model_goldens;
mod random_net;
pub use model_goldens::{model_docs, models_dir, numbers, table};
pub use random_net::{
    LayerSpec, NetSpec, build, build_layer, build_network, layer_classes, layer_spec, net_spec,
};

/// The folder of the Rockpool golden files.
pub fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("golden")
        .join("data")
}

/// One Rockpool golden case.
#[derive(Debug, Clone)]
pub struct GoldenCase {
    /// Case name.
    pub name: String,
    /// The network description (network file format).
    pub network: Json,
    /// The input as passed to Rockpool.
    pub input: Array,
    /// Whether Rockpool was asked to record.
    pub record_flag: bool,
    /// Rockpool's output.
    pub output: Array,
    /// Rockpool's final state (batch 0), by dotted path.
    pub state: Vec<(String, Array)>,
    /// Rockpool's record, by dotted path.
    pub record: Vec<(String, Array)>,
}

fn field<'a>(v: &'a Json, k: &str, file: &str) -> Result<&'a Json> {
    v.get(k)
        .ok_or_else(|| Error::invalid(file, format!("missing field '{k}'")))
}

fn arrays(v: &Json, file: &str) -> Result<Vec<(String, Array)>> {
    v.as_object()
        .ok_or_else(|| Error::invalid(file, "expected an object"))?
        .iter()
        .map(|(k, a)| Ok((k.clone(), json_to_array(a, k)?)))
        .collect()
}

/// Read one golden file.
///
/// # Errors
/// A missing or malformed file.
pub fn read_case(path: &Path) -> Result<GoldenCase> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| Error::invalid(&file, e.to_string()))?;
    let v: Json = serde_json::from_str(&text).map_err(|e| Error::invalid(&file, e.to_string()))?;
    Ok(GoldenCase {
        name: field(&v, "case", &file)?
            .as_str()
            .unwrap_or_default()
            .to_string(),
        network: field(&v, "network", &file)?.clone(),
        input: json_to_array(field(&v, "input", &file)?, "input")?,
        record_flag: field(&v, "record_flag", &file)?.as_bool().unwrap_or(false),
        output: json_to_array(field(&v, "output", &file)?, "output")?,
        state: arrays(field(&v, "state", &file)?, &file)?,
        record: arrays(field(&v, "record", &file)?, &file)?,
    })
}

/// Every golden case, sorted by name.
///
/// # Errors
/// An unreadable folder or file.
pub fn all_cases() -> Result<Vec<GoldenCase>> {
    let dir = golden_dir();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| Error::invalid(dir.display().to_string(), e.to_string()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths.iter().map(|p| read_case(p)).collect()
}

/// How closely a value must match its reference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Budget {
    /// The same bits (`to_bits()`): a `-0.0` must be a `-0.0`, a NaN the same NaN.
    Bits,
    /// At most this many units in the last place apart (see [`ulp_distance`]; `-0.0` and
    /// `+0.0` are one apart).
    Ulps(u64),
    /// `|ours − theirs| ≤ tol · max(1, |theirs|)`.
    Rel(f64),
}

/// The number of representable `f64` values between `a` and `b` (0 for the same bits), with
/// `-0.0` one below `+0.0`; `u64::MAX` if either is NaN and their bits differ.
pub fn ulp_distance(a: f64, b: f64) -> u64 {
    if a.to_bits() == b.to_bits() {
        return 0;
    }
    if a.is_nan() || b.is_nan() {
        return u64::MAX;
    }
    // Order the bit patterns: negative values below zero, -0.0 just below +0.0.
    let ordered = |v: f64| {
        let bits = v.to_bits();
        let magnitude = i128::from(bits & !(1u64 << 63));
        if bits >> 63 == 1 {
            -magnitude - 1
        } else {
            magnitude
        }
    };
    u64::try_from((ordered(a) - ordered(b)).unsigned_abs()).unwrap_or(u64::MAX)
}

/// Whether `ours` matches `theirs` within `budget`.
pub fn within(ours: f64, theirs: f64, budget: Budget) -> bool {
    match budget {
        Budget::Bits => ours.to_bits() == theirs.to_bits(),
        Budget::Ulps(n) => ulp_distance(ours, theirs) <= n,
        Budget::Rel(tol) => (ours - theirs).abs() <= tol * theirs.abs().max(1.0),
    }
}

/// Compare `ours` with Rockpool's `theirs` element-wise within `budget`. Rockpool
/// sometimes drops a leading batch axis of 1 (Linear keeps the input's rank), so shapes
/// match when ours equals theirs with leading 1s removed.
///
/// # Errors
/// A description of the first mismatch and the number of mismatches.
pub fn compare(
    what: &str,
    ours: &Array,
    theirs: &Array,
    budget: Budget,
) -> std::result::Result<(), String> {
    let strip = |s: &[usize]| {
        s.iter()
            .skip_while(|&&d| d == 1)
            .copied()
            .collect::<Vec<_>>()
    };
    if strip(ours.shape()) != strip(theirs.shape()) {
        return Err(format!(
            "{what}: shape {:?} (ours) vs {:?} (Rockpool)",
            ours.shape(),
            theirs.shape()
        ));
    }
    let mut bad = ours
        .data()
        .iter()
        .zip(theirs.data())
        .enumerate()
        .filter(|(_, (a, b))| !within(**a, **b, budget));
    match bad.next() {
        None => Ok(()),
        Some((i, (a, b))) => Err(format!(
            "{what}[{i}]: {a:?} (ours) vs {b:?} (reference), {} ulps apart, budget {budget:?}; \
             {} of {} values outside it",
            ulp_distance(*a, *b),
            1 + bad.count(),
            theirs.data().len()
        )),
    }
}
