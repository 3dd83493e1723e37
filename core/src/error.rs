//! The one error type of `littoral-core`.

use thiserror::Error;

/// Everything that can go wrong in the core: every variant that concerns a tree leaf
/// names its dotted path (`1_LIF.tau_mem`).
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum Error {
    /// An array does not have the shape it must have.
    #[error("{path}: expected shape {expected}, found {found}")]
    Shape {
        /// Dotted path of the leaf or argument.
        path: String,
        /// The permitted shape(s), written as Python tuples.
        expected: String,
        /// The shape that was found.
        found: String,
    },
    /// A path that the module does not have.
    #[error("{path}: unknown path (the module has no such attribute or submodule)")]
    UnknownPath {
        /// Dotted path that was asked for.
        path: String,
    },
    /// A required leaf is missing from a tree.
    #[error("{path}: missing from the tree")]
    MissingPath {
        /// Dotted path of the missing leaf.
        path: String,
    },
    /// A leaf of the wrong kind or element type.
    #[error("{path}: expected {expected}, found {found}")]
    Kind {
        /// Dotted path of the leaf.
        path: String,
        /// What was expected (kind or element type).
        expected: String,
        /// What was found.
        found: String,
    },
    /// A NaN or infinite value where only finite numbers are allowed.
    #[error("{path}: non-finite value {value} at flat index {index}")]
    NonFinite {
        /// Dotted path of the leaf (or `input`).
        path: String,
        /// Flat (row-major) index of the first offending element.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// An argument that is invalid for a reason other than its shape.
    #[error("{path}: {message}")]
    Invalid {
        /// Dotted path or argument name.
        path: String,
        /// What is wrong and, where possible, what to do.
        message: String,
    },
}

impl Error {
    /// Shape error with shapes formatted as Python tuples.
    pub fn shape(path: impl Into<String>, expected: &[Vec<usize>], found: &[usize]) -> Self {
        let expected = expected
            .iter()
            .map(|s| crate::array::format_shape(s))
            .collect::<Vec<_>>()
            .join(" or ");
        Error::Shape {
            path: path.into(),
            expected,
            found: crate::array::format_shape(found),
        }
    }

    /// An `Invalid` error.
    pub fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }

    /// Prefix the path of this error with `prefix` (a submodule name), so errors raised
    /// deep in a tree name their full path.
    ///
    /// ```
    /// use littoral_core::Error;
    /// let e = Error::MissingPath { path: "tau_mem".into() }.within("1_LIF");
    /// assert_eq!(e.to_string(), "1_LIF.tau_mem: missing from the tree");
    /// ```
    #[must_use]
    pub fn within(self, prefix: &str) -> Self {
        let join = |p: String| {
            if p.is_empty() {
                prefix.to_string()
            } else {
                format!("{prefix}.{p}")
            }
        };
        match self {
            Error::Shape {
                path,
                expected,
                found,
            } => Error::Shape {
                path: join(path),
                expected,
                found,
            },
            Error::UnknownPath { path } => Error::UnknownPath { path: join(path) },
            Error::MissingPath { path } => Error::MissingPath { path: join(path) },
            Error::Kind {
                path,
                expected,
                found,
            } => Error::Kind {
                path: join(path),
                expected,
                found,
            },
            Error::NonFinite { path, index, value } => Error::NonFinite {
                path: join(path),
                index,
                value,
            },
            Error::Invalid { path, message } => Error::Invalid {
                path: join(path),
                message,
            },
        }
    }
}

/// `Result` with the core [`Error`](enum@Error).
pub type Result<T, E = Error> = std::result::Result<T, E>;
