"""Write the NIR fixtures of `nets/tests/nir_fixtures.rs` with the reference `nir`
package (1.0.8, h5py) and record what h5py reads back from each file.

Run from the repository root:

    /work/venv-ref/bin/python nets/tests/nir/gen_fixtures.py

Outputs (committed): `nets/tests/nir/fixtures/<name>.nir` and
`nets/tests/nir/fixtures/expected.json`, which holds, for every node of every fixture, each
dataset as h5py reads it (dtype, shape, values; float values as Python floats, which JSON
round-trips exactly). Littoral must read the same numbers bit for bit.
"""

import json
import pathlib

import h5py
import nir
import numpy as np

OUT = pathlib.Path(__file__).resolve().parent / "fixtures"
rng = np.random.default_rng(20261202)


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def f64(*shape):
    return rng.standard_normal(shape)


def pos(*shape, dtype=np.float64):
    return rng.uniform(0.001, 0.05, shape).astype(dtype)


def chain_affine_lif():
    """Input(3) -> Affine(f32) -> LIF(f64, explicit v_reset) -> Output(4)."""
    return nir.NIRGraph.from_list(
        nir.Input(input_type=np.array([3])),
        nir.Affine(weight=f32(4, 3), bias=f32(4)),
        nir.LIF(tau=pos(4), r=f64(4), v_leak=f64(4), v_threshold=pos(4) + 1.0, v_reset=f64(4)),
        nir.Output(output_type=np.array([4])),
    )


def all_neurons():
    """Every elementwise primitive and neuron on shape (5,), float64 and float32."""
    n = 5
    return nir.NIRGraph.from_list(
        nir.Input(input_type=np.array([n])),
        nir.Linear(weight=f64(n, n)),
        nir.LI(tau=pos(n), r=f64(n), v_leak=f64(n)),
        nir.Scale(scale=f32(n)),
        nir.I(r=f64(n)),
        nir.Threshold(threshold=f64(n)),
        nir.IF(r=f32(n), v_threshold=pos(n, dtype=np.float32)),
        nir.CubaLI(tau_syn=pos(n), tau_mem=pos(n), r=f64(n), v_leak=f64(n)),
        nir.CubaLIF(
            tau_syn=pos(n), tau_mem=pos(n), r=f64(n), v_leak=f64(n),
            v_threshold=pos(n) + 1.0, v_reset=f64(n), w_in=f64(n),
        ),
        nir.Delay(delay=pos(n)),
        nir.Output(output_type=np.array([n])),
    )


def conv2d_pool():
    """Conv2d with stride, padding, dilation and groups; both poolings; Flatten; Affine.

    nir 1.0.8 ignores `groups` when it types a Conv2d input (C_in/groups channels), so
    this graph is built without its type check; the file is what `nir.write` writes.
    """
    conv = nir.Conv2d(
        input_shape=(9, 10), weight=f32(4, 1, 3, 2), stride=(2, 1), padding=(1, 2),
        dilation=(1, 2), groups=2, bias=f32(4),
    )
    # output (4, 5, 12) -> SumPool (k 2, s 2, p 1) -> (4, 3, 7) -> AvgPool (k 2, s 1) -> (4, 2, 6)
    nodes = {
        "input": nir.Input(input_type=np.array([2, 9, 10])),
        "conv": conv,
        "sum": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([1, 1])),
        "avg": nir.AvgPool2d(kernel_size=np.array([2, 2]), stride=np.array([1, 1]), padding=np.array([0, 0])),
        "flat": nir.Flatten(input_type={"input": np.array([4, 2, 6])}, start_dim=0, end_dim=-1),
        "fc": nir.Affine(weight=f64(3, 48), bias=f64(3)),
        "output": nir.Output(output_type=np.array([3])),
    }
    edges = [("input", "conv"), ("conv", "sum"), ("sum", "avg"), ("avg", "flat"), ("flat", "fc"), ("fc", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)


def conv1d_same():
    """Conv1d (groups 2, stride 2, padding 1, dilation 2) and a Conv2d with padding 'same'."""
    nodes = {
        "input": nir.Input(input_type=np.array([4, 11])),
        "c1": nir.Conv1d(input_shape=11, weight=f64(6, 2, 3), stride=2, padding=1, dilation=2, groups=2, bias=f64(6)),
        "flat": nir.Flatten(input_type={"input": np.array([6, 5])}, start_dim=0, end_dim=-1),
        "output": nir.Output(output_type=np.array([30])),
        "input2": nir.Input(input_type=np.array([1, 5, 5])),
        "same": nir.Conv2d(input_shape=(5, 5), weight=f32(2, 1, 3, 3), stride=1, padding="same", dilation=1, groups=1, bias=f32(2)),
        "output2": nir.Output(output_type=np.array([2, 5, 5])),
    }
    edges = [("input", "c1"), ("c1", "flat"), ("flat", "output"), ("input2", "same"), ("same", "output2")]
    return nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)


