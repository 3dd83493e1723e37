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
    littoral_nets::registry()
        .read_json_str(text)
        .map_err(|e| CliError::file(path, e))
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
            .restore_module(&littoral_nets::registry())
            .map_err(|e| CliError::functional(path, e))?;
        return Ok((module, params.merged(&state), true));
    }
    let module = load_network(path)?;
    let tree = module.init(seed);
    Ok((module, tree, false))
}

use littoral_core::ModuleExt;

/// Where a module's output can be found after an evolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A record leaf (`0_LIF_output`).
    Record(String),
    /// The network's output.
    Output,
}

/// A module without children (LIF, Rate, Linear, …) with its dotted path, and where its
/// output is found: the first of `sources` that the record holds (`Sequential` records
/// `{name}_output` for every child; `FFwdStack` not for its last, whose output is then
/// its parent's).
#[derive(Debug, Clone)]
pub struct LeafModule<'a> {
    /// Dotted path (`""` for a network that is a single module).
    pub path: String,
    /// The module.
    pub module: &'a dyn Module,
    /// Candidate places of its output, in order.
    pub sources: Vec<Source>,
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

    /// Number of units with a state of their own (neurons, and synapses such as
    /// `ExpSyn`'s): the module's `size_out` when it has a float State, else 0 (`Linear`,
    /// `Instant`).
    pub fn neurons(&self) -> usize {
        let stateful = self
            .module
            .attributes()
            .iter()
            .any(|a| a.kind == littoral_core::Kind::State && !a.integer);
        if stateful { self.module.size_out() } else { 0 }
    }

    /// The module's scalar `dt`, if it has one.
    pub fn dt(&self, params: &Tree) -> Option<f64> {
        params
            .array(&join_path(&self.path, "dt"))
            .ok()
            .filter(|a| a.len() == 1)
            .map(|a| a.data()[0])
    }

    /// Its output in an evolution, if the record (or the network's output) holds it.
    pub fn output_in<'e>(
        &self,
        output: &'e littoral_core::Array,
        record: &'e littoral_core::Record,
    ) -> Option<&'e littoral_core::Array> {
        self.sources.iter().find_map(|s| match s {
            Source::Output => Some(output),
            Source::Record(p) => record.get(p),
        })
    }

    /// Whether finding its output needs the record.
    pub fn needs_record(&self) -> bool {
        self.sources.first() != Some(&Source::Output)
    }
}

/// Every module without children, depth first.
pub fn leaf_modules(module: &dyn Module) -> Vec<LeafModule<'_>> {
    fn go<'a>(
        m: &'a dyn Module,
        prefix: &str,
        sources: Vec<Source>,
        out: &mut Vec<LeafModule<'a>>,
    ) {
        let children = m.children();
        if children.is_empty() {
            out.push(LeafModule {
                path: prefix.to_string(),
                module: m,
                sources,
            });
            return;
        }
        let last = children.len() - 1;
        for (i, (name, child)) in children.into_iter().enumerate() {
            let path = join_path(prefix, name);
            let mut s = vec![Source::Record(join_path(prefix, &format!("{name}_output")))];
            if i == last {
                s.extend(sources.iter().cloned());
            }
            go(child, &path, s, out);
        }
    }
    let mut out = Vec::new();
    go(module, "", vec![Source::Output], &mut out);
    out
}

/// The `dt` of the network: the first leaf module's scalar `dt` (1 ms by default).
pub fn network_dt(module: &dyn Module, params: &Tree) -> f64 {
    leaf_modules(module)
        .iter()
        .find_map(|l| l.dt(params))
        .unwrap_or(1e-3)
}

/// JSON text that stays readable for large networks: objects one entry per line, lists of
/// numbers on one line each (a weight matrix is one line per row). Numbers are written
/// exactly (reading them back gives the same bits).
pub fn json_text(v: &serde_json::Value) -> String {
    use serde_json::Value as J;
    fn scalar(v: &J) -> bool {
        !matches!(v, J::Array(_) | J::Object(_))
    }
    fn go(v: &J, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent + 2);
        match v {
            J::Object(m) if !m.is_empty() => {
                out.push_str("{\n");
                let n = m.len();
                for (i, (k, x)) in m.iter().enumerate() {
                    out.push_str(&pad);
                    out.push_str(&serde_json::to_string(k).unwrap_or_default());
                    out.push_str(": ");
                    go(x, indent + 2, out);
                    if i + 1 < n {
                        out.push(',');
                    }
                    out.push('\n');
                }
                out.push_str(&" ".repeat(indent));
                out.push('}');
            }
            J::Array(items) if !items.is_empty() && !items.iter().all(scalar) => {
                out.push_str("[\n");
                let n = items.len();
                for (i, x) in items.iter().enumerate() {
                    out.push_str(&pad);
                    go(x, indent + 2, out);
                    if i + 1 < n {
                        out.push(',');
                    }
                    out.push('\n');
                }
                out.push_str(&" ".repeat(indent));
                out.push(']');
            }
            J::Array(items) => {
                let parts: Vec<String> = items
                    .iter()
                    .map(|x| serde_json::to_string(x).unwrap_or_default())
                    .collect();
                out.push('[');
                out.push_str(&parts.join(", "));
                out.push(']');
            }
            other => out.push_str(&serde_json::to_string(other).unwrap_or_default()),
        }
    }
    let mut out = String::new();
    go(v, 0, &mut out);
    out.push('\n');
    out
}
