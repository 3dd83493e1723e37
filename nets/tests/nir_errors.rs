//! Malformed and hostile NIR files: each gives one clear error naming the file and the
//! node (or dataset), never a panic or an unbounded allocation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use hdf5_pure::{FileBuilder, GroupBuilder};
use littoral_nets::nir;

/// A dataset value for hand-built files.
enum V {
    F64(Vec<u64>, Vec<f64>),
    I64(Vec<u64>, Vec<i64>),
    Str(&'static str),
}

type NodeSpec = (&'static str, Vec<(&'static str, V)>);

fn put(g: &mut GroupBuilder, name: &str, v: &V) {
    match v {
        V::F64(shape, data) => {
            g.create_dataset(name).with_f64_data(data).with_shape(shape);
        }
        V::I64(shape, data) => {
            g.create_dataset(name).with_i64_data(data).with_shape(shape);
        }
        V::Str(s) => {
            g.create_dataset(name)
                .with_vlen_strings(&[s])
                .with_shape(&[]);
        }
    }
}

fn fill_graph(g: &mut GroupBuilder, nodes: &[NodeSpec], edges: &[(&str, &str)]) {
    put(g, "type", &V::Str("NIRGraph"));
    let mut ng = g.create_group("nodes");
    for (name, datasets) in nodes {
        let mut n = ng.create_group(name);
        for (k, v) in datasets {
            put(&mut n, k, v);
        }
        ng.add_group(n.finish());
    }
    g.add_group(ng.finish());
    let flat: Vec<&str> = edges.iter().flat_map(|(a, b)| [*a, *b]).collect();
    g.create_dataset("edges")
        .with_vlen_strings(&flat)
        .with_shape(&[edges.len() as u64, 2]);
}

fn file(nodes: &[NodeSpec], edges: &[(&str, &str)]) -> Vec<u8> {
    let mut b = FileBuilder::new();
    b.create_dataset("version")
        .with_vlen_strings(&["1.0.8"])
        .with_shape(&[]);
    let mut node = b.create_group("node");
    fill_graph(&mut node, nodes, edges);
    b.add_group(node.finish());
    b.finish().unwrap()
}

fn input(n: i64) -> NodeSpec {
    (
        "input",
        vec![
            ("type", V::Str("Input")),
            ("shape", V::I64(vec![1], vec![n])),
        ],
    )
}

fn output(n: i64) -> NodeSpec {
    (
        "output",
        vec![
            ("type", V::Str("Output")),
            ("shape", V::I64(vec![1], vec![n])),
        ],
    )
}

fn vector(n: usize, v: f64) -> V {
    V::F64(vec![n as u64], vec![v; n])
}

fn lif(name: &'static str, n: usize) -> NodeSpec {
    (
        name,
        vec![
            ("type", V::Str("LIF")),
            ("tau", vector(n, 0.01)),
            ("r", vector(n, 1.0)),
            ("v_leak", vector(n, 0.0)),
            ("v_threshold", vector(n, 1.0)),
        ],
    )
}

fn linear(name: &'static str, out: usize, inp: usize) -> NodeSpec {
    (
        name,
        vec![
            ("type", V::Str("Linear")),
            (
                "weight",
                V::F64(vec![out as u64, inp as u64], vec![0.5; out * inp]),
            ),
        ],
    )
}

/// Write `bytes` to a file, read it, and return the error text (with the file name
/// replaced by `FILE`).
fn error_of(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.nir");
    std::fs::write(&path, bytes).unwrap();
    let err = nir::read(&path).expect_err("the file must be refused");
    assert_eq!(err.file.as_deref(), Some(path.as_path()));
    err.to_string().replace(&path.display().to_string(), "FILE")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/nir/fixtures")
        .join(name)
}

#[test]
fn a_valid_hand_built_file_reads() {
    // The builders of this file make valid graphs unless a test breaks them.
    let bytes = file(
        &[input(2), linear("lin", 3, 2), lif("lif", 3), output(3)],
        &[("input", "lin"), ("lin", "lif"), ("lif", "output")],
    );
    let f = nir::read_bytes(bytes).unwrap();
    assert_eq!(f.graph.nodes.len(), 4);
    assert!(f.warnings.is_empty());
}

