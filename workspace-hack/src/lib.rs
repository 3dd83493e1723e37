//! No code: this crate only unifies the features of Littoral's dependencies across the
//! commands that build them, so that each dependency is compiled once (see `Cargo.toml`).
