//! One recurrent LIF sample split over the pool's threads by neurons.
//!
//! A batch fans its samples out over the threads ([`crate::par`]); a batch of one sample
//! (W3: `LIF(2048)` with dense recurrence, `B = 1`) would run on one thread and stream
//! the spiking rows of `w_rec` at one core's bandwidth. Here the neurons are cut into
//! parts (contiguous, a multiple of [`ALIGN`] wide), one per thread. Each step, a part
//! adds its columns of the rows of the neurons that spiked on the previous step (every
//! part's spiking neurons, concatenated in part order: neuron order) into its recurrent
//! input, updates its neurons from its columns of the input and lists its spiking
//! neurons. The next step starts when every part has finished this one.
//!
//! Every element is computed by the same arithmetic in the same order as on one thread
//! (the rows are added in neuron order whatever the parts), so the bits do not depend on
//! the number of threads or parts.
//!
//! The parts are claimed, never assigned: each step of each part is claimed once, by an
//! atomic compare-and-swap of the part's count of claimed steps. The calling thread (the
//! leader) claims and advances every part not yet claimed this step, in order, then waits
//! for the step to be done; each helper (a task on the pool) claims its own part as soon
//! as every part has done the previous step. A helper that no thread picks up costs
//! nothing but its bookkeeping: the leader does its part, and it returns when started
//! after the end. No thread ever waits for a task that has not started, so a busy pool
//! cannot deadlock it. What a thread writes every step (the count of part-steps done,
//! a part's claims, state and list) sits on cache lines of its own ([`Padded`]), away
//! from what the other threads only read.
//!
//! The output is cut into one piece per part and step up front; a piece of a new
//! (uninitialised) output is zeroed by the thread that writes it, right before it does,
//! so that no pass over the whole output precedes the steps.

use crate::lif_kernel::{Consts, Output, SampleIo, Shared, StepSource, neuron_step, row_adds};
use crate::spike_list::push_spiking;
use littoral_core::Real;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Columns (`N·S`) a part has at least: below, a step is too short for the threads'
/// handshake.
const MIN_PART_COLUMNS: usize = 512;

/// Neurons per part are a multiple of this (whole vectors of 16 `f32` lanes).
const ALIGN: usize = 16;

/// Spins of a waiting thread before it yields its core to others.
const SPINS_BEFORE_YIELD: u32 = 1 << 12;

/// A value on cache lines of its own (128 bytes: two 64-byte lines, which the adjacent
/// line prefetcher fetches together).
#[repr(align(128))]
struct Padded<T>(T);

/// The neurons `lo..hi` of a split sample: their state in the compute type, their
/// recurrent input and their output, one piece per step.
struct Part<'a, F> {
    lo: usize,
    hi: usize,
    isyn: Vec<F>,
    vmem: Vec<F>,
    spikes: Vec<F>,
    irec: Vec<F>,
    /// Every part's spiking neurons of the previous step (scratch).
    active: Vec<(usize, F)>,
    /// The output pieces of the steps not yet done, in order.
    out: std::vec::IntoIter<Output<'a>>,
    /// This step's input of the part, read from its output piece before it is written
    /// (an evolution in place; empty otherwise).
    x: Vec<f64>,
}

/// Spiking neurons and their counts.
type Spiking<F> = Vec<(usize, F)>;

/// One part as the threads share it.
struct Slot<'a, F> {
    /// Steps of the part claimed so far: step `t` is done by the thread whose
    /// compare-and-swap takes this from `t` to `t + 1`.
    claimed: AtomicUsize,
    part: Mutex<Part<'a, F>>,
    /// The part's spiking neurons and their counts after a step: step `t` reads
    /// `lists[t % 2]` (of every part) and writes `lists[(t + 1) % 2]` (the initial spikes
    /// are `lists[0]`).
    lists: [Mutex<Spiking<F>>; 2],
}

/// What the threads of one split sample share.
struct Split<'a, 'c, F: Real> {
    c: &'a Consts<'c, F>,
    w: &'a [F],
    input: Shared<'a>,
    steps: usize,
    parts: Vec<Padded<Slot<'a, F>>>,
    /// Part-steps done, over all parts: every part has done `done / parts` steps.
    done: Padded<AtomicUsize>,
    /// Set when the leader returns (or unwinds): the helpers stop.
    stop: Padded<AtomicBool>,
}

