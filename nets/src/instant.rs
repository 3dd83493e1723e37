//! `Instant`: an element-wise function as a module (Rockpool's native `Instant`).

use littoral_core::array::format_shape;
use littoral_core::registry::ModuleClass;
use littoral_core::{ArrayView, Error, Evolution, Module, OptionValue, Record, Result, Tree};
use std::fmt;
use std::sync::Arc;

/// The element-wise function of an [`Instant`] module.
///
/// ```
/// use littoral_nets::instant::InstantFn;
/// assert_eq!(InstantFn::from_name("relu")?.call(-2.0), 0.0);
/// assert_eq!(InstantFn::custom(|x| 2.0 * x).call(1.5), 3.0);
/// assert!(InstantFn::from_name("softmax").is_err());
/// # Ok::<(), littoral_core::Error>(())
/// ```
#[derive(Clone, Default)]
pub enum InstantFn {
    /// `x` (Rockpool's default, `lambda x: x`).
    #[default]
    Identity,
    /// `tanh(x)`.
    Tanh,
    /// `1 / (1 + exp(−x))`.
    Sigmoid,
    /// `max(x, 0)`.
    Relu,
    /// `exp(x)`.
    Exp,
    /// `|x|`.
    Abs,
    /// Any scalar function (Rockpool's arbitrary callable).
    Custom(Arc<dyn Fn(f64) -> f64 + Send + Sync>),
}

impl InstantFn {
    /// One of the named functions: `identity`, `tanh`, `sigmoid`, `relu`, `exp`, `abs`.
    ///
    /// # Errors
    /// Any other name.
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "identity" => Ok(InstantFn::Identity),
            "tanh" => Ok(InstantFn::Tanh),
            "sigmoid" => Ok(InstantFn::Sigmoid),
            "relu" => Ok(InstantFn::Relu),
            "exp" => Ok(InstantFn::Exp),
            "abs" => Ok(InstantFn::Abs),
            _ => Err(Error::invalid(
                "function",
                format!(
                    "unknown function {name:?}: expected one of \"identity\", \"tanh\", \
                     \"sigmoid\", \"relu\", \"exp\", \"abs\" (use InstantFn::custom for others)"
                ),
            )),
        }
    }

    /// A user function.
    pub fn custom(f: impl Fn(f64) -> f64 + Send + Sync + 'static) -> Self {
        InstantFn::Custom(Arc::new(f))
    }

    /// The name (`"custom"` for a user function).
    pub fn name(&self) -> &'static str {
        match self {
            InstantFn::Identity => "identity",
            InstantFn::Tanh => "tanh",
            InstantFn::Sigmoid => "sigmoid",
            InstantFn::Relu => "relu",
            InstantFn::Exp => "exp",
            InstantFn::Abs => "abs",
            InstantFn::Custom(_) => "custom",
        }
    }

    /// Apply the function to one value.
    #[inline]
    pub fn call(&self, x: f64) -> f64 {
        match self {
            InstantFn::Identity => x,
            InstantFn::Tanh => x.tanh(),
            InstantFn::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            InstantFn::Relu => x.max(0.0),
            InstantFn::Exp => x.exp(),
            InstantFn::Abs => x.abs(),
            InstantFn::Custom(f) => f(x),
        }
    }
}

impl fmt::Debug for InstantFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InstantFn::Identity => "Identity",
            InstantFn::Tanh => "Tanh",
            InstantFn::Sigmoid => "Sigmoid",
            InstantFn::Relu => "Relu",
            InstantFn::Exp => "Exp",
            InstantFn::Abs => "Abs",
            InstantFn::Custom(_) => "Custom(..)",
        })
    }
}

/// An instantaneous element-wise function (Rockpool `Instant`): output `f(x)`, shape
/// `(B, T, N)`. No parameters, no state, no record; the function is reported by
/// `options()` as `function` (Rockpool holds it as a SimulationParameter).
///
/// ```
/// use littoral_core::{Array, ModuleExt};
/// use littoral_nets::{Instant, InstantFn};
/// let m = Instant::new(3, InstantFn::Tanh);
/// let tree = m.init(0);
/// let ev = m.evolve(&tree, &tree, &Array::from_rows(&[vec![0.5, 1.0, 2.0]])?, false)?;
/// assert_eq!(ev.output.shape(), &[1, 1, 3]);
/// assert!((ev.output.data()[0] - 0.46211715726000974).abs() < 1e-15);
/// # Ok::<(), littoral_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Instant {
    n: usize,
    function: InstantFn,
}

impl Instant {
    /// `n` channels through `function`.
    pub fn new(n: usize, function: InstantFn) -> Self {
        Instant { n, function }
    }

    /// The function.
    pub fn function(&self) -> &InstantFn {
        &self.function
    }
}

impl Instant {
    /// How `Instant` is read from a network file (option `function`, default identity).
    pub const CLASS: ModuleClass = ModuleClass::new("Instant", &["function"], |entry| {
        let n = entry.vector_size()?;
        let function = match entry.str_option("function")? {
            Some("custom") => {
                return Err(Error::invalid(
                    entry.option_path("function"),
                    "a custom Instant function cannot be read from a network file",
                ));
            }
            _ => entry
                .parsed_option("function", InstantFn::from_name)?
                .unwrap_or(InstantFn::Identity),
        };
        entry.no_values()?;
        Ok(std::sync::Arc::new(Instant::new(n, function)))
    });
}

impl Module for Instant {
    fn class_name(&self) -> &str {
        "Instant"
    }

    fn shape(&self) -> Vec<usize> {
        vec![self.n]
    }

    fn options(&self) -> Vec<(&'static str, OptionValue<'_>)> {
        vec![(
            "function",
            OptionValue::Str(self.function.name().to_string()),
        )]
    }

    fn evolve_batch(
        &self,
        _params: &Tree,
        _state: &Tree,
        input: ArrayView<'_>,
        _record: littoral_core::Recording,
    ) -> Result<Evolution> {
        if !matches!(*input.shape(), [_, _, ni] if ni == self.n) {
            return Err(Error::Shape {
                path: "input".into(),
                expected: format!("(B, T, {})", self.n),
                found: format_shape(input.shape()),
            });
        }
        let output = input.map(|x| self.function.call(x));
        Ok(Evolution::new(output, Tree::new(), Record::new()))
    }
}
