//! The network file format (JSON) with the built-in classes: read a module description,
//! write one back. The format is a stable contract, documented in
//! `docs/network-format.md`; the reader is [`littoral_core::registry::Registry`] (use
//! [`crate::registry()`] with your own classes added to read them too), the writer
//! [`littoral_core::network`].
//!
//! ```
//! use littoral_core::{ModuleExt, TreeExt};
//! let text = r#"{"class": "Sequential", "modules": [
//!   {"class": "Linear", "shape": [2, 3], "parameters": {"weight": [[1, 0, 0], [0, 1, 0]]}},
//!   {"class": "LIF", "shape": [3], "parameters": {"tau_mem": 0.02}}]}"#;
//! let net = littoral_nets::config::from_json_str(text)?;
//! let tree = net.init(0);
//! assert_eq!(tree.array("1_LIF.tau_mem")?.data(), &[0.02]);
//! let back = littoral_nets::config::to_json_string(net.as_ref(), &tree)?;
//! let again = littoral_nets::config::from_json_str(&back)?;
//! assert!(littoral_core::tree_bits_eq(&again.init(1).parameters(None), &tree.parameters(None)));
//! # Ok::<(), littoral_core::Error>(())
//! ```

use littoral_core::{Module, Result};
use serde_json::Value as Json;
use std::sync::Arc;

pub use littoral_core::network::{array_to_json, json_to_array, to_json, to_json_string};

/// Build a module of the built-in classes from the JSON text of a network file. Given
/// values become the module's concrete initial values (a reset restores them); omitted
/// ones take Rockpool's defaults.
///
/// # Errors
/// Malformed JSON, unknown classes, options or attributes, wrong shapes and non-finite
/// numbers, each naming its JSON path (`modules[1].parameters.tau_mem`).
pub fn from_json_str(text: &str) -> Result<Arc<dyn Module>> {
    crate::registry().read_json_str(text)
}

/// Build a module of the built-in classes from a parsed JSON value; `path` prefixes error
/// paths.
///
/// # Errors
/// As [`from_json_str`].
pub fn from_json(v: &Json, path: &str) -> Result<Arc<dyn Module>> {
    crate::registry().read_json(v, path)
}
