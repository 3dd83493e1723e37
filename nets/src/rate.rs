//! `Rate`: non-spiking rate neurons with a forward-Euler solver (Rockpool's native `Rate`,
//! same step order and numbers, including its silent clip of `τ` to at least `10·dt`).

use crate::builder::{attribute_setters, evolve_on_scaffold, result_setters};
use crate::neuron::{NeuronModel, Step};
use crate::view::{per_element, scalar};
use littoral_core::registry::ModuleClass;
use littoral_core::{
    Array, Attribute, Error, Init, InitValue, Initialiser, Module, OptionValue, Real, Result, Tree,
    TreeExt,
};
use std::sync::Arc;

/// Rockpool's message for an unknown activation name.
const ACTIVATION_ERROR: &str = concat!(
    "If `activation_func` is provided as a string argument, ",
    "it must be one of [\"ReLU\", \"sigmoid\", \"tanh\"]."
);

/// The activation `H(x, threshold)` of a [`Rate`] module (Rockpool's `activation_func`).
///
/// ```
/// use littoral_nets::rate::Activation;
/// assert_eq!(Activation::from_name("ReLU")?, Activation::Relu);
/// assert_eq!(Activation::from_name("sig")?, Activation::Sigmoid);
/// assert!(Activation::from_name("softplus").is_err());
/// assert_eq!(Activation::Tanh.apply(0.5, 0.5), 0.0);
/// # Ok::<(), littoral_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Activation {
    /// `(x − t)·((x − t) > 0)`: yields `-0.0` below threshold, as NumPy does.
    #[default]
    Relu,
    /// `tanh(x − t)`.
    Tanh,
    /// `(tanh(x − t) + 1) / 2`.
    Sigmoid,
}

impl Activation {
    /// Rockpool's case-insensitive names: `"relu"`/`"r"`, `"sigmoid"`/`"sig"`/`"s"`,
    /// `"tanh"`/`"t"`.
    ///
    /// # Errors
    /// Any other name, with Rockpool's message.
    pub fn from_name(name: &str) -> Result<Self> {
        match name.to_lowercase().as_str() {
            "relu" | "r" => Ok(Activation::Relu),
            "sigmoid" | "sig" | "s" => Ok(Activation::Sigmoid),
            "tanh" | "t" => Ok(Activation::Tanh),
            _ => Err(Error::invalid("activation_func", ACTIVATION_ERROR)),
        }
    }

    /// The canonical name: `"relu"`, `"tanh"` or `"sigmoid"`.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Tanh => "tanh",
            Activation::Sigmoid => "sigmoid",
        }
    }

    /// `H(x, threshold)`, with NumPy's operation order.
    #[inline]
    pub fn apply<F: Real>(self, x: F, threshold: F) -> F {
        let d = x - threshold;
        match self {
            Activation::Relu => d * (if d > F::zero() { F::one() } else { F::zero() }),
            Activation::Tanh => d.tanh(),
            Activation::Sigmoid => (d.tanh() + F::one()) / F::of(2.0),
        }
    }
}

/// Rate neurons (Rockpool `Rate`): `N` units with state `x`, optional recurrent weights.
///
/// Per step, with `α = dt / max(τ, 10·dt)` (Rockpool's native solver clips `τ` silently;
/// its Jax version does not) and noise `noise_std·√dt·N(0, 1)` added to the input:
/// ```text
/// act = H(x_prev, threshold)
/// rec = act @ w_rec                              (0 without has_rec)
/// x   = x_prev + α · (−x_prev + (input + noise) + bias + rec)
/// out = H(x, threshold)
/// ```
///
/// | attribute | kind | family | shape | default |
/// |---|---|---|---|---|
/// | `w_rec` (if `has_rec`) | Parameter | weights | `(N, N)` | unit_eigs |
/// | `tau` | Parameter | taus | `(N,)` or `()` | 0.02 |
/// | `bias` | Parameter | bias | `(N,)` or `()` | 0 |
/// | `threshold` | Parameter | thresholds | `(N,)` or `()` | 0 |
/// | `dt`, `noise_std` | SimulationParameter | | `()` | 1e-3, 0 |
/// | `x` | State | | `(N,)` | 0 |
/// | `rng_key` | State (u64) | | `(2,)` | from the seed |
///
/// The record (only when `record` is true) holds `rec_input` and `x`, both `(B, T, N)`.
///
/// ```
/// use littoral_core::{Array, ModuleExt};
/// use littoral_nets::Rate;
/// let rate = Rate::new(2);
/// let tree = rate.init(0);
/// let x = Array::from_rows(&[vec![1.0, -1.0], vec![1.0, -1.0]])?;
/// let ev = rate.evolve(&tree, &tree, &x, false)?;
/// assert_eq!(ev.output.shape(), &[1, 2, 2]);
/// assert!((ev.output.data()[0] - 0.05).abs() < 1e-15);   // Rockpool's golden G8
/// assert!(ev.record.is_empty());
/// # Ok::<(), littoral_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Rate {
    shape: Vec<usize>,
    n: usize,
    has_rec: bool,
    activation: Activation,
    weight_init: Initialiser,
    attrs: Vec<Attribute>,
}

