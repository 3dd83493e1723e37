//! `ExpSyn`: a layer of exponential synapses (Rockpool's native `ExpSyn`, as its exact
//! recurrence).

use crate::builder::{attribute_setters, evolve_on_scaffold, result_setters};
use crate::neuron::{NeuronModel, Step};
use crate::view::{per_element, scalar};
use littoral_core::InitValue;
use littoral_core::registry::ModuleClass;
use littoral_core::{Attribute, Error, Init, Module, Real, Result, Tree};
use std::sync::Arc;

/// Exponential synapses (Rockpool `ExpSyn`): `N` independent leaky integrators.
///
/// Per step, with `β = exp(−dt/τ)`:
/// ```text
/// I_t   = β · (I_{t−1} + x_t)
/// out_t = I_t + noise_t          (noise_t = noise_std·√dt·N(0, 1), only if noise_std > 0)
/// ```
/// As in Rockpool's native module, noise is added to the **output** independently at each
/// step and is not filtered. (Rockpool's Jax `ExpSynJax` adds noise to the input instead.)
/// **Deliberate difference:** Rockpool's native module stores the final *noisy* output as
/// the `isyn` state, so a run split across two calls differs from one call; Littoral keeps
/// the noiseless current `I_t` as `isyn`, so splitting time is bit-identical with noise too.
///
/// **Numerics.** Rockpool's NumPy version convolves the input with the kernel
/// `exp(−k·dt/τ)`, `k = 1..L`, truncated to `L = min(10·max(τ)/dt, max_window_length)`
/// steps (100 steps with the defaults), so its memory of an input ends `L` steps later:
/// for τ = 10 ms, dt = 1 ms the impulse response is about `4.5e-5` at `t = 99`, then `0`.
/// Littoral computes the exact recurrence instead; inside the window the two differ by at
/// most about `1e-14` (FFT and power round-off), beyond it Rockpool has forgotten what
/// the recurrence still remembers. `max_window_length` is kept as a SimulationParameter
/// for format compatibility, and is unused. Rockpool raises `IndexError` for `T = 0`;
/// here the output is empty and the state unchanged.
///
/// | attribute | kind | family | shape | default |
/// |---|---|---|---|---|
/// | `tau` | Parameter | taus | `(N,)` or `()` | 0.01 |
/// | `dt`, `max_window_length`, `noise_std` | SimulationParameter | | `()` | 1e-3, 1e6, 0 |
/// | `isyn` | State | | `(N,)` | 0 |
/// | `rng_key` | State (u64) | | `(2,)` | from the seed |
///
/// The record is always empty.
///
/// ```
/// use littoral_core::{Array, ModuleExt};
/// use littoral_nets::ExpSyn;
/// let syn = ExpSyn::new(2).with_tau([0.01, 0.02])?;
/// let tree = syn.init(0);
/// let x = Array::from_rows(&[vec![1.0, 0.0], vec![0.0, 1.0]])?;
/// let ev = syn.evolve(&tree, &tree, &x, false)?;
/// let b1 = (-0.1f64).exp();
/// assert_eq!(ev.output.data(), &[b1, 0.0, b1 * b1, (-0.05f64).exp()]);
/// # Ok::<(), littoral_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ExpSyn {
    n: usize,
    spiking_input: bool,
    spiking_output: bool,
    attrs: Vec<Attribute>,
}

impl ExpSyn {
    /// `N` synapses with Rockpool's defaults.
    pub fn new(n: usize) -> Self {
        ExpSyn {
            n,
            spiking_input: true,
            spiking_output: false,
            attrs: vec![
                Attribute::parameter("tau", "taus", vec![vec![n], vec![]], Init::Fill(0.01)),
                Attribute::simulation("dt", 1e-3),
                Attribute::simulation("max_window_length", 1e6),
                Attribute::simulation("noise_std", 0.0),
                Attribute::state("isyn", vec![n]),
                Attribute::rng_key(),
            ],
        }
    }

    /// From Rockpool's `shape`, which must be one-dimensional: `[N]`.
    ///
    /// # Errors
    /// Any other number of entries (Rockpool's message).
    pub fn from_shape(shape: &[usize]) -> Result<Self> {
        match *shape {
            [n] => Ok(ExpSyn::new(n)),
            _ => Err(Error::invalid(
                "shape",
                "The `shape` argument must be one-dimensional for an ExpSyn module.",
            )),
        }
    }

