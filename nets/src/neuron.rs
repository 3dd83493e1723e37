//! The neuron scaffold: write a population's dynamics once, per sample and step, and get
//! the rest of `evolve` from one generic driver.
//!
//! A [`NeuronModel`] says what is particular to a model: its parameters decoded once per
//! call into the compute type ([`NeuronModel::decode`]), its scratch buffers, how many
//! standard normals a step draws, one time step ([`NeuronModel::step`]) and what it
//! records. Its State variables are its float State attributes, in order. [`evolve`] does
//! everything else, the same way for every model: the input shape check, the state copy
//! (per-sample slices of the batched State), the per-sample noise keys and the `rng_key`
//! leaf they advance, the record arrays, `f32`/`f64` ([`NeuronModel::precision`]) and the
//! fan-out of samples over the rayon pool (the same bits on any thread count).
//!
//! A model's `Module::evolve_batch` is one line, `neuron::evolve(self, params, state,
//! input, record)`. See `docs/adding-a-module.md` for a whole neuron in one file.

use crate::lif_kernel::{InPlace, Output, StepSource};
use crate::par::for_each_sample;
use crate::task_zeroed::{Part, TaskZeroed};
use crate::view::{advanced_keys, batched, rng_keys};
use littoral_core::input_check::{self, InputCheck};
use littoral_core::rng::fill_standard_normal;
use littoral_core::{
    Array, ArrayView, Error, Evolution, Kind, Leaf, Module, Precision, Real, Record, Recording,
    Result, Tree, Value, evolve_borrowing,
};
use std::sync::Arc;

/// The name of the noise-key State leaf the driver reads and advances.
const RNG_KEY: &str = "rng_key";

/// One time step of one sample, as [`NeuronModel::step`] sees it.
#[derive(Debug)]
pub struct Step<'a, F> {
    /// The step's index within this call (`0..T`).
    pub t: usize,
    /// This step's input (`size_in` values).
    pub input: &'a [f64],
    /// The State variables (the model's float State attributes, in order), updated in
    /// place.
    pub state: &'a mut [Vec<F>],
    /// This step's standard normal draws ([`NeuronModel::noise_len`] of them), keyed by
    /// the sample's key and the step: the same numbers however the run is split.
    pub noise: &'a [f64],
    /// This step's output (`size_out` values), to be written.
    pub output: &'a mut [f64],
}

/// One sample's input, `(T, size_in)`, read a block of steps at a time. When the input
/// check of the `evolve` call was claimed by the driver ([`littoral_core::input_check`]),
/// every block read is tested for NaN and infinities as it is handed out, while it is in
/// cache: there is no way to read the input unchecked.
#[derive(Clone, Copy, Debug)]
pub struct SampleInput<'a> {
    data: &'a [f64],
    width: usize,
    check: Option<&'a InputCheck>,
}

/// Bring `block` (input about to be read in order) in from memory and test it with `check`,
/// when the call's check was claimed: the first lines of every page asked for at once
/// ([`crate::audited::prefetch`]), then the scan that reads it in order.
#[inline(always)]
pub(crate) fn bring_in(block: &[f64], check: Option<&InputCheck>) {
    crate::audited::prefetch::page_starts(block);
    if let Some(check) = check {
        check.scan(block);
    }
}

