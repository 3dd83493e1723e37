"""Two builds of the `littoral` command line on one workload file, run by run in turn:
the median `evolve_seconds` of each and the median of the pairs' ratios (B / A), the
comparison to trust on a VM whose speed moves between minutes; then the same for the
whole process (wall time from the start of the command to its exit), with the median
peak resident memory of each build.

    python3 benches/compare/cli_ab.py PAIRS NET INPUT BIN_A BIN_B [--threads K] [--warm S]

NET and INPUT as `cli_workloads.py` writes them; BIN_A and BIN_B two copies of
`target/release/littoral` (build one, copy it aside, change, build the other). Each
binary runs once untimed first (the page cache); then PAIRS pairs, every other pair in
the other order. With `--warm S`, both cores are kept busy S seconds before each run, as
`compare.py` does (`machine.warm_cores`).
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time

from machine import warm_cores


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pairs", type=int)
    ap.add_argument("net")
    ap.add_argument("input")
    ap.add_argument("bin_a")
    ap.add_argument("bin_b")
    ap.add_argument("--threads", type=int)
    ap.add_argument("--warm", type=float, default=0.0, help="seconds both cores are kept busy before each run")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out, summary = os.path.join(tmp, "y.npy"), os.path.join(tmp, "s.json")

        def run(exe):
            """One run of `exe`: (evolve_seconds in ms, the whole process in ms, peak RSS in MB)."""
            cmd = [exe, "simulate", args.net, "-i", args.input, "-o", out, "--summary", summary, "--quiet"]
            if args.threads:
                cmd += ["--threads", str(args.threads)]
            warm_cores(args.warm)
            started = time.perf_counter()
            child = subprocess.Popen(cmd)
            _, status, usage = os.wait4(child.pid, 0)
            wall = (time.perf_counter() - started) * 1e3
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"{exe} failed: {cmd}")
            with open(summary) as f:
                return json.load(f)["evolve_seconds"] * 1e3, wall, usage.ru_maxrss / 1024

        runs = {args.bin_a: [], args.bin_b: []}
        for exe in runs:
            run(exe)
        for i in range(args.pairs):
            for exe in (args.bin_a, args.bin_b) if i % 2 == 0 else (args.bin_b, args.bin_a):
                runs[exe].append(run(exe))
    for what, col, unit in (("evolve_seconds", 0, "ms"), ("whole process", 1, "ms")):
        a = [r[col] for r in runs[args.bin_a]]
        b = [r[col] for r in runs[args.bin_b]]
        paired = statistics.median(y / x for x, y in zip(a, b))
        print(f"{what}: A {statistics.median(a):.2f} {unit} (fastest {min(a):.2f})   B {statistics.median(b):.2f} "
              f"{unit} (fastest {min(b):.2f})   B / A, median of the pairs {paired:.3f}   ({args.pairs} pairs)")
    rss = [statistics.median(r[2] for r in runs[exe]) for exe in (args.bin_a, args.bin_b)]
    print(f"peak RSS: A {rss[0]:.0f} MB   B {rss[1]:.0f} MB")


if __name__ == "__main__":
    main()
