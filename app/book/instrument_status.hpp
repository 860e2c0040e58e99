// book/instrument_status.hpp: the status of one instrument (from R, H, Y, h, J) and of the feed
// (S system events, W MWCB status, the session), as FeedBooks keeps them.
//
// Contract
// - Plain values, written by FeedBooks::apply on its thread from kDirectory, kStatus and
//   kAuctionCollar ticks (docs/tick-format.md gives the fields); zero means "not seen yet".
// - The codes are the ITCH characters as the tick carries them: trading_state 'H','P','Q','T';
//   reg_sho '0','1','2'; op_halt 'H','T'; system_event 'O','S','Q','M','E','C'.
#pragma once

#include <cstdint>

namespace ichannel::book {

struct InstrumentStatus {
  std::uint64_t symbol = 0;          // the 8 ASCII bytes of the R Stock field (memcpy order)
  std::uint32_t round_lot = 0;       // R Round Lot Size
  std::uint32_t halt_reason = 0;     // H Reason, 4 ASCII bytes (memcpy order)
  std::int64_t luld_reference = 0;   // J Auction Collar Reference Price
  std::int64_t luld_lower = 0;       // J Lower Auction Collar Price
  std::int64_t luld_upper = 0;       // J Upper Auction Collar Price
  std::uint32_t luld_extension = 0;  // J Auction Collar Extension
  std::uint8_t market_category = 0;  // R Market Category
  std::uint8_t trading_state = 0;    // H Trading State
  std::uint8_t reg_sho = 0;          // Y Reg SHO Action
  std::uint8_t op_halt = 0;          // h Operational Halt Action
  std::uint8_t op_halt_market = 0;   // h Market Code
  std::uint8_t known = 0;            // 1 once an R (directory) was applied
  std::uint8_t reserved[2] = {};
  friend bool operator==(const InstrumentStatus&, const InstrumentStatus&) = default;
};

struct FeedStatus {
  std::uint8_t system_event = 0;    // last S Event Code
  std::uint8_t mwcb_level = 0;      // last W Breached Level
  std::uint8_t session_ended = 0;   // 1 after the MoldUDP64 end-of-session record
  std::uint8_t possibly_wrong = 0;  // 1 from a gap (or a kTickAfterGap tick) until a reset
  std::uint8_t repaired = 0;        // 1 after repaired() (a snapshot) until a reset: the
                                    // session's kTickAfterGap flags no longer mark the books
  std::uint64_t last_seq = 0;       // seq of the last tick applied
  friend bool operator==(const FeedStatus&, const FeedStatus&) = default;
};

}  // namespace ichannel::book
