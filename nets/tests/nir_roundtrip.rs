//! Littoral's NIR writer read back by Littoral: the same graph, bit for bit, for every
//! fixture and paper file; writing is deterministic and atomic.
//!
//! With `LITTORAL_NIR_EXPORT_DIR` set, the exports are also left in that folder for
//! `nets/tests/nir/check_exports.py`, which reads them with the reference `nir` package
//! (run by hand; see `docs/nir.md`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use littoral_nets::nir::{self, NirGraph, Primitive};

fn inputs() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/nir");
    let mut out = Vec::new();
    for dir in ["fixtures", "paper"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "nir") {
                out.push(path);
            }
        }
    }
    out.sort();
    assert_eq!(out.len(), 12);
    out
}

/// Equality with every float compared by its bits (and stored type).
fn assert_bits_eq(loc: &str, a: &NirGraph, b: &NirGraph) {
    assert_eq!(a.edges, b.edges, "{loc}: edges");
    assert_eq!(a.metadata, b.metadata, "{loc}: metadata");
    assert_eq!(
        a.nodes.keys().collect::<Vec<_>>(),
        b.nodes.keys().collect::<Vec<_>>(),
        "{loc}: nodes"
    );
    for (name, na) in &a.nodes {
        let nb = &b.nodes[name];
        assert_eq!(na.metadata, nb.metadata, "{loc}/{name}: metadata");
        if let (Primitive::Graph(ga), Primitive::Graph(gb)) = (&na.primitive, &nb.primitive) {
            assert_bits_eq(&format!("{loc}/{name}"), ga, gb);
            continue;
        }
        assert_eq!(na.primitive, nb.primitive, "{loc}/{name}");
        for ((pa, ta), (pb, tb)) in na.primitive.tensors().iter().zip(nb.primitive.tensors()) {
            assert_eq!(*pa, pb);
            assert!(ta.bits_eq(tb), "{loc}/{name}.{pa}: bits differ");
        }
    }
}

#[test]
fn write_then_read_gives_the_same_graph_bit_for_bit() {
    let export = std::env::var_os("LITTORAL_NIR_EXPORT_DIR").map(PathBuf::from);
    let dir = tempfile::tempdir().unwrap();
    for path in inputs() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let original = nir::read(&path).unwrap();
        let out = dir.path().join(&name);
        nir::write(&original.graph, &out).unwrap();
        let back = nir::read(&out).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back.version, nir::NIR_VERSION);
        assert_bits_eq(&name, &original.graph, &back.graph);
        // The lenient inference is the same on the copy (the declared data are kept).
        assert_eq!(back.warnings, original.warnings, "{name}");
        // Deterministic bytes.
        assert_eq!(
            nir::write_bytes(&original.graph).unwrap(),
            std::fs::read(&out).unwrap(),
            "{name}"
        );
        if let Some(export) = &export {
            std::fs::create_dir_all(export).unwrap();
            nir::write(&original.graph, export.join(&name)).unwrap();
        }
    }
}

#[test]
fn write_replaces_atomically_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("g.nir");
    std::fs::write(&out, b"old contents").unwrap();
    let graph = nir::read(&inputs()[0]).unwrap().graph;
    nir::write(&graph, &out).unwrap();
    assert_bits_eq("g", &graph, &nir::read(&out).unwrap().graph);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["g.nir"]);
}

#[test]
fn an_invalid_graph_is_not_written_and_the_old_file_stays() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("g.nir");
    std::fs::write(&out, b"old contents").unwrap();
    let mut graph = nir::read(&inputs()[0]).unwrap().graph;
    graph.edges.push(nir::Edge::new("input", "missing"));
    let err = nir::write(&graph, &out).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: edges: edge (input -> missing): its target \"missing\" is not a node of the graph",
            out.display()
        )
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"old contents");
}
