// mold::Sequencer: A/B arbitration with a reorder window, re-request recovery, session and
// sequence hardening. Table-driven cases (issue 9's list), targeted tests, and a property test
// over random interleavings of two lossy copies of a session.
#include "feed/moldudp64_sequencer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <set>

#include "tests/feed/sequencer_support.hpp"

namespace ichannel::feed {
namespace {

using mold::Source;
using test::Bytes;
using test::range;
using test::seq_packet;
using test::SeqLog;
using test::TestSequencer;

constexpr std::uint64_t kUs = 1'000;
constexpr std::uint64_t kMs = 1'000'000;
constexpr std::string_view kOther = "0000000002";

struct Step {
  bool timer = false;
  Source source = Source::kA;
  Bytes packet;
  std::uint64_t t = 0;
};

Step A(std::uint64_t first, std::uint64_t n, std::uint64_t t,
       std::string_view session = test::kSession) {
  return {false, Source::kA, seq_packet(first, n, session), t};
}
Step B(std::uint64_t first, std::uint64_t n, std::uint64_t t,
       std::string_view session = test::kSession) {
  return {false, Source::kB, seq_packet(first, n, session), t};
}
Step R(std::uint64_t first, std::uint64_t n, std::uint64_t t) {
  return {false, Source::kRecovery, seq_packet(first, n), t};
}
Step Raw(Source s, Bytes p, std::uint64_t t) {
  return {false, s, std::move(p), t};
}
Step Timer(std::uint64_t t) {
  return {true, Source::kA, {}, t};
}

Bytes truncated(Bytes p, std::size_t drop) {
  p.resize(p.size() - drop);
  return p;
}

struct Case {
  std::string name;
  std::vector<Step> steps;
  std::vector<std::uint64_t> delivered;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> gaps;
  std::function<void(mold::SequencerConfig&)> configure = [](mold::SequencerConfig&) {};
  std::function<void(const TestSequencer&, const SeqLog&)> check = [](const TestSequencer&,
                                                                      const SeqLog&) {};
};

void run(TestSequencer& s, const std::vector<Step>& steps) {
  for (const Step& st : steps) {
    if (st.timer) {
      s.on_timer(st.t);
    } else {
      s.on_packet(st.source, st.packet, st.t);
    }
  }
}

std::vector<Case> cases() {
  std::vector<Case> v;
  v.push_back({"SkewedCopyOfALostPacketArrivingAfterTheNextOneFillsTheHole",
               {A(1, 1, 0), B(1, 1, 1), A(2, 1, 10), B(2, 1, 11), A(4, 1, 30), B(3, 1, 31),
                B(4, 1, 40), A(5, 1, 50), B(5, 1, 51), Timer(10 * kMs)},
               range(1, 5),
               {},
               {},
               [](const TestSequencer& s, const SeqLog&) {
                 const auto& c = s.counters();
                 EXPECT_EQ(c.gaps, 0u);
                 EXPECT_EQ(c.holes, 1u);
                 EXPECT_EQ(c.line[0].held, 1u);
                 EXPECT_EQ(c.line[0].released, 1u);
                 EXPECT_EQ(c.line[1].messages, 1u);  // B's copy of 3
                 EXPECT_EQ(c.line[0].loss_events, 1u);
                 EXPECT_EQ(c.line[0].loss_messages, 1u);
                 EXPECT_EQ(c.line[1].loss_events, 0u);
               }});
  {
    // A loses 11-20; B is complete and three packets behind.
    Case c{"OutageOnOneLineIsCoveredByALaggingCompleteLine", {}, range(1, 30), {}};
    std::uint64_t t = 0;
    for (std::uint64_t s = 1; s <= 33; ++s) {
      if (s <= 30 && (s < 11 || s > 20)) c.steps.push_back(A(s, 1, t += kUs));
      if (s > 3) c.steps.push_back(B(s - 3, 1, t += kUs));
    }
    c.steps.push_back(Timer(t + 10 * kMs));
    c.check = [](const TestSequencer& s, const SeqLog&) {
      EXPECT_EQ(s.counters().gaps, 0u);
      EXPECT_EQ(s.counters().line[0].loss_messages, 10u);
    };
    v.push_back(std::move(c));
  }
  v.push_back({"LateOverlappingPacketDeliversOnlyItsNewPart",
               {A(1, 10, 0), A(21, 10, kUs), B(1, 30, 2 * kUs), Timer(10 * kMs)},
               range(1, 30),
               {},
               {},
               [](const TestSequencer& s, const SeqLog&) {
                 const auto& c = s.counters();
                 EXPECT_EQ(c.line[1].messages, 20u);
                 EXPECT_EQ(c.line[1].duplicates, 10u);
                 EXPECT_EQ(c.line[0].duplicates, 10u);  // its held 21-30, beaten by B
                 EXPECT_EQ(c.line[0].held, 1u);
                 EXPECT_EQ(c.gaps, 0u);
               }});
  v.push_back({"ReorderInsideOneLineIsRepaired",
               {A(1, 1, 0), A(2, 1, kUs), A(4, 1, 2 * kUs), A(3, 1, 3 * kUs), Timer(10 * kMs)},
               range(1, 4),
               {}});
  {
    Case c{"MessagesNeitherLineHadBecomeOneGapAfterTheWindow",
           {A(1, 2, 0), B(1, 2, kUs), A(6, 2, 2 * kUs), B(6, 2, 3 * kUs), Timer(1 * kMs),
            Timer(2 * kMs + 2 * kUs)},
           {1, 2, 6, 7},
           {{3, 3}}};
    c.check = [](const TestSequencer& s, const SeqLog& log) {
      EXPECT_EQ(s.counters().gap_messages, 3u);
      EXPECT_EQ(log.events,
                (std::vector<std::string>{"s0000000001", "d1", "d2", "g3+3", "d6", "d7"}));
    };
    v.push_back(std::move(c));
  }
  {
    Case c{"QuietFeedAfterAHoleIsDeclaredByTheTimerAlone",
           {A(1, 1, 0), A(3, 1, kUs), Timer(kMs), Timer(2 * kMs + kUs)},
           {1, 3},
           {{2, 1}}};
    c.check = [](const TestSequencer& s, const SeqLog&) {
      EXPECT_EQ(s.next_deadline(), std::numeric_limits<std::uint64_t>::max());
    };
    v.push_back(std::move(c));
  }
  v.push_back({"HoldingPacketCountLimitEndsTheWindowBeforeTheTime",
               {A(1, 1, 0), A(3, 1, 1), A(4, 1, 2), A(5, 1, 3)},
               {1, 3, 4, 5},
               {{2, 1}},
               [](mold::SequencerConfig& c) { c.reorder_packets = 3; }});
  {
    Case c{"StraySessionPacketIsCountedAndCannotTakeTheFeedOver",
           {A(1, 1, 0), A(5, 1, 1, kOther), A(2, 1, 2), B(3, 1, 3), A(3, 1, 4), Timer(10 * kMs)},
           range(1, 3),
           {}};
    c.check = [](const TestSequencer& s, const SeqLog& log) {
      EXPECT_EQ(s.counters().line[0].foreign_session, 1u);
      EXPECT_EQ(s.counters().session_changes, 0u);
      EXPECT_EQ(log.sessions.size(), 1u);  // only the first adoption
      EXPECT_EQ(test::session_text(s.session()), test::kSession);
    };
    v.push_back(std::move(c));
  }
  {
    Case c{"BogusJumpIsSuspectAndMovesNothing",
           {A(1, 1, 0), A(1'000'000'000'000, 1, 1), A(2, 1, 2), B(2, 1, 3), A(3, 1, 4),
            Timer(3'000 * kMs), A(4, 1, 3'001 * kMs)},
           range(1, 4),
           {}};
    c.check = [](const TestSequencer& s, const SeqLog&) {
      EXPECT_EQ(s.counters().line[0].suspect, 1u);
      EXPECT_EQ(s.counters().suspect_expired, 1u);
      EXPECT_EQ(s.counters().suspect_confirmed, 0u);
      EXPECT_EQ(s.counters().holes, 0u);
      EXPECT_FALSE(s.suspect_pending());
    };
    v.push_back(std::move(c));
  }
  {
    // A real jump (both lines lost a lot): the continuation confirms it, then the window.
    Case c{"LargeJumpConfirmedByTheContinuationOpensAHole",
           {A(1, 1, 0), A(200'001, 1, kUs), A(200'002, 1, 2 * kUs), Timer(5 * kMs)},
           {1, 200'001, 200'002},
           {{2, 200'000 - 1}}};
    c.check = [](const TestSequencer& s, const SeqLog&) {
      EXPECT_EQ(s.counters().suspect_confirmed, 1u);
    };
    v.push_back(std::move(c));
  }
  v.push_back({"LargeJumpConfirmedByTheOtherLine",
               {A(1, 1, 0), A(200'001, 1, kUs), B(200'001, 1, 2 * kUs), Timer(5 * kMs)},
               {1, 200'001},
               {{2, 200'000 - 1}}});
  {
    // A's copy of 1-3 is cut inside message 2: message 1 stands, B fills 2-3.
    Case c{"TruncatedCopyDeliversItsCompleteBlocksAndTheOtherLineFillsTheRest",
           {Raw(Source::kA, truncated(seq_packet(1, 3), 13), 0), B(1, 3, kUs), A(4, 1, 2 * kUs)},
           range(1, 4),
           {}};
    c.check = [](const TestSequencer& s, const SeqLog&) {
      EXPECT_EQ(s.counters().line[0].malformed, 1u);
      EXPECT_EQ(s.counters().line[0].messages, 2u);  // 1 and 4
      EXPECT_EQ(s.counters().line[1].messages, 2u);
    };
    v.push_back(std::move(c));
  }
  v.push_back({"PacketWithoutACompleteBlockIsDropped",
               {Raw(Source::kA, truncated(seq_packet(1, 1), 3), 0), B(1, 1, kUs)},
               {1},
               {},
               {},
               [](const TestSequencer& s, const SeqLog&) {
                 EXPECT_EQ(s.counters().line[0].malformed, 1u);
                 EXPECT_EQ(s.counters().line[1].messages, 1u);
               }});
  // The same framing faults on a packet at the expectation of a live session (the in-order fast
  // path, which a walking Out serves with one walk).
  {
    Case c{"TruncatedInOrderCopyDeliversItsCompleteBlocksAndTheOtherLineFillsTheRest",
           {A(1, 1, 0), B(1, 1, 1), Raw(Source::kA, truncated(seq_packet(2, 3), 13), kUs),
            B(2, 3, 2 * kUs), A(5, 1, 3 * kUs)},
           range(1, 5),
           {}};
    c.check = [](const TestSequencer& s, const SeqLog&) {
      EXPECT_EQ(s.counters().line[0].malformed, 1u);
      EXPECT_EQ(s.counters().line[0].messages, 3u);  // 1, 2 and 5
      EXPECT_EQ(s.counters().line[1].messages, 2u);  // 3 and 4
      EXPECT_EQ(s.counters().line[0].next_seq, 6u);
    };
    v.push_back(std::move(c));
  }
  v.push_back({"InOrderPacketWithoutACompleteBlockIsDropped",
               {A(1, 1, 0), Raw(Source::kA, truncated(seq_packet(2, 2), 12), kUs), B(1, 1, 2 * kUs),
                B(2, 2, 3 * kUs)},
               range(1, 3),
               {},
               {},
               [](const TestSequencer& s, const SeqLog&) {
                 EXPECT_EQ(s.counters().line[0].malformed, 1u);
                 EXPECT_EQ(s.counters().line[0].messages, 1u);
                 EXPECT_EQ(s.counters().line[0].next_seq, 2u);  // the dropped copy moved nothing
                 EXPECT_EQ(s.counters().line[1].messages, 2u);
               }});
  v.push_back({"InOrderTrailingBytesAreMalformedButTheMessagesStand",
               {A(1, 1, 0), Raw(
                                Source::kA,
                                [] {
                                  Bytes p = seq_packet(2, 2);
                                  p.push_back(0);
                                  return p;
                                }(),
                                kUs)},
               range(1, 3),
               {},
               {},
               [](const TestSequencer& s, const SeqLog&) {
                 EXPECT_EQ(s.counters().line[0].malformed, 1u);
                 EXPECT_EQ(s.counters().line[0].messages, 3u);
               }});
  v.push_back({"InOrderRecoveryReplyCountsAsRecovered",
               {A(1, 1, 0), R(2, 2, kUs), A(4, 1, 2 * kUs)},
               range(1, 4),
               {},
               {},
               [](const TestSequencer& s, const SeqLog& log) {
                 EXPECT_EQ(s.counters().recovered_messages, 2u);
                 EXPECT_EQ(s.counters().line[2].messages, 2u);
                 ASSERT_EQ(log.delivered.size(), 4u);
                 EXPECT_TRUE(log.delivered[1].recovered);
                 EXPECT_FALSE(log.delivered[3].recovered);
               }});
  v.push_back({"PacketShorterThanTheHeaderIsMalformed",
               {Raw(Source::kA, Bytes(19, 0x30), 0), A(1, 1, 1)},
               {1},
               {},
               {},
               [](const TestSequencer& s, const SeqLog&) {
                 EXPECT_EQ(s.counters().line[0].malformed, 1u);
               }});
  v.push_back({"TrailingBytesAreMalformedButTheMessagesStand",
               {Raw(
                   Source::kA,
                   [] {
                     Bytes p = seq_packet(1, 2);
                     p.push_back(0);
                     return p;
                   }(),
                   0)},
               {1, 2},
               {},
               {},
               [](const TestSequencer& s, const SeqLog&) {
                 EXPECT_EQ(s.counters().line[0].malformed, 1u);
               }});
  {
    Case c{"SessionChangeAfterEndOfSessionIsAdoptedAtOnceAndAnnounced",
           {A(1, 2, 0), Raw(Source::kA, test::mold_end(3), 1), B(1, 2, 2), A(1, 2, 3, kOther),
            B(2, 9, 4), B(1, 2, 5, kOther), A(3, 1, 6, kOther)},
           {1, 2, 1, 2, 3},
           {}};
    c.check = [](const TestSequencer& s, const SeqLog& log) {
      EXPECT_EQ(log.events, (std::vector<std::string>{"s0000000001", "d1", "d2", "e3",
                                                      "s0000000002", "d1", "d2", "d3"}));
      EXPECT_EQ(s.counters().session_changes, 1u);
      EXPECT_EQ(s.counters().line[1].foreign_session, 1u);  // B's old-session tail
      EXPECT_EQ(test::session_text(s.session()), kOther);
    };
    v.push_back(std::move(c));
  }
  {
    // End of session lost on both lines: three consistent packets of the new session.
    Case c{"SessionChangeWithoutEndOfSessionNeedsConsistentPackets",
           {A(1, 2, 0), B(1, 2, 1), A(1, 1, 2, kOther), A(2, 1, 3, kOther), A(3, 1, 4, kOther),
            B(3, 1, 5), A(4, 1, 6, kOther), Timer(10 * kMs)},
           {1, 2, 1, 2, 3, 4},
           {}};
    c.check = [](const TestSequencer& s, const SeqLog& log) {
      EXPECT_EQ(log.events, (std::vector<std::string>{"s0000000001", "d1", "d2", "s0000000002",
                                                      "d1", "d2", "d3", "d4"}));
      EXPECT_EQ(s.counters().session_changes, 1u);
      EXPECT_EQ(s.counters().line[1].foreign_session, 1u);  // old session's late packet
    };
    v.push_back(std::move(c));
  }
  v.push_back(
      {"NewSessionConfirmedByBothLinesAgreeing",
       {A(1, 2, 0), A(1, 1, 2, kOther), B(1, 1, 3, kOther), A(5, 1, 4, kOther), B(5, 1, 5, kOther),
        Timer(10 * kMs)},
       {1, 2, 1, 5},
       {{2, 3}},
       [](mold::SequencerConfig& c) { c.session_confirm_packets = 2; },
       [](const TestSequencer& s, const SeqLog&) { EXPECT_EQ(s.counters().session_changes, 1u); }});
  v.push_back({"NewSessionFirstSeenMidwayShowsItsMissedPrefixAsAGap",
               {A(1, 2, 0), A(1'000'000, 1, 1, kOther), A(1'000'001, 1, 2, kOther),
                A(1'000'002, 1, 3, kOther), Timer(10 * kMs)},
               {1, 2, 1'000'000, 1'000'001, 1'000'002},
               {{1, 999'999}}});
  v.push_back(
      {"SilentSessionIsReplacedByALiveOne",
       {A(1, 2, 0), A(7, 1, 6'000 * kMs, kOther), B(9, 1, 6'001 * kMs, kOther), Timer(6'010 * kMs)},
       {1, 2, 7, 9},
       {{1, 6}, {8, 1}},
       {},
       [](const TestSequencer& s, const SeqLog&) { EXPECT_EQ(s.counters().session_changes, 1u); }});
  v.push_back(
      {"OneStrayPacketAfterSilenceIsNotEnough",
       {A(1, 2, 0), A(7, 1, 6'000 * kMs, kOther), A(3, 1, 6'001 * kMs)},
       {1, 2, 3},
       {},
       {},
       [](const TestSequencer& s, const SeqLog&) { EXPECT_EQ(s.counters().session_changes, 0u); }});
  {
    Case c{"HeartbeatRevealsALostTail",
           {A(1, 2, 0), Raw(Source::kA, test::mold_heartbeat(5), kUs), Timer(kMs), Timer(3 * kMs)},
           {1, 2},
           {{3, 2}}};
    c.check = [](const TestSequencer& s, const SeqLog& log) {
      EXPECT_EQ(s.counters().line[0].heartbeats, 1u);
      EXPECT_EQ(log.heartbeats, 1u);
      EXPECT_EQ(s.expected(), 5u);
    };
    v.push_back(std::move(c));
  }
  v.push_back({"HeartbeatAtTheExpectationIsNoHole",
               {A(1, 2, 0), Raw(Source::kA, test::mold_heartbeat(3), kUs), Timer(10 * kMs)},
               {1, 2},
               {},
               {},
               [](const TestSequencer& s, const SeqLog&) { EXPECT_EQ(s.counters().holes, 0u); }});
  v.push_back({"EndOfSessionRevealsALostTailBeforeItIsAnnounced",
               {A(1, 2, 0), Raw(Source::kB, test::mold_end(4), kUs), Timer(3 * kMs)},
               {1, 2},
               {{3, 1}},
               {},
               [](const TestSequencer&, const SeqLog& log) {
                 EXPECT_EQ(log.events.back(), "e4");
                 EXPECT_EQ(log.ends, (std::vector<std::uint64_t>{4}));
               }});
  v.push_back({"SequenceZeroIsRejectedWithItsOwnCounter",
               {Raw(Source::kA, seq_packet(0, 1), 0), A(1, 1, 1),
                Raw(Source::kB, test::mold_heartbeat(0), 2)},
               {1},
               {},
               {},
               [](const TestSequencer& s, const SeqLog&) {
                 EXPECT_EQ(s.counters().line[0].seq_zero, 1u);
                 EXPECT_EQ(s.counters().line[1].seq_zero, 1u);
                 EXPECT_EQ(s.counters().line[0].duplicates, 0u);
               }});
  v.push_back({"CopyArrivingAfterItsGapWasDeclaredCountsAsLate",
               {A(1, 1, 0), A(3, 1, 1), Timer(3 * kMs), B(2, 2, 4 * kMs)},
               {1, 3},
               {{2, 1}},
               {},
               [](const TestSequencer& s, const SeqLog&) {
                 EXPECT_EQ(s.counters().line[1].late_copies, 1u);
                 EXPECT_EQ(s.counters().line[1].duplicates, 1u);
               }});
  v.push_back({"PacketTooLargeToHoldCountsAsLostAndTheOtherLineFillsIn",
               {A(1, 1, 0), A(3, 1, 1), A(4, 20, 2), B(2, 1, 3), B(3, 21, 4)},
               range(1, 23),
               {},
               [](mold::SequencerConfig& c) { c.slot_bytes = 100; },
               [](const TestSequencer& s, const SeqLog&) {
                 EXPECT_EQ(s.counters().line[0].too_large_to_hold, 1u);
               }});

  // Recovery.
  auto recovery_on = [](mold::SequencerConfig& c) { c.recovery = true; };
  {
    Case c{"WindowEndRequestsTheMissingRangeAndTheReplyFillsIt",
           {A(1, 2, 0), A(5, 2, kUs), Timer(2 * kMs + kUs), R(3, 2, 3 * kMs)},
           range(1, 6),
           {},
           recovery_on};
    c.check = [](const TestSequencer& s, const SeqLog& log) {
      ASSERT_EQ(log.requests.size(), 1u);
      EXPECT_EQ(log.requests[0].session, test::kSession);
      EXPECT_EQ(log.requests[0].first, 3u);
      EXPECT_EQ(log.requests[0].count, 2u);
      EXPECT_TRUE(log.delivered[2].recovered);
      EXPECT_TRUE(log.delivered[3].recovered);
      EXPECT_EQ(log.delivered[2].source, Source::kRecovery);
      EXPECT_FALSE(log.delivered[4].recovered);
      EXPECT_TRUE(log.delivered[4].released);
      EXPECT_EQ(s.counters().recovered_messages, 2u);
      EXPECT_EQ(s.counters().gaps, 0u);
      EXPECT_FALSE(s.recovering());
    };
    v.push_back(std::move(c));
  }
  v.push_back({"JoinPrefixIsRequestedByDefault",
               {A(100, 2, 0), Timer(3 * kMs)},
               range(1, 0),
               {},
               recovery_on,
               [](const TestSequencer& s, const SeqLog& log) {
                 ASSERT_EQ(log.requests.size(), 1u);
                 EXPECT_EQ(log.requests[0].first, 1u);
                 EXPECT_TRUE(s.recovering());
               }});
  v.push_back({"JoinPrefixIsAGapWithoutRequestsWhenSnapshotsRepairTheBooks",
               {A(100, 2, 0), Timer(3 * kMs), A(102, 1, 4 * kMs)},
               range(100, 102),
               {{1, 99}},
               [](mold::SequencerConfig& c) {
                 c.recovery = true;
                 c.request_join_prefix = false;
               },
               [](const TestSequencer& s, const SeqLog& log) {
                 EXPECT_TRUE(log.requests.empty());
                 EXPECT_EQ(s.counters().gaps, 1u);
               }});
  v.push_back({"HoleAfterTheJoinIsStillRequestedWhenSnapshotsRepairTheBooks",
               {A(1, 2, 0), A(5, 2, kUs), Timer(2 * kMs + kUs), R(3, 2, 3 * kMs)},
               range(1, 6),
               {},
               [](mold::SequencerConfig& c) {
                 c.recovery = true;
                 c.request_join_prefix = false;
               },
               [](const TestSequencer&, const SeqLog& log) {
                 ASSERT_EQ(log.requests.size(), 1u);
                 EXPECT_EQ(log.requests[0].first, 3u);
               }});
  v.push_back({"RequestIsCappedAtTheConfiguredMessages",
               {A(1, 1, 0), A(101, 1, kUs), Timer(3 * kMs), R(2, 10, 4 * kMs), R(12, 60, 5 * kMs),
                R(72, 29, 6 * kMs)},
               range(1, 101),
               {},
               [](mold::SequencerConfig& c) {
                 c.recovery = true;
                 c.request_max_messages = 60;
               },
               [](const TestSequencer&, const SeqLog& log) {
                 ASSERT_EQ(log.requests.size(), 3u);
                 EXPECT_EQ(log.requests[0].first, 2u);
                 EXPECT_EQ(log.requests[0].count, 60u);
                 EXPECT_EQ(log.requests[1].first, 12u);  // partial reply: the rest at once
                 EXPECT_EQ(log.requests[1].count, 60u);
                 EXPECT_EQ(log.requests[2].first, 72u);
                 EXPECT_EQ(log.requests[2].count, 29u);
               }});
  v.push_back({"UnansweredRequestIsRetriedAfterTheTimeout",
               {A(1, 1, 0), A(3, 1, kUs), Timer(3 * kMs), Timer(200 * kMs), Timer(254 * kMs),
                R(2, 1, 260 * kMs)},
               range(1, 3),
               {},
               recovery_on,
               [](const TestSequencer& s, const SeqLog& log) {
                 ASSERT_EQ(log.requests.size(), 2u);
                 EXPECT_EQ(log.requests[1].first, 2u);
                 EXPECT_EQ(s.counters().request_timeouts, 1u);
               }});
  v.push_back({"AttemptsExhaustedBecomeAGapAndReleaseTheHeldPackets",
               {A(1, 1, 0), A(3, 1, kUs), Timer(3 * kMs), Timer(254 * kMs), Timer(505 * kMs),
                Timer(756 * kMs), Timer(1'007 * kMs), R(2, 1, 1'100 * kMs)},
               {1, 3},
               {{2, 1}},
               recovery_on,
               [](const TestSequencer& s, const SeqLog& log) {
                 EXPECT_EQ(log.requests.size(), 4u);
                 EXPECT_EQ(s.counters().request_timeouts, 4u);
                 EXPECT_EQ(s.counters().line[2].late_copies, 1u);
                 EXPECT_EQ(s.held(), 0u);
               }});
  v.push_back({"LiveCopyDuringRecoveryClosesTheHole",
               {A(1, 1, 0), A(3, 1, kUs), Timer(3 * kMs), B(2, 1, 4 * kMs), Timer(1'000 * kMs)},
               range(1, 3),
               {},
               recovery_on,
               [](const TestSequencer& s, const SeqLog& log) {
                 EXPECT_EQ(log.requests.size(), 1u);
                 EXPECT_EQ(s.counters().request_timeouts, 0u);
               }});
  v.push_back({"FullStoreDeclaresTheHoleAtOnce",
               {A(1, 1, 0), A(3, 1, 1), A(4, 1, 2), A(5, 1, 3), A(6, 1, 4), A(7, 1, 5)},
               {1, 3, 4, 5, 6, 7},
               {{2, 1}},
               [](mold::SequencerConfig& c) {
                 c.recovery = true;
                 c.store_packets = 4;
               },
               [](const TestSequencer& s, const SeqLog& log) {
                 EXPECT_EQ(s.counters().store_full, 1u);
                 EXPECT_EQ(log.requests.size(), 0u);  // the window had not ended yet
                 EXPECT_EQ(s.held(), 0u);
               }});
  v.push_back({"RecoveryReplyOfAnotherSessionIsIgnored",
               {A(1, 1, 0), A(3, 1, kUs), Timer(3 * kMs),
                Raw(Source::kRecovery, seq_packet(2, 1, kOther), 4 * kMs), R(2, 1, 5 * kMs)},
               range(1, 3),
               {},
               recovery_on,
               [](const TestSequencer& s, const SeqLog&) {
                 EXPECT_EQ(s.counters().line[2].foreign_session, 1u);
                 EXPECT_EQ(s.counters().session_changes, 0u);
               }});
  v.push_back({"HeartbeatRevealedTailIsRecovered",
               {A(1, 1, 0), Raw(Source::kA, test::mold_heartbeat(4), kUs), Timer(3 * kMs),
                R(2, 2, 4 * kMs)},
               range(1, 3),
               {},
               recovery_on,
               [](const TestSequencer&, const SeqLog& log) {
                 ASSERT_EQ(log.requests.size(), 1u);
                 EXPECT_EQ(log.requests[0].first, 2u);
                 EXPECT_EQ(log.requests[0].count, 2u);
               }});
  return v;
}

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

class Arbitration : public ::testing::TestWithParam<Case> {};

TEST_P(Arbitration, Case) {
  const Case& c = GetParam();
  mold::SequencerConfig cfg;
  if (c.configure) c.configure(cfg);
  SeqLog log;
  auto s = std::make_unique<TestSequencer>(test::RecordingOut{&log}, cfg);
  run(*s, c.steps);
  EXPECT_EQ(log.seqs(), c.delivered);
  EXPECT_EQ(log.gaps, c.gaps);
  EXPECT_EQ(log.bad_blocks, 0u);
  if (c.check) c.check(*s, log);
}

// Every counter of two sequencers (plain structs of u64: no padding).
void expect_same_counters(const mold::SequencerCounters& a, const mold::SequencerCounters& b) {
  static_assert(sizeof(mold::SequencerCounters) % sizeof(std::uint64_t) == 0);
  std::uint64_t wa[sizeof a / 8];
  std::uint64_t wb[sizeof b / 8];
  std::memcpy(wa, &a, sizeof a);
  std::memcpy(wb, &b, sizeof b);
  for (std::size_t i = 0; i < sizeof a / 8; ++i) EXPECT_EQ(wa[i], wb[i]) << "counter word " << i;
}

void expect_same_log(const SeqLog& a, const SeqLog& b) {
  EXPECT_EQ(a.events, b.events);
  ASSERT_EQ(a.delivered.size(), b.delivered.size());
  for (std::size_t i = 0; i < a.delivered.size(); ++i) {
    EXPECT_EQ(a.delivered[i].source, b.delivered[i].source) << i;
    EXPECT_EQ(a.delivered[i].recovered, b.delivered[i].recovered) << i;
    EXPECT_EQ(a.delivered[i].released, b.delivered[i].released) << i;
  }
  EXPECT_EQ(a.gaps, b.gaps);
  EXPECT_EQ(a.bad_blocks, b.bad_blocks);
  EXPECT_EQ(a.heartbeats, b.heartbeats);
}

// The single walk (an Out with deliver_walk, as ItchFeed) changes nothing observable: the same
// events, flags and counters as the sequencer's own framing walk, case by case.
TEST_P(Arbitration, SingleWalkAgrees) {
  const Case& c = GetParam();
  mold::SequencerConfig cfg;
  if (c.configure) c.configure(cfg);
  SeqLog plain_log;
  SeqLog walk_log;
  auto plain = std::make_unique<TestSequencer>(test::RecordingOut{&plain_log}, cfg);
  auto walking = std::make_unique<test::WalkingSequencer>(test::WalkingOut{{&walk_log}}, cfg);
  run(*plain, c.steps);
  for (const Step& st : c.steps) {
    if (st.timer) {
      walking->on_timer(st.t);
    } else {
      walking->on_packet(st.source, st.packet, st.t);
    }
  }
  expect_same_log(plain_log, walk_log);
  expect_same_counters(plain->counters(), walking->counters());
  EXPECT_EQ(plain->expected(), walking->expected());
  // A walk that delivered something flagged exactly one block as the packet's last.
  EXPECT_LE(walking->out().last_flags, walking->out().walks);
}

INSTANTIATE_TEST_SUITE_P(MoldSequencer, Arbitration, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& i) { return i.param.name; });

// ---- targeted --------------------------------------------------------------------------------

TEST(MoldSequencer, InOrderTrafficPaysNoTimerWork) {
  SeqLog log;
  TestSequencer s(test::RecordingOut{&log});
  for (std::uint64_t i = 0; i < 100; ++i) {
    const Bytes p = seq_packet(1 + 3 * i, 3);
    s.on_packet(Source::kA, p, i);
    s.on_packet(Source::kB, p, i);
    EXPECT_EQ(s.next_deadline(), std::numeric_limits<std::uint64_t>::max());
  }
  EXPECT_EQ(log.seqs(), range(1, 300));
  EXPECT_EQ(s.counters().line[1].duplicates, 300u);
  EXPECT_EQ(s.counters().holes, 0u);
}

TEST(MoldSequencer, InvalidConfigIsRejectedNamingTheKey) {
  SeqLog log;
  mold::SequencerConfig c;
  c.request_max_messages = 0xFFFF;
  try {
    TestSequencer s(test::RecordingOut{&log}, c);
    FAIL() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("request_max_messages"), std::string::npos);
  }
  c = {};
  c.store_packets = 0;
  EXPECT_THROW(TestSequencer(test::RecordingOut{&log}, c), std::invalid_argument);
}

TEST(MoldSequencer, PreviousSessionsSlowLineCannotFlipTheFeedBack) {
  SeqLog log;
  mold::SequencerConfig cfg;
  TestSequencer s(test::RecordingOut{&log}, cfg);
  for (std::uint64_t i = 1; i <= 3; ++i) s.on_packet(Source::kA, seq_packet(i, 1), i);
  for (std::uint64_t i = 1; i <= 3; ++i) s.on_packet(Source::kA, seq_packet(i, 1, kOther), 10 + i);
  ASSERT_EQ(test::session_text(s.session()), kOther);
  // B still carries the old session, contiguous: it must not take the feed back.
  for (std::uint64_t i = 1; i <= 10; ++i) s.on_packet(Source::kB, seq_packet(i, 1), 20 + i);
  EXPECT_EQ(test::session_text(s.session()), kOther);
  EXPECT_EQ(s.counters().session_changes, 1u);
  EXPECT_EQ(s.counters().line[1].foreign_session, 10u);
}

TEST(MoldSequencer, PreviousSessionComesBackOnlyAfterTheCurrentOneFellSilent) {
  SeqLog log;
  TestSequencer s(test::RecordingOut{&log});
  for (std::uint64_t i = 1; i <= 3; ++i) s.on_packet(Source::kA, seq_packet(i, 1), i);
  for (std::uint64_t i = 1; i <= 3; ++i) s.on_packet(Source::kA, seq_packet(i, 1, kOther), 10 + i);
  ASSERT_EQ(test::session_text(s.session()), kOther);
  // The adopted session goes silent; the old one keeps sending: after the silence timeout it is
  // taken back (the way out of a wrong adoption).
  const std::uint64_t t = 20 + 5'000 * kMs;
  s.on_packet(Source::kA, seq_packet(4, 1), t);
  EXPECT_EQ(test::session_text(s.session()), kOther);
  s.on_packet(Source::kA, seq_packet(5, 1), t + 1);
  EXPECT_EQ(test::session_text(s.session()), test::kSession);
  EXPECT_EQ(s.counters().session_changes, 2u);
  s.on_timer(t + 10 * kMs);
  EXPECT_EQ(log.gaps.back(), (std::pair<std::uint64_t, std::uint64_t>{1, 3}));
  EXPECT_EQ(log.seqs().back(), 5u);
}

TEST(MoldSequencer, NewerInconsistentSuspectReplacesTheOldOne) {
  SeqLog log;
  TestSequencer s(test::RecordingOut{&log});
  s.on_packet(Source::kA, seq_packet(1, 1), 0);
  s.on_packet(Source::kA, seq_packet(1'000'000'000, 1), 1);
  s.on_packet(Source::kB, seq_packet(5'000'000'000, 1), 2);  // far from the first suspect
  EXPECT_EQ(s.counters().suspect_expired, 1u);
  EXPECT_EQ(s.counters().suspect_confirmed, 0u);
  s.on_packet(Source::kA, seq_packet(5'000'000'001, 1), 3);  // continues the second
  EXPECT_EQ(s.counters().suspect_confirmed, 1u);
  EXPECT_TRUE(s.hole_open());
  EXPECT_EQ(log.seqs(), (std::vector<std::uint64_t>{1}));
}

TEST(MoldSequencer, AlternatingStraySessionsNeverGatherEvidence) {
  SeqLog log;
  TestSequencer s(test::RecordingOut{&log});
  s.on_packet(Source::kA, seq_packet(1, 1), 0);
  for (std::uint64_t i = 0; i < 50; ++i) {
    s.on_packet(Source::kA, seq_packet(1 + i, 1, i % 2 ? "STRAYAAAAA" : "STRAYBBBBB"), 1 + i);
  }
  EXPECT_EQ(s.counters().session_changes, 0u);
  s.on_packet(Source::kA, seq_packet(2, 1), 100);
  EXPECT_EQ(log.seqs(), range(1, 2));
}

TEST(MoldSequencer, JoiningMidwayIsConfirmedByTheOtherLineAndShowsThePrefixAsAGap) {
  SeqLog log;
  TestSequencer s(test::RecordingOut{&log});
  s.on_packet(Source::kA, seq_packet(50'000'000, 2), 0);
  EXPECT_TRUE(s.suspect_pending());
  EXPECT_TRUE(log.delivered.empty());
  s.on_packet(Source::kB, seq_packet(50'000'000, 2), kUs);
  EXPECT_FALSE(s.suspect_pending());
  s.on_timer(5 * kMs);
  ASSERT_EQ(log.gaps.size(), 1u);
  EXPECT_EQ(log.gaps[0], (std::pair<std::uint64_t, std::uint64_t>{1, 49'999'999}));
  EXPECT_EQ(log.seqs(), (std::vector<std::uint64_t>{50'000'000, 50'000'001}));
}

TEST(MoldSequencer, SuspectHeartbeatIsConfirmedByTheNextHeartbeat) {
  SeqLog log;
  TestSequencer s(test::RecordingOut{&log});
  s.on_packet(Source::kA, seq_packet(1, 1), 0);
  s.on_packet(Source::kA, test::mold_heartbeat(1'000'000), kUs);
  EXPECT_TRUE(s.suspect_pending());
  EXPECT_FALSE(s.hole_open());
  s.on_packet(Source::kA, test::mold_heartbeat(1'000'000), 1'000 * kMs);
  // The hole was known since the first heartbeat: its window is over, the gap is declared.
  EXPECT_FALSE(s.suspect_pending());
  EXPECT_EQ(s.counters().suspect_confirmed, 1u);
  ASSERT_EQ(log.gaps.size(), 1u);
  EXPECT_EQ(log.gaps[0].first, 2u);
  EXPECT_EQ(s.expected(), 1'000'000u);
}

TEST(MoldSequencer, OverflowingSequenceIsMalformed) {
  SeqLog log;
  TestSequencer s(test::RecordingOut{&log});
  s.on_packet(Source::kA, seq_packet(1, 1), 0);
  s.on_packet(Source::kA, seq_packet(~std::uint64_t{0} - 1, 1), 1);
  EXPECT_EQ(s.counters().line[0].malformed, 1u);
  EXPECT_FALSE(s.suspect_pending());
}

TEST(MoldSequencer, SecondHoleWhosePacketsWaitedLongStartsRecoveryAtOnce) {
  SeqLog log;
  mold::SequencerConfig cfg;
  cfg.recovery = true;
  TestSequencer s(test::RecordingOut{&log}, cfg);
  s.on_packet(Source::kA, seq_packet(1, 1), 0);
  s.on_packet(Source::kA, seq_packet(3, 1), kUs);      // hole 2
  s.on_packet(Source::kA, seq_packet(5, 1), 2 * kUs);  // hole 4
  s.on_timer(3 * kMs);
  ASSERT_EQ(log.requests.size(), 1u);
  EXPECT_EQ(log.requests[0].first, 2u);
  EXPECT_EQ(log.requests[0].count, 1u);
  s.on_packet(Source::kRecovery, seq_packet(2, 1), 4 * kMs);
  ASSERT_EQ(log.requests.size(), 2u);  // hole 4's window had run out already
  EXPECT_EQ(log.requests[1].first, 4u);
  s.on_packet(Source::kRecovery, seq_packet(4, 1), 5 * kMs);
  EXPECT_EQ(log.seqs(), range(1, 5));
  EXPECT_FALSE(s.hole_open());
}

TEST(MoldSequencer, BehindADeadServerEveryHoleIsDeclaredWithinItsOwnBudget) {
  SeqLog log;
  mold::SequencerConfig cfg;
  cfg.recovery = true;
  TestSequencer s(test::RecordingOut{&log}, cfg);
  s.on_packet(Source::kA, seq_packet(1, 1), 0);
  for (std::uint64_t h = 0; h < 10; ++h) {  // holes at 2, 4, 6, ... all seen at once
    s.on_packet(Source::kA, seq_packet(3 + 2 * h, 1), kUs + h);
  }
  // Budget: 2 ms window + 4 x 250 ms. Tick the timer every millisecond.
  const std::uint64_t budget = 2 * kMs + 4 * 250 * kMs;
  std::uint64_t t = 0;
  for (; t <= 2 * budget && s.hole_open(); t += kMs) s.on_timer(t);
  EXPECT_FALSE(s.hole_open());
  EXPECT_LE(t, budget + 2 * kMs);
  EXPECT_EQ(log.gaps.size(), 10u);
  EXPECT_EQ(log.requests.size(), 4u);  // only the first hole was asked for before time ran out
  EXPECT_EQ(s.expected(), 22u);
}

TEST(MoldSequencer, ProgressingRepliesExtendTheRecoveryBudget) {
  SeqLog log;
  mold::SequencerConfig cfg;
  cfg.recovery = true;
  cfg.request_max_messages = 2;
  cfg.request_timeout_ns = 10 * kMs;
  cfg.request_attempts = 1;
  TestSequencer s(test::RecordingOut{&log}, cfg);
  s.on_packet(Source::kA, seq_packet(1, 1), 0);
  s.on_packet(Source::kA, seq_packet(42, 1), kUs);
  s.on_timer(3 * kMs);
  // A slow server: one reply of 2 messages every 9 ms, far beyond the initial 12 ms budget.
  std::uint64_t t = 3 * kMs;
  for (std::uint64_t q = 2; q < 42; q += 2) {
    t += 9 * kMs;
    s.on_timer(t);
    s.on_packet(Source::kRecovery, seq_packet(q, 2), t);
  }
  EXPECT_EQ(log.seqs(), range(1, 42));
  EXPECT_TRUE(log.gaps.empty());
  EXPECT_EQ(s.counters().recovered_messages, 40u);
}

TEST(MoldSequencer, HoleStateOfTheOldSessionIsSettledBeforeTheChange) {
  SeqLog log;
  mold::SequencerConfig cfg;
  cfg.recovery = true;
  TestSequencer s(test::RecordingOut{&log}, cfg);
  s.on_packet(Source::kA, seq_packet(1, 1), 0);
  s.on_packet(Source::kA, seq_packet(3, 1), kUs);
  s.on_timer(3 * kMs);
  ASSERT_TRUE(s.recovering());
  s.on_packet(Source::kA, test::mold_end(5), 4 * kMs);
  s.on_packet(Source::kA, seq_packet(1, 1, kOther), 5 * kMs);
  EXPECT_EQ(log.events, (std::vector<std::string>{"s0000000001", "d1", "r2+1", "g2+1", "d3", "g4+1",
                                                  "e5", "s0000000002", "d1"}));
  EXPECT_FALSE(s.recovering());
}

// ---- property ------------------------------------------------------------------------------

struct Arrival {
  std::uint64_t t;
  Source source;
  std::uint64_t first;
  std::uint64_t n;
};

// Two copies of a session of `total` messages in packets of 1-6 messages; each line loses,
// duplicates and reorders packets independently and B is skewed. `hole_rate`: probability that
// a packet is lost on both lines. Returns the arrivals (time order) and the missing sequences.
std::vector<Arrival> make_session(std::uint32_t seed, std::uint64_t total, double hole_rate,
                                  std::set<std::uint64_t>& missing) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  const double loss = 0.02 + 0.08 * u(rng);
  const double dup = 0.05 * u(rng);
  const auto skew = static_cast<std::uint64_t>(u(rng) * 300 * kUs);
  std::vector<Arrival> out;
  std::uint64_t seq = 1;
  std::uint64_t t = 0;
  while (seq <= total) {
    const std::uint64_t n = std::min<std::uint64_t>(1 + rng() % 6, total - seq + 1);
    t += 5 * kUs;
    bool on[2] = {u(rng) >= loss, u(rng) >= loss};
    if (!on[0] && !on[1]) on[rng() % 2] = true;
    if (u(rng) < hole_rate) on[0] = on[1] = false;
    for (int line = 0; line < 2; ++line) {
      if (!on[line]) continue;
      // Reorder: a packet may be delayed by up to ~100 us inside its line.
      const std::uint64_t jitter = u(rng) < 0.05 ? rng() % (100 * kUs) : 0;
      const std::uint64_t at = t + (line == 1 ? skew : 0) + jitter;
      const Source src = line == 0 ? Source::kA : Source::kB;
      out.push_back({at, src, seq, n});
      if (u(rng) < dup) out.push_back({at + rng() % (50 * kUs), src, seq, n});
    }
    if (!on[0] && !on[1]) {
      for (std::uint64_t s = seq; s < seq + n; ++s) missing.insert(s);
    }
    seq += n;
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Arrival& a, const Arrival& b) { return a.t < b.t; });
  return out;
}

template <class OutT = test::RecordingOut>
void run_property(std::uint32_t seed, double hole_rate, SeqLog* log_out = nullptr,
                  mold::SequencerCounters* counters_out = nullptr) {
  constexpr std::uint64_t kTotal = 3000;
  std::set<std::uint64_t> missing;
  const auto arrivals = make_session(seed, kTotal, hole_rate, missing);
  SeqLog log;
  mold::SequencerConfig cfg;
  cfg.reorder_packets = 100'000;  // the time limit decides here (the store holds it all)
  mold::Sequencer<OutT> s(OutT{{&log}}, cfg);
  std::uint64_t last_t = 0;
  for (const Arrival& a : arrivals) {
    for (std::uint64_t t = last_t; t < a.t; t += 50 * kUs) s.on_timer(t);
    s.on_packet(a.source, seq_packet(a.first, a.n), a.t);
    last_t = a.t;
  }
  // Heartbeats carry the next sequence: a lost tail is revealed too.
  s.on_packet(Source::kA, test::mold_heartbeat(kTotal + 1), last_t + kUs);
  s.on_packet(Source::kB, test::mold_heartbeat(kTotal + 1), last_t + 2 * kUs);
  s.on_timer(last_t + 10 * kMs);

  std::vector<std::uint64_t> want;
  for (std::uint64_t q = 1; q <= kTotal; ++q) {
    if (!missing.contains(q)) want.push_back(q);
  }
  ASSERT_EQ(log.seqs(), want) << "seed " << seed;
  std::set<std::uint64_t> gapped;
  for (const auto& [first, count] : log.gaps) {
    for (std::uint64_t q = first; q < first + count; ++q) EXPECT_TRUE(gapped.insert(q).second);
  }
  EXPECT_EQ(gapped, missing) << "seed " << seed;

  EXPECT_EQ(log.bad_blocks, 0u);
  EXPECT_EQ(s.expected(), kTotal + 1);
  EXPECT_EQ(s.held(), 0u);
  if (log_out != nullptr) *log_out = log;
  if (counters_out != nullptr) *counters_out = s.counters();
}

TEST(MoldSequencerProperty, TwoLossyCopiesThatTogetherHoldEveryMessageDeliverExactlyTheSession) {
  for (std::uint32_t seed = 1; seed <= 60; ++seed) run_property(seed, 0.0);
}

TEST(MoldSequencerProperty, MessagesOnNeitherLineBecomeExactlyTheGaps) {
  for (std::uint32_t seed = 1000; seed <= 1060; ++seed) run_property(seed, 0.01);
}

TEST(MoldSequencerProperty, SingleWalkAgreesWithTheFramingWalkOnLossyCopies) {
  for (std::uint32_t seed = 3000; seed <= 3020; ++seed) {
    SeqLog plain_log;
    SeqLog walk_log;
    mold::SequencerCounters plain{};
    mold::SequencerCounters walking{};
    run_property(seed, 0.01, &plain_log, &plain);
    run_property<test::WalkingOut>(seed, 0.01, &walk_log, &walking);
    expect_same_log(plain_log, walk_log);
    expect_same_counters(plain, walking);
  }
}

// With recovery on and a re-request server that drops some requests and answers others only in
// part, messages neither line had are recovered: the output is exactly the session, no gaps.
void run_recovery_property(std::uint32_t seed) {
  constexpr std::uint64_t kTotal = 3000;
  std::set<std::uint64_t> missing;
  auto arrivals = make_session(seed, kTotal, 0.02, missing);
  std::mt19937_64 rng(seed * 7919u);
  SeqLog log;
  mold::SequencerConfig cfg;
  cfg.recovery = true;
  cfg.reorder_packets = 100'000;
  cfg.request_attempts = 10;
  cfg.request_max_messages = 16;
  TestSequencer s(test::RecordingOut{&log}, cfg);
  // Pending deliveries, in time order: line packets and server replies.
  std::multimap<std::uint64_t, Arrival> queue;
  for (const Arrival& a : arrivals) queue.emplace(a.t, a);
  std::size_t answered = 0;
  std::uint64_t now = 0;
  auto serve = [&] {
    for (; answered < log.requests.size(); ++answered) {
      const auto& r = log.requests[answered];
      if (rng() % 10 == 0) continue;  // request lost
      const std::uint64_t n = 1 + rng() % r.count;
      queue.emplace(now + 200 * kUs, Arrival{now + 200 * kUs, Source::kRecovery, r.first, n});
    }
  };
  while (!queue.empty()) {
    const auto it = queue.begin();
    const Arrival a = it->second;
    queue.erase(it);
    for (; now + 50 * kUs < a.t; now += 50 * kUs) {
      s.on_timer(now);
      serve();
    }
    now = std::max(now, a.t);
    s.on_packet(a.source, seq_packet(a.first, std::min(a.n, kTotal + 1 - a.first)), now);
    serve();
    if (queue.empty()) {
      // Heartbeats reveal a lost tail; then let the timers and the server finish.
      s.on_packet(Source::kA, test::mold_heartbeat(kTotal + 1), now + kUs);
      for (int i = 0; i < 20'000 && queue.empty() && s.hole_open(); ++i) {
        now += kMs;
        s.on_timer(now);
        serve();
      }
    }
  }
  ASSERT_EQ(log.seqs(), range(1, kTotal)) << "seed " << seed;
  EXPECT_TRUE(log.gaps.empty()) << "seed " << seed;
  EXPECT_GE(s.counters().recovered_messages, missing.size());
  for (const auto& d : log.delivered) {
    if (missing.contains(d.seq)) {
      EXPECT_TRUE(d.recovered) << d.seq;
    }
  }
  EXPECT_EQ(log.bad_blocks, 0u);
  EXPECT_EQ(s.held(), 0u);
}

TEST(MoldSequencerProperty, LossyServerRecoversEveryMessageNeitherLineHad) {
  for (std::uint32_t seed = 2000; seed <= 2030; ++seed) run_recovery_property(seed);
}

}  // namespace
}  // namespace ichannel::feed
