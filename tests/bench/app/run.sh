#!/usr/bin/env bash
# tests/bench/app/run.sh: the appliance benchmark (issue 4), side by side in one run.
#
#   tests/bench/app/run.sh [BUILD_DIR] [--seconds S] [--messages N] [--no-live]
#
# 1. DPDK path: ichannel-feed replays a generated capture with net_pcap,infinite_rx=1 through one
#    RX core into one channel, with one ichannel-tap --count --busy attached (pinned to the main
#    lcore's CPU). Packets/s and messages/s come from the daemon's statistics segment
#    (ichannel-stat --json sampled S seconds apart), lost ticks and the tap's own rate from the tap.
#    The capture holds three MoldUDP64 sessions back to back, so every loop is decoded anew
#    (a looped single session would turn into duplicates after the first pass).
# 2. Kernel path: ichannel-udp-bench sends the same A-line payloads over loopback and receives
#    them with recvmmsg on an ordinary UDP socket, decoding with the same ItchFeed into a ring.
# 3. Wire-to-tap latency (root, netns): ichannel-sim sends paced multicast from a namespace over a
#    veth pair, ichannel-feed reads it with net_af_packet, a pinned busy tap measures
#    wall_clock_ns() - Tick::recv_ns (p50, p99, p99.9, max). Also the saturated figure from 1.
# Prints a markdown section (machine, results) to stdout; paste it into docs/.bench-app.md.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
BUILD=$ROOT/build
SECONDS_RUN=5
MESSAGES=200000
LIVE=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) SECONDS_RUN=$2; shift 2 ;;
    --messages) MESSAGES=$2; shift 2 ;;
    --no-live) LIVE=0; shift ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) BUILD=$(cd "$1" && pwd); shift ;;
  esac
done
FEED=$BUILD/app/daemon/ichannel-feed
TAP=$BUILD/app/tools/tap/ichannel-tap
STAT=$BUILD/app/tools/stat/ichannel-stat
SIM=$BUILD/app/tools/sim/ichannel-sim
UDP=$BUILD/tests/bench/app/ichannel-udp-bench
for b in "$FEED" "$TAP" "$STAT" "$SIM" "$UDP"; do
  [[ -x $b ]] || { echo "run.sh: $b not built" >&2; exit 1; }
done
[[ $(id -u) -eq 0 ]] || { echo "run.sh: needs root (DPDK runtime files, netns)" >&2; exit 1; }

TMP=$(mktemp -d /tmp/ichannel-bench-app.XXXXXX)
PREFIX=ichbench$$
PIDS=()
NS=benchx-$$
cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  sleep 0.5
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  ip netns del "$NS" 2>/dev/null
  ip link del "vb$$h" 2>/dev/null
  rm -rf "$TMP" "/var/run/dpdk/$PREFIX" "/var/run/dpdk/${PREFIX}l"
}
trap cleanup EXIT
NCPU=$(nproc)
RX_LCORE=1
TAP_CPU=0
((NCPU >= 3)) && TAP_CPU=2

# --- the capture: three sessions back to back (A line only) -------------------------------------
GA=233.54.12.1 PORT=26400
for i in 1 2 3; do
  "$SIM" generate --messages "$MESSAGES" --symbols 500 --seed "$i" --session "BENCH0000$i" \
    --out "$TMP/s$i.pcap" --group-a $GA --port-a $PORT --quiet
done
python3 - "$TMP" <<'PY'
import sys
d = sys.argv[1]
with open(f"{d}/bench.pcap", "wb") as out:
    for i in (1, 2, 3):
        b = open(f"{d}/s{i}.pcap", "rb").read()
        out.write(b if i == 1 else b[24:])  # one pcap file header
