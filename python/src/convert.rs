//! Conversions between Python objects and Littoral values: NumPy arrays ⇄ [`Array`],
//! nested dicts ⇄ [`Tree`] / [`Record`], and Littoral errors → Python exceptions with the
//! command line's one-line messages.

use crate::keys::{key, name_of};
use littoral_core::{Array, Entry, Module, ModuleExt, Record, Recording, Tree, Value};
use numpy::ndarray::{
    ArrayD, ArrayView0, ArrayView1, ArrayView2, ArrayView3, ArrayViewD, IxDyn, ShapeError,
};
use numpy::{
    IntoPyArray, PyArray, PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods,
};
use pyo3::exceptions::{
    PyFileNotFoundError, PyIsADirectoryError, PyOSError, PyPermissionError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyInt, PyList};
use std::path::Path;
use std::sync::Arc;

/// `record=`: `True` (everything, as Rockpool's), `False` (nothing), `"spikes"` (the
/// spikes of every spiking population inside the network) or `"spike_counts"` (their
/// spikes summed over time, per sample and neuron).
pub fn recording(record: &Bound<'_, PyAny>) -> PyResult<Recording> {
    if let Ok(flag) = record.extract::<bool>() {
        return Ok(Recording::from(flag));
    }
    match record.extract::<String>().as_deref() {
        Ok("spikes") => Ok(Recording::Spikes),
        Ok("spike_counts") => Ok(Recording::SpikeCounts),
        _ => Err(PyValueError::new_err(format!(
            "record: expected True, False, 'spikes' or 'spike_counts', found {}",
            record
                .repr()
                .map_or_else(|_| "?".to_string(), |r| r.to_string())
        ))),
    }
}

/// A Littoral model error (bad shape, unknown path, …) as a `ValueError`.
pub fn core_err(e: littoral_core::Error) -> PyErr {
    PyValueError::new_err(one_line(&e.to_string()))
}

/// A functional-engine error: I/O becomes `OSError` (`FileNotFoundError`,
/// `PermissionError`), everything else `ValueError`. `file` names the file the call was
/// about, as the command line does.
pub fn functional_err(file: Option<&Path>, e: littoral_functional::Error) -> PyErr {
    use littoral_functional::Error as F;
    match e {
        F::Io { path, op, source } => io_err(&path, &op, &source),
        F::InFile { path, source } => match *source {
            F::Io { path, op, source } => io_err(&path, &op, &source),
            inner => file_err(&path, &inner.to_string()),
        },
        other => match file {
            Some(f) => file_err(f, &other.to_string()),
            None => PyValueError::new_err(one_line(&other.to_string())),
        },
    }
}

/// `ValueError("{file}: {message}")`.
pub fn file_err(file: &Path, message: &str) -> PyErr {
    PyValueError::new_err(one_line(&format!("{}: {message}", file.display())))
}

/// `IsADirectoryError("{path}: is a folder, not a file")`.
pub fn folder_err(path: &Path) -> PyErr {
    PyIsADirectoryError::new_err(format!("{}: is a folder, not a file", path.display()))
}

/// An I/O error on `path` as the matching `OSError` subclass, worded as the CLI words it.
pub fn io_err(path: &Path, op: &str, e: &std::io::Error) -> PyErr {
    use std::io::ErrorKind as K;
    let detail = match e.kind() {
        K::NotFound => "no such file or directory".to_string(),
        K::PermissionDenied => "permission denied".to_string(),
        K::UnexpectedEof => "unexpected end of file (truncated)".to_string(),
        _ => {
            let s = e.to_string();
            s.find(" (os error")
                .map_or(s.clone(), |i| s[..i].to_string())
        }
    };
    let message = format!("{}: cannot {op}: {detail}", path.display());
    match e.kind() {
        K::NotFound => PyFileNotFoundError::new_err(message),
        K::PermissionDenied => PyPermissionError::new_err(message),
        _ => PyOSError::new_err(message),
    }
}

fn one_line(s: &str) -> String {
    let lines: Vec<&str> = s.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    lines.join("; ")
}

