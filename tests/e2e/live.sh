#!/usr/bin/env bash
# e2e 2 (live): a network namespace "exchange-<pid>" joined to the host by a veth pair;
# ichannel-sim sends a generated session as multicast on an A and a B line inside it;
# ichannel-feed, on real hugepages (DPDK memory and the channel file on hugetlbfs), reads the
# host end with net_af_packet; two ichannel-tap processes, each on its own, receive every tick:
# the counts per action and the checksum equal the expectation computed from the same session
# written to a capture (the simulator is deterministic per seed), and each receiver's received +
# lost equals the daemon's published count for the channel (ichannel-stat --json).
source "$(dirname "$0")/lib.sh"
e2e_init live
e2e_need_root "network namespace, veth, hugepages"
e2e_need_bins ICHANNEL_FEED ICHANNEL_TAP ICHANNEL_STAT ICHANNEL_SIM ICHANNEL_EXPECT
command -v ip >/dev/null || e2e_skip "iproute2 (ip) not installed"
e2e_hugepages 300 || e2e_skip "cannot reserve 300 MB of hugepages on /dev/hugepages"
E2E_HUGE_DIR=/dev/hugepages/$E2E_PREFIX.channels
mkdir -p "$E2E_HUGE_DIR"
export ICHANNEL_DIR=$E2E_HUGE_DIR
E2E_STATS=/dev/shm/ichannel/$E2E_PREFIX.stats
e2e_exchange_netns

T=$E2E_TMP
GA=233.54.12.1 GB=233.54.12.2 PORT=26400
SESSION=(--messages 20000 --symbols 30 --seed 23)
"$ICHANNEL_SIM" generate "${SESSION[@]}" --out "$T/session.pcap" --group-a $GA --port-a $PORT \
  --group-b $GB --port-b $PORT --summary "$T/sim.json" --quiet
"$ICHANNEL_EXPECT" --pcap "$T/session.pcap" --group-a $GA --port-a $PORT --group-b $GB \
  --port-b $PORT >"$T/expect.json"
N=$(e2e_json "$T/expect.json" 'j["messages"]')
[[ $N -eq $(e2e_json "$T/sim.json" 'j["expected_ticks"]["total"]') ]] ||
  e2e_fail "expectation disagrees with the simulator's summary"

# channel_dir left empty: the daemon's default dir (ICHANNEL_DIR, set above, on hugetlbfs) for
# the channel; the statistics segment goes to /dev/shm/ichannel (a hugetlbfs channel_dir would
# put it on hugetlbfs too, where its size is not a hugepage multiple).
e2e_config "$T/feed.yaml" HUGEPAGES=true FILE_PREFIX="$E2E_PREFIX" \
  DEVICE="net_af_packet0,iface=$E2E_VETH_HOST" GROUP_A=$GA GROUP_B=$GB PORT=$PORT \
  CHANNEL=live.all STATS_SEGMENT="$E2E_PREFIX.stats"
e2e_bg "$T/daemon.log" "$ICHANNEL_FEED" --config "$T/feed.yaml"
DAEMON=$E2E_LAST_PID
e2e_wait_for "$T/daemon.log.err" 'ichannel-feed ready:' 40 "$DAEMON" || e2e_fail "daemon not ready"
e2e_log "daemon ready on $E2E_VETH_HOST (af_packet, hugepages)"
# The channel file really is on hugetlbfs.
[[ $(stat -f -c %T "$E2E_HUGE_DIR/live.all") == hugetlbfs ]] || e2e_fail "channel not on hugetlbfs"

e2e_bg "$T/tap1.log" "$ICHANNEL_TAP" live.all --dir "$E2E_HUGE_DIR" --count --messages "$N" --duration 45
TAP1=$E2E_LAST_PID
e2e_bg "$T/tap2.log" "$ICHANNEL_TAP" live.all --dir "$E2E_HUGE_DIR" --count --messages "$N" --duration 45
TAP2=$E2E_LAST_PID
sleep 0.5  # both attached before the first packet (they start at the next tick)

e2e_log "sending $N ticks worth of multicast from namespace $E2E_NS"
ip netns exec "$E2E_NS" "$ICHANNEL_SIM" send --generate "${SESSION[@]}" --group $GA --port $PORT \
  --group-b $GB --port-b $PORT --iface "$E2E_VETH_EXCH" --rate 2000 --summary "$T/send.json" \
  --quiet >"$T/send.log" 2>&1 || e2e_fail "ichannel-sim send failed: $(cat "$T/send.log")"

e2e_wait_exit "$TAP1" 45 || e2e_fail "tap 1 did not get $N ticks: $(tail -n 2 "$T/tap1.log.err")"
e2e_wait_exit "$TAP2" 45 || e2e_fail "tap 2 did not get $N ticks"
python3 - "$T/expect.json" "$T/tap1.log" "$T/tap2.log" <<'PY'
import json, sys
last = lambda f: json.loads([l for l in open(f).read().splitlines() if l.strip()][-1])
want = last(sys.argv[1])
for f in sys.argv[2:]:
    got = last(f)
    for k in ("messages", "checksum", "actions"):
        assert got[k] == want[k], f"{f}: {k}: got {got[k]}, expected {want[k]}"
    assert got["lost"] == 0, f"{f}: lost {got['lost']}"
    l = got["latency_ns"]
    print(f"{f.split('/')[-1]}: {got['messages']} ticks, checksum ok, wire-to-tap p50 {l['p50']} ns, "
          f"p99 {l['p99']} ns, max {l['max']} ns")
PY
# The accounting (as deploy/demo prints it): each receiver's received + lost equals what the
# daemon published on the channel (ChannelStats.published), here N with nothing lost.
for _ in $(seq 1 20); do
  "$ICHANNEL_STAT" --once --json --dir "$E2E_HUGE_DIR" --stats "$E2E_STATS" >"$T/stat.json" || true
  python3 - "$T/stat.json" "$N" <<'PY' && break
import json, sys
ch = {c["name"]: c for c in json.load(open(sys.argv[1]))["daemon"]["channels"]}
sys.exit(0 if ch["live.all"]["published"] >= int(sys.argv[2]) else 1)
PY
  sleep 0.3
done
python3 - "$T/stat.json" "$N" "$T/tap1.log" "$T/tap2.log" <<'PY' || e2e_fail "accounting: see above"
import json, sys
ch = {c["name"]: c for c in json.load(open(sys.argv[1]))["daemon"]["channels"]}
pub, n = ch["live.all"]["published"], int(sys.argv[2])
last = lambda f: json.loads([l for l in open(f).read().splitlines() if l.strip()][-1])
assert pub == n, f"the daemon published {pub} ticks on live.all, the session has {n}"
for f in sys.argv[3:]:
    got = last(f)
    total = got["messages"] + got["lost"]
    assert total == pub, f"{f}: received {got['messages']} + lost {got['lost']} = {total}, published {pub}"
    print(f"{f.split('/')[-1]}: received {got['messages']} + lost {got['lost']} = {total} of {pub} published")
print("every published tick was received or counted lost by each receiver")
PY
kill -TERM "$DAEMON"
rc=0
e2e_wait_exit "$DAEMON" 20 || rc=$?
[[ $rc -eq 0 ]] || e2e_fail "daemon exit status $rc after SIGTERM"
e2e_log "PASS"
