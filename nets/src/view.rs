//! Typed reads of a module's own leaves, decoded once per `evolve` call.

use littoral_core::{Array, Error, Result, Tree, TreeExt};

/// A per-element vector of length `n` from a leaf that is a scalar or already has `n`
/// elements (Rockpool permits `()` wherever a per-neuron vector is allowed).
///
/// # Errors
/// A missing leaf, or one whose size is neither 1 nor `n`.
pub fn per_element(tree: &Tree, name: &str, n: usize) -> Result<Vec<f64>> {
    let a = tree.array(name)?;
    match a.len() {
        1 => Ok(vec![a.data()[0]; n]),
        len if len == n => Ok(a.data().to_vec()),
        _ => Err(Error::shape(name, &[vec![n], vec![]], a.shape())),
    }
}

/// The value of a scalar leaf.
///
/// # Errors
/// A missing leaf, or one with more than one element.
pub fn scalar(tree: &Tree, name: &str) -> Result<f64> {
    let a = tree.array(name)?;
    match a.data() {
        [v] => Ok(*v),
        _ => Err(Error::shape(name, &[vec![]], a.shape())),
    }
}

/// A `u64` State leaf of shape `(B, 2)` holding `[noise key, step]` per sample.
///
/// # Errors
/// A missing leaf or one of another shape.
pub fn rng_keys(state: &Tree, batch: usize) -> Result<Vec<[u64; 2]>> {
    let leaf = state.get("rng_key").ok_or_else(|| Error::MissingPath {
        path: "rng_key".into(),
    })?;
    let a = leaf.value.as_u64().ok_or_else(|| Error::Kind {
        path: "rng_key".into(),
        expected: "u64 array".into(),
        found: leaf.value.dtype().into(),
    })?;
    if a.shape() != [batch, 2] {
        return Err(Error::shape("rng_key", &[vec![batch, 2]], a.shape()));
    }
    Ok(a.data().chunks(2).map(|c| [c[0], c[1]]).collect())
}

/// `[key, step + steps]` for every sample, as a `(B, 2)` array.
pub fn advanced_keys(keys: &[[u64; 2]], steps: usize) -> Array<u64> {
    let advanced: Vec<[u64; 2]> = keys
        .iter()
        .map(|k| [k[0], k[1].wrapping_add(steps as u64)])
        .collect();
    Array::from_fixed_rows(&advanced)
}

/// A batched State array `(B, …)` with the given per-sample size.
///
/// # Errors
/// A missing leaf or a size mismatch.
pub fn batched<'t>(
    state: &'t Tree,
    name: &str,
    batch: usize,
    per_sample: &[usize],
) -> Result<&'t Array> {
    let a = state.array(name)?;
    match a.shape().split_first() {
        Some((&b, rest)) if b == batch && rest == per_sample => Ok(a),
        _ => {
            let want = [&[batch], per_sample].concat();
            Err(Error::shape(name, &[want], a.shape()))
        }
    }
}
