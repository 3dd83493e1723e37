//! Shared helpers of the functional tests: random networks with noise and recurrence,
//! deterministic inputs and bitwise comparisons.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use littoral_core::{Array, Evolution, Module, record_bits_eq, tree_bits_eq};
use littoral_nets::{ExpSyn, FFwdStack, Lif, Linear, Rate, Residual, Sequential};
use proptest::prelude::*;
use std::sync::Arc;

/// One layer of a random network.
#[derive(Debug, Clone)]
pub struct LayerSpec {
    /// 0 LIF, 1 Rate, 2 ExpSyn, 3 Linear.
    pub kind: u8,
    /// Recurrent weights (LIF, Rate).
    pub rec: bool,
    /// Noise on (LIF, Rate, ExpSyn).
    pub noise: bool,
    /// Two synapses per LIF neuron when the input size allows it.
    pub two_syn: bool,
    /// Output size of a Linear layer.
    pub n_out: usize,
    /// LIF bias (drives spikes).
    pub bias: f64,
}

/// A random network: input size, layers and how they are combined.
#[derive(Debug, Clone)]
pub struct NetSpec {
    /// Input channels.
    pub n_in: usize,
    /// Layers in order.
    pub layers: Vec<LayerSpec>,
    /// 0 bare first layer, 1 Sequential, 2 FFwdStack, 3 Residual (when sizes allow).
    pub wrapper: u8,
}

fn layer() -> impl Strategy<Value = LayerSpec> {
    (
        0u8..4,
        any::<bool>(),
        prop::bool::weighted(0.75),
        any::<bool>(),
        1usize..=4,
        0.0f64..1.5,
    )
        .prop_map(|(kind, rec, noise, two_syn, n_out, bias)| LayerSpec {
            kind,
            rec,
            noise,
            two_syn,
            n_out,
            bias,
        })
}

/// Small random networks (every size ≤ 5, so matrix products stay on one code path).
pub fn net_spec() -> impl Strategy<Value = NetSpec> {
    (1usize..=4, prop::collection::vec(layer(), 1..=3), 0u8..4).prop_map(
        |(n_in, layers, wrapper)| NetSpec {
            n_in,
            layers,
            wrapper,
        },
    )
}

fn build_layer(l: &LayerSpec, prev: usize) -> Arc<dyn Module> {
    let noise = if l.noise { 0.8 } else { 0.0 };
    match l.kind {
        0 => {
            let syn = if l.two_syn && prev.is_multiple_of(2) {
                2
            } else {
                1
            };
            Arc::new(
                Lif::with_synapses(prev, prev / syn)
                    .unwrap()
                    .with_has_rec(l.rec)
                    .with_noise_std(noise)
                    .unwrap()
                    .with_bias(l.bias)
                    .unwrap()
                    .with_tau_mem(0.01)
                    .unwrap(),
            )
        }
        1 => Arc::new(
            Rate::new(prev)
                .with_has_rec(l.rec)
                .with_noise_std(noise)
                .unwrap(),
        ),
        2 => Arc::new(ExpSyn::new(prev).with_noise_std(noise).unwrap()),
        _ => Arc::new(Linear::new(prev, l.n_out)),
    }
}

/// Build the module a spec describes.
pub fn build(spec: &NetSpec) -> Arc<dyn Module> {
    let mut prev = spec.n_in;
    let mut mods = Vec::new();
    for l in &spec.layers {
        let m = build_layer(l, prev);
        prev = m.size_out();
        mods.push(m);
    }
    match spec.wrapper {
        0 => mods[0].clone(),
        2 if mods.len() >= 2 => Arc::new(
            FFwdStack::new(mods)
                .unwrap()
                .with_weight_init(littoral_core::Initialiser::Kaiming),
        ),
        3 if prev == spec.n_in => Arc::new(Residual::new(mods).unwrap()),
        _ => Arc::new(Sequential::from_modules(mods).unwrap()),
    }
}

/// A deterministic pseudo-random input `(B, T, N)` in `[0, 2)`.
pub fn input(b: usize, t: usize, n: usize, seed: u64) -> Array {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let data = (0..b * t * n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0
        })
        .collect();
    Array::from_shape_vec(vec![b, t, n], data).unwrap()
}

/// Steps `start..end` of a `(B, T, N)` array.
pub fn steps(x: &Array, start: usize, end: usize) -> Array {
    littoral_functional::par::slice_axis1(x, start, end).unwrap()
}

/// Bitwise equality of two evolutions, with a message naming what differs.
pub fn assert_ev_bits_eq(a: &Evolution, b: &Evolution, what: &str) {
    assert!(a.output.bits_eq(&b.output), "{what}: outputs differ");
    assert!(tree_bits_eq(&a.state, &b.state), "{what}: states differ");
    assert!(
        record_bits_eq(&a.record, &b.record),
        "{what}: records differ"
    );
}
