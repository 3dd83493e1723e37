//! What an evolution records besides its output and final state.

use crate::array::{Array, format_shape};
use crate::error::{Error, Result};
use crate::module::Module;
use crate::nested::Entry;
use crate::tree::Record;
use std::borrow::Cow;

/// What an evolution records: nothing, the spikes of every spiking population (as trains
/// or as counts), or every internal signal (Rockpool's `record=True`).
///
/// A combinator records the output of a child under `"{name}_output"` and the child's own
/// record under `"{name}"`. [`Recording::Spikes`] keeps only what a spike monitor on every
/// population would (Brian2's `SpikeMonitor`): the outputs of the children that are
/// populations (no children of their own) whose output is spikes
/// ([`Module::spiking_output`]), at every depth, and no population's own signals (its
/// membrane potential, synaptic currents). [`Recording::SpikeCounts`] keeps the same
/// populations' spikes summed over time, `(B, N)` under `"{name}_spike_count"` (Brian2's
/// `SpikeMonitor(record=False).count`): what counting the spikes inside a network needs
/// (`littoral simulate --summary`), in memory that does not grow with the steps.
///
/// `bool` converts: `true` is [`Recording::Everything`], `false` [`Recording::Nothing`].
///
/// ```
/// use littoral_core::Recording;
/// assert_eq!(Recording::from(true), Recording::Everything);
/// assert!(Recording::Spikes.any() && !Recording::Spikes.everything());
/// assert!(Recording::SpikeCounts.any() && !Recording::SpikeCounts.everything());
/// assert!(!Recording::default().any());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Recording {
    /// No record (the fast path).
    #[default]
    Nothing,
    /// The spikes of every spiking population inside the network, `(B, T, N)` each,
    /// nothing else.
    Spikes,
    /// The spikes of every spiking population inside the network summed over the call's
    /// steps, `(B, N)` each, nothing else. The pieces of a run (time chunks, checkpoints,
    /// a graph's time blocks) add ([`Recording::join_in_time`]): the counts are sums in
    /// step order, exact for whole-number spikes (every neuron model's), so the same
    /// whatever the split.
    SpikeCounts,
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
            Recording::Spikes | Recording::SpikeCounts => {
                child.spiking_output() && child.children().is_empty()
            }
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
            Recording::Spikes | Recording::SpikeCounts => without_empty_branches(nested),
            Recording::Everything => nested,
        }
    }

    /// The suffix of the leaf a combinator records a child's output under, after the
    /// child's name: `"_spike_count"` for [`Recording::SpikeCounts`], else `"_output"`.
    pub fn output_suffix(self) -> &'static str {
        match self {
            Recording::SpikeCounts => "_spike_count",
            _ => "_output",
        }
    }

    /// What a record keeps of a child's `(B, T, …)` output: the output summed over time
    /// (`(B, …)`, in step order) for [`Recording::SpikeCounts`], else the output itself
    /// (a lent one copied).
    ///
    /// ```
    /// use littoral_core::{Array, Recording};
    /// use std::borrow::Cow;
    /// let spikes = Array::from_shape_vec(vec![1, 3, 2], vec![1., 0., 0., 2., 1., 1.])?;
    /// let counts = Recording::SpikeCounts.recorded_output(Cow::Borrowed(&spikes));
    /// assert_eq!((counts.shape(), counts.data()), (&[1, 2][..], &[2., 3.][..]));
    /// assert_eq!(Recording::Spikes.recorded_output(Cow::Borrowed(&spikes)), spikes);
    /// # Ok::<(), littoral_core::Error>(())
    /// ```
    pub fn recorded_output(self, output: Cow<'_, Array>) -> Array {
        match self {
            Recording::SpikeCounts => sum_over_time(&output),
            _ => output.into_owned(),
        }
    }

    /// Put what the record keeps of a child's output ([`Recording::recorded_output`])
    /// into its parent's record, under `"{name}{suffix}"` ([`Recording::output_suffix`]),
    /// when [`Recording::keeps_output_of`] the child.
    pub fn keep_child_output(
        self,
        parent: &mut Record,
        name: &str,
        child: &dyn Module,
        output: &Array,
    ) {
        if self.keeps_output_of(child) {
            parent.insert_leaf(
                format!("{name}{}", self.output_suffix()),
                self.recorded_output(Cow::Borrowed(output)),
            );
        }
    }

    /// The records of consecutive runs (time chunks, checkpoints, a graph's time blocks
    /// or steps), each from the state the last returned, as one run's: leaf by leaf,
    /// counts added for [`Recording::SpikeCounts`], else joined along time (axis 1;
    /// leaves without a time axis are left out). The structure is the first part's,
    /// empty branches included. No part: an empty record.
    ///
    /// ```
    /// use littoral_core::{Array, Record, Recording};
    /// let part = |v: f64| {
    ///     let mut r = Record::new();
    ///     r.insert_path("0_LIF_spike_count", Array::from_shape_vec(vec![1, 1], vec![v]).unwrap());
    ///     r
    /// };
    /// let (a, b) = (part(2.0), part(3.0));
    /// let joined = Recording::SpikeCounts.join_in_time(&[&a, &b])?;
    /// assert_eq!(joined.get("0_LIF_spike_count").unwrap().data(), &[5.0]);
    /// let trains = Recording::Spikes.join_in_time(&[&a, &b])?;
    /// assert_eq!(trains.get("0_LIF_spike_count").unwrap().shape(), &[1, 2]);
    /// # Ok::<(), littoral_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// A leaf of the first part missing from another, or shapes that do not fit, naming
    /// the leaf's path.
    pub fn join_in_time(self, parts: &[&Record]) -> Result<Record> {
        match parts.first() {
            Some(first) => join_level(self == Recording::SpikeCounts, parts, first, ""),
            None => Ok(Record::new()),
        }
    }

    /// The record [`Recording::SpikeCounts`] keeps, from the one [`Recording::Spikes`]
    /// keeps of the same run: each `"{name}_output"` train summed over time, under
    /// `"{name}_spike_count"`. Other leaves are left out.
    ///
    /// ```
    /// use littoral_core::{Array, Record, Recording};
    /// let mut trains = Record::new();
    /// trains.insert_path("0_LIF_output", Array::from_shape_vec(vec![1, 2, 1], vec![1., 1.])?);
    /// let counts = Recording::spike_counts_of(&trains);
    /// assert_eq!(counts.get("0_LIF_spike_count").unwrap().data(), &[2.]);
    /// # Ok::<(), littoral_core::Error>(())
    /// ```
    pub fn spike_counts_of(trains: &Record) -> Record {
        let mut out = Record::new();
        for (name, entry) in trains.iter() {
            match entry {
                Entry::Branch(b) => out.insert_branch(name, Recording::spike_counts_of(b)),
                Entry::Leaf(a) => {
                    if let Some(child) = name.strip_suffix(Recording::Spikes.output_suffix()) {
                        let suffix = Recording::SpikeCounts.output_suffix();
                        out.insert_leaf(format!("{child}{suffix}"), sum_over_time(a));
                    }
                }
            }
        }
        out
    }
}

