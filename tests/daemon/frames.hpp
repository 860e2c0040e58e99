// tests/daemon/frames.hpp: byte builders for daemon tests: ITCH 5.0 messages, MoldUDP64 packets,
// Ethernet/[802.1Q]/IPv4/UDP frames and a classic pcap writer.
//
// Contract: test-only helpers built from the specs (not from the decoder under test); big-endian
// fields; the IPv4 header checksum is filled in. Allocate freely.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ichannel::test {

using Bytes = std::vector<std::uint8_t>;

inline void put_be(Bytes& b, std::uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

inline void put_alpha(Bytes& b, std::string_view s, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    b.push_back(i < s.size() ? static_cast<std::uint8_t>(s[i]) : ' ');
}

// ITCH 5.0 'A' Add Order (36 bytes).
inline Bytes itch_add(std::uint16_t locate, std::uint64_t ts, std::uint64_t order, char side,
                      std::uint32_t shares, std::string_view stock, std::uint32_t price) {
  Bytes b{'A'};
  put_be(b, locate, 2);
  put_be(b, 0, 2);  // tracking number
  put_be(b, ts, 6);
  put_be(b, order, 8);
  b.push_back(static_cast<std::uint8_t>(side));
  put_be(b, shares, 4);
  put_alpha(b, stock, 8);
  put_be(b, price, 4);
  return b;
}

// ITCH 5.0 'D' Order Delete (19 bytes).
inline Bytes itch_delete(std::uint16_t locate, std::uint64_t ts, std::uint64_t order) {
  Bytes b{'D'};
  put_be(b, locate, 2);
  put_be(b, 0, 2);
  put_be(b, ts, 6);
  put_be(b, order, 8);
  return b;
}

// MoldUDP64: session (10), sequence of the first message, count, then length-prefixed blocks.
inline Bytes mold_packet(std::string_view session, std::uint64_t seq,
                         const std::vector<Bytes>& messages) {
  Bytes b;
  put_alpha(b, session, 10);
  put_be(b, seq, 8);
  put_be(b, messages.size(), 2);
  for (const Bytes& m : messages) {
    put_be(b, m.size(), 2);
    b.insert(b.end(), m.begin(), m.end());
  }
  return b;
}

inline Bytes udp_frame(std::uint32_t src, std::uint32_t dst, std::uint16_t sport,
                       std::uint16_t dport, std::span<const std::uint8_t> payload,
                       std::optional<std::uint16_t> vlan = std::nullopt) {
  Bytes b{0x01,
          0x00,
          0x5e,
          static_cast<std::uint8_t>((dst >> 16) & 0x7f),
          static_cast<std::uint8_t>(dst >> 8),
          static_cast<std::uint8_t>(dst)};
  Bytes src_mac{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
  b.insert(b.end(), src_mac.begin(), src_mac.end());
  if (vlan) {
    put_be(b, 0x8100, 2);
    put_be(b, *vlan, 2);
  }
  put_be(b, 0x0800, 2);
  const std::size_t ip = b.size();
  put_be(b, 0x45, 1);
  put_be(b, 0, 1);
  put_be(b, 20 + 8 + payload.size(), 2);
  put_be(b, 0, 2);  // id
  put_be(b, 0, 2);  // flags / fragment offset
  put_be(b, 64, 1);
  put_be(b, 17, 1);
  put_be(b, 0, 2);  // checksum, below
  put_be(b, src, 4);
  put_be(b, dst, 4);
  std::uint32_t sum = 0;
  for (std::size_t i = ip; i < ip + 20; i += 2) sum += (b[i] << 8) | b[i + 1];
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  b[ip + 10] = static_cast<std::uint8_t>(~sum >> 8);
  b[ip + 11] = static_cast<std::uint8_t>(~sum);
  put_be(b, sport, 2);
  put_be(b, dport, 2);
  put_be(b, 8 + payload.size(), 2);
  put_be(b, 0, 2);  // UDP checksum: none
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

// Classic little-endian pcap, microsecond timestamps, Ethernet link type.
inline bool write_pcap(const std::string& path, const std::vector<Bytes>& frames) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  auto u32 = [&](std::uint32_t v) { std::fwrite(&v, 4, 1, f); };
  auto u16 = [&](std::uint16_t v) { std::fwrite(&v, 2, 1, f); };
  u32(0xa1b2c3d4);
  u16(2);
  u16(4);
  u32(0);
  u32(0);
  u32(65535);
  u32(1);
  std::uint32_t usec = 0;
  for (const Bytes& fr : frames) {
    u32(1'700'000'000);
    u32(usec++);
    u32(static_cast<std::uint32_t>(fr.size()));
    u32(static_cast<std::uint32_t>(fr.size()));
    std::fwrite(fr.data(), 1, fr.size(), f);
  }
  return std::fclose(f) == 0;
}

}  // namespace ichannel::test
