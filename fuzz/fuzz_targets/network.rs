//! Network-file reader: JSON text → module (`littoral_nets::config::from_json_str`); then,
//! when `littoral_core::limits::module_elements` accepts the module (as every reader must
//! ask before `init`) and it is small, its tree (`init`) and the description written back
//! and read again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use littoral_core::limits::{module_elements, non_zero_extents};
use littoral_core::{Module, ModuleExt, for_each_module};

/// Above this [`written_size`] the fuzzer skips `init` and the round trip: an accepted
/// network of 2³⁰ elements is legitimate but too slow to initialise and write a thousand
/// times a second.
const FUZZ_INIT_SIZE: u64 = 1 << 16;

/// What `init` and writing the network out work through: each attribute's elements (at
/// least what `module_elements` counts), or, for an empty one, the product of its other
/// extents — written as nested lists, a
/// `(666066666, 0)` weight is 666,066,666 empty rows (a timeout, 2026-12-07), though
/// `module_elements` counts it as nothing, as `init` allocates nothing for it.
fn written_size(module: &dyn Module) -> u64 {
    let mut size = 0u64;
    let walked = for_each_module(module, |_, _, m| -> Result<(), std::convert::Infallible> {
        for attribute in m.attributes() {
            let shape = attribute.shapes.first().map_or(&[][..], Vec::as_slice);
            size = size.saturating_add(non_zero_extents(shape).unwrap_or(u64::MAX));
        }
        Ok(())
    });
    let Ok(()) = walked;
    size
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(module) = littoral_nets::config::from_json_str(text) else {
        return;
    };
    if module_elements(module.as_ref()).is_err() || written_size(module.as_ref()) > FUZZ_INIT_SIZE {
        return;
    }
    let tree = module.init(0);
    if let Ok(back) = littoral_nets::config::to_json_string(module.as_ref(), &tree) {
        let _ = littoral_nets::config::from_json_str(&back);
    }
});
