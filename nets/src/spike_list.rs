//! The non-zero entries of a row, in order: the neurons that spiked on a step (the rows
//! of `w_rec` the next step adds) and the inputs of an event-driven `Linear` row (the rows
//! of `W` it adds).
//!
//! About 2.5 % of W3's 2048 neurons spike per step: a test and a branch per neuron was
//! 12 % of a step on one thread (perf, `f32`), and for `Linear`'s 5 % spikes a
//! branch-free pass writing every index took 4.5 times as long as this. Here 64 entries
//! are compared with zero at once into the bits of one word (vector compares) and only
//! its set bits are visited: a branch per non-zero entry and per word.

use littoral_core::Real;

/// Entries compared at once (the bits of a `u64`).
const BLOCK: usize = 64;

/// Call `visit(j)` for every `j` with `values[j] ≠ 0` (NaN included, `±0.0` not), in
/// order.
#[inline(always)]
pub(crate) fn for_each_non_zero<F: Real>(values: &[F], mut visit: impl FnMut(usize)) {
    let mut blocks = values.chunks_exact(BLOCK);
    let mut base = 0;
    for block in &mut blocks {
        let mut mask = block
            .iter()
            .enumerate()
            .fold(0u64, |m, (i, &s)| m | (u64::from(s != F::zero()) << i));
        while mask != 0 {
            visit(base + mask.trailing_zeros() as usize);
            mask &= mask - 1;
        }
        base += BLOCK;
    }
    for (i, &s) in blocks.remainder().iter().enumerate() {
        if s != F::zero() {
            visit(base + i);
        }
    }
}

/// Append `(lo + j, s_j)` for every `j` with `s_j ≠ 0` (NaN included, `±0.0` not), in
/// order, to `list`.
#[inline(always)]
pub(crate) fn push_spiking<F: Real>(spikes: &[F], lo: usize, list: &mut Vec<(usize, F)>) {
    for_each_non_zero(spikes, |j| list.push((lo + j, spikes[j])));
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
        for len in [0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 200] {
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
    fn a_block_of_spikes_lists_all_sixty_four() {
        let spikes = vec![1.0f64; 150];
        let list = listed(&spikes, 3);
        assert_eq!(list.len(), 150);
        assert!(list.iter().enumerate().all(|(k, &(j, _))| j == 3 + k));
    }
}
