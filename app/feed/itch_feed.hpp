// feed/itch_feed.hpp: one ITCH feed: MoldUDP64 arbitration of the A and B lines (and re-request
// replies) -> ITCH 5.0 decode -> symbol learning -> normalize -> the feed's tick sink (normally
// its Fanout into channels, fanout.hpp).
//
// Contract
// - One ItchFeed per feed, owned and called by one polling thread. on_datagram(line, payload,
//   recv_ns), on_recovery(payload, recv_ns) and on_timer(now_ns) are the hot path: inline,
//   noexcept, no allocation, no lock, no syscall, no logging; bad input is counted and skipped,
//   never a crash. The feed holds a 512 KiB SymbolTable and its sequencer's preallocated store
//   (SequencerConfig::store_packets x slot_bytes, 8 MiB by default): create it on the heap.
// - Ordering, holes, gaps, sessions: mold::Sequencer (moldudp64_sequencer.hpp). Every message
//   either line (or the re-request server) delivered reaches the sink exactly once, in sequence
//   order; what neither delivered within the reorder window (and the re-requests, when the
//   sequencer's recovery is on) becomes one kGap record. on_timer() must be called every few loop
//   iterations with the loop's clock (the same clock as recv_ns): it is what declares a hole when
//   the feed goes quiet. Re-requests go to `Requester` (a callable `bool(const mold::Session&,
//   std::uint64_t first, std::uint16_t count) noexcept`; NoRequests by default).
// - Sink (stored by value): a type with `void publish(const ichannel::Tick&) noexcept`
//   (feed::Fanout), or any callable `void(const ichannel::Tick&) noexcept`. A sink with a
//   nested `Burst` (Fanout::Burst) gets one per delivered packet: on_walk / on_delivery publish
//   that packet's ticks through a local `Sink::Burst(sink)`, so the channel cursor stays in
//   registers for the packet (fanout.hpp). Ticks carry the
//   receive time of the copy that delivered them (a held copy keeps its own arrival time), the
//   feed id given at construction (the config feeds[] index) and the flags of tick.hpp.
// - Nothing decoded disappears: every message with a sequence number becomes exactly one tick.
//   All 23 ITCH 5.0 types normalize (itch50_normalize.hpp); a known type longer than its spec
//   decodes its known prefix (counted: long_messages); an empty or short message or an unknown
//   type publishes a kUndecodable record for its sequence (counted: bad_length, unknown_type).
// - Flags (docs/tick-format.md, "Flags"): kTickRecovered on ticks of messages the re-request
//   server delivered; kTickLastInPacket on the tick of the last message delivered from a packet;
//   kTickAfterGap on every tick (the kGap record included) from the first gap of a session on,
//   cleared when a new session is adopted (a gap is never repaired later: copies that arrive
//   after it are counted as late and not published).
// - Behaviour in detail: docs/architecture.md, section "The feed handler".
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <utility>

#include <ichannel/tick.hpp>

#include "feed/itch50.hpp"
#include "feed/itch50_normalize.hpp"
#include "feed/moldudp64.hpp"
#include "feed/moldudp64_sequencer.hpp"
#include "feed/symbols.hpp"

