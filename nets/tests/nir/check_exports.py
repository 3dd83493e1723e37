"""Check that the reference `nir` package (1.0.8) reads Littoral's NIR exports with the
same numbers as the originals. Run by hand (not in CI), from the repository root:

    LITTORAL_NIR_EXPORT_DIR=/tmp/nir-exports \
        cargo test --release -p littoral-nets --test integration nir_roundtrip::
    /work/venv-ref/bin/python nets/tests/nir/check_exports.py /tmp/nir-exports

For every fixture and paper file, `nir.read` of Littoral's export must give the same
nodes, edges, metadata and parameter arrays (values, shapes and dtypes identical) as
`nir.read` of the original. Type checking is off for the files nir 1.0.8 itself refuses
(lif_rockpool.nir) or mistypes (grouped convolutions); it is on for the others.

Networks exported by `nir::export` (`export_<name>.nir`, left with their network file,
input and output in `export_<name>.json` by

    LITTORAL_NIR_EXPORT_DIR=/tmp/nir-exports \
        cargo test --release -p littoral-nets --test integration nir_export::

): `nir.read` with type checking on must give the nodes, edges and arrays that this
script derives from the network file by the documented mapping (docs/nir.md, Export),
and the graph run by the independent numpy reference `tests/nir_ref/nir_reference.py`
(semantics `littoral`) must give the network's output (spikes exactly, values at 1e-9).
"""

import json
import pathlib
import sys

import nir
import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2] / "tests" / "nir_ref"))
import nir_reference  # noqa: E402
NO_TYPE_CHECK = {"lif_rockpool.nir", "conv2d_pool.nir", "conv1d_same.nir"}


def same(a, b, where):
    if isinstance(a, dict):
        assert isinstance(b, dict) and sorted(a) == sorted(b), f"{where}: keys {sorted(a)} vs {sorted(b)}"
        for k in a:
            same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), f"{where}: length"
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape or a.size == b.size == 1, f"{where}: shape {a.shape} vs {b.shape}"
        if a.dtype.kind == "f" or b.dtype.kind == "f":
            assert a.dtype == b.dtype, f"{where}: dtype {a.dtype} vs {b.dtype}"
        assert np.array_equal(a.ravel(), b.ravel()), f"{where}: values differ"
    elif isinstance(a, bytes) or isinstance(b, bytes):
        dec = lambda s: s.decode() if isinstance(s, bytes) else s
        assert dec(a) == dec(b), f"{where}: {a!r} vs {b!r}"
    else:
        assert a == b or np.array_equal(np.asarray(a), np.asarray(b)), f"{where}: {a!r} vs {b!r}"


def size(m):
    """(size_in, size_out) of a network-file module."""
    if "modules" in m:
        return size(m["modules"][0])[0], size(m["modules"][-1])[1]
    shape = m["shape"]
    return (shape[0], shape[-1])


def per_neuron(value, n):
    a = np.asarray(value, dtype=np.float64)
    return np.broadcast_to(a, (n,)).copy()


def expected_node(m):
    """The NIR node of a non-combinator module: (type, {param: array})."""
    cls, p = m["class"], m.get("parameters", {})
    n = size(m)[1]
    if cls == "Linear":
        w = np.asarray(p["weight"], dtype=np.float64).T
        if m.get("options", {}).get("has_bias"):
            return "Affine", {"weight": w, "bias": per_neuron(p["bias"], n)}
        return "Linear", {"weight": w}
    if cls == "ExpSyn":
        dt = m["simulation_parameters"]["dt"]
        tau = per_neuron(p["tau"], n)
        beta = np.exp(-dt / tau)
        r = beta / -np.expm1(-dt / tau)
        return "LI", {"tau": tau, "r": r, "v_leak": np.zeros(n)}
    names = {"NirLIF": "LIF", "CubaLIF": "CubaLIF", "CubaLI": "CubaLI", "LI": "LI", "IF": "IF"}
    return names[cls], {k: per_neuron(v, n) for k, v in p.items()}


