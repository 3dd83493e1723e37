//! Littoral → NIR → Littoral: `nir::export` then `nir::import_chain` gives the same
//! modules with bit-identical values and outputs; the exported graph run by the `Graph`
//! module agrees with the network; classes NIR cannot express are refused by name.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use littoral_core::{Array, ModuleExt, network::to_json_string};
use littoral_nets::nir::{self, Graph, Semantics};
use littoral_nets::{Cuba, ExpSyn, FFwdStack, Lif, Linear, Membrane, Residual, Sequential};
use std::sync::Arc;

fn network() -> Sequential {
    Sequential::new()
        .append(
            Linear::new(3, 4)
                .with_has_bias(true)
                .with_bias([0.1, -0.2, 0.3, 0.0])
                .unwrap(),
        )
        .unwrap()
        .append(
            Membrane::nir_lif(4)
                .with_tau([0.01, 0.02, 0.005, 0.03])
                .unwrap()
                .with_v_threshold([0.3; 4])
                .unwrap()
                .with_r([2.0; 4])
                .unwrap()
                .with_dt(1e-3)
                .unwrap(),
        )
        .unwrap()
        .append(Linear::new(4, 2))
        .unwrap()
        .append(
            Cuba::lif(2)
                .with_tau_syn([0.004; 2])
                .unwrap()
                .with_tau_mem([0.01; 2])
                .unwrap()
                .with_r([5.0; 2])
                .unwrap()
                .with_v_threshold([0.001; 2])
                .unwrap()
                .with_dt(1e-3)
                .unwrap(),
        )
        .unwrap()
}

fn input() -> Array {
    Array::from_fn(vec![2, 60, 3], |i| ((i * 7919) % 13) as f64 / 6.0)
}

#[test]
fn littoral_to_nir_to_littoral_is_bit_identical() {
    let net = network();
    let tree = net.init(11);
    let exported = nir::export(&net, &tree).unwrap();
    assert!(exported.warnings.is_empty(), "{:?}", exported.warnings);
    let graph = exported.graph;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("net.nir");
    nir::write(&graph, &path).unwrap();
    let back = nir::import_chain(&nir::read(&path).unwrap().graph, 1e-3).unwrap();
    let back_tree = back.init(0);
    // The same network file, values and all (per-neuron values: NIR has no scalar
    // shorthand, so a scalar comes back as a vector of equal values).
    assert_eq!(
        to_json_string(&back, &back_tree).unwrap(),
        to_json_string(&net, &tree).unwrap()
    );
    let a = net.evolve(&tree, &tree, &input(), true).unwrap();
    let b = back.evolve(&back_tree, &back_tree, &input(), true).unwrap();
    assert!(a.output.bits_eq(&b.output));
    let hidden = a.record.get("1_NirLIF_output").unwrap();
    assert!(hidden.data().iter().sum::<f64>() > 0.0, "it spikes");
    // The exported graph run directly: the same spikes, states within rounding.
    let g = Graph::from_nir(&graph, 1e-3, Semantics::Littoral).unwrap();
    let gt = g.init(0);
    let c = g.evolve(&gt, &gt, &input(), true).unwrap();
    assert_eq!(c.output.data(), a.output.data());
    let (va, vc) = (
        a.record.get("3_CubaLIF.v").unwrap(),
        c.record.get("3_CubaLIF.v").unwrap(),
    );
    assert!(va.max_abs_diff(vc).unwrap() < 1e-12);
    // A chain graph computes what the `Sequential` read back from it computes, bit for
    // bit (every node over the whole series in one call, `Affine` as the same GEMM).
    assert!(b.output.bits_eq(&c.output));
    for path in [
        "1_NirLIF.v",
        "3_CubaLIF.v",
        "3_CubaLIF.i",
        "2_Linear_output",
    ] {
        let (p, q) = (b.record.get(path).unwrap(), c.record.get(path).unwrap());
        assert!(p.bits_eq(q), "{path}");
    }
}

