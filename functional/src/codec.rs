//! The one place where bytes are encoded and decoded: a framed container around a
//! bincode 2.0.1 payload (serde API, `config::standard()` with a size limit).
//!
//! Layout (all integers little-endian; see `docs/snapshot-format.md`):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `b"LITTORAL"` |
//! | 8 | 4 | format version, `u32` (currently [`FORMAT_VERSION`]) |
//! | 12 | 8 | payload length `n`, `u64` |
//! | 20 | 4 | CRC-32 (IEEE, as zlib) of the payload, `u32` |
//! | 24 | `n` | payload |
//!
//! Decoding checks, in order and before any allocation sized by the file's content:
//! empty input, header length, magic, version, declared length against the bytes really
//! present (and against [`MAX_PAYLOAD`]), trailing bytes, checksum; only then is the
//! payload handed to bincode, with a limit proportional to the payload's real size.
//! [`decode_file`] decodes a file as it reads it instead of holding its bytes: the same
//! checks up to the length, then the checksum computed over the bytes as they are decoded
//! (within the same limit) and reported before any decoding error.
//!
//! bincode is unmaintained (RUSTSEC-2025-0141) and 3.0.0 is an empty crate, so it is
//! pinned at `=2.0.1` and used nowhere else: a successor codec replaces this module only.

use crate::error::{Error, FormatError, Result};
use bincode::de::read::{Reader, SliceReader};
use bincode::error::DecodeError;
use littoral_core::wire::NumberLayout;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::Path;

/// The eight magic bytes that open every Littoral file.
pub const MAGIC: [u8; 8] = *b"LITTORAL";

/// The newest format version this library writes and reads.
pub const FORMAT_VERSION: u32 = 2;

/// The first format version whose lists of numbers are chunks of bytes
/// ([`littoral_core::wire`]); before it, one item each.
const CHUNKED_NUMBERS_SINCE: u32 = 2;

/// Length of the fixed header.
pub const HEADER_LEN: usize = 24;

/// The largest payload accepted, in bytes.
#[cfg(target_pointer_width = "64")]
pub const MAX_PAYLOAD: u64 = 1 << 32;
/// The largest payload accepted, in bytes.
#[cfg(not(target_pointer_width = "64"))]
pub const MAX_PAYLOAD: u64 = 1 << 27;

/// CRC-32 (IEEE 802.3, reflected, polynomial `0xEDB88320`; the zlib/PNG checksum).
///
/// ```
/// assert_eq!(littoral_functional::codec::crc32(b"123456789"), 0xCBF4_3926);
/// ```
pub fn crc32(data: &[u8]) -> u32 {
    crc32_continue(0, data)
}

/// Continue a CRC-32 over more bytes, as zlib's `crc32(crc, buf, len)`:
/// `crc32_continue(crc32(a), b) == crc32(a ++ b)`.
///
/// ```
/// use littoral_functional::codec::{crc32, crc32_continue};
/// assert_eq!(crc32_continue(crc32(b"1234"), b"56789"), crc32(b"123456789"));
/// ```
pub fn crc32_continue(crc: u32, data: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new_with_initial(crc);
    hasher.update(data);
    hasher.finalize()
}

/// Encode `value` as a framed Littoral file (header + bincode payload).
///
/// # Errors
/// [`FormatError::Encode`] when serde fails, [`FormatError::TooLarge`] above
/// [`MAX_PAYLOAD`].
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    // Measured first, then encoded once into a buffer of its exact size behind the header:
    // no growing buffer copied as it doubles, no second copy to put the header in front.
    let header = measure(value)?;
    let len =
        usize::try_from(header.payload_len).map_err(|e| FormatError::Encode(e.to_string()))?;
    let mut out = vec![0u8; HEADER_LEN + len];
    let (head, payload) = out.split_at_mut(HEADER_LEN);
    head.copy_from_slice(&header_bytes(&header));
    let written = bincode::serde::encode_into_slice(value, payload, bincode::config::standard())
        .map_err(encode_error)?;
    check_encoded(&header, written as u64, crc32(payload))?;
    Ok(out)
}

