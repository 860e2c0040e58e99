# python/tests/expected.py: the record fields test_producer.cpp publishes for ring seq s
# (expected_tick / expected_top / expected_quote there), as numpy arrays of a seq array.
import numpy as np

MASK48 = (1 << 48) - 1


def u64(s):
    return np.asarray(s, dtype=np.uint64)


def head(s):
    s = u64(s)
    return ((s * np.uint64(11)) & np.uint64(MASK48)) | ((s & np.uint64(0xFF)) << np.uint64(48)) | \
        (((s >> np.uint64(8)) & np.uint64(0xFF)) << np.uint64(56))


def tick_fields(s):
    s = u64(s)
    return {
        "recv_ns": s * np.uint64(1000) + np.uint64(1),
        "head": head(s),
        "seq": s,
        "order_id": s * np.uint64(7),
        "aux": s ^ np.uint64(0x5555555555555555),
        "price": (s * np.uint64(3)).astype(np.int64),
        "qty": (s * np.uint64(5)).astype(np.uint32),
        "instrument": (s % np.uint64(64)).astype(np.uint16),
        "action": (s % np.uint64(12) + np.uint64(1)).astype(np.uint8),
        "side": np.where(s & np.uint64(1), ord("B"), ord("S")).astype(np.uint8),
    }


def top_fields(s):
    s = u64(s)
    return {
        "recv_ns": s * np.uint64(1000) + np.uint64(1),
        "head": head(s),
        "seq": s,
        "bid_price": (s * np.uint64(3)).astype(np.int64),
        "ask_price": (s * np.uint64(3) + np.uint64(1)).astype(np.int64),
        "bid_qty": (s * np.uint64(5)).astype(np.uint32),
        "ask_qty": (s * np.uint64(5) + np.uint64(1)).astype(np.uint32),
        "bid_orders": s.astype(np.uint16),
        "ask_orders": (s + np.uint64(1)).astype(np.uint16),
        "instrument": (s % np.uint64(64)).astype(np.uint16),
        "trading_state": np.full(s.shape, ord("T"), dtype=np.uint8),
        "change": (s % np.uint64(32)).astype(np.uint8),
    }


QUOTE24 = np.dtype({"names": ["seq_times_3", "seq_xor", "lo", "hi"],
                    "formats": ["<u8", "<u8", "<u4", "<u4"], "offsets": [0, 8, 16, 20],
                    "itemsize": 24})


def quote_fields(s):
    s = u64(s)
    return {
        "seq_times_3": s * np.uint64(3),
        "seq_xor": s ^ np.uint64(0xABCDEF),
        "lo": (s & np.uint64(0xFFFFFFFF)).astype(np.uint32),
        "hi": (s >> np.uint64(32)).astype(np.uint32),
    }


def mismatches(records, fields):
    """Names of the fields where some record differs from the expected values."""
    return [k for k, v in fields.items() if not np.array_equal(records[k], v)]


def head_parts(s):
    """exch_ns, feed, flags the producer set for seq s."""
    s = u64(s)
    return ((s * np.uint64(11)) & np.uint64(MASK48), (s & np.uint64(0xFF)).astype(np.uint8),
            ((s >> np.uint64(8)) & np.uint64(0xFF)).astype(np.uint8))
