//! `Sequential`: modules applied one after another.

use crate::builder::result_setters;
use crate::fused::Plan;
use littoral_core::registry::{FileEntry, ModuleClass, relabel};
use littoral_core::{Array, ArrayView, Error, Evolution, Module, Record, Recording, Result, Tree};
use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

/// Rockpool's `Sequential`: children named `"{i}_{Class}"` (or by you), each child's
/// output feeding the next. The record holds each child's record under its name and its
/// output under `"{name}_output"`.
///
/// ```
/// use littoral_core::{Array, ModuleExt};
/// use littoral_nets::{Lif, Sequential};
/// let net = Sequential::new().append(Lif::new(2))?.append(Lif::new(2))?;
/// assert_eq!(net.repr(), "Sequential  with shape (2, 2) {\n    LIF '0_LIF' with shape (2, 2)\n    LIF '1_LIF' with shape (2, 2)\n}");
/// let tree = net.init(0);
/// let ev = net.evolve(&tree, &tree, &Array::full(vec![3, 2], 2.0), true)?;
/// assert!(ev.record.get("0_LIF_output").is_some());
/// # Ok::<(), littoral_core::Error>(())
/// ```
///
/// Every structure query is O(1) and every append amortised O(1), whatever the depth or
/// length of the chain: the shape is computed once when a child is added (asking each
/// child for its shape again at every level would double the work per nesting level),
/// the names are kept in a set, and the fusion plan is made once, at the first `evolve`.
#[derive(Clone, Debug, Default)]
pub struct Sequential {
    pub(super) children: Vec<(String, Arc<dyn Module>)>,
    /// The children's names, to refuse a duplicate in O(1).
    names: HashSet<String>,
    /// `(first.size_in, last.size_out)`, `(0, 0)` when empty.
    pub(super) shape: [usize; 2],
    /// `(first.spiking_input, last.spiking_output)`, `(false, false)` when empty.
    pub(super) spiking: [bool; 2],
    /// The fused pairs of `children`, planned at the first `evolve`.
    plan: OnceLock<Plan>,
}

impl Sequential {
    /// An empty `Sequential` (shape `(0, 0)`).
    pub fn new() -> Self {
        Sequential::default()
    }

    /// A `Sequential` of shared modules, named `"{i}_{Class}"`.
    ///
    /// # Errors
    /// When one module's output size differs from the next one's input size.
    pub fn from_modules(modules: impl IntoIterator<Item = Arc<dyn Module>>) -> Result<Self> {
        modules
            .into_iter()
            .try_fold(Sequential::new(), |s, m| s.append_named(m, None))
    }

    /// Append a module, named `"{i}_{Class}"`.
    ///
    /// # Errors
    /// A size mismatch with the last module.
    pub fn append(self, module: impl Module + 'static) -> Result<Self> {
        self.append_named(Arc::new(module), None)
    }

    /// Append a shared module under a name (default `"{i}_{Class}"`).
    ///
    /// # Errors
    /// A size mismatch with the last module, a duplicate name, or a name with a `.`.
    pub fn append_named(mut self, module: Arc<dyn Module>, name: Option<&str>) -> Result<Self> {
        let i = self.children.len();
        let name = name.map_or_else(|| format!("{i}_{}", module.class_name()), str::to_string);
        check_name(&name, self.names.get(&name).map(String::as_str).into_iter())?;
        let [size_in, size_out] = [module.size_in(), module.size_out()];
        if let Some((_, last)) = self.children.last()
            && self.shape[1] != size_in
        {
            return Err(Error::invalid(
                name,
                format!(
                    "The output of submodule {} ({}) does not match the input shape of submodule {} ({}): {} ≠ {}",
                    i - 1,
                    last.class_name(),
                    i,
                    module.class_name(),
                    self.shape[1],
                    size_in
                ),
            ));
        }
        if self.children.is_empty() {
            self.shape[0] = size_in;
            self.spiking[0] = module.spiking_input();
        }
        self.shape[1] = size_out;
        self.spiking[1] = module.spiking_output();
        self.names.insert(name.clone());
        self.children.push((name, module));
        self.plan = OnceLock::new();
        Ok(self)
    }

