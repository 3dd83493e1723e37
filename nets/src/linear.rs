//! `Linear`: a weight matrix with an optional bias (Rockpool's native `Linear`).

use crate::builder::{attribute_setters, result_setters};
use crate::linear_events::{EventRows, WeightPanels, event_rows};
use crate::matmul::matmul;
use crate::task_zeroed::{Part, TaskZeroed};
use littoral_core::input_check::{self, InputCheck};
use littoral_core::registry::ModuleClass;
use littoral_core::{
    Array, ArrayView, Attribute, Error, Evolution, Init, InitValue, Initialiser, Module,
    OptionValue, Precision, Real, Record, Result, Tree, TreeExt,
};
use rayon::prelude::*;
use std::borrow::Cow;

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
/// **Event-driven input.** A row of the input (one sample, one step) with at most
/// [`SPARSE_MAX_DENSITY`] of its entries non-zero, typically spikes, is computed as the
/// sum of the rows of `W` of its non-zero inputs (each scaled by its value), in input
/// order: `Nin·density` row additions instead of `Nin` multiply-adds per output. The
/// result differs from the dense product by rounding only. Every row is computed the same
/// way whatever else is in the batch, so splitting the batch or the time axis gives the
/// same bits; rows of dense input take the dense product as before. Rows are spread over
/// the current rayon pool.
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
    precision: Precision,
    attrs: Vec<Attribute>,
}

/// Input rows with at most this fraction of non-zero entries are computed event-driven
/// (a row of `W` added per non-zero input) rather than by the dense product. Measured on
/// `Linear(512→512)`: the event-driven row costs about as much as the dense one at 30 %
/// density.
pub const SPARSE_MAX_DENSITY: f64 = 0.25;

impl Linear {
    /// A `(n_in, n_out)` weight matrix, Kaiming-initialised, without bias.
    pub fn new(n_in: usize, n_out: usize) -> Self {
        Linear {
            n_in,
            n_out,
            has_bias: false,
            bias_init: Initialiser::UniformSqrt,
            precision: Precision::F64,
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

    attribute_setters! {
        /// Set `weight` (`(Nin, Nout)`).
        with_weight => "weight";
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

    crate::builder::precision_methods!(with_precision, precision);

    /// Whether the layer has a bias.
    pub fn has_bias(&self) -> bool {
        self.has_bias
    }
}

impl Linear {
    /// How `Linear` is read from a network file (options `has_bias`, `precision`).
    pub const CLASS: ModuleClass =
        ModuleClass::new("Linear", &["has_bias", "precision"], |entry| {
            let lin = entry
                .from_shape(Linear::from_shape)?
                .with_has_bias(entry.bool_option("has_bias")?.unwrap_or(false))
                .with_precision(
                    entry
                        .parsed_option("precision", Precision::from_name)?
                        .unwrap_or_default(),
                );
            Ok(std::sync::Arc::new(entry.apply_values(lin, Linear::with)?))
        });
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

    fn options(&self) -> Vec<(&'static str, OptionValue<'_>)> {
        let mut options = vec![("has_bias", OptionValue::Bool(self.has_bias))];
        options.extend(self.precision.option());
        options
    }

    fn evolve_batch(
        &self,
        params: &Tree,
        _state: &Tree,
        input: ArrayView<'_>,
        _record: littoral_core::Recording,
    ) -> Result<Evolution> {
        let (w, bias) = self.checked_params(params)?;
        let mut output = match self.precision {
            Precision::F64 => product::<f64>(input, w)?,
            Precision::F32 => product::<f32>(input, w)?,
        };
        if let Some(bias) = bias {
            add_bias(output.data_mut(), bias.data());
        }
        Ok(Evolution::new(output, Tree::new(), Record::new()))
    }
}

impl Linear {
    /// The weight `(Nin, Nout)` and, with `has_bias`, the bias `(Nout,)`, shape-checked.
    pub(crate) fn checked_params<'t>(
        &self,
        params: &'t Tree,
    ) -> Result<(&'t Array, Option<&'t Array>)> {
        let (k, m) = (self.n_in, self.n_out);
        let w = params.array("weight")?;
        if w.shape() != [k, m] {
            return Err(Error::shape("weight", &[vec![k, m]], w.shape()));
        }
        let bias = if self.has_bias {
            let bias = params.array("bias")?;
            if bias.shape() != [m] {
                return Err(Error::shape("bias", &[vec![m]], bias.shape()));
            }
            Some(&**bias)
        } else {
            None
        };
        Ok((w, bias))
    }
}

/// `y += bias` on every row (after the product, as Rockpool does).
fn add_bias(y: &mut [f64], bias: &[f64]) {
    for row in y.chunks_mut(bias.len().max(1)) {
        for (v, &bv) in row.iter_mut().zip(bias) {
            *v += bv;
        }
    }
}

/// Steps per block when a `Linear` feeds a `LIF` directly (see [`crate::fused`]): a
/// block of `Nout` outputs stays in cache between the two.
const FUSED_BLOCK: usize = 32;

/// A `Linear`'s weights prepared for the fused `Linear` → `LIF` pass.
pub(crate) struct Prepared<'a, F: Real> {
    w: WeightPanels<'a, F>,
    dense: Cow<'a, Array>,
    bias: Option<&'a [f64]>,
    k: usize,
    m: usize,
    limit: usize,
}

impl<'a, F: Real> Prepared<'a, F> {
    /// From checked parameters, for a call of `rows` input rows (samples × steps).
    pub(crate) fn new(w: &'a Array, bias: Option<&'a Array>, rows: usize) -> Self {
        let (k, m) = (w.shape()[0], w.shape()[1]);
        Prepared {
            w: WeightPanels::new(w, rows),
            dense: dense_weights::<F>(w),
            bias: bias.map(|b| b.data()),
            k,
            m,
            limit: (k as f64 * SPARSE_MAX_DENSITY) as usize,
        }
    }

