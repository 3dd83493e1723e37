//! The options of the Rockpool-family `LIF` (and of `ALIF`, which adds an adaptive
//! threshold): reset to a value, an absolute refractory period with Brian2's semantics,
//! and sparse recurrent weights. A LIF with any option set steps through the per-neuron
//! loop of this file (through the scaffold's [`crate::neuron::step_by_step`]); without
//! options it keeps the vectorised kernel and its bits. Equations: `docs/models.md` §3–§4.
//!
//! Per step and neuron `j` (`c` the refractory counter, `R` the refractory period in
//! steps, `ρ = exp(−dt/τ_adapt)` for ALIF):
//! ```text
//! irec, isyn        as LIF's (the synaptic currents integrate even while refractory)
//! c     = max(c − 1, 0) ;  held = c > 0
//! v     = held ? vmem : vmem · α + ((Σ isyn + noise) + bias)      (LIF's order, to the bit)
//! a     = ρ · a ;  θ = threshold + β_adapt · a                    (ALIF; else θ = threshold)
//! s     = held ? 0 : subtract: min(max, [v ≥ θ] · floor(v/θ)),  to_value: [v ≥ θ]
//! vmem  = subtract: v − s · θ ;  to_value: s > 0 ? v_reset : v
//! a     = a + s ;  c = s > 0 ? R : c
//! ```

use crate::lif::spike_count;
use crate::lif_kernel::Consts;
use crate::sparse::Structure;
use littoral_core::{Array, Error, Real, Result};
use std::borrow::Cow;
use std::sync::Arc;

/// How a neuron's membrane is reset after it spikes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reset {
    /// Rockpool's subtractive reset (the default): `v −= spikes · θ`, several spikes per
    /// step possible (up to `max_spikes_per_dt`).
    #[default]
    Subtract,
    /// Reset to the Parameter `v_reset`, at most one spike per step (Brian2's, NIR's).
    ToValue,
}

impl Reset {
    /// The option's name in a network file: `"subtract"` or `"to_value"`.
    pub fn name(self) -> &'static str {
        match self {
            Reset::Subtract => "subtract",
            Reset::ToValue => "to_value",
        }
    }

    /// Parse the option.
    ///
    /// # Errors
    /// Any other name.
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "subtract" => Ok(Reset::Subtract),
            "to_value" => Ok(Reset::ToValue),
            other => Err(Error::invalid(
                "reset",
                format!("expected \"subtract\" or \"to_value\", found {other:?}"),
            )),
        }
    }
}

/// The refractory period in steps, Brian2's `timestep(refractory, dt)`:
/// `floor((refractory + 10⁻³ dt) / dt)`.
///
/// # Errors
/// A negative or non-finite `refractory`, named `refractory`.
pub(crate) fn refractory_steps(refractory: f64, dt: f64) -> Result<f64> {
    if !refractory.is_finite() || refractory < 0.0 {
        return Err(Error::invalid(
            "refractory",
            format!("expected a duration in seconds >= 0, found {refractory}"),
        ));
    }
    Ok(((refractory + 1e-3 * dt) / dt).floor())
}

/// The adaptive threshold of `ALIF`, per neuron, in the compute type.
#[derive(Clone, Debug)]
pub(crate) struct Adaptation<F> {
    /// `exp(−dt/τ_adapt)`.
    pub rho: Vec<F>,
    /// The threshold's gain on `a`.
    pub beta: Vec<F>,
}

/// The decoded options of one `evolve` call.
#[derive(Clone, Debug, Default)]
pub(crate) struct OptionParams<F> {
    /// `Some(v_reset)` for [`Reset::ToValue`].
    pub v_reset: Option<Vec<F>>,
    /// `Some(R)` when the module has a refractory period (`R` steps; `R ≤ 1` has no
    /// effect).
    pub refractory: Option<F>,
    /// ALIF's adaptation.
    pub adapt: Option<Adaptation<F>>,
    /// Sparse recurrent weights `(N, N·S)`: the module's structure and the weights of
    /// the Parameter `w_rec`.
    pub sparse: Option<SparseWeights<F>>,
}

/// A sparse `w_rec` of one call.
#[derive(Clone, Debug)]
pub(crate) struct SparseWeights<F> {
    /// The structure (the module's).
    pub structure: Arc<Structure>,
    /// The weights as the tree holds them (`f64`; shared, not copied).
    pub data: Arc<Array>,
    /// The weights in `F` when `F` is not `f64`.
    pub converted: Option<Vec<F>>,
}

impl<F: Real> SparseWeights<F> {
    /// The weights of the Parameter `w_rec` on `structure`.
    ///
    /// # Errors
    /// A leaf of another length than the structure's synapse count.
    pub fn new(structure: Arc<Structure>, data: Arc<Array>) -> Result<Self> {
        if data.len() != structure.nnz() {
            return Err(Error::shape(
                "w_rec",
                &[vec![structure.nnz()]],
                data.shape(),
            ));
        }
        let converted = match F::cast_slice(data.data()) {
            Cow::Borrowed(_) => None,
            Cow::Owned(v) => Some(v),
        };
        Ok(SparseWeights {
            structure,
            data,
            converted,
        })
    }

