#!/usr/bin/env bash
# e2e 3 (restart): live multicast from a namespace (as in live.sh, without hugepages); two taps
# receive; the daemon is killed with SIGKILL mid-stream; ichannel-stat then shows the channel's
# producer dead (its lock free: the taps say so) and the daemon's statistics stale; the daemon is started
# again: it re-creates the channel (new epoch), the taps notice the restart, report it, and keep
# receiving the rest of the stream (which starts with a gap record: the new daemon joined the
# session midway).
source "$(dirname "$0")/lib.sh"
e2e_init restart
e2e_need_root "network namespace, veth"
e2e_need_bins ICHANNEL_FEED ICHANNEL_TAP ICHANNEL_STAT ICHANNEL_SIM
command -v ip >/dev/null || e2e_skip "iproute2 (ip) not installed"
e2e_exchange_netns

T=$E2E_TMP
GA=233.54.12.1 GB=233.54.12.2 PORT=26400
e2e_config "$T/feed.yaml" HUGEPAGES=false FILE_PREFIX="$E2E_PREFIX" \
  DEVICE="net_af_packet0,iface=$E2E_VETH_HOST" GROUP_A=$GA GROUP_B=$GB PORT=$PORT \
  CHANNEL=restart.all CHANNEL_DIR="$E2E_CHANNELS"
start_daemon() {
  e2e_bg "$T/daemon$1.log" "$ICHANNEL_FEED" --config "$T/feed.yaml"
  DAEMON=$E2E_LAST_PID
  e2e_wait_for "$T/daemon$1.log.err" 'ichannel-feed ready:' 40 "$DAEMON" ||
    e2e_fail "daemon (start $1) not ready"
}
start_daemon 1
EPOCH1=$("$ICHANNEL_STAT" --once --json --dir "$E2E_CHANNELS" | python3 -c \
  'import json,sys; print(json.load(sys.stdin)["channels"][0]["epoch"])')

for i in 1 2; do
  e2e_bg "$T/tap$i.log" "$ICHANNEL_TAP" restart.all --dir "$E2E_CHANNELS" --count \
    --stale-after 0.5 --progress 0.5 --duration 50
  eval "TAP$i=$E2E_LAST_PID"
done
sleep 0.3
# A stream of ~12 s (500 packets/s per line).
e2e_bg "$T/send.log" ip netns exec "$E2E_NS" "$ICHANNEL_SIM" send --generate --messages 1000000 \
  --symbols 50 --seed 3 --group $GA --port $PORT --group-b $GB --port-b $PORT \
  --iface "$E2E_VETH_EXCH" --rate 500 --duration 12 --quiet
SENDER=$E2E_LAST_PID
e2e_wait_for "$T/tap1.log.err" 'msgs=[1-9]' 15 || e2e_fail "no ticks before the kill"
sleep 1.5

e2e_log "kill -9 the daemon mid-stream"
kill -KILL "$DAEMON"
wait "$DAEMON" 2>/dev/null || true
sleep 1.2
"$ICHANNEL_STAT" --once --json --stale-after 0.5 --dir "$E2E_CHANNELS" >"$T/stat_dead.json"
"$ICHANNEL_STAT" --once --stale-after 0.5 --dir "$E2E_CHANNELS" >"$T/stat_dead.txt"
python3 - "$T/stat_dead.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
c = s["channels"][0]
assert c["heartbeat_age_s"] > 0.5, c
assert c["status"] in ("stale", "dead") and not c["producer_alive"], c
d = s["daemon"]
assert d is not None and d["stale"] and d["state"] == "running", d  # killed: never said stopped
PY
grep -qE 'restart\.all .* (stale|dead)' "$T/stat_dead.txt" || e2e_fail "stat screen: $(cat "$T/stat_dead.txt")"
grep -q '(STALE)' "$T/stat_dead.txt" || e2e_fail "stat screen does not flag the stale daemon"
MSGS_BEFORE=$(grep -oE 'msgs=[0-9]+' "$T/tap1.log.err" | tail -n 1 | cut -d= -f2)
e2e_log "producer dead and stale on the stat screen; tap 1 had $MSGS_BEFORE ticks; restarting the daemon"

start_daemon 2
EPOCH2=$("$ICHANNEL_STAT" --once --json --dir "$E2E_CHANNELS" | python3 -c \
  'import json,sys; print(json.load(sys.stdin)["channels"][0]["epoch"])')
[[ $EPOCH2 != "$EPOCH1" ]] || e2e_fail "epoch unchanged after restart"
e2e_wait_for "$T/tap1.log.err" 'producer restarted' 10 || e2e_fail "tap 1 did not notice the restart"
e2e_wait_for "$T/tap2.log.err" 'producer restarted' 10 || e2e_fail "tap 2 did not notice the restart"
sleep 1.5
kill -INT "$TAP1" "$TAP2"
e2e_wait_exit "$TAP1" 10 || true
e2e_wait_exit "$TAP2" 10 || true
python3 - "$T/tap1.log" "$T/tap2.log" "$MSGS_BEFORE" "$EPOCH2" <<'PY'
import json, sys
before, epoch2 = int(sys.argv[3]), int(sys.argv[4])
for f in sys.argv[1:3]:
    j = json.loads([l for l in open(f).read().splitlines() if l.strip()][-1])
    assert j["restarts"] == 1, f"{f}: restarts {j['restarts']}"
    assert j["epoch"] == epoch2, f"{f}: epoch {j['epoch']} != {epoch2}"
    assert j["dead_events"] >= 1, f"{f}: never saw the producer dead (kill -9)"
    assert j["actions"]["gap"] >= 1, f"{f}: no gap record from the rejoining daemon"
    print(f"{f.split('/')[-1]}: {j['messages']} ticks, restarts {j['restarts']}, "
          f"gap records {j['actions']['gap']}, lost {j['lost']}")
j = json.loads([l for l in open(sys.argv[1]).read().splitlines() if l.strip()][-1])
assert j["messages"] > before + 100, f"tap 1 received only {j['messages'] - before} ticks after the restart"
PY
e2e_log "PASS"
