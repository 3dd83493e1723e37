//! The binary's error type: one line naming the file, and an exit code (1: bad input or
//! data, 2: bad usage).

use std::fmt::Display;
use std::path::{Path, PathBuf};

/// Exit code for bad input or data (unreadable, malformed or inconsistent files).
pub const EXIT_DATA: i32 = 1;
/// Exit code for bad usage (arguments that cannot work, whatever the files hold).
pub const EXIT_USAGE: i32 = 2;

/// Everything the command line reports. Each variant displays as one line.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A file that cannot be read, parsed, used or written (exit 1).
    #[error("{}: {message}", file.display())]
    File {
        /// The file (or folder).
        file: PathBuf,
        /// What is wrong, on one line.
        message: String,
    },
    /// Arguments that cannot work (exit 2).
    #[error("{0}")]
    Usage(String),
    /// A failure that concerns no single file (exit 1).
    #[error("{0}")]
    Other(String),
}

/// `Result` with [`CliError`].
pub type CliResult<T> = Result<T, CliError>;

impl CliError {
    /// A problem with `file`.
    pub fn file(file: impl AsRef<Path>, message: impl Display) -> Self {
        CliError::File {
            file: file.as_ref().to_path_buf(),
            message: one_line(&message.to_string()),
        }
    }

    /// A usage error.
    pub fn usage(message: impl Display) -> Self {
        CliError::Usage(one_line(&message.to_string()))
    }

    /// A failure that concerns no single file.
    pub fn other(message: impl Display) -> Self {
        CliError::Other(one_line(&message.to_string()))
    }

    /// An I/O error on `file` while doing `op` (`read`, `write`, …).
    pub fn io(file: impl AsRef<Path>, op: &str, e: &std::io::Error) -> Self {
        CliError::file(file, format!("cannot {op}: {}", io_message(e)))
    }

    /// A library error met while using `file`. Errors that already name a file (I/O and
    /// decoding errors of `littoral-functional`) keep their own file.
    pub fn functional(file: impl AsRef<Path>, e: littoral_functional::Error) -> Self {
        match e {
            e @ (littoral_functional::Error::Io { .. }
            | littoral_functional::Error::InFile { .. }) => CliError::from(e),
            other => CliError::file(file, other),
        }
    }

    /// An error of an evolution: an error about the input (path `input`) names the input
    /// file, any other the network file. Classified by the error's variant and path, never
    /// by its text.
    pub fn evolution(
        input_file: impl AsRef<Path>,
        net_file: impl AsRef<Path>,
        e: littoral_functional::Error,
    ) -> Self {
        match e.model_error() {
            Some(m) if m.path() == "input" => CliError::file(input_file, m.detail()),
            _ => CliError::file(net_file, e),
        }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) => EXIT_USAGE,
            CliError::File { .. } | CliError::Other(_) => EXIT_DATA,
        }
    }
}

/// A library error by its variant: I/O and decoding errors name their file (exit 1); any
/// other is a failure that concerns no single file (exit 1).
impl From<littoral_functional::Error> for CliError {
    fn from(e: littoral_functional::Error) -> Self {
        use littoral_functional::Error as F;
        match e {
            F::Io { path, op, source } => CliError::io(path, &op, &source),
            F::InFile { path, source } => CliError::file(path, source),
            other => CliError::other(other),
        }
    }
}

/// A short description of an I/O error, without the "(os error N)" suffix.
pub fn io_message(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "no such file or directory".into(),
        K::PermissionDenied => "permission denied".into(),
        K::UnexpectedEof => "unexpected end of file (truncated)".into(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    }
}

/// The most characters of an error message shown; a longer message (a whole header, a
/// 100 kB class name) shows its start, which names the file and the path, and its size.
pub const MAX_MESSAGE_CHARS: usize = 600;

/// A message made safe for a terminal: control characters (form feed, NUL, CR, escape
/// sequences, …) shown escaped (`\u{c}`), line breaks kept, and the length capped at
/// [`MAX_MESSAGE_CHARS`] (the start, then `… (N bytes in all)`).
pub fn sanitize(message: &str) -> String {
    let mut out = String::new();
    for (shown, c) in message.chars().enumerate() {
        if shown >= MAX_MESSAGE_CHARS {
            out.push_str(&format!("… ({} bytes in all)", message.len()));
            return out;
        }
        if c.is_control() && c != '\n' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Collapse a message onto one line.
pub fn one_line(s: &str) -> String {
    let lines: Vec<&str> = s.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    lines.join("; ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn messages_are_escaped_and_capped() {
        assert_eq!(
            sanitize("a\u{c}b\0c\rd\u{1b}[31m"),
            "a\\u{c}b\\u{0}c\\rd\\u{1b}[31m"
        );
        assert_eq!(sanitize("two\nlines"), "two\nlines");
        let long = format!("f.json: class {}", "x".repeat(100_000));
        let shown = sanitize(&long);
        assert!(shown.starts_with("f.json: class xxx"));
        assert!(shown.ends_with(&format!("… ({} bytes in all)", long.len())));
        assert!(shown.chars().count() < MAX_MESSAGE_CHARS + 40);
    }
}
