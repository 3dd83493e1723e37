//! The constants and state of LIF neurons with one synapse each, packed chunk by chunk so
//! that a chunk's pieces fall in distinct L1 sets.
//!
//! Kept in their own arrays (`α`, `β`, bias, `θ`, `1/θ`, `isyn`, `vmem`, `spikes`), they
//! need not. At `N = 1000` in `f64` each array is 8000 bytes and the allocator hands them
//! out 8 KB apart, so every array's piece of a chunk lands in the same eight of L1's 64
//! sets: the eight streams fill those sets' eight ways, and the input's and output's
//! pieces evict them on every step. The library's W1 (`N = 1000`,
//! `f64`) on one thread took 12.5–13.1 ms in some processes and 17.0–22.0 ms in others,
//! steady within each; packed, 11.9–12.9 ms in every process (`docs/performance-record.md`,
//! "Seventeenth round").
//!
//! Here chunk `k` (neurons `k·CHUNK..`) owns one block of [`STREAMS`]` · `[`CHUNK`]
//! values, its streams side by side: 4 KB in `f64`, whose eight pieces cover L1's 64 sets
//! once.

use crate::lif_kernel::Consts;
use littoral_core::Real;

/// Neurons per chunk: one 512-byte piece of each stream in `f64` (eight AVX-512 vectors).
pub(crate) const CHUNK: usize = 64;

/// Streams in a block: the constants, then the state.
const STREAMS: usize = 8;
const ALPHA: usize = 0;
const BETA: usize = 1;
const BIAS: usize = 2;
const THETA: usize = 3;
const RECIP: usize = 4;
/// The first stream of the state (the ones before it are read-only).
const ISYN: usize = 5;
const VMEM: usize = 6;
const SPIKES: usize = 7;
const BLOCK: usize = STREAMS * CHUNK;

/// The constants and state of `n` neurons with one synapse each, one block per chunk of
/// [`CHUNK`] neurons (a last, shorter chunk's block is padded with zeros).
pub(crate) struct Packed<F> {
    data: Vec<F>,
    n: usize,
}

/// One chunk's view: its constants (as the [`Consts`] of its neurons) and its state.
pub(crate) struct Chunk<'a, F: Real> {
    /// The chunk's first neuron.
    pub lo: usize,
    pub consts: Consts<'a, F>,
    pub isyn: &'a mut [F],
    pub vmem: &'a mut [F],
    pub spikes: &'a mut [F],
}

impl<F: Real> Packed<F> {
    /// The constants of `c` (one synapse; its recurrent weights are left out) and the
    /// state, given in `f64`, in the compute type.
    pub(crate) fn new(c: &Consts<'_, F>, isyn: &[f64], vmem: &[f64], spikes: &[f64]) -> Self {
        debug_assert_eq!(c.n_syn, 1, "one synapse a neuron");
        let n = c.n;
        let mut data = vec![F::zero(); n.div_ceil(CHUNK) * BLOCK];
        for (k, block) in data.chunks_exact_mut(BLOCK).enumerate() {
            let (lo, hi) = (k * CHUNK, (k * CHUNK + CHUNK).min(n));
            let mut put = |stream: usize, from: &[F]| {
                block[stream * CHUNK..][..hi - lo].copy_from_slice(&from[lo..hi]);
            };
            put(ALPHA, c.alpha);
            put(BETA, c.beta);
            put(BIAS, c.bias);
            put(THETA, c.threshold);
            if !c.recip.is_empty() {
                put(RECIP, c.recip);
            }
            let mut load = |stream: usize, from: &[f64]| {
                let to = &mut block[stream * CHUNK..][..hi - lo];
                for (t, &f) in to.iter_mut().zip(&from[lo..hi]) {
                    *t = F::of(f);
                }
            };
            load(ISYN, isyn);
            load(VMEM, vmem);
            load(SPIKES, spikes);
        }
        Packed { data, n }
    }

    /// Chunks of neurons.
    pub(crate) fn chunks(&self) -> usize {
        self.n.div_ceil(CHUNK)
    }

