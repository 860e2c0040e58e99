// tests/daemon/datapath/pipeline_test.cpp: frame -> peel -> route -> ItchFeed -> Fanout ->
// channels, without a NIC (the pipeline built by control/wiring.cpp, as the daemon does).
#include "daemon/datapath/pipeline.hpp"

#include <gtest/gtest.h>

#include <ichannel/ichannel.hpp>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "daemon/control/plan.hpp"
#include "daemon/control/wiring.hpp"
#include "tests/daemon/frames.hpp"
#include "tests/support/test_config.hpp"

namespace ichannel::daemon {
namespace {

using test::Bytes;

constexpr std::uint32_t kSrc = 0x0A010101;
constexpr std::uint32_t kGroupA = 0xE9360C01;
constexpr std::uint32_t kGroupB = 0xE9360C02;
constexpr std::uint16_t kPort = 26400;

// Two channels: "all" (no filter) and "aapl" (symbols [AAPL]), both from feed "itch".
class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = test::minimal_config();
    config::Channel aapl = config_.channels[0];
    aapl.name = "aapl";
    config_.channels.push_back(aapl);
    config_.routes.push_back(test::route("itch", {"aapl"}, {"AAPL"}));
    build();
  }

  void build() {
    config_ = test::validated(config_);
    plan_ = make_plan(config_);
    rings_.assign(config_.channels.size(), std::vector<Message<Tick>>(256));
    senders_.clear();
    receivers_.clear();
    for (auto& r : rings_) {
      senders_.push_back(Sender<Tick>::with_init(r));
      receivers_.emplace_back(std::span<const Message<Tick>>(r.data(), r.size()));
    }
    std::vector<Sender<Tick>*> ptrs;
    for (auto& s : senders_) ptrs.push_back(&s);
    pipeline_ = std::make_unique<Pipeline<Sender<Tick>>>();
    ASSERT_EQ(configure_pipeline(*pipeline_, config_, plan_, 0, PipelineOutputs(ptrs),
                                 line_stats_indices(config_)),
              "");
  }

  void feed(const Bytes& frame, std::uint16_t port_index = 0) {
    pipeline_->on_frame(frame, port_index, 777, counters_);
  }

  std::vector<Tick> drain(std::size_t channel) {
    std::vector<Tick> out;
    while (auto r = receivers_[channel].try_recv()) out.push_back(r->value);
    return out;
  }

  static Bytes packet(std::uint64_t seq, std::vector<Bytes> msgs) {
    return test::mold_packet("SESSION001", seq, msgs);
  }

  config::Config config_;
  Plan plan_;
  std::vector<std::vector<Message<Tick>>> rings_;
  std::vector<Sender<Tick>> senders_;
  std::vector<Receiver<Tick>> receivers_;
  std::unique_ptr<Pipeline<Sender<Tick>>> pipeline_;
  RxCounters counters_;
};

TEST_F(PipelineTest, LineAPacketBecomesTicksOnEveryChannelThatWantsThem) {
  const Bytes p = packet(1, {test::itch_add(5, 100, 11, 'B', 100, "AAPL", 1500000),
                             test::itch_add(6, 101, 12, 'S', 50, "MSFT", 3000000)});
  feed(test::udp_frame(kSrc, kGroupA, 5000, kPort, p));
  const auto all = drain(0);
  const auto aapl = drain(1);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].action, Action::kAdd);
  EXPECT_EQ(all[0].order_id, 11u);
  EXPECT_EQ(all[0].instrument, 5u);
  EXPECT_EQ(all[0].price, 1500000);
  EXPECT_EQ(all[0].recv_ns, 777u);
  EXPECT_EQ(all[0].seq, 1u);
  EXPECT_EQ(all[1].order_id, 12u);
  ASSERT_EQ(aapl.size(), 1u);
  EXPECT_EQ(aapl[0].order_id, 11u);
  const auto& fc = pipeline_->feed(0).handler->counters();
  EXPECT_EQ(fc.line[0].packets, 1u);
  EXPECT_EQ(fc.line[0].messages, 2u);
  EXPECT_EQ(pipeline_->feed(0).handler->sink().ticks().filtered(1), 1u);
}

TEST_F(PipelineTest, LineBCopyOfTheSameSequenceIsCountedAsDuplicateNotPublished) {
  const Bytes p = packet(1, {test::itch_add(5, 100, 11, 'B', 100, "AAPL", 1500000)});
  feed(test::udp_frame(kSrc, kGroupA, 5000, kPort, p));
  feed(test::udp_frame(kSrc, kGroupB, 5000, kPort, p));
  const Bytes next = packet(2, {test::itch_delete(5, 102, 11)});
  feed(test::udp_frame(kSrc, kGroupB, 5000, kPort, next));  // B first this time
  feed(test::udp_frame(kSrc, kGroupA, 5000, kPort, next));
  const auto all = drain(0);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].action, Action::kDelete);
  EXPECT_EQ(all[1].seq, 2u);
  const auto& fc = pipeline_->feed(0).handler->counters();
  EXPECT_EQ(fc.line[1].duplicates, 1u);
  EXPECT_EQ(fc.line[0].duplicates, 1u);
  EXPECT_EQ(fc.line[1].packets, 2u);
  EXPECT_EQ(drain(1).size(), 2u);  // the delete of AAPL's locate passes the AAPL filter
}

