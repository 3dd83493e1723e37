#!/usr/bin/env python3
"""Littoral against Rockpool 3.1.0 (numpy and jitted Jax on the CPU) on the standard
workloads W1–W4, in one run on one machine, with this machine's bounds (measured by the
`workloads` example in the same run). W5 (snapshots) has no Rockpool counterpart.

Littoral is timed two ways, side by side:
- through the library (the `workloads` example: `evolve` calls, median of runs);
- through the command line a user runs, `littoral simulate NET.json -i X.npy -o Y.npy
  --summary S.json --quiet` on the same networks and inputs written as files
  (`cli_workloads.py`): the evolution alone (`evolve_seconds` of the summary) and the
  whole process (reading the files, evolving, writing the output) separately; W4 as
  `littoral sweep … --summary S.json --quiet` (the sweep loop alone, `sweep_seconds` of
  the summary, and the whole process). Threads: all cores, and 1 for W1 N=1000, W2 and
  W4 to give the 1 → 2 thread speed-up: each 1-thread run beside an all-cores run (every
  other pair the 1-thread run first), so that both sides of each pair's ratio run
  seconds apart; the median of those ratios is printed beside the ratio of the medians.
  Each timed command-line run starts after both cores were kept busy for --warm seconds
  (default 0.5; `machine.py` says why), and the machine's 2-core bound
  (`machine.core_scaling`) and the LIF kernel's own 1 → 2 scaling in cache (the
  `kernel_scaling` example), both measured right after each pair, are printed beside the
  speed-ups. W1 N=1000 streams memory, so
  after each of its pairs two streaming rates on one core and on both are measured too,
  and the run's rates on 1 and 2 threads are printed against them: the copy
  (`machine.copy_rates`, glibc's `memcpy` between two buffers) and a pass in place over
  W1's 80 MB (the `stream_scaling` example: W1's own memory pattern, with no neuron
  model). On the development VMs the pass in place moves about twice the copy's bytes
  per second on one core and gains little from a second one.
  After each command-line run of W1 (N = 100, 1000), W2 and W3, the library runs the
  same workload at once (`workloads --only …`, median of 3 calls in one process): the
  "CLI evolve / library (side by side)" ratio compares times taken seconds apart, not
  minutes (the table's "library" column is the first pass, with the bounds). Then the
  `first_call` example times the library's one evolution in a fresh process that read the
  same files, as the CLI does ("library first call"): the CLI's own cost without the cold
  start of a process's first evolution, which the side-by-side calls do not pay.
  W3 also runs in rounds against Rockpool numpy (--w3-rounds, default 3): a numpy run,
  then the CLI's W3 and W3 f32 at once, and the medians of the rounds' ratios (the
  table's numpy W3 is one run, minutes away from the CLI's).

Needs: pip install "rockpool==3.1.0" numpy scipy "jax[cpu]" matplotlib
(without Jax the Jax columns are left empty and the run says so).
Usage (from the repository root):

    python3 benches/compare/compare.py [--quick] [--runs K] [--skip-numpy-slow]
        [--no-cli] [--json out.json] [--markdown out.md] [--plot docs/perf_w1.png]
        [--brian2-python /work/venv-brian2/bin/python]

With --brian2-python, the CUBA rows against Brian2 follow the table (issue 12; run by
`brian2_cuba.py --compare` in that Python, whose docstring says how).

Prints one row per workload: medians in ms, Littoral's speed-up over each Rockpool
backend, and how close Littoral comes to its bound. Rockpool is timed on the evolution
alone (construction, input generation and JIT compilation excluded), as in
`rockpool_workloads.py` (the workload definitions, copied from the reference script).
"""
import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import cli_workloads  # noqa: E402
from machine import copy_rates, core_scaling, warm_cores  # noqa: E402
import rockpool_workloads as rw  # noqa: E402

HAVE_JAX = importlib.util.find_spec("jax") is not None


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


def w3_steps(args):
    """W3's number of steps: 2000 with --quick (as `cli_workloads.write` writes it), else 10000."""
    return 2000 if args.quick else 10000


