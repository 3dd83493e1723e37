//! The LIF time loop of one sample: fused, branch-free per-neuron passes that the
//! compiler vectorises, with Rockpool's operation order kept exactly.
//!
//! Per step and neuron, in the order of Rockpool's numpy `LIF.evolve` (`Isyn += sp_in_t +
//! Irec; Vmem *= alpha; Isyn *= beta; Vmem += Isyn.sum(1) + I_in_t + self.bias`):
//! ```text
//! isyn = (isyn + (x + irec)) · β              (without recurrence irec = +0.0, as numpy's zeros)
//! Σ    = 0 + Σ_s isyn_s                       (numpy's `sum`: pairwise from 8 synapses on)
//! v    = vmem · α + ((Σ + noise) + bias)      (without noise: vmem · α + (Σ + bias))
//! s    = min(max, (v ≥ θ) · floor(v/θ))        (Rockpool's rule, with its -0.0)
//! vmem = v − s · θ
//! ```
//! The `x + 0.0` and `0 + Σ` additions only turn a `-0.0` into `+0.0`, as numpy does; leaving
//! out the noise when it is off is exact because `Σ` is then never `-0.0` (numpy adds
//! `0·N(0,1)`, a `±0.0`).
//! The fast pass computes `s` without a data-dependent branch: with `q = v/θ`,
//! - for `v ≥ θ > 0`, `q ≥ 1` and `floor(q)` is one vector instruction where the
//!   instruction set has one (SSE4.1's `roundpd` and later, AVX-512's `vrndscalepd`,
//!   NEON's `frintm`: [`vector_floor`]). x86-64's baseline SSE2 has none, and a library
//!   call per neuron stops vectorisation, so there `floor(q) = t − (t > q)` with
//!   `t = (q + 2⁵²) − 2⁵²` (the round-to-nearest trick, exact; `q ≥ 2⁵²` is already an
//!   integer): seven operations instead of one;
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
use crate::neuron::{SampleInput, bring_in};
use crate::spike_list::push_spiking;
use crate::task_zeroed::Part;
use littoral_core::Real;
use littoral_core::input_check::InputCheck;
use littoral_core::rng::fill_standard_normal;
use std::borrow::Cow;

/// Per-neuron constants of one `evolve` call, in the compute type.
pub(crate) struct Consts<'a, F: Real> {
    pub n: usize,
    pub n_syn: usize,
    pub alpha: &'a [F],
    pub beta: &'a [F],
    pub bias: &'a [F],
    pub threshold: &'a [F],
    /// Every threshold is positive and finite: the fast pass applies.
    pub fast: bool,
    /// `1/θ` when every threshold is a power of two (see [`reciprocals`]), else empty.
    pub recip: &'a [F],
    pub max_spikes: F,
    /// Some bias is `-0.0` (the synaptic sum must then start from `+0.0`, see
    /// `step_single`).
    pub neg_zero_bias: bool,
    pub noise_scale: f64,
    /// Recurrent weights `(N, N·S)` row-major.
    pub w_rec: Option<Cow<'a, [F]>>,
}

impl<'a, F: Real> Consts<'a, F> {
    /// The constants of neurons `lo..hi` alone, without the recurrent weights (their
    /// recurrent input is computed by the caller).
    pub(crate) fn part(&self, lo: usize, hi: usize) -> Consts<'a, F> {
        let s = self.n_syn;
        Consts {
            n: hi - lo,
            n_syn: s,
            alpha: &self.alpha[lo..hi],
            beta: &self.beta[lo * s..hi * s],
            bias: &self.bias[lo..hi],
            threshold: &self.threshold[lo..hi],
            fast: self.fast,
            recip: self.recip.get(lo..hi).unwrap_or_default(),
            max_spikes: self.max_spikes,
            neg_zero_bias: self.neg_zero_bias,
            noise_scale: self.noise_scale,
            w_rec: None,
        }
    }
}

