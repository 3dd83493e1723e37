//! `evolve_par`: a batch fanned out over rayon, bit-identical to the sequential evolve.
//!
//! The input `(B, T, N)` and every State leaf are split on their batch axis into chunks of
//! samples; each chunk is evolved by [`Module::evolve_batch`] on a rayon task; outputs,
//! states and records are concatenated back in sample order. Samples never interact and
//! each sample's noise stream is keyed by its own key (held in its row of `rng_key`), so
//! the bits do not depend on the chunk size or on the number of threads. There are no
//! float reductions across chunks.
//!
//! Parameters are shared by reference: every task reads the same `&Tree`, whose leaves are
//! `Arc`s. The global rayon pool is never reconfigured; [`ParOptions::threads`] builds a
//! local pool for the one call.

use crate::error::{Error, Result};
use littoral_core::batch::batch_input;
use littoral_core::{Array, Evolution, Leaf, Module, ModuleExt, Record, Recording, Tree, Value};
use rayon::prelude::*;
use std::num::NonZeroUsize;
use std::sync::Arc;

/// Options of [`evolve_par`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParOptions {
    /// What to record (as [`littoral_core::EvolveOptions::record`]).
    pub record: Recording,
    /// Samples per task; `None` gives the whole batch to the module, which fans its
    /// samples out over the pool itself (one fan-out, no split and join of the batch). The
    /// result is the same bits for every value.
    pub chunk_size: Option<NonZeroUsize>,
    /// Run on a local pool of this many threads, built for the call (`Some(0)` means
    /// rayon's default count); `None` uses the pool the caller runs in (the global pool
    /// unless the caller installed another).
    pub threads: Option<usize>,
    /// Accept NaN and infinite input (rejected by default, as in
    /// [`littoral_core::EvolveOptions`]).
    pub allow_non_finite_input: bool,
}

impl ParOptions {
    /// Options with what to record (a [`Recording`], or a `bool` as Rockpool's) and
    /// everything else default.
    pub fn record(record: impl Into<Recording>) -> Self {
        ParOptions {
            record: record.into(),
            ..ParOptions::default()
        }
    }

    /// The same options with a chunk size.
    #[must_use]
    pub fn with_chunk_size(mut self, chunk: NonZeroUsize) -> Self {
        self.chunk_size = Some(chunk);
        self
    }

    /// The same options on a local pool of `threads` threads.
    #[must_use]
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads);
        self
    }
}

/// Run `f` on a local pool of `threads` threads when given, else in the current pool.
///
/// # Errors
/// [`Error::ThreadPool`] when the pool cannot be built; `f`'s own error.
pub fn in_pool<R: Send>(threads: Option<usize>, f: impl FnOnce() -> Result<R> + Send) -> Result<R> {
    match threads {
        None => f(),
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| Error::ThreadPool {
                    threads: n,
                    message: e.to_string(),
                })?;
            pool.install(f)
        }
    }
}

/// Evolve `input` (`(T,)`, `(T, Nin)` or `(B, T, Nin)`) from `state` with the batch fanned
/// out over rayon. Validation and batching are exactly those of
/// [`ModuleExt::evolve_with`]; the result is bit-identical to it for every chunk size and
/// thread count.
///
/// ```
/// use littoral_core::{Array, ModuleExt, tree_bits_eq};
/// use littoral_functional::par::{evolve_par, ParOptions};
/// use littoral_nets::Lif;
/// let lif = Lif::new(3).with_noise_std(0.1)?;
/// let tree = lif.init(1);
/// let x = Array::full(vec![8, 20, 3], 0.5);                   // (B, T, N)
/// let seq = lif.evolve(&tree, &tree, &x, true)?;
/// let par = evolve_par(&lif, &tree, &tree, &x, &ParOptions::record(true).with_threads(2))?;
/// assert!(par.output.bits_eq(&seq.output));
/// assert!(tree_bits_eq(&par.state, &seq.state));
/// # Ok::<(), littoral_functional::Error>(())
/// ```
///
/// # Errors
/// Everything [`ModuleExt::evolve_with`] rejects; [`Error::ThreadPool`].
pub fn evolve_par(
    module: &dyn Module,
    params: &Tree,
    state: &Tree,
    input: &Array,
    opts: &ParOptions,
) -> Result<Evolution> {
    let x = batch_input(input, module.size_in())?;
    if !opts.allow_non_finite_input
        && opts.chunk_size.is_some()
        && let Some((index, value)) = x.first_non_finite()
    {
        return Err(littoral_core::Error::NonFinite {
            path: "input".into(),
            index,
            value,
        }
        .into());
    }
    let batch = x.shape()[0];
    let batched = module
        .check_params(params)
        .and_then(|()| module.batch_state(state, batch))
        .map_err(|e| match opts.allow_non_finite_input {
            // Non-finite input is reported before any other problem.
            false => littoral_core::input_check::non_finite_input(x.view()).unwrap_or(e),
            true => e,
        })?;
    in_pool(opts.threads, || {
        let chunk = opts.chunk_size.map_or(batch, NonZeroUsize::get);
        if chunk >= batch {
            // The input check as in `ModuleExt::evolve_with`: in the kernel's own pass
            // when it claims it (when chunked, checked above).
            let evolve = || module.evolve_batch(params, &batched, x.view(), opts.record);
            return Ok(
                if opts.allow_non_finite_input || opts.chunk_size.is_some() {
                    evolve()?
                } else {
                    littoral_core::input_check::evolve_checked(x.view(), evolve)?
                },
            );
        }
        let ranges: Vec<(usize, usize)> = (0..batch)
            .step_by(chunk)
            .map(|s| (s, (s + chunk).min(batch)))
            .collect();
        let parts = ranges
            .par_iter()
            .map(|&(s, e)| -> Result<Evolution> {
                let xs = x.slice_axis0(s, e)?;
                let st = slice_tree(&batched, s, e)?;
                Ok(module.evolve_batch(params, &st, xs.view(), opts.record)?)
            })
            .collect::<Result<Vec<_>>>()?;
        concat_evolutions(&parts)
    })
}

