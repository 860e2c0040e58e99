// feed/soupbintcp.hpp: SoupBinTCP 3.0 streaming decoder (the framing of GLIMPSE and other
// Nasdaq TCP services) and the field decoders of its fixed packets.
//
// Contract
// - A TCP byte stream is a sequence of packets: Packet Length (u16 BE: the type byte plus the
//   payload, not itself), Packet Type (1 ASCII byte), payload. StreamDecoder::feed(bytes, sink)
//   takes the bytes of any read (partial packets, several packets, one byte at a time) and calls
//   sink(const Packet&) once per complete packet, in order; Packet::payload points into the
//   caller's bytes or the decoder's buffer and is valid only during the call.
// - Validation, per packet, as soon as the bytes that decide it have arrived (so an oversized
//   length is refused before its body is awaited): length 0 (kZeroLength); length above the
//   decoder's max_packet (kOversized; the bound of the buffer, 1..65535, default 4096); a type
//   byte that is no SoupBinTCP type (kUnknownType) or not one this side may receive
//   (kWrongDirection: a client receives + A J S H Z, a server + L U R O); a fixed-size type of
//   another length (kBadLength: L 47, A 31, J 2, H R Z O 1). The first error stops the stream for
//   good (a byte stream cannot resynchronize): error() names it, error_offset() is the stream
//   offset of the packet's length field, nothing more is delivered until reset().
// - decode(packet, LoginRequest/LoginAccepted/LoginRejected&) reads the fields (false when the
//   type or length differs or a Numeric field is not ASCII digits with space padding);
//   parse_numeric() is that Numeric rule (at least one digit, spaces only before and after,
//   no overflow of u64).
// - Nothing is read outside the given bytes; no input can cause undefined behaviour.
// - The constructor allocates the reassembly buffer (cold). feed(), decode() and the accessors
//   are inline noexcept and do not allocate. One decoder per connection, one thread at a time.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "feed/big_endian.hpp"

namespace ichannel::feed::soup {

inline constexpr std::size_t kDefaultMaxPacket = 4096;
inline constexpr std::size_t kLoginRequestLength = 47;   // type + 6 + 10 + 10 + 20
inline constexpr std::size_t kLoginAcceptedLength = 31;  // type + 10 + 20
inline constexpr std::size_t kLoginRejectedLength = 2;   // type + reason

enum class Direction : std::uint8_t {
  kFromServer,  // the decoder runs in a client: + A J S H Z
  kFromClient,  // the decoder runs in a server: + L U R O
};

enum class StreamError : std::uint8_t {
  kNone = 0,
  kZeroLength,      // a length field of 0 (no type byte)
  kOversized,       // length above max_packet
  kUnknownType,     // not a SoupBinTCP packet type
  kWrongDirection,  // a type the other side sends
  kBadLength,       // a fixed-size type with another length
};

[[nodiscard]] constexpr std::string_view to_string(StreamError e) noexcept {
  switch (e) {
    case StreamError::kNone:
      return "none";
    case StreamError::kZeroLength:
      return "packet length 0";
    case StreamError::kOversized:
      return "packet longer than the maximum";
    case StreamError::kUnknownType:
      return "unknown packet type";
    case StreamError::kWrongDirection:
      return "packet type of the other direction";
    case StreamError::kBadLength:
      return "wrong length for the packet type";
  }
  return "?";
}

struct Packet {
  char type;
  std::span<const std::uint8_t> payload;  // after the type byte
};

// Fixed length of a type (type byte included), 0 for variable-length types, -1 for unknown ones.
[[nodiscard]] constexpr int fixed_length(char type) noexcept {
  switch (type) {
    case 'L':
      return static_cast<int>(kLoginRequestLength);
    case 'A':
      return static_cast<int>(kLoginAcceptedLength);
    case 'J':
      return static_cast<int>(kLoginRejectedLength);
    case 'H':
    case 'R':
    case 'Z':
    case 'O':
      return 1;
    case 'S':
    case 'U':
    case '+':
      return 0;
    default:
      return -1;
  }
}

[[nodiscard]] constexpr bool sent_by_server(char type) noexcept {
  return type == 'A' || type == 'J' || type == 'S' || type == 'H' || type == 'Z' || type == '+';
}
[[nodiscard]] constexpr bool sent_by_client(char type) noexcept {
  return type == 'L' || type == 'U' || type == 'R' || type == 'O' || type == '+';
}

// Numeric field: ASCII digits, padded with spaces (before or after); at least one digit.
[[nodiscard]] inline bool parse_numeric(std::span<const std::uint8_t> field,
                                        std::uint64_t& value) noexcept {
  std::size_t i = 0;
  const std::size_t n = field.size();
  while (i < n && field[i] == ' ') ++i;
  if (i == n) return false;
  std::uint64_t v = 0;
  std::size_t digits = 0;
  for (; i < n && field[i] >= '0' && field[i] <= '9'; ++i, ++digits) {
    const std::uint64_t d = field[i] - '0';
    if (v > (~std::uint64_t{0} - d) / 10) return false;  // overflow
    v = v * 10 + d;
  }
  if (digits == 0) return false;
  for (; i < n; ++i)
    if (field[i] != ' ') return false;
  value = v;
  return true;
}

// An Alpha field without its right padding.
template <std::size_t N>
[[nodiscard]] std::string_view trimmed(const std::array<char, N>& a) noexcept {
  std::size_t n = N;
  while (n > 0 && a[n - 1] == ' ') --n;
  return {a.data(), n};
}

struct LoginRequest {
  std::array<char, 6> username;
  std::array<char, 10> password;
  std::array<char, 10> requested_session;
  std::uint64_t requested_sequence_number;
};
struct LoginAccepted {
  std::array<char, 10> session;
  std::uint64_t sequence_number;  // of the next sequenced packet
};
struct LoginRejected {
  char reject_reason_code;  // 'A' not authorized, 'S' session not available
};

[[nodiscard]] inline bool decode(const Packet& p, LoginRequest& m) noexcept {
  if (p.type != 'L' || p.payload.size() != kLoginRequestLength - 1) return false;
  const std::uint8_t* b = p.payload.data();
  std::memcpy(m.username.data(), b, 6);
  std::memcpy(m.password.data(), b + 6, 10);
  std::memcpy(m.requested_session.data(), b + 16, 10);
  return parse_numeric(p.payload.subspan(26, 20), m.requested_sequence_number);
}

[[nodiscard]] inline bool decode(const Packet& p, LoginAccepted& m) noexcept {
  if (p.type != 'A' || p.payload.size() != kLoginAcceptedLength - 1) return false;
  std::memcpy(m.session.data(), p.payload.data(), 10);
  return parse_numeric(p.payload.subspan(10, 20), m.sequence_number);
}

[[nodiscard]] inline bool decode(const Packet& p, LoginRejected& m) noexcept {
  if (p.type != 'J' || p.payload.size() != kLoginRejectedLength - 1) return false;
  m.reject_reason_code = static_cast<char>(p.payload[0]);
  return true;
}

class StreamDecoder {
 public:
  // max_packet: the largest accepted length field (type + payload), 1..65535.
  explicit StreamDecoder(Direction direction, std::size_t max_packet = kDefaultMaxPacket)
      : direction_(direction),
        max_packet_(std::clamp<std::size_t>(max_packet, 1, 0xFFFF)),
        buf_(max_packet_ + 2) {}

