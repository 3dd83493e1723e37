//! Parameter sweeps: grids or zips over Parameter and SimulationParameter paths, run in
//! parallel, reproducible point by point.
//!
//! - Axes name any Parameter or SimulationParameter path (`1_LIF.tau_mem`, `1_LIF.dt`).
//!   A scalar value broadcasts to the leaf's current shape; an array must have a permitted
//!   shape. Every path and value is validated with [`ModuleExt::set`] before anything runs.
//! - [`SweepMode::Grid`] runs the product of the axes (the last axis varies fastest);
//!   [`SweepMode::Zip`] runs the i-th values of all axes together.
//! - Point `k` draws its noise from `derive_seed(base_seed, "point{k}")`: every `rng_key`
//!   State leaf is re-derived from it exactly as `init` derives keys (per path, then per
//!   sample), keeping its step. Re-running point `k` alone ([`run_point`]) gives the same
//!   bits as in the sweep, whatever the thread count.
//! - A point's tree is the base tree with the overridden leaves replaced: every other leaf
//!   is the same `Arc` (a sweep over a network with a large weight matrix holds one copy).
//! - Results come back in point order with their overrides; per-point summaries (spike
//!   counts and rates, mean and max) are kept, full outputs only with
//!   [`SweepOptions::keep_outputs`].
//!
//! ```
//! use littoral_core::{Array, ModuleExt};
//! use littoral_functional::sweep::{run_sweep, Sweep, SweepOptions};
//! use littoral_nets::{Lif, Sequential};
//! let net = Sequential::new().append(Lif::new(2))?.append(Lif::new(2))?;
//! let tree = net.init(0);
//! let sweep = Sweep::grid()
//!     .axis("0_LIF.tau_mem", [0.01, 0.02, 0.05])
//!     .axis("1_LIF.threshold", [0.5, 1.0]);
//! let x = Array::full(vec![2, 100, 2], 0.1);
//! let results = run_sweep(&net, &tree, &tree, &x, &sweep, &SweepOptions::default())?;
//! assert_eq!(results.len(), 6);
//! assert_eq!(results[1].summary.overrides[1].0, "1_LIF.threshold");
//! let spikes = results[5].summary.signal("output").map(|s| s.sum);
//! assert!(spikes.is_some());
//! # Ok::<(), littoral_functional::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::par::in_pool;
pub use crate::summary::SignalSummary;
use crate::summary::summarise_evolution;
use crate::sweep_prefix::SharedPrefix;
use crate::sweep_stream::Streamed;
use littoral_core::nested::join_path;
use littoral_core::rng::{derive_seed, sample_key};
use littoral_core::{
    Array, Evolution, EvolveOptions, Init, Kind, Module, ModuleExt, Recording, Tree, Value,
};
use rayon::prelude::*;
use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The overrides of one point: (dotted path, value) in axis order.
pub type Overrides = Vec<(String, Value)>;

/// How the axes of a [`Sweep`] combine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SweepMode {
    /// The Cartesian product of the axes, in row-major order (last axis fastest).
    #[default]
    Grid,
    /// The i-th values of every axis together; all axes must have the same length.
    Zip,
}

/// One value of an axis: a scalar (broadcast to the leaf's shape) or a full value.
#[derive(Clone, Debug, PartialEq)]
pub enum AxisValue {
    /// Every element of the leaf set to this number.
    Scalar(f64),
    /// The leaf's new value (shape and element type checked).
    Value(Value),
}

impl From<f64> for AxisValue {
    fn from(v: f64) -> Self {
        AxisValue::Scalar(v)
    }
}

impl From<Array> for AxisValue {
    fn from(a: Array) -> Self {
        AxisValue::Value(a.into())
    }
}

impl From<Value> for AxisValue {
    fn from(v: Value) -> Self {
        AxisValue::Value(v)
    }
}

/// A declared sweep: axes of (dotted path, values) and how they combine.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sweep {
    /// The axes, in order.
    pub axes: Vec<(String, Vec<AxisValue>)>,
    /// Grid or zip.
    pub mode: SweepMode,
}