def recurrent():
    """The braille RNN's pattern: Affine -> CubaLIF with a recurrent Affine, fan-in."""
    n = 6
    nodes = {
        "input": nir.Input(input_type=np.array([3])),
        "fc": nir.Affine(weight=f32(n, 3), bias=f32(n)),
        "lif": nir.CubaLIF(tau_syn=pos(n), tau_mem=pos(n), r=f64(n), v_leak=np.zeros(n), v_threshold=np.ones(n)),
        "rec": nir.Linear(weight=f32(n, n)),
        "out": nir.Affine(weight=f64(2, n), bias=f64(2)),
        "output": nir.Output(output_type=np.array([2])),
    }
    edges = [("input", "fc"), ("fc", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "out"), ("out", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges)


def nested():
    """A graph inside a graph, with metadata on the outer graph and on a node."""
    inner = nir.NIRGraph.from_list(
        nir.Input(input_type=np.array([2])),
        nir.LI(tau=pos(2), r=f64(2), v_leak=f64(2)),
        nir.Output(output_type=np.array([2])),
    )
    lin = nir.Linear(weight=f64(2, 2), metadata={"origin": "test", "layer": 3})
    nodes = {
        "input": nir.Input(input_type=np.array([2])),
        "lin": lin,
        "sub": inner,
        "output": nir.Output(output_type=np.array([2])),
    }
    edges = [("input", "lin"), ("lin", "sub"), ("sub", "output")]
    g = nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)
    g.metadata = {"description": "nested fixture", "dt": 0.001, "sizes": np.array([2, 2])}
    return g


FIXTURES = {
    "chain_affine_lif": (chain_affine_lif, "gzip"),
    "all_neurons": (all_neurons, "gzip"),
    "conv2d_pool": (conv2d_pool, "gzip"),
    "conv1d_same": (conv1d_same, None),
    "recurrent": (recurrent, "gzip"),
    "nested": (nested, "gzip"),
}


def as_json(value):
    if isinstance(value, bytes):
        return {"dtype": "str", "shape": [], "values": [value.decode()]}
    arr = np.asarray(value)
    if arr.dtype == object:
        return {"dtype": "str", "shape": list(arr.shape), "values": [v.decode() for v in arr.ravel()]}
    return {"dtype": str(arr.dtype), "shape": list(arr.shape), "values": [v.item() for v in arr.ravel()]}


def dump(group):
    out = {}
    for key, item in group.items():
        out[key] = dump(item) if isinstance(item, h5py.Group) else as_json(item[()])
    return out


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    expected = {}
    for name, (build, compression) in FIXTURES.items():
        path = OUT / f"{name}.nir"
        if compression is None:
            nir.write(path, build(), compression=None)
        else:
            nir.write(path, build())
        with h5py.File(path, "r") as f:
            expected[name] = dump(f["node"])
    (OUT / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(FIXTURES)} fixtures to {OUT}")


if __name__ == "__main__":
    main()
