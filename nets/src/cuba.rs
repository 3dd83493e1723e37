//! `CubaLI` and `CubaLIF`: NIR's current-based leaky integrator and LIF neuron, integrated
//! exactly under a zero-order hold (`docs/models.md` §2), `CubaLIF` optionally with sparse
//! recurrent weights.

use crate::builder::{
    attribute_setters, evolve_on_scaffold, per_element_parameter, result_setters,
};
use crate::lif_options::SparseWeights;
use crate::neuron::{NeuronModel, Step};
use crate::sparse::{Csr, Structure};
use crate::view::per_element;
use crate::zoh::{
    coupling, decay, record_state, spike_and_reset, spike_parameters, time_constants, time_step,
};
use littoral_core::registry::{FileEntry, ModuleClass, relabel};
use littoral_core::{
    Array, Attribute, Error, Init, InitValue, Module, OptionValue, Precision, Real, Result, Tree,
    TreeExt,
};
use std::sync::Arc;

/// A population of NIR `CubaLI` (non-spiking) or `CubaLIF` (spiking) neurons.
///
/// ```text
/// τ_syn i' = −i + w_in x
/// τ_mem v' = (v_leak − v) + r i
/// ```
/// Per step, exactly (zero-order hold; the input `x_n` held over the step, not scaled by
/// `1/dt`), with `a_s = exp(−dt/τ_syn)`, `a_m = exp(−dt/τ_mem)` and the coupling factor
/// `g` of `docs/models.md`:
/// ```text
/// i_{n+1} = a_s i_n + (1 − a_s) w_in x_n
/// ṽ       = a_m v_n + (1 − a_m) v_leak + r g i_n + r (1 − a_m − g) w_in x_n
/// CubaLI:  v_{n+1} = ṽ, output v_{n+1}
/// CubaLIF: z_n = [ṽ > v_threshold]; v_{n+1} = z_n ? v_reset : ṽ; output z_n
/// ```
///
/// | attribute | kind | family | shape | default |
/// |---|---|---|---|---|
/// | `tau_syn`, `tau_mem` | Parameter | taus | `(N,)` or `()` | 0.02 |
/// | `r` | Parameter | gain | `(N,)` or `()` | 1 |
/// | `v_leak` | Parameter | bias | `(N,)` or `()` | 0 |
/// | `w_in` | Parameter | weights | `(N,)` or `()` | 1 |
/// | `v_threshold` (CubaLIF) | Parameter | threshold | `(N,)` or `()` | 1 |
/// | `v_reset` (CubaLIF) | Parameter | v_reset | `(N,)` or `()` | 0 |
/// | `dt` | SimulationParameter | | `()` | 1e-3 |
/// | `i`, `v` | State | | `(N,)` | 0 |
///
/// Records `i` and `v` (after the reset) per step. Time constants and `dt` must be
/// positive.
///
/// **Sparse recurrence** (`CubaLIF`, [`Cuba::with_sparse_w_rec`]): the spikes of the
/// previous step through a sparse `(N, N)` `w_rec` (rows presynaptic) join the input,
/// `x_n ← x_n + Σ_i z_{n−1,i} w_rec[i, ·]` (summed event by event, rows in order), held
/// over the step like the input; the Parameter `w_rec` holds the `nnz` values, the State
/// `spikes` the last step's output.
///
/// ```
/// use littoral_core::{Array, ModuleExt};
/// use littoral_nets::Cuba;
/// let neuron = Cuba::lif(1).with_tau_syn(0.005)?.with_tau_mem(0.01)?.with_r(40.0)?;
/// let tree = neuron.init(0);
/// let x = Array::from_rows(&[vec![1.0], vec![0.0], vec![0.0], vec![0.0]])?;
/// let ev = neuron.evolve(&tree, &tree, &x, true)?;
/// assert_eq!(ev.output.data(), &[0.0, 0.0, 1.0, 0.0]);
/// assert_eq!(ev.record.get("i").unwrap().data()[0], -(-0.2f64).exp_m1()); // (1 − a_s) w_in x
/// # Ok::<(), littoral_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Cuba {
    n: usize,
    spiking: bool,
    precision: Precision,
    attrs: Vec<Attribute>,
    /// The structure of the sparse recurrent weights (`CubaLIF`).
    sparse_rec: Option<Arc<Structure>>,
}

