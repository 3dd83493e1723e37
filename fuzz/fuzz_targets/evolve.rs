//! Evolution of fuzzed networks: a network file (JSON, `littoral_nets::config`) or a NIR
//! graph (HDF5, `littoral_nets::nir::read_bytes` then `Graph::from_nir`) that reads, and
//! is small enough, is initialised and evolved with a record over a short input, in one
//! call through `TimeChunks` with the input given away (the command line's path), and
//! again four other ways: one step at a time through `TimeChunks`; one sample at a time
//! through `evolve_par`; half the steps, a snapshot through its bytes restored into the
//! same module (`--resume` with the network given), then the other half; and, for a
//! network file, the second half from the module the snapshot's own description builds
//! (`--resume` alone); with a spike record (`Recording::Spikes`, in chunks of two steps);
//! and counting spikes (`Recording::SpikeCounts`, in chunks of two steps: `littoral
//! simulate --summary`'s path under a progress bar). None may panic, and every way must
//! give the first one's output and final state (and, a step or a sample at a time, its
//! record; the spike record only leaves of the full record, with their bits; the counts
//! the spike record's trains summed over time, with their bits): any time split,
//! batch chunking, resume or recording gives the bits of one call
//! (`docs/reproducibility.md`). NaN may differ in its payload bits only. Seeds: the `network` and `nir` corpora and
//! `corpus/evolve` (one network per registered class).
#![no_main]

#[path = "budget.rs"]
mod budget;
#[path = "sizes.rs"]
mod sizes;

use libfuzzer_sys::fuzz_target;
use littoral_core::limits::{module_elements, non_zero_extents};
use littoral_core::{
    Array, Evolution, EvolveOptions, Kind, Module, ModuleExt, Record, Recording, Tree, Value,
    for_each_module,
};
use littoral_functional::chunks::TimeChunks;
use littoral_functional::{ParOptions, Snapshot, evolve_par};
use littoral_nets::nir::{Graph, Semantics};
use sizes::written_size;
use std::num::NonZeroUsize;
use std::ops::Range;
use std::sync::Arc;

/// Above this many parameter and state elements, or this many recorded values a sample
/// and step, a network is read but not evolved: a convolution's work is their product
/// per step, and the fuzzer must run thousands of inputs a second.
const FUZZ_ELEMENTS: u64 = 1 << 12;

/// The input's steps: enough for a spike to travel through a delay and a recurrence.
const STEPS: usize = 4;

/// The steps evolved before the snapshot of a resumed run.
const SNAPSHOT_AT: usize = 2;

/// The input's values, cycled: zero, sub- and supra-threshold drive, negative drive.
const DRIVE: [f64; 8] = [0.0, 1.0, 0.25, 3.0, -0.5, 0.0, 2.0, 0.0];

/// The HDF5 signature that opens every NIR file.
const HDF5_SIGNATURE: &[u8] = b"\x89HDF\r\n\x1a\n";

/// Where a network comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    NetworkFile,
    NirGraph,
}

/// The network in `data`, or `None` when it does not read (refusing it is the readers'
/// job, fuzzed by the `network` and `nir` targets).
fn network(data: &[u8]) -> Option<(Arc<dyn Module>, Source)> {
    if data.starts_with(HDF5_SIGNATURE) {
        let file = littoral_nets::nir::read_bytes(data.to_vec()).ok()?;
        let semantics = Semantics::ALL[data.len() % Semantics::ALL.len()];
        let dt = [1e-4, 1e-3][data.len() / 5 % 2];
        let graph = Graph::from_nir(&file.graph, dt, semantics).ok()?;
        return Some((Arc::new(graph), Source::NirGraph));
    }
    let text = std::str::from_utf8(data).ok()?;
    let module = budget::registry().read_json_str(text).ok()?;
    Some((module, Source::NetworkFile))
}

