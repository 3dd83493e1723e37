//! Output files that appear whole or not at all.
//!
//! Every output of a command is first *reserved*: a temporary file is created in the
//! destination's folder right away (so a missing or read-only folder fails before any
//! work is done). Its content is written and synced later; [`Outputs::commit`] renames
//! every temporary file over its destination and syncs the folders. If anything fails
//! before the commit, dropping [`Outputs`] removes every temporary file: no output file
//! appears at all.

use super::error::{CliError, CliResult};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A reserved output, returned by [`Outputs::reserve`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputId(usize);

#[derive(Debug)]
struct Staged {
    dest: PathBuf,
    tmp: PathBuf,
    file: Option<File>,
    written: bool,
}

/// A set of output files written as one transaction.
#[derive(Debug, Default)]
pub struct Outputs {
    staged: Vec<Staged>,
}

fn unique() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// The folder holding `path` (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

impl Outputs {
    /// An empty set.
    pub fn new() -> Self {
        Outputs::default()
    }

    /// Reserve `dest`: create its temporary file now.
    ///
    /// # Errors
    /// A destination named twice, a folder that does not exist or cannot be written, a
    /// destination that is a folder.
    pub fn reserve(&mut self, dest: &Path) -> CliResult<OutputId> {
        self.reserve_with_suffix(dest, "")
    }

    /// [`Outputs::reserve`] with a temporary name ending in `suffix` (`.png`: encoders
    /// that choose the format from the file name).
    ///
    /// # Errors
    /// As [`Outputs::reserve`].
    pub fn reserve_with_suffix(&mut self, dest: &Path, suffix: &str) -> CliResult<OutputId> {
        if self.staged.iter().any(|s| s.dest == dest) {
            return Err(CliError::usage(format!(
                "{} is named as two different outputs",
                dest.display()
            )));
        }
        let name = dest
            .file_name()
            .ok_or_else(|| CliError::file(dest, "not a file name"))?;
        if dest.is_dir() {
            return Err(CliError::file(dest, "is a folder, not a file"));
        }
        let dir = parent_dir(dest);
        if !dir.is_dir() {
            return Err(CliError::file(
                dest,
                format!("cannot write: the folder {} does not exist", dir.display()),
            ));
        }
        let tmp = dir.join(format!(
            ".{}.littoral-tmp-{}-{}{suffix}",
            name.to_string_lossy(),
            std::process::id(),
            unique()
        ));
        let file = File::create(&tmp).map_err(|e| CliError::io(dest, "write", &e))?;
        self.staged.push(Staged {
            dest: dest.to_path_buf(),
            tmp,
            file: Some(file),
            written: false,
        });
        Ok(OutputId(self.staged.len() - 1))
    }

    /// Write the content of a reserved output with `f` (given a buffered writer over the
    /// temporary file), then flush and sync it.
    ///
    /// # Errors
    /// `f`'s error or an I/O error, naming the destination.
    pub fn write_with(
        &mut self,
        id: OutputId,
        f: impl FnOnce(&mut BufWriter<File>) -> CliResult<()>,
    ) -> CliResult<()> {
        let staged = self
            .staged
            .get_mut(id.0)
            .ok_or_else(|| CliError::other("internal error: unknown output"))?;
        let file = staged
            .file
            .take()
            .ok_or_else(|| CliError::file(&staged.dest, "internal error: written twice"))?;
        let dest = staged.dest.clone();
        let mut w = BufWriter::with_capacity(1 << 20, file);
        f(&mut w)?;
        w.flush().map_err(|e| CliError::io(&dest, "write", &e))?;
        let file = w
            .into_inner()
            .map_err(|e| CliError::io(&dest, "write", e.error()))?;
        file.sync_all()
            .map_err(|e| CliError::io(&dest, "write", &e))?;
        staged.written = true;
        Ok(())
    }

    /// Write a reserved output through its temporary path, for writers that create the
    /// file themselves (the plot's PNG encoder). `f` must leave a complete file there.
    ///
    /// # Errors
    /// `f`'s error.
    pub fn write_via_path(
        &mut self,
        id: OutputId,
        f: impl FnOnce(&Path) -> CliResult<()>,
    ) -> CliResult<()> {
        let staged = self
            .staged
            .get_mut(id.0)
            .ok_or_else(|| CliError::other("internal error: unknown output"))?;
        drop(staged.file.take());
        f(&staged.tmp)?;
        staged.written = true;
        Ok(())
    }

    /// Write bytes to a reserved output.
    ///
    /// # Errors
    /// As [`Outputs::write_with`].
    pub fn write_bytes(&mut self, id: OutputId, bytes: &[u8]) -> CliResult<()> {
        let dest = self.dest(id).to_path_buf();
        self.write_with(id, |w| {
            w.write_all(bytes)
                .map_err(|e| CliError::io(&dest, "write", &e))
        })
    }

    /// The destination of a reserved output.
    pub fn dest(&self, id: OutputId) -> &Path {
        self.staged
            .get(id.0)
            .map_or(Path::new(""), |s| s.dest.as_path())
    }

    /// Rename every temporary file over its destination (all must have been written),
    /// then sync the folders. A rename failure undoes the renames already done.
    ///
    /// # Errors
    /// An output never written; a rename that fails.
    pub fn commit(mut self) -> CliResult<Vec<PathBuf>> {
        if let Some(s) = self.staged.iter().find(|s| !s.written) {
            return Err(CliError::file(
                &s.dest,
                "internal error: reserved but never written",
            ));
        }
        let mut done: Vec<PathBuf> = Vec::new();
        for s in &self.staged {
            if let Err(e) = std::fs::rename(&s.tmp, &s.dest) {
                for d in &done {
                    let _ = std::fs::remove_file(d);
                }
                return Err(CliError::io(&s.dest, "write", &e));
            }
            done.push(s.dest.clone());
        }
        let mut dirs: Vec<PathBuf> = self.staged.iter().map(|s| parent_dir(&s.dest)).collect();
        dirs.sort();
        dirs.dedup();
        for d in dirs {
            // Best effort: the files are complete and renamed; a folder sync failure
            // (some file systems refuse it) does not make them partial.
            if let Ok(f) = File::open(&d) {
                let _ = f.sync_all();
            }
        }
        self.staged.clear();
        Ok(done)
    }
}

impl Drop for Outputs {
    fn drop(&mut self) {
        for s in self.staged.drain(..) {
            drop(s.file);
            let _ = std::fs::remove_file(&s.tmp);
        }
    }
}
