//! `Delay`: NIR's per-channel delay by a whole number of steps, its buffer kept as State.

use crate::builder::{
    attribute_setters, evolve_on_scaffold, per_element_parameter, replace_attribute, result_setters,
};
use crate::neuron::{NeuronModel, Step};
use crate::view::{per_element, scalar};
use littoral_core::limits::element_count;
use littoral_core::registry::{FileEntry, ModuleClass};
use littoral_core::{
    Attribute, Error, Init, InitValue, Module, OptionValue, Precision, Real, Result, Tree,
};
use std::sync::Arc;

/// NIR's `Delay`: each of `N` channels outputs its input of `d` steps before,
///
/// ```text
/// y_n = x_{n − d},   x_k = 0 for k < 0 (before the first input: zeros),
/// d   = delay / dt   per channel, a whole number of steps
/// ```
///
/// `delay` is in seconds (NIR's name and unit); it must be `≥ 0` and a whole number of
/// steps: `d = round(delay/dt)` with `|delay/dt − d| ≤ 1e-9 · max(1, d)`, else an error
/// naming `delay`. `d = 0` passes the input through.
///
/// The last inputs are State, `buffer` `(N, buffer_steps)`, `buffer[j, k] = x_{n−1−k}`
/// (zeros initially), so a run split in time, a snapshot or a resume gives the same bits
/// as one call. `buffer_steps` is structure, fixed when the module is built: the largest
/// delay of the values given (at least 1), or more if reserved with
/// [`Delay::with_buffer_steps`] (network-file option `"buffer_steps"`), so that a sweep or
/// `set_attributes` may lengthen the delays. A delay longer than the buffer is an error
/// at `evolve`. A step costs `O(N · buffer_steps)` (the buffer shifts by one).
///
/// | attribute | kind | family | shape | default |
/// |---|---|---|---|---|
/// | `delay` | Parameter | delays | `(N,)` or `()` | 0 (seconds) |
/// | `dt` | SimulationParameter | | `()` | 1e-3 |
/// | `buffer` | State | | `(N, buffer_steps)` | 0 |
///
/// No record. With `f32` the input is rounded to `f32` as it enters the buffer.
///
/// ```
/// use littoral_core::{Array, ModuleExt};
/// use littoral_nets::Delay;
/// let delay = Delay::new(2).with_delay([0.0, 2e-3])?;      // 0 and 2 steps at dt = 1 ms
/// let tree = delay.init(0);
/// let x = Array::from_rows(&[vec![1.0, 1.0], vec![2.0, 2.0], vec![3.0, 3.0]])?;
/// let ev = delay.evolve(&tree, &tree, &x, false)?;
/// assert_eq!(ev.output.data(), &[1.0, 0.0, 2.0, 0.0, 3.0, 1.0]);
/// # Ok::<(), littoral_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Delay {
    n: usize,
    precision: Precision,
    /// The buffer length asked for with `with_buffer_steps`.
    reserved: usize,
    /// The buffer length: `max(reserved, the delays' steps, 1)`.
    buffer_steps: usize,
    attrs: Vec<Attribute>,
}

/// The relative tolerance of "a whole number of steps".
const WHOLE_STEPS: f64 = 1e-9;

impl Delay {
    /// `N` channels with delay 0 (a buffer of one step).
    pub fn new(n: usize) -> Self {
        Delay {
            n,
            precision: Precision::F64,
            reserved: 0,
            buffer_steps: 1,
            attrs: vec![
                per_element_parameter("delay", "delays", n, 0.0),
                Attribute::simulation("dt", 1e-3),
                Attribute::state("buffer", vec![n, 1]),
            ],
        }
    }

    /// Any attribute by name; setting `delay` or `dt` lengthens the buffer to the largest
    /// delay.
    ///
    /// # Errors
    /// An unknown name, a shape the attribute does not permit, a non-finite value, or a
    /// buffer too large to allocate.
    pub fn with(mut self, name: &str, v: InitValue) -> Result<Self> {
        replace_attribute(&mut self.attrs, name, v)?;
        self.fit_buffer()
    }

    attribute_setters! { @methods
        /// Set `delay` (seconds; `(N,)` or scalar).
        with_delay => "delay";
        /// Set `dt` (seconds).
        with_dt => "dt";
    }

    /// Reserve a buffer of at least `steps` steps, so that delays up to `steps · dt` can be
    /// set later (by a sweep or `set_attributes`) without rebuilding the module.
    ///
    /// # Errors
    /// A buffer too large to allocate.
    pub fn with_buffer_steps(mut self, steps: usize) -> Result<Self> {
        self.reserved = steps;
        self.fit_buffer()
    }

    crate::builder::precision_methods!(with_precision);

    /// The buffer length in steps.
    pub fn buffer_steps(&self) -> usize {
        self.buffer_steps
    }

    /// The concrete values of attribute `name` (none for a random initialiser).
    fn given(&self, name: &str) -> Vec<f64> {
        match self.attrs.iter().find(|a| a.name == name).map(|a| &a.init) {
            Some(Init::Value(a)) => a.data().to_vec(),
            Some(Init::Fill(v)) => vec![*v],
            _ => Vec::new(),
        }
    }