impl<'a> SampleInput<'a> {
    /// The input of steps `t0..t1` (`(t1 − t0) · size_in` values), checked when the call's
    /// check was claimed.
    ///
    /// # Panics
    /// When `t0 > t1` or `t1` is past the sample's last step.
    #[inline(always)]
    pub fn steps(&self, t0: usize, t1: usize) -> &'a [f64] {
        let block = &self.data[t0 * self.width..t1 * self.width];
        bring_in(block, self.check);
        block
    }

    /// Columns `lo..hi` of step `t`, checked when the call's check was claimed (the part
    /// of a step one thread reads when a sample is split by neurons).
    ///
    /// # Panics
    /// When `lo > hi` or `hi` is past the step's width, or `t` past the last step.
    #[inline(always)]
    pub(crate) fn step_part(&self, t: usize, lo: usize, hi: usize) -> &'a [f64] {
        assert!(hi <= self.width, "columns {lo}..{hi} of {}", self.width);
        let part = &self.data[t * self.width + lo..t * self.width + hi];
        if let Some(check) = self.check {
            check.scan(part);
        }
        part
    }

    /// Steps in the sample.
    pub fn len(&self) -> usize {
        self.data.len() / self.width.max(1)
    }

    /// Whether the sample has no step.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One sample's whole evolution, as [`NeuronModel::evolve_sample`] sees it (`O`: how its
/// output buffers are held; the model sees them as slices).
#[derive(Debug)]
pub struct Sample<'a, I, O = &'a mut [f64]> {
    /// The sample's noise key `[key, first step]`.
    pub key: [u64; 2],
    /// The sample's input (a [`SampleInput`] for [`evolve`]).
    pub input: I,
    /// The State variables (`f64`, per sample), updated in place.
    pub state: Vec<&'a mut [f64]>,
    /// The output, `(T, size_out)`.
    pub output: O,
    /// The record buffers, `(T, …)` each, in the order of [`NeuronModel::records`], when
    /// recording.
    pub record: Option<Vec<O>>,
}

/// The dynamics of a population of neurons (or of any stateful per-sample module). See
/// the [module docs](self).
pub trait NeuronModel: Module + Sized {
    /// The parameters of one call, decoded and checked once, in the compute type `F`.
    type Params<F: Real>: Send + Sync;
    /// Per-sample working buffers (one per sample, reused by every step).
    type Scratch<F: Real>: Send;

    /// The compute type (default `f64`).
    fn precision(&self) -> Precision {
        Precision::F64
    }

    /// Read and check the parameters of one call.
    ///
    /// # Errors
    /// A missing leaf or one of the wrong size, naming it.
    fn decode<F: Real>(&self, params: &Tree) -> Result<Self::Params<F>>;

    /// [`NeuronModel::decode`], shared: what the driver calls. The default decodes; a
    /// model may return the parameters it decoded last when `params` and its settings are
    /// the same as then (LIF does: `crate::decode_cache`), with the same bits.
    ///
    /// # Errors
    /// As [`NeuronModel::decode`].
    fn decode_shared<F: Real>(&self, params: &Tree) -> Result<Arc<Self::Params<F>>> {
        self.decode(params).map(Arc::new)
    }

    /// Fresh working buffers of one sample.
    fn scratch<F: Real>(&self, p: &Self::Params<F>) -> Self::Scratch<F>;

    /// Standard normal draws per step (0: no noise; the default).
    fn noise_len<F: Real>(&self, p: &Self::Params<F>) -> usize {
        let _ = p;
        0
    }

    /// The recorded signals: names and per-step shapes (none by default).
    fn records(&self) -> Vec<(&'static str, Vec<usize>)> {
        Vec::new()
    }

