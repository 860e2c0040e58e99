// tests/wire/frame_test.cpp: app/wire's Ethernet/VLAN/IPv4/UDP frames are valid (checked by hand
// and by app/feed's peel with checksum verification), and app/feed's peel reads them back.
#include "wire/frame.hpp"

#include <gtest/gtest.h>

#include "config/ipv4.hpp"
#include "feed/packet.hpp"

namespace ichannel::wire {
namespace {

using config::format_ipv4;
using config::parse_ipv4;

std::vector<std::uint8_t> payload(std::size_t n) {
  std::vector<std::uint8_t> p(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return p;
}

TEST(Frame, MulticastMacIsDerivedFromTheGroup) {
  UdpFrameSpec l;
  l.destination = *parse_ipv4("239.129.2.3");  // the 24th bit is not mapped: 0x81 -> 0x01
  l.destination_port = 26400;
  l.identification = 1;
  std::vector<std::uint8_t> f;
  build_udp_frame(l, payload(10), f);
  EXPECT_EQ(std::vector<std::uint8_t>(f.begin(), f.begin() + 6),
            (std::vector<std::uint8_t>{0x01, 0x00, 0x5e, 0x01, 0x02, 0x03}));
  EXPECT_EQ(f.size(), 14u + 20 + 8 + 10);
}

TEST(Frame, Ipv4AndUdpChecksumsVerify) {
  UdpFrameSpec l;
  l.destination = *parse_ipv4("233.54.12.1");
  l.destination_port = 30001;
  l.ttl = 7;
  for (std::size_t n : {0u, 1u, 19u, 20u, 1450u}) {
    std::vector<std::uint8_t> f;
    const auto p = payload(n);
    l.identification = static_cast<std::uint16_t>(n);
    build_udp_frame(l, p, f);
    const std::span<const std::uint8_t> ip(f.data() + 14, 20);
    EXPECT_EQ(fold_checksum(ones_sum(ip)), 0) << "IPv4 header checksum, payload " << n;
    EXPECT_EQ(ip[8], 7);
    // UDP: sum over pseudo-header + UDP header + payload must fold to 0.
    const std::span<const std::uint8_t> udp(f.data() + 34, 8 + n);
    std::uint32_t pseudo = (l.source >> 16) + (l.source & 0xFFFF) + (l.destination >> 16) +
                           (l.destination & 0xFFFF) + 17 + static_cast<std::uint32_t>(8 + n);
    EXPECT_EQ(fold_checksum(ones_sum(udp, pseudo)), 0) << "UDP checksum, payload " << n;

    feed::UdpDatagram d;
    ASSERT_EQ(feed::peel(f, d, true), feed::PeelResult::kOk);
    EXPECT_EQ(d.dst_ip, l.destination);
    EXPECT_EQ(d.dst_port, 30001);
    EXPECT_EQ(d.src_ip, l.source);
    EXPECT_FALSE(d.has_vlan);
    EXPECT_TRUE(std::equal(d.payload.begin(), d.payload.end(), p.begin(), p.end()));
  }
}

TEST(Frame, VlanTagIsInsertedBeforeTheIpv4Ethertype) {
  UdpFrameSpec l;
  l.destination = *parse_ipv4("239.1.1.1");
  l.destination_port = 1;
  l.vlan_tags = {{kTpidDot1q, 100}};
  std::vector<std::uint8_t> f;
  build_udp_frame(l, payload(30), f);
  EXPECT_EQ(f[12], 0x81);
  EXPECT_EQ(f[13], 0x00);
  EXPECT_EQ(f[14], 0x00);
  EXPECT_EQ(f[15], 100);
  EXPECT_EQ(f[16], 0x08);
  EXPECT_EQ(f[17], 0x00);
  feed::UdpDatagram d;
  ASSERT_EQ(feed::peel(f, d, true), feed::PeelResult::kOk);
  EXPECT_TRUE(d.has_vlan);
  EXPECT_EQ(d.vlan, 100);
  EXPECT_EQ(d.payload.size(), 30u);
  EXPECT_EQ(d.dst_ip, l.destination);
}

TEST(Frame, PeelRejectsTruncatedFramesAtEveryLength) {
  UdpFrameSpec l;
  l.destination = *parse_ipv4("239.1.1.1");
  l.destination_port = 1;
  l.vlan_tags = {{kTpidDot1q, 5}};
  std::vector<std::uint8_t> f;
  build_udp_frame(l, payload(40), f);
  for (std::size_t n = 0; n < f.size(); ++n) {
    const std::vector<std::uint8_t> cut(f.begin(), f.begin() + static_cast<long>(n));
    feed::UdpDatagram d;
    EXPECT_NE(feed::peel(cut, d), feed::PeelResult::kOk) << "length " << n;
  }
  feed::UdpDatagram d;
  EXPECT_EQ(feed::peel(f, d), feed::PeelResult::kOk);
}

TEST(Frame, OddFramesOnRequestKeepAValidHeaderChecksum) {
  UdpFrameSpec l;
  l.destination = *parse_ipv4("233.54.12.1");
  l.destination_port = 26400;
  l.vlan_tags = {{kTpidDot1ad, 0x2123}, {kTpidDot1q, 0x0456}};
  l.ihl_words = 7;
  l.ethernet_padding = 20;
  l.udp_checksum = false;
  const auto p = payload(9);
  const std::vector<std::uint8_t> f = udp_frame(l, p);
  EXPECT_EQ(f.size(), 14u + 8 + 28 + 8 + 9 + 20);
  EXPECT_EQ(fold_checksum(ones_sum(std::span<const std::uint8_t>(f).subspan(22, 28))), 0);
  EXPECT_EQ(f[22 + 28 + 6], 0);  // UDP checksum "none"
  EXPECT_EQ(f[22 + 28 + 7], 0);
  feed::UdpDatagram d;
  ASSERT_EQ(feed::peel(f, d, true), feed::PeelResult::kOk);
  EXPECT_EQ(d.vlan, 0x123);
  EXPECT_TRUE(std::equal(d.payload.begin(), d.payload.end(), p.begin(), p.end()));
}

TEST(Frame, ParsesAndFormatsIpv4) {
  EXPECT_EQ(parse_ipv4("233.54.12.1"), 0xE9360C01u);
  EXPECT_FALSE(parse_ipv4("233.54.12").has_value());
  EXPECT_FALSE(parse_ipv4("not-an-ip").has_value());
  EXPECT_EQ(format_ipv4(0xE9360C01u), "233.54.12.1");
}

}  // namespace
}  // namespace ichannel::wire
