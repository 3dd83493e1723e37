//! What an evolution records besides its output and final state.

use crate::array::Array;
use crate::module::Module;
use crate::nested::Entry;
use crate::tree::Record;

/// What an evolution records: nothing, the spikes of every spiking population, or every
/// internal signal (Rockpool's `record=True`).
///
/// A combinator records the output of a child under `"{name}_output"` and the child's own
/// record under `"{name}"`. [`Recording::Spikes`] keeps only what a spike monitor on every
/// population would (Brian2's `SpikeMonitor`): the outputs of the children that are
/// populations (no children of their own) whose output is spikes
/// ([`Module::spiking_output`]), at every depth, and no population's own signals (its
/// membrane potential, synaptic currents). It is what counting the spikes inside a
/// network needs (`littoral simulate --summary`, `littoral sweep`): a fraction of a full
/// record's memory, and of the time to write it.
///
/// `bool` converts: `true` is [`Recording::Everything`], `false` [`Recording::Nothing`].
///
/// ```
/// use littoral_core::Recording;
/// assert_eq!(Recording::from(true), Recording::Everything);
/// assert!(Recording::Spikes.any() && !Recording::Spikes.everything());
/// assert!(!Recording::default().any());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Recording {
    /// No record (the fast path).
    #[default]
    Nothing,
    /// The spikes of every spiking population inside the network, nothing else.
    Spikes,
    /// Every internal signal.
    Everything,
}

impl Recording {
    /// Whether anything is recorded.
    pub fn any(self) -> bool {
        self != Recording::Nothing
    }

    /// Whether every internal signal is recorded (a population's own signals included).
    pub fn everything(self) -> bool {
        self == Recording::Everything
    }

    /// Whether a combinator keeps `child`'s output in its record (`"{name}_output"`).
    ///
    /// ```
    /// use littoral_core::Recording;
    /// # use littoral_core::doc_support::Toy;
    /// assert!(Recording::Everything.keeps_output_of(&Toy));
    /// assert!(!Recording::Spikes.keeps_output_of(&Toy)); // Toy's output is not spikes
    /// ```
    pub fn keeps_output_of(self, child: &dyn Module) -> bool {
        match self {
            Recording::Nothing => false,
            Recording::Spikes => child.spiking_output() && child.children().is_empty(),
            Recording::Everything => true,
        }
    }

    /// Put a child's own record into its parent's, under `name`: always when everything
    /// is recorded (an empty branch too, as Rockpool's), else only when it holds something.
    pub fn keep_child_record(self, parent: &mut Record, name: &str, child_record: Record) {
        if self.everything() || (self.any() && !child_record.is_empty()) {
            parent.insert_branch(name, child_record);
        }
    }

    /// What a parent that nested all its children's records at once keeps of them: the
    /// whole nest when everything is recorded, its non-empty branches (at any depth) for a
    /// spike record — as [`Recording::keep_child_record`] keeps them one child at a time —
    /// and nothing otherwise.
    ///
    /// ```
    /// use littoral_core::{Array, Record, Recording};
    /// let mut nested = Record::new();
    /// nested.insert_branch("0_Linear", Record::new());
    /// nested.insert_leaf("1_LIF_output", Array::zeros(vec![1, 2, 3]));
    /// let kept = Recording::Spikes.keep_nested_records(nested.clone());
    /// assert_eq!(kept.leaves().len(), 1);
    /// assert!(kept.get("0_Linear").is_none());
    /// assert!(Recording::Everything.keep_nested_records(nested.clone()).branch("0_Linear").is_some());
    /// assert!(Recording::Nothing.keep_nested_records(nested).is_empty());
    /// ```
    pub fn keep_nested_records(self, nested: Record) -> Record {
        match self {
            Recording::Nothing => Record::new(),
            Recording::Spikes => without_empty_branches(nested),
            Recording::Everything => nested,
        }
    }

    /// Put a copy of a child's output into its parent's record, under `"{name}_output"`,
    /// when [`Recording::keeps_output_of`] the child.
    pub fn keep_child_output(
        self,
        parent: &mut Record,
        name: &str,
        child: &dyn Module,
        output: &Array,
    ) {
        if self.keeps_output_of(child) {
            parent.insert_leaf(format!("{name}_output"), output.clone());
        }
    }
}

/// A record without its empty branches, at any depth.
fn without_empty_branches(mut record: Record) -> Record {
    let names: Vec<String> = record.iter().map(|(name, _)| name.to_string()).collect();
    let mut out = Record::new();
    for name in names {
        match record.remove(&name) {
            None => {}
            Some(Entry::Branch(b)) => {
                let b = without_empty_branches(b);
                if !b.is_empty() {
                    out.insert_branch(name, b);
                }
            }
            Some(leaf @ Entry::Leaf(_)) => out.insert(name, leaf),
        }
    }
    out
}

impl From<bool> for Recording {
    fn from(record: bool) -> Self {
        if record {
            Recording::Everything
        } else {
            Recording::Nothing
        }
    }
}
