#!/usr/bin/env bash
# e2e 4 (recovery): live A/B loss and MoldUDP64 re-request recovery over a veth pair. A network
# namespace "exchange-<pid>" (lib.sh) runs ichannel-sim send --generate on an A and a B line, each
# with its own loss (4% / 5%), reordering (1%) and B 1 ms behind A, so some packets are lost on
# both lines; its re-request server listens on the namespace's address. ichannel-feed reads the
# host end of the veth with net_af_packet and asks that server through its kernel UDP socket (the
# host end has an address in the same /30). One ichannel-tap --json per run dumps every tick.
# (a) server up: the tap gets exactly the lossless session (digest of ichannel-e2e-expect on the
#     fault-free capture), no gap record; ichannel-stat shows requests > 0 and recovered > 0;
#     tests/bench/app/hole_latency.py prints the hole-to-recovered latency.
# (b) server down (--rerequest-down): the tap gets exactly what ichannel-e2e-expect computes from
#     the capture of the same faulty session (same seed: the same packets lost): the gap records
#     for the messages neither line had, each declared within the reorder window + attempts x
#     timeout of the hole's opening (plus 40 ms of timer and scheduling slack).
# Order in each run: the simulator ends first, the daemon drains, then the tap's result is read.
source "$(dirname "$0")/lib.sh"
e2e_init recovery
e2e_need_root "network namespace, veth"
e2e_need_bins ICHANNEL_FEED ICHANNEL_TAP ICHANNEL_STAT ICHANNEL_SIM ICHANNEL_EXPECT
command -v ip >/dev/null || e2e_skip "iproute2 (ip) not installed"
e2e_exchange_netns
HOLE_LATENCY="$(dirname "$0")/../bench/app/hole_latency.py"

T=$E2E_TMP
GA=233.54.12.1 GB=233.54.12.2 PORT=26400
NS_IP=10.98.0.1 HOST_IP=10.98.0.2 RR_PORT=26490
ip addr add "$HOST_IP/30" dev "$E2E_VETH_HOST"
REORDER_US=2000 TIMEOUT_MS=50 ATTEMPTS=2
# ~60k messages in ~9k small packets per line, paced by their exchange times (20k msg/s: ~3 s), so
# the B delay is a real 1 ms skew on the wire. The seed fixes which packets each line loses (the
# last packets are not lost on both: no later packet would reveal that hole).
SESSION=(--messages 60000 --symbols 30 --seed 5 --msg-rate 20000 --max-payload 200)
FAULTS=(--loss-a 0.04 --loss-b 0.05 --reorder-a 0.01 --reorder-b 0.01 --b-delay-ns 1000000)
LINES=(--group-a $GA --port-a $PORT --group-b $GB --port-b $PORT)

"$ICHANNEL_SIM" generate "${SESSION[@]}" "${LINES[@]}" --out "$T/clean.pcap" --quiet
"$ICHANNEL_EXPECT" --pcap "$T/clean.pcap" "${LINES[@]}" >"$T/expect_clean.json"
"$ICHANNEL_SIM" generate "${SESSION[@]}" "${LINES[@]}" "${FAULTS[@]}" --out "$T/lossy.pcap" \
  --summary "$T/lossy_sim.json" --quiet
"$ICHANNEL_EXPECT" --pcap "$T/lossy.pcap" "${LINES[@]}" >"$T/expect_lossy.json"
N_CLEAN=$(e2e_json "$T/expect_clean.json" 'j["messages"]')
N_LOSSY=$(e2e_json "$T/expect_lossy.json" 'j["messages"]')
GAPS=$(e2e_json "$T/expect_lossy.json" 'j["gaps"]')
((GAPS > 0)) || e2e_fail "the faulty session should lose some packets on both lines"
e2e_log "session: $N_CLEAN ticks; lost on both lines: $GAPS holes ($N_LOSSY ticks with them)"

