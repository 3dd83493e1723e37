//! The non-neuron NIR nodes as Littoral modules: `Input`, `Output`, `Flatten` (identities
//! on the flat values), `Affine`, `Linear`, `Scale`, `Threshold`, `Conv1d`, `Conv2d`,
//! `SumPool2d`, `AvgPool2d` (stateless, [`super::ops`] per sample and step) and `Delay`
//! (a buffer of past inputs in its State).

use std::sync::Arc;

use littoral_core::{
    Array, ArrayView, Attribute, Error, Evolution, Init, Kind, Leaf, Module, Record, Result, Tree,
    TreeExt,
};

use super::conv::ConvPlan;
use super::error::NirError;
use super::model::{Conv1d, Conv2d, FloatType, Pool2d, Primitive, Tensor};
use super::ops;
use super::pool::PoolPlan;

/// What a [`NirNode`] computes.
#[derive(Clone, Debug)]
enum Op {
    Identity,
    Affine,
    Linear,
    Scale,
    Threshold,
    Conv1d(Conv1d),
    Conv2d(Conv2d),
    SumPool2d(Pool2d),
    AvgPool2d(Pool2d),
    /// Whole steps of delay per element, their maximum.
    Delay {
        steps: Vec<usize>,
        max: usize,
    },
}

/// One non-neuron NIR node: its class is NIR's type name, its Parameters are the
/// primitive's float parameters under NIR's names (`weight`, `bias`, `scale`,
/// `threshold`), with the shapes of the file; `Delay` keeps `delay` and `dt` as
/// SimulationParameters and the last `max d` inputs as the State `buffer` (`(max d, N)`,
/// oldest first), recorded per step.
///
/// Values flow flat (row-major): `(B, T, N)` with `N` the element count of the node's
/// NIR shape; convolution and pooling use the input shape inferred by
/// [`super::analyse`].
#[derive(Clone, Debug)]
pub struct NirNode {
    class: &'static str,
    op: Op,
    input_shape: Vec<usize>,
    output_shape: Vec<usize>,
    attrs: Vec<Attribute>,
}

fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}

fn parameter(name: &str, family: &str, t: &Tensor) -> Attribute {
    Attribute::new(
        name,
        Kind::Parameter,
        Some(family),
        vec![t.shape().to_vec()],
        Init::Value(Arc::new(t.array.clone())),
    )
}

/// Whole steps of `delay / dt`, each within `1e-9·max(1, d)` of an integer.
fn delay_steps(delay: &[f64], dt: f64) -> std::result::Result<Vec<usize>, NirError> {
    delay
        .iter()
        .map(|&d| {
            let steps = d / dt;
            let k = steps.round();
            if k.is_nan() || k < 0.0 || (steps - k).abs() > 1e-9 * k.max(1.0) || k > 1e6 {
                Err(NirError::at(
                    "delay",
                    format!(
                        "a delay of {d} s is not a whole number of steps of dt = {dt} (at most 10^6)"
                    ),
                ))
            } else {
                Ok(k as usize)
            }
        })
        .collect()
}

impl NirNode {
    /// The module of a non-neuron primitive with its inferred input and output shapes.
    ///
    /// # Errors
    /// A neuron or nested graph (not a node of this kind), or a `Delay` that is not a whole
    /// number of steps of `dt`.
    pub fn new(
        primitive: &Primitive,
        input_shape: Vec<usize>,
        output_shape: Vec<usize>,
        dt: f64,
    ) -> std::result::Result<Self, NirError> {
        let mut attrs = Vec::new();
        let op = match primitive {
            Primitive::Input { .. } | Primitive::Output { .. } | Primitive::Flatten { .. } => {
                Op::Identity
            }
            Primitive::Affine { weight, bias } => {
                attrs.push(parameter("weight", "weights", weight));
                attrs.push(parameter("bias", "biases", bias));
                Op::Affine
            }
            Primitive::Linear { weight } => {
                attrs.push(parameter("weight", "weights", weight));
                Op::Linear
            }
            Primitive::Scale { scale } => {
                attrs.push(parameter("scale", "weights", scale));
                Op::Scale
            }
            Primitive::Threshold { threshold } => {
                attrs.push(parameter("threshold", "thresholds", threshold));
                Op::Threshold
            }
            Primitive::Conv1d(c) => {
                attrs.push(parameter("weight", "weights", &c.weight));
                attrs.push(parameter("bias", "biases", &c.bias));
                Op::Conv1d(c.clone())
            }
            Primitive::Conv2d(c) => {
                attrs.push(parameter("weight", "weights", &c.weight));
                attrs.push(parameter("bias", "biases", &c.bias));
                Op::Conv2d(c.clone())
            }
            Primitive::SumPool2d(p) => Op::SumPool2d(p.clone()),
            Primitive::AvgPool2d(p) => Op::AvgPool2d(p.clone()),
            Primitive::Delay { delay } => {
                let n = numel(&input_shape);
                let values: Vec<f64> = if delay.values().len() == 1 {
                    vec![delay.values()[0]; n]
                } else {
                    delay.values().to_vec()
                };
                let steps = delay_steps(&values, dt)?;
                let max = steps.iter().copied().max().unwrap_or(0);
                let mut d = parameter("delay", "delay", delay);
                d.kind = Kind::SimulationParameter;
                attrs.push(d);
                attrs.push(Attribute::simulation("dt", dt));
                attrs.push(Attribute::state("buffer", vec![max, n]));
                Op::Delay { steps, max }
            }
            other => {
                return Err(NirError::at(
                    "",
                    format!("{} is not a stateless node or a Delay", other.type_name()),
                ));
            }
        };
        Ok(NirNode {
            class: primitive.type_name(),
            op,
            input_shape,
            output_shape,
            attrs,
        })
    }
}

