//! `Recording::Spikes`: a record of the spikes of every spiking population, and nothing
//! else. Against the full record of the same run: the same output and final state, each
//! recorded spike train the full record's bit for bit, exactly the places where the
//! summary looks for the populations inside the network, and the same spike counts.
//! `Recording::SpikeCounts`: those trains summed over time, the same however the run is
//! cut in time or in samples and on any thread count.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use littoral::functional::summary::{Population, Source, SpikeCounter, spiking_populations};
use littoral::functional::{ParOptions, TimeChunks, evolve_par};
use littoral_core::{Array, EvolveOptions, ModuleExt, Recording, record_bits_eq, tree_bits_eq};
use littoral_nets::config::from_json_str;
use std::num::NonZeroUsize;

/// Chains with fused pairs (`Linear` then `LIF`), a nested chain, a stack, a residual
/// block, recurrent and noisy populations, and a non-spiking population (`Rate`) inside.
const NETWORKS: [&str; 4] = [
    r#"{"class": "Sequential", "modules": [
        {"class": "Linear", "shape": [3, 6]},
        {"class": "LIF", "shape": [6], "parameters": {"threshold": 0.2}},
        {"class": "Linear", "shape": [6, 4]},
        {"class": "LIF", "shape": [4], "parameters": {"threshold": 0.1},
         "simulation_parameters": {"noise_std": 0.1}}
    ]}"#,
    r#"{"class": "Sequential", "modules": [
        {"class": "Sequential", "name": "front", "modules": [
            {"class": "Linear", "shape": [3, 5]},
            {"class": "LIF", "shape": [5], "options": {"has_rec": true},
             "parameters": {"threshold": 0.2}}
        ]},
        {"class": "Linear", "shape": [5, 4]},
        {"class": "Rate", "shape": [4]},
        {"class": "Linear", "shape": [4, 2]},
        {"class": "ALIF", "shape": [2]}
    ]}"#,
    r#"{"class": "FFwdStack", "modules": [
        {"class": "LIF", "shape": [3], "parameters": {"threshold": 0.2}},
        {"class": "CubaLIF", "shape": [4]},
        {"class": "LIF", "shape": [2], "parameters": {"threshold": 0.05}}
    ]}"#,
    r#"{"class": "Sequential", "modules": [
        {"class": "Linear", "shape": [3, 3]},
        {"class": "Residual", "name": "skip", "modules": [
            {"class": "LIF", "shape": [3], "parameters": {"threshold": 0.2}}]},
        {"class": "LIF", "shape": [3], "parameters": {"threshold": 0.5}}
    ]}"#,
];

fn input(steps: usize, width: usize) -> Array {
    Array::from_fn(vec![3, steps, width], |i| ((i * 7919) % 13) as f64 / 6.0)
}

#[test]
fn a_spike_record_is_the_full_records_spike_trains_and_nothing_else() {
    for text in NETWORKS {
        let net = from_json_str(text).unwrap();
        let tree = net.init(7);
        let x = input(40, net.size_in());
        let run = |record: Recording| net.evolve(&tree, &tree, &x, record).unwrap();
        let (none, spikes, full) = (
            run(Recording::Nothing),
            run(Recording::Spikes),
            run(Recording::Everything),
        );
        let first = net.class_name();
        for ev in [&spikes, &full] {
            assert!(ev.output.bits_eq(&none.output), "{first}: outputs differ");
            assert!(
                tree_bits_eq(&ev.state, &none.state),
                "{first}: states differ"
            );
        }
        assert!(none.record.leaves().is_empty());
        // Every leaf is a spiking population's output, as the full record holds it.
        let mut recorded: Vec<String> = Vec::new();
        for (path, a) in spikes.record.leaves() {
            let kept = full.record.get(&path).unwrap_or_else(|| panic!("{path}"));
            assert!(kept.bits_eq(a), "{first}: {path} differs");
            recorded.push(path);
        }
        // The places where the summary finds its spiking populations' outputs: each one
        // inside the network is there, and nothing else is.
        let pops = spiking_populations(net.as_ref());
        let place = |p: &Population<'_>| match p.sources.first() {
            Some(Source::Record(path)) => Some(path.clone()),
            _ => None,
        };
        let places: Vec<String> = pops.iter().filter_map(place).collect();
        for path in &recorded {
            assert!(
                places.contains(path),
                "{text}: {path} is not a spiking population's"
            );
        }
        for p in pops.iter().filter(|p| !p.is_network_output()) {
            let path = place(p).unwrap();
            assert!(recorded.contains(&path), "{text}: {path} missing");
        }
        assert!(!recorded.is_empty());
        // The same counts from either record, and some spikes inside the network.
        let counts = |record| {
            let mut counter = SpikeCounter::new(net.as_ref());
            counter.add(&none.output, record);
            counter.finish(&tree, 3, 40)
        };
        assert_eq!(counts(&spikes.record), counts(&full.record));
        assert!(
            counts(&spikes.record).iter().any(|c| c.count > 0.0),
            "{text}: no spikes"
        );
    }
}

