// tests/daemon/frames.hpp: short names over app/wire for the frames the daemon tests send.
//
// Contract: the bytes come from app/wire's encoders (written from the specs, independent of the
// decoders under test); this header only fixes the shapes these tests use: frames with TTL 64,
// no DF, identification 0 and no UDP checksum; pcaps in classic microsecond format, frame i at
// 1'700'000'000 s + i us. Test-only; allocates.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wire/frame.hpp"
#include "wire/itch50_encode.hpp"
#include "wire/moldudp64_encode.hpp"
#include "wire/pcap.hpp"

namespace ichannel::test {

using Bytes = std::vector<std::uint8_t>;

inline Bytes itch_add(std::uint16_t locate, std::uint64_t ts, std::uint64_t order, char side,
                      std::uint32_t shares, std::string_view stock, std::uint32_t price) {
  namespace enc = ::ichannel::wire::itch;
  return enc::encode(enc::AddOrder{{locate, 0, ts}, order, side, shares, stock, price});
}

inline Bytes itch_delete(std::uint16_t locate, std::uint64_t ts, std::uint64_t order) {
  namespace enc = ::ichannel::wire::itch;
  return enc::encode(enc::OrderDelete{{locate, 0, ts}, order});
}

inline Bytes mold_packet(std::string_view session, std::uint64_t seq,
                         const std::vector<Bytes>& messages) {
  return ::ichannel::wire::mold_packet(session, seq, messages);
}

inline Bytes udp_frame(std::uint32_t src, std::uint32_t dst, std::uint16_t sport,
                       std::uint16_t dport, std::span<const std::uint8_t> payload,
                       std::optional<std::uint16_t> vlan = std::nullopt) {
  namespace w = ::ichannel::wire;
  w::UdpFrameSpec s;
  s.source = src;
  s.destination = dst;
  s.source_port = sport;
  s.destination_port = dport;
  if (vlan) s.vlan_tags.push_back({w::kTpidDot1q, *vlan});
  s.ttl = 64;
  s.flags_fragment = 0;
  s.udp_checksum = false;
  return w::udp_frame(s, payload);
}

// False when the file cannot be written.
inline bool write_pcap(const std::string& path, const std::vector<Bytes>& frames) {
  namespace w = ::ichannel::wire;
  try {
    w::PcapWriter pcap(path, w::PcapPrecision::kMicro);
    std::uint64_t ns = 1'700'000'000ULL * 1'000'000'000ULL;
    for (const Bytes& f : frames) {
      pcap.write(f, ns);
      ns += 1000;
    }
    pcap.close();
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace ichannel::test
