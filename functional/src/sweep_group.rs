//! The points of a sweep run in groups that walk their shared input together
//! ([`crate::sweep_stream::summarise_group`]): each group goes to one thread, and reads
//! each block of the input from memory once for all its points.
//!
//! Which points share a group changes no number (a point depends only on its index, see
//! [`crate::sweep`]); only the memory traffic, and the order in which rows reach a sink,
//! depend on it. Groups are at most [`MAX_GROUP`] points, and with several threads they
//! shrink as the part goes (guided: about half an even share of the points left); the
//! threads take them in order from one queue, so that they finish within about one small
//! group of each other.

use crate::error::Result;
use crate::sweep::{
    Overrides, PointResult, PointSummary, Progress, Sweep, SweepOptions, evolve_options,
    evolve_point, streamed_point,
};
use crate::sweep_points::PointSink;
use crate::sweep_prefix::SharedPrefix;
use crate::sweep_stream::summarise_group;
use littoral_core::{Array, Module, Tree};
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The most points one group holds. Past a few points the input's traffic is small
/// beside the points' own work (W4: 8 MB of input per group instead of per point).
pub(crate) const MAX_GROUP: usize = 16;

/// What every group of a part shares: the network, its base trees, the sweep, the input
/// and the shared head (if any), how the points run, and who hears of each result.
pub(crate) struct Part<'a> {
    pub module: &'a dyn Module,
    pub params: &'a Tree,
    pub state: &'a Tree,
    pub input: &'a Array,
    pub sweep: &'a Sweep,
    pub opts: &'a SweepOptions<'a>,
    pub shared: Option<&'a SharedPrefix>,
    /// Evolve by blocks ([`crate::sweep::streams`]); else every point alone and whole.
    pub stream: bool,
    pub progress: Option<Progress<'a>>,
    pub sink: Option<&'a dyn PointSink>,
}

impl Part<'_> {
    /// Evolve `points` (in parallel in the current pool, by groups), hand each result to
    /// the sink and the progress callback as its group completes, and return them in the
    /// order of `points`.
    ///
    /// # Errors
    /// Evolution errors; the first error of the sink.
    pub(crate) fn run(&self, points: &[usize]) -> Result<Vec<PointResult>> {
        let total = points.len();
        let threads = rayon::current_num_threads();
        let mut groups = Vec::new();
        let mut rest = points;
        for size in group_sizes(total, threads, self.stream) {
            let (group, tail) = rest.split_at(size);
            groups.push(group);
            rest = tail;
        }
        // The groups in order from one queue: the large first groups start first, and a
        // thread takes the next one when it is free (not a fixed half of the list).
        let next = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let taken: Vec<Vec<(usize, Vec<PointResult>)>> = (0..threads.min(groups.len()))
            .into_par_iter()
            .map(|_| {
                let mut mine = Vec::new();
                loop {
                    let g = next.fetch_add(1, Ordering::Relaxed);
                    let Some(group) = groups.get(g) else {
                        return Ok(mine);
                    };
                    let results = self.deliver(group, &done, total);
                    if results.is_err() {
                        // Stop handing out groups: the sweep ends with this error.
                        next.store(groups.len(), Ordering::Relaxed);
                    }
                    mine.push((g, results?));
                }
            })
            .collect::<Result<_>>()?;
        let mut taken: Vec<(usize, Vec<PointResult>)> = taken.into_iter().flatten().collect();
        taken.sort_unstable_by_key(|(g, _)| *g);
        Ok(taken.into_iter().flat_map(|(_, r)| r).collect())
    }

    /// Evolve one group, then hand each result to the sink and count it for progress.
    fn deliver(
        &self,
        group: &[usize],
        done: &AtomicUsize,
        total: usize,
    ) -> Result<Vec<PointResult>> {
        let results = self.evolve_group(group)?;
        for r in &results {
            if let Some(sink) = self.sink {
                sink.accept(r)?;
            }
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if let Some(cb) = self.progress {
                cb(n, total);
            }
        }
        Ok(results)
    }

    /// The points of one group: walked together when streamed, else each alone. A point
    /// whose walk failed is evolved whole, which reports its error as one point alone.
    fn evolve_group(&self, group: &[usize]) -> Result<Vec<PointResult>> {
        let trees: Vec<(usize, Tree, Tree, Overrides)> = group
            .iter()
            .map(|&k| {
                let (p, s, overrides) = self.sweep.point_trees(
                    self.module,
                    self.params,
                    self.state,
                    self.opts.base_seed,
                    k,
                )?;
                Ok((k, p, s, overrides))
            })
            .collect::<Result<_>>()?;
        let alone = |(k, p, s, overrides): (usize, Tree, Tree, Overrides), stream: bool| {
            evolve_point(
                self.module,
                &p,
                &s,
                self.input,
                k,
                overrides,
                self.opts,
                self.shared,
                stream,
            )
        };
        if !self.stream || trees.len() < 2 {
            return trees.into_iter().map(|t| alone(t, self.stream)).collect();
        }
        let points: Vec<_> = trees
            .iter()
            .map(|(_, p, s, _)| streamed_point(self.module, p, s, self.input, self.shared))
            .collect();
        let walked = summarise_group(&points, &evolve_options(self.opts));
        drop(points);
        trees
            .into_iter()
            .zip(walked)
            .map(|(t, w)| match w {
                Ok((signals, seconds)) => {
                    let (index, params, _, overrides) = t;
                    Ok(PointResult {
                        summary: PointSummary {
                            index,
                            overrides,
                            seconds,
                            signals,
                        },
                        params,
                        evolution: None,
                    })
                }
                Err(_) => alone(t, false),
            })
            .collect()
    }
}

/// The sizes of the groups of `points` points run on `threads` threads, in order: single
/// points when not `stream`ed; else at most [`MAX_GROUP`], and with several threads about
/// half an even share of the points left (one at least).
pub(crate) fn group_sizes(points: usize, threads: usize, stream: bool) -> Vec<usize> {
    let threads = threads.max(1);
    let mut sizes = Vec::new();
    let mut left = points;
    while left > 0 {
        let size = if !stream {
            1
        } else if threads == 1 {
            MAX_GROUP
        } else {
            left.div_ceil(2 * threads)
        };
        let size = size.clamp(1, MAX_GROUP).min(left);
        sizes.push(size);
        left -= size;
    }
    sizes
}

#[cfg(test)]
mod tests {
    use super::{MAX_GROUP, group_sizes};

    /// Groups cover every point once, in order: single points without streaming, groups
    /// of [`MAX_GROUP`] on one thread, shrinking groups on several.
    #[test]
    fn group_sizes_cover_the_points() {
        assert_eq!(group_sizes(5, 4, false), vec![1; 5]);
        assert_eq!(group_sizes(40, 1, true), vec![MAX_GROUP, MAX_GROUP, 8]);
        let two = group_sizes(64, 2, true);
        assert_eq!(two[..3], [MAX_GROUP, 12, 9]);
        assert_eq!(two.last(), Some(&1));
        assert_eq!(two.iter().sum::<usize>(), 64);
        assert!(group_sizes(0, 2, true).is_empty());
        assert_eq!(group_sizes(3, 0, true), vec![3], "no thread counts as one");
    }
}
