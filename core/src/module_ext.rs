//! What every module gets for free: initialisation, inspection, validation, reset,
//! `set_attributes` and the validating, auto-batching `evolve`.

use crate::array::Array;
use crate::array_view::ArrayView;
use crate::batch::{batch_owned, batch_state_leaf, batch_view};
use crate::error::{Error, Result};
use crate::init::Attribute;
use crate::input_check;
use crate::module::{Evolution, Module, Named};
use crate::nested::{Entry, join_path};
use crate::recording::Recording;
use crate::rng::derive_seed;
use crate::tree::{Kind, Leaf, Tree, Value};
use crate::validate::{Mismatch, Scope, mismatches};

/// Options of [`ModuleExt::evolve_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EvolveOptions {
    /// What to record of the internal signals (`(B, T, …)` arrays).
    pub record: Recording,
    /// Accept NaN and infinite input (rejected by default).
    pub allow_non_finite_input: bool,
}

/// Operations every [`Module`] has, written once over its attributes and children.
pub trait ModuleExt: Module {
    /// The full tree (Parameters, SimulationParameters and per-sample State) drawn from
    /// `seed`: each random leaf draws from `derive_seed(seed, path)`, so adding a module
    /// leaves the others' draws unchanged.
    ///
    /// ```
    /// use littoral_core::{ModuleExt, TreeExt};
    /// # use littoral_core::doc_support::Toy;
    /// let tree = Toy.init(0);
    /// assert!(tree.get("w").is_some());
    /// ```
    fn init(&self, seed: u64) -> Tree {
        init_inner(self.as_dyn(), seed, "", &|_| true)
    }

    /// SimulationParameters only, as [`init`](ModuleExt::init) gives them (children
    /// present), without drawing the other attributes (large weights cost nothing here).
    ///
    /// ```
    /// use littoral_core::{ModuleExt, TreeExt};
    /// # use littoral_core::doc_support::Toy;
    /// let sim = Toy.init_simulation_parameters(0);
    /// assert!(sim.get("w").is_none());
    /// assert_eq!(sim.simulation_parameters(None).len(), Toy.init(0).simulation_parameters(None).len());
    /// ```
    fn init_simulation_parameters(&self, seed: u64) -> Tree {
        init_inner(self.as_dyn(), seed, "", &|k| k == Kind::SimulationParameter)
    }

    /// Parameters and SimulationParameters only (children present, even when empty).
    fn init_params(&self, seed: u64) -> Tree {
        self.init(seed)
            .filter(&mut |_, _, l: &Leaf| l.kind != Kind::State, true)
    }

    /// State only, per sample (no batch axis).
    fn init_state(&self, seed: u64) -> Tree {
        self.init(seed)
            .filter(&mut |_, _, l: &Leaf| l.kind == Kind::State, true)
    }

