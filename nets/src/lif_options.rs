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
use crate::spike_list::push_spiking;
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

    /// `irec = Σ_i spikes[i] · w_rec[i, ·]`, event-driven: `irec` is zero except where
    /// the previous call's spiking rows (`active`) reach, so only those are cleared;
    /// `active` becomes this call's spiking rows.
    pub fn recurrent(&self, spikes: &[F], irec: &mut [F], active: &mut Vec<(usize, F)>) {
        self.structure.zero_rows(active, irec);
        active.clear();
        push_spiking(spikes, 0, active);
        self.structure
            .accumulate_rows(&self.weights(), active, irec);
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
        sw.recurrent(spikes, irec, active);
        true
    } else if let Some(w) = &c.w_rec {
        crate::lif_kernel::recurrent_input(w.as_ref(), spikes, irec, active);
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
    let mut total = F::zero() + crate::lif_kernel::pairwise_sum(syn);
    if let Some(z) = noise.get(j) {
        total += F::of(c.noise_scale * z);
    }
    total + c.bias[j]
}

/// The state of one step of the fused loop.
pub(crate) struct Fused<'a, F> {
    /// This step's input `(N·S)`.
    pub x: &'a [f64],
    /// The recurrent input `(N·S)`, when there is recurrence.
    pub irec: Option<&'a [F]>,
    /// This step's standard normals (empty without noise).
    pub noise: &'a [f64],
    /// The synaptic currents `(N, S)`.
    pub isyn: &'a mut [F],
    /// The membrane potentials.
    pub vmem: &'a mut [F],
    /// The spike counts.
    pub spikes: &'a mut [F],
    /// The remaining refractory steps, with a refractory period.
    pub refractory: Option<&'a mut [F]>,
    /// The output row.
    pub out: &'a mut [f64],
}

/// One step of LIF with reset to value (and optionally a refractory period, noise,
/// recurrence), 1 or 2 synapses per neuron, without adaptation: the synapse update and
/// [`neurons`] fused into one branch-free pass that the compiler vectorises, compiled for
/// the CPU's best vector instructions. The same operations in the same order as
/// `update_synapses` + [`neurons`], so the same bits. Returns `false` (doing nothing)
/// when the case is not covered.
pub(crate) fn fused_step<F: Real>(
    c: &Consts<'_, F>,
    o: &OptionParams<F>,
    io: Fused<'_, F>,
) -> bool {
    let Some(v_reset) = o.v_reset.as_deref() else {
        return false;
    };
    if o.adapt.is_some() || !(c.n_syn == 1 || c.n_syn == 2) {
        return false;
    }
    let r_steps = o.refractory.unwrap_or(F::zero());
    fused_split(c, v_reset, r_steps, io, rayon::current_num_threads());
    true
}

/// Neurons per step above which the fused pass is split over two rayon tasks (halves
/// of the neuron range; every neuron's arithmetic is unchanged, so the bits are too).
/// Below it, waking a second thread every step costs more than it saves.
const PAR_NEURONS: usize = 8192;

/// Run the fused pass, split into neuron ranges over up to `ways` rayon tasks.
fn fused_split<F: Real>(
    c: &Consts<'_, F>,
    v_reset: &[F],
    r_steps: F,
    io: Fused<'_, F>,
    ways: usize,
) {
    let n = c.n;
    if ways < 2 || n < PAR_NEURONS {
        pulp::Arch::new().dispatch(FusedOp {
            c,
            v_reset,
            r_steps,
            io,
        });
        return;
    }
    let mid = n / 2 / 64 * 64;
    let s = c.n_syn;
    let (lo_c, hi_c) = (c.part(0, mid), c.part(mid, n));
    let (v_lo, v_hi) = v_reset.split_at(mid);
    let (x_lo, x_hi) = io.x.split_at(mid * s);
    let (irec_lo, irec_hi) = match io.irec {
        Some(r) => {
            let (a, b) = r.split_at(mid * s);
            (Some(a), Some(b))
        }
        None => (None, None),
    };
    let (noise_lo, noise_hi) = io.noise.split_at(if io.noise.is_empty() { 0 } else { mid });
    let (isyn_lo, isyn_hi) = io.isyn.split_at_mut(mid * s);
    let (vmem_lo, vmem_hi) = io.vmem.split_at_mut(mid);
    let (spikes_lo, spikes_hi) = io.spikes.split_at_mut(mid);
    let (refr_lo, refr_hi) = match io.refractory {
        Some(r) => {
            let (a, b) = r.split_at_mut(mid);
            (Some(a), Some(b))
        }
        None => (None, None),
    };
    let (out_lo, out_hi) = io.out.split_at_mut(mid);
    let lo = Fused {
        x: x_lo,
        irec: irec_lo,
        noise: noise_lo,
        isyn: isyn_lo,
        vmem: vmem_lo,
        spikes: spikes_lo,
        refractory: refr_lo,
        out: out_lo,
    };
    let hi = Fused {
        x: x_hi,
        irec: irec_hi,
        noise: noise_hi,
        isyn: isyn_hi,
        vmem: vmem_hi,
        spikes: spikes_hi,
        refractory: refr_hi,
        out: out_hi,
    };
    rayon::join(
        || fused_split(&lo_c, v_lo, r_steps, lo, 1),
        || fused_split(&hi_c, v_hi, r_steps, hi, 1),
    );
}

