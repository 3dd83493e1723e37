//! The cross-crate tests (Rockpool parity, properties, errors), one test binary: each file of this folder is a module, so the crate is
//! compiled and linked once (one binary per file compiled the workspace's generic code
//! again for each; see docs/testing.md, "CI"). Run one file's tests with a filter:
//! `cargo test --release -p littoral-tests --test integration contract_golden::`.

mod contract_golden;
mod cuba_rec;
mod custom_module;
mod errors;
mod golden;
mod jax_golden;
mod kernels;
mod layers_golden;
mod lif_options;
mod limits;
mod models_golden;
mod models_reference;
mod module_api;
mod network_text;
mod network_write;
mod outside_module;
mod properties;
mod round_trip;
mod sparse;
mod sparse_rec;
mod spike_record;
