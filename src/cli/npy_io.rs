//! NumPy input: read `.npy` (and single-array `.npz`) input of any float, bool or integer
//! dtype as `f64`. Writing is `littoral_functional::npy`.
//!
//! Reading never trusts a header: the declared array size is checked against the bytes
//! that actually follow it before anything is allocated, so a header declaring a huge
//! array is an error, not an out-of-memory abort.

use super::error::{CliError, CliResult, io_message};
use littoral_core::Array;
use littoral_core::array::format_shape;
use npyz::{DType, Endianness, TypeChar};
use std::fs::File;
use std::io::{Read, Seek};
use std::path::Path;

/// The magic bytes of a `.npy` file.
const NPY_MAGIC: &[u8; 6] = b"\x93NUMPY";
/// The magic bytes of a zip (`.npz`) file.
const ZIP_MAGIC: &[u8; 4] = b"PK\x03\x04";
/// Largest header text accepted (NumPy itself writes a few hundred bytes at most).
const MAX_HEADER: u64 = 1 << 20;

/// Read a numeric array from a `.npy` file, or from a `.npz` file holding one array (or
/// an array named `input`). Any float (`f4`, `f8`), bool or integer dtype, either byte
/// order, C or Fortran order; the values are converted to `f64` (C order).
///
/// # Errors
/// A missing or unreadable file, a malformed or truncated header or body, an unsupported
/// dtype, a declared size larger than the file — each naming the file.
pub fn read_array(path: &Path) -> CliResult<Array> {
    let mut file = File::open(path).map_err(|e| CliError::io(path, "read", &e))?;
    let len = file
        .metadata()
        .map_err(|e| CliError::io(path, "read", &e))?
        .len();
    if len == 0 {
        return Err(CliError::file(path, "empty file: not a .npy or .npz file"));
    }
    let mut magic = [0u8; 4];
    let got = read_up_to(&mut file, &mut magic).map_err(|e| CliError::io(path, "read", &e))?;
    file.rewind().map_err(|e| CliError::io(path, "read", &e))?;
    if got == 4 && &magic == ZIP_MAGIC {
        return read_npz_single(path, file);
    }
    read_npy(&mut file, len, true).map_err(|m| CliError::file(path, m))
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
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

fn read_npz_single(path: &Path, file: File) -> CliResult<Array> {
    let mut ar = npyz::npz::NpzArchive::new(std::io::BufReader::new(file))
        .map_err(|e| CliError::file(path, format!("not a valid .npz (zip) file: {e}")))?;
    let names: Vec<String> = ar.array_names().map(str::to_string).collect();
    let name = match names.as_slice() {
        [] => return Err(CliError::file(path, "the .npz file holds no array")),
        [one] => one.clone(),
        many => match many.iter().find(|n| *n == "input") {
            Some(n) => n.clone(),
            None => {
                return Err(CliError::file(
                    path,
                    format!(
                        "the .npz file holds {} arrays ({}): keep one, or name it `input`",
                        many.len(),
                        many.join(", ")
                    ),
                ));
            }
        },
    };
    let entry_name = npyz::npz::file_name_from_array_name(&name);
    let mut entry = ar
        .zip_archive()
        .by_name(&entry_name)
        .map_err(|e| CliError::file(path, format!("array `{name}`: {e}")))?;
    let size = entry.size();
    read_npy(&mut entry, size, false)
        .map_err(|m| CliError::file(path, format!("array `{name}`: {m}")))
}

/// Parse a `.npy` stream of `available` bytes in total. `exact` says that `available` is
/// known to be true (a file's length, not a length declared inside an archive), so the
/// data buffer can be allocated at once.
fn read_npy(r: &mut impl Read, available: u64, exact: bool) -> Result<Array, String> {
    let io = |e: std::io::Error| format!("cannot read: {}", io_message(&e));
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
    let major = pre[6];
    let (header_len, prefix): (u64, u64) = match major {
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
            "invalid header: it declares {header_len} bytes of header text"
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
    // npyz's header parser takes time exponential in the bracket nesting: refuse deep
    // nesting (NumPy writes 2 levels) before it runs.
    littoral_core::limits::check_text_nesting(
        &text_str,
        littoral_core::limits::MAX_HEADER_NESTING,
        "header",
    )
    .map_err(|e| format!("invalid header: {}", e.detail()))?;
    // Check the shape ourselves before npyz computes its product (no overflow, no huge
    // allocation), then let npyz parse the whole header.
    let shape = parse_shape(&text_str)?;
    let count = shape
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d))
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
    let mut data = match usize::try_from(need) {
        Ok(n) if exact => Vec::with_capacity(n),
        _ => Vec::new(),
    };
    r.by_ref().take(need).read_to_end(&mut data).map_err(io)?;
    if (data.len() as u64) < need {
        return Err(format!(
            "truncated: {} of {need} data byte(s) present",
            data.len()
        ));
    }
    let big = ts.endianness() == Endianness::Big;
    let values = decode(&data, kind, size as usize, big)?;
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
            s.trim_end_matches('L')
                .parse::<u64>()
                .map_err(|_| format!("invalid header: shape entry '{s}' is not a size"))
        })
        .collect()
}

