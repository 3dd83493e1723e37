//! NumPy `.npy` and `.npz` reading and writing: the one reader ([`read_npy`],
//! [`NpzIn`]: headers and sizes checked before anything is allocated) and the
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

pub use read::{NPY_MAGIC, NpzIn, read_npy, read_up_to};

use littoral_core::Array;
use npyz::{AutoSerialize, WriteOptions, WriterBuilder};
use std::io::{Seek, Write};

fn shape_u64(shape: &[usize]) -> Vec<u64> {
    shape.iter().map(|&d| d as u64).collect()
}

/// An element type written to `.npy` in bulk: npyz writes the header
/// (`write_header_only`), and the data goes out as little-endian bytes a block at a time.
/// npyz's own `extend` serialises one element per call (about 80 instructions per
/// element, most of a large output's writing time); appending each element's bytes to a
/// `Vec` was 9 % of a W2 `simulate` process (perf); writing them into a block of fixed
/// size is a copy the compiler vectorises.
pub trait NpyElement: AutoSerialize + Copy {
    /// Bytes of one element, as its default dtype stores it.
    const SIZE: usize;
    /// Write `self`'s [`NpyElement::SIZE`] bytes, as its default dtype stores them, to
    /// `out` (exactly that long).
    fn put(self, out: &mut [u8]);
}

/// [`NpyElement`] for numbers stored as their little-endian bytes.
macro_rules! le_bytes_elements {
    ($($t:ty),+) => {
        $(
            impl NpyElement for $t {
                const SIZE: usize = std::mem::size_of::<$t>();
                #[inline(always)]
                fn put(self, out: &mut [u8]) {
                    out.copy_from_slice(&self.to_le_bytes());
                }
            }
        )+
    };
}

le_bytes_elements!(f64, f32, u64, i64);

impl NpyElement for bool {
    const SIZE: usize = 1;
    #[inline(always)]
    fn put(self, out: &mut [u8]) {
        out[0] = u8::from(self);
    }
}

/// Write `data`'s bytes to `w`, 64 KiB at a time.
fn write_data<T: NpyElement>(w: &mut impl Write, data: &[T]) -> std::io::Result<()> {
    const BLOCK_BYTES: usize = 64 * 1024;
    let per_block = (BLOCK_BYTES / T::SIZE.max(1)).max(1);
    let mut buf = vec![0u8; per_block * T::SIZE];
    for block in data.chunks(per_block) {
        let bytes = &mut buf[..block.len() * T::SIZE];
        for (out, &x) in bytes.chunks_exact_mut(T::SIZE.max(1)).zip(block) {
            x.put(out);
        }
        w.write_all(bytes)?;
    }
    Ok(())
}

/// Write `a` as a `.npy` file (C order, the element type's default little-endian dtype:
/// `<f8` for `f64`, `<u8` for `u64`).
///
/// # Errors
/// The writer's I/O error.
pub fn write_npy<T: NpyElement>(w: &mut impl Write, a: &Array<T>) -> std::io::Result<()> {
    let out = npyz::WriteOptions::<T>::new()
        .default_dtype()
        .shape(&shape_u64(a.shape()))
        .writer(w)
        .write_header_only()?;
    write_data(out, a.data())
}

/// An `.npz` archive being written, one array per name (`np.load(f)["1_LIF.vmem"]`).
///
/// After a write fails (a full disk), the archive is abandoned: the zip crate's writer
/// would try to finish it when dropped and print `ZipWriter drop failed: …` on stderr
/// (without a newline, glued before the caller's own message), so the underlying writer
/// is fused ([`Fused`]): once it has failed, it discards everything silently.
pub struct NpzOut<W: Write + Seek> {
    zip: zip::ZipWriter<Fused<W>>,
}

/// A writer that, after its first error, accepts and discards every later write and
/// seek: nothing more reaches a writer that has failed.
#[derive(Debug)]
pub struct Fused<W> {
    inner: W,
    failed: bool,
    /// The stream position as the zip writer sees it (kept up after a failure, so that
    /// the writer's own bookkeeping stays consistent and its drop has nothing to report).
    pos: u64,
}

impl<W> Fused<W> {
    fn guard<T>(&mut self, r: std::io::Result<T>) -> std::io::Result<T> {
        if r.is_err() {
            self.failed = true;
        }
        r
    }
}

fn offset(base: u64, delta: i64) -> u64 {
    base.saturating_add_signed(delta)
}

impl<W: Write> Write for Fused<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.failed {
            self.pos += buf.len() as u64;
            return Ok(buf.len());
        }
        let r = self.inner.write(buf);
        if let Ok(n) = r {
            self.pos += n as u64;
        }
        self.guard(r)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.failed {
            return Ok(());
        }
        let r = self.inner.flush();
        self.guard(r)
    }
}

