#!/usr/bin/env bash
# e2e books: ichannel-sim writes a capture of a generated session whose books build up (A and B
# lines, loss on A that B fills); ichannel-feed replays it with net_pcap into a tick channel, a
# top-of-book channel and the feed's book table. A late-joining strategy process
# (ichannel-e2e-join) waits until the daemon, running at full speed, is a third into the session,
# joins every instrument with ONE call (join_books: table snapshot, then the top-of-book records
# after it) and follows to the end. The reference book of the tests (ichannel-e2e-expect
# --books-out: plain std containers over the decoded capture) says what must come out:
#   - the joiner's best bid/offer of every instrument == the reference's (snapshot + records ==
#     the full history), nothing lost or skipped;
#   - the book table's top N levels, level counts and trading state at the end == the reference;
#   - no crossed or locked book, no unknown reference; the daemon's book counters in
#     ichannel-stat (orders, unknown refs, mark) agree; ichannel-tap counts the top-of-book
#     channel.
source "$(dirname "$0")/lib.sh"
e2e_init books
e2e_need_root "DPDK EAL runtime files"
e2e_need_bins ICHANNEL_FEED ICHANNEL_TAP ICHANNEL_STAT ICHANNEL_SIM ICHANNEL_EXPECT ICHANNEL_JOIN

T=$E2E_TMP
GA=233.54.12.1 GB=233.54.12.2 PORT=26400
SYMBOLS=150 MESSAGES=${E2E_BOOK_MESSAGES:-600000} DEPTH=5
e2e_log "generating the session ($MESSAGES messages, $SYMBOLS symbols)"
"$ICHANNEL_SIM" generate --messages "$MESSAGES" --symbols $SYMBOLS --seed 23 --out "$T/feed.pcap" \
  --group-a $GA --port-a $PORT --group-b $GB --port-b $PORT --loss-a 0.02 \
  --summary "$T/sim.json" --quiet
"$ICHANNEL_EXPECT" --pcap "$T/feed.pcap" --group-a $GA --port-a $PORT --group-b $GB \
  --port-b $PORT --books-out "$T/books_ref.jsonl" --depth $DEPTH >"$T/expect.json"
TOTAL=$(e2e_json "$T/expect.json" 'j["messages"]')
LIVE=$(python3 -c "import json,sys; print(json.loads(open('$T/books_ref.jsonl').read().splitlines()[-1])['counters']['live_orders'])")
e2e_log "expecting $TOTAL messages; the reference ends with $LIVE live orders"

e2e_config "$T/feed.yaml" HUGEPAGES=false FILE_PREFIX="$E2E_PREFIX" \
  DEVICE="net_pcap0,rx_pcap=$T/feed.pcap" GROUP_A=$GA GROUP_B=$GB PORT=$PORT \
  CHANNEL=e2e.ticks TOB_CHANNEL=e2e.tob BOOK_TABLE=e2e.books BOOK_DEPTH=$DEPTH \
  CAPACITY=1048576 CHANNEL_DIR="$E2E_CHANNELS" MEMORY_MB=1024
"$ICHANNEL_FEED" --config "$T/feed.yaml" --check >/dev/null

# The whole top-of-book channel, from the oldest record (its count is checked against the
# daemon's statistics below).
e2e_bg "$T/tap_tob.log" "$ICHANNEL_TAP" e2e.tob --dir "$E2E_CHANNELS" --wait 40 --from-oldest \
  --count --idle-exit 3 --duration 80
TAP=$E2E_LAST_PID
e2e_bg "$T/join.log" "$ICHANNEL_JOIN" --table e2e.books --channel e2e.tob --dir "$E2E_CHANNELS" \
  --instruments $SYMBOLS --after-seq $((TOTAL / 3)) --until-seq "$TOTAL" --timeout 80 \
  --out "$T/books_join.jsonl"
JOIN=$E2E_LAST_PID
e2e_bg "$T/daemon.log" "$ICHANNEL_FEED" --config "$T/feed.yaml"
DAEMON=$E2E_LAST_PID
e2e_wait_for "$T/daemon.log.err" 'ichannel-feed ready:' 40 "$DAEMON" || e2e_fail "daemon not ready"
e2e_log "daemon ready"
e2e_wait_exit "$JOIN" 90 || e2e_fail "joiner failed: $(cat "$T/join.log.err")"
e2e_wait_exit "$TAP" 90 || e2e_fail "tap on e2e.tob did not finish"

