//! Snapshot decoder: bytes → `Snapshot` → module + trees.
//!
//! Mutated bytes almost never keep a valid CRC-32, so each input is decoded twice: as
//! given (the frame checks), and with its frame repaired (correct length and checksum
//! around the bytes after the 24-byte header, and the input's format version when it is
//! one this library reads, else the current one), so the fuzzer reaches the payload
//! decoder of every version, the tree validation, the structure lists and the network
//! description inside (read within `budget::registry`'s memory budget). The repaired
//! bytes are also written to a file and read back with `Snapshot::read`, which decodes as
//! it reads (`codec::decode_file`): it must give what the bytes give.
#![no_main]

#[path = "budget.rs"]
mod budget;

use libfuzzer_sys::fuzz_target;
use littoral_functional::codec::{FORMAT_VERSION, HEADER_LEN, MAGIC, crc32};
use littoral_functional::{FormatError, Result, Snapshot};
use std::path::PathBuf;
use std::sync::OnceLock;

/// A snapshot's bytes, re-encoded, or its format error.
fn outcome(r: Result<Snapshot>) -> std::result::Result<Option<Vec<u8>>, Option<FormatError>> {
    r.map(|s| s.to_bytes().ok())
        .map_err(|e| e.format_error().cloned())
}

/// `bytes` read from a file as from memory. The file is in `/dev/shm` where there is one
/// (a file system in memory: a third of the executions per second on disk), and removed.
fn read_back_alike(bytes: &[u8]) {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    let path = PATH.get_or_init(|| {
        let shm = PathBuf::from("/dev/shm");
        let dir = if shm.is_dir() {
            shm
        } else {
            std::env::temp_dir()
        };
        dir.join(format!("littoral-fuzz-snapshot-{}", std::process::id()))
    });
    if std::fs::write(path, bytes).is_ok() {
        assert_eq!(
            outcome(Snapshot::read(path)),
            outcome(Snapshot::from_bytes(bytes))
        );
        let _ = std::fs::remove_file(path);
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = Snapshot::from_bytes(data);
    let payload = data.get(HEADER_LEN..).unwrap_or_default();
    let mut framed = Vec::with_capacity(HEADER_LEN + payload.len());
    framed.extend_from_slice(&MAGIC);
    let version = data
        .get(8..12)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
        .filter(|v| (1..=FORMAT_VERSION).contains(v))
        .unwrap_or(FORMAT_VERSION);
    framed.extend_from_slice(&version.to_le_bytes());
    framed.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    framed.extend_from_slice(&crc32(payload).to_le_bytes());
    framed.extend_from_slice(payload);
    read_back_alike(&framed);
    if let Ok(snap) = Snapshot::from_bytes(&framed) {
        let _ = snap.restore_module(&budget::registry());
    }
});
