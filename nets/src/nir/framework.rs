//! NIR neurons stepped as other frameworks step them after importing NIR: Rockpool 3.1.0,
//! snnTorch 1.0.0 and Norse 1.1.0 (`docs/nir-semantics.md` §2). Littoral's own exact
//! neurons are [`crate::Membrane`] and [`crate::Cuba`].

use std::sync::Arc;

use littoral_core::{Array, Attribute, Error, Init, Kind, Module, Real, Result, Tree};

use super::error::NirError;
use super::semantics::Semantics;
use crate::neuron::{NeuronModel, Step};
use crate::view::per_element;

/// snnTorch 1.0.0's `import_from_nir` hard-codes this step for `LIF` and `CubaLIF`.
pub const SNNTORCH_DT: f64 = 1e-4;

/// The NIR neuron types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NeuronKind {
    /// `LI`.
    Li,
    /// `I`.
    I,
    /// `IF`.
    If,
    /// `LIF`.
    Lif,
    /// `CubaLI`.
    CubaLi,
    /// `CubaLIF`.
    CubaLif,
}

/// The parameter lists and NIR names of the kinds come from the table of neuron
/// primitives in `model.rs` (`NeuronKind::parameters`, `NeuronKind::nir_name`).
impl NeuronKind {
    fn two_state(self) -> bool {
        matches!(self, NeuronKind::CubaLi | NeuronKind::CubaLif)
    }
}

/// A population of NIR neurons stepped as Rockpool, snnTorch or Norse step them.
///
/// Parameters keep NIR's names (`tau`, `r`, `v_leak`, `v_threshold`, `v_reset`,
/// `tau_syn`, `tau_mem`, `w_in`, each `(N,)`), plus the SimulationParameter `dt`; the
/// State is `v` (and `i` for `CubaLIF`), recorded per step. Under `norse` the initial
/// State is `v_leak` (Norse's), given when the module is built.
#[derive(Clone, Debug)]
pub struct FrameworkNeuron {
    kind: NeuronKind,
    semantics: Semantics,
    n: usize,
    attrs: Vec<Attribute>,
}

impl FrameworkNeuron {
    /// `n` neurons of `kind` with the given parameters (`(N,)` each, NIR's names) under a
    /// framework's semantics.
    ///
    /// # Errors
    /// A kind the framework's importer refuses, or a parameter it cannot take (snnTorch:
    /// `v_leak ≠ 0`, several thresholds, `r ≠ 1` for IF, `r ≠ τ_mem/1e-4` for CubaLIF),
    /// naming the parameter.
    pub fn new(
        kind: NeuronKind,
        semantics: Semantics,
        values: &[(&str, Vec<f64>)],
        dt: f64,
    ) -> std::result::Result<Self, NirError> {
        let n = values.first().map_or(0, |(_, v)| v.len());
        let get = |name: &str| {
            values
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
                .ok_or_else(|| NirError::at(name, "missing parameter"))
        };
        let supported = match semantics {
            Semantics::Rockpool => {
                matches!(kind, NeuronKind::Li | NeuronKind::Lif | NeuronKind::CubaLif)
            }
            Semantics::Snntorch => {
                matches!(kind, NeuronKind::If | NeuronKind::Lif | NeuronKind::CubaLif)
            }
            Semantics::Norse => {
                matches!(kind, NeuronKind::If | NeuronKind::Lif | NeuronKind::CubaLif)
            }
            Semantics::Littoral | Semantics::Dirac => false,
        };
        if !supported {
            return Err(NirError::at(
                "",
                format!(
                    "the {semantics} semantics cannot run a {} node ({semantics}'s NIR import has no mapping for it)",
                    kind.nir_name()
                ),
            ));
        }
        let mut attrs = Vec::new();
        for &name in kind.parameters() {
            let v = get(name)?;
            attrs.push(Attribute::new(
                name,
                Kind::Parameter,
                Some(family(name)),
                vec![vec![n]],
                Init::Value(Arc::new(Array::from_vec(v))),
            ));
        }
        attrs.push(Attribute::simulation("dt", dt));
        let initial = if semantics == Semantics::Norse && kind != NeuronKind::If {
            Init::Value(Arc::new(Array::from_vec(get("v_leak")?)))
        } else {
            Init::Fill(0.0)
        };
        let state =
            |name: &str| Attribute::new(name, Kind::State, None, vec![vec![n]], initial.clone());
        if kind.two_state() {
            attrs.push(state("i"));
        }
        attrs.push(state("v"));
        let neuron = FrameworkNeuron {
            kind,
            semantics,
            n,
            attrs,
        };
        if semantics == Semantics::Snntorch {
            let params = littoral_core::ModuleExt::init_params(&neuron, 0);
            neuron
                .decode::<f64>(&params)
                .map_err(|e| NirError::at(e.path(), e.detail()))?;
        }
        Ok(neuron)
    }