impl Rate {
    /// `N` feed-forward units with Rockpool's defaults.
    pub fn new(n: usize) -> Self {
        Rate::build(vec![n], n, false, Initialiser::UnitEigs)
    }

    /// From Rockpool's `shape`: `[N]` or `[N, N]`.
    ///
    /// # Errors
    /// `size_out != size_in` (Rockpool's message), or a shape with no entry or more than
    /// two.
    pub fn from_shape(shape: &[usize]) -> Result<Self> {
        match *shape {
            [n] => Ok(Rate::build(vec![n], n, false, Initialiser::UnitEigs)),
            [n_in, n] if n_in == n => Ok(Rate::build(vec![n, n], n, false, Initialiser::UnitEigs)),
            [_, _] => Err(Error::invalid(
                "shape",
                "Rate module must have `size_out` == `size_in`.",
            )),
            _ => Err(Error::invalid(
                "shape",
                "`shape` must be `N`, `(N,)` or `(N, N)` for a Rate module",
            )),
        }
    }

    fn build(shape: Vec<usize>, n: usize, has_rec: bool, weight_init: Initialiser) -> Self {
        let mut attrs = Vec::new();
        if has_rec {
            attrs.push(Attribute::parameter(
                "w_rec",
                "weights",
                vec![vec![n, n]],
                Init::Random(weight_init),
            ));
        }
        attrs.extend([
            Attribute::parameter("tau", "taus", vec![vec![n], vec![]], Init::Fill(0.02)),
            Attribute::parameter("bias", "bias", vec![vec![n], vec![]], Init::Fill(0.0)),
            Attribute::parameter(
                "threshold",
                "thresholds",
                vec![vec![n], vec![]],
                Init::Fill(0.0),
            ),
            Attribute::simulation("dt", 1e-3),
            Attribute::simulation("noise_std", 0.0),
            Attribute::state("x", vec![n]),
            Attribute::rng_key(),
        ]);
        Rate {
            shape,
            n,
            has_rec,
            activation: Activation::Relu,
            weight_init,
            attrs,
        }
    }

    /// Add (or remove) the recurrent weights `w_rec` (Rockpool's `has_rec`). Values set
    /// before are kept; a new `w_rec` is drawn with the initialiser of
    /// [`Rate::with_weight_init`].
    #[must_use]
    pub fn with_has_rec(self, has_rec: bool) -> Self {
        if has_rec == self.has_rec {
            return self;
        }
        let mut fresh = Rate::build(self.shape.clone(), self.n, has_rec, self.weight_init);
        for a in self.attrs.into_iter().filter(|a| a.name != "w_rec") {
            if let Some(slot) = fresh.attrs.iter_mut().find(|b| b.name == a.name) {
                *slot = a;
            }
        }
        fresh.activation = self.activation;
        fresh
    }

