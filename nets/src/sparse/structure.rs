//! [`Structure`]: the index arrays of a sparse weight matrix without its values (the
//! values are a module's Parameter, in its tree), and how a network file describes a
//! sparse matrix ([`Structure::from_json`]).

use super::csr::Csr;
use super::init::{Connectivity, SparseInit, Weights};
use littoral_core::network::{integer_list, json_to_array};
use littoral_core::registry::FileEntry;
use littoral_core::{Error, Result, SparseStructure};
use serde_json::{Map, Value as Json, json};

/// The structure of a validated CSR matrix `(n_pre, n_post)`: `indptr` (`n_pre + 1`
/// offsets) and `indices` (`u32`, strictly increasing within a row, in range). 4 bytes per
/// synapse, plus 8 per row; the weights (8 bytes per synapse in `f64`) are held by the
/// module's tree.
#[derive(Clone, Debug, PartialEq)]
pub struct Structure {
    n_pre: usize,
    n_post: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
}

impl Structure {
    /// Split a matrix into its structure and its weights (no copy).
    pub fn split(csr: Csr<f64>) -> (Structure, Vec<f64>) {
        csr.into_structure()
    }

    /// Assemble from arrays [`Csr`]'s constructors have validated.
    pub(super) fn from_checked(
        n_pre: usize,
        n_post: usize,
        indptr: Vec<usize>,
        indices: Vec<u32>,
    ) -> Self {
        Structure {
            n_pre,
            n_post,
            indptr,
            indices,
        }
    }

    /// The parts `(n_pre, n_post, indptr, indices)`, without a copy.
    pub(super) fn into_parts(self) -> (usize, usize, Vec<usize>, Vec<u32>) {
        (self.n_pre, self.n_post, self.indptr, self.indices)
    }

    /// Row `i`'s synapses: `indptr[i]..indptr[i + 1]`.
    ///
    /// # Panics
    /// When `i >= n_pre`.
    #[inline]
    pub(super) fn span(&self, i: usize) -> std::ops::Range<usize> {
        self.indptr[i]..self.indptr[i + 1]
    }

    /// Heap bytes of `indptr` (its capacity).
    pub(super) fn indptr_bytes(&self) -> usize {
        self.indptr.capacity() * size_of::<usize>()
    }

    /// Heap bytes of `indices` (its capacity).
    pub(super) fn indices_bytes(&self) -> usize {
        self.indices.capacity() * size_of::<u32>()
    }

    /// Presynaptic neurons (rows).
    pub fn n_pre(&self) -> usize {
        self.n_pre
    }

    /// Postsynaptic channels (columns).
    pub fn n_post(&self) -> usize {
        self.n_post
    }

    /// Number of synapses.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Synapses over all `n_pre × n_post` possible ones (0 for an empty shape).
    pub fn density(&self) -> f64 {
        self.view().density()
    }

    /// Row offsets: row `i` is `indptr[i]..indptr[i + 1]`.
    pub fn indptr(&self) -> &[usize] {
        &self.indptr
    }

    /// Postsynaptic index of every synapse, row by row.
    pub fn indices(&self) -> &[u32] {
        &self.indices
    }

    /// `out[k] += c · w[i, k]` for every `(i, c)` of `rows` (presynaptic rows in
    /// increasing order with their spike counts): each `out[k]` receives its terms in
    /// presynaptic order (the order of the dense kernel, without its `+ c · 0` for absent
    /// entries). `data` is the weights, one per synapse. Cost O(Σ fan-out).
    ///
    /// # Panics
    /// A row `>= n_pre`, or `data`/`out` shorter than the structure needs (callers check
    /// both once per call).
    #[inline]
    pub fn accumulate_rows<F: littoral_core::Real>(
        &self,
        data: &[F],
        rows: &[(usize, F)],
        out: &mut [F],
    ) {
        for &(i, c) in rows {
            let span = self.span(i);
            for (&k, &w) in self.indices[span.clone()].iter().zip(&data[span]) {
                out[k as usize] += c * w;
            }
        }
    }

