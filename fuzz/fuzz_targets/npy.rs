//! `.npy` reader: `littoral_functional::npy::read_npy`, the one reader the `littoral`
//! binary and the `.npz` readers use (header length, bracket nesting, keys and declared
//! size checked before anything is allocated; then the values as `f64`). The byte limit
//! is 16 MiB here, as `--max-memory` would set it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = littoral_functional::npy::read_npy(&mut &data[..], data.len() as u64, 1 << 24);
});
