//! `Stateful`: Rockpool's object feel over the pure core. It holds a module, its tree and
//! a seed; `call` evolves and keeps the new state.

use crate::array::Array;
use crate::error::Result;
use crate::module::{Module, Named};
use crate::module_ext::ModuleExt;
use crate::tree::{Families, Record, Tree, TreeExt, Value};
use std::sync::Arc;

/// A module with its values, used as in Rockpool: `let (out, state, rec) = m.call(&x, true)?`
/// advances the held state. Every method is a thin layer over the pure functions.
///
/// ```
/// use littoral_core::{Array, Stateful, TreeExt};
/// # use littoral_core::doc_support::Toy;
/// let mut m = Stateful::new(Toy, 0);
/// let (out, _state, _rec) = m.call(&Array::from_shape_vec(vec![3, 1], vec![1.0; 3])?, false)?;
/// assert_eq!(out.shape(), &[1, 3, 1]);
/// assert_eq!(m.parameters("weights").leaf_count(), 1);
/// # Ok::<(), littoral_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Stateful {
    module: Arc<dyn Module>,
    tree: Tree,
    seed: u64,
}

impl Stateful {
    /// Initialise `module` from `seed`.
    pub fn new(module: impl Module + 'static, seed: u64) -> Self {
        Stateful::from_arc(Arc::new(module), seed)
    }

    /// Initialise a shared module from `seed`.
    pub fn from_arc(module: Arc<dyn Module>, seed: u64) -> Self {
        let tree = module.init(seed);
        Stateful { module, tree, seed }
    }

    /// Wrap a module with an existing tree (checked).
    ///
    /// # Errors
    /// When the tree's parameters do not fit the module.
    pub fn with_tree(module: Arc<dyn Module>, tree: Tree, seed: u64) -> Result<Self> {
        module.check_params(&tree)?;
        Ok(Stateful { module, tree, seed })
    }

    /// The descriptor.
    pub fn module(&self) -> &Arc<dyn Module> {
        &self.module
    }

    /// The whole tree (all kinds).
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// The seed used for initialisers and resets.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Evolve and keep the new state. Returns output `(B, T, Nout)`, the new state and the
    /// record.
    ///
    /// # Errors
    /// As [`ModuleExt::evolve`].
    pub fn call(
        &mut self,
        input: &Array<f64>,
        record: impl Into<crate::Recording>,
    ) -> Result<(Array<f64>, Tree, Record)> {
        let ev = self.module.evolve(&self.tree, &self.tree, input, record)?;
        self.tree = self.tree.merged(&ev.state);
        Ok((ev.output, ev.state, ev.record))
    }

    /// Rockpool's `parameters(family)`.
    pub fn parameters(&self, families: impl Into<Families>) -> Tree {
        self.tree.parameters(families)
    }

    /// Rockpool's `state(family)`.
    pub fn state(&self, families: impl Into<Families>) -> Tree {
        self.tree.state(families)
    }

    /// Rockpool's `simulation_parameters(family)`.
    pub fn simulation_parameters(&self, families: impl Into<Families>) -> Tree {
        self.tree.simulation_parameters(families)
    }

    /// Rockpool's `attributes_named(name)`.
    pub fn attributes_named(&self, names: &[&str]) -> Tree {
        self.tree.attributes_named(names)
    }

    /// Rockpool's `modules()`.
    pub fn modules(&self) -> Vec<Named<'_>> {
        self.module.modules()
    }

    /// Rockpool's `set_attributes`, checked: unknown paths and wrong shapes are errors and
    /// leave the values unchanged.
    ///
    /// # Errors
    /// As [`ModuleExt::set_attributes`].
    pub fn set_attributes(&mut self, values: &Tree) -> Result<&mut Self> {
        self.tree = self.module.set_attributes(&self.tree, values)?;
        Ok(self)
    }

    /// Set one leaf by dotted path.
    ///
    /// # Errors
    /// As [`ModuleExt::set`].
    pub fn set(&mut self, path: &str, value: impl Into<Value>) -> Result<&mut Self> {
        self.tree = self.module.set(&self.tree, path, value.into())?;
        Ok(self)
    }

    /// Rockpool's `reset_state()`.
    pub fn reset_state(&mut self) -> &mut Self {
        self.tree = self.module.reset_state(&self.tree, self.seed);
        self
    }

    /// Rockpool's `reset_parameters()`: concrete values restore, initialisers redraw from
    /// `seed` (pass the same seed to get the same draw).
    pub fn reset_parameters(&mut self, seed: u64) -> &mut Self {
        self.seed = seed;
        self.tree = self.module.reset_parameters(&self.tree, seed);
        self
    }

    /// Rockpool's `repr`.
    pub fn repr(&self) -> String {
        self.module.repr()
    }
}
