//! # littoral-functional
//!
//! Pure functions over `(module, params, state, input)`: what the immutable design is for.
//!
//! - [`par::evolve_par`]: a batch fanned out over rayon (chunks of samples, local pools),
//!   bit-identical to the sequential [`littoral_core::ModuleExt::evolve`] for any chunk
//!   size and thread count.
//! - [`Snapshot`]: everything needed to continue a run exactly (network description,
//!   params, state with noise positions, step), encoded by [`codec`] (magic, version,
//!   length, CRC-32, bincode 2.0.1 payload), written atomically.
//! - [`checkpoint::run_checkpointed`] / [`checkpoint::resume`]: long runs in time chunks
//!   with a snapshot every K steps; an interrupted and resumed run gives the same bits.
//! - [`sweep::run_sweep`]: grids and zips over Parameter and SimulationParameter paths,
//!   in parallel, each point reproducible alone, unchanged leaves shared.
//! - [`timeseries`]: Rockpool's `TSContinuous` and `TSEvent` as validated values;
//!   [`Timed`] (`module.timed()`): Rockpool's high-level API, evolving on time series with
//!   a clock; [`timeseries::npz`] saves and loads time series as Rockpool `.npz` files;
//!   [`timeseries::plot`] draws them to PNG.
//!
//! Noise is a pure function of (sample key, time step, neuron) with the keys and step
//! held in the state, so none of these changes a single bit of the results; see
//! `docs/reproducibility.md`.
//!
//! ```
//! use littoral_core::{Array, ModuleExt, tree_bits_eq};
//! use littoral_functional::{ParOptions, Snapshot, evolve_par};
//! use littoral_nets::{Lif, Sequential};
//!
//! // A two-layer spiking network with recurrence and noise.
//! let net = Sequential::new()
//!     .append(Lif::new(3).with_has_rec(true).with_noise_std(0.1)?)?
//!     .append(Lif::new(3))?;
//! let tree = net.init(42);                                   // params + per-sample state
//! let x = Array::full(vec![4, 50, 3], 0.8);                  // (B, T, N)
//!
//! // The batch on two threads: the same bits as the sequential evolve.
//! let par = evolve_par(&net, &tree, &tree, &x, &ParOptions::default().with_threads(2))?;
//! let seq = net.evolve(&tree, &tree, &x, false)?;
//! assert!(par.output.bits_eq(&seq.output) && tree_bits_eq(&par.state, &seq.state));
//!
//! // Snapshot, bytes, restore (the module rebuilt from its description), continue.
//! let bytes = Snapshot::capture(&net, &tree, &par.state, 50)?.to_bytes()?;
//! let (module, params, state) = Snapshot::from_bytes(&bytes)?.restore_module(&littoral_nets::registry())?;
//! let next = module.evolve(&params, &state, &x, false)?;
//! let whole = net.evolve(&tree, &tree, &Array::full(vec![4, 100, 3], 0.8), false)?;
//! let tail: Vec<f64> = (0..4).flat_map(|b| whole.output.data()[b * 300 + 150..b * 300 + 300].to_vec()).collect();
//! assert_eq!(next.output.data(), &tail[..]);
//! # Ok::<(), littoral_functional::Error>(())
//! ```
#![deny(missing_docs)]

pub mod atomic;
pub mod checkpoint;
pub mod chunks;
pub mod codec;
pub mod error;
pub mod npy;
pub mod par;
pub mod snapshot;
mod snapshot_wire;
pub mod summary;
pub mod sweep;
pub mod sweep_points;
mod sweep_prefix;
pub mod sweep_prepared;
mod sweep_stream;
pub mod timeseries;

pub use checkpoint::{CheckpointOptions, resume, run_checkpointed};
pub use chunks::TimeChunks;
pub use error::{Error, FormatError, Mismatch, Result};
pub use par::{ParOptions, evolve_par};
pub use snapshot::Snapshot;
pub use sweep::{AxisValue, PointResult, PointSummary, Sweep, SweepMode, SweepOptions, run_sweep};
pub use timeseries::timed::{Duration, Timed, TimedEvolution, TimedExt, TimedInput};
