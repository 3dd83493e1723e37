//! `SparseInit::draw_bytes` against what drawing really holds: the peak of the bytes
//! allocated while `SparseInit::build` runs, counted by this binary's global allocator.
//! One test in a process of its own (its own `[[test]]`), so that the count sees nothing
//! else.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use littoral_nets::sparse::{Connectivity, SparseInit, Weights};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting the bytes held and their peak.
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn held(delta: isize) {
    let now = if delta >= 0 {
        HELD.fetch_add(delta as usize, Ordering::SeqCst) + delta as usize
    } else {
        HELD.fetch_sub(delta.unsigned_abs(), Ordering::SeqCst) - delta.unsigned_abs()
    };
    PEAK.fetch_max(now, Ordering::SeqCst);
}

// SAFETY: every call is passed to `System` unchanged; the counters only observe sizes.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc`, passed on.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            held(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract for `dealloc`, passed on.
        unsafe { System.dealloc(ptr, layout) };
        held(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract for `realloc`, passed on.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size > layout.size() {
                // Counted as the move a growth may be: both blocks held for a moment.
                held(new_size as isize);
                held(-(layout.size() as isize));
            } else {
                // A shrink stays in place (glibc splits the chunk or `mremap`s it in
                // place; mimalloc keeps a block above half its size where it is).
                held(new_size as isize - layout.size() as isize);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The peak bytes held above those held before, while `f` runs.
fn peak_during<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let before = HELD.load(Ordering::SeqCst);
    PEAK.store(before, Ordering::SeqCst);
    let r = f();
    (PEAK.load(Ordering::SeqCst) - before, r)
}

/// Every connectivity, with and without autapses, weights constant or drawn, `f64` and
/// `f32`, square and not, rows or columns fewer and more than a block of lanes: what
/// `build` holds at its peak is at most `draw_bytes`, and at least 70 % of it (the
/// estimate is a bound, not a guess far above: 76–97 % when written).
#[test]
fn drawing_holds_at_most_its_draw_bytes() {
    rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build_global()
        .expect("the first pool of this process");
    rayon::join(|| (), || ()); // the pool's own bookkeeping, before any count
    let normal = Weights::Normal {
        mean: 0.0,
        std: 0.1,
    };
    let cases = [
        (
            Connectivity::FixedInDegree {
                k: 20,
                autapses: false,
            },
            3000,
            3000,
        ),
        (
            Connectivity::FixedInDegree {
                k: 100,
                autapses: true,
            },
            500,
            4000,
        ),
        (
            Connectivity::FixedInDegree {
                k: 3,
                autapses: true,
            },
            20_000,
            700,
        ),
        (
            Connectivity::FixedProbability {
                p: 0.01,
                autapses: false,
            },
            3000,
            3000,
        ),
        (
            Connectivity::FixedProbability {
                p: 0.3,
                autapses: true,
            },
            700,
            2500,
        ),
        (
            Connectivity::FixedProbability {
                p: 0.001,
                autapses: true,
            },
            20_000,
            5000,
        ),
        (
            Connectivity::FixedProbability {
                p: 1.0,
                autapses: true,
            },
            300,
            300,
        ),
    ];
    for (connectivity, n_pre, n_post) in cases {
        for weights in [Weights::Constant(0.5), normal] {
            let init = SparseInit {
                connectivity,
                weights,
            };
            let synapses = init.synapse_bound("w_rec", n_pre, n_post).unwrap();
            let case = format!("{init:?} {n_pre} × {n_post}");
            let (f64_peak, w) = peak_during(|| init.build::<f64>("w_rec", n_pre, n_post, 3));
            let (f32_peak, _) = peak_during(|| init.build::<f32>("w_rec", n_pre, n_post, 3));
            assert!(w.unwrap().nnz() as u64 <= synapses, "{case}");
            for (peak, bytes) in [
                (f64_peak, init.draw_bytes::<f64>(n_pre, n_post, synapses)),
                (f32_peak, init.draw_bytes::<f32>(n_pre, n_post, synapses)),
            ] {
                let peak = peak as u64;
                assert!(
                    peak <= bytes,
                    "{case}: held {peak} bytes, drew within {bytes}"
                );
                assert!(
                    10 * peak >= 7 * bytes,
                    "{case}: held {peak} bytes, estimated {bytes}"
                );
            }
        }
    }
}
