# python/tests/conftest.py: fixtures of the ichannel module's tests.
# - channel_dir: a fresh channel directory, also exported as ICHANNEL_DIR (producer and module
#   both use it).
# - producer(mode, name, count, capacity): starts python/tests/test_producer.cpp's executable
#   ($ICHANNEL_PY_PRODUCER, set by meson), waits for its "ready" line; .go() starts publishing,
#   .wait_published() returns the count it published, .stop() closes its stdin (it exits).
import os
import subprocess

import pytest


def producer_path():
    path = os.environ.get("ICHANNEL_PY_PRODUCER")
    if not path:
        pytest.skip("ICHANNEL_PY_PRODUCER is not set (run through meson test)")
    return path


class Producer:
    def __init__(self, args):
        self.proc = subprocess.Popen([producer_path()] + args, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("ready "):
            err = self.proc.stderr.read()
            raise AssertionError(f"producer {args} did not start: {line!r} {err!r}")
        self.epoch = int(line.split()[1])

    def go(self):
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def wait_published(self):
        line = self.proc.stdout.readline()
        assert line.startswith("published "), line
        return int(line.split()[1])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)


@pytest.fixture
def channel_dir(tmp_path, monkeypatch):
    d = str(tmp_path / "channels")
    monkeypatch.setenv("ICHANNEL_DIR", d)
    return d


@pytest.fixture
def producer(channel_dir):
    started = []

    def start(*args):
        p = Producer([str(a) for a in args])
        started.append(p)
        return p

    yield start
    for p in started:
        if p.proc.poll() is None:
            p.proc.kill()
            p.proc.wait()


def errors_of(name):
    """The C++ attach errors for `name`: {'tick': msg, 'top': msg, 'book': msg}."""
    out = subprocess.run([producer_path(), "errors", name], check=True, capture_output=True,
                         text=True).stdout
    return dict(line.split("\t", 1) for line in out.splitlines())
