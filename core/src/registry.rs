//! The module registry: how each module class is read from a network file.
//!
//! A [`ModuleClass`] names a class, lists the options its file entry may hold and builds
//! the module from a [`FileEntry`]. A [`Registry`] maps class names to classes; the
//! network-file reader ([`Registry::read_json_str`]), snapshot restore and the command line
//! know modules only through it. Writing needs no registry: every module describes itself
//! through the [`Module`] trait (class name, shape, options, attributes, children); see
//! [`crate::network`].
//!
//! `littoral_nets::registry()` returns the built-in classes; a crate with its own module
//! adds its class with one call:
//!
//! ```
//! use littoral_core::registry::{FileEntry, ModuleClass, Registry};
//! use littoral_core::{ArrayView, Evolution, Module, Record, Recording, Result, Tree};
//! use std::sync::Arc;
//!
//! #[derive(Debug)]
//! struct Double(usize);
//! impl Module for Double {
//!     fn class_name(&self) -> &str { "Double" }
//!     fn shape(&self) -> Vec<usize> { vec![self.0] }
//!     fn evolve_batch(&self, _: &Tree, _: &Tree, x: ArrayView<'_>, _: Recording) -> Result<Evolution> {
//!         Ok(Evolution::new(x.map(|v| 2.0 * v), Tree::new(), Record::new()))
//!     }
//! }
//! fn build(entry: &FileEntry<'_>) -> Result<Arc<dyn Module>> {
//!     let n = entry.vector_size()?;
//!     entry.no_values()?;
//!     Ok(Arc::new(Double(n)))
//! }
//! const DOUBLE: ModuleClass = ModuleClass::new("Double", &[], build);
//!
//! let registry = Registry::new().with(DOUBLE);
//! let m = registry.read_json_str(r#"{"class": "Double", "shape": [3]}"#)?;
//! assert_eq!(m.shape(), vec![3]);
//! let e = registry.read_json_str(r#"{"class": "Triple", "shape": [3]}"#).unwrap_err();
//! assert!(e.to_string().contains("unknown class 'Triple' (known: Double)"));
//! # Ok::<(), littoral_core::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::init::Constant;
use crate::init::InitValue;
use crate::limits::human_bytes;
use crate::module::Module;
use crate::network::{Integers, integer_list, json_to_array};
use crate::network_text::{self, ParsedValues};
use crate::tree::Kind;
use serde_json::{Map, Value as Json};
use std::cell::Cell;
use std::fmt;
use std::sync::Arc;

/// Builds a module from its network-file entry.
pub type BuildFn = fn(&FileEntry<'_>) -> Result<Arc<dyn Module>>;

/// How one module class is read from a network file: its name (the entry's `class`), the
/// options its entry may hold, and the function that builds it.
#[derive(Clone, Copy)]
pub struct ModuleClass {
    /// The class name (`"LIF"`), as [`Module::class_name`] returns it.
    pub name: &'static str,
    /// The option names an entry may hold; any other is rejected before `build` runs.
    pub options: &'static [&'static str],
    /// Builds the module from its entry.
    pub build: BuildFn,
}

impl ModuleClass {
    /// A class description (usable in a `const`).
    pub const fn new(name: &'static str, options: &'static [&'static str], build: BuildFn) -> Self {
        ModuleClass {
            name,
            options,
            build,
        }
    }
}

impl fmt::Debug for ModuleClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModuleClass")
            .field("name", &self.name)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// The module classes a network file may name. See the [module docs](self).
#[derive(Clone, Debug, Default)]
pub struct Registry {
    classes: Vec<ModuleClass>,
    /// The most bytes a read may draw (see [`Registry::with_memory_budget`]).
    memory_budget: Option<u64>,
}

/// The keys a module entry may hold.
const ENTRY_KEYS: [&str; 7] = [
    "class",
    "name",
    "shape",
    "options",
    "parameters",
    "simulation_parameters",
    "modules",
];

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// Add a class; one of the same name is replaced.
    pub fn register(&mut self, class: ModuleClass) {
        match self.classes.iter_mut().find(|c| c.name == class.name) {
            Some(slot) => *slot = class,
            None => self.classes.push(class),
        }
    }