    attribute_setters! {
        /// Set `tau` (seconds; `(N,)` or scalar).
        with_tau => "tau";
        /// Set `dt` (seconds).
        with_dt => "dt";
        /// Set `noise_std` (noise of std `noise_std·√dt` is added to the output every step).
        with_noise_std => "noise_std";
        /// Set `max_window_length` (Rockpool's convolution window cap; kept for format
        /// compatibility and unused, since the exact recurrence has no window).
        with_max_window_length => "max_window_length";
    }

    /// Set whether the module declares spiking input (default true).
    #[must_use]
    pub fn with_spiking_input(mut self, spiking: bool) -> Self {
        self.spiking_input = spiking;
        self
    }

    /// Set whether the module declares spiking output (default false).
    #[must_use]
    pub fn with_spiking_output(mut self, spiking: bool) -> Self {
        self.spiking_output = spiking;
        self
    }

    /// Number of synapses.
    pub fn n_synapses(&self) -> usize {
        self.n
    }
}

impl ExpSyn {
    /// How `ExpSyn` is read from a network file (no options).
    pub const CLASS: ModuleClass = ModuleClass::new("ExpSyn", &[], |entry| {
        let syn = entry.from_shape(ExpSyn::from_shape)?;
        Ok(Arc::new(entry.apply_values(syn, ExpSyn::with)?))
    });
}

/// Decoded parameters of one [`ExpSyn`] call.
#[derive(Debug, Clone)]
pub struct ExpSynParams<F> {
    /// `exp(-dt/τ)` per synapse.
    beta: Vec<F>,
    /// `noise_std · √dt`.
    noise_scale: f64,
}

impl NeuronModel for ExpSyn {
    type Params<F: Real> = ExpSynParams<F>;
    type Scratch<F: Real> = ();

    fn decode<F: Real>(&self, params: &Tree) -> Result<ExpSynParams<F>> {
        let dt = scalar(params, "dt")?;
        Ok(ExpSynParams {
            beta: per_element(params, "tau", self.n)?
                .into_iter()
                .map(|tau| F::of((-dt / tau).exp()))
                .collect(),
            noise_scale: scalar(params, "noise_std")? * dt.sqrt(),
        })
    }

    fn scratch<F: Real>(&self, _p: &ExpSynParams<F>) {}

    fn noise_len<F: Real>(&self, p: &ExpSynParams<F>) -> usize {
        if p.noise_scale > 0.0 { self.n } else { 0 }
    }

    fn step<F: Real>(&self, p: &ExpSynParams<F>, _scratch: &mut (), io: Step<'_, F>) {
        let isyn = &mut io.state[0];
        let outputs = io.input.iter().zip(io.output.iter_mut());
        for (j, ((s, &beta), (&x, out))) in isyn.iter_mut().zip(&p.beta).zip(outputs).enumerate() {
            let i = beta * (*s + F::of(x));
            *s = i;
            *out = match io.noise.get(j) {
                Some(&z) => i + F::of(p.noise_scale * z),
                None => i,
            }
            .to64();
        }
    }
}

impl Module for ExpSyn {
    fn class_name(&self) -> &str {
        "ExpSyn"
    }

    fn shape(&self) -> Vec<usize> {
        vec![self.n]
    }

    fn spiking_input(&self) -> bool {
        self.spiking_input
    }

    fn spiking_output(&self) -> bool {
        self.spiking_output
    }

    fn attributes(&self) -> &[Attribute] {
        &self.attrs
    }

    evolve_on_scaffold!();
}

result_setters! {
    /// [`ExpSyn`]'s builder methods on `Result<ExpSyn>`.
    ExpSynSetters for ExpSyn {
        fn with(name: &str, v: InitValue) -> Result;
        fn with_tau(v: impl Into<InitValue>) -> Result;
        fn with_dt(v: impl Into<InitValue>) -> Result;
        fn with_noise_std(v: impl Into<InitValue>) -> Result;
        fn with_max_window_length(v: impl Into<InitValue>) -> Result;
        fn with_spiking_input(spiking: bool);
        fn with_spiking_output(spiking: bool);
    }
}
