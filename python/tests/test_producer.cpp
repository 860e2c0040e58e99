// python/tests/test_producer.cpp: the C++ side of the Python module's tests (pytest drives it).
//
// Contract
//   py_test_producer ticks|tops|raw NAME COUNT CAPACITY
//       creates channel NAME ($ICHANNEL_DIR; no hugepages) of Tick / TopOfBook / test::Quote24,
//       prints "ready EPOCH", waits for one line on stdin, publishes COUNT records as fast as it
//       can (heartbeat every 4096), prints "published COUNT", then stays alive (the producer
//       lock held) until stdin closes. Every field is a function of the ring seq s (1, 2, ...):
//       expected_* below; python/tests/producer.py computes the same values.
//   py_test_producer book NAME
//       creates book table NAME (depth 5, 8 instruments, feed "testfeed", index 2), writes the
//       entries of instruments 1..7 (book_entry below), a session "SESSION01", the feed-wide
//       possibly-wrong mark and last_seq 77, prints "ready EPOCH", stays alive until stdin closes.
//   py_test_producer errors NAME...
//       prints, per NAME, the C++ attach errors: "tick\t<ReceiverChannel<Tick>::attach error>",
//       "top\t<ReceiverChannel<TopOfBook> error>", "book\t<BookTableReader::attach error>"
//       ("ok" when it attaches), so pytest can compare the Python exceptions with them.
// - Test-only; exits 2 on a usage error, 1 when creating fails (the C++ message on stderr).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <span>
#include <string>
#include <string_view>

#include <ichannel/book_table.hpp>
#include <ichannel/channel.hpp>
#include <ichannel/tick.hpp>
#include <ichannel/top_of_book.hpp>

namespace test {
// A payload the module knows nothing about (kind="raw"): 24 bytes, slot 64.
struct Quote24 {
  std::uint64_t seq_times_3;
  std::uint64_t seq_xor;
  std::uint32_t lo;
  std::uint32_t hi;
};
}  // namespace test

template <>
struct ichannel::PayloadTypeName<test::Quote24> {
  static constexpr std::string_view value = "test::Quote24";
};