    /// Set to zero the entries of `out` that the `rows` reach: with
    /// [`Structure::accumulate_rows`], clears the previous step's input in O(Σ fan-out)
    /// instead of O(n_post).
    ///
    /// # Panics
    /// As [`Structure::accumulate_rows`].
    #[inline]
    pub fn zero_rows<F: littoral_core::Real>(&self, rows: &[(usize, F)], out: &mut [F]) {
        for &(i, _) in rows {
            for &k in &self.indices[self.span(i)] {
                out[k as usize] = F::zero();
            }
        }
    }

    /// The structure lent as a module option (the network format writes it as
    /// `{"indices", "indptr", "shape"}`; `littoral inspect` counts its synapses).
    pub fn view(&self) -> SparseStructure<'_> {
        SparseStructure {
            shape: [self.n_pre, self.n_post],
            indptr: &self.indptr,
            indices: &self.indices,
        }
    }

    /// A sparse `(n_pre, n_neurons · n_syn)` matrix as a network file gives it in an
    /// option of `entry` (`v`, its JSON; `path`, its JSON path, for errors and as the
    /// seed's label; the entry holds the `indptr` and `indices` of a file read as text,
    /// already read into integers: [`FileEntry::integer_list`]):
    ///
    /// - explicit CSR `{"shape"?, "indptr", "indices", "data"?}` (without `data`, as a
    ///   written file or a snapshot stores it, the weights are zeros here and come from the
    ///   Parameter);
    /// - an initialiser `{"init": "fixed_probability", "p", "autapses"?, "weight", "seed"?}`
    ///   or `{"init": "fixed_in_degree", "k", …}` with `weight` one of `{"constant": w}`,
    ///   `{"uniform": [low, high]}`, `{"normal": [mean, std]}`, `seed` default 0,
    ///   `autapses` default `true`;
    /// - for several synapses per neuron, an initialiser with `"blocks"`: the connectivity
    ///   is drawn between neurons `(n_pre, n_neurons)` and each block `{"pre": [a, b],
    ///   "synapse": s, "weight": w}` sends rows `a..b` onto synapse `s` of their targets
    ///   with the constant weight `w` (CUBA's excitatory and inhibitory populations).
    ///
    /// # Errors
    /// Anything malformed, naming `{path}.key`; the validation errors of [`Csr::from_parts`]
    /// (unsorted or out-of-range indices, a wrong `indptr` length) and of
    /// [`SparseInit::build`].
    pub fn from_json(
        entry: &FileEntry<'_>,
        v: &Json,
        path: &str,
        n_pre: usize,
        n_neurons: usize,
        n_syn: usize,
    ) -> Result<Csr<f64>> {
        let o = v.as_object().ok_or_else(|| {
            Error::invalid(
                path,
                "expected a sparse matrix: {\"indptr\", \"indices\", \"data\"} or \
                 {\"init\": \"fixed_probability\" | \"fixed_in_degree\", …}",
            )
        })?;
        let n_post = n_neurons * n_syn;
        if let Some(shape) = o.get("shape") {
            let want = json!([n_pre, n_post]);
            if *shape != want {
                return Err(Error::invalid(
                    format!("{path}.shape"),
                    format!("expected {want}, found {shape}"),
                ));
            }
        }
        if o.contains_key("init") {
            return from_init(entry, o, path, n_pre, n_neurons, n_syn);
        }
        let indptr = entry
            .integer_list(o, path, "indptr")?
            .into_u64()
            .into_iter()
            .map(|x| x as usize)
            .collect();
        let indices = entry
            .integer_list(o, path, "indices")?
            .into_u32()
            .map_err(|x| {
                Error::invalid(
                    format!("{path}.indices"),
                    format!("index {x} is out of range: expected < n_post = {n_post}"),
                )
            })?;
        let data = match o.get("data") {
            Some(d) => json_to_array(d, &format!("{path}.data"))?.data().to_vec(),
            None => vec![0.0; indices.len()],
        };
        Csr::from_parts(path, n_pre, n_post, indptr, indices, data)
    }
}

fn number(o: &Map<String, Json>, path: &str, key: &str) -> Result<f64> {
    o.get(key)
        .and_then(Json::as_f64)
        .ok_or_else(|| Error::invalid(format!("{path}.{key}"), "missing, or not a number"))
}

