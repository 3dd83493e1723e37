//! `LIF`: leaky integrate-and-fire neurons with exponential synapses (Rockpool's native
//! `LIF`, same step order and numbers).

use crate::builder::{attribute_setters, require_has_rec};
use crate::lif_kernel::{
    Consts, SampleIo, SampleRecord, SliceSource, StepSource, evolve_sample, fast_thresholds,
    reciprocals,
};
use crate::par::for_each_sample;
use crate::view::{advanced_keys, batched, per_element, rng_keys, scalar};
use littoral_core::{
    Array, Attribute, Error, Evolution, Init, InitValue, Initialiser, Kind, Leaf, Module,
    OptionValue, Precision, Real, Record, Result, Tree, TreeExt, Value,
};
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

    /// `n` neurons fed by `n_in = n·S` input channels.
    ///
    /// # Errors
    /// When `n_in` is not a positive multiple of `n` (Rockpool's Jax check; its numpy
    /// version silently builds a broken module).
    pub fn with_synapses(n_in: usize, n: usize) -> Result<Self> {
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
            ),
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
        }
    }

    /// Add (or remove) the recurrent weights `w_rec` (Rockpool's `has_rec`). Values set
    /// before are kept.
    #[must_use]
    pub fn with_has_rec(self, has_rec: bool) -> Self {
        if has_rec == self.has_rec {
            return self;
        }
        let mut fresh = Lif::build(self.n_in, self.n, has_rec);
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

    /// Compute in `f64` (the default, Rockpool's numpy numbers) or `f32` (Rockpool's Jax
    /// numbers; see [`Precision`]). Written to the network file as the option
    /// `"precision": "f32"`.
    #[must_use]
    pub fn with_precision(mut self, precision: Precision) -> Self {
        self.precision = precision;
        self
    }

    /// The compute precision.
    pub fn precision(&self) -> Precision {
        self.precision
    }

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

/// Decoded, per-element parameters of one `evolve` call.
#[derive(Debug, Clone)]
pub struct LifParams<F> {
    /// `exp(-dt/τ_mem)` per neuron.
    pub alpha: Vec<F>,
    /// `exp(-dt/τ_syn)` per neuron and synapse.
    pub beta: Vec<F>,
    /// Bias per neuron.
    pub bias: Vec<F>,
    /// Threshold per neuron.
    pub threshold: Vec<F>,
    /// Recurrent weights `(N, Nin)`, row-major.
    pub w_rec: Option<Arc<Array>>,
    /// `noise_std · √dt`.
    pub noise_scale: f64,
    /// Spike cap per step.
    pub max_spikes: F,
}

impl Lif {
    fn evolve_in<F: Real>(
        &self,
        params: &Tree,
        state: &Tree,
        input: &Array,
        record: bool,
    ) -> Result<Evolution> {
        self.checked::<F>(params, state, input, record, false)
    }

    /// Evolve, and with `check` return [`Error::NonFinite`] for the first NaN or infinite
    /// input element (the kernel checks each block of steps as it reads it).
    fn checked<F: Real>(
        &self,
        params: &Tree,
        state: &Tree,
        input: &Array,
        record: bool,
        check: bool,
    ) -> Result<Evolution> {
        let (b, t) = (input.shape()[0], input.shape()[1]);
        let width = self.n * self.n_syn;
        let flag = std::sync::atomic::AtomicBool::new(false);
        let sources = input
            .data()
            .chunks((t * width).max(1))
            .map(|data| SliceSource {
                data,
                width,
                non_finite: check.then_some(&flag),
            })
            .collect();
        let ev = self.run::<F, _>(params, state, b, t, record, sources)?;
        non_finite_input(flag.into_inner(), input)?;
        Ok(ev)
    }

    /// `Linear` (weight `w`, optional `bias`, both checked) then this LIF in one pass,
    /// recording off: each sample's linear stage is computed a block of steps at a time
    /// into a small buffer that stays in cache, with the same per-row arithmetic as
    /// [`crate::Linear`]'s own evolve, so the bits are those of the two modules run one
    /// after the other. Used by `Sequential`; `precision` is the Linear's and must be this
    /// module's.
    /// With `check`, a NaN or infinite input element is an [`Error::NonFinite`] at path
    /// `input` (as [`Module::evolve_batch_finite`]).
    pub(crate) fn evolve_after_linear(
        &self,
        w: &Array,
        bias: Option<&Array>,
        params: &Tree,
        state: &Tree,
        input: &Array,
        check: bool,
    ) -> Result<Evolution> {
        match self.precision {
            Precision::F64 => self.fused::<f64>(w, bias, params, state, input, check),
            Precision::F32 => self.fused::<f32>(w, bias, params, state, input, check),
        }
    }

    fn fused<F: Real>(
        &self,
        w: &Array,
        bias: Option<&Array>,
        params: &Tree,
        state: &Tree,
        input: &Array,
        check: bool,
    ) -> Result<Evolution> {
        let (b, t, k) = match *input.shape() {
            [b, t, k] => (b, t, k),
            _ => return Err(Error::shape("input", &[vec![0, 0, 0]], input.shape())),
        };
        if w.shape() != [k, self.n_in] || b * t * k == 0 {
            return Err(Error::shape("weight", &[vec![k, self.n_in]], w.shape()));
        }
        let prepared = crate::linear::Prepared::<F>::new(w, bias);
        let failure = std::sync::Mutex::new(None);
        let flag = std::sync::atomic::AtomicBool::new(false);
        let sources = input
            .data()
            .chunks(t * k)
            .map(|x| prepared.source(x, &failure, check.then_some(&flag)))
            .collect();
        let ev = self.run::<F, _>(params, state, b, t, false, sources)?;
        non_finite_input(flag.into_inner(), input)?;
        if let Some(e) = failure.into_inner().ok().flatten() {
            return Err(e);
        }
        Ok(ev)
    }

    fn run<F: Real, S: StepSource + Send>(
        &self,
        params: &Tree,
        state: &Tree,
        b: usize,
        t: usize,
        record: bool,
        sources: Vec<S>,
    ) -> Result<Evolution> {
        let (n, s) = (self.n, self.n_syn);
        let ns = n * s;
        let p: LifParams<F> = self.decode(params)?;
        let mut spikes = batched(state, "spikes", b, &[n])?.clone();
        let mut isyn = batched(state, "isyn", b, &[n, s])?.clone();
        let mut vmem = batched(state, "vmem", b, &[n])?.clone();
        let keys = rng_keys(state, b)?;
        let mut output = Array::zeros(vec![b, t, n]);
        let mut rec_arrays = record.then(|| {
            (
                Array::zeros(vec![b, t, n, s]),
                Array::zeros(vec![b, t, n]),
                Array::zeros(vec![b, t, n, s]),
                Array::zeros(vec![b, t, n]),
            )
        });
        let w_rec = match &p.w_rec {
            Some(w) if w.len() != n * ns => {
                return Err(Error::shape("w_rec", &[vec![n, ns]], w.shape()));
            }
            Some(w) => Some(F::cast_slice(w.data())),
            None => None,
        };
        let fast = fast_thresholds(&p.threshold);
        let recip = if fast {
            reciprocals(&p.threshold).unwrap_or_default()
        } else {
            Vec::new()
        };
        let consts = Consts {
            n,
            n_syn: s,
            alpha: &p.alpha,
            beta: &p.beta,
            bias: &p.bias,
            threshold: &p.threshold,
            fast,
            recip: &recip,
            max_spikes: p.max_spikes,
            noise_scale: p.noise_scale,
            w_rec: w_rec.as_deref(),
        };
        let records: Vec<Option<SampleRecord<'_>>> = match rec_arrays.as_mut() {
            Some((ir, sp, is, vm)) => ir
                .data_mut()
                .chunks_mut((t * ns).max(1))
                .zip(sp.data_mut().chunks_mut((t * n).max(1)))
                .zip(is.data_mut().chunks_mut((t * ns).max(1)))
                .zip(vm.data_mut().chunks_mut((t * n).max(1)))
                .map(|(((irec, spikes), isyn), vmem)| {
                    Some(SampleRecord {
                        irec,
                        spikes,
                        isyn,
                        vmem,
                    })
                })
                .collect(),
            None => (0..b).map(|_| None).collect(),
        };
        let tasks: Vec<SampleIo<'_, S>> = spikes
            .data_mut()
            .chunks_mut(n.max(1))
            .zip(isyn.data_mut().chunks_mut(ns.max(1)))
            .zip(vmem.data_mut().chunks_mut(n.max(1)))
            .zip(&keys)
            .zip(sources)
            .zip(output.data_mut().chunks_mut((t * n).max(1)))
            .zip(records)
            .map(
                |((((((spikes, isyn), vmem), &key), input), output), rec)| SampleIo {
                    spikes,
                    isyn,
                    vmem,
                    key,
                    input,
                    output,
                    rec,
                },
            )
            .collect();
        for_each_sample(tasks, b * t * ns, |io| evolve_sample(&consts, io));
        let mut new_state = Tree::new();
        new_state.insert_leaf("spikes", state_leaf(spikes));
        new_state.insert_leaf("isyn", state_leaf(isyn));
        new_state.insert_leaf("vmem", state_leaf(vmem));
        new_state.insert_leaf(
            "rng_key",
            Leaf {
                kind: Kind::State,
                family: None,
                value: Value::U64(Arc::new(advanced_keys(&keys, t))),
            },
        );
        let mut rec = Record::new();
        if let Some((ir, sp, is, vm)) = rec_arrays {
            rec.insert_leaf("irec", ir);
            rec.insert_leaf("spikes", sp);
            rec.insert_leaf("isyn", is);
            rec.insert_leaf("vmem", vm);
        }
        Ok(Evolution::new(output, new_state, rec))
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
        Ok(LifParams {
            alpha: per_element(p, "tau_mem", self.n)?
                .into_iter()
                .map(exp_decay)
                .collect(),
            beta,
            bias: per_element(p, "bias", self.n)?
                .into_iter()
                .map(F::of)
                .collect(),
            threshold: per_element(p, "threshold", self.n)?
                .into_iter()
                .map(F::of)
                .collect(),
            w_rec: if self.has_rec {
                Some(p.array("w_rec")?.clone())
            } else {
                None
            },
            noise_scale: scalar(p, "noise_std")? * dt.sqrt(),
            max_spikes: F::of(scalar(p, "max_spikes_per_dt")?),
        })
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

fn state_leaf(a: Array) -> Leaf {
    Leaf::f64(Kind::State, None, a)
}

impl Module for Lif {
    fn class_name(&self) -> &str {
        "LIF"
    }

    fn shape(&self) -> Vec<usize> {
        vec![self.n_in, self.n]
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

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn options(&self) -> Vec<(&'static str, OptionValue)> {
        let mut options = vec![("has_rec", OptionValue::Bool(self.has_rec))];
        if self.precision != Precision::F64 {
            options.push(("precision", OptionValue::Str(self.precision.name().into())));
        }
        options
    }

    fn evolve_batch(
        &self,
        params: &Tree,
        state: &Tree,
        input: &Array,
        record: bool,
    ) -> Result<Evolution> {
        match self.precision {
            Precision::F64 => self.evolve_in::<f64>(params, state, input, record),
            Precision::F32 => self.evolve_in::<f32>(params, state, input, record),
        }
    }

    fn evolve_batch_finite(
        &self,
        params: &Tree,
        state: &Tree,
        input: &Array,
        record: bool,
    ) -> Result<Evolution> {
        match self.precision {
            Precision::F64 => self.checked::<f64>(params, state, input, record, true),
            Precision::F32 => self.checked::<f32>(params, state, input, record, true),
        }
    }
}

/// When the kernel flagged a non-finite input element, the error naming the first one
/// (flat index), as `Module::evolve_batch_finite` reports it.
fn non_finite_input(flagged: bool, input: &Array) -> Result<()> {
    if !flagged {
        return Ok(());
    }
    match input.first_non_finite() {
        Some((index, value)) => Err(Error::NonFinite {
            path: "input".into(),
            index,
            value,
        }),
        None => Ok(()),
    }
}
