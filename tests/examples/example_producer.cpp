// tests/examples/example_producer.cpp: a tiny feed producer for the strategy skeleton's test
// (strategy_test.sh): a tick channel, a top-of-book channel and a book table of one synthetic
// feed, written in the daemon's order per tick (tick -> table entry + applied -> TopOfBook).
//
//   ichannel-example-producer --dir DIR [--seconds S] [--rate N] [--pause-at S --pause-for S]
//
// Files: DIR/ex.ticks, DIR/ex.tob (one record per tick), DIR/ex.books (instruments 1..7, the
// bid level 0 = the instrument's running quantity sum). --pause-at/--pause-for stop publishing
// AND heartbeats for a while (a stale producer). Exits after S seconds, leaving its files (a
// dead producer); running it again replaces them (a restarted producer, new epochs).
// Prints "producer: epoch E published N" at exit.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <ichannel/book_table.hpp>
#include <ichannel/channel.hpp>
#include <ichannel/tick.hpp>
#include <ichannel/top_of_book.hpp>

int main(int argc, char** argv) {
  using namespace ichannel;
  using Clock = std::chrono::steady_clock;
  std::string dir;
  double seconds = 3, pause_at = -1, pause_for = 0;
  long rate = 20000;  // ticks per second
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view a = argv[i];
    if (a == "--dir") {
      dir = argv[i + 1];
    } else if (a == "--seconds") {
      seconds = std::atof(argv[i + 1]);
    } else if (a == "--rate") {
      rate = std::atol(argv[i + 1]);
    } else if (a == "--pause-at") {
      pause_at = std::atof(argv[i + 1]);
    } else if (a == "--pause-for") {
      pause_for = std::atof(argv[i + 1]);
    } else {
      std::fprintf(stderr, "producer: unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  constexpr std::uint8_t kFeed = 1;
  constexpr std::uint32_t kInstruments = 8;
  ChannelOptions co;
  co.dir = dir;
  co.hugepages = false;
  const auto fail = [](const Error& e) {
    std::fprintf(stderr, "producer: %s\n", e.message.c_str());
    return 1;
  };
  auto ticks = ProducerChannel<Tick>::create("ex.ticks", 1 << 16, co);
  if (!ticks) return fail(ticks.error());
  auto tobs = ProducerChannel<TopOfBook>::create("ex.tob", 1 << 16, co);
  if (!tobs) return fail(tobs.error());
  BookTableOptions bo;
  bo.dir = dir;
  bo.hugepages = false;
  bo.instruments = kInstruments;
  bo.depth = 4;
  bo.feed_name = "example";
  bo.feed_index = kFeed;
  auto table = BookTableWriter::create("ex.books", bo);
  if (!table) return fail(table.error());
  std::vector<std::uint64_t> sum(kInstruments, 0), count(kInstruments, 0);
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  const auto pause_begin = start + std::chrono::duration<double>(pause_at);
  const auto pause_end = pause_begin + std::chrono::duration<double>(pause_for);
  const long batch = rate / 200 > 0 ? rate / 200 : 1;  // every 5 ms
  std::uint64_t seq = 0;
  bool paused = false;
  for (auto now = Clock::now(); now < end; now = Clock::now()) {
    if (pause_at >= 0 && now >= pause_begin && now < pause_end) {
      if (!paused) std::fprintf(stderr, "producer: pausing (no records, no heartbeat)\n");
      paused = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    paused = false;
    for (long k = 0; k < batch; ++k) {
      ++seq;
      const auto instrument = static_cast<std::uint16_t>(1 + seq % (kInstruments - 1));
      const auto qty = static_cast<std::uint32_t>(1 + seq % 97);
      Tick t{};
      t.recv_ns = wall_clock_ns();
      set_head(t, seq * 1000, kFeed, 0);
      t.seq = seq;
      t.order_id = seq;
      t.price = 100 * kPriceScale;
      set_tail(t, qty, instrument, Action::kAdd, Side::kBuy);
      ticks->sender().send(t);  // 1. the tick
      const std::uint64_t s = sum[instrument] += qty;
      const std::uint64_t n = ++count[instrument];
      table->update(instrument, seq, seq * 1000, [&](BookEntryWriter& e) {  // 2. the book
        const BookLevel l{t.price, s, static_cast<std::uint32_t>(n), 0};
        e.set_levels(BookSide::kBid, std::span<const BookLevel>(&l, 1));
      });
      TopOfBook b{};  // 3. the change of the best bid
      b.recv_ns = t.recv_ns;
      set_head(b, seq * 1000, kFeed, 0);
      b.seq = seq;
      b.bid_price = t.price;
      b.bid_qty = saturate_u32(s);
      b.bid_orders = saturate_u16(n);
      b.instrument = instrument;
      b.change = kTobBidChanged;
      tobs->sender().send(b);
    }
    ticks->heartbeat(now);
    tobs->heartbeat(now);
    table->heartbeat(now);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::printf("producer: epoch %llu published %llu\n",
              static_cast<unsigned long long>(tobs->epoch()), static_cast<unsigned long long>(seq));
  return 0;
}
