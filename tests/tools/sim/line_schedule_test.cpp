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

TEST(LineSchedule, DropRangeDropsEveryPacketTouchingItOnBothLines) {
  const auto p = packets(100);  // packet i carries sequences 1 + 3i .. 3 + 3i
  LineSpec a, b;
  a.faults.drop_first = b.faults.drop_first = 11;  // packet 3 (10..12) .. packet 9 (28..30)
  a.faults.drop_count = b.faults.drop_count = 18;  // 11 .. 28
  b.delay_ns = 500;
  LineStats sa, sb;
  const auto ea = schedule_line(p, a, 0, 5, sa);
  const auto eb = schedule_line(p, b, 1, 5, sb);
  const std::vector<std::size_t> want{3, 4, 5, 6, 7, 8, 9};
  EXPECT_EQ(sa.dropped, want);
  EXPECT_EQ(sb.dropped, want);
  for (const LineStats* s : {&sa, &sb}) {
    EXPECT_EQ(s->dropped_packets, 7u);
    EXPECT_EQ(s->range_dropped_packets, 7u);
    EXPECT_EQ(s->range_dropped_messages, 21u);
    EXPECT_EQ(s->dropped_messages, 21u);
  }
  EXPECT_EQ(ea.size(), 93u);
  EXPECT_EQ(eb.size(), 93u);
}

TEST(LineSchedule, DropRangeLeavesTheRandomFaultsOfTheOtherPacketsWhereTheyWere) {
  const auto p = packets(3000);
  LineSpec plain;
  plain.faults = {0.03, 0.03, 0.03};
  LineSpec ranged = plain;
  ranged.faults.drop_first = 3001;  // packets 1000 .. 1332
  ranged.faults.drop_count = 1000;
  LineStats s1, s2;
  const auto e1 = schedule_line(p, plain, 0, 9, s1);
  const auto e2 = schedule_line(p, ranged, 0, 9, s2);
  const auto outside = [](const std::vector<Emission>& e) {
    std::vector<std::size_t> out;
    for (const auto& x : e)
      if (x.packet < 999 || x.packet > 1334) out.push_back(x.packet);
    return out;
  };
  EXPECT_EQ(outside(e1), outside(e2)) << "the same draws outside the range";
  EXPECT_EQ(s2.range_dropped_packets, 334u);  // 1000 (3001..3003) .. 1333 (4000..4002)
  for (const auto& x : e2) EXPECT_FALSE(x.packet >= 1000 && x.packet <= 1333) << x.packet;
}

TEST(LineSchedule, DropRangeNeverTakesControlPackets) {
  std::vector<MoldPacket> p(3);
  p[0].sequence = 1;
  p[0].count = 2;
  p[1].sequence = 3;  // a heartbeat: next expected 3, inside the range
  p[1].count = 0;
  p[2].sequence = 3;
  p[2].count = wire::kMoldEndOfSession;
  LineSpec line;
  line.faults.drop_first = 1;
  line.faults.drop_count = 100;
  LineStats s;
  const auto e = schedule_line(p, line, 0, 1, s);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].packet, 1u);
  EXPECT_EQ(e[1].packet, 2u);
  EXPECT_EQ(s.range_dropped_packets, 1u);
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
