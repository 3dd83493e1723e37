//! The one error type of `littoral-core`.

use std::fmt;

/// Everything that can go wrong in the core: every variant names the dotted path of the
/// leaf or argument it concerns (`1_LIF.tau_mem`, `input`), so a caller can tell what was
/// wrong by its variant and [`Error::path`], not by its text. It displays as
/// `{path}: {detail}`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// An array does not have the shape it must have.
    Shape {
        /// Dotted path of the leaf or argument.
        path: String,
        /// The permitted shape(s), written as Python tuples.
        expected: String,
        /// The shape that was found.
        found: String,
    },
    /// A path that the module does not have.
    UnknownPath {
        /// Dotted path that was asked for.
        path: String,
    },
    /// A required leaf is missing from a tree.
    MissingPath {
        /// Dotted path of the missing leaf.
        path: String,
    },
    /// A leaf of the wrong kind or element type.
    Kind {
        /// Dotted path of the leaf.
        path: String,
        /// What was expected (kind or element type).
        expected: String,
        /// What was found.
        found: String,
    },
    /// A NaN or infinite value where only finite numbers are allowed.
    NonFinite {
        /// Dotted path of the leaf (or `input`).
        path: String,
        /// Flat (row-major) index of the first offending element.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// An argument that is invalid for a reason other than its shape.
    Invalid {
        /// Dotted path or argument name.
        path: String,
        /// What is wrong and, where possible, what to do.
        message: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path(), self.detail())
    }
}

impl std::error::Error for Error {}

impl Error {
    /// The dotted path of the leaf or argument this error concerns (`1_LIF.tau_mem`,
    /// `input`).
    ///
    /// ```
    /// use littoral_core::Error;
    /// let e = Error::invalid("input", "must not be empty");
    /// assert_eq!((e.path(), e.detail().as_str()), ("input", "must not be empty"));
    /// ```
    pub fn path(&self) -> &str {
        match self {
            Error::Shape { path, .. }
            | Error::UnknownPath { path }
            | Error::MissingPath { path }
            | Error::Kind { path, .. }
            | Error::NonFinite { path, .. }
            | Error::Invalid { path, .. } => path,
        }
    }

    /// What is wrong, without the path.
    pub fn detail(&self) -> String {
        match self {
            Error::Shape {
                expected, found, ..
            } => format!("expected shape {expected}, found {found}"),
            Error::UnknownPath { .. } => {
                "unknown path (the module has no such attribute or submodule)".into()
            }
            Error::MissingPath { .. } => "missing from the tree".into(),
            Error::Kind {
                expected, found, ..
            } => format!("expected {expected}, found {found}"),
            Error::NonFinite { index, value, .. } => {
                format!("non-finite value {value} at flat index {index}")
            }
            Error::Invalid { message, .. } => message.clone(),
        }
    }

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