/// Evolve the sample split by neurons when that pays (recurrence, no noise, no record,
/// more than one thread, at least two parts of [`MIN_PART_COLUMNS`] columns and
/// [`ALIGN`] neurons); else hand `io` back.
pub(crate) fn evolve_split<'s, F: Real, S: StepSource>(
    c: &Consts<'_, F>,
    io: SampleIo<'s, S>,
) -> Option<SampleIo<'s, S>> {
    let (n, s) = (c.n, c.n_syn);
    let parts = rayon::current_num_threads()
        .min(n * s / MIN_PART_COLUMNS)
        .min(n / ALIGN);
    let Some(w) = c.w_rec.as_deref() else {
        return Some(io);
    };
    if parts < 2 || io.rec.is_some() || c.noise_scale != 0.0 {
        return Some(io);
    }
    let Some(input) = io.input.shared() else {
        return Some(io);
    };
    let (spikes, isyn, vmem, mut output) = (io.spikes, io.isyn, io.vmem, io.output);
    let steps = output.len() / n;
    let bounds: Vec<usize> = (0..=parts)
        .map(|k| {
            if k == parts {
                n
            } else {
                n * k / parts / ALIGN * ALIGN
            }
        })
        .collect();
    let load = |v: &[f64]| v.iter().map(|&x| F::of(x)).collect::<Vec<F>>();
    let mut pieces: Vec<Vec<Output<'_>>> = (0..parts).map(|_| Vec::with_capacity(steps)).collect();
    for _ in 0..steps {
        for (k, piece) in pieces.iter_mut().enumerate() {
            piece.push(output.split_front(bounds[k + 1] - bounds[k]));
        }
    }
    let all = pieces
        .into_iter()
        .enumerate()
        .map(|(k, out)| {
            let (lo, hi) = (bounds[k], bounds[k + 1]);
            let spikes = load(&spikes[lo..hi]);
            let first = spiking(&spikes, lo);
            Padded(Slot {
                claimed: AtomicUsize::new(0),
                lists: [Mutex::new(first), Mutex::new(Vec::new())],
                part: Mutex::new(Part {
                    lo,
                    hi,
                    isyn: load(&isyn[lo * s..hi * s]),
                    vmem: load(&vmem[lo..hi]),
                    spikes,
                    irec: vec![F::zero(); (hi - lo) * s],
                    active: Vec::with_capacity(n),
                    out: out.into_iter(),
                    x: Vec::new(),
                }),
            })
        })
        .collect();
    let split = Split {
        c,
        w,
        input,
        steps,
        parts: all,
        done: Padded(AtomicUsize::new(0)),
        stop: Padded(AtomicBool::new(false)),
    };
    rayon::scope(|scope| {
        for k in 1..parts {
            let split = &split;
            scope.spawn(move |_| pulp::Arch::new().dispatch(Work { split, k }));
        }
        pulp::Arch::new().dispatch(Work {
            split: &split,
            k: 0,
        });
    });
    for slot in split.parts {
        let part = slot
            .0
            .part
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        let (lo, hi) = (part.lo, part.hi);
        F::widen_into(&part.spikes, &mut spikes[lo..hi]);
        F::widen_into(&part.isyn, &mut isyn[lo * s..hi * s]);
        F::widen_into(&part.vmem, &mut vmem[lo..hi]);
    }
    None
}

/// The spiking neurons of `spikes` (neurons `lo..`) and their counts.
fn spiking<F: Real>(spikes: &[F], lo: usize) -> Vec<(usize, F)> {
    let mut list = Vec::new();
    push_spiking(spikes, lo, &mut list);
    list
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One thread's share, compiled for the CPU's best vector instructions: the leader's
/// (`k = 0`) or part `k`'s helper's.
struct Work<'a, 'b, 'c, F: Real> {
    split: &'a Split<'b, 'c, F>,
    k: usize,
}

impl<F: Real> pulp::WithSimd for Work<'_, '_, '_, F> {
    type Output = ();

    #[inline(always)]
    fn with_simd<Isa: pulp::Simd>(self, _simd: Isa) {
        if self.k == 0 {
            lead::<F, Isa>(self.split);
        } else {
            help::<F, Isa>(self.split, self.k);
        }
    }
}

/// Sets the stop flag when dropped (the leader's return or unwinding).
struct Stop<'a>(&'a AtomicBool);

impl Drop for Stop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

/// Sets the stop flag when dropped while unwinding (a step that panicked will never be
/// counted done: nobody waits for it).
struct OnUnwind<'a>(&'a AtomicBool);

