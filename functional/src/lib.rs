//! placeholder
#![deny(missing_docs)]
pub mod error;
pub mod par;
pub use error::{Error, Result};
