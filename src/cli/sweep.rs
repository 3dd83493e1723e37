//! `littoral sweep NET.json --input X.npy --vary PATH=V1,V2,... [--zip] --out DIR`:
//! every point of a grid (or zip) of parameter values, in parallel, summarised in
//! `DIR/summary.csv` (timings in `DIR/timings.csv`); `--point K` re-runs one point with the
//! same bits; `--shard I/N` runs the points k ≡ I (mod N) into `DIR/shards/I.csv` and
//! `littoral sweep merge DIR` joins the shards (see [`super::shard`]). Built with the
//! `mpi` feature and started by an MPI launcher, the ranks share the points (see
//! `mpi_sweep.rs`).

use super::args::{SweepAction, SweepArgs};
use super::atomic::Outputs;
use super::error::{CliError, CliResult};
use super::journal::{self, Journal};
use super::network::load_network;
use super::npy_io::{check_input, read_array};
use super::progress;
use super::say;
use super::shard::{self, Manifest};
use super::simulate::put_npy;
use littoral_core::{Array, Module, ModuleExt, Tree};
use littoral_functional::par::in_pool;
use littoral_functional::summary::{Population, recording_to_summarise, spiking_populations};
use littoral_functional::sweep::{PointResult, PointSummary, Sweep, SweepOptions, run_point};
use littoral_functional::sweep_points::{Points, run_sweep_points};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
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

/// The CSV columns after the axes: spikes and rate of each spiking population, or the
/// output's mean and max when nothing spikes.
fn columns(spiking: &[Population<'_>]) -> Vec<String> {
    if spiking.is_empty() {
        return vec!["output.mean".into(), "output.max".into()];
    }
    spiking
        .iter()
        .flat_map(|p| {
            [
                format!("{}.spikes", p.label()),
                format!("{}.rate_hz", p.label()),
            ]
        })
        .collect()
}

/// The cells of one point under [`columns`], from the library's summary of the point.
fn cells(spiking: &[Population<'_>], summary: &PointSummary) -> Vec<String> {
    if spiking.is_empty() {
        return match summary.signal("output") {
            Some(s) => vec![format!("{}", s.mean), format!("{}", s.max)],
            None => vec![String::new(), String::new()],
        };
    }
    spiking
        .iter()
        .flat_map(|p| {
            let signal = summary.signal(&p.path).or_else(|| {
                p.is_network_output()
                    .then(|| summary.signal("output"))
                    .flatten()
            });
            let count = signal.map_or(0.0, |s| s.sum);
            let rate = signal
                .and_then(|s| s.rate_hz)
                .map_or(String::new(), |r| format!("{r}"));
            [format!("{count}"), rate]
        })
        .collect()
}

/// A CSV field, quoted when needed.
fn csv(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The files a sweep reads and writes.
pub struct Files<'a> {
    /// The network file.
    pub net: &'a Path,
    /// The input file.
    pub input: &'a Path,
    /// The `--out` folder.
    pub out: &'a Path,
}

/// Everything a process needs to compute points of a sweep and write their rows.
pub struct Job<'a> {
    /// The arguments.
    pub args: &'a SweepArgs,
    /// The files.
    pub files: &'a Files<'a>,
    /// The network.
    pub module: &'a dyn Module,
    /// Its parameters (and initial state).
    pub tree: &'a Tree,
    /// The input.
    pub x: &'a Array,
    /// The grid or zip.
    pub sweep: &'a Sweep,
    /// The parsed `--vary` axes.
    pub axes: &'a [Axis],
    /// What the sweep is (checksums, points, header).
    pub manifest: &'a Manifest,
    /// Worker threads of this process (`None`: rayon's default).
    pub threads: Option<usize>,
}

/// A computed point: its CSV row (with its newline) and its seconds.
pub struct Computed {
    /// Point index.
    pub k: usize,
    /// The row.
    pub row: String,
    /// Wall-clock seconds of the point.
    pub seconds: f64,
}

/// The other ranks of an MPI job (never any without the `mpi` feature).
#[cfg(not(feature = "mpi"))]
pub enum Ranks {}
#[cfg(feature = "mpi")]
use super::mpi_sweep::Ranks;

fn required<'a>(v: &'a Option<PathBuf>, what: &str) -> CliResult<&'a Path> {
    v.as_deref()
        .ok_or_else(|| CliError::usage(format!("sweep: {what} is required")))
}