#[cfg(test)]
impl<'a, F: Real> Consts<'a, F> {
    /// The constants of feed-forward neurons with one synapse each, positive finite
    /// thresholds and no noise (`recip`: `1/θ`, or empty), for tests.
    pub(crate) fn feed_forward(
        [alpha, beta, bias, threshold, recip]: [&'a [F]; 5],
        max_spikes: F,
    ) -> Self {
        Consts {
            n: alpha.len(),
            n_syn: 1,
            alpha,
            beta,
            bias,
            threshold,
            fast: true,
            recip,
            max_spikes,
            neg_zero_bias: bias.iter().any(|&b| b == F::zero() && b.is_sign_negative()),
            noise_scale: 0.0,
            w_rec: None,
        }
    }
}

/// The `(T, …)` record buffers of one sample.
pub(crate) struct SampleRecord<'a> {
    pub irec: &'a mut [f64],
    pub spikes: &'a mut [f64],
    pub isyn: &'a mut [f64],
    pub vmem: &'a mut [f64],
}

/// Where a sample's input comes from, a block of steps at a time.
pub(crate) trait StepSource {
    /// Steps per block.
    const BLOCK: usize;
    /// The input of steps `t0..t1` (`(t1 − t0) · N · S` values). `dest` is the output of
    /// those steps, about to be written: a source that shares its buffer with the output
    /// (an evolution in place, [`InPlace`]) reads the input from it; any other source
    /// leaves it alone.
    fn block(&mut self, t0: usize, t1: usize, dest: &mut [f64]) -> &[f64];

    /// Whether the input of the steps about to be written to `dest` is `dest` itself, to
    /// be read where it is (an evolution in place, [`InPlace`], which checks the block
    /// here): a pass that reads each element of a step before it writes that element
    /// (`step_single`'s `IN_PLACE`) then steps through `dest` alone instead of asking for
    /// [`StepSource::block`], which copies the block aside.
    fn in_dest(&mut self, _dest: &[f64]) -> bool {
        false
    }

    /// The input as something threads may share, when it is (a sample can then be split
    /// over threads by neurons, see [`crate::lif_split`]).
    fn shared(&self) -> Option<Shared<'_>> {
        None
    }
}

/// A sample's input as the threads of a split sample read it ([`StepSource::shared`]).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Shared<'a> {
    /// A slice.
    Input(SampleInput<'a>),
    /// The output's own buffer (an evolution in place): each thread reads its columns of
    /// a step from its piece of the output before writing it, checked with the call's
    /// check when it was claimed.
    Output(Option<&'a InputCheck>),
}

impl StepSource for SampleInput<'_> {
    const BLOCK: usize = 32;

    #[inline(always)]
    fn block(&mut self, t0: usize, t1: usize, _dest: &mut [f64]) -> &[f64] {
        self.steps(t0, t1)
    }

    fn shared(&self) -> Option<Shared<'_>> {
        Some(Shared::Input(*self))
    }
}

/// One sample's input when its output is written into the input's own buffer (an
/// evolution in place; the input and output have the same width): each block of steps is
/// read from the output block it becomes, checked when the call's check was claimed. The
/// chunked feed-forward pass reads it where it is, each neuron's input before its output
/// overwrites it ([`StepSource::in_dest`]); any other pass gets it copied into a scratch
/// buffer that stays in cache, before the kernel writes the block. Either way the kernel
/// reads the same numbers as from a separate input, in the same order: the same bits. The
/// block is left as it is for a kernel that writes every element of it (LIF's), zeroed
/// for one that may not ([`InPlace::zeroing`]: a model's `step`, never read in place).
#[derive(Debug)]
pub(crate) struct InPlace<'a> {
    check: Option<&'a InputCheck>,
    scratch: Vec<f64>,
    zero: bool,
}

impl<'a> InPlace<'a> {
    /// A sample's in-place input, checked with `check` when the call's check was claimed.
    pub(crate) fn new(check: Option<&'a InputCheck>) -> Self {
        InPlace {
            check,
            scratch: Vec::new(),
            zero: false,
        }
    }

    /// The same source, zeroing each block after reading it (for a kernel that may leave
    /// elements of its output unwritten, as the driver's zeroed outputs allow).
    pub(crate) fn zeroing(self) -> Self {
        InPlace { zero: true, ..self }
    }
}