/// A float64 NumPy array (or Python number) as an [`Array`]. A C-contiguous array is read
/// in one copy from its buffer; any other layout (Fortran order too) is read element by
/// element.
pub fn array_f64(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Array<f64>> {
    if let Some(a) = small_copy(obj) {
        return Ok(a);
    }
    if let Ok(a) = obj.extract::<PyReadonlyArrayDyn<'_, f64>>() {
        let shape = a.shape().to_vec();
        // The buffer is read as it is only in C order (`as_slice` also takes Fortran's).
        let data = match a.as_slice().ok().filter(|_| a.is_c_contiguous()) {
            // A large copy runs with the GIL released (the array stays borrowed).
            Some(s) if s.len() >= COPY_BELOW => obj.py().detach(|| s.to_vec()),
            Some(s) => s.to_vec(),
            None => a.as_array().iter().copied().collect(),
        };
        return Array::from_shape_vec(shape, data).map_err(core_err);
    }
    if obj.is_instance_of::<PyFloat>() || obj.is_instance_of::<PyInt>() {
        return Ok(Array::scalar(obj.extract::<f64>()?));
    }
    // Lists and arrays of other numeric types: NumPy converts (bool, int, float32, …).
    let is_numeric = obj
        .getattr("dtype")
        .and_then(|d| d.getattr("kind"))
        .and_then(|k| k.extract::<String>())
        .map_or(obj.is_instance_of::<PyList>(), |k| {
            "biuf".contains(k.as_str())
        });
    if is_numeric
        && let Ok(converted) = obj
            .py()
            .import("numpy")
            .and_then(|np| np.call_method1("asarray", (obj, "float64")))
        && converted.extract::<PyReadonlyArrayDyn<'_, f64>>().is_ok()
    {
        return array_f64(&converted, what);
    }
    Err(PyValueError::new_err(format!(
        "{what}: expected a float64 array, found {}",
        type_name(obj)
    )))
}

/// A small C-contiguous NumPy array of element type `T`, copied in one go without
/// registering a borrow; `None` for anything else (read it the general way).
pub fn small_copy<T: numpy::Element + Copy>(obj: &Bound<'_, PyAny>) -> Option<Array<T>> {
    let arr = obj.cast::<PyArrayDyn<T>>().ok()?;
    if arr.len() >= COPY_BELOW || !arr.is_c_contiguous() {
        return None;
    }
    let data = arr.to_vec().ok()?;
    Array::from_shape_vec(arr.shape().to_vec(), data).ok()
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    match obj.getattr("dtype") {
        Ok(d) => format!("an array of dtype {d}"),
        Err(_) => obj
            .get_type()
            .name()
            .map_or_else(|_| "an object".into(), |n| format!("'{n}'")),
    }
}

/// A leaf value: a float64 array or number, or a uint64 array (random keys).
pub fn value(obj: &Bound<'_, PyAny>, path: &str) -> PyResult<Value> {
    if let Ok(a) = obj.extract::<PyReadonlyArrayDyn<'_, u64>>() {
        let shape = a.shape().to_vec();
        let data: Vec<u64> = a.as_array().iter().copied().collect();
        let arr = Array::from_shape_vec(shape, data).map_err(core_err)?;
        return Ok(Value::U64(Arc::new(arr)));
    }
    let arr = array_f64(obj, path).map_err(|_| {
        PyValueError::new_err(format!(
            "{path}: expected a float64 array (or uint64 for rng_key), found {}",
            type_name(obj)
        ))
    })?;
    Ok(Value::F64(Arc::new(arr)))
}

/// Below this many elements an array is copied: an output into a new NumPy array (cheaper
/// than handing over the Rust buffer, which needs a keeper object), an input out of its
/// NumPy buffer (cheaper than the `numpy` crate's read-only borrow, whose flags live in a
/// table shared by every extension).
pub const COPY_BELOW: usize = 4096;

