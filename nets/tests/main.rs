//! littoral-nets' integration tests, one test binary: each file of this folder is a module, so the crate is
//! compiled and linked once (one binary per file compiled the workspace's generic code
//! again for each; see docs/testing.md, "CI"). Run one file's tests with a filter:
//! `cargo test --release -p littoral-nets --test integration autonomous::`.

mod autonomous;
mod in_place;
mod modules;
mod nir_errors;
mod nir_export;
mod nir_fixtures;
mod nir_graph;
mod nir_ops;
mod nir_paper;
mod nir_paper_run;
mod nir_roundtrip;
mod nir_structure;
mod spare;
