//! The one `.npy` reader: a `.npy` file, or one member of an `.npz` archive, of any float,
//! bool or integer dtype, read as `f64` in C order — without trusting the header.
//!
//! Before anything is allocated the header is checked: its length, its bracket nesting
//! ([`littoral_core::limits::check_text_nesting`]: npyz's parser is exponential in it),
//! its keys (exactly `descr`, `fortran_order` and `shape`, as NumPy requires), and the
//! declared shape (checked arithmetic) against the bytes present and the caller's byte
//! limit. Reading then takes exactly the declared bytes from the stream, so a compressed
//! `.npz` member (a deflate bomb) is never decompressed past what its header declares and
//! the limit allows.
//!
//! ```
//! use littoral_core::Array;
//! use littoral_functional::npy::{read_npy, write_npy};
//! let mut bytes = Vec::new();
//! write_npy(&mut bytes, &Array::from_shape_vec(vec![2, 2], vec![1.0, 2.0, 3.0, 4.0])?)?;
//! let a = read_npy(&mut &bytes[..], bytes.len() as u64, u64::MAX)?;
//! assert_eq!(a.shape(), &[2, 2]);
//! assert!(read_npy(&mut &bytes[..], bytes.len() as u64, 16).is_err()); // 32 bytes of data
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use littoral_core::Array;
use littoral_core::limits::{MAX_HEADER_NESTING, check_text_nesting};
use npyz::{DType, Endianness, TypeChar};
use std::io::{Read, Seek};

/// The magic bytes of a `.npy` file.
pub const NPY_MAGIC: &[u8; 6] = b"\x93NUMPY";
/// Largest header text accepted (NumPy itself writes a few hundred bytes at most).
const MAX_HEADER: u64 = 1 << 20;
/// The keys of a `.npy` header: NumPy refuses a header with any other.
const HEADER_KEYS: [&str; 3] = ["descr", "fortran_order", "shape"];

