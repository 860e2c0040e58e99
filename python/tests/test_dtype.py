# The dtypes mirror the C++ records: names, offsets, formats and itemsize as documented in
# ring/include/ichannel/tick.hpp, top_of_book.hpp and book_table.hpp (their static_asserts).
import numpy as np

import ichannel


def layout(dt):
    return [(name, dt.fields[name][1], dt.fields[name][0].str) for name in dt.names]


def test_tick_dtype_is_the_cpp_layout():
    dt = ichannel.TICK_DTYPE
    assert dt.itemsize == 56
    assert layout(dt) == [
        ("recv_ns", 0, "<u8"), ("head", 8, "<u8"), ("seq", 16, "<u8"), ("order_id", 24, "<u8"), ("aux", 32, "<u8"), ("price", 40, "<i8"),
        ("qty", 48, "<u4"), ("instrument", 52, "<u2"), ("action", 54, "|u1"),
        ("side", 55, "|u1")]


def test_top_of_book_dtype_is_the_cpp_layout():
    dt = ichannel.TOP_OF_BOOK_DTYPE
    assert dt.itemsize == 56
    assert layout(dt) == [
        ("recv_ns", 0, "<u8"), ("head", 8, "<u8"), ("seq", 16, "<u8"), ("bid_price", 24, "<i8"), ("ask_price", 32, "<i8"),
        ("bid_qty", 40, "<u4"), ("ask_qty", 44, "<u4"), ("bid_orders", 48, "<u2"),
        ("ask_orders", 50, "<u2"), ("instrument", 52, "<u2"), ("trading_state", 54, "|u1"),
        ("change", 55, "|u1")]


def test_book_level_dtype_is_the_cpp_layout():
    dt = ichannel.BOOK_LEVEL_DTYPE
    assert dt.itemsize == 24
    assert layout(dt) == [("price", 0, "<i8"), ("qty", 8, "<u8"), ("orders", 16, "<u4"),
                          ("reserved", 20, "<u4")]


def test_head_word_views_decode_exch_ns_feed_and_flags():
    r = np.zeros(1, dtype=ichannel.TICK_DTYPE)
    r["head"] = 0x123456789ABC | (0x5A << 48) | (0xC3 << 56)
    assert ichannel.feed(r)[0] == 0x5A and ichannel.flags(r)[0] == 0xC3
    assert ichannel.feed(r).dtype == np.uint8 and ichannel.flags(r).dtype == np.uint8
    assert ichannel.exch_ns(r)[0] == 0x123456789ABC
    assert ichannel.EXCH_NS_MASK == (1 << 48) - 1


def test_constants_match_the_headers():
    assert ichannel.PRICE_SCALE == 10_000
    assert ichannel.TICK_TYPE_NAME == "ichannel::Tick"
    assert ichannel.TOP_OF_BOOK_TYPE_NAME == "ichannel::TopOfBook"
    assert ichannel.ACTION_NAMES[1] == "add" and ichannel.ACTION_NAMES[12] == "gap"
    assert len(ichannel.ACTION_NAMES) == 21
    assert (ichannel.TICK_RECOVERED, ichannel.TICK_LAST_IN_PACKET, ichannel.TICK_AFTER_GAP,
            ichannel.BOOK_POSSIBLY_WRONG, ichannel.TICK_SNAPSHOT) == (1, 2, 4, 8, 8)
    assert (ichannel.TOB_RESET, ichannel.TOB_SNAPSHOT) == (16, 32)


def test_dtypes_are_packed_and_survive_concatenation():
    # numpy repacks a structured dtype with overlaps or padding when arrays are combined;
    # these tile their itemsize exactly, so the layout survives.
    for dt in (ichannel.TICK_DTYPE, ichannel.TOP_OF_BOOK_DTYPE, ichannel.BOOK_LEVEL_DTYPE):
        a = np.zeros(3, dtype=dt)
        assert np.concatenate([a, a]).dtype == dt
        assert sum(dt.fields[n][0].itemsize for n in dt.names) == dt.itemsize
