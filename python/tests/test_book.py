# The book table, read against a table the C++ BookTableWriter wrote (test_producer book).
import numpy as np
import pytest

import ichannel


def test_reads_each_instrument_as_the_cpp_writer_wrote_it(channel_dir, producer):
    p = producer("book", "books")
    t = ichannel.BookTable("books")
    assert (t.depth, t.instruments, t.feed_name, t.feed_index) == (5, 8, "testfeed", 2)
    assert t.epoch == p.epoch and t.producer_pid == p.proc.pid and t.producer_alive()
    for i in range(1, 8):
        b = t.read(i)
        assert b["instrument"] == i and b["seq"] == 10 * i and b["exch_ns"] == 1000 * i
        assert b["symbol"] == f"SYM{i}" and b["trading_state"] == ("H" if i % 2 == 0 else "T")
        assert b["reg_sho"] == "0" and b["op_halt"] == "" and b["known"]
        assert b["possibly_wrong"] == (i == 3)
        assert (b["bid_orders"], b["ask_orders"]) == (100 + i, 200 + i)
        assert (b["bid_levels"], b["ask_levels"]) == (i % 6, (i + 2) % 6)
        assert b["luld_ref"] == 5 * i and b["version"] % 2 == 0 and b["version"] > 0
        bids, asks = b["bids"], b["asks"]
        assert bids.dtype == ichannel.BOOK_LEVEL_DTYPE
        k = np.arange(i % 6)
        assert np.array_equal(bids["price"], 1_000_000 + 100 * i - k)
        assert np.array_equal(bids["qty"], 100 * (k + 1)) and np.array_equal(bids["orders"], k + 1)
        k = np.arange((i + 2) % 6)
        assert np.array_equal(asks["price"], 1_000_001 + 100 * i + k)
        assert np.array_equal(asks["qty"], 50 * (k + 1))
        assert np.array_equal(asks["orders"], 2 * k + 1)
    empty = t.read(0)
    assert empty["seq"] == 0 and not empty["known"] and len(empty["bids"]) == 0
    with pytest.raises(IndexError):
        t.read(8)
    fs = t.feed_state()
    assert fs == {"last_seq": 77, "flags": ichannel.BOOK_POSSIBLY_WRONG, "possibly_wrong": True,
                  "sessions": 1, "session": "SESSION01"}
    assert t.last_seq() == 77
    p.stop()
    assert not t.producer_alive()
    assert t.read(1)["seq"] == 10  # the mapping stays readable
