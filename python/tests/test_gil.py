# A blocking read releases the GIL: another Python thread keeps running while one waits.
import threading
import time

import ichannel


def test_blocking_read_lets_other_threads_run(channel_dir, producer):
    p = producer("ticks", "g1", 1, 64)
    ch = ichannel.attach("g1")
    # The other thread notes every 10 ms bucket in which it ran. Counting buckets, not
    # iterations, keeps the test meaningful on a loaded machine: a read that held the GIL would
    # let the thread run only between its 100 ms slices (one 5 ms switch interval each), so in
    # about 1 bucket of 10.
    seen = set()
    stop = threading.Event()
    t0 = time.monotonic()

    def spin():
        while not stop.is_set():
            seen.add(int((time.monotonic() - t0) * 100))

    t = threading.Thread(target=spin)
    t.start()
    time.sleep(0.05)
    started = time.monotonic()
    records = ch.read(10, timeout=0.5)  # nothing is published: waits the whole timeout
    ended = time.monotonic()
    stop.set()
    t.join()
    assert len(records) == 0
    assert 0.45 <= ended - started < 2.0
    first, last = int((started - t0) * 100) + 1, int((ended - t0) * 100) - 1
    buckets = range(first, last)
    ran = sum(1 for b in buckets if b in seen)
    assert ran >= 0.5 * len(buckets), (ran, len(buckets))

    # And a record that arrives while waiting ends the wait early.
    def publish_later():
        time.sleep(0.2)
        p.go()

    threading.Thread(target=publish_later).start()
    started = time.monotonic()
    records = ch.read(10, timeout=5.0)
    assert len(records) == 1 and time.monotonic() - started < 2.0
    p.stop()


def test_second_thread_on_the_same_channel_is_refused_while_one_waits(channel_dir, producer):
    p = producer("ticks", "g2", 0, 64)
    ch = ichannel.attach("g2")
    t = threading.Thread(target=lambda: ch.read(10, timeout=0.5))
    t.start()
    time.sleep(0.1)
    try:
        ch.read(10)
        raise AssertionError("a concurrent read on the same Channel was not refused")
    except ichannel.Error as e:
        assert str(e) == "channel g2 is being read by another thread"
    t.join()
    assert len(ch.read(10)) == 0  # usable again once the wait is over
    p.stop()


def test_ctrl_c_interrupts_a_long_wait(channel_dir, producer):
    import signal
    import subprocess
    import sys
    p = producer("ticks", "g3", 0, 64)
    code = ("import time, ichannel\n"
            "ch = ichannel.attach('g3')\n"
            "print('attached', flush=True)\n"
            "t = time.monotonic()\n"
            "try:\n"
            "    ch.read(10, timeout=20)\n"
            "    print('not interrupted')\n"
            "except KeyboardInterrupt:\n"
            "    print('interrupted after %.2f' % (time.monotonic() - t))\n")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert child.stdout.readline().strip() == "attached"
    time.sleep(0.3)
    child.send_signal(signal.SIGINT)
    out = child.communicate(timeout=10)[0].strip()
    assert out.startswith("interrupted after"), out
    assert float(out.split()[-1]) < 5.0
    p.stop()
