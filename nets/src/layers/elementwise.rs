//! The shared body of NIR's stateless element-wise layers ([`super::Threshold`],
//! [`super::Scale`]): one Parameter per channel and a rule applied to each input value.

use crate::builder::{per_element_parameter, population_methods, replace_attribute};
use crate::neuron::{NeuronModel, Step};
use crate::view::per_element;
use littoral_core::registry::{FileEntry, ModuleClass};
use littoral_core::{Attribute, InitValue, Module, Precision, Real, Result, Tree};
use std::fmt::Debug;
use std::marker::PhantomData;
use std::sync::Arc;

/// The rule of an element-wise layer: its class, its one Parameter and what it does to an
/// input value.
pub trait ElementRule: Clone + Debug + Send + Sync + 'static {
    /// The class name (`"Threshold"`).
    const CLASS_NAME: &'static str;
    /// The Parameter's name (NIR's: `"threshold"`, `"scale"`).
    const PARAMETER: &'static str;
    /// The Parameter's family.
    const FAMILY: &'static str;
    /// The Parameter's default.
    const DEFAULT: f64;
    /// Whether the output is spikes.
    const SPIKING: bool;
    /// The output for input `x` and parameter `p`, in the compute type.
    fn apply<F: Real>(p: F, x: F) -> f64;
}

/// A stateless layer of `N` channels applying `Rule` with one Parameter per channel (or a
/// scalar), and a `dt` (unused by the step; for summaries and `timed`). No State, no
/// record; `f32` rounds the input and the Parameter before the rule.
#[derive(Clone, Debug)]
pub struct Elementwise<Rule> {
    n: usize,
    precision: Precision,
    attrs: Vec<Attribute>,
    rule: PhantomData<Rule>,
}

impl<Rule: ElementRule> Elementwise<Rule> {
    /// `N` channels with the rule's default Parameter.
    pub fn new(n: usize) -> Self {
        Elementwise {
            n,
            precision: Precision::F64,
            attrs: vec![
                per_element_parameter(Rule::PARAMETER, Rule::FAMILY, n, Rule::DEFAULT),
                Attribute::simulation("dt", 1e-3),
            ],
            rule: PhantomData,
        }
    }

    /// Any attribute by name.
    ///
    /// # Errors
    /// An unknown name, a shape the attribute does not permit, or a non-finite value.
    pub fn with(mut self, name: &str, v: InitValue) -> Result<Self> {
        replace_attribute(&mut self.attrs, name, v)?;
        Ok(self)
    }

    /// Set `dt` (seconds).
    ///
    /// # Errors
    /// A value that is not a finite scalar.
    pub fn with_dt(self, v: impl Into<InitValue>) -> Result<Self> {
        self.with("dt", v.into())
    }

    crate::builder::precision_methods!(with_precision);

    fn read(entry: &FileEntry<'_>) -> Result<Arc<dyn Module>> {
        let layer = Self::new(entry.vector_size()?).with_precision(
            entry
                .parsed_option("precision", Precision::from_name)?
                .unwrap_or_default(),
        );
        Ok(Arc::new(entry.apply_values(layer, Self::with)?))
    }

    /// How the class is read from a network file (option `precision`).
    pub const CLASS: ModuleClass = ModuleClass::new(Rule::CLASS_NAME, &["precision"], Self::read);
}

/// The per-channel Parameter of one [`Elementwise`] call, in the compute type.
#[derive(Debug, Clone)]
pub struct ElementParams<F> {
    values: Vec<F>,
}

impl<Rule: ElementRule> NeuronModel for Elementwise<Rule> {
    type Params<F: Real> = ElementParams<F>;
    type Scratch<F: Real> = ();

    fn precision(&self) -> Precision {
        self.precision
    }

    fn decode<F: Real>(&self, params: &Tree) -> Result<ElementParams<F>> {
        let values = per_element(params, Rule::PARAMETER, self.n)?;
        Ok(ElementParams {
            values: values.into_iter().map(F::of).collect(),
        })
    }

    fn scratch<F: Real>(&self, _p: &ElementParams<F>) {}

    fn step<F: Real>(&self, p: &ElementParams<F>, _scratch: &mut (), io: Step<'_, F>) {
        for ((y, &x), &value) in io.output.iter_mut().zip(io.input).zip(&p.values) {
            *y = Rule::apply(value, F::of(x));
        }
    }
}

impl<Rule: ElementRule> Module for Elementwise<Rule> {
    fn class_name(&self) -> &str {
        Rule::CLASS_NAME
    }

    fn spiking_output(&self) -> bool {
        Rule::SPIKING
    }

    population_methods!();
}
