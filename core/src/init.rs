//! Attribute specifications and initialisers (Rockpool's `Parameter(data, shape,
//! family, init_func)` and `Constant`).

use crate::array::{Array, checked_size, format_shape};
use crate::domain::Domain;
use crate::error::{Error, Result};
use crate::rng::InitRng;
use crate::tree::Kind;
use std::fmt;
use std::sync::Arc;

/// Rockpool's random and deterministic weight initialisers; `s` is the shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Initialiser {
    /// `U(-√(6/s[0]), √(6/s[0]))`.
    Kaiming,
    /// `U(-√(6/Σs), √(6/Σs))`.
    Xavier,
    /// `U(-√(1/s[0]), √(1/s[0]))`.
    UniformSqrt,
    /// `N(0, 1)/√s[0]`.
    UnitEigs,
    /// All zeros.
    Zeros,
}

impl Initialiser {
    /// Draw an array of `shape` from `rng`.
    pub fn draw(self, shape: &[usize], rng: &mut InitRng) -> Array<f64> {
        let first = shape.first().copied().unwrap_or(1).max(1) as f64;
        let shape = shape.to_vec();
        match self {
            Initialiser::Kaiming => {
                let l = (6.0 / first).sqrt();
                Array::from_fn(shape, |_| rng.uniform(-l, l))
            }
            Initialiser::Xavier => {
                let sum = shape.iter().sum::<usize>().max(1) as f64;
                let l = (6.0 / sum).sqrt();
                Array::from_fn(shape, |_| rng.uniform(-l, l))
            }
            Initialiser::UniformSqrt => {
                let l = (1.0 / first).sqrt();
                Array::from_fn(shape, |_| rng.uniform(-l, l))
            }
            Initialiser::UnitEigs => Array::from_fn(shape, |_| rng.normal() / first.sqrt()),
            Initialiser::Zeros => Array::zeros(shape),
        }
    }

    /// Rockpool's name for the initialiser.
    pub fn name(self) -> &'static str {
        match self {
            Initialiser::Kaiming => "kaiming",
            Initialiser::Xavier => "xavier",
            Initialiser::UniformSqrt => "uniform_sqrt",
            Initialiser::UnitEigs => "unit_eigs",
            Initialiser::Zeros => "zeros",
        }
    }
}

/// A user initialiser: shape and generator to array.
pub type InitFn = Arc<dyn Fn(&[usize], &mut InitRng) -> Array<f64> + Send + Sync>;

/// How an attribute gets its value at construction and on reset.
#[derive(Clone)]
pub enum Init {
    /// Concrete data: reset restores exactly this.
    Value(Arc<Array<f64>>),
    /// Every element `v`, in the attribute's first permitted shape.
    Fill(f64),
    /// A named initialiser, redrawn from the seed on reset.
    Random(Initialiser),
    /// A user function, redrawn from the seed on reset.
    Custom(InitFn),
    /// A noise key `[key, step]` (u64) derived from the seed and the path; per sample
    /// when the state is replicated over a batch.
    RngKey,
}

impl fmt::Debug for Init {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Init::Value(a) => write!(f, "Value(shape {})", format_shape(a.shape())),
            Init::Fill(v) => write!(f, "Fill({v})"),
            Init::Random(i) => write!(f, "Random({})", i.name()),
            Init::Custom(_) => f.write_str("Custom(..)"),
            Init::RngKey => f.write_str("RngKey"),
        }
    }
}

/// A value given to a module builder: concrete data or an initialiser, optionally wrapped
/// in [`Constant`] (then the attribute becomes a non-trainable SimulationParameter).
#[derive(Clone, Debug)]
pub struct InitValue {
    /// The initialisation.
    pub init: Init,
    /// Whether the value was wrapped in [`Constant`].
    pub constant: bool,
}

impl From<f64> for InitValue {
    fn from(v: f64) -> Self {
        Array::scalar(v).into()
    }
}

impl From<Vec<f64>> for InitValue {
    fn from(v: Vec<f64>) -> Self {
        Array::from_vec(v).into()
    }
}

impl<const N: usize> From<[f64; N]> for InitValue {
    fn from(v: [f64; N]) -> Self {
        Array::from_vec(v.to_vec()).into()
    }
}

impl From<Array<f64>> for InitValue {
    fn from(v: Array<f64>) -> Self {
        InitValue {
            init: Init::Value(Arc::new(v)),
            constant: false,
        }
    }
}

impl From<Initialiser> for InitValue {
    fn from(i: Initialiser) -> Self {
        InitValue {
            init: Init::Random(i),
            constant: false,
        }
    }
}

/// Rockpool's `Constant(x)`: marks a builder value as a non-trainable SimulationParameter.
///
/// ```
/// use littoral_core::{Constant, InitValue};
/// let v: InitValue = Constant(0.01).into();
/// assert!(v.constant);
/// ```
#[derive(Clone, Debug)]
pub struct Constant<T>(pub T);

impl<T: Into<InitValue>> From<Constant<T>> for InitValue {
    fn from(c: Constant<T>) -> Self {
        InitValue {
            constant: true,
            ..c.0.into()
        }
    }
}

