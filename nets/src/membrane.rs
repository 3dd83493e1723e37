//! NIR's one-state neurons `LI`, `Integrator` (NIR `I`), `IF` and `NirLIF` (NIR `LIF`),
//! integrated exactly under a zero-order hold (`docs/models.md` §2).

use crate::builder::{
    attribute_setters, per_element_parameter, population_methods, result_setters,
};
use crate::neuron::{NeuronModel, Step};
use crate::view::per_element;
use crate::zoh::{
    decay, record_state, spike_and_reset, spike_parameters, time_constants, time_step,
};
use littoral_core::InitValue;
use littoral_core::registry::{FileEntry, ModuleClass};
use littoral_core::{Attribute, Module, Precision, Real, Result, Tree};
use std::sync::Arc;

/// A population of NIR's one-state neurons: a membrane `v`, leaky or not, spiking or not.
///
/// | class | NIR | ODE | step (input `x_n` held over the step, not scaled by `1/dt`) | output |
/// |---|---|---|---|---|
/// | `LI` | `LI` | `τ v' = (v_leak − v) + r x` | `v ← a v + (1 − a)(v_leak + r x_n)`, `a = exp(−dt/τ)` | `v` |
/// | `Integrator` | `I` | `v' = r x` | `v ← v + r dt x_n` | `v` |
/// | `IF` | `IF` | `v' = r x` | as `Integrator`, then the spike rule | spikes |
/// | `NirLIF` | `LIF` | as `LI` | as `LI`, then the spike rule | spikes |
///
/// The spike rule (NIR's, strict): `z_n = [ṽ > v_threshold]`, `v = v_reset` where it
/// spiked. `NirLIF` is not Littoral's (Rockpool's) `LIF`, which keeps Rockpool's step.
///
/// | attribute | kind | family | shape | default | classes |
/// |---|---|---|---|---|---|
/// | `tau` | Parameter | taus | `(N,)` or `()` | 0.02 | LI, NirLIF |
/// | `r` | Parameter | gain | `(N,)` or `()` | 1 | all |
/// | `v_leak` | Parameter | bias | `(N,)` or `()` | 0 | LI, NirLIF |
/// | `v_threshold` | Parameter | threshold | `(N,)` or `()` | 1 | IF, NirLIF |
/// | `v_reset` | Parameter | v_reset | `(N,)` or `()` | 0 | IF, NirLIF |
/// | `dt` | SimulationParameter | | `()` | 1e-3 | all |
/// | `v` | State | | `(N,)` | 0 | all |
///
/// Records `v` (after the reset) per step. `tau` and `dt` must be positive.
///
/// ```
/// use littoral_core::{Array, ModuleExt};
/// use littoral_nets::Membrane;
/// let li = Membrane::li(1).with_tau(0.01)?.with_v_leak(0.5)?;
/// let tree = li.init(0);
/// let ev = li.evolve(&tree, &tree, &Array::from_rows(&[vec![0.0]])?, true)?;
/// assert_eq!(ev.output.data(), &[-(-0.1f64).exp_m1() * 0.5]);
///
/// let neuron = Membrane::if_neuron(1).with_r(300.0)?;   // v += r·dt·x = 0.3 per step
/// let tree = neuron.init(0);
/// let ev = neuron.evolve(&tree, &tree, &Array::full(vec![4, 1], 1.0), false)?;
/// assert_eq!(ev.output.data(), &[0.0, 0.0, 0.0, 1.0]);
/// # Ok::<(), littoral_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Membrane {
    n: usize,
    leaky: bool,
    spiking: bool,
    precision: Precision,
    attrs: Vec<Attribute>,
}

