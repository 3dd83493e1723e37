//! `littoral._littoral`: the Rust side of the Python package `littoral`.
//!
//! This file is the one place where Python calls become Littoral calls. An [`Engine`]
//! holds a module descriptor (built through the network-file reader
//! `littoral_nets::config`, or from a NIR file by the `nir` module), its current tree and
//! a seed; every method is a thin layer over `ModuleExt` (evolve, set_attributes,
//! resets), `littoral_functional` (parallel evolve, snapshots, sweeps) and the
//! conversions of the `convert` module. The Python classes (`LIF`, `Sequential`, …, in
//! `littoral/`) build the network description and call these methods.
//!
//! Methods that address a submodule take `prefix`, its dotted path (`""` for the whole
//! network), so Python's `modules()` views share one engine and one tree.

mod checked;
mod convert;
mod keys;
mod nir;
mod pace;
mod resume;
mod run;
mod timeseries;

use convert::{array_f64, core_err, file_err, folder_err, functional_err, io_err, tree_to_dict};
use littoral_core::nested::join_path;
use littoral_core::{
    Entry, Evolution, Kind, Module, ModuleExt, Named, Recording, Tree, TreeExt, Value,
};
use littoral_functional::{AxisValue, PointResult, Snapshot, Sweep, SweepOptions, run_sweep};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyInt, PyList};
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The extension's allocator, as the command line's and the benchmarks': mimalloc keeps
/// freed memory for the next call, where glibc's malloc returns large blocks to the system
/// and pays a page fault per page when they come back (`docs/performance.md`,
/// "Allocator"). Output arrays handed to NumPy are freed through it too.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The magic bytes that start a snapshot file.
const SNAPSHOT_MAGIC: &[u8] = b"LITTORAL";

type Triple<'py> = (Bound<'py, PyAny>, Bound<'py, PyDict>, Bound<'py, PyDict>);

/// A Littoral network with its current values: the Rust half of every `littoral` module.
#[pyclass(module = "littoral._littoral")]
pub struct Engine {
    module: Arc<dyn Module>,
    /// Parameters, simulation parameters and state. While `live` holds a state, the State
    /// leaves here are stale: [`Engine::values`] merges.
    tree: Tree,
    /// The batched state the last evolution of the whole network returned, and its batch
    /// size: the next call with that batch size starts from it without re-batching.
    live: Option<(usize, Tree)>,
    /// The Parameters and SimulationParameters of `tree` passed the library's check (they
    /// have not changed since): calls skip re-checking them.
    params_checked: bool,
    /// The parameters of the last pure `evolve` that passed the check: the same values
    /// again skip it.
    last_checked: checked::LastChecked,
    /// The pace of the object calls' long runs since the parameters last changed: a run
    /// it puts well under the chunking limit skips the probe (`pace.rs`).
    pace_call: pace::Pace,
    /// The same for the pure `evolve`, with the parameters `last_checked` holds.
    pace_evolve: pace::Pace,
    seed: u64,
    step: u64,
    /// The NIR file and options of a module read from a `.nir` file (`load_nir`).
    nir: Option<Arc<nir::NirSource>>,
}

/// Why a module read from a NIR file has no network-file description.
const NIR_NO_JSON: &str = "a NIR graph has no network-file (JSON) description: it cannot be saved \
     as JSON, pickled, converted to Rockpool, put inside another module or split into standalone \
     submodules; keep the .nir file, and save_state for its values";

#[pymethods]
impl Engine {
    /// Build from the JSON text of a network file, initialised from `seed`, drawing at
    /// most `max_memory` bytes while it is read (`None`: no budget; see [`registry`]).
    #[staticmethod]
    #[pyo3(signature = (text, seed, max_memory=None))]
    fn from_json(text: &str, seed: u64, max_memory: Option<u64>) -> PyResult<Self> {
        let module = registry(max_memory).read_json_str(text).map_err(core_err)?;
        Ok(Engine::new(module, seed))
    }

