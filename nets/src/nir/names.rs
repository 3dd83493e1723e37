//! NIR node names with dots (`lif1.lif`, as the braille RNN's exporter writes them) are
//! nested in Littoral's trees: `lif1.lif.tau_mem` is the parameter `tau_mem` of node
//! `lif1.lif`, so nodes sharing a first part are grouped under it.

use std::sync::Arc;

use littoral_core::{ArrayView, Entry, Error, Evolution, Module, Nested, Result, Tree};

use super::error::NirError;

/// The nodes whose names share a first part (`lif1.lif`, `lif1.w_rec`), as one child of
/// the graph's module tree (class `NIRNames`). It holds no parameters of its own and is
/// never run alone: its graph runs its nodes.
#[derive(Debug)]
pub struct NameGroup {
    children: Vec<(String, Arc<dyn Module>)>,
}

impl Module for NameGroup {
    fn class_name(&self) -> &str {
        "NIRNames"
    }

    fn shape(&self) -> Vec<usize> {
        vec![0, 0]
    }

    fn children(&self) -> Vec<(&str, &dyn Module)> {
        littoral_core::borrow_children(&self.children)
    }

    fn evolve_batch(
        &self,
        _params: &Tree,
        _state: &Tree,
        _input: ArrayView<'_>,
        _record: littoral_core::Recording,
    ) -> Result<Evolution> {
        Err(Error::invalid(
            "",
            "a group of dotted NIR node names is run by its graph, not alone",
        ))
    }
}

/// Named modules.
pub(crate) type Named = Vec<(String, Arc<dyn Module>)>;

/// A first name part: the node of that name, or the nodes under it.
type Slot = (String, Option<Arc<dyn Module>>, Named);

/// Group `(name, module)` entries by the first part of dotted names, recursively, in
/// order of first appearance.
///
/// # Errors
/// A name that is both a node and the first part of another (`a` and `a.b`).
pub(crate) fn group(entries: Named) -> std::result::Result<Named, NirError> {
    let mut out: Vec<Slot> = Vec::new();
    for (name, module) in entries {
        let (head, tail) = match name.split_once('.') {
            Some((h, t)) => (h.to_string(), Some(t.to_string())),
            None => (name.clone(), None),
        };
        let slot = match out.iter().position(|(h, _, _)| *h == head) {
            Some(i) => i,
            None => {
                out.push((head.clone(), None, Vec::new()));
                out.len() - 1
            }
        };
        let entry = &mut out[slot];
        match tail {
            None if entry.1.is_none() && entry.2.is_empty() => entry.1 = Some(module),
            Some(t) if entry.1.is_none() => entry.2.push((t, module)),
            _ => {
                return Err(NirError::at(
                    &name,
                    format!(
                        "the name {head:?} is both a node and the first part of a dotted node name"
                    ),
                ));
            }
        }
    }
    out.into_iter()
        .map(|(head, leaf, members)| match leaf {
            Some(m) => Ok((head, m)),
            None => {
                let children = group(members).map_err(|e| e.within(&head))?;
                Ok((head, Arc::new(NameGroup { children }) as Arc<dyn Module>))
            }
        })
        .collect()
}

/// Insert `branch` at a dotted path, creating the branches on the way.
pub(crate) fn insert_nested<T>(tree: &mut Nested<T>, path: &str, branch: Nested<T>) {
    match path.split_once('.') {
        None => tree.insert_branch(path, branch),
        Some((head, tail)) => {
            let mut sub = match tree.remove(head) {
                Some(Entry::Branch(b)) => b,
                _ => Nested::new(),
            };
            insert_nested(&mut sub, tail, branch);
            tree.insert_branch(head, sub);
        }
    }
}
