#!/usr/bin/env bash
# tests/bench/app/snapshot.sh: the snapshot benchmark (issue 12): a GLIMPSE snapshot of about
# 1 M resting orders over a veth pair, against the physical limit measured in the same run.
#
#   tests/bench/app/snapshot.sh [BUILD_DIR] [--runs N] [--orders N] [--rate PPS] [--wire-only]
#
# Each run is one live session: ichannel-sim send --generate (--mix open: the orders rest, about
# 0.38 per message) from a network namespace on an A and a B line at --rate packets/s (both lines
# together; ~40 messages per packet), with its GLIMPSE server on the namespace's address. When
# the simulator has sent about --orders resting orders' worth of messages (time-based on the
# rate, less the daemon's start-up), ichannel-feed starts (net_af_packet on the host end,
# feeds[].snapshot with on_start) and takes its snapshot while the live feed goes on. Per run:
#   - daemon: the feed's snapshot statistics once completed: last_duration_us (connect to books
#     ready), last_orders, last_messages, bytes, last_buffered (live ticks buffered meanwhile),
#     buffer_high_water, overlap_skipped, replayed;
#   - tcp copy: the same number of bytes through a plain TCP socket over the same veth, at the
#     same moment (the live feed and the daemon still running): snapshot_wire.py serve | recv;
#   - raw reader: snapshot_wire.py glimpse, a client that logs in and reads to End of Snapshot
#     without decoding, right after: the simulator's rendering (login to first byte) and sending
#     plus a raw read - the server side's cost, which the daemon's figure contains too. A first
#     such login just before the daemon starts pre-warms the server (it replays the session
#     into its state at a login: the daemon's login then replays only the last seconds).
# Prints a markdown section (machine, per-run rows, p50) for docs/benchmarks.md "Issue 12".
# --wire-only: no daemon (the references alone, e.g. with a daemon without snapshot support).
# Needs root (netns, veth, DPDK runtime files). Never run by the test suite.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
BUILD=$ROOT/build
RUNS=3 ORDERS=1000000 RATE=10000 WIRE_ONLY=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --orders) ORDERS=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --wire-only) WIRE_ONLY=1; shift ;;
    -*) echo "snapshot.sh: unknown option $1" >&2; exit 2 ;;
    *) BUILD=$(cd "$1" && pwd); shift ;;
  esac
done
FEED=$BUILD/app/daemon/ichannel-feed
STAT=$BUILD/app/tools/stat/ichannel-stat
SIM=$BUILD/app/tools/sim/ichannel-sim
WIRE=$HERE/snapshot_wire.py
for b in "$FEED" "$STAT" "$SIM"; do
  [[ -x $b ]] || { echo "snapshot.sh: $b not built" >&2; exit 1; }
done
[[ $(id -u) -eq 0 ]] || { echo "snapshot.sh: needs root (netns, veth, DPDK runtime files)" >&2; exit 1; }

TMP=$(mktemp -d /tmp/ichannel-bench-snapshot.XXXXXX)
PREFIX=ichsnapb$$
NS=benchs-$$ VH=vs$$h VX=vs$$x
NS_IP=10.96.0.1 HOST_IP=10.96.0.2 GL_PORT=26700 COPY_PORT=26701
GA=233.54.12.1 GB=233.54.12.2 PORT=26400
USER_NAME=ichbch PASSWORD=bench-pw
PIDS=()
cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  sleep 0.5
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  ip netns pids "$NS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
  ip netns del "$NS" 2>/dev/null
  ip link del "$VH" 2>/dev/null
  [[ ${BENCH_KEEP:-0} == 1 ]] || rm -rf "$TMP"
  rm -rf "/var/run/dpdk/$PREFIX"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NS"
ip link add "$VH" type veth peer name "$VX"
ip link set "$VX" netns "$NS"
ip -n "$NS" addr add "$NS_IP/30" dev "$VX"
ip -n "$NS" link set lo up
ip -n "$NS" link set "$VX" up
ip -n "$NS" route add 224.0.0.0/4 dev "$VX"
ip netns exec "$NS" "$ROOT/tests/support/tx-checksum-off" "$VX"
"$ROOT/tests/support/tx-checksum-off" "$VH" || true
ip addr add "$HOST_IP/30" dev "$VH"
ip link set "$VH" up
sysctl -qw "net.ipv6.conf.$VH.disable_ipv6=1" 2>/dev/null || true

