// feed/moldudp64_sequencer.hpp: mold::Sequencer<Out>, one per feed: A/B arbitration with a
// reorder window, MoldUDP64 re-request recovery, session and sequence hardening. It turns the
// packets of both lines (and re-request replies) into one stream of packets in strict sequence
// order, each sequence exactly once, or an explicit gap.
//
// Contract
// - Single-threaded: one polling thread owns the sequencer and calls on_packet() / on_timer().
//   Both are the hot path: inline, noexcept, no allocation, no syscall, no lock, no logging.
//   The constructor (cold) allocates the held-packet store (store_packets x slot_bytes plus a
//   few extra slots for a suspect packet and a candidate session) and throws
//   std::invalid_argument on an invalid SequencerConfig.
// - on_packet(source, packet, now_ns): one MoldUDP64 downstream packet (the UDP payload) from
//   line A, line B or the re-request server (Source::kRecovery). The span is only read during the
//   call; what must wait is copied into the store. now_ns: the caller's monotonic clock.
// - on_timer(now_ns): fires the time limits (reorder window, request timeouts, suspect expiry)
//   also when no packet ever arrives again. One compare when nothing is due: call it every few
//   loop iterations.
// - Out (template parameter, stored by value, called synchronously from on_packet / on_timer;
//   it must not call back into the sequencer). Every member noexcept:
//     deliver(std::span<const std::uint8_t> packet, std::uint64_t first, std::uint32_t skip,
//             std::uint32_t count, DeliveryFlags flags)
//         `packet` is a whole MoldUDP64 packet (header included) whose first message has
//         sequence `first`; its first skip + count blocks are complete. Use blocks
//         skip .. skip + count - 1: their sequences are first + skip .. first + skip + count - 1,
//         and first + skip is exactly the next sequence after everything delivered or gapped.
//         The span is valid only during the call (it may point into the store).
//     gap(std::uint64_t first, std::uint64_t count)    sequences declared missing, in order
//     request(const Session&, std::uint64_t first, std::uint16_t count)
//         send a MoldUDP64 re-request now (20 bytes: session, first, count) without blocking;
//         replies come back through on_packet(Source::kRecovery, ...)
//     session_changed(const Session& old_session, const Session& new_session)
//         a new session is adopted (old is all zero bytes for the first session of the feed);
//         everything of the old session was delivered or gapped before this call
//     end_of_session(std::uint64_t next_sequence)
//         the session ended (first end-of-session copy), once everything before it is settled
//   Optional: heartbeat(Source, std::uint64_t next_sequence) for every accepted heartbeat.
//   Optional, the single walk of in-order traffic:
//     Walk deliver_walk(std::span<const std::uint8_t> packet, std::uint64_t first,
//                       std::uint32_t announced, DeliveryFlags flags)
//         called instead of deliver() for a data packet that starts exactly at expected() of the
//         current session while nothing is pending (no held packet, no hole, no end of session
//         waiting, no time limit due): its blocks are NOT checked yet. The Out walks them with
//         mold::walk_blocks(packet, announced, fn) (moldudp64.hpp), which stops at the first
//         truncated block, delivers every complete block in order (block i has sequence
//         first + i) and returns the Walk. The sequencer then accounts exactly as if it had
//         walked the blocks itself: malformed framing counted, a packet without one complete
//         block dropped (nothing was delivered), the expectation advanced by the complete ones.
//         Without it, the sequencer walks the framing first and deliver() walks it again.
//
// Design (state machine per feed; docs: ../shared/DESIGN.md section 8)
// - One expected sequence `expected()` across all sources. A packet reaching it is delivered
//   at once (only its new part); a wholly old one counts as duplicates, or as late copies if it
//   falls in a declared gap. A packet beyond it is held (copied into a free slot; the index is
//   kept sorted by first sequence) and released in sequence the moment the hole before it fills.
//   Heartbeats and end of session announce the next sequence: above `expected()` they reveal a
//   lost tail, the same hole with nothing to hold. A packet larger than a slot reveals its range
//   the same way (counted too_large_to_hold; the other line or a re-request fills in).
// - The hole at `expected()` moves through: none -> waiting (window open since the arrival of
//   the held packet behind it, or since the reveal) -> [recovery on] recovering (request
//   [expected, min(hole end, expected + cap)); a reply or a live copy that makes progress sends
//   the request for the rest at once; a timeout resends, up to request_attempts) -> gap: what is
//   still missing is declared, expected jumps past it and the held packets behind it are
//   released. A hole's budget (reorder_ns + request_attempts x request_timeout_ns) counts from
//   its first evidence, or from the server's last useful reply if that is later, and a reply
//   that makes progress extends it: behind a dead server every hole is declared within its
//   budget (not one after another), while a live but lossy server keeps recovering them all. The
//   window ends after reorder_packets held packets or reorder_ns. A full store declares the hole at
//   once (store_full). Then the next hole, if any, starts its own window.
// - Sessions: the first session seen is adopted. Another session never takes a live feed over:
//   its packets count as foreign_session and are dropped, except as evidence for adoption (see
//   SequencerConfig). On adoption the old session's holes are declared and its held packets
//   released, session_changed() is called, tracking restarts at 1 and the buffered candidate
//   packets are replayed (a new session first seen above 1 shows its missed prefix as a hole).
//   The previous session can come back only through the silence rule (its slower line's
//   tail must not flip the feed back). Re-request replies never drive adoption.
// - Sequences: 0 is rejected (seq_zero). A first sequence beyond every trusted sequence by more
//   than max_jump waits in the suspect slot until a consistent packet confirms it (both are then
//   processed) or it expires; one packet never declares a gap or moves anything. First
//   sequences above 2^63 are malformed (sequence + count can then never wrap).
// - Framing: shorter than the header -> malformed, dropped. A truncated block ends the packet
//   there (malformed; the complete blocks before it stand); bytes after the last announced block
//   are malformed but the messages stand; a data packet without one complete block is dropped.
//   A packet wholly below the expectation (the slower line's copy) is counted without walking
//   its blocks: nothing of it is used, so its framing is not checked either.
#pragma once

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>

