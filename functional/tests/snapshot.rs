//! Snapshots: bit-exact round trips, exact continuation, corrupt files rejected with clear
//! errors (never a panic), structure mismatches naming every path, and the committed
//! format-v1 fixture still loading.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{build, input, net_spec, read_fixture, steps};
use littoral_core::wire::Counted;
use littoral_core::{Array, Kind, Leaf, ModuleExt, Tree, Value, record_bits_eq, tree_bits_eq};
use littoral_functional::codec::{self, FORMAT_VERSION, HEADER_LEN, MAGIC};
use littoral_functional::snapshot::check_structure;
use littoral_functional::{Error, FormatError, Snapshot};
use littoral_nets::{Lif, Sequential};
use proptest::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;

const NAN_PAYLOAD: u64 = 0x7FF8_0000_DEAD_BEEF;

/// The network of the committed fixture.
fn fixture_net() -> Sequential {
    Sequential::new()
        .append(
            Lif::with_synapses(4, 2)
                .unwrap()
                .with_has_rec(true)
                .with_noise_std(0.5)
                .unwrap()
                .with_bias(-0.0)
                .unwrap(),
        )
        .unwrap()
        .append(Lif::new(2))
        .unwrap()
}

/// A snapshot with a NaN payload and `-0.0` in its state, and `-0.0` in its params.
fn special_snapshot() -> (Sequential, Snapshot) {
    let net = fixture_net();
    let tree = net.init(2024);
    let ev = net.evolve(&tree, &tree, &input(2, 5, 4, 1), false).unwrap();
    let mut state = ev.state.clone();
    let vmem = state
        .get("1_LIF.vmem")
        .unwrap()
        .value
        .as_f64()
        .unwrap()
        .clone();
    let mut data = vmem.data().to_vec();
    data[0] = f64::from_bits(NAN_PAYLOAD);
    data[1] = -0.0;
    let leaf = Leaf::f64(
        Kind::State,
        None,
        Array::from_shape_vec(vmem.shape().to_vec(), data).unwrap(),
    );
    *state.get_mut("1_LIF.vmem").unwrap() = leaf;
    let snap = Snapshot::capture(&net, &tree, &state, 5).unwrap();
    (net, snap)
}

fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/snapshot_v1.snap")
}