namespace ichannel::feed {

// Per line (A, B): what the sequencer saw of it and what the decoder made of its first copies.
struct LineCounters {
  std::uint64_t packets = 0;         // datagrams handed in for this line
  std::uint64_t messages = 0;        // new messages decoded from this line (first copies)
  std::uint64_t gaps = 0;            // jumps in this line's own sequence (line loss)
  std::uint64_t gap_messages = 0;    // messages this line skipped
  std::uint64_t duplicates = 0;      // messages already delivered (by either line) and skipped
  std::uint64_t late_copies = 0;     // messages that arrived after their gap was declared
  std::uint64_t held = 0;            // packets that waited for a hole before them to fill
  std::uint64_t released = 0;        // held packets delivered from the store once it filled
  std::uint64_t malformed = 0;       // bad MoldUDP64 framing (docs/architecture.md)
  std::uint64_t heartbeats = 0;      // count-0 packets
  std::uint64_t end_of_session = 0;  // count-0xFFFF packets
  std::uint64_t unknown_type = 0;    // messages with an unknown ITCH type byte
  std::uint64_t bad_length = 0;      // messages shorter than their type's spec length (or empty)
  std::uint64_t long_messages = 0;   // known types longer than their spec (prefix decoded)
  std::uint64_t stale_session = 0;   // packets of another session, dropped
  std::uint64_t suspect = 0;         // packets set aside as an unconfirmed sequence jump
  std::uint64_t seq_zero = 0;        // packets with sequence number 0, dropped
  std::uint64_t too_large = 0;       // packets ahead of the sequence too large to hold
  std::uint64_t next_seq = 1;        // this line's own expected next sequence number
};

struct FeedCounters {
  LineCounters line[2];
  std::uint64_t ticks = 0;            // ticks handed to the sink (gap and status records too)
  std::uint64_t dropped_types = 0;    // decoded messages whose type carries no tick (0 since
                                      // tick layout 2: every type has one)
  std::uint64_t undecodable = 0;      // kUndecodable records published (unknown, short, empty)
  std::uint64_t gaps = 0;             // feed gaps published (neither line had the messages)
  std::uint64_t gap_messages = 0;     // messages missing in those gaps
  std::uint64_t session_changes = 0;  // sessions adopted after the first one
  std::uint64_t holes = 0;            // holes opened at the expected sequence (most fill)
  std::uint64_t held_now = 0;         // gauge: packets waiting in the store now
  std::uint64_t requests = 0;         // re-requests sent (retries included)
  std::uint64_t request_timeouts = 0; // re-requests that timed out
  std::uint64_t recovered = 0;        // messages delivered from re-request replies
  std::uint64_t recovery_packets = 0; // re-request replies handed in
  std::uint64_t store_full = 0;       // holes declared early because the store was full
  std::uint64_t suspect_confirmed = 0;
  std::uint64_t suspect_expired = 0;
  std::array<std::uint64_t, 256> by_type{};  // decoded messages per ITCH type byte
};

// The default Requester: no re-request server (requests are dropped; the sequencer's recovery is
// off unless its config turns it on).
struct NoRequests {
  bool operator()(const mold::Session&, std::uint64_t, std::uint16_t) const noexcept {
    return false;
  }
};

// What an ItchFeed publishes into: a Fanout (publish member) or a plain callable.
template <class S>
concept TickSink = requires(S& sink, const Tick& tick) {
  sink.publish(tick);
}
|| requires(S& sink, const Tick& tick) {
  sink(tick);
};

template <TickSink Sink, class Requester = NoRequests>
class ItchFeed {
 public:
  // feed_id: the config feeds[] index, carried in every tick (Tick::feed).
  explicit ItchFeed(Sink sink = Sink{}, const mold::SequencerConfig& config = {},
                    Requester requester = Requester{}, std::uint8_t feed_id = 0)
      : sink_(std::move(sink)),
        requester_(std::move(requester)),
        feed_id_(feed_id),
        seq_(SeqOut{this}, config) {}

  ItchFeed(const ItchFeed&) = delete;
  ItchFeed& operator=(const ItchFeed&) = delete;

  // line 0 = A, 1 = B (other values are ignored). udp_payload is one MoldUDP64 packet.
  void on_datagram(int line, std::span<const std::uint8_t> udp_payload,
                   std::uint64_t recv_ns) noexcept {
    if (line != 0 && line != 1) [[unlikely]]
      return;
    now_ns_ = recv_ns;
    seq_.on_packet(static_cast<mold::Source>(line), udp_payload, recv_ns);
  }

  // A MoldUDP64 packet from the feed's re-request server (unicast reply).
  void on_recovery(std::span<const std::uint8_t> udp_payload, std::uint64_t recv_ns) noexcept {
    now_ns_ = recv_ns;
    seq_.on_packet(mold::Source::kRecovery, udp_payload, recv_ns);
  }

  // The loop's clock: fires the reorder window and request timeouts (one compare when idle).
  void on_timer(std::uint64_t now_ns) noexcept {
    if (now_ns < seq_.next_deadline()) [[likely]]
      return;
    now_ns_ = now_ns;
    seq_.on_timer(now_ns);
  }