/// An owned [`Array`] as a NumPy array: a large one hands over its buffer (no copy).
pub fn to_numpy<'py, T: numpy::Element + Copy>(
    py: Python<'py>,
    a: Array<T>,
) -> PyResult<Bound<'py, PyAny>> {
    if a.len() < COPY_BELOW {
        return copy_to_numpy(py, &a);
    }
    let shape = a.shape().to_vec();
    let nd = ArrayD::from_shape_vec(IxDyn(&shape), a.into_data())
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(nd.into_pyarray(py).into_any())
}

/// A copy of `a` as a new NumPy array. Up to three dimensions (every state and output of
/// the built-in models) the shape has a fixed size: no heap allocation for the shape and
/// strides, which cost about a third of making a small array.
pub fn copy_to_numpy<'py, T: numpy::Element + Copy>(
    py: Python<'py>,
    a: &Array<T>,
) -> PyResult<Bound<'py, PyAny>> {
    let data = a.data();
    let err = |e: ShapeError| PyValueError::new_err(e.to_string());
    Ok(match *a.shape() {
        [] => PyArray::from_array(py, &ArrayView0::from_shape((), data).map_err(err)?).into_any(),
        [n] => PyArray::from_array(py, &ArrayView1::from_shape(n, data).map_err(err)?).into_any(),
        [n0, n1] => PyArray::from_array(py, &ArrayView2::from_shape((n0, n1), data).map_err(err)?)
            .into_any(),
        [n0, n1, n2] => PyArray::from_array(
            py,
            &ArrayView3::from_shape((n0, n1, n2), data).map_err(err)?,
        )
        .into_any(),
        _ => PyArray::from_array(
            py,
            &ArrayViewD::from_shape(IxDyn(a.shape()), data).map_err(err)?,
        )
        .into_any(),
    })
}

fn shared_to_numpy<'py, T: numpy::Element + Copy>(
    py: Python<'py>,
    a: &Arc<Array<T>>,
) -> PyResult<Bound<'py, PyAny>> {
    copy_to_numpy(py, a)
}

/// A tree as nested dicts of NumPy arrays (every kind; filter first).
pub fn tree_to_dict<'py>(py: Python<'py>, tree: &Tree) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (name, entry) in tree.iter() {
        match entry {
            Entry::Leaf(l) => match &l.value {
                Value::F64(a) => d.set_item(key(py, name), shared_to_numpy(py, a)?)?,
                Value::U64(a) => d.set_item(key(py, name), shared_to_numpy(py, a)?)?,
            },
            Entry::Branch(b) => d.set_item(key(py, name), tree_to_dict(py, b)?)?,
        }
    }
    Ok(d)
}

/// A record as nested dicts of NumPy arrays.
pub fn record_to_dict(py: Python<'_>, mut record: Record) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    let names: Vec<String> = record.iter().map(|(n, _)| n.to_string()).collect();
    for name in names {
        let Some(entry) = record.remove(&name) else {
            continue;
        };
        match entry {
            Entry::Leaf(a) => d.set_item(key(py, &name), to_numpy(py, a)?)?,
            Entry::Branch(b) => d.set_item(key(py, &name), record_to_dict(py, b)?)?,
        }
    }
    Ok(d)
}

/// Flatten nested dicts into `(dotted path, value)` pairs, in order.
pub fn flatten(
    obj: &Bound<'_, PyAny>,
    prefix: &str,
    out: &mut Vec<(String, Value)>,
) -> PyResult<()> {
    let dict = obj.cast::<PyDict>().map_err(|_| {
        PyValueError::new_err(format!(
            "{}: expected a dict of arrays",
            if prefix.is_empty() { "values" } else { prefix }
        ))
    })?;
    for (k, v) in dict.iter() {
        let name: String = k
            .extract()
            .map_err(|_| PyValueError::new_err(format!("{prefix}: dict keys must be strings")))?;
        let path = littoral_core::nested::join_path(prefix, &name);
        if v.is_instance_of::<PyDict>() {
            flatten(&v, &path, out)?;
        } else {
            out.push((path.clone(), value(&v, &path)?));
        }
    }
    Ok(())
}

