// Tests of app/book/order_window.hpp: the window of the newest references in front of the hash,
// against std::unordered_map on random and adversarial reference sequences (one increasing
// stream, interleaved streams, random refs, refs going backwards, far jumps, duplicates), the
// window moving past live orders (migration), the bound on the work of one add, no window at
// all, and the O(1) clear.
#include "book/order_window.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <unordered_map>
#include <vector>

namespace ichannel::book {
namespace {

constexpr std::uint64_t kTop = std::numeric_limits<std::uint64_t>::max();

// Drives an OrderWindow and a std::unordered_map with the same operations; checks after each.
class Model {
 public:
  Model(std::uint32_t max_orders, std::uint32_t window) : s_(max_orders, window) {}

  // What FeedBooks::add does: a live ref is a duplicate, a full store refuses.
  bool add(std::uint64_t ref, std::uint32_t qty) {
    Order* slot = s_.probe(ref);
    const bool dup = want_.count(ref) != 0;
    EXPECT_EQ(s_.live(slot), dup) << ref;
    if (dup || s_.full()) return false;
    const std::uint64_t base0 = s_.base();
    const std::uint64_t migrated0 = s_.migrated();
    const bool window_was_empty = s_.window_size() == 0;
    s_.insert_at(slot, ref, static_cast<std::int64_t>(ref), qty, 7, 1);
    // The bound: one add migrates at most kDrainPerAdd orders and moves base by as many slots
    // (or jumps when the window held nothing to migrate).
    EXPECT_LE(s_.migrated() - migrated0, OrderWindow::kDrainPerAdd);
    if (!window_was_empty && s_.window_size() != 0) {
      EXPECT_LE(s_.base() - base0, OrderWindow::kDrainPerAdd);
    }
    want_[ref] = qty;
    live_.push_back(ref);
    return true;
  }
  void erase_at(std::size_t k) {
    const std::uint64_t ref = live_[k];
    Order* o = s_.find(ref);
    ASSERT_NE(o, nullptr) << ref;
    ASSERT_EQ(o->ref, ref);
    ASSERT_EQ(o->qty, want_[ref]);
    s_.erase(o);
    want_.erase(ref);
    live_[k] = live_.back();
    live_.pop_back();
  }
  void take(std::size_t k) {  // a partial execution: the order stays where it is
    Order* o = s_.find(live_[k]);
    ASSERT_NE(o, nullptr);
    if (o->qty > 1) {
      --o->qty;
      --want_[live_[k]];
    }
  }
  void check_all() {
    ASSERT_EQ(s_.size(), want_.size());
    for (const auto& [ref, qty] : want_) {
      const Order* o = s_.find(ref);
      ASSERT_NE(o, nullptr) << ref;
      ASSERT_EQ(o->ref, ref);
      ASSERT_EQ(o->qty, qty);
      // The invariant: below base, only in the hash.
      if (ref < s_.base()) {
        ASSERT_FALSE(s_.in_window(o)) << ref;
      }
    }
    std::size_t n = 0;
    s_.for_each([&](const Order& o) {
      ++n;
      ASSERT_EQ(want_.count(o.ref), 1u) << o.ref;
    });
    ASSERT_EQ(n, want_.size());
  }
  OrderWindow& store() { return s_; }
  std::vector<std::uint64_t>& live() { return live_; }

