"""Two builds of the `littoral` command line on one workload file, run by run in turn:
the median `evolve_seconds` of each and the median of the pairs' ratios (B / A), the
comparison to trust on a VM whose speed moves between minutes.

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

        def evolve_ms(exe):
            cmd = [exe, "simulate", args.net, "-i", args.input, "-o", out, "--summary", summary, "--quiet"]
            if args.threads:
                cmd += ["--threads", str(args.threads)]
            warm_cores(args.warm)
            subprocess.run(cmd, check=True)
            with open(summary) as f:
                return json.load(f)["evolve_seconds"] * 1e3

        times = {args.bin_a: [], args.bin_b: []}
        for exe in times:
            evolve_ms(exe)
        for i in range(args.pairs):
            for exe in (args.bin_a, args.bin_b) if i % 2 == 0 else (args.bin_b, args.bin_a):
                times[exe].append(evolve_ms(exe))
    a, b = times[args.bin_a], times[args.bin_b]
    paired = statistics.median(y / x for x, y in zip(a, b))
    print(f"A {statistics.median(a):.2f} ms (fastest {min(a):.2f})   B {statistics.median(b):.2f} ms "
          f"(fastest {min(b):.2f})   B / A, median of the pairs {paired:.3f}   ({args.pairs} pairs)")


if __name__ == "__main__":
    main()
