//! [`Csr`]: a validated compressed-sparse-row weight matrix, presynaptic neurons as rows.

use super::structure::Structure;
use littoral_core::{Error, Real, Result};

/// A sparse weight matrix of shape `(n_pre, n_post)` (Rockpool's `(Nin, Nout)` weight
/// orientation: `y = x · W`) in compressed-sparse-row form, one row per presynaptic
/// neuron. Row `i`'s synapses are `indices[indptr[i]..indptr[i + 1]]` (postsynaptic
/// neuron indices, strictly increasing) with the weights `data[indptr[i]..indptr[i + 1]]`.
///
/// Storage per synapse is one `u32` index and one `T` weight: 12 bytes in `f64`, 8 in
/// `f32`, plus one `usize` per row for `indptr`. The index arrays are a [`Structure`],
/// whose accessors the matrix's delegate to. Every constructor validates the
/// structure and the weights (see [`Csr::from_parts`]), so the propagation kernels never
/// index out of bounds.
///
/// ```
/// use littoral_nets::sparse::Csr;
/// // 2 presynaptic × 3 postsynaptic: 0 → 1 (0.5), 1 → 0 (-1), 1 → 2 (2).
/// let w = Csr::<f64>::from_parts("w_rec", 2, 3, vec![0, 1, 3], vec![1, 0, 2], vec![0.5, -1.0, 2.0])?;
/// assert_eq!(w.nnz(), 3);
/// assert_eq!(w.row(1), (&[0u32, 2][..], &[-1.0, 2.0][..]));
/// # Ok::<(), littoral_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Csr<T> {
    structure: Structure,
    data: Vec<T>,
}

impl<T: Real> Csr<T> {
    /// A matrix from its CSR arrays, validated. `path` is the dotted path of the leaf
    /// (`1_LIF.w_rec`); every error names `{path}.indptr`, `{path}.indices` or
    /// `{path}.data` and says what was expected and what was found.
    ///
    /// # Errors
    /// - `n_pre` or `n_post` larger than `u32::MAX + 1` (indices are `u32`);
    /// - `indptr` not of length `n_pre + 1`, not starting at 0, decreasing, or not ending at
    ///   the number of indices;
    /// - `indices` and `data` of different lengths;
    /// - an index `>= n_post`, or indices within a row not strictly increasing (unsorted
    ///   or duplicated);
    /// - a NaN or infinite weight.
    pub fn from_parts(
        path: &str,
        n_pre: usize,
        n_post: usize,
        indptr: Vec<usize>,
        indices: Vec<u32>,
        data: Vec<T>,
    ) -> Result<Self> {
        check_shape(path, n_pre, n_post)?;
        if indptr.len() != n_pre + 1 {
            return Err(Error::invalid(
                format!("{path}.indptr"),
                format!(
                    "expected length n_pre + 1 = {}, found {}",
                    n_pre + 1,
                    indptr.len()
                ),
            ));
        }
        if indptr[0] != 0 {
            return Err(Error::invalid(
                format!("{path}.indptr"),
                format!("expected indptr[0] = 0, found {}", indptr[0]),
            ));
        }
        if let Some(row) = indptr.windows(2).position(|w| w[1] < w[0]) {
            return Err(Error::invalid(
                format!("{path}.indptr"),
                format!(
                    "expected non-decreasing offsets, found indptr[{}] = {} > indptr[{}] = {}",
                    row,
                    indptr[row],
                    row + 1,
                    indptr[row + 1]
                ),
            ));
        }
        let last = indptr[n_pre];
        if last != indices.len() {
            return Err(Error::invalid(
                format!("{path}.indptr"),
                format!(
                    "expected the last offset to equal the number of indices ({}), found {}",
                    indices.len(),
                    last
                ),
            ));
        }
        check_data_len(path, &data, indices.len())?;
        for row in 0..n_pre {
            let cols = &indices[indptr[row]..indptr[row + 1]];
            check_row(path, row, indptr[row], cols, n_post)?;
        }
        check_finite(path, &data, |_| true)?;
        Ok(Csr {
            structure: Structure::from_checked(n_pre, n_post, indptr, indices),
            data,
        })
    }

