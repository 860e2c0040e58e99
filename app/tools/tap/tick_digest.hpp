// tap/tick_digest.hpp: what a receiver saw, in a form two independent programs can compare.
//
// Contract
// - TickDigest accumulates, per tick: the count per Action, the number of distinct instruments,
//   and an ORDER-SENSITIVE 64-bit checksum (FNV-1a) over every field of the Tick except recv_ns
//   (the receive time differs on every run; everything else is a pure function of the feed).
//   Since tick layout 2 that includes the feed id and the flags (bytes 14, 15).
// - ichannel-tap and the end-to-end expectation helper (tests/e2e) both use this type, so "same
//   checksum" means "same ticks, same order, every field equal".
// - add() is inline, noexcept, allocation-free (fixed arrays); single owner thread.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <cstring>
#include <string_view>

#include <ichannel/tick.hpp>

namespace ichannel::tools {

inline constexpr std::size_t kActionCount = 21;  // Action::kNone .. Action::kParticipantPosition

inline constexpr std::array<std::string_view, kActionCount> kActionNames = {
    "none",          "add",           "replace",        "cancel",
    "delete",        "execute",       "execute_with_price", "trade",
    "cross",         "broken_trade",  "status",         "directory",
    "gap",           "undecodable",   "imbalance",      "auction_collar",
    "ipo_quoting",   "mwcb_levels",   "price_discovery", "retail_interest",
    "participant_position"};
static_assert(static_cast<std::size_t>(Action::kParticipantPosition) + 1 == kActionCount);

constexpr std::string_view action_name(Action a) noexcept {
  const auto i = static_cast<std::size_t>(a);
  return i < kActionCount ? kActionNames[i] : std::string_view{"unknown"};
}

class TickDigest {
 public:
  static constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ull;
  static constexpr std::uint64_t kFnvPrime = 0x100000001b3ull;
  static constexpr std::size_t kFlagsByte = 15;  // the top byte of the exch_ns | feed | flags word

  void add(const Tick& t) noexcept {
    // Bytes 8..55 of the Tick but byte 15 (flags): every field after recv_ns (no padding: see
    // tick.hpp asserts) except the delivery metadata. recv_ns and the flags (recovered, last in
    // its packet, after a gap) say how a message arrived, not what it says: the same session
    // received over lossy lines and re-requests digests equal to the lossless capture.
    unsigned char bytes[sizeof(Tick)];
    std::memcpy(bytes, &t, sizeof(Tick));
    std::uint64_t h = checksum_;
    for (std::size_t i = sizeof(t.recv_ns); i < sizeof(Tick); ++i) {
      if (i == kFlagsByte) continue;
      h = (h ^ bytes[i]) * kFnvPrime;
    }
    checksum_ = h;
    const auto a = static_cast<std::size_t>(t.action);
    ++per_action_[a < kActionCount ? a : 0];
    if (!instruments_.test(t.instrument)) {
      instruments_.set(t.instrument);
      ++distinct_instruments_;
    }
    ++total_;
  }

  std::uint64_t total() const noexcept { return total_; }
  std::uint64_t checksum() const noexcept { return checksum_; }
  std::uint64_t count(Action a) const noexcept {
    const auto i = static_cast<std::size_t>(a);
    return i < kActionCount ? per_action_[i] : 0;
  }
  const std::array<std::uint64_t, kActionCount>& per_action() const noexcept { return per_action_; }
  std::uint32_t distinct_instruments() const noexcept { return distinct_instruments_; }
  bool saw_instrument(std::uint16_t locate) const noexcept { return instruments_.test(locate); }

 private:
  std::uint64_t checksum_ = kFnvOffset;
  std::uint64_t total_ = 0;
  std::array<std::uint64_t, kActionCount> per_action_{};
  std::bitset<65536> instruments_;
  std::uint32_t distinct_instruments_ = 0;
};

}  // namespace ichannel::tools