/// [`encode`] written to `out` as it is encoded, without the file in memory (a snapshot
/// of a large network is hundreds of MB): the payload is measured and checksummed in a
/// first pass that keeps nothing, then the header and the payload are written; the
/// second pass is checksummed too and must agree. `dest` names the file in errors.
///
/// # Errors
/// As [`encode`]; [`Error::Io`] naming `dest` when writing fails.
pub fn encode_to_writer<T: Serialize>(
    value: &T,
    mut out: impl std::io::Write,
    dest: &Path,
) -> Result<()> {
    let header = measure(value)?;
    out.write_all(&header_bytes(&header))
        .map_err(|e| Error::io(dest, "write", e))?;
    let mut writer = Measuring::new(out);
    bincode::serde::encode_into_writer(value, &mut writer, bincode::config::standard()).map_err(
        |e| match e {
            bincode::error::EncodeError::Io { inner, .. } => Error::io(dest, "write", inner),
            e => encode_error(e),
        },
    )?;
    let (len, crc) = writer.finish().map_err(|e| Error::io(dest, "write", e))?;
    check_encoded(&header, len, crc)
}

fn encode_error(e: bincode::error::EncodeError) -> Error {
    FormatError::Encode(e.to_string()).into()
}

/// The header of `value`'s encoding: its payload's length and CRC-32, from an encoding
/// pass that keeps nothing.
fn measure<T: Serialize>(value: &T) -> Result<Header> {
    let mut measuring = Measuring::new(std::io::sink());
    bincode::serde::encode_into_writer(value, &mut measuring, bincode::config::standard())
        .map_err(encode_error)?;
    let (len, crc) = measuring
        .finish()
        .map_err(|e| FormatError::Encode(e.to_string()))?;
    if len > MAX_PAYLOAD {
        return Err(FormatError::TooLarge {
            declared: len,
            limit: MAX_PAYLOAD,
        }
        .into());
    }
    Ok(Header {
        version: FORMAT_VERSION,
        payload_len: len,
        crc32: crc,
    })
}

/// The second encoding pass gave what the first measured (a `Serialize` that is not
/// deterministic would write a file its header does not describe).
fn check_encoded(header: &Header, len: u64, crc: u32) -> Result<()> {
    if len == header.payload_len && crc == header.crc32 {
        Ok(())
    } else {
        Err(FormatError::Encode(format!(
            "the value encoded differently twice ({} then {len} bytes, CRC-32 {:08x} then \
             {crc:08x})",
            header.payload_len, header.crc32
        ))
        .into())
    }
}

fn header_bytes(header: &Header) -> [u8; HEADER_LEN] {
    let mut out = [0u8; HEADER_LEN];
    out[..8].copy_from_slice(&MAGIC);
    out[8..12].copy_from_slice(&header.version.to_le_bytes());
    out[12..20].copy_from_slice(&header.payload_len.to_le_bytes());
    out[20..].copy_from_slice(&header.crc32.to_le_bytes());
    out
}

/// A bincode writer that counts and checksums what it is given, in blocks of 64 KiB (the
/// encoder hands over a few bytes at a time), and passes the blocks on to `out` (a
/// `std::io::sink()` when only the length and checksum are wanted).
struct Measuring<W> {
    out: W,
    block: Vec<u8>,
    hasher: crc32fast::Hasher,
    len: u64,
}

impl<W: std::io::Write> Measuring<W> {
    const BLOCK: usize = 1 << 16;

    fn new(out: W) -> Self {
        Measuring {
            out,
            block: Vec::with_capacity(Self::BLOCK),
            hasher: crc32fast::Hasher::new(),
            len: 0,
        }
    }

    /// Count, checksum and pass on `bytes`.
    fn pass_on(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.hasher.update(bytes);
        self.len += bytes.len() as u64;
        self.out.write_all(bytes)
    }

    fn flush_block(&mut self) -> std::io::Result<()> {
        let mut block = std::mem::take(&mut self.block);
        let passed = self.pass_on(&block);
        block.clear();
        self.block = block;
        passed
    }

    /// The length and CRC-32 of everything written, `out` flushed.
    fn finish(mut self) -> std::io::Result<(u64, u32)> {
        self.flush_block()?;
        self.out.flush()?;
        Ok((self.len, self.hasher.finalize()))
    }
}

impl<W: std::io::Write> bincode::enc::write::Writer for Measuring<W> {
    fn write(&mut self, bytes: &[u8]) -> std::result::Result<(), bincode::error::EncodeError> {
        let index = usize::try_from(self.len).unwrap_or(usize::MAX);
        let io = |inner| bincode::error::EncodeError::Io { inner, index };
        if self.block.len() + bytes.len() > Self::BLOCK {
            self.flush_block().map_err(io)?;
        }
        if bytes.len() >= Self::BLOCK {
            // A long string or byte run goes straight through, not into the block.
            self.pass_on(bytes).map_err(io)
        } else {
            self.block.extend_from_slice(bytes);
            Ok(())
        }
    }
}

