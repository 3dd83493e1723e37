//! Seeded sparse initialisers: fixed connection probability and fixed in-degree, with
//! constant or drawn weights.
//!
//! Every random draw comes from `derive_seed(seed, path)`, then one stream per
//! presynaptic row (fixed probability) or per postsynaptic column (fixed in-degree),
//! labelled `"pre {i}"` / `"post {j}"`. Rows and columns are generated in parallel on the
//! current rayon pool and assembled in index order, so the matrix is bit-identical on any
//! number of threads. Lanes are generated in blocks, so the only temporary memory is one
//! block of lanes. Weights are drawn in `f64` and rounded to `T`, so an `f32` matrix
//! has the same structure as the `f64` one and its weights are the rounded `f64` weights.

use super::csr::{Csr, check_shape};
use littoral_core::limits::MAX_ELEMENTS;
use littoral_core::rng::{InitRng, derive_seed};
use littoral_core::{Error, Real, Result};
use rayon::prelude::*;

/// Which synapses exist.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Connectivity {
    /// Every (pre, post) pair is connected independently with probability `p`
    /// (Brian2's `connect(p=…)`). Drawn per row by geometric skipping, so the cost is
    /// O(synapses), not O(n_pre × n_post).
    FixedProbability {
        /// Connection probability in `[0, 1]`.
        p: f64,
        /// Whether neuron `i` may connect to itself (`false` needs a square matrix).
        autapses: bool,
    },
    /// Every postsynaptic neuron receives exactly `k` synapses from distinct presynaptic
    /// neurons drawn uniformly without replacement (NEST's `fixed_indegree`).
    FixedInDegree {
        /// In-degree of every postsynaptic neuron.
        k: usize,
        /// Whether neuron `i` may connect to itself (`false` needs a square matrix).
        autapses: bool,
    },
}

/// The weight of every synapse.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Weights {
    /// The same value everywhere.
    Constant(f64),
    /// Uniform in `[low, high)`.
    Uniform {
        /// Lower bound (inclusive).
        low: f64,
        /// Upper bound (exclusive); `>= low`.
        high: f64,
    },
    /// Normal with the given mean and standard deviation (`std >= 0`).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        std: f64,
    },
}

/// A sparse initialiser: structure and weights.
///
/// ```
/// use littoral_nets::sparse::{Connectivity, SparseInit, Weights};
/// let init = SparseInit {
///     connectivity: Connectivity::FixedProbability { p: 0.1, autapses: false },
///     weights: Weights::Constant(1.62),
/// };
/// let w = init.build::<f64>("1_LIF.w_rec", 200, 200, 42)?;
/// assert!(w.nnz() > 0 && w.nnz() < 200 * 200);
/// assert_eq!(w, init.build::<f64>("1_LIF.w_rec", 200, 200, 42)?); // same seed, same matrix
/// # Ok::<(), littoral_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SparseInit {
    /// Which synapses exist.
    pub connectivity: Connectivity,
    /// Their weights.
    pub weights: Weights,
}

/// One row's (or column's) synapses: partner indices in increasing order and weights.
type Lane = (Vec<u32>, Vec<f64>);

impl SparseInit {
    /// Draw a `(n_pre, n_post)` matrix for the leaf at `path` from `seed`.
    ///
    /// # Errors
    /// As [`SparseInit::synapse_bound`], checked before anything is drawn.
    pub fn build<T: Real>(
        &self,
        path: &str,
        n_pre: usize,
        n_post: usize,
        seed: u64,
    ) -> Result<Csr<T>> {
        let synapses = self.synapse_bound(path, n_pre, n_post)?;
        let leaf_seed = derive_seed(seed, path);
        match self.connectivity {
            Connectivity::FixedProbability { p, autapses } => {
                let row_lane = |i: usize| {
                    let mut rng = InitRng::new(derive_seed(leaf_seed, &format!("pre {i}")));
                    let skip_self = (!autapses).then_some(i);
                    self.probability_lane(&mut rng, p, n_post, skip_self)
                };
                // Reserved for the bound: one allocation in practice.
                Ok(from_rows(n_pre, n_post, synapses as usize, row_lane))
            }
            Connectivity::FixedInDegree { k, autapses } => {
                let candidates = candidates(autapses, n_pre);
                // A column's stream draws its presynaptic neurons, then their weights.
                let column = |j: usize| {
                    let mut rng = InitRng::new(derive_seed(leaf_seed, &format!("post {j}")));
                    let skip_self = (!autapses).then_some(j);
                    let pres = in_degree_pres(&mut rng, k, candidates, skip_self);
                    (rng, pres)
                };
                let column_lane = |j: usize| {
                    let (mut rng, pres) = column(j);
                    let weights = pres.iter().map(|_| self.draw_weight(&mut rng)).collect();
                    (pres, weights)
                };
                Ok(from_columns(n_pre, n_post, |j| column(j).1, column_lane))
            }
        }
    }