    /// [`Registry::register`], by value.
    #[must_use]
    pub fn with(mut self, class: ModuleClass) -> Self {
        self.register(class);
        self
    }

    /// Read within a memory budget: what a file asks to be drawn while it is read (a
    /// sparse initialiser's synapses) is claimed before it is drawn
    /// ([`FileEntry::claim_memory`]), and a read whose claims exceed `bytes` is refused
    /// with the path of the claim that crossed it. Without a budget, only the fixed
    /// limits of [`crate::limits`] apply. The command line's `--max-memory` sets it.
    ///
    /// ```
    /// use littoral_core::doc_support::SparseToy;
    /// use littoral_core::registry::{FileEntry, ModuleClass, Registry};
    /// use littoral_core::{Module, Result};
    /// use std::sync::Arc;
    /// // A class that draws 1 KiB per neuron while it is read.
    /// fn build(entry: &FileEntry<'_>) -> Result<Arc<dyn Module>> {
    ///     let n = entry.vector_size()?;
    ///     entry.claim_memory(&entry.at("shape"), "drawing its table", 1024 * n as u64)?;
    ///     Ok(Arc::new(SparseToy::default()))
    /// }
    /// let registry = Registry::new().with(ModuleClass::new("Drawn", &[], build));
    /// let within = registry.clone().with_memory_budget(1 << 20);
    /// assert_eq!(within.memory_budget(), Some(1 << 20));
    /// within.read_json_str(r#"{"class": "Drawn", "shape": [1024]}"#)?;
    /// let e = within.read_json_str(r#"{"class": "Drawn", "shape": [2048]}"#).unwrap_err();
    /// assert!(e.to_string().contains(
    ///     "shape: drawing its table needs 2.0 MiB of memory, more than the memory budget of 1.0 MiB"
    /// ));
    /// registry.read_json_str(r#"{"class": "Drawn", "shape": [2048]}"#)?; // no budget
    /// # Ok::<(), littoral_core::Error>(())
    /// ```
    #[must_use]
    pub fn with_memory_budget(mut self, bytes: u64) -> Self {
        self.memory_budget = Some(bytes);
        self
    }

    /// The memory budget of a read, if one was set ([`Registry::with_memory_budget`]).
    pub fn memory_budget(&self) -> Option<u64> {
        self.memory_budget
    }

    /// The class of a name.
    pub fn class(&self, name: &str) -> Option<&ModuleClass> {
        self.classes.iter().find(|c| c.name == name)
    }