/// The checked header of a framed file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Format version (1 ≤ version ≤ [`FORMAT_VERSION`]).
    pub version: u32,
    /// Payload length.
    pub payload_len: u64,
    /// CRC-32 of the payload.
    pub crc32: u32,
}

fn le_u32(b: &[u8]) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[..4]);
    u32::from_le_bytes(a)
}

fn le_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

/// Check the frame of `bytes` and return its header and the verified payload.
///
/// # Errors
/// The first [`FormatError`] found, checked in the order given in the module docs.
pub fn unframe(bytes: &[u8]) -> Result<(Header, &[u8])> {
    let header = check_header(&bytes[..bytes.len().min(HEADER_LEN)], bytes.len() as u64)?;
    let payload = &bytes[HEADER_LEN..];
    check_crc(&header, crc32(payload))?;
    Ok((header, payload))
}

/// The header's checks, before the checksum: `head` is the file's first bytes (up to
/// [`HEADER_LEN`]), `total` the file's length.
fn check_header(head: &[u8], total: u64) -> Result<Header> {
    if head.is_empty() {
        return Err(FormatError::Empty.into());
    }
    let magic_len = head.len().min(MAGIC.len());
    if head[..magic_len] != MAGIC[..magic_len] {
        return Err(FormatError::BadMagic {
            found: head[..magic_len].to_vec(),
        }
        .into());
    }
    if head.len() < HEADER_LEN {
        return Err(FormatError::TruncatedHeader {
            needed: HEADER_LEN,
            found: head.len(),
        }
        .into());
    }
    let version = le_u32(&head[8..12]);
    if version == 0 || version > FORMAT_VERSION {
        return Err(FormatError::UnsupportedVersion {
            found: version,
            supported: FORMAT_VERSION,
        }
        .into());
    }
    let declared = le_u64(&head[12..20]);
    let stored = le_u32(&head[20..24]);
    let available = total.saturating_sub(HEADER_LEN as u64);
    if declared > available {
        return Err(FormatError::Truncated {
            declared,
            available,
        }
        .into());
    }
    if declared > MAX_PAYLOAD {
        return Err(FormatError::TooLarge {
            declared,
            limit: MAX_PAYLOAD,
        }
        .into());
    }
    if declared < available {
        return Err(FormatError::TrailingBytes {
            extra: available - declared,
        }
        .into());
    }
    Ok(Header {
        version,
        payload_len: declared,
        crc32: stored,
    })
}

fn check_crc(header: &Header, computed: u32) -> Result<()> {
    if computed == header.crc32 {
        Ok(())
    } else {
        Err(FormatError::ChecksumMismatch {
            stored: header.crc32,
            computed,
        }
        .into())
    }
}

/// Decode a framed file written by [`encode`]: the frame is checked by [`unframe`], then
/// the payload is decoded with a bincode limit of at most eight times its real size (so
/// no length field inside it can make the decoder allocate more), and every byte of it
/// must be used.
///
/// # Errors
/// Any [`FormatError`]; [`FormatError::Decode`] when the payload is not a `T`.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<(Header, T)> {
    let (header, payload) = unframe(bytes)?;
    let mut reader = Counted::new(SliceReader::new(payload), header.payload_len);
    let value = decode_limited::<T, _>(&mut reader, &header)?;
    left_over(&header, reader.used)?;
    Ok((header, value))
}