    /// Number of children.
    pub fn len(&self) -> usize {
        self.children.len()
    }

    /// True when there is no child.
    pub fn is_empty(&self) -> bool {
        self.children.is_empty()
    }

    /// The child at a position; negative positions count from the end (Rockpool's `seq[-1]`).
    pub fn at(&self, index: isize) -> Option<&Arc<dyn Module>> {
        let len = self.children.len() as isize;
        let i = if index < 0 { len + index } else { index };
        usize::try_from(i)
            .ok()
            .and_then(|i| self.children.get(i))
            .map(|(_, m)| m)
    }

    /// The child with a name (Rockpool's `seq["1_LIF"]`).
    pub fn by_name(&self, name: &str) -> Option<&Arc<dyn Module>> {
        self.children
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, m)| m)
    }

    /// The named children.
    pub fn named_children(&self) -> &[(String, Arc<dyn Module>)] {
        &self.children
    }
}

impl Sequential {
    /// How `Sequential` is read from a network file: its `modules`, no options.
    pub const CLASS: ModuleClass = ModuleClass::new("Sequential", &[], |entry| {
        Ok(Arc::new(Sequential::from_entry(entry)?))
    });

    /// The chain listed under an entry's `modules` (shared with `Residual`).
    pub(crate) fn from_entry(entry: &FileEntry<'_>) -> Result<Self> {
        // A chain has no values of its own: any listed is a mistake, not ignored.
        entry.no_values()?;
        let children = super::entry_children(entry)?;
        let seq =
            children
                .into_iter()
                .enumerate()
                .try_fold(Sequential::new(), |s, (i, (name, m))| {
                    s.append_named(m, Some(&name))
                        .map_err(|e| relabel(e, &entry.child_path(i)))
                })?;
        entry.shape_is(&seq.shape())?;
        Ok(seq)
    }

    /// [`evolve_chain`] over this chain's children, with its plan of fused pairs.
    fn chain(
        &self,
        params: &Tree,
        state: &Tree,
        input: ChainInput<'_>,
        record: Recording,
    ) -> Result<Evolution> {
        let dims = match &input {
            ChainInput::Borrowed(v) => v.shape(),
            ChainInput::Owned(a) => a.shape(),
        };
        // A batched input is `(B, T, N)`; anything else goes whole, to be refused there.
        let (b, t) = match dims {
            [b, t, _] => (*b, *t),
            _ => (0, 0),
        };
        let k = self.block_steps(record, b);
        // Blocks pay for themselves only over runs several blocks long (a sweep point's
        // one-sample block of 1000 steps, cut in two, was slower: record of the
        // thirty-eighth round).
        if record.everything() || t < k.saturating_mul(MIN_BLOCKS) {
            return evolve_chain(&self.children, self.plan(), params, state, input, record);
        }
        self.chain_in_blocks(params, state, input, record, k)
    }

    /// The chain's plan of fused pairs, made on first use.
    fn plan(&self) -> &Plan {
        self.plan.get_or_init(|| Plan::of(&self.children))
    }

    /// Steps in a time block of a chain of `b` samples: its input and every child's output
    /// within [`crate::time_blocks::BLOCK_VALUES`]; `usize::MAX` (one block) for a chain of
    /// one child, which leaves no output between children to keep in cache, and for a chain
    /// with a fused pair that runs under `record`, which writes its output into its input and
    /// ran slower in blocks (record of the thirty-eighth round: a `Linear → LIF → Linear →
    /// LIF` of fused pairs, B = 32 × 1000 steps, 0.54 s whole against 0.73 s in blocks on one
    /// thread; with `LIF`s that do not fuse, 0.71 s whole against 0.55 s).
    fn block_steps(&self, record: Recording, b: usize) -> usize {
        let plan = self.plan();
        let fused = |(i, (_, child)): (usize, &(String, Arc<dyn Module>))| {
            fuses(record, child.as_ref()) && plan.starting_at(i).is_some()
        };
        if self.children.len() < 2 || self.children.iter().enumerate().any(fused) {
            return usize::MAX;
        }
        let values = self
            .children
            .iter()
            .map(|(_, child)| child.size_out())
            .fold(self.size_in(), usize::saturating_add);
        crate::time_blocks::block_steps(values.saturating_mul(b))
    }

