//! `SparseLinear`: a sparse weight matrix `Nin → Nout` (CSR), event-driven.

use crate::sparse::{Csr, Structure};
use littoral_core::array::format_shape;
use littoral_core::registry::ModuleClass;
use littoral_core::{
    Array, ArrayView, Attribute, Error, Evolution, Init, InitValue, Module, OptionValue, Record,
    Result, Tree, TreeExt,
};
use rayon::prelude::*;
use std::sync::Arc;

/// A sparse linear layer `y_t = x_t · W` with `W` of shape `(Nin, Nout)` in CSR form
/// (Rockpool's weight orientation; rows presynaptic). The structure (`indptr`, `indices`)
/// is part of the module, written as the option `weight`; the values are the Parameter
/// `weight` of shape `(nnz,)` (family `"weights"`). No bias, no state, no record.
///
/// Each time step adds the rows of the non-zero inputs, in increasing input index: cost
/// O(Σ fan-out of the non-zero inputs), so spiking input costs O(spikes × fan-out). Every
/// output receives its terms in input order, so the result equals the dense loop
/// `for i { for j { y[j] += x[i] · w[i][j] } }` bit for bit except for the sign of an
/// exact zero (skipped `0 · w` terms); time steps run in parallel, with the same bits on
/// any thread count.
///
/// ```
/// use littoral_core::{Array, ModuleExt};
/// use littoral_nets::SparseLinear;
/// use littoral_nets::sparse::Csr;
/// let w = Csr::from_dense("weight", 2, 3, &[0.0, 1.5, 0.0, 2.0, 0.0, -1.0], |v: f64| v != 0.0)?;
/// let layer = SparseLinear::new(w);
/// let tree = layer.init(0);
/// let ev = layer.evolve(&tree, &tree, &Array::from_rows(&[vec![1.0, 2.0]])?, false)?;
/// assert_eq!(ev.output.data(), &[4.0, 1.5, -2.0]);
/// # Ok::<(), littoral_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct SparseLinear {
    structure: Arc<Structure>,
    attrs: Vec<Attribute>,
}

impl SparseLinear {
    /// A layer with the structure and the (initial) weights of `w`.
    pub fn new(w: Csr<f64>) -> Self {
        let (structure, data) = Structure::split(w);
        let nnz = structure.nnz();
        let init = match Array::from_shape_vec(vec![nnz], data) {
            Ok(a) => Init::Value(Arc::new(a)),
            Err(_) => Init::Fill(0.0),
        };
        SparseLinear {
            structure: Arc::new(structure),
            attrs: vec![Attribute::parameter(
                "weight",
                "weights",
                vec![vec![nnz]],
                init,
            )],
        }
    }

    /// Set the weights (`(nnz,)`).
    ///
    /// # Errors
    /// An unknown name, another shape, a non-finite value.
    pub fn with(mut self, name: &str, v: InitValue) -> Result<Self> {
        crate::builder::replace_attribute(&mut self.attrs, name, v)?;
        Ok(self)
    }

    /// The structure.
    pub fn structure(&self) -> &Structure {
        &self.structure
    }

    /// How `SparseLinear` is read from a network file: `shape` `[Nin, Nout]` and the option
    /// `weight` (explicit CSR or an initialiser, as a sparse `w_rec`; `docs/models.md` §6).
    pub const CLASS: ModuleClass = ModuleClass::new("SparseLinear", &["weight"], |entry| {
        let shape = entry.shape()?;
        let [n_in, n_out] = shape[..] else {
            return Err(Error::shape(entry.at("shape"), &[vec![2]], &[shape.len()]));
        };
        let at = entry.option_path("weight");
        let spec = entry.json_option("weight")?.ok_or_else(|| {
            Error::invalid(&at, "missing: the sparse matrix (CSR or an initialiser)")
        })?;
        let w = Structure::from_json(entry, spec, &at, n_in, n_out, 1)?;
        Ok(Arc::new(
            entry.apply_values(SparseLinear::new(w), SparseLinear::with)?,
        ))
    });
}

impl Module for SparseLinear {
    fn class_name(&self) -> &str {
        "SparseLinear"
    }

    fn shape(&self) -> Vec<usize> {
        vec![self.structure.n_pre(), self.structure.n_post()]
    }

    fn attributes(&self) -> &[Attribute] {
        &self.attrs
    }

    fn options(&self) -> Vec<(&'static str, OptionValue<'_>)> {
        vec![("weight", OptionValue::Sparse(self.structure.view()))]
    }

    fn evolve_batch(
        &self,
        params: &Tree,
        _state: &Tree,
        input: ArrayView<'_>,
        _record: littoral_core::Recording,
    ) -> Result<Evolution> {
        let (n_in, n_out) = (self.structure.n_pre(), self.structure.n_post());
        let [b, t, ni] = *input.shape() else {
            return Err(Error::Shape {
                path: "input".into(),
                expected: format!("(B, T, {n_in})"),
                found: format_shape(input.shape()),
            });
        };
        if ni != n_in {
            return Err(Error::Shape {
                path: "input".into(),
                expected: format!("(B, T, {n_in})"),
                found: format_shape(input.shape()),
            });
        }
        let w = params.array("weight")?;
        if w.len() != self.structure.nnz() {
            return Err(Error::shape(
                "weight",
                &[vec![self.structure.nnz()]],
                w.shape(),
            ));
        }
        let mut output = Array::zeros(vec![b, t, n_out]);
        let data = w.data();
        output
            .data_mut()
            .par_chunks_mut(n_out.max(1))
            .zip(input.data().par_chunks(n_in.max(1)))
            .for_each_init(Vec::new, |rows: &mut Vec<(usize, f64)>, (y, x)| {
                rows.clear();
                rows.extend(x.iter().copied().enumerate().filter(|(_, v)| *v != 0.0));
                self.structure.accumulate_rows(data, rows, y);
            });
        Ok(Evolution::new(output, Tree::new(), Record::new()))
    }
}
