#!/usr/bin/env bash
# e2e prometheus: a real Prometheus (Debian's binary, a temp data dir) scrapes
# `ichannel-stat --listen` every 0.5 s and evaluates the shipped rule files
# (deploy/prometheus/ichannel-alerts.yml, ichannel-recording.yml) every second while ichannel-feed
# replays a simulated session (ichannel-sim capture, net_pcap, as pcap.sh) into a channel and a
# book table. Then, through Prometheus' HTTP API (/api/v1/query, /rules, /alerts):
#   - ichannel_feed_ticks_total and ichannel_channel_published_total equal what the daemon
#     published (ichannel-stat --json), the line gaps of the lossy A line are there;
#   - the recording rules evaluate: feed:ichannel_book_orders:ratio_max == orders / max_orders of
#     ichannel-stat --json, feed_line:ichannel_feed_packets:rate1m exists for both lines;
#   - every shipped rule is loaded and evaluates against the real series without an error;
#   - stopping the daemon makes IchannelDown pending (ichannel_daemon_up 0).
# The replay takes less than a scrape interval, so rates over it are not asserted.
source "$(dirname "$0")/lib.sh"
e2e_init prometheus
e2e_need_root "DPDK EAL runtime files"
e2e_need_bins ICHANNEL_FEED ICHANNEL_STAT ICHANNEL_SIM
PROMETHEUS=${PROMETHEUS:-$(command -v prometheus || true)}
[[ -n "$PROMETHEUS" && -x "$PROMETHEUS" ]] || e2e_skip "prometheus not installed (apt-get install prometheus)"
PY=/usr/bin/python3
RULES_DIR="$(cd "$(dirname "$0")/../../deploy/prometheus" && pwd)"

T=$E2E_TMP
GA=233.54.12.1 GB=233.54.12.2 PORT=26400
STAT_PORT=$((20000 + $$ % 20000))
PROM_PORT=$((STAT_PORT + 1))
PROM="http://127.0.0.1:$PROM_PORT"
GLIMPSE_PORT=$((STAT_PORT + 2))  # nothing listens there

e2e_log "generating the session"
"$ICHANNEL_SIM" generate --messages 30000 --symbols 40 --seed 13 --out "$T/feed.pcap" \
  --group-a $GA --port-a $PORT --group-b $GB --port-b $PORT --loss-a 0.05 --quiet
e2e_config "$T/feed.yaml" HUGEPAGES=false FILE_PREFIX="$E2E_PREFIX" \
  DEVICE="net_pcap0,rx_pcap=$T/feed.pcap" GROUP_A=$GA GROUP_B=$GB PORT=$PORT \
  CHANNEL=e2e.all BOOK_TABLE=e2e.books BOOK_MAX_ORDERS=65536 CAPACITY=131072 \
  CHANNEL_DIR="$E2E_CHANNELS" SNAPSHOT="server: \"127.0.0.1:$GLIMPSE_PORT\", retry_ms: 100"
# A GLIMPSE server that is not there: the daemon's start snapshot fails (connect refused) and is
# retried, so every snapshot family of the dashboard has series (e2e_snapshot takes real ones).
export ICHANNEL_GLIMPSE_USER=e2e ICHANNEL_GLIMPSE_PASSWORD=e2e
"$ICHANNEL_FEED" --config "$T/feed.yaml" --check >/dev/null

# The exporter first (no daemon yet: ichannel_daemon_up 0), then Prometheus scraping it.
e2e_bg "$T/stat_listen.log" "$ICHANNEL_STAT" --quiet --interval 0.2 --dir "$E2E_CHANNELS" \
  --listen "127.0.0.1:$STAT_PORT"
cat >"$T/prometheus.yml" <<EOF
global:
  scrape_interval: 500ms
  scrape_timeout: 400ms
  evaluation_interval: 1s
rule_files:
  - $RULES_DIR/ichannel-alerts.yml
  - $RULES_DIR/ichannel-recording.yml
scrape_configs:
  - job_name: ichannel
    static_configs:
      - targets: ['127.0.0.1:$STAT_PORT']
EOF
e2e_bg "$T/prometheus.log" "$PROMETHEUS" --config.file="$T/prometheus.yml" \
  --storage.tsdb.path="$T/prom-data" --web.listen-address="127.0.0.1:$PROM_PORT" \
  --log.level=warn