#[test]
fn a_spike_record_has_the_same_bits_one_sample_at_a_time() {
    for text in NETWORKS {
        let net = from_json_str(text).unwrap();
        let tree = net.init(3);
        let x = input(25, net.size_in());
        let whole = net.evolve(&tree, &tree, &x, Recording::Spikes).unwrap();
        let options = ParOptions::record(Recording::Spikes).with_chunk_size(NonZeroUsize::MIN);
        let split = evolve_par(net.as_ref(), &tree, &tree, &x, &options).unwrap();
        assert!(split.output.bits_eq(&whole.output));
        assert!(record_bits_eq(&split.record, &whole.record), "{text}");
    }
}

#[test]
fn spike_counts_are_the_spike_trains_summed_over_time() {
    for text in NETWORKS {
        let net = from_json_str(text).unwrap();
        let tree = net.init(7);
        let x = input(40, net.size_in());
        let run = |record: Recording| net.evolve(&tree, &tree, &x, record).unwrap();
        let (none, trains, counts) = (
            run(Recording::Nothing),
            run(Recording::Spikes),
            run(Recording::SpikeCounts),
        );
        assert!(
            counts.output.bits_eq(&none.output),
            "{text}: outputs differ"
        );
        assert!(
            tree_bits_eq(&counts.state, &none.state),
            "{text}: states differ"
        );
        let expected = Recording::spike_counts_of(&trains.record);
        assert!(record_bits_eq(&counts.record, &expected), "{text}");
        assert_eq!(counts.record.leaves().len(), trains.record.leaves().len());
        for (path, c) in counts.record.leaves() {
            assert!(path.ends_with("_spike_count"), "{text}: {path}");
            assert_eq!(
                c.shape(),
                &[3, c.shape()[1]],
                "{text}: {path} is not (B, N)"
            );
        }
        // The counter reads either record to the same counts.
        let tally = |record| {
            let mut counter = SpikeCounter::new(net.as_ref());
            counter.add(&none.output, record);
            counter.finish(&tree, 3, 40)
        };
        assert_eq!(tally(&counts.record), tally(&trains.record), "{text}");
    }
}

#[test]
fn spike_counts_are_the_same_however_the_run_is_cut_and_on_any_thread_count() {
    for text in NETWORKS {
        let net = from_json_str(text).unwrap();
        let tree = net.init(5);
        let x = input(31, net.size_in());
        let whole = net
            .evolve(&tree, &tree, &x, Recording::SpikeCounts)
            .unwrap();
        let options = EvolveOptions {
            record: Recording::SpikeCounts,
            allow_non_finite_input: false,
        };
        for steps in [1, 4, 30, 31] {
            let chunks = TimeChunks::new(net.as_ref(), &tree, &tree, &x, options).unwrap();
            let ev = chunks.run(NonZeroUsize::new(steps), |_| Ok(())).unwrap();
            let what = format!("{text}: chunks of {steps} steps");
            assert!(ev.output.bits_eq(&whole.output), "{what}");
            assert!(tree_bits_eq(&ev.state, &whole.state), "{what}");
            assert!(record_bits_eq(&ev.record, &whole.record), "{what}");
        }
        for threads in [1, 2] {
            let options = ParOptions::record(Recording::SpikeCounts)
                .with_chunk_size(NonZeroUsize::MIN)
                .with_threads(threads);
            let split = evolve_par(net.as_ref(), &tree, &tree, &x, &options).unwrap();
            assert!(
                split.output.bits_eq(&whole.output),
                "{text}, {threads} thread(s)"
            );
            assert!(
                record_bits_eq(&split.record, &whole.record),
                "{text}, {threads} thread(s)"
            );
        }
    }
}
