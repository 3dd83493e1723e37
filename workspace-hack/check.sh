#!/usr/bin/env bash
# Does every build CI runs compile littoral-core, -functional and -nets (and all they depend
# on) with the same features, so that cargo builds them once? Compares cargo's unit graphs
# (RUSTC_BOOTSTRAP=1 for `--unit-graph`; nothing is compiled). Prints the first crate whose
# features differ under each command; exit status 1 if any does. Run it after changing a
# dependency, and add what it prints to workspace-hack/Cargo.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTC_BOOTSTRAP=1
graphs="$(mktemp -d)"
trap 'rm -rf "$graphs"' EXIT
ug=(--unit-graph -Z unstable-options)
cargo test --workspace --release --no-run "${ug[@]}" > "$graphs/1-test-workspace.json"
cargo build --release --bin littoral "${ug[@]}" > "$graphs/2-build-bin.json"
cargo test --release --features mpi --bin littoral --test mpi --no-run "${ug[@]}" > "$graphs/3-test-mpi.json"
cargo rustc --release -p littoral-python --lib --features pyo3/extension-module "${ug[@]}" > "$graphs/4-python.json"
cargo build --release -p littoral-functional --examples "${ug[@]}" > "$graphs/5-functional-examples.json"
python3 - "$graphs"/*.json <<'PY'
import json, sys

def signatures(path):
    """A unit's features and, recursively, its dependencies' (what cargo's hash covers)."""
    units = json.load(open(path))["units"]
    memo = {}
    def sig(i):
        if i not in memo:
            u = units[i]
            memo[i] = (u["pkg_id"], u["target"]["name"], tuple(u["features"]),
                       u["profile"]["opt_level"],
                       tuple(sorted(sig(d["index"]) for d in u["dependencies"])))
        return memo[i]
    return {u["target"]["name"]: sig(i) for i, u in enumerate(units)
            if u["target"]["name"] in ("littoral_core", "littoral_functional", "littoral_nets")
            and u["mode"] == "build"}

def first_difference(a, b):
    """The deepest pair of differing units: the crate whose features differ."""
    if a[:4] != b[:4]:
        return a, b
    for x, y in zip(a[4], b[4]):
        if x != y:
            return first_difference(x, y)
    return a, b

base = signatures(sys.argv[1])
failed = False
for path in sys.argv[2:]:
    other = signatures(path)
    for name, s in other.items():
        if name in base and base[name] != s:
            a, b = first_difference(base[name], s)
            print(f"{path.rsplit('/', 1)[-1]}: {name} differs; first at {b[0]} "
                  f"features {list(b[2])} (opt {b[3]}), against {list(a[2])} in `cargo test --workspace`")
            failed = True
            break
print("one feature set for littoral-core, -functional, -nets" if not failed else "")
sys.exit(1 if failed else 0)
PY
