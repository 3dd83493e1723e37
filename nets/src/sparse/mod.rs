//! Sparse connectivity: a validated CSR weight matrix ([`Csr`], `f32` or `f64`, `u32`
//! indices: 12 bytes per synapse in `f64`, 8 in `f32`), seeded initialisers
//! ([`SparseInit`]: fixed probability with or without autapses, fixed in-degree; constant,
//! uniform or normal weights) and event-driven propagation kernels whose cost is
//! O(spikes × fan-out) and whose bits do not depend on threads or chunking.
//!
//! The building block of `SparseLinear` and of the sparse recurrent weights of the
//! spiking neurons (issue 12); see `docs/models.md`.
//!
//! ```
//! use littoral_nets::sparse::{Connectivity, SparseInit, Weights, events_from_counts};
//! let init = SparseInit {
//!     connectivity: Connectivity::FixedInDegree { k: 5, autapses: false },
//!     weights: Weights::Uniform { low: 0.0, high: 1.0 },
//! };
//! let w = init.build::<f32>("w_rec", 100, 100, 7)?;
//! assert_eq!(w.nnz(), 500);
//! let mut spikes = vec![0.0f32; 100];
//! spikes[3] = 1.0;
//! spikes[42] = 2.0;
//! let (mut events, mut counts) = (Vec::new(), Vec::new());
//! events_from_counts(&spikes, &mut events, &mut counts)?;
//! let mut input = vec![0.0f32; 100];
//! w.accumulate_events(&events, &counts, &mut input)?;
//! # Ok::<(), littoral_core::Error>(())
//! ```

mod csr;
mod init;
mod propagate;
mod structure;

pub use csr::Csr;
pub use init::{Connectivity, SparseInit, Weights};
pub use propagate::events_from_counts;
pub use structure::{Block, Structure, onto_synapses};
