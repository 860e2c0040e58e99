// ichannel-e2e-join: the late-joining strategy of tests/e2e/books.sh, as a separate process.
//
// Usage
//   ichannel-e2e-join --table T --channel C [--dir D] --instruments N --after-seq S
//                     --until-seq U [--depth N] [--timeout SEC] --out FILE
// Waits until the daemon's book table T has applied message S (the producer is mid-session,
// running at full speed), then joins instruments 1..N with ONE call, join_books<TopOfBook>(T, C):
// the books from the table, then the top-of-book records that follow them. It follows C until
// the table has applied message U and C stays quiet, keeping each instrument's best bid and
// offer from the snapshot and then from every record. At the end it writes one JSON line per
// instrument with a book: {"i","bid":[[p,q,o]] (the followed best), "ask":[...],
// "table_bid":[[p,q,o],...] and "table_ask" (the table's top N, read at the end),
// "bid_levels","ask_levels","state"} and a last line {"join":{...}} with the join's seq, the
// records followed, lost and skipped. Exit 1 on a join error (printed).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <ichannel/book_join.hpp>
#include <ichannel/book_table.hpp>
#include <ichannel/top_of_book.hpp>

namespace {

using namespace ichannel;

struct Best {
  std::int64_t bid_price = 0, ask_price = 0;
  std::uint64_t bid_qty = 0, ask_qty = 0;
  std::uint32_t bid_orders = 0, ask_orders = 0;
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

}  // namespace

int main(int argc, char** argv) {
  std::string table, channel, dir, out_path;
  unsigned instruments = 0;
  std::uint64_t after_seq = 0, until_seq = 0;
  double timeout_s = 60;
  CLI::App app{"ichannel-e2e-join: a late joiner of a book table and its top-of-book channel"};
  app.add_option("--table", table)->required();
  app.add_option("--channel", channel)->required();
  app.add_option("--dir", dir);
  app.add_option("--instruments", instruments)->required()->check(CLI::Range(1u, 65535u));
  app.add_option("--after-seq", after_seq)->required();
  app.add_option("--until-seq", until_seq)->required();
  app.add_option("--timeout", timeout_s);
  app.add_option("--out", out_path)->required();
  CLI11_PARSE(app, argc, argv);

  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<std::int64_t>(timeout_s * 1000));
  BookTableAttachOptions tao;
  tao.dir = dir;
  tao.wait = std::chrono::milliseconds(static_cast<std::int64_t>(timeout_s * 1000));
  auto probe = BookTableReader::attach(table, tao);
  if (!probe) {
    std::fprintf(stderr, "ichannel-e2e-join: %s\n", probe.error().message.c_str());
    return 1;
  }
  while (probe->last_seq() < after_seq) {
    if (std::chrono::steady_clock::now() > deadline) {
      std::fprintf(stderr, "ichannel-e2e-join: table never reached seq %llu (at %llu)\n",
                   static_cast<unsigned long long>(after_seq),
                   static_cast<unsigned long long>(probe->last_seq()));
      return 1;
    }
  }
  std::vector<std::uint16_t> want;
  for (unsigned i = 1; i <= instruments; ++i) want.push_back(static_cast<std::uint16_t>(i));
  AttachOptions ao;
  ao.dir = dir;
  auto joined = join_books<TopOfBook>(table, channel, want, ao);
  if (!joined) {
    std::fprintf(stderr, "ichannel-e2e-join: %s\n", joined.error().message.c_str());
    return 1;
  }
  JoinedBooks<TopOfBook>& books = *joined;
  std::vector<Best> best(instruments + 1);
  for (unsigned i = 1; i <= instruments; ++i) {
    const BookSnapshot* s = books.snapshot(i);
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
  std::uint64_t followed = 0, feed_wide = 0;
  auto quiet_since = std::chrono::steady_clock::now();
  for (;;) {
    if (auto r = books.try_recv()) {
      const TopOfBook& t = r->value;
      quiet_since = std::chrono::steady_clock::now();
      if (t.instrument == 0) {
        ++feed_wide;
        continue;
      }
      Best& b = best[t.instrument];
      b.bid_price = t.bid_price;
      b.bid_qty = t.bid_qty;
      b.bid_orders = t.bid_orders;
      b.ask_price = t.ask_price;
      b.ask_qty = t.ask_qty;
      b.ask_orders = t.ask_orders;
      ++followed;
      continue;
    }
    const auto now = std::chrono::steady_clock::now();
    if (books.table().last_seq() >= until_seq && now - quiet_since > std::chrono::milliseconds(300)) {
      break;
    }
    if (now > deadline) {
      std::fprintf(stderr, "ichannel-e2e-join: timeout at table seq %llu\n",
                   static_cast<unsigned long long>(books.table().last_seq()));
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  std::FILE* f = std::fopen(out_path.c_str(), "w");
  if (f == nullptr) return 1;
  for (unsigned i = 1; i <= instruments; ++i) {
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
    std::fprintf(f,
                 "{\"i\":%u,\"bid\":%s,\"ask\":%s,\"table_bid\":%s,\"table_ask\":%s,"
                 "\"bid_levels\":%u,\"ask_levels\":%u,\"state\":\"%s\",\"wrong\":%s}\n",
                 i, bid.c_str(), ask.c_str(), side_json(s.side(BookSide::kBid)).c_str(),
                 side_json(s.side(BookSide::kAsk)).c_str(), s.bid_levels, s.ask_levels,
                 s.trading_state == 0 ? "" : std::string(1, static_cast<char>(s.trading_state)).c_str(),
                 s.possibly_wrong() ? "true" : "false");
  }
  std::fprintf(f,
               "{\"join\":{\"table_seq_at_attach\":%llu,\"join_seq\":%llu,\"followed\":%llu,"
               "\"feed_wide\":%llu,\"filtered\":%llu,\"lost\":%llu,\"skipped\":%llu}}\n",
               static_cast<unsigned long long>(books.table_seq_at_attach()),
               static_cast<unsigned long long>(books.join_seq()),
               static_cast<unsigned long long>(followed), static_cast<unsigned long long>(feed_wide),
               static_cast<unsigned long long>(books.filtered()),
               static_cast<unsigned long long>(books.lost()),
               static_cast<unsigned long long>(books.skipped()));
  std::fclose(f);
  return 0;
}