#[test]
fn truncated_files_are_refused_with_the_file_name() {
    let bytes = std::fs::read(fixture("chain_affine_lif.nir")).unwrap();
    for keep in [0, 7] {
        let text = error_of(&bytes[..keep]);
        assert!(
            text.starts_with("FILE: not a readable HDF5 file: "),
            "{keep}: {text}"
        );
    }
    // Cut after the superblock: the reader notices the missing end of the file.
    for keep in [100, 1000, bytes.len() / 2, bytes.len() - 1] {
        let text = error_of(&bytes[..keep]);
        assert!(text.starts_with("FILE: "), "{keep}: {text}");
        assert!(text.contains("unexpected EOF: need"), "{keep}: {text}");
    }
}

#[test]
fn a_file_that_is_not_hdf5_is_refused() {
    let text = error_of(b"this is a text file, not HDF5\n");
    assert!(
        text.starts_with("FILE: not a readable HDF5 file: "),
        "{text}"
    );
}

#[test]
fn missing_node_group() {
    let mut b = FileBuilder::new();
    b.create_dataset("version")
        .with_vlen_strings(&["1.0.8"])
        .with_shape(&[]);
    assert_eq!(error_of(&b.finish().unwrap()), "FILE: node: missing group");
}

#[test]
fn wrong_parameter_type() {
    let mut bad = lif("lif", 3);
    bad.1[1] = ("tau", V::Str("fast"));
    let bytes = file(
        &[input(3), bad, output(3)],
        &[("input", "lif"), ("lif", "output")],
    );
    assert_eq!(
        error_of(&bytes),
        "FILE: lif.tau: expected a float array, found vlen_string"
    );
}

#[test]
fn float_where_integers_are_needed() {
    let bytes = file(
        &[
            (
                "input",
                vec![("type", V::Str("Input")), ("shape", vector(1, 3.0))],
            ),
            output(3),
        ],
        &[("input", "output")],
    );
    assert_eq!(
        error_of(&bytes),
        "FILE: input.shape: expected integers, found f64"
    );
}

#[test]
fn missing_parameter_and_missing_type() {
    let mut bad = lif("lif", 3);
    bad.1.remove(2); // r
    let bytes = file(
        &[input(3), bad, output(3)],
        &[("input", "lif"), ("lif", "output")],
    );
    assert_eq!(error_of(&bytes), "FILE: lif.r: missing dataset");

    let mut untyped = lif("lif", 3);
    untyped.1.remove(0);
    let bytes = file(
        &[input(3), untyped, output(3)],
        &[("input", "lif"), ("lif", "output")],
    );
    assert_eq!(error_of(&bytes), "FILE: lif.type: missing dataset");
}

#[test]
fn unknown_type() {
    let bytes = file(
        &[
            input(3),
            ("odd", vec![("type", V::Str("Quantum"))]),
            output(3),
        ],
        &[("input", "odd"), ("odd", "output")],
    );
    assert_eq!(
        error_of(&bytes),
        "FILE: odd.type: unknown NIR type \"Quantum\""
    );
}

#[test]
fn dangling_and_duplicate_edges() {
    let bytes = file(
        &[input(3), lif("lif", 3), output(3)],
        &[("input", "lif"), ("lif", "nowhere")],
    );
    assert_eq!(
        error_of(&bytes),
        "FILE: edges: edge (lif -> nowhere): its target \"nowhere\" is not a node of the graph"
    );
    let bytes = file(
        &[input(3), lif("lif", 3), output(3)],
        &[("input", "lif"), ("lif", "output"), ("input", "lif")],
    );
    assert_eq!(
        error_of(&bytes),
        "FILE: edges: edge (input -> lif) appears twice"
    );
}

#[test]
fn edges_of_the_wrong_shape() {
    let mut b = FileBuilder::new();
    let mut node = b.create_group("node");
    fill_graph(&mut node, &[input(1), output(1)], &[]);
    b.add_group(node.finish());
    let good = b.finish().unwrap();
    assert!(nir::read_bytes(good).is_ok());

    // The same graph with a flat list of three names instead of an (E, 2) array.
    let mut b = FileBuilder::new();
    let mut node = b.create_group("node");
    put(&mut node, "type", &V::Str("NIRGraph"));
    let mut nodes = node.create_group("nodes");
    for (name, datasets) in [input(1), output(1)] {
        let mut n = nodes.create_group(name);
        for (k, v) in &datasets {
            put(&mut n, k, v);
        }
        nodes.add_group(n.finish());
    }
    node.add_group(nodes.finish());
    node.create_dataset("edges")
        .with_vlen_strings(&["input", "output", "input"])
        .with_shape(&[3]);
    b.add_group(node.finish());
    assert_eq!(
        error_of(&b.finish().unwrap()),
        "FILE: edges: expected shape (E, 2), found [3]"
    );
}

