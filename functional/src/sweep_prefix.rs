//! Work a sweep computes once: the leading children of a chain (a module that answers
//! [`Module::split_chain`], such as `Sequential`) that no point changes (no swept path, no
//! State), evaluated once on the input for all points, as XLA does for a vmapped sweep.
//! Every point then evolves only the rest of the chain.

use crate::error::{Error, Result};
use crate::sweep::Sweep;
use crate::sweep_stream::Streamed;
use littoral_core::{Array, Evolution, EvolveOptions, Module, ModuleExt, Tree};
use std::borrow::Cow;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

/// The shared head of a chain and the tail each point evolves.
#[derive(Debug)]
pub(crate) struct SharedPrefix {
    /// Names of the shared children, in order.
    names: Vec<String>,
    /// The head's output: the tail's input at every point, as consecutive parts
    /// `(Bᵢ, T, N)` of the batch in sample order (one part unless evaluated by samples on
    /// several processes).
    parts: Vec<Array>,
    /// The parts joined into one `(B, T, N)` array, made when a point is evolved whole.
    whole: OnceLock<Array>,
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

/// The head of a chain that every point of a sweep shares, found but not evaluated yet:
/// a driver evaluates it whole or by samples (the samples of a batch never interact, so
/// parts evaluated apart, on other processes, give the same bits as the whole) and
/// hands its output, whole or in parts, to
/// [`crate::sweep_prepared::PreparedSweep::with_head`].
pub struct SharedHead<'a> {
    names: Vec<String>,
    head: Arc<dyn Module>,
    tail: Arc<dyn Module>,
    params: Tree,
    input: &'a Array,
    options: EvolveOptions,
}

impl std::fmt::Debug for SharedHead<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedHead")
            .field("names", &self.names)
            .field("batch", &self.batch())
            .field("sample_shape", &self.sample_shape())
            .finish_non_exhaustive()
    }
}

impl<'a> SharedHead<'a> {
    /// The shareable head of `module`, or `None` when nothing can be shared (not a chain,
    /// recording on, the first child is swept or has State, or every child could be
    /// shared).
    pub(crate) fn find(
        module: &dyn Module,
        params: &Tree,
        sweep: &Sweep,
        input: &'a Array,
        options: &EvolveOptions,
    ) -> Option<SharedHead<'a>> {
        if options.record.any() {
            return None;
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
        let (head, tail) = module.split_chain(shared)?;
        let names = child_names(head.as_ref());
        Some(SharedHead {
            params: branches(params, &names),
            names,
            head,
            tail,
            input,
            options: *options,
        })
    }

    /// Samples of the input (its first axis; 1 for an input of one sample, `(T, N)`).
    pub fn batch(&self) -> usize {
        match self.input.shape() {
            [b, _, _] => *b,
            _ => 1,
        }
    }

    /// Time steps of the input.
    fn steps(&self) -> usize {
        match self.input.shape() {
            [_, t, _] | [t, _] | [t] => *t,
            _ => 0,
        }
    }

    /// The shape of one sample's output of the head: (steps, the head's outputs).
    pub fn sample_shape(&self) -> [usize; 2] {
        [self.steps(), self.head.size_out()]
    }

    /// The head's output for `samples` of the input, `(samples.len(), T, N)`: the rows
    /// the whole batch's output holds for them, bit for bit.
    ///
    /// # Errors
    /// A range outside the batch; evolution errors of the head.
    pub fn evolve_samples(&self, samples: Range<usize>) -> Result<Array> {
        let whole = samples == (0..self.batch());
        let part;
        let input = if whole {
            self.input
        } else {
            if self.input.ndim() != 3 {
                return Err(littoral_core::Error::invalid(
                    "input",
                    "samples of an input without a batch axis",
                )
                .into());
            }
            part = self.input.slice_axis0(samples.start, samples.end)?;
            &part
        };
        Ok(self
            .head
            .evolve_with(&self.params, &Tree::new(), input, &self.options)?
            .output)
    }

    /// The prefix of a sweep from the head's output for the whole batch, in `parts` of
    /// consecutive samples in sample order (the results of [`SharedHead::evolve_samples`]
    /// for ranges that cover the batch, or its one result for the whole). The parts are
    /// kept as they are: joining them would copy the output into fresh memory.
    ///
    /// # Errors
    /// [`Error::Sweep`] for a part that is not whole samples of steps × outputs numbers,
    /// or parts that do not hold the batch.
    pub(crate) fn finish(self, parts: Vec<Array>) -> Result<SharedPrefix> {
        let (b, t, n) = (self.batch(), self.steps(), self.head.size_out());
        let sample = t * n;
        let mut samples = 0;
        let mut shaped = Vec::with_capacity(parts.len());
        for part in parts {
            let len = part.len();
            if sample == 0 || len % sample != 0 {
                return Err(Error::Sweep(format!(
                    "a part of the shared head's output holds {len} numbers, not whole \
                     samples of {t} × {n}"
                )));
            }
            let count = len / sample;
            samples += count;
            shaped.push(if part.shape() == [count, t, n] {
                part
            } else {
                Array::from_shape_vec(vec![count, t, n], part.into_data())?
            });
        }
        if samples != b {
            return Err(Error::Sweep(format!(
                "the shared head's output holds {samples} sample(s), not the batch's {b}"
            )));
        }
        Ok(SharedPrefix {
            names: self.names,
            parts: shaped,
            whole: OnceLock::new(),
            tail: self.tail,
        })
    }
}

