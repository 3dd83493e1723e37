//! `ALIF`: the Rockpool-family LIF with an adaptive threshold (Bellec et al. 2018, LSNN).

use crate::Lif;
use crate::builder::replace_attribute;
use crate::lif::{LifParams, LifScratch};
use crate::lif_options::Adaptation;
use crate::neuron::{NeuronModel, Step};
use crate::view::{per_element, scalar};
use littoral_core::registry::ModuleClass;
use littoral_core::{
    Attribute, Init, InitValue, Module, OptionValue, Precision, Real, Result, Tree,
};
use std::sync::Arc;

/// Adaptive leaky integrate-and-fire neurons: [`Lif`] (with all its options: `reset`,
/// `refractory`, `n_synapses`, `w_rec`, noise) whose threshold rises by `beta` for every
/// unit of an adaptation variable `a` that decays with `tau_adapt` and jumps by 1 per
/// spike. Per step, with `ρ = exp(−dt/τ_adapt)` (`docs/models.md` §4):
/// ```text
/// (LIF's step up to the membrane update)
/// a     = ρ · a
/// θ_eff = threshold + beta · a
/// spikes and reset as LIF's, with θ_eff in place of threshold
/// a     = a + spikes
/// ```
/// Bellec's increment `(1 − ρ)` per spike is the same model with
/// `beta_here = beta_Bellec · (1 − ρ)`. A refractory step decays `a` but cannot spike.
///
/// | attribute | kind | family | shape | default |
/// |---|---|---|---|---|
/// | LIF's | | | | |
/// | `tau_adapt` | Parameter | taus | `(N,)` or `()` | 0.2 |
/// | `beta` | Parameter | adaptation | `(N,)` or `()` | 0.1 |
/// | `a` | State | | `(N,)` | 0 |
///
/// Records: LIF's, then `a` and `threshold_eff`.
///
/// ```
/// use littoral_core::{Array, ModuleExt};
/// use littoral_nets::Alif;
/// let alif = Alif::new(1).with_beta(0.5)?;
/// let tree = alif.init(0);
/// let x = Array::from_rows(&[vec![1.5], vec![0.0]])?;
/// let ev = alif.evolve(&tree, &tree, &x, true)?;
/// assert_eq!(ev.output.data()[0], 1.0);                 // v = 1.5·β ≥ 1
/// let theta = ev.record.get("threshold_eff").unwrap();  // 1 + 0.5·a, a = ρ after a spike
/// assert!(theta.data()[1] > 1.49 && theta.data()[1] < 1.5);
/// # Ok::<(), littoral_core::Error>(())
/// ```
#[doc(alias = "ALIF")]
#[derive(Clone, Debug)]
pub struct Alif {
    base: Lif,
    extra: Vec<Attribute>,
    attrs: Vec<Attribute>,
}

impl Alif {
    /// `N` neurons with one synapse each.
    pub fn new(n: usize) -> Self {
        Alif::on(Lif::new(n))
    }

    /// From Rockpool's `shape`: `[N]` or `[Nin, N]` (`Nin = N·S`).
    ///
    /// # Errors
    /// As [`Lif::from_shape`].
    pub fn from_shape(shape: &[usize]) -> Result<Self> {
        Lif::from_shape(shape).map(Alif::on)
    }

    /// The adaptive version of a LIF (its options and values kept).
    pub fn on(base: Lif) -> Self {
        let n = base.n_neurons();
        let extra = vec![
            Attribute::parameter("tau_adapt", "taus", vec![vec![n], vec![]], Init::Fill(0.2)),
            Attribute::parameter("beta", "adaptation", vec![vec![n], vec![]], Init::Fill(0.1)),
            Attribute::state("a", vec![n]),
        ];
        Alif {
            base,
            extra,
            attrs: Vec::new(),
        }
        .synced()
    }

    fn synced(mut self) -> Self {
        self.attrs = self.base.attributes().to_vec();
        self.attrs.extend(self.extra.iter().cloned());
        self
    }

    /// Any attribute by name (LIF's, `tau_adapt`, `beta`); `refractory` adds the
    /// refractory period.
    ///
    /// # Errors
    /// An unknown name, a shape the attribute does not permit, a non-finite value, and
    /// [`Lif::with_value`]'s errors.
    pub fn with(mut self, name: &str, v: InitValue) -> Result<Self> {
        if self.extra.iter().any(|a| a.name == name) {
            replace_attribute(&mut self.extra, name, v)?;
        } else {
            self.base = self.base.with_value(name, v)?;
        }
        Ok(self.synced())
    }