    /// Read a network file (JSON), initialised from `seed`, drawing at most `max_memory`
    /// bytes while it is read (`None`: no budget; see [`registry`]).
    #[staticmethod]
    #[pyo3(signature = (path, seed, max_memory=None))]
    fn load(path: PathBuf, seed: u64, max_memory: Option<u64>) -> PyResult<Self> {
        let bytes = read_file(&path)?;
        if bytes.starts_with(SNAPSHOT_MAGIC) {
            return Err(file_err(
                &path,
                "this is a snapshot, not a network file: use littoral.restore",
            ));
        }
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| file_err(&path, "not a network file: the bytes are not UTF-8 text"))?;
        if text.trim().is_empty() {
            return Err(file_err(&path, "empty file: not a network file"));
        }
        let module = registry(max_memory)
            .read_json_str(text)
            .map_err(|e| file_err(&path, &e.to_string()))?;
        Ok(Engine::new(module, seed))
    }

    /// Read a NIR graph (`.nir`) and build it for time step `dt` (seconds) under
    /// `semantics` (`None`: `littoral`), initialised from `seed`, as `littoral simulate
    /// GRAPH.nir --dt DT --semantics S` does. Errors name the file and the node.
    #[staticmethod]
    #[pyo3(signature = (path, dt, semantics, seed))]
    fn load_nir(
        py: Python<'_>,
        path: PathBuf,
        dt: f64,
        semantics: Option<&str>,
        seed: u64,
    ) -> PyResult<Self> {
        let (module, source) = nir::build(py, path, dt, semantics)?;
        let mut engine = Engine::new(module, seed);
        engine.nir = Some(Arc::new(source));
        Ok(engine)
    }

    /// `(description, dt, semantics)` of a module read from a NIR file; `None` otherwise.
    fn nir(&self) -> Option<(nir::PyNirGraph, f64, &'static str)> {
        self.nir
            .as_ref()
            .map(|s| (s.graph.clone(), s.dt, s.semantics.name()))
    }

    /// Read a snapshot (the command line's `--save-state` files): the network, its
    /// parameters, its state and step count. With `module` (an engine), the snapshot's
    /// values go into that module after checking that they match it, as `littoral
    /// simulate NET --resume SNAP` does; a snapshot of a NIR graph needs it.
    #[staticmethod]
    #[pyo3(signature = (path, module=None))]
    fn restore(path: PathBuf, module: Option<PyRef<'_, Engine>>) -> PyResult<Self> {
        if path.is_dir() {
            return Err(folder_err(&path));
        }
        let snap = Snapshot::read(&path).map_err(|e| functional_err(Some(&path), e))?;
        let step = snap.step;
        let (module, params, state, seed, nir) = match module {
            Some(m) => {
                let (params, state) =
                    resume::check_against(&snap, &path, m.module.as_ref(), &m.values())?;
                (Arc::clone(&m.module), params, state, m.seed, m.nir.clone())
            }
            None if resume::holds_nir_graph(&snap) => return Err(resume::nir_needs_module(&path)),
            None => {
                let (module, params, state) = snap
                    .restore_module(&littoral_nets::registry())
                    .map_err(|e| functional_err(Some(&path), e))?;
                (module, params, state, 0, None)
            }
        };
        Ok(Engine {
            module,
            tree: params.merged(&state),
            live: None,
            params_checked: false,
            last_checked: checked::LastChecked::default(),
            pace_call: pace::Pace::default(),
            pace_evolve: pace::Pace::default(),
            seed,
            step,
            nir,
        })
    }

    /// Write a snapshot of the current values (atomically), readable by `littoral
    /// simulate --resume`.
    fn save_state(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let values = self.values();
        let snap = Snapshot::capture(self.module.as_ref(), &values, &values, self.step)
            .map_err(|e| functional_err(Some(&path), e))?;
        py.detach(|| snap.write_atomic(&path))
            .map_err(|e| functional_err(Some(&path), e))
    }

    /// The network description with the current parameter values (network-file JSON).
    fn to_json(&self) -> PyResult<String> {
        if let Some(source) = &self.nir {
            return Err(file_err(source.path(), NIR_NO_JSON));
        }
        littoral_nets::config::to_json_string(self.module.as_ref(), &self.values())
            .map_err(core_err)
    }

    /// A new engine holding the same module and values.
    fn copy(&self) -> Self {
        Engine {
            module: Arc::clone(&self.module),
            tree: self.values().into_owned(),
            live: None,
            params_checked: self.params_checked,
            last_checked: checked::LastChecked::default(),
            pace_call: pace::Pace::default(),
            pace_evolve: pace::Pace::default(),
            seed: self.seed,
            step: self.step,
            nir: self.nir.clone(),
        }
    }

    /// Time steps evolved since the last state reset (saved in snapshots).
    #[getter]
    fn step(&self) -> u64 {
        self.step
    }

    /// The seed of initialisers and noise keys.
    #[getter]
    fn seed(&self) -> u64 {
        self.seed
    }

    /// Rockpool's class name of the submodule at `prefix`.
    fn class_name(&self, prefix: &str) -> PyResult<String> {
        Ok(self.sub(prefix)?.class_name().to_string())
    }

    /// `(shape, size_in, size_out, spiking_input, spiking_output)` of the submodule.
    fn geometry(&self, prefix: &str) -> PyResult<(Vec<usize>, usize, usize, bool, bool)> {
        let m = self.sub(prefix)?;
        Ok((
            m.shape(),
            m.size_in(),
            m.size_out(),
            m.spiking_input(),
            m.spiking_output(),
        ))
    }

    /// The names of the submodule's children, in order.
    fn children(&self, prefix: &str) -> PyResult<Vec<String>> {
        Ok(self
            .sub(prefix)?
            .children()
            .into_iter()
            .map(|(n, _)| n.to_string())
            .collect())
    }

    /// Rockpool's `repr` of the submodule.
    fn repr(&self, prefix: &str) -> PyResult<String> {
        let m = self.sub(prefix)?;
        let name = prefix.rsplit('.').next().unwrap_or_default();
        if name.is_empty() {
            return Ok(m.repr());
        }
        // A submodule prints its name as Rockpool does (`LIF '0_LIF' with shape (3,)`).
        let named = Named {
            attr_name: name,
            module: m,
        };
        let mut lines = m.repr();
        let head = format!("{} ", m.class_name());
        if lines.starts_with(&head) {
            lines = format!("{}{}", named.full_name(), &lines[head.len()..]);
        }
        Ok(lines)
    }

    /// The leaves of one kind (`"parameters"`, `"state"`, `"simulation_parameters"`) in
    /// some families (`None`: all) under `prefix`, as nested dicts of NumPy arrays.
    #[pyo3(signature = (kind, families, prefix))]
    fn select<'py>(
        &self,
        py: Python<'py>,
        kind: &str,
        families: Option<Vec<String>>,
        prefix: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        let kind = match kind {
            "parameters" => Kind::Parameter,
            "state" => Kind::State,
            "simulation_parameters" => Kind::SimulationParameter,
            other => return Err(PyValueError::new_err(format!("unknown kind '{other}'"))),
        };
        let families = families.map_or_else(littoral_core::Families::all, Into::into);
        tree_to_dict(py, &self.subtree(prefix)?.select(kind, &families))
    }

    /// Rockpool's `set_attributes`, checked: unknown paths, wrong shapes and non-finite
    /// values raise and leave every value unchanged.
    fn set_attributes(&mut self, values: &Bound<'_, PyAny>, prefix: &str) -> PyResult<()> {
        self.sub(prefix)?;
        self.settle();
        self.tree = convert::set_from_dict(self.module.as_ref(), &self.tree, prefix, values)?;
        self.params_checked = false;
        self.pace_call.forget();
        Ok(())
    }

    /// Rockpool's `reset_state` (of the submodule at `prefix`).
    fn reset_state(&mut self, prefix: &str) -> PyResult<()> {
        self.settle();
        let reset = self.module.reset_state(&self.tree, self.seed);
        self.tree = replace_under(&self.tree, &reset, prefix)?;
        if prefix.is_empty() {
            self.step = 0;
        }
        Ok(())
    }

    /// Rockpool's `reset_parameters`: given values restore, random initialisers redraw
    /// from `seed` (the engine's seed when `None`).
    #[pyo3(signature = (prefix, seed=None))]
    fn reset_parameters(&mut self, prefix: &str, seed: Option<u64>) -> PyResult<()> {
        let seed = seed.unwrap_or(self.seed);
        self.settle();
        self.params_checked = false;
        self.pace_call.forget();
        let reset = self.module.reset_parameters(&self.tree, seed);
        self.tree = replace_under(&self.tree, &reset, prefix)?;
        if prefix.is_empty() {
            self.seed = seed;
        }
        Ok(())
    }

    /// Rockpool's `timed(dt=…)`: a clocked wrapper around the submodule at `prefix`, with
    /// a copy of its current values, for time-series input and output.
    #[pyo3(signature = (dt, add_events, prefix))]
    fn timed(&self, dt: f64, add_events: bool, prefix: &str) -> PyResult<timeseries::PyTimed> {
        if !prefix.is_empty() {
            return Err(PyValueError::new_err(
                "timed: wrap a whole network (build the submodule on its own)",
            ));
        }
        timeseries::PyTimed::new(
            Arc::clone(&self.module),
            self.values().into_owned(),
            dt,
            self.seed,
            add_events,
        )
    }

    /// `init(seed)`: `(parameters and simulation parameters, state)` as nested dicts.
    fn init<'py>(
        &self,
        py: Python<'py>,
        seed: u64,
    ) -> PyResult<(Bound<'py, PyDict>, Bound<'py, PyDict>)> {
        let tree = self.module.init(seed);
        let params = tree.filter(&mut |_, _, l| l.kind != Kind::State, true);
        Ok((
            tree_to_dict(py, &params)?,
            tree_to_dict(py, &tree.state(None))?,
        ))
    }

    /// Rockpool's `__call__` on the submodule at `prefix`: evolve from the held values
    /// and keep the new state. Returns `(output, new_state, record)`.
    #[pyo3(signature = (x, record, threads, prefix))]
    fn call<'py>(
        &mut self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        record: &Bound<'py, PyAny>,
        threads: Option<usize>,
        prefix: &str,
    ) -> PyResult<Triple<'py>> {
        let record = convert::recording(record)?;
        if !prefix.is_empty() {
            return self.call_submodule(py, x, record, threads, prefix);
        }
        let pool = run::pool(threads)?;
        let module = Arc::clone(&self.module);
        let input = run::input(x, module.size_in())?;
        let batch = input.batch();
        let runner = run::Runner {
            module: module.as_ref(),
            params: &self.tree,
            record,
            pool: pool.as_ref(),
            pace: Some(&self.pace_call),
        };
        if !self.params_checked {
            runner
                .check_params()
                .map_err(|e| input.non_finite_first(py, e))?;
        }
        let ev = match &self.live {
            // The state the last call returned, batched for this batch size already.
            Some((b, state)) if *b == batch => runner.evolve(py, state, input)?,
            _ => {
                let held = match &self.live {
                    Some((_, state)) => Cow::Owned(self.tree.merged(state)),
                    None => Cow::Borrowed(&self.tree),
                };
                let batched = single_sample_state(module.as_ref(), held, batch)
                    .and_then(|held| runner.batch_state(&held, batch))
                    .map_err(|e| input.non_finite_first(py, e))?;
                runner.evolve(py, &batched, input)?
            }
        };
        self.params_checked = true;
        self.step += ev.output.shape().get(1).copied().unwrap_or(0) as u64;
        let Evolution {
            output,
            state,
            record,
        } = ev;
        let result = (
            convert::to_numpy(py, output)?,
            tree_to_dict(py, &state)?,
            convert::record_to_dict(py, record)?,
        );
        self.live = Some((batch, state));
        Ok(result)
    }

    /// For `benches/compare/python_overhead.py`: the seconds of each of `runs` evolutions
    /// of the whole network as a Rust program makes them (`ModuleExt::evolve` from the
    /// held parameters and state, as `littoral-benches`' workloads do), on a Rust-owned
    /// copy of `x` made before the first, timed in Rust with the GIL released; each output
    /// is dropped inside the time, as the workloads' loop drops it. The benchmark
    /// alternates it with object calls, call by call, so that the two sides of its
    /// Python/Rust ratio run on the same machine within milliseconds.
    fn time_rust_evolve(
        &self,
        py: Python<'_>,
        x: &Bound<'_, PyAny>,
        runs: usize,
    ) -> PyResult<Vec<f64>> {
        let x = convert::array_f64(x, "x")?;
        let module = Arc::clone(&self.module);
        let tree = self.values().into_owned();
        py.detach(|| {
            (0..runs)
                .map(|_| {
                    let start = std::time::Instant::now();
                    let done = module.evolve(&tree, &tree, &x, false).map(drop);
                    let seconds = start.elapsed().as_secs_f64();
                    done.map(|()| seconds).map_err(|e| e.to_string())
                })
                .collect::<Result<Vec<f64>, String>>()
        })
        .map_err(PyValueError::new_err)
    }

    /// The pure `evolve(params, state, x, record)` on nested dicts; nothing is kept.
    #[pyo3(signature = (params, state, x, record, threads))]
    fn evolve<'py>(
        &self,
        py: Python<'py>,
        params: &Bound<'py, PyAny>,
        state: &Bound<'py, PyAny>,
        x: &Bound<'py, PyAny>,
        record: &Bound<'py, PyAny>,
        threads: Option<usize>,
    ) -> PyResult<Triple<'py>> {
        let record = convert::recording(record)?;
        let m = self.module.as_ref();
        let p = convert::tree_from_dict(&self.tree, params, false)?;
        let s = convert::tree_from_dict(&self.tree, state, true)?;
        let pool = run::pool(threads)?;
        let input = run::input(x, m.size_in())?;
        let runner = run::Runner {
            module: m,
            params: &p,
            record,
            pool: pool.as_ref(),
            pace: Some(&self.pace_evolve),
        };
        let known = self.last_checked.holds(&p);
        if !known {
            self.pace_evolve.forget();
        }
        let ev = runner.evolve_checked(py, &s, input, known)?;
        if !known {
            self.last_checked.remember(&p);
        }
        triple(py, ev)
    }

    /// Evolve `x` at every point of a sweep over Parameter and SimulationParameter paths
    /// (`axes`: `[(path, [value, …]), …]`, a grid unless `zip`). Returns one dict per
    /// point: `index`, `overrides`, `seconds`, `signals` (per-signal summaries) and, with
    /// `outputs`, `output` and `record`.
    #[pyo3(signature = (x, axes, zip, seed, threads, record, outputs))]
    #[allow(clippy::too_many_arguments)]
    fn sweep<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        axes: Vec<(String, Vec<Bound<'py, PyAny>>)>,
        zip: bool,
        seed: u64,
        threads: Option<usize>,
        record: &Bound<'py, PyAny>,
        outputs: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let record = convert::recording(record)?;
        let mut sweep = if zip { Sweep::zip() } else { Sweep::grid() };
        for (path, values) in axes {
            let values = values
                .iter()
                .map(|v| axis_value(v, &path))
                .collect::<PyResult<Vec<_>>>()?;
            sweep.axes.push((path, values));
        }
        let input = array_f64(x, "input")?;
        let opts = SweepOptions {
            base_seed: seed,
            record,
            keep_outputs: outputs,
            threads,
            ..SweepOptions::default()
        };
        let values = self.values();
        let (module, tree) = (self.module.as_ref(), values.as_ref());
        let points = py
            .detach(|| run_sweep(module, tree, tree, &input, &sweep, &opts))
            .map_err(|e| functional_err(None, e))?;
        let list = PyList::empty(py);
        for p in points {
            list.append(point_dict(py, p)?)?;
        }
        Ok(list)
    }
}

