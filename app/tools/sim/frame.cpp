// sim/frame.cpp: frame building and peeling, see frame.hpp.
#include "frame.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace ichannel::sim {
namespace {

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherVlan = 0x8100;
constexpr std::uint16_t kEtherQinQ = 0x88A8;
constexpr std::uint8_t kProtoUdp = 17;

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
std::uint32_t get32(std::span<const std::uint8_t> b, std::size_t at) {
  return (static_cast<std::uint32_t>(get16(b, at)) << 16) | get16(b, at + 2);
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

void build_frame(const LineAddress& line, std::span<const std::uint8_t> payload,
                 std::uint16_t ip_id, std::vector<std::uint8_t>& out) {
  out.clear();
  out.reserve(14 + 4 + 20 + 8 + payload.size());
  // Ethernet: destination 01:00:5e + low 23 bits of the group, source locally administered.
  const std::uint8_t dst[6] = {0x01,
                               0x00,
                               0x5e,
                               static_cast<std::uint8_t>((line.group >> 16) & 0x7F),
                               static_cast<std::uint8_t>(line.group >> 8),
                               static_cast<std::uint8_t>(line.group)};
  const std::uint8_t src[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
  for (std::uint8_t b : dst) out.push_back(b);
  for (std::uint8_t b : src) out.push_back(b);
  if (line.vlan) {
    put16(out, kEtherVlan);
    put16(out, static_cast<std::uint16_t>(*line.vlan & 0x0FFF));
  }
  put16(out, kEtherIpv4);

  // IPv4 header.
  const std::size_t ip_at = out.size();
  const auto udp_len = static_cast<std::uint16_t>(8 + payload.size());
  out.push_back(0x45);
  out.push_back(0x00);
  put16(out, static_cast<std::uint16_t>(20 + udp_len));
  put16(out, ip_id);
  put16(out, 0x4000);  // DF, offset 0
  out.push_back(line.ttl);
  out.push_back(kProtoUdp);
  put16(out, 0);  // checksum, patched below
  put32(out, line.source);
  put32(out, line.group);
  const std::uint16_t ip_sum =
      fold_checksum(ones_sum(std::span<const std::uint8_t>(out).subspan(ip_at, 20)));
  out[ip_at + 10] = static_cast<std::uint8_t>(ip_sum >> 8);
  out[ip_at + 11] = static_cast<std::uint8_t>(ip_sum);

  // UDP header + payload; checksum over pseudo-header, header and payload.
  const std::size_t udp_at = out.size();
  put16(out, line.source_port);
  put16(out, line.port);
  put16(out, udp_len);
  put16(out, 0);
  const std::size_t payload_at = out.size();
  out.resize(payload_at + payload.size());
  if (!payload.empty()) std::memcpy(out.data() + payload_at, payload.data(), payload.size());
  std::uint32_t sum = 0;
  sum += (line.source >> 16) + (line.source & 0xFFFF);
  sum += (line.group >> 16) + (line.group & 0xFFFF);
  sum += kProtoUdp;
  sum += udp_len;
  std::uint16_t udp_sum =
      fold_checksum(ones_sum(std::span<const std::uint8_t>(out).subspan(udp_at), sum));
  if (udp_sum == 0) udp_sum = 0xFFFF;  // 0 means "no checksum" in IPv4 UDP
  out[udp_at + 6] = static_cast<std::uint8_t>(udp_sum >> 8);
  out[udp_at + 7] = static_cast<std::uint8_t>(udp_sum);
}

std::optional<UdpView> peel_udp(std::span<const std::uint8_t> frame) {
  if (frame.size() < 14) return std::nullopt;
  std::size_t at = 12;
  std::uint16_t type = get16(frame, at);
  while (type == kEtherVlan || type == kEtherQinQ) {
    at += 4;
    if (frame.size() < at + 2) return std::nullopt;
    type = get16(frame, at);
  }
  at += 2;
  if (type != kEtherIpv4 || frame.size() < at + 20) return std::nullopt;
  const std::size_t ihl = (frame[at] & 0x0F) * 4u;
  if ((frame[at] >> 4) != 4 || ihl < 20 || frame[at + 9] != kProtoUdp) return std::nullopt;
  const std::size_t total = get16(frame, at + 2);
  if (total < ihl + 8 || frame.size() < at + total) return std::nullopt;
  if ((get16(frame, at + 6) & 0x3FFF) != 0) return std::nullopt;  // fragment
  UdpView v;
  v.source = get32(frame, at + 12);
  v.destination = get32(frame, at + 16);
  const std::size_t udp = at + ihl;
  v.source_port = get16(frame, udp);
  v.destination_port = get16(frame, udp + 2);
  const std::size_t udp_len = get16(frame, udp + 4);
  if (udp_len < 8 || udp + udp_len > at + total) return std::nullopt;
  v.payload = frame.subspan(udp + 8, udp_len - 8);
  return v;
}

std::optional<std::uint32_t> parse_ipv4(const std::string& text) {
  in_addr a{};
  if (inet_pton(AF_INET, text.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

std::string format_ipv4(std::uint32_t address) {
  return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 0xFF) + "." +
         std::to_string((address >> 8) & 0xFF) + "." + std::to_string(address & 0xFF);
}

}  // namespace ichannel::sim
