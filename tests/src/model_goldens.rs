//! The neuron-model golden files (`tests/golden/models/*.json`, written by
//! `tests/golden/gen_models.py`, an independent numpy/scipy reference): their documents,
//! and their numbers as arrays.

use littoral_core::{Array, Error, Result};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

/// The folder of the neuron-model golden files.
pub fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("golden")
        .join("models")
}

/// Every neuron-model golden file's document with its name (the file name without
/// `.json`), sorted by name.
///
/// # Errors
/// An unreadable folder or file, or a file that is not JSON, naming the file.
pub fn model_docs() -> Result<Vec<(String, Json)>> {
    let dir = models_dir();
    let unreadable = |path: &Path, e: &dyn std::fmt::Display| {
        Error::invalid(path.display().to_string(), e.to_string())
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| unreadable(&dir, &e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .ok_or_else(|| unreadable(path, &"a file name that is not UTF-8"))?;
            let text = std::fs::read_to_string(path).map_err(|e| unreadable(path, &e))?;
            let doc = serde_json::from_str(&text).map_err(|e| unreadable(path, &e))?;
            Ok((name.to_string(), doc))
        })
        .collect()
}

/// The numbers of a number or a nested list of numbers, in order.
///
/// # Errors
/// Anything else in `v`.
pub fn numbers(v: &Json) -> Result<Vec<f64>> {
    match v {
        Json::Array(items) => items.iter().try_fold(Vec::new(), |mut out, item| {
            out.extend(numbers(item)?);
            Ok(out)
        }),
        other => other
            .as_f64()
            .map(|x| vec![x])
            .ok_or_else(|| Error::invalid("golden", format!("expected numbers, found {other}"))),
    }
}

/// A list of steps as a `(steps, columns)` array, each step's numbers flattened (a golden
/// file's `input`, `output` and traces).
///
/// # Errors
/// Not a list, a step that is not numbers, or steps of other lengths.
pub fn table(v: &Json) -> Result<Array> {
    let steps = v
        .as_array()
        .ok_or_else(|| Error::invalid("golden", "expected a list of steps"))?;
    let rows = steps.iter().map(numbers).collect::<Result<Vec<_>>>()?;
    let width = rows.first().map_or(0, Vec::len);
    if let Some(k) = rows.iter().position(|row| row.len() != width) {
        let found = rows[k].len();
        return Err(Error::invalid(
            "golden",
            format!("step {k} holds {found} numbers, step 0 holds {width}"),
        ));
    }
    Array::from_shape_vec(vec![rows.len(), width], rows.concat())
}
