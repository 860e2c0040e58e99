// feed/moldudp64_sequencer_config.hpp: the knobs of mold::Sequencer (one per feed) and their
// defaults, with the reason for each (../shared/DESIGN.md section 8, docs/ when it moves there).
//
// Contract
// - Plain struct, copied into the sequencer at construction. validate() is cold: it returns the
//   name of the first invalid key and why (empty key: valid); the sequencer's constructor throws
//   std::invalid_argument with that text.
// - Times are nanoseconds of the caller's clock (the RX loop's TSC clock); counts are packets or
//   messages as named.
#pragma once

#include <cstdint>
#include <string_view>

namespace ichannel::feed::mold {

struct SequencerConfig {
  // Reorder window: how long a hole at the expected sequence may wait for either line before it
  // is re-requested (or declared a gap). Whichever limit is reached first ends the window.
  // 256 packets / 2 ms: the open-source C++20 MoldUDP64 handler's values; OnixS uses 3 packets
  // / 100 ms on B3. 2 ms covers ordinary A/B skew (tens of microseconds) and in-line reordering
  // by a switch with a lot of margin, while a burst (about 10x the average rate) fills 256
  // packets in well under 2 ms, so the packet limit keeps the store from growing without need.
  std::uint32_t reorder_packets = 256;
  std::uint64_t reorder_ns = 2'000'000;

  // Re-request recovery (MoldUDP64 request packets to the feed's re-request server). Off by
  // default: it needs a server address that only the feed's configuration knows.
  // 250 ms x 4 attempts x 1024 messages: the C++20 handler's values (Nassau resends after 1 s).
  // A reply that makes progress triggers the request for the rest at once: MoldUDP64 servers
  // answer what fits in one packet, so a large hole takes several request/reply round trips.
  bool recovery = false;
  std::uint64_t request_timeout_ns = 250'000'000;
  std::uint32_t request_attempts = 4;
  std::uint16_t request_max_messages = 1024;  // 1..65534 (0xFFFF would mean end of session)
  // A session joined midway (its first packet beyond sequence 1: a daemon started during the
  // day, or a new session first seen late) has the prefix 1..first-1 as its first hole. true:
  // re-requested like any hole (the whole morning, request by request). false: declared a gap
  // after the reorder window without a request; set when the feed has GLIMPSE snapshots
  // (feeds[].snapshot), which rebuild the books from the snapshot instead.
  bool request_join_prefix = true;

  // Held-packet store, preallocated: store_packets x slot_bytes. 4096 x 2048 B = 8 MiB per feed:
  // 16x the reorder window, enough to keep holding a full-rate feed (about 1M msg/s, 38 per
  // packet) for one re-request round trip plus margin; 2048 B holds any packet of a 1500-byte
  // MTU (jumbo feeds raise it). A packet larger than a slot cannot be held: it counts as lost.
  std::uint32_t store_packets = 4096;
  std::uint32_t slot_bytes = 2048;

  // Sequence hardening. A packet whose first sequence lies more than max_jump messages beyond
  // everything trusted so far is suspect until a second consistent packet (the other line or the
  // continuation: within max_jump of it) confirms it; an unconfirmed suspect expires after
  // suspect_ns. 65536 is the old handler's "near a session start" bound: a real jump that large
  // needs both lines down for about 65 ms at full rate, and costs one packet of delay to confirm.
  // 2 s: two heartbeat intervals (heartbeats carry the next sequence, so they confirm too).
  std::uint64_t max_jump = 65536;
  std::uint64_t suspect_ns = 2'000'000'000;

  // Session hardening. A packet of another session is adopted only after the current one's end
  // of session, or after session_confirm_packets consistent packets of the new session
  // (contiguous on one line, or the other line agreeing), or when the current session has been
  // silent (A and B) for session_silence_ns while the new one has sent at least two packets.
  // 3 packets: one stray or corrupted header is never enough; a real change-over whose end of
  // session was lost on both lines is adopted after three packets (microseconds at the open,
  // three heartbeats before it). 5 s: five missed heartbeats.
  std::uint32_t session_confirm_packets = 3;
  std::uint64_t session_silence_ns = 5'000'000'000;
};

struct SequencerConfigError {
  std::string_view key;  // empty: the config is valid
  std::string_view reason;
};

[[nodiscard]] inline SequencerConfigError validate(const SequencerConfig& c) noexcept {
  if (c.store_packets == 0) return {"store_packets", "must be at least 1"};
  if (c.store_packets > (1u << 24)) return {"store_packets", "must be at most 16777216"};
  if (c.slot_bytes < 20 || c.slot_bytes > 65535 + 20) {
    return {"slot_bytes", "must be between 20 (a MoldUDP64 header) and 65555"};
  }
  if (c.request_max_messages == 0 || c.request_max_messages == 0xFFFF) {
    return {"request_max_messages", "must be between 1 and 65534"};
  }
  if (c.request_attempts == 0) return {"request_attempts", "must be at least 1"};
  if (c.session_confirm_packets == 0 || c.session_confirm_packets > 64) {
    return {"session_confirm_packets", "must be between 1 and 64"};
  }
  if (c.max_jump == 0) return {"max_jump", "must be at least 1"};
  return {};
}

}  // namespace ichannel::feed::mold
