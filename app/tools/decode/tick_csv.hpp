// tools/decode/tick_csv.hpp: one Tick as a CSV line (ichannel-decode --csv).
//
// Contract
// - Cold tool code: returns std::string, allocates. The columns are kTickCsvHeader's; text
//   fields (feed, symbol, side) are quoted when they hold a comma, quote or control character.
#pragma once

#include <string>
#include <string_view>

#include <ichannel/tick.hpp>

namespace ichannel::tools {

inline constexpr const char* kTickCsvHeader =
    "feed,seq,action,instrument,symbol,side,qty,price,price_str,order_id,aux,exch_ns,recv_ns\n";

// No trailing newline.
std::string format_tick_csv(const Tick& t, std::string_view feed, std::string_view symbol);

}  // namespace ichannel::tools