/// Read `buf.len()` bytes or up to the end of the stream; the count read.
///
/// # Errors
/// The reader's error (interruptions are retried).
pub fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Read a `.npy` stream of `available` bytes in all (a file's length, or a member's
/// declared size) whose data may take at most `max_bytes`.
///
/// # Errors
/// A message (without the file name) for a malformed, truncated or oversized header or
/// body, extra header keys, or an unsupported dtype.
pub fn read_npy(r: &mut impl Read, available: u64, max_bytes: u64) -> Result<Array, String> {
    let io = |e: std::io::Error| format!("cannot read: {e}");
    let mut pre = [0u8; 10];
    let got = read_up_to(r, &mut pre).map_err(io)?;
    if got < 6 || &pre[..6] != NPY_MAGIC {
        return Err("not a .npy file (the magic bytes \\x93NUMPY are missing)".into());
    }
    if got < 10 {
        return Err(format!(
            "truncated header: {got} byte(s), a .npy header has at least 10"
        ));
    }
    let (header_len, prefix): (u64, u64) = match pre[6] {
        1 => (u64::from(u16::from_le_bytes([pre[8], pre[9]])), 10),
        2 | 3 => {
            let mut more = [0u8; 2];
            if read_up_to(r, &mut more).map_err(io)? < 2 {
                return Err("truncated header".into());
            }
            (
                u64::from(u32::from_le_bytes([pre[8], pre[9], more[0], more[1]])),
                12,
            )
        }
        v => return Err(format!("unsupported .npy format version {v}.{}", pre[7])),
    };
    if header_len > MAX_HEADER {
        return Err(format!(
            "invalid header: it declares {header_len} bytes of header text (the limit is {MAX_HEADER})"
        ));
    }
    if prefix + header_len > available {
        return Err(format!(
            "truncated header: it declares {header_len} byte(s) of header text, the file has {}",
            available.saturating_sub(prefix)
        ));
    }
    let mut text = Vec::new();
    r.by_ref()
        .take(header_len)
        .read_to_end(&mut text)
        .map_err(io)?;
    if (text.len() as u64) < header_len {
        return Err("truncated header".into());
    }
    let text_str = String::from_utf8_lossy(&text).to_string();
    check_text_nesting(&text_str, MAX_HEADER_NESTING, "header")
        .map_err(|e| format!("invalid header: {}", e.detail()))?;
    check_keys(&text_str)?;
    // The shape is checked here before npyz computes its product (no overflow, no huge
    // allocation); then npyz parses the whole header.
    let shape = parse_shape(&text_str)?;
    // npyz computes the strides (every suffix product of the shape), so the product with
    // each 0 axis counted as 1 must fit too: (0, 2⁴⁰, 2⁴⁰) holds no value but overflows.
    let count = shape
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d.max(1)))
        .map(|_| shape.iter().product::<u64>())
        .ok_or_else(|| {
            format!(
                "the header declares shape {}, whose size overflows",
                shape_text(&shape)
            )
        })?;
    let mut full = Vec::with_capacity(text.len() + 12);
    full.extend_from_slice(&pre);
    if prefix == 12 {
        let b = (header_len as u32).to_le_bytes();
        full.extend_from_slice(&b[2..4]);
    }
    full.extend_from_slice(&text);
    let header =
        npyz::NpyHeader::from_reader(&full[..]).map_err(|e| format!("invalid header: {e}"))?;
    if header.shape() != shape.as_slice() {
        return Err("invalid header: ambiguous shape".into());
    }
    let ts = match header.dtype() {
        DType::Plain(ts) => ts,
        other => {
            return Err(format!(
                "unsupported dtype {}: expected float64, float32, bool or an integer type",
                other.descr()
            ));
        }
    };
    let size = ts.size_field();
    let kind = match (ts.type_char(), size) {
        (TypeChar::Float, 4 | 8) | (TypeChar::Int | TypeChar::Uint, 1 | 2 | 4 | 8) => {
            ts.type_char()
        }
        (TypeChar::Bool, 1) => TypeChar::Bool,
        _ => {
            return Err(format!(
                "unsupported dtype '{ts}': expected float64, float32, bool or an integer type"
            ));
        }
    };
    let need = count
        .checked_mul(size)
        .ok_or_else(|| "the declared array size overflows".to_string())?;
    let data_avail = available - prefix - header_len;
    if need > data_avail {
        return Err(format!(
            "truncated or corrupt: the header declares shape {} of '{ts}' ({need} bytes of \
             data) but only {data_avail} byte(s) follow",
            shape_text(&shape)
        ));
    }
    if need < data_avail {
        return Err(format!(
            "corrupt: {} unexpected byte(s) after the data of shape {}",
            data_avail - need,
            shape_text(&shape)
        ));
    }
    // As f64 the array takes 8 bytes an element whatever its dtype.
    let as_f64 = count.saturating_mul(8);
    if as_f64 > max_bytes {
        return Err(format!(
            "the header declares shape {} ({as_f64} bytes as float64), more than the limit of \
             {max_bytes} bytes (see --max-memory)",
            shape_text(&shape)
        ));
    }
    // Exactly the declared bytes, never more: the bound on any decompression. They are
    // read a block at a time into one small buffer and decoded straight into the array,
    // reserved once (`as_f64` is within `max_bytes`, checked above): no copy of the whole
    // file's bytes besides the array (an 80 MB input used to take 160 MB and twice the
    // page faults; `docs/performance-record.md`, "Nineteenth round").
    let count =
        usize::try_from(count).map_err(|_| "the declared array size overflows".to_string())?;
    let mut values = Vec::with_capacity(count);
    let size = size as usize;
    let big = ts.endianness() == Endianness::Big;
    let mut block = vec![0u8; read_block_bytes(size).min(count.saturating_mul(size))];
    let mut read = 0u64;
    while read < need {
        let len = block
            .len()
            .min(usize::try_from(need - read).unwrap_or(usize::MAX));
        let got = read_up_to(r, &mut block[..len]).map_err(io)?;
        if got < len {
            return Err(format!(
                "truncated: {} of {need} data byte(s) present",
                read + got as u64
            ));
        }
        decode_into(&block[..len], kind, size, big, &mut values)?;
        read += len as u64;
    }
    let dims: Vec<usize> = shape
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| "dimension too large".to_string()))
        .collect::<Result<_, _>>()?;
    let values = if header.order() == npyz::Order::Fortran && dims.len() > 1 {
        fortran_to_c(&values, &dims)
    } else {
        values
    };
    Array::from_shape_vec(dims, values).map_err(|e| e.to_string())
}