#include "feed/moldudp64.hpp"
#include "feed/moldudp64_sequencer_config.hpp"

namespace ichannel::feed::mold {

enum class Source : std::uint8_t { kA = 0, kB = 1, kRecovery = 2 };
inline constexpr std::size_t kSourceCount = 3;

struct DeliveryFlags {
  Source source = Source::kA;
  bool recovered = false;  // the copy came from the re-request server
  bool released = false;   // the copy waited in the store (it arrived ahead of the sequence)
  std::uint64_t arrival_ns = 0;  // the now_ns of the on_packet() call that brought this copy
};

template <class O>
concept SequencerOut = requires(O& o, std::span<const std::uint8_t> p, std::uint64_t u,
                                std::uint32_t n, DeliveryFlags f, const Session& s,
                                std::uint16_t c) {
  { o.deliver(p, u, n, n, f) }
  noexcept;
  { o.gap(u, u) }
  noexcept;
  { o.request(s, u, c) }
  noexcept;
  { o.session_changed(s, s) }
  noexcept;
  { o.end_of_session(u) }
  noexcept;
};

// An Out with the optional single walk of in-order traffic (deliver_walk, see the contract).
template <class O>
concept WalkingOut = requires(O& o, std::span<const std::uint8_t> p, std::uint64_t u,
                              std::uint32_t n, DeliveryFlags f) {
  { o.deliver_walk(p, u, n, f) }
  noexcept;
  requires std::same_as<decltype(o.deliver_walk(p, u, n, f)), Walk>;
};

// Per source (A, B, re-request replies). Messages unless named packets.
struct SequencerLineCounters {
  std::uint64_t packets = 0;            // packets handed in
  std::uint64_t messages = 0;           // messages delivered first from this source
  std::uint64_t duplicates = 0;         // messages already delivered, skipped
  std::uint64_t late_copies = 0;        // messages that arrived after their gap was declared
  std::uint64_t held = 0;               // packets copied into the store
  std::uint64_t released = 0;           // held packets delivered (their new part) from the store
  std::uint64_t foreign_session = 0;    // packets of another session, dropped
  std::uint64_t suspect = 0;            // packets set aside as a suspect jump
  std::uint64_t seq_zero = 0;           // packets with sequence 0, dropped
  std::uint64_t malformed = 0;          // bad framing (see the header contract)
  std::uint64_t too_large_to_hold = 0;  // packets ahead of the sequence larger than a slot
  std::uint64_t heartbeats = 0;         // count-0 packets of the current session
  std::uint64_t end_of_session = 0;     // count-0xFFFF packets of the current session
  std::uint64_t loss_events = 0;        // jumps in this line's own sequence (link quality)
  std::uint64_t loss_messages = 0;      // messages this line skipped
  std::uint64_t next_seq = 1;           // this line's own expected next sequence (A and B)
};

struct SequencerCounters {
  std::array<SequencerLineCounters, kSourceCount> line{};
  std::uint64_t holes = 0;               // holes opened at the expected sequence
  std::uint64_t gaps = 0;                // gaps declared (gap() calls)
  std::uint64_t gap_messages = 0;        // messages in them
  std::uint64_t requests = 0;            // re-requests sent (request() calls, retries included)
  std::uint64_t request_timeouts = 0;    // requests that timed out
  std::uint64_t recovered_messages = 0;  // messages delivered from re-request replies
  std::uint64_t store_full = 0;          // holes declared early because the store was full
  std::uint64_t suspect_confirmed = 0;   // suspect jumps confirmed by a consistent packet
  std::uint64_t suspect_expired = 0;     // suspects dropped (expired or replaced)
  std::uint64_t session_changes = 0;     // sessions adopted after the first
  std::uint64_t held_now = 0;            // gauge: packets in the store now
};

template <SequencerOut Out>
class Sequencer {
 public:
  // Cold: allocates the store. Throws std::invalid_argument naming the bad key.
  explicit Sequencer(Out out, const SequencerConfig& config = {})
      : out_(std::move(out)), cfg_(checked(config)) {
    slots_total_ = static_cast<std::size_t>(cfg_.store_packets) + 1 + cfg_.session_confirm_packets;
    bytes_ = std::make_unique<std::uint8_t[]>(slots_total_ * cfg_.slot_bytes);
    entries_ = std::make_unique<Entry[]>(cfg_.store_packets);
    free_ = std::make_unique<std::uint32_t[]>(cfg_.store_packets);
    for (std::uint32_t i = 0; i < cfg_.store_packets; ++i) free_[i] = cfg_.store_packets - 1 - i;
    free_count_ = cfg_.store_packets;
    suspect_.slot = cfg_.store_packets;
    cand_slot0_ = cfg_.store_packets + 1;
    recovery_budget_ = cfg_.request_timeout_ns > kNever / cfg_.request_attempts
                           ? kNever
                           : cfg_.request_timeout_ns * cfg_.request_attempts;
  }

