// Property tests of app/book/feed_books.hpp against the ReferenceBook: random add / execute /
// cancel / replace / delete sequences, well-formed and hostile (unknown refs, duplicate refs,
// over-execution, replace onto a live ref, prices far from the touch, one level with 5,000
// orders, thousands of levels on one side, a full order store, a full level store). After every
// tick the touched instrument's top N, top, counts, mark and every counter are equal.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "book/feed_books.hpp"
#include "tests/book/book_check.hpp"

namespace ichannel::book {
namespace {

using test::Twin;

constexpr std::int64_t kTick = 100;              // one cent in Price(4)
constexpr std::int64_t kMid = 50 * kPriceScale;  // $50

struct Mix {
  int add = 40, exec = 12, cancel = 8, del = 25, replace = 15;  // per cent-ish weights
  int unknown = 0;      // per mille of order events that name a ref never added
  int duplicate = 0;    // per mille of adds / replaces onto a live ref
  int over = 0;         // per mille of executions / cancels of more than remains
  int far = 20;         // per mille of prices far from the touch (up to 100,000 ticks)
  int hostile_add = 0;  // per mille of adds with 0 shares or a bad side
  int status = 5;       // per mille of status ticks
  int instruments = 6;
  bool cross = false;  // prices on both sides of the mid (crossed / locked adds)
};

class Random {
 public:
  Random(std::uint64_t seed, const Mix& mix) : rng_(seed), mix_(mix) {}

  Tick next() {
    const int total = mix_.add + mix_.exec + mix_.cancel + mix_.del + mix_.replace;
    int pick = static_cast<int>(rng_() % static_cast<unsigned>(total));
    if (per_mille(mix_.status)) return status();
    if (live_.empty() || (pick -= mix_.add) < 0) return add();
    const std::uint64_t ref = victim();
    const std::uint16_t inst = instrument_of(ref);
    if ((pick -= mix_.exec) < 0) {
      return rng_() % 2 ? test::exec_tick(inst, ref, shares(ref))
                        : test::exec_price_tick(inst, ref, shares(ref), price('B'));
    }
    if ((pick -= mix_.cancel) < 0) return test::cancel_tick(inst, ref, shares(ref));
    if ((pick -= mix_.del) < 0) return test::delete_tick(inst, ref);
    std::uint64_t new_ref = next_ref_++;
    const char side = side_of(ref);
    if (per_mille(mix_.duplicate) && !live_.empty()) {
      new_ref = live_[rng_() % live_.size()].ref;  // onto a live ref: the book drops the new half
    } else {
      live_.push_back({new_ref, inst, side, 100});
    }
    return test::replace_tick(inst, ref, new_ref, price(side),
                              static_cast<std::uint32_t>(1 + rng_() % 500));
  }

 private:
  struct Live {
    std::uint64_t ref;
    std::uint16_t instrument;
    char side;
    std::uint32_t qty;
  };

  bool per_mille(int p) { return p > 0 && static_cast<int>(rng_() % 1000) < p; }