printf '%s:%s\n' "$USER_NAME" "$PASSWORD" >"$TMP/glimpse.cred"
chmod 0600 "$TMP/glimpse.cred"
mkdir -p "$TMP/channels"
cat >"$TMP/feed.yaml" <<YAML
eal:
  lcores: [0, 1]
  main_lcore: 0
  hugepages: false
  memory_mb: 512
  file_prefix: $PREFIX
ports:
  - name: p0
    device: "net_af_packet0,iface=$VH"
    rx_descriptors: 4096
    mempool_size: 32767
feeds:
  - name: bench.itch
    protocol: itch50-moldudp64
    lines:
      A: { group: $GA, port: $PORT, rx_port: p0 }
      B: { group: $GB, port: $PORT, rx_port: p0 }
    books: { table: bench.books, depth: 10, max_orders: 4194304, hugepages: false }
    snapshot: { server: "$NS_IP:$GL_PORT", credentials: "$TMP/glimpse.cred", timeout_s: 120 }
channels:
  - { name: bench.ticks, capacity: 1048576, hugepages: false }
routes:
  - { feed: bench.itch, channels: [bench.ticks] }
cores:
  - { lcore: 1, port: p0, queue: 0 }
logging: { level: warn, async: false }
statistics: { interval_ms: 100 }
channel_dir: $TMP/channels
YAML
if ((!WIRE_ONLY)) && ! "$FEED" --config "$TMP/feed.yaml" --check >"$TMP/check.log" 2>&1; then
  echo "snapshot.sh: ichannel-feed refuses the snapshot config (no snapshot support?):" >&2
  cat "$TMP/check.log" >&2
  exit 1
fi

# Session: the build-up to ~ORDERS resting orders (0.377 per message with --mix open, measured:
# 1,660,155 after 4.4 M messages), then ~10 s more of live feed at the same rate.
MSGS_PER_S=$((RATE / 2 * 40))
BUILD_UP=$((ORDERS * 1000 / 377))
MESSAGES=$((BUILD_UP + MSGS_PER_S * 10))
START_MS=$((BUILD_UP * 1000 / MSGS_PER_S))
DAEMON_LEAD_MS=1500  # ichannel-feed's start-up (EAL, ports) before its snapshot begins

snapshot_stats() {  # the feed's snapshot object as JSON, or nothing
  "$STAT" --once --json --dir "$TMP/channels" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)["daemon"]
f = d["feeds"][0] if d else {}
s = f.get("snapshot") or f.get("snapshots")
if s: print(json.dumps(s))' 2>/dev/null || true
}

