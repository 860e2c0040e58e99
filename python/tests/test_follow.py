# python/examples/follow.py runs against a live channel and prints per-instrument statistics.
import os
import subprocess
import sys

import pytest


def test_follow_example_prints_per_instrument_statistics(channel_dir, producer):
    examples = os.environ.get("ICHANNEL_PY_EXAMPLES")
    if not examples:
        pytest.skip("ICHANNEL_PY_EXAMPLES is not set (run through meson test)")
    # A ring larger than what is published: the example sees every tick however slow Python is
    # (the lossy path is test_full_speed's).
    p = producer("ticks", "live", 200_000, 1 << 18)
    follow = subprocess.Popen(
        [sys.executable, os.path.join(examples, "follow.py"), "live", "--duration", "1.5",
         "--interval", "0.5", "--top", "5"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = follow.stdout.readline()  # printed once attached (start "next")
    assert first.startswith("following live"), first + follow.stderr.read()
    p.go()
    p.wait_published()
    out, err = follow.communicate(timeout=30)
    assert follow.returncode == 0, err
    assert "instrument" in out and "add" in out
    last = out.strip().splitlines()[-1]
    assert last.startswith("total"), out
    fields = dict(kv.split("=") for kv in last.split()[1:])
    assert int(fields["received"]) + int(fields["lost"]) + int(fields["skipped"]) == 200_000
    p.stop()
