// feed/itch50_messages.hpp: the 23 Nasdaq TotalView-ITCH 5.0 message types, one struct each.
//
// Contract
// - Field names follow the ITCH 5.0 specification (snake_case); each struct records its type
//   byte (kType) and its wire length including the type byte (kLength). Integers are host-order
//   values after decoding; Alpha fields stay raw ASCII (space padded); Price(4) fields are the
//   raw integer with 4 implied decimals, Price(8) with 8.
// - Every message starts with the common prefix: Message Type (1), Stock Locate (2), Tracking
//   Number (2), Timestamp (6, ns since midnight); the offsets in the comments are the spec's.
// - Plain aggregates, trivially copyable, no allocation. Decoding lives in feed/itch50.hpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace ichannel::feed::itch {

// The common prefix of every message (offsets 0..10).
struct MessageHeader {
  std::uint16_t stock_locate = 0;     // offset 1, Integer(2); 0 for market-wide messages
  std::uint16_t tracking_number = 0;  // offset 3, Integer(2)
  std::uint64_t timestamp = 0;        // offset 5, Integer(6): nanoseconds since midnight
};
inline constexpr std::size_t kHeaderLength = 11;

using Stock = std::array<char, 8>;  // Alpha(8), left aligned, space padded

// 'S' System Event Message (1.1)
struct SystemEvent : MessageHeader {
  static constexpr char kType = 'S';
  static constexpr std::size_t kLength = 12;
  char event_code = 0;  // offset 11, Alpha(1)
};

// 'R' Stock Directory (1.2.1)
struct StockDirectory : MessageHeader {
  static constexpr char kType = 'R';
  static constexpr std::size_t kLength = 39;
  std::array<char, 8> stock{};              // offset 11, Alpha(8)
  char market_category = 0;                 // offset 19, Alpha(1)
  char financial_status_indicator = 0;      // offset 20, Alpha(1)
  std::uint32_t round_lot_size = 0;         // offset 21, Integer(4)
  char round_lots_only = 0;                 // offset 25, Alpha(1)
  char issue_classification = 0;            // offset 26, Alpha(1)
  std::array<char, 2> issue_sub_type{};     // offset 27, Alpha(2)
  char authenticity = 0;                    // offset 29, Alpha(1)
  char short_sale_threshold_indicator = 0;  // offset 30, Alpha(1)
  char ipo_flag = 0;                        // offset 31, Alpha(1)
  char luld_reference_price_tier = 0;       // offset 32, Alpha(1)
  char etp_flag = 0;                        // offset 33, Alpha(1)
  std::uint32_t etp_leverage_factor = 0;    // offset 34, Integer(4)
  char inverse_indicator = 0;               // offset 38, Alpha(1)
};

// 'H' Stock Trading Action (1.2.2)
struct StockTradingAction : MessageHeader {
  static constexpr char kType = 'H';
  static constexpr std::size_t kLength = 25;
  std::array<char, 8> stock{};   // offset 11, Alpha(8)
  char trading_state = 0;        // offset 19, Alpha(1)
  char reserved = 0;             // offset 20, Alpha(1)
  std::array<char, 4> reason{};  // offset 21, Alpha(4)
};

// 'Y' Reg SHO Short Sale Price Test Restricted Indicator (1.2.3)
struct RegShoRestriction : MessageHeader {
  static constexpr char kType = 'Y';
  static constexpr std::size_t kLength = 20;
  std::array<char, 8> stock{};  // offset 11, Alpha(8)
  char reg_sho_action = 0;      // offset 19, Alpha(1)
};

// 'L' Market Participant Position (1.2.4)
struct MarketParticipantPosition : MessageHeader {
  static constexpr char kType = 'L';
  static constexpr std::size_t kLength = 26;
  std::array<char, 4> mpid{};         // offset 11, Alpha(4)
  std::array<char, 8> stock{};        // offset 15, Alpha(8)
  char primary_market_maker = 0;      // offset 23, Alpha(1)
  char market_maker_mode = 0;         // offset 24, Alpha(1)
  char market_participant_state = 0;  // offset 25, Alpha(1)
};

// 'V' MWCB Decline Level (1.2.5.1)
struct MwcbDeclineLevel : MessageHeader {
  static constexpr char kType = 'V';
  static constexpr std::size_t kLength = 35;
  std::uint64_t level_1 = 0;  // offset 11, Price(8)
  std::uint64_t level_2 = 0;  // offset 19, Price(8)
  std::uint64_t level_3 = 0;  // offset 27, Price(8)
};

