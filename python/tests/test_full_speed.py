# A Python receiver of a channel whose C++ producer publishes at full speed: every record read
# is intact (all its fields are the function of its seq the producer wrote), seqs strictly
# increase, and the loss accounting is exact: received + lost (+ skipped) == published.
import threading

import numpy as np
import pytest

import ichannel
from expected import mismatches, tick_fields

PUBLISHED = 5_000_000


def follow(ch, p):
    """Reads until the producer has published everything and the ring is read to its end."""
    published = threading.Event()
    count = []
    threading.Thread(target=lambda: (count.append(p.wait_published()), published.set())).start()
    received, bad, last, gaps = 0, [], 0, 0
    p.go()
    while True:
        done = published.is_set()  # before the read: an empty read after it means the end
        records, seqs = ch.read(65536, timeout=0.05, seqs=True)
        if len(records):
            wrong = mismatches(records, tick_fields(seqs))
            if wrong:
                bad.append((wrong, int(seqs[0])))
            assert int(seqs[0]) > last and np.all(np.diff(seqs.astype(np.int64)) > 0)
            gaps += int(seqs[0]) - last - 1 + int(np.sum(np.diff(seqs) - np.uint64(1)))
            last = int(seqs[-1])
            received += len(records)
        elif done:
            break
    assert count == [PUBLISHED]
    return received, gaps, last, bad


@pytest.mark.parametrize("lap", ["oldest", "newest"])
def test_reader_of_a_full_speed_producer_accounts_for_every_tick(channel_dir, producer, lap):
    p = producer("ticks", "fast", PUBLISHED, 4096)
    ch = ichannel.attach("fast", kind="tick", lap=lap)
    received, gaps, last, bad = follow(ch, p)
    assert bad == [], "torn or wrong records"
    assert last == PUBLISHED  # the newest message was read
    assert received + ch.lost() + ch.skipped() == PUBLISHED
    assert gaps == ch.lost() + ch.skipped()  # every missing seq is counted, none twice
    if lap == "oldest":
        assert ch.skipped() == 0 and received + ch.lost() == PUBLISHED
    assert received > 0
    print(f"lap={lap}: received {received}, lost {ch.lost()}, skipped {ch.skipped()}")
    p.stop()
