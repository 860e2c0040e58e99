// tests/daemon/datapath/router_test.cpp: packet -> feed line lookup.
#include "daemon/datapath/router.hpp"

#include <gtest/gtest.h>

namespace ichannel::daemon {
namespace {

constexpr std::uint32_t kGroupA = 0xE9360C01;
constexpr std::uint32_t kGroupB = 0xE9360C02;
constexpr std::uint32_t kSrc = 0x0A010101;

TEST(Router, FindsTheLineByPortGroupAndUdpPort) {
  Router r;
  ASSERT_TRUE(r.add({0, 26400, kGroupA}, 0, 0));
  ASSERT_TRUE(r.add({0, 26400, kGroupB}, 0, 1));
  const RouteEntry* a = r.find(0, kGroupA, 26400, kAnyVlan, kSrc);
  const RouteEntry* b = r.find(0, kGroupB, 26400, 7, kSrc);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->line, 0);
  EXPECT_EQ(b->line, 1);
  EXPECT_EQ(r.find(0, kGroupA, 26401, kAnyVlan, kSrc), nullptr);  // other UDP port
  EXPECT_EQ(r.find(1, kGroupA, 26400, kAnyVlan, kSrc), nullptr);  // other rx port
  EXPECT_EQ(r.find(0, 0xE9360C03, 26400, kAnyVlan, kSrc), nullptr);
}

TEST(Router, VlanAndSourceFiltersMustMatchWhenSet) {
  Router r;
  RouteKey k{0, 26400, kGroupA};
  k.vlan = 100;
  k.source = kSrc;
  ASSERT_TRUE(r.add(k, 3, 0));
  EXPECT_NE(r.find(0, kGroupA, 26400, 100, kSrc), nullptr);
  EXPECT_EQ(r.find(0, kGroupA, 26400, kAnyVlan, kSrc), nullptr);  // untagged
  EXPECT_EQ(r.find(0, kGroupA, 26400, 101, kSrc), nullptr);
  EXPECT_EQ(r.find(0, kGroupA, 26400, 100, kSrc + 1), nullptr);
}

TEST(Router, MoreSpecificEntryWinsRegardlessOfInsertionOrder) {
  Router r;
  ASSERT_TRUE(r.add({0, 26400, kGroupA}, 1, 0));  // any vlan, any source
  RouteKey specific{0, 26400, kGroupA};
  specific.source = kSrc;
  ASSERT_TRUE(r.add(specific, 2, 0));
  const RouteEntry* e = r.find(0, kGroupA, 26400, kAnyVlan, kSrc);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->feed_slot, 2);
  const RouteEntry* other = r.find(0, kGroupA, 26400, kAnyVlan, kSrc + 1);
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->feed_slot, 1);
}

TEST(Router, RejectsDuplicateKeysAndOverflow) {
  Router r;
  ASSERT_TRUE(r.add({0, 1, kGroupA}, 0, 0));
  EXPECT_FALSE(r.add({0, 1, kGroupA}, 1, 1));
  for (std::uint16_t p = 2; r.size() < Router::kMaxEntries; ++p) {
    ASSERT_TRUE(r.add({0, p, kGroupA}, 0, 0));
  }
  EXPECT_FALSE(r.add({0, 9999, kGroupB}, 0, 0));
  EXPECT_EQ(r.size(), Router::kMaxEntries);
}

TEST(Router, EmptyRouterMatchesNothing) {
  const Router r;
  EXPECT_EQ(r.find(0, kGroupA, 26400, kAnyVlan, kSrc), nullptr);
}

}  // namespace
}  // namespace ichannel::daemon
