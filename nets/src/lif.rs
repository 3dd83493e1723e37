//! `LIF`: leaky integrate-and-fire neurons with exponential synapses (Rockpool's native
//! `LIF`, same step order and numbers).

use crate::builder::{attribute_setters, require_has_rec, result_setters};
use crate::decode_cache::{DecodeCache, MAX_CACHED_VALUES};
use crate::lif_kernel::{
    Consts, Output, SampleIo, SampleRecord, StepSource, evolve_sample, fast_thresholds,
    reciprocals, recurrent_input, reference_neurons, update_synapses,
};
use crate::lif_options::{self, NeuronState, OptionParams, Reset};
use crate::neuron::{
    DriverSample, InPlaceSample, NeuronModel, RunSample, Sample, SampleInput, Step,
};
use crate::sparse::{Csr, Structure};
use crate::view::{per_element, scalar};
use littoral_core::registry::ModuleClass;
use littoral_core::{
    Array, ArrayView, Attribute, Error, Init, InitValue, Initialiser, Module, OptionValue,
    Precision, Real, Result, Tree, TreeExt,
};
use std::borrow::Cow;
use std::sync::Arc;

/// Leaky integrate-and-fire neurons (Rockpool `LIF`). `shape` is `N` or `(Nin, N)` with
/// `Nin = N·S` synapses per neuron; input channel `i` drives neuron `i / S`, synapse `i % S`.
///
/// Per step, for each neuron (`α = exp(-dt/τ_mem)`, `β = exp(-dt/τ_syn)`):
/// ```text
/// irec   = spikes_prev @ w_rec                 (recurrent, previous step's spike counts)
/// isyn   = β · (isyn + (x_t + irec))
/// vmem   = α · vmem + ((Σ_s isyn + noise) + bias)   (numpy's order, to the bit)
/// spikes = min(max_spikes_per_dt, floor(vmem / threshold)) if vmem ≥ threshold
/// vmem   = vmem − spikes · threshold
/// ```
///
/// | attribute | kind | family | shape | default |
/// |---|---|---|---|---|
/// | `w_rec` (if `has_rec`) | Parameter | weights | `(N, Nin)` | kaiming |
/// | `tau_mem` | Parameter | taus | `(N,)` or `()` | 0.02 |
/// | `tau_syn` | Parameter | taus | `(N, S)`, `(1, S)` or `()` | 0.02 |
/// | `bias` | Parameter | bias | `(N,)` or `()` | 0 |
/// | `threshold` | Parameter | threshold | `(N,)` or `()` | 1 |
/// | `dt`, `noise_std`, `max_spikes_per_dt` | SimulationParameter | | `()` | 1e-3, 0, 65536 |
/// | `spikes`, `vmem` | State | | `(N,)` | 0 |
/// | `isyn` | State | | `(N, S)` | 0 |
/// | `rng_key` | State (u64) | | `(2,)` | from the seed |
///
/// The time loop is one fused, branch-free, vectorised pass per step (AVX-512 or AVX2 when
/// the CPU has them), samples run in parallel on the current rayon pool, and the recurrent
/// input adds only the rows of the neurons that spiked; the results are the bits of the
/// per-neuron formulas above. [`Lif::with_precision`] selects float32.
///
/// ```
/// use littoral_core::{Array, ModuleExt};
/// use littoral_nets::Lif;
/// let lif = Lif::new(2);
/// let tree = lif.init(0);
/// let x = Array::from_rows(&[vec![0.5, 2.0], vec![0.0, 0.0]])?;
/// let ev = lif.evolve(&tree, &tree, &x, true)?;
/// assert_eq!(ev.output.data(), &[0.0, 1.0, 0.0, 2.0]);   // Rockpool's golden G1
/// # Ok::<(), littoral_core::Error>(())
/// ```
#[doc(alias = "LIF")]
#[derive(Clone, Debug)]
pub struct Lif {
    n_in: usize,
    n: usize,
    n_syn: usize,
    has_rec: bool,
    spiking_input: bool,
    spiking_output: bool,
    precision: Precision,
    attrs: Vec<Attribute>,
    /// The reset rule (option `reset`).
    reset: Reset,
    /// Whether the module has a refractory period (the attributes `refractory` and
    /// `refractory_steps`).
    refractory: bool,
    /// Sparse recurrent weights `(N, N·S)`, in place of the dense `w_rec`.
    sparse_rec: Option<Arc<Structure>>,
    /// The parameters decoded last, for a call with the same values (a clone starts
    /// empty).
    decoded: DecodeCache<DecodeKey>,
}

