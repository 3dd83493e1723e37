//! The `littoral` command line. With no arguments it runs the demo; `littoral --help`
//! lists the commands (`demo`, `simulate`, `inspect`, `sweep`). See `docs/cli.md`.

mod cli;

/// The binary's allocator: mimalloc keeps freed memory for the next chunk and the next
/// call, where glibc's malloc returns large blocks to the system and pays a page fault per
/// page when they come back (see `docs/performance.md`, "Allocator").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::main_code());
}
