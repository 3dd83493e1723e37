//! Structure checks of NIR graphs built in memory: deterministic order, the edges that
//! close cycles, fan-in and fan-out, shapes through nested graphs, errors naming nodes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use littoral_core::Array;
use littoral_nets::nir::{self, Edge, NirGraph, Primitive, Tensor};

fn t(shape: &[usize], v: f64) -> Tensor {
    let n = shape.iter().product();
    Tensor::f64(Array::from_shape_vec(shape.to_vec(), vec![v; n]).unwrap())
}

fn lif(n: usize) -> Primitive {
    Primitive::LIF {
        tau: t(&[n], 0.01),
        r: t(&[n], 1.0),
        v_leak: t(&[n], 0.0),
        v_threshold: t(&[n], 1.0),
        v_reset: t(&[n], 0.0),
    }
}

fn linear(out: usize, inp: usize) -> Primitive {
    Primitive::Linear {
        weight: t(&[out, inp], 0.5),
    }
}

fn graph(nodes: Vec<(&str, Primitive)>, edges: &[(&str, &str)]) -> NirGraph {
    let mut g = NirGraph::default();
    for (name, p) in nodes {
        g.insert(name, p);
    }
    g.edges = edges.iter().map(|(a, b)| Edge::new(*a, *b)).collect();
    g
}

/// Two layers with recurrence, fan-out from `h` and fan-in at `o`.
fn recurrent() -> NirGraph {
    graph(
        vec![
            ("in", Primitive::Input { shape: vec![2] }),
            ("w", linear(3, 2)),
            ("h", lif(3)),
            ("rec", linear(3, 3)),
            ("skip", linear(4, 2)),
            ("v", linear(4, 3)),
            ("o", lif(4)),
            ("out", Primitive::Output { shape: vec![4] }),
        ],
        &[
            ("in", "w"),
            ("w", "h"),
            ("h", "rec"),
            ("rec", "h"),
            ("h", "v"),
            ("in", "skip"),
            ("skip", "o"),
            ("v", "o"),
            ("o", "o"),
            ("o", "out"),
        ],
    )
}

#[test]
fn order_and_back_edges_do_not_depend_on_the_edge_order() {
    let g = recurrent();
    let a = nir::analyse(&g).unwrap();
    assert_eq!(a.order, ["in", "skip", "w", "h", "rec", "v", "o", "out"]);
    assert_eq!(a.back_edges, [Edge::new("rec", "h"), Edge::new("o", "o")]);
    let mut reversed = g.clone();
    reversed.edges.reverse();
    let b = nir::analyse(&reversed).unwrap();
    assert_eq!(b.order, a.order);
    let mut back = b.back_edges.clone();
    back.reverse();
    assert_eq!(back, a.back_edges);
    assert_eq!(b.shapes, a.shapes);
}

#[test]
fn fan_in_shapes_meet_and_mismatches_name_both_nodes() {
    let a = nir::analyse(&recurrent()).unwrap();
    assert_eq!(a.shapes["o"].input, Some(vec![4]));
    assert_eq!(a.shapes["out"].output, Some(vec![4]));
    assert!(a.warnings.is_empty());

    let mut g = recurrent();
    g.insert("skip", linear(5, 2));
    let err = nir::analyse(&g).unwrap_err();
    assert_eq!(
        err.to_string(),
        "o: expects input of shape (4,) but skip sends shape (5,)"
    );
    let mut g = recurrent();
    g.insert("rec", linear(3, 4));
    let err = nir::analyse(&g).unwrap_err();
    assert_eq!(
        err.to_string(),
        "rec: expects input of shape (4,) but h sends shape (3,)"
    );
}

#[test]
fn a_back_edge_with_the_wrong_shape_is_an_error() {
    let mut g = recurrent();
    g.insert("rec", linear(2, 3));
    let err = nir::analyse(&g).unwrap_err();
    assert_eq!(
        err.to_string(),
        "h: expects input of shape (3,) but rec sends shape (2,)"
    );
}

#[test]
fn same_element_count_is_reshaped_with_a_warning() {
    let g = graph(
        vec![
            ("in", Primitive::Input { shape: vec![2, 3] }),
            ("w", linear(2, 6)),
            ("out", Primitive::Output { shape: vec![2] }),
        ],
        &[("in", "w"), ("w", "out")],
    );
    let a = nir::analyse(&g).unwrap();
    assert_eq!(
        a.warnings,
        ["w: expects shape (6,) but in sends (2, 3) (same element count); the input is reshaped"]
    );
    assert_eq!(a.shapes["w"].input, Some(vec![6]));
}