/// Rows `start..end` (samples) of every leaf of a batched tree.
///
/// # Errors
/// A leaf without a batch axis long enough, naming its path.
pub fn slice_tree(tree: &Tree, start: usize, end: usize) -> Result<Tree> {
    tree.try_map(&mut |path, leaf| {
        let value = match &leaf.value {
            Value::F64(a) => Value::F64(Arc::new(
                a.slice_axis0(start, end).map_err(|e| at(e, path))?,
            )),
            Value::U64(a) => Value::U64(Arc::new(
                a.slice_axis0(start, end).map_err(|e| at(e, path))?,
            )),
        };
        Ok(leaf.with_value(value))
    })
}

/// Concatenate evolutions of consecutive sample chunks along the batch axis.
///
/// # Errors
/// Parts whose structures or trailing shapes differ, naming the path.
pub fn concat_evolutions(parts: &[Evolution]) -> Result<Evolution> {
    let outputs: Vec<&Array> = parts.iter().map(|p| &p.output).collect();
    let output = Array::concat_axis0(&outputs).map_err(|e| at(e, "output"))?;
    let states: Vec<&Tree> = parts.iter().map(|p| &p.state).collect();
    let records: Vec<&Record> = parts.iter().map(|p| &p.record).collect();
    Ok(Evolution::new(
        output,
        concat_trees(&states, 0)?,
        concat_records(&records, 0)?,
    ))
}

/// Concatenate trees of identical structure leaf by leaf along `axis` (0: batch, 1: time).
/// Kinds and families come from the first tree.
///
/// # Errors
/// A path missing from a part, mixed element types, or shapes that do not fit.
pub fn concat_trees(parts: &[&Tree], axis: usize) -> Result<Tree> {
    let Some(first) = parts.first() else {
        return Ok(Tree::new());
    };
    first.try_map(&mut |path, leaf| {
        let value = match &leaf.value {
            Value::F64(_) => {
                let arrays = parts
                    .iter()
                    .map(|t| {
                        leaf_at(t, path)?
                            .value
                            .as_f64()
                            .map(|a| &**a)
                            .ok_or_else(|| dtype(path))
                    })
                    .collect::<Result<Vec<_>>>()?;
                Value::F64(Arc::new(
                    concat_axis(&arrays, axis).map_err(|e| at(e, path))?,
                ))
            }
            Value::U64(_) => {
                let arrays = parts
                    .iter()
                    .map(|t| {
                        leaf_at(t, path)?
                            .value
                            .as_u64()
                            .map(|a| &**a)
                            .ok_or_else(|| dtype(path))
                    })
                    .collect::<Result<Vec<_>>>()?;
                Value::U64(Arc::new(
                    concat_axis(&arrays, axis).map_err(|e| at(e, path))?,
                ))
            }
        };
        Ok(leaf.with_value(value))
    })
}

/// Concatenate records of identical structure leaf by leaf along `axis`.
///
/// # Errors
/// A path missing from a part or shapes that do not fit.
pub fn concat_records(parts: &[&Record], axis: usize) -> Result<Record> {
    let Some(first) = parts.first() else {
        return Ok(Record::new());
    };
    first.try_map(&mut |path, _| {
        let arrays = parts
            .iter()
            .map(|r| {
                r.get(path).ok_or_else(|| {
                    Error::from(littoral_core::Error::MissingPath {
                        path: path.to_string(),
                    })
                })
            })
            .collect::<Result<Vec<_>>>()?;
        concat_axis(&arrays, axis).map_err(|e| at(e, path))
    })
}

/// Concatenate arrays along axis 0 or 1 (all other axes must agree):
/// [`Array::concat_axis0`] and [`Array::concat_axis1`].
///
/// # Errors
/// An axis the arrays do not have, or disagreeing shapes.
pub fn concat_axis<T: Copy>(parts: &[&Array<T>], axis: usize) -> Result<Array<T>> {
    match axis {
        0 => Ok(Array::concat_axis0(parts)?),
        1 => Ok(Array::concat_axis1(parts)?),
        _ => Err(
            littoral_core::Error::invalid("array", "only axes 0 and 1 can be concatenated").into(),
        ),
    }
}

/// Steps `start..end` of a `(B, T, …)` array or view (axis 1):
/// [`littoral_core::ArrayView::slice_axis1`].
///
/// # Errors
/// An array with fewer than two axes or a range outside the time axis.
pub fn slice_axis1<'a, T: Copy + 'a>(
    a: impl Into<littoral_core::ArrayView<'a, T>>,
    start: usize,
    end: usize,
) -> Result<Array<T>> {
    Ok(a.into().slice_axis1(start, end)?)
}

fn leaf_at<'t>(tree: &'t Tree, path: &str) -> Result<&'t Leaf> {
    tree.get(path).ok_or_else(|| {
        littoral_core::Error::MissingPath {
            path: path.to_string(),
        }
        .into()
    })
}

fn dtype(path: &str) -> Error {
    littoral_core::Error::Kind {
        path: path.to_string(),
        expected: "the same element type in every part".into(),
        found: "mixed f64 and u64".into(),
    }
    .into()
}

/// Attribute a core array error to a tree path.
fn at(e: impl Into<Error>, path: &str) -> Error {
    match e.into() {
        Error::Core(littoral_core::Error::Invalid { message, .. }) => {
            littoral_core::Error::invalid(path, message).into()
        }
        other => other,
    }
}
