//! `littoral inspect NET.json [--family F]...`: the module tree as Rockpool prints it,
//! then every parameter, state and simulation parameter with its path, kind, family and
//! shape (and value, for small arrays). `littoral inspect GRAPH.nir` prints a NIR graph's
//! nodes, edges, shapes and parameters.

use super::args::InspectArgs;
use super::error::{CliError, CliResult};
use super::network::load_any;
use super::pyfmt::array_str;
use super::say;
use littoral_core::array::format_shape;
use littoral_core::nested::join_path;
use littoral_core::rng::derive_seed;
use littoral_core::{
    Attribute, Families, Init, Initialiser, Kind, Module, ModuleExt, Tree, TreeExt, Value,
    for_each_module,
};
use std::convert::Infallible;

/// Arrays with at most this many elements are printed in full.
pub const SMALL: usize = 16;

/// The widest a table column is padded.
const MAX_COLUMN: usize = 120;

/// A number with at most 6 decimals, trailing zeros dropped.
fn short(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// The one-line value column of a value.
fn value_text(value: &Value) -> String {
    match value {
        Value::F64(a) if a.len() <= SMALL => array_str(a).replace('\n', ""),
        Value::U64(a) if a.len() <= SMALL => {
            let cells: Vec<String> = a.data().iter().map(u64::to_string).collect();
            format!("[{}]", cells.join(" "))
        }
        Value::F64(a) => {
            let d = a.data();
            let min = d.iter().copied().fold(f64::INFINITY, f64::min);
            let max = d.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let mean = d.iter().sum::<f64>() / d.len().max(1) as f64;
            if min == max {
                format!("all {}", short(min))
            } else {
                format!(
                    "min {}, mean {}, max {}",
                    short(min),
                    short(mean),
                    short(max)
                )
            }
        }
        Value::U64(a) => format!("{} integers", a.len()),
    }
}

/// One table row: path, kind, family, shape (with the element type when not `f64`), value.
type Row = [String; 5];

/// A row from its parts.
fn row(
    path: String,
    kind: Kind,
    family: Option<&str>,
    shape: &[usize],
    integer: bool,
    value: String,
) -> Row {
    let kind = match kind {
        Kind::Parameter => "Parameter",
        Kind::State => "State",
        Kind::SimulationParameter => "SimulationParameter",
    };
    [
        path,
        kind.to_string(),
        family.unwrap_or("-").to_string(),
        format!(
            "{}{}",
            format_shape(shape),
            if integer { " u64" } else { "" }
        ),
        value,
    ]
}

/// The rows of a tree's leaves (a snapshot's values).
fn tree_rows(tree: &Tree) -> Vec<Row> {
    tree.leaves()
        .into_iter()
        .map(|(path, leaf)| {
            row(
                path,
                leaf.kind,
                leaf.family.as_deref(),
                leaf.value.shape(),
                leaf.value.dtype() == "u64",
                value_text(&leaf.value),
            )
        })
        .collect()
}

/// The value column of a network file's attribute at `path`, described from its
/// specification: data the file holds is summarised, a default of more than [`SMALL`]
/// elements is named (`all 0.02`, `random (unit_eigs)`) and never drawn, so inspecting is
/// linear in the file whatever the shapes; a small default is drawn from `seed` exactly
/// as `init` draws it.
fn attribute_text(a: &Attribute, path: &str, seed: u64, elements: usize) -> String {
    match &a.init {
        Init::Value(data) => value_text(&Value::F64(data.clone())),
        _ if elements <= SMALL => value_text(&a.initial_value(derive_seed(seed, path))),
        Init::Fill(v) => format!("all {}", short(*v)),
        Init::Random(Initialiser::Zeros) => "all 0".into(),
        Init::Random(i) => format!("random ({})", i.name()),
        Init::Custom(_) => "random (a custom initialiser)".into(),
        Init::RngKey => format!("{elements} integers"),
    }
}

/// The rows of every attribute of `module` and its submodules (depth first, as `init`
/// orders the tree) of `kind` in `families`, without initialising anything.
fn attribute_rows(module: &dyn Module, kind: Kind, families: &Families, seed: u64) -> Vec<Row> {
    let mut rows = Vec::new();
    let walked = for_each_module(module, |prefix, _, m| -> Result<(), Infallible> {
        for a in m.attributes() {
            if a.kind != kind || !families.matches(a.family.as_deref()) {
                continue;
            }
            let path = join_path(prefix, &a.name);
            let shape = match &a.init {
                Init::Value(data) => data.shape().to_vec(),
                _ => a.shapes.first().cloned().unwrap_or_default(),
            };
            let elements = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
            let value = attribute_text(a, &path, seed, elements.unwrap_or(usize::MAX));
            rows.push(row(
                path,
                a.kind,
                a.family.as_deref(),
                &shape,
                a.integer,
                value,
            ));
        }
        Ok(())
    });
    let Ok(()) = walked;
    rows
}

/// The table of some rows, columns padded.
fn table(rows: Vec<Row>) -> Vec<String> {
    if rows.is_empty() {
        return vec!["  (none)".into()];
    }
    let head = ["path", "kind", "family", "shape", "value"].map(str::to_string);
    let mut w = [0usize; 4];
    for r in std::iter::once(&head).chain(&rows) {
        for (i, c) in r.iter().take(4).enumerate() {
            // Capped: a padding width above 65,535 panics in `format!` (a 65,520-character
            // module name did); longer cells are printed in full, unaligned.
            w[i] = w[i].max(c.chars().count()).min(MAX_COLUMN);
        }
    }
    std::iter::once(&head)
        .chain(&rows)
        .map(|r| {
            format!(
                "  {:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {}",
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                w0 = w[0],
                w1 = w[1],
                w2 = w[2],
                w3 = w[3]
            )
            .trim_end()
            .to_string()
        })
        .collect()
}

/// Whether `path` names a NIR graph (extension `.nir`, any case).
fn is_nir(path: &std::path::Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("nir"))
}