    /// Advance one sample by one step.
    fn step<F: Real>(&self, p: &Self::Params<F>, scratch: &mut Self::Scratch<F>, io: Step<'_, F>);

    /// Write this step's recorded signals (called after [`NeuronModel::step`] when
    /// recording; `out[i]` is the step's slice of the `i`-th record).
    fn record<F: Real>(
        &self,
        scratch: &Self::Scratch<F>,
        state: &[Vec<F>],
        out: &mut [&mut [f64]],
    ) {
        let _ = (scratch, state, out);
    }

    /// Evolve one sample over its time steps. The default runs [`NeuronModel::step`] for
    /// each step in `F`; a model with a specialised kernel (LIF) overrides it, with the
    /// same bits.
    fn evolve_sample<F: Real>(&self, p: &Self::Params<F>, sample: Sample<'_, SampleInput<'_>>) {
        step_by_step(self, p, sample);
    }
}

/// The default [`NeuronModel::evolve_sample`]: [`NeuronModel::step`] for every step, the
/// State in `F`, the noise drawn per step, the record written after each step. A model
/// that overrides `evolve_sample` can be checked against it.
pub fn step_by_step<M: NeuronModel, F: Real>(
    model: &M,
    p: &M::Params<F>,
    sample: Sample<'_, SampleInput<'_>>,
) {
    step_by_step_from(model, p, sample);
}

/// [`step_by_step`] from any source of steps (a slice, or the output's own buffer in an
/// evolution in place: [`InPlace`]).
pub(crate) fn step_by_step_from<M: NeuronModel, F: Real, S: StepSource>(
    model: &M,
    p: &M::Params<F>,
    sample: Sample<'_, S>,
) {
    let n_out = model.size_out();
    let steps = sample.output.len() / n_out.max(1);
    let mut state: Vec<Vec<F>> = sample
        .state
        .iter()
        .map(|v| v.iter().map(|&x| F::of(x)).collect())
        .collect();
    let mut scratch = model.scratch(p);
    let mut noise = vec![0.0f64; model.noise_len(p)];
    let sizes: Vec<usize> = model
        .records()
        .iter()
        .map(|(_, s)| s.iter().product())
        .collect();
    let (mut record, mut input) = (sample.record, sample.input);
    for t in 0..steps {
        if !noise.is_empty() {
            fill_standard_normal(
                sample.key[0],
                sample.key[1].wrapping_add(t as u64),
                &mut noise,
            );
        }
        let output = &mut sample.output[t * n_out..(t + 1) * n_out];
        model.step(
            p,
            &mut scratch,
            Step {
                t,
                input: input.block(t, t + 1, output),
                state: &mut state,
                noise: &noise,
                output,
            },
        );
        if let Some(rec) = record.as_mut() {
            let mut rows: Vec<&mut [f64]> = rec
                .iter_mut()
                .zip(&sizes)
                .map(|(r, &size)| &mut r[t * size..(t + 1) * size])
                .collect();
            model.record(&scratch, &state, &mut rows);
        }
    }
    for (dst, src) in sample.state.into_iter().zip(&state) {
        F::widen_into(src, dst);
    }
}

/// Evolve a batch of a [`NeuronModel`]: what its `Module::evolve_batch` returns. The input
/// is `(B, T, size_in)`, the state batched; the new state holds every float State variable
/// and the advanced `rng_key`, the record the model's signals as `(B, T, …)` arrays.
///
/// # Errors
/// An input of another width, a state that does not fit, the model's decode errors.
pub fn evolve<M: NeuronModel>(
    model: &M,
    params: &Tree,
    state: &Tree,
    input: ArrayView<'_>,
    record: Recording,
) -> Result<Evolution> {
    evolve_by(model, params, state, input, record, &Zeroed)
}

/// [`evolve`] of an input the caller gives away (`Module::evolve_batch_owned`): when the
/// output has the input's shape it is written into the input's own buffer, the model's
/// [`NeuronModel::step`] run one step at a time ([`step_by_step`]: for a model that keeps
/// the default [`NeuronModel::evolve_sample`], the same bits as [`evolve`]).
///
/// # Errors
/// As [`evolve`].
pub fn evolve_owned<M: NeuronModel>(
    model: &M,
    params: &Tree,
    state: &Tree,
    input: Array,
    record: Recording,
) -> Result<Evolution> {
    evolve_by_owned(model, params, state, input, record, &Zeroed)
}

/// A sample as the driver hands it out: its output and records are its parts of the
/// driver's uninitialised buffers, zeroed by whoever writes them ([`Sample::zeroed`], or
/// a block at a time by a kernel that writes every step).
pub(crate) type DriverSample<'a> = Sample<'a, SampleInput<'a>, Part<'a>>;

/// A sample of an evolution in place ([`evolve_by_owned`]): its output is its part of the
/// input's own buffer, which its input reads a block at a time before it is overwritten
/// ([`InPlace`]); its records are parts of the driver's uninitialised buffers.
pub(crate) type InPlaceSample<'a> = Sample<'a, InPlace<'a>, Output<'a>>;

/// How [`evolve_by`] runs one sample of a model.
pub(crate) trait RunSample<M: NeuronModel>: Sync {
    /// Evolve one sample.
    fn run<F: Real>(&self, model: &M, p: &M::Params<F>, sample: DriverSample<'_>);

    /// Evolve one sample in place ([`evolve_by_owned`]); the default runs the model's
    /// `step` one step at a time, for a model that keeps the default
    /// [`NeuronModel::evolve_sample`] (the same bits).
    fn run_in_place<F: Real>(&self, model: &M, p: &M::Params<F>, sample: InPlaceSample<'_>) {
        step_by_step_from(model, p, sample.for_steps());
    }
}

impl<'a> InPlaceSample<'a> {
    /// The sample as [`step_by_step_from`] takes it: its output a slice (it holds the
    /// input, which the source reads and zeroes a step at a time, as a model's `step` may
    /// leave output elements unwritten) and its records zeroed.
    pub(crate) fn for_steps(self) -> Sample<'a, InPlace<'a>> {
        Sample {
            key: self.key,
            input: self.input.zeroing(),
            state: self.state,
            output: self.output.all(),
            record: self
                .record
                .map(|parts| parts.into_iter().map(Output::all).collect()),
        }
    }
}

/// [`NeuronModel::evolve_sample`] on the sample's zeroed buffers (what [`evolve`] does).
struct Zeroed;

impl<M: NeuronModel> RunSample<M> for Zeroed {
    fn run<F: Real>(&self, model: &M, p: &M::Params<F>, sample: DriverSample<'_>) {
        model.evolve_sample(p, sample.zeroed());
    }
}

impl<'a, I> Sample<'a, I, Part<'a>> {
    /// The sample with its output and records zeroed.
    pub(crate) fn zeroed(self) -> Sample<'a, I> {
        Sample {
            key: self.key,
            input: self.input,
            state: self.state,
            output: self.output.zeroed(),
            record: self
                .record
                .map(|parts| parts.into_iter().map(Part::zeroed).collect()),
        }
    }
}