    /// Chunk `k`: its constants, with the scalars of `c` (the constants it was packed
    /// from: `1/θ` only when `c` has it), and its state to update.
    pub(crate) fn chunk(&mut self, c: &Consts<'_, F>, k: usize) -> Chunk<'_, F> {
        let lo = k * CHUNK;
        let len = CHUNK.min(self.n - lo);
        let (consts, state) = self.data[k * BLOCK..][..BLOCK].split_at_mut(ISYN * CHUNK);
        let consts: &[F] = consts;
        let piece = |stream: usize| &consts[stream * CHUNK..][..len];
        let (isyn, rest) = state.split_at_mut(CHUNK);
        let (vmem, spikes) = rest.split_at_mut(CHUNK);
        Chunk {
            lo,
            consts: Consts {
                n: len,
                n_syn: 1,
                alpha: piece(ALPHA),
                beta: piece(BETA),
                bias: piece(BIAS),
                threshold: piece(THETA),
                fast: c.fast,
                recip: if c.recip.is_empty() {
                    &[]
                } else {
                    piece(RECIP)
                },
                max_spikes: c.max_spikes,
                neg_zero_bias: c.neg_zero_bias,
                noise_scale: c.noise_scale,
                w_rec: None,
            },
            isyn: &mut isyn[..len],
            vmem: &mut vmem[..len],
            spikes: &mut spikes[..len],
        }
    }

    /// The state, widened back into arrays of `f64` (as [`Packed::new`] took it).
    pub(crate) fn unload(&self, isyn: &mut [f64], vmem: &mut [f64], spikes: &mut [f64]) {
        for (k, block) in self.data.chunks_exact(BLOCK).enumerate() {
            let (lo, hi) = (k * CHUNK, (k * CHUNK + CHUNK).min(self.n));
            let piece = |stream: usize| &block[stream * CHUNK..][..hi - lo];
            F::widen_into(piece(ISYN), &mut isyn[lo..hi]);
            F::widen_into(piece(VMEM), &mut vmem[lo..hi]);
            F::widen_into(piece(SPIKES), &mut spikes[lo..hi]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{CHUNK, Packed};
    use crate::lif_kernel::Consts;

    /// Every chunk sees its own neurons' constants and state, and unloading gives back the
    /// state as the chunks left it, with and without `1/θ` and with a short last chunk.
    #[test]
    fn chunks_see_their_own_neurons() {
        for (n, with_recip) in [(1, true), (CHUNK, true), (150, true), (70, false)] {
            let f = |base: f64| (0..n).map(|i| base + i as f64).collect::<Vec<_>>();
            let (alpha, beta, bias, threshold, recip) = (f(1e3), f(2e3), f(3e3), f(4e3), f(5e3));
            let given: &[f64] = if with_recip { &recip } else { &[] };
            let c = Consts::feed_forward([&alpha, &beta, &bias, &threshold, given], 7.0);
            let (isyn, vmem, spikes) = (f(6e3), f(7e3), f(8e3));
            let mut packed = Packed::new(&c, &isyn, &vmem, &spikes);
            assert_eq!(packed.chunks(), n.div_ceil(CHUNK));
            let mut vmem_after = vmem.clone();
            for k in 0..packed.chunks() {
                let chunk = packed.chunk(&c, k);
                let (lo, len) = (chunk.lo, chunk.consts.n);
                assert_eq!((lo, len), (k * CHUNK, CHUNK.min(n - k * CHUNK)));
                let got = &chunk.consts;
                assert_eq!(got.alpha, &alpha[lo..lo + len]);
                assert_eq!(got.beta, &beta[lo..lo + len]);
                assert_eq!(got.bias, &bias[lo..lo + len]);
                assert_eq!(got.threshold, &threshold[lo..lo + len]);
                let want_recip: &[f64] = if with_recip {
                    &recip[lo..lo + len]
                } else {
                    &[]
                };
                assert_eq!(got.recip, want_recip);
                assert_eq!(got.max_spikes, 7.0);
                assert_eq!(chunk.isyn, &isyn[lo..lo + len]);
                assert_eq!(chunk.vmem, &vmem[lo..lo + len]);
                assert_eq!(chunk.spikes, &spikes[lo..lo + len]);
                chunk.vmem[len - 1] = -1.0;
                vmem_after[lo + len - 1] = -1.0;
            }
            let (mut isyn2, mut vmem2, mut spikes2) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
            packed.unload(&mut isyn2, &mut vmem2, &mut spikes2);
            assert_eq!((isyn2, vmem2, spikes2), (isyn, vmem_after, spikes));
        }
    }
}
