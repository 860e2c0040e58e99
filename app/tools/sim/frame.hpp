// sim/frame.hpp: builds Ethernet [+ 802.1Q] + IPv4 + UDP multicast frames around a payload.
//
// Contract
// - Destination MAC is the IPv4 multicast mapping 01:00:5e + low 23 bits of the group; source MAC
//   is locally administered (02:00:00:00:00:01). Optional single 802.1Q tag (PCP 0, VID 1..4094).
// - IPv4: IHL 5, DF set, TTL as given, identification incremented per frame by the caller's
//   LineAddress, header checksum valid. UDP checksum computed over the pseudo-header (never 0).
// - Also: a minimal reader for the simulator's own use (send from pcap): peel_udp() finds the UDP
//   payload of an Ethernet frame (any number of VLAN tags) or fails. Cold path; allocates.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ichannel::sim {

struct LineAddress {
  std::uint32_t group = 0;            // IPv4 multicast destination, host order
  std::uint16_t port = 0;             // UDP destination port
  std::uint32_t source = 0x0A000001;  // 10.0.0.1
  std::uint16_t source_port = 40000;
  std::optional<std::uint16_t> vlan;
  std::uint8_t ttl = 32;
};

// Appends the complete frame to `out` (cleared first). `ip_id` is the IPv4 identification.
void build_frame(const LineAddress& line, std::span<const std::uint8_t> payload,
                 std::uint16_t ip_id, std::vector<std::uint8_t>& out);

// RFC 1071 ones' complement sum over `bytes` (folded, not inverted), seeded with `sum`.
std::uint32_t ones_sum(std::span<const std::uint8_t> bytes, std::uint32_t sum = 0);
std::uint16_t fold_checksum(std::uint32_t sum);  // folds and inverts

struct UdpView {
  std::uint32_t source = 0;
  std::uint32_t destination = 0;
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  std::span<const std::uint8_t> payload;
};
// Finds the UDP payload in an Ethernet frame; nullopt if it is not IPv4/UDP or is truncated.
std::optional<UdpView> peel_udp(std::span<const std::uint8_t> frame);

// "239.1.2.3" -> host-order address; nullopt if malformed.
std::optional<std::uint32_t> parse_ipv4(const std::string& text);
std::string format_ipv4(std::uint32_t address);

}  // namespace ichannel::sim
