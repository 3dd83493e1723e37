//! The memory budget the fuzz targets read networks within (a module shared by the
//! targets with `#[path = "budget.rs"] mod budget;`, not a target itself).

use littoral_core::registry::Registry;

/// What one read may draw (a sparse initialiser's synapses, claimed before they are
/// drawn): far below libFuzzer's 2 GB memory limit. A file that asks for more is refused
/// as the command line's `--max-memory` refuses it; without a budget, the 2³⁰ synapses
/// every reader allows take 12 GiB.
const READ_BUDGET: u64 = 256 << 20;

/// The built-in classes, read within [`READ_BUDGET`].
pub fn registry() -> Registry {
    littoral_nets::registry().with_memory_budget(READ_BUDGET)
}
