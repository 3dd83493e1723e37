//! The per-step barrier of [`super::Autonomous`]'s parts: it spins first (a step is a few
//! to tens of microseconds, so a sleeping barrier's wake-up on every step would dominate),
//! then sleeps. A part still waiting after [`SPIN`] is most likely waiting for a thread the
//! system has taken off its core (other processes on the machine): sleeping frees the
//! waiter's core, so the scheduler can run the late thread there instead of leaving it
//! queued behind another process while the waiter spins.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long a waiting part spins before it sleeps.
const SPIN: Duration = Duration::from_micros(50);

/// How long a part that has just woken a sleeper spins at its next wait: the sleeper is
/// late by its wake-up (~60–90 µs on the project's VM) plus a step. With [`SPIN`] there
/// too, the waker slept in turn and the two woke each other at every step (~120 µs a
/// step instead of ~12, measured).
const SPIN_AFTER_WAKING: Duration = Duration::from_micros(150);

/// Spin iterations between two looks at the clock.
const SPINS_PER_LOOK: u32 = 64;

/// A party's memory between its waits.
#[derive(Debug, Default)]
pub(super) struct Waiter {
    /// It released the last wait and woke sleepers.
    woke: bool,
}

/// Waits until all `parties` have arrived; reusable.
#[derive(Debug)]
pub(super) struct StepBarrier {
    parties: usize,
    arrived: AtomicUsize,
    generation: AtomicUsize,
    /// Parties asleep (or about to be) on `wake`.
    sleepers: AtomicUsize,
    lock: Mutex<()>,
    wake: Condvar,
}

impl StepBarrier {
    pub(super) fn new(parties: usize) -> Self {
        StepBarrier {
            parties,
            arrived: AtomicUsize::new(0),
            generation: AtomicUsize::new(0),
            sleepers: AtomicUsize::new(0),
            lock: Mutex::new(()),
            wake: Condvar::new(),
        }
    }

    /// Wait for every party; the last to arrive releases the others. Writes before the
    /// call are visible to every party after it.
    pub(super) fn wait(&self, me: &mut Waiter) {
        if self.parties < 2 {
            return;
        }
        let generation = self.generation.load(Ordering::Acquire);
        if self.arrived.fetch_add(1, Ordering::AcqRel) + 1 == self.parties {
            self.arrived.store(0, Ordering::Relaxed);
            // Sequentially consistent with the sleepers' count: either a sleeper counted
            // itself before this load (and is woken under the lock) or it sees the new
            // generation before it sleeps.
            self.generation.fetch_add(1, Ordering::SeqCst);
            me.woke = self.sleepers.load(Ordering::SeqCst) > 0;
            if me.woke {
                let _guard = self.guard();
                self.wake.notify_all();
            }
            return;
        }
        let spin = if std::mem::take(&mut me.woke) {
            SPIN_AFTER_WAKING
        } else {
            SPIN
        };
        // Most waits end within the first spins: the clock is read only after them.
        let mut start = None;
        loop {
            for _ in 0..SPINS_PER_LOOK {
                if self.generation.load(Ordering::Acquire) != generation {
                    return;
                }
                std::hint::spin_loop();
            }
            if start.get_or_insert_with(Instant::now).elapsed() >= spin {
                break;
            }
        }
        let mut guard = self.guard();
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        while self.generation.load(Ordering::SeqCst) == generation {
            guard = self.wake.wait(guard).unwrap_or_else(|e| e.into_inner());
        }
        self.sleepers.fetch_sub(1, Ordering::SeqCst);
    }

    fn guard(&self) -> MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;

    /// Each round, every party adds its contribution, waits, and checks the round's
    /// total; one party is made late (sleeps past `SPIN`) every few rounds so the
    /// sleeping path is taken.
    #[test]
    fn barrier_orders_rounds_spinning_and_sleeping() {
        let parties = 3;
        let rounds = 200u64;
        let barrier = StepBarrier::new(parties);
        let sums: Vec<AtomicU64> = (0..rounds).map(|_| AtomicU64::new(0)).collect();
        let wrong = AtomicU64::new(0);
        std::thread::scope(|s| {
            for p in 0..parties as u64 {
                let (barrier, sums, wrong) = (&barrier, &sums, &wrong);
                s.spawn(move || {
                    let mut me = Waiter::default();
                    for r in 0..rounds {
                        if r % 17 == p {
                            std::thread::sleep(SPIN * 4);
                        }
                        sums[r as usize].fetch_add(p + 1, Ordering::Relaxed);
                        barrier.wait(&mut me);
                        if sums[r as usize].load(Ordering::Relaxed) != 6 {
                            wrong.fetch_add(1, Ordering::Relaxed);
                        }
                        barrier.wait(&mut me);
                    }
                });
            }
        });
        assert_eq!(wrong.load(Ordering::Relaxed), 0);
    }
}