impl StepSource for InPlace<'_> {
    const BLOCK: usize = 32;

    #[inline(always)]
    fn block(&mut self, _t0: usize, _t1: usize, dest: &mut [f64]) -> &[f64] {
        bring_in(dest, self.check);
        self.scratch.clear();
        self.scratch.extend_from_slice(dest);
        if self.zero {
            dest.fill(0.0);
        }
        &self.scratch
    }

    #[inline(always)]
    fn in_dest(&mut self, dest: &[f64]) -> bool {
        if self.zero {
            return false;
        }
        bring_in(dest, self.check);
        true
    }

    fn shared(&self) -> Option<Shared<'_>> {
        Some(Shared::Output(self.check))
    }
}

/// One sample's state (updated in place), input, output and record.
pub(crate) struct SampleIo<'a, S> {
    pub spikes: &'a mut [f64],
    pub isyn: &'a mut [f64],
    pub vmem: &'a mut [f64],
    pub key: [u64; 2],
    pub input: S,
    pub output: Output<'a>,
    pub rec: Option<SampleRecord<'a>>,
}

/// A sample's output `(T, N)`, as the kernel gets it: a slice, or the sample's part of
/// the driver's uninitialised buffer, zeroed a block of steps at a time as a pass that
/// writes every step reaches it (the block is then in cache when the pass writes it).
pub(crate) enum Output<'a> {
    Slice(&'a mut [f64]),
    Part(Part<'a>),
}

impl<'a> Output<'a> {
    /// Elements not yet handed out.
    pub(crate) fn len(&self) -> usize {
        match self {
            Output::Slice(s) => s.len(),
            Output::Part(p) => p.len(),
        }
    }

    /// Everything not yet handed out, zeroed when it is a part.
    pub(crate) fn all(self) -> &'a mut [f64] {
        match self {
            Output::Slice(s) => s,
            Output::Part(p) => p.zeroed(),
        }
    }

    /// The next `len` elements (all that are left when fewer), as they are: a part's are
    /// zeroed when that piece is asked for ([`Output::all`]).
    pub(crate) fn split_front(&mut self, len: usize) -> Output<'a> {
        match self {
            Output::Slice(s) => {
                let all = std::mem::take(s);
                let (head, tail) = all.split_at_mut(len.min(all.len()));
                *s = tail;
                Output::Slice(head)
            }
            Output::Part(p) => Output::Part(p.split_front(len)),
        }
    }

    /// The next `len` elements (all that are left when fewer), for a pass that writes
    /// every one of them: a part's zeroed first, unless it is a spare's
    /// ([`Part::take_to_overwrite`]).
    pub(crate) fn front(&mut self, len: usize) -> &'a mut [f64] {
        match self {
            Output::Slice(s) => {
                let all = std::mem::take(s);
                let (head, tail) = all.split_at_mut(len.min(all.len()));
                *s = tail;
                head
            }
            Output::Part(p) => p.take_to_overwrite(len),
        }
    }
}

impl<'a> From<&'a mut [f64]> for Output<'a> {
    fn from(s: &'a mut [f64]) -> Self {
        Output::Slice(s)
    }
}

impl<'a> From<Part<'a>> for Output<'a> {
    fn from(p: Part<'a>) -> Self {
        Output::Part(p)
    }
}

/// Whether every threshold is positive and finite (the fast pass's condition).
pub(crate) fn fast_thresholds<F: Real>(threshold: &[F]) -> bool {
    threshold.iter().all(|&t| t > F::zero() && t.is_finite())
}

/// Whether code compiled for the `pulp` instruction set `Isa` rounds down in one vector
/// instruction: every variant but the baseline of x86 without SSE4.1 (see the module
/// docs). A constant, so the test in [`fire_q`] is folded away.
#[inline(always)]
pub(crate) const fn vector_floor<Isa: pulp::Simd>() -> bool {
    !Isa::IS_SCALAR
        || !cfg!(any(target_arch = "x86_64", target_arch = "x86"))
        || cfg!(target_feature = "sse4.1")
}

/// Rockpool's spike count `min(max, (v ≥ θ) · floor(v/θ))` and the reset potential
/// `v − s·θ`, branch-free, in code compiled for `Isa`. Requires `θ > 0` finite (see the
/// module docs).
#[inline(always)]
fn fire<F: Real, Isa: pulp::Simd>(v: F, th: F, max: F) -> (F, F) {
    fire_q::<F, Isa>(v, v / th, th, max)
}