/// Whether the network is small enough to evolve here: what `init` and the snapshot's
/// description work through ([`written_size`]), each step's record (every module's
/// output and every State element) and the input's width.
fn small(module: &dyn Module) -> bool {
    if module_elements(module).is_err() || written_size(module) > FUZZ_ELEMENTS {
        return false;
    }
    let mut per_step = 0u64;
    let walked = for_each_module(module, |_, _, m| -> Result<(), std::convert::Infallible> {
        per_step = per_step.saturating_add(m.size_out() as u64);
        for attribute in m.attributes().iter().filter(|a| a.kind == Kind::State) {
            let shape = attribute.shapes.first().map_or(&[][..], Vec::as_slice);
            per_step = per_step.saturating_add(non_zero_extents(shape).unwrap_or(u64::MAX));
        }
        Ok(())
    });
    let Ok(()) = walked;
    per_step <= FUZZ_ELEMENTS && module.size_in() as u64 <= FUZZ_ELEMENTS
}

/// The run's input `(batch, STEPS, n)`, whose element `i` (row-major) is
/// `DRIVE[(i + offset) % 8]`.
fn drive(batch: usize, n: usize, offset: usize) -> Array {
    Array::from_fn(vec![batch, STEPS, n], |i| DRIVE[(i + offset) % DRIVE.len()])
}

/// Equal bits, or NaN in both (a NaN's payload depends on the order of its operands).
fn same(a: &Array, b: &Array) -> bool {
    a.shape() == b.shape()
        && a.data()
            .iter()
            .zip(b.data())
            .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
}

fn same_record(a: &Record, b: &Record) -> bool {
    let leaves = a.leaves();
    leaves.len() == b.leaf_count()
        && leaves
            .iter()
            .all(|(path, x)| b.get(path).is_some_and(|y| same(x, y)))
}

fn same_state(a: &Tree, b: &Tree) -> bool {
    let leaves = a.leaves();
    leaves.len() == b.leaves().len()
        && leaves.iter().all(|(path, x)| {
            b.get(path).is_some_and(|y| match (&x.value, &y.value) {
                (Value::F64(p), Value::F64(q)) => same(p, q),
                (p, q) => p.bits_eq(q),
            })
        })
}

/// Whether `part` holds steps `steps` of `whole` (both `(B, T, N)`).
fn same_steps(whole: &Array, steps: Range<usize>, part: &Array) -> bool {
    whole
        .view()
        .slice_axis1(steps.start, steps.end)
        .is_ok_and(|sliced| same(&sliced, part))
}

/// Panics when the two halves of a resumed run differ from the whole run.
fn assert_resumed(what: &str, whole: &Evolution, first: &Evolution, rest: &Evolution) {
    assert!(
        same_steps(&whole.output, 0..SNAPSHOT_AT, &first.output)
            && same_steps(&whole.output, SNAPSHOT_AT..STEPS, &rest.output),
        "{what}: the outputs differ"
    );
    assert!(
        same_state(&whole.state, &rest.state),
        "{what}: the final states differ"
    );
}

/// Half the run, a snapshot through its bytes, then the other half: from the snapshot
/// restored into `module`, and, for a network file, from the module the snapshot's
/// description builds (a snapshot alone cannot rebuild a NIR graph: its run resumes with
/// the graph given again, `docs/cli.md`).
fn resume_through_a_snapshot(
    (module, source): (&dyn Module, Source),
    tree: &Tree,
    whole: &Evolution,
    x: &Array,
) {
    let steps = |range: Range<usize>| {
        x.view()
            .slice_axis1(range.start, range.end)
            .expect("the input has STEPS steps")
    };
    let first = module
        .evolve(tree, tree, &steps(0..SNAPSHOT_AT), false)
        .expect("a run that evolves whole evolves its first steps");
    // A network the format cannot write (non-finite parameters) has no snapshot.
    let Ok(snapshot) = Snapshot::capture(module, tree, &first.state, SNAPSHOT_AT as u64) else {
        return;
    };
    let bytes = snapshot.to_bytes().expect("a small snapshot encodes");
    let read = Snapshot::from_bytes(&bytes).expect("a snapshot's bytes decode");
    let rest_input = steps(SNAPSHOT_AT..STEPS);
    let (params, state) = read
        .restore_checked(module, tree)
        .expect("a snapshot restores into the module it was taken of");
    let rest = module
        .evolve(&params, &state, &rest_input, false)
        .expect("a restored run evolves");
    assert_resumed("resumed with the module", whole, &first, &rest);
    if source == Source::NetworkFile {
        let (rebuilt, params, state) = read
            .restore_module(&budget::registry())
            .expect("a network file's snapshot rebuilds its module");
        let rest = rebuilt
            .evolve(&params, &state, &rest_input, false)
            .expect("a module rebuilt from a snapshot evolves");
        assert_resumed("resumed from the description", whole, &first, &rest);
    }
}

