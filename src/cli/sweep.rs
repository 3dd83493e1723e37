//! `littoral sweep NET.json --input X.npy --vary PATH=V1,V2,... [--zip] --out DIR`:
//! every point of a grid (or zip) of parameter values, in parallel, summarised in
//! `DIR/summary.csv`; `--point K` re-runs one point with the same bits.

use super::args::SweepArgs;
use super::atomic::Outputs;
use super::error::{CliError, CliResult};
use super::network::{LeafModule, leaf_modules, load_network};
use super::npy_io::read_input;
use super::progress;
use super::say;
use super::simulate::put_npy;
use littoral_core::{Array, EvolveOptions, Module, ModuleExt, Tree};
use littoral_functional::sweep::{Sweep, sweep_map};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// One parsed `--vary PATH=V1,V2,...`.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// Dotted path.
    pub path: String,
    /// Values.
    pub values: Vec<f64>,
}

/// Parse `PATH=V1,V2,...`.
///
/// # Errors
/// A usage error for anything else.
pub fn parse_vary(s: &str) -> CliResult<Axis> {
    let (path, values) = s
        .split_once('=')
        .ok_or_else(|| CliError::usage(format!("--vary: expected PATH=V1,V2,..., found '{s}'")))?;
    let path = path.trim();
    if path.is_empty() {
        return Err(CliError::usage(format!("--vary: no path in '{s}'")));
    }
    let values = values
        .split(',')
        .map(str::trim)
        .map(|v| match v.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(x),
            _ => Err(CliError::usage(format!(
                "--vary {path}: '{v}' is not a finite number"
            ))),
        })
        .collect::<CliResult<Vec<f64>>>()?;
    Ok(Axis {
        path: path.to_string(),
        values,
    })
}

/// What is kept of one point.
#[derive(Clone, Debug)]
struct PointRow {
    index: usize,
    /// Per spiking module: spike count and rate; or output mean and max.
    cells: Vec<String>,
    seconds: f64,
    output: Option<Array>,
}

