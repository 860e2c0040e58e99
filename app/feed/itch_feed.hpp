// feed/itch_feed.hpp: one ITCH feed: MoldUDP64 A/B merge -> ITCH 5.0 decode -> symbol learning ->
// normalize -> the feed's tick sink (normally its Fanout into channels, fanout.hpp).
//
// Contract
// - One ItchFeed per feed, owned and called by one polling thread. on_datagram(line, payload,
//   recv_ns) is the hot path: inline, noexcept, no allocation, no lock, no syscall, no logging;
//   bad input is counted in FeedCounters and skipped, never a crash. The feed holds a 512 KiB
//   SymbolTable: create it on the heap or as a static, not on a small stack.
// - Sink (stored by value): a type with `void publish(const ichannel::Tick&) noexcept`
//   (feed::Fanout), or any callable `void(const ichannel::Tick&) noexcept` (a lambda or small
//   struct in tests, benchmarks and tools). Every tick, gap and status record goes to the sink.
// - Behaviour (A/B merge with first copy wins, gap records, sessions, malformed input, per-message
//   counters): docs/architecture.md, section "The feed handler"; the counters below say what each
//   one counts.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <utility>

#include <ichannel/tick.hpp>

#include "feed/itch50.hpp"
#include "feed/itch50_normalize.hpp"
#include "feed/moldudp64.hpp"
#include "feed/symbols.hpp"

namespace ichannel::feed {

struct LineCounters {
  std::uint64_t packets = 0;         // datagrams handed in for this line
  std::uint64_t messages = 0;        // new messages decoded from this line (first copies)
  std::uint64_t gaps = 0;            // jumps in this line's own sequence (line loss)
  std::uint64_t gap_messages = 0;    // messages this line skipped
  std::uint64_t duplicates = 0;      // messages already delivered (by either line) and skipped
  std::uint64_t malformed = 0;       // bad MoldUDP64 framing (docs/architecture.md)
  std::uint64_t heartbeats = 0;      // count-0 packets
  std::uint64_t end_of_session = 0;  // count-0xFFFF packets
  std::uint64_t unknown_type = 0;    // messages with an unknown ITCH type byte
  std::uint64_t bad_length = 0;      // messages whose length does not match their type
  std::uint64_t stale_session = 0;   // packets of another session, dropped
  std::uint64_t next_seq = 1;        // this line's own expected next sequence number
};

struct FeedCounters {
  LineCounters line[2];
  std::uint64_t ticks = 0;            // ticks handed to the sink (gap and status records too)
  std::uint64_t dropped_types = 0;    // decoded messages whose type carries no tick
  std::uint64_t gaps = 0;             // feed gaps published (neither line had the messages)
  std::uint64_t gap_messages = 0;     // messages missing in those gaps
  std::uint64_t session_changes = 0;  // sessions adopted after the first one
  std::array<std::uint64_t, 256> by_type{};  // decoded messages per ITCH type byte
};

// What an ItchFeed publishes into: a Fanout (publish member) or a plain callable.
template <class S>
concept TickSink = requires(S& sink, const Tick& tick) {
  sink.publish(tick);
}
|| requires(S& sink, const Tick& tick) {
  sink(tick);
};

template <TickSink Sink>
class ItchFeed {
 public:
  explicit ItchFeed(Sink sink = Sink{}) : sink_(std::move(sink)) {}

  ItchFeed(const ItchFeed&) = delete;
  ItchFeed& operator=(const ItchFeed&) = delete;

  // line 0 = A, 1 = B (other values are ignored). udp_payload is one MoldUDP64 packet.
  void on_datagram(int line, std::span<const std::uint8_t> udp_payload,
                   std::uint64_t recv_ns) noexcept {
    if (line != 0 && line != 1) [[unlikely]]
      return;
    LineCounters& lc = counters_.line[line];
    ++lc.packets;
    mold::Header h;
    if (!mold::parse_header(udp_payload, h) || h.sequence > kMaxSequence) [[unlikely]] {
      ++lc.malformed;
      return;
    }
    if (!track_session(h, lc)) return;
    const std::uint64_t count = h.count == mold::kEndOfSessionCount ? 0 : h.count;

    const mold::Admission own = line_seq_[line].admit(h.sequence, count);
    lc.gaps += own.gap_count != 0;
    lc.gap_messages += own.gap_count;
    lc.next_seq = line_seq_[line].expected();

    const mold::Admission feed = feed_seq_.classify(h.sequence, count);
    if (count != 0 && feed.duplicates == count) {  // every message already published
      lc.duplicates += count;
      return;
    }
    if (feed.gap_count != 0) publish_gap(feed.gap_first, feed.gap_count, recv_ns);
    if (count == 0) {
      feed_seq_.advance_to(h.sequence);
      if (h.heartbeat()) {
        ++lc.heartbeats;
      } else {
        on_end_of_session(h.sequence, recv_ns, lc);
      }
      if (udp_payload.size() != mold::kHeaderLength) ++lc.malformed;
      return;
    }

    mold::BlockReader reader(udp_payload);
    std::uint64_t i = 0;
    for (; i < count; ++i) {
      std::span<const std::uint8_t> msg;
      if (reader.next(msg) != mold::BlockStatus::kMessage) {
        ++lc.malformed;
        break;
      }
      if (i < feed.duplicates) {
        ++lc.duplicates;
        continue;
      }
      on_message(msg, h.sequence + i, recv_ns, lc);
    }
    feed_seq_.advance_to(h.sequence + i);
    if (i == count && reader.remaining() != 0) ++lc.malformed;
  }

