// Tests of app/book/order_store.hpp: the open-addressing order table against std::unordered_map,
// at its maximum load, with clusters that wrap around the end, and the O(1) clear.
#include "book/order_store.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <unordered_map>
#include <vector>

namespace ichannel::book {
namespace {

TEST(OrderStore, SizesTheSlotArrayToTwiceTheMaximumRoundedToAPowerOfTwo) {
  const OrderStore s(4'194'304);
  EXPECT_EQ(s.capacity(), std::size_t{1} << 23);
  EXPECT_EQ(s.memory_bytes(), (std::size_t{1} << 23) * sizeof(Order));
  EXPECT_EQ(OrderStore(1000).capacity(), 2048u);
}

TEST(OrderStore, InsertFindEraseMatchAnUnorderedMapAtFullLoad) {
  OrderStore s(512);  // 1024 slots: at 512 live orders the table is half full
  std::unordered_map<std::uint64_t, std::uint32_t> want;
  std::vector<std::uint64_t> live;
  std::mt19937_64 rng(7);
  for (int step = 0; step < 200'000; ++step) {
    const bool insert = !s.full() && (live.empty() || rng() % 100 < 52);
    if (insert) {
      // Dense, sequential-ish references (as ITCH's) and random ones.
      const std::uint64_t ref = rng() % 2 == 0 ? 1000 + step * 4ull : rng();
      Order* slot = s.probe(ref);
      if (s.live(slot)) continue;
      s.insert_at(slot, ref, 1, static_cast<std::uint32_t>(step + 1), 3, 1);
      want[ref] = static_cast<std::uint32_t>(step + 1);
      live.push_back(ref);
    } else {
      const std::size_t k = rng() % live.size();
      Order* o = s.find(live[k]);
      ASSERT_NE(o, nullptr);
      ASSERT_EQ(o->qty, want[live[k]]);
      s.erase(o);
      want.erase(live[k]);
      live[k] = live.back();
      live.pop_back();
    }
    ASSERT_EQ(s.size(), want.size());
    if (step % 997 == 0) {
      for (const auto& [ref, qty] : want) {
        const Order* o = s.find(ref);
        ASSERT_NE(o, nullptr) << ref;
        ASSERT_EQ(o->qty, qty);
      }
      ASSERT_EQ(s.find(0xDEAD'BEEF'0000'0001ull), nullptr);
    }
  }
}

TEST(OrderStore, RefusesInsertOnlyWhenMaxOrdersAreLive) {
  OrderStore s(100);
  for (std::uint64_t r = 1; r <= 100; ++r) {
    ASSERT_FALSE(s.full());
    s.insert_at(s.probe(r), r, 0, 1, 0, 0);
  }
  EXPECT_TRUE(s.full());
  s.erase(s.find(50));
  EXPECT_FALSE(s.full());
}

TEST(OrderStore, ClearForgetsEveryOrderAcrossManyEpochs) {
  OrderStore s(64);
  for (int round = 0; round < 600; ++round) {  // wraps the epoch byte twice (zero fills)
    for (std::uint64_t r = 1; r <= 20; ++r) {
      Order* slot = s.probe(r + round);
      ASSERT_FALSE(s.live(slot)) << "round " << round << " ref " << r;
      s.insert_at(slot, r + round, 0, 1, 0, 0);
    }
    s.erase(s.find(5 + round));
    ASSERT_EQ(s.size(), 19u);
    s.clear();
    ASSERT_EQ(s.size(), 0u);
    ASSERT_EQ(s.find(7 + round), nullptr);
  }
}

}  // namespace
}  // namespace ichannel::book
