//! An output made from the thread's spare (`littoral_core::spare`: an earlier output handed
//! back, whose numbers are still in it) has the bits of one made in fresh memory: output,
//! state and record, for every LIF pass (chunked, step by step with record or noise,
//! recurrent, split, options), `f64` and `f32`, and for chains and the other models,
//! whose kernels zero their parts as before.
#![allow(clippy::unwrap_used)]

use crate::in_place::{checked, input, lif_with, on_pool, precision, same_bits};
use littoral_core::{Array, Evolution, Module, ModuleExt, spare};
use littoral_nets::combinators::sequential::SequentialSetters;
use littoral_nets::{Alif, Lif, Linear, Rate, Sequential};
use proptest::prelude::*;

/// `module` evolved from its `init(5)` on `x`, on a pool of `threads`, in fresh memory and
/// then after a spare of `spare_len` NaN (with a payload) was handed back on the same
/// thread.
fn fresh_and_from_spare(
    module: &dyn Module,
    x: &Array,
    record: bool,
    threads: usize,
    spare_len: usize,
) -> (Evolution, Evolution) {
    let tree = module.init(5);
    let options = checked(record);
    on_pool(threads, || {
        let fresh = module.evolve_with(&tree, &tree, x, &options).unwrap();
        spare::give_back(vec![f64::from_bits(f64::NAN.to_bits() | 3); spare_len]);
        let from_spare = module.evolve_with(&tree, &tree, x, &options).unwrap();
        (fresh, from_spare)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// LIF: every pass, both precisions, one and two threads, spares from the output's
    /// length to twice it (longer ones are not taken).
    #[test]
    fn lif_from_a_spare_gives_the_bits_of_fresh_memory(
        b in 1usize..4, t in 1usize..70, n in 1usize..150, seed in any::<u64>(),
        f32 in any::<bool>(), rec in any::<bool>(), noise in any::<bool>(),
        record in any::<bool>(), refractory in any::<bool>(), threads in 1usize..3,
        longer in 0usize..100,
    ) {
        let lif = lif_with(n, f32, rec, noise, refractory);
        let x = input(b, t, n, seed);
        let len = b * t * n;
        let spare_len = len + len * longer / 100;
        let (fresh, from_spare) = fresh_and_from_spare(&lif, &x, record, threads, spare_len);
        prop_assert!(same_bits(&fresh, &from_spare));
        // The chunked pass (feed-forward, no noise, no record, no options) in every case.
        let plain = Lif::new(n).with_precision(precision(f32));
        let (fresh, from_spare) = fresh_and_from_spare(&plain, &x, false, threads, spare_len);
        prop_assert!(same_bits(&fresh, &from_spare), "chunked");
    }

    /// `Linear → LIF`, `Linear → Rate` and ALIF, with a spare of each one's output length.
    #[test]
    fn chains_and_other_models_from_a_spare_give_the_bits_of_fresh_memory(
        b in 1usize..4, t in 1usize..40, n in 1usize..40, seed in any::<u64>(),
        record in any::<bool>(), threads in 1usize..3,
    ) {
        let x = input(b, t, n, seed);
        let nets: Vec<Box<dyn Module>> = vec![
            Box::new(Sequential::new().append(Linear::new(n, n)).append(Lif::new(n)).unwrap()),
            Box::new(Sequential::new().append(Linear::new(n, n)).append(Rate::new(n)).unwrap()),
            Box::new(Alif::new(n)),
        ];
        for net in &nets {
            let (fresh, from_spare) = fresh_and_from_spare(net.as_ref(), &x, record, threads, b * t * n);
            prop_assert!(same_bits(&fresh, &from_spare), "{}", net.class_name());
        }
    }
}

/// A wide recurrent LIF split over two threads by neurons (W3's pass) from a spare.
#[test]
fn a_split_recurrent_sample_from_a_spare_gives_the_bits_of_fresh_memory() {
    let n = 2048;
    let lif = Lif::new(n).with_has_rec(true);
    let x = input(1, 30, n, 11);
    let (fresh, from_spare) = fresh_and_from_spare(&lif, &x, false, 2, 30 * n);
    assert!(same_bits(&fresh, &from_spare));
}