  Sequencer(const Sequencer&) = delete;
  Sequencer& operator=(const Sequencer&) = delete;

  void on_packet(Source source, std::span<const std::uint8_t> packet,
                 std::uint64_t now_ns) noexcept {
    const auto si = static_cast<std::size_t>(source);
    if (si >= kSourceCount) [[unlikely]]
      return;
    SequencerLineCounters& lc = counters_.line[si];
    ++lc.packets;
    Header h;
    if (!parse_header(packet, h)) [[unlikely]] {
      ++lc.malformed;
      return;
    }
    if (h.sequence == 0) [[unlikely]] {
      ++lc.seq_zero;
      return;
    }
    if (h.sequence > kMaxSequence) [[unlikely]] {
      ++lc.malformed;
      return;
    }
    Pkt p{packet, h.sequence, 0, source, Kind::kData, now_ns};
    if (h.count == kHeartbeatCount || h.count == kEndOfSessionCount) [[unlikely]] {
      p.kind = h.count == kHeartbeatCount ? Kind::kHeartbeat : Kind::kEnd;
      if (packet.size() != kHeaderLength) ++lc.malformed;
    } else if (h.sequence + h.count <= expected_ && have_session_ && h.session == session_ &&
               !suspect_.active) [[likely]] {
      // Wholly old (the slower line's copy): nothing of it is used, so its blocks are not walked.
      p.count = h.count;
      if (now_ns >= next_deadline_) [[unlikely]]
        timer_slow(now_ns);
      if (source != Source::kRecovery) last_current_ns_ = now_ns;
      track_own_line(p);
      if (h.sequence + h.count <= expected_) [[likely]] {
        count_old(lc, h.sequence, h.count);
        return;
      }
      p.count = complete_blocks(packet, h.count, lc);
      if (p.count == 0) return;
      accept(p, false);
      return;
    } else {
      if constexpr (kSingleWalk) {
        if (h.sequence == expected_ && now_ns < next_deadline_ && held_ == 0 && !hole_active_ &&
            !eos_pending_ && have_session_ && h.session == session_ &&
            h.sequence <= sat_add(frontier_, cfg_.max_jump)) [[likely]] {
          deliver_in_order(p, h.count, lc);
          return;
        }
      }
      p.count = complete_blocks(packet, h.count, lc);
      if (p.count == 0) [[unlikely]]
        return;
    }
    if (now_ns >= next_deadline_) [[unlikely]]
      timer_slow(now_ns);
    if (h.session != session_ || !have_session_) [[unlikely]] {
      if (!on_other_session(p, h.session)) return;
    }
    if (source != Source::kRecovery) last_current_ns_ = now_ns;
    accept(p, false);
  }

  void on_timer(std::uint64_t now_ns) noexcept {
    if (now_ns < next_deadline_) [[likely]]
      return;
    timer_slow(now_ns);
  }

