#!/usr/bin/env bash
# Reading a network file: instruction counts (callgrind, deterministic) on a 400×400
# recurrent LIF (3.6 MB), then the wall time and peak memory of `littoral inspect` on W3's
# 100 MB file, three times, with the load average. See docs/performance.md, "Reading
# network files".
#
#   benches/compare/read_network.sh [LITTORAL_BINARY] [PYTHON]
set -euo pipefail
bin=${1:-target/release/littoral}
py=${2:-/work/venv-ref/bin/python}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
here=$(cd "$(dirname "$0")" && pwd)
"$py" - "$here" "$dir" <<'PY'
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import cli_workloads
net, _ = cli_workloads.w3_net()
json.dump(net, open(sys.argv[2] + "/w3.json", "w"))
w = np.random.default_rng(1).normal(0, 0.01, (400, 400))
small = {"class": "LIF", "shape": [400], "options": {"has_rec": True},
         "parameters": {"w_rec": w.tolist()}}
json.dump(small, open(sys.argv[2] + "/s400.json", "w"))
PY
valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" "$bin" inspect "$dir/s400.json" \
  2>&1 >/dev/null | grep 'refs'
for _ in 1 2 3; do
  cut -d' ' -f1-3 /proc/loadavg | tr '\n' ' '
  /usr/bin/time -f "%e s wall, %M KB peak" "$bin" inspect "$dir/w3.json" >/dev/null
done