/// Rockpool's LIF as a CubaLIF (docs/models.md §5): the NIR current equals Rockpool's
/// `isyn` at every step, the recurrent weights become a `lif ⇄ w_rec` subgraph, and the
/// reset and threshold rules are warned about.
#[test]
fn rockpool_lif_exports_as_a_cubalif_with_the_documented_mapping() {
    let lif = Lif::new(3)
        .with_tau_mem([0.02, 0.01, 0.03])
        .unwrap()
        .with_tau_syn([0.005, 0.01, 0.002])
        .unwrap()
        .with_bias([0.01, 0.0, -0.01])
        .unwrap()
        .with_threshold([5.0, 5.0, 5.0])
        .unwrap();
    let net = Sequential::new().append(lif).unwrap();
    let tree = net.init(1);
    let exported = nir::export(&net, &tree).unwrap();
    assert_eq!(exported.warnings.len(), 2, "{:?}", exported.warnings);
    assert!(exported.warnings[0].starts_with("0_LIF: Rockpool's subtractive reset"));
    let g = Graph::from_nir(&exported.graph, 1e-3, Semantics::Littoral).unwrap();
    let x = Array::from_fn(vec![1, 50, 3], |i| ((i * 31) % 7) as f64 * 0.3);
    let a = net.evolve(&tree, &tree, &x, true).unwrap();
    let b = g.evolve(&g.init(0), &g.init(0), &x, true).unwrap();
    let (isyn, i) = (
        a.record.get("0_LIF.isyn").unwrap(),
        b.record.get("0_LIF.i").unwrap(),
    );
    assert_eq!(isyn.len(), i.len());
    for (p, q) in isyn.data().iter().zip(i.data()) {
        assert!((p - q).abs() <= 1e-12 * p.abs().max(1.0), "{p} vs {q}");
    }
    // Recurrent weights: a nested graph whose back edge is w_rec -> lif.
    let rec = Sequential::new()
        .append(Lif::new(2).with_has_rec(true))
        .unwrap();
    let exported = nir::export(&rec, &rec.init(0)).unwrap();
    let g = Graph::from_nir(&exported.graph, 1e-3, Semantics::Littoral).unwrap();
    assert_eq!(g.back_edges(), [("0_LIF.w_rec", "0_LIF.lif")]);
    // Noise has no NIR equivalent.
    let noisy = Sequential::new()
        .append(Lif::new(2).with_noise_std(0.1).unwrap())
        .unwrap();
    let err = nir::export(&noisy, &noisy.init(0)).unwrap_err().to_string();
    assert!(
        err.starts_with("0_LIF.noise_std: NIR has no noise"),
        "{err}"
    );
}

#[test]
fn classes_nir_cannot_express_are_refused() {
    let net = Sequential::new()
        .append(littoral_nets::Rate::new(2))
        .unwrap();
    let err = nir::export(&net, &net.init(0)).unwrap_err().to_string();
    assert!(
        err.starts_with("0_Rate: class Rate cannot be written as NIR: NIR has no rate neuron"),
        "{err}"
    );
    let noisy = Sequential::new()
        .append(ExpSyn::new(2).with_noise_std(0.1).unwrap())
        .unwrap();
    let err = nir::export(&noisy, &noisy.init(0)).unwrap_err().to_string();
    assert!(
        err.starts_with("0_ExpSyn.noise_std: NIR has no noise"),
        "{err}"
    );
    let g = nir::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/nir/paper/braille_noDelay_bias_zero.nir"),
    )
    .unwrap()
    .graph;
    let err = nir::import_chain(&g, 1e-4).unwrap_err().to_string();
    assert!(err.contains("closes a cycle"), "{err}");
}

/// With `LITTORAL_NIR_EXPORT_DIR` set, leave the export there as `export_<name>.nir`,
/// with `export_<name>.json`: the network file, `dt`, and one sample's input and the
/// network's output (`(T, N)`), for `nets/tests/nir/check_exports.py` (run by hand).
fn leave_for_check(name: &str, net: &dyn littoral_core::Module, graph: &nir::NirGraph) {
    let Some(dir) = std::env::var_os("LITTORAL_NIR_EXPORT_DIR") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let name = format!("export_{name}");
    nir::write(graph, dir.join(format!("{name}.nir"))).unwrap();
    let tree = net.init(11);
    let (t, n) = (40, net.size_in());
    let x = Array::from_fn(vec![1, t, n], |i| ((i * 7919) % 13) as f64 / 6.0);
    let y = net.evolve(&tree, &tree, &x, false).unwrap().output;
    let rows = |a: &Array, w: usize| -> Vec<Vec<f64>> {
        a.data().chunks(w).map(<[f64]>::to_vec).collect()
    };
    let json = format!(
        "{{\"dt\": 0.001, \"network\": {}, \"input\": {:?}, \"output\": {:?}}}",
        to_json_string(net, &tree).unwrap(),
        rows(&x, n),
        rows(&y, net.size_out())
    );
    std::fs::write(dir.join(format!("{name}.json")), json).unwrap();
}

