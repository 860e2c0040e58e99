// ichannel-e2e-join: the late-joining strategy of tests/e2e/books.sh and snapshot.sh, as a
// separate process.
//
// Usage
//   ichannel-e2e-join --table T --channel C [--dir D] --instruments N --after-seq S
//                     --until-seq U [--timeout SEC] [--wait-snapshot] [--follow-restarts]
//                     --out FILE
// Waits until the daemon's book table T has applied message S (the producer is mid-session,
// running at full speed), then joins instruments 1..N with ONE call, join_books<TopOfBook>(T, C):
// the books from the table, then the top-of-book records that follow them. It follows C until
// the table has applied message U and C stays quiet, keeping each instrument's best bid and
// offer from the snapshot and then from every record (a feed-wide reset that applies to an
// instrument - a session start, a snapshot-begin - clears it). At the end it writes one JSON
// line per instrument with a book: {"i","bid":[[p,q,o]] (the followed best), "ask":[...],
// "table_bid":[[p,q,o],...] and "table_ask" (the table's top N, read at the end),
// "bid_levels","ask_levels","state","wrong"} and a last line {"join":{...}} with the last join's
// seq, the records followed, lost and skipped (summed over every join), the snapshot records
// seen and the restarts followed. Exit 1 on a join error (printed) or the timeout.
// --wait-snapshot: join only once C carries a snapshot-end record of its current producer
// (instrument 0, change kTobSnapshot | kTobMarkChanged: the daemon's books were rebuilt from a
// GLIMPSE snapshot), e.g. for a daemon started mid-session.
// --follow-restarts: the strategy that outlives its daemon. When the producer dies or restarts
// (recv_for reports kDead, kGone or kRestarted) it neither exits nor trusts the old books: it
// waits for a live producer of T and C again (a new epoch), for that producer's snapshot-end
// record on C, and joins again; the deadline (--timeout) is the only way out in between.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <ichannel/book_join.hpp>
#include <ichannel/book_table.hpp>
#include <ichannel/channel.hpp>
#include <ichannel/top_of_book.hpp>

