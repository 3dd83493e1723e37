//! Sizes the fuzz targets bound their work by (a module shared by the targets with
//! `#[path = "sizes.rs"] mod sizes;`, not a target itself).

use littoral_core::limits::non_zero_extents;
use littoral_core::{Module, for_each_module};

/// What `init` and writing the network out work through: each attribute's elements (at
/// least what `module_elements` counts), or, for an empty one, the product of its other
/// extents — written as nested lists, a
/// `(666066666, 0)` weight is 666,066,666 empty rows (a timeout, 2026-12-07), though
/// `module_elements` counts it as nothing, as `init` allocates nothing for it.
pub fn written_size(module: &dyn Module) -> u64 {
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
