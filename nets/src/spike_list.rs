//! The list of the neurons that spiked on a step, the rows of `w_rec` the next step adds.
//!
//! About 2.5 % of W3's 2048 neurons spike per step: a test and a branch per neuron was
//! 12 % of a step on one thread (perf, `f32`). Here 16 counts are compared with zero at
//! once into a bit mask (one vector compare) and only its set bits are visited.

use littoral_core::Real;

/// Neurons compared at once.
const BLOCK: usize = 16;

/// Append `(lo + j, s_j)` for every `j` with `s_j ≠ 0` (NaN included, `±0.0` not), in
/// order, to `list`.
#[inline(always)]
pub(crate) fn push_spiking<F: Real>(spikes: &[F], lo: usize, list: &mut Vec<(usize, F)>) {
    let mut blocks = spikes.chunks_exact(BLOCK);
    let mut base = lo;
    for block in &mut blocks {
        let mut mask = block
            .iter()
            .enumerate()
            .fold(0u32, |m, (i, &s)| m | (u32::from(s != F::zero()) << i));
        while mask != 0 {
            let i = mask.trailing_zeros() as usize;
            list.push((base + i, block[i]));
            mask &= mask - 1;
        }
        base += BLOCK;
    }
    for (i, &s) in blocks.remainder().iter().enumerate() {
        if s != F::zero() {
            list.push((base + i, s));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::push_spiking;
    use littoral_core::Real;

    /// The list a test and a branch per neuron makes.
    fn reference(spikes: &[f64], lo: usize) -> Vec<(usize, u64)> {
        spikes
            .iter()
            .enumerate()
            .filter(|(_, s)| **s != 0.0)
            .map(|(j, s)| (lo + j, s.to_bits()))
            .collect()
    }

    fn listed<F: Real>(spikes: &[F], lo: usize) -> Vec<(usize, u64)> {
        let mut list = vec![(usize::MAX, F::one())];
        push_spiking(spikes, lo, &mut list);
        assert_eq!(
            list.remove(0).0,
            usize::MAX,
            "appends, keeps what was there"
        );
        list.into_iter()
            .map(|(j, s)| (j, s.to64().to_bits()))
            .collect()
    }

    #[test]
    fn lists_every_non_zero_count_in_order_nan_included_signed_zeros_not() {
        let values = [0.0, -0.0, 1.0, 2.0, f64::NAN, -1.0, f64::INFINITY, 0.5];
        for len in [0, 1, 15, 16, 17, 31, 32, 33, 100] {
            for seed in 0..8u64 {
                let spikes: Vec<f64> = (0..len as u64)
                    .map(|i| {
                        let h = (i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seed;
                        if h % 5 == 0 {
                            values[(h / 5 % 8) as usize]
                        } else {
                            0.0
                        }
                    })
                    .collect();
                for lo in [0, 7, 1024] {
                    let want = reference(&spikes, lo);
                    assert_eq!(listed(&spikes, lo), want, "f64, len {len}, seed {seed}");
                    let narrow: Vec<f32> = spikes.iter().map(|&s| s as f32).collect();
                    let wide: Vec<f64> = narrow.iter().map(|&s| f64::from(s)).collect();
                    assert_eq!(listed(&narrow, lo), reference(&wide, lo), "f32, len {len}");
                }
            }
        }
    }

    #[test]
    fn a_block_of_spikes_lists_all_sixteen() {
        let spikes = vec![1.0f64; 48];
        let list = listed(&spikes, 3);
        assert_eq!(list.len(), 48);
        assert!(list.iter().enumerate().all(|(k, &(j, _))| j == 3 + k));
    }
}
