//! `Scale`: NIR's element-wise gain, `y = scale ⊙ x`.

use super::elementwise::{ElementRule, Elementwise};
use crate::builder::{attribute_setters, result_setters};
use littoral_core::{InitValue, Precision, Real};

/// NIR's `Scale`: a stateless layer of `N` channels that multiplies each input by its
/// factor, at every step:
///
/// ```text
/// y_n = scale ⊙ x_n
/// ```
///
/// | attribute | kind | family | shape | default |
/// |---|---|---|---|---|
/// | `scale` | Parameter | gain | `(N,)` or `()` | 1 |
/// | `dt` | SimulationParameter | | `()` | 1e-3 (unused by the step; for summaries and `timed`) |
///
/// No State, no record. With `f32` the product is computed in `f32`.
///
/// ```
/// use littoral_core::{Array, ModuleExt};
/// use littoral_nets::Scale;
/// let layer = Scale::new(2).with_scale([2.0, -0.5])?;
/// let tree = layer.init(0);
/// let ev = layer.evolve(&tree, &tree, &Array::from_rows(&[vec![1.5, 4.0]])?, false)?;
/// assert_eq!(ev.output.data(), &[3.0, -2.0]);
/// # Ok::<(), littoral_core::Error>(())
/// ```
pub type Scale = Elementwise<Gain>;

/// The rule of [`Scale`]: a product.
#[derive(Clone, Copy, Debug)]
pub struct Gain;

impl ElementRule for Gain {
    const CLASS_NAME: &'static str = "Scale";
    const PARAMETER: &'static str = "scale";
    const FAMILY: &'static str = "gain";
    const DEFAULT: f64 = 1.0;
    const SPIKING: bool = false;

    fn apply<F: Real>(scale: F, x: F) -> f64 {
        (scale * x).to64()
    }
}

impl Scale {
    attribute_setters! { @methods
        /// Set `scale` (`(N,)` or scalar).
        with_scale => "scale";
    }
}

result_setters! {
    /// [`Scale`]'s builder methods on `Result<Scale>`.
    ScaleSetters for Scale {
        fn with(name: &str, v: InitValue) -> Result;
        fn with_scale(v: impl Into<InitValue>) -> Result;
        fn with_dt(v: impl Into<InitValue>) -> Result;
        fn with_precision(precision: Precision);
    }
}