struct FusedOp<'a, 'b, F: Real> {
    c: &'a Consts<'b, F>,
    v_reset: &'a [F],
    r_steps: F,
    io: Fused<'a, F>,
}

impl<F: Real> pulp::WithSimd for FusedOp<'_, '_, F> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        let FusedOp {
            c,
            v_reset,
            r_steps,
            io,
        } = self;
        let (refr, noisy, rec) = (
            io.refractory.is_some(),
            !io.noise.is_empty(),
            io.irec.is_some(),
        );
        macro_rules! go {
            ($s:literal) => {
                match (refr, noisy, rec) {
                    (true, false, true) => {
                        fused::<F, $s, true, false, true>(c, v_reset, r_steps, io)
                    }
                    (true, false, false) => {
                        fused::<F, $s, true, false, false>(c, v_reset, r_steps, io)
                    }
                    (true, true, true) => fused::<F, $s, true, true, true>(c, v_reset, r_steps, io),
                    (true, true, false) => {
                        fused::<F, $s, true, true, false>(c, v_reset, r_steps, io)
                    }
                    (false, false, true) => {
                        fused::<F, $s, false, false, true>(c, v_reset, r_steps, io)
                    }
                    (false, false, false) => {
                        fused::<F, $s, false, false, false>(c, v_reset, r_steps, io)
                    }
                    (false, true, true) => {
                        fused::<F, $s, false, true, true>(c, v_reset, r_steps, io)
                    }
                    (false, true, false) => {
                        fused::<F, $s, false, true, false>(c, v_reset, r_steps, io)
                    }
                }
            };
        }
        if c.n_syn == 1 { go!(1) } else { go!(2) }
    }
}

#[inline(always)]
fn fused<F: Real, const S: usize, const REFR: bool, const NOISE: bool, const REC: bool>(
    c: &Consts<'_, F>,
    v_reset: &[F],
    r_steps: F,
    io: Fused<'_, F>,
) {
    let n = c.n;
    let ns = n * S;
    let x = &io.x[..ns];
    let irec = match io.irec {
        Some(r) if REC => &r[..ns],
        _ => &[][..],
    };
    let noise = if NOISE {
        &io.noise[..n]
    } else {
        &io.noise[..0]
    };
    let isyn = &mut io.isyn[..ns];
    let beta = &c.beta[..ns];
    let (alpha, bias, th, v_reset) = (
        &c.alpha[..n],
        &c.bias[..n],
        &c.threshold[..n],
        &v_reset[..n],
    );
    let (vmem, spikes, out) = (&mut io.vmem[..n], &mut io.spikes[..n], &mut io.out[..n]);
    let refr = match io.refractory {
        Some(r) if REFR => &mut r[..n],
        _ => &mut [][..],
    };
    for j in 0..n {
        let mut sum = F::zero();
        for s in 0..S {
            let k = j * S + s;
            let drive = if REC { irec[k] } else { F::zero() };
            let i = (isyn[k] + (F::of(x[k]) + drive)) * beta[k];
            isyn[k] = i;
            sum += i;
        }
        let mut total = F::zero() + sum;
        if NOISE {
            total += F::of(c.noise_scale * noise[j]);
        }
        let v_new = vmem[j] * alpha[j] + (total + bias[j]);
        let (held, left) = if REFR {
            let left = refr[j] - F::one();
            let left = if left > F::zero() { left } else { F::zero() };
            (left > F::zero(), left)
        } else {
            (false, F::zero())
        };
        let v = if held { vmem[j] } else { v_new };
        let fire = !held & (v >= th[j]);
        let s = if fire { F::one() } else { F::zero() };
        vmem[j] = if fire { v_reset[j] } else { v };
        if REFR {
            refr[j] = if fire { r_steps } else { left };
        }
        spikes[j] = s;
        out[j] = s.to64();
    }
}
