//! Interned dict keys: the names of tree leaves and branches (`vmem`, `tau_mem`, `0_LIF`, …)
//! as Python strings made once and reused by every call.
//!
//! A dict built from a tree sets one key per entry; a new Python string per key and call
//! costs an allocation, a UTF-8 decode and a hash. The same few names come back on every
//! call (they are a module's attribute and child names), so the strings are kept in one
//! table and handed out again (with their hash already computed). A dict a user passes
//! back whose keys came from here is read without decoding them: [`name_of`] finds their
//! names by identity.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyString;
use rustc_hash::FxHashMap;
use std::sync::{Arc, Mutex};

/// At most this many names are kept; past it new names are made per call, as before (a
/// bound for programs that build many differently named modules).
const MAX_KEYS: usize = 4096;

/// The interned names, both ways: by name, and by the address of the kept string (the
/// table holds a reference to each, so no other object can take that address).
#[derive(Default)]
struct Table {
    by_name: FxHashMap<Arc<str>, Py<PyString>>,
    by_address: FxHashMap<usize, Arc<str>>,
}

static TABLE: PyOnceLock<Mutex<Table>> = PyOnceLock::new();

fn table(py: Python<'_>) -> &Mutex<Table> {
    TABLE.get_or_init(py, || Mutex::new(Table::default()))
}

/// `name` as a Python string, the same object on every call (while the table has room).
pub fn key<'py>(py: Python<'py>, name: &str) -> Bound<'py, PyString> {
    let Ok(mut t) = table(py).lock() else {
        return PyString::new(py, name);
    };
    if let Some(s) = t.by_name.get(name) {
        return s.bind(py).clone();
    }
    let s = PyString::intern(py, name);
    if t.by_name.len() < MAX_KEYS {
        let name: Arc<str> = Arc::from(name);
        t.by_address.insert(s.as_ptr() as usize, Arc::clone(&name));
        t.by_name.insert(name, s.clone().unbind());
    }
    s
}

/// The name of a dict key that [`key`] made, without decoding it (`None` for any other
/// object: read it as usual).
pub fn name_of(py: Python<'_>, obj: &Bound<'_, PyAny>) -> Option<Arc<str>> {
    let t = table(py).lock().ok()?;
    t.by_address.get(&(obj.as_ptr() as usize)).cloned()
}