def run_rockpool(args):
    """Time Rockpool (numpy, then jitted Jax) on W1–W4: {(workload, backend): ms}."""
    res = {}
    runs = args.runs
    sizes = (100, 1000) if args.quick else (100, 1000, 10000)
    w2_bt = (8, 250) if args.quick else (32, 1000)
    w3_t = w3_steps(args)
    w4_bt = (2, 100) if args.quick else (4, 500)
    backends = ("numpy", "jax") if HAVE_JAX else ("numpy",)
    if not HAVE_JAX:
        print("  Jax is not installed: Rockpool numpy only", flush=True)
    for backend in backends:
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


def npy_data_bytes(path):
    """The bytes of a version 1–3 `.npy` file's array (the file less its header)."""
    with open(path, "rb") as f:
        head = f.read(12)
    if head[:6] != b"\x93NUMPY":
        raise ValueError(f"{path}: not a .npy file")
    header = 10 + int.from_bytes(head[8:10], "little") if head[6] == 1 else 12 + int.from_bytes(head[8:12], "little")
    return os.path.getsize(path) - header


def littoral_bin():
    """Build the `littoral` binary (release) and return its path."""
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "littoral"], cwd=ROOT, check=True)
    return os.path.join(ROOT, "target", "release", "littoral")


def run_cli(args):
    """Time `littoral simulate` (and `sweep` for W4) on the workload files:
    ({workload: {"evolve_ms", "wall_ms", ...}} medians of --littoral-runs runs, the
    machine's 2-core bound `core_scaling` measured three times between them). Each run
    starts after both cores were kept busy for --warm seconds (`machine.py`), and rows with
    a library counterpart time it right after each CLI run ("library_side_by_side_ms"), and
    the `first_call` example too ("library_first_call_ms")."""
    exe = littoral_bin()
    # The library's side of each CLI row (built by `run_littoral`).
    lib_exe = os.path.join(ROOT, "target", "release", "examples", "workloads")
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "littoral-benches", "--example", "first_call",
                    "--example", "kernel_scaling", "--example", "stream_scaling"], cwd=ROOT, check=True)
    first_exe = os.path.join(ROOT, "target", "release", "examples", "first_call")
    kernel_exe = os.path.join(ROOT, "target", "release", "examples", "kernel_scaling")
    stream_exe = os.path.join(ROOT, "target", "release", "examples", "stream_scaling")
    res = {}
    scaling = [core_scaling()]
    runs = max(1, args.littoral_runs)
    with tempfile.TemporaryDirectory() as tmp:
        files = cli_workloads.write(os.path.join(tmp, "in"), args.quick)
        out = os.path.join(tmp, "y.npy")
        summary = os.path.join(tmp, "s.json")

        def library(only, size):
            """The library's time of every row of `workloads --only ONLY --sizes SIZE`
            (median of 3 calls in one process), in ms."""
            doc = os.path.join(tmp, "library.json")
            subprocess.run([lib_exe, "--only", only, "--sizes", str(size), "--runs", "3", "--no-bounds",
                            "--json", doc] + (["--quick"] if args.quick else []),
                           check=True, stdout=subprocess.DEVNULL)
            with open(doc) as f:
                return {r["workload"]: r["ms"] for r in json.load(f)["rows"]}

        def first_call(net, x):
            """The library's one evolution of `x` in a fresh process that read `net` and `x`
            as the CLI does (the `first_call` example), in ms."""
            done = subprocess.run([first_exe, net, x], check=True, capture_output=True, text=True)
            return float(done.stdout) * 1e3

        def kernel_scaling():
            """The LIF kernel's neuron-steps per second on every core over one core, now
            (the `kernel_scaling` example, 0.1 s each way)."""
            done = subprocess.run([kernel_exe, "0.1"], check=True, capture_output=True, text=True)
            return json.loads(done.stdout)["scaling"]

        def stream_rates():
            """(GB/s on one core, GB/s on every core) of a pass in place over W1's 80 MB,
            now (the `stream_scaling` example, 0.1 s each way)."""
            done = subprocess.run([stream_exe, "0.1"], check=True, capture_output=True, text=True)
            got = json.loads(done.stdout)
            return got["one_thread_gb_per_s"], got["all_threads_gb_per_s"]

        def simulate_cmd(net, x):
            """`littoral simulate` of `net` on `x`, writing the output and the summary."""
            return [exe, "simulate", net, "-i", x, "-o", out, "--summary", summary, "--quiet"]

        def timed(cmd, key):
            """One run of `cmd` after warm cores: (the JSON summary's `key`, wall seconds)."""
            warm_cores(args.warm)
            t = time.perf_counter()
            subprocess.run(cmd, check=True)
            wall = time.perf_counter() - t
            with open(summary) as f:
                return json.load(f)[key], wall

        def alternated(cmd, key, one_thread, after=None, streamed=False):
            """`runs` + 1 runs of `cmd` (the first warms the page cache) and, with
            `one_thread`, a `--threads 1` run beside each (every other pair that one
            first) and the machine's 2-core bound right after each pair (`core_scaling`,
            0.05 s; the LIF kernel's own, `kernel_scaling`, 0.1 s), and with `streamed` the
            copy's and the pass in place's rates too (`copy_rates`, `stream_rates`, 0.1 s
            each way); `after()` after each. {1-thread: ([the summary's `key`], [wall s]),
            "bound": [2-core bound after each pair], "kernel": [the kernel's], "copy" and
            "stream": [(1-core, all-core GB/s)]}."""
            got = {False: ([], []), True: ([], []), "bound": [], "kernel": [], "copy": [], "stream": []}
            for i in range(runs + 1):
                order = (False, True) if i % 2 == 0 else (True, False)
                for single in order if one_thread else (False,):
                    value, wall = timed(cmd + (["--threads", "1"] if single else []), key)
                    got[single][0].append(value)
                    got[single][1].append(wall)
                if one_thread:
                    got["bound"].append(core_scaling(seconds=0.05, rounds=1))
                    got["kernel"].append(kernel_scaling())
                    if streamed:
                        got["copy"].append(copy_rates(0.1))
                        got["stream"].append(stream_rates())
                if after:
                    after()
            return got

        def record(name, key, got, lib=None, first=None, streamed_bytes=None):
            """res[name] (and res[name + ", 1 thread"], with the median of the pairs'
            speed-ups, when there are 1-thread runs) from `alternated`'s runs, the first
            dropped, with the library's side-by-side and first-call times `lib` and
            `first`; `key` is "evolve_ms" or "sweep_ms". With `streamed_bytes` (what one
            run reads and writes at the least) and streaming rates after each pair, the
            rates each thread count reached against the copy's and the pass in place's on
            as many cores."""
            for single, suffix in ((False, ""), (True, ", 1 thread")):
                inner, wall = got[single]
                if inner:
                    res[name + suffix] = {
                        "evolve_ms": None,
                        key: statistics.median(inner[1:]) * 1e3,
                        "wall_ms": statistics.median(wall[1:]) * 1e3,
                        "library_side_by_side_ms": None if single or not lib else statistics.median(lib[1:]),
                        "library_first_call_ms": None if single or not first else statistics.median(first[1:]),
                        "threads": 1 if single else None,
                    }
            if got[True][0]:
                res[name]["speedup_paired"] = statistics.median(
                    a / b for a, b in zip(got[True][0][1:], got[False][0][1:]))
                # Each pair's speed-up over a bound measured right after it: what the code
                # reaches of what the machine gave at that moment.
                for bound in ("bound", "kernel"):
                    pairs = list(zip(got[True][0][1:], got[False][0][1:], got[bound][1:]))
                    res[name][f"speedup_over_{bound}_paired"] = statistics.median(a / b / c for a, b, c in pairs)
                    res[name][f"{bound}_paired"] = statistics.median(c for _, _, c in pairs)
            if streamed_bytes and got["copy"]:
                # A run that streams memory against two streaming rates on as many cores
                # measured right after its pair.
                gb = streamed_bytes / 1e9
                res[name]["streamed_gb"] = gb
                for rate in ("copy", "stream"):
                    pairs = list(zip(got[True][0][1:], got[False][0][1:], got[rate][1:]))
                    res[name][f"of_{rate}_1_thread_paired"] = statistics.median(gb / one / c[0] for one, _, c in pairs)
                    res[name][f"of_{rate}_all_threads_paired"] = statistics.median(
                        gb / two / c[1] for _, two, c in pairs)
                    res[name][f"{rate}_scaling_paired"] = statistics.median(c[1] / c[0] for _, _, c in pairs)

        def simulate(name, net, x, side=None, one_thread=False, streamed_bytes=None):
            """Time the CLI on `net` and `x`; with `side` = (ONLY, SIZE), the library's
            same workload right after each CLI run (the two sides of the ratio seconds
            apart, not minutes), and its first call in a fresh process; with
            `one_thread`, a `--threads 1` run beside each run (every other one first), and
            the median of the pairs' speed-ups (and with `streamed_bytes`, the copy
            rates after each pair: see `record`)."""
            cmd = simulate_cmd(net, x)
            lib, first = [], []

            def after():
                warm_cores(args.warm)
                lib.append(library(*side)[name])
                warm_cores(args.warm)
                first.append(first_call(net, x))

            record(name, "evolve_ms",
                   alternated(cmd, "evolve_seconds", one_thread, after if side else None, bool(streamed_bytes)),
                   lib, first, streamed_bytes)
            r = res[name]
            beside = (f"   library side by side {r['library_side_by_side_ms']:9.2f} ms   first call "
                      f"{r['library_first_call_ms']:9.2f} ms" if side else "")
            print(f"  littoral CLI {name:<22} evolve {r['evolve_ms']:9.2f} ms   whole process {r['wall_ms']:9.1f} ms"
                  + beside, flush=True)
            if one_thread:
                r1 = res[f"{name}, 1 thread"]
                print(f"  littoral CLI {name + ', 1 thread':<22} evolve {r1['evolve_ms']:9.2f} ms   whole process "
                      f"{r1['wall_ms']:9.1f} ms   speed-up, median of the pairs {r['speedup_paired']:.2f}x",
                      flush=True)

        for key, entry in files.items():
            if not key.startswith("w1_n") or key.endswith("_f32"):
                continue
            n = key[len("w1_n"):]
            # W1 reads its input once and writes its output over it: twice the input's bytes.
            simulate(f"W1 N={n}", entry["net"], entry["input"], side=("W1", n) if n != "10000" else None,
                     one_thread=n == "1000", streamed_bytes=2 * npy_data_bytes(entry["input"]) if n == "1000" else None)
            if n == "1000":
                simulate("W1 N=1000 f32", files["w1_n1000_f32"]["net"], entry["input"], side=("W1", n))
        scaling.append(core_scaling())
        simulate("W2", files["w2"]["net"], files["w2"]["input"], side=("W2", 512), one_thread=True)
        simulate("W2 f32", files["w2_f32"]["net"], files["w2"]["input"], side=("W2", 512))
        simulate("W3", files["w3"]["net"], files["w3"]["input"], side=("W3", 2048))
        simulate("W3 f32", files["w3_f32"]["net"], files["w3"]["input"], side=("W3", 2048))

        def w3_rounds(rounds):
            """W3 against Rockpool numpy, round by round: one numpy run, then the CLI's W3
            and W3 f32 at once, so that each round's ratios divide times taken seconds apart
            (the table's ratios divide medians taken minutes apart, and its numpy W3 is one run).
            {"rounds": [{"numpy_ms", "W3", "W3 f32"}], "W3": median ratio, "W3 f32": ...}."""
            done = []
            for _ in range(rounds):
                row = {"numpy_ms": rw.w3("numpy", 1, t=w3_steps(args)) * 1e3}
                for name, key in (("W3", "w3"), ("W3 f32", "w3_f32")):
                    cmd = simulate_cmd(files[key]["net"], files["w3"]["input"])
                    row[name] = timed(cmd, "evolve_seconds")[0] * 1e3
                done.append(row)
                print(f"  W3 round: Rockpool numpy {row['numpy_ms']:9.1f} ms, CLI W3 {row['W3']:7.2f} ms "
                      f"({row['numpy_ms'] / row['W3']:.1f}×), W3 f32 {row['W3 f32']:7.2f} ms "
                      f"({row['numpy_ms'] / row['W3 f32']:.1f}×)", flush=True)
            return {"rounds": done, **{name: statistics.median(r["numpy_ms"] / r[name] for r in done)
                                       for name in ("W3", "W3 f32")}}

        if args.w3_rounds > 0:
            res["W3 rounds"] = w3_rounds(args.w3_rounds)
        scaling.append(core_scaling())
        w4 = files["w4"]
        cmd = [exe, "sweep", w4["net"], "-i", w4["input"], "--out", os.path.join(tmp, "sweep"),
               "--summary", summary, "--quiet"]
        for axis in w4["vary"]:
            cmd += ["--vary", axis]
        record("W4", "sweep_ms", alternated(cmd, "sweep_seconds", True))
        for name in ("W4", "W4, 1 thread"):
            print(f"  littoral CLI {name:<22} sweep  {res[name]['sweep_ms']:9.2f} ms   "
                  f"whole process {res[name]['wall_ms']:9.1f} ms", flush=True)
        print(f"  W4 sweep loop speed-up, median of the pairs {res['W4']['speedup_paired']:.2f}x", flush=True)
    return res, statistics.median(scaling)


