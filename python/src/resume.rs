//! `littoral.restore(path, module=…)`: a snapshot's values put into a module given by the
//! caller, as `littoral simulate NET --resume SNAP` does, for the modules a snapshot
//! cannot rebuild alone (NIR graphs: their description names the class `NIRGraph`, which
//! only a `.nir` file and a time step can build).

use crate::convert::file_err;
use littoral_core::Module;
use littoral_functional::Snapshot;
use std::path::Path;

/// The class name of a module built from a NIR file (`littoral_nets::nir::Graph`).
const NIR_CLASS: &str = "NIRGraph";

/// Whether the snapshot's network is a NIR graph (a description whose top-level class
/// is `NIRGraph`). Only the top-level `class` is kept while the description is read (a
/// large network's is hundreds of MB: as a `serde_json::Value`, gigabytes).
pub fn holds_nir_graph(snap: &Snapshot) -> bool {
    /// The top level of a description, its other keys skipped unread.
    #[derive(serde::Deserialize)]
    struct TopLevel {
        class: Option<String>,
    }
    serde_json::from_str::<TopLevel>(&snap.network_json)
        .is_ok_and(|top| top.class.as_deref() == Some(NIR_CLASS))
}

/// The error for a snapshot of a NIR graph restored without its module.
pub fn nir_needs_module(path: &Path) -> pyo3::PyErr {
    file_err(
        path,
        "this snapshot holds a NIR graph, which a snapshot cannot rebuild (it keeps the \
         values, not the .nir file): read the graph again and pass it, \
         littoral.restore(path, module=littoral.load(\"graph.nir\", dt=..., semantics=...))",
    )
}

/// The snapshot's parameters and state, checked against `module` (every path, kind and
/// shape) and its description against the module's own with its `current` values
/// (classes, names, options and simulation parameters: a NIR graph read with another
/// `dt` or semantics differs), as `littoral simulate NET --resume SNAP` checks them
/// ([`Snapshot::restore_checked`]).
///
/// # Errors
/// A `ValueError` naming the snapshot and what does not match.
pub fn check_against(
    snap: &Snapshot,
    path: &Path,
    module: &dyn Module,
    current: &littoral_core::Tree,
) -> pyo3::PyResult<(littoral_core::Tree, littoral_core::Tree)> {
    snap.restore_checked(module, current).map_err(|e| {
        file_err(
            path,
            &format!("does not match the module given: {}", e.brief()),
        )
    })
}
