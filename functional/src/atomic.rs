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
//! - **Paths are resolved first**: the folder is made canonical and a symbolic link is
//!   followed, so `o/../o/y.npy` and a link to `y.npy` are recognised as `y.npy`
//!   ([`AtomicFile::target`]), and a link keeps pointing at its (replaced) file.
//! - **A non-regular file is never replaced**: a character device or a FIFO
//!   (`/dev/stdout`, `/dev/null`, a named pipe) is written through — the content is
//!   staged in the system's temporary folder and copied into it at the end — and any
//!   other non-regular file (a socket, a block device) is refused.
//! - **Temporary files are recognisable and cleaned**: they are named
//!   `.NAME.littoral-tmp-PID-N`; the live ones are listed so that a signal handler can
//!   remove them ([`remove_temporaries`]), and the first file created in a folder removes
//!   the temporary files there of processes that are no longer running (Linux: `/proc`).
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
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// A file being written under a temporary name, renamed over its destination when
/// complete.
#[derive(Debug)]
pub struct AtomicFile {
    dest: PathBuf,
    /// The resolved destination (canonical folder, links followed).
    target: PathBuf,
    /// Written through (a character device or a FIFO) rather than replaced.
    through: bool,
    tmp: PathBuf,
    file: Option<File>,
    renamed: bool,
}

/// The marker in every temporary file's name.
const TMP_MARKER: &str = ".littoral-tmp-";

/// The temporary files of this process not yet renamed or removed, and the folders it
/// created ([`create_dirs`]), for [`remove_temporaries`].
#[derive(Default)]
struct Live {
    files: BTreeSet<PathBuf>,
    dirs: Vec<PathBuf>,
    cleaned: BTreeSet<PathBuf>,
}

static LIVE: Mutex<Option<Live>> = Mutex::new(None);

fn live() -> MutexGuard<'static, Option<Live>> {
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

fn with_live<T>(f: impl FnOnce(&mut Live) -> T) -> T {
    f(live().get_or_insert_with(Live::default))
}

/// Remove every temporary file of this process and every empty folder it created (for a
/// signal handler: an interrupted run leaves nothing behind). Returns how many files were
/// removed.
pub fn remove_temporaries() -> usize {
    with_live(|l| {
        let n = l
            .files
            .iter()
            .filter(|f| std::fs::remove_file(f).is_ok())
            .count();
        l.files.clear();
        for d in l.dirs.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
        l.dirs.clear();
        n
    })
}

/// Create `dir` and its missing parents, remembering each folder created (for
/// [`remove_dirs`] after a failure and for [`remove_temporaries`]); returns them, the
/// outermost first.
///
/// # Errors
/// [`Error::Io`] naming the folder that cannot be created (those created before are
/// removed).
pub fn create_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut missing = Vec::new();
    let mut at = Some(dir);
    while let Some(d) = at.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        missing.push(d.to_path_buf());
        at = d.parent();
    }
    missing.reverse();
    let mut created = Vec::new();
    for d in missing {
        if let Err(e) = std::fs::create_dir(&d)
            && !d.is_dir()
        {
            remove_dirs(&created);
            return Err(Error::io(&d, "create folder", e));
        }
        with_live(|l| l.dirs.push(d.clone()));
        created.push(d);
    }
    Ok(created)
}

/// Remove the folders [`create_dirs`] created, innermost first, as far as they are empty.
pub fn remove_dirs(created: &[PathBuf]) {
    for d in created.iter().rev() {
        let _ = std::fs::remove_dir(d);
    }
    with_live(|l| l.dirs.retain(|d| !created.contains(d)));
}

/// Whether the process `pid` is running, when the system tells (`/proc` on Linux).
fn process_alive(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    proc.join("self")
        .exists()
        .then(|| proc.join(pid.to_string()).exists())
}

/// The process id in a temporary file's name (`.NAME.littoral-tmp-PID-N…`).
fn temporary_pid(name: &str) -> Option<u32> {
    let rest = &name[name.rfind(TMP_MARKER)? + TMP_MARKER.len()..];
    rest.split('-').next()?.parse().ok()
}

