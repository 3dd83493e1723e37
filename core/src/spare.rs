//! One spare `f64` buffer per thread: an output its caller has finished with, handed back
//! ([`give_back`]) so that the next output made on the same thread ([`take`]) is written
//! into memory that already holds numbers, instead of fresh memory that a kernel must zero
//! before it may write it (safe Rust cannot hand out uninitialised memory).
//!
//! A sweep point that keeps only its summaries gives back each block of samples' output
//! once it is folded (`littoral-functional`, `sweep_stream`); the neuron driver's output
//! buffers take it (`littoral-nets`, `task_zeroed`), and a kernel that writes every element
//! of its output (LIF's passes) then skips the zeroing: a W4 point's output was otherwise
//! written twice, zeros and then spikes. The spare is the thread's own, so which buffer an
//! evolution gets never depends on other threads, and the numbers an output holds never
//! depend on the spare: the kernels that use it write every element, the others zero
//! their parts as before.
//!
//! ```
//! use littoral_core::spare;
//! spare::give_back(vec![1.0; 1000]);
//! assert!(spare::take(2000).is_none());          // too short: kept
//! assert!(spare::take(400).is_none());           // over twice as long: kept
//! let v = spare::take(800).expect("the spare");   // long enough: taken
//! assert_eq!(v.len(), 1000);
//! assert!(spare::take(1000).is_none());           // gone
//! ```

use std::cell::Cell;

/// The largest buffer kept (bytes); a larger one is dropped, not held by an idle thread.
pub const MAX_SPARE_BYTES: usize = 64 << 20;

thread_local! {
    static SPARE: Cell<Vec<f64>> = const { Cell::new(Vec::new()) };
}

/// Keep `buffer` as this thread's spare (replacing any other), unless it is larger than
/// [`MAX_SPARE_BYTES`] or empty.
pub fn give_back(buffer: Vec<f64>) {
    if !buffer.is_empty() && buffer.len() <= MAX_SPARE_BYTES / size_of::<f64>() {
        SPARE.set(buffer);
    }
}

/// This thread's spare, if it holds at least `len` numbers and at most twice as many (so
/// that a small output does not hold on to a large buffer), every element of the returned
/// vector written; else `None`, and the spare stays.
pub fn take(len: usize) -> Option<Vec<f64>> {
    let spare = SPARE.take();
    if !spare.is_empty() && (len..=len.saturating_mul(2)).contains(&spare.len()) {
        Some(spare)
    } else {
        SPARE.set(spare);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_SPARE_BYTES, give_back, take};

    /// One spare per thread: another thread's is not seen; a larger-than-kept buffer and
    /// an empty one are not kept; a newer buffer replaces the older.
    #[test]
    fn one_spare_a_thread() {
        give_back(vec![2.0; 10]);
        let other = std::thread::spawn(|| take(1).is_none()).join();
        assert_eq!(other.ok(), Some(true));
        give_back(vec![3.0; 20]);
        assert_eq!(take(9), None);
        assert_eq!(take(15), Some(vec![3.0; 20]));
        give_back(Vec::new());
        assert_eq!(take(0), None);
        give_back(vec![0.0; MAX_SPARE_BYTES / 8 + 1]);
        assert_eq!(take(0), None);
    }
}