python3 - "$T/books_ref.jsonl" "$T/books_join.jsonl" "$TOTAL" <<'PY'
import json, sys
ref = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
got = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
counters = ref.pop()["counters"]
join = got.pop()["join"]
assert counters["unknown_refs"] == 0 and counters["crossed"] == 0 and counters["locked"] == 0, counters
assert join["lost"] == 0 and join["skipped"] == 0, join
total = int(sys.argv[3])
assert total // 3 <= join["join_seq"] < total, f"joined at {join['join_seq']} of {total}: not mid-session"
ref_by = {r["i"]: r for r in ref}
got_by = {g["i"]: g for g in got}
errors = []
for i, r in ref_by.items():
    g = got_by.get(i)
    empty = not r["bid"] and not r["ask"]
    if g is None:
        if not empty: errors.append(f"{i}: missing from the joiner's output")
        continue
    want_bid, want_ask = r["bid"][:1], r["ask"][:1]
    if g["bid"] != want_bid or g["ask"] != want_ask:
        errors.append(f"{i}: followed best {g['bid']} / {g['ask']}, reference {want_bid} / {want_ask}")
    if g["table_bid"] != r["bid"] or g["table_ask"] != r["ask"]:
        errors.append(f"{i}: table top levels {g['table_bid']} / {g['table_ask']}, reference {r['bid']} / {r['ask']}")
    if (g["bid_levels"], g["ask_levels"]) != (r["bid_levels"], r["ask_levels"]):
        errors.append(f"{i}: table level counts {g['bid_levels']}/{g['ask_levels']}, reference {r['bid_levels']}/{r['ask_levels']}")
    if g["state"] != r["state"]:
        errors.append(f"{i}: trading state {g['state']!r}, reference {r['state']!r}")
    if g["wrong"]:
        errors.append(f"{i}: marked possibly wrong on a complete session")
for i, g in got_by.items():
    if i not in ref_by and (g["bid"] or g["ask"] or g["table_bid"] or g["table_ask"]):
        errors.append(f"{i}: a book the reference does not have")
if errors:
    sys.exit(f"{len(errors)} instrument(s) differ:\n  " + "\n  ".join(errors[:20]))
levels = sum(r["bid_levels"] + r["ask_levels"] for r in ref)
print(f"books: {len(ref)} instruments, {levels} levels equal the reference; joiner joined at seq "
      f"{join['join_seq']} of {total}, followed {join['followed']} records, lost 0")
PY
[[ $? -eq 0 ]] || e2e_fail "books differ from the reference"

# The daemon's own account: every message applied, the counters, the top-of-book channel count.
for _ in $(seq 1 20); do
  "$ICHANNEL_STAT" --once --json --dir "$E2E_CHANNELS" >"$T/stat.json"
  python3 - "$T/stat.json" "$TOTAL" <<'PY' && break
import json, sys
d = json.load(open(sys.argv[1]))["daemon"]
sys.exit(0 if d and d["feeds"][0]["ticks"] >= int(sys.argv[2]) else 1)
PY
  sleep 0.3
done
python3 - "$T/stat.json" "$T/tap_tob.log" "$LIVE" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
d = s["daemon"]
b = d["feeds"][0]["books"]
assert b is not None and b["table"] == "e2e.books", d["feeds"][0]
assert b["orders"] == int(sys.argv[3]), f"daemon has {b['orders']} live orders, reference {sys.argv[3]}"
for k in ("unknown_refs", "duplicate_refs", "crossed", "locked", "order_store_full", "level_store_full", "marked"):
    assert b[k] == 0, f"{k} = {b[k]}"
ch = {c["name"]: c for c in d["channels"]}
tap = json.loads([l for l in open(sys.argv[2]).read().splitlines() if l.strip()][-1])
assert tap.get("payload") == "top_of_book", tap
assert tap["lost"] == 0, tap
assert tap["messages"] == ch["e2e.tob"]["published"] == b["top_of_book"], (tap["messages"], ch["e2e.tob"], b["top_of_book"])
print(f"daemon: {b['orders']} live orders, {b['levels']} levels, {b['top_of_book']} top-of-book records "
      f"(tap counted {tap['messages']}), book memory {b['memory_bytes'] >> 20} MiB")
PY
[[ $? -eq 0 ]] || e2e_fail "daemon book counters"

kill -TERM "$DAEMON"
e2e_wait_exit "$DAEMON" 20 || e2e_fail "daemon exit after SIGTERM"
e2e_log "PASS"
