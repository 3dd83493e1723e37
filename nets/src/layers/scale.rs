//! `Scale`: NIR's element-wise gain, `y = scale ⊙ x`.

use crate::builder::{attribute_setters, per_element_parameter, result_setters};
use crate::neuron::{NeuronModel, Step};
use crate::view::per_element;
use littoral_core::InitValue;
use littoral_core::registry::{FileEntry, ModuleClass};
use littoral_core::{
    Array, Attribute, Evolution, Module, OptionValue, Precision, Real, Result, Tree,
};
use std::sync::Arc;

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
#[derive(Clone, Debug)]
pub struct Scale {
    n: usize,
    precision: Precision,
    attrs: Vec<Attribute>,
}

impl Scale {
    /// `N` channels with factor 1.
    pub fn new(n: usize) -> Self {
        Scale {
            n,
            precision: Precision::F64,
            attrs: vec![
                per_element_parameter("scale", "gain", n, 1.0),
                Attribute::simulation("dt", 1e-3),
            ],
        }
    }

    attribute_setters! {
        /// Set `scale` (`(N,)` or scalar).
        with_scale => "scale";
        /// Set `dt` (seconds).
        with_dt => "dt";
    }

    /// Compute in `f64` (the default) or `f32`; written to the network file as the option
    /// `"precision": "f32"`.
    #[must_use]
    pub fn with_precision(mut self, precision: Precision) -> Self {
        self.precision = precision;
        self
    }

    fn read(entry: &FileEntry<'_>) -> Result<Arc<dyn Module>> {
        let layer = Scale::new(entry.vector_size()?).with_precision(
            entry
                .parsed_option("precision", Precision::from_name)?
                .unwrap_or_default(),
        );
        Ok(Arc::new(entry.apply_values(layer, Scale::with)?))
    }

    /// How `Scale` is read from a network file (option `precision`).
    pub const CLASS: ModuleClass = ModuleClass::new("Scale", &["precision"], Scale::read);
}

/// The factors of one [`Scale`] call, in the compute type.
#[derive(Debug, Clone)]
pub struct ScaleParams<F> {
    scale: Vec<F>,
}

impl NeuronModel for Scale {
    type Params<F: Real> = ScaleParams<F>;
    type Scratch<F: Real> = ();

    fn precision(&self) -> Precision {
        self.precision
    }

    fn decode<F: Real>(&self, params: &Tree) -> Result<ScaleParams<F>> {
        let scale = per_element(params, "scale", self.n)?;
        Ok(ScaleParams {
            scale: scale.into_iter().map(F::of).collect(),
        })
    }

    fn scratch<F: Real>(&self, _p: &ScaleParams<F>) {}

    fn step<F: Real>(&self, p: &ScaleParams<F>, _scratch: &mut (), io: Step<'_, F>) {
        for ((y, &x), &scale) in io.output.iter_mut().zip(io.input).zip(&p.scale) {
            *y = (scale * F::of(x)).to64();
        }
    }
}

impl Module for Scale {
    fn class_name(&self) -> &str {
        "Scale"
    }

    fn shape(&self) -> Vec<usize> {
        vec![self.n]
    }

    fn attributes(&self) -> &[Attribute] {
        &self.attrs
    }

    fn options(&self) -> Vec<(&'static str, OptionValue)> {
        self.precision.option().into_iter().collect()
    }

    fn evolve_batch(
        &self,
        params: &Tree,
        state: &Tree,
        input: &Array,
        record: bool,
    ) -> Result<Evolution> {
        crate::neuron::evolve(self, params, state, input, record)
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