    /// The step source of one sample whose input is `x` (`(T, Nin)`), or, when `x` is
    /// `None`, the sample's own output buffer (an evolution in place, `Nin = Nout`: each
    /// block is read from the output block it becomes, which the LIF kernel then writes
    /// whole).
    pub(crate) fn source<'s>(
        &'s self,
        x: Option<&'s [f64]>,
        failure: &'s std::sync::Mutex<Option<Error>>,
        check: Option<&'s InputCheck>,
    ) -> LinearSource<'s, 'a, F> {
        LinearSource {
            p: self,
            x,
            out: vec![0.0; FUSED_BLOCK * self.m],
            failure,
            check,
        }
    }
}

/// One sample's linear stage, computed a block of steps at a time.
pub(crate) struct LinearSource<'s, 'a, F: Real> {
    p: &'s Prepared<'a, F>,
    /// The sample's input, or `None`: read from the output block it becomes (in place).
    x: Option<&'s [f64]>,
    out: Vec<f64>,
    failure: &'s std::sync::Mutex<Option<Error>>,
    /// The call's input check, when claimed: every block of `x` is tested as it is read.
    check: Option<&'s InputCheck>,
}

impl<F: Real> crate::lif_kernel::StepSource for LinearSource<'_, '_, F> {
    const BLOCK: usize = FUSED_BLOCK;

    #[inline(always)]
    fn block(&mut self, t0: usize, t1: usize, dest: &mut [f64]) -> &[f64] {
        let (k, m) = (self.p.k, self.p.m);
        let rows = t1 - t0;
        let xs: &[f64] = match self.x {
            Some(x) => &x[t0 * k..t1 * k],
            None => dest,
        };
        if let Some(check) = self.check {
            check.scan(xs);
        }
        let ys = &mut self.out[..rows * m];
        let dense = event_rows::<F>(0, xs, ys, &self.p.w, self.p.limit);
        if !dense.is_empty()
            && let Err(e) = dense_into::<F>(xs, &dense, &self.p.dense, k, m, ys)
            && let Ok(mut slot) = self.failure.lock()
        {
            slot.get_or_insert(e);
        }
        if let Some(bias) = self.p.bias {
            add_bias(ys, bias);
        }
        &self.out[..rows * m]
    }
}

/// The weights the dense product uses: `w` itself for `f64`, rounded through `F` otherwise.
fn dense_weights<F: Real>(w: &Array) -> Cow<'_, Array> {
    if std::mem::size_of::<F>() == 8 {
        Cow::Borrowed(w)
    } else {
        Cow::Owned(w.map(|v| F::of(v).to64()))
    }
}

/// The rows `dense` of `xs` (`K` wide) by the dense product into `ys` (`M` wide), inputs and
/// results rounded through `F`.
fn dense_into<F: Real>(
    xs: &[f64],
    dense: &[usize],
    w: &Array,
    k: usize,
    m: usize,
    ys: &mut [f64],
) -> Result<()> {
    let mut gathered = Vec::with_capacity(dense.len() * k);
    for &r in dense {
        gathered.extend(xs[r * k..(r + 1) * k].iter().map(|&v| F::of(v).to64()));
    }
    let y = dense_rows(&gathered, dense.len(), w)?;
    for (&r, yr) in dense.iter().zip(y.chunks_exact(m)) {
        for (d, &v) in ys[r * m..(r + 1) * m].iter_mut().zip(yr) {
            *d = F::of(v).to64();
        }
    }
    Ok(())
}

/// Rows per rayon task in [`product`].
const ROWS_PER_TASK: usize = 64;

