//! # littoral-benches
//!
//! The standard workloads of `docs/performance.md` (W1–W5 of the project's workload
//! definitions), built once here and shared by the criterion benches
//! (`benches/benches/*.rs`), the `workloads` example that prints the comparison table
//! (`cargo run --release -p littoral-benches --example workloads`) and
//! `benches/compare/compare.py`.
//!
//! | id | network | input | size |
//! |---|---|---|---|
//! | W1 | `LIF(N)` | uniform `[0, 1)` | B=10, T=1000, N = 100, 1000, 10000 |
//! | W2 | `Linear(512→512, kaiming) + LIF(512)` | Bernoulli(0.05) spikes | B=32, T=1000 |
//! | W3 | `LIF(2048)` with `w_rec ~ N(0, 0.02/√2048)` | Bernoulli(0.02)·0.12 | B=1, T=10000 |
//! | W4 | W2 swept over 8 `tau_mem` × 8 `threshold` | Bernoulli(0.05) | 64 points, B=4, T=500 |
//! | W5 | snapshot of the W3 network | — | write, then read |
//!
//! Inputs are drawn from a fixed SplitMix64 stream (not NumPy's generator: the
//! distributions are the same, the numbers are not).
//!
//! ```
//! use littoral_benches::{w1, Workload};
//! let w = w1(10, 2, 5);
//! assert_eq!(w.input.shape(), &[2, 5, 10]);
//! assert_eq!(w.neuron_steps(), 100);
//! ```
#![deny(missing_docs)]

/// The allocator of the benches and the example: mimalloc unless the `system-alloc`
/// feature is on (see `Cargo.toml`).
#[cfg(all(feature = "mimalloc", not(feature = "system-alloc")))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The allocator in use, for the printed table.
pub const ALLOCATOR: &str = if cfg!(all(feature = "mimalloc", not(feature = "system-alloc"))) {
    "mimalloc"
} else {
    "system"
};

pub mod cuba;
pub mod rate;

use littoral_core::{Array, Module, ModuleExt, Result, Tree};
use littoral_functional::sweep::Sweep;
use littoral_nets::{Lif, Linear, Precision, Sequential};
use std::sync::Arc;

/// A workload: a network, its initial tree (params and state) and its input.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Short name (`"W1 N=1000"`).
    pub name: String,
    /// The network.
    pub module: Arc<dyn Module>,
    /// Parameters, simulation parameters and per-sample state, from `init(0)` with the
    /// workload's values set.
    pub tree: Tree,
    /// The input, `(B, T, Nin)`.
    pub input: Array,
    /// Neurons whose steps count as work (the network's output size).
    pub neurons: usize,
}

impl Workload {
    /// Batch size.
    pub fn batch(&self) -> usize {
        self.input.shape()[0]
    }

    /// Time steps.
    pub fn steps(&self) -> usize {
        self.input.shape()[1]
    }

    /// `B · T · N`: the neuron-steps one evolution computes.
    pub fn neuron_steps(&self) -> u64 {
        (self.batch() * self.steps() * self.neurons) as u64
    }

    /// Bytes of the input (`f64`).
    pub fn input_bytes(&self) -> u64 {
        (self.input.len() * 8) as u64
    }

    /// Bytes of the output (`f64`, `(B, T, Nout)`).
    pub fn output_bytes(&self) -> u64 {
        self.neuron_steps() * 8
    }

    /// Bytes of every Parameter and SimulationParameter.
    pub fn param_bytes(&self) -> u64 {
        use littoral_core::Kind;
        self.tree
            .leaves()
            .into_iter()
            .filter(|(_, l)| l.kind != Kind::State)
            .map(|(_, l)| (l.value.shape().iter().product::<usize>() * 8) as u64)
            .sum()
    }

    /// Evolve once, recording off.
    ///
    /// # Errors
    /// Whatever `evolve` rejects.
    pub fn run(&self) -> Result<Array> {
        Ok(self
            .module
            .evolve(&self.tree, &self.tree, &self.input, false)?
            .output)
    }
}

/// SplitMix64: a tiny, fast, seeded generator for workload inputs.
#[derive(Clone, Debug)]
pub struct SplitMix(u64);

