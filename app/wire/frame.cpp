// wire/frame.cpp: frame building, see frame.hpp.
#include "wire/frame.hpp"

#include <cstring>

namespace ichannel::wire {
namespace {

constexpr std::uint16_t kEtherIpv4 = 0x0800;

void put16(std::vector<std::uint8_t>& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
void put32(std::vector<std::uint8_t>& b, std::uint32_t v) {
  put16(b, static_cast<std::uint16_t>(v >> 16));
  put16(b, static_cast<std::uint16_t>(v));
}
std::uint16_t get16(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

}  // namespace

std::uint32_t ones_sum(std::span<const std::uint8_t> bytes, std::uint32_t sum) {
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) sum += static_cast<std::uint32_t>(get16(bytes, i));
  if (i < bytes.size()) sum += static_cast<std::uint32_t>(bytes[i]) << 8;
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return sum;
}

std::uint16_t fold_checksum(std::uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xFFFF);
}

void build_udp_frame(const UdpFrameSpec& s, std::span<const std::uint8_t> payload,
                     std::vector<std::uint8_t>& out) {
  const std::size_t ihl = std::size_t{s.ihl_words} * 4;
  out.clear();
  out.reserve(14 + 4 * s.vlan_tags.size() + ihl + 8 + payload.size() + s.ethernet_padding);
  // Ethernet: destination 01:00:5e + low 23 bits of the group, source locally administered.
  const std::uint8_t dst[6] = {0x01,
                               0x00,
                               0x5e,
                               static_cast<std::uint8_t>((s.destination >> 16) & 0x7F),
                               static_cast<std::uint8_t>(s.destination >> 8),
                               static_cast<std::uint8_t>(s.destination)};
  const std::uint8_t src[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
  for (std::uint8_t b : dst) out.push_back(b);
  for (std::uint8_t b : src) out.push_back(b);
  for (const VlanTag& t : s.vlan_tags) {
    put16(out, t.tpid);
    put16(out, t.tci);
  }
  put16(out, kEtherIpv4);

  // IPv4 header (options, if any, are zero).
  const std::size_t ip_at = out.size();
  const auto udp_len = static_cast<std::uint16_t>(8 + payload.size());
  out.push_back(static_cast<std::uint8_t>(0x40 | (s.ihl_words & 0x0F)));
  out.push_back(0x00);
  put16(out, static_cast<std::uint16_t>(ihl + udp_len));
  put16(out, s.identification);
  put16(out, s.flags_fragment);
  out.push_back(s.ttl);
  out.push_back(s.protocol);
  put16(out, 0);  // checksum, patched below
  put32(out, s.source);
  put32(out, s.destination);
  out.resize(ip_at + ihl, 0);
  const std::uint16_t ip_sum =
      fold_checksum(ones_sum(std::span<const std::uint8_t>(out).subspan(ip_at, ihl)));
  out[ip_at + 10] = static_cast<std::uint8_t>(ip_sum >> 8);
  out[ip_at + 11] = static_cast<std::uint8_t>(ip_sum);

  // UDP header + payload; checksum over pseudo-header, header and payload.
  const std::size_t udp_at = out.size();
  put16(out, s.source_port);
  put16(out, s.destination_port);
  put16(out, udp_len);
  put16(out, 0);
  const std::size_t payload_at = out.size();
  out.resize(payload_at + payload.size());
  if (!payload.empty()) std::memcpy(out.data() + payload_at, payload.data(), payload.size());
  if (s.udp_checksum) {
    std::uint32_t sum = 0;
    sum += (s.source >> 16) + (s.source & 0xFFFF);
    sum += (s.destination >> 16) + (s.destination & 0xFFFF);
    sum += s.protocol;
    sum += udp_len;
    std::uint16_t udp_sum =
        fold_checksum(ones_sum(std::span<const std::uint8_t>(out).subspan(udp_at), sum));
    if (udp_sum == 0) udp_sum = 0xFFFF;  // 0 means "no checksum" in IPv4 UDP
    out[udp_at + 6] = static_cast<std::uint8_t>(udp_sum >> 8);
    out[udp_at + 7] = static_cast<std::uint8_t>(udp_sum);
  }
  out.resize(out.size() + s.ethernet_padding, 0);
}

std::vector<std::uint8_t> udp_frame(const UdpFrameSpec& spec,
                                    std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> out;
  build_udp_frame(spec, payload, out);
  return out;
}

}  // namespace ichannel::wire