  [[nodiscard]] const SequencerCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const SequencerConfig& config() const noexcept { return cfg_; }
  // Next sequence to deliver (everything below it was delivered or declared a gap).
  [[nodiscard]] std::uint64_t expected() const noexcept { return expected_; }
  [[nodiscard]] const Session& session() const noexcept { return session_; }
  [[nodiscard]] bool has_session() const noexcept { return have_session_; }
  [[nodiscard]] std::size_t held() const noexcept { return held_; }
  [[nodiscard]] bool hole_open() const noexcept { return hole_active_; }
  [[nodiscard]] bool recovering() const noexcept { return recovering_; }
  [[nodiscard]] bool suspect_pending() const noexcept { return suspect_.active; }
  // Earliest time on_timer() has work (max of uint64: nothing pending).
  [[nodiscard]] std::uint64_t next_deadline() const noexcept { return next_deadline_; }
  [[nodiscard]] Out& out() noexcept { return out_; }
  [[nodiscard]] const Out& out() const noexcept { return out_; }

 private:
  static constexpr std::uint64_t kMaxSequence = std::numeric_limits<std::uint64_t>::max() >> 1;
  static constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();
  static constexpr std::size_t kGapHistory = 8;
  static constexpr bool kSingleWalk = WalkingOut<Out>;

  enum class Kind : std::uint8_t { kData, kHeartbeat, kEnd };

  struct Pkt {
    std::span<const std::uint8_t> bytes;
    std::uint64_t first;
    std::uint64_t count;  // complete blocks (0 for heartbeat / end of session)
    Source source;
    Kind kind;
    std::uint64_t now;
    [[nodiscard]] std::uint64_t end() const noexcept { return first + count; }
  };

  struct Entry {  // a held packet
    std::uint64_t first;
    std::uint64_t end;
    std::uint64_t arrival_ns;
    std::uint32_t slot;
    std::uint32_t length;
    Source source;
  };

  struct Parked {  // the suspect packet or a candidate-session packet
    bool active = false;
    std::uint32_t slot = 0;
    std::uint32_t length = 0;  // 0: range only (did not fit a slot)
    std::uint64_t first = 0;
    std::uint64_t count = 0;
    Source source = Source::kA;
    Kind kind = Kind::kData;
    std::uint64_t arrival_ns = 0;
    std::uint64_t deadline = 0;
  };

  static SequencerConfig checked(const SequencerConfig& c) {
    const SequencerConfigError e = validate(c);
    if (!e.key.empty()) {
      throw std::invalid_argument("sequencer config: " + std::string(e.key) + ": " +
                                  std::string(e.reason));
    }
    return c;
  }

  static std::uint64_t sat_add(std::uint64_t a, std::uint64_t b) noexcept {
    return a > kNever - b ? kNever : a + b;
  }

  std::uint8_t* slot_ptr(std::uint32_t slot) noexcept {
    return bytes_.get() + static_cast<std::size_t>(slot) * cfg_.slot_bytes;
  }

  // Complete blocks among the `announced` ones; counts truncation / trailing bytes as malformed.
  static std::uint64_t complete_blocks(std::span<const std::uint8_t> packet,
                                       std::uint16_t announced,
                                       SequencerLineCounters& lc) noexcept {
    const std::uint8_t* p = packet.data() + kHeaderLength;
    const std::uint8_t* end = packet.data() + packet.size();
    std::uint64_t n = 0;
    for (; n < announced; ++n) {
      const auto left = static_cast<std::size_t>(end - p);
      if (left < 2) break;
      const std::size_t len = be::load_be16(p);
      if (len > left - 2) break;
      p += 2 + len;
    }
    if (n < announced || p != end) ++lc.malformed;
    return n;
  }

  // ---- sessions ----------------------------------------------------------------------------

  // False: the packet was consumed (dropped or replayed); true: process it in the current one.
  bool on_other_session(const Pkt& p, const Session& s) noexcept {
    SequencerLineCounters& lc = counters_.line[static_cast<std::size_t>(p.source)];
    if (!have_session_) {
      if (p.source == Source::kRecovery) {
        ++lc.foreign_session;
        return false;
      }
      have_session_ = true;
      session_ = s;
      out_.session_changed(Session{}, s);
      last_current_ns_ = p.now;
      return true;
    }
    if (p.source == Source::kRecovery) {
      ++lc.foreign_session;
      return false;
    }
    const bool previous = have_previous_ && s == previous_;
    if (ended_ && !previous) {
      adopt(s, p.now);
      return true;
    }
    ++lc.foreign_session;
    const auto line = static_cast<std::size_t>(p.source);
    if (!cand_active_ || s != cand_session_) {
      cand_active_ = true;
      cand_session_ = s;
      cand_packets_ = 0;
      cand_evidence_ = 1;
      cand_buffered_ = 0;
      cand_seen_ = {false, false};
    } else {
      const std::size_t other = 1 - line;
      const bool contiguous = cand_seen_[line] && p.first == cand_next_[line];
      const bool agreed =
          cand_seen_[other] && p.first >= cand_low_[other] && p.first < cand_next_[other];
      const bool same_heartbeat =
          p.kind != Kind::kData && cand_seen_[other] && p.first == cand_next_[other];
      if (contiguous || agreed || same_heartbeat) ++cand_evidence_;
    }
    ++cand_packets_;
    if (!cand_seen_[line]) {
      cand_seen_[line] = true;
      cand_low_[line] = p.first;
      cand_next_[line] = p.end();
    } else {
      cand_low_[line] = std::min(cand_low_[line], p.first);
      cand_next_[line] = std::max(cand_next_[line], p.end());
    }
    if (cand_buffered_ < cfg_.session_confirm_packets) {
      Parked& b = cand_[cand_buffered_];
      b.slot = cand_slot0_ + static_cast<std::uint32_t>(cand_buffered_);
      park(b, p);
      ++cand_buffered_;
    }
    const bool confirmed = !previous && cand_evidence_ >= cfg_.session_confirm_packets;
    const bool silent =
        cand_packets_ >= 2 && p.now >= sat_add(last_current_ns_, cfg_.session_silence_ns);
    if (confirmed || silent) {
      const std::size_t n = cand_buffered_;
      adopt(s, p.now);
      for (std::size_t i = 0; i < n; ++i) {
        Parked& b = cand_[i];
        b.active = false;
        replay(b, true);
      }
      last_current_ns_ = p.now;
    }
    return false;
  }

