//! # littoral-nets
//!
//! Rockpool's native modules with the same numbers (float64, Rockpool 3.1.0's step
//! order): [`Lif`], [`Rate`], [`Linear`], [`ExpSyn`], [`Instant`], and the combinators
//! [`Sequential`], [`Residual`] and [`FFwdStack`].
//! Every module is an immutable descriptor; its values live in a [`littoral_core::Tree`].
//!
//! `Lif` and `Linear` can compute in float32 instead (`with_precision(Precision::F32)`,
//! Rockpool's Jax numbers). Their kernels are vectorised for the CPU they run on and spread
//! batch samples over the current rayon pool, with the same bits on any thread count; see
//! `docs/performance.md`.
#![deny(missing_docs)]

pub mod alif;
mod audited;
pub mod autonomous;
pub mod builder;
pub mod combinators;
pub mod config;
pub mod cuba;
mod decode_cache;
pub mod exp_syn;
pub mod fused;
pub mod instant;
pub mod layers;
pub mod lif;
mod lif_chunked;
mod lif_kernel;
pub mod lif_options;
mod lif_packed;
mod lif_split;
pub mod linear;
mod linear_events;
pub mod matmul;
pub mod membrane;
pub mod neuron;
pub mod nir;
pub mod par;
pub mod rate;
mod registry;
pub mod sparse;
pub mod sparse_linear;
mod spike_list;
mod time_blocks;
pub mod view;
mod zoh;

use audited::task_zeroed;

pub use alif::Alif;
pub use combinators::ffwd_stack::FFwdStack;
pub use combinators::residual::Residual;
pub use combinators::sequential::Sequential;
pub use cuba::Cuba;
pub use exp_syn::ExpSyn;
pub use instant::{Instant, InstantFn};
pub use layers::{Delay, Scale, Threshold};
pub use lif::Lif;
pub use lif_options::Reset;
pub use linear::Linear;
pub use littoral_core::Precision;
pub use membrane::Membrane;
pub use rate::{Activation, Rate};
pub use registry::registry;

/// The modules and the traits that put their builder methods on `Result`, so a chain of
/// fallible setters needs one `?`:
///
/// ```
/// use littoral_nets::prelude::*;
/// let lif = Lif::new(100).with_tau_mem(0.02).with_threshold(1.0).with_has_rec(true)?;
/// let net = Sequential::new().append(Linear::new(2, 100)).append(lif)?;
/// assert_eq!(net.shape(), vec![2, 100]);
/// // the first error is kept and named
/// let e = Lif::new(3).with_tau_mem([0.1, 0.2]).with_threshold(1.0).unwrap_err();
/// assert_eq!(e.path(), "tau_mem");
/// # Ok::<(), littoral_core::Error>(())
/// ```
pub mod prelude {
    pub use crate::alif::AlifSetters;
    pub use crate::combinators::sequential::SequentialSetters;
    pub use crate::cuba::CubaSetters;
    pub use crate::exp_syn::ExpSynSetters;
    pub use crate::layers::{DelaySetters, ScaleSetters, ThresholdSetters};
    pub use crate::lif::LifSetters;
    pub use crate::linear::LinearSetters;
    pub use crate::membrane::MembraneSetters;
    pub use crate::rate::RateSetters;
    pub use crate::{
        Activation, Alif, Cuba, Delay, ExpSyn, FFwdStack, Instant, InstantFn, Lif, Linear,
        Membrane, Precision, Rate, Residual, Scale, Sequential, SparseLinear, Threshold,
    };
    pub use littoral_core::Module;
}
pub use sparse_linear::SparseLinear;
