//! NIR graphs for Python: `littoral.load("graph.nir")` reads a file of the `nir` package
//! (HDF5) through `littoral_nets::nir::read` and gives its description, the text of
//! `littoral_nets::nir::render_file`; `littoral.load("graph.nir", dt=…, semantics=…)`
//! also builds the graph as a module with `littoral_nets::nir::Graph::from_nir`, as
//! `littoral simulate GRAPH.nir --dt DT --semantics S` does.

use crate::convert::{folder_err, io_err};
use littoral_core::Module;
use littoral_nets::nir::{self, Graph, NirError, NirFile, Semantics};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A NIR graph read from a file: its version, the reader's warnings and the description
/// text (nodes in execution order with their shapes, edges, nested graphs). A module
/// read with a time step (`littoral.load(path, dt=…)`) runs the graph and keeps this
/// description as its `graph`.
#[pyclass(module = "littoral._littoral", name = "NirGraph", frozen)]
#[derive(Clone, Debug)]
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
        Ok(read_described(py, path)?.1)
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
            "NirGraph('{}', {} nodes)",
            self.path.display(),
            self.nodes.len()
        )
    }
}

/// What a module built from a NIR file keeps of it: the description and the options it
/// was built with.
#[derive(Debug)]
pub struct NirSource {
    /// The description of the file.
    pub graph: PyNirGraph,
    /// The time step in seconds.
    pub dt: f64,
    /// The semantics the neurons follow.
    pub semantics: Semantics,
}

/// Read and check a NIR file: the graph and its description. Errors name the file and
/// the node.
fn read_described(py: Python<'_>, path: PathBuf) -> PyResult<(NirFile, PyNirGraph)> {
    let meta = std::fs::metadata(&path).map_err(|e| io_err(&path, "read", &e))?;
    if meta.is_dir() {
        return Err(folder_err(&path));
    }
    let (file, text) = py
        .detach(|| {
            let file = nir::read(&path)?;
            let text = nir::render_file(&file).map_err(|e| e.in_file(&path))?;
            Ok((file, text))
        })
        .map_err(|e: NirError| PyValueError::new_err(e.to_string()))?;
    let described = PyNirGraph {
        version: file.version.clone(),
        warnings: file.warnings.clone(),
        nodes: file.graph.nodes.keys().cloned().collect(),
        path,
        text,
    };
    Ok((file, described))
}

/// Read a NIR file and build its graph as a module for time step `dt` (seconds) under
/// `semantics` (`littoral` when `None`), as `littoral simulate GRAPH.nir` does.
///
/// # Errors
/// An unknown semantics; what reading refuses and what `Graph::from_nir` refuses (a `dt`
/// that is not positive and finite, a `Delay` that is not a whole number of steps, a node
/// the semantics cannot run), naming the file and the node.
pub fn build(
    py: Python<'_>,
    path: PathBuf,
    dt: f64,
    semantics: Option<&str>,
) -> PyResult<(Arc<dyn Module>, NirSource)> {
    let semantics = match semantics {
        Some(s) => Semantics::from_name(s).map_err(|e| PyValueError::new_err(e.to_string()))?,
        None => Semantics::Littoral,
    };
    let (file, graph) = read_described(py, path)?;
    let module = py
        .detach(|| Graph::from_nir(&file.graph, dt, semantics))
        .map_err(|e| PyValueError::new_err(e.in_file(&graph.path).to_string()))?;
    let source = NirSource {
        graph,
        dt,
        semantics,
    };
    Ok((Arc::new(module), source))
}

impl NirSource {
    /// The file the graph was read from.
    pub fn path(&self) -> &Path {
        &self.graph.path
    }
}
