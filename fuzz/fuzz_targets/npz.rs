//! `.npz` time-series reader (`littoral_functional::ts_npz::from_bytes`): zip container,
//! the `.npy` members inside, Rockpool's field conventions.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = littoral_functional::ts_npz::from_bytes(data);
});