#[test]
fn round_trip_is_bit_exact_including_nan_payloads_and_negative_zero() {
    let (net, snap) = special_snapshot();
    let back = Snapshot::from_bytes(&snap.to_bytes().unwrap()).unwrap();
    assert!(back.bits_eq(&snap));
    let v = back
        .state
        .get("1_LIF.vmem")
        .unwrap()
        .value
        .as_f64()
        .unwrap()
        .clone();
    assert_eq!(v.data()[0].to_bits(), NAN_PAYLOAD);
    assert_eq!(v.data()[1].to_bits(), (-0.0f64).to_bits());
    let bias = back
        .params
        .get("0_LIF.bias")
        .unwrap()
        .value
        .as_f64()
        .unwrap()
        .clone();
    assert!(
        bias.data()
            .iter()
            .all(|b| b.to_bits() == (-0.0f64).to_bits())
    );
    assert_eq!(back.format_version, FORMAT_VERSION);
    assert_eq!(back.library_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(back.step, 5);
    // Through a file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.snap");
    snap.write_atomic(&path).unwrap();
    assert!(Snapshot::read(&path).unwrap().bits_eq(&snap));
    // No temporary file is left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    // Restore against the module in hand, and from the description.
    let (p, s) = back.restore(&net).unwrap();
    assert!(tree_bits_eq(&s, &snap.state) && tree_bits_eq(&p, &snap.params));
    let (m, p2, _) = back.restore_module(&littoral_nets::registry()).unwrap();
    assert_eq!(m.repr(), net.repr());
    assert!(tree_bits_eq(&p2, &snap.params));
}

#[test]
fn capture_keeps_only_params_and_state_and_shares_leaves() {
    let net = fixture_net();
    let tree = net.init(1);
    let snap = Snapshot::capture(&net, &tree, &tree, 0).unwrap();
    assert!(
        snap.params
            .leaves()
            .iter()
            .all(|(_, l)| l.kind != Kind::State)
    );
    assert!(
        snap.state
            .leaves()
            .iter()
            .all(|(_, l)| l.kind == Kind::State)
    );
    let a = tree.get("0_LIF.w_rec").unwrap().value.as_f64().unwrap();
    let b = snap
        .params
        .get("0_LIF.w_rec")
        .unwrap()
        .value
        .as_f64()
        .unwrap();
    assert!(Arc::ptr_eq(a, b));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// evolve(T1) → snapshot → bytes → restore → evolve(T2) == evolve(T1 + T2), bit for
    /// bit, for random networks with noise and recurrence; restoring from the network
    /// description gives the same bits.
    #[test]
    fn snapshot_continuation_is_exact(
        spec in net_spec(),
        b in 1usize..=3,
        t1 in 0usize..=6,
        t2 in 1usize..=6,
        seed in any::<u64>(),
    ) {
        let net = build(&spec);
        let tree = net.init(seed);
        let x = input(b, t1 + t2, net.size_in(), seed);
        let whole = net.evolve(&tree, &tree, &x, true).unwrap();
        let first = net.evolve(&tree, &tree, &steps(&x, 0, t1), true).unwrap();
        let bytes = Snapshot::capture(net.as_ref(), &tree, &first.state, t1 as u64)
            .unwrap()
            .to_bytes()
            .unwrap();
        let snap = Snapshot::from_bytes(&bytes).unwrap();
        prop_assert_eq!(snap.step, t1 as u64);
        let (params, state) = snap.restore(net.as_ref()).unwrap();
        let second = net.evolve(&params, &state, &steps(&x, t1, t1 + t2), true).unwrap();
        prop_assert!(second.output.bits_eq(&steps(&whole.output, t1, t1 + t2)));
        prop_assert!(tree_bits_eq(&second.state, &whole.state));
        let (module, p2, s2) = snap.restore_module(&littoral_nets::registry()).unwrap();
        let third = module.evolve(&p2, &s2, &steps(&x, t1, t1 + t2), true).unwrap();
        prop_assert!(third.output.bits_eq(&second.output));
        prop_assert!(tree_bits_eq(&third.state, &second.state));
        prop_assert!(record_bits_eq(&third.record, &second.record));
    }
}

fn format_err(bytes: &[u8]) -> FormatError {
    match Snapshot::from_bytes(bytes) {
        Ok(_) => panic!("decoded {} corrupt bytes", bytes.len()),
        Err(e) => e
            .format_error()
            .cloned()
            .unwrap_or_else(|| panic!("not a format error: {e}")),
    }
}

#[test]
fn empty_foreign_and_truncated_inputs_are_clear_errors() {
    let (_, snap) = special_snapshot();
    let bytes = snap.to_bytes().unwrap();
    assert_eq!(format_err(&[]), FormatError::Empty);
    assert!(matches!(
        format_err(b"\x89PNG\r\n\x1a\n0000000000000000"),
        FormatError::BadMagic { .. }
    ));
    assert!(matches!(
        format_err(b"{\"class\": \"LIF\"}"),
        FormatError::BadMagic { .. }
    ));
    assert!(
        format_err(b"hello")
            .to_string()
            .contains("not a Littoral file")
    );
    assert!(matches!(
        format_err(b"LITT"),
        FormatError::TruncatedHeader { .. }
    ));
    // Every truncation is an error, never a panic.
    for len in 0..bytes.len() {
        let e = format_err(&bytes[..len]);
        if len > HEADER_LEN {
            assert!(matches!(e, FormatError::Truncated { .. }), "{len}: {e}");
            assert!(e.to_string().contains("truncated"), "{e}");
        }
    }
    let mut longer = bytes.clone();
    longer.extend_from_slice(b"junk");
    assert_eq!(format_err(&longer), FormatError::TrailingBytes { extra: 4 });
}

/// The bytes of a one-neuron LIF's snapshot (small enough to flip every bit of).
fn small_snapshot_bytes() -> Vec<u8> {
    let net = Lif::new(1);
    let tree = net.init(0);
    Snapshot::capture(&net, &tree, &tree, 0)
        .unwrap()
        .to_bytes()
        .unwrap()
}

#[test]
fn every_single_bit_flip_is_detected() {
    let bytes = small_snapshot_bytes();
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut b = bytes.clone();
            b[i] ^= 1 << bit;
            let e = format_err(&b);
            let expected = match i {
                0..8 => matches!(e, FormatError::BadMagic { .. }),
                8..12 => matches!(e, FormatError::UnsupportedVersion { .. }),
                12..20 => matches!(
                    e,
                    FormatError::Truncated { .. }
                        | FormatError::TrailingBytes { .. }
                        | FormatError::TooLarge { .. }
                ),
                _ => matches!(e, FormatError::ChecksumMismatch { .. }),
            };
            assert!(expected, "byte {i} bit {bit}: {e}");
        }
    }
}