    /// The direct submodules with their names (Rockpool's `modules()`).
    fn modules(&self) -> Vec<Named<'_>> {
        self.as_dyn()
            .children()
            .into_iter()
            .map(|(attr_name, module)| Named { attr_name, module })
            .collect()
    }

    /// The specification of the attribute at a dotted path.
    fn attribute_at(&self, path: &str) -> Option<Attribute> {
        attribute_at(self.as_dyn(), path)
    }

    /// Check every Parameter and SimulationParameter of `params` against this module:
    /// present, permitted shape, element type, finite; no unknown paths. State leaves in
    /// `params` are ignored.
    ///
    /// # Errors
    /// The first problem found, naming its path (the first of
    /// [`crate::validate::mismatches`] with [`Scope::EVOLVE_PARAMS`]).
    fn check_params(&self, params: &Tree) -> Result<()> {
        match mismatches(self.as_dyn(), params, &Tree::new(), Scope::EVOLVE_PARAMS)
            .into_iter()
            .next()
        {
            Some(m) => Err(m.into_error()),
            None => Ok(()),
        }
    }

    /// Every mismatch between `params` (Parameters and SimulationParameters) and `state`
    /// (State, per sample or batched with one batch size) and this module: missing,
    /// unknown, of another kind, element type or shape. Restoring a snapshot reports them
    /// all; `evolve` reports the first of its own check ([`ModuleExt::check_params`]).
    fn mismatches(&self, params: &Tree, state: &Tree) -> Vec<Mismatch> {
        mismatches(self.as_dyn(), params, state, Scope::RESTORE)
    }

    /// The state for a batch of `batch` samples: batched leaves are checked, per-sample
    /// leaves replicated (one noise key per sample). Non-State leaves are ignored.
    ///
    /// # Errors
    /// Missing or unknown paths, shapes that fit neither form.
    fn batch_state(&self, state: &Tree, batch: usize) -> Result<Tree> {
        batch_state_inner(self.as_dyn(), state, batch)
    }

    /// Evolve `input` (`(T,)`, `(T, Nin)` or `(B, T, Nin)`) from `state`: pure; returns the
    /// output `(B, T, Nout)`, the batched new state and the record. `record` is a
    /// [`Recording`], or a `bool` as Rockpool's (`true`: everything).
    ///
    /// # Errors
    /// Bad input shape or non-finite input, invalid parameters, a state that does not fit.
    fn evolve(
        &self,
        params: &Tree,
        state: &Tree,
        input: &Array<f64>,
        record: impl Into<Recording>,
    ) -> Result<Evolution> {
        self.evolve_with(
            params,
            state,
            input,
            &EvolveOptions {
                record: record.into(),
                ..EvolveOptions::default()
            },
        )
    }

    /// [`ModuleExt::evolve`] with options.
    ///
    /// # Errors
    /// As [`ModuleExt::evolve`].
    fn evolve_with(
        &self,
        params: &Tree,
        state: &Tree,
        input: &Array<f64>,
        options: &EvolveOptions,
    ) -> Result<Evolution> {
        self.evolve_view(params, state, input.view(), options)
    }

    /// [`ModuleExt::evolve_with`] on a borrowed input (any row-major buffer lent as an
    /// [`ArrayView`]): the input is read where it is, never copied unless a value must be
    /// broadcast.
    ///
    /// # Errors
    /// As [`ModuleExt::evolve`].
    fn evolve_view(
        &self,
        params: &Tree,
        state: &Tree,
        input: ArrayView<'_>,
        options: &EvolveOptions,
    ) -> Result<Evolution> {
        let module = self.as_dyn();
        let batched_input = batch_view(input, module.size_in())?;
        let x = batched_input.view();
        let batched = module
            .check_params(params)
            .and_then(|()| module.batch_state(state, x.shape()[0]))
            .map_err(|e| match options.allow_non_finite_input {
                // Non-finite input is reported before any other problem.
                false => input_check::non_finite_input(x).unwrap_or(e),
                true => e,
            })?;
        if options.allow_non_finite_input {
            return module.evolve_batch(params, &batched, x, options.record);
        }
        // The input is checked once: by the kernel that streams it, or by one scan.
        input_check::evolve_checked(x, || {
            module.evolve_batch(params, &batched, x, options.record)
        })
    }

    /// [`ModuleExt::evolve_with`] of an input the caller gives away: the same result, bit
    /// for bit, but the output may be written into the input's own buffer (a LIF layer's
    /// output has its input's shape), which saves a new output's allocation and its page
    /// faults. What a program that no longer needs its input calls (`littoral simulate`).
    ///
    /// ```
    /// use littoral_core::{Array, EvolveOptions, ModuleExt};
    /// # use littoral_core::doc_support::Toy;
    /// let tree = Toy.init(0);
    /// let x = Array::full(vec![2, 4, 1], 0.5);
    /// let borrowed = Toy.evolve(&tree, &tree, &x, false)?;
    /// let owned = Toy.evolve_owned(&tree, &tree, x, &EvolveOptions::default())?;
    /// assert!(owned.output.bits_eq(&borrowed.output));
    /// # Ok::<(), littoral_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`ModuleExt::evolve`].
    fn evolve_owned(
        &self,
        params: &Tree,
        state: &Tree,
        input: Array<f64>,
        options: &EvolveOptions,
    ) -> Result<Evolution> {
        let module = self.as_dyn();
        let x = batch_owned(input, module.size_in())?;
        let batched = module
            .check_params(params)
            .and_then(|()| module.batch_state(state, x.shape()[0]))
            .map_err(|e| match options.allow_non_finite_input {
                // Non-finite input is reported before any other problem.
                false => input_check::non_finite_input(x.view()).unwrap_or(e),
                true => e,
            })?;
        let record = options.record;
        if options.allow_non_finite_input {
            return module.evolve_batch_owned(params, &batched, x, record);
        }
        // Checked by the kernel that reads it (before overwriting it), or by one scan.
        input_check::evolve_checked_owned(x, |x| {
            module.evolve_batch_owned(params, &batched, x, record)
        })
    }

    /// A copy of `tree` with the leaves of `values` (any kinds) put in: each path must exist
    /// in this module, each shape be permitted and each number finite. Unlike Rockpool,
    /// an unknown path is an error.
    ///
    /// # Errors
    /// [`Error::UnknownPath`], [`Error::Shape`], [`Error::NonFinite`] naming the path.
    fn set_attributes(&self, tree: &Tree, values: &Tree) -> Result<Tree> {
        let mut out = tree.clone();
        for (path, leaf) in values.leaves() {
            out = self.set(&out, &path, leaf.value.clone())?;
        }
        Ok(out)
    }

    /// A copy of `tree` with one leaf replaced (kind and family kept).
    ///
    /// # Errors
    /// As [`ModuleExt::set_attributes`].
    fn set(&self, tree: &Tree, path: &str, value: Value) -> Result<Tree> {
        let attr = self.attribute_at(path).ok_or_else(|| Error::UnknownPath {
            path: path.to_string(),
        })?;
        check_value(&attr, path, &value)?;
        let mut out = tree.clone();
        let leaf = Leaf {
            kind: attr.kind,
            family: attr.family.clone(),
            value,
        };
        match out.get_mut(path) {
            Some(l) => *l = leaf,
            None => out.insert_path(path, leaf),
        }
        Ok(out)
    }

    /// A copy of `tree` with every State leaf back at its initial value (per sample).
    fn reset_state(&self, tree: &Tree, seed: u64) -> Tree {
        reset_kind(self.as_dyn(), tree, seed, Kind::State)
    }

    /// A copy of `tree` with every Parameter back at its initial value: concrete values
    /// are restored, initialisers redraw from `seed`. SimulationParameters are kept.
    fn reset_parameters(&self, tree: &Tree, seed: u64) -> Tree {
        reset_kind(self.as_dyn(), tree, seed, Kind::Parameter)
    }

    /// Rockpool's `repr`: `Sequential  with shape (2, 3) { … }`.
    fn repr(&self) -> String {
        let mut s = String::new();
        repr_inner(self.as_dyn(), "", 0, &mut s);
        s
    }

    /// Rockpool's `full_name` of a top-level module (`"LIF "`).
    fn full_name(&self) -> String {
        format!("{} ", self.class_name())
    }

    /// This module as a trait object.
    fn as_dyn(&self) -> &dyn Module;
}