/// An `.npz` archive being read: a zip of `.npy` members, the array `x` in `x.npy`
/// (npyz's naming). NumPy stores members (`np.savez`) or deflates them
/// (`np.savez_compressed`); a member compressed otherwise (bzip2, zstd, AES: the zip crate
/// is built without them) is an error, never a panic (`src/cli_tests/reliability.rs`).
///
/// ```
/// use littoral_core::Array;
/// use littoral_functional::npy::{NpzIn, NpzOut};
/// let mut out = NpzOut::new(std::io::Cursor::new(Vec::new()));
/// out.add_array("vmem", &Array::zeros(vec![2, 3]))?;
/// let mut npz = NpzIn::new(std::io::Cursor::new(out.finish()?.into_inner()))?;
/// assert_eq!(npz.names(), ["vmem"]);
/// assert_eq!(npz.member("vmem", 1 << 20)?.map(|a| a.shape().to_vec()), Some(vec![2, 3]));
/// assert!(npz.member("isyn", 1 << 20)?.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct NpzIn<R: Read + Seek> {
    zip: zip::ZipArchive<R>,
}

impl<R: Read + Seek> std::fmt::Debug for NpzIn<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NpzIn").finish_non_exhaustive()
    }
}

impl<R: Read + Seek> NpzIn<R> {
    /// Open the archive over `reader` (reads the zip's central directory).
    ///
    /// # Errors
    /// Not a zip archive, in the zip reader's words.
    pub fn new(reader: R) -> Result<Self, String> {
        zip::ZipArchive::new(reader)
            .map(|zip| NpzIn { zip })
            .map_err(|e| e.to_string())
    }

    /// The arrays' names (members `*.npy`, without the suffix), sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .zip
            .file_names()
            .filter_map(npyz::npz::array_name_from_file_name)
            .map(str::to_string)
            .collect();
        names.sort_unstable();
        names
    }

    /// Read the array `name` (`None` when the archive has no such member), its data at
    /// most `max_bytes`; the member is decompressed only as far as its header declares.
    ///
    /// # Errors
    /// As [`read_npy`], and a member the zip reader cannot open.
    pub fn member(&mut self, name: &str, max_bytes: u64) -> Result<Option<Array>, String> {
        let entry_name = npyz::npz::file_name_from_array_name(name);
        let mut entry = match self.zip.by_name(&entry_name) {
            Ok(e) => e,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(e) => return Err(e.to_string()),
        };
        let size = entry.size();
        read_npy(&mut entry, size, max_bytes).map(Some)
    }
}

/// Refuse a header whose dict has keys other than NumPy's three (NumPy refuses them too).
fn check_keys(text: &str) -> Result<(), String> {
    let keys = header_keys(text);
    let mut sorted: Vec<&str> = keys.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    if sorted != HEADER_KEYS {
        let shown: Vec<String> = keys
            .iter()
            .map(|k| format!("'{}'", k.escape_debug()))
            .collect();
        return Err(format!(
            "invalid header: its keys are {{{}}}; a .npy header has exactly 'descr', \
             'fortran_order' and 'shape'",
            shown.join(", ")
        ));
    }
    Ok(())
}

/// The string keys of the top-level dict of a header (quoted strings at depth 1
/// followed by `:`).
fn header_keys(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut keys = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' | b'(' => depth += 1,
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            q @ (b'\'' | b'"') => {
                let start = i + 1;
                let end = bytes[start..]
                    .iter()
                    .position(|&b| b == q)
                    .map_or(bytes.len(), |p| start + p);
                let after = text[end.min(text.len())..]
                    .trim_start_matches(|c: char| c == q as char || c.is_whitespace());
                if depth == 1 && after.starts_with(':') {
                    keys.push(text[start..end].to_string());
                }
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
    keys
}

fn shape_text(shape: &[u64]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => {
            let s: Vec<String> = shape.iter().map(u64::to_string).collect();
            format!("({})", s.join(", "))
        }
    }
}

/// The `shape` tuple of a header dict, parsed without trusting it.
fn parse_shape(text: &str) -> Result<Vec<u64>, String> {
    let bad = || "invalid header: no readable 'shape' entry".to_string();
    let key = text
        .find("'shape'")
        .or_else(|| text.find("\"shape\""))
        .ok_or_else(bad)?;
    if text[key + 7..].contains("'shape'") || text[key + 7..].contains("\"shape\"") {
        return Err("invalid header: 'shape' appears twice".into());
    }
    let rest = &text[key + 7..];
    let open = rest.find('(').ok_or_else(bad)?;
    let close = rest[open..].find(')').ok_or_else(bad)? + open;
    rest[open + 1..close]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.trim_end_matches('L').parse::<u64>().map_err(|_| {
                format!(
                    "invalid header: shape entry '{}' is not a size",
                    s.escape_debug()
                )
            })
        })
        .collect()
}

