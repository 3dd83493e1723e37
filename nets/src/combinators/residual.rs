//! `Residual`: a `Sequential` whose input is added to its output.

use super::sequential::Sequential;
use littoral_core::registry::{ModuleClass, relabel};
use littoral_core::{ArrayView, Error, Evolution, Module, Result, Tree};
use std::sync::Arc;

/// Rockpool's `Residual`: `output = chain(input) + input`; requires `size_in == size_out`.
/// The record is the chain's record (`"{name}_output"` before the skip is added).
///
/// ```
/// use littoral_core::{Array, ModuleExt};
/// use littoral_nets::{Lif, Residual};
/// let res = Residual::new(vec![std::sync::Arc::new(Lif::new(2)) as _])?;
/// let tree = res.init(0);
/// let ev = res.evolve(&tree, &tree, &Array::full(vec![1, 2], 2.0), false)?;
/// assert_eq!(ev.output.data(), &[3.0, 3.0]);    // one spike of 1 plus input 2
/// # Ok::<(), littoral_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Residual {
    inner: Sequential,
}

impl Residual {
    /// A residual block over `modules`.
    ///
    /// # Errors
    /// Size mismatches in the chain, or `size_in != size_out`.
    pub fn new(modules: Vec<Arc<dyn Module>>) -> Result<Self> {
        Residual::from_sequential(Sequential::from_modules(modules)?)
    }

    /// A residual block over an existing chain.
    ///
    /// # Errors
    /// `size_in != size_out`.
    pub fn from_sequential(inner: Sequential) -> Result<Self> {
        if inner.size_in() != inner.size_out() {
            return Err(Error::invalid(
                "shape",
                "`size_in` and `size_out` must be identical for a residual block",
            ));
        }
        Ok(Residual { inner })
    }

    /// The inner chain.
    pub fn chain(&self) -> &Sequential {
        &self.inner
    }
}

impl Residual {
    /// How `Residual` is read from a network file: its `modules`, no options.
    pub const CLASS: ModuleClass = ModuleClass::new("Residual", &[], |entry| {
        let res = Residual::from_sequential(Sequential::from_entry(entry)?)
            .map_err(|e| relabel(e, &entry.path()))?;
        Ok(Arc::new(res))
    });
}

impl Module for Residual {
    fn class_name(&self) -> &str {
        "Residual"
    }

    super::chain_methods!(inner);

    fn evolve_batch(
        &self,
        params: &Tree,
        state: &Tree,
        input: ArrayView<'_>,
        record: littoral_core::Recording,
    ) -> Result<Evolution> {
        let mut ev = self.inner.evolve_batch(params, state, input, record)?;
        for (o, &x) in ev.output.data_mut().iter_mut().zip(input.data()) {
            *o += x;
        }
        Ok(ev)
    }
}
