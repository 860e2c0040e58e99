# Errors of the C++ API are ichannel.Error (a RuntimeError) with the C++ message verbatim: the
# messages are compared with what the C++ attach calls print (test_producer errors NAME).
import pytest

import ichannel
from conftest import errors_of


def message_of(call):
    with pytest.raises(ichannel.Error) as e:
        call()
    assert isinstance(e.value, RuntimeError)
    return str(e.value)


def test_missing_channel_raises_the_cpp_message(channel_dir):
    cpp = errors_of("nosuch")
    assert cpp["tick"].startswith("channel nosuch does not exist")
    assert message_of(lambda: ichannel.attach("nosuch", kind="tick")) == cpp["tick"]
    assert message_of(lambda: ichannel.attach("nosuch", kind="top_of_book")) == cpp["top"]
    assert message_of(lambda: ichannel.attach("nosuch")) == cpp["tick"]  # auto
    assert message_of(lambda: ichannel.attach("nosuch", kind="raw")) == cpp["tick"]
    assert message_of(lambda: ichannel.BookTable("nosuch")) == cpp["book"]


def test_invalid_name_raises_the_cpp_message(channel_dir):
    cpp = errors_of("bad/name")
    assert message_of(lambda: ichannel.attach("bad/name", kind="tick")) == cpp["tick"]
    assert message_of(lambda: ichannel.attach("bad/name")) == cpp["tick"]  # auto: same check


def test_wrong_record_type_raises_the_cpp_message(channel_dir, producer):
    p = producer("tops", "tops1", 0, 64)
    cpp = errors_of("tops1")
    assert "holds ichannel::TopOfBook" in cpp["tick"]
    assert message_of(lambda: ichannel.attach("tops1", kind="tick")) == cpp["tick"]
    assert message_of(lambda: ichannel.BookTable("tops1")) == cpp["book"]
    assert cpp["book"].endswith("is a channel, not a book table")
    p.stop()


def test_book_table_attached_as_a_channel_raises_the_cpp_message(channel_dir, producer):
    p = producer("book", "book1")
    cpp = errors_of("book1")
    assert message_of(lambda: ichannel.attach("book1", kind="tick")) == cpp["tick"]
    p.stop()


def test_depth_mismatch_raises_the_cpp_message(channel_dir, producer):
    p = producer("book", "book2")
    msg = message_of(lambda: ichannel.BookTable("book2", depth=7))
    assert msg == "book table book2 has depth 5, expected 7"
    p.stop()


def test_bad_arguments_are_value_errors(channel_dir):
    with pytest.raises(ValueError):
        ichannel.attach("x", kind="ticks")
    with pytest.raises(ValueError):
        ichannel.attach("x", lap="sideways")
