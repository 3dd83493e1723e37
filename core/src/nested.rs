//! `Nested<T>`: an ordered, path-addressed nested map, the shape shared by parameter
//! trees ([`crate::Tree`]) and records ([`crate::Record`]).

use crate::limits::DepthGuard;
use indexmap::IndexMap;
use rustc_hash::FxBuildHasher;
use serde::{Deserialize, Serialize};

/// One entry of a [`Nested`] map: a leaf or a nested branch (a submodule).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Entry<T> {
    /// A value.
    Leaf(T),
    /// A nested map, usually a submodule.
    Branch(Nested<T>),
}

/// The entries of a [`Nested`] map by name. Names are hashed with Fx (`rustc-hash`), not
/// the standard library's SipHash: trees are looked up by short names on every call, where
/// SipHash cost more than the rest of a lookup (`docs/python.md`, issue 14).
type Names<T> = IndexMap<String, Entry<T>, FxBuildHasher>;

/// An insertion-ordered nested map addressed by dotted paths (`"1_LIF.vmem"`).
/// Names never contain a `.`.
///
/// ```
/// use littoral_core::Nested;
/// let mut n: Nested<i32> = Nested::new();
/// n.insert_path("a.b", 1);
/// n.insert_path("c", 2);
/// assert_eq!(n.get("a.b"), Some(&1));
/// assert_eq!(n.leaves().into_iter().map(|(p, v)| (p, *v)).collect::<Vec<_>>(),
///            vec![("a.b".to_string(), 1), ("c".to_string(), 2)]);
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct Nested<T>(Names<T>);

/// The wire form of [`Nested`] (what `derive(Deserialize)` would read), decoded behind a
/// [`DepthGuard`] so that input nested deeper than [`crate::limits::MAX_DEPTH`] is an
/// error rather than a stack overflow.
#[derive(Deserialize)]
#[serde(rename = "Nested")]
struct NestedWire<T>(Names<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nested<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let _depth = DepthGuard::enter().map_err(serde::de::Error::custom)?;
        NestedWire::deserialize(deserializer).map(|wire| Nested(wire.0))
    }
}

impl<T: PartialEq> PartialEq for Nested<T> {
    /// Map equality: the same names with equal entries, in any order.
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<T> Default for Nested<T> {
    fn default() -> Self {
        Nested(IndexMap::default())
    }
}

impl<T> Nested<T> {
    /// An empty map.
    pub fn new() -> Self {
        Nested(IndexMap::default())
    }

    /// An empty map with room for `n` direct entries (no regrowth while they are added).
    ///
    /// ```
    /// use littoral_core::Nested;
    /// let mut n = Nested::with_capacity(2);
    /// n.insert_leaf("vmem", 0.5);
    /// n.insert_leaf("isyn", 0.0);
    /// assert_eq!(n.len(), 2);
    /// ```
    pub fn with_capacity(n: usize) -> Self {
        Nested(IndexMap::with_capacity_and_hasher(n, Default::default()))
    }

    /// Number of direct entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there is no entry.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The direct entries in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Entry<T>)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The direct entry `name`.
    pub fn entry(&self, name: &str) -> Option<&Entry<T>> {
        self.0.get(name)
    }

    /// Insert or replace a direct entry.
    pub fn insert(&mut self, name: impl Into<String>, entry: Entry<T>) {
        self.0.insert(name.into(), entry);
    }

    /// Insert a leaf directly under this map.
    pub fn insert_leaf(&mut self, name: impl Into<String>, value: T) {
        self.insert(name, Entry::Leaf(value));
    }

    /// Insert a branch directly under this map.
    pub fn insert_branch(&mut self, name: impl Into<String>, branch: Nested<T>) {
        self.insert(name, Entry::Branch(branch));
    }

    /// Remove a direct entry.
    pub fn remove(&mut self, name: &str) -> Option<Entry<T>> {
        self.0.shift_remove(name)
    }

    /// The direct branch `name`.
    pub fn branch(&self, name: &str) -> Option<&Nested<T>> {
        match self.0.get(name) {
            Some(Entry::Branch(b)) => Some(b),
            _ => None,
        }
    }

    /// The entry at a dotted path.
    pub fn entry_at(&self, path: &str) -> Option<&Entry<T>> {
        let (head, tail) = match path.split_once('.') {
            Some((h, t)) => (h, Some(t)),
            None => (path, None),
        };
        let e = self.0.get(head)?;
        match tail {
            None => Some(e),
            Some(t) => match e {
                Entry::Branch(b) => b.entry_at(t),
                Entry::Leaf(_) => None,
            },
        }
    }

    /// The leaf at a dotted path.
    pub fn get(&self, path: &str) -> Option<&T> {
        match self.entry_at(path)? {
            Entry::Leaf(v) => Some(v),
            Entry::Branch(_) => None,
        }
    }

    /// The leaf at a dotted path, mutably.
    pub fn get_mut(&mut self, path: &str) -> Option<&mut T> {
        let (head, tail) = match path.split_once('.') {
            Some((h, t)) => (h, Some(t)),
            None => (path, None),
        };
        match (self.0.get_mut(head)?, tail) {
            (Entry::Leaf(v), None) => Some(v),
            (Entry::Branch(b), Some(t)) => b.get_mut(t),
            _ => None,
        }
    }