// 'W' MWCB Status (1.2.5.2)
struct MwcbStatus : MessageHeader {
  static constexpr char kType = 'W';
  static constexpr std::size_t kLength = 12;
  char breached_level = 0;  // offset 11, Alpha(1)
};

// 'K' IPO Quoting Period Update (1.2.6)
struct IpoQuotingPeriodUpdate : MessageHeader {
  static constexpr char kType = 'K';
  static constexpr std::size_t kLength = 28;
  std::array<char, 8> stock{};                   // offset 11, Alpha(8)
  std::uint32_t ipo_quotation_release_time = 0;  // offset 19, Integer(4)
  char ipo_quotation_release_qualifier = 0;      // offset 23, Alpha(1)
  std::uint32_t ipo_price = 0;                   // offset 24, Price(4)
};

// 'J' LULD Auction Collar (1.2.7)
struct LuldAuctionCollar : MessageHeader {
  static constexpr char kType = 'J';
  static constexpr std::size_t kLength = 35;
  std::array<char, 8> stock{};                       // offset 11, Alpha(8)
  std::uint32_t auction_collar_reference_price = 0;  // offset 19, Price(4)
  std::uint32_t upper_auction_collar_price = 0;      // offset 23, Price(4)
  std::uint32_t lower_auction_collar_price = 0;      // offset 27, Price(4)
  std::uint32_t auction_collar_extension = 0;        // offset 31, Integer(4)
};

// 'h' Operational Halt (1.2.8)
struct OperationalHalt : MessageHeader {
  static constexpr char kType = 'h';
  static constexpr std::size_t kLength = 21;
  std::array<char, 8> stock{};       // offset 11, Alpha(8)
  char market_code = 0;              // offset 19, Alpha(1)
  char operational_halt_action = 0;  // offset 20, Alpha(1)
};

// 'A' Add Order - No MPID Attribution (1.3.1)
struct AddOrder : MessageHeader {
  static constexpr char kType = 'A';
  static constexpr std::size_t kLength = 36;
  std::uint64_t order_reference_number = 0;  // offset 11, Integer(8)
  char buy_sell_indicator = 0;               // offset 19, Alpha(1)
  std::uint32_t shares = 0;                  // offset 20, Integer(4)
  std::array<char, 8> stock{};               // offset 24, Alpha(8)
  std::uint32_t price = 0;                   // offset 32, Price(4)
};

// 'F' Add Order with MPID Attribution (1.3.2)
struct AddOrderMpid : MessageHeader {
  static constexpr char kType = 'F';
  static constexpr std::size_t kLength = 40;
  std::uint64_t order_reference_number = 0;  // offset 11, Integer(8)
  char buy_sell_indicator = 0;               // offset 19, Alpha(1)
  std::uint32_t shares = 0;                  // offset 20, Integer(4)
  std::array<char, 8> stock{};               // offset 24, Alpha(8)
  std::uint32_t price = 0;                   // offset 32, Price(4)
  std::array<char, 4> attribution{};         // offset 36, Alpha(4)
};

// 'E' Order Executed (1.4.1)
struct OrderExecuted : MessageHeader {
  static constexpr char kType = 'E';
  static constexpr std::size_t kLength = 31;
  std::uint64_t order_reference_number = 0;  // offset 11, Integer(8)
  std::uint32_t executed_shares = 0;         // offset 19, Integer(4)
  std::uint64_t match_number = 0;            // offset 23, Integer(8)
};

// 'C' Order Executed With Price (1.4.2)
struct OrderExecutedWithPrice : MessageHeader {
  static constexpr char kType = 'C';
  static constexpr std::size_t kLength = 36;
  std::uint64_t order_reference_number = 0;  // offset 11, Integer(8)
  std::uint32_t executed_shares = 0;         // offset 19, Integer(4)
  std::uint64_t match_number = 0;            // offset 23, Integer(8)
  char printable = 0;                        // offset 31, Alpha(1)
  std::uint32_t execution_price = 0;         // offset 32, Price(4)
};

// 'X' Order Cancel (1.4.3)
struct OrderCancel : MessageHeader {
  static constexpr char kType = 'X';
  static constexpr std::size_t kLength = 23;
  std::uint64_t order_reference_number = 0;  // offset 11, Integer(8)
  std::uint32_t cancelled_shares = 0;        // offset 19, Integer(4)
};

