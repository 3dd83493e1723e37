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
//! The parts are claimed, never assigned: the calling thread (the leader) advances every
//! part not yet advanced this step, in order, while each helper (a task on the pool)
//! advances its own part when the step is ready. A helper that no thread picks up costs
//! nothing but its bookkeeping: the leader does its part, and it returns when started
//! after the end. No thread ever waits for a task that has not started, so a busy pool
//! cannot deadlock it.

use crate::lif_kernel::{Consts, SampleIo, Shared, StepSource, neuron_step, row_adds};
use littoral_core::Real;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};

/// Columns (`N·S`) a part has at least: below, a step is too short for the threads'
/// handshake.
const MIN_PART_COLUMNS: usize = 512;

/// Neurons per part are a multiple of this (whole vectors of 16 `f32` lanes).
const ALIGN: usize = 16;

/// Spins of a waiting thread before it yields its core to others.
const SPINS_BEFORE_YIELD: u32 = 1 << 12;

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
    out: Vec<&'a mut [f64]>,
    /// This step's input of the part, read from its output piece before it is written
    /// (an evolution in place; empty otherwise).
    x: Vec<f64>,
    /// Steps this part has done.
    next: usize,
}

/// Spiking neurons and their counts.
type Spiking<F> = Vec<(usize, F)>;

/// What the threads of one split sample share.
struct Split<'a, 'c, F: Real> {
    c: &'a Consts<'c, F>,
    w: &'a [F],
    input: Shared<'a>,
    steps: usize,
    parts: Vec<Mutex<Part<'a, F>>>,
    /// Each part's spiking neurons and their counts after a step: step `t` reads
    /// `lists[t % 2]` and writes `lists[(t + 1) % 2]` (the initial spikes are `lists[0]`).
    lists: [Vec<Mutex<Spiking<F>>>; 2],
    /// Part-steps done, over all parts: every part has done `done / parts` steps.
    done: AtomicUsize,
    /// Set when the leader returns (or unwinds): the helpers stop.
    stop: AtomicBool,
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
    let (spikes, isyn, vmem, output) = (io.spikes, io.isyn, io.vmem, io.output.all());
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
    let mut pieces: Vec<Vec<&mut [f64]>> = (0..parts).map(|_| Vec::with_capacity(steps)).collect();
    for row in output.chunks_exact_mut(n) {
        let mut rest = row;
        for (k, piece) in pieces.iter_mut().enumerate() {
            let (head, tail) = std::mem::take(&mut rest).split_at_mut(bounds[k + 1] - bounds[k]);
            piece.push(head);
            rest = tail;
        }
    }
    let mut lists = [Vec::with_capacity(parts), Vec::with_capacity(parts)];
    let mut all = Vec::with_capacity(parts);
    for (k, out) in pieces.into_iter().enumerate() {
        let (lo, hi) = (bounds[k], bounds[k + 1]);
        let spikes = load(&spikes[lo..hi]);
        lists[0].push(Mutex::new(spiking(&spikes, lo)));
        lists[1].push(Mutex::new(Vec::new()));
        all.push(Mutex::new(Part {
            lo,
            hi,
            isyn: load(&isyn[lo * s..hi * s]),
            vmem: load(&vmem[lo..hi]),
            spikes,
            irec: vec![F::zero(); (hi - lo) * s],
            active: Vec::with_capacity(n),
            out,
            x: Vec::new(),
            next: 0,
        }));
    }
    let split = Split {
        c,
        w,
        input,
        steps,
        parts: all,
        lists,
        done: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
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
    for part in split.parts {
        let part = part.into_inner().unwrap_or_else(PoisonError::into_inner);
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

fn push_spiking<F: Real>(spikes: &[F], lo: usize, list: &mut Vec<(usize, F)>) {
    list.extend(
        spikes
            .iter()
            .enumerate()
            .filter(|(_, s)| **s != F::zero())
            .map(|(j, &s)| (lo + j, s)),
    );
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
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        if self.k == 0 {
            lead(self.split);
        } else {
            help(self.split, self.k);
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

/// The leader: every step, advance each part not yet advanced (waiting for a helper
/// that is advancing one).
#[inline(always)]
fn lead<F: Real>(split: &Split<'_, '_, F>) {
    let _stop = Stop(&split.stop);
    for t in 0..split.steps {
        for (k, part) in split.parts.iter().enumerate() {
            let mut spins = 0;
            let mut part = loop {
                match part.try_lock() {
                    Ok(p) => break p,
                    Err(TryLockError::Poisoned(e)) => break e.into_inner(),
                    Err(TryLockError::WouldBlock) => back_off(&mut spins),
                }
            };
            if part.next == t {
                advance(split, k, &mut part);
            }
        }
    }
}

/// Part `k`'s helper: advance the part whenever every part has done its previous step,
/// until the last step or the leader's return.
#[inline(always)]
fn help<F: Real>(split: &Split<'_, '_, F>, k: usize) {
    let n_parts = split.parts.len();
    let mut spins = 0;
    while !split.stop.load(Ordering::Acquire) {
        let ready = split.done.load(Ordering::Acquire) / n_parts;
        if let Ok(mut part) = split.parts[k].try_lock() {
            if part.next >= split.steps {
                return;
            }
            if part.next <= ready {
                advance(split, k, &mut part);
                spins = 0;
                continue;
            }
        }
        back_off(&mut spins);
    }
}

fn back_off(spins: &mut u32) {
    if *spins < SPINS_BEFORE_YIELD {
        *spins += 1;
        std::hint::spin_loop();
    } else {
        std::thread::yield_now();
    }
}

/// Part `k`'s step `part.next` (every part has done the previous one): its columns of
/// the spiking rows, its neurons, its list of spiking neurons.
#[inline(always)]
fn advance<F: Real>(split: &Split<'_, '_, F>, k: usize, part: &mut Part<'_, F>) {
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
        next,
    } = part;
    let (lo, hi, t) = (*lo, *hi, *next);
    let c = split.c;
    let s = c.n_syn;
    active.clear();
    for list in &split.lists[t % 2] {
        active.extend_from_slice(&lock(list));
    }
    row_adds(split.w, active, c.n * s, lo * s, irec);
    let x: &[f64] = match split.input {
        Shared::Input(input) => input.step_part(t, lo * s, hi * s),
        Shared::Output(check) => {
            // In place (one synapse: the part's columns are its neurons): read, then
            // overwritten by `neuron_step`, which writes every element of the piece.
            let dest = &*out[t];
            if let Some(check) = check {
                check.scan(dest);
            }
            x.clear();
            x.extend_from_slice(dest);
            x
        }
    };
    neuron_step(
        &c.part(lo, hi),
        x,
        irec,
        true,
        &[],
        isyn,
        vmem,
        spikes,
        out[t],
    );
    let mut list = lock(&split.lists[(t + 1) % 2][k]);
    list.clear();
    push_spiking(spikes, lo, &mut list);
    drop(list);
    *next = t + 1;
    split.done.fetch_add(1, Ordering::Release);
}
