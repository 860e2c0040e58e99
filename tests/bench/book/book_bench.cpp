// ichannel-book-bench: what the order-level book (app/book) costs per message on a deep book,
// and where it should run. Three parts, one run:
// 1. Throughput on the deep day, passes interleaved (the order rotates each pass): MoldUDP64 +
//    ITCH 5.0 decode + normalize into (i) a counting sink, (ii) + book::FeedBooks::apply per
//    tick, (ii') the same applied per packet after prefetching every tick's order slot and
//    header, (iii) + the tests' ReferenceBook (std containers), (iv) the daemon's sink without
//    books (daemon::FeedSink: Fanout -> one Sender<Tick> ring, no receiver), (v) the daemon's
//    path: FeedSink with books, i.e. the tick publish then BookStage::on_tick (FeedBooks::apply,
//    the book-table entry write into a BookTableWriter in /dev/shm, TopOfBook into one
//    Sender<TopOfBook> ring), (ii0) (ii) with BookLimits::order_window 0 (the order store's hash
//    alone: the window's effect pass by pass), (vt) (v) with the books per tick (the daemon's
//    path before they went per packet: pass by pass against (v)). Thread CPU time per pass; median / p99 / min / max
//    ns per message over passes, the ratios, the top-of-book records per message.
// 2. Placement: latency from "packet in" (TSC read right before on_datagram) to "top of book
//    known" (apply returned) per message, with the book inline on the producing thread vs the
//    book on a second thread as the receiver of a Sender<Tick>/Receiver<Tick> ring; and, for the
//    daemon's path (FeedSink + BookStage: books, table, TopOfBook), packet in -> each TopOfBook
//    record published, with the books per packet (the daemon) and per tick (PerTickSink);
//    packets paced (--gap-ns), blocks alternated (inline, per packet, per tick, thread, ...);
//    p50 / p99 / p99.9.
// 3. The same rows as 1 on the simulator's day (app/tools/sim/generator.hpp, Model::kBook,
//    --sim-messages / --sim-symbols / --sim-peak): generated once into memory, cut into
//    --sim-passes + 1 slices in order (slice 0 untimed), each slice a pass of every variant.
// Input of 1 and 2: tests/bench/book/deep_day.hpp (a warm-up to --orders live orders on
// --instruments instruments, then steady-state chunks). Memory of the book structures at that
// state. Results and the machine: docs/books.md.
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

#include <unistd.h>

#include <filesystem>
#include <ichannel/book_table.hpp>
#include <ichannel/top_of_book.hpp>

