//! The `Module` trait: an immutable, shareable descriptor of structure.

use crate::array::Array;
use crate::array_view::ArrayView;
use crate::error::Result;
use crate::init::Attribute;
use crate::recording::Recording;
use crate::tree::{Record, Tree};
use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// A module option (structure that is not a number): `has_rec`, the activation, a sparse
/// matrix's structure … A structure is lent by the module (`'a`), not copied: the network
/// writer streams it to text and `littoral inspect` counts its synapses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptionValue<'a> {
    /// A flag.
    Bool(bool),
    /// A name.
    Str(String),
    /// A whole number (a buffer length …).
    Count(u64),
    /// The structure of a sparse matrix whose weights are a Parameter.
    Sparse(SparseStructure<'a>),
}

/// The structure of a sparse `(rows, columns)` matrix in compressed sparse rows, without
/// its values: row `i`'s entries are at `indptr[i]..indptr[i + 1]` of `indices`, which
/// holds their columns. The network format writes it as the option
/// `{"indices": […], "indptr": […], "shape": [rows, columns]}`.
///
/// ```
/// use littoral_core::module::SparseStructure;
/// let s = SparseStructure { shape: [2, 4], indptr: &[0, 1, 3], indices: &[2, 0, 3] };
/// assert_eq!((s.nnz(), s.density()), (3, 3.0 / 8.0));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SparseStructure<'a> {
    /// `[rows, columns]`.
    pub shape: [usize; 2],
    /// `rows + 1` offsets into `indices`.
    pub indptr: &'a [usize],
    /// The column of every entry, row by row.
    pub indices: &'a [u32],
}

impl SparseStructure<'_> {
    /// Number of entries (synapses).
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Entries over all `rows × columns` possible ones (0 for an empty shape).
    pub fn density(&self) -> f64 {
        let all = self.shape[0] as f64 * self.shape[1] as f64;
        if all > 0.0 {
            self.nnz() as f64 / all
        } else {
            0.0
        }
    }
}

/// What `evolve` returns: the output `(B, T, Nout)`, the new state (every State leaf with a
/// leading batch axis) and the record (`(B, T, …)` arrays; empty when recording is off).
#[must_use]
#[derive(Clone, Debug, PartialEq)]
pub struct Evolution {
    /// Output, `(B, T, Nout)`.
    pub output: Array<f64>,
    /// New state, batched.
    pub state: Tree,
    /// Recorded internals.
    pub record: Record,
}

impl Evolution {
    /// An evolution result.
    pub fn new(output: Array<f64>, state: Tree, record: Record) -> Self {
        Evolution {
            output,
            state,
            record,
        }
    }
}

/// An immutable module descriptor: sizes, options, attribute specifications and
/// children. Numbers live in trees; [`Module::evolve_batch`] is a pure function of them.
///
/// Implement it for your own network (Rockpool's `Module` subclass): declare attributes
/// with [`Attribute`], list children, and write `evolve_batch`. Initialisation,
/// inspection by kind and family, reset, validation, auto-batching and state replication
/// come from [`crate::ModuleExt`] with no extra code. See `examples/ffwd_net.rs`.
///
/// `evolve_batch` receives validated parameters, a state whose every leaf has the batch
/// axis, and input of shape `(B, T, size_in)`; it must not mutate anything it is given.
pub trait Module: Any + fmt::Debug + Send + Sync {
    /// Rockpool's class name (`"LIF"`).
    fn class_name(&self) -> &str;

    /// Whether this module's output is a population's spike counts (used by summaries to
    /// report firing rates). Spiking neuron modules return `true`.
    fn spiking_output(&self) -> bool {
        false
    }

    /// Rockpool's `shape` tuple; `shape[0]` is the input size, `shape[-1]` the output size.
    fn shape(&self) -> Vec<usize>;

    /// Number of input channels.
    fn size_in(&self) -> usize {
        self.shape().first().copied().unwrap_or(0)
    }

    /// Number of output channels.
    fn size_out(&self) -> usize {
        self.shape().last().copied().unwrap_or(0)
    }

