"""The standard workloads W1–W4 as files for the `littoral` command line: a network file
(JSON) and a `.npy` input per workload, the same networks and input statistics as
`rockpool_workloads.py` (weights from the same numpy generators), so the command line,
the library and Rockpool run the same work.

    python3 benches/compare/cli_workloads.py DIR [--quick]

writes DIR/w1_n{N}.json, DIR/w1_n{N}.npy, DIR/w2.json, DIR/w2.npy, DIR/w2_f32.json,
DIR/w3.json, DIR/w3.npy, DIR/w3_f32.json, DIR/w4.json, DIR/w4.npy and prints them as
JSON (W4's entry holds the two `--vary` axes of its 64-point sweep).
"""
import json
import os
import sys

import numpy as np


def lif(n, precision=None, **extra):
    m = {"class": "LIF", "shape": [n]}
    if precision:
        m["options"] = {"precision": precision}
    m.update(extra)
    return m


def w2_net(precision=None):
    rng = np.random.default_rng(2)
    w = rng.uniform(-np.sqrt(6 / 512), np.sqrt(6 / 512), (512, 512))
    linear = {"class": "Linear", "shape": [512, 512], "parameters": {"weight": w.tolist()}}
    if precision:
        linear["options"] = {"precision": precision}
    return {"class": "Sequential", "modules": [linear, lif(512, precision)]}


def w3_net(precision=None):
    n = 2048
    rng = np.random.default_rng(4)
    w = rng.normal(0, 0.02 / np.sqrt(n), (n, n))
    m = lif(n, precision, parameters={"w_rec": w.tolist()})
    m.setdefault("options", {})["has_rec"] = True
    return m, rng


def write(dirname, quick=False):
    os.makedirs(dirname, exist_ok=True)
    files = {}

    def put(name, net=None, x=None):
        entry = {}
        if net is not None:
            p = os.path.join(dirname, name + ".json")
            with open(p, "w") as f:
                json.dump(net, f)
            entry["net"] = p
        if x is not None:
            p = os.path.join(dirname, name + ".npy")
            np.save(p, np.ascontiguousarray(x, dtype=np.float64))
            entry["input"] = p
        files[name] = entry

    sizes = (100, 1000) if quick else (100, 1000, 10000)
    for n in sizes:
        x = np.random.default_rng(0).random((10, 1000, n))
        put(f"w1_n{n}", lif(n), x)
        if n == 1000:
            put(f"w1_n{n}_f32", lif(n, "f32"))
    b2, t2 = (8, 250) if quick else (32, 1000)
    put("w2", w2_net(), (np.random.default_rng(3).random((b2, t2, 512)) < 0.05).astype(float))
    put("w2_f32", w2_net("f32"))
    t3 = 2000 if quick else 10000
    net, rng = w3_net()
    put("w3", net, (rng.random((1, t3, 2048)) < 0.02).astype(float) * 0.12)
    put("w3_f32", w3_net("f32")[0])
    b4, t4 = (2, 100) if quick else (4, 500)
    put("w4", w2_net(), (np.random.default_rng(5).random((b4, t4, 512)) < 0.05).astype(float))
    fmt = lambda v: ",".join(repr(float(x)) for x in v)  # noqa: E731
    files["w4"]["vary"] = [
        "1_LIF.tau_mem=" + fmt(np.linspace(0.01, 0.08, 8)),
        "1_LIF.threshold=" + fmt(np.linspace(0.5, 2.0, 8)),
    ]
    return files


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print(json.dumps(write(sys.argv[1], "--quick" in sys.argv), indent=1))
