// wire/be_writer.hpp: appends big-endian integers and space-padded alpha fields to a byte vector.
//
// Contract
// - The one field writer of the encoders in app/wire (ITCH 5.0, MoldUDP64): integers are written
//   most significant byte first, alpha fields left-justified and padded with spaces to their width
//   (longer input is cut at the width), as both specifications require.
// - Cold-path code: grows the caller's std::vector. Any thread; no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace ichannel::wire {

class BeWriter {
 public:
  explicit BeWriter(std::vector<std::uint8_t>& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) { uint_n(v, 2); }
  void u32(std::uint32_t v) { uint_n(v, 4); }
  void u48(std::uint64_t v) { uint_n(v, 6); }
  void u64(std::uint64_t v) { uint_n(v, 8); }
  void alpha(std::string_view s, std::size_t width) {
    for (std::size_t i = 0; i < width; ++i)
      out_.push_back(static_cast<std::uint8_t>(i < s.size() ? s[i] : ' '));
  }
  void alpha(char c) { out_.push_back(static_cast<std::uint8_t>(c)); }

 private:
  void uint_n(std::uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  std::vector<std::uint8_t>& out_;
};

}  // namespace ichannel::wire
