//! Work a sweep computes once: the leading children of a chain (a module that answers
//! [`Module::split_chain`], such as `Sequential`) that no point changes (no swept path, no
//! State), evaluated once on the input for all points, as XLA does for a vmapped sweep.
//! Every point then evolves only the rest of the chain.

use crate::error::Result;
use crate::sweep::Sweep;
use littoral_core::{Array, Evolution, EvolveOptions, Module, ModuleExt, Tree};
use std::sync::Arc;

/// The shared head of a chain and the tail each point evolves.
#[derive(Debug)]
pub(crate) struct SharedPrefix {
    /// Names of the shared children, in order.
    names: Vec<String>,
    /// The head's output `(B, T, N)`: the tail's input at every point.
    output: Array,
    /// The remaining children, under their own names.
    tail: Arc<dyn Module>,
}

/// Children under `names`, as a tree (leaves shared, not copied).
fn branches(tree: &Tree, names: impl IntoIterator<Item = impl AsRef<str>>) -> Tree {
    let mut out = Tree::new();
    for name in names {
        if let Some(b) = tree.branch(name.as_ref()) {
            out.insert_branch(name.as_ref(), b.clone());
        }
    }
    out
}

fn child_names(m: &dyn Module) -> Vec<String> {
    m.children()
        .into_iter()
        .map(|(n, _)| n.to_string())
        .collect()
}

impl SharedPrefix {
    /// Evaluate the shareable head of `module` once, or `None` when nothing can be shared
    /// (not a chain, recording on, the first child is swept or has State, or every child
    /// could be shared).
    ///
    /// # Errors
    /// Evolution errors of the head.
    pub(crate) fn prepare(
        module: &dyn Module,
        params: &Tree,
        sweep: &Sweep,
        input: &Array,
        options: &EvolveOptions,
    ) -> Result<Option<SharedPrefix>> {
        if options.record {
            return Ok(None);
        }
        let children = module.children();
        let swept = |name: &str| {
            let prefix = format!("{name}.");
            sweep.axes.iter().any(|(p, _)| p.starts_with(&prefix))
        };
        let shared = children
            .iter()
            .take_while(|(name, child)| !swept(name) && child.init_state(0).leaf_count() == 0)
            .count();
        let Some((head, tail)) = module.split_chain(shared) else {
            return Ok(None);
        };
        let names = child_names(head.as_ref());
        let output = head
            .evolve_with(&branches(params, &names), &Tree::new(), input, options)?
            .output;
        Ok(Some(SharedPrefix {
            names,
            output,
            tail,
        }))
    }

    /// Evolve one point's tail from the shared head's output. The evolution's state has
    /// the (empty) branches of the shared children first, as a full run's would.
    ///
    /// # Errors
    /// Evolution errors of the tail.
    pub(crate) fn evolve_point(
        &self,
        params: &Tree,
        state: &Tree,
        options: &EvolveOptions,
    ) -> Result<Evolution> {
        let tail_names = child_names(self.tail.as_ref());
        let ev = self.tail.evolve_with(
            &branches(params, &tail_names),
            &branches(state, &tail_names),
            &self.output,
            options,
        )?;
        let mut full_state = Tree::new();
        for name in &self.names {
            full_state.insert_branch(name.as_str(), Tree::new());
        }
        for (name, entry) in ev.state.iter() {
            full_state.insert(name, entry.clone());
        }
        Ok(Evolution::new(ev.output, full_state, ev.record))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::SharedPrefix;
    use crate::sweep::Sweep;
    use littoral_core::{Array, EvolveOptions, ModuleExt};
    use littoral_nets::{Lif, Linear, Sequential};

    /// The Linear stage of `Linear → LIF` is shared when only the LIF is swept, and not
    /// when the Linear weight is (the bits of shared points are checked in
    /// `tests/sweep.rs`).
    #[test]
    fn an_unswept_stateless_head_is_shared() {
        let net = Sequential::new()
            .append(Linear::new(6, 5))
            .unwrap()
            .append(Lif::new(5))
            .unwrap();
        let tree = net.init(9);
        let x = Array::full(vec![2, 30, 6], 0.3);
        let options = EvolveOptions::default();
        let sweep = Sweep::grid().axis("1_LIF.tau_mem", [0.01, 0.03]);
        let shared = SharedPrefix::prepare(&net, &tree, &sweep, &x, &options).unwrap();
        assert!(shared.is_some(), "the Linear stage is shareable");
        let sweep_w = Sweep::grid().axis("0_Linear.weight", [0.1, 0.2]);
        let none = SharedPrefix::prepare(&net, &tree, &sweep_w, &x, &options).unwrap();
        assert!(none.is_none());
        let alone = Lif::new(5);
        let tree = alone.init(0);
        let x = Array::full(vec![2, 30, 5], 0.3);
        assert!(
            SharedPrefix::prepare(&alone, &tree, &sweep, &x, &options)
                .unwrap()
                .is_none(),
            "not a chain"
        );
    }
}