/// Every setting of a [`Lif`] that decoding its parameters reads ([`NeuronModel::decode`]
/// and `decode_options`): decoded parameters are reused only under an equal key. A setting
/// decoding comes to read must be added here.
#[derive(Debug)]
struct DecodeKey {
    n: usize,
    n_syn: usize,
    has_rec: bool,
    reset: Reset,
    refractory: bool,
    /// The structure itself (held, so that its address is not another's).
    sparse_rec: Option<Arc<Structure>>,
}

impl PartialEq for DecodeKey {
    fn eq(&self, other: &Self) -> bool {
        (
            self.n,
            self.n_syn,
            self.has_rec,
            self.reset,
            self.refractory,
        ) == (
            other.n,
            other.n_syn,
            other.has_rec,
            other.reset,
            other.refractory,
        ) && match (&self.sparse_rec, &other.sparse_rec) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

impl Lif {
    /// `N` neurons with one synapse each, Rockpool's defaults.
    pub fn new(n: usize) -> Self {
        Lif::build(n, n, false)
    }

    /// From Rockpool's `shape`: `[N]` or `[Nin, N]`.
    ///
    /// # Errors
    /// More than two entries, an empty shape, or `Nin` not a multiple of `N`.
    pub fn from_shape(shape: &[usize]) -> Result<Self> {
        match *shape {
            [n] => Ok(Lif::new(n)),
            [n_in, n] => Lif::with_synapses(n_in, n),
            _ => Err(Error::invalid(
                "shape",
                "`shape` must be a one- or two-element tuple `(Nin, Nout)`",
            )),
        }
    }

    /// `n` neurons fed by `n_in = n·S` input channels; `(0, 0)` is the empty LIF of
    /// `Lif::new(0)` (the shape it is written with).
    ///
    /// # Errors
    /// When `n_in` is not a positive multiple of `n` (Rockpool's Jax check; its numpy
    /// version silently builds a broken module).
    pub fn with_synapses(n_in: usize, n: usize) -> Result<Self> {
        if (n_in, n) == (0, 0) {
            return Ok(Lif::new(0));
        }
        if n == 0 || n_in == 0 || !n_in.is_multiple_of(n) {
            return Err(Error::invalid(
                "shape",
                format!("you must specify an integer number of synapses per neuron: ({n_in}, {n})"),
            ));
        }
        Ok(Lif::build(n_in, n, false))
    }

    fn build(n_in: usize, n: usize, has_rec: bool) -> Self {
        let s = n_in / n.max(1);
        let mut attrs = Vec::new();
        if has_rec {
            attrs.push(Attribute::parameter(
                "w_rec",
                "weights",
                vec![vec![n, n_in]],
                Init::Random(Initialiser::Kaiming),
            ));
        }
        attrs.extend([
            Attribute::parameter("tau_mem", "taus", vec![vec![n], vec![]], Init::Fill(0.02)),
            Attribute::parameter(
                "tau_syn",
                "taus",
                vec![vec![n, s], vec![1, s], vec![]],
                Init::Fill(0.02),
            ),
            Attribute::parameter("bias", "bias", vec![vec![n], vec![]], Init::Fill(0.0)),
            Attribute::parameter(
                "threshold",
                "threshold",
                vec![vec![n], vec![]],
                Init::Fill(1.0),
            )
            .with_domain(littoral_core::domain::Domain::Positive),
            Attribute::simulation("dt", 1e-3),
            Attribute::simulation("noise_std", 0.0),
            Attribute::simulation("max_spikes_per_dt", 65536.0),
            Attribute::state("spikes", vec![n]),
            Attribute::state("isyn", vec![n, s]),
            Attribute::state("vmem", vec![n]),
            Attribute::rng_key(),
        ]);
        Lif {
            n_in,
            n,
            n_syn: s,
            has_rec,
            spiking_input: false,
            spiking_output: true,
            precision: Precision::F64,
            attrs,
            reset: Reset::Subtract,
            refractory: false,
            sparse_rec: None,
            decoded: DecodeCache::default(),
        }
    }

    /// Add (or remove) the recurrent weights `w_rec` (Rockpool's `has_rec`). Values set
    /// before are kept.
    #[must_use]
    pub fn with_has_rec(self, has_rec: bool) -> Self {
        if has_rec == self.has_rec {
            return self;
        }
        let mut fresh = Lif::build(self.n_in, self.n, has_rec)
            .with_reset(self.reset)
            .with_refractory_period(self.refractory);
        for a in self.attrs.into_iter().filter(|a| a.name != "w_rec") {
            if let Some(slot) = fresh.attrs.iter_mut().find(|b| b.name == a.name) {
                *slot = a;
            }
        }
        fresh.spiking_input = self.spiking_input;
        fresh.spiking_output = self.spiking_output;
        fresh.precision = self.precision;
        fresh
    }

    /// The initialiser of `w_rec` (Rockpool's `weight_init_func`).
    ///
    /// # Errors
    /// When the module has no recurrent weights.
    pub fn with_weight_init(self, init: Initialiser) -> Result<Self> {
        require_has_rec(self.has_rec, "w_rec")?;
        self.with("w_rec", init.into())
    }

    /// Set `w_rec` (`(N, Nin)`).
    ///
    /// # Errors
    /// Without `has_rec` (as Rockpool), or for a wrong shape.
    pub fn with_w_rec(self, v: impl Into<InitValue>) -> Result<Self> {
        require_has_rec(self.has_rec, "w_rec")?;
        self.with("w_rec", v.into())
    }

    attribute_setters! {
        /// Set `tau_mem` (seconds; `(N,)` or scalar).
        with_tau_mem => "tau_mem";
        /// Set `tau_syn` (seconds; `(N, S)`, `(1, S)`, scalar, or anything of those sizes).
        with_tau_syn => "tau_syn";
        /// Set `bias`.
        with_bias => "bias";
        /// Set `threshold`.
        with_threshold => "threshold";
        /// Set `dt` (seconds).
        with_dt => "dt";
        /// Set `noise_std` (noise of std `noise_std·√dt` is added to `vmem` every step).
        with_noise_std => "noise_std";
        /// Set `max_spikes_per_dt`.
        with_max_spikes_per_dt => "max_spikes_per_dt";
    }

    /// Set whether the module declares spiking input.
    #[must_use]
    pub fn with_spiking_input(mut self, spiking: bool) -> Self {
        self.spiking_input = spiking;
        self
    }

    crate::builder::precision_methods!(with_precision, precision);

    /// Number of neurons.
    pub fn n_neurons(&self) -> usize {
        self.n
    }

    /// Synapses per neuron.
    pub fn n_synapses(&self) -> usize {
        self.n_syn
    }

    /// Whether the module has recurrent weights.
    pub fn has_rec(&self) -> bool {
        self.has_rec
    }
}

impl Lif {
    /// How `LIF` is read from a network file (options `has_rec`, `precision`, `reset`;
    /// a `refractory` under `simulation_parameters` adds the refractory period).
    pub const CLASS: ModuleClass = ModuleClass::new(
        "LIF",
        &["has_rec", "precision", "reset", "w_rec"],
        |entry| {
            let lif = Lif::file_options(entry, entry.from_shape(Lif::from_shape)?)?;
            Ok(Arc::new(entry.apply_values(lif, Lif::with_value)?))
        },
    );

    /// The options of a network-file entry applied to `lif` (shared with `ALIF`).
    pub(crate) fn file_options(
        entry: &littoral_core::registry::FileEntry<'_>,
        lif: Lif,
    ) -> Result<Lif> {
        let reset = entry
            .parsed_option("reset", Reset::from_name)?
            .unwrap_or_default();
        if reset != Reset::ToValue && entry.has_value("parameters", "v_reset") {
            return Err(Error::invalid(
                entry.at("parameters.v_reset"),
                "`v_reset` needs the option `reset: \"to_value\"`",
            ));
        }
        let lif = lif
            .with_has_rec(entry.bool_option("has_rec")?.unwrap_or(false))
            .with_precision(
                entry
                    .parsed_option("precision", Precision::from_name)?
                    .unwrap_or_default(),
            )
            .with_reset(reset)
            .with_refractory_period(entry.has_value("simulation_parameters", "refractory"));
        let Some(spec) = entry.json_option("w_rec")? else {
            return Ok(lif);
        };
        let at = entry.option_path("w_rec");
        if lif.has_rec {
            return Err(Error::invalid(
                &at,
                "sparse `w_rec` replaces the dense one: drop `has_rec: true`",
            ));
        }
        let (n, s) = (lif.n, lif.n_syn);
        // Without `data` (a written file keeps the values in `parameters.w_rec`, a
        // snapshot in its binary tree) the weights start at zero.
        let csr = Structure::from_json(entry, spec, &at, n, n, s)?;
        lif.with_sparse_w_rec(csr)
            .map_err(|e| littoral_core::registry::relabel(e, &at))
    }

    /// [`Lif::with`], and `refractory` adds the refractory period
    /// ([`Lif::with_refractory`]).
    ///
    /// # Errors
    /// As [`Lif::with`]; `v_reset` without `reset: "to_value"`.
    pub fn with_value(self, name: &str, v: InitValue) -> Result<Self> {
        match name {
            "refractory" => self.with_refractory(v),
            "v_reset" if self.reset != Reset::ToValue => Err(Error::invalid(
                "v_reset",
                "`v_reset` needs the option `reset: \"to_value\"`",
            )),
            _ => self.with(name, v),
        }
    }

    /// Set the reset rule: Rockpool's subtractive reset (the default) or reset to the
    /// Parameter `v_reset` (family `"v_reset"`, `(N,)` or scalar, default 0), which this
    /// adds.
    #[must_use]
    pub fn with_reset(mut self, reset: Reset) -> Self {
        self.reset = reset;
        self.attrs.retain(|a| a.name != "v_reset");
        if reset == Reset::ToValue {
            let at = self
                .attrs
                .iter()
                .position(|a| a.name == "threshold")
                .map_or(self.attrs.len(), |i| i + 1);
            self.attrs.insert(
                at,
                Attribute::parameter(
                    "v_reset",
                    "v_reset",
                    vec![vec![self.n], vec![]],
                    Init::Fill(0.0),
                ),
            );
        }
        self
    }

    /// Add (or remove) the refractory period's attributes: the SimulationParameter
    /// `refractory` (seconds, default 0) and the State `refractory_steps` (per neuron, the
    /// remaining refractory steps).
    #[must_use]
    pub fn with_refractory_period(mut self, on: bool) -> Self {
        if on == self.refractory {
            return self;
        }
        self.refractory = on;
        if on {
            let at = self
                .attrs
                .iter()
                .position(|a| a.name == "max_spikes_per_dt")
                .map_or(self.attrs.len(), |i| i + 1);
            self.attrs
                .insert(at, Attribute::simulation("refractory", 0.0));
            self.attrs
                .push(Attribute::state("refractory_steps", vec![self.n]));
        } else {
            self.attrs
                .retain(|a| a.name != "refractory" && a.name != "refractory_steps");
        }
        self
    }

    /// Set an absolute refractory period (seconds, `>= 0`; Brian2's semantics, see
    /// `docs/models.md` §3), adding its attributes.
    ///
    /// # Errors
    /// A negative or non-finite value.
    pub fn with_refractory(self, v: impl Into<InitValue>) -> Result<Self> {
        let v = v.into();
        let bad = match &v.init {
            Init::Value(a) => a.data().iter().copied().find(|x| x.is_nan() || *x < 0.0),
            Init::Fill(x) => (x.is_nan() || *x < 0.0).then_some(*x),
            _ => None,
        };
        if let Some(bad) = bad {
            return Err(Error::invalid(
                "refractory",
                format!("expected a duration in seconds >= 0, found {bad}"),
            ));
        }
        self.with_refractory_period(true).with("refractory", v)
    }

    /// Replace the recurrent weights by a sparse `(N, N·S)` matrix (rows presynaptic, as
    /// `w_rec`): its structure becomes part of the module (written as the option `w_rec`)
    /// and its values the Parameter `w_rec` of shape `(nnz,)` (family `"weights"`,
    /// sweepable, in snapshots bit for bit). The dense `w_rec` is removed.
    ///
    /// # Errors
    /// A matrix of another shape.
    pub fn with_sparse_w_rec(self, w: Csr<f64>) -> Result<Self> {
        let ns = self.n * self.n_syn;
        if w.n_pre() != self.n || w.n_post() != ns {
            return Err(Error::shape(
                "w_rec",
                &[vec![self.n, ns]],
                &[w.n_pre(), w.n_post()],
            ));
        }
        let mut lif = self.with_has_rec(false);
        let (structure, data) = Structure::split(w);
        let nnz = structure.nnz();
        lif.attrs.retain(|a| a.name != "w_rec");
        lif.attrs.insert(
            0,
            Attribute::parameter("w_rec", "weights", vec![vec![nnz]], Init::Fill(0.0)),
        );
        lif.sparse_rec = Some(Arc::new(structure));
        lif.with("w_rec", Array::from_shape_vec(vec![nnz], data)?.into())
    }

    /// The structure of the sparse recurrent weights, if any (their values are the
    /// Parameter `w_rec`).
    pub fn sparse_w_rec(&self) -> Option<&Structure> {
        self.sparse_rec.as_deref()
    }

    /// The reset rule.
    pub fn reset(&self) -> Reset {
        self.reset
    }

    /// Whether any option is set (then the module steps through the per-neuron loop of
    /// `lif_options` instead of the vectorised kernel).
    pub fn has_options(&self) -> bool {
        self.reset != Reset::Subtract || self.refractory || self.sparse_rec.is_some()
    }

    /// The decoded options of one call.
    pub(crate) fn decode_options<F: Real>(&self, p: &Tree) -> Result<OptionParams<F>> {
        let v_reset = match self.reset {
            Reset::Subtract => None,
            Reset::ToValue => Some(
                per_element(p, "v_reset", self.n)?
                    .into_iter()
                    .map(F::of)
                    .collect(),
            ),
        };
        let refractory = if self.refractory {
            Some(F::of(lif_options::refractory_steps(
                scalar(p, "refractory")?,
                scalar(p, "dt")?,
            )?))
        } else {
            None
        };
        Ok(OptionParams {
            v_reset,
            refractory,
            adapt: None,
            sparse: match &self.sparse_rec {
                Some(structure) => Some(lif_options::SparseWeights::new(
                    structure.clone(),
                    p.array("w_rec")?.clone(),
                )?),
                None => None,
            },
        })
    }

    /// One step with options (LIF's and ALIF's): the state is `[spikes, isyn, vmem,
    /// refractory_steps?, a?]`.
    pub(crate) fn option_step<F: Real>(
        &self,
        p: &LifParams<F>,
        scratch: &mut LifScratch<F>,
        io: Step<'_, F>,
    ) {
        let c = p.consts(self.n, self.n_syn);
        let o = &p.options;
        let (spikes, rest) = io.state.split_at_mut(1);
        let (isyn, rest) = rest.split_at_mut(1);
        let (vmem, rest) = rest.split_at_mut(1);
        let (refractory, rest) = rest.split_at_mut(usize::from(self.refractory));
        let (spikes, isyn, vmem) = (&mut spikes[0], &mut isyn[0], &mut vmem[0]);
        let rec_in =
            lif_options::recurrent_input(&c, o, spikes, &mut scratch.irec, &mut scratch.active);
        let fused = lif_options::Fused {
            x: io.input,
            irec: rec_in.then_some(scratch.irec.as_slice()),
            noise: io.noise,
            isyn: &mut isyn[..],
            vmem: &mut vmem[..],
            spikes: &mut spikes[..],
            refractory: refractory.first_mut().map(Vec::as_mut_slice),
            out: &mut io.output[..],
        };
        if lif_options::fused_step(&c, o, fused) {
            return;
        }
        update_synapses(&c, io.input, &scratch.irec, rec_in, isyn);
        let adapt = o.adapt.as_ref().and(rest.first_mut());
        let has_adapt = adapt.is_some();
        lif_options::neurons(
            &c,
            o,
            io.noise,
            NeuronState {
                isyn,
                vmem,
                spikes,
                refractory: refractory.first_mut().map(Vec::as_mut_slice),
                adapt: adapt.map(Vec::as_mut_slice),
                threshold_eff: has_adapt.then_some(scratch.threshold_eff.as_mut_slice()),
            },
            io.output,
        );
    }
}

/// Decoded, per-element parameters of one `evolve` call, in the compute type.
#[derive(Debug, Clone)]
pub struct LifParams<F> {
    alpha: Vec<F>,
    beta: Vec<F>,
    bias: Vec<F>,
    threshold: Vec<F>,
    /// Recurrent weights `(N, N·S)`, row-major, in `F`.
    w_rec: Option<RecWeights<F>>,
    noise_scale: f64,
    max_spikes: F,
    /// Every threshold is positive and finite (the kernel's fast pass).
    fast: bool,
    /// `1/θ` when every threshold is a power of two, else empty.
    recip: Vec<F>,
    /// The options (reset to value, refractory period, adaptation, sparse `w_rec`).
    pub(crate) options: OptionParams<F>,
    /// Some bias is `-0.0`.
    neg_zero_bias: bool,
}

impl<F: Real> LifParams<F> {
    pub(crate) fn consts(&self, n: usize, n_syn: usize) -> Consts<'_, F> {
        Consts {
            n,
            n_syn,
            alpha: &self.alpha,
            beta: &self.beta,
            bias: &self.bias,
            threshold: &self.threshold,
            fast: self.fast,
            recip: &self.recip,
            max_spikes: self.max_spikes,
            neg_zero_bias: self.neg_zero_bias,
            noise_scale: self.noise_scale,
            w_rec: self.w_rec.as_ref().map(RecWeights::as_slice),
        }
    }
}

/// The recurrent weights of one call: in `f64` the tree's own array, shared (a 2048²
/// `w_rec` is 32 MiB: copying it cost W3 6 % more instructions), in `f32` rounded once.
#[derive(Debug, Clone)]
enum RecWeights<F> {
    Tree(Arc<Array>),
    Rounded(Vec<F>),
}

impl<F: Real> RecWeights<F> {
    fn of(w: &Arc<Array>) -> Self {
        match F::cast_slice(w.data()) {
            Cow::Borrowed(_) => RecWeights::Tree(Arc::clone(w)),
            Cow::Owned(rounded) => RecWeights::Rounded(rounded),
        }
    }