/// [`evolve`] with each sample run by `runner` (a model's own way to run a sample on the
/// driver's buffers, see [`DriverSample`]).
pub(crate) fn evolve_by<M: NeuronModel, R: RunSample<M>>(
    model: &M,
    params: &Tree,
    state: &Tree,
    input: ArrayView<'_>,
    record: Recording,
    runner: &R,
) -> Result<Evolution> {
    let n_in = model.size_in();
    let (b, t) = match *input.shape() {
        [b, t, ni] if ni == n_in => (b, t),
        _ => {
            return Err(Error::Shape {
                path: "input".into(),
                expected: format!("(B, T, {n_in})"),
                found: littoral_core::array::format_shape(input.shape()),
            });
        }
    };
    // Every sample reads all of its input through `SampleInput`, so the driver may take
    // over the call's input check.
    // (A model with no output runs no step: it keeps no claim it could not honour.)
    let check = if model.size_out() > 0 {
        input_check::claim(input.data())
    } else {
        None
    };
    let inputs = input
        .data()
        .chunks((t * n_in).max(1))
        .map(|data| SampleInput {
            data,
            width: n_in,
            check: check.as_ref(),
        })
        .collect();
    // A population records its own signals only when everything is recorded.
    let record = record.everything();
    match model.precision() {
        Precision::F64 => {
            drive::<M, f64, _>(model, params, state, (b, t), record, inputs, |p, s| {
                runner.run(model, p, s);
            })
        }
        Precision::F32 => {
            drive::<M, f32, _>(model, params, state, (b, t), record, inputs, |p, s| {
                runner.run(model, p, s);
            })
        }
    }
}

