//! The pool's threads kept awake while a command reads its input, so that its evolution
//! starts on every core at once.
//!
//! A command starts its pool ([`super::run::on_pool`]), then reads and checks its input
//! (milliseconds) before the evolution forks any work. Meanwhile rayon parks the idle
//! threads, and on a VM the idle vCPU halts: the evolution's first fork then waits for a
//! parked thread (and its vCPU) to wake. That wait is part of `evolve_seconds`, and of a
//! short evolution a large part (`docs/performance-record.md`, "Eighteenth round").
//!
//! [`keep_awake`] makes every thread of the pool poll for work ([`rayon::yield_now`])
//! instead of parking, until the first piece of pool work has run or a time limit has
//! passed, whichever comes first: OpenMP's active wait (`OMP_WAIT_POLICY=active`), for
//! the start of a command only. It changes when threads look for work, never what they
//! compute.
use rayon::{ThreadPool, Yield};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The longest a command's threads are kept awake: Intel OpenMP's default spin time
/// before a thread sleeps (`KMP_BLOCKTIME`), and longer than reading W1 N=1000's 80 MB
/// input takes here (50 ms was not: `docs/performance-record.md`, "Eighteenth round").
pub const LONGEST: Duration = Duration::from_millis(200);

/// Keep `pool`'s threads polling for work until one of them has run a piece of it, or
/// for `longest` (see the [module docs](self)). Nothing for a pool of one thread (it
/// runs the command itself), nor for more threads than cores (a polling thread would take
/// a core from the one reading the input).
pub fn keep_awake(pool: &ThreadPool, longest: Duration) {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    if !(2..=cores).contains(&pool.current_num_threads()) {
        return;
    }
    let started = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + longest;
    pool.spawn_broadcast(move |_| {
        // The process's one CPU feature detection (cached by `std` for every later
        // `pulp` dispatch), here rather than in the first evolution: each `cpuid` traps
        // to the hypervisor on a VM (5.3 µs here), and the detection took 33–37 µs.
        let _ = pulp::Arch::new();
        while !started.load(Ordering::Relaxed) && Instant::now() < deadline {
            match rayon::yield_now() {
                Some(Yield::Executed) => started.store(true, Ordering::Relaxed),
                _ => std::hint::spin_loop(),
            }
        }
    });
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::keep_awake;
    use rayon::prelude::*;
    use std::time::Duration;

    fn pool(threads: usize) -> rayon::ThreadPool {
        match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            Ok(p) => p,
            Err(e) => panic!("a pool of {threads} threads: {e}"),
        }
    }

    /// The `/proc` folder of each of `pool`'s threads (taken before anything polls).
    fn thread_dirs(pool: &rayon::ThreadPool) -> Vec<std::path::PathBuf> {
        pool.broadcast(|_| std::fs::read_link("/proc/thread-self"))
            .into_iter()
            .map(|dir| match dir {
                Ok(d) => std::path::Path::new("/proc").join(d),
                Err(e) => panic!("/proc/thread-self: {e}"),
            })
            .collect()
    }

    /// CPU time (clock ticks, user and system) the threads have used so far, in all.
    fn ticks(dirs: &[std::path::PathBuf]) -> u64 {
        dirs.iter()
            .map(|d| {
                let stat = std::fs::read_to_string(d.join("stat")).unwrap_or_default();
                // The fields after the command name: state is the first, utime the 12th.
                let fields: Vec<&str> = stat
                    .rsplit(')')
                    .next()
                    .unwrap_or("")
                    .split_whitespace()
                    .collect();
                let field = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok());
                match (field(11), field(12)) {
                    (Some(user), Some(system)) => user + system,
                    _ => panic!("{}: no CPU times in {stat:?}", d.display()),
                }
            })
            .sum()
    }

    /// CPU ticks the threads use over 300 ms of sleep of this thread.
    fn busy(dirs: &[std::path::PathBuf]) -> u64 {
        let before = ticks(dirs);
        std::thread::sleep(Duration::from_millis(300));
        ticks(dirs) - before
    }

    /// Kept awake, the threads poll (they use CPU while nothing runs); once pool work has
    /// run (with nested joins, giving the same result), they stop.
    #[test]
    fn threads_poll_until_work_ran() {
        let pool = pool(2);
        if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
            return; // Not kept awake on one core.
        }
        let dirs = thread_dirs(&pool);
        keep_awake(&pool, Duration::from_secs(60));
        let polling = busy(&dirs);
        assert!(
            polling >= 5,
            "kept awake, the threads used {polling} ticks in 300 ms"
        );
        let sum: u64 = pool.install(|| (1..=100_000u64).into_par_iter().map(|i| i % 7).sum());
        assert_eq!(sum, (1..=100_000u64).map(|i| i % 7).sum::<u64>());
        std::thread::sleep(Duration::from_millis(100));
        let after = busy(&dirs);
        assert!(
            after <= 2,
            "after the work, the threads used {after} ticks in 300 ms"
        );
    }

    /// With no work at all, the threads stop polling at the limit; a pool of one thread is
    /// never kept awake.
    #[test]
    fn threads_stop_polling_at_the_limit() {
        let two = pool(2);
        let dirs = thread_dirs(&two);
        keep_awake(&two, Duration::from_millis(100));
        std::thread::sleep(Duration::from_millis(200));
        let after = busy(&dirs);
        assert!(
            after <= 2,
            "past the limit, the threads used {after} ticks in 300 ms"
        );
        let one = pool(1);
        let dirs = thread_dirs(&one);
        keep_awake(&one, Duration::from_secs(60));
        let used = busy(&dirs);
        assert!(used <= 2, "one thread used {used} ticks in 300 ms");
    }
}