/// A snapshot file is decoded as it is read (`codec::decode_file`, its bytes never held
/// whole): the empty file, every truncation, every single bit flip, trailing bytes, and
/// payloads with a valid checksum that are not a snapshot or leave bytes over give the
/// same result as decoding the file's bytes.
#[test]
fn a_file_decoded_as_it_is_read_fails_as_its_bytes_do() {
    let bytes = small_snapshot_bytes();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.snap");
    let outcome = |r: littoral_functional::Result<Snapshot>| {
        r.map(|s| s.to_bytes().unwrap())
            .map_err(|e| e.format_error().cloned())
    };
    let same = |b: &[u8]| {
        std::fs::write(&path, b).unwrap();
        let from_file = outcome(Snapshot::read(&path));
        assert_eq!(from_file, outcome(Snapshot::from_bytes(b)), "{b:?}");
        from_file
    };
    assert_eq!(same(&bytes), Ok(bytes.clone()));
    for len in 0..bytes.len() {
        assert!(same(&bytes[..len]).is_err());
    }
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut b = bytes.clone();
            b[i] ^= 1 << bit;
            assert!(same(&b).is_err(), "byte {i} bit {bit}");
        }
    }
    let mut longer = bytes.clone();
    longer.extend_from_slice(b"junk");
    assert!(same(&longer).is_err());
    let payload = &bytes[HEADER_LEN..];
    let mut over = payload.to_vec();
    over.push(0);
    let left_over = same(&frame(FORMAT_VERSION, &over)).unwrap_err();
    assert!(
        left_over
            .unwrap()
            .to_string()
            .contains("1 byte(s) of the payload left over")
    );
    // More left over than the reader buffers at once: still read through the checksum.
    over.resize(payload.len() + 200_000, 0);
    let left_over = same(&frame(FORMAT_VERSION, &over)).unwrap_err();
    assert!(left_over.unwrap().to_string().contains("200000 byte(s)"));
    assert!(matches!(
        same(&frame(FORMAT_VERSION, &payload[..payload.len() / 2])),
        Err(Some(FormatError::Decode(_)))
    ));
    // The fuzzer's find: a length inside the payload reaching past its end, the bytes
    // missing counted alike (a file's reader had counted all the bytes asked for).
    let found = include_bytes!("../../fuzz/regressions/snapshot/file-read-unexpected-end.snap");
    let e = same(&frame(1, &found[HEADER_LEN..])).unwrap_err();
    assert!(
        matches!(&e, Some(FormatError::Decode(m)) if m.starts_with("UnexpectedEnd")),
        "{e:?}"
    );
}

