//! `Linear` then `LIF` in one pass: each sample's linear stage is computed a block of
//! steps at a time into a small buffer that stays in cache, with the same per-row
//! arithmetic as `Linear`'s own evolve, and fed to the LIF kernel; the bits are those of
//! the two modules run one after the other.

use super::LinearLif;
use crate::linear::Prepared;
use crate::neuron::InPlaceBuffer;
use littoral_core::input_check;
use littoral_core::{
    Array, ArrayView, Error, Evolution, Module, Precision, Real, Recording, Result, Tree,
    evolve_child_owned,
};

impl LinearLif {
    /// Evolve the pair, recording off, or `None` when the input does not suit the fused
    /// pass (not `(B, T, K)`, empty). `names` are the two children's names, `params` and
    /// `state` the chain's trees; the evolution's state is the LIF's.
    ///
    /// # Errors
    /// Missing or ill-shaped parameters (under the child's name); a failing product.
    pub fn evolve(
        &self,
        names: (&str, &str),
        params: &Tree,
        state: &Tree,
        x: ArrayView<'_>,
    ) -> Result<Option<Evolution>> {
        if !self.fits(x) {
            return Ok(None);
        }
        self.evolve_as(names, params, state, Input::Lent(x))
            .map(Some)
    }

    /// Whether the fused pass suits `x`: `(B, T, K)`, not empty.
    fn fits(&self, x: ArrayView<'_>) -> bool {
        x.ndim() == 3 && !x.is_empty() && self.linear.size_in() > 0
    }

    /// [`LinearLif::evolve`] of an input given away (the previous child's output, or the
    /// chain's input given away): when the `Linear` keeps the width (`K = N`), each
    /// sample's output is written into its own input, each block of steps read (and
    /// checked) by the linear stage before the LIF kernel overwrites it; the same bits.
    /// An input the fused pass does not suit goes through the two children one after the
    /// other.
    ///
    /// # Errors
    /// As [`LinearLif::evolve`].
    pub fn evolve_owned(
        &self,
        names: (&str, &str),
        params: &Tree,
        state: &Tree,
        x: Array,
    ) -> Result<Evolution> {
        if !self.fits(x.view()) {
            let linear =
                evolve_child_owned(&self.linear, names.0, params, state, x, Recording::Nothing)?;
            let lif = evolve_child_owned(
                &self.lif,
                names.1,
                params,
                state,
                linear.output,
                Recording::Nothing,
            )?;
            return Ok(Evolution::new(lif.output, lif.state, lif.record));
        }
        if self.linear.size_in() != self.lif.size_out() {
            let ev = self.evolve_as(names, params, state, Input::Lent(x.view()));
            input_check::settle(x.data());
            return ev;
        }
        self.evolve_as(names, params, state, Input::Given(x))
    }

    fn evolve_as(
        &self,
        names: (&str, &str),
        params: &Tree,
        state: &Tree,
        x: Input<'_>,
    ) -> Result<Evolution> {
        let settle = |x: &Input<'_>| {
            if let Input::Given(a) = x {
                input_check::settle(a.data());
            }
        };
        let branch = |name: &str| {
            params.branch(name).ok_or_else(|| Error::MissingPath {
                path: name.to_string(),
            })
        };
        let linear_params = branch(names.0).inspect_err(|_| settle(&x))?;
        let (w, bias) = self.linear.checked_params(linear_params).map_err(|e| {
            settle(&x);
            e.within(names.0)
        })?;
        let lif_params = branch(names.1).inspect_err(|_| settle(&x))?;
        let empty = Tree::new();
        let lif_state = state.branch(names.1).unwrap_or(&empty);
        let ev = match self.lif.precision() {
            Precision::F64 => self.run::<f64>(w, bias, lif_params, lif_state, x),
            Precision::F32 => self.run::<f32>(w, bias, lif_params, lif_state, x),
        };
        ev.map_err(|e| e.within(names.1))
    }

    fn run<F: Real>(
        &self,
        w: &Array,
        bias: Option<&Array>,
        params: &Tree,
        state: &Tree,
        x: Input<'_>,
    ) -> Result<Evolution> {
        let shape = x.view().shape();
        let (b, t, k) = (shape[0], shape[1], shape[2]);
        let prepared = Prepared::<F>::new(w, bias, b * t);
        let failure = std::sync::Mutex::new(None);
        // The LIF kernel reads every block of every sample's linear stage, and each block
        // reads its rows of `x`: the pass can take over the call's input check.
        let check = if self.lif.size_out() > 0 {
            input_check::claim(x.view().data())
        } else {
            None
        };
        let lif = &self.lif;
        let ev = match x {
            Input::Lent(x) => {
                let sources = x
                    .data()
                    .chunks(t * k)
                    .map(|xs| prepared.source(Some(xs), &failure, check.as_ref()))
                    .collect();
                crate::neuron::drive::<_, F, _>(
                    lif,
                    params,
                    state,
                    (b, t),
                    false,
                    sources,
                    |p, s| {
                        lif.kernel_sample(p, s);
                    },
                )
            }
            Input::Given(x) => {
                // In place: each sample's source reads its blocks from its output.
                let sources = (0..b)
                    .map(|_| prepared.source(None, &failure, check.as_ref()))
                    .collect();
                let mut data = x.into_data();
                let take = |_len| InPlaceBuffer(std::mem::take(&mut data));
                let ev = crate::neuron::drive_into::<_, F, _, _>(
                    lif,
                    params,
                    state,
                    (b, t),
                    false,
                    sources,
                    take,
                    |p, s| lif.kernel_sample(p, s),
                );
                // A call that failed before writing leaves the input whole: checked as it
                // stands.
                input_check::settle(&data);
                ev
            }
        }?;
        if let Some(e) = failure.into_inner().ok().flatten() {
            return Err(e);
        }
        Ok(ev)
    }
}

/// The pair's input: lent, or given away (written in place).
enum Input<'a> {
    Lent(ArrayView<'a>),
    Given(Array),
}

impl Input<'_> {
    fn view(&self) -> ArrayView<'_> {
        match self {
            Input::Lent(x) => *x,
            Input::Given(x) => x.view(),
        }
    }
}
