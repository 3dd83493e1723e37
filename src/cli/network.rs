//! Network files and snapshots: loading them, and writing network JSON.

use super::error::{CliError, CliResult};
use littoral_core::registry::Registry;
use littoral_core::{Module, Tree};
use littoral_functional::Snapshot;
use std::path::Path;
use std::sync::Arc;

/// The magic bytes that start a Littoral snapshot.
pub const SNAPSHOT_MAGIC: &[u8; 8] = b"LITTORAL";

/// The built-in module classes, read within the run's memory budget (`--max-memory`):
/// a sparse initialiser that would draw more is refused before it draws.
pub fn registry() -> Registry {
    littoral_nets::registry().with_memory_budget(super::budget::bytes())
}

/// Read a whole file, once (so `<(cat net.json)` works), bounded: a pipe or a device
/// (`/dev/zero`) is read up to `littoral_core::limits::MAX_STREAM_BYTES`.
///
/// # Errors
/// [`CliError::File`] naming the file.
pub fn read_bytes(path: &Path) -> CliResult<Vec<u8>> {
    littoral_functional::codec::read_file(path).map_err(|e| CliError::functional(path, e))
}

/// Parse a network file (JSON); errors name the file and the JSON path.
///
/// # Errors
/// Unreadable files, invalid JSON, and everything the network format rejects.
pub fn load_network(path: &Path) -> CliResult<Arc<dyn Module>> {
    let module = network_from_bytes(path, &read_bytes(path)?)?;
    super::budget::check(
        path,
        "the network",
        super::budget::network_bytes(module.as_ref(), path)?,
    )?;
    Ok(module)
}

/// Parse the bytes of the network file `path`: a descriptor, nothing drawn or allocated
/// beyond what the file holds (the format's limits are checked).
///
/// # Errors
/// As [`load_network`].
fn network_from_bytes(path: &Path, bytes: &[u8]) -> CliResult<Arc<dyn Module>> {
    if bytes.starts_with(SNAPSHOT_MAGIC) {
        return Err(CliError::file(
            path,
            "this is a snapshot, not a network file: pass it with `--resume`",
        ));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| CliError::file(path, "not a network file: the bytes are not UTF-8 text"))?;
    if text.trim().is_empty() {
        return Err(CliError::file(path, "empty file: not a network file"));
    }
    registry()
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

/// A module from a network file, or a module and its full tree (parameters and state)
/// from a snapshot, whichever `path` holds. A network file's values are not drawn (its
/// module is a descriptor: nothing is allocated beyond what the file holds, so no memory
/// budget applies).
///
/// # Errors
/// As [`load_network`] and [`load_snapshot`].
pub fn load_any(path: &Path) -> CliResult<(Arc<dyn Module>, Option<Tree>)> {
    let snap = if is_snapshot_file(path) {
        load_snapshot(path)?
    } else {
        let bytes = read_bytes(path)?;
        if !bytes.starts_with(SNAPSHOT_MAGIC) {
            return Ok((network_from_bytes(path, &bytes)?, None));
        }
        // A snapshot from a pipe or a device, read whole.
        Snapshot::from_bytes(&bytes).map_err(|e| CliError::functional(path, e))?
    };
    let (module, params, state) = snap
        .restore_module(&registry())
        .map_err(|e| CliError::functional(path, e))?;
    Ok((module, Some(params.merged(&state))))
}

/// Whether `path` is a regular file that opens with the snapshot magic: such a file is
/// decoded as it is read ([`load_snapshot`]), its bytes never held whole.
fn is_snapshot_file(path: &Path) -> bool {
    use std::io::Read;
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return false;
    }
    let mut head = Vec::with_capacity(SNAPSHOT_MAGIC.len());
    file.take(SNAPSHOT_MAGIC.len() as u64)
        .read_to_end(&mut head)
        .is_ok()
        && head == SNAPSHOT_MAGIC
}

/// JSON text that stays readable for large networks: objects one entry per line, lists of
/// numbers on one line each (a weight matrix is one line per row). Numbers are written
/// exactly (reading them back gives the same bits).
pub fn json_text(v: &serde_json::Value) -> String {
    use serde_json::Value as J;
    fn scalar(v: &J) -> bool {
        !matches!(v, J::Array(_) | J::Object(_))
    }
    /// `open`, each item on its own line at `indent + 2` (after `"key": ` for an object's),
    /// the items separated by commas, then `close` at `indent`.
    fn block<'a>(
        out: &mut String,
        indent: usize,
        [open, close]: [char; 2],
        items: impl ExactSizeIterator<Item = (Option<&'a str>, &'a J)>,
    ) {
        let pad = " ".repeat(indent + 2);
        out.push(open);
        out.push('\n');
        let n = items.len();
        for (i, (key, x)) in items.enumerate() {
            out.push_str(&pad);
            if let Some(k) = key {
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push_str(": ");
            }
            go(x, indent + 2, out);
            if i + 1 < n {
                out.push(',');
            }
            out.push('\n');
        }
        out.push_str(&" ".repeat(indent));
        out.push(close);
    }
    fn go(v: &J, indent: usize, out: &mut String) {
        match v {
            J::Object(m) if !m.is_empty() => {
                block(
                    out,
                    indent,
                    ['{', '}'],
                    m.iter().map(|(k, x)| (Some(k.as_str()), x)),
                );
            }
            J::Array(items) if !items.is_empty() && !items.iter().all(scalar) => {
                block(out, indent, ['[', ']'], items.iter().map(|x| (None, x)));
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
