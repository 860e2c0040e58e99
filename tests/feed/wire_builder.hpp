// tests/feed/wire_builder.hpp: test-only encoders that build wire bytes from the specifications'
// layouts, independently of the decoders under test (ITCH 5.0 messages by offset, MoldUDP64
// packets, Ethernet/VLAN/IPv4/UDP frames). Allocates freely: tests only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace ichannel::feed::test {

using Bytes = std::vector<std::uint8_t>;

// Appends big-endian fields; alpha() pads with spaces to the given width.
class Writer {
 public:
  Writer& u8(std::uint8_t v) {
    b_.push_back(v);
    return *this;
  }
  Writer& ch(char c) { return u8(static_cast<std::uint8_t>(c)); }
  Writer& be(std::uint64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) b_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    return *this;
  }
  Writer& u16(std::uint64_t v) { return be(v, 2); }
  Writer& u32(std::uint64_t v) { return be(v, 4); }
  Writer& u48(std::uint64_t v) { return be(v, 6); }
  Writer& u64(std::uint64_t v) { return be(v, 8); }
  Writer& alpha(std::string_view s, std::size_t width) {
    for (std::size_t i = 0; i < width; ++i) ch(i < s.size() ? s[i] : ' ');
    return *this;
  }
  Writer& bytes(const Bytes& v) {
    b_.insert(b_.end(), v.begin(), v.end());
    return *this;
  }
  // Common ITCH prefix: type, stock locate, tracking number, timestamp(6).
  Writer& itch(char type, std::uint16_t locate, std::uint16_t tracking, std::uint64_t ts) {
    return ch(type).u16(locate).u16(tracking).u48(ts);
  }
  [[nodiscard]] const Bytes& bytes() const { return b_; }
  [[nodiscard]] Bytes take() { return std::move(b_); }
  [[nodiscard]] std::size_t size() const { return b_.size(); }

 private:
  Bytes b_;
};

// Typical messages used across tests (field values arbitrary but distinct).
inline Bytes add_order(std::uint16_t locate, std::uint64_t ts, std::uint64_t ref, char side,
                       std::uint32_t shares, std::string_view stock, std::uint32_t price) {
  return Writer{}
      .itch('A', locate, 0, ts)
      .u64(ref)
      .ch(side)
      .u32(shares)
      .alpha(stock, 8)
      .u32(price)
      .take();
}
inline Bytes order_delete(std::uint16_t locate, std::uint64_t ts, std::uint64_t ref) {
  return Writer{}.itch('D', locate, 0, ts).u64(ref).take();
}
inline Bytes system_event(std::uint64_t ts, char code) {
  return Writer{}.itch('S', 0, 0, ts).ch(code).take();
}
inline Bytes stock_directory(std::uint16_t locate, std::string_view stock) {
  return Writer{}
      .itch('R', locate, 0, 1)
      .alpha(stock, 8)
      .ch('Q')
      .ch('N')
      .u32(100)
      .ch('N')
      .ch('C')
      .alpha("Z ", 2)
      .ch('P')
      .ch('N')
      .ch(' ')
      .ch('1')
      .ch('N')
      .u32(0)
      .ch('N')
      .take();
}

inline constexpr std::string_view kSession = "0000000001";

// MoldUDP64 downstream packet: session, first sequence, count (defaults to msgs.size()).
inline Bytes mold_packet(std::uint64_t seq, const std::vector<Bytes>& msgs,
                         std::string_view session = kSession, int count = -1) {
  Writer w;
  w.alpha(session, 10).u64(seq).u16(count < 0 ? msgs.size() : static_cast<std::uint64_t>(count));
  for (const Bytes& m : msgs) w.u16(m.size()).bytes(m);
  return w.take();
}
inline Bytes mold_heartbeat(std::uint64_t next, std::string_view session = kSession) {
  return mold_packet(next, {}, session, 0);
}
inline Bytes mold_end(std::uint64_t next, std::string_view session = kSession) {
  return mold_packet(next, {}, session, 0xFFFF);
}

struct FrameSpec {
  std::vector<std::uint16_t> tpids;   // VLAN tag protocol ids, outermost first
  std::vector<std::uint16_t> vids;    // matching VLAN ids
  std::uint32_t src_ip = 0x0A000001;  // 10.0.0.1
  std::uint32_t dst_ip = 0xE9360C01;  // 233.54.12.1
  std::uint16_t src_port = 40000;
  std::uint16_t dst_port = 26400;
  std::uint8_t ihl_words = 5;  // IPv4 header length in 32-bit words (options are zero)
  std::uint8_t protocol = 17;
  std::uint16_t frag = 0x4000;       // DF set, offset 0
  std::size_t trailing_padding = 0;  // bytes after the IP datagram (Ethernet padding)
};

// Ethernet + VLAN tags + IPv4 (with a correct header checksum) + UDP around `payload`.
inline Bytes udp_frame(const Bytes& payload, const FrameSpec& s = {}) {
  Writer w;
  w.u16(0x0100).u32(0x5E360C01);  // dst MAC 01:00:5e:36:0c:01
  w.u16(0x0200).u32(0x00000001);  // src MAC
  for (std::size_t i = 0; i < s.tpids.size(); ++i) w.u16(s.tpids[i]).u16(s.vids[i]);
  w.u16(0x0800);
  const std::size_t ihl = std::size_t{s.ihl_words} * 4;
  const std::size_t ip_start = w.size();
  w.u8(static_cast<std::uint8_t>(0x40 | s.ihl_words)).u8(0).u16(ihl + 8 + payload.size());
  w.u16(0x1234).u16(s.frag).u8(64).u8(s.protocol).u16(0).u32(s.src_ip).u32(s.dst_ip);
  for (std::size_t i = 20; i < ihl; ++i) w.u8(0);
  Bytes b = w.take();
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < ihl; i += 2) sum += (b[ip_start + i] << 8) | b[ip_start + i + 1];
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  const auto csum = static_cast<std::uint16_t>(~sum);
  b[ip_start + 10] = static_cast<std::uint8_t>(csum >> 8);
  b[ip_start + 11] = static_cast<std::uint8_t>(csum);
  Writer u;
  u.bytes(b).u16(s.src_port).u16(s.dst_port).u16(8 + payload.size()).u16(0).bytes(payload);
  for (std::size_t i = 0; i < s.trailing_padding; ++i) u.u8(0);
  return u.take();
}

}  // namespace ichannel::feed::test
