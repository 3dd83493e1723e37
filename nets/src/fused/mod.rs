//! Fusion: neighbouring modules that run faster as one pass, with the same bits.
//!
//! A [`Plan`] is made once, when a `Sequential` is built, from the types of its children
//! (the only place a module's concrete type is looked at); evolving then follows the plan
//! without inspecting a module. Today one pair fuses: a `Linear` followed by a `LIF` of the
//! same precision ([`linear_lif`]), run when nothing of the `Linear` is recorded and the
//! `LIF`'s output at most as spike counts (`Sequential`'s `fuses`). The shared head of a
//! sweep is planned from the module structure too (`Module::split_chain`).

pub mod linear_lif;

use crate::{Lif, Linear};
use littoral_core::Module;
use std::any::Any;
use std::sync::Arc;

/// A `Linear` at child `at` and a `LIF` at `at + 1` that run as one pass.
#[derive(Clone, Debug)]
pub struct LinearLif {
    /// The position of the `Linear` among the chain's children.
    pub at: usize,
    linear: Linear,
    lif: Lif,
}

/// The fused pairs of a chain, in order, not overlapping.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pairs: Vec<LinearLif>,
}

impl Plan {
    /// The plan of a chain of children.
    pub fn of(children: &[(String, Arc<dyn Module>)]) -> Self {
        let mut pairs = Vec::new();
        let mut i = 0;
        while i + 1 < children.len() {
            let first: &dyn Any = children[i].1.as_ref();
            let second: &dyn Any = children[i + 1].1.as_ref();
            match (first.downcast_ref::<Linear>(), second.downcast_ref::<Lif>()) {
                (Some(linear), Some(lif))
                    if linear.precision() == lif.precision() && !lif.has_options() =>
                {
                    pairs.push(LinearLif {
                        at: i,
                        linear: linear.clone(),
                        lif: lif.clone(),
                    });
                    i += 2;
                }
                _ => i += 1,
            }
        }
        Plan { pairs }
    }

    /// The fused pair that starts at child `i`, if any.
    pub fn starting_at(&self, i: usize) -> Option<&LinearLif> {
        let k = self.pairs.binary_search_by_key(&i, |p| p.at).ok()?;
        self.pairs.get(k)
    }
}