impl Membrane {
    fn build(n: usize, leaky: bool, spiking: bool) -> Self {
        let mut attrs = Vec::new();
        if leaky {
            attrs.push(per_element_parameter("tau", "taus", n, 0.02));
        }
        attrs.push(per_element_parameter("r", "gain", n, 1.0));
        if leaky {
            attrs.push(per_element_parameter("v_leak", "bias", n, 0.0));
        }
        if spiking {
            attrs.push(per_element_parameter("v_threshold", "threshold", n, 1.0));
            attrs.push(per_element_parameter("v_reset", "v_reset", n, 0.0));
        }
        attrs.extend([
            Attribute::simulation("dt", 1e-3),
            Attribute::state("v", vec![n]),
        ]);
        Membrane {
            n,
            leaky,
            spiking,
            precision: Precision::F64,
            attrs,
        }
    }

    /// `N` NIR `LI` neurons (leaky integrators; output: `v`).
    pub fn li(n: usize) -> Self {
        Membrane::build(n, true, false)
    }

    /// `N` NIR `I` neurons (class `Integrator`; output: `v`).
    pub fn integrator(n: usize) -> Self {
        Membrane::build(n, false, false)
    }

    /// `N` NIR `IF` neurons (output: spikes).
    pub fn if_neuron(n: usize) -> Self {
        Membrane::build(n, false, true)
    }

    /// `N` NIR `LIF` neurons (class `NirLIF`; output: spikes).
    pub fn nir_lif(n: usize) -> Self {
        Membrane::build(n, true, true)
    }

    attribute_setters! {
        /// Set `tau` (seconds; `(N,)` or scalar; LI and NirLIF).
        with_tau => "tau";
        /// Set `r` (the membrane resistance).
        with_r => "r";
        /// Set `v_leak` (the resting potential; LI and NirLIF).
        with_v_leak => "v_leak";
        /// Set `v_threshold` (IF and NirLIF).
        with_v_threshold => "v_threshold";
        /// Set `v_reset` (IF and NirLIF).
        with_v_reset => "v_reset";
        /// Set `dt` (seconds).
        with_dt => "dt";
    }

    crate::zoh::precision_and_size!();

    fn read(entry: &FileEntry<'_>, leaky: bool, spiking: bool) -> Result<Arc<dyn Module>> {
        let neuron = Membrane::build(entry.vector_size()?, leaky, spiking).with_precision(
            entry
                .parsed_option("precision", Precision::from_name)?
                .unwrap_or_default(),
        );
        Ok(Arc::new(entry.apply_values(neuron, Membrane::with)?))
    }

    /// How `LI` is read from a network file (option `precision`).
    pub const LI_CLASS: ModuleClass =
        ModuleClass::new("LI", &["precision"], |e| Membrane::read(e, true, false));

    /// How `Integrator` is read from a network file (option `precision`).
    pub const INTEGRATOR_CLASS: ModuleClass = ModuleClass::new("Integrator", &["precision"], |e| {
        Membrane::read(e, false, false)
    });

    /// How `IF` is read from a network file (option `precision`).
    pub const IF_CLASS: ModuleClass =
        ModuleClass::new("IF", &["precision"], |e| Membrane::read(e, false, true));

    /// How `NirLIF` is read from a network file (option `precision`).
    pub const NIR_LIF_CLASS: ModuleClass =
        ModuleClass::new("NirLIF", &["precision"], |e| Membrane::read(e, true, true));
}

/// The per-neuron coefficients of one [`Membrane`] call, in the compute type:
/// `v ← decay v + rest + input x`.
#[derive(Debug, Clone)]
pub struct MembraneParams<F> {
    /// `a` (1 without a leak).
    decay: Vec<F>,
    /// `(1 − a) v_leak` (0 without a leak).
    rest: Vec<F>,
    /// `(1 − a) r`, or `r dt` without a leak.
    input: Vec<F>,
    /// `(v_threshold, v_reset)` for the spiking classes.
    spike: Option<(Vec<F>, Vec<F>)>,
}

impl NeuronModel for Membrane {
    type Params<F: Real> = MembraneParams<F>;
    type Scratch<F: Real> = ();