def run_cuba(args):
    """The CUBA rows (issue 12): `brian2_cuba.py --compare` at N = 4,000 and 40,000, 1 s,
    run with --brian2-python (Brian2 2.9 needs numpy < 2.3, so it has its own
    environment), its rows as written to its --json; None without --brian2-python."""
    if not args.brian2_python:
        return None
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "littoral-benches", "--example", "cuba"],
                   cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cuba.json")
        cmd = [args.brian2_python, os.path.join(HERE, "brian2_cuba.py"), "--compare", "--compare-neurons",
               "4000", "40000", "--duration", "1", "--seed", "1", "--repeats", str(args.cuba_repeats),
               "--warm", str(args.warm), "--json", out]
        print("$", " ".join(cmd), flush=True)
        subprocess.run(cmd, cwd=ROOT, check=True)
        with open(out) as f:
            return json.load(f)["rows"]


def cuba_markdown(rows):
    """The CUBA rows as a markdown table (ms, medians of the interleaved repeats)."""
    lines = [
        "| CUBA, 1 s | Brian2 (1 thread) | Littoral 1 thread | Littoral 2 threads | Littoral / Brian2 | "
        "2 threads / 1 (median of the pairs) | 2-core bound | peak RSS / Brian2 | rate ratio | CV difference |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append("| " + " | ".join([
            f"N={r['neurons']}",
            f"{r['brian2']['simulate_seconds'] * 1e3:.1f}",
            f"{r['littoral_1_thread']['simulate_seconds'] * 1e3:.1f}",
            f"{r['littoral_2_threads']['simulate_seconds'] * 1e3:.1f}",
            f"{r['simulate_ratio_1_thread']:.3f}",
            f"{r['speedup_2_threads']:.2f} ({r['speedup_2_threads_paired']:.2f})",
            f"{r['core_scaling']:.2f}",
            f"{r['peak_rss_ratio']:.3f}",
            f"{r['rate_ratio']:.3f}",
            f"{r['cv_difference']:+.3f}",
        ]) + " |")
    lines.append("")
    lines.append("Targets (issue 12): Littoral / Brian2 <= 0.5 at both N, 2 threads / 1 >= 1.7, peak RSS at "
                 "N=40000 <= 1.5, rate within 10 %, CV within 0.1.")
    return "\n".join(lines) + "\n"


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


