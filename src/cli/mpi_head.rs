//! The shared head of a sweep (the leading stages of a chain that no point changes, see
//! [`littoral_functional::sweep_prepared`]) evaluated by samples split across the ranks
//! of an MPI job: each rank evolves its contiguous share of the batch, sends it to every
//! other rank and receives theirs (non-blocking, point to point), and keeps the shares
//! as parts of the head's output in sample order. Samples never interact, so the parts
//! hold the bits one process computes.
//!
//! The parts are not gathered into one buffer: copying a rank's own share into fresh
//! memory faulted its pages in one by one, and on the 2-core VM that `MPI_Allgatherv`
//! (8 MB for W4) took 4.5–6.3 ms, as long as the share's evolution, where receiving the
//! other share into a buffer of its own takes 0.5–0.9 ms (docs/scale-out.md, thirteenth
//! round).
//!
//! Every rank takes part in the exchange exactly once, also when it failed before
//! preparing the sweep ([`HeadExchange::skip`]): a small header goes round first (whether
//! the rank has its share, a key of the sweep's manifest, the batch and the shape of a
//! sample's output); unless every rank has its share of the same head, no data is exchanged and each rank evaluates the
//! whole head itself, as without the split, so that errors arise and are reported as in
//! one process.

use super::mpi_wire::TAG_HEAD;
use littoral_core::Array;
use littoral_functional::Result;
use littoral_functional::sweep_prepared::SharedHead;
use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator, CommunicatorCollectives, Destination, Source};
use std::cell::Cell;
use std::ops::Range;

/// Numbers in the header each rank sends: has its share, the sweep's key, batch, steps,
/// outputs.
const HEADER: usize = 5;

/// The exchange of the shared head among the ranks of `world`, reached once per rank.
pub struct HeadExchange<'w> {
    world: &'w SimpleCommunicator,
    /// This rank has taken part (kept by the caller, which outlives the exchange).
    done: &'w Cell<bool>,
}

impl<'w> HeadExchange<'w> {
    /// The exchange among `world`; `done` tells whether this rank has taken part.
    pub fn new(world: &'w SimpleCommunicator, done: &'w Cell<bool>) -> Self {
        HeadExchange { world, done }
    }

    /// This rank's share of the head (`head`, `None` when the sweep shares none) evolved
    /// in `pool`, and every rank's share, as the parts of the head's output in sample
    /// order; the whole head evolved here (one part) when some rank has no share of the
    /// same head. `key` names the sweep (its manifest: network, input, grid): ranks that
    /// read other files do not mix their heads (rank 0 then reports the difference).
    ///
    /// # Errors
    /// Evolution errors of the head.
    pub fn share(
        &self,
        head: Option<&SharedHead<'_>>,
        pool: &rayon::ThreadPool,
        key: u64,
    ) -> Result<Option<Vec<Array>>> {
        let Some(head) = head else {
            self.skip();
            return Ok(None);
        };
        self.done.set(true);
        let (ranks, rank) = (self.ranks(), self.rank());
        let b = head.batch();
        let [t, n] = head.sample_shape();
        let mine = samples(rank, ranks, b);
        let part = if mine.is_empty() {
            Ok(Array::zeros(vec![0, t, n]))
        } else {
            pool.install(|| head.evolve_samples(mine.clone()))
        };
        let fits = b >= 2 && i32::try_from(b * t * n).is_ok();
        let ok = matches!(&part, Ok(p) if p.shape() == [mine.len(), t, n]) && fits;
        let want = [1, key, b as u64, t as u64, n as u64];
        let all = self.headers(if ok { want } else { [0; HEADER] });
        let agreed = all.chunks(HEADER).all(|h| h == want);
        let part = match part {
            Ok(p) if agreed => p,
            // As in one process: the whole head here (its error, if any, is the one
            // process's).
            _ => {
                return pool
                    .install(|| head.evolve_samples(0..b))
                    .map(|w| Some(vec![w]));
            }
        };
        let mut shares = self.exchange(&part, b, t * n);
        shares[rank] = part.into_data();
        let mut parts = Vec::with_capacity(ranks);
        for (r, share) in shares.into_iter().enumerate() {
            let count = samples(r, ranks, b).len();
            if count > 0 {
                parts.push(Array::from_shape_vec(vec![count, t, n], share)?);
            }
        }
        Ok(Some(parts))
    }

    /// Send this rank's share of the head (`part`, samples of `len` numbers each, of a
    /// batch of `b`) to every other rank and receive theirs: every rank's share in rank
    /// order, this rank's left empty (the caller puts its own there).
    fn exchange(&self, part: &Array, b: usize, len: usize) -> Vec<Vec<f64>> {
        let (ranks, rank) = (self.ranks(), self.rank());
        let mut shares: Vec<Vec<f64>> = (0..ranks)
            .map(|r| {
                if r == rank {
                    Vec::new()
                } else {
                    vec![0.0; samples(r, ranks, b).len() * len]
                }
            })
            .collect();
        mpi::request::multiple_scope(2 * ranks, |scope, requests| {
            for (other, share) in (0..self.world.size()).zip(shares.iter_mut()) {
                if other == self.world.rank() {
                    continue;
                }
                let process = self.world.process_at_rank(other);
                if !share.is_empty() {
                    requests.add(process.immediate_receive_into_with_tag(
                        scope,
                        &mut share[..],
                        TAG_HEAD,
                    ));
                }
                if !part.is_empty() {
                    requests.add(process.immediate_send_with_tag(scope, part.data(), TAG_HEAD));
                }
            }
            requests.wait_all(&mut Vec::new());
        });
        shares
    }

    /// Take part in the exchange with no share (this rank failed before preparing the
    /// sweep, or the sweep shares no head); nothing when this rank has taken part.
    pub fn skip(&self) {
        if !self.done.replace(true) {
            let _ = self.headers([0; HEADER]);
        }
    }

    /// Every rank's header, in rank order.
    fn headers(&self, mine: [u64; HEADER]) -> Vec<u64> {
        let mut all = vec![0u64; HEADER * self.ranks()];
        self.world.all_gather_into(&mine[..], &mut all[..]);
        all
    }

    fn ranks(&self) -> usize {
        usize::try_from(self.world.size()).unwrap_or(1)
    }

    fn rank(&self) -> usize {
        usize::try_from(self.world.rank()).unwrap_or(0)
    }
}

/// The samples of a batch of `b` that rank `rank` of `ranks` evolves: a contiguous share,
/// the shares in rank order covering the batch.
fn samples(rank: usize, ranks: usize, b: usize) -> Range<usize> {
    let ranks = ranks.max(1);
    rank * b / ranks..(rank + 1) * b / ranks
}

#[cfg(test)]
mod tests {
    use super::samples;

    /// The shares cover the batch once, in order, as evenly as can be.
    #[test]
    fn shares_cover_the_batch() {
        for (ranks, b) in [(2, 4), (3, 4), (4, 2), (2, 1), (5, 17)] {
            let all: Vec<usize> = (0..ranks).flat_map(|r| samples(r, ranks, b)).collect();
            assert_eq!(all, (0..b).collect::<Vec<_>>(), "{ranks} ranks, batch {b}");
            let sizes: Vec<usize> = (0..ranks).map(|r| samples(r, ranks, b).len()).collect();
            let (lo, hi) = (sizes.iter().min(), sizes.iter().max());
            assert!(hi.zip(lo).is_some_and(|(h, l)| h - l <= 1), "{sizes:?}");
        }
    }
}