  // A snapshot (by value: the arbitration counters live in the sequencer).
  [[nodiscard]] FeedCounters counters() const noexcept {
    FeedCounters c = counters_;
    const mold::SequencerCounters& s = seq_.counters();
    for (int l = 0; l < 2; ++l) {
      const mold::SequencerLineCounters& sl = s.line[l];
      LineCounters& lc = c.line[l];
      lc.packets = sl.packets;
      lc.gaps = sl.loss_events;
      lc.gap_messages = sl.loss_messages;
      lc.duplicates = sl.duplicates;
      lc.late_copies = sl.late_copies;
      lc.held = sl.held;
      lc.released = sl.released;
      lc.malformed = sl.malformed;
      lc.heartbeats = sl.heartbeats;
      lc.end_of_session = sl.end_of_session;
      lc.stale_session = sl.foreign_session;
      lc.suspect = sl.suspect;
      lc.seq_zero = sl.seq_zero;
      lc.too_large = sl.too_large_to_hold;
      lc.next_seq = sl.next_seq;
    }
    c.session_changes = s.session_changes;
    c.holes = s.holes;
    c.held_now = s.held_now;
    c.requests = s.requests;
    c.request_timeouts = s.request_timeouts;
    c.recovered = s.recovered_messages;
    c.recovery_packets = s.line[static_cast<std::size_t>(mold::Source::kRecovery)].packets;
    c.store_full = s.store_full;
    c.suspect_confirmed = s.suspect_confirmed;
    c.suspect_expired = s.suspect_expired;
    return c;
  }
  [[nodiscard]] const mold::SequencerCounters& sequencer_counters() const noexcept {
    return seq_.counters();
  }
  [[nodiscard]] const SymbolTable& symbols() const noexcept { return symbols_; }
  [[nodiscard]] std::uint8_t feed_id() const noexcept { return feed_id_; }
  // True from the first gap of the current session on (the kTickAfterGap flag).
  [[nodiscard]] bool after_gap() const noexcept { return after_gap_ != 0; }
  [[nodiscard]] Sink& sink() noexcept { return sink_; }
  [[nodiscard]] const Sink& sink() const noexcept { return sink_; }
  // Feed-wide expected next sequence number (after the A/B arbitration).
  [[nodiscard]] std::uint64_t expected_sequence() const noexcept { return seq_.expected(); }
  // Current MoldUDP64 session (all zero bytes before the first packet).
  [[nodiscard]] const mold::Session& session() const noexcept { return seq_.session(); }

 private:
  // The sequencer's Out: forwards to the feed (stored by value in the sequencer).
  struct SeqOut {
    ItchFeed* feed;
    void deliver(std::span<const std::uint8_t> packet, std::uint64_t first, std::uint32_t skip,
                 std::uint32_t count, mold::DeliveryFlags flags) noexcept {
      feed->on_delivery(packet, first, skip, count, flags);
    }
    // In-order traffic: one walk over the blocks, decoding as it goes (see mold::Sequencer).
    mold::Walk deliver_walk(std::span<const std::uint8_t> packet, std::uint64_t first,
                            std::uint32_t announced, mold::DeliveryFlags flags) noexcept {
      return feed->on_walk(packet, first, announced, flags);
    }
    void gap(std::uint64_t first, std::uint64_t count) noexcept { feed->publish_gap(first, count); }
    void request(const mold::Session& s, std::uint64_t first, std::uint16_t count) noexcept {
      (void)feed->requester_(s, first, count);  // a full queue: the sequencer's retry covers it
    }
    void session_changed(const mold::Session& old, const mold::Session& now) noexcept {
      feed->after_gap_ = 0;  // a new session starts complete
      if (old != mold::Session{}) feed->publish_session_start(now);  // a change, not the first
    }
    void end_of_session(std::uint64_t next) noexcept { feed->publish_end_of_session(next); }
  };

