# A blocking read releases the GIL: another Python thread keeps running while one waits.
import threading
import time

import ichannel


def test_blocking_read_lets_other_threads_run(channel_dir, producer):
    p = producer("ticks", "g1", 1, 64)
    ch = ichannel.attach("g1")
    counter = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            counter[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    time.sleep(0.05)
    # Baseline: what the thread does while this one sleeps (time.sleep releases the GIL).
    before = counter[0]
    time.sleep(0.5)
    baseline = counter[0] - before
    before = counter[0]
    started = time.monotonic()
    records = ch.read(10, timeout=0.5)  # nothing is published: waits the whole timeout
    waited = time.monotonic() - started
    during = counter[0] - before
    stop.set()
    t.join()
    assert len(records) == 0
    assert 0.45 <= waited < 2.0
    # The other thread ran for most of the wait. Had the read held the GIL, the thread would
    # only get it between the 100 ms slices (one switch interval, 5 ms, each): ~5 %.
    assert during > 0.3 * baseline, (during, baseline)

    # And a record that arrives while waiting ends the wait early.
    def publish_later():
        time.sleep(0.2)
        p.go()

    threading.Thread(target=publish_later).start()
    started = time.monotonic()
    records = ch.read(10, timeout=5.0)
    assert len(records) == 1 and time.monotonic() - started < 2.0
    p.stop()