    /// The synapses a `(n_pre, n_post)` matrix of this initialiser holds — exactly for a
    /// fixed in-degree (`k` per column), for a fixed probability the expected count and
    /// six standard deviations (what [`SparseInit::build`] reserves) — after checking
    /// everything `build` checks, so that a caller can budget the drawing before it starts
    /// ([`SparseInit::draw_bytes`]).
    ///
    /// ```
    /// use littoral_nets::sparse::{Connectivity, SparseInit, Weights};
    /// let init = SparseInit {
    ///     connectivity: Connectivity::FixedInDegree { k: 20, autapses: false },
    ///     weights: Weights::Constant(0.5),
    /// };
    /// assert_eq!(init.synapse_bound("w_rec", 1000, 1000)?, 20_000);
    /// assert!(init.synapse_bound("w_rec", 1000, 999).is_err()); // autapses need a square
    /// # Ok::<(), littoral_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// `p` outside `[0, 1]` or not finite (`{path}.p`), `k` larger than the number of
    /// candidate partners (`{path}.k`), `autapses: false` on a non-square matrix
    /// (`{path}.autapses`), non-finite weight parameters, `high < low` or `std < 0`
    /// (`{path}.weight`), a side too large for `u32` indices, or more than
    /// [`MAX_ELEMENTS`] synapses (`path`).
    pub fn synapse_bound(&self, path: &str, n_pre: usize, n_post: usize) -> Result<u64> {
        check_shape(path, n_pre, n_post)?;
        self.check_weights(path)?;
        let synapses = match self.connectivity {
            Connectivity::FixedProbability { p, autapses } => {
                if !(0.0..=1.0).contains(&p) {
                    return Err(Error::invalid(
                        format!("{path}.p"),
                        format!("expected a probability in [0, 1], found {p}"),
                    ));
                }
                check_autapses(path, autapses, n_pre, n_post)?;
                let pairs = n_pre as f64 * n_post as f64;
                (pairs * p + 6.0 * (pairs * p * (1.0 - p)).sqrt()).min(pairs) as u64
            }
            Connectivity::FixedInDegree { k, autapses } => {
                check_autapses(path, autapses, n_pre, n_post)?;
                let candidates = candidates(autapses, n_pre);
                if k > candidates {
                    return Err(Error::invalid(
                        format!("{path}.k"),
                        format!(
                            "expected an in-degree of at most {candidates} (distinct presynaptic \
                             neurons{}), found {k}",
                            if autapses { "" } else { ", autapses excluded" }
                        ),
                    ));
                }
                (k as u64).saturating_mul(n_post as u64)
            }
        };
        check_synapses(path, synapses)?;
        Ok(synapses)
    }

