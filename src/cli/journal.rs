//! The journal of a sweep (`DIR/points/`): every computed point's CSV row, appended as
//! soon as the point is computed, so that `--resume` computes only the missing points.
//!
//! Each process (the one-process run, a shard's task, each MPI rank) appends to a file of
//! its own, `journal-<pid>-<i>.csv`, created new (`O_EXCL`: never shared, never appended
//! to by a later run). A row goes in whole with one append under the file's lock: about 5
//! µs, where a file per point, written and renamed, cost 0.15–0.5 ms on the development
//! VM's ext4 and serialised the threads and ranks on the folder's lock
//! (`docs/performance.md`, "The sweep journal"). A run killed part-way leaves at most its
//! last row incomplete; a row counts only when it is one whole line, newline included,
//! that starts with its point's index ([`recorded`]), so a partial row is never taken for
//! a result. Folders written before kept one file per point (`K.csv`); they are read too.

use super::error::{CliError, CliResult};
use littoral_functional::codec::read_file;
use littoral_functional::{Error, Result};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Files tried before giving up on a free journal name (another process holds each).
const NAMES_TRIED: usize = 1000;

/// The journal's folder in the sweep folder `out`: `out/points`.
pub fn folder(out: &Path) -> PathBuf {
    out.join("points")
}

/// This process's journal file in a sweep's `points/` folder, created at the first row.
pub struct Journal {
    dir: PathBuf,
    file: Mutex<Option<(PathBuf, File)>>,
}

impl Journal {
    /// The journal whose rows go to `dir` (the sweep's [`folder`], which must exist
    /// before the first row).
    pub fn new(dir: &Path) -> Self {
        Journal {
            dir: dir.to_path_buf(),
            file: Mutex::new(None),
        }
    }

    /// Append point `k`'s CSV row (one line, with its newline).
    ///
    /// Not synced to disk, unlike the outputs: a point costs milliseconds and a sync often
    /// costs as much, and durability buys nothing here. A row lost or damaged by a crash
    /// of the machine fails [`recorded`]'s check and the point is computed again.
    ///
    /// # Errors
    /// A row that is not one line starting with `k,`; the file cannot be created or
    /// written (named).
    pub fn record(&self, k: usize, row: &str) -> Result<()> {
        if !is_row_of(k, row) {
            return Err(Error::Sweep(format!(
                "internal error: point {k}'s row is not one line starting with `{k},`"
            )));
        }
        let mut file = self
            .file
            .lock()
            .map_err(|_| Error::Sweep("internal error: the journal's lock is poisoned".into()))?;
        let (path, f) = match &mut *file {
            Some(open) => open,
            None => file.insert(self.create()?),
        };
        f.write_all(row.as_bytes())
            .map_err(|e| Error::io(path.as_path(), "write", e))
    }