    /// The weights in `F` (borrowed: `Tree` is only made when `F` is `f64`).
    fn as_slice(&self) -> Cow<'_, [F]> {
        match self {
            RecWeights::Tree(w) => F::cast_slice(w.data()),
            RecWeights::Rounded(w) => Cow::Borrowed(w),
        }
    }
}

/// Per-sample working buffers of [`Lif`]'s step: the recurrent input and the spiking
/// neurons.
#[derive(Debug)]
pub struct LifScratch<F> {
    irec: Vec<F>,
    active: Vec<(usize, F)>,
    /// ALIF's effective threshold of the last step (empty for LIF).
    pub(crate) threshold_eff: Vec<F>,
}

impl<F> LifScratch<F> {
    /// The recurrent input of the last step, `(N·S)`.
    pub(crate) fn irec(&self) -> &[F] {
        &self.irec
    }
}

impl Lif {
    /// Run one sample through the LIF kernel, its input a block source (the input slice,
    /// or a stage fused in front, see [`crate::fused`]) and its output a slice or the
    /// driver's lazily zeroed part ([`Output`]).
    pub(crate) fn kernel_sample<'a, F: Real, S: StepSource, O: Into<Output<'a>>>(
        &self,
        p: &LifParams<F>,
        sample: Sample<'a, S, O>,
    ) {
        let Sample {
            key,
            input,
            mut state,
            output,
            record,
        } = sample;
        let (Some(vmem), Some(isyn), Some(spikes)) = (state.pop(), state.pop(), state.pop()) else {
            return;
        };
        let rec = record.and_then(|r| {
            let mut r: Vec<&mut [f64]> = r.into_iter().map(|o| o.into().all()).collect();
            let (vmem, isyn, spikes, irec) = (r.pop()?, r.pop()?, r.pop()?, r.pop()?);
            Some(SampleRecord {
                irec,
                spikes,
                isyn,
                vmem,
            })
        });
        let io = SampleIo {
            spikes,
            isyn,
            vmem,
            key,
            input,
            output: output.into(),
            rec,
        };
        evolve_sample(&p.consts(self.n, self.n_syn), io);
    }
}

