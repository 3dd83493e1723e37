//! The `littoral` command line. With no arguments it runs the demo; `littoral --help`
//! lists the commands (`demo`, `simulate`, `inspect`, `sweep`). See `docs/cli.md`.

mod cli;

fn main() {
    std::process::exit(cli::main_code());
}
