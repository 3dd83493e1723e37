//! Writing NIR files in the layout of the `nir` package (h5py): root `version`, group
//! `node` with the top-level `NIRGraph`. Arrays are stored uncompressed with their
//! stored float type, so reading back gives the same bits.

use std::io::Write;
use std::path::Path;

use hdf5_pure::{FileBuilder, GroupBuilder};

use super::analysis::analyse;
use super::error::{NirError, Result, join};
use super::model::{FloatType, MetaValue, Metadata, NirGraph, Padding, Primitive, Tensor};

/// The `nir` package version whose file layout this writer follows; written as the
/// file's `version`.
pub const NIR_VERSION: &str = "1.0.8";

/// Write `graph` to `path` atomically (a temporary file beside it, then a rename), after
/// checking its structure with [`analyse`].
///
/// # Errors
/// A [`NirError`] naming the file and the node for an invalid graph or name, or the I/O
/// error.
pub fn write(graph: &NirGraph, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let bytes = write_bytes(graph).map_err(|e| e.in_file(path))?;
    let io = |e: std::io::Error| NirError::at("", format!("cannot write: {e}")).in_file(path);
    let name = path
        .file_name()
        .ok_or_else(|| NirError::at("", "the path names no file").in_file(path))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    Ok(())
}

/// The bytes of the NIR file of `graph` (as [`write()`], in memory).
///
/// # Errors
/// A [`NirError`] naming the node for an invalid graph or name.
pub fn write_bytes(graph: &NirGraph) -> Result<Vec<u8>> {
    analyse(graph)?;
    let mut builder = FileBuilder::new();
    builder
        .create_dataset("version")
        .with_vlen_strings(&[NIR_VERSION])
        .with_shape(&[]);
    let mut node = builder.create_group("node");
    write_graph(&mut node, graph, "")?;
    builder.add_group(node.finish());
    builder
        .finish()
        .map_err(|e| NirError::at("", format!("cannot encode the HDF5 file: {e}")))
}

fn write_graph(group: &mut GroupBuilder, graph: &NirGraph, location: &str) -> Result<()> {
    text(group, "type", "NIRGraph");
    let mut nodes = group.create_group("nodes");
    for (name, node) in &graph.nodes {
        let loc = join(location, name);
        check_name(&loc, name)?;
        let mut g = nodes.create_group(name);
        write_primitive(&mut g, &node.primitive, &loc)?;
        write_metadata(&mut g, &node.metadata, &loc)?;
        nodes.add_group(g.finish());
    }
    group.add_group(nodes.finish());
    if graph.edges.is_empty() {
        // What h5py writes for `edges=[]`.
        group
            .create_dataset("edges")
            .with_f64_data(&[])
            .with_shape(&[0]);
    } else {
        let flat: Vec<&str> = graph
            .edges
            .iter()
            .flat_map(|e| [e.source.as_str(), e.target.as_str()])
            .collect();
        group
            .create_dataset("edges")
            .with_vlen_strings(&flat)
            .with_shape(&[graph.edges.len() as u64, 2]);
    }
    write_metadata(group, &graph.metadata, location)
}

fn check_name(loc: &str, name: &str) -> Result<()> {
    if name.is_empty() || name.contains('/') || name == "." || name.contains('\0') {
        return Err(NirError::at(
            loc,
            format!("{name:?} cannot be an HDF5 group name (empty, `.`, `/` or NUL)"),
        ));
    }
    Ok(())
}