def expected_graph(m):
    """(nodes {name: (type, params or nested)}, edges set) of a module's graph."""
    n_in, n_out = size(m)
    nodes = {"input": ("Input", {"shape": np.array([n_in])}),
             "output": ("Output", {"shape": np.array([n_out])})}
    children = m["modules"] if "modules" in m else [m]
    names = [c.get("name", f"{i}_{c['class']}") if "modules" in m else c["class"]
             for i, c in enumerate(children)]
    edges, previous = set(), "input"
    for k, (name, c) in enumerate(zip(names, children)):
        nodes[name] = ("NIRGraph", expected_graph(c)) if "modules" in c else expected_node(c)
        edges.add((previous, name))
        previous = name
        if m["class"] == "FFwdStack" and k + 1 < len(children):
            w = f"{k}_{k + 1}_weight"
            nodes[w] = ("Linear", {"weight": np.asarray(m["parameters"][w], dtype=np.float64).T})
            edges.add((previous, w))
            previous = w
    edges.add((previous, "output"))
    if m["class"] == "Residual":
        edges.add(("input", "output"))
    return nodes, edges


def compare_graph(graph, want, where):
    nodes, edges = want
    got_edges = {tuple(e) for e in graph.edges}
    assert got_edges == edges, f"{where}: edges {sorted(got_edges)} vs {sorted(edges)}"
    assert sorted(graph.nodes) == sorted(nodes), f"{where}: nodes {sorted(graph.nodes)}"
    for name, (kind, params) in nodes.items():
        node = graph.nodes[name]
        assert type(node).__name__ == kind, f"{where}.{name}: {type(node).__name__} vs {kind}"
        if kind == "NIRGraph":
            compare_graph(node, params, f"{where}.{name}")
            continue
        for k, v in params.items():
            if kind in ("Input", "Output"):
                got = np.asarray(getattr(node, f"{kind.lower()}_type")[kind.lower()])
            else:
                got = np.asarray(getattr(node, k))
            assert got.shape == v.shape or got.size == v.size, f"{where}.{name}.{k}: shape {got.shape}"
            if name.endswith("ExpSyn") and k == "r":
                # exp/expm1 of numpy and of Rust's libm may round differently (1 ulp).
                assert np.allclose(got.ravel(), v.ravel(), rtol=4e-16, atol=0), f"{where}.{name}.{k}"
            else:
                assert np.array_equal(got.ravel(), v.ravel()), f"{where}.{name}.{k}: values differ"


def check_network_exports(export_dir):
    files = sorted(export_dir.glob("export_*.nir"))
    for path in files:
        data = json.loads(path.with_suffix(".json").read_text())
        graph = nir.read(path, type_check=True)
        compare_graph(graph, expected_graph(data["network"]), path.name)
        x = np.asarray(data["input"], dtype=np.float64)
        y = np.asarray(data["output"], dtype=np.float64)
        run = nir_reference.run_graph(graph, {"input": x}, dt=data["dt"], semantics="littoral")
        got = np.asarray(run.outputs["output"]).reshape(y.shape)
        err = np.max(np.abs(got - y))
        assert err <= 1e-9, f"{path.name}: reference run differs by {err}"
        print(f"ok  {path.name}  (mapping checked, reference run max |diff| {err:.1e})")
    print(f"nir {nir.version} reads all {len(files)} network exports; the numpy reference "
          "runs them to the networks' outputs")


def main(export_dir):
    export_dir = pathlib.Path(export_dir)
    check_network_exports(export_dir)
    originals = sorted((HERE / "fixtures").glob("*.nir")) + sorted((HERE / "paper").glob("*.nir"))
    for original in originals:
        check = original.name not in NO_TYPE_CHECK
        exported = export_dir / original.name
        a = nir.read(original, type_check=False).to_dict()
        b = nir.read(exported, type_check=check).to_dict()
        same(a, b, original.name)
        print(f"ok  {original.name}  (type check {'on' if check else 'off'})")
    print(f"nir {nir.version} reads all {len(originals)} Littoral exports with identical arrays")


if __name__ == "__main__":
    main(sys.argv[1])
