#!/usr/bin/python3
"""tests/deploy/metric_names_test.py: the shipped alert rules, recording rules and the Grafana
dashboard use only metric names (and label names, and `reason` values) that the exporter really
exports; the dashboard is valid JSON of the expected shape; every alert and recording rule has a
promtool unit test; every counter that means trouble has an alert.

Usage: metric_names_test.py METRIC_NAMES_EXE SOURCE_ROOT

METRIC_NAMES_EXE (tests/deploy/metric_names.cpp) prints what ichannel-stat serves for a view in
which every family is present, rendered by the exporter's own code. Names that come from
elsewhere are an explicit allow-list (ALLOWED). Needs python3-yaml (/usr/bin/python3).
"""
import json
import os
import re
import subprocess
import sys

import yaml

# Metrics the rules may use that ichannel does not export, and who exports them.
ALLOWED = {
    "up": "Prometheus itself (scrape health of the ichannel job)",
    "node_memory_HugePages_Free": "node_exporter meminfo collector",
    "node_memory_HugePages_Total": "node_exporter meminfo collector",
    "node_textfile_mtime_seconds": "node_exporter textfile collector",
    "ichannel_receiver_lost_total": "each strategy: its Receiver::lost() (docs/operations.md 3)",
    "ALERTS": "Prometheus itself (the dashboard's firing-alerts table)",
}
ALLOWED_LABELS = {"job", "instance", "file", "receiver", "channel", "alertname", "alertstate",
                  "severity"}
# Families that mean trouble: each must appear in at least one alert expression.
TROUBLE = [
    "ichannel_daemon_up", "ichannel_daemon_stats_age_seconds", "ichannel_core_full_bursts_total",
    "ichannel_port_imissed_total", "ichannel_port_rx_nombuf_total", "ichannel_port_ierrors_total",
    "ichannel_port_rejected_total", "ichannel_port_unrouted_total",
    "ichannel_feed_packets_total", "ichannel_feed_gaps_total",
    "ichannel_feed_unrecovered_gaps_total", "ichannel_feed_ticks_total",
    "ichannel_feed_malformed_total", "ichannel_feed_undecodable_total",
    "ichannel_feed_session_changes_total", "ichannel_feed_stale_session_total",
    "ichannel_feed_end_of_session_total",
    "ichannel_feed_rerequest_timeouts_total", "ichannel_feed_rerequests_total",
    "ichannel_feed_rerequest_replies_total", "ichannel_feed_rerequest_send_errors_total",
    "ichannel_feed_rerequest_reply_drops_total", "ichannel_feed_late_copies_total",
    "ichannel_feed_held_packets", "ichannel_feed_store_full_total",
    "ichannel_feed_too_large_to_hold_total", "ichannel_feed_suspect_sequence_total",
    "ichannel_feed_sequence_zero_total",
    "ichannel_channel_file_state", "ichannel_channel_stale", "ichannel_channel_producer_alive",
    "ichannel_book_marked", "ichannel_book_unknown_refs_total", "ichannel_book_crossed_total",
    "ichannel_book_locked_total", "ichannel_book_duplicate_refs_total",
    "ichannel_book_over_executions_total", "ichannel_book_rejected_adds_total",
    "ichannel_book_order_store_full_total", "ichannel_book_level_store_full_total",
    "ichannel_book_orders", "ichannel_book_max_orders", "ichannel_book_top_of_book_total",
    "ichannel_snapshot_failures_total", "ichannel_snapshot_completed_total",
    "ichannel_snapshot_state", "ichannel_snapshot_buffer_overflows_total",
    "ichannel_snapshot_buffer_high_water", "ichannel_snapshot_buffer_ticks",
    "ichannel_receiver_lost_total", "node_memory_HugePages_Free", "node_memory_HugePages_Total",
]
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or",
            "unless", "bool", "offset", "inf", "nan", "atan2"}
GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
AGGREGATIONS = {"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
                "bottomk", "topk", "quantile"}

errors = []


def error(msg):
    errors.append(msg)


def exported(exe):
    """{family: set(label names)} and {label: set(values)} of the exporter's text."""
    text = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
    families, values = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            families.setdefault(line.split()[2], set())
        elif line and not line.startswith("#"):
            m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+$', line)
            if not m or m.group(1) not in families:
                error(f"exporter output: unexpected line {line!r}")
                continue
            for k, v in re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(2) or ""):
                families[m.group(1)].add(k)
                values.setdefault(k, set()).add(v)
    return families, values


