//! # littoral-nets
//!
//! Rockpool's native modules with the same numbers (float64, Rockpool 3.1.0's step
//! order): [`Lif`], and the combinators. Every module is an immutable descriptor; its
//! values live in a [`littoral_core::Tree`].
#![deny(missing_docs)]

pub mod builder;
pub mod lif;
pub mod view;

pub use lif::Lif;