/// Frame a raw payload with a correct header (as a malicious or buggy writer would).
fn frame(version: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&codec::crc32(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

#[test]
fn newer_versions_and_lying_length_fields_are_rejected_before_allocating() {
    let (_, snap) = special_snapshot();
    let bytes = snap.to_bytes().unwrap();
    let mut newer = bytes.clone();
    newer[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let e = format_err(&newer);
    assert_eq!(
        e,
        FormatError::UnsupportedVersion {
            found: FORMAT_VERSION + 1,
            supported: FORMAT_VERSION
        }
    );
    assert!(e.to_string().contains("upgrade"), "{e}");
    let mut zero = bytes.clone();
    zero[8..12].copy_from_slice(&0u32.to_le_bytes());
    assert!(matches!(
        format_err(&zero),
        FormatError::UnsupportedVersion { found: 0, .. }
    ));
    // A length field of 2^64 - 1 on a small file.
    let mut huge = bytes.clone();
    huge[12..20].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(
        format_err(&huge),
        FormatError::Truncated {
            declared: u64::MAX,
            ..
        }
    ));
    // Inside a payload with a valid checksum: a string claiming 2^40 bytes.
    let payload = [1u8, 0xFD, 0, 0, 0, 0, 0, 1, 0, 0];
    assert!(matches!(
        format_err(&frame(1, &payload)),
        FormatError::Decode(_)
    ));
    // A vector claiming 2^40 elements.
    let mut payload = vec![1u8, 5];
    payload.extend_from_slice(b"0.1.0");
    payload.extend_from_slice(&[0, 0xFD, 0, 0, 0, 0, 0, 1, 0, 0]);
    assert!(matches!(
        format_err(&frame(1, &payload)),
        FormatError::Decode(_)
    ));
    // An empty payload, and garbage with a valid checksum.
    assert!(matches!(format_err(&frame(1, &[])), FormatError::Decode(_)));
    assert!(matches!(
        format_err(&frame(1, &[0xFF; 64])),
        FormatError::Decode(_)
    ));
}

/// A snapshot's wire form with one `params` leaf whose array is written as given: arrays
/// the `Array` constructor would refuse, encoded through serde.
#[derive(serde::Serialize)]
struct RawSnapshot<D, L> {
    format_version: u32,
    library_version: String,
    network_json: String,
    params: std::collections::BTreeMap<String, RawEntry<D>>,
    state: std::collections::BTreeMap<String, RawEntry<D>>,
    step: u64,
    /// `()` (nothing) in format version 1, an empty list since version 2.
    structures: L,
}

#[derive(serde::Serialize)]
enum RawEntry<D> {
    Leaf(RawLeaf<D>),
}

#[derive(serde::Serialize)]
struct RawLeaf<D> {
    kind: Kind,
    family: Option<String>,
    value: RawValue<D>,
}

#[derive(serde::Serialize)]
enum RawValue<D> {
    F64(RawArray<D>),
}

#[derive(serde::Serialize)]
struct RawArray<D> {
    shape: Vec<usize>,
    data: D,
}

/// The encoded snapshot of format `version` (1 or 2) whose `params.tau_mem` has `shape`
/// and `data` (a sequence of numbers in version 1; in version 2, as
/// `littoral_core::wire::Counted` writes them).
fn raw_snapshot_bytes<D: serde::Serialize>(version: u32, shape: Vec<usize>, data: D) -> Vec<u8> {
    let mut params = std::collections::BTreeMap::new();
    params.insert(
        "tau_mem".to_string(),
        RawEntry::Leaf(RawLeaf {
            kind: Kind::Parameter,
            family: None,
            value: RawValue::F64(RawArray { shape, data }),
        }),
    );
    fn encoded<D: serde::Serialize, L: serde::Serialize>(
        version: u32,
        params: std::collections::BTreeMap<String, RawEntry<D>>,
        structures: L,
    ) -> Vec<u8> {
        let mut bytes = codec::encode(&RawSnapshot {
            format_version: version,
            library_version: "0.1.0".into(),
            network_json: String::new(),
            params,
            state: std::collections::BTreeMap::new(),
            step: 0,
            structures,
        })
        .unwrap();
        bytes[8..12].copy_from_slice(&version.to_le_bytes());
        bytes
    }
    match version {
        1 => encoded(1, params, ()),
        _ => encoded(version, params, Vec::<()>::new()),
    }
}

#[test]
fn inconsistent_arrays_in_a_well_framed_payload_are_rejected() {
    let data = [1.0, 2.0];
    for bytes in [
        raw_snapshot_bytes(1, vec![1000], data.to_vec()),
        raw_snapshot_bytes(2, vec![1000], Counted(&data)),
    ] {
        let e = format_err(&bytes);
        assert!(matches!(e, FormatError::Invalid(_)), "{e}");
        assert!(e.to_string().contains("params.tau_mem"), "{e}");
    }
}

/// A sequence's length as written, with none of its items.
struct Claimed(usize);

impl serde::Serialize for Claimed {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        s.serialize_seq(Some(self.0))?.end()
    }
}

#[test]
fn an_array_claiming_more_items_than_its_payload_holds_reserves_no_more() {
    // Arrays are reserved whole while they fit in the payload
    // (`littoral_core::limits::sequence_capacity`): a claim of 2^61 items (2^64 bytes,
    // which no allocator gives) in a payload of a few dozen bytes is an end of the payload
    // (or, in version 2, a count its chunks do not hold), not an allocation failure, from
    // bytes and from a file.
    let dir = tempfile::tempdir().unwrap();
    for claimed in [3, 1 << 20, 1 << 61, usize::MAX] {
        let count = claimed as u64;
        let cases = [
            (
                raw_snapshot_bytes(1, vec![claimed], Claimed(claimed)),
                "nexpected".to_string(),
            ),
            (
                raw_snapshot_bytes(2, vec![claimed], (count, Claimed(usize::MAX))),
                "nexpected".to_string(),
            ),
            (
                raw_snapshot_bytes(2, vec![claimed], (count, Claimed(0))),
                format!("holds 0 of its count of {count} items"),
            ),
        ];
        for (bytes, want) in cases {
            let e = format_err(&bytes);
            assert!(matches!(e, FormatError::Decode(_)), "{claimed}: {e}");
            assert!(e.to_string().contains(&want), "{claimed}: {e}");
            let path = dir.path().join("claim.snap");
            std::fs::write(&path, &bytes).unwrap();
            let from_file = Snapshot::read(&path).unwrap_err();
            assert_eq!(from_file.format_error(), Some(&e), "{claimed}");
        }
    }
}

#[test]
fn file_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.snap");
    let e = Snapshot::read(&missing).unwrap_err();
    assert!(matches!(e, Error::Io { .. }));
    assert!(e.to_string().contains("missing.snap"), "{e}");
    let bad = dir.path().join("bad.snap");
    std::fs::write(&bad, b"LITTORAL\x01\x00\x00\x00").unwrap();
    let e = Snapshot::read(&bad).unwrap_err();
    assert!(
        e.to_string().contains("bad.snap") && e.to_string().contains("truncated"),
        "{e}"
    );
    assert!(e.format_error().is_some());
    let (_, snap) = special_snapshot();
    let e = snap
        .write_atomic(&dir.path().join("no/such/dir/x.snap"))
        .unwrap_err();
    assert!(e.to_string().contains("no/such/dir"), "{e}");
}

