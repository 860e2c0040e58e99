// tests/stats/aggregate_test.cpp: per-port sums and channel rates of the main lcore.
#include "stats/aggregate.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace ichannel::stats {
namespace {

TEST(StatsAggregate, PortCountersAreSumsOfTheirQueues) {
  auto seg = std::make_unique<StatsSegment>();
  seg->header.port_count = 2;
  seg->header.core_count = 3;
  seg->cores[0].port_index = 0;
  seg->cores[1].port_index = 0;
  seg->cores[2].port_index = 1;
  seg->cores[0].packets = 10;
  seg->cores[1].packets = 5;
  seg->cores[2].packets = 7;
  seg->cores[0].unrouted = 1;
  seg->cores[1].unrouted = 2;
  seg->cores[1].rejected[3] = 4;
  seg->cores[1].rejected_total = 4;
  seg->cores[2].rejected[3] = 1;
  seg->cores[2].rejected_total = 1;
  sum_cores_into_ports(*seg);
  EXPECT_EQ(seg->ports[0].polled.load(), 15u);
  EXPECT_EQ(seg->ports[0].unrouted.load(), 3u);
  EXPECT_EQ(seg->ports[0].rejected[3].load(), 4u);
  EXPECT_EQ(seg->ports[0].rejected_total.load(), 4u);
  EXPECT_EQ(seg->ports[1].polled.load(), 7u);
  EXPECT_EQ(seg->ports[1].rejected[3].load(), 1u);
  sum_cores_into_ports(*seg);  // idempotent: sums, not increments
  EXPECT_EQ(seg->ports[0].polled.load(), 15u);
}

TEST(StatsAggregate, ChannelRateIsPublishedDeltaPerSecond) {
  auto seg = std::make_unique<StatsSegment>();
  seg->header.channel_count = 2;
  ChannelRates rates;
  seg->channels[0].published = 1000;
  rates.update(*seg, 1'000'000'000ULL);
  EXPECT_EQ(seg->channels[0].rate_per_s.load(), 0u);  // first pass: no interval yet
  seg->channels[0].published = 1500;
  seg->channels[1].published = 10;
  rates.update(*seg, 1'500'000'000ULL);  // half a second later
  EXPECT_EQ(seg->channels[0].rate_per_s.load(), 1000u);
  EXPECT_EQ(seg->channels[1].rate_per_s.load(), 20u);
  rates.update(*seg, 2'500'000'000ULL);
  EXPECT_EQ(seg->channels[0].rate_per_s.load(), 0u);
}

}  // namespace
}  // namespace ichannel::stats
