// strategy.cpp: the skeleton of a strategy process - copy this folder and put your logic into
// on_book() / on_record(). Everything else is what every strategy needs:
//   1. pin the process to its CPU (--cpu),
//   2. attach, waiting for the feed daemon as long as it is not up (each attempt waits --wait s),
//   3. join its instruments' books from the book table and follow the top-of-book (or tick)
//      channel from exactly the record after each snapshot (join_books), or - without --table -
//      follow a tick channel from its next record,
//   4. follow with recv_for and a deadline, and act on every producer state: stale (keep
//      waiting), dead (keep waiting, say so: the daemon will be restarted), restarted (join
//      again: the old books are of the old producer), gone (wait for the channel to come back),
//   5. count what it did not get (lost: overwritten before it was read, skipped: jumped over),
//      print it every --report seconds and at exit, in the Prometheus text format it would export,
//   6. stop cleanly on SIGINT / SIGTERM.
//
//   strategy --table demo.books --channel demo.tob --instruments 1,2,3 [--cpu 2] [--dir DIR]
//   strategy --channel demo.all                      # a tick channel, no books
//
// Exit status: 0 after a signal, 1 on a usage or setup error.
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <ichannel/book_join.hpp>
#include <ichannel/book_table.hpp>
#include <ichannel/channel.hpp>
#include <ichannel/tick.hpp>
#include <ichannel/top_of_book.hpp>

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};  // set by the signal handler, read by the loop (relaxed: a flag)
void on_signal(int) {
  g_stop.store(true, std::memory_order_relaxed);
}

struct Options {
  std::string table;                       // empty: follow --channel as a tick channel, no books
  std::string channel;                     // top-of-book (or tick) channel of the table's feed
  std::vector<std::uint16_t> instruments;  // stock locates (ichannel-book TABLE SYMBOL shows them)
  std::string dir;                         // empty: $ICHANNEL_DIR or the default directory
  int cpu = -1;
  double wait_s = 1;    // each attach waits this long for the files to appear, then tries again
  double report_s = 1;  // print the counters this often
  bool ticks = false;   // --ticks: the channel is a tick channel (join_books<Tick>)
};

// --- your strategy ------------------------------------------------------------------------------
// The books at the join (the snapshot), then every record after it, in channel order.
struct Strategy {
  void on_book(std::uint16_t instrument, const ichannel::BookSnapshot& s) {
    const auto bid = s.side(ichannel::BookSide::kBid);
    const auto ask = s.side(ichannel::BookSide::kAsk);
    const auto price = [](std::int64_t p) {
      return static_cast<double>(p) / ichannel::kPriceScale;
    };
    std::printf(
        "strategy: book %u: %zu bid / %zu ask levels, best bid %.4f x %llu, as of seq %llu\n",
        instrument, bid.size(), ask.size(), bid.empty() ? 0.0 : price(bid[0].price),
        static_cast<unsigned long long>(bid.empty() ? 0 : bid[0].qty),
        static_cast<unsigned long long>(s.seq));
  }
  void on_record(const ichannel::TopOfBook& t) {
    if (t.instrument == 0) return;  // feed-wide: a gap marked the books, or a session reset
    // t.bid_price / t.bid_qty / t.ask_price / t.ask_qty: the new best bid and offer;
    // has_flag(t, kBookPossiblyWrong): the book may be wrong (an unrecovered gap) - do not trade.
  }
  void on_record(const ichannel::Tick& t) {
    (void)t;  // t.action, t.price, t.qty, t.instrument: one order event
  }
};

// --- the plumbing -------------------------------------------------------------------------------
struct Counters {
  std::uint64_t received = 0;  // records handed to the strategy, all joins
  std::uint64_t lost = 0;      // of ended joins (the current one adds its own)
  std::uint64_t skipped = 0;
  std::uint64_t joins = 0;
};

bool pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

void report(const Options& o, const Counters& c, std::uint64_t lost, std::uint64_t skipped,
            const char* what) {
  // What a strategy exports to Prometheus (its own /metrics; the daemon's exporter cannot see
  // receivers): ichannel_receiver_lost_total counts the records it did not get (lost + skipped).
  std::printf("strategy: %s: received %llu lost %llu skipped %llu joins %llu\n", what,
              static_cast<unsigned long long>(c.received), static_cast<unsigned long long>(lost),
              static_cast<unsigned long long>(skipped), static_cast<unsigned long long>(c.joins));
  std::printf("ichannel_receiver_lost_total{channel=\"%s\",receiver=\"strategy\"} %llu\n",
              o.channel.c_str(), static_cast<unsigned long long>(lost + skipped));
  std::fflush(stdout);
}

