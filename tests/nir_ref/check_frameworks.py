"""Cross-check nir_reference.py against the frameworks themselves (needs torch).

    /work/venv-torch/bin/python tests/nir_ref/check_frameworks.py

(a venv with torch, snntorch 1.0.0, norse 1.1.0, rockpool 3.1.0, nirtorch, nir 1.0.8 from PyPI.)
1. conv_nd / pool2d against torch.nn.functional (stride, padding, dilation, groups).
2. The `snntorch` semantics against snnTorch's own import_from_nir (spikes and membrane).
3. The `rockpool` semantics against Rockpool's own from_nir (spike counts).
4. The `norse` semantics against Norse's own from_nir (spikes and states).
Every check asserts; the script prints the largest differences.
"""

import json
import os
import sys
import warnings

import nir
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nir_reference as R

HERE = os.path.dirname(os.path.abspath(__file__))
LIF_DIR = "/work/shared/nir-paper/01_lif"
F32_TOL = 2e-5  # float32 frameworks against the float64 reference (relative to max |v|)


def check_conv_pool():
    rng = np.random.default_rng(1)
    worst = 0.0
    for groups, stride, pad, dil in [(1, 1, 0, 1), (2, 2, 1, 2), (3, (2, 1), (1, 2), (1, 2)),
                                     (1, 1, "same", 2)]:
        x = rng.normal(size=(6, 9, 8))
        w = rng.normal(size=(6, 6 // groups, 3, 2))
        b = rng.normal(size=6)
        ours = R.conv_nd(x, w, b, stride, pad, dil, groups)
        ref = torch.nn.functional.conv2d(torch.tensor(x)[None], torch.tensor(w), torch.tensor(b),
                                         stride=stride, padding=pad, dilation=dil,
                                         groups=groups)[0].numpy()
        assert ours.shape == ref.shape, (ours.shape, ref.shape)
        worst = max(worst, float(np.max(np.abs(ours - ref))))
        x1 = rng.normal(size=(6, 13))
        w1 = rng.normal(size=(4 * groups, 6 // groups, 3))
        ours = R.conv_nd(x1, w1, None, stride if np.isscalar(stride) else 2, pad if np.isscalar(pad) or isinstance(pad, str) else 1,
                         dil if np.isscalar(dil) else 2, groups)
        ref = torch.nn.functional.conv1d(torch.tensor(x1)[None], torch.tensor(w1), None,
                                         stride=stride if np.isscalar(stride) else 2,
                                         padding=pad if np.isscalar(pad) or isinstance(pad, str) else 1,
                                         dilation=dil if np.isscalar(dil) else 2,
                                         groups=groups)[0].numpy()
        assert ours.shape == ref.shape
        worst = max(worst, float(np.max(np.abs(ours - ref))))
    for k, s, p in [((2, 2), (2, 2), (0, 0)), ((3, 2), (1, 2), (1, 1)), ((2, 3), (2, 1), (1, 0))]:
        x = rng.normal(size=(3, 9, 8))
        avg = torch.nn.functional.avg_pool2d(torch.tensor(x)[None], k, s, p,
                                             count_include_pad=True)[0].numpy()
        ours = R.pool2d(x, k, s, p, True)
        assert ours.shape == avg.shape
        worst = max(worst, float(np.max(np.abs(ours - avg))))
        worst = max(worst, float(np.max(np.abs(R.pool2d(x, k, s, p, False) - avg * k[0] * k[1]))))
    assert worst < 1e-12, worst
    print(f"conv1d/conv2d/avg/sum pool vs torch (float64): max |diff| = {worst:.2e}")


def _snn_states(net):
    out = {}
    for name, mod in net.named_modules():
        if hasattr(mod, "mem") and isinstance(mod.mem, torch.Tensor) and mod.mem.numel():
            out[name] = {"v": mod.mem.detach().double().numpy().copy()}
            if hasattr(mod, "syn"):
                out[name]["i"] = mod.syn.detach().double().numpy().copy()
    return out


def check_snntorch(graph, x, dt, label):
    import contextlib
    import io

    from snntorch.import_nir import import_from_nir

    with contextlib.redirect_stdout(io.StringIO()):
        net = import_from_nir(nir.read(graph) if isinstance(graph, str) else graph)
    ref = R.run_graph(nir.read(graph) if isinstance(graph, str) else graph, x, dt, "snntorch")
    outs, states = [], []
    with torch.no_grad():
        for t in range(len(x)):
            o, _ = net(torch.tensor(x[t][None], dtype=torch.float32))
            outs.append(o[0].double().numpy())
            states.append(_snn_states(net))
    outs = np.array(outs)
    (oname,) = ref.outputs
    assert np.array_equal(outs, ref.outputs[oname]), f"{label}: snnTorch spikes differ"
    worst = 0.0
    for name in states[0]:
        for k in states[0][name]:
            theirs = np.array([s[name][k] for s in states]).reshape(ref.records[name][k].shape)
            ours = ref.records[name][k]
            rel = np.max(np.abs(theirs - ours)) / max(1e-12, np.max(np.abs(ours)))
            worst = max(worst, float(rel))
    assert worst < F32_TOL, (label, worst)
    print(f"snntorch semantics vs snnTorch 1.0.0 import_from_nir, {label}: spikes identical "
          f"({int(outs.sum())}), max relative state difference {worst:.2e}")


def check_rockpool(graph_path, x, dt, label):
    from rockpool.nn.modules.torch.nir import from_nir

    g = nir.read(graph_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = from_nir(g)
    ref = R.run_graph(g, x, dt, "rockpool")
    with torch.no_grad():
        out = net(torch.tensor(x, dtype=torch.float32)[None])
    out = out[0] if isinstance(out, tuple) else out
    out = out.detach().double().numpy()[0]
    (oname,) = ref.outputs
    ours = ref.outputs[oname]
    n_diff = int(np.sum(out != ours))
    assert n_diff == 0, f"{label}: Rockpool spikes differ at {n_diff} entries"
    print(f"rockpool semantics vs Rockpool 3.1.0 from_nir, {label}: spike counts identical "
          f"(total {int(out.sum())})")


def _norse_v(st):
    """The membrane in a Norse state (LIFBox/IAF state, or CubaLIF's (syn, lif) pair)."""
    if hasattr(st, "v"):  # a Norse state namedtuple
        return {"v": st.v}
    if len(st) == 1:
        return _norse_v(st[0])
    if len(st) == 2:  # CubaLIF: (synapse state, neuron state)
        return {"i": st[0].v, "v": st[1].v}
    raise ValueError(f"unknown Norse state {st!r}")


def check_norse(graph_path, x, dt, label):
    import norse.torch as nt

    g = nir.read(graph_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = nt.from_nir(g, dt=dt)
    ref = R.run_graph(g, x, dt, "norse")
    (oname,) = ref.outputs
    state, outs, worst = None, [], 0.0
    with torch.no_grad():
        for t in range(len(x)):
            o, state = net(torch.tensor(x[t][None], dtype=torch.float32), state)
            outs.append(o[0].double().numpy())
            for name, st in state.state.items():
                for k, val in _norse_v(st).items():
                    ours = ref.records[name][k][t]
                    scale = max(1e-12, float(np.max(np.abs(ref.records[name][k]))))
                    worst = max(worst, float(np.max(np.abs(val[0].double().numpy() - ours))) / scale)
    outs = np.array(outs)
    assert np.array_equal(outs, ref.outputs[oname]), f"{label}: Norse spikes differ"
    assert worst < F32_TOL, (label, worst)
    print(f"norse semantics vs Norse 1.1.0 from_nir, {label}: spikes identical "
          f"({int(outs.sum())}), max relative state difference {worst:.2e}")


def check_norse_paper(path, steps, p, dt, label, seed=3):
    """A NIR paper graph in Norse itself and in the reference's `norse` semantics, on seeded
    random spikes: every node's output at every step (this checks the cycle rule against
    nirtorch's recurrence, and conv/pool/flatten shapes on the CNN)."""
    import norse.torch as nt

    g = nir.read(path)
    patched = []
    for name, node in g.nodes.items():  # see benches/compare/nir_frameworks.py
        if type(node).__name__ == "Flatten" and int(node.start_dim) >= 0:
            patched.append(name)
    (iname,) = [n for n, v in g.nodes.items() if type(v).__name__ == "Input"]
    shape = tuple(int(s) for s in g.nodes[iname].input_type["input"])
    x = (np.random.default_rng(seed).random((steps, *shape)) < p).astype(float)
    ref = R.run_graph(g, x, dt, "norse")
    for name in patched:
        g.nodes[name].start_dim = int(g.nodes[name].start_dim) + 1
        if int(g.nodes[name].end_dim) >= 0:
            g.nodes[name].end_dim = int(g.nodes[name].end_dim) + 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = nt.from_nir(g, dt=dt)
    state, worst, spikes = None, 0.0, 0
    names = {n.replace(".", "_"): n for n in ref.records}  # nirtorch's module names
    with torch.no_grad():
        for t in range(steps):
            _, state = net(torch.tensor(x[t][None], dtype=torch.float32), state)
            for key, val in state.cache.items():
                name = names[key]
                ours = ref.records[name]["output"][t]
                theirs = val[0].double().numpy().reshape(ours.shape)
                scale = max(1.0, float(np.max(np.abs(ref.records[name]["output"]))))
                if type(g.nodes.get(name, None)).__name__ in ("IF", "LIF", "CubaLIF"):
                    assert np.array_equal(theirs, ours), f"{label}: {name} spikes differ at {t}"
                    spikes += int(ours.sum())
                else:
                    worst = max(worst, float(np.max(np.abs(theirs - ours))) / scale)
    assert worst < F32_TOL, (label, worst)
    print(f"norse semantics vs Norse 1.1.0 on {label}, {steps} steps: every node's spikes "
          f"identical ({spikes}), analogue outputs within {worst:.1e} relative")


def load_json(name):
    with open(os.path.join(HERE, "graphs", name)) as f:
        return json.load(f)


def main():
    torch.set_default_dtype(torch.float32)
    check_conv_pool()
    x = np.loadtxt(os.path.join(LIF_DIR, "lif_exact.csv"), delimiter=",")[:, :1]
    check_snntorch(os.path.join(LIF_DIR, "lif_norse.nir"), x, 1e-4, "lif_norse.nir")
    gold = load_json("snntorch_lif_cubalif.json")
    check_snntorch(os.path.join(HERE, "graphs", "snntorch_lif_cubalif.nir"),
                   np.array(gold["inputs"]["input"]), gold["dt"], "snntorch_lif_cubalif.nir")
    check_norse(os.path.join(LIF_DIR, "lif_norse.nir"), x, 1e-4, "lif_norse.nir")
    gold = load_json("norse_if_lif_cubalif.json")
    check_norse(os.path.join(HERE, "graphs", "norse_if_lif_cubalif.nir"),
                np.array(gold["inputs"]["input"]), gold["dt"], "norse_if_lif_cubalif.nir")
    paper = "/work/shared/nir-paper"
    for f in ("braille_noDelay_bias_zero", "braille_noDelay_noBias_subtract"):
        check_norse_paper(f"{paper}/03_rnn/{f}.nir", 200, 0.3, 1e-4, f"{f}.nir")
    check_norse_paper(f"{paper}/02_cnn/cnn_sinabs.nir", 30, 0.2, 1e-3, "cnn_sinabs.nir")
    # Rockpool 3.1.0's from_nir reads `node.tau_mem` of a nir.LIF, which has `tau`: every
    # graph with a LIF node fails to import. The reference's `rockpool` LIF uses `tau` there.
    try:
        check_rockpool(os.path.join(LIF_DIR, "lif_norse.nir"), x, 1e-4, "lif_norse.nir")
        raise AssertionError("Rockpool 3.1.0 imported a nir.LIF: update docs/nir-semantics.md")
    except AttributeError as err:
        print(f"Rockpool 3.1.0 from_nir on lif_norse.nir fails as documented: {err}")
    check_rockpool(os.path.join(HERE, "graphs", "rockpool_cubalif.nir"),
                   np.array(load_json("rockpool_cubalif.json")["inputs"]["input"]), 1e-4,
                   "rockpool_cubalif.nir")


if __name__ == "__main__":
    main()
