//! `Threshold`: NIR's Heaviside layer, `z = [x > threshold]`.

use crate::builder::{attribute_setters, per_element_parameter, result_setters};
use crate::neuron::{NeuronModel, Step};
use crate::view::per_element;
use littoral_core::InitValue;
use littoral_core::registry::{FileEntry, ModuleClass};
use littoral_core::{
    Array, Attribute, Evolution, Module, OptionValue, Precision, Real, Result, Tree,
};
use std::sync::Arc;

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
#[derive(Clone, Debug)]
pub struct Threshold {
    n: usize,
    precision: Precision,
    attrs: Vec<Attribute>,
}

impl Threshold {
    /// `N` channels with threshold 0.
    pub fn new(n: usize) -> Self {
        Threshold {
            n,
            precision: Precision::F64,
            attrs: vec![
                per_element_parameter("threshold", "threshold", n, 0.0),
                Attribute::simulation("dt", 1e-3),
            ],
        }
    }

    attribute_setters! {
        /// Set `threshold` (`(N,)` or scalar).
        with_threshold => "threshold";
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
        let layer = Threshold::new(entry.vector_size()?).with_precision(
            entry
                .parsed_option("precision", Precision::from_name)?
                .unwrap_or_default(),
        );
        Ok(Arc::new(entry.apply_values(layer, Threshold::with)?))
    }

    /// How `Threshold` is read from a network file (option `precision`).
    pub const CLASS: ModuleClass = ModuleClass::new("Threshold", &["precision"], Threshold::read);
}

/// The thresholds of one [`Threshold`] call, in the compute type.
#[derive(Debug, Clone)]
pub struct ThresholdParams<F> {
    threshold: Vec<F>,
}

impl NeuronModel for Threshold {
    type Params<F: Real> = ThresholdParams<F>;
    type Scratch<F: Real> = ();

    fn precision(&self) -> Precision {
        self.precision
    }

    fn decode<F: Real>(&self, params: &Tree) -> Result<ThresholdParams<F>> {
        let threshold = per_element(params, "threshold", self.n)?;
        Ok(ThresholdParams {
            threshold: threshold.into_iter().map(F::of).collect(),
        })
    }

    fn scratch<F: Real>(&self, _p: &ThresholdParams<F>) {}

    fn step<F: Real>(&self, p: &ThresholdParams<F>, _scratch: &mut (), io: Step<'_, F>) {
        for ((z, &x), &threshold) in io.output.iter_mut().zip(io.input).zip(&p.threshold) {
            *z = if F::of(x) > threshold { 1.0 } else { 0.0 };
        }
    }
}

impl Module for Threshold {
    fn class_name(&self) -> &str {
        "Threshold"
    }

    fn shape(&self) -> Vec<usize> {
        vec![self.n]
    }

    fn spiking_output(&self) -> bool {
        true
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
    /// [`Threshold`]'s builder methods on `Result<Threshold>`.
    ThresholdSetters for Threshold {
        fn with(name: &str, v: InitValue) -> Result;
        fn with_threshold(v: impl Into<InitValue>) -> Result;
        fn with_dt(v: impl Into<InitValue>) -> Result;
        fn with_precision(precision: Precision);
    }
}