    /// The registered class names, in registration order.
    pub fn names(&self) -> Vec<&'static str> {
        self.classes.iter().map(|c| c.name).collect()
    }

    /// Build a module from the JSON text of a network file. Given values become the
    /// module's concrete initial values (a reset restores them); omitted ones take the
    /// class's defaults.
    ///
    /// # Errors
    /// Malformed JSON, unknown classes, options or attributes, wrong shapes and non-finite
    /// numbers, each naming its JSON path (`modules[1].parameters.tau_mem`); a network
    /// whose arrays would together hold more than [`crate::limits::MAX_ELEMENTS`]
    /// elements (checked before anything is allocated).
    pub fn read_json_str(&self, text: &str) -> Result<Arc<dyn Module>> {
        let (v, values) = network_text::parse(text).map_err(network_text::invalid_json)?;
        self.read_parsed(&v, &values)
    }

    /// [`Registry::read_json_str`] of a description written with its sparse structures'
    /// lists apart ([`crate::network::to_json_compact_apart`]: a snapshot's), with those
    /// lists: each `indptr` and `indices` written as `null` takes the next of `lists`, in
    /// the order of the text.
    ///
    /// ```
    /// use littoral_core::ModuleExt;
    /// use littoral_core::doc_support::{SPARSE_TOY_CLASS, SparseToy};
    /// use littoral_core::network::{to_json_compact, to_json_compact_apart};
    /// use littoral_core::registry::Registry;
    /// let toy = SparseToy::default();
    /// let (text, lists) = to_json_compact_apart(&toy, &toy.init(0))?;
    /// let registry = Registry::new().with(SPARSE_TOY_CLASS);
    /// let read = registry.read_json_str_apart(&text, lists.clone())?;
    /// assert_eq!(to_json_compact(read.as_ref(), &read.init(0))?, to_json_compact(&toy, &toy.init(0))?);
    /// let err = registry.read_json_str_apart(&text, lists[..1].to_vec()).unwrap_err();
    /// assert!(err.to_string().contains("leaves 2 structure list(s) apart, and 1 are given"));
    /// # Ok::<(), littoral_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Registry::read_json_str`]; a number of `lists` other than the text leaves
    /// apart.
    pub fn read_json_str_apart(
        &self,
        text: &str,
        lists: Vec<crate::network::Integers>,
    ) -> Result<Arc<dyn Module>> {
        let (v, values) = network_text::parse_apart(text, lists)?;
        self.read_parsed(&v, &values)
    }

    /// The module of a parsed network file, within [`crate::limits::MAX_ELEMENTS`].
    fn read_parsed(&self, v: &Json, values: &ParsedValues) -> Result<Arc<dyn Module>> {
        let module = self.read_entry(v, "", values, &Cell::new(0))?;
        crate::limits::module_elements(module.as_ref())?;
        Ok(module)
    }

    /// Build a module from a parsed JSON value; `path` prefixes error paths.
    ///
    /// # Errors
    /// As [`Registry::read_json_str`].
    pub fn read_json(&self, v: &Json, path: &str) -> Result<Arc<dyn Module>> {
        self.read_entry(v, path, &ParsedValues::default(), &Cell::new(0))
    }

    /// [`Registry::read_json`] of an entry whose values `values` may hold, parsed from
    /// the text already (see [`crate::network_text`]); `claimed` counts the bytes the
    /// read has claimed so far ([`FileEntry::claim_memory`]).
    fn read_entry(
        &self,
        v: &Json,
        path: &str,
        values: &ParsedValues,
        claimed: &Cell<u64>,
    ) -> Result<Arc<dyn Module>> {
        let object = v
            .as_object()
            .ok_or_else(|| Error::invalid(root(path), "a module must be a JSON object"))?;
        let entry = FileEntry {
            registry: self,
            object,
            path,
            values,
            claimed,
        };
        if let Some(k) = object.keys().find(|k| !ENTRY_KEYS.contains(&k.as_str())) {
            return Err(Error::invalid(entry.at(k), "unknown key"));
        }
        let name = object
            .get("class")
            .and_then(Json::as_str)
            .ok_or_else(|| Error::invalid(entry.at("class"), "missing or not a string"))?;
        let class = self.class(name).ok_or_else(|| {
            Error::invalid(
                entry.at("class"),
                format!(
                    "unknown class '{name}' (known: {})",
                    self.names().join(", ")
                ),
            )
        })?;
        let options = entry.options()?;
        if let Some(k) = options
            .keys()
            .find(|k| !class.options.contains(&k.as_str()))
        {
            let allowed = if class.options.is_empty() {
                "none".to_string()
            } else {
                class.options.join(", ")
            };
            return Err(Error::invalid(
                entry.option_path(k),
                format!("unknown option (allowed: {allowed})"),
            ));
        }
        (class.build)(&entry)
    }
}

fn root(path: &str) -> String {
    if path.is_empty() {
        "network".into()
    } else {
        path.to_string()
    }
}

