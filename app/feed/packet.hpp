// feed/packet.hpp: Ethernet / VLAN / IPv4 / UDP peel of one received frame.
//
// Contract
// - peel(frame, out) checks one Ethernet frame and, if it is an unfragmented IPv4 UDP datagram,
//   fills `out` with source and destination address (host byte order), ports, the outermost VLAN
//   id (if tagged) and a view of the UDP payload inside `frame`. Otherwise it returns why not.
// - Any number of 802.1Q (0x8100), 802.1ad (0x88A8) or legacy QinQ (0x9100) tags is accepted;
//   the outermost tag's VLAN id is recorded. IPv4 options are skipped (IHL). Trailing Ethernet
//   padding beyond the IPv4 total length is ignored. Fragments (MF set or non-zero offset) are
//   rejected with kFragment: the appliance does not reassemble (market data never fragments).
// - The header checksum is verified only when asked (NICs usually verify it in hardware).
// - Never reads outside `frame`. Inline, noexcept, no allocation: hot path, any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "feed/big_endian.hpp"

namespace ichannel::feed {

enum class PeelResult : std::uint8_t {
  kOk = 0,
  kTruncatedEthernet,  // shorter than the 14-byte Ethernet header
  kTruncatedVlan,      // a VLAN tag or the ethertype after it is cut off
  kNotIpv4,            // ethertype after the tags is not 0x0800 (ARP, IPv6, LLDP, ...)
  kTruncatedIpv4,      // fewer than 20 bytes, or fewer than IHL * 4, after the L2 headers
  kBadIpVersion,       // version nibble is not 4
  kBadIhl,             // IHL below 5
  kBadTotalLength,     // total length below the header length or beyond the frame
  kBadChecksum,        // header checksum wrong (only when verification is requested)
  kFragment,           // MF flag or non-zero fragment offset
  kNotUdp,             // IP protocol is not 17
  kTruncatedUdp,       // fewer than 8 bytes of UDP header inside the IPv4 payload
  kBadUdpLength,       // UDP length below 8 or beyond the IPv4 payload
};
inline constexpr std::size_t kPeelResultCount = 13;

[[nodiscard]] constexpr std::string_view to_string(PeelResult r) noexcept {
  constexpr std::array<std::string_view, kPeelResultCount> kNames{"ok",
                                                                  "truncated_ethernet",
                                                                  "truncated_vlan",
                                                                  "not_ipv4",
                                                                  "truncated_ipv4",
                                                                  "bad_ip_version",
                                                                  "bad_ihl",
                                                                  "bad_total_length",
                                                                  "bad_checksum",
                                                                  "fragment",
                                                                  "not_udp",
                                                                  "truncated_udp",
                                                                  "bad_udp_length"};
  const auto i = static_cast<std::size_t>(r);
  return i < kNames.size() ? kNames[i] : std::string_view{"unknown"};
}

struct UdpDatagram {
  std::uint32_t src_ip = 0;  // host byte order
  std::uint32_t dst_ip = 0;  // host byte order (the multicast group)
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint16_t vlan = 0;  // outermost VLAN id (12 bits); meaningful only if has_vlan
  bool has_vlan = false;
  std::span<const std::uint8_t> payload;  // UDP payload, a view into the frame
};

// Per-reason counters a receive loop can keep beside the peel (plain, single-threaded).
struct PeelCounters {
  std::array<std::uint64_t, kPeelResultCount> by_result{};
  void count(PeelResult r) noexcept { ++by_result[static_cast<std::size_t>(r)]; }
  [[nodiscard]] std::uint64_t operator[](PeelResult r) const noexcept {
    return by_result[static_cast<std::size_t>(r)];
  }
};

inline constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr std::uint16_t kEtherTypeVlan = 0x8100;     // 802.1Q C-tag
inline constexpr std::uint16_t kEtherTypeQinQ = 0x88A8;     // 802.1ad S-tag
inline constexpr std::uint16_t kEtherTypeQinQOld = 0x9100;  // pre-standard QinQ
inline constexpr std::uint8_t kIpProtoUdp = 17;

// One's-complement sum over an IPv4 header; 0 when the stored checksum is right.
[[nodiscard]] inline std::uint16_t ipv4_checksum(std::span<const std::uint8_t> hdr) noexcept {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < hdr.size(); i += 2) sum += be::load_be16(hdr.data() + i);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

[[nodiscard]] inline PeelResult peel(std::span<const std::uint8_t> frame, UdpDatagram& out,
                                     bool verify_checksum = false) noexcept {
  const std::uint8_t* p = frame.data();
  std::size_t n = frame.size();
  if (n < 14) return PeelResult::kTruncatedEthernet;
  std::size_t off = 12;  // ethertype / TPID position after the two MAC addresses
  std::uint16_t type = be::load_be16(p + off);
  out.has_vlan = false;
  out.vlan = 0;
  while (type == kEtherTypeVlan || type == kEtherTypeQinQ || type == kEtherTypeQinQOld) {
    if (off + 6 > n) return PeelResult::kTruncatedVlan;  // TCI (2) + next type (2) after TPID
    if (!out.has_vlan) {
      out.has_vlan = true;
      out.vlan = be::load_be16(p + off + 2) & 0x0FFF;
    }
    off += 4;
    type = be::load_be16(p + off);
  }
  if (type != kEtherTypeIpv4) return PeelResult::kNotIpv4;
  off += 2;  // start of the IPv4 header
  const std::size_t l3_avail = n - off;
  if (l3_avail < 20) return PeelResult::kTruncatedIpv4;
  const std::uint8_t* ip = p + off;
  if ((ip[0] >> 4) != 4) return PeelResult::kBadIpVersion;
  const std::size_t ihl = std::size_t{ip[0] & 0x0Fu} * 4;
  if (ihl < 20) return PeelResult::kBadIhl;
  if (ihl > l3_avail) return PeelResult::kTruncatedIpv4;
  const std::size_t total = be::load_be16(ip + 2);
  if (total < ihl || total > l3_avail) return PeelResult::kBadTotalLength;
  if (verify_checksum && ipv4_checksum({ip, ihl}) != 0) return PeelResult::kBadChecksum;
  const std::uint16_t frag = be::load_be16(ip + 6);
  if ((frag & 0x2000) != 0 || (frag & 0x1FFF) != 0) return PeelResult::kFragment;
  if (ip[9] != kIpProtoUdp) return PeelResult::kNotUdp;
  const std::size_t l4_avail = total - ihl;
  if (l4_avail < 8) return PeelResult::kTruncatedUdp;
  const std::uint8_t* udp = ip + ihl;
  const std::size_t udp_len = be::load_be16(udp + 4);
  if (udp_len < 8 || udp_len > l4_avail) return PeelResult::kBadUdpLength;
  out.src_ip = be::load_be32(ip + 12);
  out.dst_ip = be::load_be32(ip + 16);
  out.src_port = be::load_be16(udp);
  out.dst_port = be::load_be16(udp + 2);
  out.payload = {udp + 8, udp_len - 8};
  return PeelResult::kOk;
}

}  // namespace ichannel::feed
