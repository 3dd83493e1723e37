//! The last parameters a model decoded, kept for the next calls with the same values.
//!
//! A small call (one step of a few neurons, as Python's per-call overhead benchmark
//! makes) spends a fifth of its time decoding the parameters ([`NeuronModel::decode`]:
//! one `exp` per neuron and synapse, and vectors). Repeated calls usually pass the same
//! values, so a model may keep its last decoded parameters with what they were decoded
//! from: its settings that decoding reads (a key) and a copy of the parameter tree (its
//! leaves shared, not copied). A call whose key is equal and whose tree holds the same
//! names, kinds, families, shapes and bits (every leaf, State ones too) reuses them: the
//! result of decoding is a function of these alone, so the bits of the evolution are those
//! of a fresh decode. Anything else decodes as before (with its errors) and is kept in turn.
//!
//! A model keeps its last [`MAX_ENTRIES`] decodings (fewer when they would hold more than
//! [`MAX_CACHED_VALUES`] values): a sweep walks a group of points together, a block of
//! steps for one point after the other, so each call has other parameters than the last
//! one (`littoral_functional`'s `sweep_stream`), and a group decodes each point's once.
//! A hit moves its decoding to the back (the least recently used are dropped first); the
//! decoding kept from the very tree passed is looked for first, by pointers alone, so a
//! full cache costs a call a few pointer comparisons per decoding kept.
//!
//! [`NeuronModel::decode`]: crate::neuron::NeuronModel::decode

use littoral_core::{Entry, Result, Tree, Value};
use std::any::Any;
use std::fmt;
use std::sync::{Arc, Mutex};

/// The most decoded values a model keeps, all its decodings together: above it a single
/// decoding is not kept (decoding is then a small part of the call, and the cache would
/// keep the values alive).
pub(crate) const MAX_CACHED_VALUES: usize = 1 << 16;

/// The most decodings a model keeps: the points of the groups a sweep walks at once (16
/// per thread) on four threads.
pub(crate) const MAX_ENTRIES: usize = 64;

/// The last decoded parameters of one model (`K`: the model's settings that decoding
/// reads), the least recently used first. A clone starts empty.
pub(crate) struct DecodeCache<K>(Mutex<Vec<Decoded<K>>>);

struct Decoded<K> {
    key: K,
    params: Tree,
    value: Arc<dyn Any + Send + Sync>,
}

impl<K: PartialEq> DecodeCache<K> {
    /// The parameters decoded from `params` under `key`: kept ones decoded from the same
    /// key and tree, else `decode()`, kept for the next calls when the decodings kept,
    /// of `values` values each, stay within [`MAX_CACHED_VALUES`].
    ///
    /// # Errors
    /// `decode`'s.
    pub(crate) fn get_or_decode<T: Any + Send + Sync>(
        &self,
        key: K,
        params: &Tree,
        values: usize,
        decode: impl FnOnce() -> Result<T>,
    ) -> Result<Arc<T>> {
        // The lock is held to look and to keep, never while decoding: threads that share
        // the model wait for each other a few pointer comparisons at most (a poisoned
        // cache is passed by). The tree a decoding was kept from, its very leaves, is
        // found first (a walk passes each point's tree call after call), by pointers
        // alone; else one with the same bits.
        if let Ok(mut kept) = self.0.lock()
            && let Some(i) = find(&kept, &key, params, shared_leaves)
                .or_else(|| find(&kept, &key, params, same_leaves))
                .filter(|&i| kept[i].value.is::<T>())
        {
            // Moved to the back as it is (the tree is not cloned again).
            let hit = kept.remove(i);
            let value = Arc::clone(&hit.value).downcast::<T>();
            kept.push(hit);
            if let Ok(value) = value {
                return Ok(value);
            }
        }
        let value = Arc::new(decode()?);
        let room = (MAX_CACHED_VALUES / values.max(1)).min(MAX_ENTRIES);
        if room > 0
            && let Ok(mut kept) = self.0.lock()
        {
            kept.push(Decoded {
                key,
                params: params.clone(),
                value: Arc::clone(&value) as Arc<dyn Any + Send + Sync>,
            });
            let over = kept.len().saturating_sub(room);
            kept.drain(..over);
        }
        Ok(value)
    }
}