/// A parameter leaf as a float64 tensor for [`super::ops`].
fn tensor(params: &Tree, name: &str) -> Result<Tensor> {
    Ok(Tensor {
        array: (**params.array(name)?).clone(),
        dtype: FloatType::F64,
    })
}

/// A convolution's `weight` and `bias` from its parameters.
fn conv_tensors(params: &Tree) -> Result<(Tensor, Tensor)> {
    Ok((tensor(params, "weight")?, tensor(params, "bias")?))
}

fn op_error(e: NirError) -> Error {
    Error::invalid(e.location, e.message)
}

/// A convolution's or pooling's plan, made once for every row of a call.
enum RowPlan {
    Conv(ConvPlan),
    Pool(PoolPlan),
}

impl RowPlan {
    fn output_len(&self) -> usize {
        match self {
            RowPlan::Conv(c) => c.output_len(),
            RowPlan::Pool(p) => p.output_len(),
        }
    }

    /// One row `x` into `y`; `scratch` is kept between rows.
    fn apply(&self, x: &[f64], y: &mut [f64], scratch: &mut Vec<f64>) {
        match self {
            RowPlan::Conv(c) => c.apply(x, y, scratch),
            RowPlan::Pool(p) => p.apply(x, y),
        }
    }
}

/// One sample's one step of a stateless op.
type StepFn<'a> = Box<dyn Fn(&[f64]) -> Result<Vec<f64>> + Send + Sync + 'a>;

/// The step function of an op of [`super::ops`] on one sample's values, shaped `shape`.
fn on_input<'a>(
    shape: &'a [usize],
    op: impl Fn(&Array) -> std::result::Result<Array, NirError> + Send + Sync + 'a,
) -> StepFn<'a> {
    Box::new(move |x: &[f64]| {
        let x = Array::from_shape_vec(shape.to_vec(), x.to_vec())?;
        Ok(op(&x).map_err(op_error)?.into_data())
    })
}

