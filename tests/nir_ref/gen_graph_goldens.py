"""Random small NIR graphs of every primitive, as .nir files, with golden outputs from the
independent reference (nir_reference.py).

    /work/venv-ref/bin/python tests/nir_ref/gen_graph_goldens.py [--out tests/nir_ref/graphs]

Deterministic: every case draws from numpy's default_rng(SEED + case index). For each case
`graphs/<name>.nir` (written by the `nir` package) and `graphs/<name>.json`:

    {"name", "nir_file", "dt", "steps", "semantics", "seed",
     "inputs":  {Input node: [[...] per step]},
     "order":   evaluation order (flattened names), "back_edges": [[src, dst], ...],
     "outputs": {Output node: [[...] per step]},
     "records": {node: {"output": [...], "v": [...], "i": [...], "buffer": [...]}}}

Records are every flattened node's output per step and, for neurons, the state after the
step (and after the reset): "v" (and "i" for CubaLI/CubaLIF); for Delay, "buffer" (the
last max(d) inputs, oldest first). A case with several semantics has one JSON per option
(`<name>.<semantics>.json`). The generator also checks the ZOH coefficients against the
closed forms of docs/models.md §2 and reads every .nir file back with `nir.read`.
"""

import argparse
import json
import os
import sys

import nir
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nir_reference as R

SEED = 20261202
STEPS = 24


def spikes(rng, shape, p=0.3, steps=STEPS):
    """Spike counts (mostly 0/1, some 2s)."""
    z = (rng.random((steps, *shape)) < p).astype(float)
    z += (rng.random((steps, *shape)) < 0.05)
    return z


def analog(rng, shape, steps=STEPS):
    return rng.normal(0.0, 1.0, (steps, *shape))


def u(rng, lo, hi, shape):
    return rng.uniform(lo, hi, shape)


def inp(shape):
    return nir.Input(input_type={"input": np.array(shape)})


def outp(shape):
    return nir.Output(output_type={"output": np.array(shape)})


def cubalif(rng, n, spiking=True, degenerate=False):
    tau_mem = u(rng, 2e-3, 2e-2, n)
    tau_syn = tau_mem.copy() if degenerate else u(rng, 1e-3, 1e-2, n)
    kw = {"tau_syn": tau_syn, "tau_mem": tau_mem, "r": u(rng, 0.5, 2.0, n),
          "v_leak": u(rng, -0.2, 0.3, n), "w_in": u(rng, 0.5, 3.0, n)}
    if spiking:
        return nir.CubaLIF(**kw, v_threshold=u(rng, 0.05, 0.3, n), v_reset=u(rng, -0.1, 0.0, n))
    return nir.CubaLI(**kw)


def lif(rng, n):
    return nir.LIF(tau=u(rng, 2e-3, 2e-2, n), r=u(rng, 0.5, 2.0, n),
                   v_leak=u(rng, -0.2, 0.3, n), v_threshold=u(rng, 0.1, 0.5, n),
                   v_reset=u(rng, -0.1, 0.0, n))


def aff(rng, n_in, n_out, scale=1.0):
    return nir.Affine(weight=rng.normal(0, scale, (n_out, n_in)), bias=rng.normal(0, 0.1, n_out))


def pos(layer):
    """The same layer with non-negative weights."""
    layer.weight = np.abs(layer.weight)
    return layer


def lin(rng, n_in, n_out, scale=1.0):
    return nir.Linear(weight=rng.normal(0, scale, (n_out, n_in)))


# ---------------------------------------------------------------------------- cases
# Each returns (graph, inputs dict, dt, semantics list).


def case_chain_affine_lif(rng):
    g = nir.NIRGraph(nodes={"input": inp([3]), "fc": aff(rng, 3, 4, 2.0), "lif": lif(rng, 4),
                            "output": outp([4])},
                     edges=[("input", "fc"), ("fc", "lif"), ("lif", "output")])
    return g, {"input": spikes(rng, (3,))}, 1e-3, ["littoral", "dirac"]