impl<M: Module> ModuleExt for M {
    fn as_dyn(&self) -> &dyn Module {
        self
    }
}

impl ModuleExt for dyn Module + '_ {
    fn as_dyn(&self) -> &dyn Module {
        self
    }
}

/// The initial values of `m`'s attributes whose kind `keep` accepts, every child's too.
fn init_inner(m: &dyn Module, seed: u64, prefix: &str, keep: &dyn Fn(Kind) -> bool) -> Tree {
    let mut tree = Tree::new();
    for a in m.attributes().iter().filter(|a| keep(a.kind)) {
        let path = join_path(prefix, &a.name);
        let value = a.initial_value(derive_seed(seed, &path));
        tree.insert_leaf(
            a.name.clone(),
            Leaf {
                kind: a.kind,
                family: a.family.clone(),
                value,
            },
        );
    }
    for (name, child) in m.children() {
        tree.insert_branch(
            name,
            init_inner(child, seed, &join_path(prefix, name), keep),
        );
    }
    tree
}

fn attribute_at(m: &dyn Module, path: &str) -> Option<Attribute> {
    match path.split_once('.') {
        None => m.attributes().iter().find(|a| a.name == path).cloned(),
        Some((head, tail)) => m
            .children()
            .into_iter()
            .find(|(n, _)| *n == head)
            .and_then(|(_, c)| attribute_at(c, tail)),
    }
}