/// [`fire`] given the quotient `q = v/θ` (computed as `v · (1/θ)` when `θ` is a power of
/// two: the same bits, see [`reciprocals`]).
#[inline(always)]
fn fire_q<F: Real, Isa: pulp::Simd>(v: F, q: F, th: F, max: F) -> (F, F) {
    let floor = if vector_floor::<Isa>() {
        q.floor()
    } else {
        let big = F::one() / F::epsilon();
        let t = (q + big) - big;
        let f = if t > q { t - F::one() } else { t };
        if q < big { f } else { q }
    };
    let s = if v >= th { floor } else { F::zero() * q };
    let s = if max < s { max } else { s };
    (s, v - s * th)
}

/// `1/θ` for every threshold when each is a power of two (Rockpool's default `θ = 1`
/// among them), else `None`. Dividing by `2^k` and multiplying by the exact `2^-k` both
/// round the same real number `v·2^-k`, so `v · (1/θ)` has the bits of `v/θ`, overflow
/// and subnormals included, at the cost of a multiplication instead of a division.
pub(crate) fn reciprocals<F: Real>(threshold: &[F]) -> Option<Vec<F>> {
    threshold
        .iter()
        .map(|&t| {
            let r = F::one() / t;
            let (mantissa, _, sign) = t.integer_decode();
            (sign > 0 && t.is_normal() && mantissa.is_power_of_two() && r * t == F::one())
                .then_some(r)
        })
        .collect()
}

/// One step of the neurons with one synapse each (`POW2`: every threshold is a power of
/// two and the quotient is a multiplication by its reciprocal; `ZERO_FIRST`: the synaptic
/// sum starts from `+0.0` as numpy's does, needed with noise or a `-0.0` bias;
/// `IN_PLACE`: the input is `out` itself, each neuron's read before its output overwrites
/// it, and `x` is empty: an evolution in place without copying its input aside;
/// `SPIKES`: the counts are stored in `spikes` too, else left to the caller to take from
/// the output of the last step it runs, for one store a neuron less), in code compiled
/// for `Isa`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn step_single<
    F: Real,
    Isa: pulp::Simd,
    const REC: bool,
    const NOISE: bool,
    const POW2: bool,
    const ZERO_FIRST: bool,
    const IN_PLACE: bool,
    const SPIKES: bool,
>(
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
        &x[..if IN_PLACE { 0 } else { n }],
        &mut isyn[..n],
        &mut vmem[..n],
        &mut spikes[..n],
        &mut out[..n],
    );
    let (alpha, beta, bias, th) = (&c.alpha[..n], &c.beta[..n], &c.bias[..n], &c.threshold[..n]);
    let irec = if REC { &irec[..n] } else { &irec[..0] };
    let noise = if NOISE { &noise[..n] } else { &noise[..0] };
    let recip = if POW2 { &c.recip[..n] } else { &c.recip[..0] };
    for j in 0..n {
        let drive = if REC { irec[j] } else { F::zero() };
        let input = if IN_PLACE { out[j] } else { x[j] };
        let i = (isyn[j] + (F::of(input) + drive)) * beta[j];
        isyn[j] = i;
        // `0 + i` only turns `i = -0.0` into `+0.0`; that changes `(0 + i) + bias` only when
        // a bias is `-0.0` too (`-0 + -0 = -0`, `+0 + -0 = +0`), or the noise is added
        // first: without either, `i + bias` has the same bits for one addition less.
        let mut total = if ZERO_FIRST { F::zero() + i } else { i };
        if NOISE {
            total += F::of(c.noise_scale * noise[j]);
        }
        let v = vmem[j] * alpha[j] + (total + bias[j]);
        let q = if POW2 { v * recip[j] } else { v / th[j] };
        let (s, reset) = fire_q::<F, Isa>(v, q, th[j], c.max_spikes);
        vmem[j] = reset;
        if SPIKES {
            spikes[j] = s;
        }
        out[j] = s.to64();
    }
}

