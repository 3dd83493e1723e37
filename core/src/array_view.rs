//! A borrowed row-major array: a shape and a slice of data, as an [`Array`] lends them.
//! What [`crate::Module::evolve_batch`] reads its input through, so an input need not be
//! an owned `Array` (the Python package lends a NumPy buffer).

use crate::array::{Array, checked_size, format_shape};
use crate::error::{Error, Result};

/// A borrowed row-major array with an explicit shape (`[]`: a scalar). Cheap to copy;
/// made from an [`Array`] for free ([`Array::view`], `From<&Array>`).
///
/// ```
/// use littoral_core::{Array, ArrayView};
/// let data = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
/// let v = ArrayView::new(&[1, 2, 3], &data)?;
/// assert_eq!(v.shape(), &[1, 2, 3]);
/// assert_eq!(v.to_owned(), Array::from_shape_vec(vec![1, 2, 3], data.to_vec())?);
/// # Ok::<(), littoral_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ArrayView<'a, T = f64> {
    pub(crate) shape: &'a [usize],
    pub(crate) data: &'a [T],
}

impl<'a, T: Copy> ArrayView<'a, T> {
    /// Steps `start..end` of a `(B, T, …)` view (its axis 1), copied.
    ///
    /// ```
    /// use littoral_core::Array;
    /// let x = Array::from_fn(vec![2, 3, 1], |i| i as f64);       // [[0, 1, 2], [3, 4, 5]]
    /// let middle = x.view().slice_axis1(1, 3)?;
    /// assert_eq!(middle.shape(), &[2, 2, 1]);
    /// assert_eq!(middle.data(), &[1.0, 2.0, 4.0, 5.0]);
    /// # Ok::<(), littoral_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Invalid`] for a view with fewer than two axes or a range outside axis 1.
    pub fn slice_axis1(&self, start: usize, end: usize) -> Result<Array<T>> {
        let shape = self.shape;
        if shape.len() < 2 || start > end || end > shape[1] {
            return Err(Error::invalid(
                "input",
                format!(
                    "steps {start}..{end} outside the time axis of shape {}",
                    crate::array::format_shape(shape)
                ),
            ));
        }
        let inner: usize = shape[2..].iter().product();
        let row = shape[1] * inner;
        let mut data = Vec::with_capacity(shape[0] * (end - start) * inner);
        for r in 0..shape[0] {
            data.extend_from_slice(&self.data[r * row + start * inner..r * row + end * inner]);
        }
        let mut out = shape.to_vec();
        out[1] = end - start;
        Array::from_shape_vec(out, data)
    }

    /// A view of row-major `data` with `shape`.
    ///
    /// # Errors
    /// [`Error::Invalid`] when `data.len()` is not the product of `shape`.
    pub fn new(shape: &'a [usize], data: &'a [T]) -> Result<Self> {
        match checked_size(shape) {
            Some(n) if n == data.len() => Ok(ArrayView { shape, data }),
            _ => Err(Error::invalid(
                "array",
                format!(
                    "{} elements cannot have shape {}",
                    data.len(),
                    format_shape(shape)
                ),
            )),
        }
    }

    /// The shape.
    pub fn shape(&self) -> &'a [usize] {
        self.shape
    }

    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True when the view has no element.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The row-major data.
    pub fn data(&self) -> &'a [T] {
        self.data
    }

    /// An owned copy.
    pub fn to_owned(&self) -> Array<T> {
        self.map(|x| x)
    }

    /// Apply `f` to every element, into an owned array.
    pub fn map<U: Copy>(&self, f: impl Fn(T) -> U) -> Array<U> {
        Array {
            shape: self.shape.to_vec(),
            data: self.data.iter().map(|&x| f(x)).collect(),
        }
    }
}

impl ArrayView<'_, f64> {
    /// The first non-finite element, as `(flat index, value)`.
    pub fn first_non_finite(&self) -> Option<(usize, f64)> {
        crate::array::first_non_finite(self.data)
    }
}

impl<T: Copy> Array<T> {
    /// A borrowed view of the whole array (free).
    pub fn view(&self) -> ArrayView<'_, T> {
        ArrayView {
            shape: &self.shape,
            data: &self.data,
        }
    }
}

impl<'a, T: Copy> From<&'a Array<T>> for ArrayView<'a, T> {
    fn from(a: &'a Array<T>) -> Self {
        a.view()
    }
}
