//! Seeded, counter-based random numbers: per-path initialiser seeds and the noise stream.
//!
//! Every random draw in Littoral is a pure function of a seed and a position:
//! initialisers draw from `derive_seed(seed, "1_LIF.w_rec")`, and noise for
//! (sample key, time step, neuron) comes from a ChaCha8 stream whose key is the sample's
//! key and whose stream number is the time step. Nothing depends on thread count, batch
//! chunking, or how time is split across calls. See `docs/reproducibility.md`.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// SplitMix64 finaliser: a bijective 64-bit mixer.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seed derived from a parent seed and a label (a dotted path, a point index …).
/// Stable across versions and platforms: FNV-1a over the label, mixed with the seed.
///
/// ```
/// use littoral_core::rng::derive_seed;
/// assert_eq!(derive_seed(7, "1_LIF.w_rec"), derive_seed(7, "1_LIF.w_rec"));
/// assert_ne!(derive_seed(7, "1_LIF.w_rec"), derive_seed(8, "1_LIF.w_rec"));
/// ```
pub fn derive_seed(seed: u64, label: &str) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for b in label.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    mix64(seed ^ mix64(h))
}

/// The noise key of batch sample `sample` given the module's key.
pub fn sample_key(key: u64, sample: u64) -> u64 {
    mix64(key ^ mix64(sample.wrapping_add(0xA076_1D64_78BD_642F)))
}

fn chacha(key: u64) -> ChaCha8Rng {
    let mut seed = [0u8; 32];
    for (i, chunk) in seed.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&mix64(key.wrapping_add(i as u64)).to_le_bytes());
    }
    ChaCha8Rng::from_seed(seed)
}

/// Uniform in `(0, 1]` from 53 random bits (never 0, so `ln` is finite).
fn open_unit(bits: u64) -> f64 {
    ((bits >> 11) as f64 + 1.0) * (1.0 / (1u64 << 53) as f64)
}

/// Fill `out` with standard normal draws for (`key`, `step`): element `i` is the same
/// number whatever the length of `out` beyond `i`. Box–Muller on ChaCha8 words, two
/// normals per pair of words.
pub fn fill_standard_normal(key: u64, step: u64, out: &mut [f64]) {
    let mut rng = chacha(key);
    rng.set_stream(step);
    for pair in out.chunks_mut(2) {
        let u1 = open_unit(rng.next_u64());
        let u2 = open_unit(rng.next_u64());
        let r = (-2.0 * u1.ln()).sqrt();
        let theta = std::f64::consts::TAU * u2;
        pair[0] = r * theta.cos();
        if let Some(second) = pair.get_mut(1) {
            *second = r * theta.sin();
        }
    }
}

/// A seeded generator for initialisers (uniform and normal draws).
#[derive(Debug, Clone)]
pub struct InitRng(ChaCha8Rng);

impl InitRng {
    /// A generator for one leaf, from its derived seed.
    pub fn new(seed: u64) -> Self {
        InitRng(chacha(seed))
    }

    /// Uniform in `[low, high)`.
    pub fn uniform(&mut self, low: f64, high: f64) -> f64 {
        let u = (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        low + (high - low) * u
    }

    /// Standard normal (Box–Muller; one of the pair is used).
    pub fn normal(&mut self) -> f64 {
        let u1 = open_unit(self.0.next_u64());
        let u2 = open_unit(self.0.next_u64());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}