    /// Whether the module expects spikes.
    fn spiking_input(&self) -> bool {
        false
    }

    /// The module's own registered attributes (not its children's).
    fn attributes(&self) -> &[Attribute] {
        &[]
    }

    /// Direct submodules with their names, in order.
    fn children(&self) -> Vec<(&str, &dyn Module)> {
        Vec::new()
    }

    /// Options that select structure or code paths (for the network file format).
    fn options(&self) -> Vec<(&'static str, OptionValue<'_>)> {
        Vec::new()
    }

    /// For a module that applies its children one after another (`Sequential`): the
    /// chain of its first `at` children and the chain of the rest, each child under its
    /// own name, so that evolving the two one after the other is evolving this module.
    /// `None` (the default) for any other module, or when `at` is not inside the chain.
    /// A sweep uses it to compute a shared head of the chain once for every point.
    fn split_chain(&self, at: usize) -> Option<(Arc<dyn Module>, Arc<dyn Module>)> {
        let _ = at;
        None
    }

    /// Evolve a batch. `params` holds this module's Parameters and SimulationParameters
    /// (and its children's, under their names), `state` its batched State, `input` is
    /// `(B, T, size_in)`, borrowed (an [`Array`]'s [`Array::view`], or any row-major buffer
    /// lent as an [`ArrayView`]). Call [`crate::ModuleExt::evolve`] instead: it validates
    /// and batches first.
    ///
    /// # Errors
    /// Whatever the module finds wrong; errors name the path.
    fn evolve_batch(
        &self,
        params: &Tree,
        state: &Tree,
        input: ArrayView<'_>,
        record: Recording,
    ) -> Result<Evolution>;

    /// [`Module::evolve_batch`] of an input the caller gives away (`(B, T, size_in)`): the
    /// same result, bit for bit, but a module whose output has the input's shape may write
    /// it into the input's own buffer (LIF does, and `Sequential` hands each child's output
    /// to the next one this way), which saves allocating, zeroing and faulting in a new
    /// output. Call [`crate::ModuleExt::evolve_owned`] instead: it validates and batches
    /// first.
    ///
    /// The default evolves a view of the input ([`evolve_borrowing`]). An override that
    /// writes into the input must first [`crate::input_check::claim`] the input's check
    /// and scan every element before overwriting it; one that only reads the input ends
    /// with [`evolve_borrowing`] (or [`crate::input_check::settle`]s the check itself).
    ///
    /// # Errors
    /// As [`Module::evolve_batch`].
    fn evolve_batch_owned(
        &self,
        params: &Tree,
        state: &Tree,
        input: Array<f64>,
        record: Recording,
    ) -> Result<Evolution> {
        evolve_borrowing(self, params, state, input, record)
    }
}

/// [`Module::evolve_batch_owned`] by [`Module::evolve_batch`] on a view of the input: the
/// default, and what an override does when it cannot run in place. The input's check, if
/// nobody finished it, is made before the input is dropped
/// ([`crate::input_check::settle`]).
///
/// # Errors
/// As [`Module::evolve_batch`].
pub fn evolve_borrowing<M: Module + ?Sized>(
    module: &M,
    params: &Tree,
    state: &Tree,
    input: Array<f64>,
    record: Recording,
) -> Result<Evolution> {
    let evolution = module.evolve_batch(params, state, input.view(), record);
    crate::input_check::settle(input.data());
    evolution
}

/// A submodule seen from its parent: Rockpool's `name` and `full_name`.
#[derive(Clone, Copy, Debug)]
pub struct Named<'a> {
    /// The attribute name under the parent (`1_LIF`), or `""` at the top.
    pub attr_name: &'a str,
    /// The module.
    pub module: &'a dyn Module,
}

impl Named<'_> {
    /// Rockpool's `name`: `'1_LIF'` with the quotes, or `""` for a top-level module.
    pub fn name(&self) -> String {
        if self.attr_name.is_empty() {
            String::new()
        } else {
            format!("'{}'", self.attr_name)
        }
    }

    /// Rockpool's `full_name`: class name and name (`"LIF '1_LIF'"`, `"LIF "` at the top).
    pub fn full_name(&self) -> String {
        format!("{} {}", self.module.class_name(), self.name())
    }
}