    /// The weights in `F`.
    pub fn weights(&self) -> Cow<'_, [F]> {
        match &self.converted {
            Some(v) => Cow::Borrowed(v.as_slice()),
            None => F::cast_slice(self.data.data()),
        }
    }
}

/// The recurrent input of a step with options: sparse or dense `w_rec`, or none. Returns
/// whether there is recurrence (LIF adds `irec` only then).
pub(crate) fn recurrent_input<F: Real>(
    c: &Consts<'_, F>,
    o: &OptionParams<F>,
    spikes: &[F],
    irec: &mut [F],
    active: &mut Vec<(usize, F)>,
) -> bool {
    if let Some(sw) = &o.sparse {
        irec.fill(F::zero());
        sw.structure.accumulate(&sw.weights(), spikes, irec);
        true
    } else if let Some(w) = c.w_rec {
        crate::lif_kernel::recurrent_input(w, spikes, irec, active);
        true
    } else {
        false
    }
}

/// The mutable per-neuron variables of a step with options.
pub(crate) struct NeuronState<'a, F> {
    /// The synaptic currents `(N, S)`, already updated for this step.
    pub isyn: &'a [F],
    /// The membrane potentials.
    pub vmem: &'a mut [F],
    /// The spike counts (output).
    pub spikes: &'a mut [F],
    /// The remaining refractory steps, with a refractory period.
    pub refractory: Option<&'a mut [F]>,
    /// ALIF's adaptation variable `a`.
    pub adapt: Option<&'a mut [F]>,
    /// ALIF's effective threshold of the step (written when given).
    pub threshold_eff: Option<&'a mut [F]>,
}

/// The neurons of one step with options, after the synapses were updated (see the module
/// docs). `noise` is the step's standard normals (empty without noise).
pub(crate) fn neurons<F: Real>(
    c: &Consts<'_, F>,
    o: &OptionParams<F>,
    noise: &[f64],
    st: NeuronState<'_, F>,
    out: &mut [f64],
) {
    let NeuronState {
        isyn,
        vmem,
        spikes,
        mut refractory,
        mut adapt,
        mut threshold_eff,
    } = st;
    let r_steps = o.refractory.unwrap_or(F::zero());
    for j in 0..c.n {
        let held = match refractory.as_deref_mut() {
            Some(r) => {
                let left = r[j] - F::one();
                r[j] = if left > F::zero() { left } else { F::zero() };
                r[j] > F::zero()
            }
            None => false,
        };
        let syn = &isyn[j * c.n_syn..(j + 1) * c.n_syn];
        let v_new = vmem[j] * c.alpha[j] + input_current(c, noise, syn, j);
        let v = if held { vmem[j] } else { v_new };
        let theta = match (adapt.as_deref_mut(), &o.adapt) {
            (Some(a), Some(ad)) => {
                a[j] *= ad.rho[j];
                c.threshold[j] + ad.beta[j] * a[j]
            }
            _ => c.threshold[j],
        };
        let (s, v) = if held {
            (F::zero(), v)
        } else {
            match &o.v_reset {
                None => {
                    let s = spike_count(v, theta, c.max_spikes);
                    (s, v - s * theta)
                }
                Some(v_reset) if v >= theta => (F::one(), v_reset[j]),
                Some(_) => (F::zero(), v),
            }
        };
        vmem[j] = v;
        spikes[j] = s;
        out[j] = s.to64();
        if let Some(a) = adapt.as_deref_mut() {
            a[j] += s;
        }
        if let Some(t) = threshold_eff.as_deref_mut() {
            t[j] = theta;
        }
        if let Some(r) = refractory.as_deref_mut()
            && s > F::zero()
        {
            r[j] = r_steps;
        }
    }
}

/// Neuron `j`'s `(Σ isyn + noise) + bias`, in the order of LIF's kernel (numpy's sum).
#[inline(always)]
fn input_current<F: Real>(c: &Consts<'_, F>, noise: &[f64], syn: &[F], j: usize) -> F {
    let mut total = F::zero() + pairwise_sum(syn);
    if let Some(z) = noise.get(j) {
        total += F::of(c.noise_scale * z);
    }
    total + c.bias[j]
}

/// numpy's `pairwise_sum` (`numpy/_core/src/umath/loops_utils.h.src`), as LIF's kernel.
fn pairwise_sum<F: Real>(a: &[F]) -> F {
    let n = a.len();
    if n < 8 {
        a.iter().fold(F::zero(), |acc, &v| acc + v)
    } else if n <= 128 {
        let mut r = [F::zero(); 8];
        r.copy_from_slice(&a[..8]);
        let whole = n - n % 8;
        for block in a[8..whole].chunks_exact(8) {
            for (acc, &v) in r.iter_mut().zip(block) {
                *acc += v;
            }
        }
        let head = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        a[whole..].iter().fold(head, |acc, &v| acc + v)
    } else {
        let half = n / 2;
        let half = half - half % 8;
        pairwise_sum(&a[..half]) + pairwise_sum(&a[half..])
    }
}
