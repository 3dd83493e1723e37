//! `Linear`: a weight matrix with an optional bias (Rockpool's native `Linear`).

use crate::builder::replace_attribute;
use crate::matmul::matmul_batched;
use littoral_core::{
    Array, Attribute, Error, Evolution, Init, InitValue, Initialiser, Module, OptionValue, Record,
    Result, Tree, TreeExt,
};

/// A linear layer (Rockpool `Linear`): `y = x · W (+ b)` with `W` of shape `(Nin, Nout)`.
///
/// | attribute | kind | family | shape | default |
/// |---|---|---|---|---|
/// | `weight` | Parameter | weights | `(Nin, Nout)` | kaiming, `U(±√(6/Nin))` |
/// | `bias` (if `has_bias`) | Parameter | biases | `(Nout,)` | uniform_sqrt, `U(±√(1/Nout))` |
///
/// No state, no record. Giving a bias turns `has_bias` on, as in Rockpool.
///
/// **Difference from Rockpool:** Rockpool's `Linear` does not auto-batch (its output has
/// the rank of its input, `(T, Nin)` → `(T, Nout)`, and a wrong size is a raw NumPy
/// error). Here `Linear` batches like every module: input `(T,)`, `(T, Nin)` or
/// `(B, T, Nin)` is checked against `Nin` and the output is always `(B, T, Nout)`.
///
/// The product is one matrix multiplication of the whole `(B·T, Nin)` block; each element
/// agrees with NumPy's `dot` to rounding (the summation order may differ), and the bias
/// is added after the product, as Rockpool does.
///
/// ```
/// use littoral_core::{Array, ModuleExt};
/// use littoral_nets::Linear;
/// let lin = Linear::new(2, 3)
///     .with_weight(Array::from_rows(&[vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]])?)?
///     .with_bias([0.5, 0.5, 0.5])?;
/// let tree = lin.init(0);
/// let x = Array::from_rows(&[vec![1.0, 1.0], vec![0.0, 2.0]])?;   // (T, Nin)
/// let ev = lin.evolve(&tree, &tree, &x, false)?;
/// assert_eq!(ev.output.shape(), &[1, 2, 3]);                      // batched
/// assert_eq!(ev.output.data(), &[5.5, 7.5, 9.5, 8.5, 10.5, 12.5]);
/// # Ok::<(), littoral_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Linear {
    n_in: usize,
    n_out: usize,
    has_bias: bool,
    bias_init: Initialiser,
    attrs: Vec<Attribute>,
}

impl Linear {
    /// A `(n_in, n_out)` weight matrix, Kaiming-initialised, without bias.
    pub fn new(n_in: usize, n_out: usize) -> Self {
        Linear {
            n_in,
            n_out,
            has_bias: false,
            bias_init: Initialiser::UniformSqrt,
            attrs: vec![Attribute::parameter(
                "weight",
                "weights",
                vec![vec![n_in, n_out]],
                Init::Random(Initialiser::Kaiming),
            )],
        }
    }

    /// From Rockpool's `shape`, which must be `[Nin, Nout]`.
    ///
    /// # Errors
    /// Any other number of entries (Rockpool's message).
    pub fn from_shape(shape: &[usize]) -> Result<Self> {
        match *shape {
            [n_in, n_out] => Ok(Linear::new(n_in, n_out)),
            _ => Err(Error::invalid(
                "shape",
                "`shape` must specify input and output sizes for Linear.",
            )),
        }
    }

    fn bias_attribute(&self) -> Attribute {
        Attribute::parameter(
            "bias",
            "biases",
            vec![vec![self.n_out]],
            Init::Random(self.bias_init),
        )
    }

    /// Add (or remove) the bias (Rockpool's `has_bias`). A new bias is drawn with the
    /// initialiser of [`Linear::with_bias_init`].
    #[must_use]
    pub fn with_has_bias(mut self, has_bias: bool) -> Self {
        if has_bias == self.has_bias {
            return self;
        }
        if has_bias {
            let bias = self.bias_attribute();
            self.attrs.push(bias);
        } else {
            self.attrs.retain(|a| a.name != "bias");
        }
        self.has_bias = has_bias;
        self
    }

    /// Set `weight` (`(Nin, Nout)`).
    ///
    /// # Errors
    /// A shape Rockpool would reject.
    pub fn with_weight(self, v: impl Into<InitValue>) -> Result<Self> {
        self.with("weight", v.into())
    }

    /// Set `bias` (`(Nout,)`); this turns `has_bias` on, as in Rockpool.
    ///
    /// # Errors
    /// A shape Rockpool would reject.
    pub fn with_bias(self, v: impl Into<InitValue>) -> Result<Self> {
        self.with_has_bias(true).with("bias", v.into())
    }

    /// The initialiser of `weight` (Rockpool's `weight_init_func`, default
    /// [`Initialiser::Kaiming`]); it replaces a weight value set before.
    #[must_use]
    pub fn with_weight_init(mut self, init: Initialiser) -> Self {
        if let Some(a) = self.attrs.iter_mut().find(|a| a.name == "weight") {
            a.init = Init::Random(init);
        }
        self
    }

    /// The initialiser of `bias` (Rockpool's `bias_init_func`, default
    /// [`Initialiser::UniformSqrt`]). As in Rockpool it may be given without a bias (it is
    /// then used if `has_bias` is turned on later); it replaces a bias value set before.
    #[must_use]
    pub fn with_bias_init(mut self, init: Initialiser) -> Self {
        self.bias_init = init;
        if let Some(a) = self.attrs.iter_mut().find(|a| a.name == "bias") {
            a.init = Init::Random(init);
        }
        self
    }

    /// Any attribute by name.
    ///
    /// # Errors
    /// An unknown name or a shape Rockpool would reject.
    pub fn with(mut self, name: &str, v: InitValue) -> Result<Self> {
        replace_attribute(&mut self.attrs, name, v)?;
        Ok(self)
    }

    /// Whether the layer has a bias.
    pub fn has_bias(&self) -> bool {
        self.has_bias
    }
}

impl Module for Linear {
    fn class_name(&self) -> &str {
        "Linear"
    }

    fn shape(&self) -> Vec<usize> {
        vec![self.n_in, self.n_out]
    }

    fn attributes(&self) -> &[Attribute] {
        &self.attrs
    }

    fn options(&self) -> Vec<(&'static str, OptionValue)> {
        vec![("has_bias", OptionValue::Bool(self.has_bias))]
    }

    fn evolve_batch(
        &self,
        params: &Tree,
        _state: &Tree,
        input: &Array,
        _record: bool,
    ) -> Result<Evolution> {
        let (k, m) = (self.n_in, self.n_out);
        let w = params.array("weight")?;
        if w.shape() != [k, m] {
            return Err(Error::shape("weight", &[vec![k, m]], w.shape()));
        }
        let mut output = matmul_batched(input, w)?;
        if self.has_bias {
            let bias = params.array("bias")?;
            if bias.shape() != [m] {
                return Err(Error::shape("bias", &[vec![m]], bias.shape()));
            }
            for row in output.data_mut().chunks_mut(m.max(1)) {
                for (v, &bv) in row.iter_mut().zip(bias.data()) {
                    *v += bv;
                }
            }
        }
        Ok(Evolution::new(output, Tree::new(), Record::new()))
    }
}
