//! Work a sweep computes once: the leading children of a `Sequential` that no point
//! changes (no swept path, no State), evaluated once on the input for all points, as XLA
//! does for a vmapped sweep. Every point then evolves only the rest of the chain.

use crate::error::Result;
use crate::sweep::Sweep;
use littoral_core::{Array, Evolution, EvolveOptions, Module, ModuleExt, Tree};
use littoral_nets::Sequential;
use std::sync::Arc;

/// The shared head of a chain and the tail each point evolves.
#[derive(Debug)]
pub struct SharedPrefix {
    /// Names of the shared children, in order.
    names: Vec<String>,
    /// The head's output `(B, T, N)`: the tail's input at every point.
    output: Array,
    /// The remaining children, under their own names.
    tail: Sequential,
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

impl SharedPrefix {
    /// Evaluate the shareable head of `module` once, or `None` when nothing can be shared
    /// (not a `Sequential`, recording on, the first child is swept or has State, or every
    /// child could be shared).
    ///
    /// # Errors
    /// Evolution errors of the head.
    pub fn prepare(
        module: &dyn Module,
        params: &Tree,
        sweep: &Sweep,
        input: &Array,
        options: &EvolveOptions,
    ) -> Result<Option<SharedPrefix>> {
        let Some(seq) = module.as_any().and_then(|a| a.downcast_ref::<Sequential>()) else {
            return Ok(None);
        };
        if options.record {
            return Ok(None);
        }
        let children = seq.named_children();
        let swept = |name: &str| {
            let prefix = format!("{name}.");
            sweep.axes.iter().any(|(p, _)| p.starts_with(&prefix))
        };
        let shared = children
            .iter()
            .take_while(|(name, child)| !swept(name) && child.init_state(0).leaf_count() == 0)
            .count();
        if shared == 0 || shared == children.len() {
            return Ok(None);
        }
        let chain = |part: &[(String, Arc<dyn Module>)]| {
            part.iter().try_fold(Sequential::new(), |s, (name, child)| {
                s.append_named(child.clone(), Some(name))
            })
        };
        let head = chain(&children[..shared])?;
        let tail = chain(&children[shared..])?;
        let names: Vec<String> = children[..shared].iter().map(|(n, _)| n.clone()).collect();
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
    pub fn evolve_point(
        &self,
        params: &Tree,
        state: &Tree,
        options: &EvolveOptions,
    ) -> Result<Evolution> {
        let tail_names: Vec<&str> = self
            .tail
            .named_children()
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
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