/// Panics (the fuzzer's finding) when two evolutions of one run differ.
fn assert_same(what: &str, a: &Evolution, b: &Evolution) {
    assert!(same(&a.output, &b.output), "{what}: the outputs differ");
    assert!(
        same_state(&a.state, &b.state),
        "{what}: the final states differ"
    );
    assert!(
        same_record(&a.record, &b.record),
        "{what}: the records differ"
    );
}

/// Panics when a run with a spike record differs from the run with a full record in its
/// output or final state, or records anything but outputs the full record holds, bit for
/// bit.
fn assert_spike_record(full: &Evolution, spikes: &Evolution) {
    let what = "with a spike record";
    assert!(
        same(&full.output, &spikes.output),
        "{what}: the outputs differ"
    );
    assert!(
        same_state(&full.state, &spikes.state),
        "{what}: the final states differ"
    );
    for (path, a) in spikes.record.leaves() {
        assert!(
            path.ends_with("_output") && full.record.get(&path).is_some_and(|b| same(a, b)),
            "{what}: {path} is not the full record's"
        );
    }
}

/// A run counting spikes in chunks gives the full run's output and final state, and its
/// counts are the spike record's trains summed over time (whole numbers: exact, whatever
/// the chunks).
fn assert_spike_counts(full: &Evolution, spikes: &Evolution, counts: &Evolution) {
    let what = "counting spikes";
    assert!(
        same(&full.output, &counts.output),
        "{what}: the outputs differ"
    );
    assert!(
        same_state(&full.state, &counts.state),
        "{what}: the final states differ"
    );
    let summed = Recording::spike_counts_of(&spikes.record);
    let (got, want) = (counts.record.leaves(), summed.leaves());
    assert_eq!(got.len(), want.len(), "{what}: other populations counted");
    for ((path, a), (expected_path, b)) in got.into_iter().zip(want) {
        assert!(
            path == expected_path && same(a, b),
            "{what}: {path} is not the spike trains summed"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((module, source)) = network(data) else {
        return;
    };
    let module = module.as_ref();
    if !small(module) {
        return;
    }
    let tree = module.init(0);
    let batch = 1 + data.len() % 2;
    let offset = data.len() % DRIVE.len();
    let x = drive(batch, module.size_in(), offset);
    let options = EvolveOptions {
        record: Recording::Everything,
        allow_non_finite_input: false,
    };
    let Ok(whole) = TimeChunks::new_owned(module, &tree, &tree, x.clone(), options)
        .and_then(|run| run.run(None, |_| Ok(())))
    else {
        return;
    };
    let steps = TimeChunks::new(module, &tree, &tree, &x, options)
        .and_then(|run| run.run(NonZeroUsize::new(1), |_| Ok(())))
        .expect("a run that evolves in one call evolves a step at a time");
    assert_same("one step at a time", &whole, &steps);
    let par = ParOptions {
        chunk_size: NonZeroUsize::new(1),
        ..ParOptions::record(Recording::Everything)
    };
    let samples = evolve_par(module, &tree, &tree, &x, &par)
        .expect("a run that evolves in one call evolves a sample at a time");
    assert_same("one sample at a time", &whole, &samples);
    let spike_options = EvolveOptions {
        record: Recording::Spikes,
        ..options
    };
    let spikes = TimeChunks::new(module, &tree, &tree, &x, spike_options)
        .and_then(|run| run.run(NonZeroUsize::new(2), |_| Ok(())))
        .expect("a run that evolves with a full record evolves with a spike record");
    assert_spike_record(&whole, &spikes);
    let count_options = EvolveOptions {
        record: Recording::SpikeCounts,
        ..options
    };
    let counts = TimeChunks::new(module, &tree, &tree, &x, count_options)
        .and_then(|run| run.run(NonZeroUsize::new(2), |_| Ok(())))
        .expect("a run that evolves with a full record evolves counting spikes");
    assert_spike_counts(&whole, &spikes, &counts);
    resume_through_a_snapshot((module, source), &tree, &whole, &x);
});
