//! The one error type of NIR reading, writing and checking: it names the file (when
//! there is one), the place in the graph and what was expected.

use std::fmt;
use std::path::{Path, PathBuf};

/// An error from reading, writing or checking a NIR graph.
///
/// `location` is a dotted path inside the graph, as Littoral names parameters:
/// `1_LIF.tau` is the dataset `tau` of node `1_LIF`, `sub.lif.tau` the same inside the
/// nested graph `sub`; `edges` and `version` name the graph's own datasets.
///
/// ```
/// use littoral_nets::nir::NirError;
/// let e = NirError::at("1_LIF.tau", "expected a float array, found i64").in_file("net.nir");
/// assert_eq!(e.to_string(), "net.nir: 1_LIF.tau: expected a float array, found i64");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NirError {
    /// The file read or written, if any.
    pub file: Option<PathBuf>,
    /// Dotted path of the node or dataset concerned (empty for the file as a whole).
    pub location: String,
    /// What went wrong: the expected and the actual.
    pub message: String,
}

impl NirError {
    /// An error at a dotted `location` inside the graph.
    pub fn at(location: impl Into<String>, message: impl Into<String>) -> Self {
        NirError {
            file: None,
            location: location.into(),
            message: message.into(),
        }
    }

    /// Attach the file name (kept if one is already set).
    #[must_use]
    pub fn in_file(mut self, file: impl AsRef<Path>) -> Self {
        if self.file.is_none() {
            self.file = Some(file.as_ref().to_path_buf());
        }
        self
    }

    /// Prefix the location with the name of an enclosing node (nested graphs).
    #[must_use]
    pub fn within(mut self, parent: &str) -> Self {
        self.location = join(parent, &self.location);
        self
    }
}

/// `parent.child`, or either alone when the other is empty.
pub(crate) fn join(parent: &str, child: &str) -> String {
    match (parent.is_empty(), child.is_empty()) {
        (true, _) => child.to_string(),
        (_, true) => parent.to_string(),
        _ => format!("{parent}.{child}"),
    }
}

impl fmt::Display for NirError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}: ", file.display())?;
        }
        if !self.location.is_empty() {
            write!(f, "{}: ", self.location)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for NirError {}

/// Results of this module.
pub type Result<T> = std::result::Result<T, NirError>;
