//! What the scaling examples share (`kernel_scaling`, `stream_scaling`): their one
//! argument, and a rate measured by repeating a piece of work for a while.

use std::time::{Duration, Instant};

/// The first command-line argument as a duration in seconds, `default` without one.
///
/// # Errors
/// The argument when it is not a number.
pub fn seconds_arg(default: f64) -> Result<Duration, String> {
    let seconds = match std::env::args().nth(1) {
        Some(s) => s
            .parse::<f64>()
            .map_err(|_| format!("SECONDS: expected a number, found '{s}'"))?,
        None => default,
    };
    Ok(Duration::from_secs_f64(seconds.max(0.0)))
}

/// Units per second of whole repetitions of `once` (each returns the units it did) for
/// `seconds`, at least one repetition.
///
/// ```
/// let per_second = littoral_benches::rate::per_second_for(std::time::Duration::ZERO, || 10);
/// assert!(per_second > 0.0);
/// ```
pub fn per_second_for(seconds: Duration, mut once: impl FnMut() -> u64) -> f64 {
    let started = Instant::now();
    let mut units = 0u64;
    loop {
        units += once();
        let elapsed = started.elapsed();
        if elapsed >= seconds {
            return units as f64 / elapsed.as_secs_f64();
        }
    }
}