def case_li_integrator_if(rng):
    n = 3
    nodes = {"input": inp([n]),
             "li": nir.LI(tau=u(rng, 2e-3, 2e-2, n), r=u(rng, 0.5, 2, n), v_leak=u(rng, -.2, .2, n)),
             "integ": nir.I(r=u(rng, 0.5, 2, n)),
             "if": nir.IF(r=u(rng, 0.5, 2, n), v_threshold=u(rng, 5e-6, 2e-5, n),
                          v_reset=u(rng, -1e-5, 0, n)),
             "output": outp([n])}
    edges = [("input", "li"), ("li", "integ"), ("integ", "if"), ("if", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges), {"input": analog(rng, (n,))}, 1e-3, \
        ["littoral", "dirac"]


def case_cubali_cubalif_chain(rng):
    nodes = {"input": inp([2]), "w1": lin(rng, 2, 3, 2.0), "cli": cubalif(rng, 3, False),
             "w2": aff(rng, 3, 3, 20.0), "clif": cubalif(rng, 3), "output": outp([3])}
    edges = [("input", "w1"), ("w1", "cli"), ("cli", "w2"), ("w2", "clif"), ("clif", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges), {"input": spikes(rng, (2,), 0.5)}, 1e-3, \
        ["littoral", "dirac"]


def case_cubalif_degenerate(rng):
    nodes = {"input": inp([3]), "clif": cubalif(rng, 3, degenerate=True), "output": outp([3])}
    return nir.NIRGraph(nodes=nodes, edges=[("input", "clif"), ("clif", "output")]), \
        {"input": spikes(rng, (3,), 0.6) * 5.0}, 1e-3, ["littoral"]


def case_fan_in_fan_out(rng):
    nodes = {"input": inp([3]), "a": lin(rng, 3, 2), "b": aff(rng, 3, 2),
             "sc": nir.Scale(scale=u(rng, -2, 2, 3)), "c": lin(rng, 3, 2),
             "li": nir.LI(tau=u(rng, 2e-3, 2e-2, 2), r=u(rng, 0.5, 2, 2), v_leak=u(rng, -.2, .2, 2)),
             "th": nir.Threshold(threshold=u(rng, -0.2, 0.2, 2)),
             "out_v": outp([2]), "out_z": outp([2])}
    edges = [("input", "a"), ("input", "b"), ("input", "sc"), ("sc", "c"), ("a", "li"),
             ("b", "li"), ("c", "li"), ("li", "out_v"), ("li", "th"), ("th", "out_z")]
    return nir.NIRGraph(nodes=nodes, edges=edges), {"input": analog(rng, (3,))}, 1e-3, ["littoral"]


def case_two_inputs(rng):
    nodes = {"in_a": inp([2]), "in_b": inp([3]), "wa": pos(lin(rng, 2, 2, 3.0)), "wb": pos(lin(rng, 3, 2, 3.0)),
             "lif": lif(rng, 2), "output": outp([2])}
    edges = [("in_a", "wa"), ("in_b", "wb"), ("wa", "lif"), ("wb", "lif"), ("lif", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges), \
        {"in_a": spikes(rng, (2,), 0.5), "in_b": spikes(rng, (3,), 0.5)}, 1e-3, ["littoral"]


def case_recurrent_cubalif(rng):
    n = 4
    nodes = {"input": inp([2]), "fc": aff(rng, 2, n, 30.0), "lif": cubalif(rng, n),
             "w_rec": aff(rng, n, n, 20.0), "output": outp([n])}
    edges = [("input", "fc"), ("fc", "lif"), ("lif", "w_rec"), ("w_rec", "lif"),
             ("lif", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges), {"input": spikes(rng, (2,), 0.5)}, 1e-3, \
        ["littoral", "dirac"]


def case_stateless_cycle(rng):
    # a cycle through stateless nodes only: the back edge gives it a one-step memory
    nodes = {"input": inp([2]), "mix": lin(rng, 2, 2, 0.7), "sc": nir.Scale(scale=u(rng, -0.9, 0.9, 2)),
             "output": outp([2])}
    edges = [("input", "mix"), ("mix", "sc"), ("sc", "mix"), ("sc", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges), {"input": analog(rng, (2,))}, 1e-3, ["littoral"]


def case_delay(rng):
    dt = 1e-3
    n = 3
    nodes = {"input": inp([n]), "sc": nir.Scale(scale=u(rng, 0.5, 2, n)),
             "d": nir.Delay(delay=np.array([0.0, 1.0, 3.0]) * dt),
             "th": nir.Threshold(threshold=np.full(n, 0.5)), "output": outp([n])}
    edges = [("input", "sc"), ("sc", "d"), ("d", "th"), ("th", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges), {"input": analog(rng, (n,))}, dt, ["littoral"]


def case_delay_in_cycle(rng):
    dt = 1e-3
    nodes = {"input": inp([2]), "if": nir.IF(r=np.full(2, 1.0), v_threshold=np.full(2, 0.002),
                                             v_reset=np.zeros(2)),
             "d": nir.Delay(delay=np.array([2.0, 4.0]) * dt), "w": lin(rng, 2, 2, 1.0),
             "output": outp([2])}
    edges = [("input", "if"), ("if", "d"), ("d", "w"), ("w", "if"), ("if", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges), {"input": np.abs(analog(rng, (2,)))}, dt, \
        ["littoral"]


def _rnn_subgraph(rng, n):
    return nir.NIRGraph(
        nodes={"input": inp([n]), "lif": cubalif(rng, n), "w_rec": aff(rng, n, n, 20.0),
               "output": outp([n])},
        edges=[("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")])


def case_nested_rnn(rng):
    # braille-like: input -> fc1 -> [sub: CubaLIF with recurrent Affine] -> fc2 -> CubaLIF
    n = 5
    nodes = {"input": inp([3]), "fc1": aff(rng, 3, n, 30.0), "rnn": _rnn_subgraph(rng, n),
             "fc2": aff(rng, n, 2, 20.0), "readout": cubalif(rng, 2), "output": outp([2])}
    edges = [("input", "fc1"), ("fc1", "rnn"), ("rnn", "fc2"), ("fc2", "readout"),
             ("readout", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges), {"input": spikes(rng, (3,), 0.5)}, 1e-3, \
        ["littoral"]


def _unchecked(graph):
    graph._no_type_check = True
    return graph


def case_conv1d(rng):
    c_in, length = 2, 11
    w = rng.normal(0, 1, (4, 1, 3))  # groups = 2: 4 out channels, 1 in channel per group
    conv = nir.Conv1d(input_shape=length, weight=w, stride=2, padding=2, dilation=2, groups=2,
                      bias=rng.normal(0, 0.1, 4))
    l_out = (length + 4 - 2 * 2 - 1) // 2 + 1
    nodes = {"input": inp([c_in, length]), "conv": conv,
             "if": nir.IF(r=np.ones((4, l_out)), v_threshold=np.full((4, l_out), 0.002),
                          v_reset=np.zeros((4, l_out))),
             "flat": nir.Flatten(input_type={"input": np.array([4, l_out])}, start_dim=0),
             "fc": aff(rng, 4 * l_out, 3), "output": outp([3])}
    edges = [("input", "conv"), ("conv", "if"), ("if", "flat"), ("flat", "fc"), ("fc", "output")]
    return _unchecked(nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)), \
        {"input": spikes(rng, (c_in, length), 0.4)}, \
        1e-3, ["littoral"]


def case_conv2d_pool(rng):
    c_in, h, wd = 4, 9, 8
    w = rng.normal(0, 1, (6, 2, 3, 3))  # groups = 2
    conv = nir.Conv2d(input_shape=(h, wd), weight=w, stride=(2, 1), padding=(1, 2),
                      dilation=(1, 2), groups=2, bias=rng.normal(0, 0.1, 6))
    ho = (h + 2 - 1 * 2 - 1) // 2 + 1
    wo = (wd + 4 - 2 * 2 - 1) // 1 + 1
    shp = (6, ho, wo)
    nodes = {"input": inp([c_in, h, wd]), "conv": conv,
             "lif": nir.LIF(tau=np.full(shp, 5e-3), r=np.ones(shp), v_leak=np.zeros(shp),
                            v_threshold=np.full(shp, 0.5), v_reset=np.zeros(shp)),
             "sum": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([1, 2]),
                                  padding=np.array([0, 1])),
             "avg": nir.AvgPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]),
                                  padding=np.array([1, 0]))}
    s1 = R.pool2d(np.zeros(shp), (2, 2), (1, 2), (0, 1), False).shape
    s2 = R.pool2d(np.zeros(s1), (2, 2), (2, 2), (1, 0), True).shape
    nodes["flat"] = nir.Flatten(input_type={"input": np.array(s2)}, start_dim=0)
    nodes["fc"] = lin(rng, int(np.prod(s2)), 3)
    nodes["li"] = nir.LI(tau=np.full(3, 4e-3), r=np.ones(3), v_leak=np.zeros(3))
    nodes["output"] = outp([3])
    edges = [("input", "conv"), ("conv", "lif"), ("lif", "sum"), ("sum", "avg"), ("avg", "flat"),
             ("flat", "fc"), ("fc", "li"), ("li", "output")]
    return _unchecked(nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)), \
        {"input": spikes(rng, (c_in, h, wd), 0.3) * 40.0}, 1e-3, ["littoral"]


def case_rockpool_lif_cubalif(rng):
    # Rockpool's import keeps v_leak as a bias, ignores r and w_in, dt = min(tau/(1+r))
    n = 3
    nodes = {"input": inp([2]), "fc": lin(rng, 2, n, 0.3),
             "lif": nir.LIF(tau=np.full(n, 0.01), r=np.full(n, 99.0), v_leak=np.full(n, 0.01),
                            v_threshold=u(rng, 0.2, 0.4, n), v_reset=np.zeros(n)),
             "fc2": pos(lin(rng, n, n, 0.05)),
             "clif": nir.CubaLIF(tau_syn=np.full(n, 5e-3), tau_mem=np.full(n, 0.01),
                                 r=np.full(n, 99.0), v_leak=np.zeros(n), w_in=np.ones(n),
                                 v_threshold=np.full(n, 0.3), v_reset=np.zeros(n)),
             "output": outp([n])}
    edges = [("input", "fc"), ("fc", "lif"), ("lif", "fc2"), ("fc2", "clif"), ("clif", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges), {"input": spikes(rng, (2,), 0.5)}, 1e-4, \
        ["rockpool", "littoral"]


def case_rockpool_cubalif(rng):
    # the part of Rockpool 3.1.0's import that runs (its LIF import fails, see docs)
    n = 3
    nodes = {"input": inp([2]), "fc": pos(lin(rng, 2, n, 0.3)),
             "clif": nir.CubaLIF(tau_syn=u(rng, 2e-3, 6e-3, n), tau_mem=u(rng, 5e-3, 2e-2, n),
                                 r=np.full(n, 49.0), v_leak=np.full(n, 0.002), w_in=np.ones(n),
                                 v_threshold=u(rng, 0.2, 0.4, n), v_reset=np.zeros(n)),
             "output": outp([n])}
    edges = [("input", "fc"), ("fc", "clif"), ("clif", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges), {"input": spikes(rng, (2,), 0.5)}, 1e-4, \
        ["rockpool", "littoral"]


def case_snntorch_lif_cubalif(rng):
    # snnTorch's import needs v_leak = 0, uniform thresholds, CubaLIF r = tau_mem / 1e-4
    n = 3
    dt = 1e-4
    tau_mem = np.full(n, 2e-3)
    nodes = {"input": inp([2]), "fc": pos(aff(rng, 2, n, 1.0)),
             "lif": nir.LIF(tau=np.full(n, 2.5e-3), r=np.ones(n), v_leak=np.zeros(n),
                            v_threshold=np.full(n, 0.05), v_reset=np.zeros(n)),
             "fc2": pos(lin(rng, n, n, 2.0)),
             "clif": nir.CubaLIF(tau_syn=np.full(n, 1e-3), tau_mem=tau_mem, r=tau_mem / dt,
                                 v_leak=np.zeros(n), w_in=np.full(n, 0.5),
                                 v_threshold=np.full(n, 0.5), v_reset=np.zeros(n)),
             "output": outp([n])}
    edges = [("input", "fc"), ("fc", "lif"), ("lif", "fc2"), ("fc2", "clif"), ("clif", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges), {"input": spikes(rng, (2,), 0.6)}, dt, \
        ["snntorch", "littoral"]


def case_norse_if_lif_cubalif(rng):
    # Norse's import: Euler with the run's dt, r of LIF/IF ignored, v_leak also on the synapse
    n = 3
    nodes = {"input": inp([2]), "fc": pos(aff(rng, 2, n, 0.5)),
             "if": nir.IF(r=np.ones(n), v_threshold=u(rng, 0.5, 1.0, n), v_reset=np.zeros(n)),
             "fc2": pos(lin(rng, n, n, 20.0)), "lif": lif(rng, n),
             "fc3": pos(lin(rng, n, n, 20.0)), "clif": cubalif(rng, n), "output": outp([n])}
    edges = [("input", "fc"), ("fc", "if"), ("if", "fc2"), ("fc2", "lif"), ("lif", "fc3"),
             ("fc3", "clif"), ("clif", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges), {"input": spikes(rng, (2,), 0.6)}, 1e-3, \
        ["norse", "littoral"]


CASES = [case_chain_affine_lif, case_li_integrator_if, case_cubali_cubalif_chain,
         case_cubalif_degenerate, case_fan_in_fan_out, case_two_inputs, case_recurrent_cubalif,
         case_stateless_cycle, case_delay, case_delay_in_cycle, case_nested_rnn, case_conv1d,
         case_conv2d_pool, case_rockpool_lif_cubalif, case_snntorch_lif_cubalif,
         case_rockpool_cubalif, case_norse_if_lif_cubalif]


# ---------------------------------------------------------------------------- checks


def check_zoh_closed_forms():
    """docs/models.md §2: the CubaLIF closed form (with the cancellation-free g) equals
    scipy's ZOH coefficients."""
    dt = 1e-3
    for ts, tm, r, w in [(3e-3, 7e-3, 1.3, 0.7), (5e-3, 5e-3, 2.0, 1.5), (4e-3, 4e-3 * (1 + 1e-7), 1.0, 1.0)]:
        a_mat = np.array([[-1 / ts, 0], [r / tm, -1 / tm]])
        b_mat = np.array([[w / ts, 0], [0, 1 / tm]])
        ad, bd = R.zoh(a_mat, b_mat, dt)
        a_s, a_m = np.exp(-dt / ts), np.exp(-dt / tm)
        mu, sig = dt / tm, dt / ts

        def phi(h):
            return 1.0 if h == 0 else -np.expm1(-h) / h
        g = mu * a_s * phi(mu - sig) if mu >= sig else mu * a_m * phi(sig - mu)
        want_ad = np.array([[a_s, 0], [r * g, a_m]])
        want_bd = np.array([[(1 - a_s) * w, 0], [r * (1 - a_m - g) * w, 1 - a_m]])
        assert np.allclose(ad, want_ad, rtol=1e-9, atol=1e-12), (ad, want_ad)
        assert np.allclose(bd, want_bd, rtol=1e-7, atol=1e-12), (bd, want_bd)


def tolist(a):
    return np.asarray(a, float).tolist()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "graphs"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    check_zoh_closed_forms()
    for idx, case in enumerate(CASES):
        seed = SEED + idx
        rng = np.random.default_rng(seed)
        graph, inputs, dt, sems = case(rng)
        name = case.__name__[len("case_"):]
        path = os.path.join(args.out, name + ".nir")
        nir.write(path, graph)
        # the nir package must read what it wrote (nir 1.0.8 infers a grouped conv's input
        # channels as weight.shape[1], not groups * weight.shape[1]: no type check there)
        back = nir.read(path, type_check=not getattr(graph, "_no_type_check", False))
        assert set(back.nodes) == set(graph.nodes), name
        for sem in sems:
            res = R.run_graph(back, inputs, dt, sem)
            gold = {
                "name": name, "nir_file": name + ".nir", "dt": dt, "steps": STEPS,
                "semantics": sem, "seed": seed,
                "inputs": {k: tolist(v) for k, v in inputs.items()},
                "order": res.order, "back_edges": [list(e) for e in res.back_edges],
                "outputs": {k: tolist(v) for k, v in res.outputs.items()},
                "records": {n: {k: tolist(v) for k, v in r.items()}
                            for n, r in res.records.items()},
            }
            fname = f"{name}.json" if sem == sems[0] else f"{name}.{sem}.json"
            with open(os.path.join(args.out, fname), "w") as f:
                json.dump(gold, f, separators=(",", ":"))
            spk = {k: float(np.sum(v)) for k, v in res.outputs.items()}
            print(f"{fname}: order {res.order} back {res.back_edges} output sums {spk}")


if __name__ == "__main__":
    main()
