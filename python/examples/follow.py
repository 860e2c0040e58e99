#!/usr/bin/python3
"""Follow an ichannel channel and print per-instrument statistics live.

    /usr/bin/python3 python/examples/follow.py NAME [--dir DIR] [--duration S] [--interval S]
                                                    [--top N]

Tick channels: per instrument the record count, its rate over the last interval, the last
trade/order price and the count per action (add, delete, execute, ...). Top-of-book channels:
count, rate, last bid and ask. Every interval also prints the receiver's lost/skipped counters
and the producer state; the last line is the total:
    total received=R lost=L skipped=S seconds=T
(received + lost + skipped = every record published since the attach).
"""
import argparse
import sys
import time

import numpy as np

import ichannel

# Tick actions that carry a price of their own (docs/tick-format.md).
PRICED = [1, 2, 6, 7, 8]  # add, replace, execute_with_price, trade, cross


class Stats:
    def __init__(self, kind):
        self.kind = kind
        self.count = np.zeros(65536, dtype=np.int64)
        self.window = np.zeros(65536, dtype=np.int64)
        self.per_action = np.zeros((65536, len(ichannel.ACTION_NAMES)), dtype=np.int64)
        self.last_price = np.zeros(65536, dtype=np.int64)
        self.last_ask = np.zeros(65536, dtype=np.int64)

    def add(self, records):
        inst = records["instrument"].astype(np.int64)
        n = np.bincount(inst, minlength=65536)
        self.count += n
        self.window += n
        if self.kind == "tick":
            action = np.minimum(records["action"], len(ichannel.ACTION_NAMES) - 1)
            np.add.at(self.per_action, (inst, action), 1)
            priced = np.isin(records["action"], PRICED)
            # fancy assignment keeps the last write per index: the newest price
            self.last_price[inst[priced]] = records["price"][priced]
        else:
            self.last_price[inst] = records["bid_price"]
            self.last_ask[inst] = records["ask_price"]

    def print(self, top, interval):
        busiest = np.argsort(-self.count, kind="stable")[:top]
        busiest = busiest[self.count[busiest] > 0]
        if self.kind == "tick":
            actions = [a for a in range(1, len(ichannel.ACTION_NAMES))
                       if self.per_action[:, a].any()]
            head = "".join(f" {ichannel.ACTION_NAMES[a]:>10}" for a in actions)
            print(f"  {'instrument':>10} {'count':>10} {'rate/s':>10} {'last_price':>12}{head}")
            for i in busiest:
                price = self.last_price[i] / ichannel.PRICE_SCALE
                cols = "".join(f" {self.per_action[i, a]:>10}" for a in actions)
                print(f"  {i:>10} {self.count[i]:>10} {self.window[i] / interval:>10.0f} "
                      f"{price:>12.4f}{cols}")
        else:
            print(f"  {'instrument':>10} {'count':>10} {'rate/s':>10} {'bid':>12} {'ask':>12}")
            for i in busiest:
                print(f"  {i:>10} {self.count[i]:>10} {self.window[i] / interval:>10.0f} "
                      f"{self.last_price[i] / ichannel.PRICE_SCALE:>12.4f} "
                      f"{self.last_ask[i] / ichannel.PRICE_SCALE:>12.4f}")
        self.window[:] = 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name", help="channel name")
    ap.add_argument("--dir", default=None, help="channel directory (default: $ICHANNEL_DIR or "
                    "the default directory)")
    ap.add_argument("--duration", type=float, default=None, help="stop after S seconds")
    ap.add_argument("--interval", type=float, default=1.0, help="print every S seconds")
    ap.add_argument("--top", type=int, default=10, help="instruments shown (busiest first)")
    ap.add_argument("--wait", type=float, default=0.0, help="wait S seconds for the channel")
    args = ap.parse_args()

    try:
        ch = ichannel.attach(args.name, dir=args.dir, wait=args.wait)
    except ichannel.Error as e:
        print(f"follow.py: {e}", file=sys.stderr)
        return 1
    if ch.kind == "raw":
        print(f"follow.py: {args.name} holds {ch.type_name}, not ticks or top-of-book records",
              file=sys.stderr)
        return 1
    print(f"following {args.name} ({ch.type_name}, capacity {ch.capacity})", flush=True)

    stats = Stats(ch.kind)
    start = time.monotonic()
    next_print = start + args.interval
    received = 0
    window_received = 0
    try:
        while True:
            now = time.monotonic()
            if args.duration is not None and now - start >= args.duration:
                break
            wait = max(0.0, min(next_print - now, 0.1))
            records = ch.read(65536, timeout=wait)
            if len(records):
                stats.add(records)
                received += len(records)
                window_received += len(records)
            now = time.monotonic()
            if now >= next_print:
                state = ch.poll_producer()["to"]
                print(f"t={now - start:.1f}s received {received} "
                      f"({window_received / args.interval:.0f}/s) lost {ch.lost()} "
                      f"skipped {ch.skipped()} producer {state}")
                stats.print(args.top, args.interval)
                sys.stdout.flush()
                window_received = 0
                next_print += args.interval
    except KeyboardInterrupt:
        pass
    # Whatever is readable now is counted too.
    while True:
        records = ch.read(65536)
        if not len(records):
            break
        stats.add(records)
        received += len(records)
    print(f"total received={received} lost={ch.lost()} skipped={ch.skipped()} "
          f"seconds={time.monotonic() - start:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