impl NirNode {
    /// The per-sample, per-step function of a stateless op.
    fn stateless(&self, params: &Tree) -> Result<StepFn<'_>> {
        let shape = &self.input_shape;
        Ok(match &self.op {
            Op::Identity | Op::Delay { .. } => Box::new(|x: &[f64]| Ok(x.to_vec())),
            Op::Affine | Op::Linear => {
                return Err(Error::invalid(
                    "",
                    "Affine and Linear run as one matrix product",
                ));
            }
            Op::Scale => {
                let s = tensor(params, "scale")?;
                on_input(shape, move |x| ops::scale(&s, x))
            }
            Op::Threshold => {
                let t = tensor(params, "threshold")?;
                on_input(shape, move |x| ops::threshold(&t, x))
            }
            Op::Conv1d(_) | Op::Conv2d(_) | Op::SumPool2d(_) | Op::AvgPool2d(_) => {
                return Err(Error::invalid(
                    "",
                    "convolutions and pooling run as one plan over every row",
                ));
            }
        })
    }

    /// `Delay`: `y_n = x_{n−d}` per element, the buffer advanced by one row per step, on
    /// an input of shape `[b, t, n]` (checked by the caller).
    fn delay(
        &self,
        steps: &[usize],
        max: usize,
        state: &Tree,
        input: ArrayView<'_>,
        [b, t, n]: [usize; 3],
        record: bool,
    ) -> Result<Evolution> {
        let buffer = crate::view::batched(state, "buffer", b, &[max, n])?;
        let mut buf = buffer.data().to_vec();
        let mut out = vec![0.0; b * t * n];
        let mut rec = if record {
            vec![0.0; b * t * max * n]
        } else {
            Vec::new()
        };
        for s in 0..b {
            let hist = &mut buf[s * max * n..(s + 1) * max * n];
            for k in 0..t {
                let x = &input.data()[(s * t + k) * n..(s * t + k + 1) * n];
                let y = &mut out[(s * t + k) * n..(s * t + k + 1) * n];
                for j in 0..n {
                    // hist rows are x_{k−max} … x_{k−1}, oldest first.
                    y[j] = match steps[j] {
                        0 => x[j],
                        d => hist[(max - d) * n + j],
                    };
                }
                if max > 0 {
                    hist.copy_within(n.., 0);
                    hist[(max - 1) * n..].copy_from_slice(x);
                }
                if record {
                    let at = (s * t + k) * max * n;
                    rec[at..at + max * n].copy_from_slice(hist);
                }
            }
        }
        let mut new_state = Tree::new();
        new_state.insert_leaf(
            "buffer",
            Leaf::f64(
                Kind::State,
                None,
                Array::from_shape_vec(vec![b, max, n], buf)?,
            ),
        );
        let mut record_tree = Record::new();
        if record {
            record_tree.insert_leaf("buffer", Array::from_shape_vec(vec![b, t, max, n], rec)?);
        }
        Ok(Evolution::new(
            Array::from_shape_vec(vec![b, t, n], out)?,
            new_state,
            record_tree,
        ))
    }
}

impl NirNode {
    /// `y = x Wᵀ (+ b)` for all `rows` steps at once: one GEMM whose per-row bits do not
    /// depend on the number of rows (`crate::matmul`), so time splits and batches agree.
    fn affine(&self, params: &Tree, x: &[f64], rows: usize) -> Result<Vec<f64>> {
        let (n_out, n_in) = (numel(&self.output_shape), numel(&self.input_shape));
        let w = params.array("weight")?;
        if w.len() != n_out * n_in {
            return Err(Error::shape("weight", &[vec![n_out, n_in]], w.shape()));
        }
        let mut wt = vec![0.0; n_in * n_out];
        for o in 0..n_out {
            for i in 0..n_in {
                wt[i * n_out + o] = w.data()[o * n_in + i];
            }
        }
        let wt = Array::from_shape_vec(vec![n_in, n_out], wt)?;
        let mut y = crate::matmul::matmul(x, rows, &wt)?;
        if matches!(self.op, Op::Affine) {
            let bias = params.array("bias")?;
            if bias.len() != n_out {
                return Err(Error::shape("bias", &[vec![n_out]], bias.shape()));
            }
            for row in y.chunks_mut(n_out.max(1)) {
                for (v, b) in row.iter_mut().zip(bias.data()) {
                    *v += b;
                }
            }
        }
        Ok(y)
    }

    /// The plan of a convolution or pooling node with `params`' weight and bias over the
    /// node's input shape; `None` for another op.
    fn row_plan(&self, params: &Tree) -> Result<Option<RowPlan>> {
        let shape = &self.input_shape;
        let plan = match &self.op {
            Op::Conv1d(c) => {
                let (weight, bias) = conv_tensors(params)?;
                let c = Conv1d {
                    weight,
                    bias,
                    ..c.clone()
                };
                ops::conv1d_plan(&c, shape).map(RowPlan::Conv)
            }
            Op::Conv2d(c) => {
                let (weight, bias) = conv_tensors(params)?;
                let c = Conv2d {
                    weight,
                    bias,
                    ..c.clone()
                };
                ops::conv2d_plan(&c, shape).map(RowPlan::Conv)
            }
            Op::SumPool2d(p) => PoolPlan::new(p, shape, false).map(RowPlan::Pool),
            Op::AvgPool2d(p) => PoolPlan::new(p, shape, true).map(RowPlan::Pool),
            _ => return Ok(None),
        };
        let plan = plan.map_err(op_error)?;
        let (n_out, computed) = (numel(&self.output_shape), plan.output_len());
        if computed != n_out {
            return Err(Error::invalid(
                "output",
                format!("expected {n_out} values, computed {computed}"),
            ));
        }
        Ok(Some(plan))
    }

