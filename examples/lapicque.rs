//! A neuron model written outside the Littoral crates, in one file: Lapicque's
//! integrate-and-fire neuron (no synaptic current). The scaffold
//! ([`littoral::nets::neuron`]) gives it batching, state, noise keys, records, `f64`/`f32`
//! and threads; one line registers it for network files and snapshots:
//! `littoral::nets::registry().with(Lapicque::CLASS)`.
//!
//! Per step, with `α = exp(−dt/τ)` and noise `noise_std·√dt·N(0, 1)`:
//! ```text
//! v      = α·v + x + noise
//! spikes = (v ≥ threshold)
//! v      = v − spikes·threshold
//! ```
//!
//! Run: `cargo run --release --example lapicque`

use littoral::nets::neuron::{self, NeuronModel, Step};
use littoral::nets::view::{per_element, scalar};
use littoral::prelude::*;
use littoral::registry::{FileEntry, ModuleClass};
use littoral::{InitValue, Real};
use std::sync::Arc;

/// `N` Lapicque neurons.
#[derive(Clone, Debug)]
pub struct Lapicque {
    n: usize,
    attrs: Vec<Attribute>,
}

impl Lapicque {
    /// How the class is read from a network file (no options).
    pub const CLASS: ModuleClass = ModuleClass::new("Lapicque", &[], Lapicque::from_entry);

    /// `n` neurons, `τ` = 20 ms, threshold 1, no noise.
    pub fn new(n: usize) -> Self {
        Lapicque {
            n,
            attrs: vec![
                Attribute::parameter("tau", "taus", vec![vec![n], vec![]], Init::Fill(0.02)),
                Attribute::parameter(
                    "threshold",
                    "threshold",
                    vec![vec![n], vec![]],
                    Init::Fill(1.0),
                ),
                Attribute::simulation("dt", 1e-3),
                Attribute::simulation("noise_std", 0.0),
                Attribute::state("v", vec![n]),
                Attribute::rng_key(),
            ],
        }
    }

    /// Set an attribute by name.
    ///
    /// # Errors
    /// An unknown name or a shape the attribute does not permit.
    pub fn with(mut self, name: &str, value: InitValue) -> Result<Self> {
        let slot = self
            .attrs
            .iter_mut()
            .find(|a| a.name == name)
            .ok_or_else(|| Error::UnknownPath { path: name.into() })?;
        *slot = slot.clone().with_value(value)?;
        Ok(self)
    }

    fn from_entry(entry: &FileEntry<'_>) -> Result<Arc<dyn Module>> {
        let m = Lapicque::new(entry.vector_size()?);
        Ok(Arc::new(entry.apply_values(m, Lapicque::with)?))
    }
}

/// The decoded parameters of one call.
pub struct Params<F> {
    alpha: Vec<F>,
    threshold: Vec<F>,
    noise_scale: f64,
}

impl NeuronModel for Lapicque {
    type Params<F: Real> = Params<F>;
    type Scratch<F: Real> = ();

    fn decode<F: Real>(&self, p: &Tree) -> Result<Params<F>> {
        let dt = scalar(p, "dt")?;
        let of = |name| -> Result<Vec<F>> {
            Ok(per_element(p, name, self.n)?
                .into_iter()
                .map(F::of)
                .collect())
        };
        Ok(Params {
            alpha: of("tau")?
                .into_iter()
                .map(|tau| (F::of(-dt) / tau).exp())
                .collect(),
            threshold: of("threshold")?,
            noise_scale: scalar(p, "noise_std")? * dt.sqrt(),
        })
    }

    fn scratch<F: Real>(&self, _: &Params<F>) {}

    fn noise_len<F: Real>(&self, p: &Params<F>) -> usize {
        if p.noise_scale != 0.0 { self.n } else { 0 }
    }

    fn records(&self) -> Vec<(&'static str, Vec<usize>)> {
        vec![("v", vec![self.n])]
    }

    fn step<F: Real>(&self, p: &Params<F>, _: &mut (), io: Step<'_, F>) {
        let v = &mut io.state[0];
        for (j, out) in io.output.iter_mut().enumerate() {
            let z = io.noise.get(j).map_or(0.0, |z| p.noise_scale * z);
            let u = v[j] * p.alpha[j] + F::of(io.input[j]) + F::of(z);
            let s = if u >= p.threshold[j] {
                F::one()
            } else {
                F::zero()
            };
            v[j] = u - s * p.threshold[j];
            *out = s.to64();
        }
    }

    fn record<F: Real>(&self, _: &(), state: &[Vec<F>], out: &mut [&mut [f64]]) {
        F::widen_into(&state[0], out[0]);
    }
}

impl Module for Lapicque {
    fn class_name(&self) -> &str {
        "Lapicque"
    }

    fn spiking_output(&self) -> bool {
        true
    }

    fn shape(&self) -> Vec<usize> {
        vec![self.n]
    }

    fn attributes(&self) -> &[Attribute] {
        &self.attrs
    }

    fn evolve_batch(
        &self,
        p: &Tree,
        s: &Tree,
        x: ArrayView<'_>,
        record: Recording,
    ) -> Result<Evolution> {
        neuron::evolve(self, p, s, x, record)
    }
}

#[allow(dead_code)]
fn main() -> Result<()> {
    let registry = littoral::nets::registry().with(Lapicque::CLASS);
    let net = registry.read_json_str(
        r#"{"class": "Sequential", "modules": [
            {"class": "Linear", "shape": [2, 3]},
            {"class": "Lapicque", "shape": [3], "parameters": {"threshold": 0.5}}]}"#,
    )?;
    let tree = net.init(0);
    let ev = net.evolve(&tree, &tree, &Array::full(vec![1, 20, 2], 1.0), true)?;
    println!("{}", net.repr());
    println!("spikes: {:?}", ev.output.data());
    Ok(())
}