/// [`evolve_by`] of an input the caller gives away ([`Module::evolve_batch_owned`]): when
/// the output has the input's shape (`size_in == size_out`), each sample's output is
/// written into its own part of the input's buffer, which its source reads a block of
/// steps at a time before overwriting it ([`InPlace`]), run by `runner`'s
/// [`RunSample::run_in_place`]; the same bits as [`evolve_by`]. Otherwise, or for an
/// input of another shape, [`evolve_borrowing`].
///
/// # Errors
/// As [`evolve_by`].
pub(crate) fn evolve_by_owned<M: NeuronModel, R: RunSample<M>>(
    model: &M,
    params: &Tree,
    state: &Tree,
    input: Array,
    record: Recording,
    runner: &R,
) -> Result<Evolution> {
    let n = model.size_out();
    let (b, t) = match *input.shape() {
        [b, t, ni] if ni == n && model.size_in() == n && n > 0 => (b, t),
        _ => return evolve_borrowing(model, params, state, input, record),
    };
    // The input is overwritten as it is read: its check (when this call's input is the
    // checked one) is made by every sample's source before its block is overwritten.
    let check = input_check::claim(input.data());
    let inputs = (0..b).map(|_| InPlace::new(check.as_ref())).collect();
    let mut data = input.into_data();
    let mut take = |_len| InPlaceBuffer(std::mem::take(&mut data));
    let record = record.everything();
    let evolution = match model.precision() {
        Precision::F64 => drive_into::<M, f64, _, _>(
            model,
            params,
            state,
            (b, t),
            record,
            inputs,
            &mut take,
            |p, s| runner.run_in_place(model, p, s),
        ),
        Precision::F32 => drive_into::<M, f32, _, _>(
            model,
            params,
            state,
            (b, t),
            record,
            inputs,
            &mut take,
            |p, s| runner.run_in_place(model, p, s),
        ),
    };
    // A call that failed before writing leaves the input whole (not taken): checked as it
    // stands.
    input_check::settle(&data);
    evolution
}

/// The driver behind [`evolve`], for any per-sample input `I` (a slice, or a stage fused
/// in front of the model): decode, split the batched state, output and record into
/// per-sample slices (the output and records as uninitialised parts, which `run` zeroes:
/// [`Sample::zeroed`]), run `run` on every sample over the rayon pool, assemble the
/// evolution.
pub(crate) fn drive<M: NeuronModel, F: Real, I: Send>(
    model: &M,
    params: &Tree,
    state: &Tree,
    (b, t): (usize, usize),
    record: bool,
    inputs: Vec<I>,
    run: impl Fn(&M::Params<F>, Sample<'_, I, Part<'_>>) + Sync + Send,
) -> Result<Evolution> {
    drive_into(
        model,
        params,
        state,
        (b, t),
        record,
        inputs,
        TaskZeroed::new,
        run,
    )
}

/// A driver's output buffer, handed out in per-sample parts: a new, uninitialised one
/// ([`TaskZeroed`]) or the input's own ([`InPlaceBuffer`]).
pub(crate) trait OutputBuffer {
    /// A sample's part (its records' parts are held the same way).
    type Part<'a>: Send
    where
        Self: 'a;
    /// The buffer in consecutive parts of `size` elements (none when it is empty).
    fn parts(&mut self, size: usize) -> Vec<Self::Part<'_>>;
    /// A part of a record buffer, held as this buffer's parts are.
    fn record_part(part: Part<'_>) -> Self::Part<'_>;
    /// The whole buffer, every element written.
    fn into_vec(self) -> Vec<f64>;
}

impl OutputBuffer for TaskZeroed {
    type Part<'a> = Part<'a>;

