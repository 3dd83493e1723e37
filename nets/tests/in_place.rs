//! `evolve_owned` (the output written into the input's own buffer when the shapes match)
//! gives the bits of `evolve` (a new output): output, state and record, `f64` and `f32`,
//! any batch, length, width, thread count, recording, noise, recurrence, options; it
//! rejects non-finite input with the same error; and it does run in place.
#![allow(clippy::unwrap_used)]

use littoral_core::{
    Array, Error, Evolution, EvolveOptions, Module, ModuleExt, Precision, record_bits_eq,
    tree_bits_eq,
};
use littoral_nets::combinators::sequential::SequentialSetters;
use littoral_nets::{Alif, Lif, Linear, Rate, Sequential};
use proptest::prelude::*;

/// `module` evolved from its `init(seed)` on `x`, borrowed and owned, on a pool of
/// `threads`; the owned run's output and whether it was written into `x`'s buffer.
fn both(
    module: &dyn Module,
    x: &Array,
    record: bool,
    threads: usize,
) -> (Evolution, Evolution, bool) {
    let tree = module.init(3);
    let options = checked(record);
    on_pool(threads, || {
        let borrowed = module.evolve_with(&tree, &tree, x, &options).unwrap();
        let given = x.clone();
        let at = given.data().as_ptr();
        let owned = module.evolve_owned(&tree, &tree, given, &options).unwrap();
        let in_place = owned.output.data().as_ptr() == at;
        (borrowed, owned, in_place)
    })
}

/// `f` run on a new pool of `threads`.
pub(crate) fn on_pool<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

/// Evolve options with non-finite input refused.
pub(crate) fn checked(record: bool) -> EvolveOptions {
    EvolveOptions {
        record: record.into(),
        allow_non_finite_input: false,
    }
}

/// A LIF of `n` neurons with the options a proptest drew (each choice a different pass).
pub(crate) fn lif_with(n: usize, f32: bool, rec: bool, noise: bool, refractory: bool) -> Lif {
    let lif = Lif::new(n)
        .with_has_rec(rec)
        .with_precision(precision(f32))
        .with_refractory_period(refractory);
    if noise {
        lif.with_noise_std(0.2).unwrap()
    } else {
        lif
    }
}

/// The two evolutions have the same bits.
pub(crate) fn same_bits(a: &Evolution, b: &Evolution) -> bool {
    a.output.bits_eq(&b.output)
        && tree_bits_eq(&a.state, &b.state)
        && record_bits_eq(&a.record, &b.record)
}

/// Inputs with exact zeros, `-0.0`, large and negative values (spikes and currents).
pub(crate) fn input(b: usize, t: usize, n: usize, seed: u64) -> Array {
    Array::from_fn(vec![b, t, n], |i| {
        let h = (i as u64 ^ seed).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
        match h % 7 {
            0 => 0.0,
            1 => -0.0,
            2 => 3.0,
            3 => -0.7,
            _ => (h % 1000) as f64 / 400.0,
        }
    })
}

pub(crate) fn precision(f32: bool) -> Precision {
    if f32 { Precision::F32 } else { Precision::F64 }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// LIF in place: every kernel pass (chunked, step by step with record or noise,
    /// recurrent, options) in both precisions, on one and two threads.
    #[test]
    fn lif_in_place_gives_the_bits_of_evolve(
        b in 1usize..4, t in 0usize..70, n in 1usize..150, seed in any::<u64>(),
        f32 in any::<bool>(), rec in any::<bool>(), noise in any::<bool>(),
        record in any::<bool>(), refractory in any::<bool>(), threads in 1usize..3,
    ) {
        let lif = lif_with(n, f32, rec, noise, refractory);
        let x = input(b, t, n, seed);
        let (borrowed, owned, in_place) = both(&lif, &x, record, threads);
        prop_assert!(same_bits(&borrowed, &owned));
        prop_assert!(in_place || x.is_empty());
    }

    /// A `Sequential` hands each child's output to the next: `Linear → LIF` (fused when
    /// not recording), `LIF → LIF` (in place twice), `Linear → Rate` and ALIF.
    #[test]
    fn chains_and_other_models_give_the_bits_of_evolve(
        b in 1usize..4, t in 0usize..40, n in 1usize..40, seed in any::<u64>(),
        f32 in any::<bool>(), record in any::<bool>(), threads in 1usize..3,
    ) {
        let p = precision(f32);
        let x = input(b, t, n, seed);
        let nets: Vec<Box<dyn Module>> = vec![
            Box::new(Sequential::new().append(Linear::new(n, n).with_precision(p)).append(Lif::new(n).with_precision(p)).unwrap()),
            Box::new(Sequential::new().append(Lif::new(n).with_precision(p)).append(Lif::new(n).with_has_rec(true).with_precision(p)).unwrap()),
            Box::new(Sequential::new().append(Linear::new(n, n)).append(Rate::new(n)).unwrap()),
            Box::new(Alif::new(n)),
            Box::new(Sequential::new()),
        ];
        for (k, net) in nets.iter().enumerate() {
            let x = if net.size_in() == 0 { input(b, t, 0, seed) } else { x.clone() };
            let (borrowed, owned, in_place) = both(net.as_ref(), &x, record, threads);
            prop_assert!(same_bits(&borrowed, &owned), "{}", net.class_name());
            // The fused `Linear → LIF` pass (not recording) and two LIFs write into `x`.
            if (k == 0 && !record || k == 1) && !x.is_empty() {
                prop_assert!(in_place, "{k}");
            }
        }
    }
}

