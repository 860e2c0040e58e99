// tests/daemon/datapath/housekeeping_test.cpp: an RX loop built by the wiring, fed frames, and
// its periodic pass into the statistics segment - without DPDK.
#include "daemon/datapath/housekeeping.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <vector>

#include "daemon/control/plan.hpp"
#include "daemon/control/wiring.hpp"
#include "tests/daemon/frames.hpp"
#include "tests/support/test_config.hpp"

namespace ichannel::daemon {
namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t kSrc = 0x0A010101;
constexpr std::uint32_t kGroupA = 0xE9360C01;
constexpr std::uint16_t kPort = 26400;

class HousekeepingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ichannel-hk-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    fs::permissions(dir_, fs::perms::owner_all);
    config_ = test::minimal_config();
    config::Channel aapl = config_.channels[0];
    aapl.name = "aapl";
    config_.channels.push_back(aapl);
    config_.routes.push_back(test::route("itch", {"aapl"}, {"AAPL"}));
    config_ = test::validated(config_);
    plan_ = make_plan(config_);
    for (const config::Channel& c : config_.channels) {
      ChannelOptions opts;
      opts.dir = dir_.string();
      opts.hugepages = false;
      auto created = ProducerChannel<Tick>::create(c.name, c.capacity, opts);
      ASSERT_TRUE(created) << created.error().message;
      channels_.ticks.push_back(std::make_unique<ProducerChannel<Tick>>(std::move(*created)));
      channels_.tops.emplace_back();
    }
    const std::vector<std::uint16_t> port_ids{7};
    ASSERT_EQ(build_loops(config_, plan_, port_ids, channels_, TscClock::calibrate(1'000'000'000),
                          &stop_, loops_),
              "");
    ASSERT_EQ(loops_.size(), 1u);
    loops_[0]->stats = segment_.get();
  }

  void TearDown() override {
    loops_.clear();
    channels_.clear();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  fs::path dir_;
  config::Config config_;
  Plan plan_;
  Segments channels_;
  std::atomic<bool> stop_{false};
  std::vector<std::unique_ptr<RxLoop>> loops_;
  std::unique_ptr<stats::StatsSegment> segment_ = std::make_unique<stats::StatsSegment>();
};

TEST_F(HousekeepingTest, WiringBuildsTheLoopThePlanDescribes) {
  const RxLoop& loop = *loops_[0];
  EXPECT_EQ(loop.lcore, 1u);
  ASSERT_EQ(loop.queues.size(), 1u);
  EXPECT_EQ(loop.queues[0].port_id, 7u);
  EXPECT_EQ(loop.stop, &stop_);
  ASSERT_EQ(loop.channels.size(), 2u);
  EXPECT_EQ(loop.channels[1].channel, channels_.ticks[1].get());
  ASSERT_EQ(loop.pipeline.feed_count(), 1u);
  EXPECT_EQ(loop.pipeline.feed(0).feed_stats, 0);
  EXPECT_EQ(loop.pipeline.feed(0).handler->sink().ticks().size(), 2u);
}

TEST_F(HousekeepingTest, PassCopiesQueueLineFeedAndChannelCountersAndBeatsHeartbeats) {
  RxLoop& loop = *loops_[0];
  RxQueue& q = loop.queues[0];
  q.counters.polls = 10;
  q.counters.packets = 2;
  const test::Bytes p = test::mold_packet("SESSION001", 1,
                                          {test::itch_add(5, 100, 11, 'B', 100, "AAPL", 1500000),
                                           test::itch_add(6, 101, 12, 'S', 50, "MSFT", 3000000)});
  loop.pipeline.on_frame(test::udp_frame(kSrc, kGroupA, 5000, kPort, p), 0, 1, q.counters);
  loop.pipeline.on_frame(test::udp_frame(kSrc, 0xE9360C09, 5000, kPort, p), 0, 1, q.counters);
  const std::uint64_t wall_before = wall_clock_ns();
  const auto mono_before = std::chrono::steady_clock::now().time_since_epoch();
  rx_housekeeping(loop, 123456789);
  const auto mono_after = std::chrono::steady_clock::now().time_since_epoch();
  const std::uint64_t wall_after = wall_clock_ns();
  const stats::StatsSegment& s = *segment_;
  constexpr auto kR = std::memory_order_relaxed;
  EXPECT_EQ(s.cores[0].polls.load(kR), 10u);
  EXPECT_EQ(s.cores[0].packets.load(kR), 2u);
  EXPECT_EQ(s.cores[0].unrouted.load(kR), 1u);
  EXPECT_EQ(s.lines[0].packets.load(kR), 1u);
  EXPECT_EQ(s.lines[0].messages.load(kR), 2u);
  EXPECT_EQ(s.lines[1].packets.load(kR), 0u);
  EXPECT_EQ(s.feeds[0].ticks.load(kR), 2u);
  EXPECT_EQ(s.channels[0].published.load(kR), 2u);
  EXPECT_EQ(s.channels[0].filtered.load(kR), 0u);
  EXPECT_EQ(s.channels[1].published.load(kR), 1u);
  EXPECT_EQ(s.channels[1].filtered.load(kR), 1u);  // MSFT
  const auto info = inspect_channel("all", dir_.string());
  ASSERT_TRUE(info) << info.error().message;
  // The heartbeat is the producer's own clocks, read in the pass (the monotonic one decides
  // staleness; the wall-clock one is for display).
  EXPECT_GE(info->heartbeat_ns, wall_before);
  EXPECT_LE(info->heartbeat_ns, wall_after);
  const auto ns = [](auto d) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
  };
  EXPECT_GE(info->heartbeat_mono_ns, ns(mono_before));
  EXPECT_LE(info->heartbeat_mono_ns, ns(mono_after));
}

}  // namespace
}  // namespace ichannel::daemon