    /// A new file of this process's own in the folder.
    fn create(&self) -> Result<(PathBuf, File)> {
        let pid = std::process::id();
        for i in 0..NAMES_TRIED {
            let path = self.dir.join(format!("journal-{pid}-{i}.csv"));
            match OpenOptions::new().append(true).create_new(true).open(&path) {
                Ok(f) => return Ok((path, f)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(Error::io(&path, "create", e)),
            }
        }
        Err(Error::io(
            &self.dir,
            "create a journal file in",
            std::io::Error::other(format!("journal-{pid}-0.csv … -{NAMES_TRIED}.csv exist")),
        ))
    }
}

/// The rows recorded in `dir` (the sweep's [`folder`]) for the points in `wanted`, by point: every
/// whole line of every journal file, and the one-point files of older folders; the first
/// row of a point wins (all rows of a point hold the same bytes). Incomplete lines, rows
/// of points not wanted, and hidden temporaries are left out.
///
/// # Errors
/// A folder that cannot be listed; a journal file that cannot be read.
pub fn recorded(dir: &Path, wanted: &[usize]) -> CliResult<BTreeMap<usize, String>> {
    let mut rows = BTreeMap::new();
    if !dir.is_dir() {
        return Ok(rows);
    }
    let want: std::collections::BTreeSet<usize> = wanted.iter().copied().collect();
    let entries = std::fs::read_dir(dir).map_err(|e| CliError::io(dir, "list", &e))?;
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| CliError::io(dir, "list", &e))?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if name.is_some_and(|n| !n.starts_with('.') && n.ends_with(".csv")) {
            files.push(path);
        }
    }
    // In name order: the same rows whatever order the folder lists them in.
    files.sort();
    for path in files {
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        let legacy = stem.as_deref().and_then(|s| s.parse::<usize>().ok());
        // An older folder's `K.csv` may be incomplete or unreadable: it is recomputed.
        // A journal's torn tail may hold any bytes: only its whole UTF-8 lines count.
        let bytes = match (legacy, read_file(&path)) {
            (_, Ok(bytes)) => bytes,
            (Some(_), Err(_)) => continue,
            (None, Err(e)) => return Err(CliError::functional(&path, e)),
        };
        for line in bytes.split_inclusive(|&b| b == b'\n') {
            let Ok(line) = std::str::from_utf8(line) else {
                continue;
            };
            let Some(k) = point_of(line) else { continue };
            if legacy.is_some_and(|only| only != k) || !want.contains(&k) {
                continue;
            }
            rows.entry(k).or_insert_with(|| line.to_string());
        }
    }
    Ok(rows)
}

/// The point whose whole row `line` is: one line, newline included, starting with `k,`.
fn point_of(line: &str) -> Option<usize> {
    let (k, _) = line.split_once(',')?;
    let k = k.parse::<usize>().ok()?;
    is_row_of(k, line).then_some(k)
}

fn is_row_of(k: usize, row: &str) -> bool {
    row.starts_with(&format!("{k},")) && row.ends_with('\n') && row.matches('\n').count() == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_appended_and_read_back_whole_lines_only() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let j = Journal::new(dir.path());
        for k in [3, 1, 2] {
            j.record(k, &format!("{k},0.5,{}\n", k * 10))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(j.record(4, "5,0.5,1\n").is_err(), "a row of another point");
        assert!(j.record(4, "4,0.5\n1\n").is_err(), "two lines");
        // A killed run's torn last row (and bytes that are not UTF-8 before it), an older
        // folder's one-point files (one whole, one truncated, one holding another point's
        // row), a hidden temporary.
        let torn = dir.path().join("journal-1-0.csv");
        std::fs::write(&torn, b"5,0.5,50\n\xff\xfe\n6,0.5,6").unwrap_or_else(|e| panic!("{e}"));
        for (name, text) in [
            ("7.csv", "7,0.5,70\n"),
            ("8.csv", "8,0.5,"),
            ("9.csv", "10,0.5,100\n"),
            (".11.csv.littoral-tmp-1", "11,0.5,110\n"),
        ] {
            std::fs::write(dir.path().join(name), text).unwrap_or_else(|e| panic!("{e}"));
        }
        let all: Vec<usize> = (0..12).collect();
        let rows = recorded(dir.path(), &all).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rows.keys().copied().collect::<Vec<_>>(), [1, 2, 3, 5, 7]);
        assert_eq!(rows[&2], "2,0.5,20\n");
        let some = recorded(dir.path(), &[2, 6, 7]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(some.keys().copied().collect::<Vec<_>>(), [2, 7]);
    }

    #[test]
    fn each_journal_gets_a_new_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        for k in 0..3 {
            Journal::new(dir.path())
                .record(k, &format!("{k},1\n"))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let files = std::fs::read_dir(dir.path()).map(Iterator::count);
        assert_eq!(files.unwrap_or(0), 3);
        let rows = recorded(dir.path(), &[0, 1, 2]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rows.len(), 3);
    }
}
