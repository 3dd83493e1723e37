//! The feed-forward LIF time loop by chunks of neurons: each chunk of
//! [`CHUNK`](crate::lif_packed::CHUNK) neurons runs a whole block of steps before the
//! next chunk starts.
//!
//! The step-by-step pass ([`crate::lif_kernel`]) walks all `N` neurons every step: ten
//! per-neuron streams (input, output, `isyn`, `vmem`, `spikes`, `α`, `β`, bias, `θ`,
//! `1/θ`), 8 KB each at `N = 1000`, which do not fit in L1 together, so the state and the
//! constants are reloaded from L2 every step. Here a chunk's state and constants (512 B
//! per stream, packed side by side: [`Packed`]) stay in L1 across the block, and only the
//! input and output move.
//!
//! The output is zeroed a block at a time, right before the block is written
//! ([`Output::front`]), not a whole sample before the pass: the zeroed block is in cache
//! when the pass writes it, so the output goes to memory once. An evolution in place
//! (the output written into the input's buffer) reads each block where it is: a neuron's
//! input is read, then its output overwrites it, with no copy of the block aside
//! ([`StepSource::in_dest`]; `nets/tests/in_place.rs` checks the bits against `evolve`).
//! Either source asks the memory for the first lines of every page of a block before its
//! check reads the block in order ([`crate::audited::prefetch`]), so that the hardware
//! prefetcher streams the pages together rather than one after another.
//!
//! Without recurrence a neuron's step reads nothing of the other neurons, so the order
//! in which (neuron, step) pairs are computed does not change any number: each neuron
//! runs the same steps, in order, through the same arithmetic ([`step_single`]).
//! Used when every threshold is positive and finite (the fast pass), with one synapse,
//! no recurrence, no noise and no record; `proptest` below checks it against the
//! step-by-step pass.

use crate::lif_kernel::{Consts, Output, SampleIo, StepSource, step_single};
use crate::lif_packed::Packed;
use littoral_core::Real;

/// Input bytes of one block of steps at most (the block is scanned by the input check,
/// then read chunk by chunk: it should still be in L2). Wide layers take fewer steps per
/// block than the source offers.
const BLOCK_BYTES: usize = 256 << 10;

/// Whether the chunked pass applies to this sample (see the module docs).
pub(crate) fn applies<F: Real, S>(c: &Consts<'_, F>, io: &SampleIo<'_, S>) -> bool {
    c.fast && c.n_syn == 1 && c.w_rec.is_none() && c.noise_scale == 0.0 && io.rec.is_none()
}

/// Evolve one sample by chunks of neurons (requires [`applies`]): the bits of
/// `lif_kernel::evolve_sample_body`, in code compiled for `Isa`.
#[inline(always)]
pub(crate) fn evolve_chunked<F: Real, S: StepSource, Isa: pulp::Simd>(
    c: &Consts<'_, F>,
    io: SampleIo<'_, S>,
) {
    let n = c.n;
    let mut packed = Packed::new(c, io.isyn, io.vmem, io.spikes);
    let block = S::BLOCK.min(BLOCK_BYTES / (8 * n.max(1))).max(1);
    let (input, output) = (io.input, io.output);
    match (!c.recip.is_empty(), c.neg_zero_bias) {
        (false, false) => blocks::<F, S, Isa, false, false>(c, input, output, &mut packed, block),
        (false, true) => blocks::<F, S, Isa, false, true>(c, input, output, &mut packed, block),
        (true, false) => blocks::<F, S, Isa, true, false>(c, input, output, &mut packed, block),
        (true, true) => blocks::<F, S, Isa, true, true>(c, input, output, &mut packed, block),
    }
    packed.unload(io.isyn, io.vmem, io.spikes);
}

/// Every block of `block` steps, each chunk of neurons through the whole block.
#[inline(always)]
fn blocks<F: Real, S: StepSource, Isa: pulp::Simd, const POW2: bool, const ZERO_FIRST: bool>(
    c: &Consts<'_, F>,
    mut input: S,
    mut output: Output<'_>,
    packed: &mut Packed<F>,
    block: usize,
) {
    let n = c.n;
    let steps = output.len() / n.max(1);
    let mut t0 = 0;
    while t0 < steps {
        let t1 = t0.saturating_add(block).min(steps);
        let out = output.front((t1 - t0) * n);
        if input.in_dest(out) {
            chunks_through::<F, Isa, POW2, ZERO_FIRST, true>(c, packed, &[], out);
        } else {
            let xb = input.block(t0, t1, out);
            chunks_through::<F, Isa, POW2, ZERO_FIRST, false>(c, packed, xb, out);
        }
        t0 = t1;
    }
}