/// The specification of one registered attribute of a module: Rockpool's registry entry.
#[derive(Clone, Debug)]
pub struct Attribute {
    /// Attribute name (`tau_mem`).
    pub name: String,
    /// Kind (a `Constant` Parameter is a SimulationParameter).
    pub kind: Kind,
    /// Family (`"taus"`), if any.
    pub family: Option<String>,
    /// Permitted shapes; the first is the default. For a State, the per-sample shape.
    pub shapes: Vec<Vec<usize>>,
    /// How the value is made.
    pub init: Init,
    /// Element type is `u64` (random keys) rather than `f64`.
    pub integer: bool,
    /// The values it may hold (`f64` attributes; see [`crate::domain`]).
    pub domain: Domain,
}

impl Attribute {
    /// A float attribute with its permitted shapes and default initialisation.
    pub fn new(
        name: &str,
        kind: Kind,
        family: Option<&str>,
        shapes: Vec<Vec<usize>>,
        init: Init,
    ) -> Self {
        Attribute {
            name: name.to_string(),
            kind,
            family: family.map(str::to_string),
            shapes,
            init,
            integer: false,
            domain: Domain::conventional(name, family),
        }
    }

    /// The same attribute with a narrower (or other) [`Domain`] than its conventional one.
    #[must_use]
    pub fn with_domain(mut self, domain: Domain) -> Self {
        self.domain = domain;
        self
    }

    /// A Parameter.
    pub fn parameter(name: &str, family: &str, shapes: Vec<Vec<usize>>, init: Init) -> Self {
        Attribute::new(name, Kind::Parameter, Some(family), shapes, init)
    }

    /// A scalar SimulationParameter with a default value.
    pub fn simulation(name: &str, default: f64) -> Self {
        Attribute::new(
            name,
            Kind::SimulationParameter,
            None,
            vec![vec![]],
            Init::Fill(default),
        )
    }

    /// A State of per-sample `shape`, initialised to zeros.
    pub fn state(name: &str, shape: Vec<usize>) -> Self {
        Attribute::new(name, Kind::State, None, vec![shape], Init::Fill(0.0))
    }

    /// The `rng_key` State: `[key, step]` per sample.
    pub fn rng_key() -> Self {
        Attribute {
            integer: true,
            ..Attribute::new("rng_key", Kind::State, None, vec![vec![2]], Init::RngKey)
        }
    }

    /// Apply a builder value with Rockpool's shape rules: data of a permitted shape is
    /// kept; data with the element count of a permitted shape is reshaped to the first
    /// such shape; anything else is an error. `Constant` makes the attribute a
    /// SimulationParameter.
    ///
    /// # Errors
    /// [`Error::Shape`] naming the attribute when no permitted shape fits.
    pub fn with_value(mut self, value: InitValue) -> Result<Self> {
        if let Init::Fill(v) = value.init
            && !self.domain.admits(v)
        {
            return Err(self.outside(0, v));
        }
        if let Init::Value(data) = &value.init {
            if let Some((i, v)) = data.first_non_finite() {
                return Err(Error::NonFinite {
                    path: self.name.clone(),
                    index: i,
                    value: v,
                });
            }
            if let Some((i, v)) = self.domain.first_outside(data.data()) {
                return Err(self.outside(i, v));
            }
            if !self.shapes.iter().any(|s| s == data.shape()) {
                let fit = self
                    .shapes
                    .iter()
                    // A shape read from a file is not yet checked against the element limit: its
                    // product may overflow, and then it fits no value.
                    .find(|s| checked_size(s) == Some(data.len()))
                    .cloned()
                    .ok_or_else(|| Error::shape(&self.name, &self.shapes, data.shape()))?;
                let reshaped = (**data).clone().reshape(fit)?;
                self.init = Init::Value(Arc::new(reshaped));
            } else {
                self.init = value.init;
            }
        } else {
            self.init = value.init;
        }
        if value.constant {
            self.kind = Kind::SimulationParameter;
        }
        Ok(self)
    }

    /// The error for the value `v` at flat index `index` outside this attribute's domain.
    pub fn outside(&self, index: usize, v: f64) -> Error {
        Error::invalid(&self.name, domain_message(self.domain, index, v))
    }

    /// Whether `shape` is permitted for a non-State leaf, or as a per-sample or batched
    /// shape for a State leaf.
    pub fn permits(&self, shape: &[usize]) -> bool {
        self.shapes.iter().any(|s| s == shape)
            || (self.kind == Kind::State
                && shape.len() == self.shapes[0].len() + 1
                && shape[1..] == self.shapes[0][..])
    }

    /// Make the initial value from the derived per-path `seed`.
    pub fn initial_value(&self, seed: u64) -> crate::tree::Value {
        use crate::tree::Value;
        let shape = self.shapes.first().cloned().unwrap_or_default();
        match &self.init {
            Init::Value(a) => Value::F64(a.clone()),
            Init::Fill(v) => Array::full(shape, *v).into(),
            Init::Random(i) => i.draw(&shape, &mut InitRng::new(seed)).into(),
            Init::Custom(f) => f(&shape, &mut InitRng::new(seed)).into(),
            Init::RngKey => Value::U64(Arc::new(Array::from_vec_u64(vec![seed, 0]))),
        }
    }
}

impl Array<u64> {
    /// A 1-D integer array.
    pub fn from_vec_u64(data: Vec<u64>) -> Self {
        Array::from_vec_1d(data)
    }
}

/// `value -0 at index 0: expected a positive finite value`.
pub fn domain_message(domain: Domain, index: usize, v: f64) -> String {
    format!("value {v:?} at flat index {index}: expected {domain}")
}