/// How [`Lif`]'s `evolve` runs a sample: the kernel, given the driver's output part
/// (zeroed a block at a time by a pass that writes every step), or step by step with
/// options.
struct KernelRun;

impl RunSample<Lif> for KernelRun {
    fn run<F: Real>(&self, lif: &Lif, p: &LifParams<F>, sample: DriverSample<'_>) {
        if lif.has_options() {
            crate::neuron::step_by_step(lif, p, sample.zeroed());
        } else {
            lif.kernel_sample(p, sample);
        }
    }

    fn run_in_place<F: Real>(&self, lif: &Lif, p: &LifParams<F>, sample: InPlaceSample<'_>) {
        if lif.has_options() {
            crate::neuron::step_by_step_from(lif, p, sample.for_steps());
        } else {
            lif.kernel_sample(p, sample);
        }
    }
}

impl NeuronModel for Lif {
    type Params<F: Real> = LifParams<F>;
    type Scratch<F: Real> = LifScratch<F>;

    fn precision(&self) -> Precision {
        self.precision
    }

    fn decode<F: Real>(&self, p: &Tree) -> Result<LifParams<F>> {
        let dt = scalar(p, "dt")?;
        let ns = self.n * self.n_syn;
        // In the compute type, as Rockpool does (numpy: float64; Jax: float32).
        let exp_decay = |tau: f64| (F::of(-dt) / F::of(tau)).exp();
        let tau_syn = p.array("tau_syn")?;
        let beta: Vec<F> = match tau_syn.len() {
            1 => vec![exp_decay(tau_syn.data()[0]); ns],
            len if len == ns => tau_syn.data().iter().map(|&t| exp_decay(t)).collect(),
            len if len == self.n_syn => (0..ns)
                .map(|i| exp_decay(tau_syn.data()[i % self.n_syn]))
                .collect(),
            _ => {
                return Err(Error::shape(
                    "tau_syn",
                    &[vec![self.n, self.n_syn]],
                    tau_syn.shape(),
                ));
            }
        };
        let w_rec = if self.has_rec {
            let w = p.array("w_rec")?;
            if w.len() != self.n * ns {
                return Err(Error::shape("w_rec", &[vec![self.n, ns]], w.shape()));
            }
            Some(RecWeights::of(w))
        } else {
            None
        };
        let threshold: Vec<F> = per_element(p, "threshold", self.n)?
            .into_iter()
            .map(F::of)
            .collect();
        let bias: Vec<F> = per_element(p, "bias", self.n)?
            .into_iter()
            .map(F::of)
            .collect();
        let neg_zero_bias = bias.iter().any(|&b| b == F::zero() && b.is_sign_negative());
        let fast = fast_thresholds(&threshold);
        let recip = if fast {
            reciprocals(&threshold).unwrap_or_default()
        } else {
            Vec::new()
        };
        Ok(LifParams {
            alpha: per_element(p, "tau_mem", self.n)?
                .into_iter()
                .map(exp_decay)
                .collect(),
            beta,
            bias,
            threshold,
            w_rec,
            noise_scale: scalar(p, "noise_std")? * dt.sqrt(),
            max_spikes: F::of(scalar(p, "max_spikes_per_dt")?),
            fast,
            recip,
            options: self.decode_options(p)?,
            neg_zero_bias,
        })
    }

