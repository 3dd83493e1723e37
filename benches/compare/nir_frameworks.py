"""Time NIR-imported networks in a torch framework on the CPU, for a side-by-side with
Littoral (issue 13). Writes JSON; the lead measures, on a quiet machine.

    python benches/compare/nir_frameworks.py --json out.json \
        [--framework norse|snntorch|littoral] [--workloads rnn cnn] [--batch 32] [--repeats 5] [--threads 1]

`--framework littoral` runs `littoral simulate GRAPH.nir --dt DT --semantics S` (the
release binary, `--littoral PATH`, default target/release/littoral) on the same seeded
input written as .npy (B, T, N), `--threads N`; `seconds` are the evolve times the
binary reports in its `--summary` (`evolve_seconds`: the step loop alone, as for torch),
`wall_seconds` the whole process (reading the graph and the input, writing the output).
`--semantics` (default littoral) picks Littoral's neuron semantics (`norse` runs Norse's
Euler steps, the same arithmetic as the Norse row).

Needs a venv with torch (CPU), norse 1.1.0, snntorch 1.0.0, nirtorch, nir 1.0.8 (PyPI).
Workloads (the NIR paper's files under ../shared/nir-paper, or --data):
  rnn  03_rnn/braille_noDelay_bias_zero.nir (12 → 38 recurrent CubaLIF → 7 CubaLIF),
       256 steps (the length of the paper's recorded activity), dt 1e-4
  cnn  02_cnn/cnn_sinabs.nir (2×34×34 → conv/IF/sumpool ×3 → 128 → 256 → 10, IF),
       300 steps, dt 1e-3
Input: seeded Bernoulli spikes (p = 0.1 for rnn, 0.05 for cnn), batch first. The timed
region is the step loop alone (the import and input generation are outside it), under
torch.no_grad(); `seconds` lists every repeat, `median_seconds` is their median, after
one untimed warm-up run. A framework that cannot import a graph is reported with its
error instead of a time (snnTorch 1.0.0 with nirtorch 2.6 fails on the braille graph's
recurrent subgraph, and has no SumPool2d mapping for the CNN).
"""

import argparse
import contextlib
import io
import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
import warnings

import nir
import torch

WORKLOADS = {
    "rnn": {"file": "03_rnn/braille_noDelay_bias_zero.nir", "steps": 256, "dt": 1e-4,
            "p": 0.1},
    "cnn": {"file": "02_cnn/cnn_sinabs.nir", "steps": 300, "dt": 1e-3, "p": 0.05},
}


def batch_flatten(graph):
    """Sinabs writes Flatten's dims for the unbatched tensor (start_dim 0 of C×H×W); the
    torch importers hand them to torch.nn.Flatten, which then flattens the batch too.
    Shift non-negative dims by one for the batch axis. Returns the nodes patched."""
    patched = []
    for name, node in graph.nodes.items():
        if type(node).__name__ == "Flatten" and int(node.start_dim) >= 0:
            node.start_dim = int(node.start_dim) + 1
            if int(node.end_dim) >= 0:
                node.end_dim = int(node.end_dim) + 1
            patched.append(name)
    return patched


def import_graph(framework, graph, dt):
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        if framework == "norse":
            import norse.torch as nt

            return nt.from_nir(graph, dt=dt)
        if framework == "snntorch":
            from snntorch.import_nir import import_from_nir

            return import_from_nir(graph)
    raise ValueError(f"unknown framework '{framework}'")


def input_shape(graph):
    (name,) = [n for n, v in graph.nodes.items() if type(v).__name__ == "Input"]
    return tuple(int(s) for s in graph.nodes[name].input_type["input"])


def run_steps(net, x):
    """One evolution: x is (T, B, ...). Returns the summed output (to keep the work live)."""
    state = None
    total = 0.0
    for t in range(x.shape[0]):
        out = net(x[t], state)
        if isinstance(out, tuple):
            out, state = out[0], out[1]
        total += float(out.sum())
    return total


