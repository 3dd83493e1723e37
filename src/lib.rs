//! # Littoral
//!
//! A Rust engine for stateful spiking and rate neural networks with Rockpool's low-level
//! Module API, in a functional shape: a module is an immutable descriptor, its numbers
//! live in a path-keyed [`Tree`], and `evolve(params, state, input, record)` is a pure
//! function.
//!
//! ```
//! use littoral::prelude::*;
//! let net = Sequential::new().append(Linear::new(2, 3)).append(Lif::new(3))?;
//! let tree = net.init(42);                          // seeded, per path
//! let x = Array::full(vec![4, 100, 2], 0.5);        // (B, T, Nin)
//! let ev = net.evolve(&tree, &tree, &x, true)?;     // pure: (output, new_state, record)
//! assert_eq!(ev.output.shape(), &[4, 100, 3]);
//! assert_eq!(ev.state.array("1_LIF.vmem")?.shape(), &[4, 3]);   // state keeps the batch axis
//! assert!(ev.record.get("1_LIF.vmem").is_some());
//! println!("{}", tree.parameters("taus").leaf_count());
//! # Ok::<(), littoral::Error>(())
//! ```
//!
//! ## Short builder chains, one error type for a whole program
//!
//! Builder setters that check a value return `Result<Self>`; the prelude puts every
//! builder method on that `Result` too, so a chain needs one `?` at its end (the first
//! error is kept). Modules and builders return [`Error`] (the core's model error: it names
//! the dotted path, and its variant and [`Error::path`] say what was wrong). Snapshots,
//! sweeps, checkpoints, time series and files return [`functional::Error`], which wraps
//! it. A program returns [`AnyResult`] (that wrapping error): every Littoral error then
//! converts with `?`, and no `map_err` is needed.
//!
//! ```
//! use littoral::prelude::*;
//! use littoral::functional::{Snapshot, evolve_par, ParOptions};
//! fn run() -> AnyResult<u64> {
//!     let net = Sequential::new()
//!         .append(Linear::new(2, 3))
//!         .append(Lif::new(3).with_tau_mem(0.02).with_threshold(0.5)?)?;   // a core error
//!     let tree = net.init(1);
//!     let x = Array::full(vec![2, 10, 2], 0.5);
//!     let ev = evolve_par(&net, &tree, &tree, &x, &ParOptions::default())?;
//!     Ok(Snapshot::capture(&net, &tree, &ev.state, 10)?.step)           // a functional one
//! }
//! assert_eq!(run()?, 10);
//! # Ok::<(), littoral::AnyError>(())
//! ```
#![deny(missing_docs)]

pub use littoral_core::*;
pub use littoral_functional as functional;
pub use littoral_functional::timeseries;
pub use littoral_nets as nets;

/// Everything a typical program needs.
pub mod prelude {
    pub use crate::{AnyError, AnyResult};
    pub use littoral_core::{
        Array, ArrayView, Attribute, Constant, Error, Evolution, EvolveOptions, Families, Init,
        Initialiser, Kind, Leaf, Module, ModuleExt, Record, Recording, Result, Stateful, Tree,
        TreeExt, Value, evolve_child,
    };
    pub use littoral_nets::prelude::*;
}

/// The error of a whole program: any error Littoral returns. It is
/// [`functional::Error`], which every core [`Error`] converts into with `?`.
pub type AnyError = littoral_functional::Error;

/// A `Result` with [`AnyError`], for `main` and the functions of a program that mix model
/// building, evolution, snapshots, sweeps and files.
pub type AnyResult<T = ()> = std::result::Result<T, AnyError>;

/// The README's Rust example, compiled and run by `cargo test` as a doc test of this item,
/// which exists only then: the README cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeExample;

/// The Rust examples of `docs/nir.md`, doc tests in the same way (compiled; not run where
/// they read files that are not there: `no_run`).
#[cfg(doctest)]
#[doc = include_str!("../docs/nir.md")]
pub struct NirGuideExamples;

/// The Rust example of `docs/timeseries.md`, a doc test in the same way.
#[cfg(doctest)]
#[doc = include_str!("../docs/timeseries.md")]
pub struct TimeseriesGuideExample;