# run_case NAME [SIM FLAGS...]: daemon + tap + simulator; leaves $T/NAME.{ticks,stat.json,...}.
run_case() {
  local name=$1 want=$2
  shift 2
  e2e_config "$T/$name.yaml" HUGEPAGES=false FILE_PREFIX="$E2E_PREFIX" \
    DEVICE="net_af_packet0,iface=$E2E_VETH_HOST" GROUP_A=$GA GROUP_B=$GB PORT=$PORT \
    CHANNEL="rec.$name" CAPACITY=131072 CHANNEL_DIR="$E2E_CHANNELS" REORDER_US=$REORDER_US \
    RECOVERY_SERVER="$NS_IP:$RR_PORT" RECOVERY_TIMEOUT_MS=$TIMEOUT_MS RECOVERY_ATTEMPTS=$ATTEMPTS
  e2e_bg "$T/$name.daemon.log" "$ICHANNEL_FEED" --config "$T/$name.yaml"
  local daemon=$E2E_LAST_PID
  e2e_wait_for "$T/$name.daemon.log.err" 'ichannel-feed ready:' 40 "$daemon" ||
    e2e_fail "$name: daemon not ready"
  e2e_bg "$T/$name.ticks" "$ICHANNEL_TAP" "rec.$name" --dir "$E2E_CHANNELS" --json \
    --messages "$want" --duration 40
  local tap=$E2E_LAST_PID
  sleep 0.5  # attached before the first packet
  e2e_log "$name: sending from namespace $E2E_NS ($*)"
  ip netns exec "$E2E_NS" "$ICHANNEL_SIM" send --generate "${SESSION[@]}" "${LINES[@]}" \
    "${FAULTS[@]}" --iface "$E2E_VETH_EXCH" --pace original --rerequest-port $RR_PORT \
    --rerequest-bind $NS_IP --rerequest-linger 1 "$@" --summary "$T/$name.send.json" --quiet \
    >"$T/$name.send.log" 2>&1 || e2e_fail "$name: ichannel-sim send failed: $(cat "$T/$name.send.log")"
  # The simulator is done (and lingered 1 s for late requests); the daemon drains within
  # window + attempts x timeout; the tap stops at its count.
  e2e_wait_exit "$tap" 20 ||
    e2e_fail "$name: tap did not get $want ticks: $(tail -n 1 "$T/$name.ticks.err")"
  "$ICHANNEL_STAT" --once --json --dir "$E2E_CHANNELS" >"$T/$name.stat.json"
  kill -TERM "$daemon"
  local rc=0
  e2e_wait_exit "$daemon" 20 || rc=$?
  [[ $rc -eq 0 ]] || e2e_fail "$name: daemon exit status $rc after SIGTERM"
  python3 "$HOLE_LATENCY" "$T/$name.ticks" --window-us $REORDER_US >"$T/$name.latency.json"
}

# compare TAP_SUMMARY EXPECTED: the same ticks (count, order-sensitive checksum, per action).
compare() {
  python3 - "$1" "$2" <<'PY'
import json, sys
last = lambda f: json.loads([l for l in open(f).read().splitlines() if l.strip()][-1])
got, want = last(sys.argv[1]), last(sys.argv[2])
errors = [f"{k}: got {got[k]}, expected {want[k]}" for k in ("messages", "checksum", "actions")
          if got[k] != want[k]]
if got["lost"] != 0:
    errors.append(f"lost {got['lost']}")
if errors:
    sys.exit("; ".join(errors))
PY
}

# (a) server up: everything, recovered.
run_case up "$N_CLEAN"
compare "$T/up.ticks.err" "$T/expect_clean.json" || e2e_fail "up: not the lossless session"
python3 - "$T/up.stat.json" "$T/up.send.json" "$T/up.latency.json" <<'PY' || e2e_fail "up: counters"
import json, sys
stat, send, lat = (json.load(open(f)) for f in sys.argv[1:4])
f = stat["daemon"]["feeds"][0]
assert f["gaps"] == 0 and f["gap_messages"] == 0, f
assert f["requests"] > 0 and f["recovered"] > 0, f
assert f["request_send_errors"] == 0 and f["reply_drops"] == 0, f
held = sum(l["held"] for l in stat["daemon"]["lines"])
released = sum(l["released"] for l in stat["daemon"]["lines"])
assert 0 < released <= held, (held, released)
assert send["rerequest"]["answered"] > 0, send["rerequest"]
assert lat["gaps"]["records"] == 0, lat
r = lat["recovered"]
print(f"up: holes {f['holes']}, requests {f['requests']}, timeouts {f['request_timeouts']}, "
      f"recovered {f['recovered']} messages; server answered {send['rerequest']['answered']}; "
      f"hole-to-recovered over {r['holes']} holes: p50 {r['p50_us']} us, p99 {r['p99_us']} us, "
      f"max {r['max_us']} us")
PY

# (b) server down: exactly the gaps of the messages neither line had, declared in time.
run_case down "$N_LOSSY" --rerequest-down
compare "$T/down.ticks.err" "$T/expect_lossy.json" || e2e_fail "down: not the expected gaps"
python3 - "$T/down.stat.json" "$T/down.latency.json" "$GAPS" $((REORDER_US / 1000 + ATTEMPTS * TIMEOUT_MS)) <<'PY' ||
import json, sys
stat, lat = (json.load(open(f)) for f in sys.argv[1:3])
gaps, bound_ms = int(sys.argv[3]), int(sys.argv[4])
f = stat["daemon"]["feeds"][0]
assert f["gaps"] == gaps, f"daemon published {f['gaps']} gaps, expected {gaps}"
assert f["requests"] > 0 and f["request_timeouts"] > 0 and f["recovered"] == 0, f
g = lat["gaps"]
assert g["records"] == gaps, lat
# Slack: the feeds' timers run every 64 loop iterations and a request goes out through the
# control thread, which shares its CPU with the simulator and the tap here (seen: up to +12 ms on
# a 2-CPU machine); 40 ms of slack.
assert g["max_us"] <= (bound_ms + 40) * 1000, f"a gap took {g['max_us']} us (bound {bound_ms} ms)"
assert g["min_us"] >= bound_ms * 1000 * 0.9, f"a gap came early: {g['min_us']} us"
print(f"down: {gaps} gaps ({g['messages']} messages), requests {f['requests']}, timeouts "
      f"{f['request_timeouts']}; hole-to-gap p50 {g['p50_us']} us, max {g['max_us']} us "
      f"(window + attempts x timeout = {bound_ms} ms)")
PY
  e2e_fail "down: counters"
e2e_log "PASS"