TEST_F(PipelineTest, FramesForNoLineAreUnroutedAndBadFramesRejectedByReason) {
  const Bytes p = packet(1, {test::itch_add(5, 100, 11, 'B', 100, "AAPL", 1500000)});
  feed(test::udp_frame(kSrc, 0xE9360C09, 5000, kPort, p));   // other group
  feed(test::udp_frame(kSrc, kGroupA, 5000, kPort + 1, p));  // other UDP port
  feed(test::udp_frame(kSrc, kGroupA, 5000, kPort, p), 1);   // other rx port
  Bytes truncated = test::udp_frame(kSrc, kGroupA, 5000, kPort, p);
  truncated.resize(20);
  feed(truncated);
  Bytes arp(60, 0);
  arp[12] = 0x08;
  arp[13] = 0x06;
  feed(arp);
  EXPECT_EQ(counters_.unrouted, 3u);
  EXPECT_EQ(counters_.rejected_total, 2u);
  EXPECT_EQ(counters_.rejected[static_cast<std::size_t>(feed::PeelResult::kNotIpv4) - 1], 1u);
  EXPECT_EQ(counters_.rejected[static_cast<std::size_t>(feed::PeelResult::kTruncatedIpv4) - 1], 1u);
  EXPECT_TRUE(drain(0).empty());
}

TEST_F(PipelineTest, VlanAndSourceFiltersOfALineAreHonoured) {
  config_.feeds[0].a.vlan = 100;
  config_.feeds[0].a.source = kSrc;
  build();
  const Bytes p = packet(1, {test::itch_add(5, 100, 11, 'B', 100, "AAPL", 1500000)});
  feed(test::udp_frame(kSrc, kGroupA, 5000, kPort, p));           // untagged: no match
  feed(test::udp_frame(kSrc, kGroupA, 5000, kPort, p, 200));      // wrong vlan
  feed(test::udp_frame(kSrc + 1, kGroupA, 5000, kPort, p, 100));  // wrong source
  EXPECT_EQ(counters_.unrouted, 3u);
  feed(test::udp_frame(kSrc, kGroupA, 5000, kPort, p, 100));
  EXPECT_EQ(drain(0).size(), 1u);
}

TEST_F(PipelineTest, SequenceJumpPublishesAGapRecordBeforeTheNewMessagesWhenTheWindowEnds) {
  feed(test::udp_frame(kSrc, kGroupA, 5000, kPort,
                       packet(1, {test::itch_add(5, 100, 11, 'B', 100, "AAPL", 1)})));
  feed(test::udp_frame(kSrc, kGroupA, 5000, kPort, packet(5, {test::itch_delete(5, 101, 11)})));
  EXPECT_EQ(pipeline_->feed(0).handler->counters().gaps, 0u);  // 5 waits in the window for 2..4
  EXPECT_EQ(pipeline_->feed(0).handler->counters().held_now, 1u);
  pipeline_->on_timer(777 + 1'000'000'000);  // the loop's clock, long after: the window ends
  const auto all = drain(0);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].action, Action::kGap);
  EXPECT_EQ(all[1].seq, 2u);
  EXPECT_EQ(all[1].aux, 3u);
  EXPECT_EQ(all[2].action, Action::kDelete);
  EXPECT_EQ(drain(1).size(), 3u);  // gap records (instrument 0) pass every filter
}

TEST(RejectReasons, NamesFollowPeelResultsThenMultiSegmentThenUdpChecksum) {
  const auto names = reject_reason_names();
  ASSERT_EQ(names.size(), kRejectReasonCount);
  EXPECT_EQ(names[0], "truncated_ethernet");
  EXPECT_EQ(names[static_cast<std::size_t>(feed::PeelResult::kFragment) - 1], "fragment");
  EXPECT_EQ(names[kRejectBadIpv4Checksum], "bad_checksum");
  EXPECT_EQ(names[kRejectMultiSegment], "multi_segment");
  EXPECT_EQ(names.back(), "bad_udp_checksum");
}

TEST(LineStatsIndices, FeedsInOrderAThenBWhenPresent) {
  config::Config c = test::minimal_config();
  config::Feed f2 = c.feeds[0];
  f2.name = "x";
  f2.b.reset();
  c.feeds.push_back(f2);
  c.feeds.push_back(c.feeds[0]);
  const auto idx = line_stats_indices(c);
  ASSERT_EQ(idx.size(), 3u);
  EXPECT_EQ(idx[0], (std::array<int, 2>{0, 1}));
  EXPECT_EQ(idx[1], (std::array<int, 2>{2, -1}));
  EXPECT_EQ(idx[2], (std::array<int, 2>{3, 4}));
}

}  // namespace
}  // namespace ichannel::daemon
