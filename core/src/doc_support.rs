//! A tiny module used by the documentation examples of this crate.

use crate::{
    ArrayView, Attribute, Evolution, Init, Initialiser, Module, Record, Result, Tree, TreeExt,
};

/// `y = x · w` with one weight, family "weights"; no state.
#[derive(Debug, Clone, Copy)]
pub struct Toy;

static TOY_ATTRS: std::sync::LazyLock<Vec<Attribute>> = std::sync::LazyLock::new(|| {
    vec![Attribute::parameter(
        "w",
        "weights",
        vec![vec![]],
        Init::Random(Initialiser::Kaiming),
    )]
});

impl Module for Toy {
    fn class_name(&self) -> &str {
        "Toy"
    }
    fn shape(&self) -> Vec<usize> {
        vec![1]
    }
    fn attributes(&self) -> &[Attribute] {
        &TOY_ATTRS
    }
    fn evolve_batch(
        &self,
        p: &Tree,
        _s: &Tree,
        x: ArrayView<'_>,
        _r: crate::Recording,
    ) -> Result<Evolution> {
        let w = p.array("w")?.data()[0];
        Ok(Evolution::new(x.map(|v| v * w), Tree::new(), Record::new()))
    }
}

/// A `(2, 3)` sparse structure as the option `w`, and nothing else (no values, no state):
/// for examples of writing and reading sparse structures. Its class, [`SPARSE_TOY_CLASS`],
/// reads it back from a network file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SparseToy {
    /// `rows + 1` offsets into `indices`.
    pub indptr: Vec<usize>,
    /// The column of every entry, row by row.
    pub indices: Vec<u32>,
}

impl Default for SparseToy {
    /// Row 0 holds column 2, row 1 columns 0 and 1.
    fn default() -> Self {
        SparseToy {
            indptr: vec![0, 1, 3],
            indices: vec![2, 0, 1],
        }
    }
}

impl Module for SparseToy {
    fn class_name(&self) -> &str {
        "SparseToy"
    }
    fn shape(&self) -> Vec<usize> {
        vec![2, 3]
    }
    fn attributes(&self) -> &[Attribute] {
        &[]
    }
    fn options(&self) -> Vec<(&'static str, crate::module::OptionValue<'_>)> {
        let w = crate::module::SparseStructure {
            shape: [2, 3],
            indptr: &self.indptr,
            indices: &self.indices,
        };
        vec![("w", crate::module::OptionValue::Sparse(w))]
    }
    fn evolve_batch(
        &self,
        _p: &Tree,
        _s: &Tree,
        x: ArrayView<'_>,
        _r: crate::Recording,
    ) -> Result<Evolution> {
        Ok(Evolution::new(x.map(|v| v), Tree::new(), Record::new()))
    }
}

/// How a network file's `SparseToy` is read: its option `w`'s `indptr` and `indices`,
/// unchecked (a real class checks them against its shape).
pub const SPARSE_TOY_CLASS: crate::registry::ModuleClass =
    crate::registry::ModuleClass::new("SparseToy", &["w"], |entry| {
        let path = entry.option_path("w");
        let w = entry
            .json_option("w")?
            .and_then(serde_json::Value::as_object)
            .ok_or_else(|| crate::Error::invalid(&path, "missing or not an object"))?;
        let indptr = entry.integer_list(w, &path, "indptr")?.into_u64();
        let indices = entry.integer_list(w, &path, "indices")?.into_u32();
        Ok(std::sync::Arc::new(SparseToy {
            indptr: indptr.into_iter().map(|x| x as usize).collect(),
            indices: indices.map_err(|x| crate::Error::invalid(&path, format!("index {x}")))?,
        }))
    });
