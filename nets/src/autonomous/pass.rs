//! The neuron pass of one step over one part: `lif_options`' fused step with a zero
//! input, operation for operation (so the same bits), its spikes appended as neuron
//! indices. Compiled for the CPU's best vector instructions; shared parameters are read as
//! scalars. The recurrent input is already in `isyn` (see `recurrent`), and the neurons a
//! refractory period holds are put back after the pass (see `held`), so the pass streams
//! only `isyn` and `vmem`.

use super::held::Held;

/// The parameters of the pass: per neuron, or of length 1 (`beta`: `n_syn`) when every
/// neuron has the same (`uniform`).
#[derive(Clone, Debug)]
pub(super) struct Consts {
    pub n: usize,
    pub n_syn: usize,
    uniform: bool,
    alpha: Vec<f64>,
    /// Per synapse `s`, the decay of `isyn[s]`.
    beta: [Vec<f64>; 2],
    bias: Vec<f64>,
    threshold: Vec<f64>,
    v_reset: Vec<f64>,
    /// The refractory period in steps, with one.
    refractory: Option<u16>,
}

impl Consts {
    /// From the per-neuron `[alpha, beta (n·s), bias, threshold, v_reset]`.
    pub fn new(n: usize, n_syn: usize, p: [&[f64]; 5], refractory: Option<u16>) -> Self {
        let [alpha, beta, bias, threshold, v_reset] = p;
        let same = |a: &[f64], w: usize| {
            a.len() >= w
                && a.chunks(w).all(|c| {
                    c.iter()
                        .zip(&a[..w])
                        .all(|(x, y)| x.to_bits() == y.to_bits())
                })
        };
        let uniform = n > 0
            && same(alpha, 1)
            && same(beta, n_syn)
            && same(bias, 1)
            && same(threshold, 1)
            && same(v_reset, 1);
        let keep = |a: &[f64], w: usize| if uniform { a[..w].to_vec() } else { a.to_vec() };
        Consts {
            n,
            n_syn,
            uniform,
            alpha: keep(alpha, 1),
            beta: [0, 1].map(|syn| {
                if syn >= n_syn {
                    Vec::new()
                } else if uniform {
                    vec![beta[syn]]
                } else {
                    beta.iter().skip(syn).step_by(n_syn).copied().collect()
                }
            }),
            bias: keep(bias, 1),
            threshold: keep(threshold, 1),
            v_reset: keep(v_reset, 1),
            refractory,
        }
    }
}

/// A part's state: neurons `lo..lo + vmem.len()`.
#[derive(Debug)]
pub(super) struct PartState<'a> {
    pub lo: usize,
    pub vmem: &'a mut [f64],
    /// Per synapse, its currents (the second empty with 1 synapse).
    pub isyn: [&'a mut [f64]; 2],
    /// The remaining refractory steps (integers, as the module's `f64` counters hold
    /// them), written back at the end of a run; empty without a refractory period.
    pub refractory: &'a mut [u16],
    /// The neurons a refractory period holds, during a run.
    pub held: Held,
}

/// One step of the part's neurons, their recurrent input already added to `isyn`; the
/// neurons that fire are appended to `fired` (which is empty).
pub(super) fn neurons(c: &Consts, part: &mut PartState<'_>, fired: &mut Vec<u32>) {
    pulp::Arch::new().dispatch(Pass {
        c,
        part: &mut *part,
        fired: &mut *fired,
    });
    if let Some(period) = c.refractory {
        part.held.settle(part.lo, period, part.vmem, fired);
    }
}

struct Pass<'a, 'b> {
    c: &'a Consts,
    part: &'a mut PartState<'b>,
    fired: &'a mut Vec<u32>,
}

impl pulp::WithSimd for Pass<'_, '_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        let Pass { c, part, fired } = self;
        macro_rules! go {
            ($s:literal) => {
                if c.uniform {
                    pass::<$s, true>(c, part, fired)
                } else {
                    pass::<$s, false>(c, part, fired)
                }
            };
        }
        if c.n_syn == 1 { go!(1) } else { go!(2) }
    }
}

/// Neurons per block: a block's spikes are tested at once (they are rare), so the test
/// and the loop's setup are paid once per this many neurons.
const BLOCK: usize = 1024;

