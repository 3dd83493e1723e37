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
use littoral_core::{Families, Kind, Leaf, ModuleExt, Tree, TreeExt, Value};

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

/// The one-line value column of a leaf.
fn value_text(leaf: &Leaf) -> String {
    match &leaf.value {
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

/// The table of one kind's leaves.
pub fn table(tree: &Tree) -> Vec<String> {
    let rows: Vec<[String; 5]> = tree
        .leaves()
        .into_iter()
        .map(|(path, leaf)| {
            let kind = match leaf.kind {
                Kind::Parameter => "Parameter",
                Kind::State => "State",
                Kind::SimulationParameter => "SimulationParameter",
            };
            let dtype = if leaf.value.dtype() == "u64" {
                " u64"
            } else {
                ""
            };
            [
                path,
                kind.to_string(),
                leaf.family.clone().unwrap_or_else(|| "-".into()),
                format!("{}{dtype}", format_shape(leaf.value.shape())),
                value_text(leaf),
            ]
        })
        .collect();
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

/// One line per sparse matrix (a structured option with `shape` and `indices`, such as a
/// sparse `w_rec`) in the module tree: its path, shape, synapse count and density.
fn sparse_lines(module: &dyn littoral_core::Module, prefix: &str) -> Vec<String> {
    let mut lines = Vec::new();
    for (name, value) in module.options() {
        let littoral_core::OptionValue::Json(v) = value else {
            continue;
        };
        let (Some(shape), Some(indices)) = (v["shape"].as_array(), v["indices"].as_array()) else {
            continue;
        };
        let dims: Vec<f64> = shape.iter().filter_map(serde_json::Value::as_f64).collect();
        let all: f64 = dims.iter().product();
        let nnz = indices.len();
        lines.push(format!(
            "sparse {prefix}{name}: shape ({}), nnz {nnz}, density {}",
            dims.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            if all > 0.0 {
                short(nnz as f64 / all)
            } else {
                "0".into()
            }
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
    let (module, tree, from_snapshot) = load_any(&a.net, a.seed)?;
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
        if from_snapshot {
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
        let sel = tree.select(kind, &families);
        out.push(String::new());
        out.push(format!("{title}{filter} ({}):", sel.leaf_count()));
        out.extend(table(&sel));
    }
    say(&out.join("\n"));
    Ok(())
}
