// Ethernet / VLAN / IPv4 / UDP peel: good frames, VLAN stacks, every truncation, bad fields.
#include "feed/packet.hpp"

#include <gtest/gtest.h>

#include "wire/frame.hpp"

namespace ichannel::feed {
namespace {

// The frames these tests peel, built by app/wire's encoder: 10.0.0.1:40000 -> 233.54.12.1:26400,
// DF, TTL 64, identification 0x1234, no UDP checksum; each test changes what it needs.
namespace test {
using Bytes = std::vector<std::uint8_t>;
struct FrameSpec : ::ichannel::wire::UdpFrameSpec {
  FrameSpec() {
    destination = 0xE9360C01;
    destination_port = 26400;
    ttl = 64;
    identification = 0x1234;
    udp_checksum = false;
  }
};
Bytes udp_frame(const Bytes& payload, const FrameSpec& s = {}) {
  return ::ichannel::wire::udp_frame(s, payload);
}
}  // namespace test

using test::Bytes;
using test::FrameSpec;

const Bytes kPayload = {'h', 'e', 'l', 'l', 'o', 0, 1, 2, 3};

TEST(PacketPeel, PlainUdpFrameYieldsAddressesPortsAndPayload) {
  const Bytes f = test::udp_frame(kPayload);
  UdpDatagram d;
  ASSERT_EQ(peel(f, d, true), PeelResult::kOk);
  EXPECT_EQ(d.src_ip, 0x0A000001u);
  EXPECT_EQ(d.dst_ip, 0xE9360C01u);
  EXPECT_EQ(d.src_port, 40000);
  EXPECT_EQ(d.dst_port, 26400);
  EXPECT_FALSE(d.has_vlan);
  EXPECT_EQ(Bytes(d.payload.begin(), d.payload.end()), kPayload);
  EXPECT_EQ(d.payload.data(), f.data() + 14 + 20 + 8);  // a view, not a copy
}

TEST(PacketPeel, RecordsOutermostVlanOfAnyStack) {
  FrameSpec s;
  s.vlan_tags = {{0x88A8, 0x2123}, {0x8100, 0x0456}, {0x9100, 0x0789}, {0x8100, 0x0ABC}};
  // PCP bits in the outer TCI must be masked
  const Bytes f = test::udp_frame(kPayload, s);
  UdpDatagram d;
  ASSERT_EQ(peel(f, d), PeelResult::kOk);
  EXPECT_TRUE(d.has_vlan);
  EXPECT_EQ(d.vlan, 0x123);
  EXPECT_EQ(Bytes(d.payload.begin(), d.payload.end()), kPayload);
}

TEST(PacketPeel, SingleDot1qTag) {
  FrameSpec s;
  s.vlan_tags = {{0x8100, 100}};
  UdpDatagram d;
  ASSERT_EQ(peel(test::udp_frame(kPayload, s), d), PeelResult::kOk);
  EXPECT_EQ(d.vlan, 100);
}

TEST(PacketPeel, IpOptionsAreSkippedAndEthernetPaddingIgnored) {
  FrameSpec s;
  s.ihl_words = 7;
  s.ethernet_padding = 20;
  const Bytes f = test::udp_frame(kPayload, s);  // the payload view points into f
  UdpDatagram d;
  ASSERT_EQ(peel(f, d, true), PeelResult::kOk);
  EXPECT_EQ(Bytes(d.payload.begin(), d.payload.end()), kPayload);
}

TEST(PacketPeel, EveryTruncationIsRejectedWithoutReadingPastTheEnd) {
  FrameSpec s;
  s.vlan_tags = {{0x88A8, 1}, {0x8100, 2}};
  const Bytes f = test::udp_frame(kPayload, s);
  for (std::size_t n = 0; n < f.size(); ++n) {
    // A fresh heap copy of exactly n bytes, so ASan flags any read beyond it.
    const Bytes cut(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(n));
    UdpDatagram d;
    const PeelResult r = peel(cut, d);
    EXPECT_NE(r, PeelResult::kOk) << "length " << n;
    if (n < 14) {
      EXPECT_EQ(r, PeelResult::kTruncatedEthernet) << n;
    }
  }
  UdpDatagram d;
  EXPECT_EQ(peel(f, d), PeelResult::kOk);
}

TEST(PacketPeel, TruncatedVlanStackIsNamed) {
  FrameSpec s;
  s.vlan_tags = {{0x8100, 5}};
  const Bytes f = test::udp_frame(kPayload, s);
  UdpDatagram d;
  EXPECT_EQ(peel(std::span(f).first(16), d), PeelResult::kTruncatedVlan);
  EXPECT_EQ(peel(std::span(f).first(17), d), PeelResult::kTruncatedVlan);
}

TEST(PacketPeel, FragmentsAreRejected) {
  FrameSpec more;
  more.flags_fragment = 0x2000;  // MF, offset 0: first fragment
  FrameSpec later;
  later.flags_fragment = 0x00B9;  // offset 185 * 8, last fragment
  UdpDatagram d;
  EXPECT_EQ(peel(test::udp_frame(kPayload, more), d), PeelResult::kFragment);
  EXPECT_EQ(peel(test::udp_frame(kPayload, later), d), PeelResult::kFragment);
}

TEST(PacketPeel, NonIpv4AndNonUdpAreRejected) {
  Bytes arp = test::udp_frame(kPayload);
  arp[12] = 0x08;
  arp[13] = 0x06;
  FrameSpec tcp;
  tcp.protocol = 6;
  UdpDatagram d;
  EXPECT_EQ(peel(arp, d), PeelResult::kNotIpv4);
  EXPECT_EQ(peel(test::udp_frame(kPayload, tcp), d), PeelResult::kNotUdp);
}

TEST(PacketPeel, BadIpHeaderFieldsAreRejected) {
  const Bytes good = test::udp_frame(kPayload);
  UdpDatagram d;
  Bytes v6 = good;
  v6[14] = 0x65;
  EXPECT_EQ(peel(v6, d), PeelResult::kBadIpVersion);
  Bytes ihl = good;
  ihl[14] = 0x44;
  EXPECT_EQ(peel(ihl, d), PeelResult::kBadIhl);
  Bytes ihl_big = good;
  ihl_big[14] = 0x4F;  // 60 bytes of header, frame has fewer
  EXPECT_EQ(peel(ihl_big, d), PeelResult::kTruncatedIpv4);
  Bytes too_long = good;
  too_long[16] = 0x05;  // total length 0x05xx > frame
  EXPECT_EQ(peel(too_long, d), PeelResult::kBadTotalLength);
  Bytes too_short = good;
  too_short[16] = 0;
  too_short[17] = 19;
  EXPECT_EQ(peel(too_short, d), PeelResult::kBadTotalLength);
  Bytes no_udp = good;
  no_udp[16] = 0;
  no_udp[17] = 24;  // 20 header + 4: no room for the UDP header
  EXPECT_EQ(peel(no_udp, d), PeelResult::kTruncatedUdp);
}

TEST(PacketPeel, ChecksumIsVerifiedOnlyWhenAsked) {
  Bytes f = test::udp_frame(kPayload);
  f[14 + 8] ^= 1;  // TTL changed, checksum now wrong
  UdpDatagram d;
  EXPECT_EQ(peel(f, d, true), PeelResult::kBadChecksum);
  EXPECT_EQ(peel(f, d, false), PeelResult::kOk);
}

TEST(PacketPeel, BadUdpLengthIsRejected) {
  const Bytes good = test::udp_frame(kPayload);
  const std::size_t udp_len_at = 14 + 20 + 4;
  UdpDatagram d;
  Bytes small = good;
  small[udp_len_at] = 0;
  small[udp_len_at + 1] = 7;
  EXPECT_EQ(peel(small, d), PeelResult::kBadUdpLength);
  Bytes big = good;
  big[udp_len_at + 1] = static_cast<std::uint8_t>(big[udp_len_at + 1] + 1);
  EXPECT_EQ(peel(big, d), PeelResult::kBadUdpLength);
}

TEST(PacketPeel, CountersAndNamesCoverEveryResult) {
  PeelCounters c;
  c.count(PeelResult::kFragment);
  c.count(PeelResult::kFragment);
  EXPECT_EQ(c[PeelResult::kFragment], 2u);
  EXPECT_EQ(c[PeelResult::kOk], 0u);
  EXPECT_EQ(to_string(PeelResult::kBadUdpLength), "bad_udp_length");
  EXPECT_EQ(to_string(PeelResult::kOk), "ok");
}

}  // namespace
}  // namespace ichannel::feed
