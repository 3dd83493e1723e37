//! How fast an engine's last long evolution ran, so that the next one can skip the probe.
//!
//! A long run is split into interruptible time chunks when it is estimated to take more
//! than a second (`run.rs`). The estimate used to come from a probe: a few steps evolved,
//! timed and thrown away before every call. The probe is a whole extra evolution (the
//! thread pool woken, the steps sliced out of the input), a fixed cost that W1 N=100's
//! ~0.4 ms run felt; and on a loaded machine a probe of 4 steps sometimes predicted more
//! than a second for W2's 70 ms, which then ran in chunks whose joining copies the output.
//!
//! A [`Pace`] keeps the seconds per time step that the engine's last call with the same
//! batch size and thread setting measured, over the whole run. While the parameters stay
//! the same (any change forgets the pace: the spike rate, so the work, may change), a run
//! that this pace puts under half the chunking limit runs in one call without a probe;
//! anything else probes as before. The pace only chooses between one call and chunks,
//! which give the same bits.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Seconds per time step of an engine's last evolution, per batch size and threads.
#[derive(Debug, Default)]
pub struct Pace(Mutex<Option<Measured>>);

#[derive(Clone, Copy, Debug, PartialEq)]
struct Measured {
    batch: usize,
    threads: Option<usize>,
    seconds_per_step: f64,
}

impl Pace {
    /// The seconds `steps` time steps of `batch` samples on `threads` threads should take
    /// (`None`: nothing comparable measured since the parameters last changed).
    pub fn estimate(&self, batch: usize, threads: Option<usize>, steps: usize) -> Option<f64> {
        let last = *self.lock();
        last.filter(|m| m.batch == batch && m.threads == threads)
            .map(|m| m.seconds_per_step * steps as f64)
    }

    /// Keep what a run of `steps` steps of `batch` samples on `threads` threads took.
    pub fn record(&self, batch: usize, threads: Option<usize>, steps: usize, seconds: f64) {
        if steps == 0 {
            return;
        }
        *self.lock() = Some(Measured {
            batch,
            threads,
            seconds_per_step: seconds / steps as f64,
        });
    }

    /// Forget the pace (the parameters changed).
    pub fn forget(&self) {
        *self.lock() = None;
    }

    /// The measurement (held a moment only; a panic while it was held left nothing
    /// half-written: it is one plain value).
    fn lock(&self) -> MutexGuard<'_, Option<Measured>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::Pace;

    #[test]
    fn estimates_scale_with_steps_for_the_same_batch_and_threads() {
        let pace = Pace::default();
        assert_eq!(pace.estimate(10, None, 1000), None);
        pace.record(10, None, 1000, 0.5);
        assert_eq!(pace.estimate(10, None, 1000), Some(0.5));
        assert_eq!(pace.estimate(10, None, 4000), Some(2.0));
        assert_eq!(pace.estimate(10, None, 0), Some(0.0));
    }

    #[test]
    fn another_batch_size_or_thread_setting_has_no_estimate() {
        let pace = Pace::default();
        pace.record(10, None, 1000, 0.5);
        assert_eq!(pace.estimate(1, None, 1000), None);
        assert_eq!(pace.estimate(10, Some(2), 1000), None);
        pace.record(1, Some(2), 100, 0.25);
        assert_eq!(pace.estimate(10, None, 1000), None);
        assert_eq!(pace.estimate(1, Some(2), 1000), Some(2.5));
    }

    #[test]
    fn forgetting_and_empty_runs_leave_no_estimate() {
        let pace = Pace::default();
        pace.record(10, None, 0, 0.5);
        assert_eq!(pace.estimate(10, None, 1000), None);
        pace.record(10, None, 1000, 0.5);
        pace.forget();
        assert_eq!(pace.estimate(10, None, 1000), None);
    }
}