def parse_expr(expr):
    """(metric selectors [(name, {label: (op, value)})], grouping label names) of a PromQL text."""
    expr = re.sub(r"\$\{?\w+\}?", "", expr)  # Grafana variables ($feed, $__rate_interval)
    selectors, grouping = [], []
    i, n = 0, len(expr)
    pending_group = False
    while i < n:
        c = expr[i]
        if c in "\"'`":
            j = expr.index(c, i + 1)
            i = j + 1
            continue
        if c == "[":
            i = expr.index("]", i) + 1
            continue
        m = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr[i:])
        if m and not (i > 0 and (expr[i - 1].isdigit() or expr[i - 1] == ".")):
            word = m.group(0)
            i += len(word)
            rest = expr[i:].lstrip()
            if word in GROUPING:
                pending_group = True
                continue
            if word in KEYWORDS or word in AGGREGATIONS:
                continue
            if rest.startswith("("):  # a function call
                continue
            matchers = {}
            if rest.startswith("{"):
                start = expr.index("{", i)
                end = expr.index("}", start)
                for k, op, v in re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"',
                                           expr[start + 1:end]):
                    matchers[k] = (op, v)
                i = end + 1
            selectors.append((word, matchers))
            continue
        if c == "(" and pending_group:
            end = expr.index(")", i)
            grouping += [g.strip() for g in expr[i + 1:end].split(",") if g.strip()]
            pending_group = False
            i = end + 1
            continue
        if c == "{":  # a selector without a name: {__name__=...}
            end = expr.index("}", i)
            i = end + 1
            continue
        i += 1
    return selectors, grouping


def check_expr(where, expr, families, values, recorded):
    selectors, grouping = parse_expr(expr)
    known_labels = set().union(*families.values()) | ALLOWED_LABELS
    used = []
    for name, matchers in selectors:
        used.append(name)
        if name in families:
            labels = families[name] | {"job", "instance"}
        elif name in recorded or name in ALLOWED:
            labels = None
        else:
            error(f"{where}: metric {name} is not exported by ichannel-stat, not recorded by "
                  f"ichannel-recording.yml and not in the allow-list")
            continue
        for k, (op, v) in matchers.items():
            if labels is not None and k not in labels:
                error(f"{where}: {name} has no label {k} (it has {sorted(labels)})")
            if k == "reason" and op in ("=", "=~", "!~"):
                for alt in v.split("|"):
                    if alt not in values.get("reason", set()):
                        error(f"{where}: reason {alt!r} is not a reject reason the daemon exports "
                              f"({sorted(values.get('reason', []))})")
    for g in grouping:
        if g not in known_labels:
            error(f"{where}: grouping label {g!r} is no label of any exported metric")
    return used


def dashboard_queries(dash):
    """Every panel query of the dashboard as PromQL, the Grafana variables substituted."""
    out = []
    for p in dash.get("panels", []):
        for t in p.get("targets", []):
            out.append((p.get("title"), grafana_to_promql(t["expr"])))
    return out


def grafana_to_promql(expr):
    expr = expr.replace("$__rate_interval", "1m")
    return re.sub(r"\$\{?(instance|feed|channel)\}?", ".*", expr)


def check_dashboard_promql(dash):
    """The dashboard's queries parse as PromQL: promtool check rules on a rule file made of them
    (only when promtool is installed; the rule files themselves are checked by
    prometheus_rules_test.sh)."""
    import shutil
    import tempfile
    if not shutil.which("promtool"):
        print("note: promtool not installed, dashboard PromQL syntax not checked")
        return
    rules = [{"record": f"dashboard:query_{i}:check", "expr": e}
             for i, (_, e) in enumerate(dashboard_queries(dash))]
    with tempfile.NamedTemporaryFile("w", suffix=".yml") as f:
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, f)
        f.flush()
        r = subprocess.run(["promtool", "check", "rules", f.name], capture_output=True, text=True)
        if r.returncode != 0:
            error(f"dashboard queries are not valid PromQL: {r.stdout}{r.stderr}")