  // Consumes every byte of `in`; returns the packets delivered to sink by this call.
  template <class Sink>
  std::size_t feed(std::span<const std::uint8_t> in, Sink&& sink) noexcept {
    std::size_t delivered = 0;
    std::size_t i = 0;
    while (i < in.size() && error_ == StreamError::kNone) {
      const std::size_t avail = in.size() - i;
      if (have_ == 0 && avail >= 2) {  // fast path: the packet may lie entirely in `in`
        const std::size_t len = be::load_be16(in.data() + i);
        if (!check_length(len)) break;
        if (avail >= 3 && !check_type(len, static_cast<char>(in[i + 2]))) break;
        if (avail >= 2 + len) {
          sink(Packet{static_cast<char>(in[i + 2]), in.subspan(i + 3, len - 1)});
          ++delivered;
          ++packets_;
          i += 2 + len;
          start_ += 2 + len;
          continue;
        }
      }
      // Reassembly in buf_: the length field first, then the rest.
      if (have_ < 2) {
        const std::size_t take = std::min<std::size_t>(2 - have_, avail);
        std::memcpy(buf_.data() + have_, in.data() + i, take);
        have_ += take;
        i += take;
        if (have_ < 2) break;
        len_ = be::load_be16(buf_.data());
        if (!check_length(len_)) break;
      }
      const std::size_t take = std::min(2 + len_ - have_, in.size() - i);
      std::memcpy(buf_.data() + have_, in.data() + i, take);
      have_ += take;
      i += take;
      if (have_ >= 3 && !check_type(len_, static_cast<char>(buf_[2]))) break;
      if (have_ == 2 + len_) {
        sink(Packet{static_cast<char>(buf_[2]),
                    std::span<const std::uint8_t>(buf_.data() + 3, len_ - 1)});
        ++delivered;
        ++packets_;
        start_ += 2 + len_;
        have_ = 0;
      }
    }
    return delivered;
  }

  [[nodiscard]] StreamError error() const noexcept { return error_; }
  // Stream offset (bytes since construction or reset) of the offending packet's length field.
  [[nodiscard]] std::uint64_t error_offset() const noexcept { return start_; }
  [[nodiscard]] std::size_t buffered() const noexcept { return have_; }  // of a partial packet
  [[nodiscard]] std::uint64_t packets() const noexcept { return packets_; }
  [[nodiscard]] std::size_t max_packet() const noexcept { return max_packet_; }
  void reset() noexcept {
    error_ = StreamError::kNone;
    have_ = 0;
    len_ = 0;
    start_ = 0;
    packets_ = 0;
  }

 private:
  bool fail(StreamError e) noexcept {
    error_ = e;
    return false;
  }
  bool check_length(std::size_t len) noexcept {
    if (len == 0) return fail(StreamError::kZeroLength);
    if (len > max_packet_) return fail(StreamError::kOversized);
    return true;
  }
  bool check_type(std::size_t len, char type) noexcept {
    const int fixed = fixed_length(type);
    if (fixed < 0) return fail(StreamError::kUnknownType);
    const bool ours =
        direction_ == Direction::kFromServer ? sent_by_server(type) : sent_by_client(type);
    if (!ours) return fail(StreamError::kWrongDirection);
    if (fixed > 0 && len != static_cast<std::size_t>(fixed)) return fail(StreamError::kBadLength);
    return true;
  }

  Direction direction_;
  std::size_t max_packet_;
  std::vector<std::uint8_t> buf_;  // one packet: length field + max_packet bytes
  std::size_t have_ = 0;           // bytes of the current partial packet in buf_
  std::size_t len_ = 0;            // its length field, once have_ >= 2
  std::uint64_t start_ = 0;        // stream offset of the current packet
  std::uint64_t packets_ = 0;
  StreamError error_ = StreamError::kNone;
};

}  // namespace ichannel::feed::soup