/// The JSON path of `key` in the object at `path` (`modules[1].shape`; `shape` at the
/// top). The reader of network text (`network_text`) names the values it parses with
/// this and [`item_path`], and [`FileEntry`] finds them by the same paths.
pub(crate) fn key_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The JSON path of the `i`-th item of the list at `path` (`modules[1]`).
pub(crate) fn item_path(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// Replace an error's path by a file path (`modules[1].shape`), keeping its message.
pub fn relabel(e: Error, path: &str) -> Error {
    match e {
        Error::Invalid { message, .. } => Error::invalid(path, message),
        Error::Shape {
            expected, found, ..
        } => Error::Shape {
            path: path.into(),
            expected,
            found,
        },
        Error::NonFinite { index, value, .. } => Error::NonFinite {
            path: path.into(),
            index,
            value,
        },
        Error::UnknownPath { path: p } => Error::invalid(path, format!("unknown attribute '{p}'")),
        other => other,
    }
}

/// One module's entry in a network file, as a class's build function reads it: typed
/// accessors that name the JSON path in their errors.
#[derive(Clone, Copy)]
pub struct FileEntry<'a> {
    registry: &'a Registry,
    object: &'a Map<String, Json>,
    path: &'a str,
    values: &'a ParsedValues,
    claimed: &'a Cell<u64>,
}

