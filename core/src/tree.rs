//! Kind- and family-tagged trees of parameters, simulation parameters and state.

use crate::array::Array;
use crate::nested::Nested;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// Rockpool's three attribute kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Kind {
    /// Network configuration, usually trainable (weights, time constants, biases).
    Parameter,
    /// Values that change during evolution (membrane potentials, synaptic currents).
    State,
    /// Values needed to simulate that do not define the network (`dt`, `noise_std`),
    /// and anything wrapped in [`crate::Constant`].
    SimulationParameter,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Parameter => "Parameter",
            Kind::State => "State",
            Kind::SimulationParameter => "SimulationParameter",
        })
    }
}

/// The value of a leaf: a float array, or an unsigned integer array (random-stream keys
/// and counters).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Value {
    /// `f64` data.
    F64(Arc<Array<f64>>),
    /// `u64` data (random keys, step counters).
    U64(Arc<Array<u64>>),
}

impl Value {
    /// The shape of the array.
    pub fn shape(&self) -> &[usize] {
        match self {
            Value::F64(a) => a.shape(),
            Value::U64(a) => a.shape(),
        }
    }

    /// The float array, if this is one.
    pub fn as_f64(&self) -> Option<&Arc<Array<f64>>> {
        match self {
            Value::F64(a) => Some(a),
            Value::U64(_) => None,
        }
    }

    /// The integer array, if this is one.
    pub fn as_u64(&self) -> Option<&Arc<Array<u64>>> {
        match self {
            Value::U64(a) => Some(a),
            Value::F64(_) => None,
        }
    }

    /// The element type's name: `f64` or `u64`.
    pub fn dtype(&self) -> &'static str {
        match self {
            Value::F64(_) => "f64",
            Value::U64(_) => "u64",
        }
    }

    /// Bit-for-bit equality.
    pub fn bits_eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::F64(a), Value::F64(b)) => a.bits_eq(b),
            (Value::U64(a), Value::U64(b)) => a == b,
            _ => false,
        }
    }
}

impl From<Array<f64>> for Value {
    fn from(a: Array<f64>) -> Self {
        Value::F64(Arc::new(a))
    }
}

/// A tagged leaf: kind, optional family (`"weights"`, `"taus"`, …) and value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Leaf {
    /// Parameter, State or SimulationParameter.
    pub kind: Kind,
    /// Rockpool's family name, if any.
    pub family: Option<String>,
    /// The data.
    pub value: Value,
}

impl Leaf {
    /// A leaf holding a float array.
    pub fn f64(kind: Kind, family: Option<&str>, value: Array<f64>) -> Self {
        Leaf {
            kind,
            family: family.map(str::to_string),
            value: Value::F64(Arc::new(value)),
        }
    }

    /// The same leaf with another value (kind and family kept).
    #[must_use]
    pub fn with_value(&self, value: Value) -> Self {
        Leaf {
            kind: self.kind,
            family: self.family.clone(),
            value,
        }
    }
}

/// A nested, path-addressed tree of tagged leaves: parameters, simulation parameters and
/// state of a module and all its submodules. Leaves are reference-counted, so cloning a
/// tree or replacing one leaf copies no array.
pub type Tree = Nested<Leaf>;

/// A nested tree of recorded `(B, T, …)` arrays.
pub type Record = Nested<Array<f64>>;

/// Which families to select: all of them, or any of a list (Rockpool's `family=` argument,
/// a string or a tuple of strings).
///
/// ```
/// use littoral_core::Families;
/// assert!(Families::from("taus").matches(Some("taus")));
/// assert!(!Families::from(["weights", "bias"]).matches(Some("taus")));
/// assert!(Families::from(None).matches(None));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Families(Option<Vec<String>>);

impl Families {
    /// Every leaf, whatever its family.
    pub fn all() -> Self {
        Families(None)
    }

    /// True when no family restriction applies.
    pub fn is_all(&self) -> bool {
        self.0.is_none()
    }

