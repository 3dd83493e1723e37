#!/usr/bin/env python3
"""Golden files for Littoral's f32 path: Rockpool 3.1.0's Jax modules (LIFJax, LinearJax),
which compute in float32.

Regenerate (from the repository root):

    pip install "rockpool==3.1.0" numpy scipy "jax[cpu]" && python3 tests/golden/gen_jax.py

Writes tests/golden/jax/<case>.json in the format of tests/golden/data (see README.md
there), with `"precision": "f32"` in every LIF and Linear's options and Littoral's
submodule names (`1_LIF`, not `1_LIFJax`). Every parameter and
input value is a float32 number (written as the float64 of the same value), so both
sides start from identical float32 numbers. Noise is off (Jax draws its own noise).
The script checks that no membrane potential lies within 1e-4 (relative) of a multiple of
the threshold, so that the exact spike comparison does not hinge on one float32 rounding.
"""

import json
import os
import sys
import warnings

warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402

import rockpool  # noqa: E402
from rockpool.nn.combinators import Sequential  # noqa: E402
from rockpool.nn.modules import LIFJax, LinearJax  # noqa: E402

if rockpool.__version__ != "3.1.0":
    sys.exit(f"rockpool {rockpool.__version__} installed; the golden files need 3.1.0")

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "jax")
MARGIN = 1e-4


def f32(a):
    """float32-representable float64 values (as nested lists or a float)."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def js(a):
    a = np.asarray(a, dtype=np.float64)
    return a.tolist() if a.ndim else float(a)


def lif_spec(n_in, n, rng, random_params, has_rec):
    s = n_in // n
    p = {
        "tau_mem": f32(rng.uniform(0.01, 0.05, n) if random_params else np.full(n, 0.02)),
        "tau_syn": f32(rng.uniform(0.005, 0.04, (n, s)) if random_params else np.full((n, s), 0.02)),
        "bias": f32(rng.uniform(-0.05, 0.1, n) if random_params else np.zeros(n)),
        "threshold": f32(rng.uniform(0.7, 1.5, n) if random_params else np.ones(n)),
    }
    if has_rec:
        w = rng.normal(0, 0.3, (n, n_in))
        for i in range(n):
            w[i, i * s:(i + 1) * s] = -np.abs(w[i, i * s:(i + 1) * s])
        p["w_rec"] = f32(w)
    shape = [n] if n_in == n else [n_in, n]
    spec = {
        "class": "LIF",
        "shape": shape,
        "options": {"has_rec": has_rec, "precision": "f32"},
        "parameters": {k: js(v) for k, v in p.items()},
        "simulation_parameters": {"dt": 1e-3, "noise_std": 0.0, "max_spikes_per_dt": 65536.0},
    }
    mod = LIFJax(
        tuple(shape) if len(shape) == 2 else n,
        has_rec=has_rec,
        dt=1e-3,
        noise_std=0.0,
        **{k: np.asarray(v, dtype=np.float32) for k, v in p.items()},
    )
    return spec, mod


def linear_spec(n_in, n_out, rng):
    w = f32(rng.uniform(-np.sqrt(6 / n_in), np.sqrt(6 / n_in), (n_in, n_out)))
    spec = {
        "class": "Linear",
        "shape": [n_in, n_out],
        "options": {"has_bias": False, "precision": "f32"},
        "parameters": {"weight": js(w)},
    }
    return spec, LinearJax((n_in, n_out), weight=np.asarray(w, dtype=np.float32))


def check_margin(name, rec, thresholds):
    """No potential before reset within MARGIN of an integer multiple of the threshold."""
    vmem = np.asarray(rec["vmem"], dtype=np.float64)
    spikes = np.asarray(rec["spikes"], dtype=np.float64)
    thr = np.asarray(thresholds, dtype=np.float64)
    ratio = (vmem + spikes * thr) / thr
    dist = np.abs(ratio - np.round(ratio))
    worst = float(dist.min())
    return worst


def flatten(d, prefix=""):
    out = {}
    for k, v in d.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        key = key.replace("LinearJax", "Linear").replace("LIFJax", "LIF")
        if isinstance(v, dict):
            out.update(flatten(v, key))
        else:
            a = np.asarray(v)
            if a.dtype.kind in "f":
                out[key] = js(a.astype(np.float64))
    return out


def case(name, description, build, seed, lif_record_prefix=""):
    """`build(rng) -> (spec, module, input, thresholds)`; seeds are tried from `seed` on
    until no potential is near a multiple of the threshold."""
    for attempt in range(50):
        spec, mod, x, thresholds = build(np.random.default_rng(seed + 1000 * attempt))
        out, state, rec = mod(np.asarray(x, dtype=np.float32), record=True)
        lif_rec = rec
        for part in lif_record_prefix.split(".") if lif_record_prefix else []:
            lif_rec = lif_rec[part + "Jax"]
        worst = check_margin(name, lif_rec, thresholds)
        if worst >= MARGIN:
            break
    else:
        sys.exit(f"{name}: no seed without a near-threshold potential")
    state = flatten(state)
    state.pop("rng_key", None)
    state = {k: v for k, v in state.items() if not k.endswith("rng_key")}
    doc = {
        "case": name,
        "description": description,
        "rockpool": rockpool.__version__,
        "network": spec,
        "input": js(x),
        "record_flag": True,
        "output": js(np.asarray(out, dtype=np.float64)),
        "state": state,
        "record": flatten(rec),
    }
    path = os.path.join(OUT, f"{name}.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    spk = np.asarray(out)
    print(f"{name:<22} {os.path.getsize(path):7d} B  spikes {spk.sum():7.0f}  max {spk.max():3.0f}  margin {worst:.1e}")


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith(".json"):
            os.remove(os.path.join(OUT, f))

    def lif_case(n_in, n, random_params, has_rec, lo, hi, shape):
        def build(rng):
            spec, mod = lif_spec(n_in, n, rng, random_params, has_rec)
            x = f32(rng.uniform(lo, hi, shape))
            return spec, mod, x, spec["parameters"]["threshold"]

        return build

    case("jax_lif_default", "LIFJax(6), defaults, input U[0,0.6)", lif_case(6, 6, False, False, 0, 0.6, (2, 40, 6)), 10)
    case("jax_lif_random", "LIFJax(5), random parameters, input U[-0.2,0.8)",
         lif_case(5, 5, True, False, -0.2, 0.8, (3, 40, 5)), 11)
    case("jax_lif_recurrent", "LIFJax(6, has_rec), self-inhibiting w_rec, input U[0,0.5)",
         lif_case(6, 6, True, True, 0, 0.5, (2, 40, 6)), 12)
    case("jax_lif_multisyn", "LIFJax((8, 4)): 2 synapses per neuron, input U[0,0.5)",
         lif_case(8, 4, True, False, 0, 0.5, (2, 40, 8)), 13)

    def linear_lif(rng):
        lin_spec, lin = linear_spec(16, 8, rng)
        lif_s, lif = lif_spec(8, 8, rng, True, False)
        x = f32((rng.random((2, 50, 16)) < 0.1).astype(np.float64))
        spec = {"class": "Sequential", "modules": [lin_spec, lif_s]}
        return spec, Sequential(lin, lif), x, lif_s["parameters"]["threshold"]

    case("jax_linear_lif", "Sequential(LinearJax(16->8), LIFJax(8)), Bernoulli(0.1) spikes", linear_lif, 14,
         "1_LIF")

if __name__ == "__main__":
    main()
