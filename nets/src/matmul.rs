//! Row-major matrix products: one tuned GEMM (matrixmultiply) whose per-element summation
//! order does not depend on the number of rows, so splitting a batch or the time axis
//! gives the same bits.

use littoral_core::{Array, ArrayView, Error, Result};

/// `x · w` for a row-major `x` of `rows × k` and `w` of shape `(k, m)`; returns the
/// row-major `rows × m` product. Each output row is computed with the same summation order
/// whatever `rows` is (matrixmultiply's microkernels accumulate over `k` in fixed blocks),
/// so evolving a batch in chunks or time in pieces is bit-identical.
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
/// When `w` is not 2-D or the sizes do not agree.
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
    let mut y = vec![0.0; rows * m];
    if rows == 0 || m == 0 || k == 0 {
        return Ok(y);
    }
    let stride = |n: usize| isize::try_from(n).map_err(|_| Error::invalid("weight", "too large"));
    let (k_stride, m_stride) = (stride(k)?, stride(m)?);
    crate::audited::dgemm::gemm(rows, k, m, x, k_stride, w.data(), m_stride, &mut y);
    Ok(y)
}

/// `x · w` for a batched `x` of shape `(B, T, K)` and `w` of shape `(K, M)`: one matrix
/// product over the whole `(B·T, K)` block, returned as `(B, T, M)`.
///
/// ```
/// use littoral_core::Array;
/// let x = Array::full(vec![2, 3, 2], 1.0);
/// let y = littoral_nets::matmul::matmul_batched(x.view(), &Array::full(vec![2, 4], 0.5))?;
/// assert_eq!(y.shape(), &[2, 3, 4]);
/// assert!(y.data().iter().all(|&v| v == 1.0));
/// # Ok::<(), littoral_core::Error>(())
/// ```
///
/// # Errors
/// When `x` is not 3-D or the inner sizes differ.
pub fn matmul_batched(x: ArrayView<'_>, w: &Array) -> Result<Array> {
    let (b, t) = match *x.shape() {
        [b, t, _] => (b, t),
        _ => return Err(Error::shape("input", &[vec![0, 0, 0]], x.shape())),
    };
    let m = w.shape().get(1).copied().unwrap_or(0);
    Array::from_shape_vec(vec![b, t, m], matmul(x.data(), b * t, w)?)
}
