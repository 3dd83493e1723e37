//! NumPy `.npy` and `.npz` reading and writing: the one reader ([`read_npy`],
//! [`read_npz_member`]: headers and sizes checked before anything is allocated) and the
//! one writer behind the command line's outputs
//! (`--output`, `--record`, `--state-npz`) and Rockpool `.npz` time series
//! ([`crate::timeseries::npz`]). Arrays are stored C-ordered and little-endian, in
//! uncompressed (`np.load`-compatible) zip entries; an entry of 4 GiB or more is written
//! with zip64 headers.
//!
//! ```
//! use littoral_core::Array;
//! use littoral_functional::npy::{NpzOut, write_npy};
//! let mut npy = Vec::new();
//! write_npy(&mut npy, &Array::from_vec(vec![1.0, 2.0]))?;
//! assert!(npy.starts_with(b"\x93NUMPY"));
//! let mut npz = NpzOut::new(std::io::Cursor::new(Vec::new()));
//! npz.add_array("1_LIF.vmem", &Array::zeros(vec![2, 3]))?;
//! npz.add("periodic", &[], &[false])?;
//! let bytes = npz.finish()?.into_inner();
//! assert!(bytes.starts_with(b"PK\x03\x04"));
//! # Ok::<(), std::io::Error>(())
//! ```

mod read;

pub use read::{NPY_MAGIC, read_npy, read_npz_member, read_up_to};

use littoral_core::Array;
use npyz::npz::NpzWriter;
use npyz::{AutoSerialize, WriterBuilder};
use std::io::{Seek, Write};

fn shape_u64(shape: &[usize]) -> Vec<u64> {
    shape.iter().map(|&d| d as u64).collect()
}

/// Write `a` as a `.npy` file (C order, the element type's default little-endian dtype:
/// `<f8` for `f64`, `<u8` for `u64`).
///
/// # Errors
/// The writer's I/O error.
pub fn write_npy<T: AutoSerialize + Copy>(w: &mut impl Write, a: &Array<T>) -> std::io::Result<()> {
    let mut out = npyz::WriteOptions::<T>::new()
        .default_dtype()
        .shape(&shape_u64(a.shape()))
        .writer(w)
        .begin_nd()?;
    out.extend(a.data().iter().copied())?;
    out.finish()
}

/// An `.npz` archive being written, one array per name (`np.load(f)["1_LIF.vmem"]`).
pub struct NpzOut<W: Write + Seek> {
    npz: NpzWriter<W>,
}

impl<W: Write + Seek> std::fmt::Debug for NpzOut<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NpzOut").finish_non_exhaustive()
    }
}

fn zip_io(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

impl<W: Write + Seek> NpzOut<W> {
    /// Start an archive over `w`.
    pub fn new(w: W) -> Self {
        NpzOut {
            npz: NpzWriter::new(w),
        }
    }

    /// Add the array `name` of `shape` (`&[]` for a scalar) holding `data` in C order.
    ///
    /// # Errors
    /// I/O errors.
    pub fn add<T: AutoSerialize + Copy>(
        &mut self,
        name: &str,
        shape: &[u64],
        data: &[T],
    ) -> std::io::Result<()> {
        let bytes = (data.len() as u64).saturating_mul(std::mem::size_of::<T>() as u64);
        let options = npyz::zip::write::FileOptions::default()
            .compression_method(npyz::zip::CompressionMethod::Stored)
            .large_file(bytes >= u64::from(u32::MAX) - 4096);
        let mut out = self
            .npz
            .array::<T>(name, options)?
            .default_dtype()
            .shape(shape)
            .begin_nd()?;
        out.extend(data.iter().copied())?;
        out.finish()
    }

    /// Add an [`Array`] under `name`.
    ///
    /// # Errors
    /// I/O errors.
    pub fn add_array<T: AutoSerialize + Copy>(
        &mut self,
        name: &str,
        a: &Array<T>,
    ) -> std::io::Result<()> {
        self.add(name, &shape_u64(a.shape()), a.data())
    }

    /// Finish the archive (writes the zip directory) and return the writer.
    ///
    /// # Errors
    /// I/O errors.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.npz.zip_writer().finish().map_err(zip_io)
    }
}
