//! `FFwdStack`: modules joined by weight matrices.

use super::evolve_child;
use super::sequential::check_name;
use crate::matmul::matmul;
use littoral_core::registry::{ModuleClass, relabel};
use littoral_core::{
    Array, ArrayView, Attribute, Error, Evolution, Init, InitValue, Initialiser, Module, Record,
    Recording, Result, Tree, TreeExt,
};
use std::sync::Arc;

/// Rockpool's `FFwdStack`: `x → m0 → x·W01 → m1 → … → m_last`, with Parameters
/// `"{n}_{n+1}_weight"` of shape `(m_n.size_out, m_{n+1}.size_in)`, family "weights",
/// initialised to zeros unless given. The record has each child's record and
/// `"{name}_output"` for every child except the last.
///
/// ```
/// use littoral_core::{Array, ModuleExt};
/// use littoral_nets::{FFwdStack, Lif};
/// use std::sync::Arc;
/// let stack = FFwdStack::new(vec![Arc::new(Lif::new(2)) as _, Arc::new(Lif::new(3)) as _])?
///     .with_weight(0, Array::full(vec![2, 3], 2.0))?;
/// let tree = stack.init(0);
/// let ev = stack.evolve(&tree, &tree, &Array::full(vec![2, 2], 2.0), false)?;
/// assert_eq!(ev.output.shape(), &[1, 2, 3]);
/// # Ok::<(), littoral_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct FFwdStack {
    children: Vec<(String, Arc<dyn Module>)>,
    attrs: Vec<Attribute>,
    /// `(first.size_in, last.size_out)`, computed once (see `Sequential`).
    shape: [usize; 2],
    /// `(first.spiking_input, last.spiking_output)`, computed once.
    spiking: [bool; 2],
}

impl FFwdStack {
    /// A stack of at least two modules, weights initialised to zeros.
    ///
    /// # Errors
    /// Fewer than two modules.
    pub fn new(modules: Vec<Arc<dyn Module>>) -> Result<Self> {
        let named = modules
            .into_iter()
            .enumerate()
            .map(|(i, m)| (format!("{i}_{}", m.class_name()), m))
            .collect();
        FFwdStack::from_named(named)
    }

    /// A stack of named modules.
    ///
    /// # Errors
    /// Fewer than two modules, or a bad or duplicate name.
    pub fn from_named(children: Vec<(String, Arc<dyn Module>)>) -> Result<Self> {
        if children.len() < 2 {
            return Err(Error::invalid(
                "modules",
                "FFwdStack expects at least two modules to combine",
            ));
        }
        let mut names = std::collections::HashSet::new();
        for (name, _) in &children {
            check_name(name, names.get(name.as_str()).copied().into_iter())?;
            names.insert(name.as_str());
        }
        let attrs = children
            .windows(2)
            .enumerate()
            .map(|(n, pair)| {
                Attribute::parameter(
                    &format!("{}_{}_weight", n, n + 1),
                    "weights",
                    vec![vec![pair[0].1.size_out(), pair[1].1.size_in()]],
                    Init::Random(Initialiser::Zeros),
                )
            })
            .collect();
        let shape = super::chain_shape(&children);
        let spiking = super::chain_spiking(&children);
        Ok(FFwdStack {
            children,
            attrs,
            shape,
            spiking,
        })
    }

    /// Set the weight between module `n` and `n + 1` (`"{n}_{n+1}_weight"`).
    ///
    /// # Errors
    /// No such weight, or a wrong shape.
    pub fn with_weight(self, n: usize, v: impl Into<InitValue>) -> Result<Self> {
        self.with(&format!("{}_{}_weight", n, n + 1), v.into())
    }

    /// Set the initialiser of every weight (Rockpool's `weight_init_func`).
    #[must_use]
    pub fn with_weight_init(mut self, init: Initialiser) -> Self {
        for a in &mut self.attrs {
            a.init = Init::Random(init);
        }
        self
    }

    /// Any attribute by name.
    ///
    /// # Errors
    /// An unknown name or a wrong shape.
    pub fn with(mut self, name: &str, v: InitValue) -> Result<Self> {
        crate::builder::replace_attribute(&mut self.attrs, name, v)?;
        Ok(self)
    }

    /// The named children.
    pub fn named_children(&self) -> &[(String, Arc<dyn Module>)] {
        &self.children
    }
}

impl FFwdStack {
    /// How `FFwdStack` is read from a network file: its `modules` and weights, no options.
    pub const CLASS: ModuleClass = ModuleClass::new("FFwdStack", &[], |entry| {
        let stack = FFwdStack::from_named(super::entry_children(entry)?)
            .map_err(|e| relabel(e, &entry.at("modules")))?;
        entry.shape_is(&stack.shape())?;
        Ok(Arc::new(entry.apply_values(stack, FFwdStack::with)?))
    });
}

impl Module for FFwdStack {
    fn class_name(&self) -> &str {
        "FFwdStack"
    }

    super::chain_methods!();

    fn attributes(&self) -> &[Attribute] {
        &self.attrs
    }

    fn evolve_batch(
        &self,
        params: &Tree,
        state: &Tree,
        input: ArrayView<'_>,
        record: Recording,
    ) -> Result<Evolution> {
        let (b, t) = (input.shape()[0], input.shape()[1]);
        let mut new_state = Tree::new();
        let mut rec = Record::new();
        // The input is borrowed: each child reads the previous stage's output.
        let mut owned: Option<Array> = None;
        let last = self.children.len() - 1;
        for (i, (name, child)) in self.children.iter().enumerate() {
            let x = owned.as_ref().map_or(input, Array::view);
            let ev = evolve_child(child.as_ref(), name, params, state, x, record)?;
            new_state.insert_branch(name.clone(), ev.state);
            record.keep_child_record(&mut rec, name, ev.record);
            if i == last {
                owned = Some(ev.output);
            } else {
                record.keep_child_output(&mut rec, name, child.as_ref(), &ev.output);
                let w = params.array(&self.attrs[i].name)?;
                let y = matmul(ev.output.data(), b * t, w)
                    .map_err(|e| e.within(&self.attrs[i].name))?;
                owned = Some(Array::from_shape_vec(vec![b, t, w.shape()[1]], y)?);
            }
        }
        let output = owned.unwrap_or_else(|| input.to_owned());
        Ok(Evolution::new(output, new_state, rec))
    }
}