    /// A matrix holding the entries of a dense row-major `(n_pre, n_post)` matrix for
    /// which `keep(value)` is true (`|v| v != 0.0` for the non-zeros, `|_| true` for all
    /// entries, explicit zeros included).
    ///
    /// ```
    /// use littoral_nets::sparse::Csr;
    /// let w = Csr::from_dense("w", 2, 2, &[0.0, 1.5, 2.0, 0.0], |v: f64| v != 0.0)?;
    /// assert_eq!(w.nnz(), 2);
    /// assert_eq!(w.to_dense(), vec![0.0, 1.5, 2.0, 0.0]);
    /// # Ok::<(), littoral_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// `values` not of length `n_pre × n_post`, a side too large for `u32` indices, or a
    /// non-finite kept value (named `{path}.data` with its flat dense index).
    pub fn from_dense(
        path: &str,
        n_pre: usize,
        n_post: usize,
        values: &[T],
        keep: impl Fn(T) -> bool,
    ) -> Result<Self> {
        check_shape(path, n_pre, n_post)?;
        if Some(values.len()) != n_pre.checked_mul(n_post) {
            return Err(Error::invalid(
                path,
                format!(
                    "expected {n_pre} × {n_post} dense values, found {}",
                    values.len()
                ),
            ));
        }
        check_finite(path, values, &keep)?;
        let mut indptr = Vec::with_capacity(n_pre + 1);
        let mut indices = Vec::new();
        let mut data = Vec::new();
        indptr.push(0);
        if n_post > 0 {
            for row in values.chunks(n_post) {
                for (j, &v) in row.iter().enumerate() {
                    if keep(v) {
                        // `check_shape` bounds j by u32::MAX.
                        indices.push(j as u32);
                        data.push(v);
                    }
                }
                indptr.push(indices.len());
            }
        } else {
            indptr.resize(n_pre + 1, 0);
        }
        Ok(Csr::from_checked_parts(
            n_pre, n_post, indptr, indices, data,
        ))
    }

    /// The dense row-major `(n_pre, n_post)` matrix (zeros where there is no synapse).
    pub fn to_dense(&self) -> Vec<T> {
        let (n_pre, n_post) = (self.n_pre(), self.n_post());
        let mut dense = vec![T::zero(); n_pre * n_post];
        for row in 0..n_pre {
            let (cols, vals) = self.row(row);
            let dense_row = &mut dense[row * n_post..(row + 1) * n_post];
            for (&j, &v) in cols.iter().zip(vals) {
                dense_row[j as usize] = v;
            }
        }
        dense
    }

    /// The index arrays (rows, columns, `indptr`, `indices`), without the weights.
    pub fn structure(&self) -> &Structure {
        &self.structure
    }

    /// Number of presynaptic neurons (rows).
    pub fn n_pre(&self) -> usize {
        self.structure.n_pre()
    }

    /// Number of postsynaptic neurons (columns).
    pub fn n_post(&self) -> usize {
        self.structure.n_post()
    }

    /// Number of stored synapses.
    pub fn nnz(&self) -> usize {
        self.structure.nnz()
    }

    /// Stored synapses over all `n_pre × n_post` possible ones (0 for an empty shape).
    pub fn density(&self) -> f64 {
        self.structure.density()
    }

    /// Row offsets: row `i` is `indptr[i]..indptr[i + 1]`.
    pub fn indptr(&self) -> &[usize] {
        self.structure.indptr()
    }

    /// Postsynaptic index of every synapse, row by row.
    pub fn indices(&self) -> &[u32] {
        self.structure.indices()
    }

    /// Weight of every synapse, in the order of [`Csr::indices`].
    pub fn data(&self) -> &[T] {
        &self.data
    }

    /// The postsynaptic indices and weights of presynaptic neuron `row`.
    ///
    /// # Panics
    /// When `row >= n_pre` (a caller's bug; the kernels check event indices first).
    pub fn row(&self, row: usize) -> (&[u32], &[T]) {
        let span = self.structure.span(row);
        (&self.structure.indices()[span.clone()], &self.data[span])
    }

