//! Job-array sweeps: `--shard I/N` and `littoral sweep merge DIR`, and the manifest that
//! ties every file of a sweep folder to its network, input and grid.
//!
//! Layout of a sweep folder `DIR`:
//! - `DIR/manifest.json`: written by the one-process run and by `merge`;
//! - `DIR/shards/I.csv` and `DIR/shards/I.manifest.json`: written by `--shard I/N`;
//! - `DIR/summary.csv`: the rows of every point in point order (no timing, so the same
//!   bytes however the points were distributed).

use super::args::MergeArgs;
use super::atomic::Outputs;
use super::error::{CliError, CliResult};
use super::say;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What a sweep was made from. Two folders (or shards) with equal manifests hold rows of
/// the same sweep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// SHA-256 of the network file's bytes.
    pub network_sha256: String,
    /// SHA-256 of the input file's bytes.
    pub input_sha256: String,
    /// SHA-256 of the grid: mode, then each axis as `path=v1,v2,...`.
    pub grid_sha256: String,
    /// `--seed`.
    pub seed: u64,
    /// Number of points of the whole sweep.
    pub points: usize,
    /// The CSV header line.
    pub columns: String,
}

/// SHA-256 of bytes, as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// SHA-256 of a file's bytes.
///
/// # Errors
/// The file cannot be read.
pub fn file_sha256(path: &Path) -> CliResult<String> {
    Ok(sha256_hex(&read_bounded(path)?))
}

/// A file's bytes, read as every input is (`codec::read_file`: a pipe or a device only up
/// to the stream limit, so `/dev/zero` is refused).
fn read_bounded(path: &Path) -> CliResult<Vec<u8>> {
    littoral_functional::codec::read_file(path).map_err(|e| CliError::functional(path, e))
}

/// A text file (a manifest, a journal row, a shard's rows), read as [`read_bounded`].
///
/// # Errors
/// An unreadable file or one that is not UTF-8.
pub fn read_text(path: &Path) -> CliResult<String> {
    String::from_utf8(read_bounded(path)?).map_err(|_| CliError::file(path, "not UTF-8 text"))
}

/// The canonical text of a grid, whose SHA-256 is [`Manifest::grid_sha256`].
pub fn grid_text(zip: bool, axes: &[(String, Vec<f64>)]) -> String {
    let mut t = format!("mode={}\n", if zip { "zip" } else { "grid" });
    for (path, values) in axes {
        let vs: Vec<String> = values.iter().map(|v| format!("{v}")).collect();
        t.push_str(&format!("{path}={}\n", vs.join(",")));
    }
    t
}

impl Manifest {
    /// The JSON text, with `shard` (`"I/N"`) for a shard's manifest.
    pub fn to_json(&self, shard: Option<(usize, usize)>) -> String {
        let mut v = json!({
            "format": "littoral-sweep-manifest/1",
            "network_sha256": self.network_sha256,
            "input_sha256": self.input_sha256,
            "grid_sha256": self.grid_sha256,
            "seed": self.seed,
            "points": self.points,
            "columns": self.columns,
        });
        if let (Some((i, n)), Some(obj)) = (shard, v.as_object_mut()) {
            obj.insert("shard".into(), json!(format!("{i}/{n}")));
        }
        format!("{v:#}\n")
    }

    /// Read a manifest and its `shard` field, if any.
    ///
    /// # Errors
    /// An unreadable file, bad JSON or a missing field, naming the file.
    pub fn read(path: &Path) -> CliResult<(Manifest, Option<(usize, usize)>)> {
        let text = read_text(path)?;
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| CliError::file(path, format!("not a sweep manifest: {e}")))?;
        let s = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| CliError::file(path, format!("manifest: no string '{k}'")))
        };
        let u = |k: &str| {
            v.get(k)
                .and_then(Value::as_u64)
                .ok_or_else(|| CliError::file(path, format!("manifest: no integer '{k}'")))
        };
        let points = usize::try_from(u("points")?)
            .map_err(|_| CliError::file(path, "manifest: 'points' too large"))?;
        let m = Manifest {
            network_sha256: s("network_sha256")?,
            input_sha256: s("input_sha256")?,
            grid_sha256: s("grid_sha256")?,
            seed: u("seed")?,
            points,
            columns: s("columns")?,
        };
        let shard = match v.get("shard") {
            None => None,
            Some(x) => Some(parse_shard(x.as_str().unwrap_or("")).map_err(|_| {
                CliError::file(path, format!("manifest: bad shard {x}, expected \"I/N\""))
            })?),
        };
        Ok((m, shard))
    }

    /// Refuse `other` (read from `other_file`) unless it describes the same sweep as
    /// `self` (from `self_file`); the error names both files and what differs.
    ///
    /// # Errors
    /// A file error naming the first difference.
    pub fn check_same(
        &self,
        self_file: &Path,
        other: &Manifest,
        other_file: &Path,
    ) -> CliResult<()> {
        let diffs = [
            ("network", &self.network_sha256, &other.network_sha256),
            ("input", &self.input_sha256, &other.input_sha256),
            ("grid (--vary/--zip)", &self.grid_sha256, &other.grid_sha256),
            ("columns", &self.columns, &other.columns),
        ];
        let mine = self_file.display();
        let differ = |detail: String| Err(CliError::file(other_file, detail));
        for (what, a, b) in diffs {
            if a != b {
                return differ(format!(
                    "made with another {what} than {mine}: checksum {} ≠ {}",
                    short(b),
                    short(a)
                ));
            }
        }
        if self.seed != other.seed {
            return differ(format!(
                "made with --seed {} but {mine} with --seed {}",
                other.seed, self.seed
            ));
        }
        if self.points != other.points {
            return differ(format!(
                "a sweep of {} points but {mine} of {}",
                other.points, self.points
            ));
        }
        Ok(())
    }
}

