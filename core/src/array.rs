//! Owned, row-major (NumPy C-order) n-dimensional arrays: the numeric leaves of every tree.

use crate::error::{Error, Result};
use crate::wire::{Counted, CountedSeed, NumberLayout, WireItem};
use serde::de::DeserializeSeed;
use serde::{Deserialize, Serialize};

/// An owned row-major array with an explicit shape. A shape of `[]` is a scalar
/// (one element), as NumPy's `()`.
///
/// ```
/// use littoral_core::Array;
/// let a = Array::from_shape_vec(vec![2, 3], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0])?;
/// assert_eq!(a.shape(), &[2, 3]);
/// assert_eq!(a.get(&[1, 2]), Some(6.0));
/// # Ok::<(), littoral_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound(
    serialize = "T: WireItem + Serialize",
    deserialize = "T: WireItem + Deserialize<'de>"
))]
pub struct Array<T = f64> {
    pub(crate) shape: Vec<usize>,
    #[serde(
        serialize_with = "serialize_data",
        deserialize_with = "deserialize_data"
    )]
    pub(crate) data: Vec<T>,
}

/// An array's data: in a binary payload, its count and chunks of bytes
/// ([`crate::wire::Counted`]); in a human-readable format (JSON), a list of numbers.
fn serialize_data<S, T>(data: &[T], s: S) -> std::result::Result<S::Ok, S::Error>
where
    S: serde::Serializer,
    T: WireItem + Serialize,
{
    if s.is_human_readable() {
        s.collect_seq(data)
    } else {
        Counted(data).serialize(s)
    }
}

/// An array's data as [`serialize_data`] writes it, or, in a payload of format version 1
/// ([`crate::limits::number_layout`]), as serde's `Vec` reads it, reserved at once as far
/// as [`crate::limits::sequence_capacity`] allows (a weight array allocated once at its
/// length instead of grown by doubling).
fn deserialize_data<'de, D, T>(deserializer: D) -> std::result::Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: WireItem + Deserialize<'de>,
{
    struct Items<T>(std::marker::PhantomData<T>);

    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Items<T> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a sequence")
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> std::result::Result<Vec<T>, A::Error> {
            let mut items =
                Vec::with_capacity(crate::limits::sequence_capacity::<T>(seq.size_hint()));
            while let Some(item) = seq.next_element()? {
                items.push(item);
            }
            Ok(items)
        }
    }

    let items_one_by_one =
        deserializer.is_human_readable() || crate::limits::number_layout() == NumberLayout::Items;
    if items_one_by_one {
        deserializer.deserialize_seq(Items(std::marker::PhantomData))
    } else {
        CountedSeed::new().deserialize(deserializer)
    }
}