impl<K> Default for DecodeCache<K> {
    fn default() -> Self {
        DecodeCache(Mutex::new(Vec::new()))
    }
}

impl<K> Clone for DecodeCache<K> {
    /// An empty cache: a copy of a model decodes afresh.
    fn clone(&self) -> Self {
        DecodeCache::default()
    }
}

impl<K> fmt::Debug for DecodeCache<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DecodeCache")
    }
}

/// The most recent decoding under `key` whose tree is `same` as `params`.
fn find<K: PartialEq>(
    kept: &[Decoded<K>],
    key: &K,
    params: &Tree,
    same: fn(&Tree, &Tree) -> bool,
) -> Option<usize> {
    kept.iter()
        .rposition(|d| d.key == *key && same(&d.params, params))
}

/// The same names in the same order, with the same kinds and families, every leaf the
/// one array (trees cloned from each other): [`same_leaves`] without reading any value.
fn shared_leaves(a: &Tree, b: &Tree) -> bool {
    a.len() == b.len()
        && a.iter().zip(b.iter()).all(|((na, ea), (nb, eb))| {
            na == nb
                && match (ea, eb) {
                    (Entry::Leaf(x), Entry::Leaf(y)) => {
                        x.kind == y.kind && x.family == y.family && shared(&x.value, &y.value)
                    }
                    (Entry::Branch(x), Entry::Branch(y)) => shared_leaves(x, y),
                    _ => false,
                }
        })
}

/// The same names in the same order, with the same kinds, families, shapes and bits (a
/// shared leaf is the same without reading it).
fn same_leaves(a: &Tree, b: &Tree) -> bool {
    a.len() == b.len()
        && a.iter().zip(b.iter()).all(|((na, ea), (nb, eb))| {
            na == nb
                && match (ea, eb) {
                    (Entry::Leaf(x), Entry::Leaf(y)) => {
                        x.kind == y.kind
                            && x.family == y.family
                            && (shared(&x.value, &y.value) || x.value.bits_eq(&y.value))
                    }
                    (Entry::Branch(x), Entry::Branch(y)) => same_leaves(x, y),
                    _ => false,
                }
        })
}

