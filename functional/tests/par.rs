//! `evolve_par` is bit-identical to the sequential evolve for any chunk size and thread
//! count, over random networks with noise and recurrence.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{assert_ev_bits_eq, build, input, net_spec};
use littoral_core::{Array, ModuleExt, tree_bits_eq};
use littoral_functional::{Error, ParOptions, evolve_par};
use littoral_nets::{Lif, Linear, Sequential};
use proptest::prelude::*;
use std::num::NonZeroUsize;

fn opts(chunk: usize, threads: usize) -> ParOptions {
    ParOptions {
        record: littoral_core::Recording::Everything,
        chunk_size: NonZeroUsize::new(chunk),
        threads: Some(threads),
        allow_non_finite_input: false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn bit_identical_for_every_chunk_size_and_thread_count(
        spec in net_spec(),
        b in 1usize..=5,
        t in 1usize..=6,
        seed in any::<u64>(),
    ) {
        let net = build(&spec);
        let tree = net.init(seed);
        let x = input(b, t, net.size_in(), seed);
        let seq = net.evolve(&tree, &tree, &x, true).unwrap();
        for threads in [1, 2, 4] {
            for chunk in 1..=b {
                let par = evolve_par(net.as_ref(), &tree, &tree, &x, &opts(chunk, threads)).unwrap();
                assert_ev_bits_eq(&par, &seq, &format!("chunk {chunk}, {threads} threads"));
            }
        }
        // Default chunking, current pool; and from an already batched state.
        let par = evolve_par(net.as_ref(), &tree, &tree, &x, &ParOptions::record(true)).unwrap();
        assert_ev_bits_eq(&par, &seq, "default chunking");
        let seq2 = net.evolve(&tree, &seq.state, &x, true).unwrap();
        let par2 = evolve_par(net.as_ref(), &tree, &seq.state, &x, &opts(1, 2)).unwrap();
        assert_ev_bits_eq(&par2, &seq2, "batched state");
    }
}

#[test]
fn accepts_the_same_input_forms_as_evolve() {
    let lif = Lif::new(3).with_noise_std(0.3).unwrap();
    let tree = lif.init(5);
    for x in [
        Array::full(vec![7], 0.4),
        Array::full(vec![7, 1], 0.4),
        Array::full(vec![7, 3], 0.4),
    ] {
        let seq = lif.evolve(&tree, &tree, &x, false).unwrap();
        let par = evolve_par(&lif, &tree, &tree, &x, &opts(1, 2)).unwrap();
        assert!(par.output.bits_eq(&seq.output));
        assert!(tree_bits_eq(&par.state, &seq.state));
    }
}

#[test]
fn rejects_what_evolve_rejects() {
    let lif = Lif::new(3);
    let tree = lif.init(0);
    let bad = Array::full(vec![2, 4, 5], 0.0);
    let e = evolve_par(&lif, &tree, &tree, &bad, &opts(1, 2)).unwrap_err();
    assert!(
        matches!(e, Error::Core(littoral_core::Error::Shape { .. })),
        "{e}"
    );
    let nan = Array::full(vec![2, 4, 3], f64::NAN);
    let e = evolve_par(&lif, &tree, &tree, &nan, &opts(1, 2)).unwrap_err();
    assert!(
        matches!(e, Error::Core(littoral_core::Error::NonFinite { ref path, index: 0, .. }) if path == "input"),
        "{e}"
    );
    let allowed = evolve_par(
        &lif,
        &tree,
        &tree,
        &nan,
        &ParOptions {
            allow_non_finite_input: true,
            ..opts(1, 2)
        },
    );
    // Allowed, the NaN goes through as in the sequential evolve.
    let allowed = allowed.unwrap();
    let seq = lif
        .evolve_with(
            &tree,
            &tree,
            &nan,
            &littoral_core::EvolveOptions {
                record: littoral_core::Recording::Everything,
                allow_non_finite_input: true,
            },
        )
        .unwrap();
    assert_ev_bits_eq(&allowed, &seq, "non-finite input allowed");
    // A state evolved with another batch size.
    let st = lif
        .evolve(&tree, &tree, &Array::full(vec![3, 2, 3], 0.1), false)
        .unwrap()
        .state;
    let e = evolve_par(
        &lif,
        &tree,
        &st,
        &Array::full(vec![2, 4, 3], 0.1),
        &opts(1, 2),
    )
    .unwrap_err();
    assert!(
        matches!(e, Error::Core(littoral_core::Error::Shape { ref path, .. }) if path == "spikes"),
        "{e:?}"
    );
}

#[test]
fn empty_and_single_sample_batches() {
    let net = Sequential::new()
        .append(Lif::new(2))
        .unwrap()
        .append(Lif::new(2))
        .unwrap();
    let tree = net.init(1);
    let x = Array::full(vec![1, 5, 2], 1.5);
    let seq = net.evolve(&tree, &tree, &x, true).unwrap();
    let par = evolve_par(&net, &tree, &tree, &x, &opts(1, 3)).unwrap();
    assert_ev_bits_eq(&par, &seq, "one sample");
    let empty = Array::full(vec![0, 5, 2], 0.0);
    let par = evolve_par(&net, &tree, &tree, &empty, &opts(1, 2)).unwrap();
    assert_eq!(par.output.shape(), &[0, 5, 2]);
}

/// Large matrix products: `nets::matmul`'s summation order per output element must not
/// depend on how many rows (B·T) are multiplied at once (a GEMM that switches kernels by
/// size breaks this), including inner sizes spanning several of the GEMM's k-blocks.
#[test]
fn large_linear_layers_are_bit_identical_across_chunks() {
    let net = Sequential::new()
        .append(Linear::new(8, 8))
        .unwrap()
        .append(Lif::new(8))
        .unwrap();
    let tree = net.init(3);
    let x = input(4, 2, 8, 11);
    let seq = net.evolve(&tree, &tree, &x, true).unwrap();
    for chunk in 1..=4 {
        let par = evolve_par(&net, &tree, &tree, &x, &opts(chunk, 2)).unwrap();
        assert_ev_bits_eq(&par, &seq, &format!("chunk {chunk}"));
    }
    let wide = Sequential::new().append(Linear::new(700, 40)).unwrap();
    let tree = wide.init(5);
    let x = input(5, 3, 700, 12);
    let seq = wide.evolve(&tree, &tree, &x, true).unwrap();
    for chunk in [1, 2, 5] {
        let par = evolve_par(&wide, &tree, &tree, &x, &opts(chunk, 2)).unwrap();
        assert_ev_bits_eq(&par, &seq, &format!("wide, chunk {chunk}"));
    }
}