/// Write `net` as NIR, read it back from the file and run it as a `Graph` at `dt`.
fn through_a_file(name: &str, net: &dyn littoral_core::Module, dt: f64) -> (Graph, nir::NirGraph) {
    let exported = nir::export(net, &net.init(11)).unwrap();
    leave_for_check(name, net, &exported.graph);
    assert!(exported.warnings.is_empty(), "{:?}", exported.warnings);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("net.nir");
    nir::write(&exported.graph, &path).unwrap();
    let graph = nir::read(&path).unwrap().graph;
    assert_eq!(graph, exported.graph);
    (
        Graph::from_nir(&graph, dt, Semantics::Littoral).unwrap(),
        graph,
    )
}

fn assert_close(a: &Array, b: &Array, tolerance: f64) {
    assert_eq!(a.shape(), b.shape());
    for (p, q) in a.data().iter().zip(b.data()) {
        assert!((p - q).abs() <= tolerance * p.abs().max(1.0), "{p} vs {q}");
    }
}

/// `ExpSyn` → `LI` with `r = β/(1 − β)`: the graph (and the chain read back) follow
/// `I_t = β (I_{t−1} + x_t)` to 1e-12 (the products are rounded in another order).
#[test]
fn exp_syn_exports_as_an_li_with_the_same_current() {
    let net = Sequential::new()
        .append(Linear::new(3, 4))
        .unwrap()
        .append(ExpSyn::new(4).with_tau([0.01, 0.02, 0.005, 0.1]).unwrap())
        .unwrap()
        .append(Linear::new(4, 2))
        .unwrap();
    let tree = net.init(11);
    let (g, graph) = through_a_file("exp_syn", &net, 1e-3);
    assert!(matches!(
        graph.nodes["1_ExpSyn"].primitive,
        nir::Primitive::LI { .. }
    ));
    let x = input();
    let a = net.evolve(&tree, &tree, &x, true).unwrap();
    let gt = g.init(0);
    let b = g.evolve(&gt, &gt, &x, true).unwrap();
    assert!(
        a.output.data().iter().any(|&v| v.abs() > 0.1),
        "not trivial"
    );
    assert_close(&a.output, &b.output, 1e-12);
    assert_close(
        a.record.get("1_ExpSyn_output").unwrap(),
        b.record.get("1_ExpSyn.v").unwrap(),
        1e-12,
    );
    // Read back as a chain: an LI module with the same numbers.
    let back = nir::import_chain(&graph, 1e-3).unwrap();
    let bt = back.init(0);
    let c = back.evolve(&bt, &bt, &x, false).unwrap();
    assert_close(&a.output, &c.output, 1e-12);
}

fn nir_lif(n: usize, tau: f64) -> Membrane {
    Membrane::nir_lif(n)
        .with_tau([tau])
        .unwrap()
        .with_v_threshold([0.2])
        .unwrap()
        .with_r([3.0])
        .unwrap()
        .with_dt(1e-3)
        .unwrap()
}

