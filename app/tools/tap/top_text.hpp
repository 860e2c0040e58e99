// tap/top_text.hpp: what ichannel-tap makes of a top-of-book channel: the digest of its records
// and their text and JSON renderings.
//
// Contract
// - TopDigest accumulates, per ichannel::TopOfBook record: the count, the count per change bit
//   (bid, ask, status, mark, reset), the distinct instruments and an ORDER-SENSITIVE 64-bit
//   FNV-1a checksum over bytes 8..55 (every field but recv_ns: the same session gives the same
//   checksum on every run, like TickDigest). add() is inline, noexcept, allocation-free.
// - format_top_text / format_top_json: cold path (allocate), one record per line.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <ichannel/top_of_book.hpp>

namespace ichannel::tools {

inline constexpr std::array<std::string_view, 6> kTopChangeNames = {"bid",  "ask",   "status",
                                                                    "mark", "reset", "snapshot"};

class TopDigest {
 public:
  static constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ull;
  static constexpr std::uint64_t kFnvPrime = 0x100000001b3ull;

  void add(const TopOfBook& r) noexcept {
    unsigned char bytes[sizeof(TopOfBook)];
    std::memcpy(bytes, &r, sizeof bytes);
    std::uint64_t h = checksum_;
    for (std::size_t i = sizeof(r.recv_ns); i < sizeof bytes; ++i) h = (h ^ bytes[i]) * kFnvPrime;
    checksum_ = h;
    for (std::size_t b = 0; b < kTopChangeNames.size(); ++b) {
      if ((r.change & (1u << b)) != 0) ++per_change_[b];
    }
    if (!instruments_.test(r.instrument)) {
      instruments_.set(r.instrument);
      ++distinct_instruments_;
    }
    ++total_;
  }

  [[nodiscard]] std::uint64_t total() const noexcept { return total_; }
  [[nodiscard]] std::uint64_t checksum() const noexcept { return checksum_; }
  [[nodiscard]] const std::array<std::uint64_t, kTopChangeNames.size()>& per_change() const noexcept {
    return per_change_;
  }
  [[nodiscard]] std::uint32_t distinct_instruments() const noexcept { return distinct_instruments_; }

 private:
  std::uint64_t checksum_ = kFnvOffset;
  std::uint64_t total_ = 0;
  std::array<std::uint64_t, kTopChangeNames.size()> per_change_{};
  std::bitset<65536> instruments_;
  std::uint32_t distinct_instruments_ = 0;
};

// One line, no trailing newline, e.g.
// "seq=17 09:30:00.000012345 top 12 bid 300 @ 201.2300 (2) ask 100 @ 201.2400 (1) state=T
//  change=bid feed=0 flags=- lat_ns=812"; an empty side prints "-".
std::string format_top_text(const TopOfBook& r, std::int64_t latency_ns);

// One JSON object, no trailing newline; keys: seq, instrument, bid_price, bid_price_str, bid_qty,
// bid_orders, ask_price, ask_price_str, ask_qty, ask_orders, trading_state, change (the byte),
// changes (names), exch_ns, recv_ns, latency_ns, feed, flags, possibly_wrong.
std::string format_top_json(const TopOfBook& r, std::int64_t latency_ns);

}  // namespace ichannel::tools