  void adopt(const Session& s, std::uint64_t now) noexcept {
    // Settle the old session: declare what is missing, release everything held.
    for (;;) {
      release();
      const std::uint64_t he = hole_end_now();
      if (he <= expected_) break;
      declare_gap(he);
    }
    emit_end_of_session_if_due();
    out_.session_changed(session_, s);
    previous_ = session_;
    have_previous_ = true;
    session_ = s;
    ++counters_.session_changes;
    expected_ = 1;
    frontier_ = 1;
    revealed_next_ = 0;
    hole_active_ = false;
    recovering_ = false;
    eos_pending_ = false;
    eos_done_ = false;
    ended_ = false;
    suspect_.active = false;
    cand_active_ = false;
    gap_ring_ = {};
    own_next_ = {1, 1};
    counters_.line[0].next_seq = 1;
    counters_.line[1].next_seq = 1;
    last_current_ns_ = now;
    update_deadline();
  }

  // ---- acceptance --------------------------------------------------------------------------

  void park(Parked& b, const Pkt& p) noexcept {
    b.active = true;
    b.first = p.first;
    b.count = p.count;
    b.source = p.source;
    b.kind = p.kind;
    b.arrival_ns = p.now;
    if (p.bytes.size() <= cfg_.slot_bytes) {
      std::memcpy(slot_ptr(b.slot), p.bytes.data(), p.bytes.size());
      b.length = static_cast<std::uint32_t>(p.bytes.size());
    } else {
      b.length = 0;
    }
  }

  void replay(const Parked& b, bool trusted) noexcept {
    if (b.kind == Kind::kData && b.length == 0) {  // too large for a slot: only its range
      ++counters_.line[static_cast<std::size_t>(b.source)].too_large_to_hold;
      if (b.first + b.count > expected_) reveal(b.first + b.count, b.arrival_ns);
      settle(b.arrival_ns);
      return;
    }
    const Pkt p{{slot_ptr(b.slot), b.length}, b.first, b.count, b.source, b.kind, b.arrival_ns};
    accept(p, trusted);
  }

  void accept(const Pkt& p, bool trusted) noexcept {
    const auto si = static_cast<std::size_t>(p.source);
    SequencerLineCounters& lc = counters_.line[si];
    if (!trusted && p.first > sat_add(frontier_, cfg_.max_jump)) [[unlikely]] {
      on_suspect(p);
      return;
    }
    const std::uint64_t end = p.end();
    track_own_line(p);
    if (end > frontier_) frontier_ = end;
    if (p.kind == Kind::kData) [[likely]] {
      // Fast path: in sequence, nothing pending.
      if (p.first == expected_ && held_ == 0 && !hole_active_ && !eos_pending_) [[likely]] {
        deliver(p.bytes, p.first, 0, p.count, p.source, false, p.now);
        expected_ = end;
        return;
      }
      if (p.source == Source::kRecovery) [[unlikely]] {
        const std::uint64_t before = counters_.recovered_messages;
        on_data(p);
        if (counters_.recovered_messages != before)
          server_alive_ns_ = std::max(p.now, std::uint64_t{1});
      } else {
        on_data(p);
      }
    } else if (p.kind == Kind::kHeartbeat) {
      ++lc.heartbeats;
      if constexpr (requires { out_.heartbeat(p.source, p.first); }) {
        out_.heartbeat(p.source, p.first);
      }
      reveal(p.first, p.now);
    } else {
      ++lc.end_of_session;
      ended_ = true;
      if (!eos_pending_ && !eos_done_) {
        eos_pending_ = true;
        eos_seq_ = p.first;
      }
      reveal(p.first, p.now);
    }
    settle(p.now);
  }

