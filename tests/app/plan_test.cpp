// tests/app/plan_test.cpp: RX loops, feed and channel ownership derived from the config.
#include "plan.hpp"

#include <gtest/gtest.h>

#include "tests/support/test_config.hpp"

namespace ichannel::daemon {
namespace {

std::string all_errors(const config::Config& c, const Plan& p) {
  std::string out;
  for (const PlanError& e : p.errors) out += message(c, e) + "\n";
  return out;
}

TEST(Plan, MinimalConfigGivesOneLoopOwningTheFeedAndChannel) {
  const config::Config c = test::minimal_config();
  const Plan p = make_plan(c);
  ASSERT_TRUE(p.ok()) << all_errors(c, p);
  ASSERT_EQ(p.loops.size(), 1u);
  EXPECT_EQ(p.loops[0].lcore, 1u);
  ASSERT_EQ(p.loops[0].queues.size(), 1u);
  EXPECT_EQ(p.loops[0].queues[0].port, 0u);
  EXPECT_EQ(p.loops[0].feeds, std::vector<std::size_t>{0});
  EXPECT_EQ(p.loops[0].channels, std::vector<std::size_t>{0});
  ASSERT_EQ(p.feeds.size(), 1u);
  ASSERT_EQ(p.feeds[0].outputs.size(), 1u);
  EXPECT_EQ(p.feeds[0].outputs[0].channel, 0u);
  EXPECT_EQ(p.channel_loop, std::vector<int>{0});
}

TEST(Plan, OneLcorePollingTwoPortsOwnsAFeedSplitAcrossThem) {
  config::Config c = test::minimal_config();
  config::Port p1 = c.ports[0];
  p1.name = "p1";
  c.ports.push_back(p1);
  c.feeds[0].b->port_name = "p1";
  c.cores.push_back(config::Core{1, "p1", 0});
  const Plan p = make_plan(c);
  ASSERT_TRUE(p.ok()) << all_errors(c, p);
  ASSERT_EQ(p.loops.size(), 1u);
  EXPECT_EQ(p.loops[0].queues.size(), 2u);
  EXPECT_EQ(p.loops[0].feeds.size(), 1u);
}

TEST(Plan, FeedPolledByTwoLcoresIsRejectedNamingBoth) {
  config::Config c = test::minimal_config();
  c.ports[0].rx_queues = 2;
  c.cores.push_back(config::Core{2, "p0", 1});
  const Plan p = make_plan(c);
  ASSERT_FALSE(p.ok());
  const std::string msg = all_errors(c, p);
  EXPECT_NE(msg.find("test.yaml: feeds[0]: feed itch arrives on port queues polled by lcores 1 "
                     "and 2"),
            std::string::npos)
      << msg;
}

TEST(Plan, FeedOnAnUnpolledPortIsRejected) {
  config::Config c = test::minimal_config();
  config::Port p1 = c.ports[0];
  p1.name = "p1";
  c.ports.push_back(p1);
  c.feeds[0].b->port_name = "p1";
  const Plan p = make_plan(c);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(all_errors(c, p).find("feeds[0].lines.B.rx_port: port p1 is not polled by any entry"),
            std::string::npos)
      << all_errors(c, p);
}

TEST(Plan, ChannelFedFromTwoLcoresIsRejected) {
  config::Config c = test::minimal_config();
  config::Port p1 = c.ports[0];
  p1.name = "p1";
  c.ports.push_back(p1);
  config::Feed f2 = c.feeds[0];
  f2.name = "itch2";
  f2.a.port_name = "p1";
  f2.b.reset();
  c.feeds.push_back(f2);
  c.cores.push_back(config::Core{2, "p1", 0});
  c.routes.push_back(config::Route{"itch2", {"all"}, {}});
  const Plan p = make_plan(c);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(all_errors(c, p).find("channels[0]: channel all is fed from lcores 1 and 2"),
            std::string::npos)
      << all_errors(c, p);
}

TEST(Plan, SameFeedRoutedTwiceIntoOneChannelIsRejected) {
  config::Config c = test::minimal_config();
  c.routes.push_back(config::Route{"itch", {"all"}, {"AAPL"}});
  const Plan p = make_plan(c);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(all_errors(c, p).find("routes[1].channels[0]: channel all already receives feed itch"),
            std::string::npos)
      << all_errors(c, p);
}

TEST(Plan, IndistinguishableLinesAreRejected) {
  config::Config c = test::minimal_config();
  c.feeds[0].b->group = c.feeds[0].a.group;
  const Plan p = make_plan(c);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(all_errors(c, p).find("feeds[0].lines.B: same port, group 233.54.12.1, UDP port 26400"),
            std::string::npos)
      << all_errors(c, p);
}

TEST(Plan, RoutesWithFiltersBecomeOutputsInRouteOrder) {
  config::Config c = test::minimal_config();
  config::Channel ch2 = c.channels[0];
  ch2.name = "aapl";
  c.channels.push_back(ch2);
  config::Channel unused = c.channels[0];
  unused.name = "unused";
  c.channels.push_back(unused);
  c.routes.push_back(config::Route{"itch", {"aapl"}, {"AAPL", "MSFT"}});
  const Plan p = make_plan(c);
  ASSERT_TRUE(p.ok()) << all_errors(c, p);
  ASSERT_EQ(p.feeds[0].outputs.size(), 2u);
  EXPECT_TRUE(p.feeds[0].outputs[0].symbols.empty());
  EXPECT_EQ(p.feeds[0].outputs[1].channel, 1u);
  EXPECT_EQ(p.feeds[0].outputs[1].symbols, (std::vector<std::string>{"AAPL", "MSFT"}));
  EXPECT_EQ(p.channel_loop, (std::vector<int>{0, 0, -1}));  // "unused" has no producer loop
}

TEST(Plan, TooManyChannelsForTheStatisticsSegmentIsAnError) {
  config::Config c = test::minimal_config();
  for (int i = 0; i < 70; ++i) {
    config::Channel ch = c.channels[0];
    ch.name = std::string("c").append(std::to_string(i));
    c.channels.push_back(ch);
  }
  const Plan p = make_plan(c);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(all_errors(c, p).find("channels: 71 entries, at most 64"), std::string::npos)
      << all_errors(c, p);
}

}  // namespace
}  // namespace ichannel::daemon
