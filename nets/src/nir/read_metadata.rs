//! The optional `metadata` groups of graphs and nodes: strings, integers and floats
//! (with their shapes) and nested groups, bounded in depth.

use super::error::{NirError, Result};
use super::hdf5_read::{DataKind, Scope};
use super::model::{MetaValue, Metadata};
use super::read::MAX_DEPTH;

/// The optional `metadata` group of a node or graph.
pub(crate) fn read_metadata_of(scope: &Scope, warnings: &mut Vec<String>) -> Result<Metadata> {
    if !scope.has_group("metadata") {
        return Ok(Metadata::new());
    }
    let group = scope.subgroup("metadata")?;
    let inner = scope.child(&group, scope.at("metadata"))?;
    read_metadata(&inner, 0, warnings)
}

fn read_metadata(scope: &Scope, depth: usize, warnings: &mut Vec<String>) -> Result<Metadata> {
    if depth > MAX_DEPTH {
        return Err(NirError::at(
            &scope.location,
            format!("metadata nested deeper than {MAX_DEPTH} levels"),
        ));
    }
    let mut out = Metadata::new();
    for name in scope.dataset_names() {
        let value = match scope.kind(name)? {
            DataKind::Text => {
                let (shape, values) = scope.strings(name)?;
                MetaValue::Text { shape, values }
            }
            DataKind::Integer => {
                let (shape, values) = scope.integers(name)?;
                MetaValue::Int { shape, values }
            }
            DataKind::Float => MetaValue::Float(scope.float(name, warnings)?),
            DataKind::Other(t) => {
                warnings.push(format!("{}: ignored metadata of type {t}", scope.at(name)));
                continue;
            }
        };
        out.insert(name.clone(), value);
    }
    for name in scope.group_names() {
        let group = scope.subgroup(name)?;
        let inner = scope.child(&group, scope.at(name))?;
        out.insert(
            name.clone(),
            MetaValue::Group(read_metadata(&inner, depth + 1, warnings)?),
        );
    }
    Ok(out)
}
