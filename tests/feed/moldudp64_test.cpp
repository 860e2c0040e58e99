// MoldUDP64 header, message blocks, heartbeat / end of session and sequence tracking.
#include "feed/moldudp64.hpp"

#include <gtest/gtest.h>

#include "wire/moldudp64_encode.hpp"

namespace ichannel::feed {
namespace {

// The packets these tests read, built by app/wire's encoder.
namespace test {
using Bytes = std::vector<std::uint8_t>;
constexpr std::string_view kSession = "0000000001";
Bytes mold_packet(std::uint64_t seq, const std::vector<Bytes>& msgs,
                  std::string_view session = kSession) {
  return ::ichannel::wire::mold_packet(session, seq, msgs);
}
Bytes mold_heartbeat(std::uint64_t next) {
  return ::ichannel::wire::mold_heartbeat(kSession, next);
}
Bytes mold_end(std::uint64_t next) {
  return ::ichannel::wire::mold_end_of_session(kSession, next);
}
}  // namespace test

using test::Bytes;

TEST(MoldUdp64, HeaderFieldsAreDecoded) {
  const Bytes p = test::mold_packet(0x0102030405060708ull, {Bytes{1, 2}, Bytes{3}}, "SESSION_AB");
  mold::Header h;
  ASSERT_TRUE(mold::parse_header(p, h));
  EXPECT_EQ(h.session_view(), "SESSION_AB");
  EXPECT_EQ(h.sequence, 0x0102030405060708ull);
  EXPECT_EQ(h.count, 2);
  EXPECT_FALSE(h.heartbeat());
  EXPECT_FALSE(h.end_of_session());
}

TEST(MoldUdp64, ShortPacketHasNoHeader) {
  const Bytes p = test::mold_heartbeat(5);
  mold::Header h;
  for (std::size_t n = 0; n < mold::kHeaderLength; ++n) {
    EXPECT_FALSE(mold::parse_header(std::span(p).first(n), h)) << n;
  }
  EXPECT_TRUE(mold::parse_header(p, h));
}

TEST(MoldUdp64, HeartbeatAndEndOfSessionAreRecognised) {
  mold::Header h;
  ASSERT_TRUE(mold::parse_header(test::mold_heartbeat(77), h));
  EXPECT_TRUE(h.heartbeat());
  EXPECT_EQ(h.sequence, 77u);
  ASSERT_TRUE(mold::parse_header(test::mold_end(78), h));
  EXPECT_TRUE(h.end_of_session());
  EXPECT_EQ(h.count, 0xFFFF);
}

TEST(MoldUdp64, BlockReaderWalksEveryMessageIncludingEmptyOnes) {
  const Bytes p = test::mold_packet(1, {Bytes{1, 2, 3}, Bytes{}, Bytes{9}});
  mold::BlockReader r(p);
  std::span<const std::uint8_t> m;
  ASSERT_EQ(r.next(m), mold::BlockStatus::kMessage);
  EXPECT_EQ(Bytes(m.begin(), m.end()), (Bytes{1, 2, 3}));
  ASSERT_EQ(r.next(m), mold::BlockStatus::kMessage);
  EXPECT_TRUE(m.empty());
  ASSERT_EQ(r.next(m), mold::BlockStatus::kMessage);
  EXPECT_EQ(Bytes(m.begin(), m.end()), (Bytes{9}));
  EXPECT_EQ(r.next(m), mold::BlockStatus::kEnd);
}

TEST(MoldUdp64, BlockReaderReportsTruncationAtEveryCut) {
  const Bytes full = test::mold_packet(1, {Bytes(30, 7), Bytes(12, 8)});
  for (std::size_t n = mold::kHeaderLength + 1; n < full.size(); ++n) {
    const Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    mold::BlockReader r(cut);
    std::span<const std::uint8_t> m;
    mold::BlockStatus s;
    int messages = 0;
    while ((s = r.next(m)) == mold::BlockStatus::kMessage) ++messages;
    if (n == mold::kHeaderLength + 2 + 30) {
      EXPECT_EQ(s, mold::BlockStatus::kEnd) << n;  // cut exactly between the two blocks
      EXPECT_EQ(messages, 1);
    } else {
      EXPECT_EQ(s, mold::BlockStatus::kTruncated) << n;
      EXPECT_LT(messages, 2);
    }
  }
}

TEST(SequenceTracker, InOrderPacketsAdvanceWithoutGapsOrDuplicates) {
  mold::SequenceTracker t;
  EXPECT_EQ(t.expected(), 1u);
  auto a = t.admit(1, 3);
  EXPECT_EQ(a.gap_count, 0u);
  EXPECT_EQ(a.duplicates, 0u);
  EXPECT_EQ(t.expected(), 4u);
}

TEST(SequenceTracker, JumpAheadIsAGapFromTheExpectedSequence) {
  mold::SequenceTracker t;
  (void)t.admit(1, 3);
  auto a = t.admit(10, 2);
  EXPECT_EQ(a.gap_first, 4u);
  EXPECT_EQ(a.gap_count, 6u);
  EXPECT_EQ(t.expected(), 12u);
}

TEST(SequenceTracker, OverlapCountsOnlyTheAlreadySeenPrefix) {
  mold::SequenceTracker t;
  (void)t.admit(1, 10);
  EXPECT_EQ(t.admit(8, 5).duplicates, 3u);  // 8, 9, 10 seen; 11, 12 new
  EXPECT_EQ(t.expected(), 13u);
  EXPECT_EQ(t.admit(1, 4).duplicates, 4u);  // wholly old
  EXPECT_EQ(t.expected(), 13u);
}

TEST(SequenceTracker, HeartbeatAnnouncesNextSequence) {
  mold::SequenceTracker t;
  (void)t.admit(1, 2);
  EXPECT_EQ(t.admit(3, 0).gap_count, 0u);
  auto a = t.admit(6, 0);
  EXPECT_EQ(a.gap_first, 3u);
  EXPECT_EQ(a.gap_count, 3u);
  EXPECT_EQ(t.expected(), 6u);
}

TEST(SequenceTracker, ClassifyDoesNotAdvance) {
  mold::SequenceTracker t;
  auto a = t.classify(5, 2);
  EXPECT_EQ(a.gap_count, 4u);
  EXPECT_EQ(t.expected(), 1u);
  t.advance_to(3);
  t.advance_to(2);  // never moves back
  EXPECT_EQ(t.expected(), 3u);
}

}  // namespace
}  // namespace ichannel::feed
