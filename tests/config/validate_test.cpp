// tests/config/validate_test.cpp: checks across fields: names, references, lcores and queues,
// multicast reception, duplicate lines, single lcore per feed and single writer per channel,
// the capacities of config/limits.hpp, and the resolution of every name to its index.
// (The daemon's run plan checked the ownership rules a second time; its error tests live here:
// FeedLinesOnTwoLcoresAreRejected, PortUsedByALineMustBePolled, ChannelFedFromTwoLcoresIsRejected,
// SameFeedToSameChannelTwiceIsRejected, DuplicateGroupPortVlanIsRejected, ValidateLimits.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/limits.hpp"
#include "tests/config/config_test_util.hpp"
#include "config/load.hpp"

namespace ichannel::config {
namespace {

using ::testing::ElementsAre;
using testing::errors_appending;
using testing::errors_with;
using ::testing::IsEmpty;
using testing::messages;

TEST(ValidateNames, DuplicatePortNameIsRejected) {
  EXPECT_THAT(
      errors_with("feeds:", "  - { name: p0, device: net_null1 }\nfeeds:"),
      ElementsAre("t.yaml:4:13: ports[1].name: port name 'p0' is already used by ports[0]"));
}

TEST(ValidateNames, DuplicateDeviceIsRejected) {
  EXPECT_THAT(errors_with("feeds:", "  - { name: p1, device: \"net_null0,x=1\" }\nfeeds:\n"),
              ::testing::Contains("t.yaml:4:25: ports[1].device: device 'net_null0' is already "
                                  "used by ports[0]"));
}

TEST(ValidateNames, DuplicateChannelNameIsRejected) {
  EXPECT_THAT(errors_with("  - name: c\n", "  - name: c\n  - name: c\n"),
              ElementsAre("t.yaml:10:11: channels[1].name: channel name 'c' is already used by "
                          "channels[0]"));
}

TEST(ValidateNames, StatisticsSegmentMustNotBeAChannel) {
  EXPECT_THAT(errors_appending("statistics: { segment: c }\n"),
              ElementsAre("t.yaml:9:11: channels[0].name: channel 'c' has the name of "
                          "statistics.segment"));
}

TEST(ValidateReferences, LineRxPortMustExist) {
  EXPECT_THAT(errors_with("rx_port: p0", "rx_port: p9"),
              ElementsAre("t.yaml:7:54: feeds[0].lines.A.rx_port: no port named 'p9' in ports"));
}

TEST(ValidateReferences, RouteFeedAndChannelsMustExist) {
  EXPECT_THAT(errors_with("  - feed: f\n    channels: [c]",
                          "  - feed: f\n    channels: [c]\n"
                          "  - feed: g\n    channels: [x]"),
              ElementsAre("t.yaml:13:11: routes[1].feed: no feed named 'g' in feeds",
                          "t.yaml:14:16: routes[1].channels[0]: no channel named 'x' in channels"));
}

TEST(ValidateReferences, SameFeedToSameChannelTwiceIsRejected) {
  EXPECT_THAT(errors_with("    channels: [c]", "    channels: [c]\n  - { feed: f, channels: [c] }"),
              ElementsAre("t.yaml:13:27: routes[1].channels[0]: feed 'f' is already routed to "
                          "channel 'c' by routes[0]"));
}

TEST(ValidateReferences, UnroutedFeedAndUnusedChannelAreRejected) {
  const std::string text = testing::minimal_with(
      "channels:\n  - name: c\n",
      "  - name: g\n    lines:\n      A: { group: 233.54.12.9, port: 1, rx_port: p0 }\n"
      "channels:\n  - name: c\n  - name: unused\n");
  EXPECT_THAT(messages(load_string(text, "t.yaml")),
              ElementsAre("t.yaml:8:11: feeds[1].name: feed 'g' is not routed to any channel",
                          "t.yaml:13:11: channels[1].name: channel 'unused' is not used by any "
                          "route"));
}

TEST(ValidateCores, CoreMustNotBeTheMainLcore) {
  EXPECT_THAT(errors_with("lcore: 1", "lcore: 0"),
              ElementsAre("t.yaml:14:14: cores[0].lcore: lcore 0 is eal.main_lcore "
                          "(housekeeping); poll on another lcore"));
}

TEST(ValidateCores, CoreLcoreMustBeInEalLcores) {
  EXPECT_THAT(errors_appending("eal: { lcores: [0, 2] }\n"),
              ElementsAre("t.yaml:14:14: cores[0].lcore: lcore 1 is not in eal.lcores"));
}

TEST(ValidateCores, MainLcoreMustBeInEalLcores) {
  EXPECT_THAT(errors_appending("eal: { lcores: [0, 1], main_lcore: 2 }\n"),
              ElementsAre("t.yaml:15:36: eal.main_lcore: lcore 2 is not in eal.lcores"));
}

TEST(ValidateCores, QueueMustExistOnThePort) {
  EXPECT_THAT(errors_with("  - { lcore: 1, port: p0 }", "  - { lcore: 1, port: p0, queue: 1 }"),
              ElementsAre("t.yaml:2:11: ports[0].name: queue 0 of port 'p0' is not polled by any "
                          "core",
                          "t.yaml:14:34: cores[0].queue: queue 1 does not exist: port 'p0' has 1 "
                          "rx queue(s)"));
}

TEST(ValidateCores, EachQueueIsPolledByExactlyOneCore) {
  EXPECT_THAT(errors_with("  - { lcore: 1, port: p0 }\n",
                          "  - { lcore: 1, port: p0 }\n  - { lcore: 1, port: p0, queue: 0 }\n"),
              ElementsAre("t.yaml:15:5: cores[1]: queue 0 of port 'p0' is already polled by "
                          "cores[0]"));
  EXPECT_THAT(errors_with("device: net_null0", "device: net_null0\n    rx_queues: 2"),
              ElementsAre("t.yaml:2:11: ports[0].name: queue 1 of port 'p0' is not polled by any "
                          "core"));
}

TEST(ValidateCores, PortUsedByALineMustBePolled) {
  const std::string text =
      testing::minimal_with("feeds:", "  - { name: p1, device: net_null1 }\nfeeds:");
  const std::string moved = text.substr(0, text.find("rx_port: p0")) + "rx_port: p1" +
                            text.substr(text.find("rx_port: p0") + 11);
  EXPECT_THAT(messages(load_string(moved, "t.yaml")),
              ElementsAre("t.yaml:4:13: ports[1].name: queue 0 of port 'p1' is not polled by any "
                          "core"));
}

TEST(ValidateMulticast, PortWithoutAllmulticastMustListTheGroup) {
  EXPECT_THAT(errors_with("device: net_null0", "device: net_null0\n    allmulticast: false"),
              ElementsAre("t.yaml:8:19: feeds[0].lines.A.group: port 'p0' would drop "
                          "233.54.12.1: add it to multicast_addresses or set allmulticast"));
  EXPECT_THAT(errors_with("device: net_null0",
                          "device: net_null0\n    allmulticast: false\n"
                          "    multicast_addresses: [233.54.12.1]"),
              IsEmpty());
  EXPECT_THAT(errors_with("device: net_null0",
                          "device: net_null0\n    allmulticast: false\n    promiscuous: true"),
              IsEmpty());
}

TEST(ValidateLines, DuplicateGroupPortVlanIsRejected) {
  const std::string b = "      B: { group: 233.54.12.1, port: 26400, rx_port: p0 }\n";
  EXPECT_THAT(errors_with("channels:", b + "channels:"),
              ElementsAre("t.yaml:8:10: feeds[0].lines.B: 233.54.12.1:26400 without VLAN is "
                          "already used by feeds[0].lines.A"));
  const std::string other_vlan =
      "      B: { group: 233.54.12.1, port: 26400, vlan: 7, rx_port: p0 }\n";
  EXPECT_THAT(errors_with("channels:", other_vlan + "channels:"), IsEmpty());
}

TEST(ValidatePorts, MempoolMustHoldEveryDescriptor) {
  EXPECT_THAT(errors_with("device: net_null0", "device: net_null0\n    mempool_size: 4000"),
              ElementsAre("t.yaml:4:19: ports[0].mempool_size: 4000 mbufs cannot fill 1 rx "
                          "queue(s) of 4096 descriptors; need at least 4608"));
}

TEST(ValidateProducers, FeedLinesOnTwoLcoresAreRejected) {
  const std::string text = R"(ports:
  - { name: p0, device: net_null0 }
  - { name: p1, device: net_null1 }
feeds:
  - name: f
    lines:
      A: { group: 233.54.12.1, port: 26400, rx_port: p0 }
      B: { group: 233.54.12.2, port: 26400, rx_port: p1 }
channels:
  - name: c
routes:
  - { feed: f, channels: [c] }
cores:
  - { lcore: 1, port: p0 }
  - { lcore: 2, port: p1 }
)";
  EXPECT_THAT(messages(load_string(text, "t.yaml")),
              ElementsAre("t.yaml:7:7: feeds[0].lines: feed 'f' arrives on lcores 1, 2; its A/B "
                          "lines must be polled by one lcore",
                          "t.yaml:10:11: channels[0].name: channel 'c' would be written by lcores "
                          "1, 2; a channel has one writer: route it only from feeds polled by one "
                          "lcore"));
}

TEST(ValidateProducers, ChannelFedFromTwoLcoresIsRejected) {
  const std::string text = R"(ports:
  - { name: p0, device: net_null0 }
  - { name: p1, device: net_null1 }
feeds:
  - { name: f, lines: { A: { group: 233.54.12.1, port: 26400, rx_port: p0 } } }
  - { name: g, lines: { A: { group: 233.54.12.2, port: 26400, rx_port: p1 } } }
channels:
  - name: c
  - name: only.g
routes:
  - { feed: f, channels: [c] }
  - { feed: g, channels: [c, only.g] }
cores:
  - { lcore: 1, port: p0 }
  - { lcore: 2, port: p1 }
)";
  EXPECT_THAT(messages(load_string(text, "t.yaml")),
              ElementsAre("t.yaml:8:11: channels[0].name: channel 'c' would be written by lcores "
                          "1, 2; a channel has one writer: route it only from feeds polled by one "
                          "lcore"));
}