/// Both values are the one array (shared leaves of trees cloned from each other).
fn shared(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::F64(x), Value::F64(y)) => Arc::ptr_eq(x, y),
        (Value::U64(x), Value::U64(y)) => Arc::ptr_eq(x, y),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::DecodeCache;
    use littoral_core::{Array, Kind, Leaf, Tree};
    use std::cell::Cell;

    fn tree(v: f64) -> Tree {
        let mut t = Tree::new();
        t.insert_leaf(
            "a",
            Leaf::f64(Kind::Parameter, None, Array::from_vec(vec![v, 1.0])),
        );
        t
    }

    #[test]
    fn decodes_again_when_the_key_or_any_bit_changes() {
        let cache: DecodeCache<u8> = DecodeCache::default();
        let runs = Cell::new(0);
        let decode = |v: f64| {
            runs.set(runs.get() + 1);
            Ok(v)
        };
        let get = |key, t: &Tree, v| *cache.get_or_decode(key, t, 2, || decode(v)).unwrap();
        assert_eq!(get(1, &tree(0.0), 0.0), 0.0);
        assert_eq!(get(1, &tree(0.0), 9.0), 0.0, "the same key and bits: kept");
        assert_eq!(runs.get(), 1);
        assert_eq!(get(2, &tree(0.0), 2.0), 2.0, "another key");
        assert_eq!(get(2, &tree(-0.0), 3.0), 3.0, "-0.0 is not 0.0");
        assert_eq!(runs.get(), 3);
        // Another type under the same key and bits decodes too.
        let other = cache.get_or_decode(2, &tree(-0.0), 2, || Ok(7_u32));
        assert_eq!(*other.unwrap(), 7);
        // Errors are decode's, and nothing is kept from them.
        let failed = cache.get_or_decode(2, &tree(5.0), 2, || {
            Err::<f64, _>(littoral_core::Error::UnknownPath { path: "a".into() })
        });
        assert!(failed.is_err());
        assert_eq!(
            *cache
                .get_or_decode(2, &tree(-0.0), 2, || Ok(8_u32))
                .unwrap(),
            7
        );
        assert_eq!(format!("{:?}", cache.clone()), "DecodeCache");
    }

    /// Several decodings are kept, the least recently used dropped first, as many as fit
    /// in the values' budget; a decoding too large is not kept.
    #[test]
    fn a_group_in_turn_decodes_each_once() {
        use super::{MAX_CACHED_VALUES, MAX_ENTRIES};
        let cache: DecodeCache<u8> = DecodeCache::default();
        let runs = Cell::new(0);
        let get = |t: &Tree, values: usize| {
            *cache
                .get_or_decode(1, t, values, || {
                    runs.set(runs.get() + 1);
                    Ok(t.get("a").unwrap().value.as_f64().unwrap().data()[0])
                })
                .unwrap()
        };
        let trees: Vec<Tree> = (0..MAX_ENTRIES).map(|i| tree(i as f64)).collect();
        for _ in 0..3 {
            for (i, t) in trees.iter().enumerate() {
                assert_eq!(get(t, 2), i as f64);
            }
        }
        assert_eq!(runs.get(), MAX_ENTRIES, "each decoded once");
        assert_eq!(get(&tree(99.0), 2), 99.0);
        assert_eq!(get(&trees[1], 2), 1.0, "kept");
        assert_eq!(
            get(&trees[0], 2),
            0.0,
            "the least recently used was dropped"
        );
        assert_eq!(runs.get(), MAX_ENTRIES + 2);
        // Two decodings of half the budget each: a third drops the oldest.
        let half = MAX_CACHED_VALUES / 2;
        runs.set(0);
        for v in [0.0, 1.0, 2.0, 1.0, 2.0, 0.0] {
            assert_eq!(get(&tree(v + 0.5), half), v + 0.5);
        }
        assert_eq!(runs.get(), 4, "0 1 2 decoded, 1 2 kept, 0 again");
        runs.set(0);
        let big = MAX_CACHED_VALUES + 1;
        assert_eq!(get(&tree(7.0), big) + get(&tree(7.0), big), 14.0);
        assert_eq!(runs.get(), 2, "too large to keep");
    }

    /// A LIF that evolved, then changed by a builder, decodes as a fresh one: its key
    /// holds every setting decoding reads (here the reset rule; the tree is the same).
    #[test]
    fn a_lif_changed_by_a_builder_decodes_afresh() {
        use crate::Lif;
        use crate::lif_options::Reset;
        use littoral_core::{Module, ModuleExt, Precision};
        let lif = Lif::new(3);
        let tree = lif.init(0);
        let state = lif.batch_state(&tree, 1).unwrap();
        let x = Array::from_shape_vec(vec![1, 4, 3], vec![0.6; 12]).unwrap();
        let first = lif.evolve_batch(&tree, &state, x.view(), false).unwrap();
        let kept = lif.evolve_batch(&tree, &state, x.view(), false).unwrap();
        assert!(first.output.bits_eq(&kept.output));
        assert!(first.output.data().iter().sum::<f64>() > 0.0, "it spikes");
        let to_value = lif.with_reset(Reset::ToValue);
        let fresh = Lif::new(3).with_reset(Reset::ToValue);
        let moved = to_value.evolve_batch(&tree, &state, x.view(), false);
        let want = fresh.evolve_batch(&tree, &state, x.view(), false);
        assert_eq!(
            moved.unwrap_err().to_string(),
            want.unwrap_err().to_string()
        );
        let f32 = to_value
            .with_reset(Reset::Subtract)
            .with_precision(Precision::F32);
        let fresh = Lif::new(3).with_precision(Precision::F32);
        let a = f32.evolve_batch(&tree, &state, x.view(), false).unwrap();
        let b = fresh.evolve_batch(&tree, &state, x.view(), false).unwrap();
        assert!(a.output.bits_eq(&b.output));
    }
}
