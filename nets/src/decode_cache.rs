//! The last parameters a model decoded, kept for the next call with the same values.
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
//! [`NeuronModel::decode`]: crate::neuron::NeuronModel::decode

use littoral_core::{Entry, Result, Tree, Value};
use std::any::Any;
use std::fmt;
use std::sync::{Arc, Mutex};

/// Above this many decoded values a model is not cached: decoding is then a small part of
/// the call, and the cache would keep the values alive.
pub(crate) const MAX_CACHED_VALUES: usize = 1 << 16;

/// The last decoded parameters of one model (`K`: the model's settings that decoding
/// reads). A clone starts empty.
pub(crate) struct DecodeCache<K>(Mutex<Option<Decoded<K>>>);

struct Decoded<K> {
    key: K,
    params: Tree,
    value: Arc<dyn Any + Send + Sync>,
}

impl<K: PartialEq> DecodeCache<K> {
    /// The parameters decoded from `params` under `key`: the kept ones when both are the
    /// same as last time, else `decode()` (kept for the next call when `keep`).
    ///
    /// # Errors
    /// `decode`'s.
    pub(crate) fn get_or_decode<T: Any + Send + Sync>(
        &self,
        key: K,
        params: &Tree,
        keep: bool,
        decode: impl FnOnce() -> Result<T>,
    ) -> Result<Arc<T>> {
        // A busy cache (another thread decoding with this model) is passed by.
        if let Ok(last) = self.0.try_lock()
            && let Some(d) = last.as_ref()
            && d.key == key
            && same_leaves(&d.params, params)
            && let Ok(value) = Arc::clone(&d.value).downcast::<T>()
        {
            return Ok(value);
        }
        let value = Arc::new(decode()?);
        if keep && let Ok(mut last) = self.0.try_lock() {
            *last = Some(Decoded {
                key,
                params: params.clone(),
                value: Arc::clone(&value) as Arc<dyn Any + Send + Sync>,
            });
        }
        Ok(value)
    }
}

impl<K> Default for DecodeCache<K> {
    fn default() -> Self {
        DecodeCache(Mutex::new(None))
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
    use littoral_core::{Array, Kind, Leaf, Recording, Tree};
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
        let get = |key, t: &Tree, v| *cache.get_or_decode(key, t, true, || decode(v)).unwrap();
        assert_eq!(get(1, &tree(0.0), 0.0), 0.0);
        assert_eq!(get(1, &tree(0.0), 9.0), 0.0, "the same key and bits: kept");
        assert_eq!(runs.get(), 1);
        assert_eq!(get(2, &tree(0.0), 2.0), 2.0, "another key");
        assert_eq!(get(2, &tree(-0.0), 3.0), 3.0, "-0.0 is not 0.0");
        assert_eq!(runs.get(), 3);
        // Another type under the same key and bits decodes too.
        let other = cache.get_or_decode(2, &tree(-0.0), true, || Ok(7_u32));
        assert_eq!(*other.unwrap(), 7);
        // Errors are decode's, and nothing is kept from them.
        let failed = cache.get_or_decode(2, &tree(5.0), true, || {
            Err::<f64, _>(littoral_core::Error::UnknownPath { path: "a".into() })
        });
        assert!(failed.is_err());
        assert_eq!(
            *cache
                .get_or_decode(2, &tree(-0.0), true, || Ok(8_u32))
                .unwrap(),
            7
        );
        assert_eq!(format!("{:?}", cache.clone()), "DecodeCache");
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
        let first = lif
            .evolve_batch(&tree, &state, x.view(), Recording::Nothing)
            .unwrap();
        let kept = lif
            .evolve_batch(&tree, &state, x.view(), Recording::Nothing)
            .unwrap();
        assert!(first.output.bits_eq(&kept.output));
        assert!(first.output.data().iter().sum::<f64>() > 0.0, "it spikes");
        let to_value = lif.with_reset(Reset::ToValue);
        let fresh = Lif::new(3).with_reset(Reset::ToValue);
        let moved = to_value.evolve_batch(&tree, &state, x.view(), Recording::Nothing);
        let want = fresh.evolve_batch(&tree, &state, x.view(), Recording::Nothing);
        assert_eq!(
            moved.unwrap_err().to_string(),
            want.unwrap_err().to_string()
        );
        let f32 = to_value
            .with_reset(Reset::Subtract)
            .with_precision(Precision::F32);
        let fresh = Lif::new(3).with_precision(Precision::F32);
        let a = f32
            .evolve_batch(&tree, &state, x.view(), Recording::Nothing)
            .unwrap();
        let b = fresh
            .evolve_batch(&tree, &state, x.view(), Recording::Nothing)
            .unwrap();
        assert!(a.output.bits_eq(&b.output));
    }
}
