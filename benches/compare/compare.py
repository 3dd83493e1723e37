#!/usr/bin/env python3
"""Littoral against Rockpool 3.1.0 (numpy and jitted Jax on the CPU) on the standard
workloads W1–W4, in one run on one machine, with this machine's bounds (measured by the
`workloads` example in the same run). W5 (snapshots) has no Rockpool counterpart.

Needs: pip install "rockpool==3.1.0" numpy scipy "jax[cpu]" matplotlib
Usage (from the repository root):

    python3 benches/compare/compare.py [--quick] [--runs K] [--skip-numpy-slow]
                                       [--json out.json] [--plot docs/perf_w1.png]

Prints one row per workload: medians in ms, Littoral's speed-up over each Rockpool
backend, and how close Littoral comes to its bound. Rockpool is timed on the evolution
alone (construction, input generation and JIT compilation excluded), as in
`rockpool_workloads.py` (the workload definitions, copied from the reference script).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import rockpool_workloads as rw  # noqa: E402


def run_littoral(args):
    """Run the `workloads` example and return its JSON document."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "littoral.json")
        cmd = ["cargo", "run", "--release", "--quiet", "-p", "littoral-benches", "--example", "workloads", "--",
               "--runs", str(args.littoral_runs), "--json", out]
        if args.quick:
            cmd.append("--quick")
        print("$", " ".join(cmd), flush=True)
        subprocess.run(cmd, cwd=ROOT, check=True)
        with open(out) as f:
            return json.load(f)


def run_rockpool(args):
    """Time Rockpool (numpy, then jitted Jax) on W1–W4: {(workload, backend): ms}."""
    res = {}
    runs = args.runs
    sizes = (100, 1000) if args.quick else (100, 1000, 10000)
    w2_bt = (8, 250) if args.quick else (32, 1000)
    w3_t = 2000 if args.quick else 10000
    w4_bt = (2, 100) if args.quick else (4, 500)
    for backend in ("numpy", "jax"):
        name = "numpy" if backend == "numpy" else "jax-jit"
        slow = backend == "numpy" and args.skip_numpy_slow
        for n in sizes:
            if slow and n == 10000:
                continue
            reps = 1 if (backend == "numpy" and n == 10000) else runs
            res[(f"W1 N={n}", name)] = rw.w1(n, backend, reps) * 1e3
            print(f"  Rockpool {name:<8} W1 N={n:<6} {res[(f'W1 N={n}', name)]:10.1f} ms", flush=True)
        res[("W2", name)] = rw.w2(backend, runs, *w2_bt) * 1e3
        print(f"  Rockpool {name:<8} W2          {res[('W2', name)]:10.1f} ms", flush=True)
        res[("W3", name)] = rw.w3(backend, 1 if backend == "numpy" else runs, t=w3_t) * 1e3
        print(f"  Rockpool {name:<8} W3          {res[('W3', name)]:10.1f} ms", flush=True)
        if not slow:
            res[("W4", name)] = rw.w4(backend, 1 if backend == "numpy" else runs, *w4_bt) * 1e3
            print(f"  Rockpool {name:<8} W4          {res[('W4', name)]:10.1f} ms", flush=True)
    return res


def machine():
    info = {}
    try:
        info["lscpu"] = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    except OSError:
        info["lscpu"] = ""
    info["nproc"] = os.cpu_count()
    try:
        with open("/proc/meminfo") as f:
            info["mem_total"] = f.readline().split(":")[1].strip()
    except OSError:
        info["mem_total"] = "?"
    info["load"] = os.getloadavg()
    return info


def table(lit, rock):
    """Rows for the comparison: (workload, littoral ms, numpy ms, jax ms, bound name, bound ratio)."""
    by_name = {r["workload"]: r for r in lit["rows"]}
    rows = []
    for w in ["W1 N=100", "W1 N=1000", "W1 N=10000", "W2", "W3", "W4"]:
        key = {"W4": "W4 sweep, 2 threads"}.get(w, w)
        r = by_name.get(key)
        if r is None:
            continue
        rows.append({
            "workload": w,
            "littoral_ms": r["ms"],
            "neuron_steps_per_s": r["per_s"],
            "numpy_ms": rock.get((w, "numpy")),
            "jax_ms": rock.get((w, "jax-jit")),
            "bound": r["bound"],
            "ratio_to_bound": r["ratio_to_bound"],
        })
    return rows