impl SharedPrefix {
    /// Evaluate the shareable head of `module` once (see [`SharedHead::find`]), or `None`
    /// when nothing can be shared.
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
        let Some(head) = SharedHead::find(module, params, sweep, input, options) else {
            return Ok(None);
        };
        let output = head.evolve_samples(0..head.batch())?;
        head.finish(vec![output]).map(Some)
    }

    /// One point's tail on the shared head's output, to be evolved by blocks of samples
    /// for the summaries of the whole `network`.
    pub(crate) fn streamed<'s>(
        &'s self,
        network: &'s dyn Module,
        params: &'s Tree,
        state: &'s Tree,
    ) -> Streamed<'s> {
        let tail_names = child_names(self.tail.as_ref());
        Streamed {
            network,
            network_params: params,
            module: self.tail.as_ref(),
            params: Cow::Owned(branches(params, &tail_names)),
            state: Cow::Owned(branches(state, &tail_names)),
            inputs: self.parts.iter().map(Array::view).collect(),
        }
    }

    /// The head's output as one `(B, T, N)` array: the one part, or the parts joined
    /// (once, on first need).
    ///
    /// # Errors
    /// Parts that cannot be joined (not possible after [`SharedHead::finish`]).
    fn whole(&self) -> Result<&Array> {
        if let [one] = self.parts.as_slice() {
            return Ok(one);
        }
        if let Some(whole) = self.whole.get() {
            return Ok(whole);
        }
        let joined = Array::concat_axis0(&self.parts.iter().collect::<Vec<_>>())?;
        Ok(self.whole.get_or_init(|| joined))
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
            self.whole()?,
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

    /// The head's output evolved by parts of the batch holds the bits of the whole, and
    /// a sweep prepared from the parts gives the rows of the one-process sweep.
    #[test]
    fn parts_of_the_batch_give_the_whole_head() {
        use crate::sweep::{SweepOptions, run_sweep};
        use crate::sweep_prepared::PreparedSweep;
        use littoral_core::Array;
        let net = Sequential::new()
            .append(Linear::new(6, 5))
            .unwrap()
            .append(Lif::new(5))
            .unwrap();
        let tree = net.init(3);
        let x = Array::from_fn(vec![3, 40, 6], |i| ((i * 7919) % 13) as f64 / 6.0);
        let sweep = Sweep::grid().axis("1_LIF.tau_mem", [0.01, 0.03]);
        let opts = SweepOptions::default();
        let options = EvolveOptions::default();
        let head = super::SharedHead::find(&net, &tree, &sweep, &x, &options).unwrap();
        assert_eq!((head.batch(), head.sample_shape()), (3, [40, 5]));
        let whole = head.evolve_samples(0..3).unwrap();
        let parts = [
            head.evolve_samples(0..1).unwrap(),
            head.evolve_samples(1..3).unwrap(),
        ];
        let joined = Array::concat_axis0(&[&parts[0], &parts[1]]).unwrap();
        assert!(joined.bits_eq(&whole));
        assert!(head.evolve_samples(2..4).is_err(), "outside the batch");
        let full = run_sweep(&net, &tree, &tree, &x, &sweep, &opts).unwrap();
        // Joined, or in parts: streamed by blocks within each part, or evolved whole
        // (outputs kept) from the parts joined.
        for given in [vec![joined.clone()], parts.to_vec()] {
            for keep in [false, true] {
                let opts = SweepOptions {
                    keep_outputs: keep,
                    ..SweepOptions::default()
                };
                let prepared =
                    PreparedSweep::with_head(&net, &tree, &tree, &x, &sweep, &opts, |h| {
                        assert!(h.is_some());
                        Ok(Some(given.clone()))
                    })
                    .unwrap();
                let rows = prepared.run(&[0, 1], None).unwrap();
                for (r, f) in rows.iter().zip(&full) {
                    assert_eq!(r.summary.signals, f.summary.signals, "keep {keep}");
                }
            }
        }
        let short = PreparedSweep::with_head(&net, &tree, &tree, &x, &sweep, &opts, |_| {
            Ok(Some(vec![parts[0].clone()]))
        });
        assert!(short.is_err(), "an output of one sample of three");
        let ragged = Array::zeros(vec![7]);
        let odd = PreparedSweep::with_head(&net, &tree, &tree, &x, &sweep, &opts, |_| {
            Ok(Some(vec![joined.clone(), ragged.clone()]))
        });
        assert!(odd.is_err(), "a part that is not whole samples");
        let none = PreparedSweep::with_head(&net, &tree, &tree, &x, &sweep, &opts, |_| Ok(None));
        assert!(none.is_err(), "no output for a shared head");
    }
}