  // Each line's own sequence (link quality): jumps count as that line's loss.
  void track_own_line(const Pkt& p) noexcept {
    const auto si = static_cast<std::size_t>(p.source);
    if (si >= 2) return;
    SequencerLineCounters& lc = counters_.line[si];
    if (p.first > own_next_[si]) [[unlikely]] {
      ++lc.loss_events;
      lc.loss_messages += p.first - own_next_[si];
    }
    if (p.end() > own_next_[si]) own_next_[si] = p.end();
    lc.next_seq = own_next_[si];
  }

  void on_suspect(const Pkt& p) noexcept {
    if (suspect_.active) {
      const std::uint64_t s_end = suspect_.first + suspect_.count;
      const bool consistent = p.first <= sat_add(s_end, cfg_.max_jump) &&
                              sat_add(p.end(), cfg_.max_jump) >= suspect_.first;
      if (consistent) {
        ++counters_.suspect_confirmed;
        suspect_.active = false;
        update_deadline();
        replay(suspect_, true);
        accept(p, true);
        return;
      }
      ++counters_.suspect_expired;  // replaced by the newer one
    }
    ++counters_.line[static_cast<std::size_t>(p.source)].suspect;
    park(suspect_, p);
    suspect_.deadline = sat_add(p.now, cfg_.suspect_ns);
    update_deadline();
  }

  // A heartbeat, end of session or unholdable packet says sequences below `next` exist. The tail
  // hole it opens dates from the first such proof (its window may already be over when a later
  // hole in front of it is settled).
  void reveal(std::uint64_t next, std::uint64_t now) noexcept {
    if (next <= revealed_next_) return;
    if (revealed_next_ <= expected_) reveal_ns_ = now;
    revealed_next_ = next;
  }

  void on_data(const Pkt& p) noexcept {
    SequencerLineCounters& lc = counters_.line[static_cast<std::size_t>(p.source)];
    const std::uint64_t end = p.end();
    for (;;) {
      if (end <= expected_) {
        count_old(lc, p.first, p.count);
        return;
      }
      if (p.first <= expected_) {
        const std::uint64_t skip = expected_ - p.first;
        count_old(lc, p.first, skip);
        deliver(p.bytes, p.first, static_cast<std::uint32_t>(skip),
                static_cast<std::uint32_t>(end - expected_), p.source, false, p.now);
        expected_ = end;
        return;
      }
      // Ahead of the sequence: hold it.
      if (p.bytes.size() > cfg_.slot_bytes) {
        ++lc.too_large_to_hold;
        reveal(end, p.now);
        return;
      }
      if (already_held(p.first, end)) {
        lc.duplicates += p.count;
        return;
      }
      if (free_count_ != 0) break;
      // Store full: the hole in front becomes a gap, releasing what waits behind it.
      ++counters_.store_full;
      declare_gap(entries_[0].first);
      release();
    }
    const std::uint32_t slot = free_[--free_count_];
    std::memcpy(slot_ptr(slot), p.bytes.data(), p.bytes.size());
    const Entry e{p.first, end, p.now, slot, static_cast<std::uint32_t>(p.bytes.size()), p.source};
    // Insert sorted by first sequence (arrivals are mostly increasing: usually at the back).
    std::size_t i = held_;
    while (i > 0 && entries_[i - 1].first > e.first) --i;
    if (i != held_) std::memmove(&entries_[i + 1], &entries_[i], (held_ - i) * sizeof(Entry));
    entries_[i] = e;
    ++held_;
    counters_.held_now = held_;
    ++lc.held;
  }

  [[nodiscard]] bool already_held(std::uint64_t first, std::uint64_t end) const noexcept {
    // A copy whose range lies inside one held packet with the nearest lower-or-equal start.
    std::size_t i = held_;
    while (i > 0 && entries_[i - 1].first > first) --i;
    for (std::size_t k = i; k > 0 && k + 4 > i; --k) {  // a few neighbours below
      if (entries_[k - 1].first <= first && entries_[k - 1].end >= end) return true;
    }
    return false;
  }

  // Messages [first, first + n) that are already behind the expectation.
  void count_old(SequencerLineCounters& lc, std::uint64_t first, std::uint64_t n) noexcept {
    if (n == 0) return;
    std::uint64_t late = 0;
    const std::uint64_t end = first + n;
    for (const auto& g : gap_ring_) {
      const std::uint64_t lo = std::max(first, g.first);
      const std::uint64_t hi = std::min(end, g.second);
      if (hi > lo) late += hi - lo;
    }
    lc.late_copies += late;
    lc.duplicates += n - late;
  }