TEST(ValidateProducers, SeveralPortsOnOneLcoreMayShareAChannel) {
  const std::string text = R"(ports:
  - { name: p0, device: net_null0 }
  - { name: p1, device: net_null1 }
feeds:
  - { name: f, lines: { A: { group: 233.54.12.1, port: 26400, rx_port: p0 } } }
  - { name: g, lines: { A: { group: 233.54.12.2, port: 26400, rx_port: p1 } } }
channels:
  - name: c
routes:
  - { feed: f, channels: [c] }
  - { feed: g, channels: [c] }
cores:
  - { lcore: 3, port: p0 }
  - { lcore: 3, port: p1 }
)";
  const LoadResult result = load_string(text, "t.yaml");
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(messages(result));
  EXPECT_EQ(result.config->eal.lcores, (std::vector<unsigned>{0, 3}));
}

// kMinimalConfig with `channels` extra channels c0.. (all routed from feed f when `routed`).
Config minimal_plus_channels(int channels, bool routed) {
  LoadResult loaded = load_string(testing::kMinimalConfig, "t.yaml");
  if (!loaded.ok()) std::abort();
  Config config = *loaded.config;
  for (int i = 0; i < channels; ++i) {
    Channel channel = config.channels[0];
    channel.name = "c" + std::to_string(i);
    config.channels.push_back(channel);
    if (routed) config.routes[0].channels.push_back(channel.name);
  }
  return config;
}