impl<W: Seek> Seek for Fused<W> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        if self.failed {
            self.pos = match pos {
                std::io::SeekFrom::Start(n) => n,
                std::io::SeekFrom::Current(d) | std::io::SeekFrom::End(d) => offset(self.pos, d),
            };
            return Ok(self.pos);
        }
        let r = self.inner.seek(pos);
        if let Ok(p) = r {
            self.pos = p;
        }
        self.guard(r)
    }
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
            zip: zip::ZipWriter::new(Fused {
                inner: w,
                failed: false,
                pos: 0,
            }),
        }
    }

    /// Add the array `name` of `shape` (`&[]` for a scalar) holding `data` in C order.
    ///
    /// # Errors
    /// I/O errors.
    pub fn add<T: NpyElement>(
        &mut self,
        name: &str,
        shape: &[u64],
        data: &[T],
    ) -> std::io::Result<()> {
        let bytes = (data.len() as u64).saturating_mul(std::mem::size_of::<T>() as u64);
        let options = zip::write::FileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(bytes >= u64::from(u32::MAX) - 4096);
        let expected = shape.iter().try_fold(1u64, |n, &d| n.checked_mul(d));
        if expected != Some(data.len() as u64) {
            return Err(std::io::Error::other(format!(
                "{name}: shape {shape:?} does not hold {} values",
                data.len()
            )));
        }
        self.zip
            .start_file(npyz::npz::file_name_from_array_name(name), options)
            .map_err(zip_io)?;
        let mut out = WriteOptions::<T>::new()
            .default_dtype()
            .shape(shape)
            .writer(&mut self.zip)
            .write_header_only()?;
        write_data(&mut out, data)
    }

    /// Add an [`Array`] under `name`.
    ///
    /// # Errors
    /// I/O errors.
    pub fn add_array<T: NpyElement>(&mut self, name: &str, a: &Array<T>) -> std::io::Result<()> {
        self.add(name, &shape_u64(a.shape()), a.data())
    }

    /// Finish the archive (writes the zip directory) and return the writer.
    ///
    /// # Errors
    /// I/O errors.
    pub fn finish(mut self) -> std::io::Result<W> {
        let fused = self.zip.finish().map_err(zip_io)?;
        if fused.failed {
            return Err(std::io::Error::other("an earlier write failed"));
        }
        Ok(fused.inner)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;

    /// A writer with room for `room` bytes, then "no space left on device"; counts the
    /// write calls that reach it.
    struct Full {
        room: usize,
        calls: Rc<Cell<usize>>,
        data: std::io::Cursor<Vec<u8>>,
    }

    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.calls.set(self.calls.get() + 1);
            if self.data.get_ref().len() + buf.len() > self.room {
                return Err(std::io::Error::from(std::io::ErrorKind::StorageFull));
            }
            self.data.write(buf)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Seek for Full {
        fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
            self.data.seek(pos)
        }
    }

    fn full(calls: &Rc<Cell<usize>>) -> NpzOut<Full> {
        NpzOut::new(Full {
            room: 200,
            calls: Rc::clone(calls),
            data: std::io::Cursor::new(Vec::new()),
        })
    }

    /// Each element type's bytes as npyz reads them back, over several 64 KiB blocks and a
    /// part block: `f64` (NaN payloads, `-0.0` kept), `f32`, `u64`, `i64`, `bool`.
    #[test]
    fn elements_are_written_as_their_dtype_stores_them() {
        fn back<T: npyz::Deserialize + NpyElement>(data: &[T]) -> Vec<T> {
            let a = Array::from_shape_vec(vec![data.len()], data.to_vec())
                .unwrap_or_else(|e| panic!("{e}"));
            let mut bytes = Vec::new();
            write_npy(&mut bytes, &a).unwrap_or_else(|e| panic!("{e}"));
            npyz::NpyFile::new(&bytes[..])
                .and_then(|f| f.into_vec::<T>())
                .unwrap_or_else(|e| panic!("{e}"))
        }
        let n = 3 * 8192 + 5;
        let f: Vec<f64> = (0..n)
            .map(|i| match i % 7 {
                0 => f64::from_bits(0x7ff8_0000_dead_beef),
                1 => -0.0,
                _ => (i as f64).sqrt() - 40.0,
            })
            .collect();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back(&f)), bits(&f));
        let g: Vec<f32> = f.iter().map(|&x| x as f32 * 1.5).collect();
        let gb = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(gb(&back(&g)), gb(&g));
        let u: Vec<u64> = (0..n as u64)
            .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15))
            .collect();
        assert_eq!(back(&u), u);
        let s: Vec<i64> = u.iter().map(|&x| x as i64).collect();
        assert_eq!(back(&s), s);
        let b: Vec<bool> = u.iter().map(|&x| x % 3 == 0).collect();
        assert_eq!(back(&b), b);
        assert!(back::<f64>(&[]).is_empty());
    }

    /// Issue 11: on a full disk the error is ours alone. The abandoned archive is fused:
    /// dropping it writes nothing more (the zip crate would try to finish it, fail again
    /// and print `ZipWriter drop failed` before our message), and finishing it fails.
    #[test]
    fn a_failed_archive_is_abandoned_quietly() {
        let calls = Rc::new(Cell::new(0));
        let mut npz = full(&calls);
        assert!(npz.add_array("x", &Array::zeros(vec![100])).is_err());
        let after_error = calls.get();
        drop(npz);
        assert_eq!(calls.get(), after_error);

        // The zip writer's own finishing succeeds on the fused writer (so its drop has
        // nothing to print); ours reports the earlier failure.
        let mut npz = full(&calls);
        assert!(npz.add_array("x", &Array::zeros(vec![100])).is_err());
        let err = npz.finish().map(|_| ()).unwrap_err().to_string();
        assert_eq!(err, "an earlier write failed");
    }
}