fn short(s: &str) -> &str {
    s.get(..12).unwrap_or(s)
}

/// Parse `I/N` with `0 ≤ I < N`.
///
/// # Errors
/// A usage error for anything else.
pub fn parse_shard(s: &str) -> CliResult<(usize, usize)> {
    let bad = || CliError::usage(format!("--shard: expected I/N with 0 ≤ I < N, found '{s}'"));
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let i: usize = i.trim().parse().map_err(|_| bad())?;
    let n: usize = n.trim().parse().map_err(|_| bad())?;
    if i >= n {
        return Err(bad());
    }
    Ok((i, n))
}

/// The shards folder of a sweep folder.
pub fn shards_dir(dir: &Path) -> PathBuf {
    dir.join("shards")
}

/// The CSV and manifest files of shard `i`.
pub fn shard_files(dir: &Path, i: usize) -> (PathBuf, PathBuf) {
    let d = shards_dir(dir);
    (
        d.join(format!("{i}.csv")),
        d.join(format!("{i}.manifest.json")),
    )
}

/// Every manifest already in `dir` (the folder's and each shard's), as (file, manifest).
fn existing_manifests(dir: &Path) -> CliResult<Vec<(PathBuf, Manifest)>> {
    let mut out = Vec::new();
    let top = dir.join("manifest.json");
    if top.is_file() {
        out.push((top.clone(), Manifest::read(&top)?.0));
    }
    for (_, (_, manifest)) in shard_indices(dir)? {
        if manifest.is_file() {
            out.push((manifest.clone(), Manifest::read(&manifest)?.0));
        }
    }
    Ok(out)
}

/// Refuse to write into `dir` if any manifest already there describes another sweep.
///
/// # Errors
/// The first mismatching manifest, named.
pub fn check_folder(dir: &Path, mine: &Manifest, what: &str) -> CliResult<()> {
    for (file, theirs) in existing_manifests(dir)? {
        theirs
            .check_same(&file, mine, Path::new(what))
            .map_err(|e| {
                CliError::file(
                    &file,
                    format!(
                        "{} holds another sweep; use another --out folder ({})",
                        dir.display(),
                        super::error::one_line(&e.to_string())
                    ),
                )
            })?;
    }
    Ok(())
}

/// The shard indices found in `DIR/shards` (files `I.csv`), ascending, with their files.
fn shard_indices(dir: &Path) -> CliResult<BTreeMap<usize, (PathBuf, PathBuf)>> {
    let d = shards_dir(dir);
    let mut out = BTreeMap::new();
    if !d.is_dir() {
        return Ok(out);
    }
    let entries = std::fs::read_dir(&d).map_err(|e| CliError::io(&d, "list", &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| CliError::io(&d, "list", &e))?;
        let name = entry.file_name();
        let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(".csv")) else {
            continue;
        };
        if let Ok(i) = stem.parse::<usize>() {
            out.insert(i, shard_files(dir, i));
        }
    }
    Ok(out)
}

/// Name up to ten points.
fn list_points(ks: &[usize]) -> String {
    let mut s: Vec<String> = ks.iter().take(10).map(ToString::to_string).collect();
    if ks.len() > 10 {
        s.push(format!("… ({} in all)", ks.len()));
    }
    s.join(", ")
}

