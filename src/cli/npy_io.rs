//! NumPy input: read `.npy` (and single-array `.npz`) input of any float, bool or integer
//! dtype as `f64`. Writing is `littoral_functional::npy`.
//!
//! Reading never trusts a header: the one reader, `littoral_functional::npy::read_npy`,
//! checks the header and the declared array size against the bytes that follow it and
//! the memory budget before anything is allocated, so a header declaring a huge array is
//! an error, not an out-of-memory abort, and an `.npz` member is decompressed only as
//! far as its header declares.

use super::error::{CliError, CliResult};
use littoral_core::Array;
use littoral_core::array::format_shape;
use littoral_functional::npy::{NpzIn, read_npy, read_up_to};
use std::fs::File;
use std::io::Seek;
use std::path::Path;

/// The magic bytes of a zip (`.npz`) file.
const ZIP_MAGIC: &[u8; 4] = b"PK\x03\x04";

/// Read a numeric array from a `.npy` file, or from a `.npz` file holding one array (or
/// an array named `input`). Any float (`f4`, `f8`), bool or integer dtype, either byte
/// order, C or Fortran order; the values are converted to `f64` (C order).
///
/// # Errors
/// A missing or unreadable file, a malformed or truncated header or body, an unsupported
/// dtype, a declared size larger than the file — each naming the file.
pub fn read_array(path: &Path, max_bytes: u64) -> CliResult<Array> {
    let mut file = File::open(path).map_err(|e| CliError::io(path, "read", &e))?;
    let meta = file
        .metadata()
        .map_err(|e| CliError::io(path, "read", &e))?;
    if !meta.is_file() {
        return Err(CliError::file(
            path,
            "not a regular file: a .npy or .npz input must be a file (its size is checked first)",
        ));
    }
    let len = meta.len();
    if len == 0 {
        return Err(CliError::file(path, "empty file: not a .npy or .npz file"));
    }
    let mut magic = [0u8; 4];
    let got = read_up_to(&mut file, &mut magic).map_err(|e| CliError::io(path, "read", &e))?;
    file.rewind().map_err(|e| CliError::io(path, "read", &e))?;
    if got == 4 && &magic == ZIP_MAGIC {
        return read_npz_single(path, file, max_bytes);
    }
    read_npy(&mut std::io::BufReader::new(file), len, max_bytes)
        .map_err(|m| CliError::file(path, m))
}

fn read_npz_single(path: &Path, file: File, max_bytes: u64) -> CliResult<Array> {
    let mut ar = NpzIn::new(std::io::BufReader::new(file))
        .map_err(|e| CliError::file(path, format!("not a valid .npz (zip) file: {e}")))?;
    let names = ar.names();
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
    ar.member(&name, max_bytes)
        .map_err(|m| CliError::file(path, format!("array `{name}`: {m}")))?
        .ok_or_else(|| CliError::file(path, format!("array `{name}`: missing")))
}

/// Read a network input and bring it to `(B, T, size_in)`: the file must hold `(T, Nin)`
/// or `(B, T, Nin)` with `Nin == size_in` (or 1, broadcast to every channel), at least one
/// sample and one step, and finite values only.
///
/// # Errors
/// Everything [`read_array`] rejects; a wrong rank or width; an empty input; NaN or
/// infinite values — each naming the file.
pub fn read_input(path: &Path, size_in: usize, max_bytes: u64) -> CliResult<Array> {
    check_input(path, read_array(path, max_bytes)?, size_in)
}

/// [`read_input`] for an array `x` already read from `path` (read while the network is
/// still being parsed, say).
///
/// # Errors
/// As [`read_input`], but for what [`read_array`] rejects.
pub fn check_input(path: &Path, x: Array, size_in: usize) -> CliResult<Array> {
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