ROWS = ["W1 N=100", "W1 N=1000", "W1 N=1000 f32", "W1 N=10000", "W2", "W2 f32", "W3", "W3 f32", "W4"]


def table(lit, rock, cli):
    """Rows for the comparison: the library's time, the CLI's evolution and whole process,
    Rockpool numpy and Jax (for an f32 row: Rockpool's row of the same workload), bound."""
    by_name = {r["workload"]: r for r in lit["rows"]}
    rows = []
    for w in ROWS:
        key = {"W4": "W4 sweep, 2 threads"}.get(w, w)
        r = by_name.get(key)
        if r is None:
            continue
        base = w.replace(" f32", "")
        c = cli.get(w, {})
        rows.append({
            "workload": w,
            "littoral_ms": r["ms"],
            "cli_evolve_ms": c.get("evolve_ms"),
            "library_side_by_side_ms": c.get("library_side_by_side_ms"),
            "library_first_call_ms": c.get("library_first_call_ms"),
            "cli_wall_ms": c.get("wall_ms"),
            "neuron_steps_per_s": r["per_s"],
            "numpy_ms": rock.get((base, "numpy")),
            "jax_ms": rock.get((base, "jax-jit")),
            "bound": r["bound"],
            "ratio_to_bound": r["ratio_to_bound"],
        })
    return rows