impl Sweep {
    /// An empty grid sweep (one point: the base values).
    pub fn grid() -> Self {
        Sweep {
            axes: Vec::new(),
            mode: SweepMode::Grid,
        }
    }

    /// An empty zipped sweep.
    pub fn zip() -> Self {
        Sweep {
            axes: Vec::new(),
            mode: SweepMode::Zip,
        }
    }

    /// Add an axis.
    #[must_use]
    pub fn axis<V: Into<AxisValue>>(
        mut self,
        path: &str,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        self.axes.push((
            path.to_string(),
            values.into_iter().map(Into::into).collect(),
        ));
        self
    }

    /// Number of points.
    ///
    /// # Errors
    /// [`Error::Sweep`] for zipped axes of different lengths.
    pub fn len(&self) -> Result<usize> {
        match self.mode {
            SweepMode::Grid => self.axes.iter().try_fold(1usize, |n, (_, v)| {
                n.checked_mul(v.len()).ok_or_else(|| {
                    Error::Sweep("the grid has more points than fit in usize".into())
                })
            }),
            SweepMode::Zip => {
                let Some((_, first)) = self.axes.first() else {
                    return Ok(1);
                };
                if let Some((p, v)) = self.axes.iter().find(|(_, v)| v.len() != first.len()) {
                    return Err(Error::Sweep(format!(
                        "zipped axes must have the same length: {} has {}, {} has {}",
                        self.axes[0].0,
                        first.len(),
                        p,
                        v.len()
                    )));
                }
                Ok(first.len())
            }
        }
    }

    /// True when the sweep has no point.
    ///
    /// # Errors
    /// As [`Sweep::len`].
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    /// The value index on every axis of point `k`.
    ///
    /// # Errors
    /// As [`Sweep::len`]; `k` out of range.
    pub fn indices(&self, k: usize) -> Result<Vec<usize>> {
        let n = self.len()?;
        if k >= n {
            return Err(Error::Sweep(format!(
                "point {k} out of range: the sweep has {n}"
            )));
        }
        Ok(match self.mode {
            SweepMode::Zip => vec![k; self.axes.len()],
            SweepMode::Grid => {
                let mut rest = k;
                let mut idx = vec![0; self.axes.len()];
                for (i, (_, values)) in self.axes.iter().enumerate().rev() {
                    idx[i] = rest % values.len();
                    rest /= values.len();
                }
                idx
            }
        })
    }

    /// Check every axis against `module` and the base `params`: the path exists, is a
    /// Parameter or SimulationParameter, appears once, and every value fits.
    ///
    /// # Errors
    /// [`littoral_core::Error::UnknownPath`] naming an unknown path; shape, element type
    /// and finiteness errors naming the path; [`Error::Sweep`] for a State path, a
    /// repeated path or mismatching zip lengths.
    pub fn validate(&self, module: &dyn Module, params: &Tree) -> Result<()> {
        self.len()?;
        for (i, (path, values)) in self.axes.iter().enumerate() {
            let attr = module
                .attribute_at(path)
                .ok_or_else(|| littoral_core::Error::UnknownPath { path: path.clone() })?;
            if attr.kind == Kind::State {
                return Err(Error::Sweep(format!(
                    "{path} is a State: sweep Parameters or SimulationParameters"
                )));
            }
            if self.axes[..i].iter().any(|(p, _)| p == path) {
                return Err(Error::Sweep(format!("{path} appears on two axes")));
            }
            for v in values {
                let value = resolve(module, params, path, v)?;
                let _ = module.set(params, path, value)?;
            }
        }
        Ok(())
    }

    /// The overrides of point `k`, scalars broadcast, in axis order.
    ///
    /// # Errors
    /// As [`Sweep::indices`]; an unknown path.
    pub fn overrides(&self, module: &dyn Module, params: &Tree, k: usize) -> Result<Overrides> {
        let idx = self.indices(k)?;
        self.axes
            .iter()
            .zip(idx)
            .map(|((path, values), i)| {
                let v = values
                    .get(i)
                    .ok_or_else(|| Error::Sweep(format!("{path}: no value {i}")))?;
                Ok((path.clone(), resolve(module, params, path, v)?))
            })
            .collect()
    }

