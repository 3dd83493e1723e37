//! The call into matrixmultiply's `dgemm` (an `unsafe fn`: raw pointers and strides) behind
//! a safe function of slices, for [`crate::matmul`]. One `unsafe` block, with its SAFETY
//! argument.

/// `y = x · w` for row-major `x` (`rows × k`, row stride `k_stride`) and `w` (`k × m`, row
/// stride `m_stride`) into the row-major `y` (`rows × m`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm(
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

#[cfg(test)]
mod tests {
    use super::gemm;

    /// Deterministic values in [-1, 1) (a multiplicative hash of the index).
    fn values(n: usize, salt: u64) -> Vec<f64> {
        (0..n as u64)
            .map(|i| {
                let h = (i ^ salt).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11;
                h as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
            })
            .collect()
    }

    #[test]
    fn each_row_has_the_same_bits_whatever_the_number_of_rows_and_matches_a_triple_loop() {
        for (rows, k, m) in [(1, 1, 1), (3, 5, 2), (7, 33, 9), (13, 64, 70), (2, 300, 17)] {
            let (x, w) = (values(rows * k, 1), values(k * m, 2));
            let mut all = vec![0.0; rows * m];
            gemm(rows, k, m, &x, k as isize, &w, m as isize, &mut all);
            for r in 0..rows {
                let mut one = vec![0.0; m];
                gemm(
                    1,
                    k,
                    m,
                    &x[r * k..(r + 1) * k],
                    k as isize,
                    &w,
                    m as isize,
                    &mut one,
                );
                let bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                assert_eq!(
                    bits(&one),
                    bits(&all[r * m..(r + 1) * m]),
                    "row {r} of {rows}"
                );
                for j in 0..m {
                    let terms = (0..k).map(|p| x[r * k + p] * w[p * m + j]);
                    let (exact, scale): (f64, f64) =
                        terms.fold((0.0, 0.0), |(s, a), t| (s + t, a + t.abs()));
                    let eps = f64::EPSILON * (k + 1) as f64;
                    // Both sums are within γ_k·Σ|terms| of the exact one.
                    let bound = eps / (1.0 - eps) * scale;
                    assert!((all[r * m + j] - exact).abs() <= 2.0 * bound, "({r}, {j})");
                }
            }
        }
    }
}