#include "book/feed_books.hpp"
#include "daemon/datapath/feed_sink.hpp"
#include "feed/itch_feed.hpp"
#include "feed/symbols.hpp"
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
  LatencyLog* latency = nullptr;    // set in part 2 (inline placement)
  std::uint64_t level_changes = 0;  // ticks that changed a side's top N (the table's level rewrite)
  void operator()(const Tick& t) noexcept {
    const book::BookChange c = books->apply(t);
    *sum += c.bits;
    level_changes += (c.bits & (book::BookChange::kBidChanged | book::BookChange::kAskChanged |
                                book::BookChange::kDepthChanged)) != 0;
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

// The daemon's sink (datapath/feed_sink.hpp): the feed's tick channels (a Fanout into one
// Sender<Tick> ring, no receiver), then, with enable_books, its BookStage (FeedBooks::apply, the
// book-table entry write, TopOfBook into one Sender<TopOfBook> ring).
// Its top-of-book output: a Sender<TopOfBook>, and in part 2 the latency of each record (packet
// in -> the record published: the record's recv_ns is its tick's, the TSC read before
// on_datagram).
struct TopSender {
  Sender<TopOfBook>* tx = nullptr;
  LatencyLog* latency = nullptr;
  std::uint64_t send(const TopOfBook& r) noexcept {
    const std::uint64_t seq = tx->send(r);
    if (latency != nullptr) [[unlikely]]
      latency->record(r.recv_ns);
    return seq;
  }
};
using DaemonSink = daemon::FeedSink<Sender<Tick>, TopSender>;
// The same sink without its per-packet Burst: ItchFeed then publishes each tick with
// FeedSink::publish, whose books run per tick (the daemon's path before the books went per
// packet; the tick publish is then per tick too, +1-2 ns/msg in row (iv) terms).
struct PerTickSink {
  DaemonSink sink;
  [[gnu::always_inline]] void publish(const Tick& t) noexcept { sink.publish(t); }
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

// Every throughput variant of one stream, each with its own decoder (and books): fed the same
// packets, in an order that rotates each pass.
//   0 (i)    decode + normalize, counting sink
//   1 (ii)   + FeedBooks::apply per tick
//   2 (ii')  + FeedBooks::apply per packet, prefetched
//   3 (iii)  + ReferenceBook (std containers)
//   4 (iv)   + tick publish: daemon::FeedSink without books (Fanout -> Sender<Tick> ring)
//   5 (v)    the daemon's path: FeedSink with books (tick publish, then BookStage::on_tick:
//            FeedBooks::apply + book-table entry write + TopOfBook into a Sender<TopOfBook>)
//   6 (ii0)  (ii) with BookLimits::order_window 0: the order store's hash alone (the store
//            before the window, docs/books.md section 7), to compare with (ii) pass by pass
//   7 (vt)   (v) with the books per tick (PerTickSink: no Burst), to compare with (v) pass by pass
struct Variants {
  static constexpr int kCount = 8;
  std::uint64_t sum = 0;
  bool reference = true;
  std::size_t books_rss = 0, ref_rss = 0;
  std::unique_ptr<feed::ItchFeed<CountingSink>> alone;
  std::unique_ptr<book::FeedBooks> books, books_pf, books_hash;
  std::unique_ptr<feed::ItchFeed<BookSink>> with_book, with_hash;
  std::unique_ptr<feed::ItchFeed<BatchBookSink>> with_pf;
  std::unique_ptr<test::ReferenceBook> ref;
  std::unique_ptr<feed::ItchFeed<ReferenceSink>> with_ref;
  feed::SymbolTable symbols;  // no filters: unused by the outputs
  std::vector<Message<Tick>> pub_ring, dmn_ring;
  std::vector<Message<TopOfBook>> top_ring;
  std::unique_ptr<Sender<Tick>> pub_tx, dmn_tx;
  std::unique_ptr<Sender<TopOfBook>> top_tx, top_tx_pt;
  std::vector<Message<Tick>> pt_ring;
  std::vector<Message<TopOfBook>> top_ring_pt;
  std::unique_ptr<Sender<Tick>> pt_tx;
  TopSender tops, tops_pt;
  std::unique_ptr<feed::ItchFeed<DaemonSink>> publish_only, daemon_path;
  std::unique_ptr<feed::ItchFeed<PerTickSink>> per_tick;

  Variants(const book::BookLimits& limits, BookTableWriter& table, BookTableWriter& table_pt,
           bool with_reference)
      : reference(with_reference) {
    alone = std::make_unique<feed::ItchFeed<CountingSink>>(CountingSink{&sum});
    const std::size_t rss0 = rss_bytes();
    books = std::make_unique<book::FeedBooks>(limits);
    books_rss = rss_bytes() - rss0;
    with_book = std::make_unique<feed::ItchFeed<BookSink>>(BookSink{books.get(), &sum});
    books_pf = std::make_unique<book::FeedBooks>(limits);
    book::BookLimits hash_only = limits;
    hash_only.order_window = 0;
    books_hash = std::make_unique<book::FeedBooks>(hash_only);
    with_hash = std::make_unique<feed::ItchFeed<BookSink>>(BookSink{books_hash.get(), &sum});
    with_pf = std::make_unique<feed::ItchFeed<BatchBookSink>>(BatchBookSink{books_pf.get(), &sum});
    ref = std::make_unique<test::ReferenceBook>();
    with_ref = std::make_unique<feed::ItchFeed<ReferenceSink>>(ReferenceSink{ref.get()});
    pub_ring.resize(1u << 16);
    dmn_ring.resize(1u << 16);
    top_ring.resize(1u << 16);
    pub_tx = std::make_unique<Sender<Tick>>(Sender<Tick>::with_init(pub_ring));
    dmn_tx = std::make_unique<Sender<Tick>>(Sender<Tick>::with_init(dmn_ring));
    top_tx = std::make_unique<Sender<TopOfBook>>(Sender<TopOfBook>::with_init(top_ring));
    publish_only = std::make_unique<feed::ItchFeed<DaemonSink>>();
    (void)publish_only->sink().ticks().add_output(*pub_tx, 0, symbols, {});
    daemon_path = std::make_unique<feed::ItchFeed<DaemonSink>>();
    (void)daemon_path->sink().ticks().add_output(*dmn_tx, 0, symbols, {});
    daemon_path->sink().enable_books(std::make_unique<DaemonSink::Books>(limits, table, 0));
    tops.tx = top_tx.get();
    (void)daemon_path->sink().books()->tops().add_output(tops, 0, symbols, {});
    pt_ring.resize(1u << 16);
    top_ring_pt.resize(1u << 16);
    pt_tx = std::make_unique<Sender<Tick>>(Sender<Tick>::with_init(pt_ring));
    top_tx_pt = std::make_unique<Sender<TopOfBook>>(Sender<TopOfBook>::with_init(top_ring_pt));
    per_tick = std::make_unique<feed::ItchFeed<PerTickSink>>();
    DaemonSink& pts = per_tick->sink().sink;
    (void)pts.ticks().add_output(*pt_tx, 0, symbols, {});
    pts.enable_books(std::make_unique<DaemonSink::Books>(limits, table_pt, 0));
    tops_pt.tx = top_tx_pt.get();
    (void)pts.books()->tops().add_output(tops_pt, 0, symbols, {});
  }
  [[nodiscard]] const DaemonSink::Books& stage_pt() const {
    return *per_tick->sink().sink.books();
  }
  [[nodiscard]] const DaemonSink::Books& stage() const { return *daemon_path->sink().books(); }

  void feed(int v, const std::vector<Bytes>& packets) {
    if (v == 0) feed_all(*alone, packets);
    if (v == 1) feed_all(*with_book, packets);
    if (v == 2) feed_all(*with_pf, packets);
    if (v == 3 && reference) feed_all(*with_ref, packets);
    if (v == 4) feed_all(*publish_only, packets);
    if (v == 5) feed_all(*daemon_path, packets);
    if (v == 6) feed_all(*with_hash, packets);
    if (v == 7) feed_all(*per_tick, packets);
  }
  // Untimed (a warm-up): every variant; the reference's resident growth measured.
  void feed_every(const std::vector<Bytes>& packets) {
    for (int v = 0; v < kCount; ++v) {
      const std::size_t rss0 = rss_bytes();
      feed(v, packets);
      if (v == 3) ref_rss += rss_bytes() - rss0;
    }
  }
  [[nodiscard]] bool agree() const {
    const book::BookCounters& a = books->counters();
    const book::BookCounters& d = stage().books().counters();
    const book::BookCounters& e = stage_pt().books().counters();
    const bool dm = a.live_orders == d.live_orders && a.levels == d.levels &&
                    a.unknown_refs == d.unknown_refs && e.live_orders == a.live_orders &&
                    e.levels == a.levels && stage_pt().top_records() == stage().top_records() &&
                    books_pf->counters().live_orders == a.live_orders &&
                    books_hash->counters().live_orders == a.live_orders &&
                    books_hash->counters().levels == a.levels;
    if (!reference) return dm;
    return dm && ref->counters().live_orders == a.live_orders &&
           ref->counters().levels == a.levels && ref->counters().unknown_refs == a.unknown_refs;
  }
};

// Times the passes (pass 0 untimed: caches and predictors) of one stream, interleaved, and
// prints the rows. next_chunk(pass) returns the pass's packets (empty: the stream ended).
template <class NextChunk>
void throughput(const char* stream, Variants& vs, int passes, NextChunk&& next_chunk) {
  std::array<std::vector<double>, Variants::kCount> t;
  std::uint64_t timed_messages = 0;
  std::uint64_t tops = 0;
  std::uint64_t level_changes = 0;
  std::uint64_t max_live = 0;
  std::vector<std::uint64_t> live_at_end;
  int timed = 0;
  for (int pass = 0; pass <= passes; ++pass) {
    const std::vector<Bytes> chunk = next_chunk(pass);
    if (chunk.empty()) break;
    const auto n = static_cast<double>(count_messages(chunk));
    const std::uint64_t tops0 = vs.stage().top_records();
    const std::uint64_t levels0 = vs.with_book->sink().level_changes;
    for (int k = 0; k < Variants::kCount; ++k) {
      const int v = (k + pass) % Variants::kCount;
      const double t0 = bench::thread_ns();
      vs.feed(v, chunk);
      const double dt = (bench::thread_ns() - t0) / n;
      if (pass > 0) t[static_cast<std::size_t>(v)].push_back(dt);
    }
    const std::uint64_t live = vs.books->counters().live_orders;
    max_live = std::max(max_live, live);
    live_at_end.push_back(live);
    if (pass == 0) continue;
    ++timed;
    timed_messages += count_messages(chunk);
    tops += vs.stage().top_records() - tops0;
    level_changes += vs.with_book->sink().level_changes - levels0;
  }
  if (timed == 0) return;
  const Stats a = bench::stats(t[0]);
  std::printf(
      "%s: ns/msg of thread CPU time per pass (%d timed passes, %llu messages, "
      "interleaved)\n",
      stream, timed, static_cast<unsigned long long>(timed_messages));
  std::printf("| %-60s | %7s | %7s | %7s | %7s | %6s |\n", "variant", "median", "p99", "min", "max",
              "x (i)");
  std::printf("|%s|--------:|--------:|--------:|--------:|-------:|\n",
              std::string(62, '-').c_str());
  static const char* const names[Variants::kCount] = {
      "(i) decode + normalize (counting sink)",
      "(ii) + FeedBooks::apply",
      "(ii') + FeedBooks::apply per packet, prefetched",
      "(iii) + ReferenceBook (std containers)",
      "(iv) + tick publish (FeedSink -> Sender<Tick>, no books)",
      "(v) daemon path: + tick publish + BookStage::on_tick",
      "(ii0) + FeedBooks::apply, order_window 0 (the hash alone)",
      "(vt) daemon path with the books per tick (no Burst)",
  };
  std::array<Stats, Variants::kCount> s{};
  for (int v = 0; v < Variants::kCount; ++v) {
    if (v == 3 && !vs.reference) continue;
    s[static_cast<std::size_t>(v)] = bench::stats(t[static_cast<std::size_t>(v)]);
    std::printf("| %-60s | %7.2f | %7.2f | %7.2f | %7.2f | %6.2f |\n", names[v], s[v].median,
                s[v].p99, s[v].min, s[v].max, s[v].median / a.median);
  }
  std::printf(
      "\nadded to (i), median ns/msg: book %.2f, prefetched %.2f, publish %.2f, daemon "
      "path %.2f (of which after the publish: %.2f), per tick %.2f (after the publish: %.2f)",
      s[1].median - a.median, s[2].median - a.median, s[4].median - a.median,
      s[5].median - a.median, s[5].median - s[4].median, s[7].median - a.median,
      s[7].median - s[4].median);
  if (vs.reference)
    std::printf(", reference %.2f (%.1fx the book's)", s[3].median - a.median,
                (s[3].median - a.median) / (s[1].median - a.median));
  const book::BookCounters& bc = vs.books->counters();
  std::printf(
      "\ntop-of-book records: %llu in the timed passes, %.3f per message; ticks that changed a "
      "side's top N (book-table level rewrite): %.3f per message\n"
      "live orders at the end of each pass:",
      static_cast<unsigned long long>(tops),
      static_cast<double>(tops) / static_cast<double>(timed_messages),
      static_cast<double>(level_changes) / static_cast<double>(timed_messages));
  for (const std::uint64_t l : live_at_end)
    std::printf(" %llu", static_cast<unsigned long long>(l));
  for (const int v : {0, 1, 6, 5, 7}) {
    std::printf("\nns/msg per timed pass, %s:", v == 0   ? "(i)"
                                                : v == 1 ? "(ii)"
                                                : v == 6 ? "(ii0)"
                                                : v == 5 ? "(v)"
                                                         : "(vt)");
    for (const double x : t[static_cast<std::size_t>(v)]) std::printf(" %.0f", x);
  }
  {
    // The books per packet against per tick, pass by pass: ((v) - (iv)) / ((vt) - (iv)).
    std::vector<double> r;
    for (std::size_t i = 0; i < t[0].size(); ++i)
      r.push_back((t[5][i] - t[4][i]) / (t[7][i] - t[4][i]));
    const Stats rs = bench::stats(r);
    std::printf(
        "\ndaemon path after the publish, books per packet / per tick, per pass: median %.3f, "
        "min %.3f, max %.3f:",
        rs.median, rs.min, rs.max);
    for (const double x : r) std::printf(" %.2f", x);
  }
  {
    // The window against the hash alone, pass by pass: ((ii) - (i)) / ((ii0) - (i)).
    std::vector<double> r;
    for (std::size_t i = 0; i < t[0].size(); ++i)
      r.push_back((t[1][i] - t[0][i]) / (t[6][i] - t[0][i]));
    const Stats rs = bench::stats(r);
    std::printf(
        "\nbook added with the order window / without, per pass: median %.3f, min %.3f, max "
        "%.3f:",
        rs.median, rs.min, rs.max);
    for (const double x : r) std::printf(" %.2f", x);
    const book::OrderWindow& ow = vs.books->order_store();
    std::printf(
        "\norder window: %u slots, %u orders in it at the end, %llu in the hash, %llu "
        "migrated (%.3f per add)",
        ow.window(), ow.window_size(), static_cast<unsigned long long>(ow.hash().size()),
        static_cast<unsigned long long>(ow.migrated()),
        static_cast<double>(ow.migrated()) /
            static_cast<double>(std::max<std::uint64_t>(
                1, vs.books->counters().adds + vs.books->counters().replaces)));
  }
  std::printf(
      "\nbook at the end: %llu live orders (max at a pass end %llu), %llu levels, unknown refs "
      "%llu, crossed %llu, locked %llu; all books agree: %s\n\n",
      static_cast<unsigned long long>(bc.live_orders), static_cast<unsigned long long>(max_live),
      static_cast<unsigned long long>(bc.levels), static_cast<unsigned long long>(bc.unknown_refs),
      static_cast<unsigned long long>(bc.crossed), static_cast<unsigned long long>(bc.locked),
      vs.agree() ? "yes" : "NO");
}

// The book table of one stream's daemon path: in a temporary directory of /dev/shm (no
// hugepages), or with --table-hugepages of /dev/hugepages (hugetlbfs, the daemon's default);
// the daemon's defaults (depth 10, 65,536 instruments).
bool g_table_hugepages = false;
struct TempTable {
  std::filesystem::path dir;
  std::unique_ptr<BookTableWriter> table;
  explicit TempTable(const char* name) {
    dir = std::filesystem::path(g_table_hugepages ? "/dev/hugepages" : "/dev/shm") /
          ("ichannel-book-bench-" + std::to_string(::getpid()) + "-" + name);
    std::filesystem::remove_all(dir);
    BookTableOptions o;
    o.dir = dir.string();
    o.hugepages = g_table_hugepages;
    o.feed_name = name;
    auto t = BookTableWriter::create(std::string(name) + "-books", o);
    if (!t) {
      std::fprintf(stderr, "book table: %s\n", t.error().message.c_str());
      std::exit(1);
    }
    table = std::make_unique<BookTableWriter>(std::move(*t));
  }
  ~TempTable() {
    table.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  TempTable(const TempTable&) = delete;
  TempTable& operator=(const TempTable&) = delete;
};

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
  std::uint64_t sim_messages = 20'000'000;
  std::uint32_t sim_symbols = 5'000;
  std::uint64_t sim_peak = 2'000'000;
  int sim_passes = 20;
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
  app.add_option("--order-window", limits.order_window,
                 "BookLimits::order_window (slots of the newest references; 0: the hash alone)")
      ->capture_default_str();
  app.add_flag("--fifo", fifo,
               "placement test: both threads SCHED_FIFO (root; ~1 s of two spinning cores)");
  app.add_flag("!--no-reference", reference, "skip the reference book (saves its memory and time)");
  app.add_flag("--table-hugepages", g_table_hugepages,
               "the book table on /dev/hugepages (hugetlbfs, as the daemon's default) instead of "
               "/dev/shm");
  app.add_option("--sim-messages", sim_messages,
                 "3. the simulator's day (app/tools/sim, Model::kBook): body messages (0: skip)")
      ->capture_default_str();
  app.add_option("--sim-symbols", sim_symbols, "3. the simulator's day: symbols")
      ->capture_default_str();
  app.add_option("--sim-peak", sim_peak, "3. the simulator's day: peak_live_orders")
      ->capture_default_str();
  app.add_option("--sim-passes", sim_passes,
                 "3. the simulator's day: timed passes (the day in passes + 1 slices)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  bench::pin_to_cpu(cpu);
  const double tsc_ns = tsc_per_ns();
  bench::DeepDay day(instruments, seed, per_packet);
  const std::vector<Bytes> warm = day.warmup(orders);
  std::printf("stream: warm-up %llu adds on %u instruments, %u messages per packet; TSC %.3f GHz\n",
              static_cast<unsigned long long>(orders), instruments, per_packet, tsc_ns);

  // The deep day's variants (their own book table for the daemon path).
  TempTable deep_table("deep"), deep_table_pt("deep-pt");
  auto vs = std::make_unique<Variants>(limits, *deep_table.table, *deep_table_pt.table, reference);
  vs->feed_every(warm);
  auto& with_book = vs->with_book;
  auto& books = vs->books;
  auto& books_pf = vs->books_pf;
  const std::size_t books_rss = vs->books_rss;
  const std::size_t ref_rss = vs->ref_rss;
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
  {
    const book::FeedBooks two_m([] {
      book::BookLimits l;
      l.max_orders = 2'097'152;
      return l;
    }());
    std::printf(
        "memory: FeedBooks (default limits, max_orders 4,194,304) %.1f MiB reserved, %.1f MiB "
        "resident after construction; with max_orders 2,097,152: %.1f MiB reserved; deepest "
        "side %u levels; reference book %.1f MiB resident; book table %.1f MiB\n\n",
        mib(books->memory_bytes()), mib(books_rss), mib(two_m.memory_bytes()), deepest,
        mib(ref_rss), mib(deep_table.table->bytes()));
  }

  // --- 1. throughput -----------------------------------------------------------------------
  throughput("1. deep day (tests/bench/book/deep_day.hpp)", *vs, passes, [&](int) {
    std::vector<Bytes> chunk = day.chunk(messages);
    feed_all(*producer, chunk);
    return chunk;
  });
  std::uint64_t& sink = vs->sum;
  vs->ref.reset();  // its memory is not needed any more
  vs->with_ref.reset();
  vs->reference = false;

  // --- 2. placement ------------------------------------------------------------------------
  LatencyLog inline_log, thread_log, daemon_log, daemon_pt_log;
  inline_log.ticks.resize(static_cast<std::size_t>(latency_rounds) * latency_messages * 2);
  thread_log.ticks.resize(inline_log.ticks.size());
  daemon_log.ticks.resize(inline_log.ticks.size());
  daemon_pt_log.ticks.resize(inline_log.ticks.size());
  vs->tops.latency = &daemon_log;
  vs->tops_pt.latency = &daemon_pt_log;
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
    paced(*with_book, chunk);         // inline
    paced(*vs->daemon_path, chunk);   // the daemon's path, books per packet (TopOfBook latency)
    paced(*vs->per_tick, chunk);      // the same, books per tick
    paced(*producer, chunk);          // on the receiver thread
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
  daemon_log.ticks.resize(daemon_log.n);
  daemon_pt_log.ticks.resize(daemon_pt_log.n);
  vs->tops.latency = nullptr;
  vs->tops_pt.latency = nullptr;
  const Percentiles li = percentiles(inline_log.ticks, tsc_ns);
  const Percentiles lt = percentiles(thread_log.ticks, tsc_ns);
  const Percentiles ld = percentiles(daemon_log.ticks, tsc_ns);
  const Percentiles lp = percentiles(daemon_pt_log.ticks, tsc_ns);
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
      "packet in -> TopOfBook record published (the daemon's path: tick publish, books, table, "
      "record; %zu and %zu records)\n",
      daemon_log.n, daemon_pt_log.n);
  std::printf("| %-36s | %8.0f | %8.0f | %8.0f | %9.0f |\n", "daemon path, books per packet",
              ld.p50, ld.p99, ld.p999, ld.max);
  std::printf("| %-36s | %8.0f | %8.0f | %8.0f | %9.0f |\n", "daemon path, books per tick", lp.p50,
              lp.p99, lp.p999, lp.max);
  std::printf("ratio per packet / per tick: p50 %.2f, p99 %.2f, p99.9 %.2f\n", ld.p50 / lp.p50,
              ld.p99 / lp.p99, ld.p999 / lp.p999);
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
  // --- 3. the simulator's day ----------------------------------------------------------------
  vs.reset();  // the deep day's books and decoders: their memory back
  producer.reset();
  if (sim_messages == 0) return 0;
  sim::GeneratorConfig gc;
  gc.messages = sim_messages;
  gc.symbols = sim_symbols;
  gc.peak_live_orders = sim_peak;
  gc.seed = seed;
  const double g0 = bench::thread_ns();
  sim::Generator gen(gc);
  std::vector<Bytes> day_packets;
  {
    std::vector<Bytes> batch;
    Bytes m;
    std::uint64_t time = 0;
    std::uint64_t seq = 1;
    while (gen.next(m, time, nullptr)) {
      batch.push_back(m);
      if (batch.size() == per_packet) {
        day_packets.push_back(wire::mold_packet("SIMDAY0001", seq, batch));
        seq += batch.size();
        batch.clear();
      }
    }
    if (!batch.empty()) day_packets.push_back(wire::mold_packet("SIMDAY0001", seq, batch));
  }
  const sim::GeneratorStats& gs = gen.stats();
  std::printf(
      "3. the simulator's day (Model::kBook, seed %llu): %llu messages on %u symbols, generated "
      "in %.1f s; peak live orders %llu (target %llu) at body message %llu, %llu left at the "
      "end; most levels on one side %llu; %zu packets of %u\n",
      static_cast<unsigned long long>(seed), static_cast<unsigned long long>(gs.messages),
      sim_symbols, (bench::thread_ns() - g0) / 1e9,
      static_cast<unsigned long long>(gs.max_live_orders),
      static_cast<unsigned long long>(gs.peak_live_target),
      static_cast<unsigned long long>(gs.max_live_at_message),
      static_cast<unsigned long long>(gs.live_orders),
      static_cast<unsigned long long>(gs.max_levels), day_packets.size(), per_packet);
  {
    TempTable sim_table("simday"), sim_table_pt("simday-pt");
    auto sv = std::make_unique<Variants>(limits, *sim_table.table, *sim_table_pt.table, reference);
    const std::size_t slices = static_cast<std::size_t>(sim_passes) + 1;
    const std::size_t per_slice = (day_packets.size() + slices - 1) / slices;
    throughput("3. the simulator's day (app/tools/sim/generator.hpp)", *sv, sim_passes,
               [&](int pass) {
                 const std::size_t b =
                     std::min(day_packets.size(), static_cast<std::size_t>(pass) * per_slice);
                 const std::size_t e = std::min(day_packets.size(), b + per_slice);
                 return std::vector<Bytes>(day_packets.begin() + static_cast<std::ptrdiff_t>(b),
                                           day_packets.begin() + static_cast<std::ptrdiff_t>(e));
               });
    std::printf("checks: sink %llu\n", static_cast<unsigned long long>(sv->sum & 0xFFFF));
  }
  return 0;
}