    /// The parameters and state of point `k`: the base `params` with the point's
    /// overrides (every other leaf shared), and `state` with its noise keys re-derived
    /// from [`point_seed`]`(base_seed, k)`.
    ///
    /// # Errors
    /// As [`Sweep::overrides`] and [`ModuleExt::set`].
    pub fn point_trees(
        &self,
        module: &dyn Module,
        params: &Tree,
        state: &Tree,
        base_seed: u64,
        k: usize,
    ) -> Result<(Tree, Tree, Overrides)> {
        let overrides = self.overrides(module, params, k)?;
        let mut p = params.clone();
        for (path, value) in &overrides {
            p = module.set(&p, path, value.clone())?;
        }
        let s = reseed_state(module, state, point_seed(base_seed, k))?;
        Ok((p, s, overrides))
    }
}

/// The noise seed of point `k`: `derive_seed(base_seed, "point{k}")`.
pub fn point_seed(base_seed: u64, k: usize) -> u64 {
    derive_seed(base_seed, &format!("point{k}"))
}

/// `state` with every `rng_key` leaf re-derived from `seed` as `init(seed)` derives it
/// (`derive_seed(seed, path)`; per sample `sample_key(·, b)` for a batched leaf), keeping
/// each sample's step. Other leaves are shared.
///
/// # Errors
/// An `rng_key` leaf that is not a `u64` array of shape `(2,)` or `(B, 2)`.
pub fn reseed_state(module: &dyn Module, state: &Tree, seed: u64) -> Result<Tree> {
    let mut out = state.clone();
    let mut keys = Vec::new();
    rng_key_paths(module, "", &mut keys);
    for path in keys {
        let Some(leaf) = state.get(&path) else {
            continue;
        };
        let bad = || {
            Error::from(littoral_core::Error::shape(
                &path,
                &[vec![2], vec![0, 2]],
                leaf.value.shape(),
            ))
        };
        let old = leaf.value.as_u64().ok_or_else(bad)?;
        let key = derive_seed(seed, &path);
        let data: Vec<u64> = match old.shape() {
            [2] => vec![key, old.data()[1]],
            [_, 2] => old
                .data()
                .chunks(2)
                .enumerate()
                .flat_map(|(b, row)| [sample_key(key, b as u64), row[1]])
                .collect(),
            _ => return Err(bad()),
        };
        let value = Value::U64(Arc::new(Array::from_shape_vec(old.shape().to_vec(), data)?));
        if let Some(l) = out.get_mut(&path) {
            *l = leaf.with_value(value);
        }
    }
    Ok(out)
}

fn rng_key_paths(m: &dyn Module, prefix: &str, out: &mut Vec<String>) {
    for a in m.attributes() {
        if a.kind == Kind::State && matches!(a.init, Init::RngKey) {
            out.push(join_path(prefix, &a.name));
        }
    }
    for (name, child) in m.children() {
        rng_key_paths(child, &join_path(prefix, name), out);
    }
}

/// A scalar broadcast to the leaf's current shape (or the attribute's default shape).
fn resolve(module: &dyn Module, params: &Tree, path: &str, v: &AxisValue) -> Result<Value> {
    match v {
        AxisValue::Value(v) => Ok(v.clone()),
        AxisValue::Scalar(x) => {
            let shape = match params.get(path) {
                Some(l) => l.value.shape().to_vec(),
                None => module
                    .attribute_at(path)
                    .ok_or_else(|| littoral_core::Error::UnknownPath {
                        path: path.to_string(),
                    })?
                    .shapes
                    .first()
                    .cloned()
                    .unwrap_or_default(),
            };
            Ok(Array::full(shape, *x).into())
        }
    }
}