/// Bytes read at a time: a whole number of `size`-byte elements, about 1 MiB (the block
/// stays in L2 while it is decoded).
fn read_block_bytes(size: usize) -> usize {
    let size = size.max(1);
    ((1 << 20) / size).max(1) * size
}

/// Decode `data` (whole elements of `size` bytes of dtype `kind`) as `f64`, appended to
/// `values`.
fn decode_into(
    data: &[u8],
    kind: TypeChar,
    size: usize,
    big: bool,
    values: &mut Vec<f64>,
) -> Result<(), String> {
    // The element size a constant and the byte order chosen once, outside the loop (a
    // W2 `simulate` profile: 2.7 → 2.0 % of the samples in this function).
    macro_rules! conv {
        ($t:ty) => {{
            const N: usize = std::mem::size_of::<$t>();
            let bytes = |c: &[u8]| -> [u8; N] { std::array::from_fn(|i| c[i]) };
            let elements = data.chunks_exact(N);
            if big {
                values.extend(elements.map(|c| <$t>::from_be_bytes(bytes(c)) as f64))
            } else {
                values.extend(elements.map(|c| <$t>::from_le_bytes(bytes(c)) as f64))
            }
        }};
    }
    match (kind, size) {
        (TypeChar::Float, 8) => conv!(f64),
        (TypeChar::Float, 4) => conv!(f32),
        (TypeChar::Int, 1) => conv!(i8),
        (TypeChar::Int, 2) => conv!(i16),
        (TypeChar::Int, 4) => conv!(i32),
        (TypeChar::Int, 8) => conv!(i64),
        (TypeChar::Uint, 1) => conv!(u8),
        (TypeChar::Uint, 2) => conv!(u16),
        (TypeChar::Uint, 4) => conv!(u32),
        (TypeChar::Uint, 8) => conv!(u64),
        (TypeChar::Bool, 1) => {
            for &b in data {
                values.push(match b {
                    0 => 0.0,
                    1 => 1.0,
                    other => return Err(format!("invalid bool byte {other:#04x}")),
                });
            }
        }
        _ => return Err("unsupported dtype".into()),
    }
    Ok(())
}

