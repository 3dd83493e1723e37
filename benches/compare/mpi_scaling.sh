#!/usr/bin/env bash
# W4 (docs: /work/shared/workloads.md) swept over MPI ranks: `mpirun -n 2 … --threads 1`
# against `mpirun -n 1 … --threads 1`, the median of RUNS runs each (target: ≥ 1.8×).
#
#   bash benches/compare/mpi_scaling.sh [RUNS]        # default 5; needs mpirun and python3
#
# Builds the `mpi` feature, writes W4's network (the W2 network: Linear 512→512 with
# Kaiming-uniform weights, then LIF(512)) and its input (Bernoulli(0.05), B=4, T=500) with
# the Python standard library, and times each run twice: the sweep alone (rank 0's
# "swept … in S" line: from the first point handed out to the last row back, the shared
# Linear stage included) and the whole command (MPI start-up and reading the files too).
# The two summaries must be the same bytes. It also prints how the two ranks spent the
# sweep (`ranks.csv`, medians over the runs), which holds on a loaded machine too: points,
# seconds preparing (thread pool and the shared Linear stage), computing, and waiting for
# rank 0's answer.
#
# Every timed run starts after both cores were kept busy for WARM seconds (default 0.5;
# `machine.py`). Two bounds are measured in the same run: the machine's 2-core bound
# (`machine.core_scaling`, a loop that touches no memory, on both cores against one) before
# each `-n 2` run, and this workload's own bound: two one-process sweeps started together
# (no MPI, each computing every point), which share the caches, the memory and the host as
# two ranks do but exchange nothing; two ranks cannot beat 2 × (one process) / (the pair).
#
# Open MPI's default start-up tries the UCX transport, about 0.2 s per run on the 2-core
# development VM; one node needs only shared memory, so the script sets OMPI_MCA_pml=ob1
# unless it is set already (the sweep time does not depend on it, the whole command does).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-5}"
WARM="${WARM:-0.5}"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"
export OMPI_MCA_pml="${OMPI_MCA_pml:-ob1}"
# BIN=path/to/littoral times another build of the `mpi` feature (an A/B of two builds).
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet --features mpi
  BIN="$PWD/target/release/littoral"
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

python3 - "$WORK" <<'PY'
import json, random, struct, sys
work = sys.argv[1]
rng = random.Random(2)
n, b, t = 512, 4, 500
bound = (6.0 / n) ** 0.5
weight = [[rng.uniform(-bound, bound) for _ in range(n)] for _ in range(n)]
net = {"class": "Sequential", "modules": [
    {"class": "Linear", "shape": [n, n], "parameters": {"weight": weight}},
    {"class": "LIF", "shape": [n]}]}
with open(f"{work}/w4.json", "w") as f:
    json.dump(net, f)
