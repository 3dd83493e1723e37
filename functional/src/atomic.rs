//! Files that appear whole or not at all: the one atomic writer behind snapshots,
//! checkpoints, `.npz` time series, plots and every output of the command line.
//!
//! An [`AtomicFile`] is created as a temporary file in its destination's folder (so a
//! missing or read-only folder fails before any work), written and synced, then renamed
//! over the destination ([`AtomicFile::persist`]), and the folder is synced. A crash at any
//! moment leaves either the previous file or the new one, never a mixture; an
//! `AtomicFile` dropped before it is persisted removes its temporary file. Errors name the
//! destination.
//!
//! ```
//! use littoral_functional::Error;
//! use littoral_functional::atomic::{AtomicFile, write_atomic};
//! use std::io::Write;
//! let dir = std::env::temp_dir().join(format!("littoral-doc-atomic-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).ok();
//! write_atomic(&dir.join("a.txt"), b"whole")?;
//! let mut f = AtomicFile::create(&dir.join("b.txt"))?;
//! f.write_with(|w| w.write_all(b"or nothing").map_err(|e| Error::io("b.txt", "write", e)))?;
//! assert!(!dir.join("b.txt").exists());                  // not before persist
//! f.persist()?;
//! assert_eq!(std::fs::read(dir.join("b.txt")).ok().as_deref(), Some(&b"or nothing"[..]));
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok::<(), littoral_functional::Error>(())
//! ```

use crate::error::{Error, Result};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A file being written under a temporary name, renamed over its destination when
/// complete.
#[derive(Debug)]
pub struct AtomicFile {
    dest: PathBuf,
    tmp: PathBuf,
    file: Option<File>,
    renamed: bool,
}

/// The folder holding `path` (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn unique() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

impl AtomicFile {
    /// Create the temporary file of `dest` now.
    ///
    /// # Errors
    /// [`Error::Io`] naming `dest`: no file name, a destination that is a folder, a folder
    /// that does not exist or cannot be written.
    pub fn create(dest: &Path) -> Result<Self> {
        AtomicFile::create_with_suffix(dest, "")
    }

    /// [`AtomicFile::create`] with a temporary name ending in `suffix` (`.png`: encoders
    /// that choose the format from the file name).
    ///
    /// # Errors
    /// As [`AtomicFile::create`].
    pub fn create_with_suffix(dest: &Path, suffix: &str) -> Result<Self> {
        let fail = |message: String| Error::io(dest, "write", std::io::Error::other(message));
        let name = dest
            .file_name()
            .ok_or_else(|| fail("the path has no file name".into()))?;
        if dest.is_dir() {
            return Err(fail("is a folder, not a file".into()));
        }
        let dir = parent_dir(dest);
        if !dir.is_dir() {
            return Err(fail(format!("the folder {} does not exist", dir.display())));
        }
        let tmp = dir.join(format!(
            ".{}.littoral-tmp-{}-{}{suffix}",
            name.to_string_lossy(),
            std::process::id(),
            unique()
        ));
        let file = File::create(&tmp).map_err(|e| Error::io(dest, "write", e))?;
        Ok(AtomicFile {
            dest: dest.to_path_buf(),
            tmp,
            file: Some(file),
            renamed: false,
        })
    }

    /// The destination.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Write the content with `f` (given a buffered writer over the temporary file), then
    /// flush and sync it.
    ///
    /// # Errors
    /// `f`'s error; [`Error::Io`] naming the destination; a file written twice.
    pub fn write_with<E: From<Error>>(
        &mut self,
        f: impl FnOnce(&mut BufWriter<File>) -> Result<(), E>,
    ) -> Result<(), E> {
        let file = self.file.take().ok_or_else(|| {
            Error::io(&self.dest, "write", std::io::Error::other("written twice"))
        })?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        f(&mut w)?;
        w.flush().map_err(|e| Error::io(&self.dest, "write", e))?;
        let file = w
            .into_inner()
            .map_err(|e| Error::io(&self.dest, "write", e.into_error()))?;
        file.sync_all()
            .map_err(|e| Error::io(&self.dest, "sync", e).into())
    }

    /// Write the content through the temporary path, for writers that create the file
    /// themselves (a PNG encoder); `f` must leave a complete file there, which is then
    /// synced.
    ///
    /// # Errors
    /// `f`'s error; [`Error::Io`] naming the destination.
    pub fn write_via_path<E: From<Error>>(
        &mut self,
        f: impl FnOnce(&Path) -> Result<(), E>,
    ) -> Result<(), E> {
        drop(self.file.take());
        f(&self.tmp)?;
        File::open(&self.tmp)
            .and_then(|file| file.sync_all())
            .map_err(|e| Error::io(&self.dest, "sync", e).into())
    }

    /// Rename the temporary file over the destination, without syncing the folder (a
    /// caller renaming several files syncs each folder once, with [`sync_dir`]).
    ///
    /// # Errors
    /// [`Error::Io`] naming the destination.
    pub fn rename(&mut self) -> Result<()> {
        drop(self.file.take());
        std::fs::rename(&self.tmp, &self.dest).map_err(|e| Error::io(&self.dest, "write", e))?;
        self.renamed = true;
        Ok(())
    }

    /// Rename the temporary file over the destination and sync the folder.
    ///
    /// # Errors
    /// As [`AtomicFile::rename`] and [`sync_dir`].
    pub fn persist(mut self) -> Result<()> {
        self.rename()?;
        sync_dir(&parent_dir(&self.dest))
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.renamed {
            drop(self.file.take());
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Write `bytes` to `path` atomically (see the [module docs](self)).
///
/// # Errors
/// [`Error::Io`] naming the file (the temporary file is removed on failure).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_with(|w| w.write_all(bytes).map_err(|e| Error::io(path, "write", e)))?;
    file.persist()
}

/// Flush a directory's entries to disk (no-op where directories cannot be opened).
///
/// # Errors
/// [`Error::Io`] naming the directory.
pub fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let d = File::open(dir).map_err(|e| Error::io(dir, "open", e))?;
        d.sync_all().map_err(|e| Error::io(dir, "sync", e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
