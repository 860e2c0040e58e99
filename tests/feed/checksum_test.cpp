// IPv4 header and UDP checksum verification. Known-good frames come from outside the code under
// test: the RFC 791 header example widely used in textbooks, a VLAN-tagged frame whose
// checksums were computed by a separate Python RFC 1071 implementation, and frames whose UDP
// checksum the test computes with its own byte-at-a-time reference.
#include "feed/checksum.hpp"

#include <gtest/gtest.h>

#include <random>

#include "feed/packet.hpp"
#include "wire/frame.hpp"

namespace ichannel::feed {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Frames from app/wire's encoder with the shapes these tests vary; the UDP checksum is left 0
// (with_udp_checksum() below fills it in by an independent reference computation).
namespace test {
struct FrameSpec {
  std::uint32_t src_ip = 0x0A000001;
  std::uint32_t dst_ip = 0xE9360C01;
  std::uint8_t ihl_words = 5;
  std::uint8_t protocol = 17;
  std::uint16_t frag = 0x4000;
  std::size_t trailing_padding = 0;
};
Bytes udp_frame(const Bytes& payload, const FrameSpec& f = {}) {
  ::ichannel::wire::UdpFrameSpec s;
  s.source = f.src_ip;
  s.destination = f.dst_ip;
  s.destination_port = 26400;
  s.ihl_words = f.ihl_words;
  s.protocol = f.protocol;
  s.flags_fragment = f.frag;
  s.ethernet_padding = f.trailing_padding;
  s.ttl = 64;
  s.udp_checksum = false;
  return ::ichannel::wire::udp_frame(s, payload);
}
}  // namespace test

// 45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7: the classic example (checksum b861).
const Bytes kTextbookHeader = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                               0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

// VLAN 100, 192.168.1.10:26477 -> 233.54.12.111:26400, 25-byte payload (odd length): a MoldUDP64
// packet of session 0000000001, sequence 42, one 3-byte message. IPv4 checksum 0x671a, UDP 0xc443
// (computed in Python, struct.unpack of 16-bit words, RFC 1071).
const Bytes kPythonFrame = {0x01, 0x00, 0x5e, 0x36, 0x0c, 0x6f, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
                            0x81, 0x00, 0x00, 0x64, 0x08, 0x00, 0x45, 0x00, 0x00, 0x35, 0x1c, 0x46,
                            0x40, 0x00, 0x40, 0x11, 0x67, 0x1a, 0xc0, 0xa8, 0x01, 0x0a, 0xe9, 0x36,
                            0x0c, 0x6f, 0x67, 0x6d, 0x67, 0x20, 0x00, 0x21, 0xc4, 0x43, 0x30, 0x30,
                            0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x31, 0x00, 0x00, 0x00, 0x00,
                            0x00, 0x00, 0x00, 0x2a, 0x00, 0x01, 0x00, 0x03, 0x61, 0x62, 0x63};
constexpr std::size_t kIpOffset = 18;
constexpr std::size_t kUdpOffset = kIpOffset + 20;

// Byte-at-a-time RFC 1071 reference, written independently of checksum.hpp.
std::uint16_t reference_checksum(const Bytes& b) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    sum += (i % 2 == 0) ? (std::uint32_t{b[i]} << 8) : b[i];
    sum = (sum & 0xFFFF) + (sum >> 16);
  }
  return static_cast<std::uint16_t>(~sum & 0xFFFF);
}

// Fills in the UDP checksum of a frame built by test::udp_frame (no VLAN, IHL 5).
Bytes with_udp_checksum(Bytes f) {
  const std::size_t ip = 14, udp = ip + 20;
  const std::size_t udp_len = (std::size_t{f[udp + 4]} << 8) | f[udp + 5];
  Bytes pseudo(f.begin() + ip + 12, f.begin() + ip + 20);
  pseudo.push_back(0);
  pseudo.push_back(17);
  pseudo.push_back(static_cast<std::uint8_t>(udp_len >> 8));
  pseudo.push_back(static_cast<std::uint8_t>(udp_len));
  pseudo.insert(pseudo.end(), f.begin() + udp, f.begin() + udp + udp_len);
  std::uint16_t c = reference_checksum(pseudo);
  if (c == 0) c = 0xFFFF;  // RFC 768: a computed zero is sent as all ones
  f[udp + 6] = static_cast<std::uint8_t>(c >> 8);
  f[udp + 7] = static_cast<std::uint8_t>(c);
  return f;
}

TEST(Checksum, TextbookIpv4HeaderVerifies) {
  EXPECT_TRUE(ipv4_header_checksum_ok(kTextbookHeader));
  Bytes bad = kTextbookHeader;
  bad[8] ^= 0x01;  // TTL
  EXPECT_FALSE(ipv4_header_checksum_ok(bad));
}

TEST(Checksum, IndependentlyBuiltVlanFrameVerifiesBothChecksums) {
  EXPECT_EQ(verify_checksums(kPythonFrame), ChecksumResult::kOk);
  UdpDatagram d;
  ASSERT_EQ(peel(kPythonFrame, d, true), PeelResult::kOk);  // the peel agrees on the header
}

