//! `Linear` then `LIF` in one pass: each sample's linear stage is computed a block of
//! steps at a time into a small buffer that stays in cache, with the same per-row
//! arithmetic as `Linear`'s own evolve, and fed to the LIF kernel; the bits are those of
//! the two modules run one after the other.

use super::LinearLif;
use crate::linear::Prepared;
use littoral_core::input_check;
use littoral_core::{Array, ArrayView, Error, Evolution, Module, Precision, Real, Result, Tree};

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
        if x.ndim() != 3 || x.is_empty() || self.linear.size_in() == 0 {
            return Ok(None);
        }
        let branch = |name: &str| {
            params.branch(name).ok_or_else(|| Error::MissingPath {
                path: name.to_string(),
            })
        };
        let (w, bias) = self
            .linear
            .checked_params(branch(names.0)?)
            .map_err(|e| e.within(names.0))?;
        let lif_params = branch(names.1)?;
        let empty = Tree::new();
        let lif_state = state.branch(names.1).unwrap_or(&empty);
        let ev = match self.lif.precision() {
            Precision::F64 => self.run::<f64>(w, bias, lif_params, lif_state, x),
            Precision::F32 => self.run::<f32>(w, bias, lif_params, lif_state, x),
        };
        ev.map(Some).map_err(|e| e.within(names.1))
    }

    fn run<F: Real>(
        &self,
        w: &Array,
        bias: Option<&Array>,
        params: &Tree,
        state: &Tree,
        x: ArrayView<'_>,
    ) -> Result<Evolution> {
        let (b, t, k) = (x.shape()[0], x.shape()[1], x.shape()[2]);
        let prepared = Prepared::<F>::new(w, bias);
        let failure = std::sync::Mutex::new(None);
        // The LIF kernel reads every block of every sample's linear stage, and each block
        // reads its rows of `x`: the pass can take over the call's input check.
        let check = if self.lif.size_out() > 0 {
            input_check::claim(x.data())
        } else {
            None
        };
        let sources = x
            .data()
            .chunks(t * k)
            .map(|xs| prepared.source(xs, &failure, check.as_ref()))
            .collect();
        let lif = &self.lif;
        let ev =
            crate::neuron::drive::<_, F, _>(lif, params, state, (b, t), false, sources, |p, s| {
                lif.kernel_sample(p, s);
            })?;
        if let Some(e) = failure.into_inner().ok().flatten() {
            return Err(e);
        }
        Ok(ev)
    }
}
