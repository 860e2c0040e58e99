# Reading channels: batches into structured arrays, single records, ring seqs, counters,
# producer states, metadata, raw payloads.
import os
import time

import numpy as np
import pytest

import ichannel
from expected import QUOTE24, head_parts, mismatches, quote_fields, tick_fields, top_fields


def read_all(ch, n, timeout=5.0):
    got, seqs = [], []
    deadline = time.monotonic() + timeout
    while sum(len(g) for g in got) < n and time.monotonic() < deadline:
        r, s = ch.read(1000, timeout=0.2, seqs=True)
        got.append(r)
        seqs.append(s)
    return np.concatenate(got), np.concatenate(seqs)


def test_reads_every_tick_in_batches_with_its_ring_seq(channel_dir, producer):
    p = producer("ticks", "t1", 5000, 8192)
    ch = ichannel.attach("t1")
    assert ch.kind == "tick" and ch.dtype == ichannel.TICK_DTYPE and ch.capacity == 8192
    p.go()
    assert p.wait_published() == 5000
    records, seqs = read_all(ch, 5000)
    assert len(records) == 5000 and records.dtype == ichannel.TICK_DTYPE
    assert np.array_equal(seqs, np.arange(1, 5001, dtype=np.uint64))
    assert mismatches(records, tick_fields(seqs)) == []
    exch_ns, feed, flags = head_parts(seqs)
    assert np.array_equal(ichannel.exch_ns(records), exch_ns)
    assert np.array_equal(ichannel.feed(records), feed)
    assert np.array_equal(ichannel.flags(records), flags)
    assert ch.lost() == 0 and ch.skipped() == 0 and ch.next_seq() == 5001
    assert len(ch.read(100)) == 0  # nothing more: an empty array of the same dtype
    p.stop()


def test_recv_returns_one_record_or_none(channel_dir, producer):
    p = producer("ticks", "t2", 3, 64)
    ch = ichannel.attach("t2", kind="tick")
    assert ch.recv() is None
    p.go()
    p.wait_published()
    r = ch.recv(timeout=1.0)
    assert r["seq"] == 1 and r["order_id"] == 7
    assert ch.recv()["seq"] == 2
    p.stop()


def test_start_oldest_reads_what_was_published_before_attach(channel_dir, producer):
    p = producer("ticks", "t3", 100, 64)
    p.go()
    p.wait_published()
    ch = ichannel.attach("t3", start="oldest")
    records = ch.read(1000)
    # a ring of 64 holds at most 63 unread messages (receiver.hpp, "Buffering")
    assert len(records) in (62, 63)
    assert records["seq"][-1] == 100
    assert ichannel.attach("t3").read(1000).size == 0  # start "next": nothing
    p.stop()


def test_top_of_book_channel_reads_top_of_book_records(channel_dir, producer):
    p = producer("tops", "tob", 1000, 2048)
    ch = ichannel.attach("tob")
    assert ch.kind == "top_of_book" and ch.type_name == "ichannel::TopOfBook"
    p.go()
    p.wait_published()
    records, seqs = read_all(ch, 1000)
    assert len(records) == 1000 and mismatches(records, top_fields(seqs)) == []
    p.stop()


def test_raw_channel_reads_payload_bytes_viewable_with_own_dtype(channel_dir, producer):
    p = producer("raw", "q1", 500, 1024)
    ch = ichannel.attach("q1")
    assert ch.kind == "raw" and ch.type_name == "test::Quote24" and ch.payload_size == 24
    assert ch.dtype.itemsize == 24
    p.go()
    p.wait_published()
    records, seqs = read_all(ch, 500)
    quotes = records.view(QUOTE24)
    assert len(quotes) == 500 and mismatches(quotes, quote_fields(seqs)) == []
    p.stop()


def test_typed_attach_of_a_tick_channel_as_raw_reads_bytes(channel_dir, producer):
    p = producer("ticks", "t4", 10, 64)
    ch = ichannel.attach("t4", kind="raw")
    p.go()
    p.wait_published()
    r = ch.read(100, timeout=1.0)
    assert r.dtype.itemsize == 56 and len(r) == 10
    assert mismatches(r.view(ichannel.TICK_DTYPE), tick_fields(np.arange(1, 11))) == []
    p.stop()


def test_producer_state_alive_then_dead_then_gone(channel_dir, producer):
    p = producer("ticks", "t5", 0, 64)
    ch = ichannel.attach("t5", stale_after=30.0)
    assert ch.poll_producer()["to"] == "alive"
    assert ch.producer_state == "alive"
    p.go()
    p.wait_published()
    p.stop()
    change = ch.poll_producer()
    assert change == {"from": "alive", "to": "dead", "epoch": p.epoch, "changed": True}
    os.unlink(ch.path)
    assert ch.poll_producer()["to"] == "gone"


def test_timed_out_read_records_the_producer_poll(channel_dir, producer):
    p = producer("ticks", "t6", 0, 64)
    ch = ichannel.attach("t6", stale_after=0.05)
    assert ch.last_poll is None
    time.sleep(0.1)
    assert len(ch.read(10, timeout=0.05)) == 0
    assert ch.last_poll["to"] == "stale"
    p.stop()


def test_restarted_producer_is_followed_with_cumulative_counters(channel_dir, producer):
    p1 = producer("ticks", "t7", 10, 64)
    ch = ichannel.attach("t7")
    p1.go()
    p1.wait_published()
    p1.stop()
    p2 = producer("ticks", "t7", 20, 64)
    assert p2.epoch != p1.epoch
    assert ch.poll_producer()["to"] == "draining"  # the old ring still holds 10 unread
    assert ch.pending_epoch == p2.epoch and ch.epoch == p1.epoch
    first = ch.read(100)
    assert len(first) == 10  # the old ring, drained first
    assert ch.poll_producer() == {"from": "draining", "to": "restarted", "epoch": p2.epoch,
                                  "changed": True}
    assert ch.epoch == p2.epoch
    p2.go()
    p2.wait_published()
    second = ch.read(100, timeout=1.0)
    assert len(second) == 20 and second["seq"][0] == 1
    assert ch.lost() == 0
    p2.stop()


def test_inspect_and_list_channels_give_the_header(channel_dir, producer):
    p = producer("ticks", "t8", 5, 256)
    producer("tops", "t9", 0, 64)
    p.go()
    p.wait_published()
    info = ichannel.inspect_channel("t8")
    assert info["type_name"] == "ichannel::Tick" and info["payload_size"] == 56
    assert info["slot_size"] == 64 and info["capacity"] == 256 and info["epoch"] == p.epoch
    assert info["last_seq"] == 5 and info["producer_alive"] and info["state"] == "alive"
    assert info["producer_pid"] == p.proc.pid and info["path"] == os.path.join(channel_dir, "t8")
    listed = {c["name"]: c for c in ichannel.list_channels()}
    assert set(listed) == {"t8", "t9"}
    assert listed["t9"]["type_name"] == "ichannel::TopOfBook"
    assert ichannel.attach("t8").info()["last_seq"] == 5
    p.stop()
    assert ichannel.inspect_channel("t8")["state"] == "dead"


def test_closed_channel_raises(channel_dir, producer):
    producer("ticks", "t10", 0, 64)
    with ichannel.attach("t10") as ch:
        pass
    assert ch.closed
    with pytest.raises(ichannel.Error, match="channel t10 is closed"):
        ch.read()