/// Format a shape as a Python tuple: `(2, 3)`, `(4,)`, `()`.
///
/// ```
/// assert_eq!(littoral_core::array::format_shape(&[4]), "(4,)");
/// ```
pub fn format_shape(shape: &[usize]) -> String {
    match shape {
        [] => "()".to_string(),
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Number of elements of a shape, or `None` on overflow.
pub fn checked_size(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
}

impl<T: Copy> Array<T> {
    /// Build an array from a shape and row-major data.
    ///
    /// # Errors
    /// [`Error::Shape`] when `data.len()` is not the product of `shape`.
    pub fn from_shape_vec(shape: impl Into<Vec<usize>>, data: Vec<T>) -> Result<Self> {
        let shape = shape.into();
        match checked_size(&shape) {
            Some(n) if n == data.len() => Ok(Array { shape, data }),
            _ => Err(Error::Invalid {
                path: "array".into(),
                message: format!(
                    "{} elements cannot have shape {}",
                    data.len(),
                    format_shape(&shape)
                ),
            }),
        }
    }

    /// An array of `shape` filled with `value`.
    ///
    /// ```
    /// let a = littoral_core::Array::full(vec![2], 0.5);
    /// assert_eq!(a.data(), &[0.5, 0.5]);
    /// ```
    pub fn full(shape: impl Into<Vec<usize>>, value: T) -> Self {
        let shape = shape.into();
        let n = shape.iter().product();
        Array {
            shape,
            data: vec![value; n],
        }
    }

    /// An array of `shape` whose elements are `f(i)` for the flat (row-major) indices
    /// `i = 0, 1, …` in order: the data always fits the shape.
    ///
    /// ```
    /// let a = littoral_core::Array::from_fn(vec![2, 2], |i| i as f64);
    /// assert_eq!(a.data(), &[0.0, 1.0, 2.0, 3.0]);
    /// ```
    pub fn from_fn(shape: impl Into<Vec<usize>>, f: impl FnMut(usize) -> T) -> Self {
        let shape = shape.into();
        let n = shape.iter().product();
        Array {
            shape,
            data: (0..n).map(f).collect(),
        }
    }

    /// A 1-D array from a vector.
    pub fn from_vec_1d(data: Vec<T>) -> Self {
        Array {
            shape: vec![data.len()],
            data,
        }
    }

    /// A `(rows.len(), K)` array of fixed-length rows, in order: the shape fits the data by
    /// construction, so this cannot fail.
    ///
    /// ```
    /// use littoral_core::Array;
    /// let keys = Array::from_fixed_rows(&[[7u64, 0], [8, 0]]);
    /// assert_eq!(keys.shape(), &[2, 2]);
    /// assert_eq!(keys.data(), &[7, 0, 8, 0]);
    /// ```
    pub fn from_fixed_rows<const K: usize>(rows: &[[T; K]]) -> Self {
        Array {
            shape: vec![rows.len(), K],
            data: rows.iter().flatten().copied().collect(),
        }
    }

    /// A 0-dimensional array holding one value.
    pub fn scalar(value: T) -> Self {
        Array {
            shape: Vec::new(),
            data: vec![value],
        }
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True when the array has no element.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The row-major data.
    pub fn data(&self) -> &[T] {
        &self.data
    }

    /// The row-major data, mutably.
    pub fn data_mut(&mut self) -> &mut [T] {
        &mut self.data
    }

    /// Consume the array, returning its data.
    pub fn into_data(self) -> Vec<T> {
        self.data
    }

    /// The element at a multi-index, or `None` when out of bounds.
    pub fn get(&self, index: &[usize]) -> Option<T> {
        if index.len() != self.shape.len() {
            return None;
        }
        let mut flat = 0;
        for (&i, &d) in index.iter().zip(&self.shape) {
            if i >= d {
                return None;
            }
            flat = flat * d + i;
        }
        self.data.get(flat).copied()
    }

    /// The same data under another shape with the same number of elements.
    ///
    /// # Errors
    /// [`Error::Invalid`] when the sizes differ.
    pub fn reshape(self, shape: impl Into<Vec<usize>>) -> Result<Self> {
        Array::from_shape_vec(shape, self.data)
    }

    /// Sub-array `i` along the first axis (e.g. sample `b` of a `(B, T, N)` array).
    ///
    /// # Errors
    /// [`Error::Invalid`] for a scalar or an out-of-range index.
    pub fn index_axis0(&self, i: usize) -> Result<Self> {
        let (first, rest) = self
            .shape
            .split_first()
            .ok_or_else(|| Error::invalid("array", "a scalar has no first axis"))?;
        if i >= *first {
            return Err(Error::invalid(
                "array",
                format!("index {i} out of range for axis of length {first}"),
            ));
        }
        let stride: usize = rest.iter().product();
        Ok(Array {
            shape: rest.to_vec(),
            data: self.data[i * stride..(i + 1) * stride].to_vec(),
        })
    }

    /// Rows `start..end` along the first axis.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a scalar or a range outside the axis.
    pub fn slice_axis0(&self, start: usize, end: usize) -> Result<Self> {
        let (first, rest) = self
            .shape
            .split_first()
            .ok_or_else(|| Error::invalid("array", "a scalar has no first axis"))?;
        if start > end || end > *first {
            return Err(Error::invalid(
                "array",
                format!("range {start}..{end} outside an axis of length {first}"),
            ));
        }
        let stride: usize = rest.iter().product();
        let mut shape = self.shape.clone();
        shape[0] = end - start;
        Ok(Array {
            shape,
            data: self.data[start * stride..end * stride].to_vec(),
        })
    }

    /// Stack arrays of equal shape along a new first axis.
    ///
    /// # Errors
    /// [`Error::Invalid`] when the shapes differ.
    pub fn stack(parts: &[&Array<T>]) -> Result<Self> {
        let inner = parts.first().map(|a| a.shape.clone()).unwrap_or_default();
        let mut data = Vec::with_capacity(parts.len() * inner.iter().product::<usize>());
        for p in parts {
            if p.shape != inner {
                return Err(Error::invalid(
                    "array",
                    format!(
                        "cannot stack shapes {} and {}",
                        format_shape(&inner),
                        format_shape(&p.shape)
                    ),
                ));
            }
            data.extend_from_slice(&p.data);
        }
        let mut shape = vec![parts.len()];
        shape.extend(inner);
        Ok(Array { shape, data })
    }

    /// Concatenate arrays along their second axis (time, in `(B, T, …)`; every other
    /// axis must agree): each row of the result is the parts' rows one after the other.
    ///
    /// ```
    /// use littoral_core::Array;
    /// let a = Array::from_fn(vec![2, 1, 2], |i| i as f64);        // [[[0, 1]], [[2, 3]]]
    /// let b = Array::from_fn(vec![2, 2, 2], |i| 10.0 + i as f64);
    /// let ab = Array::concat_axis1(&[&a, &b])?;
    /// assert_eq!(ab.shape(), &[2, 3, 2]);
    /// assert_eq!(&ab.data()[..6], &[0.0, 1.0, 10.0, 11.0, 12.0, 13.0]);
    /// # Ok::<(), littoral_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Invalid`] when there is no part, a part has fewer than two axes, or the
    /// shapes disagree outside axis 1.
    pub fn concat_axis1(parts: &[&Array<T>]) -> Result<Self> {
        let first = parts
            .first()
            .ok_or_else(|| Error::invalid("array", "nothing to concatenate"))?;
        let shape = first.shape();
        if shape.len() < 2 {
            return Err(Error::invalid("array", "no axis 1 to concatenate along"));
        }
        let (rows, tail) = (shape[0], &shape[2..]);
        let inner: usize = tail.iter().product();
        let mut total = 0;
        for p in parts {
            let s = p.shape();
            if s.len() != shape.len() || s[0] != rows || &s[2..] != tail {
                return Err(Error::invalid(
                    "array",
                    format!(
                        "cannot concatenate shapes {} and {} along axis 1",
                        format_shape(shape),
                        format_shape(s)
                    ),
                ));
            }
            total += s[1];
        }
        let mut data = Vec::with_capacity(rows * total * inner);
        for r in 0..rows {
            for p in parts {
                let len = p.shape()[1] * inner;
                data.extend_from_slice(&p.data()[r * len..(r + 1) * len]);
            }
        }
        let mut out_shape = vec![rows, total];
        out_shape.extend_from_slice(tail);
        Array::from_shape_vec(out_shape, data)
    }

    /// Concatenate arrays along their first axis (all other axes must agree).
    ///
    /// # Errors
    /// [`Error::Invalid`] when trailing shapes differ or a part is a scalar.
    pub fn concat_axis0(parts: &[&Array<T>]) -> Result<Self> {
        let first = parts
            .first()
            .ok_or_else(|| Error::invalid("array", "nothing to concatenate"))?;
        let tail = first
            .shape
            .get(1..)
            .ok_or_else(|| Error::invalid("array", "a scalar has no first axis"))?
            .to_vec();
        let mut rows = 0;
        let mut data = Vec::new();
        for p in parts {
            if p.shape.is_empty() || p.shape[1..] != tail[..] {
                return Err(Error::invalid(
                    "array",
                    format!(
                        "cannot concatenate shapes {} and {}",
                        format_shape(&first.shape),
                        format_shape(&p.shape)
                    ),
                ));
            }
            rows += p.shape[0];
            data.extend_from_slice(&p.data);
        }
        let mut shape = vec![rows];
        shape.extend(tail);
        Ok(Array { shape, data })
    }

    /// Apply `f` to every element.
    pub fn map<U: Copy>(&self, f: impl Fn(T) -> U) -> Array<U> {
        self.view().map(f)
    }
}

impl Array<f64> {
    /// An array of zeros.
    pub fn zeros(shape: impl Into<Vec<usize>>) -> Self {
        Array::full(shape, 0.0)
    }

    /// A 1-D array from a vector.
    pub fn from_vec(data: Vec<f64>) -> Self {
        Array {
            shape: vec![data.len()],
            data,
        }
    }

    /// A 2-D array from rows.
    ///
    /// # Errors
    /// [`Error::Invalid`] when the rows have different lengths.
    pub fn from_rows(rows: &[Vec<f64>]) -> Result<Self> {
        let cols = rows.first().map_or(0, Vec::len);
        if rows.iter().any(|r| r.len() != cols) {
            return Err(Error::invalid("array", "rows of different lengths"));
        }
        let data = rows.iter().flatten().copied().collect();
        Array::from_shape_vec(vec![rows.len(), cols], data)
    }

    /// The first non-finite element, as `(flat index, value)`.
    pub fn first_non_finite(&self) -> Option<(usize, f64)> {
        self.view().first_non_finite()
    }

    /// Bit-for-bit equality (distinguishes `-0.0` from `0.0`, equal NaN payloads are equal).
    ///
    /// ```
    /// use littoral_core::Array;
    /// assert!(!Array::scalar(0.0).bits_eq(&Array::scalar(-0.0)));
    /// ```
    pub fn bits_eq(&self, other: &Array<f64>) -> bool {
        self.shape == other.shape
            && self
                .data
                .iter()
                .zip(&other.data)
                .all(|(a, b)| a.to_bits() == b.to_bits())
    }

    /// Largest absolute element-wise difference, or `None` when the shapes differ.
    pub fn max_abs_diff(&self, other: &Array<f64>) -> Option<f64> {
        (self.shape == other.shape).then(|| {
            self.data
                .iter()
                .zip(&other.data)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max)
        })
    }
}

impl From<f64> for Array<f64> {
    fn from(v: f64) -> Self {
        Array::scalar(v)
    }
}

impl From<Vec<f64>> for Array<f64> {
    fn from(v: Vec<f64>) -> Self {
        Array::from_vec(v)
    }
}

impl From<&[f64]> for Array<f64> {
    fn from(v: &[f64]) -> Self {
        Array::from_vec(v.to_vec())
    }
}

impl<const N: usize> From<[f64; N]> for Array<f64> {
    fn from(v: [f64; N]) -> Self {
        Array::from_vec(v.to_vec())
    }
}

/// The first non-finite element of `data`, as `(index, value)`. Blocks of 256 values are
/// scanned without an early exit (a loop the compiler vectorises); only a block that holds
/// a NaN or an infinity is searched element by element. Inputs of a million values or
/// more are scanned in parallel on the current rayon pool (the first one is still the
/// first). Large inputs are checked at memory speed.
///
/// ```
/// use littoral_core::array::first_non_finite;
/// assert_eq!(first_non_finite(&[1.0, 2.0]), None);
/// let mut v = vec![0.5; 3_000_000];
/// v[2_700_000] = f64::NEG_INFINITY;
/// v[2_900_000] = f64::NAN;
/// assert_eq!(first_non_finite(&v), Some((2_700_000, f64::NEG_INFINITY)));
/// ```
pub fn first_non_finite(data: &[f64]) -> Option<(usize, f64)> {
    use rayon::prelude::*;
    const PAR_BLOCK: usize = 1 << 18;
    if data.len() < 4 * PAR_BLOCK {
        return first_non_finite_seq(data);
    }
    data.par_chunks(PAR_BLOCK)
        .enumerate()
        .find_map_first(|(b, chunk)| {
            first_non_finite_seq(chunk).map(|(i, v)| (b * PAR_BLOCK + i, v))
        })
}

fn first_non_finite_seq(data: &[f64]) -> Option<(usize, f64)> {
    const BLOCK: usize = 256;
    const EXP: u64 = 0x7FF0_0000_0000_0000;
    for (b, block) in data.chunks(BLOCK).enumerate() {
        // A value is non-finite when its exponent bits are all ones.
        let bad = block
            .iter()
            .fold(0u64, |acc, v| acc | u64::from(v.to_bits() & EXP == EXP));
        if bad != 0 {
            return block
                .iter()
                .position(|v| !v.is_finite())
                .map(|i| (b * BLOCK + i, block[i]));
        }
    }
    None
}