#[test]
fn nested_graph_shapes_and_errors_carry_the_graph_name() {
    let inner = graph(
        vec![
            ("i", Primitive::Input { shape: vec![3] }),
            ("lif", lif(3)),
            ("o", Primitive::Output { shape: vec![3] }),
        ],
        &[("i", "lif"), ("lif", "o")],
    );
    let outer = |inner: NirGraph| {
        graph(
            vec![
                ("in", Primitive::Input { shape: vec![2] }),
                ("w", linear(3, 2)),
                ("sub", Primitive::Graph(inner)),
                ("back", linear(3, 3)),
                ("out", Primitive::Output { shape: vec![3] }),
            ],
            &[
                ("in", "w"),
                ("w", "sub"),
                ("sub", "back"),
                ("back", "sub"),
                ("sub", "out"),
            ],
        )
    };
    let a = nir::analyse(&outer(inner.clone())).unwrap();
    assert_eq!(a.shapes["sub"].input, Some(vec![3]));
    assert_eq!(a.shapes["sub"].output, Some(vec![3]));
    assert_eq!(a.back_edges, [Edge::new("back", "sub")]);
    assert_eq!(a.subgraphs["sub"].order, ["i", "lif", "o"]);

    let mut broken = inner;
    broken.edges.push(Edge::new("lif", "ghost"));
    assert_eq!(
        nir::analyse(&outer(broken)).unwrap_err().to_string(),
        "sub.edges: edge (lif -> ghost): its target \"ghost\" is not a node of the graph"
    );
}

#[test]
fn a_cycle_through_stateless_nodes_only_is_warned_about() {
    let g = graph(
        vec![
            ("in", Primitive::Input { shape: vec![2] }),
            ("a", linear(2, 2)),
            (
                "s",
                Primitive::Scale {
                    scale: t(&[2], 0.5),
                },
            ),
            ("out", Primitive::Output { shape: vec![2] }),
        ],
        &[("in", "a"), ("a", "s"), ("s", "a"), ("s", "out")],
    );
    let warning = "a: the cycle a -> s -> a holds no neuron or Delay; the edge closing it gives it a one-step memory";
    assert_eq!(nir::analyse(&g).unwrap().warnings, [warning]);
    // Nodes downstream of the loop (named to be visited first) do not confuse the report.
    let mut downstream = g.clone();
    downstream.insert("0after", linear(2, 2));
    downstream.insert("out", Primitive::Output { shape: vec![2] });
    downstream.edges = [
        "in", "a", "a", "s", "s", "a", "s", "0after", "0after", "out",
    ]
    .chunks(2)
    .map(|p| Edge::new(p[0], p[1]))
    .collect();
    assert_eq!(nir::analyse(&downstream).unwrap().warnings, [warning]);
    // A Delay in the loop gives it a state.
    let mut with_delay = g.clone();
    with_delay.insert(
        "s",
        Primitive::Delay {
            delay: t(&[2], 0.001),
        },
    );
    assert!(nir::analyse(&with_delay).is_ok());
}

#[test]
fn flatten_axes_out_of_range() {
    let g = graph(
        vec![
            ("in", Primitive::Input { shape: vec![2, 3] }),
            (
                "f",
                Primitive::Flatten {
                    start_dim: 1,
                    end_dim: 3,
                    input_type: None,
                },
            ),
            ("out", Primitive::Output { shape: vec![6] }),
        ],
        &[("in", "f"), ("f", "out")],
    );
    assert_eq!(
        nir::analyse(&g).unwrap_err().to_string(),
        "f: cannot flatten axes 1..=3 of an input of shape (2, 3)"
    );
}

#[test]
fn graphs_built_in_code_are_validated_like_files() {
    let mut g = recurrent();
    g.insert(
        "h",
        Primitive::LIF {
            tau: t(&[3], 0.01),
            r: t(&[3], 1.0),
            v_leak: t(&[2], 0.0),
            v_threshold: t(&[3], 1.0),
            v_reset: t(&[3], 0.0),
        },
    );
    assert_eq!(
        nir::analyse(&g).unwrap_err().to_string(),
        "h.v_leak: shape [2] differs from tau [3]; all parameters of a LIF need one shape"
    );
    let mut g = recurrent();
    g.insert(
        "w",
        Primitive::Linear {
            weight: t(&[3], 1.0),
        },
    );
    assert_eq!(
        nir::write_bytes(&g).unwrap_err().to_string(),
        "w.weight: expected at least 2 dimensions (out, in), found shape [3]"
    );
}

#[test]
fn the_writer_refuses_names_hdf5_cannot_hold() {
    let g = graph(
        vec![
            ("in", Primitive::Input { shape: vec![2] }),
            ("a/b", lif(2)),
            ("out", Primitive::Output { shape: vec![2] }),
        ],
        &[("in", "a/b"), ("a/b", "out")],
    );
    assert_eq!(
        nir::write_bytes(&g).unwrap_err().to_string(),
        "a/b: \"a/b\" cannot be an HDF5 group name (empty, `.`, `/` or NUL)"
    );
}
