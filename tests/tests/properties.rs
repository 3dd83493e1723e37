//! Laws of the pure API, over random networks (proptest).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use littoral_core::{Array, Kind, ModuleExt, Tree, TreeExt, record_bits_eq, tree_bits_eq};
use littoral_tests::{LayerSpec, build_network, layer_spec as layer};
use proptest::prelude::*;

type Scenario = (usize, Vec<LayerSpec>, Array, u64);

fn scenario() -> impl Strategy<Value = Scenario> {
    scenario_sized(1..4, 1..12)
}

/// A scenario with a batch of at least two and a cut `1 ≤ cut < b` that splits it.
fn batch_split() -> impl Strategy<Value = (Scenario, usize)> {
    scenario_sized(2..5, 1..12).prop_flat_map(|s| {
        let b = s.2.shape()[0];
        (Just(s), 1..b)
    })
}

/// A scenario with at least two steps and a cut `1 ≤ cut < t` that splits them.
fn time_split() -> impl Strategy<Value = (Scenario, usize)> {
    scenario_sized(1..4, 2..12).prop_flat_map(|s| {
        let t = s.2.shape()[1];
        (Just(s), 1..t)
    })
}

prop_compose! {
    fn scenario_sized(batches: std::ops::Range<usize>, steps: std::ops::Range<usize>)
                 (n_in in 1usize..5, layers in prop::collection::vec(layer(), 1..4),
                  b in batches, t in steps, seed in any::<u64>())
                 (data in prop::collection::vec(-1.0f64..2.0, b * t * n_in),
                  n_in in Just(n_in), layers in Just(layers), b in Just(b), t in Just(t), seed in Just(seed))
                 -> (usize, Vec<LayerSpec>, Array, u64) {
        (n_in, layers, Array::from_shape_vec(vec![b, t, n_in], data).unwrap(), seed)
    }
}

fn slice_t(x: &Array, start: usize, end: usize) -> Array {
    let (b, t, n) = (x.shape()[0], x.shape()[1], x.shape()[2]);
    let mut data = Vec::new();
    for bi in 0..b {
        data.extend_from_slice(&x.data()[(bi * t + start) * n..(bi * t + end) * n]);
    }
    Array::from_shape_vec(vec![b, end - start, n], data).unwrap()
}

fn state_rows(tree: &Tree, start: usize, end: usize) -> Tree {
    tree.map(&mut |_, leaf| {
        let value = match &leaf.value {
            littoral_core::Value::F64(a) => a.slice_axis0(start, end).unwrap().into(),
            littoral_core::Value::U64(a) => {
                littoral_core::Value::U64(std::sync::Arc::new(a.slice_axis0(start, end).unwrap()))
            }
        };
        leaf.with_value(value)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn splitting_time_gives_the_same_bits(((n_in, layers, x, seed), cut) in time_split()) {
        let net = build_network(n_in, &layers).unwrap();
        let tree = net.init(seed);
        let t = x.shape()[1];
        prop_assert!(0 < cut && cut < t);
        let whole = net.evolve(&tree, &tree, &x, true).unwrap();
        let first = net.evolve(&tree, &tree, &slice_t(&x, 0, cut), true).unwrap();
        let second = net.evolve(&tree, &first.state, &slice_t(&x, cut, t), true).unwrap();
        prop_assert!(tree_bits_eq(&whole.state, &second.state));
        let joined: Vec<f64> = (0..x.shape()[0]).flat_map(|b| {
            let n = whole.output.shape()[2];
            let a = first.output.data()[b * cut * n..(b + 1) * cut * n].to_vec();
            let c = second.output.data()[b * (t - cut) * n..(b + 1) * (t - cut) * n].to_vec();
            a.into_iter().chain(c)
        }).collect();
        prop_assert!(Array::from_shape_vec(whole.output.shape().to_vec(), joined).unwrap().bits_eq(&whole.output));
    }

    #[test]
    fn evolving_a_batch_equals_evolving_its_parts(((n_in, layers, x, seed), cut) in batch_split()) {
        let net = build_network(n_in, &layers).unwrap();
        let tree = net.init(seed);
        let b = x.shape()[0];
        prop_assert!(0 < cut && cut < b);
        let state = net.batch_state(&tree, b).unwrap();
        let whole = net.evolve(&tree, &state, &x, true).unwrap();
        let mut outs = Vec::new();
        for (start, end) in [(0, cut), (cut, b)] {
            let part = net.evolve(&tree, &state_rows(&state, start, end), &x.slice_axis0(start, end).unwrap(), true).unwrap();
            prop_assert!(tree_bits_eq(&part.state, &state_rows(&whole.state, start, end)));
            outs.push(part.output);
        }
        prop_assert_eq!(outs.len(), 2);
        let refs: Vec<&Array> = outs.iter().collect();
        prop_assert!(Array::concat_axis0(&refs).unwrap().bits_eq(&whole.output));
    }

    #[test]
    fn evolve_is_pure((n_in, layers, x, seed) in scenario()) {
        let net = build_network(n_in, &layers).unwrap();
        let tree = net.init(seed);
        let (tree_before, x_before) = (tree.clone(), x.clone());
        let a = net.evolve(&tree, &tree, &x, true).unwrap();
        let b = net.evolve(&tree, &tree, &x, true).unwrap();
        prop_assert!(tree_bits_eq(&tree, &tree_before));
        prop_assert!(x.bits_eq(&x_before));
        prop_assert!(a.output.bits_eq(&b.output));
        prop_assert!(tree_bits_eq(&a.state, &b.state));
        prop_assert!(record_bits_eq(&a.record, &b.record));
    }

    #[test]
    fn set_attributes_of_own_parameters_is_identity((n_in, layers, _x, seed) in scenario()) {
        let net = build_network(n_in, &layers).unwrap();
        let tree = net.init(seed);
        let again = net.set_attributes(&tree, &tree.parameters(None)).unwrap();
        prop_assert!(tree_bits_eq(&again, &tree));
        let again = net.set_attributes(&tree, &tree).unwrap();
        prop_assert!(tree_bits_eq(&again, &tree));
    }

    #[test]
    fn families_partition_the_parameters((n_in, layers, _x, seed) in scenario()) {
        let net = build_network(n_in, &layers).unwrap();
        let tree = net.init(seed);
        let all = tree.parameters(None).leaves().into_iter().map(|(p, _)| p).collect::<Vec<_>>();
        let mut seen = Vec::new();
        // Rockpool's families, and any other a generated class declares (`gain`, `delays` …).
        let mut families: Vec<String> = ["weights", "taus", "bias", "biases", "threshold", "thresholds"]
            .map(String::from)
            .into();
        families.extend(tree.leaves().into_iter().filter_map(|(_, l)| l.family.clone()));
        families.sort();
        families.dedup();
        for fam in &families {
            seen.extend(tree.parameters(fam.as_str()).leaves().into_iter().map(|(p, _)| p));
        }
        let unfamilied: Vec<String> = tree.leaves().into_iter()
            .filter(|(_, l)| l.kind == Kind::Parameter && l.family.is_none())
            .map(|(p, _)| p).collect();
        seen.extend(unfamilied);
        seen.sort();
        let mut all_sorted = all.clone();
        all_sorted.sort();
        prop_assert_eq!(seen, all_sorted, "every parameter is in exactly one family");
    }
}
