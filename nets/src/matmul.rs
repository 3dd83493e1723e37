//! Row-major matrix products through nalgebra (which is column-major): the one place where
//! the layout convention is translated.

use littoral_core::{Array, Error, Result};
use nalgebra::DMatrixView;

/// `x · w` for a row-major `x` of `rows × k` and `w` of shape `(k, m)`; returns the
/// row-major `rows × m` product. A row-major matrix is the column-major view of its
/// transpose, so this computes `(wᵀ · xᵀ)` and reads it back row-major.
///
/// ```
/// use littoral_core::Array;
/// let w = Array::from_rows(&[vec![1.0, 2.0], vec![3.0, 4.0]])?;
/// let y = littoral_nets::matmul::matmul(&[1.0, 1.0, 0.0, 1.0], 2, &w)?;
/// assert_eq!(y, vec![4.0, 6.0, 3.0, 4.0]);
/// # Ok::<(), littoral_core::Error>(())
/// ```
///
/// # Errors
/// When `w` is not 2-D or the sizes do not agree (checked before nalgebra, which would
/// panic).
pub fn matmul(x: &[f64], rows: usize, w: &Array) -> Result<Vec<f64>> {
    let (k, m) = match *w.shape() {
        [k, m] => (k, m),
        _ => {
            return Err(Error::shape(
                "weight",
                &[vec![x.len() / rows.max(1), 0]],
                w.shape(),
            ));
        }
    };
    if x.len() != rows * k {
        return Err(Error::Shape {
            path: "input".into(),
            expected: format!("{rows} rows of {k}"),
            found: format!("{} elements", x.len()),
        });
    }
    if rows == 0 || m == 0 {
        return Ok(vec![0.0; rows * m]);
    }
    let xt = DMatrixView::from_slice(x, k, rows);
    let wt = DMatrixView::from_slice(w.data(), m, k);
    Ok((wt * xt).as_slice().to_vec())
}

/// `x · w` for a batched `x` of shape `(B, T, K)` and `w` of shape `(K, M)`: one matrix
/// product over the whole `(B·T, K)` block, returned as `(B, T, M)`.
///
/// ```
/// use littoral_core::Array;
/// let x = Array::full(vec![2, 3, 2], 1.0);
/// let y = littoral_nets::matmul::matmul_batched(&x, &Array::full(vec![2, 4], 0.5))?;
/// assert_eq!(y.shape(), &[2, 3, 4]);
/// assert!(y.data().iter().all(|&v| v == 1.0));
/// # Ok::<(), littoral_core::Error>(())
/// ```
///
/// # Errors
/// When `x` is not 3-D or the inner sizes differ.
pub fn matmul_batched(x: &Array, w: &Array) -> Result<Array> {
    let (b, t) = match *x.shape() {
        [b, t, _] => (b, t),
        _ => return Err(Error::shape("input", &[vec![0, 0, 0]], x.shape())),
    };
    let m = w.shape().get(1).copied().unwrap_or(0);
    Array::from_shape_vec(vec![b, t, m], matmul(x.data(), b * t, w)?)
}