    /// The most bytes [`SparseInit::build`] holds at once while it draws `synapses`
    /// ([`SparseInit::synapse_bound`]) of a `(n_pre, n_post)` matrix with `T` weights on
    /// the current rayon pool: the matrix (an index and a weight per synapse, `indptr`), a
    /// fixed in-degree's second `indptr` (its cursor), one block of lanes drawn in
    /// parallel, and per thread a fixed in-degree's scratch for one lane (Floyd's chosen
    /// set and its sorted list). `nets/tests/draw_memory.rs` checks it against a counting
    /// allocator.
    ///
    /// ```
    /// use littoral_nets::sparse::{Connectivity, SparseInit, Weights};
    /// let init = SparseInit {
    ///     connectivity: Connectivity::FixedProbability { p: 0.01, autapses: false },
    ///     weights: Weights::Constant(0.5),
    /// };
    /// let synapses = init.synapse_bound("w_rec", 100_000, 100_000)?;
    /// let bytes = init.draw_bytes::<f64>(100_000, 100_000, synapses);
    /// // 100 M synapses of a u32 index and an f64 weight (1.2 GB), and a block of 1,024
    /// // rows of about 1,000 synapses drawn at once (25 MB).
    /// assert!(bytes > 12 * 100_000_000 && bytes < 12 * 103_000_000);
    /// # Ok::<(), littoral_core::Error>(())
    /// ```
    pub fn draw_bytes<T: Real>(&self, n_pre: usize, n_post: usize, synapses: u64) -> u64 {
        let per_synapse = (std::mem::size_of::<u32>() + std::mem::size_of::<T>()) as u64;
        let (lanes, offsets, scratch) = match self.connectivity {
            Connectivity::FixedProbability { .. } => (n_pre, 1, 0),
            // A bitmap of at most 8k words or a hash set of k, and a list of k `usize`
            // grown by doubling.
            Connectivity::FixedInDegree { k, .. } => (n_post, 2, 96 * k as u64),
        };
        let block = BLOCK.min(lanes) as u64;
        let in_flight = (rayon::current_num_threads() as u64).min(block);
        // A lane holds `u32` indices and `f64` weights in vectors grown by doubling: up to
        // twice its synapses' 12 bytes.
        let block_synapses = synapses.saturating_mul(block) / lanes.max(1) as u64;
        let block_bytes = block
            .saturating_mul(std::mem::size_of::<Lane>() as u64)
            .saturating_add(block_synapses.saturating_mul(24))
            .saturating_add(in_flight.saturating_mul(scratch));
        synapses
            .saturating_mul(per_synapse)
            .saturating_add(block_bytes)
            .saturating_add((n_pre as u64 + 1).saturating_mul(8 * offsets))
    }

    fn check_weights(&self, path: &str) -> Result<()> {
        let bad = |message: String| Err(Error::invalid(format!("{path}.weight"), message));
        match self.weights {
            Weights::Constant(w) if !w.is_finite() => {
                bad(format!("expected a finite weight, found {w}"))
            }
            Weights::Uniform { low, high }
                if !(low.is_finite() && high.is_finite() && low <= high) =>
            {
                bad(format!(
                    "expected finite bounds with low <= high, found low = {low}, high = {high}"
                ))
            }
            Weights::Normal { mean, std }
                if !(mean.is_finite() && std.is_finite() && std >= 0.0) =>
            {
                bad(format!(
                    "expected a finite mean and a finite std >= 0, found mean = {mean}, std = {std}"
                ))
            }
            _ => Ok(()),
        }
    }

    fn draw_weight(&self, rng: &mut InitRng) -> f64 {
        match self.weights {
            Weights::Constant(w) => w,
            Weights::Uniform { low, high } => rng.uniform(low, high),
            Weights::Normal { mean, std } => mean + std * rng.normal(),
        }
    }

    /// One presynaptic row of a fixed-probability matrix: geometric gaps between
    /// successive synapses, `floor(ln U / ln(1 - p))` with `U` uniform in `(0, 1]`.
    fn probability_lane(
        &self,
        rng: &mut InitRng,
        p: f64,
        n_post: usize,
        skip_self: Option<usize>,
    ) -> Lane {
        let mut lane: Lane = (Vec::new(), Vec::new());
        if p == 0.0 {
            return lane;
        }
        let log_q = (-p).ln_1p(); // ln(1 - p), -inf for p = 1
        let mut j = 0usize;
        while j < n_post {
            if p < 1.0 {
                let u = 1.0 - rng.uniform(0.0, 1.0);
                let skip = (u.ln() / log_q).floor();
                if skip >= (n_post - j) as f64 {
                    break;
                }
                j += skip as usize;
            }
            if skip_self != Some(j) {
                lane.0.push(j as u32);
                lane.1.push(self.draw_weight(rng));
            }
            j += 1;
        }
        lane
    }
}

