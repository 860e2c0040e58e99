// wire/frame.hpp: builds Ethernet [+ 802.1Q / 802.1ad tags] + IPv4 + UDP frames around a payload.
//
// Contract
// - Destination MAC is the IPv4 multicast mapping 01:00:5e + low 23 bits of the destination
//   address; source MAC is locally administered (02:00:00:00:00:01). VLAN tags are written in
//   order, outermost first, each as TPID then TCI (PCP | DEI | VID) verbatim.
// - IPv4: version 4, IHL as given (options zero-filled), TOS 0, the given identification, flags
//   and fragment offset, TTL and protocol; the header checksum is always valid. UDP: length 8 +
//   payload, checksum over the pseudo-header (never 0: 0xFFFF instead), or 0 ("none") if
//   udp_checksum is false. Optional zero bytes after the datagram (Ethernet padding).
// - The defaults give what an exchange's multicast line sends: untagged, DF, TTL 32, UDP
//   checksum. Setting other fields builds the odd frames decoder tests need (options, fragments,
//   tag stacks, other protocols, padding).
// - Written from RFC 791 / 768 / 1071 and IEEE 802.1Q, independently of app/feed/packet.hpp.
// - Cold-path code; allocates. Any thread; no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ichannel::wire {

inline constexpr std::uint16_t kTpidDot1q = 0x8100;   // 802.1Q C-tag
inline constexpr std::uint16_t kTpidDot1ad = 0x88A8;  // 802.1ad S-tag

struct VlanTag {
  std::uint16_t tpid = kTpidDot1q;
  std::uint16_t tci = 0;  // PCP(3) DEI(1) VID(12)
};

struct UdpFrameSpec {
  std::uint32_t source = 0x0A000001;  // 10.0.0.1, host order
  std::uint32_t destination = 0;      // usually a multicast group, host order
  std::uint16_t source_port = 40000;
  std::uint16_t destination_port = 0;
  std::vector<VlanTag> vlan_tags;  // outermost first; empty: untagged
  std::uint8_t ttl = 32;
  std::uint16_t identification = 0;
  std::uint16_t flags_fragment = 0x4000;  // DF set, offset 0
  std::uint8_t protocol = 17;             // UDP
  std::uint8_t ihl_words = 5;             // IPv4 header length in 32-bit words, 5..15
  bool udp_checksum = true;
  std::size_t ethernet_padding = 0;  // zero bytes after the IP datagram
};

// Writes the complete frame into `out` (cleared first).
void build_udp_frame(const UdpFrameSpec& spec, std::span<const std::uint8_t> payload,
                     std::vector<std::uint8_t>& out);
// The same, as a new vector.
std::vector<std::uint8_t> udp_frame(const UdpFrameSpec& spec,
                                    std::span<const std::uint8_t> payload);

// RFC 1071 ones' complement sum over `bytes` (folded, not inverted), seeded with `sum`.
std::uint32_t ones_sum(std::span<const std::uint8_t> bytes, std::uint32_t sum = 0);
std::uint16_t fold_checksum(std::uint32_t sum);  // folds and inverts

}  // namespace ichannel::wire