impl fmt::Debug for FileEntry<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileEntry")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl<'a> FileEntry<'a> {
    /// The JSON path of a key of this entry (`modules[1].shape`).
    pub fn at(&self, key: &str) -> String {
        key_path(self.path, key)
    }

    /// The JSON path of the entry itself (`modules[1]`, or `network` at the top).
    pub fn path(&self) -> String {
        root(self.path)
    }

    /// The JSON path of an option (`modules[1].options.has_rec`).
    pub fn option_path(&self, key: &str) -> String {
        self.at(&format!("options.{key}"))
    }

    /// Whether the entry has a key.
    pub fn has(&self, key: &str) -> bool {
        self.object.contains_key(key)
    }

    /// The `shape` list.
    ///
    /// # Errors
    /// A missing shape or one that is not a list of non-negative integers.
    pub fn shape(&self) -> Result<Vec<usize>> {
        let path = self.at("shape");
        let list = self
            .object
            .get("shape")
            .and_then(Json::as_array)
            .ok_or_else(|| Error::invalid(&path, "missing, or not a list of sizes"))?;
        list.iter()
            .map(|d| {
                d.as_u64()
                    .and_then(|d| usize::try_from(d).ok())
                    .ok_or_else(|| Error::invalid(&path, "sizes must be non-negative integers"))
            })
            .collect()
    }

    /// The size `N` of a one-element `shape` `[N]`.
    ///
    /// # Errors
    /// Any other shape.
    pub fn vector_size(&self) -> Result<usize> {
        match *self.shape()? {
            [n] => Ok(n),
            ref s => Err(Error::shape(self.at("shape"), &[vec![1]], &[s.len()])),
        }
    }

    /// The result of a shape-taking constructor, its error relabelled with the path of
    /// `shape`.
    ///
    /// # Errors
    /// As [`FileEntry::shape`]; the constructor's error.
    pub fn from_shape<M>(&self, build: impl FnOnce(&[usize]) -> Result<M>) -> Result<M> {
        build(&self.shape()?).map_err(|e| relabel(e, &self.at("shape")))
    }

    fn options(&self) -> Result<&'a Map<String, Json>> {
        static EMPTY: std::sync::OnceLock<Map<String, Json>> = std::sync::OnceLock::new();
        match self.object.get("options") {
            None => Ok(EMPTY.get_or_init(Map::new)),
            Some(o) => o
                .as_object()
                .ok_or_else(|| Error::invalid(self.at("options"), "must be an object")),
        }
    }

    /// A boolean option.
    ///
    /// # Errors
    /// A value that is not `true` or `false`.
    pub fn bool_option(&self, key: &str) -> Result<Option<bool>> {
        self.options()?
            .get(key)
            .map(|v| {
                v.as_bool()
                    .ok_or_else(|| Error::invalid(self.option_path(key), "must be true or false"))
            })
            .transpose()
    }

    /// A string option.
    ///
    /// # Errors
    /// A value that is not a string.
    pub fn str_option(&self, key: &str) -> Result<Option<&'a str>> {
        self.options()?
            .get(key)
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| Error::invalid(self.option_path(key), "must be a string"))
            })
            .transpose()
    }

    /// A whole-number option.
    ///
    /// # Errors
    /// A value that is not a non-negative whole number.
    pub fn count_option(&self, key: &str) -> Result<Option<u64>> {
        self.options()?
            .get(key)
            .map(|v| {
                v.as_u64().ok_or_else(|| {
                    Error::invalid(
                        self.option_path(key),
                        format!("must be a non-negative whole number, found {v}"),
                    )
                })
            })
            .transpose()
    }

    /// An option's raw JSON value (structured options such as a sparse matrix). In a
    /// file read as text, an option object's `indptr` and `indices` are `null` here: read
    /// them with [`FileEntry::integer_list`].
    ///
    /// # Errors
    /// An `options` that is not an object.
    pub fn json_option(&self, key: &str) -> Result<Option<&'a Json>> {
        Ok(self.options()?.get(key))
    }

    /// The list of non-negative integers under `key` of a structured option's `object`
    /// (a sparse matrix's `indptr` or `indices`), whose JSON path is `path`
    /// (`options.w_rec`). A file read as text has these lists read already, straight
    /// into integers (`core/src/network_text.rs`); otherwise they come from `object`.
    ///
    /// # Errors
    /// As [`crate::network::integer_list`].
    pub fn integer_list(
        &self,
        object: &Map<String, Json>,
        path: &str,
        key: &str,
    ) -> Result<Integers> {
        let at = key_path(path, key);
        match self.values.take_list(&at) {
            Some(list) => list,
            None => integer_list(object.get(key), &at),
        }
    }

    /// Claim `bytes` of memory for `what` (at JSON path `path`), which this entry is
    /// about to draw while it is read (a sparse initialiser's synapses), before any of it
    /// is allocated. The claims of one read add up; without a memory budget
    /// ([`Registry::with_memory_budget`]) every claim is granted.
    ///
    /// # Errors
    /// A claim that takes the read's claims above the budget, naming `path`, what it
    /// needs and the budget.
    pub fn claim_memory(&self, path: &str, what: &str, bytes: u64) -> Result<()> {
        let before = self.claimed.get();
        let total = before.saturating_add(bytes);
        match self.registry.memory_budget {
            Some(limit) if total > limit => {
                let others = if before > 0 {
                    format!(" (with {} drawn before it)", human_bytes(before))
                } else {
                    String::new()
                };
                Err(Error::invalid(
                    path,
                    format!(
                        "{what} needs {} of memory{others}, more than the memory budget of {}",
                        human_bytes(bytes),
                        human_bytes(limit)
                    ),
                ))
            }
            _ => {
                self.claimed.set(total);
                Ok(())
            }
        }
    }

    /// A string option parsed by `parse` (its error relabelled with the option's path).
    ///
    /// # Errors
    /// A value that is not a string, or `parse`'s error.
    pub fn parsed_option<T>(
        &self,
        key: &str,
        parse: impl FnOnce(&str) -> Result<T>,
    ) -> Result<Option<T>> {
        self.str_option(key)?
            .map(|s| parse(s).map_err(|e| relabel(e, &self.option_path(key))))
            .transpose()
    }

    /// The submodules listed under `modules`, each built through the registry and named
    /// by its `name` or `"{i}_{Class}"`. Without `modules`, none.
    ///
    /// # Errors
    /// A `modules` that is not a list; any submodule's error.
    pub fn children(&self) -> Result<Vec<(String, Arc<dyn Module>)>> {
        let at = self.at("modules");
        let Some(list) = self.object.get("modules") else {
            return Ok(Vec::new());
        };
        let list = list
            .as_array()
            .ok_or_else(|| Error::invalid(&at, "not a list of modules"))?;
        list.iter()
            .enumerate()
            .map(|(i, m)| {
                let p = item_path(&at, i);
                let module = self.registry.read_entry(m, &p, self.values, self.claimed)?;
                let name = match m.get("name") {
                    None => format!("{i}_{}", module.class_name()),
                    Some(n) => n
                        .as_str()
                        .ok_or_else(|| Error::invalid(format!("{p}.name"), "must be a string"))?
                        .to_string(),
                };
                Ok((name, module))
            })
            .collect()
    }

    /// Whether the file lists a value `name` under `section` (`"parameters"` or
    /// `"simulation_parameters"`): for a class whose attributes depend on which values
    /// the file gives.
    pub fn has_value(&self, section: &str, name: &str) -> bool {
        self.object
            .get(section)
            .and_then(Json::as_object)
            .is_some_and(|values| values.contains_key(name))
    }

    /// The JSON path of the `i`-th submodule (`modules[i]`).
    pub fn child_path(&self, i: usize) -> String {
        item_path(&self.at("modules"), i)
    }

    /// Reject a `shape` key (a module whose shape comes from its submodules), unless it is
    /// the shape the module has.
    ///
    /// # Errors
    /// A `shape` other than `actual`.
    pub fn shape_is(&self, actual: &[usize]) -> Result<()> {
        if self.has("shape") && self.shape()? != actual {
            return Err(Error::invalid(
                self.at("shape"),
                "a combinator takes no shape (its shape is that of its modules)",
            ));
        }
        Ok(())
    }

    /// Reject `parameters` and `simulation_parameters` (a module without attributes).
    ///
    /// # Errors
    /// The first attribute listed.
    pub fn no_values(&self) -> Result<()> {
        for section in ["parameters", "simulation_parameters"] {
            if let Some(Json::Object(m)) = self.object.get(section)
                && let Some(k) = m.keys().next()
            {
                return Err(Error::invalid(
                    self.at(&format!("{section}.{k}")),
                    "unknown attribute",
                ));
            }
        }
        Ok(())
    }

    /// Apply the `parameters` and `simulation_parameters` sections through a module's
    /// `with(name, value)` setter. A Parameter listed under `simulation_parameters`
    /// becomes a [`Constant`].
    ///
    /// # Errors
    /// Unknown attributes, a State, a SimulationParameter under `parameters`, values that
    /// are not numbers or nested lists, and the setter's errors, naming the JSON path.
    pub fn apply_values<M: Module>(
        &self,
        mut module: M,
        with: impl Fn(M, &str, InitValue) -> Result<M>,
    ) -> Result<M> {
        for (section, as_constant) in [("parameters", false), ("simulation_parameters", true)] {
            let Some(values) = self.object.get(section) else {
                continue;
            };
            let prefix = self.at(section);
            let values = values
                .as_object()
                .ok_or_else(|| Error::invalid(&prefix, "must be an object"))?;
            for (name, v) in values {
                let p = key_path(&prefix, name);
                let attr = module
                    .attributes()
                    .iter()
                    .find(|a| a.name == *name)
                    .ok_or_else(|| Error::invalid(&p, "unknown attribute"))?;
                let is_param = attr.kind == Kind::Parameter;
                if attr.kind == Kind::State {
                    return Err(Error::invalid(
                        &p,
                        "a State cannot be set in a network file",
                    ));
                }
                if !as_constant && !is_param {
                    return Err(Error::invalid(
                        &p,
                        "a SimulationParameter: list it under simulation_parameters",
                    ));
                }
                let array = match self.values.take(&p) {
                    Some(parsed) => parsed?,
                    None => json_to_array(v, &p)?,
                };
                let value: InitValue = if as_constant && is_param {
                    Constant(array).into()
                } else {
                    array.into()
                };
                module = with(module, name, value).map_err(|e| relabel(e, &p))?;
            }
        }
        Ok(module)
    }
}