/// `littoral inspect GRAPH.nir`: nodes in execution order with their shapes and
/// parameters, the edges (those closing cycles marked), nested graphs and the reader's
/// warnings. (`--family` has no meaning for a NIR graph and is refused.)
fn inspect_nir(a: &InspectArgs) -> CliResult<()> {
    if !a.family.is_empty() {
        return Err(CliError::usage(
            "--family selects Littoral attribute families; a NIR graph has none",
        ));
    }
    let file = littoral_nets::nir::read(&a.net).map_err(|e| CliError::other(e.in_file(&a.net)))?;
    let text =
        littoral_nets::nir::render_file(&file).map_err(|e| CliError::other(e.in_file(&a.net)))?;
    say(text.trim_end());
    Ok(())
}

/// One line per sparse matrix (an option holding a sparse structure, such as a sparse
/// `w_rec`) in the module tree: its path, shape, synapse count and density.
fn sparse_lines(module: &dyn littoral_core::Module, prefix: &str) -> Vec<String> {
    let mut lines = Vec::new();
    for (name, value) in module.options() {
        let littoral_core::OptionValue::Sparse(s) = value else {
            continue;
        };
        lines.push(format!(
            "sparse {prefix}{name}: shape ({}, {}), nnz {}, density {}",
            s.shape[0],
            s.shape[1],
            s.nnz(),
            short(s.density())
        ));
    }
    for (child, m) in module.children() {
        lines.extend(sparse_lines(m, &format!("{prefix}{child}.")));
    }
    lines
}

/// Run the command.
///
/// # Errors
/// An unreadable or invalid network file, snapshot or NIR graph.
pub fn inspect(a: &InspectArgs) -> CliResult<()> {
    if is_nir(&a.net) {
        return inspect_nir(a);
    }
    let (module, values) = load_any(&a.net)?;
    let families: Families = if a.family.is_empty() {
        Families::all()
    } else {
        Families::from(a.family.clone())
    };
    let mut out = vec![module.repr(), String::new()];
    out.push(format!(
        "size_in {}, size_out {}, spiking_input {}, spiking_output {}{}",
        module.size_in(),
        module.size_out(),
        if module.spiking_input() {
            "True"
        } else {
            "False"
        },
        if module.spiking_output() {
            "True"
        } else {
            "False"
        },
        if values.is_some() {
            " (values from the snapshot)"
        } else {
            ""
        }
    ));
    out.extend(sparse_lines(module.as_ref(), ""));
    let filter = if families.is_all() {
        String::new()
    } else {
        format!(" of family {}", a.family.join(" or "))
    };
    for (title, kind) in [
        ("Parameters", Kind::Parameter),
        ("State", Kind::State),
        ("Simulation parameters", Kind::SimulationParameter),
    ] {
        let rows = match &values {
            Some(tree) => tree_rows(&tree.select(kind, &families)),
            None => attribute_rows(module.as_ref(), kind, &families, a.seed),
        };
        out.push(String::new());
        out.push(format!("{title}{filter} ({}):", rows.len()));
        out.extend(table(rows));
    }
    say(&out.join("\n"));
    Ok(())
}
