//! `.npz` time-series reader (`littoral_functional::timeseries::npz::from_bytes`): zip container,
//! the `.npy` members inside, Rockpool's field conventions.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = littoral_functional::timeseries::npz::from_bytes(data);
});
