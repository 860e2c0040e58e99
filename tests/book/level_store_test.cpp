// Tests of app/book/level_store.hpp: the buddy allocator of level blocks.
#include "book/level_store.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace ichannel::book {
namespace {

TEST(LevelStore, HandsOutEveryMinimumBlockThenReportsFull) {
  LevelStore s(1024);
  std::vector<std::uint32_t> blocks;
  for (;;) {
    const std::uint32_t b = s.allocate(0);
    if (b == LevelStore::kNone) break;
    ASSERT_EQ(b % LevelStore::kMinBlock, 0u);
    blocks.push_back(b);
  }
  EXPECT_EQ(blocks.size(), 1024u / LevelStore::kMinBlock);
  EXPECT_EQ(s.used(), 1024u);
  EXPECT_EQ(s.allocate(0), LevelStore::kNone);
}

TEST(LevelStore, MergesFreedBuddiesBackIntoTheWholeArena) {
  LevelStore s(1024);
  std::vector<std::uint32_t> blocks;
  for (std::uint32_t b; (b = s.allocate(0)) != LevelStore::kNone;) blocks.push_back(b);
  std::mt19937 rng(3);
  std::shuffle(blocks.begin(), blocks.end(), rng);
  for (std::uint32_t b : blocks) s.release(b, 0);
  EXPECT_EQ(s.used(), 0u);
  EXPECT_EQ(s.allocate(s.max_order()), 0u);  // the whole arena in one block again
}

TEST(LevelStore, RandomBlocksNeverOverlap) {
  LevelStore s(1u << 14);
  struct Block {
    std::uint32_t off;
    unsigned order;
  };
  std::vector<Block> live;
  std::vector<int> owner(1u << 14, -1);
  std::mt19937 rng(11);
  for (int step = 0; step < 50'000; ++step) {
    if (live.empty() || rng() % 2 == 0) {
      const unsigned order = rng() % 6;
      const std::uint32_t off = s.allocate(order);
      if (off == LevelStore::kNone) continue;
      for (std::uint32_t i = off; i < off + (LevelStore::kMinBlock << order); ++i) {
        ASSERT_EQ(owner[i], -1) << "level " << i << " handed out twice";
        owner[i] = step;
      }
      live.push_back({off, order});
    } else {
      const std::size_t k = rng() % live.size();
      const Block b = live[k];
      for (std::uint32_t i = b.off; i < b.off + (LevelStore::kMinBlock << b.order); ++i)
        owner[i] = -1;
      s.release(b.off, b.order);
      live[k] = live.back();
      live.pop_back();
    }
  }
  for (const Block& b : live) s.release(b.off, b.order);
  EXPECT_EQ(s.used(), 0u);
  EXPECT_EQ(s.allocate(s.max_order()), 0u);
}

}  // namespace
}  // namespace ichannel::book
