#!/usr/bin/env bash
# tests/fuzz/run.sh [DURATION_SECONDS]: build the libFuzzer target with clang and run it for a
# bounded time on a generated seed corpus. Exits non-zero if the build fails or the fuzzer finds
# a crash, a sanitizer error or a broken invariant (the reproducer is left in the build dir).
# Environment: ICHANNEL_FUZZ_BUILD (build dir, default <repo>/build-fuzz), FUZZ_JOBS (ninja -j).
set -euo pipefail

duration="${1:-60}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${ICHANNEL_FUZZ_BUILD:-$root/build-fuzz}"
target=tests/fuzz/ichannel-fuzz-frame

if [[ ! -f "$build/build.ninja" ]]; then
  CXX="${FUZZ_CXX:-clang++}" meson setup "$build" "$root" -Dfuzz=true -Ddaemon=disabled \
    -Dbenchmarks=disabled
fi
ninja -C "$build" -j "${FUZZ_JOBS:-2}" "$target" tests/fuzz/ichannel-fuzz-seeds

corpus="$build/fuzz-corpus"
artifacts="$build/fuzz-artifacts"
mkdir -p "$corpus" "$artifacts"
"$build/tests/fuzz/ichannel-fuzz-seeds" "$corpus"

echo "fuzzing $target for ${duration}s (corpus $corpus)"
"$build/$target" -max_total_time="$duration" -timeout=10 -rss_limit_mb=2048 \
  -max_len=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus"