/// One step of the neurons with `S > 1` synapses, after the synaptic currents were
/// updated, in code compiled for `Isa`.
#[inline(always)]
fn step_multi<F: Real, Isa: pulp::Simd>(
    c: &Consts<'_, F>,
    noise: &[f64],
    isyn: &[F],
    vmem: &mut [F],
    spikes: &mut [F],
    out: &mut [f64],
) {
    for (j, syn) in isyn.chunks_exact(c.n_syn).enumerate().take(c.n) {
        let v = vmem[j] * c.alpha[j] + input_current(c, noise, syn, j);
        let (s, reset) = fire::<F, Isa>(v, c.threshold[j], c.max_spikes);
        vmem[j] = reset;
        spikes[j] = s;
        out[j] = s.to64();
    }
}

/// Bytes of `w_rec` rows read in one step above which the recurrent input is split over two
/// threads (each adds its half of every spiking row; the same bits). Below it, waking the
/// other thread every step costs more than it saves (measured on W3).
const PAR_REC_BYTES: usize = 1 << 21;

/// `irec = Σ_{j spiking} s_j · w_rec[j]`, rows added in neuron order. `active` is scratch
/// for the spiking neurons and their counts.
#[inline(always)]
pub(crate) fn recurrent_input<F: Real>(
    w: &[F],
    spikes: &[F],
    irec: &mut [F],
    active: &mut Vec<(usize, F)>,
) {
    let ns = irec.len();
    active.clear();
    push_spiking(spikes, 0, active);
    let bytes = active.len() * ns * std::mem::size_of::<F>();
    if bytes >= PAR_REC_BYTES && ns >= 256 && rayon::current_num_threads() > 1 {
        let mid = ns / 2 / 16 * 16;
        let (a, b) = irec.split_at_mut(mid);
        let active = &active[..];
        rayon::join(
            || {
                pulp::Arch::new().dispatch(RowAdds {
                    w,
                    active,
                    ns,
                    off: 0,
                    irec: a,
                })
            },
            || {
                pulp::Arch::new().dispatch(RowAdds {
                    w,
                    active,
                    ns,
                    off: mid,
                    irec: b,
                })
            },
        );
    } else {
        row_adds(w, active, ns, 0, irec);
    }
}

/// Columns `off..off + irec.len()` of `Σ s_j · w[j]` over `active`.
///
/// The rows are added eight at a time, then four, then one: each element of `irec` is
/// loaded once per pass, gets its products added one after the other (`((a + s₀w₀) +
/// s₁w₁) + …`, the order of adding the rows one by one, so the same bits) and is stored
/// once, where one row at a time loads and stores `irec` once per row. The rows are what
/// W3 streams (from memory in `f64`, from the L3 cache in `f32`); eight per pass take a
/// quarter fewer instructions than four and were a few per cent faster on their own
/// (`docs/performance-record.md`, "Seventh round").
#[inline(always)]
pub(crate) fn row_adds<F: Real>(
    w: &[F],
    active: &[(usize, F)],
    ns: usize,
    off: usize,
    irec: &mut [F],
) {
    irec.fill(F::zero());
    let len = irec.len();
    let row = |j: usize| &w[j * ns + off..j * ns + off + len];
    let mut eights = active.chunks_exact(8);
    for g in &mut eights {
        let [(j0, s0), (j1, s1), (j2, s2), (j3, s3)] = [g[0], g[1], g[2], g[3]];
        let [(j4, s4), (j5, s5), (j6, s6), (j7, s7)] = [g[4], g[5], g[6], g[7]];
        let (r0, r1, r2, r3) = (row(j0), row(j1), row(j2), row(j3));
        let (r4, r5, r6, r7) = (row(j4), row(j5), row(j6), row(j7));
        let rows = r0
            .iter()
            .zip(r1)
            .zip(r2)
            .zip(r3)
            .zip(r4)
            .zip(r5)
            .zip(r6)
            .zip(r7);
        for (acc, (((((((&a, &b), &c), &d), &e), &f), &g), &h)) in irec.iter_mut().zip(rows) {
            *acc = (((((((*acc + s0 * a) + s1 * b) + s2 * c) + s3 * d) + s4 * e) + s5 * f)
                + s6 * g)
                + s7 * h;
        }
    }
    let mut fours = eights.remainder().chunks_exact(4);
    for g in &mut fours {
        let [(j0, s0), (j1, s1), (j2, s2), (j3, s3)] = [g[0], g[1], g[2], g[3]];
        let (r0, r1, r2, r3) = (row(j0), row(j1), row(j2), row(j3));
        for ((((acc, &a), &b), &c), &d) in irec.iter_mut().zip(r0).zip(r1).zip(r2).zip(r3) {
            *acc = (((*acc + s0 * a) + s1 * b) + s2 * c) + s3 * d;
        }
    }
    for &(j, s) in fours.remainder() {
        for (acc, &wv) in irec.iter_mut().zip(row(j)) {
            *acc += s * wv;
        }
    }
}

