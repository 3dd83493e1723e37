//! Exact snapshots: everything needed to continue a run bit for bit.
//!
//! A [`Snapshot`] holds the network description (the network JSON format of
//! [`littoral_core::network`], as *text*: bincode cannot decode `serde_json::Value`; its
//! sparse structures' lists apart, as binary), the Parameters and SimulationParameters,
//! the State (with its batch axis and the random stream positions in `rng_key`), the step
//! count, the format version and the library version. It is encoded by [`crate::codec`]
//! (magic, version, length, CRC-32, bincode payload; the payload's layout by version in
//! `snapshot_wire.rs`) and written atomically. Floats are stored as their IEEE bits: NaN
//! payloads and `-0.0` survive.
//!
//! ```
//! use littoral_core::{Array, ModuleExt, tree_bits_eq};
//! use littoral_functional::Snapshot;
//! use littoral_nets::Lif;
//! let lif = Lif::new(2).with_noise_std(0.2)?;
//! let tree = lif.init(3);
//! let x = Array::full(vec![1, 10, 2], 0.3);
//! let first = lif.evolve(&tree, &tree, &x, false)?;
//! let bytes = Snapshot::capture(&lif, &tree, &first.state, 10)?.to_bytes()?;
//! let (params, state) = Snapshot::from_bytes(&bytes)?.restore(&lif)?;
//! let second = lif.evolve(&params, &state, &x, false)?;
//! let whole = lif.evolve(&tree, &tree, &Array::full(vec![1, 20, 2], 0.3), false)?;
//! assert_eq!(&whole.output.data()[20..], second.output.data());
//! # Ok::<(), littoral_functional::Error>(())
//! ```

use crate::atomic::AtomicFile;
use crate::codec;
use crate::error::{Error, FormatError, Mismatch, Result};
use littoral_core::array::{checked_size, format_shape};
use littoral_core::network::Integers;
use littoral_core::registry::Registry;
use littoral_core::{Entry, Kind, Leaf, Module, ModuleExt, Tree, TreeExt, Value, tree_bits_eq};
use std::path::Path;
use std::sync::Arc;

/// The version of the library that writes snapshots.
pub const LIBRARY_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Everything needed to continue a run exactly. See the [module docs](self).
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// The format version of the payload it was read from ([`codec::FORMAT_VERSION`] when
    /// made here; a snapshot is always written in that version).
    pub format_version: u32,
    /// `CARGO_PKG_VERSION` of the `littoral-functional` that wrote it.
    pub library_version: String,
    /// The network description (network JSON format), or `""` for a module that the format
    /// cannot describe (then only [`Snapshot::restore`] with the module in hand works).
    /// Its sparse structures' `indices` and `indptr` are `null`, their lists in
    /// `structures` ([`littoral_core::network::to_json_compact_apart`]); a description
    /// with its lists written out (format version 1, or [`Snapshot::from_parts`]) reads
    /// as well.
    pub network_json: String,
    /// Parameters and SimulationParameters (no State leaf).
    pub params: Tree,
    /// State leaves, per sample or with their batch axis.
    pub state: Tree,
    /// Time steps evolved so far (the caller's count).
    pub step: u64,
    /// The lists the description leaves apart, in the order of its text.
    pub structures: Vec<Integers>,
}

impl Snapshot {
    /// Capture a module's values. `params` and `state` may be full trees: only the
    /// non-State leaves of `params` and the State leaves of `state` are kept (the leaves
    /// are shared, not copied).
    ///
    /// # Errors
    /// When the module cannot be written in the network format (a class the format does
    /// not know, a custom `Instant` function, non-finite parameters); use
    /// [`Snapshot::from_parts`] with an empty description for such modules.
    pub fn capture(module: &dyn Module, params: &Tree, state: &Tree, step: u64) -> Result<Self> {
        let params = params_only(params);
        let (network_json, structures) = describe(module, &params)?;
        Ok(Snapshot {
            structures,
            ..Snapshot::from_parts(network_json, params, state_only(state), step)
        })
    }

    /// [`Snapshot::capture`], falling back to an empty network description when the
    /// module cannot be written in the network format.
    pub fn capture_lenient(module: &dyn Module, params: &Tree, state: &Tree, step: u64) -> Self {
        let params = params_only(params);
        let (network_json, structures) = describe(module, &params).unwrap_or_default();
        Snapshot {
            structures,
            ..Snapshot::from_parts(network_json, params, state_only(state), step)
        }
    }