impl Drop for OnUnwind<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::Release);
        }
    }
}

/// The leader: every step, claim and advance each part not yet claimed, then wait until
/// every part has done the step.
#[inline(always)]
fn lead<F: Real, Isa: pulp::Simd>(split: &Split<'_, '_, F>) {
    let _stop = Stop(&split.stop.0);
    let n_parts = split.parts.len();
    for t in 0..split.steps {
        for k in 0..n_parts {
            claim::<F, Isa>(split, k, t);
        }
        let mut spins = 0;
        while split.done.0.load(Ordering::Acquire) < (t + 1) * n_parts {
            if split.stop.0.load(Ordering::Acquire) {
                // A helper unwound in its step: the scope passes its panic on.
                return;
            }
            back_off(&mut spins);
        }
    }
}

/// Part `k`'s helper: claim and advance the part's next step as soon as every part has
/// done the step before, until the last step or the leader's return.
#[inline(always)]
fn help<F: Real, Isa: pulp::Simd>(split: &Split<'_, '_, F>, k: usize) {
    let n_parts = split.parts.len();
    let claimed = &split.parts[k].0.claimed;
    let mut spins = 0;
    while !split.stop.0.load(Ordering::Acquire) {
        let t = claimed.load(Ordering::Acquire);
        if t >= split.steps {
            return;
        }
        if split.done.0.load(Ordering::Acquire) >= t * n_parts && claim::<F, Isa>(split, k, t) {
            spins = 0;
        } else {
            back_off(&mut spins);
        }
    }
}

/// Claim step `t` of part `k` (every part has done step `t - 1`) and advance the part,
/// unless another thread claimed it first. Returns whether this thread did the step.
#[inline(always)]
fn claim<F: Real, Isa: pulp::Simd>(split: &Split<'_, '_, F>, k: usize, t: usize) -> bool {
    let slot = &split.parts[k].0;
    let won = slot.claimed.load(Ordering::Relaxed) == t
        && slot
            .claimed
            .compare_exchange(t, t + 1, Ordering::Acquire, Ordering::Relaxed)
            .is_ok();
    if won {
        let _unwinding = OnUnwind(&split.stop.0);
        // The part's lock is free: its last holder released it before counting its step
        // done, and every part's step `t - 1` was seen done.
        advance::<F, Isa>(split, k, t, &mut lock(&slot.part));
        split.done.0.fetch_add(1, Ordering::Release);
    }
    won
}

fn back_off(spins: &mut u32) {
    if *spins < SPINS_BEFORE_YIELD {
        *spins += 1;
        std::hint::spin_loop();
    } else {
        std::thread::yield_now();
    }
}

/// Part `k`'s step `t` (every part has done the previous one): its columns of the
/// spiking rows, its neurons, its list of spiking neurons.
#[inline(always)]
fn advance<F: Real, Isa: pulp::Simd>(
    split: &Split<'_, '_, F>,
    k: usize,
    t: usize,
    part: &mut Part<'_, F>,
) {
    let Part {
        lo,
        hi,
        isyn,
        vmem,
        spikes,
        irec,
        active,
        out,
        x,
    } = part;
    let (lo, hi) = (*lo, *hi);
    // One piece per step was cut: there is one for every step a part does.
    let Some(piece) = out.next() else {
        return;
    };
    let c = split.c;
    let s = c.n_syn;
    active.clear();
    for slot in &split.parts {
        active.extend_from_slice(&lock(&slot.0.lists[t % 2]));
    }
    row_adds(split.w, active, c.n * s, lo * s, irec);
    let (x, out): (&[f64], &mut [f64]) = match split.input {
        Shared::Input(input) => (input.step_part(t, lo * s, hi * s), piece.all()),
        Shared::Output(check) => {
            // In place (one synapse: the part's columns are its neurons): read, then
            // overwritten by `neuron_step`, which writes every element of the piece.
            let dest = piece.all();
            if let Some(check) = check {
                check.scan(dest);
            }
            x.clear();
            x.extend_from_slice(dest);
            (x, dest)
        }
    };
    neuron_step::<F, Isa>(&c.part(lo, hi), x, irec, true, &[], isyn, vmem, spikes, out);
    let mut list = lock(&split.parts[k].0.lists[(t + 1) % 2]);
    list.clear();
    push_spiking(spikes, lo, &mut list);
}