/// `littoral sweep merge DIR`.
///
/// # Errors
/// No shards; a shard without a manifest, or made from another network, input, grid or
/// seed; a row that does not belong to its shard; missing or duplicate points (named).
pub fn merge(a: &MergeArgs) -> CliResult<()> {
    let dir = &a.dir;
    let shards = shard_indices(dir)?;
    let Some(first) = shards.values().next() else {
        return Err(CliError::file(
            shards_dir(dir),
            "no shard files I.csv: run `littoral sweep … --shard I/N --out DIR` first",
        ));
    };
    let (reference, _) = Manifest::read(&first.1)?;
    let reference_file = first.1.clone();
    let top = dir.join("manifest.json");
    if top.is_file() {
        let (m, _) = Manifest::read(&top)?;
        m.check_same(&top, &reference, &reference_file)?;
    }
    let n = reference.points;
    // Every point's row and the file it came from.
    let mut rows: Vec<Option<(String, PathBuf)>> = vec![None; n];
    let mut counts: Option<usize> = None;
    for (&i, (csv_file, manifest_file)) in &shards {
        if !manifest_file.is_file() {
            return Err(CliError::file(
                csv_file,
                format!("no manifest {} beside it", manifest_file.display()),
            ));
        }
        let (m, shard) = Manifest::read(manifest_file)?;
        reference.check_same(&reference_file, &m, manifest_file)?;
        let Some((si, sn)) = shard.filter(|(si, _)| *si == i) else {
            return Err(CliError::file(
                manifest_file,
                format!("not the manifest of shard {i}"),
            ));
        };
        counts = Some(match counts {
            Some(c) if c != sn => 0,
            _ => sn,
        });
        let text = read_text(csv_file)?;
        let mut lines = text.lines();
        if lines.next() != Some(reference.columns.as_str()) {
            return Err(CliError::file(
                csv_file,
                format!("line 1: expected the header '{}'", reference.columns),
            ));
        }
        for (line_no, line) in lines.enumerate() {
            let k = line
                .split(',')
                .next()
                .and_then(|f| f.parse::<usize>().ok())
                .filter(|&k| k < n && k % sn == si)
                .ok_or_else(|| {
                    CliError::file(
                        csv_file,
                        format!(
                            "line {}: not a row of shard {si}/{sn} of a {n}-point sweep",
                            line_no + 2
                        ),
                    )
                })?;
            if let Some((_, other)) = &rows[k] {
                return Err(CliError::file(
                    csv_file,
                    format!("duplicate point {k}: also in {}", other.display()),
                ));
            }
            rows[k] = Some((line.to_string(), csv_file.clone()));
        }
    }
    let missing: Vec<usize> = (0..n).filter(|&k| rows[k].is_none()).collect();
    if !missing.is_empty() {
        let hint = match counts {
            Some(sn) if sn > 0 => {
                let mut want: Vec<usize> = missing.iter().map(|k| k % sn).collect();
                want.dedup();
                want.sort_unstable();
                want.dedup();
                let names: Vec<String> = want.iter().map(|i| format!("{i}/{sn}")).collect();
                format!("; rerun --shard {}", names.join(", "))
            }
            _ => String::new(),
        };
        return Err(CliError::file(
            shards_dir(dir),
            format!(
                "{} of {n} point(s) missing: {}{hint}",
                missing.len(),
                list_points(&missing)
            ),
        ));
    }
    let mut text = format!("{}\n", reference.columns);
    for (line, _) in rows.iter().flatten() {
        text.push_str(line);
        text.push('\n');
    }
    let mut outs = Outputs::new();
    let csv_path = dir.join("summary.csv");
    let csv_id = outs.reserve(&csv_path)?;
    let manifest_id = outs.reserve(&top)?;
    outs.write_bytes(csv_id, text.as_bytes())?;
    outs.write_bytes(manifest_id, reference.to_json(None).as_bytes())?;
    outs.commit()?;
    if !a.quiet {
        say(&format!(
            "merged {n} point(s) from {} shard file(s) → {}",
            shards.len(),
            csv_path.display()
        ));
    }
    Ok(())
}

/// With `--resume`: remove the temporary files a killed run left in `dir` and
/// `dir/points` (hidden `.NAME.littoral-tmp-…`: outputs it had reserved but never
/// renamed, which are never taken for results). The folder belongs to the resumed sweep:
/// no other run may be writing into it. Returns how many were removed.
///
/// # Errors
/// A folder that cannot be listed, a file that cannot be removed.
pub fn remove_stale_temporaries(dir: &Path) -> CliResult<usize> {
    let mut removed = 0;
    for d in [dir.to_path_buf(), super::journal::folder(dir)] {
        if !d.is_dir() {
            continue;
        }
        let entries = std::fs::read_dir(&d).map_err(|e| CliError::io(&d, "list", &e))?;
        for entry in entries {
            let entry = entry.map_err(|e| CliError::io(&d, "list", &e))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') && name.contains(".littoral-tmp-") {
                let path = entry.path();
                std::fs::remove_file(&path).map_err(|e| CliError::io(&path, "remove", &e))?;
                removed += 1;
            }
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_that_never_ends_is_refused_not_read_without_bound() {
        let e = read_text(Path::new("/dev/zero"))
            .err()
            .map(|e| e.to_string());
        let e = e.unwrap_or_default();
        assert!(e.contains("/dev/zero") && e.contains("bytes"), "{e}");
    }
}