fn decode(data: &[u8], kind: TypeChar, size: usize, big: bool) -> Result<Vec<f64>, String> {
    macro_rules! conv {
        ($t:ty) => {
            data.chunks_exact(size)
                .map(|c| {
                    let mut b = [0u8; std::mem::size_of::<$t>()];
                    b.copy_from_slice(c);
                    let v = if big {
                        <$t>::from_be_bytes(b)
                    } else {
                        <$t>::from_le_bytes(b)
                    };
                    v as f64
                })
                .collect()
        };
    }
    Ok(match (kind, size) {
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
        (TypeChar::Bool, 1) => data
            .iter()
            .map(|&b| match b {
                0 => Ok(0.0),
                1 => Ok(1.0),
                other => Err(format!("invalid bool byte {other:#04x}")),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err("unsupported dtype".into()),
    })
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

/// Read a network input and bring it to `(B, T, size_in)`: the file must hold `(T, Nin)`
/// or `(B, T, Nin)` with `Nin == size_in` (or 1, broadcast to every channel), at least one
/// sample and one step, and finite values only.
///
/// # Errors
/// Everything [`read_array`] rejects; a wrong rank or width; an empty input; NaN or
/// infinite values — each naming the file.
pub fn read_input(path: &Path, size_in: usize) -> CliResult<Array> {
    let x = read_array(path)?;
    let expected = format!("(T, {size_in}) or (B, T, {size_in})");
    let (b, t, n) = match *x.shape() {
        [t, n] => (1, t, n),
        [b, t, n] => (b, t, n),
        _ => {
            return Err(CliError::file(
                path,
                format!(
                    "expected an input of shape {expected}, found {}",
                    format_shape(x.shape())
                ),
            ));
        }
    };
    if n != size_in && n != 1 {
        return Err(CliError::file(
            path,
            format!(
                "expected an input of shape {expected} (the network has {size_in} input \
                 channel(s)), found {}",
                format_shape(x.shape())
            ),
        ));
    }
    if b == 0 || t == 0 {
        return Err(CliError::file(
            path,
            format!(
                "the input of shape {} has no sample or no time step",
                format_shape(x.shape())
            ),
        ));
    }
    if let Some((i, v)) = x.first_non_finite() {
        let mut idx = Vec::with_capacity(x.ndim());
        let mut rest = i;
        for &d in x.shape().iter().rev() {
            idx.push(rest % d);
            rest /= d;
        }
        idx.reverse();
        let at: Vec<String> = idx.iter().map(usize::to_string).collect();
        return Err(CliError::file(
            path,
            format!(
                "non-finite value {v} at index ({}): inputs must be finite",
                at.join(", ")
            ),
        ));
    }
    if x.ndim() == 3 && n == size_in {
        return Ok(x);
    }
    let batched = littoral_core::batch::batch_input(&x, size_in)
        .map_err(|e| CliError::file(path, e))?
        .into_owned();
    Ok(batched)
}
