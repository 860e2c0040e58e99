// The per-feed pipeline: A/B arbitration with the reorder window, gaps, duplicates, sessions,
// malformed input, fan-out.
#include "feed/itch_feed.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "feed/fanout.hpp"
#include "wire/itch50_encode.hpp"
#include "wire/moldudp64_encode.hpp"

namespace ichannel::feed {
namespace {

// The messages and packets these tests send, built by app/wire's encoders.
namespace test {
namespace enc = ::ichannel::wire::itch;
using Bytes = std::vector<std::uint8_t>;
constexpr std::string_view kSession = "0000000001";
Bytes add_order(std::uint16_t locate, std::uint64_t ts, std::uint64_t ref, char side,
                std::uint32_t shares, std::string_view stock, std::uint32_t price) {
  return enc::encode(enc::AddOrder{{locate, 0, ts}, ref, side, shares, stock, price});
}
Bytes order_delete(std::uint16_t locate, std::uint64_t ts, std::uint64_t ref) {
  return enc::encode(enc::OrderDelete{{locate, 0, ts}, ref});
}
Bytes system_event(std::uint64_t ts, char code) {
  return enc::encode(enc::SystemEvent{{0, 0, ts}, code});
}
Bytes stock_directory(std::uint16_t locate, std::string_view stock) {
  enc::StockDirectory r;
  r.header = {locate, 0, 1};
  r.stock = stock;
  r.ipo_flag = ' ';
  return enc::encode(r);
}
Bytes mold_packet(std::uint64_t seq, const std::vector<Bytes>& msgs,
                  std::string_view session = kSession) {
  return ::ichannel::wire::mold_packet(session, seq, msgs);
}
Bytes mold_heartbeat(std::uint64_t next) {
  return ::ichannel::wire::mold_heartbeat(kSession, next);
}
Bytes mold_end(std::uint64_t next, std::string_view session = kSession) {
  return ::ichannel::wire::mold_end_of_session(session, next);
}
}  // namespace test

using test::Bytes;

struct VectorSink {
  std::vector<Tick>* out;
  void operator()(const Tick& t) noexcept { out->push_back(t); }
};
using Handler = ItchFeed<VectorSink>;

class FeedHandlerTest : public ::testing::Test {
 protected:
  std::vector<Tick> ticks;
  std::unique_ptr<Handler> h = std::make_unique<Handler>(VectorSink{&ticks});