/// Set every `(path, value)` of nested dicts on `tree`, checked against `module`
/// (unknown paths, wrong shapes and element types, non-finite values are errors).
pub fn set_from_dict(
    module: &dyn Module,
    tree: &Tree,
    prefix: &str,
    values: &Bound<'_, PyAny>,
) -> PyResult<Tree> {
    let mut leaves = Vec::new();
    flatten(values, prefix, &mut leaves)?;
    // Each value is checked on its own (against an empty tree: no copy of `tree` per
    // value), then all are inserted: an error leaves `tree` unchanged.
    let empty = Tree::new();
    let mut checked = Vec::with_capacity(leaves.len());
    for (path, v) in leaves {
        let one = module.set(&empty, &path, v).map_err(core_err)?;
        if let Some(leaf) = one.get(&path) {
            checked.push((path, leaf.clone()));
        }
    }
    let mut out = tree.clone();
    for (path, leaf) in checked {
        out.insert_path(&path, leaf);
    }
    Ok(out)
}

/// The tree of nested dicts for a pure evolve: each value takes the kind and family of the
/// same path in `template` (the module's full tree). An unknown path is an error; values
/// become float64 (uint64 where the template holds random keys). Shapes, element types and
/// finiteness are left to the evolution's own checks (`check_params`, `batch_state`), except
/// that with `state` every float value must be finite, as `set_attributes` requires.
pub fn tree_from_dict(template: &Tree, values: &Bound<'_, PyAny>, state: bool) -> PyResult<Tree> {
    fill_tree(template, values, "", state)
}

fn fill_tree(template: &Tree, obj: &Bound<'_, PyAny>, prefix: &str, state: bool) -> PyResult<Tree> {
    let dict = obj.cast::<PyDict>().map_err(|_| {
        PyValueError::new_err(format!(
            "{}: expected a dict of arrays, found {}",
            if prefix.is_empty() { "values" } else { prefix },
            type_name(obj)
        ))
    })?;
    let mut out = Tree::new();
    for (k, v) in dict.iter() {
        // A key `tree_to_dict` made is known by identity; any other is decoded.
        let name: std::sync::Arc<str> = match name_of(obj.py(), &k) {
            Some(name) => name,
            None => k
                .extract::<String>()
                .map_err(|_| PyValueError::new_err(format!("{prefix}: dict keys must be strings")))?
                .into(),
        };
        // The dotted path names the value in errors: made only when one is raised.
        let path = || littoral_core::nested::join_path(prefix, &name);
        let leaf = match template.entry(&name) {
            Some(Entry::Branch(sub)) if v.is_instance_of::<PyDict>() => {
                out.insert_branch(&*name, fill_tree(sub, &v, &path(), state)?);
                continue;
            }
            Some(Entry::Leaf(leaf)) if !v.is_instance_of::<PyDict>() => leaf,
            _ => return Err(core_err(littoral_core::Error::UnknownPath { path: path() })),
        };
        let value = match leaf.value {
            Value::U64(_) => match small_copy::<u64>(&v) {
                Some(a) => Value::U64(Arc::new(a)),
                None => value(&as_uint64(&v)?, &path())?,
            },
            Value::F64(_) => Value::F64(Arc::new(match small_copy::<f64>(&v) {
                Some(a) => a,
                None => array_f64(&v, &path())?,
            })),
        };
        if state && let Some((index, found)) = value.as_f64().and_then(|a| a.first_non_finite()) {
            return Err(core_err(littoral_core::Error::NonFinite {
                path: path(),
                index,
                value: found,
            }));
        }
        out.insert_leaf(&*name, leaf.with_value(value));
    }
    Ok(out)
}

/// An integer array as uint64 (random keys given as int64 arrays); anything else as is.
fn as_uint64<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if obj.cast::<numpy::PyArrayDyn<u64>>().is_ok() {
        return Ok(obj.clone());
    }
    let kind = obj
        .getattr("dtype")
        .and_then(|d| d.getattr("kind"))
        .and_then(|k| k.extract::<String>());
    match kind {
        Ok(k) if k == "i" || k == "u" => obj
            .py()
            .import("numpy")?
            .call_method1("ascontiguousarray", (obj, "uint64")),
        _ => Ok(obj.clone()),
    }
}
