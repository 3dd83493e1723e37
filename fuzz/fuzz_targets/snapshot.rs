//! Snapshot decoder: bytes → `Snapshot` → module + trees.
//!
//! Mutated bytes almost never keep a valid CRC-32, so each input is decoded twice: as
//! given (the frame checks), and with its frame repaired (correct length and checksum
//! around the bytes after the 24-byte header), so the fuzzer reaches the payload decoder,
//! the tree validation and the network description inside.
#![no_main]

use libfuzzer_sys::fuzz_target;
use littoral_functional::Snapshot;
use littoral_functional::codec::{HEADER_LEN, MAGIC, crc32};

fuzz_target!(|data: &[u8]| {
    let _ = Snapshot::from_bytes(data);
    let payload = data.get(HEADER_LEN..).unwrap_or_default();
    let mut framed = Vec::with_capacity(HEADER_LEN + payload.len());
    framed.extend_from_slice(&MAGIC);
    framed.extend_from_slice(&1u32.to_le_bytes());
    framed.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    framed.extend_from_slice(&crc32(payload).to_le_bytes());
    framed.extend_from_slice(payload);
    if let Ok(snap) = Snapshot::from_bytes(&framed) {
        let _ = snap.restore_module(&littoral_nets::registry());
    }
});