fn columns(leaves: &[LeafModule<'_>]) -> Vec<String> {
    let spiking: Vec<&LeafModule<'_>> = leaves
        .iter()
        .filter(|l| l.module.spiking_output())
        .collect();
    if spiking.is_empty() {
        return vec!["output.mean".into(), "output.max".into()];
    }
    spiking
        .iter()
        .flat_map(|l| {
            [
                format!("{}.spikes", l.label()),
                format!("{}.rate_hz", l.label()),
            ]
        })
        .collect()
}

fn evolve_point(
    module: &dyn Module,
    leaves: &[LeafModule<'_>],
    params: &Tree,
    state: &Tree,
    x: &Array,
    k: usize,
    keep_output: bool,
) -> Result<PointRow, littoral_functional::Error> {
    let started = Instant::now();
    let ev = module.evolve_with(
        params,
        state,
        x,
        &EvolveOptions {
            record: true,
            allow_non_finite_input: false,
        },
    )?;
    let seconds = started.elapsed().as_secs_f64();
    let (b, t) = (x.shape()[0], x.shape()[1]);
    let spiking: Vec<&LeafModule<'_>> = leaves
        .iter()
        .filter(|l| l.module.spiking_output())
        .collect();
    let mut cells = Vec::new();
    if spiking.is_empty() {
        let d = ev.output.data();
        let mean = d.iter().sum::<f64>() / d.len().max(1) as f64;
        let max = d.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        cells.push(format!("{mean}"));
        cells.push(format!("{max}"));
    }
    for l in spiking {
        let a = l.output_in(&ev.output, &ev.record);
        let count: f64 = a.map_or(0.0, |a| a.data().iter().sum());
        let denom = (b * t * l.module.size_out()) as f64;
        let rate = l
            .dt(params)
            .filter(|&dt| dt > 0.0 && denom > 0.0)
            .map_or(String::new(), |dt| format!("{}", count / denom / dt));
        cells.push(format!("{count}"));
        cells.push(rate);
    }
    Ok(PointRow {
        index: k,
        cells,
        seconds,
        output: keep_output.then_some(ev.output),
    })
}

/// A CSV field, quoted when needed.
fn csv(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Run the command.
///
/// # Errors
/// Usage errors for bad `--vary`, `--zip` or `--point`; data errors naming the file.
pub fn sweep(a: &SweepArgs) -> CliResult<()> {
    let axes = a
        .vary
        .iter()
        .map(|s| parse_vary(s))
        .collect::<CliResult<Vec<Axis>>>()?;
    let module = load_network(&a.net)?;
    let module = module.as_ref();
    let tree = module.init(a.seed);
    let x = read_input(&a.input, module.size_in())?;
    let mut sweep = if a.zip { Sweep::zip() } else { Sweep::grid() };
    for ax in &axes {
        sweep = sweep.axis(&ax.path, ax.values.iter().copied());
    }
    sweep
        .validate(module, &tree)
        .map_err(|e| CliError::usage(format!("--vary: {e}")))?;
    let n = sweep
        .len()
        .map_err(|e| CliError::usage(format!("--vary: {e}")))?;
    if let Some(k) = a.point
        && k >= n
    {
        return Err(CliError::usage(format!(
            "--point {k}: the sweep has {n} point(s), numbered 0 to {}",
            n.saturating_sub(1)
        )));
    }

    let created = !a.out.exists();
    std::fs::create_dir_all(&a.out).map_err(|e| CliError::io(&a.out, "create folder", &e))?;
    let result = run_and_write(a, module, &tree, &x, &sweep, &axes, n);
    if result.is_err() && created {
        let _ = std::fs::remove_dir(&a.out);
    }
    result
}

fn run_and_write(
    a: &SweepArgs,
    module: &dyn Module,
    tree: &Tree,
    x: &Array,
    sweep: &Sweep,
    axes: &[Axis],
    n: usize,
) -> CliResult<()> {
    let mut outs = Outputs::new();
    let csv_path = a.out.join("summary.csv");
    let csv_id = outs.reserve(&csv_path)?;
    let leaves = leaf_modules(module);
    let threads = a
        .threads
        .map(|t| t as usize)
        .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()));
    let started = Instant::now();
    let points: Vec<usize> = match a.point {
        Some(k) => vec![k],
        None => (0..n).collect(),
    };
    let pb = progress::bar(points.len() as u64, "points", a.quiet);
    let rows: Vec<PointRow> = match a.point {
        Some(k) => {
            let (p, s, _) = sweep
                .point_trees(module, tree, tree, a.seed, k)
                .map_err(|e| CliError::usage(format!("--vary: {e}")))?;
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads.unwrap_or(1))
                .build()
                .map_err(|e| CliError::other(format!("cannot start worker threads: {e}")))?;
            let row = pool
                .install(|| evolve_point(module, &leaves, &p, &s, x, k, a.save_outputs))
                .map_err(|e| point_error(&a.net, &a.input, e))?;
            pb.inc(1);
            vec![row]
        }
        None => {
            let progress = |done: usize, _total: usize| pb.set_position(done as u64);
            sweep_map(
                module,
                tree,
                tree,
                sweep,
                a.seed,
                threads,
                Some(&progress),
                |k, p, s, _| evolve_point(module, &leaves, p, s, x, k, a.save_outputs),
            )
            .map_err(|e| point_error(&a.net, &a.input, e))?
        }
    };
    pb.finish_and_clear();
    let total_seconds = started.elapsed().as_secs_f64();

    let mut text = String::from("point");
    for ax in axes {
        text.push(',');
        text.push_str(&csv(&ax.path));
    }
    for c in columns(&leaves) {
        text.push(',');
        text.push_str(&csv(&c));
    }
    text.push_str(",seconds\n");
    for r in &rows {
        let idx = sweep
            .indices(r.index)
            .map_err(|e| CliError::usage(format!("--vary: {e}")))?;
        text.push_str(&r.index.to_string());
        for (ax, i) in axes.iter().zip(idx) {
            text.push(',');
            text.push_str(&ax.values.get(i).map_or(String::new(), |v| format!("{v}")));
        }
        for c in &r.cells {
            text.push(',');
            text.push_str(c);
        }
        text.push_str(&format!(",{:.6}\n", r.seconds));
    }
    outs.write_bytes(csv_id, text.as_bytes())?;
    for r in &rows {
        if let Some(out) = &r.output {
            let id = outs.reserve(&point_file(&a.out, r.index))?;
            put_npy(&mut outs, id, out)?;
        }
    }
    outs.commit()?;
    if !a.quiet {
        say(&format!(
            "swept {} point(s) of {} in {} on {} thread(s) → {}",
            rows.len(),
            n,
            super::run::seconds(total_seconds),
            threads.unwrap_or(1),
            csv_path.display()
        ));
        let lines: Vec<&str> = text.lines().collect();
        for l in lines.iter().take(21) {
            say(&format!("  {l}"));
        }
        if lines.len() > 21 {
            say(&format!("  … {} more row(s)", lines.len() - 21));
        }
    }
    Ok(())
}

/// The output file of point `k`.
pub fn point_file(dir: &Path, k: usize) -> PathBuf {
    dir.join(format!("point-{k:04}.npy"))
}

fn point_error(net: &Path, input: &Path, e: littoral_functional::Error) -> CliError {
    let text = e.to_string();
    match text.strip_prefix("input: ") {
        Some(rest) => CliError::file(input, rest),
        None => CliError::file(net, text),
    }
}