header = "{'descr': '|b1', 'fortran_order': False, 'shape': (%d, %d, %d), }" % (b, t, n)
header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
rng = random.Random(6)
data = bytes(1 if rng.random() < 0.05 else 0 for _ in range(b * t * n))
with open(f"{work}/x.npy", "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + data)
PY

TAUS="0.01,0.02,0.03,0.04,0.05,0.06,0.07,0.08"
THRESHOLDS="$(python3 -c 'print(",".join(repr(0.5 + 1.5 * i / 7) for i in range(8)))')"
ROOT=()
[ "$(id -u)" = 0 ] && ROOT=(--allow-run-as-root)

# Run Python code with benches/compare/machine.py imported as `machine`.
on_machine() { python3 -c "import sys; sys.path.insert(0, 'benches/compare'); import machine; $1"; }

# One timed run: prints "SWEEP_SECONDS WALL_SECONDS".
run() {
  local ranks="$1" out="$2"
  rm -rf "$out"
  local t0 t1 line
  on_machine "machine.warm_cores($WARM)"
  t0="$(date +%s.%N)"
  line="$(mpirun "${ROOT[@]}" -n "$ranks" "$BIN" sweep "$WORK/w4.json" -i "$WORK/x.npy" \
    --vary "1_LIF.tau_mem=$TAUS" --vary "1_LIF.threshold=$THRESHOLDS" \
    --threads 1 --out "$out" | grep '^swept ')"
  t1="$(date +%s.%N)"
  echo "$(seconds "$line") $(python3 -c "print($t1 - $t0)")"
}

# The sweep time of a "swept … in T" line, in seconds.
seconds() {
  python3 - "$1" <<'PY'
import re, sys
m = re.search(r" in ([0-9.]+) (ms|s) ", sys.argv[1])
print(float(m.group(1)) / (1000 if m.group(2) == "ms" else 1))
PY
}

# The machine's bound for this very workload: two one-process sweeps (no MPI) started
# together, each computing every point; prints the slower one's sweep seconds. Two ranks
# cannot beat 2 × (one process's time) / (this time): the pair shares the cores' caches,
# the memory and the host as the ranks do, and exchanges nothing.
pair() {
  local one
  rm -rf "$WORK/pa" "$WORK/pb"
  on_machine "machine.warm_cores($WARM)"
  for one in pa pb; do
    "$BIN" sweep "$WORK/w4.json" -i "$WORK/x.npy" --vary "1_LIF.tau_mem=$TAUS" \
      --vary "1_LIF.threshold=$THRESHOLDS" --threads 1 --out "$WORK/$one" \
      | grep '^swept ' > "$WORK/$one.line" &
  done
  wait
  python3 -c "import sys; print(max(sys.argv[1:], key=float))" \
    "$(seconds "$(cat "$WORK/pa.line")")" "$(seconds "$(cat "$WORK/pb.line")")"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

: > "$WORK/n1"; : > "$WORK/n2"; : > "$WORK/cores"; : > "$WORK/pair"
for i in $(seq "$RUNS"); do
  run 1 "$WORK/out1" >> "$WORK/n1"
  on_machine "print(machine.core_scaling())" >> "$WORK/cores"
  run 2 "$WORK/out2" >> "$WORK/n2"
  pair >> "$WORK/pair"
  tail -n +2 "$WORK/out2/ranks.csv" >> "$WORK/ranks"
done
cmp "$WORK/out1/summary.csv" "$WORK/out2/summary.csv"
s1="$(cut -d' ' -f1 "$WORK/n1" | median)"; w1="$(cut -d' ' -f2 "$WORK/n1" | median)"
s2="$(cut -d' ' -f1 "$WORK/n2" | median)"; w2="$(cut -d' ' -f2 "$WORK/n2" | median)"
cores="$(median < "$WORK/cores")"; sp="$(median < "$WORK/pair")"
python3 - "$s1" "$w1" "$s2" "$w2" "$RUNS" "$cores" "$sp" "$WORK" <<'PY'
import statistics, sys
s1, w1, s2, w2 = map(float, sys.argv[1:5])
sp = float(sys.argv[7])
# Each run of -n 1 was followed by a run of -n 2 and a pair: the ratios of those three,
# seconds apart, taken run by run.
col = lambda name: [float(line.split()[0]) for line in open(f"{sys.argv[8]}/{name}")]
n1, n2, pair = col("n1"), col("n2"), col("pair")
print(f"W4 over MPI, --threads 1, median of {sys.argv[5]} runs (summary.csv identical)")
print(f"  sweep:         -n 1 {s1:.3f} s   -n 2 {s2:.3f} s   speed-up {s1 / s2:.2f}x (target >= 1.8; "
      f"the machine's 2-core bound, median: {float(sys.argv[6]):.2f}x)")
print(f"  whole command: -n 1 {w1:.3f} s   -n 2 {w2:.3f} s   speed-up {w1 / w2:.2f}x")
print(f"  two one-process sweeps at once (no MPI, each all points): {sp:.3f} s, so this "
      f"workload's bound for 2 ranks is 2 x {s1:.3f} / {sp:.3f} = {2 * s1 / sp:.2f}x")
print(f"  run by run (medians of the runs' own ratios): speed-up "
      f"{statistics.median(a / b for a, b in zip(n1, n2)):.2f}x, the workload's bound "
      f"{statistics.median(2 * a / p for a, p in zip(n1, pair)):.2f}x")
PY
python3 - "$WORK/ranks" <<'PY'
import statistics, sys
rows = [line.split(",") for line in open(sys.argv[1]).read().split()]
print("  -n 2, per rank (medians): points, prepare, busy, waiting")
for rank in sorted({r[0] for r in rows}):
    mine = [r for r in rows if r[0] == rank]
    med = lambda i: statistics.median(float(r[i]) for r in mine)
    print(f"    rank {rank}: {med(1):.0f} points, {1e3 * med(2):.1f} ms, "
          f"{1e3 * med(3):.1f} ms, {1e3 * med(4):.1f} ms")
PY
