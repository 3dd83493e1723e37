#!/usr/bin/env bash
# Two builds of the `workloads` example, alternated RUNS times on the same machine, and the
# median of each workload's time per build with their ratio (a refactor must not slow any
# workload by more than 5 %; issue 9).
#
#   bash benches/compare/before_after.sh BEFORE_BIN AFTER_BIN [RUNS]     # default 7
#
# Build BEFORE_BIN from an older commit in its own worktree, e.g.
#   git worktree add --detach ../perf-before cde4f45
#   (cd ../perf-before && cargo build --release -p littoral-benches --example workloads)
#   bash benches/compare/before_after.sh ../perf-before/target/release/examples/workloads \
#       target/release/examples/workloads 7
set -euo pipefail
before="$1" after="$2" runs="${3:-7}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for i in $(seq 1 "$runs"); do
  "$before" --no-bounds --json "$work/before-$i.json" > /dev/null
  "$after" --no-bounds --json "$work/after-$i.json" > /dev/null
done
python3 - "$work" "$runs" <<'PY'
import json, statistics, sys
work, n = sys.argv[1], int(sys.argv[2])
def load(tag):
    rows = {}
    for i in range(1, n + 1):
        for r in json.load(open(f"{work}/{tag}-{i}.json"))["rows"]:
            rows.setdefault(r["workload"], []).append(r["ms"])
    return rows
b, a = load("before"), load("after")
print(f"| workload | before ms (median of {n}) | after ms | after/before |")
print("|---|---:|---:|---:|")
for w in b:
    if w in a:
        mb, ma = statistics.median(b[w]), statistics.median(a[w])
        print(f"| {w} | {mb:.3f} | {ma:.3f} | {ma/mb:.3f} |")
PY