/// [`decode`] of the file at `path`, decoded as it is read: the file's bytes are not held
/// (a snapshot of a large network is hundreds of MB; holding them beside the decoded
/// value doubled the peak memory of a resume). The checksum is computed over the bytes
/// as the decoder reads them, and the rest of the payload is read through it whatever the
/// decoder made of it: a file that fails its checksum gives
/// [`FormatError::ChecksumMismatch`], as [`decode`] does, and its decoded value (bounded by
/// the same limit) is dropped. A pipe or a device is read whole first, as [`read_file`]
/// reads it.
///
/// # Errors
/// As [`decode`]; [`Error::Io`] naming the file; [`FormatError::Truncated`] when the file
/// shrinks while it is read.
pub fn decode_file<T: DeserializeOwned>(path: &Path) -> Result<(Header, T)> {
    use std::io::Read;
    let io_error = |e| Error::io(path, "read", e);
    let file = std::fs::File::open(path).map_err(io_error)?;
    let meta = file.metadata().map_err(io_error)?;
    if !meta.is_file() {
        return decode(&read_file(path)?);
    }
    let mut head = Vec::with_capacity(HEADER_LEN);
    let mut file = file;
    (&mut file)
        .take(HEADER_LEN as u64)
        .read_to_end(&mut head)
        .map_err(io_error)?;
    let header = check_header(&head, meta.len())?;
    let hashing = Hashing {
        inner: file.take(header.payload_len),
        hasher: crc32fast::Hasher::new(),
        len: 0,
    };
    let mut buffered = std::io::BufReader::with_capacity(1 << 16, hashing);
    let mut reader = Counted::new(&mut buffered, header.payload_len);
    let value = decode_limited::<T, _>(&mut reader, &header);
    let used = reader.used;
    std::io::copy(&mut buffered, &mut std::io::sink()).map_err(io_error)?;
    let hashing = buffered.into_inner();
    if hashing.len != header.payload_len {
        return Err(FormatError::Truncated {
            declared: header.payload_len,
            available: hashing.len,
        }
        .into());
    }
    check_crc(&header, hashing.hasher.finalize())?;
    let value = value?;
    left_over(&header, used)?;
    Ok((header, value))
}

/// Every byte of the payload must be used.
fn left_over(header: &Header, used: u64) -> Result<()> {
    if used == header.payload_len {
        Ok(())
    } else {
        Err(FormatError::Decode(format!(
            "{} byte(s) of the payload left over after decoding",
            header.payload_len - used
        ))
        .into())
    }
}

/// A reader that passes on what it reads and keeps its CRC-32 and length.
struct Hashing<R> {
    inner: R,
    hasher: crc32fast::Hasher,
    len: u64,
}

impl<R: std::io::Read> std::io::Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }
}

/// A bincode reader of a payload of `len` bytes that counts the bytes it hands to the
/// decoder, and reports reading past the payload's end as a slice does
/// ([`DecodeError::UnexpectedEnd`], with the bytes missing), whatever it reads from.
struct Counted<R> {
    inner: R,
    len: u64,
    used: u64,
}

impl<R> Counted<R> {
    fn new(inner: R, len: u64) -> Self {
        Counted {
            inner,
            len,
            used: 0,
        }
    }
}

impl<R: Reader> Reader for Counted<R> {
    #[inline]
    fn read(&mut self, bytes: &mut [u8]) -> std::result::Result<(), DecodeError> {
        let left = self.len - self.used;
        if bytes.len() as u64 > left {
            return Err(DecodeError::UnexpectedEnd {
                additional: bytes.len() - left as usize,
            });
        }
        self.inner.read(bytes)?;
        self.used += bytes.len() as u64;
        Ok(())
    }

    #[inline]
    fn peek_read(&mut self, n: usize) -> Option<&[u8]> {
        self.inner.peek_read(n)
    }

    #[inline]
    fn consume(&mut self, n: usize) {
        self.inner.consume(n);
        self.used += n as u64;
    }
}

/// bincode from `reader` with a limit of at most eight times the payload (the decoder
/// counts decoded in-memory sizes, up to eight bytes for a one-byte varint), the payload's
/// length and its version's layout of numbers known to the arrays decoded in it
/// ([`littoral_core::limits::PayloadGuard`]: each reserved whole, within the payload's
/// size, instead of grown by doubling; item by item in version 1, in chunks of bytes
/// since version 2, [`littoral_core::wire`]).
fn decode_limited<T: DeserializeOwned, R: Reader>(reader: R, header: &Header) -> Result<T> {
    let layout = if header.version >= CHUNKED_NUMBERS_SINCE {
        NumberLayout::Chunks
    } else {
        NumberLayout::Items
    };
    let _payload = littoral_core::limits::PayloadGuard::enter(header.payload_len, layout);
    let need = header.payload_len.saturating_mul(8);
    let r = if need <= 1 << 20 {
        dec::<T, R, { 1 << 20 }>(reader)
    } else if need <= 1 << 24 {
        dec::<T, R, { 1 << 24 }>(reader)
    } else if need <= 1 << 28 {
        dec::<T, R, { 1 << 28 }>(reader)
    } else {
        dec_large::<T, R>(reader)
    };
    r.map_err(|e| {
        // A message from a `Deserialize` impl (such as the depth limit of
        // `littoral_core::limits`) is shown as written, not as `OtherString("…")`.
        let message = match e {
            DecodeError::OtherString(m) => m,
            e => e.to_string(),
        };
        FormatError::Decode(message).into()
    })
}