  void feed(int line, const Bytes& p, std::uint64_t recv = 1000) { h->on_datagram(line, p, recv); }
  // Lets the reorder window (2 ms by default) run out on the loop's clock.
  void window_passes(std::uint64_t now = 1000 + 3'000'000) { h->on_timer(now); }
  // Sequence numbers of the non-gap ticks published so far.
  std::vector<std::uint64_t> seqs() const {
    std::vector<std::uint64_t> s;
    for (const Tick& t : ticks) {
      if (t.action != Action::kGap) s.push_back(t.seq);
    }
    return s;
  }
};

std::uint64_t load_first(const Bytes& p) {
  std::uint64_t v = 0;
  for (int i = 10; i < 18; ++i) v = (v << 8) | p[i];
  return v;
}

// n deletes with order ids = sequence numbers, so each tick names the message it came from.
std::vector<Bytes> deletes(std::uint64_t first, std::uint64_t n) {
  std::vector<Bytes> v;
  for (std::uint64_t i = 0; i < n; ++i)
    v.push_back(test::order_delete(1, 100 + first + i, first + i));
  return v;
}

TEST_F(FeedHandlerTest, PublishesOneTickPerMessageStampedWithSeqAndRecvTime) {
  feed(0,
       test::mold_packet(
           1, {test::system_event(5, 'O'), test::add_order(7, 6, 11, 'B', 100, "AAPL", 1500000),
               test::order_delete(7, 7, 11)}),
       424242);
  ASSERT_EQ(ticks.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(ticks[i].seq, i + 1);
    EXPECT_EQ(ticks[i].recv_ns, 424242u);
  }
  EXPECT_EQ(ticks[0].action, Action::kStatus);
  EXPECT_EQ(ticks[1].action, Action::kAdd);
  EXPECT_EQ(ticks[2].action, Action::kDelete);
  EXPECT_EQ(ticks[2].exch_ns, 7u);
  EXPECT_EQ(h->symbols().symbol(7), "AAPL");
  const auto& c = h->counters();
  EXPECT_EQ(c.ticks, 3u);
  EXPECT_EQ(c.line[0].packets, 1u);
  EXPECT_EQ(c.line[0].messages, 3u);
  EXPECT_EQ(c.by_type['A'], 1u);
  EXPECT_EQ(c.by_type['S'], 1u);
  EXPECT_EQ(h->expected_sequence(), 4u);
}

TEST_F(FeedHandlerTest, IdenticalBLineIsCountedAsDuplicates) {
  for (std::uint64_t s = 1; s <= 30; s += 3) {
    feed(0, test::mold_packet(s, deletes(s, 3)));
    feed(1, test::mold_packet(s, deletes(s, 3)));
  }
  EXPECT_EQ(ticks.size(), 30u);
  EXPECT_EQ(h->counters().line[1].duplicates, 30u);
  EXPECT_EQ(h->counters().line[0].duplicates, 0u);
  EXPECT_EQ(h->counters().gaps, 0u);
}

TEST_F(FeedHandlerTest, FirstCopyWinsWhicheverLineBringsIt) {
  feed(1, test::mold_packet(1, deletes(1, 2)));  // B first
  feed(0, test::mold_packet(1, deletes(1, 2)));
  feed(0, test::mold_packet(3, deletes(3, 2)));  // A first
  feed(1, test::mold_packet(3, deletes(3, 2)));
  EXPECT_EQ(seqs(), (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(h->counters().line[0].messages, 2u);
  EXPECT_EQ(h->counters().line[1].messages, 2u);
  EXPECT_EQ(h->counters().line[0].duplicates, 2u);
  EXPECT_EQ(h->counters().line[1].duplicates, 2u);
}

TEST_F(FeedHandlerTest, PartiallyOverlappingPacketPublishesOnlyTheNewMessages) {
  feed(0, test::mold_packet(1, deletes(1, 4)));
  feed(1, test::mold_packet(3, deletes(3, 4)));  // 3,4 seen; 5,6 new
  EXPECT_EQ(seqs(), (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(ticks.back().order_id, 6u);
  EXPECT_EQ(h->counters().line[1].duplicates, 2u);
  EXPECT_EQ(h->counters().line[1].messages, 2u);
}

TEST_F(FeedHandlerTest, LossOnOneLineCoveredByTheOtherIsNoFeedGap) {
  feed(0, test::mold_packet(1, deletes(1, 2)));
  feed(1, test::mold_packet(1, deletes(1, 2)));
  feed(1, test::mold_packet(3, deletes(3, 2)));  // A lost this one
  feed(0, test::mold_packet(5, deletes(5, 2)));
  feed(1, test::mold_packet(5, deletes(5, 2)));
  EXPECT_EQ(seqs(), (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(h->counters().gaps, 0u);
  EXPECT_EQ(h->counters().line[0].gaps, 1u);  // line A's own loss is still visible
  EXPECT_EQ(h->counters().line[0].gap_messages, 2u);
  EXPECT_EQ(h->counters().line[0].next_seq, 7u);
}

TEST_F(FeedHandlerTest, AheadPacketWaitsInTheReorderWindowThenTheGapIsPublishedOnceBeforeIt) {
  feed(0, test::mold_packet(1, deletes(1, 2)));
  feed(0, test::mold_packet(8, deletes(8, 2)));
  EXPECT_EQ(seqs(), (std::vector<std::uint64_t>{1, 2}));  // 8, 9 wait for 3..7
  window_passes();
  ASSERT_EQ(ticks.size(), 5u);
  const Tick& g = ticks[2];
  EXPECT_EQ(g.action, Action::kGap);
  EXPECT_EQ(g.seq, 3u);
  EXPECT_EQ(g.aux, 5u);
  EXPECT_EQ(g.instrument, 0);
  EXPECT_EQ(ticks[3].seq, 8u);
  EXPECT_EQ(ticks[3].recv_ns, 1000u);  // the held copy keeps its own receive time
  EXPECT_EQ(h->counters().gaps, 1u);
  EXPECT_EQ(h->counters().gap_messages, 5u);
  // The B copy arriving after the gap was declared is late: counted, not published.
  feed(1, test::mold_packet(3, deletes(3, 5)));
  EXPECT_EQ(ticks.size(), 5u);
  EXPECT_EQ(h->counters().line[1].late_copies, 5u);
}

// Issue 9's first case: A loses 3, B's copy of 3 arrives just after A's 4.
TEST_F(FeedHandlerTest, CopyFromTheSlowerLineInsideTheWindowFillsTheHoleWithoutAGap) {
  feed(0, test::mold_packet(1, deletes(1, 2)));
  feed(0, test::mold_packet(4, deletes(4, 1)));
  feed(1, test::mold_packet(1, deletes(1, 2)), 2000);
  feed(1, test::mold_packet(3, deletes(3, 1)), 3000);
  EXPECT_EQ(seqs(), (std::vector<std::uint64_t>{1, 2, 3, 4}));
  window_passes();
  EXPECT_EQ(h->counters().gaps, 0u);
  EXPECT_EQ(h->counters().line[0].held, 1u);
  EXPECT_EQ(ticks[3].recv_ns, 1000u);  // 4 was received at 1000, released at 3000
}

TEST_F(FeedHandlerTest, ReorderInsideOneLineIsNoGap) {
  feed(0, test::mold_packet(1, deletes(1, 2)));
  feed(0, test::mold_packet(4, deletes(4, 1)));
  feed(0, test::mold_packet(3, deletes(3, 1)));
  window_passes();
  EXPECT_EQ(seqs(), (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(h->counters().gaps, 0u);
}

// A 1-10, A 21-30, then B 1-30 late (inside the window): all 30, once each.
TEST_F(FeedHandlerTest, OverlappingLateBlockFromTheOtherLineFillsTheMiddle) {
  feed(0, test::mold_packet(1, deletes(1, 10)));
  feed(0, test::mold_packet(21, deletes(21, 10)));
  feed(1, test::mold_packet(1, deletes(1, 30)), 5000);
  window_passes();
  std::vector<std::uint64_t> want;
  for (std::uint64_t i = 1; i <= 30; ++i) want.push_back(i);
  EXPECT_EQ(seqs(), want);
  EXPECT_EQ(h->counters().gaps, 0u);
}

TEST_F(FeedHandlerTest, JoiningMidSessionReportsTheMissedPrefixAsAGap) {
  feed(0, test::mold_packet(1000, deletes(1000, 1)));
  window_passes();
  ASSERT_EQ(ticks.size(), 2u);
  EXPECT_EQ(ticks[0].action, Action::kGap);
  EXPECT_EQ(ticks[0].seq, 1u);
  EXPECT_EQ(ticks[0].aux, 999u);
}

TEST_F(FeedHandlerTest, HeartbeatsAreCountedAndRevealALostTail) {
  feed(0, test::mold_packet(1, deletes(1, 3)));
  feed(0, test::mold_heartbeat(4));
  EXPECT_EQ(ticks.size(), 3u);
  feed(1, test::mold_heartbeat(4));
  feed(0, test::mold_heartbeat(6));  // messages 4 and 5 never arrived
  EXPECT_EQ(ticks.size(), 3u);        // the reorder window first
  window_passes();
  ASSERT_EQ(ticks.size(), 4u);
  EXPECT_EQ(ticks[3].action, Action::kGap);
  EXPECT_EQ(ticks[3].seq, 4u);
  EXPECT_EQ(ticks[3].aux, 2u);
  EXPECT_EQ(h->counters().line[0].heartbeats, 2u);
  EXPECT_EQ(h->counters().line[1].heartbeats, 1u);
  EXPECT_EQ(h->expected_sequence(), 6u);
}

TEST_F(FeedHandlerTest, EndOfSessionIsPublishedOncePerSessionAndCountedPerLine) {
  feed(0, test::mold_packet(1, deletes(1, 1)));
  feed(0, test::mold_end(2));
  feed(1, test::mold_end(2));
  feed(0, test::mold_end(2));
  ASSERT_EQ(ticks.size(), 2u);
  EXPECT_EQ(ticks[1].action, Action::kStatus);
  EXPECT_EQ(static_cast<char>(ticks[1].side), 'E');
  EXPECT_EQ(ticks[1].aux, kStatusEndOfSession);
  EXPECT_EQ(ticks[1].seq, 2u);
  EXPECT_EQ(h->counters().line[0].end_of_session, 2u);
  EXPECT_EQ(h->counters().line[1].end_of_session, 1u);
}

TEST_F(FeedHandlerTest, NewSessionRestartsSequencingAndStalePacketsAreDropped) {
  feed(0, test::mold_packet(1, deletes(1, 5), "DAY1000001"));
  feed(0, test::mold_end(6, "DAY1000001"));
  feed(0, test::mold_packet(1, deletes(1, 2), "DAY2000001"));
  feed(1, test::mold_packet(4, deletes(4, 2), "DAY1000001"));  // slow B, old session
  feed(1, test::mold_packet(1, deletes(1, 3), "DAY2000001"));
  EXPECT_EQ(h->counters().session_changes, 1u);
  EXPECT_EQ(h->counters().line[1].stale_session, 1u);
  EXPECT_EQ(h->counters().gaps, 0u);
  EXPECT_EQ(std::string(h->session().begin(), h->session().end()), "DAY2000001");
  // 6 is the end of session (seq = next), 0 the new session's announcement.
  EXPECT_EQ(seqs(), (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 0, 1, 2, 3}));
  const Tick& start = ticks[6];
  EXPECT_EQ(start.action, Action::kStatus);
  EXPECT_EQ(static_cast<char>(start.side), 'S');
  EXPECT_EQ(start.aux, kStatusSessionStart);
  char name[10];
  std::memcpy(name, &start.order_id, 8);
  const auto tail = static_cast<std::uint16_t>(start.price);
  std::memcpy(name + 8, &tail, 2);
  EXPECT_EQ(std::string(name, 10), "DAY2000001");
  EXPECT_EQ(h->expected_sequence(), 4u);
}

TEST_F(FeedHandlerTest, StrayPacketOfAnotherSessionDoesNotResetALiveSession) {
  feed(0, test::mold_packet(1, deletes(1, 3), "LIVE000001"));
  feed(1, test::mold_packet(900000, deletes(900000, 2), "OTHER00001"));
  feed(0, test::mold_packet(4, deletes(4, 2), "LIVE000001"));
  EXPECT_EQ(seqs(), (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(h->counters().line[1].stale_session, 1u);
  EXPECT_EQ(h->counters().session_changes, 0u);
  EXPECT_EQ(h->counters().gaps, 0u);
}

TEST_F(FeedHandlerTest, UndecodableMessagesPublishARecordForTheirSequence) {
  Bytes unknown = test::order_delete(1, 1, 1);
  unknown[0] = 'z';
  const Bytes delete2 = test::order_delete(1, 1, 2);
  const Bytes shorter(delete2.begin(), delete2.end() - 1);
  feed(0, test::mold_packet(1, {unknown, shorter, Bytes{}, test::order_delete(1, 1, 4)}));
  ASSERT_EQ(ticks.size(), 4u);
  EXPECT_EQ(seqs(), (std::vector<std::uint64_t>{1, 2, 3, 4}));  // nothing silently disappears
  const Tick& u = ticks[0];
  EXPECT_EQ(u.action, Action::kUndecodable);
  EXPECT_EQ(static_cast<char>(u.side), 'z');
  EXPECT_EQ(u.qty, 19u);
  EXPECT_EQ(u.order_id, 0u);  // unknown type: no spec length
  EXPECT_EQ(u.aux, std::uint64_t{'U'});
  EXPECT_EQ(u.instrument, 0);
  EXPECT_EQ(u.exch_ns, 0u);
  const Tick& sh = ticks[1];
  EXPECT_EQ(sh.action, Action::kUndecodable);
  EXPECT_EQ(static_cast<char>(sh.side), 'D');
  EXPECT_EQ(sh.qty, 18u);
  EXPECT_EQ(sh.order_id, 19u);  // spec length of 'D'
  EXPECT_EQ(sh.aux, std::uint64_t{'S'});
  const Tick& e = ticks[2];
  EXPECT_EQ(e.action, Action::kUndecodable);
  EXPECT_EQ(e.side, Side::kNone);
  EXPECT_EQ(e.qty, 0u);
  EXPECT_EQ(e.aux, std::uint64_t{'E'});
  EXPECT_EQ(ticks[3].action, Action::kDelete);
  EXPECT_EQ(h->counters().line[0].unknown_type, 1u);
  EXPECT_EQ(h->counters().line[0].bad_length, 2u);
  EXPECT_EQ(h->counters().line[0].messages, 1u);
  EXPECT_EQ(h->counters().undecodable, 3u);
  EXPECT_EQ(h->counters().ticks, 4u);
  EXPECT_EQ(h->expected_sequence(), 5u);
}

TEST_F(FeedHandlerTest, LongerKnownTypeDecodesItsPrefixAndIsCounted) {
  Bytes longer = test::add_order(7, 6, 11, 'B', 100, "AAPL", 1500000);
  longer.insert(longer.end(), {1, 2, 3});  // a future field
  feed(0, test::mold_packet(1, {longer, test::order_delete(7, 7, 11)}));
  ASSERT_EQ(ticks.size(), 2u);
  EXPECT_EQ(ticks[0].action, Action::kAdd);
  EXPECT_EQ(ticks[0].order_id, 11u);
  EXPECT_EQ(ticks[0].price, 1500000);
  EXPECT_EQ(ticks[0].qty, 100u);
  EXPECT_EQ(h->symbols().symbol(7), "AAPL");
  EXPECT_EQ(h->counters().line[0].long_messages, 1u);
  EXPECT_EQ(h->counters().line[0].messages, 2u);
  EXPECT_EQ(h->counters().line[0].bad_length, 0u);
}

TEST_F(FeedHandlerTest, InformationalTypesArePublished) {
  Bytes noii(50, 0);
  noii[0] = 'I';
  feed(0, test::mold_packet(1, {noii}));
  ASSERT_EQ(ticks.size(), 1u);
  EXPECT_EQ(ticks[0].action, Action::kImbalance);
  EXPECT_EQ(h->counters().dropped_types, 0u);
  EXPECT_EQ(h->counters().by_type['I'], 1u);
}

TEST(ItchFeedFlags, FeedIdAndLastInPacket) {
  std::vector<Tick> ticks;
  auto h = std::make_unique<Handler>(VectorSink{&ticks}, mold::SequencerConfig{}, NoRequests{},
                                     std::uint8_t{31});
  EXPECT_EQ(h->feed_id(), 31u);
  h->on_datagram(0, test::mold_packet(1, deletes(1, 3)), 5);
  h->on_datagram(0, test::mold_packet(4, deletes(4, 1)), 6);
  ASSERT_EQ(ticks.size(), 4u);
  for (const Tick& t : ticks) EXPECT_EQ(t.feed, 31u);
  EXPECT_EQ(ticks[0].flags, 0u);
  EXPECT_EQ(ticks[1].flags, 0u);
  EXPECT_EQ(ticks[2].flags, unsigned{kTickLastInPacket});
  EXPECT_EQ(ticks[3].flags, unsigned{kTickLastInPacket});
  // Partial overlap: the new part's last message carries the flag.
  h->on_datagram(1, test::mold_packet(3, deletes(3, 4)), 7);
  ASSERT_EQ(ticks.size(), 6u);
  EXPECT_EQ(ticks[4].seq, 5u);
  EXPECT_EQ(ticks[4].flags, 0u);
  EXPECT_EQ(ticks[5].flags, unsigned{kTickLastInPacket});
}

TEST_F(FeedHandlerTest, AfterGapFlagRunsFromTheGapToTheNextSession) {
  feed(0, test::mold_packet(1, deletes(1, 2), "DAY1000001"));
  feed(0, test::mold_packet(5, deletes(5, 2), "DAY1000001"));
  window_passes();
  feed(0, test::mold_packet(7, deletes(7, 1), "DAY1000001"), 1000 + 4'000'000);
  feed(0, test::mold_end(8, "DAY1000001"), 1000 + 4'000'001);
  feed(0, test::mold_packet(1, deletes(1, 1), "DAY2000001"), 1000 + 4'000'002);
  ASSERT_EQ(ticks.size(), 9u);  // 1 2 gap(3,2) 5 6 7 end session-start 1
  EXPECT_FALSE(has_flag(ticks[0], kTickAfterGap));
  EXPECT_FALSE(has_flag(ticks[1], kTickAfterGap));
  EXPECT_EQ(ticks[2].action, Action::kGap);
  for (std::size_t i = 2; i < 7; ++i) EXPECT_TRUE(has_flag(ticks[i], kTickAfterGap)) << i;
  EXPECT_EQ(ticks[6].action, Action::kStatus);  // end of session
  EXPECT_FALSE(has_flag(ticks[2], kTickLastInPacket));
  EXPECT_FALSE(has_flag(ticks[6], kTickLastInPacket));
  EXPECT_EQ(ticks[7].aux, kStatusSessionStart);
  EXPECT_FALSE(has_flag(ticks[7], kTickAfterGap));  // the new session starts clean
  EXPECT_EQ(ticks[8].seq, 1u);
  EXPECT_FALSE(has_flag(ticks[8], kTickAfterGap));
  EXPECT_FALSE(h->after_gap());
}

TEST(ItchFeedFlags, RecoveredMessagesCarryTheRecoveredFlag) {
  std::vector<Tick> ticks;
  int requests = 0;
  auto requester = [&](const mold::Session&, std::uint64_t, std::uint16_t) noexcept {
    ++requests;
    return true;
  };
  mold::SequencerConfig cfg;
  cfg.recovery = true;
  auto h = std::make_unique<ItchFeed<VectorSink, decltype(requester)>>(VectorSink{&ticks}, cfg,
                                                                       requester, std::uint8_t{2});
  h->on_datagram(0, test::mold_packet(1, deletes(1, 1)), 1000);
  h->on_datagram(0, test::mold_packet(3, deletes(3, 1)), 1000);
  h->on_timer(1000 + 3'000'000);  // the window ends: re-request 2
  EXPECT_EQ(requests, 1);
  h->on_recovery(test::mold_packet(2, deletes(2, 1)), 1000 + 3'500'000);
  ASSERT_EQ(ticks.size(), 3u);
  EXPECT_EQ(ticks[1].seq, 2u);
  EXPECT_EQ(ticks[1].flags, unsigned{kTickRecovered | kTickLastInPacket});
  EXPECT_EQ(ticks[2].seq, 3u);
  EXPECT_FALSE(has_flag(ticks[2], kTickRecovered));
  EXPECT_FALSE(has_flag(ticks[2], kTickAfterGap));
  for (const Tick& t : ticks) EXPECT_EQ(t.feed, 2u);
  EXPECT_EQ(h->counters().recovered, 1u);
}

TEST_F(FeedHandlerTest, TruncatedPacketKeepsWhatWasReadAndTheOtherLineFillsTheRest) {
  const Bytes full = test::mold_packet(1, deletes(1, 4));
  const Bytes cut(full.begin(), full.end() - 5);  // last block cut
  feed(0, cut);
  EXPECT_EQ(seqs(), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(h->counters().line[0].malformed, 1u);
  EXPECT_EQ(h->expected_sequence(), 4u);
  feed(1, full);
  EXPECT_EQ(seqs(), (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(h->counters().gaps, 0u);
}

TEST_F(FeedHandlerTest, MalformedHeadersAndTrailingBytesAreCounted) {
  feed(0, Bytes(19, 0));
  Bytes trailing = test::mold_packet(1, deletes(1, 1));
  trailing.push_back(0xAB);
  feed(0, trailing);
  Bytes huge_seq = test::mold_packet(0xFFFFFFFFFFFFFFF0ull, deletes(1, 1));
  feed(0, huge_seq);
  EXPECT_EQ(h->counters().line[0].malformed, 3u);
  EXPECT_EQ(seqs(), (std::vector<std::uint64_t>{1}));
  h->on_datagram(2, trailing, 0);  // no such line: ignored
  h->on_datagram(-1, trailing, 0);
  EXPECT_EQ(h->counters().line[0].packets + h->counters().line[1].packets, 3u);
}

TEST_F(FeedHandlerTest, EveryTruncationOfAFramedPacketIsSafe) {
  const Bytes full = test::mold_packet(
      1, {test::stock_directory(3, "AAPL"), test::add_order(3, 9, 1, 'B', 1, "AAPL", 1),
          test::order_delete(3, 9, 1)});
  for (std::size_t n = 0; n <= full.size(); ++n) {
    auto fresh = std::make_unique<Handler>(VectorSink{&ticks});
    ticks.clear();
    const Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    fresh->on_datagram(0, cut, 0);
    const auto& c = fresh->counters().line[0];
    if (n < full.size()) {
      EXPECT_EQ(c.malformed, 1u) << n;
    }
    EXPECT_LE(ticks.size(), 3u);
    for (std::size_t i = 0; i < ticks.size(); ++i) EXPECT_EQ(ticks[i].seq, i + 1);
  }
}

struct VectorSender {
  std::vector<Tick> sent;
  std::uint64_t send(const Tick& t) noexcept {
    sent.push_back(t);
    return sent.size();
  }
};

TEST(ItchFeedFanout, FilteredOutputPassesWantedSymbolsAndDropsUnknownLocates) {
  auto h = std::make_unique<ItchFeed<Fanout<VectorSender>>>();
  VectorSender out;
  const std::vector<std::string> want = {"AAPL"};
  ASSERT_TRUE(h->sink().add_output(out, 0, h->symbols(), want));
  h->on_datagram(0,
                 test::mold_packet(1, {test::order_delete(3, 1, 50),  // locate 3 unknown yet
                                       test::system_event(2, 'Q'),    // feed-wide: passes
                                       test::add_order(3, 3, 51, 'B', 1, "AAPL", 1),
                                       test::add_order(4, 4, 52, 'S', 1, "MSFT", 1),
                                       test::order_delete(3, 5, 51), test::order_delete(4, 6, 52)}),
                 1000);
  std::vector<std::uint64_t> seqs;
  for (const Tick& t : out.sent) seqs.push_back(t.seq);
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{2, 3, 5}));
  const auto& filter = *h->sink().output(0).filter;
  EXPECT_EQ(filter.unknown(), 1u);
  EXPECT_EQ(filter.filtered(), 2u);
  EXPECT_EQ(h->sink().filtered(0), 3u);
  EXPECT_EQ(h->sink().published(0), 3u);
  EXPECT_EQ(h->counters().ticks, 6u);  // every tick reaches the fan-out; the filter is per output
  VectorSender bad;
  EXPECT_THROW((void)h->sink().add_output(bad, 1, h->symbols(), std::vector<std::string>{""}),
               std::invalid_argument);
}

// Property: whatever the two lines do (loss, duplication, reordering), every sequence number
// of the session is published at most once, ticks come out in increasing sequence order, and
// every number not published lies inside exactly one gap record.
TEST_F(FeedHandlerTest, RandomAbLossDuplicationReorderingCoversEverySequenceExactlyOnce) {
  std::mt19937_64 rng(12345);
  constexpr std::uint64_t kMessages = 3000;
  std::vector<Bytes> packets;
  for (std::uint64_t s = 1; s <= kMessages;) {
    const std::uint64_t n = std::min<std::uint64_t>(1 + rng() % 8, kMessages - s + 1);
    packets.push_back(test::mold_packet(s, deletes(s, n)));
    s += n;
  }
  for (int round = 0; round < 20; ++round) {
    ticks.clear();
    h = std::make_unique<Handler>(VectorSink{&ticks});
    std::vector<std::pair<int, const Bytes*>> wire;
    for (int line = 0; line < 2; ++line) {
      std::vector<const Bytes*> l;
      for (const Bytes& p : packets) {
        const auto r = rng() % 100;
        if (r < 10) continue;  // lost
        l.push_back(&p);
        if (r < 15) l.push_back(&p);  // duplicated
      }
      for (std::size_t i = 0; i + 1 < l.size(); ++i) {
        if (rng() % 100 < 5) std::swap(l[i], l[i + 1]);  // reordered
      }
      for (const Bytes* p : l) wire.push_back({line, p});
    }
    // Interleave the two lines randomly while keeping each line's own order.
    std::vector<std::pair<int, const Bytes*>> a, b, merged;
    for (auto& w : wire) (w.first == 0 ? a : b).push_back(w);
    std::size_t ia = 0, ib = 0;
    while (ia < a.size() || ib < b.size()) {
      const bool take_a = ib == b.size() || (ia < a.size() && rng() % 2 == 0);
      merged.push_back(take_a ? a[ia++] : b[ib++]);
    }
    std::uint64_t now = 0;
    for (auto& [line, p] : merged) h->on_datagram(line, *p, now += 1000);
    h->on_timer(now + 1'000'000'000);  // whatever still waits is declared

    std::vector<int> covered(kMessages + 2, 0);
    std::uint64_t last = 0;
    for (const Tick& t : ticks) {
      if (t.action == Action::kGap) {
        ASSERT_GT(t.seq, last);
        for (std::uint64_t s = t.seq; s < t.seq + t.aux; ++s) ++covered[s];
        last = t.seq + t.aux - 1;
      } else {
        ASSERT_GT(t.seq, last);
        EXPECT_EQ(t.order_id, t.seq);
        ++covered[t.seq];
        last = t.seq;
      }
    }
    const std::uint64_t end = std::min<std::uint64_t>(last, kMessages);
    for (std::uint64_t s = 1; s <= end; ++s) ASSERT_EQ(covered[s], 1) << "seq " << s;
    // Nothing either line delivered is lost: a gap covers only messages neither line had.
    std::vector<int> delivered(kMessages + 2, 0);
    for (auto& [line, p] : merged) {
      const std::uint64_t first = load_first(*p), n = (std::uint64_t{(*p)[18]} << 8) | (*p)[19];
      for (std::uint64_t q = first; q < first + n; ++q) delivered[q] = 1;
    }
    for (const Tick& t : ticks) {
      if (t.action != Action::kGap) continue;
      for (std::uint64_t q = t.seq; q < t.seq + t.aux; ++q) ASSERT_EQ(delivered[q], 0) << q;
    }
    EXPECT_EQ(h->counters().ticks, ticks.size());
  }
}

}  // namespace
}  // namespace ichannel::feed