    /// The neuron type.
    pub fn kind(&self) -> NeuronKind {
        self.kind
    }
}

fn family(name: &str) -> &'static str {
    match name {
        "tau" | "tau_syn" | "tau_mem" => "taus",
        "r" => "gain",
        "v_leak" => "bias",
        "v_threshold" => "threshold",
        "v_reset" => "v_reset",
        _ => "weights",
    }
}

/// The per-neuron coefficients of one call.
#[derive(Clone, Debug)]
pub enum FrameworkParams {
    /// Rockpool: `i ← β(i + x)`, `v ← α v + (x | i) + v_leak` (LI: `v ← β(v + x)`).
    Rockpool {
        /// `α = exp(−dt_rp/τ_mem)`.
        alpha: Vec<f64>,
        /// `β = exp(−dt_rp/τ_syn)` (LI: with `τ` truncated to whole seconds).
        beta: Vec<f64>,
        /// `v_leak` (Rockpool's bias).
        v_leak: Vec<f64>,
        /// Threshold.
        threshold: Vec<f64>,
    },
    /// snnTorch: `i ← α i + x`, `m ← β m + (x | i)`, spike `m > θ`, reset to 0.
    Snntorch {
        /// `α = 1 − dt/τ_syn`.
        alpha: Vec<f64>,
        /// `β = 1 − dt/τ` (0.9 for IF).
        beta: Vec<f64>,
        /// The one scaled threshold.
        threshold: f64,
    },
    /// Norse: forward Euler with the run's `dt`, spike `v > v_th`, reset to 0.
    Norse {
        /// `dt/τ_syn`.
        syn: Vec<f64>,
        /// `dt/τ_mem` (`dt/τ` for LIF).
        mem: Vec<f64>,
        /// `r`.
        r: Vec<f64>,
        /// `v_leak`.
        v_leak: Vec<f64>,
        /// `w_in`.
        w_in: Vec<f64>,
        /// `v_threshold`.
        threshold: Vec<f64>,
    },
}

fn exps(rate: f64, taus: &[f64]) -> Vec<f64> {
    taus.iter().map(|t| (-rate / t).exp()).collect()
}

/// The values of `values` if they are all equal (snnTorch asserts one per layer).
fn unique(name: &str, values: &[f64]) -> Result<f64> {
    match values.first() {
        Some(&v) if values.iter().all(|&w| w == v) => Ok(v),
        _ => Err(Error::invalid(
            name,
            "snnTorch's import needs one v_threshold (after scaling) for all neurons",
        )),
    }
}

/// numpy's `allclose(a, b)` (rtol 1e-5, atol 1e-8).
fn allclose(a: &[f64], b: &[f64]) -> bool {
    a.iter()
        .zip(b)
        .all(|(x, y)| (x - y).abs() <= 1e-8 + 1e-5 * y.abs())
}

impl FrameworkNeuron {
    fn decode_rockpool(&self, params: &Tree) -> Result<FrameworkParams> {
        let n = self.n;
        let r = per_element(params, "r", n)?;
        let tau_name = if self.kind == NeuronKind::CubaLif {
            "tau_mem"
        } else {
            "tau"
        };
        let tau = per_element(params, tau_name, n)?;
        let dt_rp = tau
            .iter()
            .zip(&r)
            .map(|(t, r)| t / (1.0 + r))
            .fold(f64::INFINITY, f64::min);
        let v_leak = per_element(params, "v_leak", n)?;
        let (alpha, beta, threshold) = match self.kind {
            NeuronKind::Li => {
                let truncated: Vec<f64> = tau.iter().map(|t| t.trunc()).collect();
                (vec![0.0; n], exps(dt_rp, &truncated), vec![0.0; n])
            }
            NeuronKind::Lif => (
                exps(dt_rp, &tau),
                vec![0.0; n],
                per_element(params, "v_threshold", n)?,
            ),
            _ => (
                exps(dt_rp, &tau),
                exps(dt_rp, &per_element(params, "tau_syn", n)?),
                per_element(params, "v_threshold", n)?,
            ),
        };
        Ok(FrameworkParams::Rockpool {
            alpha,
            beta,
            v_leak,
            threshold,
        })
    }