    /// [`evolve_chain`] in time blocks of `k` steps ([`crate::time_blocks`]): each pass's
    /// output is read by the next while in cache, and the memory one block's passes free
    /// serves the next block's. The run's output is the input's own buffer when the input was
    /// given away and has the output's width (each block's input is copied out before its
    /// output is written over it), else one new array. An input given away is checked for
    /// NaN and infinities first (its blocks are copies, which no kernel can check for it).
    fn chain_in_blocks(
        &self,
        params: &Tree,
        state: &Tree,
        input: ChainInput<'_>,
        record: Recording,
        k: usize,
    ) -> Result<Evolution> {
        let (children, plan, size_out) = (&self.children, self.plan(), self.size_out());
        let chain = |state: &Tree, x: Array| {
            evolve_chain(children, plan, params, state, ChainInput::Owned(x), record)
        };
        if let ChainInput::Owned(a) = &input {
            littoral_core::input_check::settle(a.data());
        }
        match input {
            ChainInput::Owned(a) if a.shape().get(2) == Some(&size_out) => {
                crate::time_blocks::evolve_in_blocks(state, a, k, record, |state, steps, buffer| {
                    chain(state, buffer.view().slice_axis1(steps.start, steps.end)?)
                })
            }
            input => {
                let x = match &input {
                    ChainInput::Borrowed(v) => *v,
                    ChainInput::Owned(a) => a.view(),
                };
                let [b, t, _] = *x.shape() else {
                    return Err(Error::shape("input", &[vec![0, 0, 0]], x.shape()));
                };
                let output = Array::zeros(vec![b, t, size_out]);
                crate::time_blocks::evolve_in_blocks(state, output, k, record, |state, steps, _| {
                    chain(state, x.slice_axis1(steps.start, steps.end)?)
                })
            }
        }
    }
}

/// The fewest time blocks a chain is cut into: a run shorter than this many blocks goes
/// whole.
const MIN_BLOCKS: usize = 4;

/// Reject a name with a dot or one already taken.
///
/// # Errors
/// As described.
pub fn check_name<'a>(name: &str, mut taken: impl Iterator<Item = &'a str>) -> Result<()> {
    if name.is_empty() || name.contains('.') {
        return Err(Error::invalid(
            name,
            "a submodule name must be non-empty and contain no '.'",
        ));
    }
    if taken.any(|n| n == name) {
        return Err(Error::invalid(
            name,
            format!("a submodule named '{name}' already exists"),
        ));
    }
    Ok(())
}

/// A chain's input: lent by the caller, or given away (then each child gets the previous
/// child's output given away too, and may write its own output into it).
enum ChainInput<'a> {
    Borrowed(ArrayView<'a>),
    Owned(Array),
}

impl ChainInput<'_> {
    /// The input as an owned array (the caller's own, or a copy of a lent one); an input
    /// given away is checked first if its check is still open (`input_check::settle`).
    fn into_owned(self) -> Array {
        match self {
            ChainInput::Borrowed(v) => v.to_owned(),
            ChainInput::Owned(a) => {
                littoral_core::input_check::settle(a.data());
                a
            }
        }
    }
}

/// Whether a fused pair starting at `first` may run under `record`: when nothing of
/// `first` is recorded and the pair's output at most as counts (the fused pass records
/// nothing of its own). With a spike train record the pair one child after the other was
/// faster (a dense second layer in the command line's counting chunks: record of the
/// thirty-sixth round); under counts the fused pair was (thirty-eighth round).
fn fuses(record: Recording, first: &dyn Module) -> bool {
    match record {
        Recording::Nothing => true,
        Recording::SpikeCounts => !record.keeps_output_of(first),
        Recording::Spikes | Recording::Everything => false,
    }
}

