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
    fn evolve_batch(&self, p: &Tree, _s: &Tree, x: ArrayView<'_>, _r: bool) -> Result<Evolution> {
        let w = p.array("w")?.data()[0];
        Ok(Evolution::new(x.map(|v| v * w), Tree::new(), Record::new()))
    }
}