fn check_value(attr: &Attribute, path: &str, value: &Value) -> Result<()> {
    let expected = if attr.integer { "u64" } else { "f64" };
    if value.dtype() != expected {
        return Err(Error::Kind {
            path: path.to_string(),
            expected: format!("{expected} array"),
            found: format!("{} array", value.dtype()),
        });
    }
    if !attr.permits(value.shape()) {
        let mut shapes = attr.shapes.clone();
        if attr.kind == Kind::State {
            let mut b = vec![0];
            b.extend_from_slice(&attr.shapes[0]);
            shapes.push(b);
        }
        return Err(Error::shape(path, &shapes, value.shape()));
    }
    if let Some((index, v)) = value.as_f64().and_then(|a| a.first_non_finite()) {
        return Err(Error::NonFinite {
            path: path.to_string(),
            index,
            value: v,
        });
    }
    if attr.kind != Kind::State
        && let Some((index, v)) = value
            .as_f64()
            .and_then(|a| attr.domain.first_outside(a.data()))
    {
        return Err(Error::invalid(
            path,
            crate::init::domain_message(attr.domain, index, v),
        ));
    }
    Ok(())
}

/// Reject names in `tree` (of the kinds selected by `is_kind`) that the module lacks.
fn check_unknown(m: &dyn Module, tree: &Tree, is_kind: &dyn Fn(Kind) -> bool) -> Result<()> {
    let children: std::collections::HashSet<&str> =
        m.children().into_iter().map(|(n, _)| n).collect();
    for (name, entry) in tree.iter() {
        let known = match entry {
            Entry::Leaf(l) => !is_kind(l.kind) || m.attributes().iter().any(|a| a.name == name),
            Entry::Branch(_) => children.contains(name),
        };
        if !known {
            return Err(Error::UnknownPath {
                path: name.to_string(),
            });
        }
    }
    Ok(())
}

fn leaf_of<'t>(tree: &'t Tree, name: &str) -> Result<&'t Leaf> {
    match tree.entry(name) {
        Some(Entry::Leaf(l)) => Ok(l),
        _ => Err(Error::MissingPath {
            path: name.to_string(),
        }),
    }
}

fn batch_state_inner(m: &dyn Module, state: &Tree, batch: usize) -> Result<Tree> {
    check_unknown(m, state, &|k| k == Kind::State)?;
    let mut out = Tree::new();
    for a in m.attributes().iter().filter(|a| a.kind == Kind::State) {
        let leaf = leaf_of(state, &a.name)?;
        if leaf.kind != Kind::State {
            return Err(Error::Kind {
                path: a.name.clone(),
                expected: "State".into(),
                found: leaf.kind.to_string(),
            });
        }
        let expected = if a.integer { "u64" } else { "f64" };
        if leaf.value.dtype() != expected {
            return Err(Error::Kind {
                path: a.name.clone(),
                expected: format!("{expected} array"),
                found: format!("{} array", leaf.value.dtype()),
            });
        }
        out.insert_leaf(a.name.clone(), batch_state_leaf(a, leaf, batch)?);
    }
    for (name, child) in m.children() {
        let empty = Tree::new();
        let sub = state.branch(name).unwrap_or(&empty);
        out.insert_branch(
            name,
            batch_state_inner(child, sub, batch).map_err(|e| e.within(name))?,
        );
    }
    Ok(out)
}

fn reset_kind(m: &dyn Module, tree: &Tree, seed: u64, kind: Kind) -> Tree {
    let fresh = m.init(seed);
    let mut out = tree.clone();
    for (path, leaf) in fresh.leaves() {
        if leaf.kind == kind {
            match out.get_mut(&path) {
                Some(l) => *l = leaf.clone(),
                None => out.insert_path(&path, leaf.clone()),
            }
        }
    }
    out
}

fn repr_inner(m: &dyn Module, attr_name: &str, indent: usize, out: &mut String) {
    let named = Named {
        attr_name,
        module: m,
    };
    out.push_str(&" ".repeat(indent));
    out.push_str(&format!(
        "{} with shape {}",
        named.full_name(),
        python_tuple(&m.shape())
    ));
    let children = m.children();
    if !children.is_empty() {
        out.push_str(" {");
        for (name, child) in children {
            out.push('\n');
            repr_inner(child, name, indent + 4, out);
        }
        out.push('\n');
        out.push_str(&" ".repeat(indent));
        out.push('}');
    }
}

fn python_tuple(shape: &[usize]) -> String {
    crate::array::format_shape(shape)
}