fn weights(v: Option<&Json>, path: &str) -> Result<Weights> {
    let at = format!("{path}.weight");
    let bad = || {
        Error::invalid(
            &at,
            "expected {\"constant\": w}, {\"uniform\": [low, high]} or {\"normal\": [mean, std]}",
        )
    };
    let o = v.and_then(Json::as_object).ok_or_else(bad)?;
    let pair = |x: &Json| -> Result<(f64, f64)> {
        match x.as_array().map(Vec::as_slice) {
            Some([a, b]) => Ok((a.as_f64().ok_or_else(bad)?, b.as_f64().ok_or_else(bad)?)),
            _ => Err(bad()),
        }
    };
    match (o.len(), o.iter().next()) {
        (1, Some((k, x))) if k == "constant" => Ok(Weights::Constant(x.as_f64().ok_or_else(bad)?)),
        (1, Some((k, x))) if k == "uniform" => {
            let (low, high) = pair(x)?;
            Ok(Weights::Uniform { low, high })
        }
        (1, Some((k, x))) if k == "normal" => {
            let (mean, std) = pair(x)?;
            Ok(Weights::Normal { mean, std })
        }
        _ => Err(bad()),
    }
}

/// Draw an initialiser's matrix, its memory claimed from the read's budget first
/// ([`FileEntry::claim_memory`]).
fn from_init(
    entry: &FileEntry<'_>,
    o: &Map<String, Json>,
    path: &str,
    n_pre: usize,
    n_neurons: usize,
    n_syn: usize,
) -> Result<Csr<f64>> {
    const KEYS: &[&str] = &[
        "shape", "init", "p", "k", "autapses", "weight", "seed", "blocks",
    ];
    if let Some(k) = o.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(Error::invalid(format!("{path}.{k}"), "unknown key"));
    }
    let autapses = match o.get("autapses") {
        None => true,
        Some(a) => a
            .as_bool()
            .ok_or_else(|| Error::invalid(format!("{path}.autapses"), "must be true or false"))?,
    };
    let connectivity = match o.get("init").and_then(Json::as_str) {
        Some("fixed_probability") => Connectivity::FixedProbability {
            p: number(o, path, "p")?,
            autapses,
        },
        Some("fixed_in_degree") => Connectivity::FixedInDegree {
            k: o.get("k")
                .and_then(Json::as_u64)
                .and_then(|k| usize::try_from(k).ok())
                .ok_or_else(|| {
                    Error::invalid(
                        format!("{path}.k"),
                        "missing, or not a non-negative integer",
                    )
                })?,
            autapses,
        },
        _ => {
            return Err(Error::invalid(
                format!("{path}.init"),
                "expected \"fixed_probability\" or \"fixed_in_degree\"",
            ));
        }
    };
    let seed = match o.get("seed") {
        None => 0,
        Some(s) => s.as_u64().ok_or_else(|| {
            Error::invalid(format!("{path}.seed"), "expected a non-negative integer")
        })?,
    };
    let Some(blocks) = o.get("blocks") else {
        let init = SparseInit {
            connectivity,
            weights: weights(o.get("weight"), path)?,
        };
        let n_post = n_neurons * n_syn;
        let synapses = init.synapse_bound(path, n_pre, n_post)?;
        claim_drawing(
            entry,
            path,
            synapses,
            init.draw_bytes::<f64>(n_pre, n_post, synapses),
        )?;
        return init.build(path, n_pre, n_post, seed);
    };
    if o.contains_key("weight") {
        return Err(Error::invalid(
            format!("{path}.weight"),
            "with `blocks`, each block gives its weight",
        ));
    }
    let blocks = parse_blocks(blocks, &format!("{path}.blocks"), n_pre, n_syn)?;
    let init = SparseInit {
        connectivity,
        weights: Weights::Constant(1.0),
    };
    let synapses = init.synapse_bound(path, n_pre, n_neurons)?;
    // Sent onto the synapse planes in place, with an `indptr` of its own.
    let bytes = init
        .draw_bytes::<f64>(n_pre, n_neurons, synapses)
        .saturating_add((n_pre as u64 + 1).saturating_mul(8));
    claim_drawing(entry, path, synapses, bytes)?;
    let neurons = init.build::<f64>(path, n_pre, n_neurons, seed)?;
    onto_synapses(neurons, n_syn, |i| {
        blocks
            .iter()
            .find(|b| b.pre.contains(&i))
            .map(|b| (b.synapse, b.weight))
    })
}

