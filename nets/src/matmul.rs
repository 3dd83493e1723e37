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
    gemm(rows, k, m, x, k_stride, w.data(), m_stride, &mut y);
    Ok(y)
}

/// `y = x · w` for row-major `x` (`rows × k`, row stride `k_stride`) and `w` (`k × m`, row
/// stride `m_stride`) into the row-major `y` (`rows × m`).
#[allow(unsafe_code, clippy::too_many_arguments)]
fn gemm(
    rows: usize,
    k: usize,
    m: usize,
    x: &[f64],
    k_stride: isize,
    w: &[f64],
    m_stride: isize,
    y: &mut [f64],
) {
    debug_assert!(x.len() >= rows * k && w.len() >= k * m && y.len() >= rows * m);
    // SAFETY: `dgemm` reads `rows × k` elements of `x` at (i·k_stride + j), `k × m` of `w` at
    // (i·m_stride + j) and writes `rows × m` of `y` at (i·m_stride + j); the callers checked
    // `x.len() == rows·k`, `w` has shape (k, m) and `y.len() == rows·m`, with
    // k_stride == k and m_stride == m, so every access is in bounds; the three slices do
    // not overlap (`y` is a unique borrow).
    unsafe {
        matrixmultiply::dgemm(
            rows,
            k,
            m,
            1.0,
            x.as_ptr(),
            k_stride,
            1,
            w.as_ptr(),
            m_stride,
            1,
            0.0,
            y.as_mut_ptr(),
            m_stride,
            1,
        );
    }
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
