// wire/moldudp64_encode.hpp: MoldUDP64 downstream packets: one-shot builders and a packer.
//
// Contract
// - Written from the MoldUDP64 1.00 specification, independently of app/feed/moldudp64.hpp.
// - MoldUDP64 header (20 bytes): session (10 ASCII, space padded), sequence number of the first
//   message (u64 BE), message count (u16 BE); then per message a u16 BE length and the message.
//   Count 0 is a heartbeat, count 0xFFFF ends the session (both carry the next sequence number).
// - MoldPacker appends messages in order; a packet is closed when the next message would push the
//   UDP payload over max_payload bytes, or (if max_delay_ns > 0) when the next message is more
//   than max_delay_ns after the packet's first one, as an exchange flushes on a timer.
//   Sequence numbers are contiguous from first_sequence.
// - Each packet carries the ITCH timestamp of its last message (when it could have been sent).
// - packet() / heartbeat() / end_of_session() build one packet from given messages (any bytes:
//   MoldUDP64 does not look inside a message block).
// - Cold-path code; allocates. One packer per session, single thread; the free functions are pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ichannel::wire {

inline constexpr std::size_t kMoldHeaderSize = 20;
inline constexpr std::uint16_t kMoldEndOfSession = 0xFFFF;
inline constexpr std::size_t kDefaultMaxPayload = 1450;

// Appends the 20-byte header: session (space padded to 10), sequence, count.
inline void append_mold_header(std::vector<std::uint8_t>& b, std::string_view session,
                               std::uint64_t sequence, std::uint16_t count) {
  for (std::size_t i = 0; i < 10; ++i)
    b.push_back(static_cast<std::uint8_t>(i < session.size() ? session[i] : ' '));
  for (int i = 7; i >= 0; --i) b.push_back(static_cast<std::uint8_t>(sequence >> (8 * i)));
  b.push_back(static_cast<std::uint8_t>(count >> 8));
  b.push_back(static_cast<std::uint8_t>(count));
}

// A downstream packet of `messages` (each a u16 BE length, then its bytes) from `sequence`.
inline std::vector<std::uint8_t> mold_packet(std::string_view session, std::uint64_t sequence,
                                             std::span<const std::vector<std::uint8_t>> messages) {
  std::vector<std::uint8_t> b;
  append_mold_header(b, session, sequence, static_cast<std::uint16_t>(messages.size()));
  for (const auto& m : messages) {
    b.push_back(static_cast<std::uint8_t>(m.size() >> 8));
    b.push_back(static_cast<std::uint8_t>(m.size()));
    b.insert(b.end(), m.begin(), m.end());
  }
  return b;
}

// Heartbeat: count 0, `next` is the next expected sequence number.
inline std::vector<std::uint8_t> mold_heartbeat(std::string_view session, std::uint64_t next) {
  std::vector<std::uint8_t> b;
  append_mold_header(b, session, next, 0);
  return b;
}

// End of session: count 0xFFFF, `next` is the next sequence number.
inline std::vector<std::uint8_t> mold_end_of_session(std::string_view session, std::uint64_t next) {
  std::vector<std::uint8_t> b;
  append_mold_header(b, session, next, 0xFFFF);
  return b;
}

struct MoldPacket {
  std::uint64_t sequence = 0;  // sequence number of the first message (next expected if count 0)
  std::uint16_t count = 0;     // messages in the packet; 0 heartbeat; 0xFFFF end of session
  std::uint64_t time_ns = 0;   // ITCH timestamp (ns after midnight) of the last message
  std::vector<std::uint8_t> payload;  // the complete UDP payload, header included
  [[nodiscard]] std::uint64_t messages() const { return count == kMoldEndOfSession ? 0 : count; }
};

class MoldPacker {
 public:
  MoldPacker(std::string_view session, std::size_t max_payload, std::uint64_t first_sequence = 1,
             std::uint64_t max_delay_ns = 0)
      : session_(session),
        max_payload_(max_payload),
        max_delay_ns_(max_delay_ns),
        next_sequence_(first_sequence) {
    if (session.size() > 10) throw std::invalid_argument("session name longer than 10 characters");
    if (max_payload < kMoldHeaderSize + 2 + 50)
      throw std::invalid_argument("max payload below 72 bytes cannot hold every ITCH message");
  }

  // Appends one message (its bytes, type first) stamped `time_ns`; closed packets go to `out`.
  void add(std::span<const std::uint8_t> message, std::uint64_t time_ns,
           std::vector<MoldPacket>& out) {
    if (message.size() > 0xFFFF) throw std::invalid_argument("message longer than 65535 bytes");
    if (open_.count != 0 && (open_.payload.size() + 2 + message.size() > max_payload_ ||
                             (max_delay_ns_ != 0 && time_ns > first_time_ns_ + max_delay_ns_)))
      flush(out);
    if (open_.count == 0) {
      start();
      first_time_ns_ = time_ns;
    }
    open_.payload.push_back(static_cast<std::uint8_t>(message.size() >> 8));
    open_.payload.push_back(static_cast<std::uint8_t>(message.size()));
    open_.payload.insert(open_.payload.end(), message.begin(), message.end());
    ++open_.count;
    open_.time_ns = time_ns;
    ++next_sequence_;
    patch_count();
  }

  // Closes the open packet, if any.
  void flush(std::vector<MoldPacket>& out) {
    if (open_.count == 0) return;
    out.push_back(std::move(open_));
    open_ = MoldPacket{};
  }

  // Flushes, then appends an end-of-session packet (count 0xFFFF) stamped `time_ns`.
  void end_session(std::uint64_t time_ns, std::vector<MoldPacket>& out) {
    flush(out);
    MoldPacket p = control(kMoldEndOfSession, time_ns);
    out.push_back(std::move(p));
  }

  [[nodiscard]] std::uint64_t next_sequence() const { return next_sequence_; }

 private:
  MoldPacket control(std::uint16_t count, std::uint64_t time_ns) const {
    MoldPacket p;
    p.sequence = next_sequence_;
    p.count = count;
    p.time_ns = time_ns;
    write_header(p.payload, next_sequence_, count);
    return p;
  }
  void start() {
    open_ = MoldPacket{};
    open_.sequence = next_sequence_;
    open_.payload.reserve(max_payload_);
    write_header(open_.payload, next_sequence_, 0);
  }
  void patch_count() {
    open_.payload[18] = static_cast<std::uint8_t>(open_.count >> 8);
    open_.payload[19] = static_cast<std::uint8_t>(open_.count);
  }
  void write_header(std::vector<std::uint8_t>& b, std::uint64_t seq, std::uint16_t count) const {
    append_mold_header(b, session_, seq, count);
  }

  std::string session_;
  std::size_t max_payload_;
  std::uint64_t max_delay_ns_;
  std::uint64_t first_time_ns_ = 0;  // time of the open packet's first message
  std::uint64_t next_sequence_;
  MoldPacket open_;
};

}  // namespace ichannel::wire