    /// The parameters decoded last time when `p` and the settings are the same (bit for
    /// bit), else decoded (and kept, for a population of at most `MAX_CACHED_VALUES`
    /// values).
    fn decode_shared<F: Real>(&self, p: &Tree) -> Result<Arc<LifParams<F>>> {
        let key = DecodeKey {
            n: self.n,
            n_syn: self.n_syn,
            has_rec: self.has_rec,
            reset: self.reset,
            refractory: self.refractory,
            sparse_rec: self.sparse_rec.clone(),
        };
        let values = self.n * self.n_syn * (1 + usize::from(self.has_rec) * self.n);
        self.decoded
            .get_or_decode(key, p, values <= MAX_CACHED_VALUES, || self.decode(p))
    }

    fn scratch<F: Real>(&self, p: &LifParams<F>) -> LifScratch<F> {
        LifScratch {
            irec: vec![F::zero(); self.n * self.n_syn],
            active: Vec::with_capacity(if p.w_rec.is_some() { self.n } else { 0 }),
            threshold_eff: if p.options.adapt.is_some() {
                vec![F::zero(); self.n]
            } else {
                Vec::new()
            },
        }
    }

    fn noise_len<F: Real>(&self, p: &LifParams<F>) -> usize {
        if p.noise_scale != 0.0 { self.n } else { 0 }
    }

