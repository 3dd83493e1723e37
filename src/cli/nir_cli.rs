//! NIR graphs on the command line: `simulate GRAPH.nir --dt DT [--semantics S]`.

use super::error::{CliError, CliResult};
use super::network::load_network;
use littoral_core::Module;
use littoral_nets::nir::{self, Graph, Semantics};
use std::path::Path;
use std::sync::Arc;

/// Whether a path names a NIR file (by extension).
pub fn is_nir(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("nir"))
}

/// Read a NIR file, printing its lenient-reading warnings on stderr.
///
/// # Errors
/// What [`nir::read`] refuses, naming the file and the node.
pub fn read_nir(path: &Path) -> CliResult<nir::NirFile> {
    let file = nir::read(path).map_err(|e| CliError::file(path, strip_file(&e, path)))?;
    for w in &file.warnings {
        eprintln!("littoral: warning: {}: {w}", path.display());
    }
    Ok(file)
}

/// The error's text without the file name (which [`CliError::file`] adds).
fn strip_file(e: &nir::NirError, path: &Path) -> String {
    let text = e.to_string();
    text.strip_prefix(&format!("{}: ", path.display()))
        .map_or(text.clone(), str::to_string)
}

/// A network file, or a NIR graph run with `dt` and `semantics`.
///
/// # Errors
/// A NIR graph without `--dt`, `--dt`/`--semantics` with a network file, and what
/// reading either refuses.
pub fn load_net(
    path: &Path,
    dt: Option<f64>,
    semantics: Option<&str>,
) -> CliResult<Arc<dyn Module>> {
    if !is_nir(path) {
        if dt.is_some() || semantics.is_some() {
            return Err(CliError::usage(
                "--dt and --semantics apply to NIR graphs (.nir); a network file holds its own dt",
            ));
        }
        return load_network(path);
    }
    let dt = dt.ok_or_else(|| {
        CliError::usage("a NIR graph has no time step: give --dt (seconds, e.g. --dt 1e-4)")
    })?;
    let semantics = match semantics {
        Some(s) => Semantics::from_name(s).map_err(|e| CliError::usage(e.message))?,
        None => Semantics::Littoral,
    };
    let file = read_nir(path)?;
    let graph = Graph::from_nir(&file.graph, dt, semantics)
        .map_err(|e| CliError::file(path, strip_file(&e, path)))?;
    Ok(Arc::new(graph))
}