TEST(Checksum, EveryFlippedBitIsDetected) {
  for (std::size_t i = kIpOffset; i < kPythonFrame.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes f = kPythonFrame;
      f[i] ^= static_cast<std::uint8_t>(1u << bit);
      const ChecksumResult r = verify_checksums(f);
      EXPECT_FALSE(r == ChecksumResult::kOk || r == ChecksumResult::kUdpNotComputed)
          << "byte " << i << " bit " << bit << " -> " << to_string(r);
    }
  }
}

TEST(Checksum, HeaderCorruptionIsReportedBeforeUdp) {
  Bytes f = kPythonFrame;
  f[kIpOffset + 10] ^= 0xFF;  // header checksum field
  EXPECT_EQ(verify_checksums(f), ChecksumResult::kBadIpv4Header);
  f = kPythonFrame;
  f[f.size() - 1] ^= 0x04;  // payload byte
  EXPECT_EQ(verify_checksums(f), ChecksumResult::kBadUdp);
}

TEST(Checksum, ZeroUdpChecksumMeansNotComputed) {
  Bytes f = kPythonFrame;
  f[kUdpOffset + 6] = 0;
  f[kUdpOffset + 7] = 0;
  EXPECT_EQ(verify_checksums(f), ChecksumResult::kUdpNotComputed);
  EXPECT_TRUE(accepted(ChecksumResult::kUdpNotComputed));
  EXPECT_FALSE(accepted(ChecksumResult::kBadUdp));
}

TEST(Checksum, ComputedZeroSentAsAllOnesVerifies) {
  // Search payloads until the reference checksum comes out as 0 (sent as 0xFFFF).
  for (std::uint32_t v = 0; v < 200'000; ++v) {
    Bytes payload = {static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
                     static_cast<std::uint8_t>(v), 0x5A};
    Bytes f = with_udp_checksum(test::udp_frame(payload));
    if (f[14 + 20 + 6] == 0xFF && f[14 + 20 + 7] == 0xFF) {
      EXPECT_EQ(verify_checksums(f), ChecksumResult::kOk);
      return;
    }
  }
  FAIL() << "no payload with a zero checksum found";
}

TEST(Checksum, RandomFramesAgreeWithTheReference) {
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) {
    Bytes payload(rng() % 1473);
    for (auto& b : payload) b = static_cast<std::uint8_t>(rng());
    test::FrameSpec spec;
    spec.src_ip = rng();
    spec.dst_ip = rng();
    spec.trailing_padding = rng() % 2 ? 0 : rng() % 20;  // Ethernet padding is not summed
    Bytes f = with_udp_checksum(test::udp_frame(payload, spec));
    ASSERT_EQ(verify_checksums(f), ChecksumResult::kOk) << i << " size " << payload.size();
    if (payload.empty()) continue;
    f[14 + 20 + 8 + rng() % payload.size()] ^= 0x10;
    EXPECT_EQ(verify_checksums(f), ChecksumResult::kBadUdp) << i;
  }
}

TEST(Checksum, IpOptionsAreIncludedInTheHeaderSum) {
  test::FrameSpec spec;
  spec.ihl_words = 6;
  Bytes f = test::udp_frame({1, 2, 3}, spec);  // header checksum right, UDP checksum 0
  EXPECT_EQ(verify_checksums(f), ChecksumResult::kUdpNotComputed);
  f[14 + 21] ^= 0x01;  // inside the option bytes
  EXPECT_EQ(verify_checksums(f), ChecksumResult::kBadIpv4Header);
}

TEST(Checksum, MalformedFramesAreNotCheckedAndNeverOverread) {
  EXPECT_EQ(verify_checksums({}), ChecksumResult::kNotChecked);
  for (std::size_t n = 0; n < kPythonFrame.size(); ++n) {
    const Bytes cut(kPythonFrame.begin(), kPythonFrame.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_EQ(verify_checksums(cut), ChecksumResult::kNotChecked) << n;
  }
  test::FrameSpec tcp;
  tcp.protocol = 6;
  EXPECT_EQ(verify_checksums(test::udp_frame({1}, tcp)), ChecksumResult::kNotChecked);
  test::FrameSpec frag;
  frag.frag = 0x2000;  // MF
  EXPECT_EQ(verify_checksums(test::udp_frame({1}, frag)), ChecksumResult::kNotChecked);
}

TEST(Checksum, ResultNamesAreStable) {
  EXPECT_EQ(to_string(ChecksumResult::kBadUdp), "bad_udp");
  EXPECT_EQ(to_string(static_cast<ChecksumResult>(200)), "unknown");
  ChecksumCounters c;
  c.count(ChecksumResult::kBadIpv4Header);
  EXPECT_EQ(c[ChecksumResult::kBadIpv4Header], 1u);
}

}  // namespace
}  // namespace ichannel::feed
