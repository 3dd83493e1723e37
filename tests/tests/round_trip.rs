//! Round trips that several test files check: a module's state through a snapshot's bytes,
//! and a module through its written network file, each read back with a registry.
#![allow(clippy::unwrap_used)]

use littoral::functional::Snapshot;
use littoral_core::registry::Registry;
use littoral_core::{Module, ModuleExt, Tree};
use std::sync::Arc;

/// `module`'s `state` at `step`, captured in a snapshot, written to bytes, read back and
/// restored with `registry`: the restored module (checked to print as `module` does), its
/// parameters and its state. `what` names the case in a failure.
pub fn through_snapshot(
    what: &str,
    registry: &Registry,
    module: &dyn Module,
    params: &Tree,
    state: &Tree,
    step: u64,
) -> (Arc<dyn Module>, Tree, Tree) {
    let bytes = Snapshot::capture(module, params, state, step)
        .unwrap()
        .to_bytes()
        .unwrap();
    let restored = Snapshot::from_bytes(&bytes)
        .unwrap()
        .restore_module(registry)
        .unwrap();
    assert_eq!(restored.0.repr(), module.repr(), "{what}");
    restored
}

/// `module` with `params` written as a network file and read back with `registry`
/// (checked to print as `module` does). `what` names the case in a failure.
pub fn through_network_file(
    what: &str,
    registry: &Registry,
    module: &dyn Module,
    params: &Tree,
) -> Arc<dyn Module> {
    let text = littoral_core::network::to_json_string(module, params).unwrap();
    let back = registry.read_json_str(&text).unwrap();
    assert_eq!(back.repr(), module.repr(), "{what}: {text}");
    back
}
