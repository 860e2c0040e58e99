// feed/checksum.hpp: IPv4 header checksum and UDP checksum verification (RFC 791, RFC 768,
// RFC 1071) over one received Ethernet frame, in software, for when the PMD does not report
// checksum offload results in the mbuf flags.
//
// Contract
// - verify_checksums(frame) walks Ethernet and any number of VLAN tags (the same ones peel()
//   accepts), checks the IPv4 header checksum over IHL * 4 bytes and, when the UDP checksum
//   field is not 0, the UDP checksum over the pseudo-header (source, destination, zero,
//   protocol 17, UDP length) and the UDP length's worth of header + payload. A zero UDP checksum
//   means "not computed" (allowed over IPv4): kUdpNotComputed, which callers accept (and may
//   count). Frames that are not well-formed IPv4/UDP give kNotChecked: peel() reports why.
// - Checks run in the order above: a frame with a bad header checksum is kBadIpv4Header even if
//   its UDP checksum is wrong too. Callers count by result and drop bad frames, so the other
//   line or a re-request fills in.
// - Never reads outside `frame`. Inline, noexcept, no allocation: hot path, any thread.
// - ones_complement_sum() adds 32-bit big-endian words into a 64-bit accumulator and folds once
//   at the end (2^32 = 1 mod 0xFFFF, so this equals the RFC 1071 sum of 16-bit words).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "feed/big_endian.hpp"

namespace ichannel::feed {

enum class ChecksumResult : std::uint8_t {
  kOk = 0,          // IPv4 header and UDP checksums right
  kUdpNotComputed,  // IPv4 header right, UDP checksum field 0 (sender did not compute it)
  kBadIpv4Header,   // IPv4 header checksum wrong
  kBadUdp,          // UDP checksum wrong
  kNotChecked,      // not a well-formed IPv4/UDP frame (see peel() for why)
};
inline constexpr std::size_t kChecksumResultCount = 5;

[[nodiscard]] constexpr std::string_view to_string(ChecksumResult r) noexcept {
  constexpr std::array<std::string_view, kChecksumResultCount> kNames{
      "ok", "udp_not_computed", "bad_ipv4_header", "bad_udp", "not_checked"};
  const auto i = static_cast<std::size_t>(r);
  return i < kNames.size() ? kNames[i] : std::string_view{"unknown"};
}

// True for the results a receiver keeps.
[[nodiscard]] constexpr bool accepted(ChecksumResult r) noexcept {
  return r == ChecksumResult::kOk || r == ChecksumResult::kUdpNotComputed;
}

struct ChecksumCounters {
  std::array<std::uint64_t, kChecksumResultCount> by_result{};
  void count(ChecksumResult r) noexcept { ++by_result[static_cast<std::size_t>(r)]; }
  [[nodiscard]] std::uint64_t operator[](ChecksumResult r) const noexcept {
    return by_result[static_cast<std::size_t>(r)];
  }
};

// Unfolded one's-complement sum of `bytes` (an odd last byte is padded with zero) plus `acc`.
[[nodiscard]] inline std::uint64_t ones_complement_sum(std::span<const std::uint8_t> bytes,
                                                       std::uint64_t acc = 0) noexcept {
  const std::uint8_t* p = bytes.data();
  std::size_t n = bytes.size();
  for (; n >= 4; p += 4, n -= 4) acc += be::load_be32(p);
  if (n >= 2) {
    acc += be::load_be16(p);
    p += 2;
    n -= 2;
  }
  if (n == 1) acc += std::uint64_t{*p} << 8;
  return acc;
}

// Folds an accumulator to 16 bits (end-around carry).
[[nodiscard]] inline std::uint16_t fold(std::uint64_t acc) noexcept {
  while (acc >> 16) acc = (acc & 0xFFFF) + (acc >> 16);
  return static_cast<std::uint16_t>(acc);
}

// True if the IPv4 header (IHL * 4 bytes, checksum field included) sums to 0xFFFF.
[[nodiscard]] inline bool ipv4_header_checksum_ok(std::span<const std::uint8_t> header) noexcept {
  return fold(ones_complement_sum(header)) == 0xFFFF;
}

// True if the UDP datagram (header + payload, exactly its UDP length) with a non-zero checksum
// field sums to 0xFFFF together with the IPv4 pseudo-header. Addresses in host byte order.
[[nodiscard]] inline bool udp_checksum_ok(std::uint32_t src_ip, std::uint32_t dst_ip,
                                          std::span<const std::uint8_t> datagram) noexcept {
  std::uint64_t acc = std::uint64_t{src_ip} + dst_ip + 17u + datagram.size();
  return fold(ones_complement_sum(datagram, acc)) == 0xFFFF;
}

[[nodiscard]] inline ChecksumResult verify_checksums(std::span<const std::uint8_t> frame) noexcept {
  const std::uint8_t* p = frame.data();
  const std::size_t n = frame.size();
  if (n < 14) return ChecksumResult::kNotChecked;
  std::size_t off = 12;
  std::uint16_t type = be::load_be16(p + off);
  while (type == 0x8100 || type == 0x88A8 || type == 0x9100) {
    if (off + 6 > n) return ChecksumResult::kNotChecked;
    off += 4;
    type = be::load_be16(p + off);
  }
  if (type != 0x0800) return ChecksumResult::kNotChecked;
  off += 2;
  if (n - off < 20) return ChecksumResult::kNotChecked;
  const std::uint8_t* ip = p + off;
  const std::size_t ihl = std::size_t{ip[0] & 0x0Fu} * 4;
  if ((ip[0] >> 4) != 4 || ihl < 20 || ihl > n - off) return ChecksumResult::kNotChecked;
  const std::size_t total = be::load_be16(ip + 2);
  if (total < ihl || total > n - off) return ChecksumResult::kNotChecked;
  if (ip[9] != 17) return ChecksumResult::kNotChecked;
  if ((be::load_be16(ip + 6) & 0x3FFF) != 0) return ChecksumResult::kNotChecked;  // fragment
  if (!ipv4_header_checksum_ok({ip, ihl})) return ChecksumResult::kBadIpv4Header;
  if (total - ihl < 8) return ChecksumResult::kNotChecked;
  const std::uint8_t* udp = ip + ihl;
  const std::size_t udp_len = be::load_be16(udp + 4);
  if (udp_len < 8 || udp_len > total - ihl) return ChecksumResult::kNotChecked;
  if (be::load_be16(udp + 6) == 0) return ChecksumResult::kUdpNotComputed;
  const std::uint32_t src = be::load_be32(ip + 12);
  const std::uint32_t dst = be::load_be32(ip + 16);
  return udp_checksum_ok(src, dst, {udp, udp_len}) ? ChecksumResult::kOk : ChecksumResult::kBadUdp;
}

}  // namespace ichannel::feed