// 'D' Order Delete (1.4.4)
struct OrderDelete : MessageHeader {
  static constexpr char kType = 'D';
  static constexpr std::size_t kLength = 19;
  std::uint64_t order_reference_number = 0;  // offset 11, Integer(8)
};

// 'U' Order Replace (1.4.5)
struct OrderReplace : MessageHeader {
  static constexpr char kType = 'U';
  static constexpr std::size_t kLength = 35;
  std::uint64_t original_order_reference_number = 0;  // offset 11, Integer(8)
  std::uint64_t new_order_reference_number = 0;       // offset 19, Integer(8)
  std::uint32_t shares = 0;                           // offset 27, Integer(4)
  std::uint32_t price = 0;                            // offset 31, Price(4)
};

// 'P' Trade Message - Non-Cross (1.5.1)
struct Trade : MessageHeader {
  static constexpr char kType = 'P';
  static constexpr std::size_t kLength = 44;
  std::uint64_t order_reference_number = 0;  // offset 11, Integer(8)
  char buy_sell_indicator = 0;               // offset 19, Alpha(1)
  std::uint32_t shares = 0;                  // offset 20, Integer(4)
  std::array<char, 8> stock{};               // offset 24, Alpha(8)
  std::uint32_t price = 0;                   // offset 32, Price(4)
  std::uint64_t match_number = 0;            // offset 36, Integer(8)
};

// 'Q' Cross Trade (1.5.2)
struct CrossTrade : MessageHeader {
  static constexpr char kType = 'Q';
  static constexpr std::size_t kLength = 40;
  std::uint64_t shares = 0;        // offset 11, Integer(8)
  std::array<char, 8> stock{};     // offset 19, Alpha(8)
  std::uint32_t cross_price = 0;   // offset 27, Price(4)
  std::uint64_t match_number = 0;  // offset 31, Integer(8)
  char cross_type = 0;             // offset 39, Alpha(1)
};

// 'B' Broken Trade / Order Execution (1.5.3)
struct BrokenTrade : MessageHeader {
  static constexpr char kType = 'B';
  static constexpr std::size_t kLength = 19;
  std::uint64_t match_number = 0;  // offset 11, Integer(8)
};

// 'I' Net Order Imbalance Indicator (1.6)
struct Noii : MessageHeader {
  static constexpr char kType = 'I';
  static constexpr std::size_t kLength = 50;
  std::uint64_t paired_shares = 0;            // offset 11, Integer(8)
  std::uint64_t imbalance_shares = 0;         // offset 19, Integer(8)
  char imbalance_direction = 0;               // offset 27, Alpha(1)
  std::array<char, 8> stock{};                // offset 28, Alpha(8)
  std::uint32_t far_price = 0;                // offset 36, Price(4)
  std::uint32_t near_price = 0;               // offset 40, Price(4)
  std::uint32_t current_reference_price = 0;  // offset 44, Price(4)
  char cross_type = 0;                        // offset 48, Alpha(1)
  char price_variation_indicator = 0;         // offset 49, Alpha(1)
};

// 'N' Retail Price Improvement Indicator (1.7)
struct RetailPriceImprovement : MessageHeader {
  static constexpr char kType = 'N';
  static constexpr std::size_t kLength = 20;
  std::array<char, 8> stock{};  // offset 11, Alpha(8)
  char interest_flag = 0;       // offset 19, Alpha(1)
};

// 'O' Direct Listing with Capital Raise Price Discovery (1.8)
struct DirectListingPriceDiscovery : MessageHeader {
  static constexpr char kType = 'O';
  static constexpr std::size_t kLength = 48;
  std::array<char, 8> stock{};                 // offset 11, Alpha(8)
  char open_eligibility_status = 0;            // offset 19, Alpha(1)
  std::uint32_t minimum_allowable_price = 0;   // offset 20, Price(4)
  std::uint32_t maximum_allowable_price = 0;   // offset 24, Price(4)
  std::uint32_t near_execution_price = 0;      // offset 28, Price(4)
  std::uint64_t near_execution_time = 0;       // offset 32, Integer(8)
  std::uint32_t lower_price_range_collar = 0;  // offset 40, Price(4)
  std::uint32_t upper_price_range_collar = 0;  // offset 44, Price(4)
};

inline constexpr std::size_t kMessageTypeCount = 23;

}  // namespace ichannel::feed::itch
