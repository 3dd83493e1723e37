#!/usr/bin/env bash
# Every comparison of the open performance issues (10, 12, 14, 15) in one set, one after
# the other, on an otherwise idle machine (each script measures its own bounds alongside):
#
#   OUT=DIR [PY=python-with-rockpool-jax] [BRIAN2_PY=python-with-brian2] \
#     bash benches/compare/idle_set.sh
#
# PY needs `pip install ./python "rockpool==3.1.0" "jax[cpu]" numpy scipy`; BRIAN2_PY its
# own environment (`brian2==2.9.0 "numpy<2.3"`, docs/performance.md). 18 to 42 minutes on
# the 2-vCPU development VMs (most of it Rockpool). Writes, in DIR: py.json/py.txt
# (python_overhead.py, issue 14), cmp.json/cmp.md/cmp.txt (compare.py, issues 10 and 12),
# mpi.txt (mpi_scaling.sh, issue 15), cuba.json/cuba.txt (brian2_cuba.py --compare, issue
# 12), and the start and end times with the load average.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${OUT:?set OUT=DIR}"
PY="${PY:-python3}"
BRIAN2_PY="${BRIAN2_PY:-python3}"
mkdir -p "$OUT"
{ date -u; uptime; } > "$OUT/start"
"$PY" benches/compare/python_overhead.py --runs 7 --json "$OUT/py.json" > "$OUT/py.txt" 2>&1
"$PY" benches/compare/compare.py --runs 3 --skip-numpy-slow --brian2-python "$BRIAN2_PY" \
  --json "$OUT/cmp.json" --markdown "$OUT/cmp.md" > "$OUT/cmp.txt" 2>&1
PATH="$(dirname "$(command -v "$PY")"):$PATH" bash benches/compare/mpi_scaling.sh 7 > "$OUT/mpi.txt" 2>&1
"$BRIAN2_PY" benches/compare/brian2_cuba.py --compare --compare-neurons 4000 40000 \
  --duration 1 --seed 1 --repeats 7 --json "$OUT/cuba.json" > "$OUT/cuba.txt" 2>&1
{ date -u; uptime; } > "$OUT/end"