#[test]
fn an_interrupted_write_leaves_the_previous_file_intact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.snap");
    let (_, snap) = special_snapshot();
    snap.write_atomic(&path).unwrap();
    // A crash mid-write leaves a partial temporary file beside the real one: the real one
    // still reads.
    let bytes = snap.to_bytes().unwrap();
    std::fs::write(
        dir.path().join(".s.snap.tmp-1-0"),
        &bytes[..bytes.len() / 2],
    )
    .unwrap();
    assert!(Snapshot::read(&path).unwrap().bits_eq(&snap));
    let mut later = snap.clone();
    later.step = 99;
    later.write_atomic(&path).unwrap();
    assert_eq!(Snapshot::read(&path).unwrap().step, 99);
}

#[test]
fn restore_names_every_mismatching_path() {
    let (_, snap) = special_snapshot();
    // A network of other sizes and without recurrence.
    let other = Sequential::new()
        .append(Lif::with_synapses(3, 3).unwrap())
        .unwrap()
        .append(Lif::new(3))
        .unwrap();
    let e = snap.restore(&other).unwrap_err();
    let paths: Vec<&str> = e
        .mismatches()
        .unwrap()
        .iter()
        .map(|m| m.path.as_str())
        .collect();
    for p in [
        "0_LIF.w_rec",
        "0_LIF.tau_syn",
        "0_LIF.spikes",
        "0_LIF.isyn",
        "0_LIF.vmem",
        "1_LIF.spikes",
        "1_LIF.isyn",
        "1_LIF.vmem",
    ] {
        assert!(paths.contains(&p), "{p} not in {paths:?}");
    }
    let text = e.to_string();
    assert!(
        text.contains("0_LIF.w_rec: unknown to the module"),
        "{text}"
    );
    assert!(text.contains("1_LIF.vmem: shape"), "{text}");
    // Missing leaves, a wrong kind, a wrong element type, mixed batch sizes.
    let net = fixture_net();
    let tree = net.init(0);
    let mut params = snap.params.clone();
    let mut p0 = params.branch("0_LIF").unwrap().clone();
    p0.remove("tau_mem");
    let mut thr = p0.get("threshold").unwrap().clone();
    thr.kind = Kind::SimulationParameter;
    p0.insert_leaf("threshold", thr);
    params.insert_branch("0_LIF", p0);
    let mut state = snap.state.clone();
    let k = state.get("0_LIF.rng_key").unwrap().clone();
    *state.get_mut("0_LIF.rng_key").unwrap() = k.with_value(Value::from(Array::zeros(vec![2, 2])));
    let one = tree.get("1_LIF.spikes").unwrap().clone();
    let mut three = Array::zeros(vec![3, 2]);
    three.data_mut()[0] = 1.0;
    *state.get_mut("1_LIF.spikes").unwrap() = one.with_value(three.into());
    state.insert_path("2_LIF.vmem", one);
    let e = check_structure(&net, &params, &state).unwrap_err();
    let text = e.to_string();
    for needle in [
        "0_LIF.tau_mem: missing from the params",
        "0_LIF.threshold: kind: expected Parameter, found SimulationParameter",
        "0_LIF.rng_key: element type: expected u64, found f64",
        "1_LIF.spikes: batch size 3 differs from 2",
        "2_LIF: unknown submodule",
    ] {
        assert!(text.contains(needle), "{needle:?} not in {text}");
    }
    assert_eq!(e.mismatches().unwrap().len(), 5, "{text}");
    // Per-sample state fits too.
    check_structure(&net, &tree, &tree).unwrap();
    // Empty trees: every leaf of the module is reported missing, each once, in order.
    let e = check_structure(&net, &Tree::new(), &Tree::new()).unwrap_err();
    let reported: Vec<String> = e
        .mismatches()
        .unwrap()
        .iter()
        .map(|m| m.path.clone())
        .collect();
    let leaves: Vec<String> = tree.leaves().into_iter().map(|(p, _)| p).collect();
    assert_eq!(reported, leaves);
    assert!(
        e.to_string()
            .contains("0_LIF.w_rec: missing from the params"),
        "{e}"
    );
}

