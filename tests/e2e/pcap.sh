#!/usr/bin/env bash
# e2e 1 (pcap): ichannel-sim writes a capture of a generated session on an A and a B line, with
# loss on A that B fills, 802.1Q-tagged like real captures; ichannel-feed replays it with
# net_pcap and --no-huge into two channels (everything, and a symbol-filtered one); one ichannel-tap --count per channel must receive
# exactly the expected ticks: the same count per action, the same checksum over every field but
# recv_ns, nothing lost. The expectation comes from ichannel-e2e-expect (decodes the capture
# in-process) and the simulator's own summary; ichannel-decode over the same capture and config
# (offline, no DPDK) must agree with it. ichannel-stat's Prometheus textfile and /metrics
# endpoint show the daemon's counters. Then the daemon stops cleanly on SIGTERM and the channels
# stay readable.
source "$(dirname "$0")/lib.sh"
e2e_init pcap
e2e_need_root "DPDK EAL runtime files"
e2e_need_bins ICHANNEL_FEED ICHANNEL_TAP ICHANNEL_STAT ICHANNEL_SIM ICHANNEL_EXPECT ICHANNEL_DECODE

T=$E2E_TMP
GA=233.54.12.1 GB=233.54.12.2 PORT=26400
e2e_log "generating the session"
"$ICHANNEL_SIM" generate --messages 30000 --symbols 40 --seed 11 --out "$T/feed.pcap" \
  --group-a $GA --port-a $PORT --group-b $GB --port-b $PORT --loss-a 0.05 --dup-b 0.01 \
  --vlan 100 --summary "$T/sim.json" --quiet
"$ICHANNEL_EXPECT" --pcap "$T/feed.pcap" --group-a $GA --port-a $PORT --group-b $GB \
  --port-b $PORT --list-symbols 3 >"$T/expect_all.json"
SYMBOLS=$(e2e_json "$T/expect_all.json" '",".join(j["directory"])')
"$ICHANNEL_EXPECT" --pcap "$T/feed.pcap" --group-a $GA --port-a $PORT --group-b $GB \
  --port-b $PORT --symbols "$SYMBOLS" >"$T/expect_some.json"
N_ALL=$(e2e_json "$T/expect_all.json" 'j["messages"]')
N_SOME=$(e2e_json "$T/expect_some.json" 'j["messages"]')
e2e_log "expecting $N_ALL ticks on e2e.all and $N_SOME on e2e.some (symbols $SYMBOLS)"

# Independent cross-check of the expectation: the simulator's own tick counts, no gaps (B fills
# A's losses), A really lost packets.
python3 - "$T/sim.json" "$T/expect_all.json" <<'PY'
import json, sys
sim = json.load(open(sys.argv[1])); exp = json.loads(open(sys.argv[2]).read().splitlines()[-1])
want = sim["expected_ticks"]
total = want["total"] if isinstance(want, dict) and "total" in want else sum(want.values())
assert exp["messages"] == total, f"decoded capture gives {exp['messages']} ticks, simulator says {total}"
for action, n in exp["actions"].items():
    assert n == want.get(action, 0), f"{action}: decoded {n}, simulator says {want.get(action, 0)}"
assert exp["gaps"] == 0, f"B should fill every loss of A, got {exp['gaps']} gaps"
assert sim["lines"]["a"]["dropped_packets"] > 0, "the session should drop packets on A"
PY

e2e_config "$T/feed.yaml" HUGEPAGES=false FILE_PREFIX="$E2E_PREFIX" \
  DEVICE="net_pcap0,rx_pcap=$T/feed.pcap" GROUP_A=$GA GROUP_B=$GB PORT=$PORT VLAN=100 \
  CHANNEL=e2e.all FILTERED_CHANNEL=e2e.some SYMBOLS="$SYMBOLS" CAPACITY=131072 \
  CHANNEL_DIR="$E2E_CHANNELS"
"$ICHANNEL_FEED" --config "$T/feed.yaml" --check >/dev/null

# The offline decoder over the same capture and config agrees with the expectation (the daemon's
# feed handler and routing without DPDK: docs/operations.md 5.7).
"$ICHANNEL_DECODE" "$T/feed.pcap" --config "$T/feed.yaml" --count >"$T/decode.json"
python3 - "$T/decode.json" "$T/expect_all.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); exp = json.loads(open(sys.argv[2]).read().splitlines()[-1])
f = d["feeds"][0]
assert d["ticks"] == exp["messages"], f"ichannel-decode: {d['ticks']} ticks, expected {exp['messages']}"
assert f["gaps"] == 0 and d["unrouted"] == 0 and d["rejected_total"] == 0, d
for action, n in exp["actions"].items():
    assert f["actions"].get(action, 0) == n, f"{action}: decode {f['actions'].get(action, 0)}, expected {n}"
PY

# Receivers first (they wait for the channels), from the oldest slot: the rings hold the session.
e2e_bg "$T/tap_all.log" "$ICHANNEL_TAP" e2e.all --dir "$E2E_CHANNELS" --wait 40 --from-oldest \
  --count --messages "$N_ALL" --duration 50
TAP_ALL=$E2E_LAST_PID
e2e_bg "$T/tap_some.log" "$ICHANNEL_TAP" e2e.some --dir "$E2E_CHANNELS" --wait 40 --from-oldest \
  --count --messages "$N_SOME" --duration 50