impl SplitMix {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        SplitMix(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// An array of `shape` filled by `f`.
pub fn fill(shape: Vec<usize>, seed: u64, mut f: impl FnMut(&mut SplitMix) -> f64) -> Array {
    let n: usize = shape.iter().product();
    let mut rng = SplitMix::new(seed);
    let data = (0..n).map(|_| f(&mut rng)).collect();
    Array::from_shape_vec(shape, data).unwrap_or_else(|_| Array::zeros(vec![0]))
}

/// Bernoulli(`p`) spikes of shape `shape`, scaled by `scale`.
pub fn bernoulli(shape: Vec<usize>, seed: u64, p: f64, scale: f64) -> Array {
    fill(shape, seed, |r| if r.uniform() < p { scale } else { 0.0 })
}

/// W1: `LIF(n)` alone, input uniform `[0, 1)` of shape `(b, t, n)`.
pub fn w1(n: usize, b: usize, t: usize) -> Workload {
    w1_with(n, b, t, Precision::F64)
}

/// W1 at a given precision.
pub fn w1_with(n: usize, b: usize, t: usize, precision: Precision) -> Workload {
    let lif = Lif::new(n).with_precision(precision);
    let tree = lif.init(0);
    Workload {
        name: format!("W1 N={n}"),
        module: Arc::new(lif),
        tree,
        input: fill(vec![b, t, n], 1, SplitMix::uniform),
        neurons: n,
    }
}

/// The W2 network, `Linear(n→n)` (weights `U(±√(6/n))`) then `LIF(n)`, at a precision.
///
/// # Errors
/// None in practice (the sizes agree).
pub fn w2_net(n: usize, precision: Precision) -> Result<(Sequential, Tree)> {
    let bound = (6.0 / n as f64).sqrt();
    let w = fill(vec![n, n], 2, |r| -bound + 2.0 * bound * r.uniform());
    let net = Sequential::new()
        .append(Linear::new(n, n).with_weight(w)?.with_precision(precision))?
        .append(Lif::new(n).with_precision(precision))?;
    let tree = net.init(0);
    Ok((net, tree))
}

/// W2: `Linear(512→512) + LIF(512)`, Bernoulli(0.05) input of shape `(b, t, 512)`;
/// `rate` is the input spike probability (0.05 in the standard workload).
///
/// # Errors
/// None in practice.
pub fn w2(b: usize, t: usize, rate: f64, precision: Precision) -> Result<Workload> {
    let (net, tree) = w2_net(512, precision)?;
    Ok(Workload {
        name: "W2".into(),
        module: Arc::new(net),
        tree,
        input: bernoulli(vec![b, t, 512], 3, rate, 1.0),
        neurons: 512,
    })
}

/// W3: recurrent `LIF(n)` (`w_rec ~ N(0, 0.02/√n)`), input Bernoulli(`rate`)·0.12 of shape
/// `(1, t, n)` (the standard workload: n = 2048, t = 10000, rate = 0.02).
///
/// # Errors
/// None in practice.
pub fn w3(n: usize, t: usize, rate: f64, precision: Precision) -> Result<Workload> {
    let sd = 0.02 / (n as f64).sqrt();
    let w = fill(vec![n, n], 4, |r| sd * r.normal());
    let lif = Lif::new(n)
        .with_has_rec(true)
        .with_w_rec(w)?
        .with_precision(precision);
    let tree = lif.init(0);
    Ok(Workload {
        name: "W3".into(),
        module: Arc::new(lif),
        tree,
        input: bernoulli(vec![1, t, n], 5, rate, 0.12),
        neurons: n,
    })
}

/// The W4 sweep: 8 `tau_mem` (0.01…0.08 s) × 8 `threshold` (0.5…2.0) of the LIF at
/// `lif_path` (`"1_LIF"` in the W2 network, `""` for a LIF alone).
pub fn w4_sweep(lif_path: &str) -> Sweep {
    let at = |name: &str| {
        if lif_path.is_empty() {
            name.to_string()
        } else {
            format!("{lif_path}.{name}")
        }
    };
    let taus: Vec<f64> = (0..8).map(|i| 0.01 + 0.01 * i as f64).collect();
    let thresholds: Vec<f64> = (0..8).map(|i| 0.5 + 1.5 * i as f64 / 7.0).collect();
    Sweep::grid()
        .axis(&at("tau_mem"), taus)
        .axis(&at("threshold"), thresholds)
}

/// W4: the W2 network with input Bernoulli(0.05) of shape `(b, t, 512)`.
///
/// # Errors
/// None in practice.
pub fn w4(b: usize, t: usize, precision: Precision) -> Result<Workload> {
    let (net, tree) = w2_net(512, precision)?;
    Ok(Workload {
        name: "W4".into(),
        module: Arc::new(net),
        tree,
        input: bernoulli(vec![b, t, 512], 6, 0.05, 1.0),
        neurons: 512,
    })
}

/// Median of a list of numbers (NaN for an empty list).
pub fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => 0.5 * (v[n / 2 - 1] + v[n / 2]),
    }
}