/// Remove the temporary files in `dir` left by processes that are no longer running
/// (killed with SIGKILL, or a crash), once per folder per process.
fn clean_stale(dir: &Path) {
    if !with_live(|l| l.cleaned.insert(dir.to_path_buf())) {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.')
            && let Some(pid) = temporary_pid(&name)
            && pid != std::process::id()
            && process_alive(pid) == Some(false)
            && entry.file_type().is_ok_and(|t| t.is_file())
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The resolved destination of `dest` and whether it is written through (a character
/// device or a FIFO).
fn resolve(dest: &Path) -> std::result::Result<(PathBuf, bool), String> {
    #[cfg(unix)]
    use std::os::unix::fs::FileTypeExt;
    let name = dest.file_name().ok_or("the path has no file name")?;
    match std::fs::metadata(dest) {
        Ok(m) if m.is_dir() => return Err("is a folder, not a file".into()),
        #[cfg(unix)]
        Ok(m) if m.file_type().is_char_device() || m.file_type().is_fifo() => {
            return Ok((dest.to_path_buf(), true));
        }
        Ok(m) if !m.is_file() => {
            return Err(
                "is not a regular file, a character device or a FIFO: refusing to replace it"
                    .into(),
            );
        }
        _ => {}
    }
    let dir = parent_dir(dest);
    if !dir.is_dir() {
        return Err(format!("the folder {} does not exist", dir.display()));
    }
    let dir = dir
        .canonicalize()
        .map_err(|e| format!("cannot resolve the folder {}: {e}", dir.display()))?;
    let target = dir.join(name);
    match std::fs::symlink_metadata(&target) {
        Ok(m) if m.file_type().is_symlink() => target
            .canonicalize()
            .map(|t| (t, false))
            .map_err(|_| "is a symbolic link to nothing: refusing to replace it".into()),
        _ => Ok((target, false)),
    }
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
        let (target, through) = resolve(dest).map_err(fail)?;
        let name = target
            .file_name()
            .map_or_else(|| "output".into(), |n| n.to_string_lossy());
        // A device's content is staged in the temporary folder (never next to it: /dev).
        let dir = if through {
            std::env::temp_dir()
        } else {
            parent_dir(&target)
        };
        clean_stale(&dir);
        let tmp = dir.join(format!(
            ".{name}{TMP_MARKER}{}-{}{suffix}",
            std::process::id(),
            unique()
        ));
        with_live(|l| l.files.insert(tmp.clone()));
        let file = File::create(&tmp).map_err(|e| {
            with_live(|l| l.files.remove(&tmp));
            Error::io(dest, "write", e)
        })?;
        Ok(AtomicFile {
            dest: dest.to_path_buf(),
            target,
            through,
            tmp,
            file: Some(file),
            renamed: false,
        })
    }

    /// The destination, as given.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// The resolved destination: canonical folder, symbolic links followed (two
    /// destinations with the same target are the same file).
    pub fn target(&self) -> &Path {
        &self.target
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
        if self.through {
            let copy = || -> std::io::Result<()> {
                let mut from = File::open(&self.tmp)?;
                let mut to = std::fs::OpenOptions::new().write(true).open(&self.target)?;
                std::io::copy(&mut from, &mut to)?;
                to.flush()
            };
            copy().map_err(|e| Error::io(&self.dest, "write", e))?;
            let _ = std::fs::remove_file(&self.tmp);
        } else {
            std::fs::rename(&self.tmp, &self.target)
                .map_err(|e| Error::io(&self.dest, "write", e))?;
        }
        with_live(|l| l.files.remove(&self.tmp));
        self.renamed = true;
        Ok(())
    }

    /// Whether the destination is written through (a character device or a FIFO) rather
    /// than replaced.
    pub fn is_written_through(&self) -> bool {
        self.through
    }

    /// Rename the temporary file over the destination and sync the folder.
    ///
    /// # Errors
    /// As [`AtomicFile::rename`] and [`sync_dir`].
    pub fn persist(mut self) -> Result<()> {
        self.rename()?;
        if self.through {
            return Ok(());
        }
        sync_dir(&parent_dir(&self.target))
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.renamed {
            drop(self.file.take());
            let _ = std::fs::remove_file(&self.tmp);
            with_live(|l| l.files.remove(&self.tmp));
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Issue 11: a failing `sweep --out new/a/b` removed only `b/`; every folder made is
    /// removed (as far as it is empty), and a signal removes them too.
    #[test]
    fn created_folders_are_all_removed() {
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let deep = root.path().join("new/a/b");
        let made = create_dirs(&deep).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(made.len(), 3);
        assert!(deep.is_dir());
        remove_dirs(&made);
        assert!(!root.path().join("new").exists());
        assert!(create_dirs(root.path()).is_ok_and(|m| m.is_empty()));
    }

    #[test]
    fn temporary_names_carry_the_pid() {
        assert_eq!(temporary_pid(".y.npy.littoral-tmp-4242-7.png"), Some(4242));
        assert_eq!(temporary_pid("y.npy"), None);
    }
}
