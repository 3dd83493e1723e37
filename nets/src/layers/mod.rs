//! NIR's stateless and buffered layers: [`Threshold`], [`Scale`] and [`Delay`], with NIR's
//! parameter names and semantics (`docs/models.md` §2), on the neuron scaffold.

mod delay;
mod elementwise;
mod scale;
mod threshold;

pub use delay::{Delay, DelayParams, DelaySetters};
pub use elementwise::{ElementParams, ElementRule, Elementwise};
pub use scale::{Gain, Scale, ScaleSetters};
pub use threshold::{Heaviside, Threshold, ThresholdSetters};
