//! Combinators: `Sequential`, `Residual`, `FFwdStack`.

pub mod ffwd_stack;
pub mod residual;
pub mod sequential;

pub use littoral_core::evolve_child;

use littoral_core::Module;
use std::sync::Arc;

/// The submodules of a combinator's file entry; `modules` is required unless the entry
/// gives the empty chain's shape.
pub(crate) fn entry_children(
    entry: &littoral_core::registry::FileEntry<'_>,
) -> littoral_core::Result<Vec<(String, Arc<dyn Module>)>> {
    if !entry.has("modules") && !entry.has("shape") {
        return Err(littoral_core::Error::invalid(
            entry.at("modules"),
            "missing, or not a list of modules",
        ));
    }
    entry.children()
}

/// Rockpool's shape of a chain: `(first.size_in, last.size_out)`, `(0, 0)` when empty.
/// Each child is asked once: callers compute it when the chain is built and keep it.
pub(crate) fn chain_shape(children: &[(String, Arc<dyn Module>)]) -> [usize; 2] {
    match (children.first(), children.last()) {
        (Some((_, f)), Some((_, l))) => [f.size_in(), l.size_out()],
        _ => [0, 0],
    }
}

/// The `Module` methods a chain's ends and children answer: `shape`, `size_in`,
/// `size_out`, `spiking_input`, `spiking_output` (from the `shape: [usize; 2]` and
/// `spiking: [bool; 2]` computed when the chain is built, so each is O(1)) and
/// `children`, all read from the fields of `self.$chain` (`self` itself when no path is
/// given).
macro_rules! chain_methods {
    ($($chain:ident).*) => {
        fn shape(&self) -> Vec<usize> {
            self$(.$chain)*.shape.to_vec()
        }

        fn size_in(&self) -> usize {
            self$(.$chain)*.shape[0]
        }

        fn size_out(&self) -> usize {
            self$(.$chain)*.shape[1]
        }

        fn spiking_input(&self) -> bool {
            self$(.$chain)*.spiking[0]
        }

        fn spiking_output(&self) -> bool {
            self$(.$chain)*.spiking[1]
        }

        fn children(&self) -> Vec<(&str, &dyn littoral_core::Module)> {
            littoral_core::borrow_children(&self$(.$chain)*.children)
        }
    };
}
use chain_methods;

/// Whether a chain takes spikes (its first child does) and emits spikes (its last does).
/// Computed once when the chain is built, like [`chain_shape`].
pub(crate) fn chain_spiking(children: &[(String, Arc<dyn Module>)]) -> [bool; 2] {
    [
        children.first().is_some_and(|(_, m)| m.spiking_input()),
        children.last().is_some_and(|(_, m)| m.spiking_output()),
    ]
}