// Says what the producer does now, once per change (`shown`: what was said last); returns true
// when the source must be attached again.
bool on_producer(const Options& o, const ichannel::ProducerChange& p,
                 ichannel::ProducerState& shown, bool books) {
  using ichannel::ProducerState;
  const char* ch = o.channel.c_str();
  if (p.to == ProducerState::kRestarted) {
    // With books: the snapshots are of the old producer - join again. Without: the receiver
    // already follows the new epoch (from its oldest record; counters cumulative).
    std::printf("strategy: %s: producer restarted (epoch %llu)%s\n", ch,
                static_cast<unsigned long long>(p.epoch), books ? ": joining again" : "");
    shown = ProducerState::kSame;
    return books;
  }
  if (p.to == shown) return false;  // nothing new since the last timeout
  shown = p.to;
  switch (p.to) {
    case ProducerState::kSame:
      std::printf("strategy: %s: producer alive\n", ch);
      break;
    case ProducerState::kStale:
      std::printf("strategy: %s: producer stale (alive, no heartbeat): waiting\n", ch);
      break;
    case ProducerState::kDead:
      std::printf("strategy: %s: producer dead: waiting for its restart\n", ch);
      break;
    case ProducerState::kDraining:
      std::printf("strategy: %s: new producer: reading the old ring to its end\n", ch);
      break;
    case ProducerState::kGone:
      std::printf("strategy: %s: channel gone (file removed): waiting for it\n", ch);
      std::fflush(stdout);
      return true;
    case ProducerState::kRestarted:
      break;
  }
  std::fflush(stdout);
  return false;
}

// Follows one source (a join, or an attached tick channel) until it must be attached again
// (returns true) or a signal arrives (false).
template <class Source>
bool follow(const Options& o, Source& src, Strategy& s, Counters& c, bool books,
            Clock::time_point& next_report) {
  using ichannel::ProducerState;
  const auto every =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.report_s));
  auto lost = [&] { return c.lost + src.lost(); };
  auto skipped = [&] { return c.skipped + src.skipped(); };
  ProducerState shown = ProducerState::kSame;
  while (!g_stop.load(std::memory_order_relaxed)) {
    // Spins up to 100 ms for the next record, then r.producer says what the producer does.
    // SpinThenYield suits a shared core; on an isolated one use the default (ichannel::BusySpin).
    auto r = src.recv_for(100ms, ichannel::SpinThenYield{});
    if (r) {
      s.on_record(r.message->value);
      ++c.received;
      if (shown == ProducerState::kStale || shown == ProducerState::kDead) [[unlikely]] {
        shown = ProducerState::kSame;  // records again: the producer is back
        std::printf("strategy: %s: producer alive (records again)\n", o.channel.c_str());
      }
      if ((c.received & 0x3ff) != 0) continue;  // the clock only every 1024 records
    } else if (on_producer(o, r.producer, shown, books)) {
      c.lost = lost();
      c.skipped = skipped();
      return true;
    }
    if (const auto now = Clock::now(); now >= next_report) {
      report(o, c, lost(), skipped(), "running");
      next_report = now + every;
    }
  }
  c.lost = lost();
  c.skipped = skipped();
  return false;
}

// A tick channel without books: ReceiverChannel, with JoinedBooks' lost()/skipped() shape.
struct TickChannel {
  ichannel::ReceiverChannel<ichannel::Tick> ch;
  template <class D, class Idle>
  auto recv_for(D d, Idle idle) {
    return ch.recv_for(d, idle);
  }
  std::uint64_t lost() { return ch.receiver().lost(); }
  std::uint64_t skipped() { return ch.receiver().skipped(); }
};

