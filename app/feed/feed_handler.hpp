// feed/feed_handler.hpp: the per-feed pipeline the daemon calls: MoldUDP64 A/B merge ->
// ITCH 5.0 decode -> symbol learning -> normalize -> optional filter -> TickSink.
//
// Contract
// - One FeedHandler per feed, owned and called by one polling thread. on_datagram() is the hot
//   path: inline, noexcept, no allocation, no lock, no syscall, no logging; bad input is counted
//   in FeedCounters and skipped, never a crash. The handler holds a 512 KiB SymbolTable: create
//   it on the heap or as a static, not on a small stack. Cold: constructor and set_filter().
// - TickSink: any callable `void operator()(const ichannel::Tick&) noexcept` (a lambda pushing
//   into ichannel::Sender<Tick>s, a vector in tests, a counter in benchmarks); stored by value.
//
// Design
// - A/B merge. Both lines carry the same MoldUDP64 session and sequence numbers. The handler
//   keeps ONE feed-wide expected sequence: the first copy of a sequence number wins, whichever
//   line brings it; later copies count as `duplicates` on the line that delivered them. A packet
//   that overlaps what was already published is cut: its leading, already-seen messages are
//   skipped (duplicates) and only the new ones decoded. A packet wholly seen is not parsed.
// - Gaps. A packet whose first sequence is ahead of the expectation is a feed gap: counted in
//   FeedCounters::gaps / gap_messages and published as one kGap tick (seq = first missing,
//   aux = count missing, instrument 0) BEFORE the packet's messages. Heartbeats (count 0) and
//   end-of-session packets announce the next sequence, so they reveal a lost tail the same way.
//   The gap is declared at once (no reorder window yet; re-request recovery is a later issue):
//   a copy that arrives after its gap was declared is counted as a duplicate and dropped.
//   Each line also tracks its own sequence: LineCounters::gaps / gap_messages count what THAT
//   line lost, whether or not the other line covered it (link-quality monitoring).
// - A fresh handler expects sequence 1, so joining a session midway reports the missed prefix
//   as one gap record, and strategies know their book starts incomplete.
// - Sessions. The first packet's session is adopted. A packet with a different session starts
//   a new session (session_changes) if the current one has ended (end of session seen) or the
//   packet's sequence is near a session start (<= 65536); sequence tracking then restarts at 1
//   on both lines and the symbol table is kept (locates are re-learned as R/A/F messages
//   arrive). Other packets of a foreign session, and packets still carrying the previous
//   session (the slower line during a change-over), are counted as stale_session and dropped,
//   so a stray packet cannot reset a live session. End of session (count 0xFFFF) is counted per
//   line; its first copy per session is published as a kStatus tick (side 'E', aux =
//   kStatusEndOfSession, seq = next sequence).
// - Malformed packets: shorter than the header, a sequence number that would overflow, or a
//   block whose length runs past the datagram (`malformed`; the blocks before it are used and
//   the feed expectation advances only past what was read, so the other line can fill in the
//   rest). Bytes after the last announced block count as malformed but the messages stand.
// - Per message: unknown type -> unknown_type, wrong length for its type (or empty) ->
//   bad_length; both still consume their sequence number. Decoded messages count in
//   LineCounters::messages and FeedCounters::by_type; types without a tick (normalize.hpp's drop
//   rule) in dropped_types; ticks refused by the filter in filtered (symbol known, not wanted)
//   or filter_unknown (symbol not learned yet).
// - Timestamps: recv_ns given by the caller is stamped into every tick of the datagram.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include <ichannel/tick.hpp>

#include "feed/instrument_filter.hpp"
#include "feed/itch50.hpp"
#include "feed/moldudp64.hpp"
#include "feed/normalize.hpp"
#include "feed/symbols.hpp"

namespace ichannel::feed {

struct LineCounters {
  std::uint64_t packets = 0;         // datagrams handed in for this line
  std::uint64_t messages = 0;        // new messages decoded from this line (first copies)
  std::uint64_t gaps = 0;            // jumps in this line's own sequence (line loss)
  std::uint64_t gap_messages = 0;    // messages this line skipped
  std::uint64_t duplicates = 0;      // messages already delivered (by either line) and skipped
  std::uint64_t malformed = 0;       // bad MoldUDP64 framing (see feed_handler.hpp)
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
  std::uint64_t filtered = 0;         // ticks refused by the feed-wide filter (symbol not wanted)
  std::uint64_t filter_unknown = 0;   // ticks refused because their symbol is not known yet
  std::uint64_t gaps = 0;             // feed gaps published (neither line had the messages)
  std::uint64_t gap_messages = 0;     // messages missing in those gaps
  std::uint64_t session_changes = 0;  // sessions adopted after the first one
  std::array<std::uint64_t, 256> by_type{};  // decoded messages per ITCH type byte
};

template <class TickSink>
class FeedHandler {
 public:
  explicit FeedHandler(TickSink sink) : sink_(std::move(sink)) {}

  FeedHandler(const FeedHandler&) = delete;
  FeedHandler& operator=(const FeedHandler&) = delete;

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
  [[nodiscard]] TickSink& sink() noexcept { return sink_; }
  // Feed-wide expected next sequence number (after the A/B merge).
  [[nodiscard]] std::uint64_t expected_sequence() const noexcept { return feed_seq_.expected(); }
  // Current MoldUDP64 session (all zero bytes before the first packet).
  [[nodiscard]] const mold::Session& session() const noexcept { return session_; }

  // Cold. Feed-wide instrument filter (empty list: no filter). Throws std::invalid_argument on a
  // symbol that is empty or longer than 8 characters. Per-channel filtering: see
  // instrument_filter.hpp.
  void set_filter(std::span<const std::string> symbols) {
    if (symbols.empty()) {
      filter_.reset();
    } else {
      filter_.emplace(symbols_, symbols);
    }
  }

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
    if (filter_) {
      if (!filter_->pass(t.instrument)) {
        // The filter knows which of its two reasons applied; mirror them into the counters.
        counters_.filtered = filter_->filtered();
        counters_.filter_unknown = filter_->unknown();
        return;
      }
    }
    ++counters_.ticks;
    sink_(t);
  }

  TickSink sink_;
  FeedCounters counters_;
  SymbolTable symbols_;
  std::optional<InstrumentFilter> filter_;
  mold::SequenceTracker feed_seq_;
  mold::SequenceTracker line_seq_[2];
  mold::Session session_{};
  mold::Session previous_session_{};
  bool have_session_ = false;
  bool have_previous_ = false;
  bool ended_ = false;
};

}  // namespace ichannel::feed
