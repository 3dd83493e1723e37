//! Print the structure of a NIR file, as `littoral inspect GRAPH.nir` will:
//! `cargo run --release -p littoral-nets --example nir_inspect -- GRAPH.nir`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: nir_inspect GRAPH.nir");
        return ExitCode::FAILURE;
    };
    match littoral_nets::nir::read(&path).and_then(|f| littoral_nets::nir::render_file(&f)) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