TEST(ValidateLimits, TooManyChannelsForTheStatisticsSegmentIsAnError) {
  const LoadResult result = validate(minimal_plus_channels(70, false));
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(messages(result),
              ::testing::Contains("t.yaml: channels: 71 entries, at most 64 are supported "
                                  "(statistics segment limit)"));
}

TEST(ValidateLimits, EverySectionIsBoundedByTheStatisticsSegment) {
  LoadResult loaded = load_string(testing::kMinimalConfig, "t.yaml");
  ASSERT_TRUE(loaded.ok());
  Config config = *loaded.config;
  config.ports.resize(kMaxPorts + 1, config.ports[0]);
  config.feeds.resize(kMaxFeeds + 1, config.feeds[0]);
  config.cores.resize(kMaxCores + 1, config.cores[0]);
  const std::vector<std::string> got = messages(validate(config));
  EXPECT_THAT(got, ::testing::Contains("t.yaml: ports: 17 entries, at most 16 are supported "
                                       "(statistics segment limit)"));
  EXPECT_THAT(got, ::testing::Contains("t.yaml: feeds: 33 entries, at most 32 are supported "
                                       "(statistics segment limit)"));
  EXPECT_THAT(got, ::testing::Contains("t.yaml: cores: 17 entries, at most 16 are supported "
                                       "(statistics segment limit)"));
}