impl Cuba {
    fn build(n: usize, spiking: bool) -> Self {
        let mut attrs = vec![
            per_element_parameter("tau_syn", "taus", n, 0.02),
            per_element_parameter("tau_mem", "taus", n, 0.02),
            per_element_parameter("r", "gain", n, 1.0),
            per_element_parameter("v_leak", "bias", n, 0.0),
            per_element_parameter("w_in", "weights", n, 1.0),
        ];
        if spiking {
            attrs.push(per_element_parameter("v_threshold", "threshold", n, 1.0));
            attrs.push(per_element_parameter("v_reset", "v_reset", n, 0.0));
        }
        attrs.extend([
            Attribute::simulation("dt", 1e-3),
            Attribute::state("i", vec![n]),
            Attribute::state("v", vec![n]),
        ]);
        Cuba {
            n,
            spiking,
            precision: Precision::F64,
            attrs,
            sparse_rec: None,
        }
    }

    /// `N` NIR `CubaLI` neurons (output: the membrane value).
    pub fn li(n: usize) -> Self {
        Cuba::build(n, false)
    }

    /// `N` NIR `CubaLIF` neurons (output: spikes).
    pub fn lif(n: usize) -> Self {
        Cuba::build(n, true)
    }

    attribute_setters! {
        /// Set `tau_syn` (seconds; `(N,)` or scalar).
        with_tau_syn => "tau_syn";
        /// Set `tau_mem` (seconds; `(N,)` or scalar).
        with_tau_mem => "tau_mem";
        /// Set `r` (the membrane resistance).
        with_r => "r";
        /// Set `v_leak` (the resting potential).
        with_v_leak => "v_leak";
        /// Set `w_in` (the input weight of the synaptic current).
        with_w_in => "w_in";
        /// Set `v_threshold` (CubaLIF only).
        with_v_threshold => "v_threshold";
        /// Set `v_reset` (CubaLIF only).
        with_v_reset => "v_reset";
        /// Set `dt` (seconds).
        with_dt => "dt";
    }

    crate::zoh::precision_and_size!();

    /// Recurrent weights (`CubaLIF`): a sparse `(N, N)` matrix, rows presynaptic. Its
    /// structure becomes part of the module (written as the option `w_rec`, as LIF's), its
    /// values the Parameter `w_rec` of shape `(nnz,)` (family `"weights"`); the State
    /// `spikes` `(N,)` carries the last step's output.
    ///
    /// # Errors
    /// A `CubaLI` (it does not spike), or a matrix of another shape.
    pub fn with_sparse_w_rec(mut self, w: Csr<f64>) -> Result<Self> {
        if !self.spiking {
            return Err(Error::invalid(
                "w_rec",
                "CubaLI does not spike: recurrent weights need CubaLIF",
            ));
        }
        if (w.n_pre(), w.n_post()) != (self.n, self.n) {
            return Err(Error::shape(
                "w_rec",
                &[vec![self.n, self.n]],
                &[w.n_pre(), w.n_post()],
            ));
        }
        let (structure, data) = Structure::split(w);
        let nnz = structure.nnz();
        self.attrs
            .retain(|a| a.name != "w_rec" && a.name != "spikes");
        self.attrs.insert(
            0,
            Attribute::parameter("w_rec", "weights", vec![vec![nnz]], Init::Fill(0.0)),
        );
        self.attrs.push(Attribute::state("spikes", vec![self.n]));
        self.sparse_rec = Some(Arc::new(structure));
        self.with("w_rec", Array::from_shape_vec(vec![nnz], data)?.into())
    }

    /// The structure of the sparse recurrent weights, if any (their values are the
    /// Parameter `w_rec`).
    pub fn sparse_w_rec(&self) -> Option<&Structure> {
        self.sparse_rec.as_deref()
    }