    fn decode_snntorch(&self, params: &Tree) -> Result<FrameworkParams> {
        let n = self.n;
        let dt = SNNTORCH_DT;
        let r = per_element(params, "r", n)?;
        let v_th = per_element(params, "v_threshold", n)?;
        let leak_free = |p: &Tree| -> Result<()> {
            if allclose(&per_element(p, "v_leak", n)?, &vec![0.0; n]) {
                Ok(())
            } else {
                Err(Error::invalid(
                    "v_leak",
                    "snnTorch's import needs v_leak = 0",
                ))
            }
        };
        match self.kind {
            NeuronKind::If => {
                if r.iter().any(|&r| r != 1.0) {
                    return Err(Error::invalid("r", "snnTorch's import needs r = 1 for IF"));
                }
                Ok(FrameworkParams::Snntorch {
                    alpha: vec![0.0; n],
                    beta: vec![0.9; n],
                    threshold: unique("v_threshold", &v_th)?,
                })
            }
            NeuronKind::Lif => {
                leak_free(params)?;
                let tau = per_element(params, "tau", n)?;
                let w_scale: Vec<f64> = r.iter().zip(&tau).map(|(r, t)| r * dt / t).collect();
                let w0 = w_scale.iter().copied().fold(f64::INFINITY, f64::min);
                let scaled: Vec<f64> = v_th.iter().map(|v| v / w0).collect();
                Ok(FrameworkParams::Snntorch {
                    alpha: vec![0.0; n],
                    beta: tau.iter().map(|t| 1.0 - dt / t).collect(),
                    threshold: unique("v_threshold", &scaled)?,
                })
            }
            _ => {
                leak_free(params)?;
                let tau_syn = per_element(params, "tau_syn", n)?;
                let tau_mem = per_element(params, "tau_mem", n)?;
                let w_in = per_element(params, "w_in", n)?;
                let wanted: Vec<f64> = tau_mem.iter().map(|t| t / dt).collect();
                if !allclose(&r, &wanted) {
                    return Err(Error::invalid(
                        "r",
                        "snnTorch's import needs r = tau_mem / 1e-4 for CubaLIF",
                    ));
                }
                let scaled: Vec<f64> = v_th
                    .iter()
                    .zip(w_in.iter().zip(&tau_syn))
                    .map(|(v, (w, t))| v / (w * dt / t))
                    .collect();
                Ok(FrameworkParams::Snntorch {
                    alpha: tau_syn.iter().map(|t| 1.0 - dt / t).collect(),
                    beta: tau_mem.iter().map(|t| 1.0 - dt / t).collect(),
                    threshold: unique("v_threshold", &scaled)?,
                })
            }
        }
    }

    fn decode_norse(&self, params: &Tree) -> Result<FrameworkParams> {
        let n = self.n;
        let dt = crate::view::scalar(params, "dt")?;
        let rates = |name: &str| -> Result<Vec<f64>> {
            Ok(per_element(params, name, n)?
                .iter()
                .map(|t| dt / t)
                .collect())
        };
        let (syn, mem, v_leak, w_in) = match self.kind {
            NeuronKind::If => (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![1.0; n]),
            NeuronKind::Lif => (
                vec![0.0; n],
                rates("tau")?,
                per_element(params, "v_leak", n)?,
                vec![1.0; n],
            ),
            _ => (
                rates("tau_syn")?,
                rates("tau_mem")?,
                per_element(params, "v_leak", n)?,
                per_element(params, "w_in", n)?,
            ),
        };
        Ok(FrameworkParams::Norse {
            syn,
            mem,
            r: per_element(params, "r", n)?,
            v_leak,
            w_in,
            threshold: per_element(params, "v_threshold", n)?,
        })
    }
}

impl NeuronModel for FrameworkNeuron {
    type Params<F: Real> = FrameworkParams;
    type Scratch<F: Real> = ();

    fn decode<F: Real>(&self, params: &Tree) -> Result<FrameworkParams> {
        match self.semantics {
            Semantics::Rockpool => self.decode_rockpool(params),
            Semantics::Snntorch => self.decode_snntorch(params),
            _ => self.decode_norse(params),
        }
    }

    fn scratch<F: Real>(&self, _p: &FrameworkParams) {}

    fn records(&self) -> Vec<(&'static str, Vec<usize>)> {
        if self.kind.two_state() {
            vec![("i", vec![self.n]), ("v", vec![self.n])]
        } else {
            vec![("v", vec![self.n])]
        }
    }

