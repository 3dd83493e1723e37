//! Batch samples on rayon inside a module: every sample is computed by the same code on
//! its own slices, so the bits do not depend on the number of threads.

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