/// `Residual` → a nested graph whose `input → output` skip edge is summed by fan-in;
/// `FFwdStack` → a nested graph with a `Linear` node per weight. Both give the network's
/// outputs bit for bit and its states to 1e-12, under the same record names.
#[test]
fn residual_and_ffwd_stack_export_as_graph_edges() {
    let residual = Residual::new(vec![
        Arc::new(Linear::new(4, 4)) as _,
        Arc::new(nir_lif(4, 0.02)) as _,
    ])
    .unwrap();
    let w = Array::from_fn(vec![4, 2], |i| ((i * 37) % 11) as f64 / 5.0 - 0.6);
    let stack = FFwdStack::new(vec![
        Arc::new(nir_lif(4, 0.01)) as _,
        Arc::new(
            Cuba::lif(2)
                .with_tau_syn([0.004; 2])
                .unwrap()
                .with_r([5.0; 2])
                .unwrap()
                .with_v_threshold([0.01; 2])
                .unwrap()
                .with_dt(1e-3)
                .unwrap(),
        ) as _,
    ])
    .unwrap()
    .with_weight(0, w)
    .unwrap();
    let net = Sequential::new()
        .append(Linear::new(3, 4))
        .unwrap()
        .append(residual.clone())
        .unwrap()
        .append(stack.clone())
        .unwrap();
    let tree = net.init(11);
    let (g, graph) = through_a_file("combinators", &net, 1e-3);
    let nir::Primitive::Graph(res) = &graph.nodes["1_Residual"].primitive else {
        panic!("a nested graph")
    };
    assert!(res.edges.contains(&nir::Edge::new("input", "output")));
    let nir::Primitive::Graph(st) = &graph.nodes["2_FFwdStack"].primitive else {
        panic!("a nested graph")
    };
    assert!(matches!(
        st.nodes["0_1_weight"].primitive,
        nir::Primitive::Linear { .. }
    ));
    let x = input();
    let a = net.evolve(&tree, &tree, &x, true).unwrap();
    let gt = g.init(0);
    let b = g.evolve(&gt, &gt, &x, true).unwrap();
    assert!(a.output.data().iter().sum::<f64>() > 0.0, "it spikes");
    assert!(a.output.bits_eq(&b.output));
    for path in [
        "1_Residual.1_NirLIF.v",
        "2_FFwdStack.0_NirLIF.v",
        "2_FFwdStack.1_CubaLIF.v",
        "2_FFwdStack.1_CubaLIF.i",
    ] {
        let (p, q) = (a.record.get(path).unwrap(), b.record.get(path).unwrap());
        assert!(p.max_abs_diff(q).unwrap() < 1e-12, "{path}");
    }
    // The combinators on their own, as the top-level module.
    for module in [
        &residual as &dyn littoral_core::Module,
        &stack as &dyn littoral_core::Module,
    ] {
        let t = module.init(11);
        let (g, _) = through_a_file(module.class_name(), module, 1e-3);
        let x = Array::from_fn(vec![2, 40, 4], |i| ((i * 7919) % 13) as f64 / 6.0);
        let a = module.evolve(&t, &t, &x, false).unwrap();
        let gt = g.init(0);
        let b = g.evolve(&gt, &gt, &x, false).unwrap();
        assert!(a.output.bits_eq(&b.output), "{}", module.class_name());
    }
}

/// The recurrent weights of Rockpool's LIF become the cycle `lif ⇄ w_rec`, whose back
/// edge delivers `W s_{t−1}`: the same previous-step spikes that Rockpool's `irec` adds.
/// So while the two produce the same spikes, the NIR current equals Rockpool's `isyn`
/// (recurrent input included); only `v` differs (docs/models.md §5), which is why the
/// cycle is not folded back into a recurrent neuron (docs/nir.md).
#[test]
fn recurrent_weights_arrive_one_step_later_in_both() {
    let n = 3;
    let w = Array::from_fn(vec![n, n], |i| [0.0, 40.0, -25.0, 30.0, 0.0, 20.0][i % 6]);
    let lif = Lif::new(n)
        .with_has_rec(true)
        .with_w_rec(w)
        .unwrap()
        .with_tau_syn([0.005; 3])
        .unwrap()
        .with_threshold([1.0; 3])
        .unwrap()
        .with_max_spikes_per_dt(1.0)
        .unwrap();
    let net = Sequential::new().append(lif).unwrap();
    let tree = net.init(0);
    let exported = nir::export(&net, &tree).unwrap();
    let g = Graph::from_nir(&exported.graph, 1e-3, Semantics::Littoral).unwrap();
    let x = Array::from_fn(vec![1, 60, n], |i| if i % 17 == 0 { 3.0 } else { 0.0 });
    let a = net.evolve(&tree, &tree, &x, true).unwrap();
    let gt = g.init(0);
    let b = g.evolve(&gt, &gt, &x, true).unwrap();
    let (isyn, i) = (
        a.record.get("0_LIF.isyn").unwrap().data(),
        b.record.get("0_LIF.lif.i").unwrap().data(),
    );
    let (sa, sb) = (a.output.data(), b.output.data());
    let first_difference = (0..60)
        .find(|&t| sa[t * n..(t + 1) * n] != sb[t * n..(t + 1) * n])
        .unwrap_or(60);
    let recurrent_spikes: f64 = sa[..first_difference.saturating_sub(1) * n].iter().sum();
    assert!(
        recurrent_spikes >= 3.0,
        "spikes fed back: {recurrent_spikes} before {first_difference}: {sa:?} {sb:?}"
    );
    // Up to and including the step after the first differing spike, the currents agree.
    for k in 0..(first_difference + 1).min(60) * n {
        let (p, q) = (isyn[k], i[k]);
        assert!((p - q).abs() <= 1e-12 * p.abs().max(1.0), "{k}: {p} vs {q}");
    }
}
