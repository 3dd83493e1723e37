//! Command-line arguments (clap derive). `docs/cli.md` documents every flag.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Littoral: simulate, inspect and sweep spiking and rate networks (Rockpool's Module
/// API in Rust). With no command, runs the demo.
#[derive(Debug, Parser)]
#[command(name = "littoral", version)]
pub struct Cli {
    /// What to do (default: `demo`).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Memory budget of a run (`512M`, `8G`; default: the machine's memory): a network,
    /// input, output or record larger than this is refused before any work starts.
    #[arg(long, global = true, value_name = "BYTES", value_parser = littoral_core::limits::parse_bytes)]
    pub max_memory: Option<u64>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The seed page walkthrough, then a 1,000-neuron recurrent LIF network (the default).
    Demo(DemoArgs),
    /// Evolve a network file over a NumPy input.
    Simulate(SimulateArgs),
    /// Print a network's module tree, parameters, state and simulation parameters.
    Inspect(InspectArgs),
    /// Evolve a network at every point of a parameter grid, in parallel.
    Sweep(SweepArgs),
    /// Convert a network between Littoral's JSON format and NIR (by extension).
    Convert(ConvertArgs),
}

/// `littoral convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The file to read: a network file (.json) or a NIR graph (.nir).
    #[arg(value_name = "IN")]
    pub input: PathBuf,
    /// The file to write: .nir for a .json input, .json for a .nir input.
    #[arg(value_name = "OUT")]
    pub output: PathBuf,
    /// Seed of random initialisers (for attributes a network file leaves out).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
    /// Time step (seconds) of the neurons of a network file made from a NIR graph.
    #[arg(long, value_name = "DT")]
    pub dt: Option<f64>,
}

/// `littoral demo`.
#[derive(Debug, Args, Default)]
pub struct DemoArgs {
    /// Folder for the demo's files (created if missing).
    #[arg(long, value_name = "DIR", default_value = "littoral-demo")]
    pub out: PathBuf,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Seed of the demo's random weights and Poisson input.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
    /// Worker threads (a local pool; default: all cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
}

/// `littoral simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The network file (JSON) or a NIR graph (.nir, with `--dt`). Optional with
    /// `--resume`: the snapshot holds the network.
    #[arg(value_name = "NET.json", required_unless_present = "resume")]
    pub net: Option<PathBuf>,
    /// Time step in seconds of a NIR graph's neurons and delays (.nir only; required).
    #[arg(long, value_name = "DT")]
    pub dt: Option<f64>,
    /// How a NIR graph's neurons are stepped: littoral (exact, the default), dirac,
    /// rockpool, snntorch or norse (.nir only; see docs/nir-semantics.md).
    #[arg(long, value_name = "S")]
    pub semantics: Option<String>,
    /// Input, `(T, Nin)` or `(B, T, Nin)`: .npy of dtype float64, float32, bool or any
    /// integer type (or a .npz holding one array, or one named `input`).
    #[arg(long, short, value_name = "X.npy")]
    pub input: PathBuf,
    /// Output `(B, T, Nout)` as a float64 .npy file.
    #[arg(long, short, value_name = "Y.npy")]
    pub output: PathBuf,
    /// Write every recorded array, keyed by dotted path, each `(B, T, …)`.
    #[arg(long, value_name = "R.npz")]
    pub record: Option<PathBuf>,
    /// Write the final state, keyed by dotted path, with a leading batch axis.
    #[arg(long, value_name = "S.npz")]
    pub state_npz: Option<PathBuf>,
    /// Write the final snapshot (network, parameters, state, step) to continue from.
    #[arg(long, value_name = "F.snap")]
    pub save_state: Option<PathBuf>,
    /// Start from a snapshot instead of the initial state.
    #[arg(long, value_name = "F.snap")]
    pub resume: Option<PathBuf>,
    /// Seed of random initialisers and noise keys (not with `--resume`).
    #[arg(long, value_name = "N", conflicts_with = "resume")]
    pub seed: Option<u64>,
    /// Worker threads (a local pool; default: all cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// Write a JSON summary (sizes, timing, spike counts and rates).
    #[arg(long, value_name = "SUM.json")]
    pub summary: Option<PathBuf>,
    /// Plot sample 0: a spike raster (spiking output) or traces (continuous output).
    #[arg(long, value_name = "P.png")]
    pub plot: Option<PathBuf>,
    /// No progress bar and no report on stdout.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `littoral inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The network file (JSON), a snapshot (.snap) or a NIR graph (.nir).
    #[arg(value_name = "NET.json")]
    pub net: PathBuf,
    /// Only attributes of these families (repeat for several: `--family weights`).
    #[arg(long, value_name = "F")]
    pub family: Vec<String>,
    /// Seed of random initialisers (for attributes the file leaves out).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
}

/// `littoral sweep` (or `littoral sweep merge DIR`).
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct SweepArgs {
    /// Instead of sweeping: merge the shards of a job-array sweep.
    #[command(subcommand)]
    pub action: Option<SweepAction>,
    /// The network file (JSON).
    #[arg(value_name = "NET.json", required = true)]
    pub net: Option<PathBuf>,
    /// Input, as for `simulate`.
    #[arg(long, short, value_name = "X.npy", required = true)]
    pub input: Option<PathBuf>,
    /// An axis: a Parameter or SimulationParameter path and its values
    /// (`1_LIF.tau_mem=0.01,0.02,0.05`). Repeat for more axes.
    #[arg(long, value_name = "PATH=V1,V2,...", required = true)]
    pub vary: Vec<String>,
    /// Take the i-th value of every axis together instead of the full grid.
    #[arg(long)]
    pub zip: bool,
    /// The most points a sweep may have (a typo in `--vary` can make millions).
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub max_points: usize,
    /// Folder for `summary.csv` (and outputs); created if missing. Optional with
    /// `--resume DIR`.
    #[arg(long, value_name = "DIR", required_unless_present = "resume")]
    pub out: Option<PathBuf>,
    /// Also write each point's output as `DIR/point-K.npy`.
    #[arg(long)]
    pub save_outputs: bool,
    /// Run only point K (0-based), reproducing it exactly.
    #[arg(long, value_name = "K")]
    pub point: Option<usize>,
    /// Run only the points k ≡ I (mod N), writing `DIR/shards/I.csv` (one task of a job
    /// array; `littoral sweep merge DIR` joins the shards).
    #[arg(long, value_name = "I/N", conflicts_with = "point")]
    pub shard: Option<String>,
    /// Continue an interrupted sweep in DIR (`--resume DIR`, or `--resume` with `--out
    /// DIR`): keep the points already recorded in `DIR/points/`, compute only the missing
    /// ones (same flags as the first run).
    #[arg(long, value_name = "DIR", num_args = 0..=1, conflicts_with = "point")]
    pub resume: Option<Option<PathBuf>>,
    /// Seed of random initialisers and of every point's noise.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
    /// Worker threads (a local pool; default: all cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// Write a JSON summary of the run (points, threads, ranks, `sweep_seconds`: the time
    /// of the sweep loop alone).
    #[arg(long, value_name = "SUM.json")]
    pub summary: Option<PathBuf>,
    /// No progress bar and no report on stdout.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The subcommands of `littoral sweep`.
#[derive(Debug, Subcommand)]
pub enum SweepAction {
    /// Check that the shards in DIR hold every point exactly once and write
    /// `DIR/summary.csv`, the same bytes as the one-process run.
    Merge(MergeArgs),
}

/// `littoral sweep merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The `--out` folder of the shards.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Nothing on stdout.
    #[arg(long, short)]
    pub quiet: bool,
}
