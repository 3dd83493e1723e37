//! NIR's stateless and buffered layers: [`Threshold`], [`Scale`] and [`Delay`], with NIR's
//! parameter names and semantics (`docs/models.md` §2), on the neuron scaffold.

mod delay;
mod scale;
mod threshold;

pub use delay::{Delay, DelayParams, DelaySetters};
pub use scale::{Scale, ScaleParams, ScaleSetters};
pub use threshold::{Threshold, ThresholdParams, ThresholdSetters};
