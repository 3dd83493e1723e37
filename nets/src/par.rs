//! Batch samples on rayon inside a module: every sample is computed by the same code on
//! its own slices, so the bits do not depend on the number of threads.

use littoral_core::Array;
use rayon::prelude::*;

/// Work (elements × steps) below which a batch is run on the calling thread: spawning
/// tasks costs more than it saves.
pub const PAR_MIN_WORK: usize = 1 << 16;

/// Run `f` on every sample's task, on the current rayon pool when there is more than one
/// sample and at least [`PAR_MIN_WORK`] of `work`, else in order on this thread. Run the
/// call inside a one-thread pool (`rayon::ThreadPoolBuilder::new().num_threads(1)`) to keep
/// it on one thread.
pub fn for_each_sample<T: Send>(tasks: Vec<T>, work: usize, f: impl Fn(T) + Sync + Send) {
    if tasks.len() > 1 && work >= PAR_MIN_WORK && rayon::current_num_threads() > 1 {
        tasks.into_par_iter().with_max_len(1).for_each(f);
    } else {
        tasks.into_iter().for_each(f);
    }
}

/// Elements below which [`zeros`] fills on the calling thread (2 MiB of `f64`).
const PAR_ZERO_MIN: usize = 1 << 18;

/// An array of zeros of `shape`, for outputs that the samples' tasks then fill. A large
/// one is zeroed by the threads of the current pool, each a part: `Array::zeros` zeroes
/// the allocator's recycled memory with one `memset` on the calling thread (and takes the
/// page faults of fresh memory there), a serial step before the batch fans out — in W1,
/// 80 MB, the part of the run that does not get faster with a second thread
/// (`docs/performance.md`). The values are the same zeros.
pub fn zeros(shape: Vec<usize>) -> Array {
    let n: usize = shape.iter().product();
    if n < PAR_ZERO_MIN || rayon::current_num_threads() == 1 {
        return Array::zeros(shape);
    }
    let mut data = Vec::with_capacity(n);
    data.par_extend(rayon::iter::repeat_n(0.0, n));
    Array::from_shape_vec(shape.clone(), data).unwrap_or_else(|_| Array::zeros(shape))
}

#[cfg(test)]
mod tests {
    use super::{PAR_ZERO_MIN, zeros};

    /// On a pool of two threads, above and below the threshold: the shape asked for and
    /// every element `+0.0`.
    #[test]
    fn zeros_are_positive_zeros_of_the_shape() -> Result<(), rayon::ThreadPoolBuildError> {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build()?;
        for shape in [vec![3, PAR_ZERO_MIN / 3 + 7, 2], vec![2, 5, 3]] {
            let a = pool.install(|| zeros(shape.clone()));
            assert_eq!(a.shape(), shape.as_slice());
            assert_eq!(a.len(), shape.iter().product::<usize>());
            assert!(a.data().iter().all(|v| v.to_bits() == 0));
        }
        Ok(())
    }
}
