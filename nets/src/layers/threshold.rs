//! `Threshold`: NIR's Heaviside layer, `z = [x > threshold]`.

use super::elementwise::{ElementRule, Elementwise};
use crate::builder::{attribute_setters, result_setters};
use littoral_core::{InitValue, Precision, Real};

/// NIR's `Threshold`: a stateless layer of `N` channels that outputs a spike where its
/// input exceeds the threshold, at every step:
///
/// ```text
/// z_n = [x_n > threshold]        (strict: an input equal to the threshold does not spike)
/// ```
///
/// | attribute | kind | family | shape | default |
/// |---|---|---|---|---|
/// | `threshold` | Parameter | threshold | `(N,)` or `()` | 0 |
/// | `dt` | SimulationParameter | | `()` | 1e-3 (unused by the step; for summaries and `timed`) |
///
/// No State, no record. With `f32` the input and the threshold are rounded to `f32`
/// before the comparison.
///
/// ```
/// use littoral_core::{Array, ModuleExt};
/// use littoral_nets::Threshold;
/// let layer = Threshold::new(2).with_threshold([0.5, -1.0])?;
/// let tree = layer.init(0);
/// let x = Array::from_rows(&[vec![0.5, -0.5], vec![0.7, -1.0]])?;
/// let ev = layer.evolve(&tree, &tree, &x, false)?;
/// assert_eq!(ev.output.data(), &[0.0, 1.0, 1.0, 0.0]);
/// # Ok::<(), littoral_core::Error>(())
/// ```
pub type Threshold = Elementwise<Heaviside>;

/// The rule of [`Threshold`]: NIR's strict Heaviside step.
#[derive(Clone, Copy, Debug)]
pub struct Heaviside;

impl ElementRule for Heaviside {
    const CLASS_NAME: &'static str = "Threshold";
    const PARAMETER: &'static str = "threshold";
    const FAMILY: &'static str = "threshold";
    const DEFAULT: f64 = 0.0;
    const SPIKING: bool = true;

    fn apply<F: Real>(threshold: F, x: F) -> f64 {
        if x > threshold { 1.0 } else { 0.0 }
    }
}

impl Threshold {
    attribute_setters! { @methods
        /// Set `threshold` (`(N,)` or scalar).
        with_threshold => "threshold";
    }
}

result_setters! {
    /// [`Threshold`]'s builder methods on `Result<Threshold>`.
    ThresholdSetters for Threshold {
        fn with(name: &str, v: InitValue) -> Result;
        fn with_threshold(v: impl Into<InitValue>) -> Result;
        fn with_dt(v: impl Into<InitValue>) -> Result;
        fn with_precision(precision: Precision);
    }
}