/// Evolve `children` one after the other, gathering states and records, the pairs of
/// `plan` as one pass when nothing of a pair's first child is recorded ([`fuses`]).
///
/// # Errors
/// The first child error, with the child's name prefixed to its path.
fn evolve_chain(
    children: &[(String, Arc<dyn Module>)],
    plan: &Plan,
    params: &Tree,
    state: &Tree,
    input: ChainInput<'_>,
    record: Recording,
) -> Result<Evolution> {
    let mut new_state = Tree::new();
    let mut rec = Record::new();
    // A lent input is not copied: each child reads the previous child's output, given
    // away to it.
    let mut x = input;
    let mut i = 0;
    while i < children.len() {
        let (name, child) = &children[i];
        if fuses(record, child.as_ref())
            && let (Some(pair), Some((next_name, next))) =
                (plan.starting_at(i), children.get(i + 1))
        {
            let names = (name.as_str(), next_name.as_str());
            let fused = match x {
                ChainInput::Borrowed(v) => pair
                    .evolve(names, params, state, v)?
                    .ok_or(ChainInput::Borrowed(v)),
                ChainInput::Owned(a) => Ok(pair.evolve_owned(names, params, state, a)?),
            };
            match fused {
                Ok(ev) => {
                    new_state.insert_branch(name.clone(), Tree::new());
                    new_state.insert_branch(next_name.clone(), ev.state);
                    record.keep_child_output(&mut rec, next_name, next.as_ref(), &ev.output);
                    x = ChainInput::Owned(ev.output);
                    i += 2;
                    continue;
                }
                Err(unfused) => x = unfused,
            }
        }
        let ev = match x {
            ChainInput::Borrowed(v) => {
                littoral_core::evolve_child(child.as_ref(), name, params, state, v, record)
            }
            ChainInput::Owned(a) => {
                littoral_core::evolve_child_owned(child.as_ref(), name, params, state, a, record)
            }
        }?;
        new_state.insert_branch(name.clone(), ev.state);
        record.keep_child_record(&mut rec, name, ev.record);
        record.keep_child_output(&mut rec, name, child.as_ref(), &ev.output);
        x = ChainInput::Owned(ev.output);
        i += 1;
    }
    Ok(Evolution::new(x.into_owned(), new_state, rec))
}

impl Module for Sequential {
    fn class_name(&self) -> &str {
        "Sequential"
    }

    super::chain_methods!();

    fn split_chain(&self, at: usize) -> Option<(Arc<dyn Module>, Arc<dyn Module>)> {
        if at == 0 || at >= self.children.len() {
            return None;
        }
        let (head, tail) = self.children.split_at(at);
        let chain = |part: &[(String, Arc<dyn Module>)]| -> Arc<dyn Module> {
            Arc::new(Sequential {
                children: part.to_vec(),
                names: part.iter().map(|(n, _)| n.clone()).collect(),
                shape: super::chain_shape(part),
                spiking: super::chain_spiking(part),
                plan: OnceLock::new(),
            })
        };
        Some((chain(head), chain(tail)))
    }

    fn evolve_batch(
        &self,
        params: &Tree,
        state: &Tree,
        input: ArrayView<'_>,
        record: Recording,
    ) -> Result<Evolution> {
        self.chain(params, state, ChainInput::Borrowed(input), record)
    }

    /// Each child gets the previous child's output given away ([`Module::evolve_batch_owned`]:
    /// a LIF writes its output into it); the same bits as [`Module::evolve_batch`].
    fn evolve_batch_owned(
        &self,
        params: &Tree,
        state: &Tree,
        input: Array,
        record: Recording,
    ) -> Result<Evolution> {
        self.chain(params, state, ChainInput::Owned(input), record)
    }
}

