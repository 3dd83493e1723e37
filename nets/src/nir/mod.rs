//! NIR (Neuromorphic Intermediate Representation) graphs: a typed model of every NIR
//! primitive, reading and writing the HDF5 files of the `nir` package, structure checks
//! (topological order, cycles, shapes) and a text rendering for `littoral inspect`.
//!
//! HDF5 goes through the pure-Rust crate `hdf5-pure` (no system library); see
//! `docs/nir.md` for the choice, the data model and what is left (the neuron models and
//! the graph executor build on this module).
//!
//! ```no_run
//! use littoral_nets::nir;
//! let file = nir::read("lif_norse.nir")?;
//! for w in &file.warnings {
//!     eprintln!("warning: {w}");
//! }
//! println!("{}", nir::render_file(&file)?);
//! nir::write(&file.graph, "copy.nir")?;
//! # Ok::<(), nir::NirError>(())
//! ```

mod analysis;
mod conv;
mod error;
mod export;
mod framework;
mod graph;
mod graph_exec;
mod hdf5_read;
mod inspect;
mod model;
mod names;
mod node;
pub mod ops;
mod pool;
mod read;
mod read_metadata;
mod schedule;
mod semantics;
mod shapes;
mod validate;
mod write;

pub use analysis::{Analysis, NodeShapes, analyse};
pub use error::{NirError, Result};
pub use export::{Exported, export, import_chain};
pub use framework::{FrameworkNeuron, FrameworkParams, NeuronKind, SNNTORCH_DT};
pub use graph::Graph;
pub use hdf5_read::MAX_ELEMENTS;
pub use inspect::{render, render_file};
pub use model::{
    Conv1d, Conv2d, Edge, FloatType, MetaValue, Metadata, NirFile, NirGraph, Node, Padding, Pool2d,
    Primitive, Tensor,
};
pub use names::NameGroup;
pub use node::NirNode;
pub use read::{MAX_DEPTH, ReadLimits, read, read_bytes, read_with};
pub use semantics::Semantics;
pub use shapes::{conv_len, declared_input, output_shape};
pub use validate::validate_node;
pub use write::{NIR_VERSION, write, write_bytes};
