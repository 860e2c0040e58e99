#!/usr/bin/env python3
"""tests/fuzz/make_sequencer_seeds.py DIR: seed corpus for ichannel-fuzz-sequencer.

Each seed is a config byte and 40 four-byte operations in the format sequencer_fuzz.cpp reads:
data on A, B and the re-request line near the expected sequence, heartbeats, ends of session,
timers and absolute jumps, over three sessions and several time scales. Deterministic.
"""
import os
import random
import sys


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = random.Random(1)
    for k in range(16):
        seed = bytes([rng.randrange(256)])
        for _ in range(40):
            op = rng.choice([0, 1, 0, 1, 2, 3, 4, 5, 7])
            op |= rng.randrange(3) << 3  # session
            op |= rng.randrange(3) << 5  # time scale
            a = rng.choice([0, 1, 2, 3, 0xFF, 0xFE, 5])  # offset from the expected sequence
            seed += bytes([op, a, rng.randrange(20), rng.randrange(8)])
        with open(os.path.join(out, "seed%02d" % k), "wb") as f:
            f.write(seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