PROM_PID=$E2E_LAST_PID

# query EXPR: the instant vector of EXPR as JSON lines {"metric": {...}, "value": float}.
query() {
  "$PY" - "$PROM" "$1" <<'PY'
import json, sys, urllib.parse, urllib.request
url = sys.argv[1] + "/api/v1/query?" + urllib.parse.urlencode({"query": sys.argv[2]})
r = json.load(urllib.request.urlopen(url, timeout=5))
assert r["status"] == "success", r
for s in r["data"]["result"]:
    print(json.dumps({"metric": s["metric"], "value": float(s["value"][1])}))
PY
}
# wait_value EXPR WANT TIMEOUT_S: until EXPR has exactly one sample equal to WANT.
wait_value() {
  local deadline=$((SECONDS + $3)) got=""
  while ((SECONDS < deadline)); do
    got=$(query "$1" 2>/dev/null || true)
    if [[ $(wc -l <<<"$got") -eq 1 ]] &&
      "$PY" -c 'import json,sys; sys.exit(0 if abs(json.loads(sys.argv[1])["value"] - float(sys.argv[2])) < 1e-9 else 1)' \
        "$got" "$2" 2>/dev/null; then
      return 0
    fi
    kill -0 "$PROM_PID" 2>/dev/null || e2e_fail "prometheus exited: $(tail -5 "$T/prometheus.log.err")"
    sleep 0.25
  done
  e2e_fail "$1: expected $2, Prometheus returns ${got:-nothing}"
}

wait_value 'up{job="ichannel"}' 1 30
wait_value 'ichannel_daemon_up' 0 10
e2e_log "prometheus scrapes ichannel-stat on 127.0.0.1:$STAT_PORT"

e2e_bg "$T/daemon.log" "$ICHANNEL_FEED" --config "$T/feed.yaml"
DAEMON=$E2E_LAST_PID
e2e_wait_for "$T/daemon.log.err" 'ichannel-feed ready:' 40 "$DAEMON" || e2e_fail "daemon not ready"
e2e_log "daemon ready"

# The replay is over when the daemon's counters stop moving (one second without change).
last="" same=0
for _ in $(seq 1 100); do
  "$ICHANNEL_STAT" --once --json --dir "$E2E_CHANNELS" >"$T/stat.json"
  now=$(e2e_json "$T/stat.json" '(j["daemon"]["feeds"][0]["ticks"], j["daemon"]["channels"][0]["published"])')
  if [[ "$now" == "$last" ]]; then ((++same)); else same=0; fi
  ((same >= 5)) && break
  last=$now
  sleep 0.2
done
((same >= 5)) || e2e_fail "the daemon's counters did not settle: $now"
TICKS=$(e2e_json "$T/stat.json" 'j["daemon"]["feeds"][0]["ticks"]')
PUBLISHED=$(e2e_json "$T/stat.json" '[c for c in j["daemon"]["channels"] if c["name"] == "e2e.all"][0]["published"]')
GAPS_A=$(e2e_json "$T/stat.json" '[l for l in j["daemon"]["lines"] if l["line"] == "A"][0]["gaps"]')
RATIO=$(e2e_json "$T/stat.json" 'j["daemon"]["feeds"][0]["books"]["orders"] / j["daemon"]["feeds"][0]["books"]["max_orders"]')
((TICKS > 20000)) || e2e_fail "the daemon published only $TICKS ticks"
((GAPS_A > 0)) || e2e_fail "line A should have gaps (--loss-a 0.05)"
e2e_log "daemon published $TICKS ticks ($PUBLISHED on e2e.all), line A had $GAPS_A gaps, books at $RATIO of max_orders"

# The counters through Prometheus equal the daemon's.
wait_value 'ichannel_daemon_up' 1 10
wait_value 'ichannel_feed_ticks_total{feed="sim.itch"}' "$TICKS" 10
wait_value 'ichannel_channel_published_total{channel="e2e.all"}' "$PUBLISHED" 10
wait_value 'ichannel_feed_gaps_total{feed="sim.itch",line="A"}' "$GAPS_A" 10
wait_value 'ichannel_channel_producer_alive{channel="e2e.all"}' 1 10
e2e_log "Prometheus: ichannel_feed_ticks_total = $TICKS, as the daemon says"
# The start snapshot's failures (nothing listens on the GLIMPSE port) reach Prometheus.
wait_value 'ichannel_snapshot_connect_failures_total{feed="sim.itch"} > bool 0' 1 10
wait_value 'ichannel_snapshot_completed_total{feed="sim.itch"}' 0 10
wait_value 'count(ichannel_snapshot_info{feed="sim.itch"})' 1 10