    /// Whether a leaf of `family` is selected.
    pub fn matches(&self, family: Option<&str>) -> bool {
        match &self.0 {
            None => true,
            Some(list) => family.is_some_and(|f| list.iter().any(|x| x == f)),
        }
    }
}

impl From<&str> for Families {
    fn from(f: &str) -> Self {
        Families(Some(vec![f.to_string()]))
    }
}

impl From<Option<&str>> for Families {
    fn from(f: Option<&str>) -> Self {
        Families(f.map(|f| vec![f.to_string()]))
    }
}

impl<const N: usize> From<[&str; N]> for Families {
    fn from(f: [&str; N]) -> Self {
        Families(Some(f.iter().map(|s| s.to_string()).collect()))
    }
}

impl From<&[&str]> for Families {
    fn from(f: &[&str]) -> Self {
        Families(Some(f.iter().map(|s| s.to_string()).collect()))
    }
}

impl From<Vec<String>> for Families {
    fn from(f: Vec<String>) -> Self {
        Families(Some(f))
    }
}

/// Rockpool's inspection methods on a full tree.
pub trait TreeExt {
    /// The leaves of one kind, restricted to some families. With all families every
    /// submodule appears (even empty), as Rockpool's `family=None`; with a family, empty
    /// submodules are omitted.
    fn select(&self, kind: Kind, families: &Families) -> Tree;
    /// `parameters(family)`.
    fn parameters(&self, families: impl Into<Families>) -> Tree;
    /// `state(family)`.
    fn state(&self, families: impl Into<Families>) -> Tree;
    /// `simulation_parameters(family)`.
    fn simulation_parameters(&self, families: impl Into<Families>) -> Tree;
    /// `attributes_named(name)`: leaves of any kind whose own name is one of `names`;
    /// submodules appear only when they hold a match.
    fn attributes_named(&self, names: &[&str]) -> Tree;
    /// The float array at a dotted path.
    fn array(&self, path: &str) -> crate::Result<&Arc<Array<f64>>>;
}

impl TreeExt for Tree {
    fn select(&self, kind: Kind, families: &Families) -> Tree {
        self.filter(
            &mut |_, _, leaf: &Leaf| leaf.kind == kind && families.matches(leaf.family.as_deref()),
            families.is_all(),
        )
    }

    fn parameters(&self, families: impl Into<Families>) -> Tree {
        self.select(Kind::Parameter, &families.into())
    }

    fn state(&self, families: impl Into<Families>) -> Tree {
        self.select(Kind::State, &families.into())
    }

    fn simulation_parameters(&self, families: impl Into<Families>) -> Tree {
        self.select(Kind::SimulationParameter, &families.into())
    }

    fn attributes_named(&self, names: &[&str]) -> Tree {
        self.filter(&mut |_, name, _| names.contains(&name), false)
    }

    fn array(&self, path: &str) -> crate::Result<&Arc<Array<f64>>> {
        let leaf = self.get(path).ok_or_else(|| crate::Error::MissingPath {
            path: path.to_string(),
        })?;
        leaf.value.as_f64().ok_or_else(|| crate::Error::Kind {
            path: path.to_string(),
            expected: "f64 array".into(),
            found: leaf.value.dtype().into(),
        })
    }
}

/// Bit-for-bit equality of two trees (same paths, kinds, families and bits).
pub fn tree_bits_eq(a: &Tree, b: &Tree) -> bool {
    let la = a.leaves();
    let lb = b.leaves();
    la.len() == lb.len()
        && la.iter().all(|(p, x)| {
            b.get(p).is_some_and(|y| {
                x.kind == y.kind && x.family == y.family && x.value.bits_eq(&y.value)
            })
        })
}

/// Bit-for-bit equality of two records.
pub fn record_bits_eq(a: &Record, b: &Record) -> bool {
    let la = a.leaves();
    la.len() == b.leaf_count()
        && la
            .iter()
            .all(|(p, x)| b.get(p).is_some_and(|y| x.bits_eq(y)))
}
