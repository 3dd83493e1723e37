//! The one error type of `littoral-functional`.
//!
//! It wraps [`littoral_core::Error`] (every path-carrying model error) and adds what the
//! functional engine can meet on its own: file I/O (always naming the file), the snapshot
//! codec (bad magic, newer format, truncation, checksum), structure mismatches between a
//! snapshot and a module (every mismatching path, not only the first), thread pools,
//! sweeps and checkpoint directories.

use std::fmt;
use std::path::PathBuf;
use thiserror::Error;

/// Everything that can go wrong in `littoral-functional`.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A model error from the core (bad shapes, unknown paths, …), naming its path.
    #[error(transparent)]
    Core(#[from] littoral_core::Error),

    /// An I/O operation on a file or directory failed.
    #[error("{}: cannot {op}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What was being done (`read`, `write`, `rename to …`, `sync`).
        op: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// The bytes are not a valid Littoral file (see `docs/snapshot-format.md`).
    #[error("{0}")]
    Format(#[from] FormatError),

    /// An error while reading or decoding a given file.
    #[error("{}: {source}", path.display())]
    InFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: Box<Error>,
    },

    /// A snapshot (or any params/state pair) does not fit a module. Every mismatching path
    /// is listed.
    #[error("the trees do not fit the module ({} mismatching path(s)): {}", mismatches.len(), list(mismatches))]
    Structure {
        /// One entry per mismatching path, in tree order.
        mismatches: Vec<Mismatch>,
    },

    /// A local rayon thread pool could not be built.
    #[error("cannot build a thread pool of {threads} thread(s): {message}")]
    ThreadPool {
        /// The requested number of threads.
        threads: usize,
        /// rayon's message.
        message: String,
    },

    /// A sweep declaration that cannot run (mismatching zip lengths, a State path …).
    #[error("sweep: {0}")]
    Sweep(String),

    /// A checkpoint directory that does not hold what is needed, or holds another run.
    #[error("checkpoint {}: {message}", dir.display())]
    Checkpoint {
        /// The checkpoint directory.
        dir: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
}

fn list(m: &[Mismatch]) -> String {
    m.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    /// One short line: for [`Error::Structure`] the count and the first three paths
    /// (`"5 mismatching path(s): a; b; c; and 2 more"`), otherwise the message.
    pub fn brief(&self) -> String {
        match self.mismatches() {
            Some(m) => {
                let shown = list(&m[..m.len().min(3)]);
                match m.len().saturating_sub(3) {
                    0 => format!("{} mismatching path(s): {shown}", m.len()),
                    more => format!("{} mismatching path(s): {shown}; and {more} more", m.len()),
                }
            }
            None => self.to_string(),
        }
    }

    /// An I/O error naming `path` and the operation.
    pub fn io(path: impl Into<PathBuf>, op: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            op: op.into(),
            source,
        }
    }

    /// This error, attributed to the file `path` (I/O errors already name theirs).
    #[must_use]
    pub fn in_file(self, path: impl Into<PathBuf>) -> Self {
        match self {
            e @ (Error::Io { .. } | Error::InFile { .. }) => e,
            e => Error::InFile {
                path: path.into(),
                source: Box::new(e),
            },
        }
    }

    /// The codec error behind this error, if it is one (looking through [`Error::InFile`]).
    pub fn format_error(&self) -> Option<&FormatError> {
        match self {
            Error::Format(f) => Some(f),
            Error::InFile { source, .. } => source.format_error(),
            _ => None,
        }
    }

    /// The model error behind this error, if it is one (looking through
    /// [`Error::InFile`]): its variant and [`littoral_core::Error::path`] say what was wrong
    /// (`input` for the input, a dotted path for a leaf).
    pub fn model_error(&self) -> Option<&littoral_core::Error> {
        match self {
            Error::Core(e) => Some(e),
            Error::InFile { source, .. } => source.model_error(),
            _ => None,
        }
    }

    /// The mismatches behind this error, if it is a structure error (looking through
    /// [`Error::InFile`]).
    pub fn mismatches(&self) -> Option<&[Mismatch]> {
        match self {
            Error::Structure { mismatches } => Some(mismatches),
            Error::InFile { source, .. } => source.mismatches(),
            _ => None,
        }
    }
}

/// Why bytes could not be decoded as a Littoral file. No variant is produced by a panic
/// or after allocating memory from an unchecked length.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FormatError {
    /// The input has no byte at all.
    #[error("empty file: not a Littoral snapshot")]
    Empty,
    /// Fewer bytes than the fixed header.
    #[error("truncated header: {found} byte(s), a Littoral header has {needed}")]
    TruncatedHeader {
        /// Header length.
        needed: usize,
        /// Bytes present.
        found: usize,
    },
    /// The first eight bytes are not `LITTORAL`.
    #[error("not a Littoral file: the magic bytes are {found:02x?}, expected \"LITTORAL\"")]
    BadMagic {
        /// The first (up to eight) bytes found.
        found: Vec<u8>,
    },
    /// A format version this library does not know (written by a newer Littoral), or 0.
    #[error("{}", version_message(*found, *supported))]
    UnsupportedVersion {
        /// The version in the header.
        found: u32,
        /// The newest version this library reads.
        supported: u32,
    },
    /// The payload length in the header is larger than the bytes that follow it
    /// (a truncated file or a corrupt length field).
    #[error(
        "truncated or corrupt: the header declares a payload of {declared} byte(s) but only \
         {available} follow"
    )]
    Truncated {
        /// Payload length written in the header.
        declared: u64,
        /// Bytes present after the header.
        available: u64,
    },
    /// Bytes after the declared payload.
    #[error("{extra} unexpected byte(s) after the payload (corrupt length field or appended data)")]
    TrailingBytes {
        /// How many.
        extra: u64,
    },
    /// The declared payload is larger than this library accepts.
    #[error("payload of {declared} byte(s) exceeds the limit of {limit} byte(s)")]
    TooLarge {
        /// Payload length written in the header.
        declared: u64,
        /// The limit.
        limit: u64,
    },
    /// The payload's CRC-32 does not match the header: the file is corrupt.
    #[error(
        "checksum mismatch: header says {stored:#010x}, payload has {computed:#010x} (corrupt file)"
    )]
    ChecksumMismatch {
        /// CRC-32 written in the header.
        stored: u32,
        /// CRC-32 of the payload as read.
        computed: u32,
    },
    /// The payload passed the checksum but does not decode as the expected type.
    #[error("undecodable payload: {0}")]
    Decode(String),
    /// The payload decoded but its content is inconsistent (e.g. an array whose data
    /// length does not match its shape).
    #[error("invalid content: {0}")]
    Invalid(String),
    /// A value could not be encoded.
    #[error("cannot encode: {0}")]
    Encode(String),
}

/// One path at which a tree does not fit a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Dotted path (`1_LIF.tau_mem`).
    pub path: String,
    /// What is wrong there.
    pub problem: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.problem)
    }
}

/// `Result` with this crate's [`Error`](enum@Error).
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Version 0 was never written: the file is corrupt, not from a newer Littoral.
fn version_message(found: u32, supported: u32) -> String {
    if found == 0 {
        format!(
            "invalid format version 0: no Littoral writes it (versions are 1 to {supported}); \
             the file is corrupt"
        )
    } else {
        format!(
            "unsupported format version {found}: this library reads versions 1 to \
             {supported}; upgrade Littoral to read this file"
        )
    }
}