impl Engine {
    fn new(module: Arc<dyn Module>, seed: u64) -> Self {
        let tree = module.init(seed);
        Engine {
            module,
            tree,
            live: None,
            params_checked: false,
            last_checked: checked::LastChecked::default(),
            pace_call: pace::Pace::default(),
            pace_evolve: pace::Pace::default(),
            seed,
            step: 0,
            nir: None,
        }
    }

    /// The current values: parameters and the latest state.
    fn values(&self) -> Cow<'_, Tree> {
        match &self.live {
            Some((_, state)) => Cow::Owned(self.tree.merged(state)),
            None => Cow::Borrowed(&self.tree),
        }
    }

    /// Fold the latest state into `tree`, before changing values.
    fn settle(&mut self) {
        if let Some((_, state)) = self.live.take() {
            self.tree = self.tree.merged(&state);
        }
    }

    /// `call` on a submodule view: evolve from its values (every check made) and put its
    /// new state back into the network's values.
    fn call_submodule<'py>(
        &mut self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        record: Recording,
        threads: Option<usize>,
        prefix: &str,
    ) -> PyResult<Triple<'py>> {
        self.settle();
        let pool = run::pool(threads)?;
        let ev = {
            let m = self.sub(prefix)?;
            let input = run::input(x, m.size_in())?;
            let batch = input.batch();
            let held = single_sample_state(m, Cow::Owned(self.subtree(prefix)?), batch)
                .map_err(|e| input.non_finite_first(py, e))?;
            let runner = run::Runner {
                module: m,
                params: &held,
                record,
                pool: pool.as_ref(),
                pace: None,
            };
            runner.evolve_checked(py, &held, input, false)?
        };
        // Keep the new state: only State leaves change (the leaves are shared, not copied).
        for (path, leaf) in ev.state.leaves() {
            self.tree
                .insert_path(&join_path(prefix, &path), leaf.clone());
        }
        triple(py, ev)
    }

    /// The submodule at a dotted path.
    fn sub(&self, prefix: &str) -> PyResult<&dyn Module> {
        let mut m: &dyn Module = self.module.as_ref();
        if prefix.is_empty() {
            return Ok(m);
        }
        for name in prefix.split('.') {
            m = m
                .children()
                .into_iter()
                .find(|(n, _)| *n == name)
                .map(|(_, c)| c)
                .ok_or_else(|| PyValueError::new_err(format!("{prefix}: no such submodule")))?;
        }
        Ok(m)
    }

    /// The values of the submodule at a dotted path.
    fn subtree(&self, prefix: &str) -> PyResult<Tree> {
        let values = self.values();
        if prefix.is_empty() {
            return Ok(values.into_owned());
        }
        match values.entry_at(prefix) {
            Some(Entry::Branch(b)) => Ok(b.clone()),
            _ => Ok(Tree::new()),
        }
    }
}

