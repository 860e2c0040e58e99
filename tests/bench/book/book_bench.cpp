// ichannel-book-bench: what the order-level book (app/book) costs per message on a deep book,
// and where it should run. Two parts, one run:
// 1. Throughput, passes interleaved (the order rotates each pass): MoldUDP64 + ITCH 5.0 decode
//    + normalize into (i) a counting sink, (ii) + book::FeedBooks::apply per tick, (ii') the same
//    applied per packet after prefetching every tick's order slot and header, (iii) + the tests'
//    ReferenceBook (std containers). Thread CPU time per pass; median / p99 / min / max ns per
//    message over passes, and the ratios.
// 2. Placement: latency from "packet in" (TSC read right before on_datagram) to "top of book
//    known" (apply returned) per message, with the book inline on the producing thread vs the
//    book on a second thread as the receiver of a Sender<Tick>/Receiver<Tick> ring; packets
//    paced (--gap-ns), blocks alternated (inline, thread, inline, ...); p50 / p99 / p99.9.
// Input: tests/bench/book/deep_day.hpp (a warm-up to --orders live orders on --instruments
// instruments, then steady-state chunks). Memory of the book structures at that state.
// Results and the machine: docs/books.md.
#include <sched.h>
#include <x86intrin.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <ichannel/ichannel.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "book/feed_books.hpp"
#include "feed/itch_feed.hpp"
#include "tests/bench/book/deep_day.hpp"
#include "tests/bench/feed/feed_bench.hpp"
#include "tests/book/reference_book.hpp"

namespace {

using namespace ichannel;
using bench::Bytes;
using bench::Stats;

// --- sinks ---------------------------------------------------------------------------------
struct LatencyLog {
  std::vector<std::uint64_t> ticks;  // TSC ticks from packet in to apply returned
  std::size_t n = 0;
  void record(std::uint64_t t0) noexcept {
    if (n < ticks.size()) ticks[n++] = __rdtsc() - t0;
  }
};

struct CountingSink {
  std::uint64_t* sum;
  void operator()(const Tick& t) noexcept { *sum += t.qty + t.order_id; }
};

struct BookSink {
  book::FeedBooks* books;
  std::uint64_t* sum;
  LatencyLog* latency = nullptr;  // set in part 2 (inline placement)
  void operator()(const Tick& t) noexcept {
    const book::BookChange c = books->apply(t);
    *sum += c.bits;
    if (latency != nullptr) [[unlikely]]
      latency->record(t.recv_ns);
  }
};

// Applies a packet's ticks together once its last tick arrived (kTickLastInPacket), after
// prefetching every one's order slot and instrument header as it arrived, and the best end of
// its instrument's level arrays kAhead ticks before it is applied: the packet's cache misses
// overlap instead of following one another. Ticks are published before (the daemon's
// order), so only the book's update waits for the rest of the packet's decode.
struct BatchBookSink {
  static constexpr std::size_t kMax = 64;
  static constexpr std::size_t kAhead = 4;  // level prefetch distance inside the packet
  book::FeedBooks* books;
  std::uint64_t* sum;
  LatencyLog* latency = nullptr;
  std::array<Tick, kMax> pending{};
  std::size_t n = 0;
  void operator()(const Tick& t) noexcept {
    books->prefetch(t);
    pending[n++] = t;
    if ((t.flags & kTickLastInPacket) == 0 && n < kMax) return;
    for (std::size_t i = 0; i < n && i < kAhead; ++i) books->prefetch_levels(pending[i]);
    for (std::size_t i = 0; i < n; ++i) {
      if (i + kAhead < n) books->prefetch_levels(pending[i + kAhead]);
      *sum += books->apply(pending[i]).bits;
      if (latency != nullptr) [[unlikely]]
        latency->record(pending[i].recv_ns);
    }
    n = 0;
  }
};

struct ReferenceSink {
  test::ReferenceBook* ref;
  void operator()(const Tick& t) noexcept { ref->apply(t); }
};

struct RingSink {
  Sender<Tick>* tx;
  void operator()(const Tick& t) noexcept { tx->send(t); }
};

// --- helpers -------------------------------------------------------------------------------
double tsc_per_ns() {
  const auto c0 = std::chrono::steady_clock::now();
  const std::uint64_t t0 = __rdtsc();
  while (std::chrono::steady_clock::now() - c0 < std::chrono::milliseconds(200)) {
  }
  const std::uint64_t t1 = __rdtsc();
  const double ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - c0).count();
  return static_cast<double>(t1 - t0) / ns;
}

