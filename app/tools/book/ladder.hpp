// app/tools/book/ladder.hpp: an instrument's book from a book table, as text (a price ladder) or
// one JSON line; and the lookup of an instrument by symbol or locate. Used by ichannel-book
// (main.cpp) and its tests. Cold (allocates); reads the table only through BookTableReader.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <ichannel/book_table.hpp>

namespace ichannel::tools {

struct LadderOptions {
  std::uint32_t depth = 0;  // levels per side shown; 0: all the table holds
  std::string table;        // the table's name, for the title / JSON
};

// The locate named by `arg`: all digits -> that locate (must be < instruments); otherwise a
// symbol (case-insensitive, space padding ignored) looked up among the entries that know their
// symbol (kBookKnown). nullopt with `why` set when there is none.
std::optional<std::uint32_t> resolve_instrument(const BookTableReader& table, std::string_view arg,
                                                std::string& why);

// The symbol bytes without the space padding ("" when unknown).
std::string symbol_text(const BookEntryFixed& e);
// 2,935,500 -> "293.5500" (kPriceScale fixed point, 4 decimals, sign kept).
std::string price_text(std::int64_t price);
// ns after midnight -> "09:30:00.000000123".
std::string time_text(std::uint64_t exch_ns);

// The ladder: a title line (symbol, locate, feed, seq, time, status, marks), the side totals,
// then asks (highest first), the spread line, bids (best first).
std::string render_ladder(const BookSnapshot& s, const BookFeedState& feed,
                          std::string_view feed_name, const LadderOptions& o);
// The same as one JSON object (no trailing newline).
std::string render_json(const BookSnapshot& s, const BookFeedState& feed,
                        std::string_view feed_name, const LadderOptions& o);

}  // namespace ichannel::tools
