#!/usr/bin/env bash
# Miri over the code that holds `unsafe` or hands bytes over without a copy: littoral-nets'
# audited module (`nets/src/audited/`: output buffers handed out uninitialised or from a
# thread's spare, and matrixmultiply's `dgemm`) through its own tests, the LIF kernel that
# writes its outputs and records through those buffers on rayon's pool (`neuron::tests`),
# and littoral-core's `wire` (numbers passed to and from snapshot bytes with bytemuck,
# aligned or not). Miri checks every access against the aliasing model, every read
# against initialisation, and the thread interleavings it runs for data races; see
# `docs/testing.md`, "Miri".
#
#   bash .ci/miri.sh                     # fails if Miri cannot be had
#   MIRI_OPTIONAL=1 bash .ci/miri.sh     # .ci/run: says so and succeeds if it cannot
#
# Needs the nightly toolchain with its `miri` and `rust-src` components
# (`rustup component add miri rust-src --toolchain nightly`). The flags:
# - Tree Borrows: crossbeam-epoch (rayon's) breaks Stacked Borrows' rules in its intrusive
#   list (crossbeam-rs/crossbeam#545), and crossbeam runs its own Miri tests under Tree
#   Borrows (#996);
# - permissive provenance: crossbeam casts integers to pointers;
# - leaks ignored: rayon's global pool outlives `main`;
# - deterministic floats: by default Miri changes the last bits of `exp` and `sin` from
#   call to call, as another platform's libm might; the bit-for-bit tests compare two
#   computations of the same `exp` on one platform, which is the claim they check;
# - isolation off: proptest seeds from the OS and saves failing cases to a file.
set -euo pipefail
cd "$(dirname "$0")/.."

# Where the nightly toolchain is installed, its Miri components are added (a few MB from
# rustup's server, seconds here; at most 3 minutes where the server cannot be reached). No
# toolchain is installed here.
if ! cargo +nightly miri --version >/dev/null 2>&1 && rustup toolchain list | grep -q '^nightly'; then
  timeout 180 rustup component add miri rust-src --toolchain nightly || true
fi
if ! cargo +nightly miri --version >/dev/null 2>&1; then
  echo "miri.sh: Miri is not installed here (rustup component add miri rust-src --toolchain nightly)"
  [ -n "${MIRI_OPTIONAL:-}" ] && { echo "miri.sh: skipped"; exit 0; }
  exit 1
fi
export MIRIFLAGS="-Zmiri-tree-borrows -Zmiri-permissive-provenance -Zmiri-ignore-leaks -Zmiri-deterministic-floats -Zmiri-disable-isolation"
# Each case runs in the interpreter (about a thousand times slower): a few per property.
export PROPTEST_CASES="${PROPTEST_CASES:-4}"
nets() { cargo +nightly miri test -p littoral-nets --lib "$@"; }
nets --no-run
cargo +nightly miri test -p littoral-core --lib -- wire::
# The interpreter runs on one core: the `dgemm` test (most of the time) beside the rest.
nets -- audited::dgemm:: &
dgemm=$!
trap 'kill "$dgemm" 2>/dev/null || true' EXIT
nets -- audited::task_zeroed:: audited::prefetch:: neuron::
wait "$dgemm"