fn claim_drawing(entry: &FileEntry<'_>, path: &str, synapses: u64, bytes: u64) -> Result<()> {
    entry.claim_memory(path, &format!("drawing up to {synapses} synapses"), bytes)
}

/// One block of presynaptic rows sent onto one synapse type with one weight.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// The presynaptic rows.
    pub pre: std::ops::Range<usize>,
    /// The synapse type of their targets.
    pub synapse: usize,
    /// Their weight.
    pub weight: f64,
}

fn parse_blocks(v: &Json, path: &str, n_pre: usize, n_syn: usize) -> Result<Vec<Block>> {
    let list = v
        .as_array()
        .ok_or_else(|| Error::invalid(path, "expected a list of blocks"))?;
    let mut blocks: Vec<Block> = Vec::with_capacity(list.len());
    for (k, b) in list.iter().enumerate() {
        let at = format!("{path}[{k}]");
        let o = b.as_object().ok_or_else(|| {
            Error::invalid(
                &at,
                "expected {\"pre\": [a, b], \"synapse\": s, \"weight\": w}",
            )
        })?;
        let pre = integer_list(o.get("pre"), &format!("{at}.pre"))?.into_u64();
        let [a, b] = pre[..] else {
            return Err(Error::invalid(format!("{at}.pre"), "expected [first, end)"));
        };
        let (a, b) = (a as usize, b as usize);
        if a > b || b > n_pre || blocks.iter().any(|x| x.pre.start < b && a < x.pre.end) {
            return Err(Error::invalid(
                format!("{at}.pre"),
                format!(
                    "expected a range within 0..{n_pre} not overlapping another block, found {a}..{b}"
                ),
            ));
        }
        let synapse = o
            .get("synapse")
            .and_then(Json::as_u64)
            .map(|s| s as usize)
            .filter(|&s| s < n_syn)
            .ok_or_else(|| {
                Error::invalid(
                    format!("{at}.synapse"),
                    format!("expected a synapse index below {n_syn}"),
                )
            })?;
        let weight = number(o, &at, "weight")?;
        if !weight.is_finite() {
            return Err(Error::invalid(format!("{at}.weight"), "must be finite"));
        }
        blocks.push(Block {
            pre: a..b,
            synapse,
            weight,
        });
    }
    Ok(blocks)
}

/// A neuron-to-neuron matrix `(n_pre, n_neurons)` sent onto synapses: row `i`'s entry for
/// neuron `j` becomes column `j · n_syn + s` with weight `w`, where `(s, w) = block(i)`;
/// rows without a block lose their synapses. In place (no second copy of the matrix).
///
/// # Errors
/// A side too large for `u32` indices.
pub fn onto_synapses(
    neurons: Csr<f64>,
    n_syn: usize,
    block: impl Fn(usize) -> Option<(usize, f64)>,
) -> Result<Csr<f64>> {
    let (n_pre, n_neurons, indptr, mut indices, mut data) = neurons.into_parts();
    let n_post = n_neurons * n_syn;
    super::csr::check_shape("w_rec", n_pre, n_post)?;
    let mut new_ptr = Vec::with_capacity(n_pre + 1);
    new_ptr.push(0usize);
    let mut at = 0usize;
    for i in 0..n_pre {
        if let Some((s, w)) = block(i) {
            for k in indptr[i]..indptr[i + 1] {
                indices[at] = indices[k] * n_syn as u32 + s as u32;
                data[at] = w;
                at += 1;
            }
        }
        new_ptr.push(at);
    }
    indices.truncate(at);
    data.truncate(at);
    indices.shrink_to_fit();
    data.shrink_to_fit();
    Csr::from_parts("w_rec", n_pre, n_post, new_ptr, indices, data)
}