  void deliver(std::span<const std::uint8_t> bytes, std::uint64_t first, std::uint32_t skip,
               std::uint32_t n, Source source, bool released,
               std::uint64_t arrival_ns) noexcept {
    const bool recovered = source == Source::kRecovery;
    counters_.line[static_cast<std::size_t>(source)].messages += n;
    if (recovered) counters_.recovered_messages += n;
    out_.deliver(bytes, first, skip, n, DeliveryFlags{source, recovered, released, arrival_ns});
  }

  // The in-order fast path with an Out that walks (kSingleWalk): on_packet checked that the old
  // path would deliver the packet at once (same session, p.first == expected_, nothing pending,
  // no time limit due, not a suspect jump). Same accounting as complete_blocks + accept + deliver,
  // with the block count the Out's walk found.
  void deliver_in_order(Pkt& p, std::uint16_t announced, SequencerLineCounters& lc) noexcept {
    const bool recovered = p.source == Source::kRecovery;
    const Walk w = out_.deliver_walk(p.bytes, p.first, announced,
                                     DeliveryFlags{p.source, recovered, false, p.now});
    if (!w.exact) [[unlikely]]
      ++lc.malformed;
    if (w.complete == 0) [[unlikely]]
      return;  // dropped: nothing was delivered
    if (!recovered) last_current_ns_ = p.now;
    p.count = w.complete;
    track_own_line(p);
    const std::uint64_t end = p.end();
    if (end > frontier_) frontier_ = end;
    lc.messages += w.complete;
    if (recovered) counters_.recovered_messages += w.complete;
    expected_ = end;
  }

  // Delivers held packets that reach the expectation, in sequence.
  void release() noexcept {
    std::size_t i = 0;
    for (; i < held_ && entries_[i].first <= expected_; ++i) {
      const Entry& e = entries_[i];
      SequencerLineCounters& lc = counters_.line[static_cast<std::size_t>(e.source)];
      if (e.end > expected_) {
        const std::uint64_t skip = expected_ - e.first;
        count_old(lc, e.first, skip);
        ++lc.released;
        deliver({slot_ptr(e.slot), e.length}, e.first, static_cast<std::uint32_t>(skip),
                static_cast<std::uint32_t>(e.end - expected_), e.source, true, e.arrival_ns);
        expected_ = e.end;
      } else {
        count_old(lc, e.first, e.end - e.first);
      }
      free_[free_count_++] = e.slot;
    }
    if (i != 0) {
      held_ -= i;
      std::memmove(&entries_[0], &entries_[i], held_ * sizeof(Entry));
      counters_.held_now = held_;
    }
  }

  // End of the hole at the expectation (== expected_: no hole). Valid after release().
  [[nodiscard]] std::uint64_t hole_end_now() const noexcept {
    if (held_ != 0) return entries_[0].first;
    return revealed_next_ > expected_ ? revealed_next_ : expected_;
  }

  void declare_gap(std::uint64_t end) noexcept {
    if (end <= expected_) return;
    const std::uint64_t n = end - expected_;
    ++counters_.gaps;
    counters_.gap_messages += n;
    gap_ring_[gap_ring_next_] = {expected_, end};
    gap_ring_next_ = (gap_ring_next_ + 1) % kGapHistory;
    out_.gap(expected_, n);
    expected_ = end;
    recovering_ = false;
  }

  void send_request(std::uint64_t now) noexcept {
    const std::uint64_t missing = hole_end_now() - expected_;
    const auto n =
        static_cast<std::uint16_t>(std::min<std::uint64_t>(missing, cfg_.request_max_messages));
    ++counters_.requests;
    ++attempts_;
    progress_mark_ = expected_;
    request_deadline_ = std::min(sat_add(now, cfg_.request_timeout_ns), hole_give_up_);
    out_.request(session_, expected_, n);
  }

  void emit_end_of_session_if_due() noexcept {
    if (eos_pending_ && expected_ >= eos_seq_) {
      eos_pending_ = false;
      eos_done_ = true;
      out_.end_of_session(eos_seq_);
    }
  }

