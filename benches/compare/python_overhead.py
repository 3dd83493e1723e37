#!/usr/bin/env python3
"""The cost of calling Littoral from Python, in one run on one machine.

1. One small call (T = 1, N = 16, B = 1) of a LIF: `littoral` (object style, and the pure
   `littoral.evolve`) against Rockpool 3.1.0's numpy `LIF` and, if Jax is installed, its
   jitted `LIFJax`. Targets (issue 14): a small call ≤ 20 µs and ≥ 10× faster than
   Rockpool numpy's.
2. W1 (LIF(N) alone, B=10, T=1000, N = 100 and 1000) and W2 (Linear 512→512 + LIF 512,
   B=32, T=1000, Bernoulli(0.05) input) through Python, against the same workloads through
   Rust (the `workloads` example, run here). Target: within 10 %.

Needs: pip install ./python "rockpool==3.1.0" numpy scipy ["jax[cpu]"]
Usage (from the repository root):

    python3 benches/compare/python_overhead.py [--quick] [--runs K] [--json out.json]
                                               [--skip-rust]

Medians of K runs; the machine's load is printed, and numbers measured on a loaded
machine mean little: compare ratios from one run.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

warnings.filterwarnings("ignore")
import numpy as np  # noqa: E402

import littoral  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def median_seconds(fn, repeats, inner=1):
    """Median over `repeats` of the mean time of `inner` back-to-back calls."""
    times = []
    for _ in range(max(1, repeats)):
        t = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t) / inner)
    return statistics.median(times)


def small_calls(runs, inner):
    """Seconds per call of one T=1, N=16 LIF step, per implementation."""
    res = {}
    x = np.random.default_rng(0).random((1, 1, 16))

    lif = littoral.LIF(16)
    res["littoral object call"] = median_seconds(lambda: lif(x), runs, inner)
    params, state = lif.init(0)
    res["littoral.evolve (pure)"] = median_seconds(lambda: littoral.evolve(lif, params, state, x), runs, inner)

    from rockpool.nn.modules import LIF

    rp = LIF(16)
    res["Rockpool numpy"] = median_seconds(lambda: rp(x), runs, max(1, inner // 10))

    try:
        import jax
        from rockpool.nn.modules import LIFJax

        mod = LIFJax(16)
        f = jax.jit(lambda m, x: m(x))
        jax.block_until_ready(f(mod, x))
        res["Rockpool Jax (jit)"] = median_seconds(lambda: jax.block_until_ready(f(mod, x)), runs, inner)
    except ImportError:
        print("(jax is not installed: Rockpool Jax skipped)")
    return res


def uniform(shape, seed):
    """Inputs of the Rust workloads' distribution (other values; LIF's cost does not
    depend on them)."""
    return np.random.default_rng(seed).random(shape)


def python_workloads(runs, quick):
    res = {}
    b1, t1 = 10, 1000
    for n in (100, 1000):
        x = uniform((b1, t1, n), 1)
        lif = littoral.LIF(n)
        lif(x)  # warm up
        res[f"W1 N={n}"] = median_seconds(lambda: (lif.reset_state(), lif(x)), runs)
    b2, t2 = (8, 250) if quick else (32, 1000)
    rng = np.random.default_rng(2)
    w = rng.uniform(-np.sqrt(6 / 512), np.sqrt(6 / 512), (512, 512))
    net = littoral.Sequential(littoral.Linear((512, 512), weight=w), littoral.LIF(512))
    x = (np.random.default_rng(3).random((b2, t2, 512)) < 0.05).astype(np.float64)
    net(x)
    res["W2"] = median_seconds(lambda: (net.reset_state(), net(x)), runs)
    return res


def rust_workloads(runs, quick):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "rust.json")
        cmd = ["cargo", "run", "--release", "--quiet", "-p", "littoral-benches", "--example", "workloads", "--",
               "--only", "W1,W2", "--sizes", "100,1000", "--runs", str(runs), "--no-bounds", "--json", out]
        if quick:
            cmd.append("--quick")
        print("$", " ".join(cmd), flush=True)
        subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        with open(out) as f:
            doc = json.load(f)
    return {r["workload"]: r["ms"] / 1e3 for r in doc["rows"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller W2 and fewer repeats")
    ap.add_argument("--runs", type=int, default=None, help="repeats per measurement (median)")
    ap.add_argument("--skip-rust", action="store_true", help="do not run the Rust workloads")
    ap.add_argument("--json", help="write everything measured here")
    args = ap.parse_args()
    runs = args.runs or (3 if args.quick else 7)
    print(f"load average {os.getloadavg()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
          f"littoral {littoral.__version__}")

    small = small_calls(runs, inner=200 if args.quick else 2000)
    print("\none call, T=1, N=16, B=1:")
    base = small["littoral object call"]
    for name, s in small.items():
        print(f"  {name:26s} {s * 1e6:10.1f} µs   ({s / base:6.1f}× littoral's object call)")

    py = python_workloads(runs, args.quick)
    rust = {} if args.skip_rust else rust_workloads(runs, args.quick)
    print("\nworkloads through Python against Rust (median ms):")
    for name, s in py.items():
        r = rust.get(name)
        extra = f"   Rust {r * 1e3:9.1f} ms   Python/Rust {s / r:5.2f}" if r else ""
        print(f"  {name:10s} Python {s * 1e3:9.1f} ms{extra}")

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"small_call_s": small, "python_s": py, "rust_s": rust, "load": os.getloadavg()}, f, indent=2)


if __name__ == "__main__":
    main()