    fn read(entry: &FileEntry<'_>, spiking: bool) -> Result<Arc<dyn Module>> {
        let n = entry.vector_size()?;
        let mut neuron = Cuba::build(n, spiking).with_precision(
            entry
                .parsed_option("precision", Precision::from_name)?
                .unwrap_or_default(),
        );
        if let Some(spec) = entry.json_option("w_rec")? {
            let at = entry.option_path("w_rec");
            // Without `data` the weights start at zero (a written file keeps them in
            // `parameters.w_rec`).
            let csr = Structure::from_json(entry, spec, &at, n, n, 1)?;
            neuron = neuron.with_sparse_w_rec(csr).map_err(|e| relabel(e, &at))?;
        }
        Ok(Arc::new(entry.apply_values(neuron, Cuba::with)?))
    }

    /// How `CubaLI` is read from a network file (option `precision`).
    pub const LI_CLASS: ModuleClass =
        ModuleClass::new("CubaLI", &["precision"], |e| Cuba::read(e, false));

    /// How `CubaLIF` is read from a network file (options `precision` and `w_rec`, the
    /// sparse structure as LIF's).
    pub const LIF_CLASS: ModuleClass =
        ModuleClass::new("CubaLIF", &["precision", "w_rec"], |e| Cuba::read(e, true));
}

/// The per-neuron coefficients of one [`Cuba`] call, in the compute type.
#[derive(Debug, Clone)]
pub struct CubaParams<F> {
    /// `a_s`.
    i_decay: Vec<F>,
    /// `(1 − a_s) w_in`.
    i_input: Vec<F>,
    /// `a_m`.
    v_decay: Vec<F>,
    /// `(1 − a_m) v_leak`.
    v_leak: Vec<F>,
    /// `r g`.
    v_current: Vec<F>,
    /// `r (1 − a_m − g) w_in`.
    v_input: Vec<F>,
    /// `(v_threshold, v_reset)` for CubaLIF.
    spike: Option<(Vec<F>, Vec<F>)>,
    /// Sparse recurrent weights.
    rec: Option<SparseWeights<F>>,
}

/// Per-sample working buffers of a recurrent [`Cuba`]: the recurrent input and the
/// spiking rows it holds (empty without recurrence).
#[derive(Debug)]
pub struct CubaScratch<F> {
    irec: Vec<F>,
    active: Vec<(usize, F)>,
}

impl NeuronModel for Cuba {
    type Params<F: Real> = CubaParams<F>;
    type Scratch<F: Real> = CubaScratch<F>;

    fn precision(&self) -> Precision {
        self.precision
    }

    fn decode<F: Real>(&self, params: &Tree) -> Result<CubaParams<F>> {
        let n = self.n;
        let dt = time_step(params)?;
        let tau_syn = time_constants(params, "tau_syn", n)?;
        let tau_mem = time_constants(params, "tau_mem", n)?;
        let (r, v_leak) = (
            per_element(params, "r", n)?,
            per_element(params, "v_leak", n)?,
        );
        let w_in = per_element(params, "w_in", n)?;
        let mut p = CubaParams {
            i_decay: Vec::with_capacity(n),
            i_input: Vec::with_capacity(n),
            v_decay: Vec::with_capacity(n),
            v_leak: Vec::with_capacity(n),
            v_current: Vec::with_capacity(n),
            v_input: Vec::with_capacity(n),
            spike: None,
            rec: match &self.sparse_rec {
                Some(structure) => Some(SparseWeights::new(
                    structure.clone(),
                    params.array("w_rec")?.clone(),
                )?),
                None => None,
            },
        };
        for j in 0..n {
            let (a_s, one_minus_a_s) = decay(dt, tau_syn[j]);
            let (a_m, one_minus_a_m) = decay(dt, tau_mem[j]);
            let g = coupling(dt, tau_syn[j], tau_mem[j]);
            p.i_decay.push(F::of(a_s));
            p.i_input.push(F::of(one_minus_a_s * w_in[j]));
            p.v_decay.push(F::of(a_m));
            p.v_leak.push(F::of(one_minus_a_m * v_leak[j]));
            p.v_current.push(F::of(r[j] * g));
            p.v_input.push(F::of(r[j] * (one_minus_a_m - g) * w_in[j]));
        }
        p.spike = spike_parameters(params, n, self.spiking)?;
        Ok(p)
    }