/// The presynaptic neurons of one postsynaptic column of a fixed-in-degree matrix: `k`
/// distinct candidates out of `candidates` by Floyd's algorithm, sorted; candidate `c` is
/// presynaptic neuron `c`, or `c + 1` from `skip_self` on (autapses excluded). The
/// column's weights are drawn from `rng` after them, so a pass that needs only the
/// structure stops here.
fn in_degree_pres(
    rng: &mut InitRng,
    k: usize,
    candidates: usize,
    skip_self: Option<usize>,
) -> Vec<u32> {
    let mut chosen = ChosenSet::new(k, candidates);
    for t in (candidates - k)..candidates {
        let r = ((rng.uniform(0.0, 1.0) * (t + 1) as f64) as usize).min(t);
        if !chosen.insert(r) {
            chosen.insert(t);
        }
    }
    chosen
        .into_sorted()
        .into_iter()
        .map(|c| match skip_self {
            Some(s) if c >= s => (c + 1) as u32,
            _ => c as u32,
        })
        .collect()
}

/// The set of candidates Floyd's algorithm has chosen: a bitmap when it is small next to
/// `k` (no hashing, sorted by construction), a hash set otherwise. Both give the same set.
enum ChosenSet {
    Bitmap(Vec<u64>),
    Hash(std::collections::HashSet<usize>),
}

impl ChosenSet {
    fn new(k: usize, candidates: usize) -> Self {
        let words = candidates.div_ceil(64);
        if words <= 8 * k.max(1) {
            ChosenSet::Bitmap(vec![0; words])
        } else {
            ChosenSet::Hash(std::collections::HashSet::with_capacity(k))
        }
    }

    /// Insert `c`; false if it was already there.
    fn insert(&mut self, c: usize) -> bool {
        match self {
            ChosenSet::Bitmap(words) => {
                let (word, bit) = (c / 64, 1u64 << (c % 64));
                let fresh = words[word] & bit == 0;
                words[word] |= bit;
                fresh
            }
            ChosenSet::Hash(set) => set.insert(c),
        }
    }

    fn into_sorted(self) -> Vec<usize> {
        match self {
            ChosenSet::Bitmap(words) => {
                let mut out = Vec::new();
                for (w, &bits) in words.iter().enumerate() {
                    let mut rest = bits;
                    while rest != 0 {
                        out.push(w * 64 + rest.trailing_zeros() as usize);
                        rest &= rest - 1;
                    }
                }
                out
            }
            ChosenSet::Hash(set) => {
                let mut out: Vec<usize> = set.into_iter().collect();
                out.sort_unstable();
                out
            }
        }
    }
}

/// The presynaptic neurons a column of a fixed in-degree may choose from.
fn candidates(autapses: bool, n_pre: usize) -> usize {
    if autapses {
        n_pre
    } else {
        n_pre.saturating_sub(1)
    }
}

fn check_autapses(path: &str, autapses: bool, n_pre: usize, n_post: usize) -> Result<()> {
    if !autapses && n_pre != n_post {
        return Err(Error::invalid(
            format!("{path}.autapses"),
            format!(
                "excluding autapses needs a square (recurrent) matrix, found {n_pre} × {n_post}"
            ),
        ));
    }
    Ok(())
}

/// Lanes generated at once (in parallel): the temporary memory of an initialiser is one
/// block of lanes, not a second copy of the matrix.
const BLOCK: usize = 1024;

/// Generate rows block by block (each block in parallel, assembled in row order) into a
/// CSR matrix; `reserve` is the expected number of synapses.
fn from_rows<T: Real>(
    n_pre: usize,
    n_post: usize,
    reserve: usize,
    row_lane: impl Fn(usize) -> Lane + Sync,
) -> Csr<T> {
    let mut indptr = Vec::with_capacity(n_pre + 1);
    let mut indices = Vec::with_capacity(reserve);
    let mut data = Vec::with_capacity(reserve);
    indptr.push(0);
    for start in (0..n_pre).step_by(BLOCK) {
        let rows: Vec<Lane> = (start..(start + BLOCK).min(n_pre))
            .into_par_iter()
            .map(&row_lane)
            .collect();
        for (cols, vals) in rows {
            indices.extend_from_slice(&cols);
            data.extend(vals.into_iter().map(T::of));
            indptr.push(indices.len());
        }
    }
    Csr::from_checked_parts(n_pre, n_post, indptr, indices, data)
}