/// The sweep's folder: `--out DIR`, or `--resume DIR` (the same folder if both are given).
fn out_dir(a: &SweepArgs) -> CliResult<&Path> {
    match (
        a.out.as_deref(),
        a.resume.as_ref().and_then(Option::as_deref),
    ) {
        (Some(out), Some(resume)) if out != resume => Err(CliError::usage(format!(
            "sweep: --out {} and --resume {} name different folders (give one of them)",
            out.display(),
            resume.display()
        ))),
        (Some(dir), _) | (None, Some(dir)) => Ok(dir),
        (None, None) => Err(CliError::usage(
            "sweep: --out DIR (or --resume DIR) is required".to_string(),
        )),
    }
}

/// Run the command.
///
/// # Errors
/// Usage errors for bad `--vary`, `--zip`, `--point` or `--shard`; data errors naming the
/// file; a folder holding another sweep.
pub fn sweep(a: &SweepArgs) -> CliResult<()> {
    if let Some(SweepAction::Merge(m)) = &a.action {
        return shard::merge(m);
    }
    #[cfg(feature = "mpi")]
    if let Some(ranks) = Ranks::join()? {
        return ranks.sweep(a);
    }
    sweep_on(a, None)
}

/// Run the command in this process alone (`ranks: None`) or as one rank of an MPI job.
///
/// # Errors
/// As [`sweep`].
pub fn sweep_on(a: &SweepArgs, ranks: Option<&Ranks>) -> CliResult<()> {
    let files = Files {
        net: required(&a.net, "NET.json")?,
        input: required(&a.input, "--input")?,
        out: out_dir(a)?,
    };
    let shard = a.shard.as_deref().map(shard::parse_shard).transpose()?;
    let axes = a
        .vary
        .iter()
        .map(|s| parse_vary(s))
        .collect::<CliResult<Vec<Axis>>>()?;
    let threads = a
        .threads
        .map(|t| t as usize)
        .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()));
    // The input is read and both files hashed while the network is parsed (on a second
    // thread when the sweep has one); errors are reported in the one-thread order.
    let (module, (x, network_sha256, input_sha256)) = alongside(
        threads.unwrap_or(1) > 1,
        || load_network(files.net),
        || {
            (
                read_array(files.input, super::budget::bytes()),
                shard::file_sha256(files.net),
                shard::file_sha256(files.input),
            )
        },
    );
    let module = module?;
    let module = module.as_ref();
    let tree = module.init(a.seed);
    let x = check_input(files.input, x?, module.size_in())?;
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
    if n > a.max_points {
        return Err(CliError::usage(format!(
            "--vary: the sweep has {n} points, more than the limit of {} (raise it with \
             --max-points)",
            a.max_points
        )));
    }
    if let Some(k) = a.point
        && k >= n
    {
        return Err(CliError::usage(format!(
            "--point {k}: the sweep has {n} point(s), numbered 0 to {}",
            n.saturating_sub(1)
        )));
    }
    let spiking = spiking_populations(module);
    let grid: Vec<(String, Vec<f64>)> = axes
        .iter()
        .map(|ax| (ax.path.clone(), ax.values.clone()))
        .collect();
    let manifest = Manifest {
        network_sha256: network_sha256?,
        input_sha256: input_sha256?,
        grid_sha256: shard::sha256_hex(shard::grid_text(a.zip, &grid).as_bytes()),
        seed: a.seed,
        points: n,
        columns: header(&axes, &spiking),
    };
    let job = Job {
        args: a,
        files: &files,
        module,
        tree: &tree,
        x: &x,
        sweep: &sweep,
        axes: &axes,
        manifest: &manifest,
        threads,
    };
    check_budget(&job, n, shard)?;
    #[cfg(feature = "mpi")]
    if let Some(r) = ranks {
        if shard.is_some() || a.point.is_some() {
            return Err(CliError::usage(format!(
                "--shard and --point run in one process, not in an MPI job of {} ranks",
                r.size()
            )));
        }
        if !r.is_root() {
            return r.work(&job);
        }
    }
    if files.out.is_dir() {
        shard::check_folder(files.out, &manifest, "this sweep")?;
    }

    if a.resume.is_some() {
        shard::remove_stale_temporaries(files.out)?;
    }
    // Every folder made for `--out new/a/b` (not only `b/`) is removed if the sweep fails.
    let created = littoral_functional::atomic::create_dirs(files.out)
        .map_err(|e| CliError::functional(files.out, e))?;
    let result = run_and_write(&job, n, shard, ranks);
    if result.is_err() {
        littoral_functional::atomic::remove_dirs(&created);
    }
    result
}

