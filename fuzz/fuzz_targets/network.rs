//! Network-file reader: JSON text → module (the built-in registry within a memory budget,
//! `budget::registry`); then,
//! when `littoral_core::limits::module_elements` accepts the module (as every reader must
//! ask before `init`) and it is small, its tree (`init`) and the description written back
//! and read again.
#![no_main]

#[path = "budget.rs"]
mod budget;
#[path = "sizes.rs"]
mod sizes;

use libfuzzer_sys::fuzz_target;
use littoral_core::ModuleExt;
use littoral_core::limits::module_elements;
use sizes::written_size;

/// Above this [`written_size`] the fuzzer skips `init` and the round trip: an accepted
/// network of 2³⁰ elements is legitimate but too slow to initialise and write a thousand
/// times a second.
const FUZZ_INIT_SIZE: u64 = 1 << 16;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(module) = budget::registry().read_json_str(text) else {
        return;
    };
    if module_elements(module.as_ref()).is_err() || written_size(module.as_ref()) > FUZZ_INIT_SIZE {
        return;
    }
    let tree = module.init(0);
    if let Ok(back) = littoral_nets::config::to_json_string(module.as_ref(), &tree) {
        let _ = budget::registry().read_json_str(&back);
    }
});