/// [`row_adds`] on another thread, compiled for the CPU's best vector instructions.
struct RowAdds<'a, F> {
    w: &'a [F],
    active: &'a [(usize, F)],
    ns: usize,
    off: usize,
    irec: &'a mut [F],
}

impl<F: Real> pulp::WithSimd for RowAdds<'_, F> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        row_adds(self.w, self.active, self.ns, self.off, self.irec);
    }
}

/// Evolve one sample over its time steps in the compute type `F`, compiled for the best
/// vector instructions this CPU has (AVX-512, AVX2 or the SSE2 baseline, chosen at run
/// time): the arithmetic is the same in each, only the number of lanes differs.
///
/// A recurrent sample wide enough is split over the pool's threads by neurons instead
/// ([`crate::lif_split`], the same bits); a feed-forward one without noise or record runs
/// by chunks of neurons ([`crate::lif_chunked`], the same bits).
pub(crate) fn evolve_sample<F: Real, S: StepSource>(c: &Consts<'_, F>, io: SampleIo<'_, S>) {
    if let Some(io) = crate::lif_split::evolve_split(c, io) {
        pulp::Arch::new().dispatch(Sample { c, io });
    }
}

/// [`evolve_sample_body`] as a `pulp` operation (inlined into each instruction-set variant).
struct Sample<'a, 'b, F: Real, S> {
    c: &'a Consts<'b, F>,
    io: SampleIo<'a, S>,
}

impl<F: Real, Src: StepSource> pulp::WithSimd for Sample<'_, '_, F, Src> {
    type Output = ();

    #[inline(always)]
    fn with_simd<Isa: pulp::Simd>(self, _simd: Isa) {
        if crate::lif_chunked::applies(self.c, &self.io) {
            crate::lif_chunked::evolve_chunked::<F, Src, Isa>(self.c, self.io);
        } else {
            evolve_sample_body::<F, Src, Isa>(self.c, self.io);
        }
    }
}

/// One sample's time loop, step by step (every case the chunked pass does not take), in
/// code compiled for `Isa`.
#[inline(always)]
pub(crate) fn evolve_sample_body<F: Real, S: StepSource, Isa: pulp::Simd>(
    c: &Consts<'_, F>,
    mut io: SampleIo<'_, S>,
) {
    let (n, n_syn) = (c.n, c.n_syn);
    let ns = n * n_syn;
    let steps = io.output.len() / n.max(1);
    let mut output = io.output;
    let load = |v: &[f64]| v.iter().map(|&x| F::of(x)).collect::<Vec<F>>();
    let mut spikes = load(io.spikes);
    let mut isyn = load(io.isyn);
    let mut vmem = load(io.vmem);
    let mut irec = vec![F::zero(); ns];
    let mut active = Vec::with_capacity(if c.w_rec.is_some() { n } else { 0 });
    let noisy = c.noise_scale != 0.0;
    let mut noise = vec![0.0f64; if noisy { n } else { 0 }];
    let mut rec = io.rec;
    let mut t0 = 0;
    while t0 < steps {
        let t1 = t0.saturating_add(S::BLOCK).min(steps);
        // Every step's output is written: zeroed a block at a time, in cache.
        let outb = output.front((t1 - t0) * n);
        let xb = io.input.block(t0, t1, outb);
        for t in t0..t1 {
            let x = &xb[(t - t0) * ns..(t - t0 + 1) * ns];
            let out = &mut outb[(t - t0) * n..(t - t0 + 1) * n];
            if let Some(w) = c.w_rec.as_deref() {
                recurrent_input(w, &spikes, &mut irec, &mut active);
            }
            if noisy {
                fill_standard_normal(io.key[0], io.key[1].wrapping_add(t as u64), &mut noise);
            }
            neuron_step::<F, Isa>(
                c,
                x,
                &irec,
                c.w_rec.is_some(),
                &noise,
                &mut isyn,
                &mut vmem,
                &mut spikes,
                out,
            );
            if let Some(r) = rec.as_mut() {
                F::widen_into(&irec, &mut r.irec[t * ns..(t + 1) * ns]);
                F::widen_into(&isyn, &mut r.isyn[t * ns..(t + 1) * ns]);
                F::widen_into(&spikes, &mut r.spikes[t * n..(t + 1) * n]);
                F::widen_into(&vmem, &mut r.vmem[t * n..(t + 1) * n]);
            }
        }
        t0 = t1;
    }
    F::widen_into(&spikes, io.spikes);
    F::widen_into(&isyn, io.isyn);
    F::widen_into(&vmem, io.vmem);
}