/// `(a(), b())`, with `b` on a thread of its own when `parallel`.
fn alongside<A, B: Send>(
    parallel: bool,
    a: impl FnOnce() -> A,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if !parallel {
        let first = a();
        return (first, b());
    }
    std::thread::scope(|s| {
        let second = s.spawn(b);
        let first = a();
        let second = second
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (first, second)
    })
}

/// The points this process runs of a sweep of `n`: `--point K`, a shard, or all.
///
/// # Errors
/// A usage error for a shard that does not fit.
fn selected_points(
    point: Option<usize>,
    shard: Option<(usize, usize)>,
    n: usize,
) -> CliResult<Vec<usize>> {
    let points = match (point, shard) {
        (Some(k), _) => Points::List(vec![k]),
        (None, Some((index, count))) => Points::Shard { index, count },
        (None, None) => Points::All,
    };
    points
        .select(n)
        .map_err(|e| CliError::usage(format!("--shard: {e}")))
}

/// Refuse a sweep that would hold more than the memory budget at once (`--max-memory`):
/// the evolutions of the points in flight — of every point with `--save-outputs` — and
/// every point's overridden values, counted before any point runs.
///
/// # Errors
/// The budget's one line, naming the network file and the limit.
fn check_budget(job: &Job<'_>, n: usize, shard: Option<(usize, usize)>) -> CliResult<()> {
    let override_bytes = job
        .axes
        .iter()
        .filter_map(|ax| job.tree.get(&ax.path))
        .map(|leaf| leaf.value.shape().iter().product::<usize>() as u64 * 8)
        .sum();
    let load = super::budget::SweepLoad {
        batch: job.x.shape()[0],
        steps: job.x.shape()[1],
        record: recording_to_summarise(&spiking_populations(job.module)),
        points: selected_points(job.args.point, shard, n)?.len(),
        threads: job.threads.unwrap_or(1),
        keep_outputs: job.args.save_outputs,
        override_bytes,
    };
    super::budget::check_sweep(job.module, job.files.net, &load)
}