/// A progress callback: `(points done, total points)`, called from worker threads.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// Options of [`run_sweep`].
#[derive(Clone, Copy, Default)]
pub struct SweepOptions<'a> {
    /// The seed every point's noise seed derives from.
    pub base_seed: u64,
    /// What to record: with a record, the recorded submodules' outputs are summarised
    /// too (every submodule's, or with [`Recording::Spikes`] the spiking populations'),
    /// else only the network's output is. With [`Recording::SpikeCounts`] a spiking
    /// population's summary is the same but for its maximum (NaN: counts do not give it).
    pub record: Recording,
    /// Keep each point's full evolution in [`PointResult::evolution`].
    pub keep_outputs: bool,
    /// Run on a local pool of this many threads (`None`: the current pool).
    pub threads: Option<usize>,
    /// Called after each point.
    pub progress: Option<Progress<'a>>,
    /// Accept NaN and infinite input.
    pub allow_non_finite_input: bool,
}

impl std::fmt::Debug for SweepOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SweepOptions")
            .field("base_seed", &self.base_seed)
            .field("record", &self.record)
            .field("keep_outputs", &self.keep_outputs)
            .field("threads", &self.threads)
            .field("progress", &self.progress.map(|_| ".."))
            .field("allow_non_finite_input", &self.allow_non_finite_input)
            .finish()
    }
}

/// What is kept of every point.
#[derive(Clone, Debug, PartialEq)]
pub struct PointSummary {
    /// Point index.
    pub index: usize,
    /// The point's overrides (path, value), in axis order.
    pub overrides: Overrides,
    /// Wall-clock seconds the point took.
    pub seconds: f64,
    /// The network's output first (`output`), then each recorded submodule output.
    pub signals: Vec<SignalSummary>,
}

impl PointSummary {
    /// The summary of a signal by path.
    pub fn signal(&self, path: &str) -> Option<&SignalSummary> {
        self.signals.iter().find(|s| s.path == path)
    }
}

/// The result of one point.
#[derive(Clone, Debug)]
pub struct PointResult {
    /// The summary.
    pub summary: PointSummary,
    /// The point's parameters (overridden leaves new, all others shared with the base).
    pub params: Tree,
    /// The full evolution, when [`SweepOptions::keep_outputs`] is set.
    pub evolution: Option<Evolution>,
}

/// Run `f(k, params_k, state_k)` for every point in parallel and return the results in
/// point order. The axes are validated first; `progress` is called after each point.
///
/// # Errors
/// Validation errors (nothing runs then); the first error of `f`; [`Error::ThreadPool`].
#[allow(clippy::too_many_arguments)]
pub fn sweep_map<R: Send>(
    module: &dyn Module,
    params: &Tree,
    state: &Tree,
    sweep: &Sweep,
    base_seed: u64,
    threads: Option<usize>,
    progress: Option<Progress<'_>>,
    f: impl Fn(usize, &Tree, &Tree, Overrides) -> Result<R> + Sync,
) -> Result<Vec<R>> {
    sweep.validate(module, params)?;
    let all: Vec<usize> = (0..sweep.len()?).collect();
    sweep_map_points(
        module, params, state, sweep, &all, base_seed, threads, progress, f,
    )
}

/// [`sweep_map`] over the listed points only (each must be in range); results in the
/// order of `points`, `progress` counting over `points.len()`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn sweep_map_points<R: Send>(
    module: &dyn Module,
    params: &Tree,
    state: &Tree,
    sweep: &Sweep,
    points: &[usize],
    base_seed: u64,
    threads: Option<usize>,
    progress: Option<Progress<'_>>,
    f: impl Fn(usize, &Tree, &Tree, Overrides) -> Result<R> + Sync,
) -> Result<Vec<R>> {
    let total = points.len();
    let done = AtomicUsize::new(0);
    in_pool(threads, || {
        // One point per task: rayon's default splitting runs leaves of several points
        // (16 of W4's 64 on two threads) as one task, which no idle thread can take
        // points from, so at the end one thread could still run several points while
        // the other idled (5 ms of a 50 ms W4 sweep, traced).
        points
            .par_iter()
            .with_max_len(1)
            .map(|&k| {
                let (p, s, overrides) = sweep.point_trees(module, params, state, base_seed, k)?;
                let r = f(k, &p, &s, overrides)?;
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                if let Some(cb) = progress {
                    cb(n, total);
                }
                Ok(r)
            })
            .collect()
    })
}