namespace {

using namespace ichannel;
using Clock = std::chrono::steady_clock;

// TopOfBook::change bit of the records a snapshot hand-over publishes (docs/tick-format.md).
constexpr std::uint8_t kSnapshotChange = 32;

bool is_snapshot_begin(const TopOfBook& t) {
  return t.instrument == 0 && (t.change & kSnapshotChange) != 0 && (t.change & kTobReset) != 0;
}
bool is_snapshot_end(const TopOfBook& t) {
  return t.instrument == 0 && (t.change & kSnapshotChange) != 0 &&
         (t.change & kTobMarkChanged) != 0 && (t.change & kTobReset) == 0;
}

// Idle of the follow mode's waits: a strategy process that does not take a CPU from the daemon.
struct Nap {
  void operator()() const noexcept { std::this_thread::sleep_for(std::chrono::microseconds(100)); }
};

struct Best {
  std::int64_t bid_price = 0, ask_price = 0;
  std::uint64_t bid_qty = 0, ask_qty = 0;
  std::uint32_t bid_orders = 0, ask_orders = 0;
};

struct Options {
  std::string table, channel, dir, out_path;
  unsigned instruments = 0;
  std::uint64_t after_seq = 0, until_seq = 0;
  double timeout_s = 60;
  bool wait_snapshot = false;
  bool follow_restarts = false;
};

struct Totals {
  std::uint64_t followed = 0, feed_wide = 0, filtered = 0, lost = 0, skipped = 0;
  std::uint64_t joins = 0, restarts = 0, snapshot_begins = 0, snapshot_ends = 0;
  std::uint64_t resets = 0;
};

std::string level_json(std::int64_t p, std::uint64_t q, std::uint32_t o) {
  return "[" + std::to_string(p) + "," + std::to_string(q) + "," + std::to_string(o) + "]";
}

std::string side_json(std::span<const BookLevel> levels) {
  std::string out = "[";
  for (std::size_t k = 0; k < levels.size(); ++k) {
    out += (k ? "," : "") + level_json(levels[k].price, levels[k].qty, levels[k].orders);
  }
  return out + "]";
}

void set_best(Best& b, const TopOfBook& t) {
  b.bid_price = t.bid_price;
  b.bid_qty = t.bid_qty;
  b.bid_orders = t.bid_orders;
  b.ask_price = t.ask_price;
  b.ask_qty = t.ask_qty;
  b.ask_orders = t.ask_orders;
}

// Waits (until `deadline`) for a snapshot-end record on the channel of a live producer; returns
// the epoch it was seen in, or nullopt at the deadline. Attach errors (no channel yet, no live
// producer) are retried: the daemon may be starting.
std::optional<std::uint64_t> wait_snapshot_end(const Options& o, Clock::time_point deadline) {
  AttachOptions ao;
  ao.dir = o.dir;
  ao.start_at_oldest = true;
  while (Clock::now() < deadline) {
    auto ch = ReceiverChannel<TopOfBook>::attach(o.channel, ao);
    const auto alive = [&] {
      const ProducerState s = ch->poll_producer().to;
      return s != ProducerState::kDead && s != ProducerState::kGone;
    };
    if (!ch || !alive()) {  // not there yet, or the dead producer's file (its old snapshot)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    for (;;) {
      auto out = ch->recv_for(std::chrono::milliseconds(50), Nap{});
      if (out) {
        if (is_snapshot_end(out.message->value)) return ch->epoch();
        continue;
      }
      const ProducerState s = out.producer.to;
      if (s == ProducerState::kDead || s == ProducerState::kGone ||
          s == ProducerState::kRestarted || Clock::now() >= deadline) {
        break;  // attach the current file again
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

// One join (after the table reached after_seq and, when asked, after a snapshot-end record);
// retried until the deadline when the producer is not there yet (follow mode).
std::optional<JoinedBooks<TopOfBook>> join(const Options& o, bool wait_snapshot, bool retry,
                                           Clock::time_point deadline) {
  std::vector<std::uint16_t> want;
  for (unsigned i = 1; i <= o.instruments; ++i) want.push_back(static_cast<std::uint16_t>(i));
  for (;;) {
    std::optional<std::uint64_t> epoch;
    if (wait_snapshot) {
      epoch = wait_snapshot_end(o, deadline);
      if (!epoch) {
        std::fprintf(stderr, "ichannel-e2e-join: no snapshot-end record on %s in time\n",
                     o.channel.c_str());
        return std::nullopt;
      }
    }
    AttachOptions ao;
    ao.dir = o.dir;
    auto joined = join_books<TopOfBook>(o.table, o.channel, want, ao);
    if (joined && (!epoch || joined->channel().epoch() == *epoch)) return std::move(*joined);
    if (!retry || Clock::now() >= deadline) {
      std::fprintf(
          stderr, "ichannel-e2e-join: %s\n",
          joined ? "the producer restarted again during the join" : joined.error().message.c_str());
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void load_snapshots(const JoinedBooks<TopOfBook>& books, std::vector<Best>& best) {
  for (std::size_t i = 1; i < best.size(); ++i) {
    best[i] = Best{};
    const BookSnapshot* s = books.snapshot(static_cast<std::uint32_t>(i));
    if (s == nullptr) continue;
    if (s->bid_depth > 0) {
      best[i].bid_price = s->bids[0].price;
      best[i].bid_qty = s->bids[0].qty;
      best[i].bid_orders = s->bids[0].orders;
    }
    if (s->ask_depth > 0) {
      best[i].ask_price = s->asks[0].price;
      best[i].ask_qty = s->asks[0].qty;
      best[i].ask_orders = s->asks[0].orders;
    }
  }
}

void add_counts(const JoinedBooks<TopOfBook>& books, Totals& t) {
  t.filtered += books.filtered();
  t.lost += books.lost();
  t.skipped += books.skipped();
}

bool write_out(const Options& o, const JoinedBooks<TopOfBook>& books, const std::vector<Best>& best,
               const Totals& t) {
  std::FILE* f = std::fopen(o.out_path.c_str(), "w");
  if (f == nullptr) return false;
  for (unsigned i = 1; i <= o.instruments; ++i) {
    BookSnapshot s;
    if (!books.table().read(i, s)) continue;
    const Best& b = best[i];
    const bool any = s.bid_levels + s.ask_levels > 0 || b.bid_qty + b.ask_qty > 0 || s.seq != 0;
    if (!any) continue;
    std::string bid = b.bid_qty + b.bid_orders == 0
                          ? "[]"
                          : "[" + level_json(b.bid_price, b.bid_qty, b.bid_orders) + "]";
    std::string ask = b.ask_qty + b.ask_orders == 0
                          ? "[]"
                          : "[" + level_json(b.ask_price, b.ask_qty, b.ask_orders) + "]";
    std::fprintf(
        f,
        "{\"i\":%u,\"bid\":%s,\"ask\":%s,\"table_bid\":%s,\"table_ask\":%s,"
        "\"bid_levels\":%u,\"ask_levels\":%u,\"state\":\"%s\",\"wrong\":%s}\n",
        i, bid.c_str(), ask.c_str(), side_json(s.side(BookSide::kBid)).c_str(),
        side_json(s.side(BookSide::kAsk)).c_str(), s.bid_levels, s.ask_levels,
        s.trading_state == 0 ? "" : std::string(1, static_cast<char>(s.trading_state)).c_str(),
        s.possibly_wrong() ? "true" : "false");
  }
  const auto u = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
  std::fprintf(f,
               "{\"join\":{\"table_seq_at_attach\":%llu,\"join_seq\":%llu,\"followed\":%llu,"
               "\"feed_wide\":%llu,\"filtered\":%llu,\"lost\":%llu,\"skipped\":%llu,"
               "\"joins\":%llu,\"restarts\":%llu,\"snapshot_begins\":%llu,"
               "\"snapshot_ends\":%llu,\"resets\":%llu,\"table_seq\":%llu}}\n",
               u(books.table_seq_at_attach()), u(books.join_seq()), u(t.followed), u(t.feed_wide),
               u(t.filtered), u(t.lost), u(t.skipped), u(t.joins), u(t.restarts),
               u(t.snapshot_begins), u(t.snapshot_ends), u(t.resets), u(books.table().last_seq()));
  return std::fclose(f) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"ichannel-e2e-join: a late joiner of a book table and its top-of-book channel"};
  app.add_option("--table", o.table)->required();
  app.add_option("--channel", o.channel)->required();
  app.add_option("--dir", o.dir);
  app.add_option("--instruments", o.instruments)->required()->check(CLI::Range(1u, 65535u));
  app.add_option("--after-seq", o.after_seq)->required();
  app.add_option("--until-seq", o.until_seq)->required();
  app.add_option("--timeout", o.timeout_s);
  app.add_flag("--wait-snapshot", o.wait_snapshot,
               "join only after the channel's snapshot-end record");
  app.add_flag("--follow-restarts", o.follow_restarts,
               "outlive the producer: wait, then join again after its snapshot-end record");
  app.add_option("--out", o.out_path)->required();
  CLI11_PARSE(app, argc, argv);

  const auto deadline =
      Clock::now() + std::chrono::milliseconds(static_cast<std::int64_t>(o.timeout_s * 1000));
  BookTableAttachOptions tao;
  tao.dir = o.dir;
  tao.wait = std::chrono::milliseconds(static_cast<std::int64_t>(o.timeout_s * 1000));
  {
    auto probe = BookTableReader::attach(o.table, tao);
    if (!probe) {
      std::fprintf(stderr, "ichannel-e2e-join: %s\n", probe.error().message.c_str());
      return 1;
    }
    while (probe->last_seq() < o.after_seq) {
      if (Clock::now() > deadline) {
        std::fprintf(stderr, "ichannel-e2e-join: table never reached seq %llu (at %llu)\n",
                     static_cast<unsigned long long>(o.after_seq),
                     static_cast<unsigned long long>(probe->last_seq()));
        return 1;
      }
    }
  }
  std::optional<JoinedBooks<TopOfBook>> joined =
      join(o, o.wait_snapshot, o.follow_restarts, deadline);
  if (!joined) return 1;
  Totals totals;
  totals.joins = 1;
  std::vector<Best> best(o.instruments + 1);
  load_snapshots(*joined, best);
  auto quiet_since = Clock::now();
  // One record of the follow: a feed-wide reset (session start, snapshot-begin) clears the books
  // it applies to; an instrument's record sets its best.
  const auto apply = [&](const JoinedBooks<TopOfBook>& books, const TopOfBook& t) {
    quiet_since = Clock::now();
    if (t.instrument != 0) {
      if (t.instrument <= o.instruments) set_best(best[t.instrument], t);
      ++totals.followed;
      return;
    }
    ++totals.feed_wide;
    totals.snapshot_begins += is_snapshot_begin(t);
    totals.snapshot_ends += is_snapshot_end(t);
    if ((t.change & kTobReset) == 0) return;
    ++totals.resets;
    for (unsigned i = 1; i <= o.instruments; ++i) {
      if (books.applies(t, static_cast<std::uint16_t>(i))) best[i] = Best{};
    }
  };
  for (;;) {
    JoinedBooks<TopOfBook>& books = *joined;
    if (auto r = books.try_recv()) {
      apply(books, r->value);
      continue;
    }
    const auto now = Clock::now();
    if (books.table().last_seq() >= o.until_seq &&
        now - quiet_since > std::chrono::milliseconds(300)) {
      break;
    }
    if (now > deadline) {
      std::fprintf(stderr, "ichannel-e2e-join: timeout at table seq %llu\n",
                   static_cast<unsigned long long>(books.table().last_seq()));
      return 1;
    }
    if (!o.follow_restarts) {
      std::this_thread::sleep_for(std::chrono::microseconds(100));
      continue;
    }
    // Follow mode: recv_for polls the producer when nothing arrives for 20 ms.
    RecvOutcome<TopOfBook> out = books.recv_for(std::chrono::milliseconds(20), Nap{});
    if (out) {
      apply(books, out.message->value);
      continue;
    }
    const ProducerState s = out.producer.to;
    if (s != ProducerState::kDead && s != ProducerState::kGone && s != ProducerState::kRestarted) {
      continue;
    }
    std::fprintf(stderr,
                 "ichannel-e2e-join: producer %s at table seq %llu: waiting for it and its "
                 "snapshot, then joining again\n",
                 to_string(s), static_cast<unsigned long long>(books.table().last_seq()));
    ++totals.restarts;
    add_counts(books, totals);
    joined.reset();
    joined = join(o, true, true, deadline);
    if (!joined) return 1;
    ++totals.joins;
    load_snapshots(*joined, best);
    std::fprintf(stderr, "ichannel-e2e-join: joined again at seq %llu\n",
                 static_cast<unsigned long long>(joined->join_seq()));
    quiet_since = Clock::now();
  }
  add_counts(*joined, totals);
  return write_out(o, *joined, best, totals) ? 0 : 1;
}