#[test]
fn absurd_shapes_are_refused_before_allocation() {
    let huge = 1i64 << 40;
    let bytes = file(
        &[
            (
                "input",
                vec![
                    ("type", V::Str("Input")),
                    ("shape", V::I64(vec![2], vec![huge, huge])),
                ],
            ),
            output(3),
        ],
        &[("input", "output")],
    );
    assert_eq!(
        error_of(&bytes),
        "FILE: input.shape: expected a size between 0 and 268435456, found 1099511627776"
    );
    let bytes = file(
        &[
            (
                "input",
                vec![
                    ("type", V::Str("Input")),
                    ("shape", V::I64(vec![3], vec![100_000; 3])),
                ],
            ),
            output(3),
        ],
        &[("input", "output")],
    );
    assert_eq!(
        error_of(&bytes),
        "FILE: input.shape: shape [100000, 100000, 100000] has more than 268435456 elements"
    );
    let bytes = file(
        &[
            (
                "input",
                vec![
                    ("type", V::Str("Input")),
                    ("shape", V::I64(vec![1], vec![-4])),
                ],
            ),
            output(3),
        ],
        &[("input", "output")],
    );
    assert_eq!(
        error_of(&bytes),
        "FILE: input.shape: expected a size between 0 and 268435456, found -4"
    );
}

