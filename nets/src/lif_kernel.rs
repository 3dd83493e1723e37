//! The LIF time loop of one sample: fused, branch-free per-neuron passes that the
//! compiler vectorises, with Rockpool's operation order kept exactly.
//!
//! Per step and neuron (`S = 1`):
//! ```text
//! isyn = ((isyn + x) + irec) · β              (without recurrence: (isyn + x) · β)
//! v    = ((vmem · α + isyn) + noise) + bias    (without noise: (vmem · α + isyn) + bias)
//! s    = min(max, (v ≥ θ) · floor(v/θ))        (Rockpool's rule, with its -0.0)
//! vmem = v − s · θ
//! ```
//! The fast pass computes `s` without a data-dependent branch and without a library
//! `floor` (x86-64's baseline SSE2 has no vector rounding instruction, and a call per
//! neuron stops vectorisation): with `q = v/θ`,
//! - for `v ≥ θ > 0`, `q ≥ 1` and `floor(q) = t − (t > q)` with `t = (q + 2⁵²) − 2⁵²` (the
//!   round-to-nearest trick; `q ≥ 2⁵²` is already an integer);
//! - otherwise `0 · floor(q) = 0 · q` for every `q`: both are `±0` with the sign of `q`
//!   when `q` is finite (`floor` keeps the sign: `floor(-0.5) = -1`, `floor(-0.0) = -0.0`),
//!   and NaN when `q` is infinite or NaN.
//!
//! Both sides are computed and one is selected, so the loop has no branch and the compiler
//! vectorises it (2 `f64` or 4 `f32` lanes with SSE2, more with AVX). The fast pass is used
//! when every threshold is positive and finite; other thresholds take the reference loop,
//! the original per-neuron code. Both give the same bits as Rockpool's rule.
//!
//! The recurrent input is event-driven: `irec` is the sum of the rows of `w_rec` of the
//! neurons that spiked on the previous step, in neuron order, each scaled by its count.

use crate::lif::spike_count;
use littoral_core::Real;
use littoral_core::rng::fill_standard_normal;

/// Per-neuron constants of one `evolve` call, in the compute type.
pub(crate) struct Consts<'a, F> {
    pub n: usize,
    pub n_syn: usize,
    pub alpha: &'a [F],
    pub beta: &'a [F],
    pub bias: &'a [F],
    pub threshold: &'a [F],
    /// Every threshold is positive and finite: the fast pass applies.
    pub fast: bool,
    pub max_spikes: F,
    pub noise_scale: f64,
    /// Recurrent weights `(N, N·S)` row-major.
    pub w_rec: Option<&'a [F]>,
}

/// The `(T, …)` record buffers of one sample.
pub(crate) struct SampleRecord<'a> {
    pub irec: &'a mut [f64],
    pub spikes: &'a mut [f64],
    pub isyn: &'a mut [f64],
    pub vmem: &'a mut [f64],
}

/// One sample's state (updated in place), input, output and record.
pub(crate) struct SampleIo<'a> {
    pub spikes: &'a mut [f64],
    pub isyn: &'a mut [f64],
    pub vmem: &'a mut [f64],
    pub key: [u64; 2],
    pub input: &'a [f64],
    pub output: &'a mut [f64],
    pub rec: Option<SampleRecord<'a>>,
}

/// Whether every threshold is positive and finite (the fast pass's condition).
pub(crate) fn fast_thresholds<F: Real>(threshold: &[F]) -> bool {
    threshold.iter().all(|&t| t > F::zero() && t.is_finite())
}

/// Rockpool's spike count `min(max, (v ≥ θ) · floor(v/θ))` and the reset potential
/// `v − s·θ`, branch-free. Requires `θ > 0` finite (see the module docs).
#[inline(always)]
fn fire<F: Real>(v: F, th: F, max: F) -> (F, F) {
    let big = F::one() / F::epsilon();
    let q = v / th;
    let t = (q + big) - big;
    let f = if t > q { t - F::one() } else { t };
    let floor = if q < big { f } else { q };
    let s = if v >= th { floor } else { F::zero() * q };
    let s = if max < s { max } else { s };
    (s, v - s * th)
}

/// One step of the neurons with one synapse each.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn step_single<F: Real, const REC: bool, const NOISE: bool>(
    c: &Consts<'_, F>,
    x: &[f64],
    irec: &[F],
    noise: &[f64],
    isyn: &mut [F],
    vmem: &mut [F],
    spikes: &mut [F],
    out: &mut [f64],
) {
    let n = c.n;
    let (x, isyn, vmem, spikes, out) = (
        &x[..n],
        &mut isyn[..n],
        &mut vmem[..n],
        &mut spikes[..n],
        &mut out[..n],
    );
    let (alpha, beta, bias, th) = (
        &c.alpha[..n],
        &c.beta[..n],
        &c.bias[..n],
        &c.threshold[..n],
    );
    let irec = if REC { &irec[..n] } else { &irec[..0] };
    let noise = if NOISE { &noise[..n] } else { &noise[..0] };
    for j in 0..n {
        let mut i = isyn[j] + F::of(x[j]);
        if REC {
            i = i + irec[j];
        }
        i = i * beta[j];
        isyn[j] = i;
        let mut v = vmem[j] * alpha[j] + i;
        if NOISE {
            v = v + F::of(c.noise_scale * noise[j]);
        }
        v = v + bias[j];
        let (s, reset) = fire(v, th[j], c.max_spikes);
        vmem[j] = reset;
        spikes[j] = s;
        out[j] = s.to64();
    }
}