namespace {

using namespace ichannel;

Tick expected_tick(std::uint64_t s) {
  Tick t{};
  t.recv_ns = s * 1000 + 1;
  set_head(t, s * 11, static_cast<std::uint8_t>(s), static_cast<std::uint8_t>(s >> 8));
  t.seq = s;
  t.order_id = s * 7;
  t.aux = s ^ 0x5555555555555555ull;
  t.price = static_cast<std::int64_t>(s * 3);
  set_tail(t, static_cast<std::uint32_t>(s * 5), static_cast<std::uint16_t>(s % 64),
           static_cast<Action>(s % 12 + 1), (s & 1) != 0 ? Side::kBuy : Side::kSell);
  return t;
}

TopOfBook expected_top(std::uint64_t s) {
  TopOfBook t{};
  t.recv_ns = s * 1000 + 1;
  set_head(t, s * 11, static_cast<std::uint8_t>(s), static_cast<std::uint8_t>(s >> 8));
  t.seq = s;
  t.bid_price = static_cast<std::int64_t>(s * 3);
  t.ask_price = static_cast<std::int64_t>(s * 3 + 1);
  t.bid_qty = static_cast<std::uint32_t>(s * 5);
  t.ask_qty = static_cast<std::uint32_t>(s * 5 + 1);
  t.bid_orders = static_cast<std::uint16_t>(s);
  t.ask_orders = static_cast<std::uint16_t>(s + 1);
  t.instrument = static_cast<std::uint16_t>(s % 64);
  t.trading_state = 'T';
  t.change = static_cast<std::uint8_t>(s % 32);
  return t;
}

test::Quote24 expected_quote(std::uint64_t s) {
  return test::Quote24{s * 3, s ^ 0xabcdefull, static_cast<std::uint32_t>(s),
                       static_cast<std::uint32_t>(s >> 32)};
}

void wait_for_line() {
  std::string line;
  std::getline(std::cin, line);
}

void wait_for_eof() {
  std::string line;
  while (std::getline(std::cin, line)) {
  }
}

template <class T, class Make>
int produce(const std::string& name, std::uint64_t count, std::uint64_t capacity, Make make) {
  ChannelOptions o;
  o.hugepages = false;
  auto ch = ProducerChannel<T>::create(name, capacity, o);
  if (!ch) {
    std::fprintf(stderr, "%s\n", ch.error().message.c_str());
    return 1;
  }
  std::printf("ready %llu\n", static_cast<unsigned long long>(ch->epoch()));
  std::fflush(stdout);
  wait_for_line();
  Sender<T>& tx = ch->sender();
  for (std::uint64_t s = 1; s <= count; ++s) {
    tx.send(make(s));
    if ((s & 4095) == 0) ch->heartbeat();
  }
  ch->heartbeat();
  std::printf("published %llu\n", static_cast<unsigned long long>(count));
  std::fflush(stdout);
  wait_for_eof();
  return 0;
}

// Instrument i (1..7): i % 6 bid levels and (i + 2) % 6 ask levels, best first.
void book_entry(BookEntryWriter& w, std::uint32_t i) {
  BookEntryFixed f{};
  f.seq = 10 * i;
  f.exch_ns = 1000 * i;
  const std::string sym = "SYM" + std::to_string(i);
  std::memset(f.symbol, ' ', sizeof f.symbol);
  std::memcpy(f.symbol, sym.data(), sym.size());
  f.instrument = static_cast<std::uint16_t>(i);
  f.trading_state = i % 2 == 0 ? 'H' : 'T';
  f.reg_sho = '0';
  f.flags = static_cast<std::uint8_t>(kBookKnown | (i == 3 ? kBookPossiblyWrong : 0));
  std::memcpy(f.halt_reason, "    ", 4);
  f.bid_orders = 100 + i;
  f.ask_orders = 200 + i;
  f.bid_levels = i % 6;
  f.ask_levels = (i + 2) % 6;
  f.luld_ref = 5 * i;
  w.set_fixed(f);
  BookLevel bids[5], asks[5];
  for (std::uint32_t k = 0; k < 5; ++k) {
    bids[k] =
        BookLevel{static_cast<std::int64_t>(1'000'000 + 100 * i - k), 100ull * (k + 1), k + 1, 0};
    asks[k] = BookLevel{static_cast<std::int64_t>(1'000'001 + 100 * i + k), 50ull * (k + 1),
                        2 * k + 1, 0};
  }
  w.set_levels(BookSide::kBid, std::span<const BookLevel>(bids, i % 6));
  w.set_levels(BookSide::kAsk, std::span<const BookLevel>(asks, (i + 2) % 6));
}

int book(const std::string& name) {
  BookTableOptions o;
  o.hugepages = false;
  o.depth = 5;
  o.instruments = 8;
  o.feed_name = "testfeed";
  o.feed_index = 2;
  auto t = BookTableWriter::create(name, o);
  if (!t) {
    std::fprintf(stderr, "%s\n", t.error().message.c_str());
    return 1;
  }
  t->start_session("SESSION01");
  for (std::uint32_t i = 1; i <= 7; ++i) {
    BookEntryWriter w = t->begin(i);
    book_entry(w, i);
    t->commit(w);
  }
  t->applied(77);
  t->set_feed_flags(kBookPossiblyWrong);
  t->heartbeat();
  std::printf("ready %llu\n", static_cast<unsigned long long>(t->epoch()));
  std::fflush(stdout);
  wait_for_eof();
  return 0;
}

int errors(int argc, char** argv) {
  for (int i = 2; i < argc; ++i) {
    const std::string name = argv[i];
    auto tick = ReceiverChannel<Tick>::attach(name);
    std::printf("tick\t%s\n", tick ? "ok" : tick.error().message.c_str());
    auto top = ReceiverChannel<TopOfBook>::attach(name);
    std::printf("top\t%s\n", top ? "ok" : top.error().message.c_str());
    auto book = BookTableReader::attach(name);
    std::printf("book\t%s\n", book ? "ok" : book.error().message.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: %s ticks|tops|raw NAME COUNT CAPACITY | book NAME | errors NAME...\n",
                 argv[0]);
    return 2;
  }
  const std::string_view mode = argv[1];
  if (mode == "book") return book(argv[2]);
  if (mode == "errors") return errors(argc, argv);
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s %s NAME COUNT CAPACITY\n", argv[0], argv[1]);
    return 2;
  }
  const std::uint64_t count = std::strtoull(argv[3], nullptr, 10);
  const std::uint64_t capacity = std::strtoull(argv[4], nullptr, 10);
  if (mode == "ticks") return produce<Tick>(argv[2], count, capacity, expected_tick);
  if (mode == "tops") return produce<TopOfBook>(argv[2], count, capacity, expected_top);
  if (mode == "raw") return produce<test::Quote24>(argv[2], count, capacity, expected_quote);
  std::fprintf(stderr, "unknown mode %s\n", argv[1]);
  return 2;
}