    /// Change the underlying LIF (its options), keeping the adaptation's values.
    #[must_use]
    pub fn map_lif(mut self, f: impl FnOnce(Lif) -> Lif) -> Self {
        self.base = f(self.base);
        self.synced()
    }

    /// Set `tau_adapt` (seconds; `(N,)` or scalar).
    ///
    /// # Errors
    /// A shape the attribute does not permit, or a non-finite value.
    pub fn with_tau_adapt(self, v: impl Into<InitValue>) -> Result<Self> {
        self.with("tau_adapt", v.into())
    }

    /// Set `beta` (the threshold's gain on `a`; `(N,)` or scalar).
    ///
    /// # Errors
    /// A shape the attribute does not permit, or a non-finite value.
    pub fn with_beta(self, v: impl Into<InitValue>) -> Result<Self> {
        self.with("beta", v.into())
    }

    /// The underlying LIF.
    pub fn lif(&self) -> &Lif {
        &self.base
    }

    /// How `ALIF` is read from a network file (LIF's options and values, plus
    /// `tau_adapt` and `beta`).
    pub const CLASS: ModuleClass = ModuleClass::new(
        "ALIF",
        &["has_rec", "precision", "reset", "w_rec"],
        |entry| {
            let lif = Lif::file_options(entry, entry.from_shape(Lif::from_shape)?)?;
            Ok(Arc::new(entry.apply_values(Alif::on(lif), Alif::with)?))
        },
    );
}

impl NeuronModel for Alif {
    type Params<F: Real> = LifParams<F>;
    type Scratch<F: Real> = LifScratch<F>;

    fn precision(&self) -> Precision {
        self.base.precision()
    }

    fn decode<F: Real>(&self, p: &Tree) -> Result<LifParams<F>> {
        let mut params: LifParams<F> = self.base.decode(p)?;
        let dt = scalar(p, "dt")?;
        let n = self.base.n_neurons();
        params.options.adapt = Some(Adaptation {
            rho: per_element(p, "tau_adapt", n)?
                .into_iter()
                .map(|tau| (F::of(-dt) / F::of(tau)).exp())
                .collect(),
            beta: per_element(p, "beta", n)?.into_iter().map(F::of).collect(),
        });
        Ok(params)
    }

    fn scratch<F: Real>(&self, p: &LifParams<F>) -> LifScratch<F> {
        self.base.scratch(p)
    }

    fn noise_len<F: Real>(&self, p: &LifParams<F>) -> usize {
        self.base.noise_len(p)
    }

    fn records(&self) -> Vec<(&'static str, Vec<usize>)> {
        let n = self.base.n_neurons();
        let mut records = self.base.records();
        records.push(("a", vec![n]));
        records.push(("threshold_eff", vec![n]));
        records
    }

    fn step<F: Real>(&self, p: &LifParams<F>, scratch: &mut LifScratch<F>, io: Step<'_, F>) {
        self.base.option_step(p, scratch, io);
    }

    fn record<F: Real>(&self, scratch: &LifScratch<F>, state: &[Vec<F>], out: &mut [&mut [f64]]) {
        F::widen_into(scratch.irec(), out[0]);
        for (src, dst) in state.iter().zip(out[1..].iter_mut()) {
            F::widen_into(src, dst);
        }
        if let Some(last) = out.last_mut() {
            F::widen_into(&scratch.threshold_eff, last);
        }
    }
}

impl Module for Alif {
    fn class_name(&self) -> &str {
        "ALIF"
    }

    fn spiking_output(&self) -> bool {
        true
    }

    fn shape(&self) -> Vec<usize> {
        self.base.shape()
    }

    fn spiking_input(&self) -> bool {
        self.base.spiking_input()
    }

    fn attributes(&self) -> &[Attribute] {
        &self.attrs
    }

    fn options(&self) -> Vec<(&'static str, OptionValue<'_>)> {
        self.base.options()
    }

    crate::builder::evolve_on_scaffold!();
}

crate::builder::result_setters! {
    /// [`Alif`]'s builder methods on `Result<Alif>`.
    AlifSetters for Alif {
        fn with(name: &str, v: InitValue) -> Result;
        fn with_tau_adapt(v: impl Into<InitValue>) -> Result;
        fn with_beta(v: impl Into<InitValue>) -> Result;
    }
}