    /// A snapshot from its parts (current format and library version), its description
    /// with any lists written out.
    pub fn from_parts(network_json: String, params: Tree, state: Tree, step: u64) -> Self {
        Snapshot {
            format_version: codec::FORMAT_VERSION,
            library_version: LIBRARY_VERSION.to_string(),
            network_json,
            params,
            state,
            step,
            structures: Vec::new(),
        }
    }

    /// Encode as a framed file (see `docs/snapshot-format.md`).
    ///
    /// # Errors
    /// [`FormatError::Encode`] or [`FormatError::TooLarge`].
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        codec::encode(self)
    }

    /// Decode bytes written by [`Snapshot::to_bytes`] (any format version up to
    /// [`codec::FORMAT_VERSION`]). Truncated, corrupt, foreign, empty or newer-version
    /// input gives an error, never a panic.
    ///
    /// # Errors
    /// A [`FormatError`] describing the first problem.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Snapshot::checked(codec::decode(bytes)?)
    }

    /// A decoded snapshot whose payload agrees with its header and whose trees are sound.
    fn checked((header, snap): (codec::Header, Snapshot)) -> Result<Self> {
        if snap.format_version != header.version {
            return Err(FormatError::Invalid(format!(
                "payload format version {} differs from the header's {}",
                snap.format_version, header.version
            ))
            .into());
        }
        validate_tree(&snap.params, "params")?;
        validate_tree(&snap.state, "state")?;
        Ok(snap)
    }

    /// Write to `path` atomically (temporary file in the same directory, fsync, rename,
    /// directory fsync): a crash leaves the previous file intact.
    ///
    /// # Errors
    /// Encoding errors; [`Error::Io`] naming the file.
    pub fn write_atomic(&self, path: &Path) -> Result<()> {
        let mut file = AtomicFile::create(path)?;
        file.write_with(|w| self.write_to(w, path))?;
        file.persist()
    }

    /// Write the bytes of [`Snapshot::to_bytes`] to `out` as they are encoded, without
    /// the file in memory ([`codec::encode_to_writer`]); `dest` names the file in errors.
    ///
    /// # Errors
    /// As [`Snapshot::to_bytes`]; [`Error::Io`] naming `dest`.
    pub fn write_to(&self, out: impl std::io::Write, dest: &Path) -> Result<()> {
        codec::encode_to_writer(self, out, dest)
    }

    /// Read a snapshot file.
    ///
    /// # Errors
    /// [`Error::Io`] or a format error, naming the file.
    pub fn read(path: &Path) -> Result<Self> {
        codec::decode_file(path)
            .and_then(Snapshot::checked)
            .map_err(|e| e.in_file(path))
    }

    /// The params and state, checked against `module`: every path, kind, element type and
    /// shape (State leaves per sample or batched, with one batch size). The returned trees
    /// share the snapshot's leaves.
    ///
    /// # Errors
    /// [`Error::Structure`] naming every mismatching path.
    pub fn restore(&self, module: &dyn Module) -> Result<(Tree, Tree)> {
        check_structure(module, &self.params, &self.state)?;
        Ok((self.params.clone(), self.state.clone()))
    }

    /// [`Snapshot::restore`] into a module built anew to continue a run (a network file or
    /// a NIR graph read again): every path, kind and shape, then the module's own
    /// description (its classes, names, options and the SimulationParameters of `own`:
    /// its current values, or [`ModuleExt::init_simulation_parameters`]) against the
    /// snapshot's. A module read with another `dt`, option or NIR semantics is refused,
    /// although its trees would fit.
    ///
    /// # Errors
    /// [`Error::Structure`] naming every mismatching path; an invalid `network_json` when
    /// the descriptions differ.
    pub fn restore_checked(&self, module: &dyn Module, own: &Tree) -> Result<(Tree, Tree)> {
        let restored = self.restore(module)?;
        if !describes(module, own, self)? {
            return Err(littoral_core::Error::invalid(
                "network_json",
                "the module's classes, names, options or simulation parameters (such as dt) \
                 differ from the snapshot's",
            )
            .into());
        }
        Ok(restored)
    }

    /// Rebuild the module from the network description with the classes of `registry`
    /// (`littoral_nets::registry()` for the built-in ones, with yours added), then
    /// [`Snapshot::restore`]. The snapshot is taken: its structure lists become the
    /// module's without a copy.
    ///
    /// # Errors
    /// An empty or invalid description (a class the registry lacks among them); structure
    /// mismatches.
    pub fn restore_module(mut self, registry: &Registry) -> Result<(Arc<dyn Module>, Tree, Tree)> {
        if self.network_json.is_empty() {
            return Err(littoral_core::Error::invalid(
                "network_json",
                "this snapshot has no network description (its module cannot be written in \
                 the network format): call `restore` with the module instead",
            )
            .into());
        }
        let module = registry
            .read_json_str_apart(&self.network_json, std::mem::take(&mut self.structures))?;
        let (params, state) = self.restore(module.as_ref())?;
        Ok((module, params, state))
    }

    /// Bit-for-bit equality (NaN payloads and the sign of zero compared exactly).
    pub fn bits_eq(&self, other: &Snapshot) -> bool {
        self.format_version == other.format_version
            && self.library_version == other.library_version
            && self.network_json == other.network_json
            && self.structures == other.structures
            && self.step == other.step
            && tree_bits_eq(&self.params, &other.params)
            && tree_bits_eq(&self.state, &other.state)
    }
}