    /// The initialiser of `w_rec` (Rockpool's `weight_init_func`, default
    /// [`Initialiser::UnitEigs`]). As in Rockpool it may be given without `has_rec` (it
    /// is then used if `has_rec` is turned on later); it replaces a `w_rec` value set
    /// before.
    #[must_use]
    pub fn with_weight_init(mut self, init: Initialiser) -> Self {
        self.weight_init = init;
        if let Some(a) = self.attrs.iter_mut().find(|a| a.name == "w_rec") {
            a.init = Init::Random(init);
        }
        self
    }

    /// Set `w_rec` (`(N, N)`; `rec = act @ w_rec`).
    ///
    /// # Errors
    /// Without `has_rec` (Rockpool's message), or for a wrong shape.
    pub fn with_w_rec(self, v: impl Into<InitValue>) -> Result<Self> {
        if !self.has_rec {
            return Err(Error::invalid(
                "w_rec",
                "If `shape` is unidimensional, then `w_rec` may not be provided as an argument.",
            ));
        }
        self.with("w_rec", v.into())
    }

    attribute_setters! {
        /// Set `tau` (seconds; `(N,)` or scalar). Values below `10·dt` act as `10·dt`.
        with_tau => "tau";
        /// Set `bias`.
        with_bias => "bias";
        /// Set `threshold` (the activation is `H(x − threshold)`).
        with_threshold => "threshold";
        /// Set `dt` (seconds).
        with_dt => "dt";
        /// Set `noise_std` (noise of std `noise_std·√dt` is added to the input every step).
        with_noise_std => "noise_std";
    }

    /// Set the activation function (use [`Activation::from_name`] for Rockpool's strings).
    #[must_use]
    pub fn with_activation(mut self, activation: Activation) -> Self {
        self.activation = activation;
        self
    }

    /// Number of units.
    pub fn n_neurons(&self) -> usize {
        self.n
    }

    /// Whether the module has recurrent weights.
    pub fn has_rec(&self) -> bool {
        self.has_rec
    }

    /// The activation function.
    pub fn activation(&self) -> Activation {
        self.activation
    }
}

impl Rate {
    /// How `Rate` is read from a network file (options `has_rec`, `activation_func`).
    pub const CLASS: ModuleClass =
        ModuleClass::new("Rate", &["has_rec", "activation_func"], |entry| {
            let mut rate = entry
                .from_shape(Rate::from_shape)?
                .with_has_rec(entry.bool_option("has_rec")?.unwrap_or(false));
            if let Some(act) = entry.parsed_option("activation_func", Activation::from_name)? {
                rate = rate.with_activation(act);
            }
            Ok(Arc::new(entry.apply_values(rate, Rate::with)?))
        });
}

/// Decoded, per-element parameters of one `evolve` call.
#[derive(Debug, Clone)]
pub struct RateParams<F> {
    /// `dt / max(τ, 10·dt)` per unit.
    pub alpha: Vec<F>,
    /// Bias per unit.
    pub bias: Vec<F>,
    /// Threshold per unit.
    pub threshold: Vec<F>,
    /// Recurrent weights `(N, N)`, row-major.
    pub w_rec: Option<Arc<Array>>,
    /// `noise_std · √dt`.
    pub noise_scale: f64,
    /// The activation.
    pub activation: Activation,
}

impl Rate {
    fn decode_params<F: Real>(&self, p: &Tree) -> Result<RateParams<F>> {
        let dt = scalar(p, "dt")?;
        let floor = 10.0 * dt;
        let w_rec = if self.has_rec {
            let w = p.array("w_rec")?;
            if w.shape() != [self.n, self.n] {
                return Err(Error::shape("w_rec", &[vec![self.n, self.n]], w.shape()));
            }
            Some(w.clone())
        } else {
            None
        };
        Ok(RateParams {
            // NumPy: `dt / np.clip(tau, 10 * dt, np.inf)`.
            alpha: per_element(p, "tau", self.n)?
                .into_iter()
                .map(|tau| F::of(dt / if tau < floor { floor } else { tau }))
                .collect(),
            bias: per_element(p, "bias", self.n)?
                .into_iter()
                .map(F::of)
                .collect(),
            threshold: per_element(p, "threshold", self.n)?
                .into_iter()
                .map(F::of)
                .collect(),
            w_rec,
            noise_scale: scalar(p, "noise_std")? * dt.sqrt(),
            activation: self.activation,
        })
    }
}