/// One level of [`Recording::join_in_time`]: the leaves and branches of `level` (the first
/// part's, at `prefix`), each leaf joined with the other parts' at its path.
fn join_level(counting: bool, parts: &[&Record], level: &Record, prefix: &str) -> Result<Record> {
    let mut out = Record::new();
    for (name, entry) in level.iter() {
        let path = crate::nested::join_path(prefix, name);
        match entry {
            Entry::Branch(b) => out.insert_branch(name, join_level(counting, parts, b, &path)?),
            Entry::Leaf(a) if !counting && a.shape().len() < 2 => {}
            Entry::Leaf(_) => {
                let leaves = parts
                    .iter()
                    .map(|r| {
                        r.get(&path).ok_or_else(|| {
                            Error::invalid(&path, "a part of the run did not record this signal")
                        })
                    })
                    .collect::<Result<Vec<&Array>>>()?;
                let joined = if counting {
                    add_all(&leaves)
                } else {
                    Array::concat_axis1(&leaves)
                };
                let at_path = |e| match e {
                    Error::Invalid { message, .. } => Error::invalid(&path, message),
                    other => other.within(&path),
                };
                out.insert_leaf(name, joined.map_err(at_path)?);
            }
        }
    }
    Ok(out)
}

/// `(B, T, …)` summed over axis 1 in step order; an array without a time axis is copied.
fn sum_over_time(a: &Array) -> Array {
    let shape = a.shape();
    if shape.len() < 2 {
        return a.clone();
    }
    let (b, t) = (shape[0], shape[1]);
    let inner: usize = shape[2..].iter().product();
    let mut sums = vec![0.0; b * inner];
    for (row, sum) in a
        .data()
        .chunks_exact((t * inner).max(1))
        .zip(sums.chunks_exact_mut(inner.max(1)))
    {
        for step in row.chunks_exact(inner.max(1)) {
            for (s, &v) in sum.iter_mut().zip(step) {
                *s += v;
            }
        }
    }
    let mut out_shape = vec![b];
    out_shape.extend_from_slice(&shape[2..]);
    Array::from_shape_vec(out_shape, sums).unwrap_or_else(|_| a.clone())
}

