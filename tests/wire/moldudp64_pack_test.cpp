// tests/wire/moldudp64_pack_test.cpp: MoldPacker framing, size limit and sequence numbering,
// read back with app/feed's MoldUDP64 parser.
#include "wire/moldudp64_encode.hpp"

#include <gtest/gtest.h>

#include "feed/moldudp64.hpp"

namespace ichannel::wire {
namespace {

std::vector<std::uint8_t> message(std::size_t len, std::uint8_t fill) {
  return std::vector<std::uint8_t>(len, fill);
}

TEST(MoldPacker, PacketsNeverExceedMaxPayloadAndSequencesAreContiguous) {
  MoldPacker packer("SESSION1", 200, 1);
  std::vector<MoldPacket> out;
  for (int i = 0; i < 100; ++i)
    packer.add(message(36, static_cast<std::uint8_t>(i)), 1000 + i, out);
  packer.flush(out);
  std::uint64_t next = 1;
  std::uint64_t total = 0;
  for (const auto& p : out) {
    EXPECT_LE(p.payload.size(), 200u);
    EXPECT_EQ(p.sequence, next);
    // 20-byte header + 4 x (2 + 36) = 172; a fifth would make 210 > 200.
    EXPECT_LE(p.count, 4);
    feed::mold::Header h;
    ASSERT_TRUE(feed::mold::parse_header(p.payload, h));
    EXPECT_EQ(h.sequence, p.sequence);
    EXPECT_EQ(h.count, p.count);
    EXPECT_EQ(h.session_view(), "SESSION1  ");
    feed::mold::BlockReader r(p.payload);
    std::span<const std::uint8_t> m;
    for (int i = 0; i < p.count; ++i) {
      ASSERT_EQ(r.next(m), feed::mold::BlockStatus::kMessage);
      EXPECT_EQ(m.size(), 36u);
      EXPECT_EQ(m[0], static_cast<std::uint8_t>(next - 1 + i));
    }
    EXPECT_EQ(r.remaining(), 0u);
    next += p.count;
    total += p.count;
  }
  EXPECT_EQ(total, 100u);
  EXPECT_EQ(out.size(), 25u);
  EXPECT_EQ(packer.next_sequence(), 101u);
}

TEST(MoldPacker, PacketTimeIsItsLastMessageTime) {
  MoldPacker packer("S", 1450, 7);
  std::vector<MoldPacket> out;
  packer.add(message(19, 1), 100, out);
  packer.add(message(19, 2), 250, out);
  packer.flush(out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].sequence, 7u);
  EXPECT_EQ(out[0].count, 2);
  EXPECT_EQ(out[0].time_ns, 250u);
}

TEST(MoldPacker, EndOfSessionCarriesNextSequenceAndCountFFFF) {
  MoldPacker packer("S", 1450, 1);
  std::vector<MoldPacket> out;
  packer.add(message(19, 1), 1, out);
  packer.end_session(5, out);
  ASSERT_EQ(out.size(), 2u);
  feed::mold::Header h;
  ASSERT_TRUE(feed::mold::parse_header(out[1].payload, h));
  EXPECT_TRUE(h.end_of_session());
  EXPECT_EQ(h.sequence, 2u);
  EXPECT_EQ(out[1].payload.size(), kMoldHeaderSize);
  EXPECT_EQ(out[1].messages(), 0u);
}

TEST(MoldPacker, DefaultSizeHoldsAboutThirtyEightAddOrders) {
  MoldPacker packer("S", kDefaultMaxPayload, 1);
  std::vector<MoldPacket> out;
  for (int i = 0; i < 1000; ++i) packer.add(message(36, 0), 0, out);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0].count, (1450 - 20) / 38);  // 37 adds; mixed traffic (avg ~30 B) gives ~40+
}

TEST(MoldPacker, MaxDelayClosesAPacketSpanningTooMuchTime) {
  MoldPacker packer("S", 1450, 1, 100);
  std::vector<MoldPacket> out;
  packer.add(message(19, 1), 1000, out);
  packer.add(message(19, 2), 1100, out);  // 100 ns after the first: same packet
  packer.add(message(19, 3), 1101, out);  // 101 ns: new packet
  packer.flush(out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].count, 2);
  EXPECT_EQ(out[1].sequence, 3u);
  EXPECT_EQ(out[1].count, 1);
}

TEST(MoldPacker, RejectsBadConfiguration) {
  EXPECT_THROW(MoldPacker("ELEVENCHARS", 1450), std::invalid_argument);
  EXPECT_THROW(MoldPacker("S", 40), std::invalid_argument);
}

}  // namespace
}  // namespace ichannel::wire
