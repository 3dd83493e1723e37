//! The `littoral` command line: `demo` (the default), `simulate`, `inspect`, `sweep`,
//! `convert`.
//! See `docs/cli.md`.

pub mod args;
pub mod atomic;
pub mod awake;
pub mod budget;
pub mod convert;
pub mod demo;
pub mod error;
pub mod inspect;
pub mod journal;
#[cfg(feature = "mpi")]
pub mod mpi_head;
#[cfg(feature = "mpi")]
pub mod mpi_sweep;
#[cfg(feature = "mpi")]
pub mod mpi_wire;
pub mod network;
pub mod nir_cli;
pub mod npy_io;
pub mod plot;
pub mod progress;
pub mod pyfmt;
pub mod run;
pub mod shard;
pub mod simulate;
pub mod sweep;

use args::{Cli, Command, DemoArgs};
use clap::Parser;
use error::{CliError, EXIT_DATA, EXIT_USAGE};
use std::io::Write;

/// Print a line on stdout; a closed stdout (`littoral inspect … | head`) is not an error.
pub fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
}

/// Print `littoral: <message>` on stderr.
fn complain(message: &str) {
    let message = error::sanitize(message);
    let _ = writeln!(std::io::stderr().lock(), "littoral: {message}");
}

/// Install a panic hook that prints one line instead of a panic message and backtrace.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        complain(&format!(
            "internal error: {} (please report it)",
            error::one_line(&what)
        ));
    }));
}

/// Parse the arguments and run; returns the process exit code.
pub fn main_code() -> i32 {
    install_panic_hook();
    atomic::install_signal_handler();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            return match e.kind() {
                ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    let _ = e.print();
                    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                        EXIT_USAGE
                    } else {
                        0
                    }
                }
                _ => {
                    let text = e.render().to_string();
                    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
                    let first = lines.next().unwrap_or("invalid arguments");
                    let mut message = first.strip_prefix("error: ").unwrap_or(first).to_string();
                    // "the following required arguments were not provided:" + the list.
                    if message.ends_with(':') {
                        let more: Vec<&str> =
                            lines.take_while(|l| !l.starts_with("Usage:")).collect();
                        message = format!("{message} {}", more.join(", "));
                    }
                    complain(&format!("{message} (see `littoral --help`)"));
                    EXIT_USAGE
                }
            };
        }
    };
    let outcome = std::panic::catch_unwind(|| run(cli));
    match outcome {
        Ok(Ok(())) => 0,
        Ok(Err(e)) => {
            complain(&e.to_string());
            e.exit_code()
        }
        Err(_) => EXIT_DATA,
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    budget::set(cli.max_memory);
    match cli.command {
        None => demo::demo(&DemoArgs {
            out: "littoral-demo".into(),
            ..DemoArgs::default()
        }),
        Some(Command::Demo(a)) => demo::demo(&a),
        Some(Command::Simulate(a)) => simulate::simulate(&a),
        Some(Command::Inspect(a)) => inspect::inspect(&a),
        Some(Command::Sweep(a)) => sweep::sweep(&a),
        Some(Command::Convert(a)) => convert::convert(&a),
    }
}