def fmt(v, spec):
    return format(v, spec) if v is not None else "—"


def print_table(rows, lit):
    print()
    print(f"{'workload':<12} {'Littoral':>10} {'numpy':>10} {'Jax jit':>10} {'× numpy':>8} {'× Jax':>7}  bound")
    for r in rows:
        sn = r["numpy_ms"] / r["littoral_ms"] if r["numpy_ms"] else None
        sj = r["jax_ms"] / r["littoral_ms"] if r["jax_ms"] else None
        b = f"{r['ratio_to_bound']:.2f}× {r['bound']}" if r["ratio_to_bound"] is not None else ""
        print(f"{r['workload']:<12} {r['littoral_ms']:10.2f} {fmt(r['numpy_ms'], '10.1f')} {fmt(r['jax_ms'], '10.1f')} "
              f"{fmt(sn, '8.1f')} {fmt(sj, '7.1f')}  {b}")
    print()
    others = [r for r in lit["rows"] if r["workload"] not in {x["workload"] for x in rows}]
    for r in others:
        b = f"  {r['ratio_to_bound']:.2f}× {r['bound']}" if r.get("ratio_to_bound") is not None else ""
        unit = "GB/s" if r["unit"] == "B" else "M/s"
        rate = r["per_s"] / (1e9 if r["unit"] == "B" else 1e6)
        print(f"  {r['workload']:<28} {r['ms']:10.2f} ms {rate:9.2f} {unit}{b}")
    print("bounds:", json.dumps(lit["bounds"], indent=None))
    print("extra:", json.dumps(lit["extra"], indent=None))


def plot(rows, lit, rock, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns, lt, npy, jx = [], [], [], []
    for r in rows:
        if r["workload"].startswith("W1 N="):
            ns.append(int(r["workload"].split("=")[1]))
            lt.append(r["littoral_ms"])
            npy.append(r["numpy_ms"])
            jx.append(r["jax_ms"])
    bw = lit["bounds"].get("copy_gb_s")
    fig, ax = plt.subplots(figsize=(7, 4.6), dpi=110)
    ax.loglog(ns, lt, "o-", label="Littoral (f64)", color="#1f77b4", lw=2)
    if any(v is not None for v in npy):
        pts = [(n, v) for n, v in zip(ns, npy) if v is not None]
        ax.loglog(*zip(*pts), "s-", label="Rockpool numpy", color="#d62728")
    if any(v is not None for v in jx):
        pts = [(n, v) for n, v in zip(ns, jx) if v is not None]
        ax.loglog(*zip(*pts), "^-", label="Rockpool Jax (jit, CPU)", color="#ff7f0e")
    if bw:
        bound = [(2 * 8 * 10 * 1000 * n) / (bw * 1e9) * 1e3 for n in ns]
        ax.loglog(ns, bound, "k--", label=f"memory bound (copy, {bw:.0f} GB/s)", lw=1)
    ax.set_xlabel("neurons N  (LIF(N), B=10, T=1000)")
    ax.set_ylabel("evolution time [ms], median")
    ax.set_title("W1: time versus N, same machine, same run")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    print(f"wrote {path}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller sizes, fewer runs")
    ap.add_argument("--runs", type=int, default=3, help="Rockpool runs per workload (median)")
    ap.add_argument("--littoral-runs", type=int, default=7, help="Littoral runs per workload (median)")
    ap.add_argument("--skip-numpy-slow", action="store_true", help="skip numpy W1 N=10000 and W4 (minutes each)")
    ap.add_argument("--json", help="write everything measured here")
    ap.add_argument("--plot", help="write the W1 time-versus-N plot (PNG)")
    args = ap.parse_args()
    if args.quick:
        args.runs = min(args.runs, 2)
        args.littoral_runs = min(args.littoral_runs, 3)

    mach = machine()
    print(f"machine: {mach['nproc']} CPUs, {mach['mem_total']}, load {mach['load']}")
    lit = run_littoral(args)
    print("Rockpool 3.1.0:", flush=True)
    rock = run_rockpool(args)
    rows = table(lit, rock)
    print_table(rows, lit)
    if args.plot:
        plot(rows, lit, rock, args.plot)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({
                "machine": mach,
                "littoral": lit,
                "rockpool": [{"workload": w, "backend": b, "ms": ms} for (w, b), ms in rock.items()],
                "rows": rows,
            }, f, indent=1)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