  // Releases what can go, then moves the hole at the expectation through its states.
  void settle(std::uint64_t now) noexcept {
    for (;;) {
      release();
      if (hole_active_ && expected_ >= hole_end_) {  // the hole closed
        hole_active_ = false;
        recovering_ = false;
      }
      const std::uint64_t he = hole_end_now();
      if (he <= expected_) {
        hole_active_ = false;
        recovering_ = false;
        break;
      }
      if (!hole_active_) {
        hole_active_ = true;
        recovering_ = false;
        ++counters_.holes;
        hole_since_ = held_ != 0 ? entries_[0].arrival_ns : reveal_ns_;
      }
      hole_end_ = he;
      if (recovering_) {
        if (expected_ > progress_mark_) {  // a reply or a live copy filled part: ask for the rest
          attempts_ = 0;
          hole_give_up_ = std::max(hole_give_up_, sat_add(now, recovery_budget_));
          send_request(now);
        }
        break;
      }
      if (held_ >= cfg_.reorder_packets || now >= sat_add(hole_since_, cfg_.reorder_ns)) {
        // The hole's whole budget counts from its first evidence: behind a dead server, the holes
        // queued behind the first one are declared when their own time is up, not one by one.
        // A server that answered lately gets a full budget from its last answer.
        hole_give_up_ =
            std::max(sat_add(sat_add(hole_since_, cfg_.reorder_ns), recovery_budget_),
                     server_alive_ns_ == 0 ? 0 : sat_add(server_alive_ns_, recovery_budget_));
        // A hole at 1 in a session that already showed a later packet is the join prefix.
        const bool join_prefix = expected_ == 1 && !cfg_.request_join_prefix;
        if (cfg_.recovery && now < hole_give_up_ && !join_prefix) {
          recovering_ = true;
          attempts_ = 0;
          send_request(now);
          break;
        }
        declare_gap(he);
        continue;
      }
      break;
    }
    emit_end_of_session_if_due();
    update_deadline();
  }

  void timer_slow(std::uint64_t now) noexcept {
    if (suspect_.active && now >= suspect_.deadline) {
      suspect_.active = false;
      ++counters_.suspect_expired;
    }
    if (hole_active_ && recovering_ && now >= request_deadline_) {
      ++counters_.request_timeouts;
      if (attempts_ < cfg_.request_attempts && now < hole_give_up_) {
        send_request(now);
      } else {
        declare_gap(hole_end_now());  // the server did not deliver in time
      }
    }
    settle(now);
  }

  void update_deadline() noexcept {
    std::uint64_t d = kNever;
    if (suspect_.active) d = suspect_.deadline;
    if (hole_active_) {
      d = std::min(d, recovering_ ? request_deadline_ : sat_add(hole_since_, cfg_.reorder_ns));
    }
    next_deadline_ = d;
  }

  Out out_;
  SequencerConfig cfg_;
  SequencerCounters counters_;

  // Store: slots [0, store_packets) hold packets; then the suspect slot; then candidate slots.
  std::size_t slots_total_ = 0;
  std::unique_ptr<std::uint8_t[]> bytes_;
  std::unique_ptr<Entry[]> entries_;  // held packets sorted by first sequence
  std::unique_ptr<std::uint32_t[]> free_;
  std::size_t held_ = 0;
  std::size_t free_count_ = 0;

  // Sequence state.
  std::uint64_t expected_ = 1;
  std::uint64_t frontier_ = 1;       // highest next sequence any trusted packet announced
  std::uint64_t revealed_next_ = 0;  // highest next sequence announced by a heartbeat / end
  std::uint64_t reveal_ns_ = 0;      // when a reveal first went beyond the expectation
  std::uint64_t next_deadline_ = kNever;
  std::array<std::uint64_t, 2> own_next_{1, 1};
  std::array<std::pair<std::uint64_t, std::uint64_t>, kGapHistory> gap_ring_{};
  std::size_t gap_ring_next_ = 0;

  // The hole at the expectation.
  bool hole_active_ = false;
  bool recovering_ = false;
  std::uint64_t hole_end_ = 0;
  std::uint64_t hole_since_ = 0;
  std::uint64_t request_deadline_ = 0;
  std::uint64_t hole_give_up_ = 0;     // recovery ends here unless a reply makes progress
  std::uint64_t recovery_budget_ = 0;  // request_timeout_ns x request_attempts (saturated)
  std::uint64_t server_alive_ns_ = 0;  // last re-request reply that delivered something (0: none)
  std::uint64_t progress_mark_ = 0;
  std::uint32_t attempts_ = 0;

  // End of session.
  bool ended_ = false;        // an end-of-session packet of the current session was seen
  bool eos_pending_ = false;  // end_of_session() not yet called (waits for the sequence)
  bool eos_done_ = false;
  std::uint64_t eos_seq_ = 0;

  Parked suspect_;

  // Sessions.
  bool have_session_ = false;
  bool have_previous_ = false;
  Session session_{};
  Session previous_{};
  std::uint64_t last_current_ns_ = 0;
  bool cand_active_ = false;
  Session cand_session_{};
  std::uint32_t cand_packets_ = 0;
  std::uint32_t cand_evidence_ = 0;
  std::size_t cand_buffered_ = 0;
  std::array<bool, 2> cand_seen_{};
  std::array<std::uint64_t, 2> cand_low_{};
  std::array<std::uint64_t, 2> cand_next_{};
  std::array<Parked, 64> cand_{};
  std::uint32_t cand_slot0_ = 0;
};

}  // namespace ichannel::feed::mold
