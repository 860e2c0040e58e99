#!/usr/bin/env bash
# tests/examples/strategy_test.sh MESON BUILD_DIR STRATEGY_SRC PRODUCER
# The strategy skeleton (examples/strategy) as a strategy team builds it: from an installed
# ichannel only (meson install --tags devel into a temporary DESTDIR; pkg-config finds
# ichannel.pc there, PKG_CONFIG_SYSROOT_DIR maps its paths into it), then run against a producer
# that goes stale, dies and is restarted:
#   strategy started before any producer -> "cannot join yet", then joined;
#   producer 1 pauses (stale, then alive again), exits (dead: the strategy keeps waiting);
#   producer 2 replaces the files (restarted: the strategy joins again) and runs to its end;
#   SIGTERM -> the strategy exits 0 at once, received > 0 in both joins, lost 0 skipped 0, and
#   exactly the records after each join's snapshots (counted from what the producers published).
set -euo pipefail
MESON=$1 BUILD=$2 SRC=$3 PRODUCER=$4
T=$(mktemp -d /tmp/ichannel-strategy-test.XXXXXX)
STRATEGY_PID=""
cleanup() {
  [[ -n "$STRATEGY_PID" ]] && kill -KILL "$STRATEGY_PID" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$T"/*.log; do [[ -s "$f" ]] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }; done
  exit 1
}

# 1. Install the ring (headers, library, ichannel.pc) - nothing else - into a temporary DESTDIR.
"$MESON" install -C "$BUILD" --no-rebuild --tags devel --destdir "$T/dest" >"$T/install.log" 2>&1 ||
  fail "meson install failed"
PC=$(find "$T/dest" -name ichannel.pc)
[[ -n "$PC" ]] || fail "meson install installed no ichannel.pc"
for h in book_join.hpp book_table.hpp channel.hpp tick.hpp top_of_book.hpp; do
  [[ -n $(find "$T/dest" -path "*/include/ichannel/$h") ]] || fail "installed tree lacks ichannel/$h"
done
echo "installed: ${PC#"$T/dest"}"

# 2. Configure and build the strategy against it (no path into this source tree or build).
export PKG_CONFIG_PATH=$(dirname "$PC") PKG_CONFIG_SYSROOT_DIR=$T/dest PKG_CONFIG_LIBDIR=$(dirname "$PC")
"$MESON" setup "$T/build" "$SRC" -Dbuildtype=debug >"$T/setup.log" 2>&1 || fail "meson setup of the strategy failed"
nice ninja -C "$T/build" >"$T/ninja.log" 2>&1 || fail "building the strategy failed"
grep -q -- "-I$T/dest/" "$T/build/build.ninja" || fail "the strategy's include path is not the installed tree"
if grep -q -- "-I${BUILD}\|-I$(dirname "$SRC")" "$T/build/build.ninja"; then
  fail "the strategy build sees the source tree or the project build"
fi
echo "built $T/build/strategy from the installed tree"

# 3. Run it against the producer.
CH=$T/channels
mkdir -m 0750 "$CH"
"$T/build/strategy" --table ex.books --channel ex.tob --instruments 1,2,3 --dir "$CH" --cpu 0 \
  --wait 0.2 --report 0.5 >"$T/strategy.log" 2>&1 &
STRATEGY_PID=$!
sleep 0.5
"$PRODUCER" --dir "$CH" --seconds 4 --rate 20000 --pause-at 1.5 --pause-for 1.2 >"$T/producer1.log" 2>&1 ||
  fail "producer 1 failed"
sleep 1  # dead for a second: the strategy keeps waiting
"$PRODUCER" --dir "$CH" --seconds 2 --rate 20000 >"$T/producer2.log" 2>&1 ||
  fail "producer 2 failed"
sleep 0.5  # the strategy reads producer 2's last records
kill -TERM "$STRATEGY_PID"
for _ in $(seq 1 30); do kill -0 "$STRATEGY_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$STRATEGY_PID" 2>/dev/null && fail "the strategy did not exit within 3 s of SIGTERM"
rc=0
wait "$STRATEGY_PID" || rc=$?
STRATEGY_PID=""
[[ $rc -eq 0 ]] || fail "the strategy exited with $rc after SIGTERM"

L=$T/strategy.log
expect() { grep -q -- "$1" "$L" || fail "the strategy never said '$1'"; }
expect "pinned to cpu 0"
expect "cannot join yet:"
expect "producer stale (alive, no heartbeat): waiting"
expect "producer alive"
expect "producer dead: waiting for its restart"
expect "producer restarted (epoch [0-9]*): joining again"
expect "ichannel_receiver_lost_total{channel=\"ex.tob\",receiver=\"strategy\"} 0"
[[ $(grep -c "^strategy: joined ex.books + ex.tob" "$L") -eq 2 ]] || fail "expected exactly 2 joins"
[[ $(grep -c "^strategy: book 1: " "$L") -eq 2 ]] || fail "no book of instrument 1 at each join"
# Received something in each join, nothing lost or skipped, ever.
first=$(grep "join ended" "$L" | head -n 1 | sed 's/.*received \([0-9]*\).*/\1/')
last=$(grep "exit (signal)" "$L" | sed 's/.*received \([0-9]*\).*/\1/')
[[ -n "$first" && -n "$last" ]] || fail "no join-ended / exit report"
((first > 1000)) || fail "first join received only $first records"
((last > first + 1000)) || fail "second join received only $((last - first)) records"
grep "^strategy: exit (signal)" "$L" | grep -q "lost 0 skipped 0 joins 2" || fail "exit report: $(grep 'exit (signal)' "$L")"
if grep "^strategy: .*: received" "$L" | grep -qv "lost 0 skipped 0"; then
  fail "a report with records lost or skipped"
fi
# Exactly the records after each snapshot, none missed, none twice: producer k published seq
# 1..P_k, one TopOfBook per seq, of instrument 1 + seq % 7; a join's snapshot of instrument i is
# "as of seq S_i"; so each join gets #{seq in (S_i, P_k] : 1 + seq % 7 == i} records of i.
python3 - "$L" "$T/producer1.log" "$T/producer2.log" <<'PY' || fail "the strategy did not get exactly the records after its snapshots"
import re, sys
log = open(sys.argv[1]).read().splitlines()
published = [int(re.search(r"published (\d+)", open(f).read()).group(1)) for f in sys.argv[2:]]
joins = []
for line in log:
    if line.startswith("strategy: joined"):
        joins.append({})
    m = re.match(r"strategy: book (\d+): .* as of seq (\d+)", line)
    if m:
        joins[-1][int(m.group(1))] = int(m.group(2))
received = int(re.search(r"exit \(signal\): received (\d+)", "\n".join(log)).group(1))
expected = sum(sum(1 for q in range(s + 1, p + 1) if 1 + q % 7 == i) for j, p in zip(joins, published)
               for i, s in j.items())
print(f"records after the snapshots: expected {expected}, received {received}")
sys.exit(0 if received == expected and len(joins) == 2 else 1)
PY
grep "^strategy: \(joined\|book\|exit\|.*producer\)" "$L"
echo "PASS: first join $first records, both $last, lost 0, skipped 0"