    fn records(&self) -> Vec<(&'static str, Vec<usize>)> {
        let (n, s) = (self.n, self.n_syn);
        let mut records = vec![
            ("irec", vec![n, s]),
            ("spikes", vec![n]),
            ("isyn", vec![n, s]),
            ("vmem", vec![n]),
        ];
        if self.refractory {
            records.push(("refractory_steps", vec![n]));
        }
        records
    }

    /// The kernel's reference arithmetic, one step at a time (the same bits as the
    /// vectorised [`NeuronModel::evolve_sample`], which `evolve` uses).
    fn step<F: Real>(&self, p: &LifParams<F>, scratch: &mut LifScratch<F>, io: Step<'_, F>) {
        if self.has_options() {
            return self.option_step(p, scratch, io);
        }
        let c = p.consts(self.n, self.n_syn);
        let [spikes, isyn, vmem] = io.state else {
            return;
        };
        if let Some(w) = c.w_rec.as_deref() {
            recurrent_input(w, spikes, &mut scratch.irec, &mut scratch.active);
        }
        update_synapses(&c, io.input, &scratch.irec, c.w_rec.is_some(), isyn);
        reference_neurons(&c, io.noise, isyn, vmem, spikes, io.output);
    }

    fn record<F: Real>(&self, scratch: &LifScratch<F>, state: &[Vec<F>], out: &mut [&mut [f64]]) {
        F::widen_into(&scratch.irec, out[0]);
        for (src, dst) in state.iter().zip(out[1..].iter_mut()) {
            F::widen_into(src, dst);
        }
    }

