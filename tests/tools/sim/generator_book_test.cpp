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
  std::map<long, std::uint64_t> distance_ticks;  // adds: ticks behind the best of their side
  std::uint64_t executions = 0, executions_at_touch = 0, full_executions = 0;
  std::uint64_t body = 0, crossed = 0, locked = 0;

  void fail(const std::string& what) {
    if (violations.size() < 20)
      violations.push_back("body message " + std::to_string(body) + ": " + what);
  }
  auto& side_of(const RefOrder& o) { return o.side == 'B' ? bids[o.locate] : asks[o.locate]; }
  void check_touch(std::uint16_t locate) {
    const auto& b = bids[locate];
    const auto& a = asks[locate];
    if (b.empty() || a.empty()) return;
    const std::uint32_t bid = b.rbegin()->first, ask = a.begin()->first;
    if (bid > ask)
      ++crossed, fail("crossed: bid " + std::to_string(bid) + " > ask " + std::to_string(ask));
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
      const auto& same = m.buy_sell_indicator == 'B' ? bids[m.stock_locate] : asks[m.stock_locate];
      if (!same.empty()) {
        const long best = m.buy_sell_indicator == 'B' ? same.rbegin()->first : same.begin()->first;
        const long behind = m.buy_sell_indicator == 'B' ? best - static_cast<long>(m.price)
                                                        : static_cast<long>(m.price) - best;
        ++distance_ticks[behind / 100];
      }
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
        fail("execution of " + std::to_string(m.executed_shares) + " of " +
             std::to_string(o->shares));
        return;
      }
      if (reduce(m.order_reference_number, m.executed_shares, now)) ++full_executions;
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
  return d.book
      .live_curve[static_cast<std::size_t>(x * static_cast<double>(d.book.live_curve.size() - 1))];
}

// One replay of a session with a book of 40,000 live orders at the peak, shared by the tests.
const Day& big_day() {
  static const Day d = [] {
    GeneratorConfig c = day(1'000'000, 300, 11);
    c.peak_live_orders = 40'000;
    return replay(c);
  }();
  return d;
}

double share(const Day& d, char type) {
  return static_cast<double>(d.book.by_type[static_cast<std::uint8_t>(type)]) /
         static_cast<double>(d.book.body);
}