    /// One step of every neuron: the rule of the semantics and neuron kind is chosen once,
    /// then applied neuron by neuron in a loop of its own (which the compiler vectorises).
    fn step<F: Real>(&self, p: &FrameworkParams, _scratch: &mut (), io: Step<'_, F>) {
        let (i, v) = match io.state {
            [i, v] => (Some(i), v),
            [v] => (None, v),
            _ => return,
        };
        let n = self.n;
        let (x, out) = (&io.input[..n], &mut io.output[..n]);
        match (p, i) {
            (FrameworkParams::Rockpool { beta, .. }, _) if self.kind == NeuronKind::Li => {
                membrane(v, x, out, |j, vj, x| {
                    let v_new = (vj + x) * beta[j];
                    (v_new, v_new)
                });
            }
            (
                FrameworkParams::Rockpool {
                    alpha,
                    beta,
                    v_leak,
                    threshold,
                },
                i,
            ) => {
                let fire = |j: usize, vj: f64, drive: f64| {
                    let v_new = vj * alpha[j] + drive + v_leak[j];
                    let th = threshold[j];
                    let spikes = if v_new >= th {
                        (v_new / th).floor().min(65536.0)
                    } else {
                        0.0
                    };
                    (v_new - spikes * th, spikes)
                };
                match i {
                    Some(i) => synapse_membrane(i, v, x, out, |j, ij, vj, x| {
                        let i_new = (ij + x) * beta[j];
                        let (v_new, spikes) = fire(j, vj, i_new);
                        (i_new, v_new, spikes)
                    }),
                    None => membrane(v, x, out, fire),
                }
            }
            (
                FrameworkParams::Snntorch {
                    alpha,
                    beta,
                    threshold,
                },
                i,
            ) => {
                let fire = |j: usize, vj: f64, drive: f64| {
                    let m = beta[j] * vj + drive;
                    if m > *threshold { (0.0, 1.0) } else { (m, 0.0) }
                };
                match i {
                    Some(i) => synapse_membrane(i, v, x, out, |j, ij, vj, x| {
                        let i_new = alpha[j] * ij + x;
                        let (v_new, spikes) = fire(j, vj, i_new);
                        (i_new, v_new, spikes)
                    }),
                    None => membrane(v, x, out, fire),
                }
            }
            (
                FrameworkParams::Norse {
                    syn,
                    mem,
                    r,
                    v_leak,
                    w_in,
                    threshold,
                },
                i,
            ) => {
                let fire = |j: usize, m: f64| {
                    if m > threshold[j] {
                        (0.0, 1.0)
                    } else {
                        (m, 0.0)
                    }
                };
                match (self.kind, i) {
                    (NeuronKind::If, _) => membrane(v, x, out, |j, vj, x| fire(j, vj + x)),
                    (_, Some(i)) => synapse_membrane(i, v, x, out, |j, ij, vj, x| {
                        let i_new = ij + syn[j] * ((v_leak[j] - ij) + w_in[j] * x);
                        let m = vj + mem[j] * (r[j] * i_new + v_leak[j] - vj);
                        let (v_new, spikes) = fire(j, m);
                        (i_new, v_new, spikes)
                    }),
                    (_, None) => membrane(v, x, out, |j, vj, x| {
                        fire(j, vj + mem[j] * (x + v_leak[j] - vj))
                    }),
                }
            }
        }
    }

    fn record<F: Real>(&self, _scratch: &(), state: &[Vec<F>], out: &mut [&mut [f64]]) {
        for (src, dst) in state.iter().zip(out.iter_mut()) {
            F::widen_into(src, dst);
        }
    }
}

impl Module for FrameworkNeuron {
    fn class_name(&self) -> &str {
        self.kind.nir_name()
    }

    fn shape(&self) -> Vec<usize> {
        vec![self.n]
    }

    fn spiking_output(&self) -> bool {
        !matches!(
            self.kind,
            NeuronKind::Li | NeuronKind::I | NeuronKind::CubaLi
        )
    }

    fn attributes(&self) -> &[Attribute] {
        &self.attrs
    }

    crate::builder::evolve_on_scaffold!();
}

/// `(v_j, out_j) ← rule(j, v_j, x_j)` for every neuron (the state kept in `F`, computed in
/// `f64`).
#[inline(always)]
fn membrane<F: Real>(
    v: &mut [F],
    x: &[f64],
    out: &mut [f64],
    rule: impl Fn(usize, f64, f64) -> (f64, f64),
) {
    for (j, ((v, &x), out)) in v.iter_mut().zip(x).zip(out).enumerate() {
        let (v_new, o) = rule(j, v.to64(), x);
        *v = F::of(v_new);
        *out = o;
    }
}

/// `(i_j, v_j, out_j) ← rule(j, i_j, v_j, x_j)` for every neuron with a synaptic current.
#[inline(always)]
fn synapse_membrane<F: Real>(
    i: &mut [F],
    v: &mut [F],
    x: &[f64],
    out: &mut [f64],
    rule: impl Fn(usize, f64, f64, f64) -> (f64, f64, f64),
) {
    for (j, (((i, v), &x), out)) in i.iter_mut().zip(v.iter_mut()).zip(x).zip(out).enumerate() {
        let (i_new, v_new, o) = rule(j, i.to64(), v.to64(), x);
        *i = F::of(i_new);
        *v = F::of(v_new);
        *out = o;
    }
}
