// libFuzzer target: fuzz-chosen MoldUDP64 packets, lines, sessions and times through a fresh
// mold::Sequencer per input, with an invariant checker on its output:
// - per session, deliveries and gaps tile the sequence space from 1 without overlap or hole:
//   never a duplicate, never backwards, every sequence delivered once or inside a gap;
// - a delivered block carries the sequence it is delivered as (the generated messages embed it);
// - expected() agrees with the checker; no event of the old session after session_changed();
// - no wedge: after the input, letting time pass (timers only) settles every hole, request and
//   suspect, and empties the store;
// - a second sequencer whose Out takes the single walk of in-order traffic (deliver_walk, as
//   ItchFeed) gets the same input and must agree after every operation: expected(), held
//   packets, holes, deadlines, every counter, and its output passes the same checks.
// Input: byte 0 picks the config (see below), then 4-byte operations [op, a, b, c]:
//   op & 7: 0 A data, 1 B data, 2 re-request reply data, 3 heartbeat, 4 end of session,
//           5 timer only, 6 raw bytes (c of them follow) on line a % 3, 7 data at an absolute
//           sequence (8 bytes follow); (op >> 3) & 3: session; op >> 5: time step scale.
//   data: first = expected() + (int8)a (current session) or 1 + a (another), 1 + (c & 7)
//   messages; c & 0x80 truncates the last block; c & 0x40 sets sequence 0.
// Any crash, sanitizer report or broken invariant (__builtin_trap, after naming its line) is a
// finding. Run (clang build dir, see meson.build here):
//   python3 tests/fuzz/make_sequencer_seeds.py build-fuzz/seq-corpus
//   build-fuzz/tests/fuzz/ichannel-fuzz-sequencer -max_total_time=60 -max_len=2048 \
//     -artifact_prefix=build-fuzz/ build-fuzz/seq-corpus
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include "feed/moldudp64_sequencer.hpp"