/// One step of the neurons of `c` after the recurrent input `irec` was computed (`rec_in`:
/// there is recurrence; `noise`: this step's draws, empty without noise): the synapses,
/// the membranes, the spikes and the output `out`; in code compiled for `Isa`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn neuron_step<F: Real, Isa: pulp::Simd>(
    c: &Consts<'_, F>,
    x: &[f64],
    irec: &[F],
    rec_in: bool,
    noise: &[f64],
    isyn: &mut [F],
    vmem: &mut [F],
    spikes: &mut [F],
    out: &mut [f64],
) {
    let (n_syn, noisy) = (c.n_syn, !noise.is_empty());
    if !c.fast {
        update_synapses(c, x, irec, rec_in, isyn);
        reference_neurons(c, noise, isyn, vmem, spikes, out);
    } else if n_syn == 1 {
        let (i, v, s) = (isyn, vmem, spikes);
        let pow2 = !c.recip.is_empty();
        let zero_first = noisy || c.neg_zero_bias;
        macro_rules! single {
            ($(($r:literal, $z:literal, $p:literal, $f:literal)),*) => {
                match (rec_in, noisy, pow2, zero_first) {
                    $(($r, $z, $p, $f) => step_single::<F, Isa, $r, $z, $p, $f, false, true>(
                        c, x, irec, noise, i, v, s, out,
                    ),)*
                }
            };
        }
        single!(
            (false, false, false, false),
            (false, false, false, true),
            (false, false, true, false),
            (false, false, true, true),
            (false, true, false, false),
            (false, true, false, true),
            (false, true, true, false),
            (false, true, true, true),
            (true, false, false, false),
            (true, false, false, true),
            (true, false, true, false),
            (true, false, true, true),
            (true, true, false, false),
            (true, true, false, true),
            (true, true, true, false),
            (true, true, true, true)
        );
    } else {
        update_synapses(c, x, irec, rec_in, isyn);
        step_multi::<F, Isa>(c, noise, isyn, vmem, spikes, out);
    }
}

/// `isyn = (isyn + (x + irec)) · β` (`irec = +0.0` without recurrence) over every synapse.
#[inline(always)]
pub(crate) fn update_synapses<F: Real>(
    c: &Consts<'_, F>,
    x: &[f64],
    irec: &[F],
    rec_in: bool,
    isyn: &mut [F],
) {
    if rec_in {
        for (((i, &xv), &r), &b) in isyn.iter_mut().zip(x).zip(irec).zip(c.beta) {
            *i = (*i + (F::of(xv) + r)) * b;
        }
    } else {
        for ((i, &xv), &b) in isyn.iter_mut().zip(x).zip(c.beta) {
            *i = (*i + (F::of(xv) + F::zero())) * b;
        }
    }
}

/// The per-neuron reference loop (any threshold), after the synapses were updated.
pub(crate) fn reference_neurons<F: Real>(
    c: &Consts<'_, F>,
    noise: &[f64],
    isyn: &[F],
    vmem: &mut [F],
    spikes: &mut [F],
    out: &mut [f64],
) {
    for (j, o) in out.iter_mut().enumerate().take(c.n) {
        let syn = &isyn[j * c.n_syn..(j + 1) * c.n_syn];
        let v = vmem[j] * c.alpha[j] + input_current(c, noise, syn, j);
        let s = spike_count(v, c.threshold[j], c.max_spikes);
        vmem[j] = v - s * c.threshold[j];
        spikes[j] = s;
        *o = s.to64();
    }
}

