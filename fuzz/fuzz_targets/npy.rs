//! `.npy` reader: npyz's header parser and data reader, used the way the `littoral`
//! binary must use them (`src/cli/npy_io.rs` is not a library function yet): the header
//! text's bracket nesting is checked first (`littoral_core::limits::check_text_nesting`:
//! npyz's parser is exponential in it — issue 11, finding 1a, open in the binary), then
//! the header is parsed, the declared element count is checked against the bytes really
//! present, and only then are the values read as `f64`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use littoral_core::limits::{MAX_HEADER_NESTING, check_text_nesting};

/// The header text of a `.npy` file (format 1.0: `u16` length at byte 8; 2.0 and 3.0:
/// `u32`), as far as the bytes go.
fn header_text(data: &[u8]) -> &[u8] {
    let (len, start): (usize, usize) = match data.get(6) {
        Some(1) => (
            data.get(8..10)
                .map_or(0, |b| usize::from(u16::from_le_bytes([b[0], b[1]]))),
            10,
        ),
        _ => (
            data.get(8..12)
                .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize),
            12,
        ),
    };
    let end = start.saturating_add(len).min(data.len());
    data.get(start..end).unwrap_or_default()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(header_text(data));
    if check_text_nesting(&text, MAX_HEADER_NESTING, "x.npy").is_err() {
        return;
    }
    let Ok(file) = npyz::NpyFile::new(data) else {
        return;
    };
    let elements = file
        .shape()
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d));
    let item = file.dtype().num_bytes().unwrap_or(0) as u64;
    match elements.and_then(|n| n.checked_mul(item)) {
        Some(bytes) if bytes <= data.len() as u64 => {
            let _ = file.into_vec::<f64>();
        }
        _ => {}
    }
});
