//! Combinators: `Sequential`, `Residual`, `FFwdStack`.

pub mod ffwd_stack;
pub mod residual;
pub mod sequential;

pub use littoral_core::evolve_child;