TAP_SOME=$E2E_LAST_PID
e2e_bg "$T/daemon.log" "$ICHANNEL_FEED" --config "$T/feed.yaml"
DAEMON=$E2E_LAST_PID
e2e_wait_for "$T/daemon.log.err" 'ichannel-feed ready:' 40 "$DAEMON" || e2e_fail "daemon not ready"
e2e_log "daemon ready"
e2e_wait_exit "$TAP_ALL" 50 || e2e_fail "tap on e2e.all did not finish: $(cat "$T/tap_all.log.err")"
e2e_wait_exit "$TAP_SOME" 50 || e2e_fail "tap on e2e.some did not finish"

# compare TAP_SUMMARY EXPECTED: messages, checksum, per action, instruments; nothing lost.
compare() {
  python3 - "$1" "$2" <<'PY'
import json, sys
last = lambda f: json.loads([l for l in open(f).read().splitlines() if l.strip()][-1])
got, want = last(sys.argv[1]), last(sys.argv[2])
errors = []
for k in ("messages", "checksum", "instruments", "actions"):
    if got[k] != want[k]:
        errors.append(f"{k}: got {got[k]}, expected {want[k]}")
if got["lost"] != 0:
    errors.append(f"lost {got['lost']}")
if errors:
    sys.exit(f"{got['channel']}: " + "; ".join(errors))
print(f"{got['channel']}: {got['messages']} ticks, checksum {got['checksum']}, "
      f"latency p50 {got['latency_ns']['p50']} ns p99 {got['latency_ns']['p99']} ns")
PY
}
compare "$T/tap_all.log" "$T/expect_all.json"
compare "$T/tap_some.log" "$T/expect_some.json"

# The daemon published exactly that much (no extra ticks after the taps stopped) and its
# counters agree: no gaps, duplicates seen, A lost packets.
for _ in $(seq 1 20); do
  "$ICHANNEL_STAT" --once --json --dir "$E2E_CHANNELS" >"$T/stat.json"
  python3 - "$T/stat.json" "$N_ALL" "$N_SOME" <<'PY' && break
import json, sys
s = json.load(open(sys.argv[1]))
ch = {c["name"]: c for c in s["daemon"]["channels"]}
sys.exit(0 if ch["e2e.all"]["published"] == int(sys.argv[2]) and
         ch["e2e.some"]["published"] == int(sys.argv[3]) else 1)
PY
  sleep 0.3
done
python3 - "$T/stat.json" "$N_ALL" "$N_SOME" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
d = s["daemon"]
assert d is not None, s.get("daemon_error")
ch = {c["name"]: c for c in d["channels"]}
assert ch["e2e.all"]["published"] == int(sys.argv[2]), ch
assert ch["e2e.some"]["published"] == int(sys.argv[3]), ch
lines = {l["line"]: l for l in d["lines"]}
assert sum(l["gaps"] for l in d["lines"] if l["line"] == "B") == 0, lines
assert lines["A"]["packets"] < lines["B"]["packets"], lines
names = sorted(c["name"] for c in s["channels"])
assert names == ["e2e.all", "e2e.some"], names
assert all(c["status"] == "alive" for c in s["channels"]), s["channels"]
PY

# Prometheus export of the live daemon: textfile (atomic) and the /metrics endpoint.
"$ICHANNEL_STAT" --once --quiet --dir "$E2E_CHANNELS" --prometheus-file "$T/ichannel.prom"
PROM_PORT=$((20000 + $$ % 20000))
e2e_bg "$T/stat_listen.log" "$ICHANNEL_STAT" --quiet --interval 0.2 --count 100 \
  --dir "$E2E_CHANNELS" --listen "127.0.0.1:$PROM_PORT"
sleep 0.5
python3 - "$T/ichannel.prom" "$PROM_PORT" "$N_ALL" "$N_SOME" <<'PY'
import sys, urllib.request
textfile = open(sys.argv[1]).read()
scraped = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[2]}/metrics", timeout=5).read().decode()
for name, text in (("textfile", textfile), ("/metrics", scraped)):
    samples = dict(l.rsplit(" ", 1) for l in text.splitlines() if l and not l.startswith("#"))
    want = {
        "ichannel_daemon_up": 1,
        'ichannel_channel_published_total{channel="e2e.all"}': int(sys.argv[3]),
        'ichannel_channel_published_total{channel="e2e.some"}': int(sys.argv[4]),
        'ichannel_feed_unrecovered_gaps_total{feed="sim.itch"}': 0,
        'ichannel_channel_stale{channel="e2e.all"}': 0,
    }
    for k, v in want.items():
        assert float(samples.get(k, "nan")) == v, f"{name}: {k} = {samples.get(k)}, expected {v}"
    assert float(samples['ichannel_feed_gaps_total{feed="sim.itch",line="A"}']) > 0, name
print("prometheus textfile and /metrics agree with the daemon")
PY

kill -TERM "$DAEMON"
rc=0
e2e_wait_exit "$DAEMON" 20 || rc=$?
[[ $rc -eq 0 ]] || e2e_fail "daemon exit status $rc after SIGTERM"
"$ICHANNEL_STAT" --once --json --dir "$E2E_CHANNELS" >"$T/stat.json"
[[ $(e2e_json "$T/stat.json" 'j["daemon"]["state"]') == stopped ]] || e2e_fail "state not stopped"
# Channels stay readable after the daemon exits.
"$ICHANNEL_TAP" e2e.all --dir "$E2E_CHANNELS" --from-oldest --count --idle-exit 0.3 >"$T/after.log"
[[ $(e2e_json "$T/after.log" 'j["messages"]') -eq $N_ALL ]] || e2e_fail "channel unreadable after exit"
e2e_log "PASS"
