#!/usr/bin/env bash
# tests/fuzz/run.sh [DURATION_SECONDS]: build the libFuzzer targets with clang and run each for a
# bounded time on a generated seed corpus (frame -> ticks, the MoldUDP64 sequencer with its
# invariant checker, then the books and the book stage against the reference book). Exits non-zero if the build fails or the fuzzer finds
# a crash, a sanitizer error or a broken invariant (the reproducer is left in the build dir).
# Environment: ICHANNEL_FUZZ_BUILD (build dir, default <repo>/build-fuzz), FUZZ_JOBS (ninja -j).
set -euo pipefail

duration="${1:-60}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${ICHANNEL_FUZZ_BUILD:-$root/build-fuzz}"

if [[ ! -f "$build/build.ninja" ]]; then
  CXX="${FUZZ_CXX:-clang++}" meson setup "$build" "$root" -Dfuzz=true -Ddaemon=disabled \
    -Dbenchmarks=disabled
fi
ninja -C "$build" -j "${FUZZ_JOBS:-2}" tests/fuzz/ichannel-fuzz-frame \
  tests/fuzz/ichannel-fuzz-sequencer tests/fuzz/ichannel-fuzz-book tests/fuzz/ichannel-fuzz-seeds

for name in frame sequencer book; do
  target=tests/fuzz/ichannel-fuzz-$name
  corpus="$build/fuzz-corpus-$name"
  artifacts="$build/fuzz-artifacts-$name"
  mkdir -p "$corpus" "$artifacts"
  if [[ $name == frame ]]; then
    "$build/tests/fuzz/ichannel-fuzz-seeds" "$corpus"
  elif [[ $name == book ]]; then
    # Long tick sequences from the start (libFuzzer grows its inputs slowly): random bytes,
    # a fixed seed per file, 64 to 2,048 bytes (8 to 255 ticks; -max_len below).
    python3 -c '
import random, sys
for k in range(24):
    r = random.Random(k)
    with open(f"{sys.argv[1]}/seed-{k}", "wb") as f:
        f.write(bytes(r.randrange(256) for _ in range(r.choice([64, 512, 1024, 2048]))))
' "$corpus"
  else
    python3 "$root/tests/fuzz/make_sequencer_seeds.py" "$corpus"
  fi
  echo "fuzzing $target for ${duration}s (corpus $corpus)"
  "$build/$target" -max_total_time="$duration" -timeout=10 -rss_limit_mb=2048 \
    -max_len=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus"
done