/// Each chunk of neurons through the steps of one block, `out` (its output), reading
/// the input from `xb` (the block's input, `out`'s shape) or, `IN_PLACE`, from `out`
/// itself, each neuron's element before its output overwrites it (`xb` empty).
#[inline(always)]
fn chunks_through<
    F: Real,
    Isa: pulp::Simd,
    const POW2: bool,
    const ZERO_FIRST: bool,
    const IN_PLACE: bool,
>(
    c: &Consts<'_, F>,
    packed: &mut Packed<F>,
    xb: &[f64],
    out: &mut [f64],
) {
    let n = c.n;
    for k in 0..packed.chunks() {
        let chunk = packed.chunk(c, k);
        let (lo, hi) = (chunk.lo, chunk.lo + chunk.consts.n);
        for (t, o) in out.chunks_exact_mut(n).enumerate() {
            let x = if IN_PLACE {
                &[][..]
            } else {
                &xb[t * n + lo..t * n + hi]
            };
            step_single::<F, Isa, false, false, POW2, ZERO_FIRST, IN_PLACE, false>(
                &chunk.consts,
                x,
                &[],
                &[],
                chunk.isyn,
                chunk.vmem,
                chunk.spikes,
                &mut o[lo..hi],
            );
        }
        // No step reads the spike counts of the one before (no recurrence): the state
        // keeps the last step's, the output's last row, narrowed back (exactly: they
        // were widened from `F`).
        if let Some(last) = out.rchunks_exact(n).next() {
            for (s, &o) in chunk.spikes.iter_mut().zip(&last[lo..hi]) {
                *s = F::of(o);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::applies;
    use crate::lif_kernel::{
        Consts, SampleIo, StepSource, evolve_sample, evolve_sample_body, reciprocals,
    };
    use crate::task_zeroed::TaskZeroed;
    use littoral_core::Real;
    use proptest::prelude::*;

    /// A sample's input handed out `B` steps at a time.
    struct Steps<'a, const B: usize> {
        x: &'a [f64],
        n: usize,
    }

    impl<const B: usize> StepSource for Steps<'_, B> {
        const BLOCK: usize = B;

        fn block(&mut self, t0: usize, t1: usize, _dest: &mut [f64]) -> &[f64] {
            &self.x[t0 * self.n..t1 * self.n]
        }
    }

    /// One feed-forward sample: per-neuron constants, initial state, input `(T, N)`.
    #[derive(Debug, Clone)]
    struct Case {
        n: usize,
        alpha: Vec<f64>,
        beta: Vec<f64>,
        bias: Vec<f64>,
        threshold: Vec<f64>,
        max: f64,
        state: [Vec<f64>; 3],
        x: Vec<f64>,
    }

    /// Output and final state `(spikes, isyn, vmem)`, as bits.
    type Bits = (Vec<u64>, [Vec<u64>; 3]);

    /// Run `case` in `F` through the pass the kernel picks (`chunked`: the dispatched
    /// `evolve_sample`, which takes the chunked pass here, writing into a lazily zeroed
    /// buffer) or step by step (into a slice), the latter in `pulp`'s scalar variant (on
    /// x86-64 the rounding trick instead of the vector `floor`: `lif_kernel`'s docs).
    fn run<F: Real, const B: usize>(case: &Case, chunked: bool) -> Bits {
        let cast = |v: &[f64]| v.iter().map(|&x| F::of(x)).collect::<Vec<F>>();
        let (alpha, beta, bias, threshold) = (
            cast(&case.alpha),
            cast(&case.beta),
            cast(&case.bias),
            cast(&case.threshold),
        );
        let recip = reciprocals(&threshold).unwrap_or_default();
        let c = Consts::feed_forward([&alpha, &beta, &bias, &threshold, &recip], F::of(case.max));
        let [mut spikes, mut isyn, mut vmem] = case.state.clone();
        // The chunked pass writes into a driver's uninitialised buffer, zeroed a block at
        // a time; the step-by-step pass into a slice.
        let len = case.x.len();
        let mut buffer = TaskZeroed::new(len);
        let mut slice = vec![0.0; len];
        let output = match buffer.parts(len).pop() {
            Some(part) if chunked => part.into(),
            _ => (&mut slice[..]).into(),
        };
        let io = SampleIo {
            spikes: &mut spikes,
            isyn: &mut isyn,
            vmem: &mut vmem,
            key: [0, 0],
            input: Steps::<B> {
                x: &case.x,
                n: case.n,
            },
            output,
            rec: None,
        };
        assert!(applies(&c, &io));
        if chunked {
            evolve_sample(&c, io);
        } else {
            evolve_sample_body::<F, _, pulp::Scalar>(&c, io);
        }
        let output = if chunked && len > 0 {
            buffer.into_vec()
        } else {
            slice
        };
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        (bits(&output), [bits(&spikes), bits(&isyn), bits(&vmem)])
    }

    /// An input value: mostly ordinary, sometimes exactly 0, -0.0, large or negative.
    fn value() -> impl Strategy<Value = f64> {
        prop_oneof![
            6 => -1.0f64..3.0,
            1 => Just(0.0),
            1 => Just(-0.0),
            1 => -40.0f64..40.0,
        ]
    }

    prop_compose! {
        /// Up to 200 neurons (a chunk is 64) and 80 steps (a block is 5 or 32),
        /// thresholds all powers of two (a multiplication) or not (a division), `-0.0`
        /// biases, spike caps.
        fn case()(n in 1usize..200, t in 0usize..80, pow2 in any::<bool>(),
                  max in prop_oneof![Just(65536.0), Just(1.0), Just(2.0), Just(3.0)])
                 (x in prop::collection::vec(value(), t * n),
                  alpha in prop::collection::vec(0.5f64..1.0, n),
                  beta in prop::collection::vec(0.5f64..1.0, n),
                  bias in prop::collection::vec(prop_oneof![3 => -0.5f64..0.5, 1 => Just(-0.0)], n),
                  th in prop::collection::vec(0.05f64..2.0, n),
                  p2 in prop::collection::vec(0usize..5, n),
                  spikes in prop::collection::vec(0.0f64..3.0, n),
                  isyn in prop::collection::vec(-2.0f64..2.0, n),
                  vmem in prop::collection::vec(-2.0f64..2.0, n),
                  n in Just(n), pow2 in Just(pow2), max in Just(max)) -> Case {
            let threshold = if pow2 {
                p2.iter().map(|&k| [0.25, 0.5, 1.0, 2.0, 4.0][k]).collect()
            } else {
                th
            };
            Case { n, alpha, beta, bias, threshold, max, state: [spikes.into_iter().map(f64::floor).collect(), isyn, vmem], x }
        }
    }

    proptest! {
        /// The chunked pass gives the bits of the step-by-step pass: output and final
        /// state, `f64` and `f32`, blocks of 5 and 32 steps.
        #[test]
        fn chunked_gives_the_bits_of_step_by_step(case in case()) {
            prop_assert_eq!(run::<f64, 32>(&case, true), run::<f64, 32>(&case, false));
            prop_assert_eq!(run::<f64, 5>(&case, true), run::<f64, 5>(&case, false));
            prop_assert_eq!(run::<f32, 32>(&case, true), run::<f32, 32>(&case, false));
            prop_assert_eq!(run::<f32, 5>(&case, true), run::<f32, 5>(&case, false));
        }
    }

    /// The property above is not vacuous: a case of several chunks and blocks has single
    /// and multiple spikes.
    #[test]
    fn a_fixed_case_spikes_and_agrees() {
        let (n, t) = (150, 70);
        let case = Case {
            n,
            alpha: vec![0.9; n],
            beta: vec![0.8; n],
            bias: vec![-0.0; n],
            threshold: (0..n).map(|j| [0.5, 1.0, 0.7][j % 3]).collect(),
            max: 65536.0,
            state: [vec![0.0; n], vec![0.1; n], vec![0.2; n]],
            x: (0..n * t).map(|i| (i * 37 % 11) as f64 / 4.0).collect(),
        };
        let (out, state) = run::<f64, 32>(&case, true);
        assert_eq!((out.clone(), state.clone()), run::<f64, 32>(&case, false));
        let counts: Vec<f64> = out.iter().map(|&b| f64::from_bits(b)).collect();
        assert!(counts.contains(&1.0), "single spikes");
        assert!(counts.iter().any(|&s| s > 1.0), "multiple spikes");
    }
}