fn write_primitive(g: &mut GroupBuilder, p: &Primitive, loc: &str) -> Result<()> {
    text(g, "type", p.type_name());
    match p {
        Primitive::Input { shape } | Primitive::Output { shape } => ints(g, "shape", shape),
        Primitive::Flatten {
            start_dim,
            end_dim,
            input_type,
        } => {
            scalar_int(g, "start_dim", *start_dim);
            scalar_int(g, "end_dim", *end_dim);
            if let Some(t) = input_type {
                ints(g, "input_type", t);
            }
        }
        Primitive::Conv1d(c) => {
            if let Some(n) = c.input_shape {
                scalar_int(g, "input_shape", n as i64);
            }
            scalar_int(g, "stride", c.stride as i64);
            padding(g, &c.padding);
            scalar_int(g, "dilation", c.dilation as i64);
            scalar_int(g, "groups", c.groups as i64);
        }
        Primitive::Conv2d(c) => {
            if let Some(s) = c.input_shape {
                ints(g, "input_shape", &s);
            }
            ints(g, "stride", &c.stride);
            padding(g, &c.padding);
            ints(g, "dilation", &c.dilation);
            scalar_int(g, "groups", c.groups as i64);
        }
        Primitive::SumPool2d(pool) | Primitive::AvgPool2d(pool) => {
            ints(g, "kernel_size", &pool.kernel_size);
            ints(g, "stride", &pool.stride);
            ints(g, "padding", &pool.padding);
        }
        Primitive::Graph(inner) => write_graph(g, inner, loc)?,
        _ => {}
    }
    for (name, t) in p.tensors() {
        tensor(g, name, t);
    }
    Ok(())
}

fn write_metadata(g: &mut GroupBuilder, metadata: &Metadata, loc: &str) -> Result<()> {
    if metadata.is_empty() {
        return Ok(());
    }
    let mut m = g.create_group("metadata");
    write_meta_entries(&mut m, metadata, &join(loc, "metadata"))?;
    g.add_group(m.finish());
    Ok(())
}

fn write_meta_entries(g: &mut GroupBuilder, metadata: &Metadata, loc: &str) -> Result<()> {
    for (key, value) in metadata {
        let here = join(loc, key);
        check_name(&here, key)?;
        match value {
            MetaValue::Text { shape, values } => {
                let refs: Vec<&str> = values.iter().map(String::as_str).collect();
                g.create_dataset(key)
                    .with_vlen_strings(&refs)
                    .with_shape(&u64s(shape));
            }
            MetaValue::Int { shape, values } => {
                g.create_dataset(key)
                    .with_i64_data(values)
                    .with_shape(&u64s(shape));
            }
            MetaValue::Float(t) => tensor(g, key, t),
            MetaValue::Group(inner) => {
                let mut sub = g.create_group(key);
                write_meta_entries(&mut sub, inner, &here)?;
                g.add_group(sub.finish());
            }
        }
    }
    Ok(())
}

fn text(g: &mut GroupBuilder, name: &str, value: &str) {
    g.create_dataset(name)
        .with_vlen_strings(&[value])
        .with_shape(&[]);
}

fn ints(g: &mut GroupBuilder, name: &str, values: &[usize]) {
    let v: Vec<i64> = values.iter().map(|&x| x as i64).collect();
    g.create_dataset(name)
        .with_i64_data(&v)
        .with_shape(&[v.len() as u64]);
}

fn scalar_int(g: &mut GroupBuilder, name: &str, value: i64) {
    g.create_dataset(name)
        .with_i64_data(&[value])
        .with_shape(&[]);
}

fn padding(g: &mut GroupBuilder, p: &Padding) {
    match p {
        Padding::Same => text(g, "padding", "same"),
        Padding::Valid => text(g, "padding", "valid"),
        Padding::Explicit(v) if v.len() == 1 => scalar_int(g, "padding", v[0] as i64),
        Padding::Explicit(v) => ints(g, "padding", v),
    }
}

fn tensor(g: &mut GroupBuilder, name: &str, t: &Tensor) {
    let shape = u64s(t.shape());
    match t.dtype {
        FloatType::F32 => {
            let v: Vec<f32> = t.values().iter().map(|&x| x as f32).collect();
            g.create_dataset(name).with_f32_data(&v).with_shape(&shape);
        }
        FloatType::F64 => {
            g.create_dataset(name)
                .with_f64_data(t.values())
                .with_shape(&shape);
        }
    }
}

fn u64s(shape: &[usize]) -> Vec<u64> {
    shape.iter().map(|&d| d as u64).collect()
}