/// The network description stored in a snapshot: structure, options and
/// SimulationParameters (which carry `Constant`s) as compact JSON, and the lists of its
/// sparse structures apart. Parameter values are not repeated as text: they are in the
/// binary `params` tree, restored bit for bit.
///
/// # Errors
/// A module the network format cannot describe.
pub fn describe(module: &dyn Module, params: &Tree) -> Result<(String, Vec<Integers>)> {
    let sim = params.simulation_parameters(None);
    Ok(littoral_core::network::to_json_compact_apart(module, &sim)?)
}

/// Whether [`describe`] would give the description of `snap` (with no lists apart: its
/// text with the lists written out, as format version 1 and [`Snapshot::from_parts`]
/// keep it), compared as it is written rather than built (a large network's description
/// is hundreds of MB).
fn describes(module: &dyn Module, params: &Tree, snap: &Snapshot) -> Result<bool> {
    let sim = params.simulation_parameters(None);
    let lists = (!snap.structures.is_empty()).then_some(snap.structures.as_slice());
    Ok(littoral_core::network::describes_as_compact(
        module,
        &sim,
        &snap.network_json,
        lists,
    )?)
}

/// The non-State leaves of a tree (branches kept).
pub fn params_only(tree: &Tree) -> Tree {
    tree.filter(&mut |_, _, l: &Leaf| l.kind != Kind::State, true)
}

/// The State leaves of a tree (branches kept).
pub fn state_only(tree: &Tree) -> Tree {
    tree.filter(&mut |_, _, l: &Leaf| l.kind == Kind::State, true)
}

/// Reject decoded content that the rest of the library assumes cannot happen: arrays
/// whose data length differs from their shape, names that are empty or hold a dot.
fn validate_tree(tree: &Tree, what: &str) -> Result<()> {
    for (name, entry) in tree.iter() {
        if name.is_empty() || name.contains('.') {
            return Err(FormatError::Invalid(format!("{what}: invalid name {name:?}")).into());
        }
        match entry {
            Entry::Branch(b) => validate_tree(b, &format!("{what}.{name}"))?,
            Entry::Leaf(l) => {
                let (shape, len) = match &l.value {
                    Value::F64(a) => (a.shape(), a.data().len()),
                    Value::U64(a) => (a.shape(), a.data().len()),
                };
                if checked_size(shape) != Some(len) {
                    return Err(FormatError::Invalid(format!(
                        "{what}.{name}: {len} element(s) cannot have shape {}",
                        format_shape(shape)
                    ))
                    .into());
                }
            }
        }
    }
    Ok(())
}

/// Check `params` (Parameters and SimulationParameters) and `state` (State, per sample or
/// batched) against `module`: every attribute present with its kind, element type and a
/// permitted shape; every batched State leaf with the same batch size; no unknown path.
/// As in `evolve`, State leaves in `params` and other leaves in `state` are ignored, so
/// one full tree may be passed as both.
///
/// ```
/// use littoral_core::{ModuleExt, Tree};
/// use littoral_functional::snapshot::check_structure;
/// let lif = littoral_nets::Lif::new(2);
/// let err = check_structure(&lif, &Tree::new(), &lif.init_state(0)).unwrap_err();
/// assert!(err.to_string().contains("tau_mem: missing"));
/// ```
///
/// # Errors
/// [`Error::Structure`] listing every mismatching path.
pub fn check_structure(module: &dyn Module, params: &Tree, state: &Tree) -> Result<()> {
    let out: Vec<Mismatch> = module
        .mismatches(params, state)
        .into_iter()
        .map(|m| Mismatch {
            problem: m.problem.to_string(),
            path: m.path,
        })
        .collect();
    if out.is_empty() {
        Ok(())
    } else {
        Err(Error::Structure { mismatches: out })
    }
}
