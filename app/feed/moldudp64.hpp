// feed/moldudp64.hpp: MoldUDP64 downstream packet framing and sequence tracking.
//
// Contract
// - Wire format (all big-endian): 20-byte header = session (10 ASCII bytes), sequence number of
//   the first message (u64), message count (u16); then `count` message blocks, each a u16 length
//   (not counting itself) followed by that many message bytes. Count 0 is a heartbeat and count
//   0xFFFF the end of the session; in both the sequence field is the next sequence the server
//   will send (no blocks follow).
// - parse_header(), BlockReader and walk_blocks() never read outside the given span; a block
//   whose length runs past the packet ends the walk (kTruncated; walk_blocks: fewer complete
//   blocks than announced), the caller counts it as malformed.
// - SequenceTracker is the per-line (or feed-wide, for A/B merge) expected-next-sequence state:
//   admit(first, count) says how many leading messages were already seen, how many are missing
//   before `first`, and advances the expectation. Single-threaded; no allocation.
// - Everything is inline noexcept: hot path.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "feed/big_endian.hpp"

namespace ichannel::feed::mold {

inline constexpr std::size_t kHeaderLength = 20;
inline constexpr std::size_t kSessionLength = 10;
inline constexpr std::uint16_t kHeartbeatCount = 0;
inline constexpr std::uint16_t kEndOfSessionCount = 0xFFFF;

using Session = std::array<char, kSessionLength>;

struct Header {
  Session session{};
  std::uint64_t sequence = 0;  // sequence number of the first message (or next, for count 0/FFFF)
  std::uint16_t count = 0;

  [[nodiscard]] bool heartbeat() const noexcept { return count == kHeartbeatCount; }
  [[nodiscard]] bool end_of_session() const noexcept { return count == kEndOfSessionCount; }
  [[nodiscard]] std::string_view session_view() const noexcept {
    return {session.data(), session.size()};
  }
};

// False if the packet is shorter than the header.
[[nodiscard]] inline bool parse_header(std::span<const std::uint8_t> packet, Header& h) noexcept {
  if (packet.size() < kHeaderLength) return false;
  std::memcpy(h.session.data(), packet.data(), kSessionLength);
  h.sequence = be::load_be64(packet.data() + 10);
  h.count = be::load_be16(packet.data() + 18);
  return true;
}

enum class BlockStatus : std::uint8_t {
  kMessage,    // `message` holds the next message block's bytes (possibly empty)
  kEnd,        // no bytes left
  kTruncated,  // a length prefix or its message runs past the packet
};

// Walks the message blocks after the header. Usage:
//   BlockReader r(packet);  std::span<const std::uint8_t> m;
//   while (r.next(m) == BlockStatus::kMessage) { ... }
class BlockReader {
 public:
  explicit BlockReader(std::span<const std::uint8_t> packet) noexcept
      : p_(packet.data()), end_(packet.data() + packet.size()) {
    p_ = packet.size() >= kHeaderLength ? p_ + kHeaderLength : end_;
  }

  [[nodiscard]] BlockStatus next(std::span<const std::uint8_t>& message) noexcept {
    const auto left = static_cast<std::size_t>(end_ - p_);
    if (left == 0) return BlockStatus::kEnd;
    if (left < 2) return BlockStatus::kTruncated;
    const std::size_t len = be::load_be16(p_);
    if (len > left - 2) return BlockStatus::kTruncated;
    message = {p_ + 2, len};
    p_ += 2 + len;
    return BlockStatus::kMessage;
  }

  [[nodiscard]] std::size_t remaining() const noexcept {
    return static_cast<std::size_t>(end_ - p_);
  }

 private:
  const std::uint8_t* p_;
  const std::uint8_t* end_;
};

// What one walk over a packet's blocks found (walk_blocks).
struct Walk {
  std::uint32_t complete = 0;  // complete blocks from the first one on, at most the announced count
  bool exact = false;  // all announced blocks complete and nothing after them: framing clean
};

// One walk over the first `announced` blocks of a packet (at least the header long): calls
// fn(message, index, last) for each complete block in order and stops at the first truncated
// one. `last` is true for the final complete block (the next is not announced, or is cut off),
// known before fn sees it: the next block's length is read one step ahead. The same framing
// rules as BlockReader.
template <class Fn>
[[nodiscard]] inline Walk walk_blocks(std::span<const std::uint8_t> packet, std::uint32_t announced,
                                      Fn&& fn) noexcept {
  Walk w;
  if (packet.size() < kHeaderLength) return w;
  const std::uint8_t* p = packet.data() + kHeaderLength;
  const std::uint8_t* const end = packet.data() + packet.size();
  const auto take = [&p, end](std::span<const std::uint8_t>& m) noexcept {
    const auto left = static_cast<std::size_t>(end - p);
    if (left < 2) return false;
    const std::size_t len = be::load_be16(p);
    if (len > left - 2) return false;
    m = {p + 2, len};
    p += 2 + len;
    return true;
  };
  std::span<const std::uint8_t> cur;
  std::span<const std::uint8_t> next;
  if (announced != 0 && take(cur)) {
    for (std::uint32_t i = 0;; ++i) {
      const bool more = i + 1 < announced && take(next);
      fn(cur, i, !more);
      if (!more) {
        w.complete = i + 1;
        break;
      }
      cur = next;
    }
  }
  w.exact = w.complete == announced && p == end;
  return w;
}

// What admit() decided for a packet [first, first + count).
struct Admission {
  std::uint64_t duplicates = 0;  // leading messages below the expected sequence (already seen)
  std::uint64_t gap_first = 0;   // first missing sequence number (valid if gap_count > 0)
  std::uint64_t gap_count = 0;   // messages missing between the expectation and `first`
};

// Expected-next-sequence state of one line, or of a feed when its A and B lines are merged.
// Starts expecting sequence 1 (MoldUDP64 sessions number their messages from 1), so a receiver
// that joins mid-session reports the messages it missed as a gap.
class SequenceTracker {
 public:
  [[nodiscard]] std::uint64_t expected() const noexcept { return expected_; }
  void reset(std::uint64_t next = 1) noexcept { expected_ = next; }

  // Packet carrying messages [first, first + count); count 0 for heartbeat/end of session, which
  // only announce `first` as the next sequence. Advances the expectation past the packet.
  [[nodiscard]] Admission admit(std::uint64_t first, std::uint64_t count) noexcept {
    const Admission a = classify(first, count);
    advance_to(first + count);
    return a;
  }

  // The same decision without advancing (the caller advances by what it could actually read).
  [[nodiscard]] Admission classify(std::uint64_t first, std::uint64_t count) const noexcept {
    Admission a;
    if (first > expected_) {
      a.gap_first = expected_;
      a.gap_count = first - expected_;
    } else {
      const std::uint64_t seen = expected_ - first;
      a.duplicates = seen < count ? seen : count;
    }
    return a;
  }

  // Advance to `next` if it is ahead (used when only part of a packet could be read).
  void advance_to(std::uint64_t next) noexcept {
    if (next > expected_) expected_ = next;
  }

 private:
  std::uint64_t expected_ = 1;
};

}  // namespace ichannel::feed::mold
