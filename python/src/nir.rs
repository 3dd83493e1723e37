//! NIR graphs for Python: `littoral.load("graph.nir")` reads a file of the `nir` package
//! (HDF5) through `littoral_nets::nir::read` and gives its description, the text of
//! `littoral_nets::nir::render_file`. Littoral cannot execute NIR graphs yet, so a
//! [`PyNirGraph`] only describes the graph.

use crate::convert::{folder_err, io_err};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::path::PathBuf;

/// A NIR graph read from a file: its version, the reader's warnings and the description
/// text (nodes in execution order with their shapes, edges, nested graphs). It cannot be
/// evolved: executing NIR graphs is not available yet.
#[pyclass(module = "littoral._littoral", name = "NirGraph", frozen)]
pub struct PyNirGraph {
    path: PathBuf,
    version: String,
    warnings: Vec<String>,
    nodes: Vec<String>,
    text: String,
}

#[pymethods]
impl PyNirGraph {
    /// Read and check a NIR file. Errors name the file and the node.
    #[staticmethod]
    fn read(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let meta = std::fs::metadata(&path).map_err(|e| io_err(&path, "read", &e))?;
        if meta.is_dir() {
            return Err(folder_err(&path));
        }
        let (file, text) = py
            .detach(|| {
                let file = littoral_nets::nir::read(&path)?;
                let text = littoral_nets::nir::render_file(&file).map_err(|e| e.in_file(&path))?;
                Ok((file, text))
            })
            .map_err(|e: littoral_nets::nir::NirError| PyValueError::new_err(e.to_string()))?;
        Ok(PyNirGraph {
            path,
            version: file.version,
            warnings: file.warnings,
            nodes: file.graph.nodes.keys().cloned().collect(),
            text,
        })
    }

    /// The file the graph was read from.
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    /// The version of the `nir` package that wrote the file (`""` if absent).
    #[getter]
    fn version(&self) -> &str {
        &self.version
    }

    /// What the reader inferred or repaired, one sentence each.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }

    /// The names of the top-level nodes, sorted.
    #[getter]
    fn nodes(&self) -> Vec<String> {
        self.nodes.clone()
    }

    /// The description, as `littoral inspect` prints it.
    #[getter]
    fn text(&self) -> &str {
        &self.text
    }

    fn __str__(&self) -> &str {
        &self.text
    }

    fn __repr__(&self) -> String {
        format!(
            "NirGraph('{}', {} nodes, not executable)",
            self.path.display(),
            self.nodes.len()
        )
    }
}
