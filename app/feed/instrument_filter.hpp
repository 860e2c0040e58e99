// feed/instrument_filter.hpp: per-sink instrument filter by symbol, resolved through locates.
//
// Contract
// - A route may name a symbol list; ticks carry only the stock locate. An InstrumentFilter is
//   built (cold path: allocates, may throw std::invalid_argument naming a bad symbol) from that
//   list and the feed's SymbolTable, and answers pass(locate) on the hot path in O(1) without
//   allocating: the first tick of a locate resolves its symbol (a table lookup and a binary
//   search in the wanted list) and caches the decision in a 64 KiB byte array.
// - Rules: an empty symbol list passes everything. Locate 0 (feed-wide events: system events,
//   MWCB status, gap records, end of session) always passes. A locate whose symbol the table has
//   not learned yet (no R, A, F or other symbol-bearing message seen for it) does NOT pass and is
//   counted in unknown(); known symbols outside the list are counted in filtered(). Decisions
//   are re-made when the table's version() says a locate was re-bound.
// - The daemon publishes one tick stream into several channels with different filters, so the
//   filter belongs to the fan-out: one InstrumentFilter per (route, channel) output of a feed's
//   Fanout (fanout.hpp), consulted before the push.
// - Single-threaded (the feed's polling thread); the SymbolTable must outlive the filter.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <ichannel/tick.hpp>

#include "feed/symbols.hpp"

namespace ichannel::feed {

class InstrumentFilter {
 public:
  InstrumentFilter(const SymbolTable& table, std::span<const std::string> symbols)
      : table_(&table), decision_(SymbolTable::kSize, kUndecided), version_(table.version()) {
    wanted_.reserve(symbols.size());
    for (const std::string& s : symbols) {
      const std::uint64_t k = symbol_key(s);
      if (k == 0) {
        throw std::invalid_argument("instrument filter: symbol '" + s +
                                    "' must be 1 to 8 characters");
      }
      wanted_.push_back(k);
    }
    std::sort(wanted_.begin(), wanted_.end());
    wanted_.erase(std::unique(wanted_.begin(), wanted_.end()), wanted_.end());
  }

  [[nodiscard]] bool pass(std::uint16_t locate) noexcept {
    if (wanted_.empty() || locate == 0) return true;
    if (table_->version() != version_) [[unlikely]]
      rebuild();
    const std::uint8_t d = decision_[locate];
    if (d == kPass) return true;
    if (d == kBlock) {
      ++filtered_;
      return false;
    }
    const std::uint64_t k = table_->key(locate);
    if (k == 0) {
      ++unknown_;
      return false;
    }
    const bool wanted = std::binary_search(wanted_.begin(), wanted_.end(), k);
    decision_[locate] = wanted ? kPass : kBlock;
    if (!wanted) ++filtered_;
    return wanted;
  }

  [[nodiscard]] bool pass(const Tick& t) noexcept { return pass(t.instrument); }

  [[nodiscard]] std::uint64_t filtered() const noexcept { return filtered_; }
  [[nodiscard]] std::uint64_t unknown() const noexcept { return unknown_; }

 private:
  static constexpr std::uint8_t kUndecided = 0;
  static constexpr std::uint8_t kPass = 1;
  static constexpr std::uint8_t kBlock = 2;

  [[gnu::cold, gnu::noinline]] void rebuild() noexcept {
    std::fill(decision_.begin(), decision_.end(), kUndecided);
    version_ = table_->version();
  }

  const SymbolTable* table_;
  std::vector<std::uint64_t> wanted_;   // sorted symbol keys
  std::vector<std::uint8_t> decision_;  // per locate: kUndecided / kPass / kBlock
  std::uint64_t version_;
  std::uint64_t filtered_ = 0;
  std::uint64_t unknown_ = 0;
};

}  // namespace ichannel::feed