    /// The same structure with new weights (a Parameter update: the structure is not a
    /// Parameter, the values are).
    ///
    /// # Errors
    /// `data` of the wrong length, or a non-finite value (named `{path}.data`).
    pub fn with_data(&self, path: &str, data: Vec<T>) -> Result<Self> {
        check_data_len(path, &data, self.nnz())?;
        check_finite(path, &data, |_| true)?;
        Ok(Csr {
            structure: self.structure.clone(),
            data,
        })
    }

    /// The matrix's parts `(n_pre, n_post, indptr, indices, data)`, without a copy.
    pub fn into_parts(self) -> (usize, usize, Vec<usize>, Vec<u32>, Vec<T>) {
        let (n_pre, n_post, indptr, indices) = self.structure.into_parts();
        (n_pre, n_post, indptr, indices, self.data)
    }

    /// The structure and the weights, without a copy (see [`Structure::split`]).
    pub(super) fn into_structure(self) -> (Structure, Vec<T>) {
        (self.structure, self.data)
    }

    /// Heap bytes held by the three arrays (their capacities, not only their lengths).
    pub fn heap_bytes(&self) -> usize {
        self.structure.indptr_bytes() + self.synapse_bytes()
    }

    /// Heap bytes of the per-synapse arrays (`indices` and `data`) only: 12 per synapse
    /// in `f64`, 8 in `f32`.
    pub fn synapse_bytes(&self) -> usize {
        self.structure.indices_bytes() + self.data.capacity() * size_of::<T>()
    }

    /// Assemble from arrays a constructor in this module has already made consistent.
    pub(crate) fn from_checked_parts(
        n_pre: usize,
        n_post: usize,
        indptr: Vec<usize>,
        mut indices: Vec<u32>,
        mut data: Vec<T>,
    ) -> Self {
        indices.shrink_to_fit();
        data.shrink_to_fit();
        Csr {
            structure: Structure::from_checked(n_pre, n_post, indptr, indices),
            data,
        }
    }
}

/// One value per synapse.
fn check_data_len<T>(path: &str, data: &[T], nnz: usize) -> Result<()> {
    if data.len() == nnz {
        return Ok(());
    }
    Err(Error::invalid(
        format!("{path}.data"),
        format!(
            "expected {nnz} values (one per synapse), found {}",
            data.len()
        ),
    ))
}

/// Every value of `values` for which `keep` holds is finite; the first that is not is
/// named `{path}.data` with its index.
fn check_finite<T: Real>(path: &str, values: &[T], keep: impl Fn(T) -> bool) -> Result<()> {
    match values.iter().position(|v| !v.is_finite() && keep(*v)) {
        None => Ok(()),
        Some(k) => Err(Error::NonFinite {
            path: format!("{path}.data"),
            index: k,
            value: values[k].to64(),
        }),
    }
}

/// Both sides must fit `u32` indices (synapse indices and spike events are `u32`).
pub(crate) fn check_shape(path: &str, n_pre: usize, n_post: usize) -> Result<()> {
    let limit = u32::MAX as usize + 1;
    if n_pre > limit || n_post > limit {
        return Err(Error::invalid(
            path,
            format!("at most {limit} neurons on each side (u32 indices), found {n_pre} × {n_post}"),
        ));
    }
    Ok(())
}

/// One row's indices: in range and strictly increasing.
fn check_row(path: &str, row: usize, offset: usize, cols: &[u32], n_post: usize) -> Result<()> {
    for (k, &j) in cols.iter().enumerate() {
        if j as usize >= n_post {
            return Err(Error::invalid(
                format!("{path}.indices"),
                format!(
                    "index {j} at position {} (row {row}) is out of range: expected < n_post = {n_post}",
                    offset + k
                ),
            ));
        }
        if k > 0 && cols[k - 1] >= j {
            return Err(Error::invalid(
                format!("{path}.indices"),
                format!(
                    "row {row} is not strictly increasing: index {} at position {} follows {} \
                     (indices must be sorted within each row, without duplicates)",
                    j,
                    offset + k,
                    cols[k - 1]
                ),
            ));
        }
    }
    Ok(())
}