    fn scratch<F: Real>(&self, p: &CubaParams<F>) -> CubaScratch<F> {
        CubaScratch {
            irec: vec![F::zero(); if p.rec.is_some() { self.n } else { 0 }],
            active: Vec::new(),
        }
    }

    fn records(&self) -> Vec<(&'static str, Vec<usize>)> {
        vec![("i", vec![self.n]), ("v", vec![self.n])]
    }

    fn step<F: Real>(&self, p: &CubaParams<F>, scratch: &mut CubaScratch<F>, io: Step<'_, F>) {
        let (i, v, spikes) = match io.state {
            [i, v] => (i, v, None),
            [i, v, spikes] => (i, v, Some(spikes)),
            _ => return,
        };
        let irec = match (&p.rec, &spikes) {
            (Some(rec), Some(spikes)) => {
                rec.recurrent(spikes, &mut scratch.irec, &mut scratch.active);
                Some(&scratch.irec)
            }
            _ => None,
        };
        for j in 0..self.n {
            let x = match irec {
                Some(irec) => F::of(io.input[j]) + irec[j],
                None => F::of(io.input[j]),
            };
            let i_n = i[j];
            i[j] = p.i_decay[j] * i_n + p.i_input[j] * x;
            let mut v_new =
                p.v_decay[j] * v[j] + p.v_leak[j] + p.v_current[j] * i_n + p.v_input[j] * x;
            io.output[j] = match &p.spike {
                Some((threshold, reset)) => spike_and_reset(&mut v_new, threshold[j], reset[j]),
                None => v_new.to64(),
            };
            v[j] = v_new;
        }
        if let Some(spikes) = spikes {
            for (s, &z) in spikes.iter_mut().zip(io.output.iter()) {
                *s = F::of(z);
            }
        }
    }

    fn record<F: Real>(&self, _scratch: &CubaScratch<F>, state: &[Vec<F>], out: &mut [&mut [f64]]) {
        record_state(state, out); // `i`, `v` (not `spikes`, the output)
    }
}

impl Module for Cuba {
    fn class_name(&self) -> &str {
        if self.spiking { "CubaLIF" } else { "CubaLI" }
    }

    fn spiking_output(&self) -> bool {
        self.spiking
    }

    fn shape(&self) -> Vec<usize> {
        vec![self.n]
    }

    fn attributes(&self) -> &[Attribute] {
        &self.attrs
    }

    fn options(&self) -> Vec<(&'static str, OptionValue<'_>)> {
        let mut options: Vec<_> = self.precision.option().into_iter().collect();
        if let Some(structure) = &self.sparse_rec {
            options.push(("w_rec", OptionValue::Sparse(structure.view())));
        }
        options
    }

    evolve_on_scaffold!();
}

result_setters! {
    /// [`Cuba`]'s builder methods on `Result<Cuba>`.
    CubaSetters for Cuba {
        fn with(name: &str, v: InitValue) -> Result;
        fn with_tau_syn(v: impl Into<InitValue>) -> Result;
        fn with_tau_mem(v: impl Into<InitValue>) -> Result;
        fn with_r(v: impl Into<InitValue>) -> Result;
        fn with_v_leak(v: impl Into<InitValue>) -> Result;
        fn with_w_in(v: impl Into<InitValue>) -> Result;
        fn with_v_threshold(v: impl Into<InitValue>) -> Result;
        fn with_v_reset(v: impl Into<InitValue>) -> Result;
        fn with_dt(v: impl Into<InitValue>) -> Result;
        fn with_precision(precision: Precision);
        fn with_sparse_w_rec(w: Csr<f64>) -> Result;
    }
}
