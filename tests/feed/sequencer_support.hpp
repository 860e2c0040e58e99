// tests/feed/sequencer_support.hpp: test-only helpers for mold::Sequencer: packets whose
// messages carry their own sequence number (8 bytes BE), and an Out that records every event
// and checks each delivered block against its sequence (RecordingOut: the sequencer walks the
// framing; WalkingOut: the single walk of in-order traffic). Allocates freely: tests only.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "feed/moldudp64.hpp"
#include "feed/moldudp64_sequencer.hpp"
#include "wire/moldudp64_encode.hpp"

namespace ichannel::feed::test {

using Bytes = std::vector<std::uint8_t>;
inline constexpr std::string_view kSession = "0000000001";

inline Bytes mold_packet(std::uint64_t seq, const std::vector<Bytes>& msgs,
                         std::string_view session = kSession) {
  return ::ichannel::wire::mold_packet(session, seq, msgs);
}
inline Bytes mold_heartbeat(std::uint64_t next, std::string_view session = kSession) {
  return ::ichannel::wire::mold_heartbeat(session, next);
}
inline Bytes mold_end(std::uint64_t next, std::string_view session = kSession) {
  return ::ichannel::wire::mold_end_of_session(session, next);
}

// n messages first .. first + n - 1, each 8 bytes: its own sequence number.
inline Bytes seq_packet(std::uint64_t first, std::uint64_t n, std::string_view session = kSession) {
  std::vector<Bytes> msgs;
  for (std::uint64_t s = first; s < first + n; ++s) {
    Bytes m(8);
    for (int i = 0; i < 8; ++i) m[i] = static_cast<std::uint8_t>(s >> (8 * (7 - i)));
    msgs.push_back(std::move(m));
  }
  return mold_packet(first, msgs, session);
}

struct SeqLog {
  struct Delivered {
    std::uint64_t seq;
    mold::Source source;
    bool recovered;
    bool released;
  };
  struct Request {
    std::string session;
    std::uint64_t first;
    std::uint16_t count;
  };
  std::vector<Delivered> delivered;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> gaps;  // first, count
  std::vector<Request> requests;
  std::vector<std::pair<std::string, std::string>> sessions;  // old, new
  std::vector<std::uint64_t> ends;
  std::vector<std::string> events;  // "d<seq>", "g<first>+<count>", "s", "e<next>", "r<first>+<n>"
  std::uint64_t heartbeats = 0;
  std::uint64_t bad_blocks = 0;  // a delivered block that did not carry its sequence

  [[nodiscard]] std::vector<std::uint64_t> seqs() const {
    std::vector<std::uint64_t> v;
    for (const auto& d : delivered) v.push_back(d.seq);
    return v;
  }
};

inline std::string session_text(const mold::Session& s) {
  return std::string(s.data(), s.size());
}

struct RecordingOut {
  SeqLog* log;
  void deliver(std::span<const std::uint8_t> packet, std::uint64_t first, std::uint32_t skip,
               std::uint32_t count, mold::DeliveryFlags flags) noexcept {
    mold::BlockReader r(packet);
    std::span<const std::uint8_t> m;
    for (std::uint32_t i = 0; i < skip + count; ++i) {
      if (r.next(m) != mold::BlockStatus::kMessage) {
        ++log->bad_blocks;
        return;
      }
      if (i < skip) continue;
      const std::uint64_t seq = first + i;
      if (m.size() != 8 || be::load_be64(m.data()) != seq) ++log->bad_blocks;
      log->delivered.push_back({seq, flags.source, flags.recovered, flags.released});
      log->events.push_back("d" + std::to_string(seq));
    }
  }
  void gap(std::uint64_t first, std::uint64_t count) noexcept {
    log->gaps.emplace_back(first, count);
    log->events.push_back("g" + std::to_string(first) + "+" + std::to_string(count));
  }
  void request(const mold::Session& s, std::uint64_t first, std::uint16_t count) noexcept {
    log->requests.push_back({session_text(s), first, count});
    log->events.push_back("r" + std::to_string(first) + "+" + std::to_string(count));
  }
  void session_changed(const mold::Session& o, const mold::Session& n) noexcept {
    log->sessions.emplace_back(session_text(o), session_text(n));
    log->events.push_back("s" + session_text(n));
  }
  void end_of_session(std::uint64_t next) noexcept {
    log->ends.push_back(next);
    log->events.push_back("e" + std::to_string(next));
  }
  void heartbeat(mold::Source, std::uint64_t) noexcept { ++log->heartbeats; }
};

using TestSequencer = mold::Sequencer<RecordingOut>;

// The same Out with the single walk of in-order traffic (Sequencer's optional deliver_walk, as
// ItchFeed has it): logs exactly what RecordingOut logs, so both must agree event for event.
struct WalkingOut : RecordingOut {
  std::uint64_t walks = 0;
  std::uint64_t last_flags = 0;  // blocks walked with last == true (one per delivering walk)
  mold::Walk deliver_walk(std::span<const std::uint8_t> packet, std::uint64_t first,
                          std::uint32_t announced, mold::DeliveryFlags flags) noexcept {
    ++walks;
    return mold::walk_blocks(
        packet, announced, [&](std::span<const std::uint8_t> m, std::uint32_t i, bool last) {
          const std::uint64_t seq = first + i;
          if (m.size() != 8 || be::load_be64(m.data()) != seq) ++log->bad_blocks;
          log->delivered.push_back({seq, flags.source, flags.recovered, flags.released});
          log->events.push_back("d" + std::to_string(seq));
          if (last) ++last_flags;
        });
  }
};

using WalkingSequencer = mold::Sequencer<WalkingOut>;

inline std::vector<std::uint64_t> range(std::uint64_t first, std::uint64_t last) {
  std::vector<std::uint64_t> v;
  for (std::uint64_t s = first; s <= last; ++s) v.push_back(s);
  return v;
}

}  // namespace ichannel::feed::test
