// tests/tools/sim/line_schedule_test.cpp: fault injection per line is exact, counted and
// deterministic; A/B lines interleave by time.
#include "tools/sim/line_schedule.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace ichannel::sim {
namespace {

std::vector<MoldPacket> packets(std::size_t n) {
  std::vector<MoldPacket> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    out[i].sequence = 1 + 3 * i;
    out[i].count = 3;
    out[i].time_ns = 1000 * (i + 1);
  }
  return out;
}

TEST(LineSchedule, WithoutFaultsEveryPacketGoesOutOnceInOrder) {
  const auto p = packets(100);
  LineSpec line;
  LineStats s;
  const auto e = schedule_line(p, line, 0, 1, s);
  ASSERT_EQ(e.size(), 100u);
  for (std::size_t i = 0; i < e.size(); ++i) {
    EXPECT_EQ(e[i].packet, i);
    EXPECT_EQ(e[i].time_ns, p[i].time_ns);
  }
  EXPECT_EQ(s.packets_sent, 100u);
  EXPECT_EQ(s.messages_sent, 300u);
  EXPECT_EQ(s.dropped_packets + s.duplicated_packets + s.reordered_packets, 0u);
}

TEST(LineSchedule, LossDropsExactlyTheCountedPackets) {
  const auto p = packets(5000);
  LineSpec line;
  line.faults.loss = 0.05;
  LineStats s;
  const auto e = schedule_line(p, line, 0, 7, s);
  EXPECT_NEAR(static_cast<double>(s.dropped_packets), 250, 60);
  EXPECT_EQ(s.dropped.size(), s.dropped_packets);
  EXPECT_EQ(s.dropped_messages, 3 * s.dropped_packets);
  EXPECT_EQ(e.size() + s.dropped_packets, 5000u);
  std::set<std::size_t> sent;
  for (const auto& x : e) sent.insert(x.packet);
  for (std::size_t d : s.dropped) EXPECT_FALSE(sent.contains(d));
  EXPECT_EQ(sent.size(), e.size());
}

TEST(LineSchedule, DuplicatesFollowTheirOriginal) {
  const auto p = packets(5000);
  LineSpec line;
  line.faults.dup = 0.02;
  LineStats s;
  const auto e = schedule_line(p, line, 0, 7, s);
  EXPECT_GT(s.duplicated_packets, 50u);
  EXPECT_EQ(e.size(), 5000u + s.duplicated_packets);
  std::uint64_t adjacent_pairs = 0;
  for (std::size_t i = 1; i < e.size(); ++i) adjacent_pairs += e[i].packet == e[i - 1].packet;
  EXPECT_EQ(adjacent_pairs, s.duplicated_packets);
}

TEST(LineSchedule, ReorderSwapsAPacketWithItsSuccessorAndKeepsTimeMonotonic) {
  const auto p = packets(5000);
  LineSpec line;
  line.faults.reorder = 0.02;
  LineStats s;
  const auto e = schedule_line(p, line, 0, 7, s);
  EXPECT_GT(s.reordered_packets, 50u);
  ASSERT_EQ(e.size(), 5000u);
  std::uint64_t inversions = 0;
  for (std::size_t i = 1; i < e.size(); ++i) {
    inversions += e[i].packet < e[i - 1].packet;
    EXPECT_GE(e[i].time_ns, e[i - 1].time_ns);
  }
  EXPECT_EQ(inversions, s.reordered_packets);
  std::vector<std::size_t> order;
  for (const auto& x : e) order.push_back(x.packet);
  std::sort(order.begin(), order.end());
  for (std::size_t i = 0; i < order.size(); ++i) ASSERT_EQ(order[i], i);
}

TEST(LineSchedule, SameSeedSameScheduleLinesDrawIndependently) {
  const auto p = packets(2000);
  LineSpec line;
  line.faults = {0.03, 0.03, 0.03};
  LineStats s1, s2, s3;
  const auto a = schedule_line(p, line, 0, 11, s1);
  const auto b = schedule_line(p, line, 0, 11, s2);
  const auto c = schedule_line(p, line, 1, 11, s3);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].packet, b[i].packet);
  EXPECT_EQ(s1.dropped, s2.dropped);
  EXPECT_NE(s1.dropped, s3.dropped);
}

TEST(LineSchedule, BLineRunsLaterAndMergesAfterA) {
  const auto p = packets(10);
  LineSpec a, b;
  b.delay_ns = 500;
  LineStats sa, sb;
  const auto ea = schedule_line(p, a, 0, 1, sa);
  const auto eb = schedule_line(p, b, 1, 1, sb);
  const auto m = merge_lines({ea, eb});
  ASSERT_EQ(m.size(), 20u);
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(m[2 * i].line, 0u);
    EXPECT_EQ(m[2 * i + 1].line, 1u);
    EXPECT_EQ(m[2 * i].packet, i);
    EXPECT_EQ(m[2 * i + 1].time_ns, m[2 * i].time_ns + 500);
  }
}

}  // namespace
}  // namespace ichannel::sim