/// As Rockpool, a held state evolved with one sample serves a call with any batch size:
/// State leaves `(1, …)` become per-sample (and are replicated over the new batch, each
/// sample with its own noise key). Other batch sizes must match the input's.
fn single_sample_state<'t>(
    module: &dyn Module,
    tree: Cow<'t, Tree>,
    batch: usize,
) -> PyResult<Cow<'t, Tree>> {
    if batch == 1 {
        return Ok(tree);
    }
    let mut squeezed = Vec::new();
    for (path, leaf) in tree.leaves() {
        let per_sample = match module.attribute_at(&path) {
            Some(a) if a.kind == Kind::State => a.shapes.first().map_or(0, Vec::len),
            _ => continue,
        };
        let shape = leaf.value.shape();
        if shape.len() == per_sample + 1 && shape.first() == Some(&1) {
            let value = match &leaf.value {
                Value::F64(a) => Value::F64(Arc::new(a.index_axis0(0).map_err(core_err)?)),
                Value::U64(a) => Value::U64(Arc::new(a.index_axis0(0).map_err(core_err)?)),
            };
            squeezed.push((path, leaf.with_value(value)));
        }
    }
    if squeezed.is_empty() {
        return Ok(tree);
    }
    let mut out = tree.into_owned();
    for (path, leaf) in squeezed {
        out.insert_path(&path, leaf);
    }
    Ok(Cow::Owned(out))
}

