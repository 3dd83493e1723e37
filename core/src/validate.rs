//! The one check of trees against a module, used by `evolve` (the first problem, as a
//! typed [`Error`]) and by snapshot restore (every problem, as text).

use crate::array::format_shape;
use crate::domain::Domain;
use crate::error::Error;
use crate::init::Attribute;
use crate::module::Module;
use crate::nested::{Entry, join_path};
use crate::tree::{Kind, Tree, Value};
use std::fmt;

/// Which trees are checked, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scope {
    /// Check the Parameters and SimulationParameters.
    pub params: bool,
    /// Check the State (per sample or batched, with one batch size).
    pub state: bool,
    /// Require parameter values in their attribute's [`crate::domain::Domain`] (finite at
    /// least) and finite State values.
    pub finite: bool,
    /// A missing submodule branch is one problem at the branch (else each of its leaves
    /// is reported missing).
    pub branch_missing: bool,
}

impl Scope {
    /// What `evolve` checks of its parameters.
    pub const EVOLVE_PARAMS: Scope = Scope {
        params: true,
        state: false,
        finite: true,
        branch_missing: true,
    };
    /// What restoring a snapshot checks: params and state, every leaf (a snapshot
    /// round-trips any value bit-exactly, NaN payloads included).
    pub const RESTORE: Scope = Scope {
        params: true,
        state: true,
        finite: false,
        branch_missing: false,
    };
    /// What resuming a run from a snapshot checks: [`Scope::RESTORE`] and every value —
    /// parameters in their domains, State finite (a NaN state would poison every step).
    pub const RESUME: Scope = Scope {
        params: true,
        state: true,
        finite: true,
        branch_missing: false,
    };
}

/// What is wrong at one path.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Problem {
    /// A leaf the module has is absent.
    Missing {
        /// `params` or `state`.
        group: &'static str,
        /// Its kind.
        kind: Kind,
        /// Its element type.
        dtype: &'static str,
        /// Its permitted shapes.
        shapes: Vec<Vec<usize>>,
    },
    /// A submodule's branch is absent.
    MissingSubmodule,
    /// A subtree where a leaf belongs.
    Subtree {
        /// The leaf's kind.
        kind: Kind,
    },
    /// A leaf where a submodule's subtree belongs.
    NotASubtree {
        /// `params` or `state`.
        group: &'static str,
    },
    /// A leaf of another kind.
    Kind {
        /// The attribute's kind.
        expected: Kind,
        /// The leaf's.
        found: Kind,
    },
    /// A leaf of another element type.
    ElementType {
        /// `f64` or `u64`.
        expected: &'static str,
        /// The leaf's.
        found: &'static str,
    },
    /// A shape the attribute does not permit.
    Shape {
        /// Permitted shapes (for a State, the per-sample shape).
        expected: Vec<Vec<usize>>,
        /// The leaf's.
        found: Vec<usize>,
        /// Whether it is a State (per sample or batched).
        state: bool,
    },
    /// A batched State leaf whose batch size differs from another's.
    BatchSize {
        /// This leaf's batch size.
        found: usize,
        /// The first batched leaf's.
        expected: usize,
        /// The first batched leaf's path.
        first: String,
    },
    /// A NaN or an infinity in a parameter.
    NonFinite {
        /// Flat index of the first one.
        index: usize,
        /// Its value.
        value: f64,
    },
    /// A parameter value outside its attribute's domain (a time constant of 0).
    Domain {
        /// Flat index of the first one.
        index: usize,
        /// Its value.
        value: f64,
        /// The attribute's domain.
        domain: crate::domain::Domain,
    },
    /// A leaf the module does not have.
    Unknown {
        /// `params` or `state`.
        group: &'static str,
    },
    /// A branch that is not one of the module's submodules.
    UnknownSubmodule {
        /// `params` or `state`.
        group: &'static str,
    },
}

