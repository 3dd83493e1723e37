//! Bounded, typed access to the datasets of an HDF5 group (`hdf5-pure`): every read
//! checks the declared element count with checked arithmetic against a limit before
//! anything is allocated, and every error names the dotted location.

use std::cell::Cell;

use hdf5_pure::{DType, Dataset, Group, VlenStringReadOptions};
use littoral_core::Array;
use littoral_core::array::checked_size;

use super::error::{NirError, Result, join};
use super::model::{FloatType, Tensor};

/// Largest number of elements accepted in one dataset or declared shape, and in all the
/// datasets of one file together (2^28: 2 GiB of float64), far above any real network
/// and far below what breaks a machine (a compressed file can claim much more data than
/// its size).
pub const MAX_ELEMENTS: usize = 1 << 28;

/// Largest total size of the strings of one dataset (node names in `edges`).
const MAX_STRING_BYTES: usize = 16 << 20;

/// Largest dimension count of a dataset.
const MAX_RANK: usize = 8;

/// How many elements the datasets of one file may hold together: a compressed file can
/// claim far more data than its size, so the reader charges each dataset before reading.
pub(crate) struct Budget {
    limit: usize,
    left: Cell<usize>,
}

impl Budget {
    /// A budget of `limit` elements.
    pub fn new(limit: usize) -> Self {
        Budget {
            limit,
            left: Cell::new(limit),
        }
    }
}

/// The broad element type of a dataset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DataKind {
    /// Fixed- or variable-length strings.
    Text,
    /// `f32` or `f64`.
    Float,
    /// Any integer width.
    Integer,
    /// Anything else (compound, enum, ...), by name.
    Other(String),
}

/// A group of the file with the dotted location it stands for.
pub(crate) struct Scope<'a> {
    pub group: &'a Group,
    pub location: String,
    datasets: Vec<String>,
    groups: Vec<String>,
    /// Elements the rest of the file may still read (shared by every scope of a file).
    budget: &'a Budget,
}

/// An HDF5 error at a location.
pub(crate) fn h5(location: &str, what: &str, e: hdf5_pure::Error) -> NirError {
    NirError::at(location, format!("{what}: {e}"))
}

impl<'a> Scope<'a> {
    /// The root scope of a file, reading at most what `budget` holds.
    pub fn root(group: &'a Group, budget: &'a Budget) -> Result<Self> {
        Self::new(group, String::new(), budget)
    }

