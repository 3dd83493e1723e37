#!/usr/bin/env bash
# Build the Python package `littoral` in a fresh virtual environment and run its tests.
#
#   python/ci.sh [pytest arguments…]
#
# Needs python3 (>= 3.9) with venv, a Rust toolchain and PyPI. The tests that drive the
# `littoral` command line use $LITTORAL_BIN, else target/release/littoral (built here).
# LITTORAL_PY_VENV=DIR reuses DIR instead of a temporary environment. The extension is
# built in the workspace's target/ (CARGO_TARGET_DIR), so the dependencies the workspace
# has built are reused.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
start=$(date +%s)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

if [ -z "${LITTORAL_BIN:-}" ]; then
    (cd "$root" && cargo build --release --quiet --bin littoral)
    export LITTORAL_BIN="$CARGO_TARGET_DIR/release/littoral"
fi

venv="${LITTORAL_PY_VENV:-$(mktemp -d)/venv}"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "$here" pytest "rockpool==3.1.0" numpy scipy "nir==1.0.8" "jax[cpu]"
built=$(date +%s)
echo "python/ci.sh: package built and installed in $((built - start)) s"

# Run from the tests folder so that `import littoral` is the installed package.
cd "$here/tests"
"$venv/bin/python" -m pytest -q -p no:cacheprovider . "$@"
echo "python/ci.sh: done in $(($(date +%s) - start)) s"