    /// A stateless op on every `(sample, step)`, spread over the rayon pool when the work
    /// is large (each step is computed alone: the same bits on any thread count). A
    /// convolution or pooling makes its plan once for all of them and reads each row in
    /// place; each thread keeps its scratch.
    fn per_step(&self, params: &Tree, x: &[f64], rows: usize) -> Result<Vec<f64>> {
        use rayon::prelude::*;
        let (n_in, n_out) = (numel(&self.input_shape), numel(&self.output_shape));
        let mut out = vec![0.0; rows * n_out];
        let parallel = rows > 1 && rows * n_out * 4 >= crate::par::PAR_MIN_WORK;
        if n_out == 0 || n_in == 0 {
            return Ok(out);
        }
        if let Some(plan) = self.row_plan(params)? {
            let apply = |sums: &mut Vec<f64>, (y, x): (&mut [f64], &[f64])| plan.apply(x, y, sums);
            if parallel {
                out.par_chunks_mut(n_out)
                    .zip(x.par_chunks(n_in))
                    .for_each_init(Vec::new, apply);
            } else {
                let mut sums = Vec::new();
                for pair in out.chunks_mut(n_out).zip(x.chunks(n_in)) {
                    apply(&mut sums, pair);
                }
            }
            return Ok(out);
        }
        let f = self.stateless(params)?;
        let run = |(y, x): (&mut [f64], &[f64])| -> Result<()> {
            let v = f(x)?;
            if v.len() != y.len() {
                return Err(Error::invalid(
                    "output",
                    format!("expected {} values, computed {}", y.len(), v.len()),
                ));
            }
            y.copy_from_slice(&v);
            Ok(())
        };
        if parallel {
            out.par_chunks_mut(n_out)
                .zip(x.par_chunks(n_in))
                .with_max_len(1)
                .try_for_each(run)?;
        } else {
            out.chunks_mut(n_out)
                .zip(x.chunks(n_in))
                .try_for_each(run)?;
        }
        Ok(out)
    }
}

impl Module for NirNode {
    fn class_name(&self) -> &str {
        self.class
    }

    fn shape(&self) -> Vec<usize> {
        vec![numel(&self.input_shape), numel(&self.output_shape)]
    }

    fn spiking_output(&self) -> bool {
        matches!(self.op, Op::Threshold)
    }

    fn attributes(&self) -> &[Attribute] {
        &self.attrs
    }

    fn evolve_batch(
        &self,
        params: &Tree,
        state: &Tree,
        input: ArrayView<'_>,
        record: littoral_core::Recording,
    ) -> Result<Evolution> {
        let (n_in, n_out) = (numel(&self.input_shape), numel(&self.output_shape));
        let [b, t, _] = input_dims(input, n_in)?;
        if let Op::Delay { steps, max } = &self.op {
            let dt = crate::view::scalar(params, "dt")?;
            let delay = params.array("delay")?;
            let now = delay_steps(delay.data(), dt).map_err(op_error)?;
            let same = if now.len() == 1 {
                steps.iter().all(|&s| s == now[0])
            } else {
                now == *steps
            };
            if !same {
                return Err(Error::invalid(
                    "delay",
                    "delay / dt differs from the number of steps the graph was built with; rebuild the graph with this dt",
                ));
            }
            return self.delay(steps, *max, state, input, [b, t, n_in], record.everything());
        }
        if matches!(self.op, Op::Identity) {
            return Ok(Evolution::new(input.to_owned(), Tree::new(), Record::new()));
        }
        let out = match self.op {
            Op::Affine | Op::Linear => self.affine(params, input.data(), b * t)?,
            _ => self.per_step(params, input.data(), b * t)?,
        };
        Ok(Evolution::new(
            Array::from_shape_vec(vec![b, t, n_out], out)?,
            Tree::new(),
            Record::new(),
        ))
    }
}

/// The `[B, T, N]` of an input, refused unless it is 3-d with `N = width`.
///
/// # Errors
/// Another shape, naming `input`.
pub(crate) fn input_dims(input: ArrayView<'_>, width: usize) -> Result<[usize; 3]> {
    let [b, t, n] = *input.shape() else {
        return Err(Error::invalid("input", "expected (B, T, N)"));
    };
    if n != width {
        return Err(Error::shape("input", &[vec![b, t, width]], input.shape()));
    }
    Ok([b, t, n])
}