/// `x · w` for `x` of shape `(B, T, K)` and `w` `(K, M)` in the compute type `F`, each
/// input row event-driven or dense by its own density (see [`Linear`]).
///
/// ```
/// use littoral_core::Array;
/// use littoral_nets::linear::product;
/// let x = Array::from_shape_vec(vec![1, 2, 4], vec![0.0, 1.0, 0.0, 0.0, 1.0, 2.0, 3.0, 4.0])?;
/// let w = Array::from_shape_vec(vec![4, 2], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])?;
/// let y = product::<f64>(x.view(), &w)?;
/// assert_eq!(y.data(), &[3.0, 4.0, 50.0, 60.0]);   // row 0 sparse, row 1 dense
/// # Ok::<(), littoral_core::Error>(())
/// ```
///
/// # Errors
/// When `x` is not 3-D, `w` not 2-D, or the inner sizes differ.
pub fn product<F: Real>(x: ArrayView<'_>, w: &Array) -> Result<Array> {
    let (b, t, k) = match *x.shape() {
        [b, t, k] => (b, t, k),
        _ => return Err(Error::shape("input", &[vec![0, 0, 0]], x.shape())),
    };
    let m = match *w.shape() {
        [wk, m] if wk == k => m,
        _ => return Err(Error::shape("weight", &[vec![k, 0]], w.shape())),
    };
    let rows = b * t;
    if rows == 0 || m == 0 || k == 0 {
        return Array::from_shape_vec(vec![b, t, m], vec![0.0; rows * m]);
    }
    // Each task zeroes its own rows of the output (not one serial pass before the tasks).
    let mut buffer = TaskZeroed::new(rows * m);
    let panels = WeightPanels::<F>::new(w, rows);
    let limit = (k as f64 * SPARSE_MAX_DENSITY) as usize;
    // Every task reads all of its rows: it takes over the call's input check, testing its
    // rows just before it reads them (not a separate stream over the whole input).
    let check = input_check::claim(x.data());
    let events = |(task, (xs, ys)): (usize, (&[f64], Part<'_>))| -> Vec<usize> {
        if let Some(check) = &check {
            check.scan(xs);
        }
        pulp::Arch::new().dispatch(EventRows {
            first: task * ROWS_PER_TASK,
            xs,
            ys: ys.zeroed(),
            w: &panels,
            limit,
        })
    };
    let chunks = x
        .data()
        .chunks(ROWS_PER_TASK * k)
        .zip(buffer.parts(ROWS_PER_TASK * m))
        .enumerate();
    let dense: Vec<usize> = if rows * k * m >= 1 << 20 {
        // One task of rows per rayon task: a leaf of several, run whole, could keep one
        // thread busy while the other idles at the end.
        chunks
            .collect::<Vec<_>>()
            .into_par_iter()
            .with_max_len(1)
            .map(events)
            .flatten_iter()
            .collect()
    } else {
        chunks.flat_map(events).collect()
    };
    let mut out = buffer.into_vec();
    if dense.len() == rows && std::mem::size_of::<F>() == 8 {
        // Dense input: the plain product, exactly as without the event-driven path.
        out = dense_rows(x.data(), rows, w)?;
    } else if !dense.is_empty() {
        // Dense rows take the tuned GEMM (in f64; for `F = f32` on inputs and weights
        // rounded to f32, the results rounded back).
        dense_into::<F>(x.data(), &dense, &dense_weights::<F>(w), k, m, &mut out)?;
    }
    Array::from_shape_vec(vec![b, t, m], out)
}

/// The dense `f64` product of `rows` rows, in blocks over the rayon pool (every row's
/// summation order is the GEMM's own, whatever the blocking).
fn dense_rows(x: &[f64], rows: usize, w: &Array) -> Result<Vec<f64>> {
    let k = x.len() / rows.max(1);
    let block = rows.div_ceil(rayon::current_num_threads().max(1)).max(256);
    if block >= rows {
        return matmul(x, rows, w);
    }
    let parts = x
        .par_chunks(block * k)
        .map(|xs| matmul(xs, xs.len() / k.max(1), w))
        .collect::<Result<Vec<_>>>()?;
    Ok(parts.concat())
}

result_setters! {
    /// [`Linear`]'s builder methods on `Result<Linear>`.
    LinearSetters for Linear {
        fn with(name: &str, v: InitValue) -> Result;
        fn with_weight(v: impl Into<InitValue>) -> Result;
        fn with_bias(v: impl Into<InitValue>) -> Result;
        fn with_has_bias(has_bias: bool);
        fn with_weight_init(init: Initialiser);
        fn with_bias_init(init: Initialiser);
        fn with_precision(precision: Precision);
    }
}