/// One step of the neurons with `S > 1` synapses, after the synaptic currents were
/// updated.
fn step_multi<F: Real>(
    c: &Consts<'_, F>,
    noise: &[f64],
    isyn: &[F],
    vmem: &mut [F],
    spikes: &mut [F],
    out: &mut [f64],
) {
    for (j, syn) in isyn.chunks_exact(c.n_syn).enumerate().take(c.n) {
        let total = syn.iter().fold(F::zero(), |a, &b| a + b);
        let mut v = vmem[j] * c.alpha[j] + total;
        if let Some(z) = noise.get(j) {
            v = v + F::of(c.noise_scale * z);
        }
        v = v + c.bias[j];
        let (s, reset) = fire(v, c.threshold[j], c.max_spikes);
        vmem[j] = reset;
        spikes[j] = s;
        out[j] = s.to64();
    }
}

/// `irec = Σ_{j spiking} s_j · w_rec[j]`, rows added in neuron order.
#[inline]
fn recurrent_input<F: Real>(w: &[F], spikes: &[F], irec: &mut [F]) {
    let ns = irec.len();
    irec.fill(F::zero());
    for (j, &s) in spikes.iter().enumerate() {
        if s != F::zero() {
            let row = &w[j * ns..(j + 1) * ns];
            for (acc, &wv) in irec.iter_mut().zip(row) {
                *acc += s * wv;
            }
        }
    }
}

/// Evolve one sample over its time steps in the compute type `F`.
pub(crate) fn evolve_sample<F: Real>(c: &Consts<'_, F>, io: SampleIo<'_>) {
    let (n, n_syn) = (c.n, c.n_syn);
    let ns = n * n_syn;
    let steps = io.output.len() / n.max(1);
    let load = |v: &[f64]| v.iter().map(|&x| F::of(x)).collect::<Vec<F>>();
    let mut spikes = load(io.spikes);
    let mut isyn = load(io.isyn);
    let mut vmem = load(io.vmem);
    let mut irec = vec![F::zero(); ns];
    let noisy = c.noise_scale != 0.0;
    let mut noise = vec![0.0f64; if noisy { n } else { 0 }];
    let mut rec = io.rec;
    for t in 0..steps {
        let x = &io.input[t * ns..(t + 1) * ns];
        let out = &mut io.output[t * n..(t + 1) * n];
        if let Some(w) = c.w_rec {
            recurrent_input(w, &spikes, &mut irec);
        }
        if noisy {
            fill_standard_normal(io.key[0], io.key[1].wrapping_add(t as u64), &mut noise);
        }
        let rec_in = c.w_rec.is_some();
        if !c.fast {
            update_synapses(c, x, &irec, rec_in, &mut isyn);
            reference_neurons(c, &noise, &isyn, &mut vmem, &mut spikes, out);
        } else if n_syn == 1 {
            let (i, v, s) = (&mut isyn, &mut vmem, &mut spikes);
            match (rec_in, noisy) {
                (false, false) => step_single::<F, false, false>(c, x, &irec, &noise, i, v, s, out),
                (true, false) => step_single::<F, true, false>(c, x, &irec, &noise, i, v, s, out),
                (false, true) => step_single::<F, false, true>(c, x, &irec, &noise, i, v, s, out),
                (true, true) => step_single::<F, true, true>(c, x, &irec, &noise, i, v, s, out),
            }
        } else {
            update_synapses(c, x, &irec, rec_in, &mut isyn);
            step_multi(c, &noise, &isyn, &mut vmem, &mut spikes, out);
        }
        if let Some(r) = rec.as_mut() {
            F::widen_into(&irec, &mut r.irec[t * ns..(t + 1) * ns]);
            F::widen_into(&isyn, &mut r.isyn[t * ns..(t + 1) * ns]);
            F::widen_into(&spikes, &mut r.spikes[t * n..(t + 1) * n]);
            F::widen_into(&vmem, &mut r.vmem[t * n..(t + 1) * n]);
        }
    }
    F::widen_into(&spikes, io.spikes);
    F::widen_into(&isyn, io.isyn);
    F::widen_into(&vmem, io.vmem);
}

/// `isyn = ((isyn + x) + irec) · β` (or `(isyn + x) · β`) over every synapse.
fn update_synapses<F: Real>(c: &Consts<'_, F>, x: &[f64], irec: &[F], rec_in: bool, isyn: &mut [F]) {
    if rec_in {
        for (((i, &xv), &r), &b) in isyn.iter_mut().zip(x).zip(irec).zip(c.beta) {
            *i = ((*i + F::of(xv)) + r) * b;
        }
    } else {
        for ((i, &xv), &b) in isyn.iter_mut().zip(x).zip(c.beta) {
            *i = (*i + F::of(xv)) * b;
        }
    }
}

/// The per-neuron reference loop (any threshold), after the synapses were updated.
fn reference_neurons<F: Real>(
    c: &Consts<'_, F>,
    noise: &[f64],
    isyn: &[F],
    vmem: &mut [F],
    spikes: &mut [F],
    out: &mut [f64],
) {
    for (j, o) in out.iter_mut().enumerate().take(c.n) {
        let mut v = vmem[j] * c.alpha[j];
        let syn = &isyn[j * c.n_syn..(j + 1) * c.n_syn];
        let total = if c.n_syn == 1 {
            syn[0]
        } else {
            syn.iter().fold(F::zero(), |a, &b| a + b)
        };
        v += total;
        if let Some(z) = noise.get(j) {
            v += F::of(c.noise_scale * z);
        }
        v += c.bias[j];
        let s = spike_count(v, c.threshold[j], c.max_spikes);
        vmem[j] = v - s * c.threshold[j];
        spikes[j] = s;
        *o = s.to64();
    }
}
