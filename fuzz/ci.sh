#!/usr/bin/env bash
# Build the fuzz targets, replay the committed regression inputs, then fuzz each target for
# FUZZ_SECONDS (default 30) from its seed corpus. Fails on any crash, panic, timeout or
# out-of-memory; the reproducer is left in fuzz/artifacts/<target>/.
#
#   fuzz/ci.sh                                # 6 targets × 30 s
#   FUZZ_SECONDS=600 FUZZ_TARGETS=snapshot fuzz/ci.sh
#   FUZZ_BUILD_ONLY=1 fuzz/ci.sh                  # build, nothing else (.ci/run, beside other work)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). Works on the stable toolchain:
# RUSTC_BOOTSTRAP=1 lets stable rustc accept the -Z flags cargo-fuzz passes, and
# `--sanitizer none` skips AddressSanitizer (the crates are safe Rust; libFuzzer still
# catches panics, aborts, stack overflows, timeouts and its malloc/RSS limits).
# Set FUZZ_SANITIZER=address for an ASan build (about twice the build and run time).
set -euo pipefail
cd "$(dirname "$0")"

seconds="${FUZZ_SECONDS:-30}"
targets="${FUZZ_TARGETS:-snapshot network npy npz nir evolve}"
sanitizer="${FUZZ_SANITIZER:-none}"
export RUSTC_BOOTSTRAP=1

start=$(date +%s)
for t in $targets; do
    cargo fuzz build --sanitizer "$sanitizer" "$t"
done
echo "fuzz/ci.sh: build took $(($(date +%s) - start)) s"
[ -n "${FUZZ_BUILD_ONLY:-}" ] && exit 0

triple="$(rustc -vV | sed -n 's/^host: //p')"
bin="target/$triple/release"
limits=(-rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for t in $targets; do
    mkdir -p "artifacts/$t" "$work/$t"
    if compgen -G "regressions/$t/*" >/dev/null; then
        echo "fuzz/ci.sh: $t: replaying regressions/$t/"
        "$bin/$t" "${limits[@]}" regressions/"$t"/*
    fi
    echo "fuzz/ci.sh: $t: fuzzing for $seconds s"
    # `evolve` runs the networks the two readers read: their seeds are its seeds too.
    seeds=("corpus/$t")
    [ "$t" = evolve ] && seeds+=(corpus/network corpus/nir)
    # New inputs go to the scratch corpus; the committed seeds are read only.
    "$bin/$t" "${limits[@]}" -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="artifacts/$t/" "$work/$t" "${seeds[@]}"
done
echo "fuzz/ci.sh: no crash in: $targets"
