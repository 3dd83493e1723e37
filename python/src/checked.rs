//! The parameters a pure `evolve` last checked, to skip checking the same values again.
//!
//! `littoral.evolve(module, params, state, x)` is usually called again and again with the
//! same `params`. The library's parameter check (names, kinds, shapes, element types,
//! finiteness: `ModuleExt::check_params`) depends on nothing but the module and the
//! values, so values bit-equal to ones that passed pass again: such a call skips the check.
//! Any difference (a value, a shape, a name, the order of the dict) checks as before, so
//! bad parameters raise the same error as ever.

use littoral_core::{Entry, Tree};
use std::sync::Mutex;

/// The last parameters that passed the check (of one engine, whose module never changes).
#[derive(Debug, Default)]
pub struct LastChecked(Mutex<Option<Tree>>);

impl LastChecked {
    /// Whether `params` are bit for bit the last parameters that passed the check.
    pub fn holds(&self, params: &Tree) -> bool {
        // Busy (another thread's call): check as usual.
        self.0
            .try_lock()
            .is_ok_and(|last| last.as_ref().is_some_and(|l| same_bits(l, params)))
    }

    /// Keep `params`, which just passed the check (the leaves are shared, not copied).
    pub fn remember(&self, params: &Tree) {
        if let Ok(mut last) = self.0.try_lock() {
            *last = Some(params.clone());
        }
    }
}

/// The same names in the same order, with the same kinds, families, shapes and bits.
fn same_bits(a: &Tree, b: &Tree) -> bool {
    a.len() == b.len()
        && a.iter().zip(b.iter()).all(|((na, ea), (nb, eb))| {
            na == nb
                && match (ea, eb) {
                    (Entry::Leaf(x), Entry::Leaf(y)) => {
                        x.kind == y.kind && x.family == y.family && x.value.bits_eq(&y.value)
                    }
                    (Entry::Branch(x), Entry::Branch(y)) => same_bits(x, y),
                    _ => false,
                }
        })
}