  [[nodiscard]] const FeedCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const SymbolTable& symbols() const noexcept { return symbols_; }
  [[nodiscard]] Sink& sink() noexcept { return sink_; }
  [[nodiscard]] const Sink& sink() const noexcept { return sink_; }
  // Feed-wide expected next sequence number (after the A/B merge).
  [[nodiscard]] std::uint64_t expected_sequence() const noexcept { return feed_seq_.expected(); }
  // Current MoldUDP64 session (all zero bytes before the first packet).
  [[nodiscard]] const mold::Session& session() const noexcept { return session_; }

 private:
  // Far below 2^64 so that sequence + count never wraps; real feeds stay below 2^40.
  static constexpr std::uint64_t kMaxSequence = std::numeric_limits<std::uint64_t>::max() >> 1;
  // A different session is adopted only after the current one ended or when the packet is
  // near the start of a session: a stray packet (another feed on the same group, a corrupted
  // header) must not reset the sequence tracking of a live session.
  static constexpr std::uint64_t kNewSessionMaxFirstSeq = 65536;

  // False if the packet belongs to the previous session and must be dropped.
  bool track_session(const mold::Header& h, LineCounters& lc) noexcept {
    if (!have_session_) [[unlikely]] {
      session_ = h.session;
      have_session_ = true;
      return true;
    }
    if (h.session == session_) [[likely]] {
      return true;
    }
    const bool previous = have_previous_ && h.session == previous_session_;
    if (previous || (!ended_ && h.sequence > kNewSessionMaxFirstSeq)) {
      ++lc.stale_session;
      return false;
    }
    previous_session_ = session_;
    have_previous_ = true;
    session_ = h.session;
    ++counters_.session_changes;
    feed_seq_.reset();
    for (auto& s : line_seq_) s.reset();
    ended_ = false;
    return true;
  }

  void on_end_of_session(std::uint64_t next_seq, std::uint64_t recv_ns, LineCounters& lc) noexcept {
    ++lc.end_of_session;
    if (ended_) return;
    ended_ = true;
    Tick t{};
    t.recv_ns = recv_ns;
    t.seq = next_seq;
    t.action = Action::kStatus;
    t.side = static_cast<Side>('E');
    t.aux = kStatusEndOfSession;
    publish(t);
  }

  void publish_gap(std::uint64_t first, std::uint64_t count, std::uint64_t recv_ns) noexcept {
    ++counters_.gaps;
    counters_.gap_messages += count;
    Tick t{};
    t.recv_ns = recv_ns;
    t.seq = first;
    t.aux = count;
    t.action = Action::kGap;
    publish(t);
  }

  void on_message(std::span<const std::uint8_t> msg, std::uint64_t seq, std::uint64_t recv_ns,
                  LineCounters& lc) noexcept {
    Tick t{};
    t.recv_ns = recv_ns;
    t.seq = seq;
    bool produced = false;
    auto visit = [&](const auto& m) noexcept {
      if constexpr (requires { m.stock; }) symbols_.learn(m.stock_locate, m.stock);
      produced = normalize(m, t);
    };
    switch (itch::dispatch(msg, visit)) {
      case itch::DecodeResult::kOk:
        ++lc.messages;
        ++counters_.by_type[msg[0]];
        if (produced) {
          publish(t);
        } else {
          ++counters_.dropped_types;
        }
        break;
      case itch::DecodeResult::kUnknownType:
        ++lc.unknown_type;
        break;
      case itch::DecodeResult::kEmpty:
      case itch::DecodeResult::kBadLength:
        ++lc.bad_length;
        break;
    }
  }

  void publish(const Tick& t) noexcept {
    ++counters_.ticks;
    if constexpr (requires { sink_.publish(t); }) {
      sink_.publish(t);
    } else {
      sink_(t);
    }
  }

  Sink sink_;
  FeedCounters counters_;
  SymbolTable symbols_;
  mold::SequenceTracker feed_seq_;
  mold::SequenceTracker line_seq_[2];
  mold::Session session_{};
  mold::Session previous_session_{};
  bool have_session_ = false;
  bool have_previous_ = false;
  bool ended_ = false;
};

}  // namespace ichannel::feed