template <class T>
int run(const Options& o, ichannel::AttachOptions ao) {
  Strategy s;
  Counters c;
  auto next_report = Clock::now();
  std::string last_error;
  while (!g_stop.load(std::memory_order_relaxed)) {
    bool again = false;
    if (o.table.empty()) {
      auto ch = ichannel::ReceiverChannel<ichannel::Tick>::attach(o.channel, ao);
      if (ch) {
        ++c.joins;
        std::printf("strategy: attached %s (epoch %llu)\n", o.channel.c_str(),
                    static_cast<unsigned long long>(ch->epoch()));
        std::fflush(stdout);
        last_error.clear();
        TickChannel src{std::move(*ch)};
        again = follow(o, src, s, c, false, next_report);
      } else if (ch.error().message != last_error) {
        last_error = ch.error().message;
        std::printf("strategy: cannot attach yet: %s\n", last_error.c_str());
      }
    } else {
      // The books of the instruments, and the channel from the record after each snapshot.
      auto books = ichannel::join_books<T>(o.table, o.channel, o.instruments, ao);
      if (books) {
        ++c.joins;
        std::printf("strategy: joined %s + %s (epoch %llu): %zu instruments at table seq %llu\n",
                    o.table.c_str(), o.channel.c_str(),
                    static_cast<unsigned long long>(books->channel().epoch()),
                    books->instruments().size(),
                    static_cast<unsigned long long>(books->join_seq()));
        for (const std::uint16_t i : books->instruments()) s.on_book(i, *books->snapshot(i));
        std::fflush(stdout);
        last_error.clear();
        again = follow(o, *books, s, c, true, next_report);
      } else if (books.error().message != last_error) {
        // The daemon is not up (yet), or is restarting (its table and channel are briefly of
        // different producers): say it once, keep trying.
        last_error = books.error().message;
        std::printf("strategy: cannot join yet: %s\n", last_error.c_str());
      }
    }
    if (again) report(o, c, c.lost, c.skipped, "join ended");
    std::fflush(stdout);
    if (!again && !g_stop.load(std::memory_order_relaxed)) std::this_thread::sleep_for(100ms);
  }
  report(o, c, c.lost, c.skipped, "exit (signal)");
  return 0;
}

std::optional<std::vector<std::uint16_t>> parse_locates(std::string_view v) {
  std::vector<std::uint16_t> out;
  while (!v.empty()) {
    const auto comma = v.find(',');
    const std::string one(v.substr(0, comma));
    char* end = nullptr;
    const unsigned long n = std::strtoul(one.c_str(), &end, 10);
    if (one.empty() || *end != '\0' || n == 0 || n > 65535) return std::nullopt;
    out.push_back(static_cast<std::uint16_t>(n));
    v = comma == std::string_view::npos ? std::string_view{} : v.substr(comma + 1);
  }
  return out;
}

int usage(const char* why) {
  std::fprintf(stderr,
               "strategy: %s\nusage: strategy --channel NAME [--table NAME --instruments L1,L2,..."
               " [--ticks]] [--dir DIR] [--cpu N] [--wait S] [--report S]\n",
               why);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--ticks") {
      o.ticks = true;
      continue;
    }
    if (i + 1 >= argc) return usage("missing value");
    const char* v = argv[++i];
    if (a == "--table") {
      o.table = v;
    } else if (a == "--channel") {
      o.channel = v;
    } else if (a == "--dir") {
      o.dir = v;
    } else if (a == "--cpu") {
      o.cpu = std::atoi(v);
    } else if (a == "--wait") {
      o.wait_s = std::atof(v);
    } else if (a == "--report") {
      o.report_s = std::atof(v);
    } else if (a == "--instruments") {
      auto l = parse_locates(v);
      if (!l) return usage("--instruments: stock locates 1..65535, comma separated");
      o.instruments = *l;
    } else {
      return usage("unknown argument");
    }
  }
  if (o.channel.empty()) return usage("--channel is required");
  if (!o.table.empty() && o.instruments.empty()) return usage("--table needs --instruments");

  // 1. Pin first: the mappings and the stack are then faulted in on this CPU's node.
  if (o.cpu >= 0) {
    if (!pin_to_cpu(o.cpu)) {
      std::fprintf(stderr, "strategy: cannot pin to cpu %d\n", o.cpu);
      return 1;
    }
    std::printf("strategy: pinned to cpu %d\n", o.cpu);
  }
  // 6. SIGINT / SIGTERM end the loop at its next record or timeout (<= 100 ms).
  struct sigaction sa = {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  ichannel::AttachOptions ao;
  ao.dir = o.dir;
  ao.wait = std::chrono::milliseconds(static_cast<std::int64_t>(o.wait_s * 1000));
  ao.stale_after = 500ms;  // a live producer whose heartbeat is older than this is "stale"
  return o.ticks || o.table.empty() ? run<ichannel::Tick>(o, ao) : run<ichannel::TopOfBook>(o, ao);
}