  // Hot path, per packet: [[gnu::flatten]] (here and in on_walk, publish) inlines the whole
  // per-message chain - decode, normalize, publish, the sink and its Sender::send - into one loop.
  // Left to its inliner, GCC outlined Sender::send (the Tick then crosses a call through memory
  // and its 32-byte copy waits on narrower stores) and the ITCH dispatch: +5 ns/msg.
  [[gnu::flatten]] void on_delivery(std::span<const std::uint8_t> packet, std::uint64_t first,
                                    std::uint32_t skip, std::uint32_t count,
                                    mold::DeliveryFlags flags) noexcept {
    LineCounters& lc = counters_.line[flags.source == mold::Source::kB ? 1 : 0];
    const std::uint64_t recv_ns = flags.arrival_ns;
    mold::BlockReader reader(packet);
    std::span<const std::uint8_t> msg;
    for (std::uint32_t i = 0; i < skip; ++i) (void)reader.next(msg);  // complete: see Sequencer
    const std::uint8_t base = flags.recovered ? kTickRecovered : std::uint8_t{0};
    auto out = packet_out();
    for (std::uint32_t i = 0; i < count; ++i) {
      (void)reader.next(msg);
      const std::uint8_t f =
          base | (i + 1 == count ? kTickLastInPacket : std::uint8_t{0});
      on_message(out, msg, first + skip + i, recv_ns, f, lc);
    }
  }

  // The sequencer's in-order fast path: its blocks are walked once, here (the sequencer did not
  // check them; walk_blocks stops at the first truncated one and the sequencer counts it).
  [[gnu::flatten]] mold::Walk on_walk(std::span<const std::uint8_t> packet, std::uint64_t first,
                                      std::uint32_t announced, mold::DeliveryFlags flags) noexcept {
    LineCounters& lc = counters_.line[flags.source == mold::Source::kB ? 1 : 0];
    const std::uint64_t recv_ns = flags.arrival_ns;
    const std::uint8_t base = flags.recovered ? kTickRecovered : std::uint8_t{0};
    auto out = packet_out();
    return mold::walk_blocks(
        packet, announced,
        [&](std::span<const std::uint8_t> msg, std::uint32_t i, bool last) noexcept {
          on_message(out, msg, first + i, recv_ns,
                     base | (last ? kTickLastInPacket : std::uint8_t{0}), lc);
        });
  }

  // Without a Sink::Burst: publishes straight into the sink.
  struct DirectOut {
    ItchFeed& feed;
    [[gnu::always_inline]] void publish(const Tick& t) noexcept { feed.sink_publish(t); }
  };

  // One packet's publisher, for a local of the caller: a Sink::Burst on sink_ when the sink has
  // one, else a DirectOut. Nothing else may publish while it lives.
  [[gnu::always_inline]] auto packet_out() noexcept {
    if constexpr (requires { typename Sink::Burst; }) {
      return typename Sink::Burst(sink_);
    } else {
      return DirectOut{*this};
    }
  }

  void publish_end_of_session(std::uint64_t next_seq) noexcept {
    Tick t{};
    t.recv_ns = now_ns_;
    set_head(t, 0, feed_id_, after_gap_);
    t.seq = next_seq;
    t.aux = kStatusEndOfSession;
    set_tail(t, 0, 0, Action::kStatus, static_cast<Side>('E'));
    publish(t);
  }

  // kStatus 'S' / aux kStatusSessionStart: the feed changed to another MoldUDP64 session (the
  // first session is not announced); order_id = its first 8 name bytes, price = the last 2
  // (memcpy order), seq = 0.
  void publish_session_start(const mold::Session& session) noexcept {
    Tick t{};
    t.recv_ns = now_ns_;
    set_head(t, 0, feed_id_, 0);
    std::memcpy(&t.order_id, session.data(), 8);
    std::uint16_t tail = 0;
    std::memcpy(&tail, session.data() + 8, 2);
    t.price = tail;
    t.aux = kStatusSessionStart;
    set_tail(t, 0, 0, Action::kStatus, static_cast<Side>('S'));
    publish(t);
  }