/// Evolve `input` at every point of `sweep` (in parallel) and summarise each point.
///
/// # Errors
/// As [`sweep_map`]; evolution errors.
pub fn run_sweep(
    module: &dyn Module,
    params: &Tree,
    state: &Tree,
    input: &Array,
    sweep: &Sweep,
    opts: &SweepOptions<'_>,
) -> Result<Vec<PointResult>> {
    sweep.validate(module, params)?;
    in_pool(opts.threads, || {
        let shared = SharedPrefix::prepare(module, params, sweep, input, &evolve_options(opts))?;
        let stream = streams(opts, sweep.len()?);
        sweep_map(
            module,
            params,
            state,
            sweep,
            opts.base_seed,
            None,
            opts.progress,
            |k, p, s, overrides| {
                evolve_point(
                    module,
                    p,
                    s,
                    input,
                    k,
                    overrides,
                    opts,
                    shared.as_ref(),
                    stream,
                )
            },
        )
    })
}

pub(crate) fn evolve_options(opts: &SweepOptions<'_>) -> EvolveOptions {
    EvolveOptions {
        record: opts.record,
        allow_non_finite_input: opts.allow_non_finite_input,
    }
}

/// Run point `k` of `sweep` alone: the same bits as in [`run_sweep`].
///
/// # Errors
/// As [`run_sweep`].
pub fn run_point(
    module: &dyn Module,
    params: &Tree,
    state: &Tree,
    input: &Array,
    sweep: &Sweep,
    k: usize,
    opts: &SweepOptions<'_>,
) -> Result<PointResult> {
    sweep.validate(module, params)?;
    let (p, s, overrides) = sweep.point_trees(module, params, state, opts.base_seed, k)?;
    evolve_point(
        module,
        &p,
        &s,
        input,
        k,
        overrides,
        opts,
        None,
        streams(opts, 1),
    )
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn evolve_point(
    module: &dyn Module,
    params: &Tree,
    state: &Tree,
    input: &Array,
    k: usize,
    overrides: Overrides,
    opts: &SweepOptions<'_>,
    shared: Option<&SharedPrefix>,
    stream: bool,
) -> Result<PointResult> {
    let started = std::time::Instant::now();
    let options = evolve_options(opts);
    let streamed = stream
        .then(|| {
            let point = match shared {
                Some(prefix) => prefix.streamed(module, params, state),
                None => Streamed {
                    network: module,
                    network_params: params,
                    module,
                    params: Cow::Borrowed(params),
                    state: Cow::Borrowed(state),
                    inputs: vec![input.view()],
                },
            };
            // On error the point is evolved whole below, which reports it as before.
            point.summarise(&options).ok()
        })
        .flatten();
    let (signals, evolution) = match streamed {
        Some(signals) => (signals, None),
        None => {
            let ev = match shared {
                Some(prefix) => prefix.evolve_point(params, state, &options)?,
                None => module.evolve_with(params, state, input, &options)?,
            };
            let signals = summarise_evolution(module, params, &ev.output, &ev.record);
            (signals, opts.keep_outputs.then_some(ev))
        }
    };
    let summary = PointSummary {
        index: k,
        overrides,
        seconds: started.elapsed().as_secs_f64(),
        signals,
    };
    Ok(PointResult {
        summary,
        params: params.clone(),
        evolution,
    })
}

/// Whether the points of a part of `points` points, run in the current pool, are evolved
/// by blocks of samples ([`crate::sweep_stream`]): when no output is kept and there are
/// at least as many points as threads (a point's samples then need not share the pool).
pub(crate) fn streams(opts: &SweepOptions<'_>, points: usize) -> bool {
    !opts.keep_outputs && points >= rayon::current_num_threads()
}
