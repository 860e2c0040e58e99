#!/usr/bin/env python3
# tests/bench/app/hole_latency.py: hole-to-recovered latency (and hole-to-gap delay) from what a
# receiver saw: the JSON-lines tick dump of `ichannel-tap CHANNEL --json` (one object per tick).
#
# Contract
# - hole_latency.py TICKS.jsonl [--window-us US]: prints one JSON object:
#   recovered: {holes, messages, p50_us, p99_us, max_us, min_us}: per hole (a run of consecutive
#     sequence numbers delivered more than --window-us (default 2000: the reorder window) after
#     the hole opened); its latency is the last of its messages' recv_ns minus the opening;
#   gaps: {records, messages, p50_us, p99_us, max_us}: per gap record (action "gap", seq = first
#     missing sequence, aux = count): its recv_ns (when the daemon declared it) minus the opening.
#   "The hole opened" = the earliest recv_ns of any tick with a higher sequence number (the first
#   packet beyond the hole to arrive on either line): ticks carry the receive time of their packet
#   (recovered ones: the re-request answer's), in the daemon's clock, and leave in sequence order.
# - Reads the whole dump (memory ~ ticks); stdlib only. Lines that are not tick objects (the tap's
#   summary, progress) are skipped.
import argparse
import json
import sys


def pct(values, p):
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, int(p / 100.0 * len(s)))]


def dist(values):
    us = [v / 1000.0 for v in values]
    return {"p50_us": round(pct(us, 50), 1), "p99_us": round(pct(us, 99), 1),
            "max_us": round(max(us), 1) if us else 0.0, "min_us": round(min(us), 1) if us else 0.0}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("ticks")
    ap.add_argument("--window-us", type=float, default=2000.0)
    args = ap.parse_args()
    ticks = []
    with open(args.ticks) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{\"seq\""):
                continue
            t = json.loads(line)
            ticks.append((t["seq"], t["action"], t["recv_ns"], t["aux"]))
    ticks.sort(key=lambda t: t[0])  # stable: the publish order within one sequence number
    # opening[i] = min recv_ns of the data ticks with a higher sequence than ticks[i].
    inf = float("inf")
    opening = [inf] * len(ticks)
    best = inf
    i = len(ticks) - 1
    while i >= 0:
        j = i
        while j >= 0 and ticks[j][0] == ticks[i][0]:
            j -= 1
        for k in range(j + 1, i + 1):
            opening[k] = best
        for k in range(j + 1, i + 1):
            if ticks[k][1] != "gap":
                best = min(best, ticks[k][2])
        i = j
    window_ns = args.window_us * 1000.0
    holes, messages, run_last, run_open, run_seq = [], 0, None, None, None
    gaps, gap_messages = [], 0
    for (seq, action, recv, aux), op in zip(ticks, opening):
        if action == "gap":
            if op != inf:
                gaps.append(recv - op)
            gap_messages += aux
            continue
        late = op != inf and recv - op > window_ns
        if late and run_seq is not None and seq <= run_seq + 1:
            run_last = max(run_last, recv)
            run_open = op  # the opening of the run's last message: the packet beyond the hole
            run_seq = seq
            messages += 1
            continue
        if run_seq is not None:
            holes.append(run_last - run_open)
            run_seq = None
        if late:
            run_last, run_open, run_seq = recv, op, seq
            messages += 1
    if run_seq is not None:
        holes.append(run_last - run_open)
    out = {"ticks": len(ticks),
           "recovered": dict({"holes": len(holes), "messages": messages}, **dist(holes)),
           "gaps": dict({"records": len(gaps), "messages": gap_messages}, **dist(gaps))}
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