#[inline(always)]
fn pass<const S: usize, const U: bool>(c: &Consts, part: &mut PartState<'_>, fired: &mut Vec<u32>) {
    let n = part.vmem.len();
    let mut start = 0;
    // Every block overwrites its first `end − start` entries before reading them.
    let mut spikes = [0u8; BLOCK];
    while start < n {
        let end = (start + BLOCK).min(n);
        if block::<S, U>(c, part, start, end, &mut spikes) {
            push_spikes(&spikes[..end - start], part.lo + start, fired);
        }
        start = end;
    }
}

/// Append `first + k` for every `flags[k] != 0` (flags 0 or 1), in order: eight flags
/// at a time (one 8-byte load), skipping the words without a spike.
#[inline(always)]
fn push_spikes(flags: &[u8], first: usize, fired: &mut Vec<u32>) {
    let mut push_word = |at: usize, mut bits: u64| {
        while bits != 0 {
            let k = bits.trailing_zeros() as usize / 8;
            fired.push((first + at + k) as u32);
            bits &= bits - 1;
        }
    };
    // Whole words only: a copy of a shorter tail has a variable length, which compiles
    // to a call of `memcpy` (and a stalled reload) per word, a tenth of the pass.
    let words = flags.chunks_exact(8);
    let tail = words.remainder();
    for (w, chunk) in words.enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        push_word(w * 8, u64::from_le_bytes(word));
    }
    let at = flags.len() - tail.len();
    for (k, &flag) in tail.iter().enumerate() {
        push_word(at + k, u64::from(flag));
    }
}

/// Neurons `start..end` of the part (see `lif_options::fused`, here with `x = 0`; the
/// recurrent input already in `isyn`, so `isyn + (0 + irec)` is `isyn + 0`, see
/// `recurrent`), no neuron held (see `held`). Whether any neuron fired.
#[inline(always)]
fn block<const S: usize, const U: bool>(
    c: &Consts,
    part: &mut PartState<'_>,
    start: usize,
    end: usize,
    spikes: &mut [u8; BLOCK],
) -> bool {
    let len = end - start;
    let g = part.lo + start; // the block's first neuron
    // Exact-length slices (scalars when uniform): no bounds checks in the loop.
    let (alpha, bias, threshold, v_reset) = (
        one::<U>(&c.alpha, g, len),
        one::<U>(&c.bias, g, len),
        one::<U>(&c.threshold, g, len),
        one::<U>(&c.v_reset, g, len),
    );
    let [isyn0, isyn1] = &mut part.isyn;
    let (isyn0, beta0) = (&mut isyn0[start..end], one::<U>(&c.beta[0], g, len));
    let (isyn1, beta1) = if S == 2 {
        (&mut isyn1[start..end], one::<U>(&c.beta[1], g, len))
    } else {
        (&mut [][..], &[][..])
    };
    let vmem = &mut part.vmem[start..end];
    let spikes = &mut spikes[..len];
    // Uniform values in registers; per-neuron values indexed.
    let first = |a: &[f64]| a.first().copied().unwrap_or(0.0);
    let (alpha0, bias0, threshold0, v_reset0, beta00, beta10) = (
        first(alpha),
        first(bias),
        first(threshold),
        first(v_reset),
        first(beta0),
        first(beta1),
    );
    let at = |a: &[f64], a0: f64, j: usize| if U { a0 } else { a[j] };
    let mut any = 0u8;
    for j in 0..len {
        // `lif_options::fused`'s order: sum = (0 + i₀) + i₁, each i = (isyn + (0 + irec))·β.
        let i0 = (isyn0[j] + 0.0) * at(beta0, beta00, j);
        isyn0[j] = i0;
        let mut sum = 0.0 + i0;
        if S == 2 {
            let i1 = (isyn1[j] + 0.0) * at(beta1, beta10, j);
            isyn1[j] = i1;
            sum += i1;
        }
        let total = 0.0 + sum;
        let v = vmem[j] * at(alpha, alpha0, j) + (total + at(bias, bias0, j));
        let fire = v >= at(threshold, threshold0, j);
        vmem[j] = if fire { at(v_reset, v_reset0, j) } else { v };
        spikes[j] = u8::from(fire);
        any |= u8::from(fire);
    }
    any != 0
}

/// A parameter's values for neurons `g..g + len`: its one value when uniform.
#[inline(always)]
fn one<const U: bool>(a: &[f64], g: usize, len: usize) -> &[f64] {
    if U { &a[..1] } else { &a[g..g + len] }
}
