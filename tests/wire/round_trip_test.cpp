// tests/wire/round_trip_test.cpp: generate -> MoldUDP64 -> pcap -> libpcap read -> app/feed peel +
// FeedHandler. Every message is decoded once, the ticks are exactly the generator's expected
// ticks, and injected loss and duplication show up as gaps and duplicates with the exact counts.
#include <gtest/gtest.h>

#include <set>

#include "tests/support/sim_test_util.hpp"
#include "tools/sim/session.hpp"
#include "tools/tap/tick_digest.hpp"

namespace ichannel::sim {
namespace {

using test::decode_capture;
using test::TempFile;

const std::uint32_t kGroupA = 0xEF010101;  // 239.1.1.1
const std::uint32_t kGroupB = 0xEF010102;  // 239.1.1.2
constexpr std::uint16_t kPort = 30001;

LineSpec line(const char* name, std::uint32_t group, LineFaults faults = {},
              std::uint64_t delay = 0) {
  LineSpec l;
  l.name = name;
  l.address.group = group;
  l.address.port = kPort;
  l.faults = faults;
  l.delay_ns = delay;
  return l;
}

struct RoundTrip {
  Session session;
  std::vector<Tick> expected;
  std::vector<LineResult> lines;
  test::Decoded decoded;
};

RoundTrip round_trip(std::uint64_t messages, std::vector<LineSpec> lines, std::uint64_t seed = 5,
                     std::optional<std::uint16_t> vlan = std::nullopt) {
  GeneratorConfig g;
  g.messages = messages;
  g.symbols = 40;
  g.seed = seed;
  PackOptions p;
  p.end_session = true;
  RoundTrip r;
  r.session = pack_generated(g, p, &r.expected);
  TempFile pcap("roundtrip");
  CaptureOptions c;
  for (auto& l : lines) l.address.vlan = vlan;
  c.lines = lines;
  c.out = pcap.str();
  c.seed = seed;
  r.lines = write_capture(r.session, c);
  r.decoded = decode_capture(pcap.str(), kGroupA, kPort, kGroupB, kPort);
  return r;
}

bool same_tick(const Tick& a, const Tick& b) {
  return a.exch_ns == b.exch_ns && a.seq == b.seq && a.order_id == b.order_id && a.aux == b.aux &&
         a.price == b.price && a.qty == b.qty && a.instrument == b.instrument &&
         a.action == b.action && a.side == b.side;
}

std::string describe(const Tick& t) {
  return "{seq " + std::to_string(t.seq) + " " + std::string(tools::action_name(t.action)) + " instr " +
         std::to_string(t.instrument) + " order " + std::to_string(t.order_id) + " aux " +
         std::to_string(t.aux) + " qty " + std::to_string(t.qty) + " price " +
         std::to_string(t.price) + " side " + std::to_string(static_cast<int>(t.side)) + " ts " +
         std::to_string(t.exch_ns) + "}";
}

// Ticks other than gap and end-of-session records, in order.
std::vector<Tick> message_ticks(const std::vector<Tick>& ticks) {
  std::vector<Tick> out;
  for (const Tick& t : ticks)
    if (t.action != Action::kGap &&
        !(t.action == Action::kStatus && t.exch_ns == 0 && t.aux == 'M'))
      out.push_back(t);
  return out;
}

void expect_ticks_equal(const std::vector<Tick>& got, const std::vector<Tick>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    ASSERT_TRUE(same_tick(got[i], want[i]))
        << "tick " << i << ": got " << describe(got[i]) << " want " << describe(want[i]);
}

// Gaps a receiver must see when `lost` packets never arrive on any line: one per run of
// consecutive lost packets that some later packet reveals.
std::pair<std::uint64_t, std::uint64_t> expected_gaps(const Session& s,
                                                      const std::set<std::size_t>& lost) {
  std::uint64_t gaps = 0, messages = 0, run_messages = 0;
  bool in_run = false;
  for (std::size_t i = 0; i < s.packets.size(); ++i) {
    if (lost.contains(i)) {
      in_run = true;
      run_messages += s.packets[i].messages();
    } else if (in_run) {
      ++gaps;
      messages += run_messages;
      run_messages = 0;
      in_run = false;
    }
  }
  return {gaps, messages};
}

TEST(SimRoundTrip, EveryGeneratedMessageDecodesOnceIntoTheExpectedTick) {
  RoundTrip r = round_trip(30'000, {line("a", kGroupA)});
  const feed::FeedCounters& c = r.decoded.handler->counters();
  EXPECT_EQ(r.decoded.rejected, 0u);
  EXPECT_EQ(r.decoded.frames, r.session.packets.size());
  EXPECT_EQ(c.line[0].messages, r.session.summary.messages);
  EXPECT_EQ(c.line[0].duplicates + c.line[0].malformed + c.line[0].unknown_type +
                c.line[0].bad_length + c.gaps,
            0u);
  EXPECT_EQ(c.line[0].end_of_session, 1u);
  EXPECT_EQ(c.by_type, r.session.summary.by_type);
  EXPECT_EQ(c.dropped_types, 0u);
  // One tick per message plus the end-of-session status record.
  EXPECT_EQ(c.ticks, r.session.summary.generator->ticks() + 1);
  ASSERT_FALSE(r.decoded.ticks.empty());
  EXPECT_EQ(r.decoded.ticks.back().action, Action::kStatus);
  EXPECT_EQ(r.decoded.ticks.back().seq, r.session.summary.next_sequence);
  expect_ticks_equal(message_ticks(r.decoded.ticks), r.expected);
}

TEST(SimRoundTrip, VlanTaggedCaptureDecodesTheSame) {
  RoundTrip r = round_trip(3'000, {line("a", kGroupA)}, 6, 100);
  EXPECT_EQ(r.decoded.rejected, 0u);
  expect_ticks_equal(message_ticks(r.decoded.ticks), r.expected);
}

TEST(SimRoundTrip, InjectedLossShowsUpAsGapsWithTheExactCounts) {
  RoundTrip r = round_trip(40'000, {line("a", kGroupA, {0.03, 0, 0})});
  const LineStats& s = r.lines[0].stats;
  ASSERT_GT(s.dropped_packets, 5u);
  const std::set<std::size_t> lost(s.dropped.begin(), s.dropped.end());
  const auto [gaps, gap_messages] = expected_gaps(r.session, lost);
  const feed::FeedCounters& c = r.decoded.handler->counters();
  EXPECT_EQ(c.gaps, gaps);
  EXPECT_EQ(c.gap_messages, gap_messages);
  EXPECT_EQ(c.line[0].gap_messages, gap_messages);
  EXPECT_EQ(c.line[0].messages, r.session.summary.messages - s.dropped_messages);
  std::uint64_t gap_ticks = 0;
  for (const Tick& t : r.decoded.ticks) gap_ticks += t.action == Action::kGap;
  EXPECT_EQ(gap_ticks, gaps);

  // The surviving ticks are the expected ones minus those of the lost packets.
  std::set<std::uint64_t> lost_seq;
  for (std::size_t i : lost)
    for (std::uint64_t k = 0; k < r.session.packets[i].messages(); ++k)
      lost_seq.insert(r.session.packets[i].sequence + k);
  std::vector<Tick> want;
  for (const Tick& t : r.expected)
    if (!lost_seq.contains(t.seq)) want.push_back(t);
  expect_ticks_equal(message_ticks(r.decoded.ticks), want);
}

TEST(SimRoundTrip, InjectedDuplicatesAreCountedAsDuplicatesNotTicks) {
  RoundTrip r = round_trip(20'000, {line("a", kGroupA, {0, 0.05, 0})});
  const LineResult& a = r.lines[0];
  ASSERT_GT(a.stats.duplicated_packets, 5u);
  std::uint64_t dup_messages = 0;
  for (std::size_t i = 1; i < a.emissions.size(); ++i)
    if (a.emissions[i].packet == a.emissions[i - 1].packet)
      dup_messages += r.session.packets[a.emissions[i].packet].messages();
  const feed::FeedCounters& c = r.decoded.handler->counters();
  EXPECT_EQ(c.line[0].duplicates, dup_messages);
  EXPECT_EQ(c.line[0].end_of_session,
            1u + (a.emissions.back().packet == a.emissions[a.emissions.size() - 2].packet));
  EXPECT_EQ(c.gaps, 0u);
  expect_ticks_equal(message_ticks(r.decoded.ticks), r.expected);
}

TEST(SimRoundTrip, BLineFillsWhatALostAndOnlyJointLossIsAFeedGap) {
  RoundTrip r = round_trip(
      40'000, {line("a", kGroupA, {0.05, 0, 0}), line("b", kGroupB, {0.05, 0, 0}, 2000)}, 8);
  const LineStats& a = r.lines[0].stats;
  const LineStats& b = r.lines[1].stats;
  std::set<std::size_t> lost_a(a.dropped.begin(), a.dropped.end());
  std::set<std::size_t> lost_b(b.dropped.begin(), b.dropped.end());
  std::set<std::size_t> both;
  for (std::size_t i : lost_a)
    if (lost_b.contains(i)) both.insert(i);
  const feed::FeedCounters& c = r.decoded.handler->counters();
  EXPECT_EQ(c.line[0].gap_messages, expected_gaps(r.session, lost_a).second);
  EXPECT_EQ(c.line[1].gap_messages, expected_gaps(r.session, lost_b).second);
  const auto [gaps, gap_messages] = expected_gaps(r.session, both);
  EXPECT_EQ(c.gaps, gaps);
  EXPECT_EQ(c.gap_messages, gap_messages);
  EXPECT_EQ(c.line[0].messages + c.line[1].messages + gap_messages, r.session.summary.messages);
}

TEST(SimRoundTrip, CaptureLoadsBackAsTheSamePacketsForALiveResend) {
  GeneratorConfig g;
  g.messages = 2000;
  g.symbols = 5;
  const Session s = pack_generated(g, PackOptions{});
  TempFile pcap("reload");
  CaptureOptions c;
  c.lines = {line("a", kGroupA), line("b", kGroupB, {}, 2000)};
  c.lines[1].address.port = kPort + 1;
  c.out = pcap.str();
  write_capture(s, c);
  const Session back = load_pcap_session(pcap.str(), kPort + 1);  // the B line only
  ASSERT_EQ(back.packets.size(), s.packets.size());
  for (std::size_t i = 0; i < s.packets.size(); ++i) {
    EXPECT_EQ(back.packets[i].payload, s.packets[i].payload);
    EXPECT_EQ(back.packets[i].sequence, s.packets[i].sequence);
    EXPECT_EQ(back.packets[i].count, s.packets[i].count);
    EXPECT_EQ(back.packets[i].time_ns, s.packets[i].time_ns - s.packets[0].time_ns);
  }
  EXPECT_EQ(back.summary.messages, s.summary.messages);
  EXPECT_EQ(load_pcap_session(pcap.str(), 0).packets.size(), 2 * s.packets.size());
}

}  // namespace
}  // namespace ichannel::sim