    /// A scope for `group` at `location`, sharing this scope's budget.
    pub fn child<'b>(&self, group: &'b Group, location: String) -> Result<Scope<'b>>
    where
        'a: 'b,
    {
        Scope::new(group, location, self.budget)
    }

    /// List the members of `group`.
    fn new(group: &'a Group, location: String, budget: &'a Budget) -> Result<Self> {
        let datasets = group
            .datasets()
            .map_err(|e| h5(&location, "cannot list the datasets", e))?;
        let groups = group
            .groups()
            .map_err(|e| h5(&location, "cannot list the groups", e))?;
        Ok(Scope {
            group,
            location,
            datasets,
            groups,
            budget,
        })
    }

    /// Dotted location of member `name`.
    pub fn at(&self, name: &str) -> String {
        join(&self.location, name)
    }

    /// Whether a dataset `name` exists.
    pub fn has_dataset(&self, name: &str) -> bool {
        self.datasets.iter().any(|d| d == name)
    }

    /// Whether a sub-group `name` exists.
    pub fn has_group(&self, name: &str) -> bool {
        self.groups.iter().any(|d| d == name)
    }

    /// Dataset names.
    pub fn dataset_names(&self) -> &[String] {
        &self.datasets
    }

    /// Sub-group names.
    pub fn group_names(&self) -> &[String] {
        &self.groups
    }

    /// Open sub-group `name`.
    pub fn subgroup(&self, name: &str) -> Result<Group> {
        self.open(name, self.has_group(name), "group", Group::group)
    }

    /// Open dataset `name` (an error naming it when it is missing).
    pub fn dataset(&self, name: &str) -> Result<Dataset> {
        self.open(name, self.has_dataset(name), "dataset", Group::dataset)
    }

    /// Open member `name`, a `what` ("group" or "dataset"), with `open`; an error naming
    /// it when it is not `present` or cannot be opened.
    fn open<T>(
        &self,
        name: &str,
        present: bool,
        what: &str,
        open: impl FnOnce(&Group, &str) -> std::result::Result<T, hdf5_pure::Error>,
    ) -> Result<T> {
        if !present {
            return Err(NirError::at(self.at(name), format!("missing {what}")));
        }
        open(self.group, name)
            .map_err(|e| h5(&self.at(name), &format!("cannot open the {what}"), e))
    }

    /// Shape and element type of dataset `name`, the element count checked.
    fn header(&self, name: &str) -> Result<(Dataset, Vec<usize>, DType)> {
        let loc = self.at(name);
        let ds = self.dataset(name)?;
        let raw = ds
            .shape()
            .map_err(|e| h5(&loc, "cannot read the shape", e))?;
        let shape = checked_shape(&loc, &raw)?;
        let dtype = ds
            .dtype()
            .map_err(|e| h5(&loc, "cannot read the type", e))?;
        Ok((ds, shape, dtype))
    }

    /// Charge the elements of a dataset about to be read to the file's budget.
    fn charge(&self, loc: &str, shape: &[usize]) -> Result<()> {
        let n = check_elements(loc, shape)?;
        match self.budget.left.get().checked_sub(n) {
            Some(rest) => {
                self.budget.left.set(rest);
                Ok(())
            }
            None => Err(NirError::at(
                loc,
                format!(
                    "the file's datasets hold more than {} elements in total",
                    self.budget.limit
                ),
            )),
        }
    }

    /// A float array (`f32` or `f64`; integers are converted exactly, with a warning).
    pub fn float(&self, name: &str, warnings: &mut Vec<String>) -> Result<Tensor> {
        let loc = self.at(name);
        let (ds, shape, dtype) = self.header(name)?;
        self.charge(&loc, &shape)?;
        let (values, stored) = match dtype {
            DType::F32 => (
                ds.read_f32()
                    .map_err(|e| h5(&loc, "cannot read the data", e))?
                    .into_iter()
                    .map(f64::from)
                    .collect(),
                FloatType::F32,
            ),
            DType::F64 => (
                ds.read_f64()
                    .map_err(|e| h5(&loc, "cannot read the data", e))?,
                FloatType::F64,
            ),
            ref d if is_integer(d) => {
                let ints = read_integers(&ds, &loc, d)?;
                let mut values = Vec::with_capacity(ints.len());
                for v in ints {
                    if v.unsigned_abs() > (1u64 << 53) {
                        return Err(NirError::at(
                            &loc,
                            format!("integer {v} cannot be held exactly as a float"),
                        ));
                    }
                    values.push(v as f64);
                }
                warnings.push(format!(
                    "{loc}: stored as integers ({dtype}); read as float64"
                ));
                (values, FloatType::F64)
            }
            other => {
                return Err(NirError::at(
                    &loc,
                    format!("expected a float array, found {other}"),
                ));
            }
        };
        let array = Array::from_shape_vec(shape.clone(), values).map_err(|_| {
            NirError::at(
                &loc,
                format!(
                    "the data do not fill the declared shape {}",
                    littoral_core::array::format_shape(&shape)
                ),
            )
        })?;
        Ok(Tensor {
            array,
            dtype: stored,
        })
    }

    /// An integer array with its shape.
    pub fn integers(&self, name: &str) -> Result<(Vec<usize>, Vec<i64>)> {
        let loc = self.at(name);
        let (ds, shape, dtype) = self.header(name)?;
        if !is_integer(&dtype) {
            return Err(NirError::at(
                &loc,
                format!("expected integers, found {dtype}"),
            ));
        }
        self.charge(&loc, &shape)?;
        let values = read_integers(&ds, &loc, &dtype)?;
        if Some(values.len()) != checked_size(&shape) {
            return Err(NirError::at(
                &loc,
                "the data do not fill the declared shape",
            ));
        }
        Ok((shape, values))
    }

    /// Non-negative integers (a shape, a size), each at most `MAX_ELEMENTS`.
    pub fn sizes(&self, name: &str) -> Result<Vec<usize>> {
        let (_, values) = self.integers(name)?;
        to_sizes(&self.at(name), &values)
    }

    /// One non-negative integer: a scalar or a one-element array.
    pub fn size(&self, name: &str) -> Result<usize> {
        match self.sizes(name)?.as_slice() {
            [v] => Ok(*v),
            other => Err(NirError::at(
                self.at(name),
                format!("expected one integer, found {}", other.len()),
            )),
        }
    }

    /// One signed integer: a scalar or a one-element array.
    pub fn int(&self, name: &str) -> Result<i64> {
        match self.integers(name)?.1.as_slice() {
            [v] => Ok(*v),
            other => Err(NirError::at(
                self.at(name),
                format!("expected one integer, found {}", other.len()),
            )),
        }
    }

    /// What dataset `name` holds.
    pub fn kind(&self, name: &str) -> Result<DataKind> {
        let (_, _, dtype) = self.header(name)?;
        Ok(match dtype {
            DType::String | DType::VariableLengthString => DataKind::Text,
            DType::F32 | DType::F64 => DataKind::Float,
            ref d if is_integer(d) => DataKind::Integer,
            other => DataKind::Other(other.to_string()),
        })
    }

    /// Strings with their shape (fixed or variable length), the total size bounded.
    pub fn strings(&self, name: &str) -> Result<(Vec<usize>, Vec<String>)> {
        let loc = self.at(name);
        let (ds, shape, dtype) = self.header(name)?;
        self.charge(&loc, &shape)?;
        let count = checked_size(&shape).unwrap_or(usize::MAX);
        let values = match dtype {
            DType::VariableLengthString => {
                let options = VlenStringReadOptions::new()
                    .with_max_elements(count)
                    .with_max_payload_bytes(MAX_STRING_BYTES);
                ds.read_vlen_strings(options)
                    .map_err(|e| h5(&loc, "cannot read the strings", e))?
            }
            DType::String => {
                let width = ds
                    .element_size()
                    .map_err(|e| h5(&loc, "cannot read the string width", e))?;
                if width.saturating_mul(count as u64) > MAX_STRING_BYTES as u64 {
                    return Err(NirError::at(
                        &loc,
                        format!(
                            "{count} strings of {width} bytes exceed the limit of {MAX_STRING_BYTES} bytes"
                        ),
                    ));
                }
                ds.read_string()
                    .map_err(|e| h5(&loc, "cannot read the strings", e))?
            }
            other => {
                return Err(NirError::at(
                    &loc,
                    format!("expected strings, found {other}"),
                ));
            }
        };
        if values.len() != count {
            return Err(NirError::at(
                &loc,
                "the data do not fill the declared shape",
            ));
        }
        Ok((shape, values))
    }

    /// One string: a scalar or a one-element string dataset.
    pub fn string(&self, name: &str) -> Result<String> {
        let (_, mut values) = self.strings(name)?;
        match values.len() {
            1 => Ok(values.remove(0)),
            n => Err(NirError::at(
                self.at(name),
                format!("expected one string, found {n}"),
            )),
        }
    }

    /// Element count of dataset `name` (0 for an empty dataset).
    pub fn element_count(&self, name: &str) -> Result<usize> {
        let (_, shape, _) = self.header(name)?;
        Ok(checked_size(&shape).unwrap_or(usize::MAX))
    }
}