for run in $(seq 1 "$RUNS"); do
  ip netns exec "$NS" "$SIM" send --generate --messages "$MESSAGES" --symbols 5000 --seed $((40 + run)) \
    --mix open --group-a $GA --port-a $PORT --group-b $GB --port-b $PORT --iface "$VX" \
    --rate "$RATE" --glimpse-port $GL_PORT --glimpse-bind $NS_IP --glimpse-user $USER_NAME \
    --glimpse-password $PASSWORD --glimpse-linger 60 --summary "$TMP/send$run.json" --quiet \
    >"$TMP/send$run.log" 2>&1 &
  SIM_PID=$!
  PIDS+=("$SIM_PID")
  for _ in $(seq 1 600); do
    grep -q 'GLIMPSE server on' "$TMP/send$run.log" 2>/dev/null && break
    sleep 0.05
  done
  T0=$(date +%s%3N)
  wait_until() { while (($(date +%s%3N) < T0 + $1)); do sleep 0.02; done; }
  echo '{}' >"$TMP/daemon$run.json"
  wait_until $((START_MS > DAEMON_LEAD_MS ? START_MS - DAEMON_LEAD_MS : 0))
  # Pre-warm: the simulator's server replays the session into its state at a login (everything
  # since its previous login); this reader pays for that, the daemon's login then replays only
  # what was sent since.
  python3 "$WIRE" glimpse $NS_IP $GL_PORT $USER_NAME $PASSWORD >"$TMP/warm$run.json"
  if ((!WIRE_ONLY)); then
    "$FEED" --config "$TMP/feed.yaml" >"$TMP/feed$run.log" 2>"$TMP/feed$run.err" &
    FEED_PID=$!
    PIDS+=("$FEED_PID")
    for _ in $(seq 1 1200); do
      s=$(snapshot_stats)
      if [[ -n $s ]] && python3 -c "import json,sys; sys.exit(0 if json.loads(sys.argv[1])['completed'] >= 1 else 1)" "$s"; then
        echo "$s" >"$TMP/daemon$run.json"
        break
      fi
      kill -0 "$FEED_PID" 2>/dev/null || { cat "$TMP/feed$run.err" >&2; exit 1; }
      sleep 0.1
    done
  fi
  # The same bytes through plain TCP over the same veth, now (live feed and daemon running).
  BYTES=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get('bytes') or json.load(open(sys.argv[2]))['bytes'])" \
    "$TMP/daemon$run.json" "$TMP/warm$run.json")
  ip netns exec "$NS" python3 "$WIRE" serve $NS_IP $COPY_PORT "$BYTES" &
  COPY_PID=$!
  python3 "$WIRE" recv $NS_IP $COPY_PORT >"$TMP/copy$run.json"
  wait "$COPY_PID"
  # The server's own part for (about) the same state: render, send, a raw read.
  python3 "$WIRE" glimpse $NS_IP $GL_PORT $USER_NAME $PASSWORD >"$TMP/raw$run.json"
  if ((!WIRE_ONLY)); then
    kill -TERM "$FEED_PID"
    wait "$FEED_PID" 2>/dev/null || true
    rm -rf "$TMP/channels"/* "/var/run/dpdk/$PREFIX"
  fi
  kill -TERM "$SIM_PID" 2>/dev/null || true
  wait "$SIM_PID" 2>/dev/null || true
done

python3 - "$TMP" "$RUNS" "$RATE" "$MESSAGES" "$WIRE_ONLY" <<'PY'
import json, platform, statistics, subprocess, sys
tmp, runs, rate, messages, wire_only = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1"
sh = lambda c: subprocess.run(["sh", "-c", c], capture_output=True, text=True).stdout.strip()
rows = []
for r in range(1, runs + 1):
    d = json.load(open(f"{tmp}/daemon{r}.json"))
    c = json.load(open(f"{tmp}/copy{r}.json"))
    w = json.load(open(f"{tmp}/raw{r}.json"))
    rows.append((d, c, w))
cpu = sh("lscpu | sed -n 's/^Model name: *//p'")
load = " ".join(open("/proc/loadavg").read().split()[:3])
when = sh("date -u '+%Y-%m-%d %H:%M UTC'")
print(f"### Issue 12: snapshot of ~1 M resting orders over veth ({when})\n")
print(f"Machine: {cpu}, {sh('nproc')} vCPUs, kernel "
      f"{platform.release()}, load average {load} at the end. Session per run: "
      f"{messages:,} messages (--mix open, 5,000 symbols), A and B at {rate:,} packets/s together "
      f"(~{rate // 2 * 40:,} messages/s live); the daemon starts mid-session (on_start snapshot).\n")
print("| run | orders | messages | bytes | connect to books ready (ms) | live ticks buffered | buffer high water | "
      "TCP copy of the bytes (ms) | server render (ms) | raw reader connect to G (ms) | daemon / copy |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r, (d, c, w) in enumerate(rows, 1):
    dur = d.get("last_duration_us", 0) / 1000
    copy = c["end_us"] / 1000
    print(f"| {r} | {d.get('last_orders', 0):,} | {d.get('last_messages', 0):,} | {d.get('bytes', c['bytes']):,} | "
          f"{dur:,.1f} | {d.get('last_buffered', 0):,} | {d.get('buffer_high_water', 0):,} | {copy:,.1f} | "
          f"{w['first_byte_us'] / 1000:,.1f} | {w['end_us'] / 1000:,.1f} | {dur / copy if copy else 0:.1f}x |")
p50 = lambda xs: statistics.median(xs) if xs else 0
dur = p50([d.get("last_duration_us", 0) / 1000 for d, _, _ in rows])
buf = p50([d.get("last_buffered", 0) for d, _, _ in rows])
copy = p50([c["end_us"] / 1000 for _, c, _ in rows])
raw = p50([w["end_us"] / 1000 for _, _, w in rows])
render = p50([w["first_byte_us"] / 1000 for _, _, w in rows])
mb = p50([c["bytes"] for _, c, _ in rows]) / 1e6
print(f"\np50 over {runs} runs: connect to books ready {dur:,.1f} ms, {buf:,.0f} live ticks buffered; "
      f"the same {mb:,.1f} MB through plain TCP {copy:,.1f} ms ({mb / copy * 1000 if copy else 0:,.0f} MB/s); "
      f"raw GLIMPSE reader {raw:,.1f} ms, of which the simulator's rendering before its first byte "
      f"{render:,.1f} ms." + (" (--wire-only: no daemon)" if wire_only else ""))
PY
