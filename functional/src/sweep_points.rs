//! Part of a sweep: a range of points or a shard (points `k ≡ I (mod N)`), with a sink
//! that receives each point's result as it completes — for job arrays, restartable
//! sweeps and other drivers (Python, Ray, Dask).
//!
//! Point `k` gives the same bits whichever part it is run in: its parameters and noise
//! seed depend only on `k` (see [`crate::sweep`]).
//!
//! ```
//! use littoral_core::{Array, ModuleExt};
//! use littoral_functional::sweep::{run_sweep, Sweep, SweepOptions};
//! use littoral_functional::sweep_points::{run_sweep_points, Points};
//! use littoral_nets::{Lif, Sequential};
//! use std::sync::Mutex;
//! let net = Sequential::new().append(Lif::new(2))?;
//! let tree = net.init(0);
//! let sweep = Sweep::grid().axis("0_LIF.tau_mem", [0.01, 0.02, 0.05, 0.1, 0.2]);
//! let x = Array::full(vec![1, 50, 2], 0.5);
//! let opts = SweepOptions::default();
//! let seen = Mutex::new(Vec::new());
//! let sink = |r: &littoral_functional::PointResult| {
//!     seen.lock().map_err(|_| littoral_functional::Error::Sweep("poisoned".into()))?
//!         .push(r.summary.index);
//!     Ok(())
//! };
//! let shard = Points::Shard { index: 1, count: 2 };
//! let part = run_sweep_points(&net, &tree, &tree, &x, &sweep, &shard, &opts, Some(&sink))?;
//! let full = run_sweep(&net, &tree, &tree, &x, &sweep, &opts)?;
//! assert_eq!(part.len(), 2);                                   // points 1 and 3
//! assert_eq!(part[1].summary.signals, full[3].summary.signals);
//! assert_eq!(seen.into_inner().map(|v| v.len()).ok(), Some(2));
//! # Ok::<(), littoral_functional::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::par::in_pool;
use crate::sweep::{PointResult, Sweep, SweepOptions, evolve_options, evolve_point, streams};
use crate::sweep_prefix::SharedPrefix;
use littoral_core::{Array, Module, Tree};
use std::ops::Range;

/// Which points of a sweep to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Points {
    /// Every point.
    All,
    /// Points `start..end` (must lie within the sweep).
    Range(Range<usize>),
    /// Points `k` with `k % count == index` (`index < count`): one task of a job array.
    Shard {
        /// This shard, `0 ≤ index < count`.
        index: usize,
        /// Number of shards.
        count: usize,
    },
    /// These points, in this order (each in range, none repeated).
    List(Vec<usize>),
}

impl Points {
    /// The point indices selected out of a sweep of `total` points, ascending for
    /// `All`, `Range` and `Shard`.
    ///
    /// # Errors
    /// [`Error::Sweep`] for a range beyond `total`, a shard with `count == 0` or
    /// `index ≥ count`, a listed point out of range or listed twice.
    pub fn select(&self, total: usize) -> Result<Vec<usize>> {
        match self {
            Points::All => Ok((0..total).collect()),
            Points::Range(r) => {
                if r.start > r.end || r.end > total {
                    return Err(Error::Sweep(format!(
                        "points {}..{} out of range: the sweep has {total}",
                        r.start, r.end
                    )));
                }
                Ok(r.clone().collect())
            }
            Points::Shard { index, count } => {
                if *count == 0 || index >= count {
                    return Err(Error::Sweep(format!(
                        "shard {index}/{count}: expected 0 ≤ index < count"
                    )));
                }
                Ok((*index..total).step_by(*count).collect())
            }
            Points::List(ks) => {
                let mut seen = vec![false; total];
                for &k in ks {
                    match seen.get_mut(k) {
                        None => {
                            return Err(Error::Sweep(format!(
                                "point {k} out of range: the sweep has {total}"
                            )));
                        }
                        Some(true) => {
                            return Err(Error::Sweep(format!("point {k} listed twice")));
                        }
                        Some(s) => *s = true,
                    }
                }
                Ok(ks.clone())
            }
        }
    }
}

/// Receives each point's result as soon as it is computed (from worker threads, in no
/// particular order). An error stops the sweep and is returned by it.
///
/// Any `Fn(&PointResult) -> Result<()> + Sync` closure is a sink.
pub trait PointSink: Sync {
    /// Take one point's result.
    ///
    /// # Errors
    /// Whatever the sink cannot do (a failed write); the sweep stops with it.
    fn accept(&self, result: &PointResult) -> Result<()>;
}

impl<F: Fn(&PointResult) -> Result<()> + Sync> PointSink for F {
    fn accept(&self, result: &PointResult) -> Result<()> {
        self(result)
    }
}

/// Evolve `input` at the selected `points` of `sweep` (in parallel), hand each result to
/// `sink` as it completes, and return them in the order of `points` — each bit for bit
/// the row [`crate::sweep::run_sweep`] gives for that point.
///
/// # Errors
/// As [`crate::sweep::run_sweep`]; [`Points::select`]; the first error of `sink`.
#[allow(clippy::too_many_arguments)]
pub fn run_sweep_points(
    module: &dyn Module,
    params: &Tree,
    state: &Tree,
    input: &Array,
    sweep: &Sweep,
    points: &Points,
    opts: &SweepOptions<'_>,
    sink: Option<&dyn PointSink>,
) -> Result<Vec<PointResult>> {
    sweep.validate(module, params)?;
    let selected = points.select(sweep.len()?)?;
    in_pool(opts.threads, || {
        let shared = SharedPrefix::prepare(module, params, sweep, input, &evolve_options(opts))?;
        let stream = streams(opts, selected.len());
        crate::sweep::sweep_map_points(
            module,
            params,
            state,
            sweep,
            &selected,
            opts.base_seed,
            None,
            opts.progress,
            |k, p, s, overrides| {
                let r = evolve_point(
                    module,
                    p,
                    s,
                    input,
                    k,
                    overrides,
                    opts,
                    shared.as_ref(),
                    stream,
                )?;
                if let Some(sink) = sink {
                    sink.accept(&r)?;
                }
                Ok(r)
            },
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_points() {
        let mut all: Vec<usize> = (0..3)
            .flat_map(|i| {
                Points::Shard { index: i, count: 3 }
                    .select(10)
                    .unwrap_or_default()
            })
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert_eq!(
            Points::Shard { index: 4, count: 5 }.select(3).ok(),
            Some(vec![])
        );
        assert!(Points::Shard { index: 3, count: 3 }.select(10).is_err());
        assert!(Points::Shard { index: 0, count: 0 }.select(10).is_err());
        assert!(Points::Range(2..11).select(10).is_err());
        assert_eq!(Points::Range(2..4).select(10).ok(), Some(vec![2, 3]));
        assert!(Points::List(vec![1, 1]).select(10).is_err());
        assert!(Points::List(vec![10]).select(10).is_err());
    }
}