/// Arrays of one shape added element by element, in order.
fn add_all(parts: &[&Array]) -> Result<Array> {
    let Some(first) = parts.first() else {
        return Err(Error::invalid("array", "nothing to add"));
    };
    let mut sum = (*first).clone();
    for p in &parts[1..] {
        if p.shape() != sum.shape() {
            return Err(Error::invalid(
                "array",
                format!(
                    "cannot add counts of shapes {} and {}",
                    format_shape(sum.shape()),
                    format_shape(p.shape())
                ),
            ));
        }
        for (s, &v) in sum.data_mut().iter_mut().zip(p.data()) {
            *s += v;
        }
    }
    Ok(sum)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn record(path: &str, shape: Vec<usize>) -> Record {
        let mut r = Record::new();
        r.insert_path(path, Array::zeros(shape));
        r
    }

    #[test]
    fn parts_that_do_not_join_are_refused_naming_the_leaf() {
        let path = "front.0_LIF_spike_count";
        let (a, b) = (record(path, vec![2, 3]), record(path, vec![2, 4]));
        let e = Recording::SpikeCounts.join_in_time(&[&a, &b]).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("{path}: cannot add counts of shapes (2, 3) and (2, 4)")
        );
        let e = Recording::SpikeCounts
            .join_in_time(&[&a, &Record::new()])
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("{path}: a part of the run did not record this signal")
        );
        let (a, b) = (record(path, vec![2, 5, 3]), record(path, vec![1, 5, 3]));
        let e = Recording::Spikes.join_in_time(&[&a, &b]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with(&format!("{path}: cannot concatenate")),
            "{e}"
        );
    }

    #[test]
    fn joined_trains_keep_empty_branches_and_leave_out_leaves_without_time() {
        let mut a = record("x_output", vec![1, 2, 3]);
        a.insert_branch("empty", Record::new());
        a.insert_path("scalar", Array::zeros(vec![1]));
        let b = a.clone();
        let joined = Recording::Everything.join_in_time(&[&a, &b]).unwrap();
        assert_eq!(joined.get("x_output").unwrap().shape(), &[1, 4, 3]);
        assert!(joined.branch("empty").is_some());
        assert!(joined.get("scalar").is_none());
        assert!(Recording::SpikeCounts.join_in_time(&[]).unwrap().is_empty());
    }

    #[test]
    fn counts_sum_each_sample_and_neuron_over_time_in_step_order() {
        let trains = Array::from_fn(vec![2, 3, 2], |i| i as f64);
        let counts = Recording::SpikeCounts.recorded_output(Cow::Borrowed(&trains));
        // Sample 0: steps (0, 1), (2, 3), (4, 5); sample 1: (6, 7), (8, 9), (10, 11).
        assert_eq!(counts.shape(), &[2, 2]);
        assert_eq!(counts.data(), &[6., 9., 24., 27.]);
        let none = Array::zeros(vec![2, 0, 2]);
        let counts = Recording::SpikeCounts.recorded_output(Cow::Owned(none));
        assert_eq!((counts.shape(), counts.data()), (&[2, 2][..], &[0.; 4][..]));
    }
}