/// Reorder column-major data to row-major.
fn fortran_to_c(values: &[f64], dims: &[usize]) -> Vec<f64> {
    let n = values.len();
    let mut out = Vec::with_capacity(n);
    let mut idx = vec![0usize; dims.len()];
    let mut fstride = vec![1usize; dims.len()];
    for k in 1..dims.len() {
        fstride[k] = fstride[k - 1] * dims[k - 1];
    }
    for _ in 0..n {
        let off: usize = idx.iter().zip(&fstride).map(|(i, s)| i * s).sum();
        out.push(values[off]);
        for k in (0..dims.len()).rev() {
            idx[k] += 1;
            if idx[k] < dims[k] {
                break;
            }
            idx[k] = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn npy(header: &str, data: &[u8]) -> Vec<u8> {
        let mut h = header.to_string();
        while !(10 + h.len() + 1).is_multiple_of(64) {
            h.push(' ');
        }
        h.push('\n');
        let mut out = NPY_MAGIC.to_vec();
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&(h.len() as u16).to_le_bytes());
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(data);
        out
    }

    fn read(bytes: &[u8]) -> Result<Array, String> {
        read_npy(&mut &bytes[..], bytes.len() as u64, u64::MAX)
    }

    /// Arrays of several read blocks, ending inside one, decode every element exactly in
    /// each dtype; a stream that ends early is reported with the bytes it had.
    #[test]
    fn large_arrays_are_read_block_by_block() {
        let count = 3 * (1 << 20) / 8 + 5;
        let f64s: Vec<f64> = (0..count).map(|i| i as f64 * 0.25 - 7.0).collect();
        let le: Vec<u8> = f64s.iter().flat_map(|v| v.to_le_bytes()).collect();
        let shape = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': ({count},), }}");
        let a = read(&npy(&shape, &le)).unwrap();
        assert_eq!(a.data(), &f64s[..]);

        let be: Vec<u8> = f64s
            .iter()
            .flat_map(|&v| (v as f32).to_be_bytes())
            .collect();
        let shape = format!("{{'descr': '>f4', 'fortran_order': False, 'shape': ({count},), }}");
        assert_eq!(read(&npy(&shape, &be)).unwrap().data(), &f64s[..]);

        let bytes: Vec<u8> = (0..(1 << 21) + 3).map(|i| (i % 251) as u8).collect();
        let shape = format!(
            "{{'descr': '|u1', 'fortran_order': False, 'shape': ({},), }}",
            bytes.len()
        );
        let want: Vec<f64> = bytes.iter().map(|&b| f64::from(b)).collect();
        assert_eq!(read(&npy(&shape, &bytes)).unwrap().data(), &want[..]);

        let mut bools = vec![1u8; (1 << 20) + 9];
        let shape = format!(
            "{{'descr': '|b1', 'fortran_order': False, 'shape': ({},), }}",
            bools.len()
        );
        assert!(
            read(&npy(&shape, &bools))
                .unwrap()
                .data()
                .iter()
                .all(|&v| v == 1.0)
        );
        bools[(1 << 20) + 4] = 2;
        assert_eq!(
            read(&npy(&shape, &bools)).unwrap_err(),
            "invalid bool byte 0x02"
        );

        // The stream ends 9 bytes short while the length given says it is whole.
        let file = npy(
            &format!("{{'descr': '<f8', 'fortran_order': False, 'shape': ({count},), }}"),
            &le,
        );
        let short = &file[..file.len() - 9];
        let err = read_npy(&mut &short[..], file.len() as u64, u64::MAX).unwrap_err();
        assert_eq!(
            err,
            format!(
                "truncated: {} of {} data byte(s) present",
                le.len() - 9,
                le.len()
            )
        );
    }

    #[test]
    fn numpy_headers_are_read() {
        let b = npy(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
            &[0; 16],
        );
        assert_eq!(read(&b).map(|a| a.shape().to_vec()), Ok(vec![2]));
        let f = npy(
            "{'descr': '<i2', 'fortran_order': True, 'shape': (2, 2), }",
            &[1, 0, 2, 0, 3, 0, 4, 0],
        );
        assert_eq!(
            read(&f).map(|a| a.data().to_vec()),
            Ok(vec![1.0, 3.0, 2.0, 4.0])
        );
    }

    /// Found by the `npy` fuzz target in CI: a shape with a 0 axis holds no value, but
    /// npyz's strides (suffix products) of the other axes overflowed (a panic in builds with
    /// overflow checks). Refused before npyz sees it.
    #[test]
    fn strides_that_overflow_beside_a_zero_axis_are_refused() {
        let b = npy(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 1099511627776, 1099511627776), }",
            &[],
        );
        let e = read(&b).err().unwrap_or_default();
        assert!(e.contains("overflows"), "{e}");
    }

    /// Issue 11: NumPy refuses a header with keys other than its three; so do we.
    #[test]
    fn extra_or_missing_keys_are_refused() {
        let extra = npy(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}",
            &[0; 8],
        );
        let err = read(&extra).unwrap_err();
        assert!(
            err.contains("its keys are {'descr', 'fortran_order', 'shape', 'x'}"),
            "{err}"
        );
        let missing = npy("{'descr': '<f8', 'shape': (1,), }", &[0; 8]);
        assert!(read(&missing).unwrap_err().contains("exactly 'descr'"));
    }

    #[test]
    fn the_byte_limit_is_checked_before_reading() {
        let b = npy(
            "{'descr': '|u1', 'fortran_order': False, 'shape': (4,), }",
            &[1; 4],
        );
        let err = read_npy(&mut &b[..], b.len() as u64, 31).unwrap_err();
        assert!(
            err.contains("(32 bytes as float64), more than the limit of 31"),
            "{err}"
        );
        assert!(read_npy(&mut &b[..], b.len() as u64, 32).is_ok());
    }

    #[test]
    fn header_keys_skip_nested_values() {
        assert_eq!(
            header_keys("{'a': {'b': 1}, \"c\" : (1,)}"),
            vec!["a".to_string(), "c".to_string()]
        );
    }
}
