// wire/soupbintcp_encode.hpp: SoupBinTCP 3.0 packet builders, both directions.
//
// Contract
// - Written from the SoupBinTCP 3.00 specification, independently of app/feed/soupbintcp.hpp
//   (never included here), so that the two cross-check each other.
// - Every packet: Packet Length (u16 BE, counts the type byte and the payload, not itself),
//   Packet Type (1 ASCII byte), payload. Alpha fields are left-justified and padded on the right
//   with spaces; Numeric fields (sequence numbers) are ASCII digits right-justified and padded on
//   the left with spaces, as the specification writes them.
//   Server -> client: '+' debug, 'A' login accepted (session 10, sequence 20), 'J' login
//   rejected (reason 1: 'A' not authorized, 'S' session not available), 'S' sequenced data,
//   'H' server heartbeat, 'Z' end of session.
//   Client -> server: '+' debug, 'L' login request (username 6, password 10, requested session
//   10, requested sequence number 20), 'U' unsequenced data, 'R' client heartbeat, 'O' logout.
// - A payload longer than 65534 bytes does not fit a packet: std::length_error.
// - Cold-path code: appends to the caller's std::vector. Any thread; no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "wire/be_writer.hpp"

namespace ichannel::wire::soup {

inline constexpr std::size_t kUsernameWidth = 6;
inline constexpr std::size_t kPasswordWidth = 10;
inline constexpr std::size_t kSessionWidth = 10;
inline constexpr std::size_t kSequenceWidth = 20;
inline constexpr std::size_t kMaxPayload = 0xFFFF - 1;  // the length counts the type byte

inline constexpr char kRejectNotAuthorized = 'A';
inline constexpr char kRejectSessionNotAvailable = 'S';

// `v` as ASCII digits right-justified in `width` characters, space padded on the left.
inline void append_numeric(std::vector<std::uint8_t>& out, std::uint64_t v, std::size_t width) {
  const std::string digits = std::to_string(v);
  if (digits.size() > width) throw std::length_error("numeric field wider than its width");
  out.insert(out.end(), width - digits.size(), ' ');
  out.insert(out.end(), digits.begin(), digits.end());
}

// Appends one packet: length, type, payload. Returns the bytes appended (3 + payload).
inline std::size_t append_packet(std::vector<std::uint8_t>& out, char type,
                                 std::span<const std::uint8_t> payload) {
  if (payload.size() > kMaxPayload) throw std::length_error("SoupBinTCP payload over 65534 bytes");
  BeWriter w(out);
  w.u16(static_cast<std::uint16_t>(payload.size() + 1));
  w.alpha(type);
  out.insert(out.end(), payload.begin(), payload.end());
  return payload.size() + 3;
}

// --- server -> client -------------------------------------------------------------------------

inline void append_login_accepted(std::vector<std::uint8_t>& out, std::string_view session,
                                  std::uint64_t sequence) {
  BeWriter w(out);
  w.u16(1 + kSessionWidth + kSequenceWidth);
  w.alpha('A');
  w.alpha(session, kSessionWidth);
  append_numeric(out, sequence, kSequenceWidth);
}

inline void append_login_rejected(std::vector<std::uint8_t>& out, char reason) {
  BeWriter w(out);
  w.u16(2);
  w.alpha('J');
  w.alpha(reason);
}

inline void append_sequenced(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> msg) {
  append_packet(out, 'S', msg);
}

inline void append_server_heartbeat(std::vector<std::uint8_t>& out) {
  append_packet(out, 'H', {});
}

inline void append_end_of_session(std::vector<std::uint8_t>& out) {
  append_packet(out, 'Z', {});
}

// '+' Debug: free text, either direction.
inline void append_debug(std::vector<std::uint8_t>& out, std::string_view text) {
  append_packet(out, '+', {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

// --- client -> server -------------------------------------------------------------------------

// Username and password are cut at their widths; sequence 0 asks for the live end of the stream.
inline void append_login_request(std::vector<std::uint8_t>& out, std::string_view username,
                                 std::string_view password, std::string_view session,
                                 std::uint64_t sequence) {
  BeWriter w(out);
  w.u16(1 + kUsernameWidth + kPasswordWidth + kSessionWidth + kSequenceWidth);
  w.alpha('L');
  w.alpha(username, kUsernameWidth);
  w.alpha(password, kPasswordWidth);
  w.alpha(session, kSessionWidth);
  append_numeric(out, sequence, kSequenceWidth);
}

inline void append_unsequenced(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> msg) {
  append_packet(out, 'U', msg);
}

inline void append_client_heartbeat(std::vector<std::uint8_t>& out) {
  append_packet(out, 'R', {});
}

inline void append_logout_request(std::vector<std::uint8_t>& out) {
  append_packet(out, 'O', {});
}

}  // namespace ichannel::wire::soup
