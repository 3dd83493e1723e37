//! NIR reader (`littoral_nets::nir::read_bytes`): the HDF5 container (hdf5-pure), the
//! NIR graph inside it, every size checked before allocation and the graph's structure
//! analysed. Seeds: the NIR paper's files of `nets/tests/nir/paper/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = littoral_nets::nir::read_bytes(data.to_vec());
});