std::size_t rss_bytes() {
  std::ifstream in("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  in >> pages >> resident;
  return resident * 4096;
}

std::uint64_t count_messages(const std::vector<Bytes>& packets) {
  std::uint64_t n = 0;
  for (const Bytes& p : packets) n += (std::uint64_t{p[18]} << 8) | p[19];
  return n;
}

template <class Feed>
void feed_all(Feed& f, const std::vector<Bytes>& packets) {
  for (const Bytes& p : packets) f.on_datagram(0, p, 1);
}

void print_row(const char* name, const Stats& s, double base) {
  std::printf("| %-44s | %7.2f | %7.2f | %7.2f | %7.2f | %6.2f |\n", name, s.median, s.p99, s.min,
              s.max, s.median / base);
}

struct Percentiles {
  double p50, p99, p999, max;
};
Percentiles percentiles(std::vector<std::uint64_t> v, double tsc_ns) {
  if (v.empty()) return {0, 0, 0, 0};
  std::sort(v.begin(), v.end());
  const auto at = [&](double q) {
    return static_cast<double>(v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))]) /
           tsc_ns;
  };
  return {at(0.5), at(0.99), at(0.999), static_cast<double>(v.back()) / tsc_ns};
}

double mib(std::size_t b) {
  return static_cast<double>(b) / (1024.0 * 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ichannel-book-bench: order-level book cost per message and placement latency"};
  std::uint64_t orders = 2'000'000;
  std::uint32_t instruments = 8'000;
  std::uint64_t messages = 1'000'000;
  unsigned per_packet = 20;
  int passes = 15;
  int cpu = 1;
  int rx_cpu = 0;
  std::uint64_t seed = 1;
  std::uint64_t gap_ns = 50'000;
  int latency_rounds = 20;
  std::uint64_t latency_messages = 20'000;
  bool reference = true;
  bool fifo = false;
  book::BookLimits limits;
  app.add_option("--orders", orders, "live orders after the warm-up")->capture_default_str();
  app.add_option("--instruments", instruments, "instruments (locates 1..N)")->capture_default_str();
  app.add_option("--messages", messages, "messages per throughput pass")->capture_default_str();
  app.add_option("--per-packet", per_packet, "ITCH messages per MoldUDP64 packet")
      ->capture_default_str();
  app.add_option("--passes", passes, "timed passes per variant")->capture_default_str();
  app.add_option("--cpu", cpu, "pin the main thread here (-1: no pinning)")->capture_default_str();
  app.add_option("--rx-cpu", rx_cpu, "the book thread of the placement test")
      ->capture_default_str();
  app.add_option("--seed", seed, "stream seed")->capture_default_str();
  app.add_option("--gap-ns", gap_ns, "placement test: time between packets")->capture_default_str();
  app.add_option("--latency-rounds", latency_rounds, "placement test: inline/thread block pairs")
      ->capture_default_str();
  app.add_option("--latency-messages", latency_messages, "placement test: messages per block")
      ->capture_default_str();
  app.add_option("--max-orders", limits.max_orders, "BookLimits::max_orders")
      ->capture_default_str();
  app.add_option("--levels", limits.level_store_levels, "BookLimits::level_store_levels")
      ->capture_default_str();
  app.add_flag("--fifo", fifo,
               "placement test: both threads SCHED_FIFO (root; ~1 s of two spinning cores)");
  app.add_flag("!--no-reference", reference, "skip the reference book (saves its memory and time)");
  CLI11_PARSE(app, argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  bench::pin_to_cpu(cpu);
  const double tsc_ns = tsc_per_ns();
  bench::DeepDay day(instruments, seed, per_packet);
  const std::vector<Bytes> warm = day.warmup(orders);
  std::printf("stream: warm-up %llu adds on %u instruments, %u messages per packet; TSC %.3f GHz\n",
              static_cast<unsigned long long>(orders), instruments, per_packet, tsc_ns);

  std::uint64_t sink = 0;
  // (i) decode alone
  auto alone = std::make_unique<feed::ItchFeed<CountingSink>>(CountingSink{&sink});
  feed_all(*alone, warm);
  // (ii) + FeedBooks
  std::size_t rss0 = rss_bytes();
  auto books = std::make_unique<book::FeedBooks>(limits);
  auto with_book = std::make_unique<feed::ItchFeed<BookSink>>(BookSink{books.get(), &sink});
  feed_all(*with_book, warm);
  const std::size_t books_rss = rss_bytes() - rss0;
  // (ii') + FeedBooks with prefetch
  auto books_pf = std::make_unique<book::FeedBooks>(limits);
  auto with_pf =
      std::make_unique<feed::ItchFeed<BatchBookSink>>(BatchBookSink{books_pf.get(), &sink});
  feed_all(*with_pf, warm);
  // (iii) + reference book
  rss0 = rss_bytes();
  auto ref = std::make_unique<test::ReferenceBook>();
  auto with_ref = std::make_unique<feed::ItchFeed<ReferenceSink>>(ReferenceSink{ref.get()});
  if (reference) feed_all(*with_ref, warm);
  const std::size_t ref_rss = rss_bytes() - rss0;
  // The placement test's producer follows the same stream from the start (its ring unread).
  std::vector<Message<Tick>> ring(1u << 18);
  auto tx = Sender<Tick>::with_init(ring);
  auto producer = std::make_unique<feed::ItchFeed<RingSink>>(RingSink{&tx});
  feed_all(*producer, warm);

  const book::BookCounters& bc = books->counters();
  std::printf(
      "book after warm-up: %llu live orders, %llu levels, %llu instruments with orders; "
      "level store %u of %u levels in blocks\n",
      static_cast<unsigned long long>(bc.live_orders), static_cast<unsigned long long>(bc.levels),
      static_cast<unsigned long long>(bc.instruments_with_orders), books->level_store().used(),
      books->level_store().capacity());
  std::uint32_t deepest = 0;
  for (std::uint32_t i = 1; i <= instruments; ++i) {
    deepest =
        std::max({deepest, books->level_count(static_cast<std::uint16_t>(i), book::BookSide::kBid),
                  books->level_count(static_cast<std::uint16_t>(i), book::BookSide::kAsk)});
  }
  const book::FeedBooks two_m([] {
    book::BookLimits l;
    l.max_orders = 2'097'152;
    return l;
  }());
  std::printf(
      "memory: FeedBooks (default limits, max_orders 4,194,304) %.1f MiB reserved, %.1f MiB "
      "resident after the warm-up; with max_orders 2,097,152: %.1f MiB reserved; deepest "
      "side %u levels; reference book %.1f MiB resident\n\n",
      mib(books->memory_bytes()), mib(books_rss), mib(two_m.memory_bytes()), deepest, mib(ref_rss));

  // --- 1. throughput -----------------------------------------------------------------------
  std::vector<double> t_alone, t_book, t_pf, t_ref;
  for (int pass = 0; pass <= passes; ++pass) {  // pass 0 warms caches and predictors
    const std::vector<Bytes> chunk = day.chunk(messages);
    const auto n = static_cast<double>(count_messages(chunk));
    feed_all(*producer, chunk);
    for (int k = 0; k < 4; ++k) {
      const int v = (k + pass) % 4;
      const double t0 = bench::thread_ns();
      if (v == 0) feed_all(*alone, chunk);
      if (v == 1) feed_all(*with_book, chunk);
      if (v == 2) feed_all(*with_pf, chunk);
      if (v == 3 && reference) feed_all(*with_ref, chunk);
      const double dt = (bench::thread_ns() - t0) / n;
      if (pass == 0) continue;
      (v == 0 ? t_alone : v == 1 ? t_book : v == 2 ? t_pf : t_ref).push_back(dt);
    }
  }
  const Stats a = bench::stats(t_alone), b = bench::stats(t_book), p = bench::stats(t_pf);
  std::printf("1. ns/msg of thread CPU time per pass (%d passes of %llu messages, interleaved)\n",
              passes, static_cast<unsigned long long>(messages));
  std::printf("| %-44s | %7s | %7s | %7s | %7s | %6s |\n", "variant", "median", "p99", "min", "max",
              "x (i)");
  std::printf("|%s|--------:|--------:|--------:|--------:|-------:|\n",
              std::string(46, '-').c_str());
  print_row("(i) decode + normalize (counting sink)", a, a.median);
  print_row("(ii) + FeedBooks::apply", b, a.median);
  print_row("(ii') + FeedBooks::apply per packet, prefetched", p, a.median);
  if (reference) print_row("(iii) + ReferenceBook (std containers)", bench::stats(t_ref), a.median);
  std::printf("\nbook adds: median %.2f ns/msg (prefetch: %.2f)", b.median - a.median,
              p.median - a.median);
  if (reference) {
    const Stats r = bench::stats(t_ref);
    std::printf(", reference adds %.2f ns/msg: %.1fx the book's", r.median - a.median,
                (r.median - a.median) / (b.median - a.median));
  }
  std::printf(
      "\nbook after the passes: %llu live orders, %llu levels, unknown refs %llu, crossed %llu, "
      "locked %llu (reference agrees: %s)\n\n",
      static_cast<unsigned long long>(bc.live_orders), static_cast<unsigned long long>(bc.levels),
      static_cast<unsigned long long>(bc.unknown_refs), static_cast<unsigned long long>(bc.crossed),
      static_cast<unsigned long long>(bc.locked),
      !reference ? "not run"
      : (ref->counters().live_orders == bc.live_orders && ref->counters().levels == bc.levels &&
         ref->counters().unknown_refs == bc.unknown_refs)
          ? "yes"
          : "NO");
  ref.reset();  // its memory is not needed any more
  with_ref.reset();

  // --- 2. placement ------------------------------------------------------------------------
  LatencyLog inline_log, thread_log;
  inline_log.ticks.resize(static_cast<std::size_t>(latency_rounds) * latency_messages * 2);
  thread_log.ticks.resize(inline_log.ticks.size());
  with_book->sink().latency = &inline_log;
  std::atomic<std::uint64_t> applied{0};
  std::atomic<std::uint64_t> received{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> ready{false};
  book::FeedBooks* thread_books = books_pf.get();  // the same state as books (same stream)
  const auto realtime = [&] {
    if (!fifo) return;
    sched_param sp{};
    sp.sched_priority = 1;
    if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0) std::perror("sched_setscheduler");
  };
  std::thread rx_thread([&] {
    bench::pin_to_cpu(rx_cpu);
    realtime();
    Receiver<Tick> rx(ring);
    ready.store(true, std::memory_order_release);  // pairs with the acquire spin below
    std::uint64_t n = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      if (auto r = rx.try_recv()) {
        (void)thread_books->apply(r->value);
        thread_log.record(r->value.recv_ns);
        ++n;
        // release: pairs with the producer's acquire load (drain wait). The ring seq, not a
        // count: a receiver descheduled for longer than the ring holds is lapped and resyncs.
        applied.store(r->seq, std::memory_order_release);
      }
    }
    received.store(n, std::memory_order_relaxed);
  });
  while (!ready.load(std::memory_order_acquire)) {
  }
  realtime();
  const auto gap = static_cast<std::uint64_t>(static_cast<double>(gap_ns) * tsc_ns);
  std::uint64_t sent = 0;
  const auto paced = [&](auto& f, const std::vector<Bytes>& chunk) {
    std::uint64_t next = __rdtsc();
    for (const Bytes& pk : chunk) {
      while (__rdtsc() < next) _mm_pause();
      next += gap;
      f.on_datagram(0, pk, __rdtsc());
    }
  };
  for (int r = 0; r < latency_rounds; ++r) {
    const std::vector<Bytes> chunk = day.chunk(latency_messages);
    paced(*with_book, chunk);  // inline
    paced(*producer, chunk);   // on the receiver thread
    sent += count_messages(chunk);
    while (applied.load(std::memory_order_acquire) < tx.next_seq() - 1) _mm_pause();
  }
  stop.store(true, std::memory_order_relaxed);
  rx_thread.join();
  if (fifo) {
    sched_param sp{};
    (void)sched_setscheduler(0, SCHED_OTHER, &sp);
  }
  inline_log.ticks.resize(inline_log.n);
  thread_log.ticks.resize(thread_log.n);
  const Percentiles li = percentiles(inline_log.ticks, tsc_ns);
  const Percentiles lt = percentiles(thread_log.ticks, tsc_ns);
  std::printf(
      "2. packet in -> top of book known, ns (%d x %llu messages per placement, a packet "
      "every %llu ns, rx cpu %d, %s)\n",
      latency_rounds, static_cast<unsigned long long>(latency_messages),
      static_cast<unsigned long long>(gap_ns), rx_cpu, fifo ? "SCHED_FIFO" : "SCHED_OTHER");
  std::printf("| %-36s | %8s | %8s | %8s | %9s |\n", "placement", "p50", "p99", "p99.9", "max");
  std::printf("|%s|---------:|---------:|---------:|----------:|\n", std::string(38, '-').c_str());
  std::printf("| %-36s | %8.0f | %8.0f | %8.0f | %9.0f |\n", "inline (RX thread, after publish)",
              li.p50, li.p99, li.p999, li.max);
  std::printf("| %-36s | %8.0f | %8.0f | %8.0f | %9.0f |\n",
              "own thread (Receiver<Tick> of the ring)", lt.p50, lt.p99, lt.p999, lt.max);
  std::printf(
      "ratio thread / inline: p50 %.2f, p99 %.2f, p99.9 %.2f; the thread received %llu of "
      "%llu ticks (lapped: %llu)\n",
      lt.p50 / li.p50, lt.p99 / li.p99, lt.p999 / li.p999,
      static_cast<unsigned long long>(received.load()), static_cast<unsigned long long>(sent),
      static_cast<unsigned long long>(sent - received.load()));
  std::printf("checks: sink %llu, books equal after the placement test: %s\n",
              static_cast<unsigned long long>(sink & 0xFFFF),
              books->counters().live_orders == books_pf->counters().live_orders &&
                      books->counters().levels == books_pf->counters().levels
                  ? "yes"
                  : "NO");
  return 0;
}
