//! # Littoral
//!
//! A Rust engine for stateful spiking and rate neural networks with Rockpool's low-level
//! Module API, in a functional shape: a module is an immutable descriptor, its numbers
//! live in a path-keyed [`Tree`], and `evolve(params, state, input, record)` is a pure
//! function.
//!
//! ```
//! use littoral::prelude::*;
//! let net = Sequential::new().append(Linear::new(2, 3))?.append(Lif::new(3))?;
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
//! ## One error type for a whole program
//!
//! Modules and builders return [`Error`] (the core's model error: it names the dotted path,
//! and its variant and [`Error::path`] say what was wrong). Snapshots, sweeps, checkpoints,
//! time series and files return [`functional::Error`], which wraps it: every core error
//! converts with `?`, so a program returns `littoral::functional::Result` and needs no
//! `map_err`.
//!
//! ```
//! use littoral::prelude::*;
//! use littoral::functional::{Snapshot, evolve_par, ParOptions};
//! fn run() -> littoral::functional::Result<u64> {
//!     let lif = Lif::new(3).with_tau_mem(0.02)?;           // a core error converts
//!     let tree = lif.init(1);
//!     let ev = evolve_par(&lif, &tree, &tree, &Array::full(vec![2, 10, 3], 0.5), &ParOptions::default())?;
//!     Ok(Snapshot::capture(&lif, &tree, &ev.state, 10)?.step)
//! }
//! assert_eq!(run()?, 10);
//! # Ok::<(), littoral::functional::Error>(())
//! ```
#![deny(missing_docs)]

pub use littoral_core::*;
pub use littoral_functional as functional;
pub use littoral_functional::timeseries;
pub use littoral_nets as nets;

/// Everything a typical program needs.
pub mod prelude {
    pub use littoral_core::{
        Array, Attribute, Constant, Error, Evolution, EvolveOptions, Families, Init, Initialiser,
        Kind, Leaf, Module, ModuleExt, Record, Result, Stateful, Tree, TreeExt, Value,
        evolve_child,
    };
    pub use littoral_nets::{
        Activation, ExpSyn, FFwdStack, Instant, InstantFn, Lif, Linear, Rate, Residual, Sequential,
    };
}