    /// Insert a leaf at a dotted path, creating branches as needed (a leaf in the way is
    /// replaced by a branch).
    pub fn insert_path(&mut self, path: &str, value: T) {
        match path.split_once('.') {
            None => {
                self.0.insert(path.to_string(), Entry::Leaf(value));
            }
            Some((head, tail)) => {
                let e = self
                    .0
                    .entry(head.to_string())
                    .or_insert_with(|| Entry::Branch(Nested::new()));
                if let Entry::Leaf(_) = e {
                    *e = Entry::Branch(Nested::new());
                }
                if let Entry::Branch(b) = e {
                    b.insert_path(tail, value);
                }
            }
        }
    }

    /// Every leaf with its dotted path, depth first, in insertion order.
    pub fn leaves(&self) -> Vec<(String, &T)> {
        let mut out = Vec::new();
        self.collect_leaves("", &mut out);
        out
    }

    fn collect_leaves<'a>(&'a self, prefix: &str, out: &mut Vec<(String, &'a T)>) {
        for (k, e) in &self.0 {
            let path = join_path(prefix, k);
            match e {
                Entry::Leaf(v) => out.push((path, v)),
                Entry::Branch(b) => b.collect_leaves(&path, out),
            }
        }
    }

    /// Number of leaves at any depth.
    pub fn leaf_count(&self) -> usize {
        self.0
            .values()
            .map(|e| match e {
                Entry::Leaf(_) => 1,
                Entry::Branch(b) => b.leaf_count(),
            })
            .sum()
    }

    /// A new map with `f` applied to every leaf (with its path); the structure is kept.
    pub fn map<U>(&self, f: &mut impl FnMut(&str, &T) -> U) -> Nested<U> {
        let mapped = self.try_map(&mut |path, v| Ok::<U, std::convert::Infallible>(f(path, v)));
        match mapped {
            Ok(out) => out,
            Err(never) => match never {},
        }
    }

    /// A new map with `f` applied to every leaf (with its path), or `f`'s first error; the
    /// structure is kept (empty branches too).
    ///
    /// ```
    /// use littoral_core::Nested;
    /// let mut n = Nested::new();
    /// n.insert_path("a.b", 2);
    /// n.insert_branch("empty", Nested::new());
    /// let doubled = n.try_map(&mut |_, v| Ok::<_, String>(v * 2))?;
    /// assert_eq!(doubled.get("a.b"), Some(&4));
    /// assert!(doubled.branch("empty").is_some());
    /// let failed = n.try_map(&mut |path, _| Err::<i32, _>(path.to_string()));
    /// assert_eq!(failed.err().as_deref(), Some("a.b"));
    /// # Ok::<(), String>(())
    /// ```
    ///
    /// # Errors
    /// The first error `f` returns, leaves taken depth first in insertion order.
    pub fn try_map<U, E>(
        &self,
        f: &mut impl FnMut(&str, &T) -> Result<U, E>,
    ) -> Result<Nested<U>, E> {
        self.try_map_inner("", f)
    }

    fn try_map_inner<U, E>(
        &self,
        prefix: &str,
        f: &mut impl FnMut(&str, &T) -> Result<U, E>,
    ) -> Result<Nested<U>, E> {
        let mut out = Nested::new();
        for (k, e) in &self.0 {
            let path = join_path(prefix, k);
            match e {
                Entry::Leaf(v) => out.insert_leaf(k.clone(), f(&path, v)?),
                Entry::Branch(b) => out.insert_branch(k.clone(), b.try_map_inner(&path, f)?),
            }
        }
        Ok(out)
    }

    /// A new map with the leaves for which `keep` is true. Branches left empty are kept
    /// when `keep_empty_branches` (Rockpool's `family=None` listing) and dropped otherwise.
    pub fn filter(
        &self,
        keep: &mut impl FnMut(&str, &str, &T) -> bool,
        keep_empty_branches: bool,
    ) -> Nested<T>
    where
        T: Clone,
    {
        self.filter_inner("", keep, keep_empty_branches)
    }

    fn filter_inner(
        &self,
        prefix: &str,
        keep: &mut impl FnMut(&str, &str, &T) -> bool,
        keep_empty: bool,
    ) -> Nested<T>
    where
        T: Clone,
    {
        let mut out = Nested::new();
        for (k, e) in &self.0 {
            let path = join_path(prefix, k);
            match e {
                Entry::Leaf(v) => {
                    if keep(&path, k, v) {
                        out.insert_leaf(k.clone(), v.clone());
                    }
                }
                Entry::Branch(b) => {
                    let sub = b.filter_inner(&path, keep, keep_empty);
                    if keep_empty || !sub.is_empty() {
                        out.insert_branch(k.clone(), sub);
                    }
                }
            }
        }
        out
    }

    /// Merge `other` into a copy of `self`: leaves of `other` replace those of `self` at
    /// the same path; branches merge recursively.
    #[must_use]
    pub fn merged(&self, other: &Nested<T>) -> Nested<T>
    where
        T: Clone,
    {
        let mut out = self.clone();
        for (k, e) in &other.0 {
            match (out.0.get_mut(k), e) {
                (Some(Entry::Branch(mine)), Entry::Branch(theirs)) => {
                    *mine = mine.merged(theirs);
                }
                _ => {
                    out.0.insert(k.clone(), e.clone());
                }
            }
        }
        out
    }
}

/// Join a path prefix and a name with a dot.
pub fn join_path(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}