fn shapes_text(shapes: &[Vec<usize>]) -> String {
    shapes
        .iter()
        .map(|s| format_shape(s))
        .collect::<Vec<_>>()
        .join(" or ")
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing {
                group,
                kind,
                dtype,
                shapes,
            } => write!(
                f,
                "missing from the {group} (expected a {kind} {dtype} leaf of shape {})",
                shapes_text(shapes)
            ),
            Problem::MissingSubmodule => write!(f, "submodule missing from the tree"),
            Problem::Subtree { kind } => write!(f, "expected a {kind} leaf, found a subtree"),
            Problem::NotASubtree { group } => write!(
                f,
                "expected the submodule's subtree in the {group}, found a leaf"
            ),
            Problem::Kind { expected, found } => {
                write!(f, "kind: expected {expected}, found {found}")
            }
            Problem::ElementType { expected, found } => {
                write!(f, "element type: expected {expected}, found {found}")
            }
            Problem::Shape {
                expected,
                found,
                state: true,
            } => write!(
                f,
                "shape: expected {} per sample or (B, …) batched, found {}",
                format_shape(expected.first().map_or(&[][..], |s| &s[..])),
                format_shape(found)
            ),
            Problem::Shape {
                expected, found, ..
            } => write!(
                f,
                "shape: expected {}, found {}",
                shapes_text(expected),
                format_shape(found)
            ),
            Problem::BatchSize {
                found,
                expected,
                first,
            } => write!(f, "batch size {found} differs from {expected} at {first}"),
            Problem::NonFinite { index, value } => {
                write!(f, "non-finite value {value} at flat index {index}")
            }
            Problem::Domain {
                index,
                value,
                domain,
            } => f.write_str(&crate::init::domain_message(*domain, *index, *value)),
            Problem::Unknown { group } => write!(f, "unknown to the module (in the {group})"),
            Problem::UnknownSubmodule { group } => {
                write!(f, "unknown submodule (in the {group})")
            }
        }
    }
}

/// One path at which a tree does not fit a module.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    /// Dotted path (`1_LIF.tau_mem`).
    pub path: String,
    /// What is wrong there.
    pub problem: Problem,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.problem)
    }
}

impl Mismatch {
    /// The typed error `evolve` reports for this mismatch.
    pub fn into_error(self) -> Error {
        let path = self.path;
        match self.problem {
            Problem::Missing { .. }
            | Problem::MissingSubmodule
            | Problem::Subtree { .. }
            | Problem::NotASubtree { .. } => Error::MissingPath { path },
            Problem::Kind { expected, found } => Error::Kind {
                path,
                expected: expected.to_string(),
                found: found.to_string(),
            },
            Problem::ElementType { expected, found } => Error::Kind {
                path,
                expected: format!("{expected} array"),
                found: format!("{found} array"),
            },
            Problem::Shape {
                expected, found, ..
            } => Error::shape(path, &expected, &found),
            Problem::BatchSize {
                found, expected, ..
            } => Error::shape(path, &[vec![expected]], &[found]),
            Problem::NonFinite { index, value } => Error::NonFinite { path, index, value },
            Problem::Domain {
                index,
                value,
                domain,
            } => Error::invalid(path, crate::init::domain_message(domain, index, value)),
            Problem::Unknown { .. } | Problem::UnknownSubmodule { .. } => {
                Error::UnknownPath { path }
            }
        }
    }
}

/// Every mismatch between `params`/`state` and `module` within `scope`, in a stable order:
/// per module, its attributes, then its submodules, then unknown names. State leaves in
/// `params` and other leaves in `state` are ignored, so one full tree may be passed as
/// both.
pub fn mismatches(module: &dyn Module, params: &Tree, state: &Tree, scope: Scope) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let mut batch = None;
    let params = scope.params.then_some(params);
    let state = scope.state.then_some(state);
    walk(module, "", params, state, scope, &mut batch, &mut out);
    out
}

fn dtype_of(a: &Attribute) -> &'static str {
    if a.integer { "u64" } else { "f64" }
}