/// `tree` with every leaf under `prefix` taken from `from`.
fn replace_under(tree: &Tree, from: &Tree, prefix: &str) -> PyResult<Tree> {
    if prefix.is_empty() {
        return Ok(from.clone());
    }
    let mut out = tree.clone();
    if let Some(Entry::Branch(b)) = from.entry_at(prefix) {
        for (path, leaf) in b.leaves() {
            out.insert_path(&join_path(prefix, &path), leaf.clone());
        }
    }
    Ok(out)
}

fn read_file(path: &Path) -> PyResult<Vec<u8>> {
    if path.is_dir() {
        return Err(folder_err(path));
    }
    std::fs::read(path).map_err(|e| io_err(path, "read", &e))
}

fn triple(py: Python<'_>, ev: Evolution) -> PyResult<Triple<'_>> {
    Ok((
        convert::to_numpy(py, ev.output)?,
        tree_to_dict(py, &ev.state)?,
        convert::record_to_dict(py, ev.record)?,
    ))
}

fn axis_value(v: &Bound<'_, PyAny>, path: &str) -> PyResult<AxisValue> {
    if v.is_instance_of::<PyFloat>() || v.is_instance_of::<PyInt>() {
        return Ok(AxisValue::Scalar(v.extract()?));
    }
    let a = array_f64(v, path)?;
    if a.ndim() == 0 {
        return Ok(AxisValue::Scalar(a.data()[0]));
    }
    Ok(AxisValue::Value(a.into()))
}

fn point_dict(py: Python<'_>, p: PointResult) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("index", p.summary.index)?;
    let overrides = PyDict::new(py);
    for (path, v) in &p.summary.overrides {
        let mut t = Tree::new();
        t.insert_leaf(
            "v",
            littoral_core::Leaf {
                kind: Kind::Parameter,
                family: None,
                value: v.clone(),
            },
        );
        if let Some(value) = tree_to_dict(py, &t)?.get_item("v")? {
            overrides.set_item(path, value)?;
        }
    }
    d.set_item("overrides", overrides)?;
    d.set_item("seconds", p.summary.seconds)?;
    let signals = PyDict::new(py);
    for s in &p.summary.signals {
        let sd = PyDict::new(py);
        sd.set_item("spiking", s.spiking)?;
        sd.set_item("elements", s.elements)?;
        sd.set_item("sum", s.sum)?;
        sd.set_item("mean", s.mean)?;
        sd.set_item("max", s.max)?;
        sd.set_item("rate_hz", s.rate_hz)?;
        signals.set_item(&s.path, sd)?;
    }
    d.set_item("signals", signals)?;
    if let Some(ev) = p.evolution {
        d.set_item("output", convert::to_numpy(py, ev.output)?)?;
        d.set_item("record", convert::record_to_dict(py, ev.record)?)?;
    }
    Ok(d)
}

/// The built-in module classes, reading within `max_memory` bytes when given: what a file
/// draws while it is read (a sparse initialiser's synapses) is claimed first and refused
/// above it, as the command line's `--max-memory` does.
fn registry(max_memory: Option<u64>) -> littoral_core::registry::Registry {
    let registry = littoral_nets::registry();
    match max_memory {
        Some(bytes) => registry.with_memory_budget(bytes),
        None => registry,
    }
}

/// A byte count such as `"512M"` or `"8G"` (`littoral_core::limits::parse_bytes`), for
/// `max_memory=`.
#[pyfunction]
fn parse_bytes(text: &str) -> PyResult<u64> {
    littoral_core::limits::parse_bytes(text).map_err(PyValueError::new_err)
}

/// The network-file options of a registered module class (`CLASSES` lists the classes).
#[pyfunction]
fn class_options(name: &str) -> PyResult<Vec<&'static str>> {
    littoral_nets::registry()
        .class(name)
        .map(|c| c.options.to_vec())
        .ok_or_else(|| PyValueError::new_err(format!("{name}: no such module class")))
}

/// The number of threads of the pool evolutions use when `threads=` is not given (rayon's
/// global pool: `RAYON_NUM_THREADS`, else one per CPU).
#[pyfunction]
fn default_threads() -> usize {
    rayon::current_num_threads()
}

/// The extension module `littoral._littoral`.
#[pymodule]
fn _littoral(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Engine>()?;
    m.add_class::<timeseries::PyTsContinuous>()?;
    m.add_class::<timeseries::PyTsEvent>()?;
    m.add_class::<timeseries::PyTimed>()?;
    m.add_class::<nir::PyNirGraph>()?;
    m.add_function(wrap_pyfunction!(run::_set_chunking, m)?)?;
    m.add_function(wrap_pyfunction!(class_options, m)?)?;
    m.add_function(wrap_pyfunction!(default_threads, m)?)?;
    m.add_function(wrap_pyfunction!(parse_bytes, m)?)?;
    m.add("CLASSES", littoral_nets::registry().names())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