/// The CSV row of one point (with its newline).
pub fn row(
    sweep: &Sweep,
    axes: &[Axis],
    spiking: &[Population<'_>],
    summary: &PointSummary,
) -> littoral_functional::Result<String> {
    let k = summary.index;
    let idx = sweep.indices(k)?;
    let mut text = k.to_string();
    for (ax, i) in axes.iter().zip(idx) {
        text.push(',');
        text.push_str(&ax.values.get(i).map_or(String::new(), |v| format!("{v}")));
    }
    for c in cells(spiking, summary) {
        text.push(',');
        text.push_str(&c);
    }
    text.push('\n');
    Ok(text)
}

/// The CSV header: `point`, the axes, then the [`columns`].
fn header(axes: &[Axis], spiking: &[Population<'_>]) -> String {
    let mut text = String::from("point");
    for ax in axes {
        text.push(',');
        text.push_str(&csv(&ax.path));
    }
    for c in columns(spiking) {
        text.push(',');
        text.push_str(&csv(&c));
    }
    text
}

fn run_and_write(
    job: &Job<'_>,
    n: usize,
    shard: Option<(usize, usize)>,
    ranks: Option<&Ranks>,
) -> CliResult<()> {
    let Job {
        args: a,
        files,
        module,
        manifest,
        threads,
        ..
    } = *job;
    let mut outs = Outputs::new();
    let (csv_path, manifest_path) = match shard {
        Some((i, _)) => shard::shard_files(files.out, i),
        None => (
            files.out.join("summary.csv"),
            files.out.join("manifest.json"),
        ),
    };
    if shard.is_some() {
        let d = shard::shards_dir(files.out);
        std::fs::create_dir_all(&d).map_err(|e| CliError::io(&d, "create folder", &e))?;
    }
    let csv_id = outs.reserve(&csv_path)?;
    let timings_id = match shard {
        Some(_) => None,
        None => Some(outs.reserve(&files.out.join("timings.csv"))?),
    };
    let manifest_id = outs.reserve(&manifest_path)?;
    let summary_id = a.summary.as_deref().map(|p| outs.reserve(p)).transpose()?;
    let spiking = spiking_populations(module);
    let selected = selected_points(a.point, shard, n)?;
    // Rows already recorded (with --resume) and the points still to compute.
    let journal = journal::folder(files.out);
    let mut rows: BTreeMap<usize, String> = BTreeMap::new();
    let manifest_text = manifest.to_json(shard);
    let write_manifest = || {
        littoral_functional::atomic::write_atomic(&manifest_path, manifest_text.as_bytes())
            .map_err(|e| CliError::functional(&manifest_path, e))
    };
    // The manifest before any journal row, so that a killed run's folder refuses another
    // sweep. In one process with two or more threads it is written (and synced to disk)
    // while the sweep starts, and the first row waits for it.
    let overlap = ranks.is_none() && a.point.is_none() && threads.unwrap_or(1) > 1;
    if a.point.is_none() {
        std::fs::create_dir_all(&journal)
            .map_err(|e| CliError::io(&journal, "create folder", &e))?;
        if !overlap {
            write_manifest()?;
        }
        if a.resume.is_some() {
            rows = journal::recorded(&journal, &selected)?;
        }
    }
    let todo: Vec<usize> = selected
        .into_iter()
        .filter(|k| !rows.contains_key(k))
        .collect();
    let started = Instant::now();
    let pb = progress::bar(todo.len() as u64, "points", a.quiet);
    let progress = |done: usize, _total: usize| pb.set_position(done as u64);
    let opts = SweepOptions {
        base_seed: a.seed,
        record: recording_to_summarise(&spiking),
        keep_outputs: a.save_outputs,
        threads,
        progress: Some(&progress),
        allow_non_finite_input: false,
    };
    let manifest_written = OnceLock::new();
    let computed = std::thread::scope(|s| {
        if overlap {
            s.spawn(|| manifest_written.set(write_manifest()));
        }
        match ranks {
            #[cfg(feature = "mpi")]
            Some(r) => r
                .dispatch(job, &todo, &progress)
                .map(|(rows, ranks_csv)| Computation {
                    rows,
                    results: Vec::new(),
                    ranks_csv: Some(ranks_csv),
                }),
            _ => {
                let gate = overlap.then_some(&manifest_written);
                compute_here(job, todo, &opts, &spiking, &journal, gate)
            }
        }
    });
    // The manifest's error first: the rows stopped because of it.
    if let Some(Err(e)) = manifest_written.into_inner() {
        return Err(e);
    }
    let computed = computed?;
    pb.finish_and_clear();
    let total_seconds = started.elapsed().as_secs_f64();

    let mut timings = String::from("point,seconds\n");
    let mut seconds = BTreeMap::new();
    for c in computed.rows {
        seconds.insert(c.k, c.seconds);
        rows.insert(c.k, c.row);
    }
    let mut text = format!("{}\n", manifest.columns);
    for (k, line) in &rows {
        text.push_str(line);
        let secs = seconds.get(k).map_or(String::new(), |s| format!("{s:.6}"));
        timings.push_str(&format!("{k},{secs}\n"));
    }
    outs.write_bytes(csv_id, text.as_bytes())?;
    if let Some(id) = timings_id {
        outs.write_bytes(id, timings.as_bytes())?;
    }
    outs.write_bytes(manifest_id, manifest.to_json(shard).as_bytes())?;
    if let Some(text) = &computed.ranks_csv {
        let id = outs.reserve(&files.out.join("ranks.csv"))?;
        outs.write_bytes(id, text.as_bytes())?;
    }
    if let Some(id) = summary_id {
        let run = RunSummary {
            points: seconds.len(),
            of: n,
            threads,
            ranks: ranks.map_or(1, ranks_count),
            sweep_seconds: total_seconds,
        };
        outs.write_bytes(id, run.to_json()?.as_bytes())?;
    }
    for r in &computed.results {
        if let Some(ev) = &r.evolution {
            let id = outs.reserve(&point_file(files.out, r.summary.index))?;
            put_npy(&mut outs, id, &ev.output)?;
        }
    }
    outs.commit()?;
    if !a.quiet {
        say(&format!(
            "swept {} point(s) of {} in {} on {}{} thread(s) → {}",
            seconds.len(),
            n,
            super::run::seconds(total_seconds),
            ranks.map_or(String::new(), ranks_times),
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

/// What `--summary` reports of a run.
struct RunSummary {
    /// Points computed by this run (not those kept by `--resume`).
    points: usize,
    /// Points of the whole sweep.
    of: usize,
    /// Worker threads per process (`None`: rayon's default).
    threads: Option<usize>,
    /// Processes (MPI ranks).
    ranks: usize,
    /// Seconds of the sweep loop alone: from the first point to the last row (under MPI
    /// from the first point handed out to the last row back, the shared head included),
    /// without reading the files or writing the results.
    sweep_seconds: f64,
}

impl RunSummary {
    fn to_json(&self) -> CliResult<String> {
        let j = serde_json::json!({
            "command": "sweep",
            "points": self.points,
            "points_in_sweep": self.of,
            "threads": self.threads,
            "ranks": self.ranks,
            "sweep_seconds": self.sweep_seconds,
        });
        Ok(serde_json::to_string_pretty(&j).map_err(CliError::other)? + "\n")
    }
}

/// Number of ranks.
#[cfg(feature = "mpi")]
fn ranks_count(r: &Ranks) -> usize {
    r.size()
}
#[cfg(not(feature = "mpi"))]
fn ranks_count(r: &Ranks) -> usize {
    match *r {}
}

/// `"K ranks × "`.
#[cfg(feature = "mpi")]
fn ranks_times(r: &Ranks) -> String {
    format!("{} ranks × ", r.size())
}
#[cfg(not(feature = "mpi"))]
fn ranks_times(r: &Ranks) -> String {
    match *r {}
}

/// The points computed by a run: their rows, (in one process) their results, whose
/// outputs are written with the summary, and (under MPI) the text of `ranks.csv`.
struct Computation {
    rows: Vec<Computed>,
    results: Vec<PointResult>,
    ranks_csv: Option<String>,
}

/// Compute `todo` in this process, recording each row in the journal as it completes
/// (once `manifest` holds the outcome of writing the manifest, when given).
fn compute_here(
    job: &Job<'_>,
    todo: Vec<usize>,
    opts: &SweepOptions<'_>,
    spiking: &[Population<'_>],
    journal: &Path,
    manifest: Option<&OnceLock<CliResult<()>>>,
) -> CliResult<Computation> {
    let Job {
        args: a,
        files,
        module,
        tree,
        x,
        sweep,
        axes,
        threads,
        ..
    } = *job;
    let todo = Points::List(todo);
    let journal = Journal::new(journal);
    let record_point = |r: &PointResult| -> littoral_functional::Result<()> {
        if manifest.is_some_and(|m| m.wait().is_err()) {
            return Err(littoral_functional::Error::Sweep(
                "stopped: the manifest could not be written".into(),
            ));
        }
        let line = row(sweep, axes, spiking, &r.summary)?;
        journal.record(r.summary.index, &line)
    };
    let points: Vec<PointResult> = match a.point {
        Some(k) => vec![
            in_pool(threads, || run_point(module, tree, tree, x, sweep, k, opts))
                .map_err(|e| CliError::evolution(files.input, files.net, e))?,
        ],
        None => run_sweep_points(
            module,
            tree,
            tree,
            x,
            sweep,
            &todo,
            opts,
            Some(&record_point),
        )
        .map_err(|e| CliError::evolution(files.input, files.net, e))?,
    };
    let rows = points
        .iter()
        .map(|r| {
            Ok(Computed {
                k: r.summary.index,
                row: row(sweep, axes, spiking, &r.summary)
                    .map_err(|e| CliError::usage(format!("--vary: {e}")))?,
                seconds: r.summary.seconds,
            })
        })
        .collect::<CliResult<Vec<Computed>>>()?;
    Ok(Computation {
        rows,
        results: points,
        ranks_csv: None,
    })
}

/// The output file of point `k`.
pub fn point_file(dir: &Path, k: usize) -> PathBuf {
    dir.join(format!("point-{k:04}.npy"))
}