# Recording rules evaluate on the real series.
wait_value 'feed:ichannel_book_orders:ratio_max{feed="sim.itch"}' "$RATIO" 10
wait_value 'count(feed_line:ichannel_feed_packets:rate1m{feed="sim.itch"})' 2 10
e2e_log "recording rules: feed:ichannel_book_orders:ratio_max = $RATIO"

# Every shipped rule is loaded and evaluated without an error.
for _ in $(seq 1 40); do
  "$PY" - "$PROM" "$RULES_DIR" >"$T/rules.txt" 2>&1 <<'PY' && break
import json, sys, urllib.request, yaml
r = json.load(urllib.request.urlopen(sys.argv[1] + "/api/v1/rules", timeout=5))["data"]["groups"]
loaded = {(x["type"], x["name"]): x for g in r for x in g["rules"]}
shipped = []
for f, kind in (("ichannel-alerts.yml", "alerting"), ("ichannel-recording.yml", "recording")):
    for g in yaml.safe_load(open(f"{sys.argv[2]}/{f}"))["groups"]:
        shipped += [(kind, x.get("alert") or x.get("record")) for x in g["rules"]]
missing = [s for s in shipped if s not in loaded]
bad = [(k, x["health"], x.get("lastError")) for k, x in loaded.items() if x["health"] != "ok"]
print(f"{len(shipped)} shipped rules, {len(loaded)} loaded, missing {missing}, not ok {bad}")
sys.exit(1 if missing or bad or len(loaded) != len(shipped) else 0)
PY
  sleep 0.5
done || true
grep -q 'missing \[\], not ok \[\]' "$T/rules.txt" || e2e_fail "rules: $(cat "$T/rules.txt")"
e2e_log "$(cat "$T/rules.txt")"

# Every query of the Grafana dashboard runs without an error on the real series; those over
# ichannel's own metrics return data (not the ones of node_exporter, the strategies, ALERTS or
# a `> 0` filter, which have nothing to show in this session).
"$PY" - "$PROM" "$RULES_DIR/../grafana/ichannel.json" <<'PY' || e2e_fail "dashboard queries"
import json, re, sys, urllib.parse, urllib.request
dash = json.load(open(sys.argv[2]))
errors, empty, n = [], [], 0
for p in dash["panels"]:
    for t in p.get("targets", []):
        q = re.sub(r"\$\{?(instance|feed|channel)\}?", ".*", t["expr"].replace("$__rate_interval", "1m"))
        url = sys.argv[1] + "/api/v1/query?" + urllib.parse.urlencode({"query": q})
        try:
            r = json.load(urllib.request.urlopen(url, timeout=5))
        except Exception as e:
            errors.append(f"{p['title']}: {q}: {e}")
            continue
        n += 1
        if r["status"] != "success":
            errors.append(f"{p['title']}: {q}: {r}")
        elif not r["data"]["result"] and not re.search(r"node_|receiver_lost|ALERTS|> 0", q):
            empty.append(f"{p['title']}: {q}")
for e in errors + [f"no data: {e}" for e in empty]:
    print(e, file=sys.stderr)
print(f"{n} dashboard queries ran, {len(errors)} errors, {len(empty)} without data")
sys.exit(1 if errors or empty else 0)
PY

# The daemon stops: ichannel_daemon_up 0 and IchannelDown pending (its for: is 30 s).
kill -TERM "$DAEMON"
rc=0
e2e_wait_exit "$DAEMON" 20 || rc=$?
[[ $rc -eq 0 ]] || e2e_fail "daemon exit status $rc after SIGTERM"
wait_value 'ichannel_daemon_up' 0 10
wait_value 'count(ALERTS{alertname="IchannelDown",alertstate="pending",severity="page"})' 1 10
e2e_log "IchannelDown pending after the daemon stopped"
e2e_log "PASS"