PY
PKTS=$(python3 -c "
import struct
b=open('$TMP/bench.pcap','rb').read(); o=24; n=0
while o < len(b):
    incl=struct.unpack_from('<I', b, o+8)[0]; o += 16 + incl; n += 1
print(n)")

config() {  # config DEVICE HUGE
  cat <<YAML
eal:
  lcores: [0, $RX_LCORE]
  main_lcore: 0
  hugepages: $2
  memory_mb: 512
  file_prefix: $PREFIX
ports:
  - name: p0
    device: "$1"
    rx_queues: 1
    rx_descriptors: 4096
    mempool_size: 32767
feeds:
  - name: bench.itch
    protocol: itch50-moldudp64
    lines:
      A: { group: $GA, port: $PORT, rx_port: p0 }
channels:
  - { name: bench.all, capacity: 65536, hugepages: false }
routes:
  - { feed: bench.itch, channels: [bench.all] }
cores:
  - { lcore: $RX_LCORE, port: p0, queue: 0 }
logging: { level: warn, async: false }
statistics: { interval_ms: 250 }
channel_dir: $TMP/channels
YAML
}
mkdir -p "$TMP/channels"

start_feed() {
  "$FEED" --config "$1" >"$TMP/feed.log" 2>"$TMP/feed.err" &
  FEED_PID=$!
  PIDS+=("$FEED_PID")
  for _ in $(seq 1 300); do
    [[ -e $TMP/channels/ichannel-stats ]] && "$STAT" --once --json --dir "$TMP/channels" 2>/dev/null |
      grep -q '"state":"running"' && return 0
    kill -0 "$FEED_PID" 2>/dev/null || { cat "$TMP/feed.err" >&2; return 1; }
    sleep 0.1
  done
  return 1
}
stop_feed() {
  kill -TERM "$FEED_PID"
  wait "$FEED_PID" 2>/dev/null || true
  rm -rf "$TMP/channels"/* "/var/run/dpdk/$PREFIX"
}

# --- 1. DPDK: net_pcap infinite_rx -> one RX core -> one channel -> one busy tap ----------------
config "net_pcap0,rx_pcap=$TMP/bench.pcap,infinite_rx=1" false >"$TMP/pcap.yaml"
start_feed "$TMP/pcap.yaml"
"$TAP" bench.all --dir "$TMP/channels" --count --busy --cpu "$TAP_CPU" \
  --duration $((SECONDS_RUN + 2)) >"$TMP/tap.json" 2>"$TMP/tap.err" &
TAP_PID=$!
PIDS+=("$TAP_PID")
sleep 1
"$STAT" --once --json --dir "$TMP/channels" >"$TMP/s0.json"
sleep "$SECONDS_RUN"
"$STAT" --once --json --dir "$TMP/channels" >"$TMP/s1.json"
wait "$TAP_PID" || true
stop_feed

# --- 2. kernel UDP socket, recvmmsg, same decode ------------------------------------------------
"$UDP" --pcap "$TMP/bench.pcap" --port $PORT --seconds "$SECONDS_RUN" --rx-cpu "$RX_LCORE" \
  --tx-cpu 0 >"$TMP/udp.json"

# --- 3. wire-to-tap latency at a paced rate (live af_packet) -------------------------------------
LAT=""
if ((LIVE)) && ip netns add "$NS" 2>/dev/null; then
  ip link add "vb$$h" type veth peer name "vb$$x"
  ip link set "vb$$x" netns "$NS"
  ip -n "$NS" addr add 10.97.0.1/30 dev "vb$$x"
  ip -n "$NS" link set "vb$$x" up
  ip -n "$NS" route add 224.0.0.0/4 dev "vb$$x"
  ip link set "vb$$h" up
  # The daemon verifies UDP checksums: locally sent UDP over veth carries a partial one unless
  # transmit checksum offload is off (docs/operations.md, section 6).
  ip netns exec "$NS" "$ROOT/tests/support/tx-checksum-off" "vb$$x"
  config "net_af_packet0,iface=vb$$h" false >"$TMP/live.yaml"
  start_feed "$TMP/live.yaml"
  "$TAP" bench.all --dir "$TMP/channels" --count --busy --cpu "$TAP_CPU" \
    --duration $((SECONDS_RUN + 2)) >"$TMP/lat.json" 2>"$TMP/lat.err" &
  TAP_PID=$!
  PIDS+=("$TAP_PID")
  sleep 0.5
  ip netns exec "$NS" "$SIM" send --generate --messages $((1000 * 45 * (SECONDS_RUN + 1))) \
    --symbols 500 --seed 9 --group $GA --port $PORT --iface "vb$$x" --rate 1000 \
    --duration "$SECONDS_RUN" --quiet >/dev/null 2>&1 || true
  wait "$TAP_PID" || true
  stop_feed
  LAT=$TMP/lat.json
fi

python3 - "$TMP" "$SECONDS_RUN" "$PKTS" "$MESSAGES" "$LAT" <<'PY'
import json, subprocess, sys, platform
tmp, secs, pkts, msgs_per_session, lat = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
def last(f):
    return json.loads([l for l in open(f).read().splitlines() if l.strip()][-1])
s0, s1 = json.load(open(f"{tmp}/s0.json")), json.load(open(f"{tmp}/s1.json"))
dt = (s1["daemon"]["update_ns"] - s0["daemon"]["update_ns"]) / 1e9
p0, p1 = s0["daemon"]["ports"][0], s1["daemon"]["ports"][0]
l0, l1 = s0["daemon"]["lines"][0], s1["daemon"]["lines"][0]
c0, c1 = s0["daemon"]["channels"][0], s1["daemon"]["channels"][0]
pps = (p1["polled"] - p0["polled"]) / dt
mps = (l1["messages"] - l0["messages"]) / dt
tps = (c1["published"] - c0["published"]) / dt
tap = last(f"{tmp}/tap.json")
udp = last(f"{tmp}/udp.json")
cpu = subprocess.run(["sh", "-c", "lscpu | sed -n 's/^Model name: *//p'"], capture_output=True, text=True).stdout.strip()
print(f"### App benchmark ({subprocess.run(['date', '-u', '+%Y-%m-%d %H:%M UTC'], capture_output=True, text=True).stdout.strip()})\n")
print(f"Machine: {cpu}, {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} vCPUs, "
      f"kernel {platform.release()}. Capture: 3 sessions x {msgs_per_session} messages, {pkts} packets "
      f"(~{3 * msgs_per_session / pkts:.0f} messages per packet). Window {dt:.2f} s.\n")
print("| path | packets/s | messages/s | ticks/s | notes |")
print("|---|---:|---:|---:|---|")
print(f"| DPDK net_pcap infinite_rx -> 1 RX core -> 1 channel (+1 busy tap) | {pps:,.0f} | {mps:,.0f} | {tps:,.0f} | "
      f"tap got {tap['messages']:,} ticks, lost {tap['lost']:,} (lapped) |")
print(f"| kernel UDP loopback, recvmmsg(32) + same decode into a ring | {udp['packets_per_s']:,.0f} | "
      f"{udp['messages_per_s']:,.0f} | {udp['ticks_per_s']:,.0f} | sender on the other CPU; avg batch {udp['avg_batch']} |")
print(f"\nRatio DPDK / kernel: {pps / max(udp['packets_per_s'], 1):.2f}x packets/s, "
      f"{mps / max(udp['messages_per_s'], 1):.2f}x messages/s.\n")
def latrow(name, j):
    l = j["latency_ns"]
    return (f"| {name} | {l['count']:,} | {l['min']/1e3:,.1f} | {l['p50']/1e3:,.1f} | {l['p99']/1e3:,.1f} | {l['p999']/1e3:,.1f} | "
            f"{l['max']/1e3:,.1f} |")
print("| wire-to-tap latency (us) | samples | min | p50 | p99 | p99.9 | max |")
print("|---|---:|---:|---:|---:|---:|---:|")
print(latrow("saturated: net_pcap infinite_rx (queueing, per-burst stamp)", tap))
if lat:
    print(latrow("paced: af_packet on veth, ~1000 packets/s", last(lat)))
PY
