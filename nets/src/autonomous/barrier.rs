//! A spinning barrier for the per-step synchronisation of [`super::Autonomous`]'s parts:
//! a step is tens of microseconds, so a sleeping barrier's wake-up would dominate.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Spins (then yields) until all `parties` have arrived; reusable.
#[derive(Debug)]
pub(super) struct SpinBarrier {
    parties: usize,
    arrived: AtomicUsize,
    generation: AtomicUsize,
}

/// Spins before yielding the core (the machine may have fewer free cores than parties).
const SPINS: u32 = 1 << 14;

impl SpinBarrier {
    pub(super) fn new(parties: usize) -> Self {
        SpinBarrier {
            parties,
            arrived: AtomicUsize::new(0),
            generation: AtomicUsize::new(0),
        }
    }

    /// Wait for every party; the last to arrive releases the others. Writes before the
    /// call are visible to every party after it.
    pub(super) fn wait(&self) {
        if self.parties < 2 {
            return;
        }
        let generation = self.generation.load(Ordering::Acquire);
        if self.arrived.fetch_add(1, Ordering::AcqRel) + 1 == self.parties {
            self.arrived.store(0, Ordering::Relaxed);
            self.generation.fetch_add(1, Ordering::Release);
            return;
        }
        let mut spins = 0;
        while self.generation.load(Ordering::Acquire) == generation {
            if spins < SPINS {
                spins += 1;
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }
}