namespace {

using namespace ichannel::feed;
using mold::Source;

constexpr std::array<std::string_view, 3> kSessions = {"FUZZSESS00", "FUZZSESS01", "FUZZSESS02"};

struct Checker {
  std::uint64_t next = 1;  // next sequence the output must cover
  bool have_session = false;
  mold::Session session{};
  std::uint64_t requests = 0;
  std::uint64_t last_request_first = 0;
  std::uint16_t last_request_count = 0;
};

// Names the broken invariant (its source line) on stderr, then traps.
[[noreturn]] void fail_at(int line) {
  std::fprintf(stderr, "sequencer invariant broken at sequencer_fuzz.cpp:%d\n", line);
  __builtin_trap();
}
#define fail() fail_at(__LINE__)

struct CheckingOut {
  Checker* c;
  void deliver(std::span<const std::uint8_t> packet, std::uint64_t first, std::uint32_t skip,
               std::uint32_t count, mold::DeliveryFlags flags) noexcept {
    if (!c->have_session || count == 0) fail();
    if (first + skip != c->next) fail();  // a duplicate, a step backwards or a silent skip
    if (flags.recovered != (flags.source == Source::kRecovery)) fail();
    mold::Header h;
    if (!mold::parse_header(packet, h) || h.sequence != first || h.session != c->session) fail();
    mold::BlockReader r(packet);
    std::span<const std::uint8_t> m;
    for (std::uint32_t i = 0; i < skip + count; ++i) {
      if (r.next(m) != mold::BlockStatus::kMessage) fail();  // promised complete blocks
      if (i >= skip && m.size() == 9 && m[0] == 0xA5) {
        std::uint64_t v = 0;
        for (int k = 1; k < 9; ++k) v = (v << 8) | m[k];
        if (v != first + i) fail();
      }
    }
    c->next += count;
  }
  void gap(std::uint64_t first, std::uint64_t count) noexcept {
    if (!c->have_session || count == 0 || first != c->next) fail();
    c->next += count;
  }
  void request(const mold::Session& s, std::uint64_t first, std::uint16_t count) noexcept {
    if (s != c->session || count == 0 || count == 0xFFFF || first != c->next) fail();
    ++c->requests;
    c->last_request_first = first;
    c->last_request_count = count;
  }
  void session_changed(const mold::Session& o, const mold::Session& n) noexcept {
    if (c->have_session && o != c->session) fail();
    if (!c->have_session && o != mold::Session{}) fail();
    if (c->have_session && o == n) fail();
    c->have_session = true;
    c->session = n;
    c->next = 1;
  }
  void end_of_session(std::uint64_t next_seq) noexcept {
    if (!c->have_session || next_seq > c->next) fail();
  }
};

// The same checks for an Out with the single walk of in-order traffic (as ItchFeed has): the
// sequencer hands it packets at the expectation whose blocks it has not checked.
struct WalkingCheckingOut : CheckingOut {
  mold::Walk deliver_walk(std::span<const std::uint8_t> packet, std::uint64_t first,
                          std::uint32_t announced, mold::DeliveryFlags flags) noexcept {
    if (!c->have_session || announced == 0 || first != c->next) fail();
    if (flags.released || flags.recovered != (flags.source == Source::kRecovery)) fail();
    mold::Header h;
    if (!mold::parse_header(packet, h) || h.sequence != first || h.session != c->session ||
        h.count != announced)
      fail();
    std::uint64_t lasts = 0;
    const mold::Walk w = mold::walk_blocks(
        packet, announced, [&](std::span<const std::uint8_t> m, std::uint32_t i, bool last) {
          if (m.size() == 9 && m[0] == 0xA5) {
            std::uint64_t v = 0;
            for (int k = 1; k < 9; ++k) v = (v << 8) | m[k];
            if (v != first + i) fail();
          }
          if (last) ++lasts;
        });
    if (w.complete > announced || lasts != (w.complete != 0 ? 1u : 0u)) fail();
    c->next += w.complete;
    return w;
  }
};

using FuzzSequencer = mold::Sequencer<CheckingOut>;
using WalkingSequencer = mold::Sequencer<WalkingCheckingOut>;

// Both sequencers saw the same input: the single walk must change nothing observable.
template <class A, class B>
void check_same(const A& a, const B& b) {
  if (a.expected() != b.expected() || a.held() != b.held() || a.hole_open() != b.hole_open() ||
      a.next_deadline() != b.next_deadline())
    fail();
  if (std::memcmp(&a.counters(), &b.counters(), sizeof(mold::SequencerCounters)) != 0) fail();
}

void put_be(std::vector<std::uint8_t>& b, std::uint64_t v, int width) {
  for (int i = width - 1; i >= 0; --i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::vector<std::uint8_t> packet(std::string_view session, std::uint64_t first, std::uint16_t count,
                                 std::uint64_t messages, bool truncate) {
  std::vector<std::uint8_t> b(session.begin(), session.end());
  put_be(b, first, 8);
  put_be(b, count, 2);
  for (std::uint64_t i = 0; i < messages; ++i) {
    put_be(b, 9, 2);
    b.push_back(0xA5);
    put_be(b, first + i, 8);
  }
  if (truncate && messages != 0) b.resize(b.size() - 4);
  return b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t k = data[0];
  mold::SequencerConfig cfg;
  cfg.recovery = (k & 1) != 0;
  cfg.store_packets = std::array<std::uint32_t, 4>{2, 4, 16, 64}[(k >> 1) & 3];
  cfg.reorder_packets = std::array<std::uint32_t, 4>{1, 3, 8, 256}[(k >> 3) & 3];
  cfg.max_jump = (k & 0x20) != 0 ? 16 : 65536;
  cfg.session_confirm_packets = (k & 0x40) != 0 ? 1 : 3;
  cfg.slot_bytes = (k & 0x80) != 0 ? 64 : 2048;
  cfg.request_max_messages = 5;
  cfg.suspect_ns = 50'000'000;
  Checker checker;
  FuzzSequencer s(CheckingOut{&checker}, cfg);
  Checker walk_checker;
  WalkingSequencer ws(WalkingCheckingOut{{&walk_checker}}, cfg);
  const auto packet_to_both = [&](Source src, std::span<const std::uint8_t> p, std::uint64_t t) {
    s.on_packet(src, p, t);
    ws.on_packet(src, p, t);
  };

  std::uint64_t now = 1'000;
  std::size_t i = 1;
  while (i + 4 <= size) {
    const std::uint8_t op = data[i], a = data[i + 1], b = data[i + 2], c = data[i + 3];
    i += 4;
    now += std::uint64_t{b} * 1'000 * (std::uint64_t{1} << ((op >> 5) * 3));
    const std::string_view session = kSessions[((op >> 3) & 3) % 3];
    const bool current =
        s.has_session() && std::memcmp(s.session().data(), session.data(), session.size()) == 0;
    std::uint64_t first = current ? s.expected() + static_cast<std::int8_t>(a) : 1u + a;
    if (static_cast<std::int64_t>(first) < 1) first = 1;
    if ((c & 0x40) != 0) first = 0;
    const std::uint64_t n = 1 + (c & 7);
    const bool truncate = (c & 0x80) != 0;
    switch (op & 7) {
      case 0:
      case 1:
      case 2: {
        const auto src = static_cast<Source>(op & 7);
        const auto p = packet(session, first, static_cast<std::uint16_t>(n), n, truncate);
        packet_to_both(src, p, now);
        break;
      }
      case 3:
      case 4: {
        const auto p = packet(session, first, (op & 7) == 3 ? 0 : 0xFFFF, 0, false);
        packet_to_both((a & 1) != 0 ? Source::kB : Source::kA, p, now);
        break;
      }
      case 5:
        s.on_timer(now);
        ws.on_timer(now);
        break;
      case 6: {
        const std::size_t len = std::min<std::size_t>(c, size - i);
        packet_to_both(static_cast<Source>(a % 3), {data + i, len}, now);
        i += len;
        break;
      }
      case 7: {
        if (i + 8 > size) break;
        std::uint64_t abs = 0;
        for (int j = 0; j < 8; ++j) abs = (abs << 8) | data[i + j];
        i += 8;
        abs &= (std::uint64_t{1} << 62) - 1;  // keep first + count representable in the packet
        const auto p = packet(session, abs, static_cast<std::uint16_t>(n), n, truncate);
        packet_to_both((a & 1) != 0 ? Source::kB : Source::kA, p, now);
        break;
      }
    }
    if (s.has_session() && s.expected() != checker.next) fail();
    if (s.held() > cfg.store_packets) fail();
    if (walk_checker.next != checker.next) fail();
    check_same(s, ws);
  }

  // No wedge: time alone settles everything.
  for (int step = 0; step < 64 && (s.hole_open() || s.suspect_pending()); ++step) {
    now += 1'000'000'000;
    s.on_timer(now);
    ws.on_timer(now);
  }
  check_same(s, ws);
  if (s.hole_open() || s.suspect_pending() || s.held() != 0) fail();
  if (s.has_session() && s.expected() != checker.next) fail();
  if (s.next_deadline() != std::numeric_limits<std::uint64_t>::max()) fail();
  return 0;
}