    fn evolve_sample<F: Real>(&self, p: &LifParams<F>, sample: Sample<'_, SampleInput<'_>>) {
        if self.has_options() {
            return crate::neuron::step_by_step(self, p, sample);
        }
        self.kernel_sample(p, sample);
    }
}

/// Rockpool's multi-spike rule, including its `-0.0` for negative potentials:
/// `min(max, (v ≥ θ) · floor(v/θ))`.
#[inline]
pub fn spike_count<F: Real>(v: F, threshold: F, max_spikes: F) -> F {
    let q = (v / threshold).floor();
    let s = if v >= threshold { q } else { F::zero() * q };
    if max_spikes < s { max_spikes } else { s }
}

impl Module for Lif {
    fn class_name(&self) -> &str {
        "LIF"
    }

    fn spiking_output(&self) -> bool {
        self.spiking_output
    }

    fn shape(&self) -> Vec<usize> {
        vec![self.n_in, self.n]
    }

    fn spiking_input(&self) -> bool {
        self.spiking_input
    }

    fn attributes(&self) -> &[Attribute] {
        &self.attrs
    }

    fn options(&self) -> Vec<(&'static str, OptionValue<'_>)> {
        let mut options = vec![("has_rec", OptionValue::Bool(self.has_rec))];
        options.extend(self.precision.option());
        if self.reset != Reset::Subtract {
            options.push(("reset", OptionValue::Str(self.reset.name().into())));
        }
        if let Some(structure) = &self.sparse_rec {
            options.push(("w_rec", OptionValue::Sparse(structure.view())));
        }
        options
    }

