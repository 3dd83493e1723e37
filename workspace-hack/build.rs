//! Empty: cargo unifies the features of `[build-dependencies]` only for a crate that has a
//! build script (see `Cargo.toml`).
fn main() {}
