//! Network files and snapshots: loading them, and walking the module tree for the
//! summaries (neurons, spiking modules, `dt`).

use super::error::{CliError, CliResult};
use littoral_core::nested::join_path;
use littoral_core::{Module, Tree, TreeExt};
use littoral_functional::Snapshot;
use std::path::Path;
use std::sync::Arc;

/// The magic bytes that start a Littoral snapshot.
pub const SNAPSHOT_MAGIC: &[u8; 8] = b"LITTORAL";

/// Read a whole file.
///
/// # Errors
/// [`CliError::File`] naming the file.
pub fn read_bytes(path: &Path) -> CliResult<Vec<u8>> {
    if path.is_dir() {
        return Err(CliError::file(path, "is a folder, not a file"));
    }
    std::fs::read(path).map_err(|e| CliError::io(path, "read", &e))
}

/// Parse a network file (JSON); errors name the file and the JSON path.
///
/// # Errors
/// Unreadable files, invalid JSON, and everything the network format rejects.
pub fn load_network(path: &Path) -> CliResult<Arc<dyn Module>> {
    let bytes = read_bytes(path)?;
    if bytes.starts_with(SNAPSHOT_MAGIC) {
        return Err(CliError::file(
            path,
            "this is a snapshot, not a network file: pass it with `--resume`",
        ));
    }
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| CliError::file(path, "not a network file: the bytes are not UTF-8 text"))?;
    if text.trim().is_empty() {
        return Err(CliError::file(path, "empty file: not a network file"));
    }
    littoral_nets::config::from_json_str(text).map_err(|e| CliError::file(path, e))
}

/// Read a snapshot file.
///
/// # Errors
/// Unreadable, truncated, corrupt or foreign files, naming the file.
pub fn load_snapshot(path: &Path) -> CliResult<Snapshot> {
    if path.is_dir() {
        return Err(CliError::file(path, "is a folder, not a file"));
    }
    Snapshot::read(path).map_err(|e| CliError::functional(path, e))
}

/// A module and its full tree from a network file (initialised from `seed`) or from a
/// snapshot (its parameters and state), whichever `path` holds.
///
/// # Errors
/// As [`load_network`] and [`load_snapshot`].
pub fn load_any(path: &Path, seed: u64) -> CliResult<(Arc<dyn Module>, Tree, bool)> {
    let bytes = read_bytes(path)?;
    if bytes.starts_with(SNAPSHOT_MAGIC) {
        let snap = Snapshot::from_bytes(&bytes).map_err(|e| CliError::functional(path, e))?;
        let (module, params, state) = snap
            .restore_module()
            .map_err(|e| CliError::functional(path, e))?;
        return Ok((module, params.merged(&state), true));
    }
    let module = load_network(path)?;
    let tree = module.init(seed);
    Ok((module, tree, false))
}

use littoral_core::ModuleExt;

/// A module without children (LIF, Rate, Linear, …) with its dotted path, and where its
/// output is found: the network's output (`None`) or a record path (`0_LIF_output`).
#[derive(Debug, Clone)]
pub struct LeafModule<'a> {
    /// Dotted path (`""` for a network that is a single module).
    pub path: String,
    /// The module.
    pub module: &'a dyn Module,
    /// The record path of its output, or `None` when it is the network's output.
    pub record_path: Option<String>,
}

impl LeafModule<'_> {
    /// The name shown in summaries: the path, or the class name for a lone module.
    pub fn label(&self) -> String {
        if self.path.is_empty() {
            self.module.class_name().to_string()
        } else {
            self.path.clone()
        }
    }

    /// Number of neurons: the units of a `LIF` or `Rate`, else 0.
    pub fn neurons(&self) -> usize {
        match self.module.class_name() {
            "LIF" | "Rate" => self.module.size_out(),
            _ => 0,
        }
    }

    /// The module's scalar `dt`, if it has one.
    pub fn dt(&self, params: &Tree) -> Option<f64> {
        params
            .array(&join_path(&self.path, "dt"))
            .ok()
            .filter(|a| a.len() == 1)
            .map(|a| a.data()[0])
    }
}

/// Every module without children, depth first.
pub fn leaf_modules(module: &dyn Module) -> Vec<LeafModule<'_>> {
    fn go<'a>(m: &'a dyn Module, prefix: &str, rec: Option<String>, out: &mut Vec<LeafModule<'a>>) {
        let children = m.children();
        if children.is_empty() {
            out.push(LeafModule {
                path: prefix.to_string(),
                module: m,
                record_path: rec,
            });
            return;
        }
        for (name, child) in children {
            let path = join_path(prefix, name);
            let rec_path = join_path(prefix, &format!("{name}_output"));
            go(child, &path, Some(rec_path), out);
        }
    }
    let mut out = Vec::new();
    go(module, "", None, &mut out);
    out
}

/// The `dt` of the network: the first leaf module's scalar `dt` (1 ms by default).
pub fn network_dt(module: &dyn Module, params: &Tree) -> f64 {
    leaf_modules(module)
        .iter()
        .find_map(|l| l.dt(params))
        .unwrap_or(1e-3)
}