def ratio(a, b):
    return a / b if a is not None and b else None


def markdown(rows, lit, cli, cores):
    """The comparison as a markdown table (times in ms, medians; ratios from this run)."""
    b = lit["bounds"]
    lines = [
        "| workload | library | CLI evolve | CLI whole process | library side by side | CLI evolve / library "
        "(side by side) | library first call (fresh process) | CLI evolve / library first call | Rockpool numpy "
        "| Rockpool Jax | CLI × numpy | CLI × Jax | library / bound |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        cli_t = r["cli_evolve_ms"] if r["cli_evolve_ms"] is not None else r["cli_wall_ms"]
        lines.append("| " + " | ".join([
            r["workload"],
            fmt(r["littoral_ms"], ".2f"),
            fmt(r["cli_evolve_ms"], ".2f"),
            fmt(r["cli_wall_ms"], ".1f"),
            fmt(r["library_side_by_side_ms"], ".2f"),
            fmt(ratio(r["cli_evolve_ms"], r["library_side_by_side_ms"] or r["littoral_ms"]), ".2f"),
            fmt(r["library_first_call_ms"], ".2f"),
            fmt(ratio(r["cli_evolve_ms"], r["library_first_call_ms"]), ".2f"),
            fmt(r["numpy_ms"], ".1f"),
            fmt(r["jax_ms"], ".1f"),
            fmt(ratio(r["numpy_ms"], cli_t), ".1f"),
            fmt(ratio(r["jax_ms"], cli_t), ".1f"),
            fmt(r["ratio_to_bound"], ".2f"),
        ]) + " |")
    lines.append("")
    lines.append("Bounds measured in the same run: " + ", ".join(
        f"{k} {v:.1f}" for k, v in b.items() if isinstance(v, (int, float))))
    speed = []
    for w in ("W1 N=1000", "W2", "W4"):
        one = cli.get(f"{w}, 1 thread")
        two = cli.get(w)
        if one and two:
            key = "evolve_ms" if one.get("evolve_ms") else "wall_ms"
            speed.append(f"{w} {one[key] / two[key]:.2f}×")
            if one.get("sweep_ms") and two.get("sweep_ms"):
                speed.append(f"{w} sweep loop (`sweep_seconds`) {one['sweep_ms'] / two['sweep_ms']:.2f}×")
            if two.get("speedup_paired"):
                speed.append(f"{w} median of the alternated pairs "
                             f"({'`sweep_seconds`' if two.get('sweep_ms') else '`evolve_seconds`'}) "
                             f"{two['speedup_paired']:.2f}×")
    if speed:
        lines.append("CLI speed-up 1 → all threads: " + ", ".join(speed) + f" (the machine's 2-core bound in "
                     f"this run, `machine.core_scaling`, median of 3: {cores:.2f}×).")
    for bound, what in (("bound", "the 2-core bound measured right after it, median of the pairs (the "
                                   "bounds' median in brackets)"),
                        ("kernel", "the LIF kernel's own 1 → 2 scaling measured right after it (the "
                                   "`kernel_scaling` example, in cache), median of the pairs (the kernel's median "
                                   "in brackets)")):
        over = [f"{w} {cli[w][f'speedup_over_{bound}_paired']:.2f} ({bound} {cli[w][f'{bound}_paired']:.2f}×)"
                for w in ("W1 N=1000", "W2", "W4") if cli.get(w, {}).get(f"speedup_over_{bound}_paired")]
        if over:
            lines.append(f"Each pair's speed-up over {what}: " + ", ".join(over) + ".")
    for w, r in cli.items():
        if r.get("copy_scaling_paired"):
            lines.append(f"{w} streams {r['streamed_gb'] * 1e3:.0f} MB per run (its input read, its output "
                         f"written over it): one thread at {r['of_copy_1_thread_paired']:.2f} of one core's "
                         f"copy rate, two at {r['of_copy_all_threads_paired']:.2f} of two cores' (`machine."
                         f"copy_rates` right after each pair, medians of the pairs); the copy itself scales "
                         f"{r['copy_scaling_paired']:.2f}× from one core to two, the run "
                         f"{r['speedup_paired']:.2f}×.")
        if r.get("stream_scaling_paired"):
            lines.append(f"Against a pass in place over the same 80 MB (the `stream_scaling` example right after "
                         f"each pair, W1's memory pattern without the neurons): one thread at "
                         f"{r['of_stream_1_thread_paired']:.2f} of its rate on one core, two at "
                         f"{r['of_stream_all_threads_paired']:.2f} of its rate on two; the pass itself scales "
                         f"{r['stream_scaling_paired']:.2f}× from one core to two.")
    rounds = cli.get("W3 rounds")
    if rounds:
        each = {name: ", ".join(f"{r['numpy_ms'] / r[name]:.1f}" for r in rounds["rounds"]) for name in ("W3", "W3 f32")}
        k = len(rounds["rounds"])
        lines.append(f"W3 against Rockpool numpy round by round ({k} round{'s' if k > 1 else ''}, each a numpy run "
                     f"and then the CLI's W3 and W3 f32 at once), medians of the rounds' ratios: "
                     f"W3 {rounds['W3']:.1f}× ({each['W3']}), W3 f32 {rounds['W3 f32']:.1f}× ({each['W3 f32']}).")
    if not HAVE_JAX:
        lines.append("Jax is not installed in this Python: Rockpool numpy only.")
    return "\n".join(lines) + "\n"


def fmt(v, spec):
    return format(v, spec) if v is not None else "—"


def print_table(rows, lit):
    print()
    print(f"{'workload':<14} {'library':>10} {'CLI evol.':>10} {'CLI proc.':>10} {'numpy':>10} {'Jax jit':>10} "
          f"{'× numpy':>8} {'× Jax':>7}  bound (library)")
    for r in rows:
        sn = ratio(r["numpy_ms"], r["littoral_ms"])
        sj = ratio(r["jax_ms"], r["littoral_ms"])
        b = f"{r['ratio_to_bound']:.2f}× {r['bound']}" if r["ratio_to_bound"] is not None else ""
        print(f"{r['workload']:<14} {r['littoral_ms']:10.2f} {fmt(r['cli_evolve_ms'], '10.2f')} "
              f"{fmt(r['cli_wall_ms'], '10.1f')} {fmt(r['numpy_ms'], '10.1f')} {fmt(r['jax_ms'], '10.1f')} "
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
    ap.add_argument("--no-cli", action="store_true", help="do not time the littoral command line")
    ap.add_argument("--brian2-python",
                    help="a Python with brian2 and numpy < 2.3 (e.g. /work/venv-brian2/bin/python): add the CUBA "
                         "rows against Brian2 (brian2_cuba.py --compare, N = 4000 and 40000, ~3 minutes)")
    ap.add_argument("--cuba-repeats", type=int, default=5, help="CUBA: interleaved runs of each simulator")
    ap.add_argument("--warm", type=float, default=0.5,
                    help="seconds both cores are kept busy before each timed CLI run (0: start cold)")
    ap.add_argument("--w3-rounds", type=int, default=3,
                    help="rounds of W3 against Rockpool numpy, each a numpy run and the CLI's W3 and W3 f32 "
                         "at once (0: none; about 10 s a round)")
    ap.add_argument("--json", help="write everything measured here")
    ap.add_argument("--markdown", help="write the comparison table (markdown)")
    ap.add_argument("--plot", help="write the W1 time-versus-N plot (PNG)")
    args = ap.parse_args()
    if args.quick:
        args.runs = min(args.runs, 2)
        args.littoral_runs = min(args.littoral_runs, 3)
        args.w3_rounds = min(args.w3_rounds, 1)

    mach = machine()
    print(f"machine: {mach['nproc']} CPUs, {mach['mem_total']}, load {mach['load']}")
    lit = run_littoral(args)
    print("Rockpool 3.1.0:", flush=True)
    cli, cores = {}, None
    if not args.no_cli:
        print("Littoral command line:", flush=True)
        cli, cores = run_cli(args)
    rock = run_rockpool(args)
    cuba = run_cuba(args)
    rows = table(lit, rock, cli)
    print_table(rows, lit)
    md = markdown(rows, lit, cli, cores)
    if cuba:
        md += "\n" + cuba_markdown(cuba)
    print(md)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(md)
        print(f"wrote {args.markdown}")
    if args.plot:
        plot(rows, lit, rock, args.plot)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({
                "machine": mach,
                "littoral": lit,
                "littoral_cli": cli,
                "core_scaling": cores,
                "cuba": cuba,
                "have_jax": HAVE_JAX,
                "rockpool": [{"workload": w, "backend": b, "ms": ms} for (w, b), ms in rock.items()],
                "rows": rows,
            }, f, indent=1)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