    fn precision(&self) -> Precision {
        self.precision
    }

    fn decode<F: Real>(&self, params: &Tree) -> Result<MembraneParams<F>> {
        let n = self.n;
        let dt = time_step(params)?;
        let r = per_element(params, "r", n)?;
        let (decay, rest, input) = if self.leaky {
            let tau = time_constants(params, "tau", n)?;
            let v_leak = per_element(params, "v_leak", n)?;
            let factors: Vec<(f64, f64)> = tau.iter().map(|&t| decay(dt, t)).collect();
            (
                factors.iter().map(|&(a, _)| F::of(a)).collect(),
                factors
                    .iter()
                    .zip(&v_leak)
                    .map(|(&(_, b), &l)| F::of(b * l))
                    .collect(),
                factors
                    .iter()
                    .zip(&r)
                    .map(|(&(_, b), &r)| F::of(b * r))
                    .collect(),
            )
        } else {
            (
                vec![F::one(); n],
                vec![F::zero(); n],
                r.iter().map(|&r| F::of(r * dt)).collect(),
            )
        };
        Ok(MembraneParams {
            decay,
            rest,
            input,
            spike: spike_parameters(params, n, self.spiking)?,
        })
    }

    fn scratch<F: Real>(&self, _p: &MembraneParams<F>) {}

    fn records(&self) -> Vec<(&'static str, Vec<usize>)> {
        vec![("v", vec![self.n])]
    }

    fn step<F: Real>(&self, p: &MembraneParams<F>, _scratch: &mut (), io: Step<'_, F>) {
        let [v] = io.state else {
            return;
        };
        // The spike rule is chosen once, then each loop runs over its neurons alone (which
        // the compiler vectorises).
        let (x, out) = (&io.input[..self.n], &mut io.output[..self.n]);
        let coefficients = p.decay.iter().zip(&p.rest).zip(&p.input);
        let neurons = v.iter_mut().zip(x).zip(coefficients);
        let update = |v: F, x: f64, ((&decay, &rest), &input): ((&F, &F), &F)| {
            decay * v + rest + input * F::of(x)
        };
        match &p.spike {
            Some((threshold, reset)) => {
                let rule = threshold.iter().zip(reset);
                for (((v, &x), c), (o, (&th, &reset))) in neurons.zip(out.iter_mut().zip(rule)) {
                    let mut v_new = update(*v, x, c);
                    *o = spike_and_reset(&mut v_new, th, reset);
                    *v = v_new;
                }
            }
            None => {
                for (((v, &x), c), o) in neurons.zip(out.iter_mut()) {
                    let v_new = update(*v, x, c);
                    *o = v_new.to64();
                    *v = v_new;
                }
            }
        }
    }

    fn record<F: Real>(&self, _scratch: &(), state: &[Vec<F>], out: &mut [&mut [f64]]) {
        record_state(state, out);
    }
}

impl Module for Membrane {
    fn class_name(&self) -> &str {
        match (self.leaky, self.spiking) {
            (true, false) => "LI",
            (false, false) => "Integrator",
            (false, true) => "IF",
            (true, true) => "NirLIF",
        }
    }

    fn spiking_output(&self) -> bool {
        self.spiking
    }

    population_methods!();
}

result_setters! {
    /// [`Membrane`]'s builder methods on `Result<Membrane>`.
    MembraneSetters for Membrane {
        fn with(name: &str, v: InitValue) -> Result;
        fn with_tau(v: impl Into<InitValue>) -> Result;
        fn with_r(v: impl Into<InitValue>) -> Result;
        fn with_v_leak(v: impl Into<InitValue>) -> Result;
        fn with_v_threshold(v: impl Into<InitValue>) -> Result;
        fn with_v_reset(v: impl Into<InitValue>) -> Result;
        fn with_dt(v: impl Into<InitValue>) -> Result;
        fn with_precision(precision: Precision);
    }
}
