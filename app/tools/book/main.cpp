// ichannel-book: print an instrument's book from a book table like a ladder.
//
// Usage
//   ichannel-book TABLE SYMBOL|LOCATE [--dir DIR] [--depth N] [--json] [--watch]
//                 [--interval S] [--count N] [--wait S]
//   Prints the instrument's book once (asks above bids, best prices next to the spread line;
//   price / size / orders per level; trading state, seq, exchange time, the possibly-wrong
//   mark). --json prints one JSON object per line instead. --watch refreshes every --interval
//   seconds (default 0.5) whenever the entry or the feed state changed (on a terminal the
//   screen is redrawn), until SIGINT/SIGTERM or --count prints. --wait waits up to S seconds
//   for the table and the symbol to appear. A restarted producer (new file) is re-attached.
//   Exit status: 0 done, 1 no such table / instrument, 2 bad arguments.
// Reads the table read-only (BookTableReader: a consistent copy per refresh, never a torn one).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <ichannel/book_table.hpp>

#include "tools/book/ladder.hpp"

namespace {

std::atomic<bool> g_stop{false};  // set by the signal handler; relaxed loads (no data through it)

extern "C" void on_signal(int) {
  g_stop.store(true, std::memory_order_relaxed);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ichannel;
  using namespace ichannel::tools;
  std::string table_name, instrument_arg, dir;
  LadderOptions lo;
  bool json = false, watch = false;
  double interval_s = 0.5, wait_s = 0;
  std::uint64_t count = 0;
  CLI::App app{"ichannel-book: print an instrument's book from a book table (read-only)"};
  app.add_option("table", table_name, "book table name")->required();
  app.add_option("instrument", instrument_arg, "symbol (AAPL) or stock locate (13)")->required();
  app.add_option("--dir", dir, "table directory (default: the ring's default directory)");
  app.add_option("--depth", lo.depth, "levels per side to show (default: all the table holds)")
      ->check(CLI::Range(1u, kMaxBookDepth));
  app.add_flag("--json", json, "one JSON object per line");
  app.add_flag("--watch", watch, "refresh until interrupted");
  app.add_option("--interval", interval_s, "--watch refresh interval in seconds (default 0.5)")
      ->check(CLI::PositiveNumber);
  app.add_option("--count", count, "--watch: stop after N prints");
  app.add_option("--wait", wait_s, "wait up to S seconds for the table and the symbol")
      ->check(CLI::NonNegativeNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help: 0; a bad argument: 2
  }
  lo.table = table_name;

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<std::int64_t>(wait_s * 1000));
  BookTableAttachOptions ao;
  ao.dir = dir;
  ao.wait = std::chrono::milliseconds(static_cast<std::int64_t>(wait_s * 1000));
  auto attached = BookTableReader::attach(table_name, ao);
  if (!attached) {
    std::fprintf(stderr, "ichannel-book: %s\n", attached.error().message.c_str());
    return 1;
  }
  BookTableReader table = std::move(*attached);
  std::optional<std::uint32_t> instrument;
  for (;;) {
    std::string why;
    instrument = resolve_instrument(table, instrument_arg, why);
    if (instrument) break;
    if (std::chrono::steady_clock::now() >= deadline || g_stop.load(std::memory_order_relaxed)) {
      std::fprintf(stderr, "ichannel-book: book table %s: %s\n", table_name.c_str(), why.c_str());
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  const bool tty = ::isatty(STDOUT_FILENO) == 1;
  auto snap = std::make_unique<BookSnapshot>();
  std::uint64_t last_version = ~std::uint64_t{0}, last_feed = ~std::uint64_t{0}, printed = 0;
  bool said_dead = false;
  for (;;) {
    const BookRead got = table.try_read(*instrument, *snap);
    const BookFeedState feed = table.feed_state();
    const std::uint64_t feed_key = feed.flags | std::uint64_t{feed.sessions} << 8;
    if (got == BookRead::kOk && (snap->version != last_version || feed_key != last_feed)) {
      last_version = snap->version;
      last_feed = feed_key;
      const std::string text = json ? render_json(*snap, feed, table.feed_name(), lo) + "\n"
                                    : render_ladder(*snap, feed, table.feed_name(), lo);
      if (watch && tty && !json) std::fputs("\x1b[H\x1b[2J", stdout);
      if (watch && !tty && !json && printed > 0) std::fputc('\n', stdout);
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
      ++printed;
    }
    if (!watch || (count != 0 && printed >= count)) break;
    if (got == BookRead::kBusy) std::fprintf(stderr, "ichannel-book: entry busy, retrying\n");
    const auto next = std::chrono::steady_clock::now() +
                      std::chrono::microseconds(static_cast<std::int64_t>(interval_s * 1e6));
    while (std::chrono::steady_clock::now() < next && !g_stop.load(std::memory_order_relaxed)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (g_stop.load(std::memory_order_relaxed)) break;
    if (!table.producer_alive()) {
      // A restarted producer publishes a new file under the name: follow it.
      BookTableAttachOptions again = ao;
      again.wait = std::chrono::milliseconds(0);
      auto fresh = BookTableReader::attach(table_name, again);
      if (fresh && fresh->epoch() != table.epoch()) {
        std::fprintf(stderr, "ichannel-book: %s restarted (epoch %llu), re-attached\n",
                     table_name.c_str(), static_cast<unsigned long long>(fresh->epoch()));
        table = std::move(*fresh);
        last_version = ~std::uint64_t{0};
        said_dead = false;
      } else if (!said_dead) {
        std::fprintf(stderr, "ichannel-book: the producer of %s is not running\n",
                     table_name.c_str());
        said_dead = true;
      }
    }
  }
  return 0;
}