 private:
  OrderWindow s_;
  std::unordered_map<std::uint64_t, std::uint32_t> want_;
  std::vector<std::uint64_t> live_;
};

// The kinds of reference sequences.
enum class Refs { kOneStream, kFourStreams, kRandom, kBackwards, kHostileMix };

void run(Refs kind, std::uint64_t seed, std::uint32_t window, int steps, int young = 80) {
  Model m(std::max<std::uint32_t>(4096, window / 2), window);  // the window <= the hash's slots
  ASSERT_EQ(m.store().window(), window < 64 && window != 0 ? 64 : window);
  std::mt19937_64 rng(seed);
  std::uint64_t next[4] = {1, 2'000'000, 5'000'000, 9'000'000};
  std::uint64_t back = 1ull << 40;
  for (int step = 0; step < steps; ++step) {
    if (m.live().empty() || rng() % 100 < 50) {
      std::uint64_t ref = 0;
      switch (kind) {
        case Refs::kOneStream:
          ref = next[0];
          next[0] += 1 + rng() % 4;
          break;
        case Refs::kFourStreams: {
          const std::size_t k = rng() % 4;
          ref = next[k];
          next[k] += 4;
          break;
        }
        case Refs::kRandom:
          ref = rng() % 8 == 0 ? rng() : rng() % (std::uint64_t{window} * 4 + 1);
          break;
        case Refs::kBackwards:
          ref = back;
          back -= 1 + rng() % 4;
          break;
        case Refs::kHostileMix: {
          const auto d = rng() % 100;
          if (d < 60) {
            ref = next[0];
            next[0] += 1 + rng() % 4;
          } else if (d < 70) {  // far ahead, once in a while the very top
            ref = rng() % 4 == 0 ? kTop - rng() % 3 : next[0] + rng() % (1ull << 32);
          } else if (d < 80) {  // backwards, below the window
            ref = next[0] > 1000 ? next[0] - 1 - rng() % 1000 : 0;
          } else if (d < 90 && !m.live().empty()) {  // a duplicate of a live ref
            ref = m.live()[rng() % m.live().size()];
          } else {  // one window ahead: the same slot as a young order
            ref = next[0] + window - rng() % 8;
          }
          break;
        }
      }
      m.add(ref, static_cast<std::uint32_t>(2 + rng() % 100));
    } else {
      // Mostly young orders (the back of the list), sometimes any.
      const std::size_t n = m.live().size();
      const std::size_t k = static_cast<int>(rng() % 100) < young
                                ? n - 1 - std::min<std::size_t>(n - 1, rng() % 32)
                                : rng() % n;
      if (rng() % 5 == 0) {
        m.take(k);
      } else {
        m.erase_at(k);
      }
    }
    if (step % 1009 == 0) m.check_all();
    ASSERT_EQ(m.store().find(0xDEAD'BEEF'0000'0001ull), nullptr);
    if (::testing::Test::HasFatalFailure()) return;
  }
  m.check_all();
}

TEST(OrderWindow, OneIncreasingStreamMatchesAnUnorderedMap) {
  for (std::uint32_t w : {64u, 256u, 4096u}) run(Refs::kOneStream, w, w, 60'000);
}

TEST(OrderWindow, InterleavedStreamsFarApartMatchAnUnorderedMap) {
  for (std::uint32_t w : {64u, 1u << 16, 1u << 20}) run(Refs::kFourStreams, w + 1, w, 60'000);
}

TEST(OrderWindow, RandomReferencesMatchAnUnorderedMap) {
  for (std::uint32_t w : {64u, 1024u}) run(Refs::kRandom, w + 2, w, 60'000, 30);
}

TEST(OrderWindow, ReferencesGoingBackwardsMatchAnUnorderedMap) {
  run(Refs::kBackwards, 3, 256, 60'000);
}

TEST(OrderWindow, FarJumpsDuplicatesAndCollisionsMatchAnUnorderedMap) {
  for (std::uint32_t w : {64u, 512u}) {
    for (std::uint64_t seed = 1; seed <= 3; ++seed) run(Refs::kHostileMix, seed * w, w, 60'000);
  }
}

TEST(OrderWindow, NoWindowIsTheHashAlone) {
  run(Refs::kHostileMix, 9, 0, 40'000);
  OrderWindow s(16, 0);
  EXPECT_EQ(s.window(), 0u);
  EXPECT_EQ(OrderWindow(1000, 1u << 20).window(), 2048u);  // at most the hash's 2,048 slots
  EXPECT_EQ(OrderWindow(1000, 100).window(), 128u);
  EXPECT_EQ(s.memory_bytes(), s.hash().memory_bytes());
  Order* top = s.probe(kTop);  // the one ref a disabled window could still take
  ASSERT_FALSE(s.live(top));
  s.insert_at(top, kTop, 1, 1, 1, 0);
  ASSERT_NE(s.find(kTop), nullptr);
  EXPECT_EQ(s.size(), 1u);
  s.erase(s.find(kTop));
  EXPECT_EQ(s.find(kTop), nullptr);
  EXPECT_EQ(s.size(), 0u);
}

TEST(OrderWindow, MovingPastLiveOrdersMigratesThemIntoTheHash) {
  Model m(1 << 16, 64);
  // Every 10th order stays: the window (64 slots) moves past thousands of live orders.
  for (std::uint64_t ref = 1; ref <= 20'000; ++ref) {
    ASSERT_TRUE(m.add(ref, 5));
    if (ref % 10 != 0) m.erase_at(m.live().size() - 1);
  }
  m.check_all();
  OrderWindow& s = m.store();
  EXPECT_EQ(s.size(), 2000u);
  EXPECT_GE(s.migrated(), 1990u);  // all but the few still inside the window
  EXPECT_LE(s.window_size(), 8u);
  EXPECT_GE(s.base(), 20'000u - 64);
  EXPECT_EQ(s.head(), 20'000u);
  EXPECT_TRUE(s.in_window(s.find(20'000)));
  EXPECT_FALSE(s.in_window(s.find(10)));
}

TEST(OrderWindow, AStreamSteppingUpToTheDrainRateNeverOverflows) {
  // Steps of kDrainPerAdd per add, every order live: each add's slot was drained in time, so
  // the hash only holds migrated orders (every one below base).
  Model m(1 << 16, 64);
  std::uint64_t ref = 100;
  for (int i = 0; i < 3000; ++i, ref += OrderWindow::kDrainPerAdd) ASSERT_TRUE(m.add(ref, 1));
  m.check_all();
  m.store().for_each([&](const Order& o) {
    if (!m.store().in_window(m.store().find(o.ref))) {
      ASSERT_LT(o.ref, m.store().base());
    }
  });
  EXPECT_GT(m.store().window_size(), 0u);
}

TEST(OrderWindow, AFarJumpOnAFullWindowDoesNotMoveIt) {
  Model m(1 << 12, 64);
  for (std::uint64_t ref = 1; ref <= 40; ++ref) ASSERT_TRUE(m.add(ref, 1));
  const std::uint64_t base = m.store().base();
  ASSERT_TRUE(m.add(1ull << 50, 1));  // far ahead: stored, the window stays where it is
  EXPECT_EQ(m.store().head(), 40u);
  EXPECT_EQ(m.store().base(), base);
  ASSERT_TRUE(m.add(41, 1));
  EXPECT_EQ(m.store().head(), 41u);
  EXPECT_EQ(m.store().base(), base + 1);
  EXPECT_TRUE(m.store().in_window(m.store().find(41)));
  m.check_all();
}

TEST(OrderWindow, RefusesInsertOnlyWhenMaxOrdersAreLiveInBothParts) {
  Model m(100, 64);
  for (std::uint64_t ref = 1; ref <= 100; ++ref) ASSERT_TRUE(m.add(ref * 3, 1));  // some migrate
  EXPECT_TRUE(m.store().full());
  EXPECT_GT(m.store().hash().size(), 0u);
  EXPECT_FALSE(m.add(1000, 1));
  m.erase_at(0);
  EXPECT_FALSE(m.store().full());
  EXPECT_TRUE(m.add(1000, 1));
}

TEST(OrderWindow, ClearForgetsEveryOrderAcrossManyEpochs) {
  OrderWindow s(64, 64);
  for (int round = 0; round < 600; ++round) {
    const std::uint64_t first = 1 + static_cast<std::uint64_t>(round % 3) * 50;
    for (std::uint64_t r = first; r < first + 60; ++r) {
      Order* slot = s.probe(r);
      ASSERT_FALSE(s.live(slot)) << "round " << round << " ref " << r;
      s.insert_at(slot, r, 1, 1, 1, 0);
    }
    ASSERT_EQ(s.size(), 60u);
    s.clear();
    ASSERT_EQ(s.size(), 0u);
    ASSERT_EQ(s.find(first), nullptr);
    std::size_t n = 0;
    s.for_each([&](const Order&) { ++n; });
    ASSERT_EQ(n, 0u);
  }
}

}  // namespace
}  // namespace ichannel::book
