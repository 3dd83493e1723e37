//! Shared helpers of the functional tests: random networks (the registry-driven generator
//! of `littoral-tests`), deterministic inputs and bitwise comparisons.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use littoral_core::{Array, Evolution, Module, record_bits_eq, tree_bits_eq};
use std::sync::Arc;

#[allow(unused_imports)] // not every test file draws networks
pub use littoral_tests::{NetSpec, net_spec};

/// Build the module a spec describes (through the registry: `littoral_tests::build`).
pub fn build(spec: &NetSpec) -> Arc<dyn Module> {
    littoral_tests::build(spec).unwrap()
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

/// A committed snapshot fixture, checked to be framed with format `version`, read.
pub fn read_fixture(path: &std::path::Path, version: u32) -> littoral_functional::Snapshot {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..8], b"LITTORAL");
    assert_eq!(
        u32::from_le_bytes(bytes[8..12].try_into().unwrap()),
        version
    );
    littoral_functional::Snapshot::read(path).unwrap()
}
