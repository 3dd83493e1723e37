//! `littoral convert IN OUT`: a network file (.json) to a NIR graph (.nir), or a chain
//! NIR graph back to a network file (`--dt` gives its neurons' time step).

use super::args::ConvertArgs;
use super::error::{CliError, CliResult};
use super::network::load_network;
use super::nir_cli::{is_nir, read_nir};
use super::say;
use littoral_core::ModuleExt;
use littoral_nets::nir;

/// Run the command.
///
/// # Errors
/// Extensions that are not one .json and one .nir, and what reading, converting or
/// writing refuses (naming the file and the node or class).
pub fn convert(a: &ConvertArgs) -> CliResult<()> {
    match (is_nir(&a.input), is_nir(&a.output)) {
        (false, true) => {
            let module = load_network(&a.input)?;
            let tree = module.init(a.seed);
            let exported =
                nir::export(module.as_ref(), &tree).map_err(|e| CliError::file(&a.input, e))?;
            for w in &exported.warnings {
                eprintln!("littoral: warning: {}: {w}", a.input.display());
            }
            nir::write(&exported.graph, &a.output).map_err(|e| CliError::file(&a.output, e))?;
        }
        (true, false) => {
            let dt = a.dt.ok_or_else(|| {
                CliError::usage("a NIR graph has no time step: give --dt for the network file")
            })?;
            let file = read_nir(&a.input)?;
            let seq =
                nir::import_chain(&file.graph, dt).map_err(|e| CliError::file(&a.input, e))?;
            let text = littoral_core::network::to_json_string(&seq, &seq.init(a.seed))
                .map_err(|e| CliError::file(&a.input, e))?;
            std::fs::write(&a.output, text + "\n")
                .map_err(|e| CliError::io(&a.output, "write", &e))?;
        }
        _ => {
            return Err(CliError::usage(
                "convert reads a .json network file and writes .nir, or reads .nir and writes .json",
            ));
        }
    }
    say(&format!(
        "wrote {} from {}",
        a.output.display(),
        a.input.display()
    ));
    Ok(())
}
