//! The NIR paper's graphs run in the `Graph` module: the `01_lif` conformance
//! (`docs/nir-semantics.md` §3: `lif_norse.nir` driven by column 0 of the CSVs at
//! dt = 1e-4 against `lif_exact.csv`, and the `snntorch`, `norse` and `rockpool`
//! semantics against those frameworks' own traces), the Sinabs CNN and both braille RNNs
//! on synthetic input with their shapes. The CSVs are copied from the NIR paper data
//! (`nets/tests/nir/paper/`, BSD-3-Clause).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use littoral_core::{Array, Module, ModuleExt};
use littoral_nets::nir::{self, Graph, Semantics};

fn paper(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/nir/paper")
        .join(name)
}

/// The three columns (input, membrane, spikes) of a paper CSV.
fn csv(name: &str) -> [Vec<f64>; 3] {
    let text = std::fs::read_to_string(paper(name)).unwrap();
    let mut cols = [Vec::new(), Vec::new(), Vec::new()];
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        for (c, v) in cols.iter_mut().zip(line.split(',')) {
            c.push(v.trim().parse::<f64>().unwrap());
        }
    }
    cols
}

fn spike_steps(z: &[f64]) -> Vec<usize> {
    z.iter()
        .enumerate()
        .filter(|(_, v)| **v > 0.0)
        .map(|(i, _)| i)
        .collect()
}

/// Run a one-neuron paper graph on column 0 of `lif_exact.csv`: (membrane, spikes).
fn run_lif(file: &str, node: &str, semantics: Semantics) -> (Vec<f64>, Vec<f64>) {
    let graph = nir::read(paper(file)).unwrap().graph;
    let module = Graph::from_nir(&graph, 1e-4, semantics).unwrap();
    let [x, _, _] = csv("lif_exact.csv");
    let steps = x.len();
    let input = Array::from_shape_vec(vec![steps, 1], x).unwrap();
    let tree = module.init(0);
    let ev = module.evolve(&tree, &tree, &input, true).unwrap();
    let v = ev.record.get(&format!("{node}.v")).unwrap().data().to_vec();
    (v, ev.output.data().to_vec())
}

fn max_dv(a: &[f64], b: &[f64], steps: usize) -> f64 {
    a.iter()
        .zip(b)
        .take(steps)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

#[test]
fn littoral_is_the_exact_solution_of_the_paper_lif() {
    let [_, v_exact, z_exact] = csv("lif_exact.csv");
    let (v, z) = run_lif("lif_norse.nir", "1", Semantics::Littoral);
    assert_eq!(spike_steps(&z), [460, 510, 710, 760]);
    assert_eq!(spike_steps(&z), spike_steps(&z_exact));
    // Before the first spike: the exact solution at the step grid.
    let before = max_dv(&v, &v_exact, 460);
    assert!(before < 1e-12, "max |dv| before the first spike: {before}");
    // After a reset only the within-step remainder of the event-based solution differs.
    let all = max_dv(&v, &v_exact, v.len());
    assert!(all < 0.0063, "max |dv|: {all}");
}

#[test]
fn the_framework_semantics_reproduce_their_traces() {
    // snnTorch: its own (scaled) membrane, float32 rounding.
    let [_, v, z] = csv("lif_snntorch.csv");
    let (ours, spikes) = run_lif("lif_norse.nir", "1", Semantics::Snntorch);
    assert_eq!(spike_steps(&spikes), spike_steps(&z));
    let d = max_dv(&ours, &v, v.len());
    assert!(d < 1e-6, "snntorch: {d}");
    // Norse: forward Euler with the run's dt.
    let [_, v, z] = csv("lif_norse.csv");
    let (ours, spikes) = run_lif("lif_norse.nir", "1", Semantics::Norse);
    assert_eq!(spike_steps(&spikes), spike_steps(&z));
    let d = max_dv(&ours, &v, v.len());
    assert!(d < 1e-7, "norse: {d}");
    // Rockpool on its own export (dt = τ/(1 + r) = 9.992e-5 instead of 1e-4).
    let [_, v, z] = csv("lif_rockpool.csv");
    let (ours, spikes) = run_lif("lif_rockpool.nir", "1_LIFNeuronTorch", Semantics::Rockpool);
    assert_eq!(spike_steps(&spikes), spike_steps(&z));
    let d = max_dv(&ours, &v, v.len());
    assert!(d < 5e-5, "rockpool: {d}");
}

/// Seeded pseudo-random spikes (0/1) of a given shape.
fn spikes(shape: Vec<usize>, seed: u64) -> Array {
    let mut s = seed;
    Array::from_fn(shape, |_| {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        if (s >> 33).is_multiple_of(5) {
            1.0
        } else {
            0.0
        }
    })
}

#[test]
fn the_sinabs_cnn_runs_on_a_batch_with_its_shapes() {
    let graph = nir::read(paper("cnn_sinabs.nir")).unwrap().graph;
    let module = Graph::from_nir(&graph, 1e-3, Semantics::Littoral).unwrap();
    assert_eq!(module.size_in(), 2 * 34 * 34);
    assert_eq!(module.size_out(), 10);
    let input = spikes(vec![2, 6, 2 * 34 * 34], 1);
    let tree = module.init(0);
    let ev = module.evolve(&tree, &tree, &input, false).unwrap();
    assert_eq!(ev.output.shape(), [2, 6, 10]);
    assert!(ev.output.data().iter().all(|v| v.is_finite()));
    // The same under Norse's semantics (its importer runs this graph too).
    let norse = Graph::from_nir(&graph, 1e-3, Semantics::Norse).unwrap();
    let ev = norse
        .evolve(&norse.init(0), &norse.init(0), &input, false)
        .unwrap();
    assert_eq!(ev.output.shape(), [2, 6, 10]);
}

#[test]
fn the_braille_rnns_run_and_recur() {
    for file in [
        "braille_noDelay_bias_zero.nir",
        "braille_noDelay_noBias_subtract.nir",
    ] {
        let graph = nir::read(paper(file)).unwrap().graph;
        let module = Graph::from_nir(&graph, 1e-4, Semantics::Littoral).unwrap();
        assert_eq!(module.back_edges(), [("lif1.w_rec", "lif1.lif")], "{file}");
        let n_in = module.size_in();
        let input = spikes(vec![2, 40, n_in], 7);
        let tree = module.init(0);
        let ev = module.evolve(&tree, &tree, &input, true).unwrap();
        assert_eq!(ev.output.shape(), [2, 40, module.size_out()], "{file}");
        assert!(ev.record.get("lif1.lif.v").is_some(), "{file}");
        assert!(ev.state.get("previous:lif1/w_rec").is_some(), "{file}");
    }
}
