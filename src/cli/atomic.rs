//! Output files that appear whole or not at all.
//!
//! Every output of a command is first *reserved*: a temporary file is created in the
//! destination's folder right away (so a missing or read-only folder fails before any
//! work is done). Its content is written and synced later; [`Outputs::commit`] renames
//! every temporary file over its destination and syncs the folders. If anything fails
//! before the commit, dropping [`Outputs`] removes every temporary file: no output file
//! appears at all. Destinations are resolved first (two names of one file are refused),
//! a character device or FIFO (`-o /dev/stdout`) is written through, never replaced, and
//! an interrupt (SIGINT, SIGTERM, SIGHUP) removes the temporary files
//! ([`install_signal_handler`]).

use super::error::{CliError, CliResult};
use littoral_functional::atomic::{AtomicFile, parent_dir, sync_dir};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// A reserved output, returned by [`Outputs::reserve`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputId(usize);

#[derive(Debug)]
struct Staged {
    file: AtomicFile,
    written: bool,
}

/// A set of output files written as one transaction.
#[derive(Debug, Default)]
pub struct Outputs {
    staged: Vec<Staged>,
}

/// A library error on an output file, naming it.
fn on_file(dest: &Path) -> impl Fn(littoral_functional::Error) -> CliError + '_ {
    move |e| CliError::functional(dest, e)
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
        let file = AtomicFile::create_with_suffix(dest, suffix).map_err(on_file(dest))?;
        // Compared resolved: `o/../o/y.npy` and a link to `o/y.npy` are `o/y.npy`.
        if let Some(other) = self
            .staged
            .iter()
            .find(|s| s.file.target() == file.target())
        {
            return Err(CliError::usage(format!(
                "{} and {} are the same file, named as two different outputs",
                other.file.dest().display(),
                dest.display()
            )));
        }
        self.staged.push(Staged {
            file,
            written: false,
        });
        Ok(OutputId(self.staged.len() - 1))
    }

    fn staged(&mut self, id: OutputId) -> CliResult<&mut Staged> {
        self.staged
            .get_mut(id.0)
            .ok_or_else(|| CliError::other("internal error: unknown output"))
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
        let staged = self.staged(id)?;
        staged.file.write_with(f)?;
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
        let staged = self.staged(id)?;
        staged.file.write_via_path(f)?;
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
            std::io::Write::write_all(w, bytes).map_err(|e| CliError::io(&dest, "write", &e))
        })
    }

    /// The destination of a reserved output.
    pub fn dest(&self, id: OutputId) -> &Path {
        self.staged
            .get(id.0)
            .map_or(Path::new(""), |s| s.file.dest())
    }

    /// Rename every temporary file over its destination (all must have been written),
    /// then sync the folders. A rename failure undoes the renames already done.
    ///
    /// # Errors
    /// An output never written; a rename that fails.
    pub fn commit(mut self) -> CliResult<Vec<PathBuf>> {
        if let Some(s) = self.staged.iter().find(|s| !s.written) {
            return Err(CliError::file(
                s.file.dest(),
                "internal error: reserved but never written",
            ));
        }
        let mut done: Vec<PathBuf> = Vec::new();
        // Regular files renamed into place (undone on a later failure; a device written
        // through is never removed).
        let mut replaced: Vec<PathBuf> = Vec::new();
        for s in &mut self.staged {
            let dest = s.file.dest().to_path_buf();
            if let Err(e) = s.file.rename() {
                for d in &replaced {
                    let _ = std::fs::remove_file(d);
                }
                return Err(CliError::functional(&dest, e));
            }
            if !s.file.is_written_through() {
                replaced.push(s.file.target().to_path_buf());
            }
            done.push(dest);
        }
        let mut dirs: Vec<PathBuf> = replaced.iter().map(|d| parent_dir(d)).collect();
        dirs.sort();
        dirs.dedup();
        for d in dirs {
            // Best effort: the files are complete and renamed; a folder sync failure
            // (some file systems refuse it) does not make them partial.
            let _ = sync_dir(&d);
        }
        self.staged.clear();
        Ok(done)
    }
}

/// The exit code of a run ended by a signal (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: i32 = 130;

/// On SIGINT, SIGTERM or SIGHUP: remove every reserved temporary file and every empty
/// folder this run created, then exit with [`EXIT_INTERRUPTED`].
pub fn install_signal_handler() {
    let _ = ctrlc::set_handler(|| {
        littoral_functional::atomic::remove_temporaries();
        std::process::exit(EXIT_INTERRUPTED);
    });
}
