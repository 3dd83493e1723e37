//! Rockpool's auto-batching: input shapes and the replication of state over a batch.

use crate::array::{Array, format_shape};
use crate::array_view::ArrayView;
use crate::error::{Error, Result};
use crate::init::{Attribute, Init};
use crate::rng::sample_key;
use crate::tree::{Leaf, Value};
use std::borrow::Cow;
use std::sync::Arc;

/// Bring input to `(B, T, size_in)`: `(T,)` is T steps of one value broadcast to every
/// channel, `(T, N)` is one sample, and a last dimension of 1 is broadcast to `size_in`.
/// An owned array's version of [`batch_view`]: a `(B, T, size_in)` input is borrowed.
///
/// ```
/// use littoral_core::{Array, batch::batch_input};
/// let x = Array::from_shape_vec(vec![5, 1], vec![1.0; 5])?;
/// assert_eq!(batch_input(&x, 3)?.shape(), &[1, 5, 3]);
/// # Ok::<(), littoral_core::Error>(())
/// ```
///
/// # Errors
/// As [`batch_view`].
pub fn batch_input(input: &Array<f64>, size_in: usize) -> Result<Cow<'_, Array<f64>>> {
    let batched = batch_view(input.view(), size_in)?;
    Ok(match batched.data {
        Cow::Borrowed(_) if input.ndim() == 3 => Cow::Borrowed(input),
        data => Cow::Owned(Array {
            shape: batched.shape.to_vec(),
            data: data.into_owned(),
        }),
    })
}

/// [`batch_input`] of an input the caller gives away: `(T, size_in)` is reshaped to
/// `(1, T, size_in)` and `(B, T, size_in)` kept, in the same buffer (no copy); `(T,)` and
/// a last dimension of 1 are broadcast into a new one.
///
/// ```
/// use littoral_core::{Array, batch::batch_owned};
/// let x = Array::from_shape_vec(vec![5, 2], vec![1.0; 10])?;
/// let at = x.data().as_ptr();
/// let b = batch_owned(x, 2)?;
/// assert_eq!((b.shape(), b.data().as_ptr()), (&[1, 5, 2][..], at));
/// # Ok::<(), littoral_core::Error>(())
/// ```
///
/// # Errors
/// As [`batch_view`].
pub fn batch_owned(input: Array<f64>, size_in: usize) -> Result<Array<f64>> {
    let (shape, broadcast) = {
        let batched = batch_view(input.view(), size_in)?;
        let broadcast = match batched.data {
            Cow::Owned(data) => Some(data),
            Cow::Borrowed(_) => None,
        };
        (batched.shape.to_vec(), broadcast)
    };
    Ok(Array {
        shape,
        data: broadcast.unwrap_or(input.data),
    })
}

/// An input brought to `(B, T, size_in)` by [`batch_view`]: the borrowed data when no
/// value had to be broadcast.
#[derive(Clone, Debug)]
pub struct BatchedInput<'a> {
    shape: [usize; 3],
    data: Cow<'a, [f64]>,
}

impl BatchedInput<'_> {
    /// The batched input, `(B, T, size_in)`.
    pub fn view(&self) -> ArrayView<'_> {
        ArrayView {
            shape: &self.shape,
            data: &self.data,
        }
    }
}

/// Bring a borrowed input to `(B, T, size_in)`: `(T, size_in)` and `(B, T, size_in)`
/// stay borrowed; `(T,)` and a last dimension of 1 are broadcast into a new buffer.
///
/// ```
/// use littoral_core::{ArrayView, batch::batch_view};
/// let data = [1.0; 10];
/// let x = batch_view(ArrayView::new(&[5, 2], &data)?, 2)?;
/// assert_eq!(x.view().shape(), &[1, 5, 2]);
/// assert_eq!(x.view().data().as_ptr(), data.as_ptr());
/// # Ok::<(), littoral_core::Error>(())
/// ```
///
/// # Errors
/// [`Error::Shape`] at path `input` for more than 3 dimensions, a scalar, or a channel
/// count that is neither 1 nor `size_in`.
pub fn batch_view(input: ArrayView<'_>, size_in: usize) -> Result<BatchedInput<'_>> {
    let shape = input.shape();
    let (b, t, n) = match *shape {
        [t] => (1, t, 1),
        [t, n] => (1, t, n),
        [b, t, n] => (b, t, n),
        _ => {
            return Err(Error::Shape {
                path: "input".into(),
                expected: format!("(T, {size_in}) or (B, T, {size_in})"),
                found: format_shape(shape),
            });
        }
    };
    if n == size_in {
        return Ok(BatchedInput {
            shape: [b, t, n],
            data: Cow::Borrowed(input.data()),
        });
    }
    if n == 1 {
        let mut data = Vec::with_capacity(b * t * size_in);
        for &v in input.data() {
            data.extend(std::iter::repeat_n(v, size_in));
        }
        return Ok(BatchedInput {
            shape: [b, t, size_in],
            data: Cow::Owned(data),
        });
    }
    Err(Error::Shape {
        path: "input".into(),
        expected: format!("(T, {size_in}) or (B, T, {size_in})"),
        found: format_shape(shape),
    })
}

/// The leaf of State `attr` for a batch of `batch` samples: a batched leaf is checked and
/// shared; a per-sample leaf is replicated (noise keys become one key per sample).
///
/// # Errors
/// [`Error::Shape`] when the leaf is neither per-sample nor `(batch, …)`.
pub fn batch_state_leaf(attr: &Attribute, leaf: &Leaf, batch: usize) -> Result<Leaf> {
    let per_sample = &attr.shapes[0];
    let shape = leaf.value.shape();
    if shape == per_sample.as_slice() {
        let value = match (&leaf.value, &attr.init) {
            (Value::U64(key), Init::RngKey) => {
                let k = key.data();
                let mut data = Vec::with_capacity(batch * k.len());
                for b in 0..batch {
                    data.push(sample_key(k[0], b as u64));
                    data.extend_from_slice(&k[1..]);
                }
                let mut s = vec![batch];
                s.extend_from_slice(per_sample);
                Value::U64(Arc::new(Array::from_shape_vec(s, data)?))
            }
            (Value::U64(a), _) => Value::U64(Arc::new(replicate(a, batch)?)),
            (Value::F64(a), _) => Value::F64(Arc::new(replicate(a, batch)?)),
        };
        return Ok(leaf.with_value(value));
    }
    if shape.len() == per_sample.len() + 1 && shape[0] == batch && shape[1..] == per_sample[..] {
        return Ok(leaf.clone());
    }
    let mut batched = vec![batch];
    batched.extend_from_slice(per_sample);
    Err(
        Error::shape(&attr.name, &[per_sample.clone(), batched], shape).with_hint(
            "state batch does not match the input batch: pass a per-sample state (reset_state) \
         or one evolved with the same batch size",
        ),
    )
}

fn replicate<T: Copy>(a: &Array<T>, batch: usize) -> Result<Array<T>> {
    let mut shape = vec![batch];
    shape.extend_from_slice(a.shape());
    let mut data = Vec::with_capacity(batch * a.len());
    for _ in 0..batch {
        data.extend_from_slice(a.data());
    }
    Array::from_shape_vec(shape, data)
}

impl Error {
    /// Append a hint to what a shape error found (other errors are returned as they are).
    #[must_use]
    pub fn with_hint(mut self, hint: &str) -> Self {
        if let Error::Shape { found, .. } = &mut self {
            *found = format!("{found} ({hint})");
        }
        self
    }
}
