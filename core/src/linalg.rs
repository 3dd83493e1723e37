//! nalgebra at the boundary: hand weights in as [`DMatrix`]/[`DVector`] and get arrays
//! out as them. Kernels keep their own row-major arrays (and `matrixmultiply`), so the
//! numbers do not depend on nalgebra; a conversion copies the values (nalgebra stores
//! column-major, [`Array`] row-major), element for element, without rounding.
//!
//! ```
//! use littoral_core::nalgebra::{DMatrix, DVector};
//! use littoral_core::{Array, InitValue};
//! let w = DMatrix::from_row_slice(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
//! let a = Array::from(&w);                                   // (2, 3), row-major
//! assert_eq!(a.data(), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
//! assert_eq!(a.to_dmatrix()?, w);                           // and back
//! let v = Array::from(DVector::from_vec(vec![0.5, 1.5]));
//! assert_eq!(v.shape(), &[2]);
//! assert!(Array::scalar(1.0).to_dmatrix().is_err());        // not 2-D
//! let _weight: InitValue = w.into();                         // any `with_*` setter takes it
//! # Ok::<(), littoral_core::Error>(())
//! ```

use crate::array::Array;
use crate::error::{Error, Result};
use crate::init::InitValue;
use nalgebra::{DMatrix, DVector};

impl From<&DMatrix<f64>> for Array {
    fn from(m: &DMatrix<f64>) -> Self {
        let (rows, cols) = m.shape();
        let mut a = Array::zeros(vec![rows, cols]);
        for (i, row) in a.data_mut().chunks_mut(cols.max(1)).enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = m[(i, j)];
            }
        }
        a
    }
}

impl From<DMatrix<f64>> for Array {
    fn from(m: DMatrix<f64>) -> Self {
        Array::from(&m)
    }
}

impl From<&DVector<f64>> for Array {
    fn from(v: &DVector<f64>) -> Self {
        Array::from_vec(v.as_slice().to_vec())
    }
}

impl From<DVector<f64>> for Array {
    fn from(v: DVector<f64>) -> Self {
        Array::from(&v)
    }
}

impl From<DMatrix<f64>> for InitValue {
    fn from(m: DMatrix<f64>) -> Self {
        Array::from(&m).into()
    }
}

impl From<DVector<f64>> for InitValue {
    fn from(v: DVector<f64>) -> Self {
        Array::from(&v).into()
    }
}

impl Array {
    /// This 2-D array as a [`DMatrix`].
    ///
    /// # Errors
    /// [`Error::Shape`] when the array is not 2-D.
    pub fn to_dmatrix(&self) -> Result<DMatrix<f64>> {
        match *self.shape() {
            [rows, cols] => Ok(DMatrix::from_row_slice(rows, cols, self.data())),
            _ => Err(Error::shape("array", &[vec![0, 0]], self.shape())),
        }
    }

    /// This 1-D array as a [`DVector`].
    ///
    /// # Errors
    /// [`Error::Shape`] when the array is not 1-D.
    pub fn to_dvector(&self) -> Result<DVector<f64>> {
        match *self.shape() {
            [_] => Ok(DVector::from_column_slice(self.data())),
            _ => Err(Error::shape("array", &[vec![0]], self.shape())),
        }
    }
}

impl TryFrom<&Array> for DMatrix<f64> {
    type Error = Error;
    fn try_from(a: &Array) -> Result<Self> {
        a.to_dmatrix()
    }
}

impl TryFrom<&Array> for DVector<f64> {
    type Error = Error;
    fn try_from(a: &Array) -> Result<Self> {
        a.to_dvector()
    }
}