TEST(ValidateLimits, FeedRoutedIntoMoreChannelsThanItsFanOutHoldsIsAnError) {
  EXPECT_TRUE(validate(minimal_plus_channels(kMaxOutputsPerFeed - 1, true)).ok());
  EXPECT_THAT(messages(validate(minimal_plus_channels(kMaxOutputsPerFeed, true))),
              ElementsAre("t.yaml: routes[0].channels[16]: feed f is routed into more than 16 "
                          "channels"));
}

TEST(ValidateLimits, LcorePollingMoreQueuesThanItsLoopHoldsIsAnError) {
  std::string cores;
  for (int q = 0; q < 9; ++q)
    cores += "  - { lcore: 1, port: p0, queue: " + std::to_string(q) + " }\n";
  const std::string text =
      testing::minimal_with("device: net_null0", "device: net_null0\n    rx_queues: 9");
  const std::string with_cores = text.substr(0, text.find("cores:\n") + 7) + cores;
  EXPECT_THAT(messages(load_string(with_cores, "t.yaml")),
              ElementsAre("t.yaml:23:5: cores[8]: lcore 1 polls more than 8 port queues"));
}

TEST(ValidateResolution, EveryNameIsResolvedToItsIndex) {
  const std::string text = R"(ports:
  - { name: p0, device: net_null0 }
  - { name: p1, device: net_null1, rx_queues: 2 }
feeds:
  - name: f
    lines:
      A: { group: 233.54.12.1, port: 26400, rx_port: p1 }
      B: { group: 233.54.12.2, port: 26400, rx_port: p0 }
  - { name: g, lines: { A: { group: 233.54.12.3, port: 26400, rx_port: p1 } } }
channels:
  - name: c
  - name: d
routes:
  - { feed: g, channels: [d, c] }
  - { feed: f, channels: [c] }
cores:
  - { lcore: 1, port: p1, queue: 1 }
  - { lcore: 1, port: p0 }
  - { lcore: 1, port: p1, queue: 0 }
)";
  const LoadResult result = load_string(text, "t.yaml");
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(messages(result));
  const Config& c = *result.config;
  EXPECT_EQ(c.feeds[0].a.port_index, 1u);
  EXPECT_EQ(c.feeds[0].b->port_index, 0u);
  EXPECT_EQ(c.feeds[1].a.port_index, 1u);
  EXPECT_EQ(c.routes[0].feed_index, 1u);
  EXPECT_EQ(c.routes[0].channel_indices, (std::vector<std::size_t>{1, 0}));
  EXPECT_EQ(c.routes[1].feed_index, 0u);
  EXPECT_EQ(c.routes[1].channel_indices, (std::vector<std::size_t>{0}));
  EXPECT_EQ(c.cores[0].port_index, 1u);
  EXPECT_EQ(c.cores[1].port_index, 0u);
  EXPECT_EQ(c.cores[2].port_index, 1u);
}

TEST(ValidateInCode, ConfigBuiltInCodeIsValidatedAndResolvedLikeALoadedOne) {
  LoadResult loaded = load_string(testing::kMinimalConfig, "t.yaml");
  ASSERT_TRUE(loaded.ok());
  Config config = *loaded.config;
  Port p1 = config.ports[0];
  p1.name = "p1";
  p1.device = "net_null1";
  config.ports.insert(config.ports.begin(), p1);  // p0 is now ports[1]
  config.cores.push_back(Core{1, "p1", 0, 0});
  const LoadResult result = validate(config);
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(messages(result));
  EXPECT_EQ(result.config->feeds[0].a.port_index, 1u);
  EXPECT_EQ(result.config->cores[0].port_index, 1u);
  EXPECT_EQ(result.config->cores[1].port_index, 0u);
  config.feeds[0].a.port_name = "p9";
  EXPECT_THAT(messages(validate(config)),
              ElementsAre("t.yaml: feeds[0].lines.A.rx_port: no port named 'p9' in ports"));
}

}  // namespace
}  // namespace ichannel::config