/// Generate columns (presynaptic indices sorted, in range) block by block, twice: once
/// to count each row's synapses (`column_pres`: a column's presynaptic neurons only),
/// once to scatter them with their weights into place (`column_lane`). Visiting columns
/// in increasing order keeps every row sorted; the second pass regenerates the same
/// lanes from the same per-column streams instead of holding them all.
fn from_columns<T: Real>(
    n_pre: usize,
    n_post: usize,
    column_pres: impl Fn(usize) -> Vec<u32> + Sync,
    column_lane: impl Fn(usize) -> Lane + Sync,
) -> Csr<T> {
    let blocks = || {
        (0..n_post)
            .step_by(BLOCK)
            .map(|start| start..(start + BLOCK).min(n_post))
    };
    let mut indptr = vec![0usize; n_pre + 1];
    for block in blocks() {
        let columns: Vec<Vec<u32>> = block.into_par_iter().map(&column_pres).collect();
        for pres in &columns {
            for &i in pres {
                indptr[i as usize + 1] += 1;
            }
        }
    }
    for i in 0..n_pre {
        indptr[i + 1] += indptr[i];
    }
    let nnz = indptr[n_pre];
    let mut cursor = indptr.clone();
    let mut indices = vec![0u32; nnz];
    let mut data = vec![T::zero(); nnz];
    for block in blocks() {
        let first = block.start;
        let columns: Vec<Lane> = block.into_par_iter().map(&column_lane).collect();
        for (offset, (pres, weights)) in columns.iter().enumerate() {
            for (&i, &w) in pres.iter().zip(weights) {
                let at = cursor[i as usize];
                indices[at] = (first + offset) as u32;
                data[at] = T::of(w);
                cursor[i as usize] += 1;
            }
        }
    }
    Csr::from_checked_parts(n_pre, n_post, indptr, indices, data)
}

/// Refuse a structure of more than [`MAX_ELEMENTS`] synapses (its exact count, or for a
/// fixed probability the expected count and six standard deviations) before any is drawn:
/// what a few bytes of a network file ask for (`"k": 2` and a shape of 888,888,885 is
/// 1.8 G synapses, 7.1 GB for their indices alone) is bounded as an array's elements are.
fn check_synapses(path: &str, synapses: u64) -> Result<()> {
    if synapses > MAX_ELEMENTS {
        return Err(Error::invalid(
            path,
            format!(
                "{synapses} synapses, more than the {MAX_ELEMENTS} a structure may hold (the limit)"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::ChosenSet;
    use littoral_core::rng::InitRng;

    /// Floyd's choice of `k` out of `n` with either set gives the same sorted set.
    #[test]
    fn bitmap_and_hash_sets_choose_the_same() {
        for (k, n) in [
            (1, 1),
            (3, 10),
            (40, 100),
            (100, 100),
            (5, 100_000),
            (700, 5000),
        ] {
            let run = |mut set: ChosenSet| {
                let mut rng = InitRng::new(k as u64 * 31 + n as u64);
                for t in (n - k)..n {
                    let r = ((rng.uniform(0.0, 1.0) * (t + 1) as f64) as usize).min(t);
                    if !set.insert(r) {
                        set.insert(t);
                    }
                }
                set.into_sorted()
            };
            let bitmap = run(ChosenSet::Bitmap(vec![0; n.div_ceil(64)]));
            let hash = run(ChosenSet::Hash(Default::default()));
            assert_eq!(bitmap.len(), k);
            assert!(bitmap.windows(2).all(|w| w[0] < w[1]) && bitmap.iter().all(|&c| c < n));
            assert_eq!(bitmap, hash, "k = {k}, n = {n}");
        }
    }
}
