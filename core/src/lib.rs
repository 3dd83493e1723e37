//! # littoral-core
//!
//! The foundation of Littoral: row-major [`Array`]s, kind- and family-tagged [`Tree`]s
//! addressed by dotted paths, the [`Module`] descriptor trait, and [`ModuleExt`], which
//! gives every module Rockpool's low-level API as pure functions:
//!
//! - `init(seed)` → a tree of Parameters, SimulationParameters and State;
//! - `evolve(params, state, input, record)` → `(output, new_state, record)`, pure;
//! - `parameters(family)`, `state(family)`, `simulation_parameters(family)`,
//!   `attributes_named`, `set_attributes` (checked), `reset_state`, `reset_parameters`.
//!
//! [`Stateful`] wraps a module with its values for Rockpool's object style.
//!
//! ```
//! use littoral_core::{Array, ModuleExt, TreeExt};
//! # use littoral_core::doc_support::Toy;
//! let module = Toy;                         // any Module: LIF, Rate, Sequential, yours
//! let tree = module.init(42);               // seeded, per path
//! let x = Array::from_shape_vec(vec![2, 4, 1], vec![1.0; 8])?;   // (B, T, Nin)
//! let ev = module.evolve(&tree, &tree, &x, true)?;
//! assert_eq!(ev.output.shape(), &[2, 4, 1]);
//! assert_eq!(tree.parameters("weights").leaf_count(), 1);
//! # Ok::<(), littoral_core::Error>(())
//! ```
#![deny(missing_docs)]

pub mod array;
pub mod array_view;
pub mod batch;
#[doc(hidden)]
pub mod doc_support;
pub mod domain;
pub mod error;
pub mod init;
pub mod input_check;
pub mod instance;
pub mod limits;
pub mod linalg;
pub mod module;
pub mod module_ext;
pub mod nested;
pub mod network;
mod network_text;
pub mod real;
pub mod recording;
pub mod registry;
pub mod rng;
pub mod spare;
pub mod tree;
pub mod validate;
pub mod wire;

pub use array::Array;
pub use array_view::ArrayView;
pub use error::{Error, Result};
pub use init::{Attribute, Constant, Init, InitFn, InitValue, Initialiser};
pub use instance::Stateful;
pub use module::{
    Evolution, Module, Named, OptionValue, SparseStructure, borrow_children, evolve_borrowing,
    evolve_child, evolve_child_owned, for_each_module,
};
pub use module_ext::{EvolveOptions, ModuleExt};
/// The nalgebra version the [`linalg`] conversions are written for.
pub use nalgebra;
pub use nested::{Entry, Nested};
pub use real::{Precision, Real};
pub use recording::Recording;
pub use tree::{Families, Kind, Leaf, Record, Tree, TreeExt, Value, record_bits_eq, tree_bits_eq};
