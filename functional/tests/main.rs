//! littoral-functional's integration tests, one test binary: each file of this folder is a module, so the crate is
//! compiled and linked once (one binary per file compiled the workspace's generic code
//! again for each; see docs/testing.md, "CI"). Run one file's tests with a filter:
//! `cargo test --release -p littoral-functional --test integration checkpoint::`.

mod common;

mod checkpoint;
mod noise;
mod par;
mod snapshot;
mod snapshot_structures;
mod sweep;
mod timeseries;