/// Neuron `j`'s `(Σ isyn + noise) + bias`, the term Rockpool adds to `vmem · α`.
#[inline(always)]
fn input_current<F: Real>(c: &Consts<'_, F>, noise: &[f64], syn: &[F], j: usize) -> F {
    let mut total = numpy_sum(syn);
    if let Some(z) = noise.get(j) {
        total += F::of(c.noise_scale * z);
    }
    total + c.bias[j]
}

/// `0 + Σ values` in numpy's order (`np.add.reduce` over a contiguous axis): from `+0.0`,
/// one by one below 8 values; from 8 to 128 values, eight running sums combined as
/// `((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))` and the rest added one by one; above 128, the two
/// halves (the first a multiple of 8 long) summed that way and added.
fn numpy_sum<F: Real>(values: &[F]) -> F {
    F::zero() + pairwise_sum(values)
}

/// numpy's `pairwise_sum` (`numpy/_core/src/umath/loops_utils.h.src`).
pub(crate) fn pairwise_sum<F: Real>(a: &[F]) -> F {
    let n = a.len();
    if n < 8 {
        a.iter().fold(F::zero(), |acc, &v| acc + v)
    } else if n <= 128 {
        let mut r = [F::zero(); 8];
        r.copy_from_slice(&a[..8]);
        let whole = n - n % 8;
        for block in a[8..whole].chunks_exact(8) {
            for (acc, &v) in r.iter_mut().zip(block) {
                *acc += v;
            }
        }
        let head = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        a[whole..].iter().fold(head, |acc, &v| acc + v)
    } else {
        let half = n / 2;
        let half = half - half % 8;
        pairwise_sum(&a[..half]) + pairwise_sum(&a[half..])
    }
}

#[cfg(test)]
mod tests {
    use super::{fire, vector_floor};
    use crate::lif::spike_count;
    use littoral_core::Real;

    /// Potentials for threshold `th`: around its multiples (quotients just below, at and
    /// above an integer), around the rounding trick's `2⁵²`, signed zeros, infinities and
    /// NaN.
    fn potentials<F: Real>(th: F) -> Vec<F> {
        let (big, eps) = (F::one() / F::epsilon(), F::epsilon());
        let mut v: Vec<F> = [0.0, -0.0, 0.3, -0.5, -3.7]
            .iter()
            .map(|&x| F::of(x))
            .collect();
        for k in 1..40 {
            let x = F::of(f64::from(k)) * th;
            v.extend([x, x + x * eps, x - x * eps, -x, x + F::of(0.37)]);
        }
        let at = big * th;
        v.extend([at, at + at * eps, at - at * eps, at + at, F::max_value()]);
        v.extend([
            F::infinity(),
            F::neg_infinity(),
            F::nan(),
            F::min_positive_value(),
        ]);
        v
    }

    /// Rockpool's rule (`lif::spike_count`) against `fire` compiled for `Isa`: count and
    /// reset potential, bit for bit.
    fn agrees<F: Real, Isa: pulp::Simd>() {
        for th in [0.25, 0.7, 1.0, 1.3, 2.0] {
            let th = F::of(th);
            for max in [1.0, 3.0, 65536.0] {
                let max = F::of(max);
                for v in potentials(th) {
                    let s = spike_count(v, th, max);
                    let (got, reset) = fire::<F, Isa>(v, th, max);
                    let bits = |x: F| x.to64().to_bits();
                    assert_eq!(bits(got), bits(s), "v {v:?} θ {th:?} max {max:?}");
                    assert_eq!(
                        bits(reset),
                        bits(v - s * th),
                        "v {v:?} θ {th:?} max {max:?}"
                    );
                }
            }
        }
    }

    /// Both ways of rounding down give Rockpool's counts: the vector `floor` and, in
    /// x86's baseline, the round-to-nearest trick.
    #[test]
    fn both_floors_give_rockpools_spike_counts() {
        #[cfg(target_arch = "x86_64")]
        {
            assert!(!vector_floor::<pulp::Scalar>() || cfg!(target_feature = "sse4.1"));
            assert!(vector_floor::<pulp::x86::V3>());
            agrees::<f64, pulp::x86::V3>();
            agrees::<f32, pulp::x86::V3>();
        }
        agrees::<f64, pulp::Scalar>();
        agrees::<f32, pulp::Scalar>();
    }
}