/// Convert a file's shape, checking rank, overflow and the element limit.
fn checked_shape(loc: &str, raw: &[u64]) -> Result<Vec<usize>> {
    if raw.len() > MAX_RANK {
        return Err(NirError::at(
            loc,
            format!("{} dimensions; at most {MAX_RANK} are accepted", raw.len()),
        ));
    }
    let shape: Vec<usize> = raw
        .iter()
        .map(|&d| usize::try_from(d).unwrap_or(usize::MAX))
        .collect();
    check_elements(loc, &shape)?;
    Ok(shape)
}

/// Check that a shape's element count is at most `MAX_ELEMENTS` (checked arithmetic).
pub(crate) fn check_elements(loc: &str, shape: &[usize]) -> Result<usize> {
    match checked_size(shape) {
        Some(n) if n <= MAX_ELEMENTS => Ok(n),
        _ => Err(NirError::at(
            loc,
            format!("shape {:?} has more than {MAX_ELEMENTS} elements", shape),
        )),
    }
}

/// Integers as sizes: non-negative and at most `MAX_ELEMENTS` each.
pub(crate) fn to_sizes(loc: &str, values: &[i64]) -> Result<Vec<usize>> {
    values
        .iter()
        .map(|&v| match usize::try_from(v) {
            Ok(u) if u <= MAX_ELEMENTS => Ok(u),
            _ => Err(NirError::at(
                loc,
                format!("expected a size between 0 and {MAX_ELEMENTS}, found {v}"),
            )),
        })
        .collect()
}

fn is_integer(d: &DType) -> bool {
    matches!(
        d,
        DType::I8
            | DType::I16
            | DType::I32
            | DType::I64
            | DType::U8
            | DType::U16
            | DType::U32
            | DType::U64
    )
}

fn read_integers(ds: &Dataset, loc: &str, dtype: &DType) -> Result<Vec<i64>> {
    if *dtype == DType::U64 {
        ds.read_u64()
            .map_err(|e| h5(loc, "cannot read the data", e))?
            .into_iter()
            .map(|v| {
                i64::try_from(v)
                    .map_err(|_| NirError::at(loc, format!("integer {v} is out of range")))
            })
            .collect()
    } else {
        ds.read_i64()
            .map_err(|e| h5(loc, "cannot read the data", e))
    }
}