def main():
    exe, root = sys.argv[1], sys.argv[2]
    prom = os.path.join(root, "deploy", "prometheus")
    families, values = exported(exe)
    if len(families) < 80:
        error(f"the exporter rendered only {len(families)} families: the synthetic view misses some")

    alerts_doc = yaml.safe_load(open(os.path.join(prom, "ichannel-alerts.yml")))
    recording_doc = yaml.safe_load(open(os.path.join(prom, "ichannel-recording.yml")))
    recorded = {r["record"] for g in recording_doc["groups"] for r in g["rules"]}
    alert_names, alert_used = set(), set()
    for g in alerts_doc["groups"]:
        for r in g["rules"]:
            name = r["alert"]
            alert_names.add(name)
            alert_used |= set(check_expr(f"alert {name}", r["expr"], families, values, set()))
            if r.get("labels", {}).get("severity") not in ("page", "warning", "info"):
                error(f"alert {name}: severity must be page, warning or info")
            for k in ("summary", "description"):
                if not r.get("annotations", {}).get(k):
                    error(f"alert {name}: no {k} annotation")
    for g in recording_doc["groups"]:
        for r in g["rules"]:
            check_expr(f"record {r['record']}", r["expr"], families, values, set())
            if not re.fullmatch(r"[a-z_]+:[a-zA-Z0-9_]+:[a-z0-9_]+", r["record"]):
                error(f"record {r['record']}: not named level:metric:operation")
    for t in TROUBLE:
        if t not in alert_used:
            error(f"no alert uses {t}")

    # Every alert and every recording rule has a unit test that expects something.
    tested_alerts, tested_records = set(), set()
    tests_dir = os.path.join(prom, "tests")
    for f in sorted(os.listdir(tests_dir)):
        if not f.endswith(".yml"):
            continue
        for t in yaml.safe_load(open(os.path.join(tests_dir, f)))["tests"]:
            for a in t.get("alert_rule_test", []):
                if a.get("exp_alerts"):
                    tested_alerts.add(a["alertname"])
            for p in t.get("promql_expr_test", []):
                if p.get("exp_samples"):
                    tested_records |= {n for n, _ in parse_expr(p["expr"])[0]}
    for a in sorted(alert_names - tested_alerts):
        error(f"alert {a} has no promtool test in which it fires")
    for r in sorted(recorded - tested_records):
        error(f"record {r} has no promtool test")

    # The dashboard: valid JSON, Grafana's shape, only known names.
    dash_path = os.path.join(root, "deploy", "grafana", "ichannel.json")
    try:
        dash = json.load(open(dash_path))
    except ValueError as e:
        error(f"{dash_path}: not valid JSON: {e}")
        dash = {}
    for k in ("title", "uid", "schemaVersion", "panels", "templating"):
        if k not in dash:
            error(f"dashboard: no {k}")
    ids, exprs = set(), 0
    for p in dash.get("panels", []):
        if p.get("id") in ids:
            error(f"dashboard: panel id {p.get('id')} twice")
        ids.add(p.get("id"))
        if not p.get("title"):
            error(f"dashboard: panel {p.get('id')} without a title")
        if p.get("type") == "row":
            continue
        if not p.get("targets"):
            error(f"dashboard: panel {p.get('title')!r} has no targets")
        for t in p.get("targets", []):
            exprs += 1
            check_expr(f"dashboard panel {p.get('title')!r}", t["expr"], families, values, recorded)
    for v in dash.get("templating", {}).get("list", []):
        q = v.get("query")
        if v.get("type") == "query":
            q = q.get("query") if isinstance(q, dict) else q
            m = re.match(r"label_values\((.*),\s*(\w+)\)$", q or "")
            if not m:
                error(f"dashboard variable {v.get('name')}: query {q!r} is not label_values(SELECTOR, LABEL)")
            else:
                check_expr(f"dashboard variable {v.get('name')}", m.group(1), families, values, recorded)
    if exprs < 20:
        error(f"dashboard: only {exprs} queries")
    check_dashboard_promql(dash)

    # docs/operations.md names only metrics that exist (recorded names, level:metric:op, aside).
    doc = open(os.path.join(root, "docs", "operations.md")).read()
    for name in sorted(set(re.findall(r"(?<![:\w])(?:ichannel|node)_[a-zA-Z0-9_]*[a-zA-Z0-9](?![:\w])", doc))):
        if name.startswith(("ichannel_book_", "ichannel_snapshot_", "ichannel_feed_", "ichannel_port_", "ichannel_channel_",
                            "ichannel_daemon_", "ichannel_core_", "ichannel_receiver_", "node_memory",
                            "node_textfile")) and name not in families and name not in ALLOWED:
            error(f"docs/operations.md: {name} is not an exported metric")

    for e in errors:
        print("FAIL:", e)
    if errors:
        return 1
    print(f"ok: {len(families)} exported families; {len(alert_names)} alerts, {len(recorded)} "
          f"recording rules, {exprs} dashboard queries use only exported, recorded or allowed "
          f"names ({', '.join(sorted(ALLOWED))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