result_setters! {
    /// [`Sequential`]'s builder methods on `Result<Sequential>`:
    /// `Sequential::new().append(a)?.append(b)?` becomes `….append(a).append(b)?`.
    SequentialSetters for Sequential {
        fn append(module: impl Module + 'static) -> Result;
        fn append_named(module: Arc<dyn Module>, name: Option<&str>) -> Result;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::{Lif, Linear, Rate, Reset};
    use littoral_core::{ModuleExt, record_bits_eq, tree_bits_eq};

    /// Chains that do not fuse (a `Rate` between two `Linear`s; `LIF`s that reset to a
    /// value), with an output as wide as the input and not.
    fn chains() -> Vec<Sequential> {
        let lif = |n| Lif::new(n).with_reset(Reset::ToValue);
        vec![
            Sequential::new()
                .append(Linear::new(3, 6))
                .append(Rate::new(6))
                .append(Linear::new(6, 3))
                .append(lif(3).with_noise_std(0.3).unwrap())
                .unwrap(),
            Sequential::new()
                .append(Linear::new(3, 5))
                .append(lif(5))
                .append(Linear::new(5, 2))
                .append(lif(2))
                .unwrap(),
        ]
    }

    fn input(b: usize, t: usize) -> Array {
        Array::from_fn(vec![b, t, 3], |i| ((i * 7919) % 17) as f64 / 4.0)
    }

    /// Any time blocks give the output, final state and record (nothing, spike trains or
    /// counts) of one call, from a lent input or one given away, whether the output
    /// reuses its buffer (as wide) or not.
    #[test]
    fn time_blocks_give_the_bits_of_one_call() {
        for seq in chains() {
            let plan = Plan::of(&seq.children);
            let tree = seq.init(4);
            let state = seq.batch_state(&tree, 2).unwrap();
            let x = input(2, 23);
            for record in [
                Recording::Nothing,
                Recording::Spikes,
                Recording::SpikeCounts,
            ] {
                let whole = evolve_chain(
                    &seq.children,
                    &plan,
                    &tree,
                    &state,
                    ChainInput::Borrowed(x.view()),
                    record,
                )
                .unwrap();
                assert!(whole.output.data().iter().any(|&v| v != 0.0));
                for k in [1, 2, 5, 22, 23] {
                    for given in [false, true] {
                        let chain_input = if given {
                            ChainInput::Owned(x.clone())
                        } else {
                            ChainInput::Borrowed(x.view())
                        };
                        let blocks = seq
                            .chain_in_blocks(&tree, &state, chain_input, record, k)
                            .unwrap();
                        let what = format!("{record:?}, blocks of {k}, given away {given}");
                        assert!(blocks.output.bits_eq(&whole.output), "{what}: outputs");
                        assert!(tree_bits_eq(&blocks.state, &whole.state), "{what}: states");
                        assert!(record_bits_eq(&blocks.record, &whole.record), "{what}");
                    }
                }
            }
        }
    }

    /// An input given away and cut into blocks is still checked: its first NaN is named
    /// by its index in the whole input.
    #[test]
    fn an_input_given_away_in_blocks_is_checked() {
        let seq = chains().remove(0);
        let tree = seq.init(0);
        let state = seq.batch_state(&tree, 2).unwrap();
        let mut x = input(2, 10);
        x.data_mut()[40] = f64::NAN;
        let e = littoral_core::input_check::evolve_checked_owned(x, |x| {
            let input = ChainInput::Owned(x);
            seq.chain_in_blocks(&tree, &state, input, Recording::Nothing, 3)
        })
        .unwrap_err();
        assert!(matches!(e, Error::NonFinite { index: 40, .. }), "{e}");
    }

    /// Only a chain of several children without a fused pair is cut into blocks.
    #[test]
    fn a_chain_with_a_fused_pair_or_one_child_runs_whole() {
        let fused = Sequential::new()
            .append(Linear::new(3, 4))
            .append(Lif::new(4))
            .append(Linear::new(4, 2))
            .append(Lif::new(2))
            .unwrap();
        assert_eq!(fused.block_steps(Recording::SpikeCounts, 64), usize::MAX);
        // Under a spike record nothing fuses: blocks of 2²¹ values over 15 a sample.
        assert_eq!(
            fused.block_steps(Recording::Spikes, 64),
            (1 << 21) / (15 * 64)
        );
        let one = Sequential::new().append(Lif::new(3)).unwrap();
        assert_eq!(one.block_steps(Recording::Nothing, 64), usize::MAX);
        let unfused = chains().remove(1);
        assert_eq!(
            unfused.block_steps(Recording::Nothing, 1),
            (1 << 21) / (3 + 5 + 5 + 2 + 2)
        );
    }
}