fn dec<T: DeserializeOwned, R: Reader, const LIMIT: usize>(
    reader: R,
) -> std::result::Result<T, DecodeError> {
    bincode::serde::decode_from_reader(reader, bincode::config::standard().with_limit::<LIMIT>())
}

#[cfg(target_pointer_width = "64")]
fn dec_large<T: DeserializeOwned, R: Reader>(reader: R) -> std::result::Result<T, DecodeError> {
    // MAX_PAYLOAD · 8 = 2^35.
    dec::<T, R, { 1 << 35 }>(reader)
}

#[cfg(not(target_pointer_width = "64"))]
fn dec_large<T: DeserializeOwned, R: Reader>(reader: R) -> std::result::Result<T, DecodeError> {
    dec::<T, R, { 1 << 30 }>(reader)
}

/// Read a whole file, once, naming it in any error. A regular file is read to its end; a
/// pipe or a device at most [`littoral_core::limits::MAX_STREAM_BYTES`].
///
/// # Errors
/// [`Error::Io`] naming the file; a folder; a stream longer than the limit.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    use littoral_core::limits::MAX_STREAM_BYTES;
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, "read", e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, "read", e))?;
    if meta.is_dir() {
        let folder = std::io::Error::other("is a folder, not a file");
        return Err(Error::io(path, "read", folder));
    }
    // A regular file is read to its length; a pipe or a device (which has none, and may
    // never end: `/dev/zero`) up to the stream limit.
    let cap = if meta.is_file() {
        meta.len().max(MAX_STREAM_BYTES)
    } else {
        MAX_STREAM_BYTES
    };
    // A regular file's buffer is sized once to its length: growing it by doubling copied
    // and page-faulted a 100 MB network file several times over (docs/performance.md,
    // "Reading network files").
    let mut bytes = Vec::new();
    if meta.is_file() {
        let len = usize::try_from(meta.len()).unwrap_or(usize::MAX);
        bytes
            .try_reserve_exact(len.saturating_add(1))
            .map_err(|e| {
                let no_room = std::io::Error::other(format!("{} bytes: {e}", meta.len()));
                Error::io(path, "read", no_room)
            })?;
    }
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, "read", e))?;
    if bytes.len() as u64 > cap {
        let long = std::io::Error::other(format!(
            "more than {cap} bytes from a pipe or device (the limit for files that are not \
             regular files); copy it to a regular file"
        ));
        return Err(Error::io(path, "read", long));
    }
    Ok(bytes)
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    /// Measured, then encoded into one buffer behind its header, or written as encoded:
    /// the same bytes as the payload encoded on its own and framed.
    #[test]
    fn encode_frames_the_payload_bincode_writes() {
        let values: [(String, Vec<f64>, u64); 4] = [
            (String::new(), Vec::new(), 0),
            ("LIF".into(), vec![0.5, -0.0, f64::MAX], 300),
            (
                "x".repeat(1000),
                (0..5000).map(f64::from).collect(),
                u64::MAX,
            ),
            // Longer than the writer's block, both the string and the numbers.
            ("y".repeat(100_000), (0..50_000).map(f64::from).collect(), 7),
        ];
        for value in &values {
            let payload = bincode::serde::encode_to_vec(value, bincode::config::standard())
                .expect("encodable");
            let mut framed = MAGIC.to_vec();
            framed.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
            framed.extend_from_slice(&(payload.len() as u64).to_le_bytes());
            framed.extend_from_slice(&crc32(&payload).to_le_bytes());
            framed.extend_from_slice(&payload);
            assert_eq!(encode(value).expect("encodable"), framed);
            let mut written = Vec::new();
            encode_to_writer(value, &mut written, Path::new("v.bin")).expect("encodable");
            assert_eq!(written, framed);
        }
    }

    /// A writer that fails: the error names the destination.
    #[test]
    fn a_failing_writer_is_an_io_error_naming_the_file() {
        struct Full(usize);
        impl std::io::Write for Full {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                if self.0 < buf.len() {
                    return Err(std::io::Error::other("disk full"));
                }
                self.0 -= buf.len();
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let value: Vec<f64> = (0..100_000).map(f64::from).collect();
        for room in [0, 100, 1 << 16, 500_000] {
            let e = encode_to_writer(&value, Full(room), Path::new("s.snap"))
                .expect_err("no room for 800 kB");
            let text = e.to_string();
            assert!(
                text.contains("s.snap") && text.contains("disk full"),
                "{text}"
            );
        }
    }
}