#[test]
fn the_whole_file_has_an_element_budget() {
    // Each dataset is under the per-dataset limit; together they exceed the file's
    // budget, which refuses the dataset that crosses it before reading it.
    let bytes = file(
        &[input(8), linear("l0", 8, 8), linear("l1", 8, 8), output(8)],
        &[("input", "l0"), ("l0", "l1"), ("l1", "output")],
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.nir");
    std::fs::write(&path, &bytes).unwrap();
    let limits = |total_elements| nir::ReadLimits { total_elements };
    // version 1, four types 4, edges 6, two shapes 2, two weights 128: 141 elements.
    assert!(nir::read_with(&path, limits(141)).is_ok());
    let err = nir::read_with(&path, limits(140)).unwrap_err();
    assert_eq!(err.file.as_deref(), Some(path.as_path()));
    assert!(
        err.to_string()
            .ends_with(": the file's datasets hold more than 140 elements in total"),
        "{err}"
    );
    assert_eq!(nir::ReadLimits::default().total_elements, nir::MAX_ELEMENTS);
}

#[test]
fn neuron_parameters_of_different_shapes() {
    let mut bad = lif("lif", 3);
    bad.1[2] = ("r", vector(4, 1.0));
    let bytes = file(
        &[input(3), bad, output(3)],
        &[("input", "lif"), ("lif", "output")],
    );
    assert_eq!(
        error_of(&bytes),
        "FILE: lif.r: shape [4] differs from tau [3]; all parameters of a LIF need one shape"
    );
}

#[test]
fn affine_bias_of_the_wrong_shape() {
    let bytes = file(
        &[
            input(2),
            (
                "fc",
                vec![
                    ("type", V::Str("Affine")),
                    ("weight", V::F64(vec![3, 2], vec![1.0; 6])),
                    ("bias", vector(2, 0.0)),
                ],
            ),
            output(3),
        ],
        &[("input", "fc"), ("fc", "output")],
    );
    assert_eq!(
        error_of(&bytes),
        "FILE: fc.bias: expected shape [3], found [2]"
    );
}

#[test]
fn shapes_that_cannot_meet_name_both_nodes() {
    let bytes = file(
        &[input(2), linear("lin", 3, 2), output(5)],
        &[("input", "lin"), ("lin", "output")],
    );
    assert_eq!(
        error_of(&bytes),
        "FILE: output: expects input of shape (5,) but lin sends shape (3,)"
    );
}

#[test]
fn a_cycle_without_state_is_read_with_a_warning() {
    let bytes = file(
        &[
            input(2),
            linear("a", 2, 2),
            linear("b", 2, 2),
            lif("lif", 2),
            output(2),
        ],
        &[
            ("input", "a"),
            ("a", "b"),
            ("b", "a"),
            ("a", "lif"),
            ("lif", "output"),
        ],
    );
    // The edge closing the cycle gives it a one-step memory (docs/nir-semantics.md §1).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loop.nir");
    std::fs::write(&path, &bytes).unwrap();
    let file = nir::read(&path).unwrap();
    assert!(
        file.warnings.iter().any(|w| w
            == "a: the cycle a -> b -> a holds no neuron or Delay; the edge closing it gives it a one-step memory"),
        "{:?}",
        file.warnings
    );
}

#[test]
fn input_nodes_cannot_receive_edges() {
    let bytes = file(
        &[input(2), lif("lif", 2), output(2)],
        &[("input", "lif"), ("lif", "output"), ("lif", "input")],
    );
    assert_eq!(
        error_of(&bytes),
        "FILE: input: an Input node cannot receive an edge (from lif)"
    );
}

#[test]
fn a_convolution_window_larger_than_its_input() {
    let bytes = file(
        &[
            (
                "input",
                vec![
                    ("type", V::Str("Input")),
                    ("shape", V::I64(vec![3], vec![1, 2, 2])),
                ],
            ),
            (
                "conv",
                vec![
                    ("type", V::Str("Conv2d")),
                    ("weight", V::F64(vec![1, 1, 5, 5], vec![1.0; 25])),
                    ("bias", vector(1, 0.0)),
                    ("stride", V::I64(vec![2], vec![1, 1])),
                    ("padding", V::I64(vec![2], vec![0, 0])),
                    ("dilation", V::I64(vec![2], vec![1, 1])),
                    ("groups", V::I64(vec![], vec![1])),
                ],
            ),
            output(1),
        ],
        &[("input", "conv"), ("conv", "output")],
    );
    assert_eq!(
        error_of(&bytes),
        "FILE: conv: a window of 5 (dilation 1) does not fit an input of 2 padded by 0"
    );
}

#[test]
fn zero_groups_and_zero_stride() {
    let conv = |groups: i64, stride: i64| -> Vec<u8> {
        file(
            &[
                (
                    "input",
                    vec![
                        ("type", V::Str("Input")),
                        ("shape", V::I64(vec![2], vec![1, 8])),
                    ],
                ),
                (
                    "conv",
                    vec![
                        ("type", V::Str("Conv1d")),
                        ("weight", V::F64(vec![2, 1, 3], vec![1.0; 6])),
                        ("bias", vector(2, 0.0)),
                        ("stride", V::I64(vec![], vec![stride])),
                        ("padding", V::I64(vec![], vec![0])),
                        ("dilation", V::I64(vec![], vec![1])),
                        ("groups", V::I64(vec![], vec![groups])),
                    ],
                ),
                output(12),
            ],
            &[("input", "conv"), ("conv", "output")],
        )
    };
    assert!(nir::read_bytes(conv(1, 1)).is_ok());
    assert_eq!(
        error_of(&conv(0, 1)),
        "FILE: conv.groups: groups = 0 must be positive and divide C_out = 2"
    );
    assert_eq!(
        error_of(&conv(1, 0)),
        "FILE: conv.stride: expected positive values, found [0]"
    );
}

#[test]
fn nesting_is_bounded() {
    fn nest(g: &mut GroupBuilder, depth: usize) {
        if depth == 0 {
            fill_graph(g, &[input(1), output(1)], &[("input", "output")]);
            return;
        }
        put(g, "type", &V::Str("NIRGraph"));
        let mut ng = g.create_group("nodes");
        let mut inner = ng.create_group("g");
        nest(&mut inner, depth - 1);
        ng.add_group(inner.finish());
        g.add_group(ng.finish());
        g.create_dataset("edges")
            .with_f64_data(&[])
            .with_shape(&[0]);
    }
    let build = |depth: usize| {
        let mut b = FileBuilder::new();
        let mut node = b.create_group("node");
        nest(&mut node, depth);
        b.add_group(node.finish());
        b.finish().unwrap()
    };
    assert!(nir::read_bytes(build(nir::MAX_DEPTH)).is_ok());
    let path = vec!["g"; nir::MAX_DEPTH + 1].join(".");
    assert_eq!(
        error_of(&build(nir::MAX_DEPTH + 1)),
        format!("FILE: {path}: graphs nested deeper than 16 levels")
    );
}