  std::int64_t price(char side) {
    std::int64_t d = static_cast<std::int64_t>(std::geometric_distribution<int>(0.3)(rng_));
    if (per_mille(mix_.far)) d = static_cast<std::int64_t>(rng_() % 100'000);
    if (mix_.cross && rng_() % 8 == 0) d = -d;
    return side == 'B' ? kMid - kTick * (1 + d) : kMid + kTick * (1 + d);
  }

  Tick add() {
    auto inst = static_cast<std::uint16_t>(1 + rng_() % mix_.instruments);
    const char side = rng_() % 2 ? 'B' : 'S';
    std::uint64_t ref = next_ref_++;
    bool duplicate = false;
    if (per_mille(mix_.duplicate) && !live_.empty()) {
      // A live ref again (the book keeps the first order), on the same instrument: ticks of one
      // ref name one instrument, as on a real feed (the ref may be dead already: then stored).
      const Live& l = live_[rng_() % live_.size()];
      ref = l.ref;
      inst = l.instrument;
      duplicate = true;
    }
    std::uint32_t qty = static_cast<std::uint32_t>(1 + rng_() % 1000);
    char s = side;
    if (per_mille(mix_.hostile_add)) {
      if (rng_() % 2) {
        qty = 0;
      } else {
        s = 'Z';
      }
    }
    if (!duplicate) live_.push_back({ref, inst, side, qty});
    return test::add_tick(inst, ref, s, price(side), qty);
  }

  // A ref to act on: usually one added before (maybe gone since), sometimes one never added.
  std::uint64_t victim() {
    if (per_mille(mix_.unknown)) return 1'000'000'000 + rng_() % 1000;
    const std::size_t k = rng_() % live_.size();
    const std::uint64_t ref = live_[k].ref;
    last_ = live_[k];
    if (rng_() % 4 != 0) {  // mostly forget it afterwards; sometimes keep it (acts on a dead ref)
      live_[k] = live_.back();
      live_.pop_back();
    }
    return ref;
  }
  std::uint16_t instrument_of(std::uint64_t ref) const {
    return ref == last_.ref ? last_.instrument : static_cast<std::uint16_t>(1);
  }
  char side_of(std::uint64_t ref) const { return ref == last_.ref ? last_.side : 'B'; }
  std::uint32_t shares(std::uint64_t) {
    if (per_mille(mix_.over)) return 1'000'000;
    return static_cast<std::uint32_t>(1 + rng_() % 300);
  }

  Tick status() {
    const auto inst = static_cast<std::uint16_t>(1 + rng_() % mix_.instruments);
    switch (rng_() % 4) {
      case 0:
        return test::status_tick(inst, 'H', "HTPQ"[rng_() % 4], 0x20202020);
      case 1:
        return test::status_tick(inst, 'Y', "012"[rng_() % 3]);
      case 2:
        return test::status_tick(inst, 'h', "HT"[rng_() % 2], 'Q');
      default:
        return test::status_tick(0, 'S', "OSQMEC"[rng_() % 6]);
    }
  }

  std::mt19937_64 rng_;
  Mix mix_;
  std::vector<Live> live_;
  Live last_{};
  std::uint64_t next_ref_ = 1;
};

BookLimits limits(std::uint32_t depth = 10) {
  BookLimits l;
  l.max_orders = 1 << 18;
  l.level_store_levels = 1 << 20;
  l.depth = depth;
  return l;
}

void run(const Mix& mix, std::uint64_t seed, int ticks, const BookLimits& l = limits(),
         std::size_t ref_max = 4'194'304) {
  Twin w(l, ref_max);
  Random gen(seed, mix);
  for (int i = 0; i < ticks; ++i) {
    const Tick t = gen.next();
    ASSERT_TRUE(w.apply(t)) << "seed " << seed;
  }
  ASSERT_TRUE(test::same_everywhere(*w.books, w.ref, l.depth)) << "seed " << seed;
}

TEST(BookProperty, WellFormedRandomSequencesMatchTheReferenceAfterEveryTick) {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) run(Mix{}, seed, 20'000);
}

// Unknown and duplicate refs, over-execution, far prices, bad adds, crossed adds, status ticks.
Mix hostile_mix() {
  Mix m;
  m.unknown = 30;
  m.duplicate = 30;
  m.over = 50;
  m.far = 100;
  m.hostile_add = 20;
  m.cross = true;
  m.status = 20;
  return m;
}

TEST(BookProperty, HostileSequencesMatchTheReferenceAfterEveryTick) {
  for (std::uint64_t seed = 11; seed <= 16; ++seed) run(hostile_mix(), seed, 20'000);
}

// The order store's window (order_window.hpp) moving past live orders all the time (64 slots:
// almost every order migrates into the hash while live), and no window at all.
TEST(BookProperty, ATinyOrderWindowAndNoWindowMatchTheReferenceAfterEveryTick) {
  for (const std::uint32_t w : {0u, 64u, 1024u}) {
    BookLimits l = limits();
    l.order_window = w;
    for (std::uint64_t seed = 31; seed <= 33; ++seed) run(Mix{}, seed, 20'000, l);
    for (std::uint64_t seed = 34; seed <= 36; ++seed) run(hostile_mix(), seed, 20'000, l);
  }
}

TEST(BookProperty, DepthOfOneAndOfSixtyFourReportTheirChanges) {
  run(Mix{}, 21, 10'000, limits(1));
  run(Mix{}, 22, 10'000, limits(64));
}

TEST(BookProperty, AFullOrderStoreDropsAddsCountsAndMarks) {
  BookLimits l = limits();
  l.max_orders = 1000;
  Mix m;
  m.add = 70;
  m.del = 10;
  run(m, 31, 20'000, l, 1000);
  Twin w(l, 1000);
  for (std::uint64_t r = 1; r <= 1500; ++r) {
    ASSERT_TRUE(
        w.apply(test::add_tick(1, r, 'B', kMid - kTick * static_cast<std::int64_t>(r % 50), 10)));
  }
  EXPECT_EQ(w.books->counters().order_store_full, 500u);
  EXPECT_EQ(w.books->counters().live_orders, 1000u);
  EXPECT_TRUE(w.books->possibly_wrong(1));
}

TEST(BookProperty, FiveThousandOrdersAtOneLevelAggregate) {
  Twin w(limits());
  std::vector<std::uint64_t> refs;
  for (std::uint64_t r = 1; r <= 5000; ++r) {
    ASSERT_TRUE(w.apply(test::add_tick(1, r, 'S', kMid, static_cast<std::uint32_t>(r))));
    refs.push_back(r);
  }
  EXPECT_EQ(w.books->top(1).ask, (Level{kMid, 5000ull * 5001 / 2, 5000, 0}));
  EXPECT_EQ(w.books->level_count(1, BookSide::kAsk), 1u);
  std::mt19937 rng(5);
  std::shuffle(refs.begin(), refs.end(), rng);
  for (std::size_t i = 0; i < refs.size(); ++i) {
    const std::uint64_t r = refs[i];
    const Tick t = i % 3 == 0   ? test::exec_tick(1, r, static_cast<std::uint32_t>(r))
                   : i % 3 == 1 ? test::delete_tick(1, r)
                                : test::replace_tick(1, r, 100'000 + r, kMid, 7);
    ASSERT_TRUE(w.apply(t));
  }
  EXPECT_EQ(w.books->top(1).ask.orders, 5000u / 3);
}

TEST(BookProperty, ThousandsOfLevelsOnOneSideInAnyOrder) {
  for (int order = 0; order < 3; ++order) {
    Twin w(limits());
    std::vector<std::int64_t> offsets(6000);
    for (std::size_t i = 0; i < offsets.size(); ++i) offsets[i] = static_cast<std::int64_t>(i);
    std::mt19937 rng(static_cast<unsigned>(order));
    if (order == 1) std::reverse(offsets.begin(), offsets.end());
    if (order == 2) std::shuffle(offsets.begin(), offsets.end(), rng);
    std::uint64_t ref = 1;
    for (std::int64_t d : offsets) {
      ASSERT_TRUE(w.apply(test::add_tick(2, ref++, 'B', kMid - kTick * d, 100)));
    }
    EXPECT_EQ(w.books->level_count(2, BookSide::kBid), 6000u);
    std::vector<std::uint64_t> refs(ref - 1);
    for (std::size_t i = 0; i < refs.size(); ++i) refs[i] = i + 1;
    std::shuffle(refs.begin(), refs.end(), rng);
    for (std::uint64_t r : refs) ASSERT_TRUE(w.apply(test::delete_tick(2, r)));
    EXPECT_EQ(w.books->level_count(2, BookSide::kBid), 0u);
    EXPECT_EQ(w.books->counters().levels, 0u);
  }
}

TEST(BookProperty, AFullLevelStoreDropsAddsCountsMarksAndStaysConsistent) {
  BookLimits l = limits();
  l.level_store_levels = 64;  // 8 blocks of 8 levels: a few sides' worth
  FeedBooks b(l);
  std::uint64_t ref = 1;
  std::uint64_t stored = 0;
  for (std::uint16_t inst = 1; inst <= 20; ++inst) {
    for (int k = 0; k < 30; ++k) {
      (void)b.apply(test::add_tick(inst, ref++, k % 2 ? 'B' : 'S',
                                   k % 2 ? kMid - kTick * k : kMid + kTick * k, 10));
    }
  }
  const BookCounters& c = b.counters();
  EXPECT_GT(c.level_store_full, 0u);
  stored = c.adds;
  EXPECT_EQ(stored + c.level_store_full, 600u);
  EXPECT_EQ(c.live_orders, stored);
  EXPECT_LE(c.levels, 64u);
  EXPECT_TRUE(b.possibly_wrong(20));
  // Deleting everything stored empties every side (the sides keep their smallest blocks).
  for (std::uint64_t r = 1; r < ref; ++r) (void)b.apply(test::delete_tick(1, r));
  EXPECT_EQ(c.live_orders, 0u);
  EXPECT_EQ(c.levels, 0u);
  EXPECT_EQ(c.unknown_refs, 600u - stored);
}

}  // namespace
}  // namespace ichannel::book