#[test]
fn restore_module_needs_a_description() {
    let (_, snap) = special_snapshot();
    let bare = Snapshot::from_parts(String::new(), snap.params.clone(), snap.state.clone(), 1);
    let e = bare.restore_module(&littoral_nets::registry()).unwrap_err();
    assert!(e.to_string().contains("no network description"), "{e}");
}

/// Regenerate the committed format-v1 fixture (run by hand only when deliberately
/// replacing it: `cargo test -p littoral-functional --test integration snapshot:: -- --ignored`).
#[test]
#[ignore = "regenerates tests/data/snapshot_v1.snap"]
fn regenerate_snapshot_v1_fixture() {
    let (_, snap) = special_snapshot();
    std::fs::create_dir_all(fixture_path().parent().unwrap()).unwrap();
    snap.write_atomic(&fixture_path()).unwrap();
}

/// The committed format-v1 file must load in every later version.
#[test]
fn format_v1_fixture_still_loads() {
    let snap = read_fixture(&fixture_path(), 1);
    assert_eq!(snap.format_version, 1);
    assert_eq!(snap.library_version, "0.1.0");
    assert_eq!(snap.step, 5);
    let v = snap
        .state
        .get("1_LIF.vmem")
        .unwrap()
        .value
        .as_f64()
        .unwrap()
        .clone();
    assert_eq!(v.shape(), &[2, 2]);
    assert_eq!(v.data()[0].to_bits(), NAN_PAYLOAD);
    assert_eq!(v.data()[1].to_bits(), (-0.0f64).to_bits());
    let key = snap
        .state
        .get("0_LIF.rng_key")
        .unwrap()
        .value
        .as_u64()
        .unwrap()
        .clone();
    assert_eq!(key.shape(), &[2, 2]);
    assert!(key.data().chunks(2).all(|k| k[1] == 5));
    // The structure still fits the network built in code, and the description rebuilds it.
    let net = fixture_net();
    let (params, state) = snap.restore(&net).unwrap();
    let (module, _, _) = snap
        .clone()
        .restore_module(&littoral_nets::registry())
        .unwrap();
    assert_eq!(module.repr(), net.repr());
    // Its parameters are what `init(2024)` still draws (initialisers are stable).
    let fresh = net.init(2024);
    assert!(tree_bits_eq(
        &littoral_core::TreeExt::parameters(&params, None),
        &littoral_core::TreeExt::parameters(&fresh, None)
    ));
    // It continues: the NaN stays in the membrane it was put in (sample 0, neuron 0 of
    // the second layer) and in that neuron's output; every other value is finite.
    let x = input(2, 3, 4, 1);
    let ev = net.evolve(&params, &state, &x, true).unwrap();
    assert_eq!(ev.output.shape(), &[2, 3, 2]);
    let vmem = ev.record.get("1_LIF.vmem").unwrap();
    for (i, v) in vmem.data().iter().enumerate() {
        let (sample, neuron) = (i / 6, i % 2);
        assert_eq!(
            v.is_nan(),
            sample == 0 && neuron == 0,
            "1_LIF.vmem[{i}] = {v}"
        );
    }
    for (i, v) in ev.output.data().iter().enumerate() {
        let (sample, neuron) = (i / 6, i % 2);
        assert_eq!(v.is_nan(), sample == 0 && neuron == 0, "output[{i}] = {v}");
    }
    // And continuing in two pieces gives the same bits as in one.
    let (x1, x2) = (input(2, 2, 4, 1), Array::zeros(vec![2, 1, 4]));
    let whole = Array::from_shape_vec(
        vec![2, 3, 4],
        (0..2)
            .flat_map(|b| {
                let first = x1.data()[b * 8..(b + 1) * 8].to_vec();
                first.into_iter().chain([0.0; 4])
            })
            .collect(),
    )
    .unwrap();
    let one = net.evolve(&params, &state, &whole, false).unwrap();
    let a = net.evolve(&params, &state, &x1, false).unwrap();
    let b = net.evolve(&params, &a.state, &x2, false).unwrap();
    assert!(tree_bits_eq(&one.state, &b.state));
    // Written again, it is a snapshot of the current version holding the same values.
    let again = Snapshot::from_bytes(&snap.to_bytes().unwrap()).unwrap();
    assert_eq!(again.format_version, FORMAT_VERSION);
    let as_read = Snapshot {
        format_version: 1,
        ..again
    };
    assert!(as_read.bits_eq(&snap));
}