    fn parts(&mut self, size: usize) -> Vec<Part<'_>> {
        TaskZeroed::parts(self, size)
    }

    fn record_part(part: Part<'_>) -> Part<'_> {
        part
    }

    fn into_vec(self) -> Vec<f64> {
        TaskZeroed::into_vec(self)
    }
}

/// The input's own buffer as the output of an evolution in place ([`evolve_by_owned`]).
pub(crate) struct InPlaceBuffer(pub(crate) Vec<f64>);

impl OutputBuffer for InPlaceBuffer {
    type Part<'a> = Output<'a>;

    fn parts(&mut self, size: usize) -> Vec<Output<'_>> {
        self.0.chunks_mut(size.max(1)).map(Output::Slice).collect()
    }

    fn record_part(part: Part<'_>) -> Output<'_> {
        Output::Part(part)
    }

    fn into_vec(self) -> Vec<f64> {
        self.0
    }
}

/// [`drive`] into the output buffer `output(len)` makes, once the parameters and state
/// are decoded and checked (so that an error leaves an in-place input untouched).
#[allow(clippy::too_many_arguments)]
pub(crate) fn drive_into<M: NeuronModel, F: Real, I: Send, B: OutputBuffer>(
    model: &M,
    params: &Tree,
    state: &Tree,
    (b, t): (usize, usize),
    record: bool,
    inputs: Vec<I>,
    output: impl FnOnce(usize) -> B,
    run: impl Fn(&M::Params<F>, Sample<'_, I, B::Part<'_>>) + Sync + Send,
) -> Result<Evolution> {
    let shared = model.decode_shared::<F>(params)?;
    let p: &M::Params<F> = &shared;
    let vars: Vec<(&str, &[usize])> = model
        .attributes()
        .iter()
        .filter(|a| a.kind == Kind::State && !a.integer)
        .map(|a| {
            (
                a.name.as_str(),
                a.shapes.first().map_or(&[][..], Vec::as_slice),
            )
        })
        .collect();
    let mut arrays = vars
        .iter()
        .map(|(name, shape)| Ok(batched(state, name, b, shape)?.clone()))
        .collect::<Result<Vec<Array>>>()?;
    let has_key = model.attributes().iter().any(|a| a.name == RNG_KEY);
    let keys = if has_key {
        rng_keys(state, b)?
    } else {
        vec![[0, 0]; b]
    };
    let n_out = model.size_out();
    // The output and records are zeroed by each sample's task, not here (`task_zeroed`).
    let mut output = output(b * t * n_out);
    let records = if record { model.records() } else { Vec::new() };
    let rec_shapes: Vec<Vec<usize>> = records
        .iter()
        .map(|(_, shape)| [&[b, t], shape.as_slice()].concat())
        .collect();
    let mut rec_arrays: Vec<TaskZeroed> = rec_shapes
        .iter()
        .map(|s| TaskZeroed::new(s.iter().product()))
        .collect();
    let mut per_sample_state: Vec<Vec<&mut [f64]>> = (0..b).map(|_| Vec::new()).collect();
    for a in &mut arrays {
        let size = a.len() / b.max(1);
        for (slot, chunk) in per_sample_state
            .iter_mut()
            .zip(a.data_mut().chunks_mut(size.max(1)))
        {
            slot.push(chunk);
        }
    }
    let mut per_sample_record: Vec<Option<Vec<B::Part<'_>>>> =
        (0..b).map(|_| record.then(Vec::new)).collect();
    for (a, shape) in rec_arrays.iter_mut().zip(&rec_shapes) {
        let size = shape[1..].iter().product::<usize>();
        for (slot, chunk) in per_sample_record.iter_mut().zip(a.parts(size)) {
            if let Some(v) = slot.as_mut() {
                v.push(B::record_part(chunk));
            }
        }
    }
    let state_size: usize = vars.iter().map(|(_, s)| s.iter().product::<usize>()).sum();
    let tasks: Vec<Sample<'_, I, B::Part<'_>>> = per_sample_state
        .into_iter()
        .zip(&keys)
        .zip(inputs)
        .zip(output.parts(t * n_out))
        .zip(per_sample_record)
        .map(|((((state, &key), input), output), record)| Sample {
            key,
            input,
            state,
            output,
            record,
        })
        .collect();
    // Each task zeroes its own output and records, on its own thread.
    for_each_sample(tasks, b * t * state_size.max(n_out), |s| run(p, s));
    let output = Array::from_shape_vec(vec![b, t, n_out], output.into_vec())?;
    let mut new_state = Tree::with_capacity(vars.len() + usize::from(has_key));
    for ((name, _), a) in vars.iter().zip(arrays) {
        new_state.insert_leaf(*name, Leaf::f64(Kind::State, None, a));
    }
    if has_key {
        new_state.insert_leaf(
            RNG_KEY,
            Leaf {
                kind: Kind::State,
                family: None,
                value: Value::U64(Arc::new(advanced_keys(&keys, t))),
            },
        );
    }
    let mut rec = Record::new();
    for (((name, _), a), shape) in records.iter().zip(rec_arrays).zip(rec_shapes) {
        rec.insert_leaf(*name, Array::from_shape_vec(shape, a.into_vec())?);
    }
    Ok(Evolution::new(output, new_state, rec))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::{NeuronModel, drive, step_by_step};
    use crate::Lif;
    use littoral_core::{
        Array, Module, ModuleExt, Precision, Recording, record_bits_eq, tree_bits_eq,
    };

    /// LIF's vectorised kernel (its `evolve_sample`) gives the bits of its `step` run one
    /// step at a time, with recurrence, noise, several synapses and both precisions.
    #[test]
    fn the_lif_kernel_gives_the_bits_of_its_step() {
        for (n_in, precision) in [
            (3, Precision::F64),
            (6, Precision::F64),
            (6, Precision::F32),
        ] {
            let lif = Lif::with_synapses(n_in, 3)
                .unwrap()
                .with_has_rec(true)
                .with_noise_std(0.3)
                .unwrap()
                .with_threshold([0.4, 0.7, 1.0])
                .unwrap()
                .with_precision(precision);
            let tree = lif.init(7);
            let state = lif.batch_state(&tree, 2).unwrap();
            let data = (0..2 * 25 * n_in)
                .map(|i| 0.5 * ((i * 37 % 11) as f64 / 11.0))
                .collect();
            let x = Array::from_shape_vec(vec![2, 25, n_in], data).unwrap();
            let fast = lif
                .evolve_batch(&tree, &state, x.view(), Recording::Everything)
                .unwrap();
            let inputs = x
                .data()
                .chunks(25 * n_in)
                .map(|data| super::SampleInput {
                    data,
                    width: n_in,
                    check: None,
                })
                .collect();
            let slow = match precision {
                Precision::F64 => {
                    drive::<_, f64, _>(&lif, &tree, &state, (2, 25), true, inputs, |p, s| {
                        step_by_step(&lif, p, s.zeroed());
                    })
                }
                Precision::F32 => {
                    drive::<_, f32, _>(&lif, &tree, &state, (2, 25), true, inputs, |p, s| {
                        step_by_step(&lif, p, s.zeroed());
                    })
                }
            }
            .unwrap();
            assert!(fast.output.data().iter().sum::<f64>() > 0.0, "it spikes");
            assert!(fast.output.bits_eq(&slow.output), "{n_in} {precision:?}");
            assert!(tree_bits_eq(&fast.state, &slow.state));
            assert!(record_bits_eq(&fast.record, &slow.record));
            assert_eq!(lif.precision(), NeuronModel::precision(&lif));
        }
    }
}