    fn evolve_batch(
        &self,
        params: &Tree,
        state: &Tree,
        input: ArrayView<'_>,
        record: littoral_core::Recording,
    ) -> Result<littoral_core::Evolution> {
        // An input-free run takes the fast path when it applies (the same bits).
        if let Some(ev) = crate::autonomous::evolve_if_autonomous(
            self,
            params,
            state,
            input,
            record.everything(),
        )? {
            return Ok(ev);
        }
        crate::neuron::evolve_by(self, params, state, input, record, &KernelRun)
    }

    /// The output written into the input's own buffer when it has the input's shape (one
    /// synapse per neuron, `size_in == N`): the same bits as [`Module::evolve_batch`].
    fn evolve_batch_owned(
        &self,
        params: &Tree,
        state: &Tree,
        input: Array,
        record: littoral_core::Recording,
    ) -> Result<littoral_core::Evolution> {
        let autonomous = crate::autonomous::evolve_if_autonomous(
            self,
            params,
            state,
            input.view(),
            record.everything(),
        );
        let settle = || littoral_core::input_check::settle(input.data());
        match autonomous {
            Ok(None) => {
                crate::neuron::evolve_by_owned(self, params, state, input, record, &KernelRun)
            }
            Ok(Some(ev)) => {
                settle();
                Ok(ev)
            }
            Err(e) => {
                settle();
                Err(e)
            }
        }
    }
}

result_setters! {
    /// [`Lif`]'s builder methods on `Result<Lif>`.
    LifSetters for Lif {
        fn with(name: &str, v: InitValue) -> Result;
        fn with_tau_mem(v: impl Into<InitValue>) -> Result;
        fn with_tau_syn(v: impl Into<InitValue>) -> Result;
        fn with_bias(v: impl Into<InitValue>) -> Result;
        fn with_threshold(v: impl Into<InitValue>) -> Result;
        fn with_dt(v: impl Into<InitValue>) -> Result;
        fn with_noise_std(v: impl Into<InitValue>) -> Result;
        fn with_max_spikes_per_dt(v: impl Into<InitValue>) -> Result;
        fn with_w_rec(v: impl Into<InitValue>) -> Result;
        fn with_weight_init(init: Initialiser) -> Result;
        fn with_has_rec(has_rec: bool);
        fn with_spiking_input(spiking: bool);
        fn with_precision(precision: Precision);
        fn with_value(name: &str, v: InitValue) -> Result;
        fn with_reset(reset: Reset);
        fn with_refractory_period(on: bool);
        fn with_refractory(v: impl Into<InitValue>) -> Result;
        fn with_sparse_w_rec(w: Csr<f64>) -> Result;
    }
}