  void publish_gap(std::uint64_t first, std::uint64_t count) noexcept {
    ++counters_.gaps;
    counters_.gap_messages += count;
    after_gap_ = kTickAfterGap;
    Tick t{};
    t.recv_ns = now_ns_;
    set_head(t, 0, feed_id_, after_gap_);
    t.seq = first;
    t.aux = count;
    set_tail(t, 0, 0, Action::kGap, Side::kNone);
    publish(t);
  }

  template <class Out>
  void on_message(Out& out, std::span<const std::uint8_t> msg, std::uint64_t seq,
                  std::uint64_t recv_ns, std::uint8_t flags, LineCounters& lc) noexcept {
    Tick t{};
    t.recv_ns = recv_ns;
    set_head(t, 0, feed_id_, flags | after_gap_);
    t.seq = seq;
    bool produced = false;
    auto visit = [&](const auto& m) noexcept {
      if constexpr (requires { m.stock; }) symbols_.learn(m.stock_locate, m.stock);
      produced = normalize(m, t);
    };
    const itch::DecodeResult r = itch::dispatch(msg, visit);
    switch (r) {
      case itch::DecodeResult::kLong:
        ++lc.long_messages;
        [[fallthrough]];
      case itch::DecodeResult::kOk:
        ++lc.messages;
        ++counters_.by_type[msg[0]];
        if (produced) [[likely]] {
          publish(out, t);
        } else {
          ++counters_.dropped_types;
        }
        break;
      case itch::DecodeResult::kUnknownType:
        ++lc.unknown_type;
        t = undecodable(t, msg, 'U');
        publish(out, t);
        break;
      case itch::DecodeResult::kEmpty:
        ++lc.bad_length;
        t = undecodable(t, msg, 'E');
        publish(out, t);
        break;
      case itch::DecodeResult::kBadLength:
        ++lc.bad_length;
        t = undecodable(t, msg, 'S');
        publish(out, t);
        break;
    }
  }

  // The sequence number of a message that could not be decoded still reaches receivers: side =
  // the type byte (0 when empty), qty = block length, order_id = the type's spec length (0 for an
  // unknown type), aux = reason ('E' empty, 'S' shorter than the spec, 'U' unknown type),
  // instrument 0 (so every channel's filter passes it), exch_ns 0.
  // noinline: stays out of the flattened hot loops (the caller publishes the result through its
  // out). t by value, not by reference: its address must not escape, or the hot path's tick
  // lives on the stack instead of in registers (and send() reloads it from there).
  [[gnu::cold, gnu::noinline]] Tick undecodable(Tick t, std::span<const std::uint8_t> msg,
                                                char reason) noexcept {
    ++counters_.undecodable;
    const std::uint8_t type = msg.empty() ? 0 : msg[0];
    t.order_id = itch::message_length(static_cast<char>(type));
    t.aux = static_cast<std::uint8_t>(reason);
    t.price = 0;
    set_exch_ns(t, 0);
    set_tail(t, static_cast<std::uint32_t>(msg.size()), 0, Action::kUndecodable,
             static_cast<Side>(type));
    return t;
  }

  // Outside a packet (gaps, session records).
  [[gnu::flatten]] void publish(const Tick& t) noexcept {
    ++counters_.ticks;
    sink_publish(t);
  }

  // Inside a packet: through packet_out()'s out.
  template <class Out>
  [[gnu::always_inline]] void publish(Out& out, const Tick& t) noexcept {
    ++counters_.ticks;
    out.publish(t);
  }

  [[gnu::always_inline]] void sink_publish(const Tick& t) noexcept {
    if constexpr (requires { sink_.publish(t); }) {
      sink_.publish(t);
    } else {
      sink_(t);
    }
  }

  // Hot, small state first; the 512 KiB symbol table last.
  Sink sink_;
  Requester requester_;
  std::uint64_t now_ns_ = 0;  // clock of the current call (gap and end-of-session records)
  std::uint8_t feed_id_ = 0;   // Tick::feed
  std::uint8_t after_gap_ = 0;  // kTickAfterGap from the session's first gap on, else 0
  mold::Sequencer<SeqOut> seq_;
  FeedCounters counters_;  // decode counters; arbitration counters come from seq_
  SymbolTable symbols_;
};

}  // namespace ichannel::feed