impl Evolution {
    /// A parent's evolution made of one child's: the child's output is the output, its state
    /// and record are nested under `name` (what Rockpool's `new_state.update(name, …)` does).
    pub fn nested(name: &str, child: Evolution) -> Evolution {
        let mut state = Tree::new();
        state.insert_branch(name, child.state);
        let mut record = Record::new();
        if !child.record.is_empty() {
            record.insert_branch(name, child.record);
        }
        Evolution::new(child.output, state, record)
    }

    /// Add a recorded signal (call it only when recording).
    pub fn with_record(mut self, name: &str, signal: Array<f64>) -> Self {
        self.record.insert_leaf(name, signal);
        self
    }
}

/// What [`Module::children`] returns for a module that owns its children as
/// `(name, module)` pairs (a combinator, a graph).
pub fn borrow_children(children: &[(String, Arc<dyn Module>)]) -> Vec<(&str, &dyn Module)> {
    children
        .iter()
        .map(|(n, m)| (n.as_str(), m.as_ref()))
        .collect()
}

/// Visit every module of the tree under `module`, depth first in `init`'s order (a module,
/// then its children in order), with its dotted path (`""` at the top) and its depth
/// (0 at the top). Iterative: linear in the tree whatever its depth. The first error of
/// `visit` stops the walk and is returned.
///
/// ```
/// use littoral_core::doc_support::Toy;
/// use littoral_core::for_each_module;
/// let mut seen = Vec::new();
/// for_each_module(&Toy, |path, depth, m| -> Result<(), ()> {
///     seen.push((path.to_string(), depth, m.class_name().to_string()));
///     Ok(())
/// })
/// .unwrap();
/// assert_eq!(seen, [(String::new(), 0, "Toy".to_string())]);
/// ```
///
/// # Errors
/// The first error `visit` returns.
pub fn for_each_module<'a, E>(
    module: &'a dyn Module,
    mut visit: impl FnMut(&str, usize, &'a dyn Module) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let mut stack: Vec<(String, usize, &'a dyn Module)> = vec![(String::new(), 0, module)];
    while let Some((path, depth, m)) = stack.pop() {
        visit(&path, depth, m)?;
        let children = m.children();
        stack.extend(
            children
                .into_iter()
                .rev()
                .map(|(name, c)| (crate::nested::join_path(&path, name), depth + 1, c)),
        );
    }
    Ok(())
}

/// Evolve a child from inside a parent's `evolve_batch`: picks the child's branches of
/// `params` and `state` and prefixes the child's name to any error path.
///
/// # Errors
/// A missing parameter branch, or the child's own error.
pub fn evolve_child(
    child: &dyn Module,
    name: &str,
    params: &Tree,
    state: &Tree,
    input: ArrayView<'_>,
    record: Recording,
) -> Result<Evolution> {
    in_child(name, params, state, |p, s| {
        child.evolve_batch(p, s, input, record)
    })
}

/// [`evolve_child`] of an input the parent gives away ([`Module::evolve_batch_owned`]).
///
/// # Errors
/// As [`evolve_child`].
pub fn evolve_child_owned(
    child: &dyn Module,
    name: &str,
    params: &Tree,
    state: &Tree,
    input: Array<f64>,
    record: Recording,
) -> Result<Evolution> {
    in_child(name, params, state, |p, s| {
        child.evolve_batch_owned(p, s, input, record)
    })
}

/// `run` on child `name`'s branches of `params` (required) and `state` (empty when
/// absent), with the child's name prefixed to any error path.
fn in_child(
    name: &str,
    params: &Tree,
    state: &Tree,
    run: impl FnOnce(&Tree, &Tree) -> Result<Evolution>,
) -> Result<Evolution> {
    let empty = Tree::new();
    let p = params
        .branch(name)
        .ok_or_else(|| crate::Error::MissingPath {
            path: name.to_string(),
        })?;
    let s = state.branch(name).unwrap_or(&empty);
    run(p, s).map_err(|e| e.within(name))
}