#[allow(clippy::too_many_lines)]
fn walk(
    m: &dyn Module,
    prefix: &str,
    params: Option<&Tree>,
    state: Option<&Tree>,
    scope: Scope,
    batch: &mut Option<(usize, String)>,
    out: &mut Vec<Mismatch>,
) {
    let children = m.children();
    // A set, not a scan: a chain of 100,000 children is checked in linear time.
    let child_names: std::collections::HashSet<&str> = children.iter().map(|(n, _)| *n).collect();
    for (tree, group) in [(params, "params"), (state, "state")] {
        let Some(tree) = tree else { continue };
        for (name, entry) in tree.iter() {
            let path = join_path(prefix, name);
            match entry {
                Entry::Leaf(l) => {
                    // Leaves of the other group (State in params, parameters in state)
                    // are ignored, as `evolve` ignores them: full trees may be passed.
                    // Checking params alone, a State leaf is not looked at at all.
                    let skipped = !scope.state && l.kind == Kind::State;
                    if !skipped && !m.attributes().iter().any(|a| a.name == name) {
                        out.push(Mismatch {
                            path,
                            problem: Problem::Unknown { group },
                        });
                    }
                }
                Entry::Branch(_) => {
                    if !child_names.contains(name) {
                        out.push(Mismatch {
                            path,
                            problem: Problem::UnknownSubmodule { group },
                        });
                    }
                }
            }
        }
    }
    let mut push = |path: String, problem: Problem| out.push(Mismatch { path, problem });
    for a in m.attributes() {
        let is_state = a.kind == Kind::State;
        if (is_state && !scope.state) || (!is_state && !scope.params) {
            continue;
        }
        let path = join_path(prefix, &a.name);
        let (tree, group) = if is_state {
            (state, "state")
        } else {
            (params, "params")
        };
        let leaf = match tree.and_then(|t| t.entry(&a.name)) {
            None => {
                push(
                    path,
                    Problem::Missing {
                        group,
                        kind: a.kind,
                        dtype: dtype_of(a),
                        shapes: a.shapes.clone(),
                    },
                );
                continue;
            }
            Some(Entry::Branch(_)) => {
                push(path, Problem::Subtree { kind: a.kind });
                continue;
            }
            Some(Entry::Leaf(l)) => l,
        };
        if leaf.kind != a.kind {
            push(
                path.clone(),
                Problem::Kind {
                    expected: a.kind,
                    found: leaf.kind,
                },
            );
        }
        if leaf.value.dtype() != dtype_of(a) {
            push(
                path.clone(),
                Problem::ElementType {
                    expected: dtype_of(a),
                    found: leaf.value.dtype(),
                },
            );
        }
        let shape = leaf.value.shape();
        if is_state {
            let per_sample = a.shapes.first().cloned().unwrap_or_default();
            if shape != per_sample.as_slice() {
                if shape.len() == per_sample.len() + 1 && shape[1..] == per_sample[..] {
                    match batch {
                        None => *batch = Some((shape[0], path.clone())),
                        Some((b, first)) if *b != shape[0] => push(
                            path.clone(),
                            Problem::BatchSize {
                                found: shape[0],
                                expected: *b,
                                first: first.clone(),
                            },
                        ),
                        Some(_) => {}
                    }
                } else {
                    push(
                        path.clone(),
                        Problem::Shape {
                            expected: vec![per_sample],
                            found: shape.to_vec(),
                            state: true,
                        },
                    );
                    continue;
                }
            }
            // A NaN or an infinity in a State (from a snapshot) would poison every
            // later step: refused like a parameter's.
            if scope.finite
                && let Value::F64(v) = &leaf.value
                && let Some((index, value)) = v.first_non_finite()
            {
                push(path, Problem::NonFinite { index, value });
            }
        } else if !a.permits(shape) {
            push(
                path.clone(),
                Problem::Shape {
                    expected: a.shapes.clone(),
                    found: shape.to_vec(),
                    state: false,
                },
            );
        } else if scope.finite
            && let Value::F64(v) = &leaf.value
            && let Some((index, value)) = v.first_non_finite()
        {
            push(path, Problem::NonFinite { index, value });
        } else if scope.finite
            // Finite values were just checked: the domain is scanned only when it
            // narrows them (a dense `w_rec` of 4M weights is then read once, not twice).
            && a.domain != Domain::Finite
            && let Value::F64(v) = &leaf.value
            && let Some((index, value)) = a.domain.first_outside(v.data())
        {
            push(
                path,
                Problem::Domain {
                    index,
                    value,
                    domain: a.domain,
                },
            );
        }
    }
    for (name, child) in &children {
        let path = join_path(prefix, name);
        let p = subtree(params, name, &path, "params", out);
        let s = subtree(state, name, &path, "state", out);
        if scope.branch_missing && scope.params && p.is_none() {
            if !out.iter().any(|x| x.path == path) {
                out.push(Mismatch {
                    path,
                    problem: Problem::MissingSubmodule,
                });
            }
            continue;
        }
        walk(*child, &path, p, s, scope, batch, out);
    }
}

fn subtree<'t>(
    tree: Option<&'t Tree>,
    name: &str,
    path: &str,
    group: &'static str,
    out: &mut Vec<Mismatch>,
) -> Option<&'t Tree> {
    match tree.and_then(|t| t.entry(name)) {
        Some(Entry::Branch(b)) => Some(b),
        Some(Entry::Leaf(_)) => {
            out.push(Mismatch {
                path: path.to_string(),
                problem: Problem::NotASubtree { group },
            });
            None
        }
        None => None,
    }
}