/// Per-sample working buffers of [`Rate`]: the activation of the previous state and the
/// recurrent input.
#[derive(Debug)]
pub struct RateScratch<F> {
    act: Vec<F>,
    rec_in: Vec<F>,
}

impl NeuronModel for Rate {
    type Params<F: Real> = RateParams<F>;
    type Scratch<F: Real> = RateScratch<F>;

    fn decode<F: Real>(&self, params: &Tree) -> Result<RateParams<F>> {
        self.decode_params(params)
    }

    fn scratch<F: Real>(&self, _p: &RateParams<F>) -> RateScratch<F> {
        RateScratch {
            act: vec![F::zero(); self.n],
            rec_in: vec![F::zero(); self.n],
        }
    }

    fn noise_len<F: Real>(&self, p: &RateParams<F>) -> usize {
        if p.noise_scale != 0.0 { self.n } else { 0 }
    }

    fn records(&self) -> Vec<(&'static str, Vec<usize>)> {
        vec![("rec_input", vec![self.n]), ("x", vec![self.n])]
    }

    fn step<F: Real>(&self, p: &RateParams<F>, scratch: &mut RateScratch<F>, io: Step<'_, F>) {
        let n = self.n;
        let x = &mut io.state[0];
        let RateScratch { act, rec_in } = scratch;
        for ((a, &xv), &thr) in act.iter_mut().zip(x.iter()).zip(&p.threshold) {
            *a = p.activation.apply(xv, thr);
        }
        rec_in.iter_mut().for_each(|v| *v = F::zero());
        if let Some(w) = &p.w_rec {
            for (i, &a) in act.iter().enumerate() {
                let row = &w.data()[i * n..(i + 1) * n];
                for (acc, &wv) in rec_in.iter_mut().zip(row) {
                    *acc += a * F::of(wv);
                }
            }
        }
        for j in 0..n {
            // NumPy adds `noise_std·√dt·N(0,1)` (a zero array when noise_std is 0) to the
            // input before the step: `inputs = input_data + noise`.
            let z = io
                .noise
                .get(j)
                .map_or(F::zero(), |&z| F::of(p.noise_scale * z));
            let i_t = F::of(io.input[j]) + z;
            let dstate = ((-x[j] + i_t) + p.bias[j]) + rec_in[j];
            let v = x[j] + dstate * p.alpha[j];
            x[j] = v;
            io.output[j] = p.activation.apply(v, p.threshold[j]).to64();
        }
    }

    fn record<F: Real>(&self, scratch: &RateScratch<F>, state: &[Vec<F>], out: &mut [&mut [f64]]) {
        F::widen_into(&scratch.rec_in, out[0]);
        F::widen_into(&state[0], out[1]);
    }
}

impl Module for Rate {
    fn class_name(&self) -> &str {
        "Rate"
    }

    fn shape(&self) -> Vec<usize> {
        self.shape.clone()
    }

    fn attributes(&self) -> &[Attribute] {
        &self.attrs
    }

    fn options(&self) -> Vec<(&'static str, OptionValue<'_>)> {
        vec![
            ("has_rec", OptionValue::Bool(self.has_rec)),
            (
                "activation_func",
                OptionValue::Str(self.activation.name().to_string()),
            ),
        ]
    }

    evolve_on_scaffold!();
}

result_setters! {
    /// [`Rate`]'s builder methods on `Result<Rate>`.
    RateSetters for Rate {
        fn with(name: &str, v: InitValue) -> Result;
        fn with_tau(v: impl Into<InitValue>) -> Result;
        fn with_bias(v: impl Into<InitValue>) -> Result;
        fn with_threshold(v: impl Into<InitValue>) -> Result;
        fn with_dt(v: impl Into<InitValue>) -> Result;
        fn with_noise_std(v: impl Into<InitValue>) -> Result;
        fn with_w_rec(v: impl Into<InitValue>) -> Result;
        fn with_has_rec(has_rec: bool);
        fn with_weight_init(init: Initialiser);
        fn with_activation(activation: Activation);
    }
}