    /// Size the buffer for the delays given so far (bad values are left for `evolve` to
    /// report).
    fn fit_buffer(mut self) -> Result<Self> {
        let dt = self.given("dt").first().copied().unwrap_or(0.0);
        let longest = if dt > 0.0 {
            self.given("delay")
                .iter()
                .map(|d| (d / dt).round())
                .fold(0.0, f64::max)
        } else {
            0.0
        };
        // `as` saturates; the element count below refuses a huge buffer.
        let steps = self.reserved.max(longest as usize).max(1);
        element_count(&[self.n, steps], "buffer")?;
        self.buffer_steps = steps;
        if let Some(buffer) = self.attrs.iter_mut().find(|a| a.name == "buffer") {
            buffer.shapes = vec![vec![self.n, steps]];
        }
        Ok(self)
    }

    fn read(entry: &FileEntry<'_>) -> Result<Arc<dyn Module>> {
        let reserved = entry.count_option("buffer_steps")?.unwrap_or(0);
        let layer = Delay::new(entry.vector_size()?)
            .with_precision(
                entry
                    .parsed_option("precision", Precision::from_name)?
                    .unwrap_or_default(),
            )
            .with_buffer_steps(usize::try_from(reserved).unwrap_or(usize::MAX))
            .map_err(|e| littoral_core::registry::relabel(e, &entry.option_path("buffer_steps")))?;
        Ok(Arc::new(entry.apply_values(layer, Delay::with)?))
    }

    /// How `Delay` is read from a network file (options `buffer_steps`, `precision`).
    pub const CLASS: ModuleClass =
        ModuleClass::new("Delay", &["buffer_steps", "precision"], Delay::read);
}

/// The delays of one [`Delay`] call, in steps.
#[derive(Debug, Clone)]
pub struct DelayParams {
    steps: Vec<usize>,
}

impl NeuronModel for Delay {
    type Params<F: Real> = DelayParams;
    type Scratch<F: Real> = ();

    fn precision(&self) -> Precision {
        self.precision
    }

    fn decode<F: Real>(&self, params: &Tree) -> Result<DelayParams> {
        let dt = scalar(params, "dt")?;
        if dt.is_nan() || dt <= 0.0 {
            return Err(Error::invalid(
                "dt",
                format!("must be positive, found {dt}"),
            ));
        }
        let delays = per_element(params, "delay", self.n)?;
        let steps = delays
            .iter()
            .enumerate()
            .map(|(j, &delay)| self.whole_steps(delay, dt, j))
            .collect::<Result<_>>()?;
        Ok(DelayParams { steps })
    }

    fn scratch<F: Real>(&self, _p: &DelayParams) {}

    fn step<F: Real>(&self, p: &DelayParams, _scratch: &mut (), io: Step<'_, F>) {
        let [buffer] = io.state else {
            return;
        };
        let rows = buffer.chunks_exact_mut(self.buffer_steps);
        for (((y, &x), row), &d) in io.output.iter_mut().zip(io.input).zip(rows).zip(&p.steps) {
            let x = F::of(x);
            *y = (if d == 0 { x } else { row[d - 1] }).to64();
            row.copy_within(..self.buffer_steps - 1, 1);
            row[0] = x;
        }
    }
}

impl Delay {
    /// Channel `j`'s delay in steps, checked.
    fn whole_steps(&self, delay: f64, dt: f64, j: usize) -> Result<usize> {
        let ratio = delay / dt;
        let d = ratio.round();
        if delay.is_nan() || delay < 0.0 {
            return Err(Error::invalid(
                "delay",
                format!("must be ≥ 0 seconds, found {delay} (channel {j})"),
            ));
        }
        if (ratio - d).abs() > WHOLE_STEPS * d.max(1.0) {
            return Err(Error::invalid(
                "delay",
                format!(
                    "must be a whole number of steps: {delay} s is {ratio} steps of dt = {dt} s \
                     (channel {j})"
                ),
            ));
        }
        if d > self.buffer_steps as f64 {
            return Err(Error::invalid(
                "delay",
                format!(
                    "{delay} s is {d} steps of dt = {dt} s (channel {j}), longer than the \
                     buffer of {} steps: build the Delay with a longer buffer \
                     (`with_buffer_steps`, network-file option \"buffer_steps\")",
                    self.buffer_steps
                ),
            ));
        }
        Ok(d as usize)
    }
}

impl Module for Delay {
    fn class_name(&self) -> &str {
        "Delay"
    }

    fn shape(&self) -> Vec<usize> {
        vec![self.n]
    }

    fn attributes(&self) -> &[Attribute] {
        &self.attrs
    }

    fn options(&self) -> Vec<(&'static str, OptionValue<'_>)> {
        let mut options = vec![("buffer_steps", OptionValue::Count(self.buffer_steps as u64))];
        options.extend(self.precision.option());
        options
    }

    evolve_on_scaffold!();
}

result_setters! {
    /// [`Delay`]'s builder methods on `Result<Delay>`.
    DelaySetters for Delay {
        fn with(name: &str, v: InitValue) -> Result;
        fn with_delay(v: impl Into<InitValue>) -> Result;
        fn with_dt(v: impl Into<InitValue>) -> Result;
        fn with_buffer_steps(steps: usize) -> Result;
        fn with_precision(precision: Precision);
    }
}