/// A recurrent LIF wide enough to be split over two threads by neurons (W3's pass) runs
/// in place with the bits of `evolve`, in both precisions.
#[test]
fn a_split_recurrent_sample_in_place_gives_the_bits_of_evolve() {
    for f32 in [false, true] {
        let lif = Lif::new(1100)
            .with_has_rec(true)
            .with_precision(precision(f32));
        let x = input(1, 30, 1100, 9);
        let (borrowed, owned, in_place) = both(&lif, &x, false, 2);
        assert!(same_bits(&borrowed, &owned), "f32 {f32}");
        assert!(in_place);
        assert!(owned.output.data().iter().sum::<f64>() > 0.0, "it spikes");
    }
}

/// Paths that cannot run in place (two synapses: the output is narrower than the input;
/// a `(T,)` input broadcast to every channel) give the bits of `evolve` too.
#[test]
fn inputs_that_do_not_fit_in_place_give_the_bits_of_evolve() {
    let lif = Lif::with_synapses(6, 3).unwrap().with_has_rec(true);
    let (borrowed, owned, in_place) = both(&lif, &input(2, 25, 6, 1), true, 2);
    assert!(same_bits(&borrowed, &owned));
    assert!(!in_place);
    let x = Array::from_fn(vec![25], |i| (i % 3) as f64);
    let (borrowed, owned, _) = both(&Lif::new(4), &x, false, 1);
    assert!(same_bits(&borrowed, &owned));
}

/// Non-finite input is refused with the error `evolve` gives (the first bad element, by
/// its flat index), whether the input was overwritten in place (LIF, one or several
/// samples, split or not), read by a fused pass, or only read (`Linear`, an empty chain).
#[test]
fn non_finite_input_is_refused_as_evolve_refuses_it() {
    let n = 1100;
    let nets: Vec<(Box<dyn Module>, usize)> = vec![
        (Box::new(Lif::new(5)), 5),
        (Box::new(Lif::new(n).with_has_rec(true)), n),
        (Box::new(Lif::new(5).with_refractory_period(true)), 5),
        (
            Box::new(
                Sequential::new()
                    .append(Linear::new(5, 5))
                    .append(Lif::new(5))
                    .unwrap(),
            ),
            5,
        ),
        (
            Box::new(
                Sequential::new()
                    .append(Lif::new(5))
                    .append(Lif::new(5))
                    .unwrap(),
            ),
            5,
        ),
        (Box::new(Linear::new(5, 5)), 5),
        (Box::new(Rate::new(5)), 5),
        (Box::new(Sequential::new()), 0),
    ];
    for (net, width) in &nets {
        let tree = net.init(0);
        for (b, t) in [(3, 40), (1, 30)] {
            let mut x = input(b, t, *width, 4);
            let len = x.len();
            for (k, bad) in [(len / 2, f64::NAN), (len / 3, f64::NEG_INFINITY)]
                .into_iter()
                .filter(|_| len > 0)
            {
                x.data_mut()[k] = bad;
            }
            for threads in [1, 2] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                let (want, got) = pool.install(|| {
                    (
                        net.evolve(&tree, &tree, &x, false).map(|ev| ev.output),
                        net.evolve_owned(&tree, &tree, x.clone(), &EvolveOptions::default())
                            .map(|ev| ev.output),
                    )
                });
                match (&want, &got) {
                    (
                        Err(Error::NonFinite { index: a, .. }),
                        Err(Error::NonFinite { index: c, .. }),
                    ) => {
                        assert_eq!((a, c), (&(len / 3), &(len / 3)), "{}", net.class_name());
                    }
                    (Ok(a), Ok(c)) => assert!(len == 0 && a.bits_eq(c)),
                    _ => panic!("{}: {want:?} / {got:?}", net.class_name()),
                }
            }
        }
    }
}

/// `allow_non_finite_input` lets non-finite input through in place as `evolve_with` does.
#[test]
fn allowed_non_finite_input_runs_in_place() {
    let lif = Lif::new(4);
    let tree = lif.init(1);
    let mut x = input(2, 20, 4, 2);
    x.data_mut()[17] = f64::INFINITY;
    let options = EvolveOptions {
        record: littoral_core::Recording::Everything,
        allow_non_finite_input: true,
    };
    let want = lif.evolve_with(&tree, &tree, &x, &options).unwrap();
    let got = lif.evolve_owned(&tree, &tree, x, &options).unwrap();
    assert!(same_bits(&want, &got));
}
