// tests/daemon/control/plan_test.cpp: RX loops, feed and channel ownership derived from a validated
// config. The configurations the plan cannot run are rejected by the config validator: their tests
// are in tests/config/validate_test.cpp.
#include "daemon/control/plan.hpp"

#include <gtest/gtest.h>

#include "tests/support/test_config.hpp"

namespace ichannel::daemon {
namespace {

TEST(Plan, MinimalConfigGivesOneLoopOwningTheFeedAndChannel) {
  const Plan p = make_plan(test::validated(test::minimal_config()));
  ASSERT_EQ(p.loops.size(), 1u);
  EXPECT_EQ(p.loops[0].lcore, 1u);
  ASSERT_EQ(p.loops[0].queues.size(), 1u);
  EXPECT_EQ(p.loops[0].queues[0].port, 0u);
  EXPECT_EQ(p.loops[0].feeds, std::vector<std::size_t>{0});
  EXPECT_EQ(p.loops[0].channels, std::vector<std::size_t>{0});
  ASSERT_EQ(p.feeds.size(), 1u);
  ASSERT_EQ(p.feeds[0].outputs.size(), 1u);
  EXPECT_EQ(p.feeds[0].outputs[0].channel, 0u);
  EXPECT_EQ(p.channel_loop, std::vector<std::size_t>{0});
}

TEST(Plan, OneLcorePollingTwoPortsOwnsAFeedSplitAcrossThem) {
  config::Config c = test::minimal_config();
  config::Port p1 = c.ports[0];
  p1.name = "p1";
  p1.device = "net_pcap1,rx_pcap=/tmp/y.pcap";
  c.ports.push_back(p1);
  c.feeds[0].b->port_name = "p1";
  c.cores.push_back(test::core(1, "p1", 0));
  const Plan p = make_plan(test::validated(c));
  ASSERT_EQ(p.loops.size(), 1u);
  EXPECT_EQ(p.loops[0].queues.size(), 2u);
  EXPECT_EQ(p.loops[0].queues[1].port, 1u);
  EXPECT_EQ(p.loops[0].feeds.size(), 1u);
}

TEST(Plan, LoopsFollowTheFirstAppearanceOfEachLcore) {
  config::Config c = test::minimal_config();
  config::Port p1 = c.ports[0];
  p1.name = "p1";
  p1.device = "net_pcap1,rx_pcap=/tmp/y.pcap";
  c.ports.insert(c.ports.begin(), p1);
  config::Feed f2 = c.feeds[0];
  f2.name = "itch2";
  f2.a.port_name = "p1";
  f2.a.group = 0xE9360C03;
  f2.b.reset();
  c.feeds.push_back(f2);
  config::Channel ch2 = c.channels[0];
  ch2.name = "two";
  c.channels.push_back(ch2);
  c.routes.push_back(test::route("itch2", {"two"}));
  c.cores.push_back(test::core(2, "p1", 0));
  c.eal.lcores = {0, 1, 2};
  const Plan p = make_plan(test::validated(c));
  ASSERT_EQ(p.loops.size(), 2u);
  EXPECT_EQ(p.loops[0].lcore, 1u);
  EXPECT_EQ(p.loops[0].queues[0].port, 1u);  // p0 moved to ports[1]
  EXPECT_EQ(p.loops[1].lcore, 2u);
  EXPECT_EQ(p.loops[1].feeds, std::vector<std::size_t>{1});
  EXPECT_EQ(p.loops[1].channels, std::vector<std::size_t>{1});
  EXPECT_EQ(p.channel_loop, (std::vector<std::size_t>{0, 1}));
}

TEST(Plan, RoutesWithFiltersBecomeOutputsInRouteOrder) {
  config::Config c = test::minimal_config();
  config::Channel ch2 = c.channels[0];
  ch2.name = "aapl";
  c.channels.push_back(ch2);
  c.routes.push_back(test::route("itch", {"aapl"}, {"AAPL", "MSFT"}));
  const Plan p = make_plan(test::validated(c));
  ASSERT_EQ(p.feeds[0].outputs.size(), 2u);
  EXPECT_TRUE(p.feeds[0].outputs[0].symbols.empty());
  EXPECT_EQ(p.feeds[0].outputs[1].channel, 1u);
  EXPECT_EQ(p.feeds[0].outputs[1].symbols, (std::vector<std::string>{"AAPL", "MSFT"}));
  EXPECT_EQ(p.channel_loop, (std::vector<std::size_t>{0, 0}));
  // A channel no route uses (which had no producer loop here) is now refused by the validator.
  config::Channel unused = c.channels[0];
  unused.name = "unused";
  c.channels.push_back(unused);
  EXPECT_FALSE(config::validate(c).ok());
}

}  // namespace
}  // namespace ichannel::daemon