TEST(GeneratorBook, BookIsNeverCrossedOrLockedAndEveryEventHitsALiveOrder) {
  std::vector<const Day*> days{&big_day()};
  std::vector<Day> more;
  more.reserve(2);
  more.push_back(replay(day(300'000, 50, 2)));
  GeneratorConfig open = day(300'000, 20, 3);
  open.mix = kOpenMix;
  more.push_back(replay(open));
  for (const Day& d : more) days.push_back(&d);
  for (const Day* d : days) {
    for (const auto& v : d->book.violations) ADD_FAILURE() << v;
    EXPECT_EQ(d->book.crossed, 0u);
    EXPECT_EQ(d->book.locked, 0u);
    EXPECT_EQ(d->book.orders.size(), d->stats.live_orders);
    EXPECT_EQ(*std::max_element(d->book.live_curve.begin(), d->book.live_curve.end()),
              d->stats.max_live_orders);
  }
}

TEST(GeneratorBook, ExecutionsTakeTheBestLevelPartlyAndFully) {
  const Day& d = big_day();
  ASSERT_GT(d.book.executions, 15'000u);
  EXPECT_EQ(d.book.executions_at_touch, d.book.executions);
  EXPECT_GT(d.book.full_executions, d.book.executions / 3);
  EXPECT_LT(d.book.full_executions, d.book.executions * 2 / 3);
  // An execution on an empty book becomes an add: only while books fill at the open.
  EXPECT_LT(d.stats.fallback_adds, d.book.executions / 100);
}

TEST(GeneratorBook, LiveOrdersBuildUpToTheConfiguredPeak) {
  const Day& d = big_day();
  EXPECT_EQ(d.stats.peak_live_target, 40'000u);
  EXPECT_NEAR(static_cast<double>(d.stats.max_live_orders), 40'000, 40'000 * 0.1);
  // Builds up over the session: the curve rises through the first half, peaks after it.
  std::uint64_t before = 0;
  for (double x : {0.1, 0.2, 0.3, 0.4, 0.5}) {
    EXPECT_GT(live_at(d, x), before) << "at " << x;
    before = live_at(d, x);
  }
  EXPECT_LT(live_at(d, 0.1), d.stats.max_live_orders / 2);
  const double at = static_cast<double>(d.stats.max_live_at_message) / 1e6;
  EXPECT_GT(at, 0.45);
  EXPECT_LT(at, 0.85);
}

TEST(GeneratorBook, DefaultPeakIsThePublishedDayScaledToTheSession) {
  // 1,648,000 live orders at the peak of a 283,238,832-message day, scaled to 1 M messages.
  const Day& d = replay(day(1'000'000, 100, 5));
  EXPECT_EQ(d.stats.peak_live_target, 1'648'000ULL * 1'000'000 / 283'238'832);
  EXPECT_NEAR(static_cast<double>(d.stats.max_live_orders), 5'818, 5'818 * 0.15);
}

TEST(GeneratorBook, LifetimesSpanSubMillisecondToTheWholeSession) {
  const Day& d = big_day();
  std::vector<std::uint64_t> l = d.book.lifetimes_ns;
  ASSERT_GT(l.size(), 100'000u);
  std::sort(l.begin(), l.end());
  const double session = static_cast<double>(d.body_last_ns - d.body_first_ns);
  auto below = [&](double ns) {
    return static_cast<double>(
               std::lower_bound(l.begin(), l.end(), static_cast<std::uint64_t>(ns)) - l.begin()) /
           static_cast<double>(l.size());
  };
  EXPECT_GT(below(1e6), 0.3);  // fleeting: under a millisecond
  EXPECT_LT(below(1e6), 0.8);
  EXPECT_LT(below(1e9), 0.99);  // more than 1 % rest longer than a second
  EXPECT_GT(static_cast<double>(l.back()), 0.7 * session);  // and some nearly all session
  EXPECT_LT(below(0.1 * session), 0.999);
}

TEST(GeneratorBook, PricesJoinTheTouchMostlyWithALongTail) {
  const Day& d = big_day();
  const auto& h = d.book.distance_ticks;  // same-side distance from the best, at add
  std::uint64_t n = 0, join = 0, near = 0, far = 0, farthest = 0;
  for (const auto& [ticks, count] : h) {
    n += count;
    if (ticks <= 0) join += count;  // at or better than the best of its side
    if (ticks <= 5) near += count;
    if (ticks >= 50) far += count;
    farthest = std::max<std::uint64_t>(farthest, static_cast<std::uint64_t>(std::max(ticks, 0L)));
  }
  ASSERT_GT(n, 100'000u);
  const double nn = static_cast<double>(n);
  EXPECT_GT(join / nn, 0.35);
  EXPECT_GT(near / nn, 0.65) << "join " << join / nn << " far " << far / nn;
  EXPECT_GT(far / nn, 0.005);  // Pareto tail
  EXPECT_LT(far / nn, 0.1);
  EXPECT_GT(farthest, 500u);
}

TEST(GeneratorBook, MessageRateHasMicroburstsAndQuietPeriods) {
  const Day& d = big_day();
  const std::uint64_t t0 = d.body_first_ns;
  const double seconds = static_cast<double>(d.body_last_ns - t0) / 1e9;
  const double mean_per_ms = static_cast<double>(d.book.body) / (seconds * 1e3);
  std::vector<std::uint32_t> per_ms(static_cast<std::size_t>(seconds * 1e3) + 1);
  for (std::uint64_t t : d.book.times_ns) ++per_ms[(t - t0) / 1'000'000];
  const std::uint32_t busiest = *std::max_element(per_ms.begin(), per_ms.end());
  EXPECT_GT(busiest, 10 * mean_per_ms) << "mean " << mean_per_ms << " per ms";
  std::uint64_t quiet = 0, windows = 0;  // 10 ms windows at under a third of the mean rate
  for (std::size_t w = 0; w + 10 <= per_ms.size(); w += 10, ++windows) {
    std::uint64_t n = 0;
    for (std::size_t k = w; k < w + 10; ++k) n += per_ms[k];
    if (static_cast<double>(n) < 10 * mean_per_ms / 3) ++quiet;
  }
  EXPECT_GT(static_cast<double>(quiet), 0.05 * static_cast<double>(windows));
  // The mean rate is the configured one: 1 M messages at 50,000/s in about 20 s.
  EXPECT_NEAR(seconds, 20, 3);
}

TEST(GeneratorBook, DefaultMixIsTheBalancedDay) {
  const Day& d = replay(day(1'000'000, 100, 9));
  EXPECT_EQ(d.stats.mix, kDayMix);
  EXPECT_NEAR(share(d, 'A'), 0.370, 0.01);
  EXPECT_NEAR(share(d, 'F'), 0.015, 0.003);
  EXPECT_NEAR(share(d, 'U'), 0.155, 0.01);
  EXPECT_NEAR(share(d, 'D'), 0.375, 0.01);
  EXPECT_NEAR(share(d, 'E') + share(d, 'C'), 0.020, 0.003);
  EXPECT_NEAR(share(d, 'X'), 0.015, 0.003);
  EXPECT_NEAR(share(d, 'P'), 0.050, 0.005);
  // Balanced: adds (A, F, U) match removals (D, U, full executions) within the live orders.
  const double adds = share(d, 'A') + share(d, 'F');
  EXPECT_LT(adds - share(d, 'D') - static_cast<double>(d.book.full_executions) / 1e6, 0.01);
}

TEST(GeneratorBook, OpenMixReproducesTheRealSamplesShares) {
  GeneratorConfig c = day(300'000, 50, 4);
  c.mix = kOpenMix;  // ../shared/data/README.md: A 367, U 225, F 193, D 167, E 28, X 6 of 1000
  const Day& d = replay(c);
  EXPECT_NEAR(share(d, 'A'), 0.367, 0.015);
  EXPECT_NEAR(share(d, 'F'), 0.193, 0.015);
  EXPECT_NEAR(share(d, 'U'), 0.225, 0.015);
  EXPECT_NEAR(share(d, 'D'), 0.167, 0.015);
  EXPECT_NEAR(share(d, 'E'), 0.028, 0.005);
  EXPECT_NEAR(share(d, 'X'), 0.006, 0.003);
}

TEST(GeneratorBook, SameSeedSameDayAndBurstsDoNotMoveTheBooks) {
  auto session = [](const GeneratorConfig& c, bool with_times) {
    Generator g(c);
    std::vector<std::uint8_t> all, m;
    std::uint64_t t = 0;
    while (g.next(m, t, nullptr)) {
      if (!with_times && m.size() >= 11) std::fill(m.begin() + 5, m.begin() + 11, 0);
      all.insert(all.end(), m.begin(), m.end());
    }
    return all;
  };
  GeneratorConfig c = day(100'000, 30, 21);
  c.peak_live_orders = 3'000;
  EXPECT_EQ(session(c, true), session(c, true));
  GeneratorConfig other = c;
  other.seed = 22;
  EXPECT_NE(session(c, true), session(other, true));
  GeneratorConfig calm = c;
  calm.burst_share = 0;
  calm.regime_sigma = 0;
  calm.intraday_swing = 0;
  EXPECT_NE(session(c, true), session(calm, true));
  // The rate modulation has its own random stream: only the timestamps differ... as long as
  // the order of events is the same, which a time warp (monotone) keeps.
  EXPECT_EQ(session(c, false), session(calm, false));
}

TEST(GeneratorBook, RejectsImpossibleKnobs) {
  GeneratorConfig c = day(1000, 10, 1);
  c.burst_share = 1;
  EXPECT_THROW(Generator{c}, std::invalid_argument);
  c = day(1000, 10, 1);
  c.join_share = 0.8;
  c.improve_share = 0.3;
  EXPECT_THROW(Generator{c}, std::invalid_argument);
  c = day(1000, 10, 1);
  c.mix = Mix{0, 0, 10, 10, 0, 0, 0, 10};
  EXPECT_THROW(Generator{c}, std::invalid_argument);
  c = day(1000, 10, 1);
  c.burst_speedup = 0.5;
  EXPECT_THROW(Generator{c}, std::invalid_argument);
}

TEST(GeneratorBook, MixParsesPresetsAndWeights) {
  EXPECT_EQ(parse_mix("day"), kDayMix);
  EXPECT_EQ(parse_mix("open"), kOpenMix);
  EXPECT_EQ(parse_mix("flat"), kFlatMix);
  EXPECT_EQ(parse_mix(format_mix(kOpenMix)), kOpenMix);
  EXPECT_EQ(parse_mix("A=5,D=4"), (Mix{5, 0, 0, 4, 0, 0, 0, 0}));
  EXPECT_FALSE(parse_mix("A=5,A=4"));
  EXPECT_FALSE(parse_mix("Q=5"));
  EXPECT_FALSE(parse_mix("A=x"));
  EXPECT_FALSE(parse_mix("A=0"));
  EXPECT_FALSE(parse_mix(""));
}

}  // namespace
}  // namespace ichannel::sim