def bench(framework, workload, data, batch, repeats, seed):
    spec = WORKLOADS[workload]
    graph = nir.read(os.path.join(data, spec["file"]))
    shape = input_shape(graph)
    patched = batch_flatten(graph)
    rec = {"patched_flatten_nodes": patched, "framework": framework, "workload": workload, "nir_file": spec["file"],
           "batch": batch, "steps": spec["steps"], "dt": spec["dt"], "input_shape": shape,
           "input_p": spec["p"], "seed": seed, "repeats": repeats}
    try:
        net = import_graph(framework, graph, spec["dt"])
    except Exception as err:  # noqa: BLE001 (reported in the JSON, not hidden)
        rec["error"] = f"import failed: {type(err).__name__}: {err}"
        return rec
    gen = torch.Generator().manual_seed(seed)
    x = (torch.rand((spec["steps"], batch, *shape), generator=gen) < spec["p"]).float()
    try:
        with torch.no_grad():
            run_steps(net, x)  # warm-up, and reset of any hidden state
            times = []
            for _ in range(repeats):
                net = import_graph(framework, graph, spec["dt"])  # fresh state each repeat
                t0 = time.perf_counter()
                total = run_steps(net, x)
                times.append(time.perf_counter() - t0)
    except Exception as err:  # noqa: BLE001 (reported in the JSON, not hidden)
        rec["error"] = f"run failed: {type(err).__name__}: {err}"
        return rec
    rec.update({"seconds": times, "median_seconds": statistics.median(times),
                "output_sum": total})
    return rec


def bench_littoral(binary, semantics, threads, workload, data, batch, repeats, seed):
    """Time `littoral simulate` on the workload's graph (same input as the torch rows)."""
    import numpy as np

    spec = WORKLOADS[workload]
    path = os.path.join(data, spec["file"])
    shape = input_shape(nir.read(path))
    rec = {"framework": "littoral", "semantics": semantics, "workload": workload,
           "nir_file": spec["file"], "batch": batch, "steps": spec["steps"], "dt": spec["dt"],
           "input_shape": shape, "input_p": spec["p"], "seed": seed, "repeats": repeats,
           "threads": threads}
    gen = torch.Generator().manual_seed(seed)
    x = (torch.rand((spec["steps"], batch, *shape), generator=gen) < spec["p"]).double()
    x = x.reshape(spec["steps"], batch, -1).permute(1, 0, 2).contiguous().numpy()
    with tempfile.TemporaryDirectory() as tmp:
        xin = os.path.join(tmp, "x.npy")
        np.save(xin, x)
        cmd = [binary, "simulate", path, "--dt", str(spec["dt"]), "--semantics", semantics,
               "--input", xin, "--output", os.path.join(tmp, "y.npy"), "--threads",
               str(threads), "--quiet", "--summary", os.path.join(tmp, "sum.json")]
        times, walls = [], []
        try:
            for k in range(repeats + 1):  # the first run is the untimed warm-up
                t0 = time.perf_counter()
                subprocess.run(cmd, check=True, capture_output=True, text=True)
                wall = time.perf_counter() - t0
                with open(os.path.join(tmp, "sum.json")) as f:
                    summary = json.load(f)
                if k:
                    times.append(summary["evolve_seconds"])
                    walls.append(wall)
            total = float(np.load(os.path.join(tmp, "y.npy")).sum())
        except subprocess.CalledProcessError as err:
            rec["error"] = f"run failed: {err.stderr.strip()[:300]}"
            return rec
    rec.update({"seconds": times, "median_seconds": statistics.median(times),
                "wall_seconds": walls, "output_sum": total, "command": " ".join(cmd)})
    return rec


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", required=True)
    ap.add_argument("--framework", default="norse", choices=["norse", "snntorch", "littoral"])
    ap.add_argument("--littoral", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                       "..", "..", "target", "release", "littoral"))
    ap.add_argument("--semantics", default="littoral",
                    choices=["littoral", "dirac", "rockpool", "snntorch", "norse"])
    ap.add_argument("--workloads", nargs="+", default=["rnn", "cnn"], choices=list(WORKLOADS))
    ap.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "..", "..", "..", "shared", "nir-paper"))
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if not os.path.isdir(args.data):
        args.data = "/work/shared/nir-paper"
    torch.set_num_threads(args.threads)
    import importlib.metadata as md

    versions = {}
    for pkg in ("torch", "norse", "snntorch", "nirtorch", "nir"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    if args.framework == "littoral":
        results = [bench_littoral(args.littoral, args.semantics, args.threads, w, args.data,
                                  args.batch, args.repeats, args.seed) for w in args.workloads]
    else:
        results = [bench(args.framework, w, args.data, args.batch, args.repeats, args.seed)
                   for w in args.workloads]
    out = {"simulator": args.framework, "threads": args.threads, "versions": versions,
           "python": platform.python_version(), "machine": platform.machine(),
           "results": results}
    with open(args.json, "w") as f:
        json.dump(out, f, indent=1)
    for r in results:
        msg = r.get("error", "")[:200] or f"median {r['median_seconds']:.4f} s over {r['repeats']}"
        print(f"{args.framework} {r['workload']} batch {r['batch']} × {r['steps']} steps: {msg}")


if __name__ == "__main__":
    main()
