// feed/glimpse50.hpp: GLIMPSE 5.0 snapshot messages: ITCH 5.0 plus End of Snapshot ('G').
//
// Contract
// - A GLIMPSE 5.0 snapshot is a SoupBinTCP session (feed/soupbintcp.hpp) whose sequenced packets
//   each carry one message: ordinary TotalView-ITCH 5.0 messages (System Event, Stock Directory,
//   Trading Action, Reg SHO, Add Order A/F for every resting order, ...) and, last, End of
//   Snapshot: type 'G' (1) and Sequence Number (20, ASCII Numeric): the TotalView-ITCH sequence
//   number of the next live message, from which the live feed must be applied. 21 bytes.
// - dispatch(message, sink) is itch::dispatch (feed/itch50.hpp) with 'G' added: sink gets a
//   const EndOfSnapshot& for it, and every ITCH 5.0 type as before. 'G' stays out of
//   itch::dispatch on purpose: on the live TotalView feed it is not a message type.
//   Results as itch::dispatch, plus kBadField for a 'G' whose sequence is not Numeric
//   (the sink is not called). A 'G' longer than 21 bytes decodes its known prefix (kLong).
// - normalize(EndOfSnapshot, Tick&) follows docs/tick-format.md: kStatus, side 'G', aux 'G'
//   (kStatusEndOfSnapshot), order_id = the next TotalView sequence number, instrument 0,
//   exch_ns 0 (the message has no timestamp); seq is the producer's, as for every message.
// - Inline, noexcept, no allocation; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <ichannel/tick.hpp>

#include "feed/itch50.hpp"
#include "feed/itch50_normalize.hpp"
#include "feed/soupbintcp.hpp"

namespace ichannel::feed {

namespace glimpse {

// 'G' End of Snapshot (GLIMPSE 5.0)
struct EndOfSnapshot {
  static constexpr char kType = 'G';
  static constexpr std::size_t kLength = 21;
  std::uint64_t sequence_number = 0;  // offset 1, Numeric(20): next TotalView-ITCH sequence
};

enum class DecodeResult : std::uint8_t {
  kOk = 0,
  kEmpty,
  kUnknownType,
  kBadLength,
  kLong,
  kBadField,  // 'G' with a Sequence Number that is not ASCII digits with space padding
};

[[nodiscard]] inline bool decode(std::span<const std::uint8_t> message, EndOfSnapshot& m) noexcept {
  if (message.size() < EndOfSnapshot::kLength || message[0] != EndOfSnapshot::kType) return false;
  return soup::parse_numeric(message.subspan(1, 20), m.sequence_number);
}

template <class Sink>
inline DecodeResult dispatch(std::span<const std::uint8_t> msg, Sink& sink) noexcept {
  if (!msg.empty() && msg[0] == EndOfSnapshot::kType) {
    if (msg.size() < EndOfSnapshot::kLength) return DecodeResult::kBadLength;
    EndOfSnapshot m;
    if (!decode(msg, m)) return DecodeResult::kBadField;
    sink(static_cast<const EndOfSnapshot&>(m));
    return msg.size() == EndOfSnapshot::kLength ? DecodeResult::kOk : DecodeResult::kLong;
  }
  switch (itch::dispatch(msg, sink)) {
    case itch::DecodeResult::kOk:
      return DecodeResult::kOk;
    case itch::DecodeResult::kEmpty:
      return DecodeResult::kEmpty;
    case itch::DecodeResult::kUnknownType:
      return DecodeResult::kUnknownType;
    case itch::DecodeResult::kBadLength:
      return DecodeResult::kBadLength;
    case itch::DecodeResult::kLong:
      return DecodeResult::kLong;
  }
  return DecodeResult::kUnknownType;
}

}  // namespace glimpse

// aux of the kStatus tick of a GLIMPSE End of Snapshot (side = 'G').
inline constexpr std::uint64_t kStatusEndOfSnapshot = 'G';
// aux of the daemon's snapshot-begin record on its tick channels (side 'G'): the records up to
// the next kStatusEndOfSnapshot record describe the rebuilt books (docs/tick-format.md).
inline constexpr std::uint64_t kStatusSnapshotBegin = 'g';

inline bool normalize(const glimpse::EndOfSnapshot& m, Tick& t) noexcept {
  set_exch_ns(t, 0);
  set_tail(t, 0, 0, Action::kStatus, static_cast<Side>('G'));
  t.aux = kStatusEndOfSnapshot;
  t.order_id = m.sequence_number;
  return true;
}

}  // namespace ichannel::feed
