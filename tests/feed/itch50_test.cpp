// Every TotalView-ITCH 5.0 message type built byte by byte from the spec layout and decoded
// field by field; dispatch rejects wrong lengths and unknown types.
#include "feed/itch50.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <type_traits>

#include "wire/itch50_encode.hpp"

namespace ichannel::feed {
namespace {

using Bytes = std::vector<std::uint8_t>;
namespace enc = ::ichannel::wire::itch;  // the encoder: from the spec, not from the decoder
using ::ichannel::wire::itch::encode;

constexpr std::uint64_t kTs = 0x0000123456789ABCull;  // 48-bit timestamp with all bytes distinct

std::string str(const auto& a) {
  return std::string(a.begin(), a.end());
}

template <class T>
T decoded(const Bytes& b) {
  EXPECT_EQ(b.size(), T::kLength) << "test vector length for type " << T::kType;
  T m{};
  EXPECT_TRUE(itch::decode(b, m));
  EXPECT_EQ(m.timestamp, kTs);
  return m;
}

TEST(Itch50Decode, SystemEvent) {
  auto m = decoded<itch::SystemEvent>(encode(enc::SystemEvent{{0, 7, kTs}, 'O'}));
  EXPECT_EQ(m.stock_locate, 0);
  EXPECT_EQ(m.tracking_number, 7);
  EXPECT_EQ(m.event_code, 'O');
}

TEST(Itch50Decode, StockDirectory) {
  auto m = decoded<itch::StockDirectory>(encode(enc::StockDirectory{
      {0x1234, 2, kTs}, "AAPL", 'Q', 'N', 100, 'N', 'C', "Z", 'P', 'N', 'N', '1', 'Y', 3, 'Y'}));
  EXPECT_EQ(m.stock_locate, 0x1234);
  EXPECT_EQ(m.tracking_number, 2);
  EXPECT_EQ(str(m.stock), "AAPL    ");
  EXPECT_EQ(m.market_category, 'Q');
  EXPECT_EQ(m.financial_status_indicator, 'N');
  EXPECT_EQ(m.round_lot_size, 100u);
  EXPECT_EQ(m.round_lots_only, 'N');
  EXPECT_EQ(m.issue_classification, 'C');
  EXPECT_EQ(str(m.issue_sub_type), "Z ");
  EXPECT_EQ(m.authenticity, 'P');
  EXPECT_EQ(m.short_sale_threshold_indicator, 'N');
  EXPECT_EQ(m.ipo_flag, 'N');
  EXPECT_EQ(m.luld_reference_price_tier, '1');
  EXPECT_EQ(m.etp_flag, 'Y');
  EXPECT_EQ(m.etp_leverage_factor, 3u);
  EXPECT_EQ(m.inverse_indicator, 'Y');
}

TEST(Itch50Decode, StockTradingAction) {
  auto m = decoded<itch::StockTradingAction>(
      encode(enc::StockTradingAction{{9, 1, kTs}, "MSFT", 'T', ' ', "MWCQ"}));
  EXPECT_EQ(m.stock_locate, 9);
  EXPECT_EQ(str(m.stock), "MSFT    ");
  EXPECT_EQ(m.trading_state, 'T');
  EXPECT_EQ(m.reserved, ' ');
  EXPECT_EQ(str(m.reason), "MWCQ");
}

TEST(Itch50Decode, RegShoRestriction) {
  auto m =
      decoded<itch::RegShoRestriction>(encode(enc::RegShoRestriction{{10, 0, kTs}, "ZVZZT", '1'}));
  EXPECT_EQ(m.stock_locate, 10);
  EXPECT_EQ(str(m.stock), "ZVZZT   ");
  EXPECT_EQ(m.reg_sho_action, '1');
}

TEST(Itch50Decode, MarketParticipantPosition) {
  auto m = decoded<itch::MarketParticipantPosition>(
      encode(enc::MarketParticipantPosition{{11, 0, kTs}, "GSCO", "IBM", 'Y', 'N', 'A'}));
  EXPECT_EQ(str(m.mpid), "GSCO");
  EXPECT_EQ(str(m.stock), "IBM     ");
  EXPECT_EQ(m.primary_market_maker, 'Y');
  EXPECT_EQ(m.market_maker_mode, 'N');
  EXPECT_EQ(m.market_participant_state, 'A');
}

TEST(Itch50Decode, MwcbDeclineLevel) {
  auto m = decoded<itch::MwcbDeclineLevel>(encode(
      enc::MwcbDeclineLevel{{0, 0, kTs}, 300000000000ull, 280000000000ull, 0x0102030405060708ull}));
  EXPECT_EQ(m.level_1, 300000000000ull);
  EXPECT_EQ(m.level_2, 280000000000ull);
  EXPECT_EQ(m.level_3, 0x0102030405060708ull);
}

TEST(Itch50Decode, MwcbStatus) {
  auto m = decoded<itch::MwcbStatus>(encode(enc::MwcbStatus{{0, 0, kTs}, '2'}));
  EXPECT_EQ(m.breached_level, '2');
}

TEST(Itch50Decode, IpoQuotingPeriodUpdate) {
  auto m = decoded<itch::IpoQuotingPeriodUpdate>(
      encode(enc::IpoQuotingPeriodUpdate{{12, 0, kTs}, "NEWCO", 36000, 'A', 215000}));
  EXPECT_EQ(str(m.stock), "NEWCO   ");
  EXPECT_EQ(m.ipo_quotation_release_time, 36000u);
  EXPECT_EQ(m.ipo_quotation_release_qualifier, 'A');
  EXPECT_EQ(m.ipo_price, 215000u);
}

TEST(Itch50Decode, LuldAuctionCollar) {
  auto m = decoded<itch::LuldAuctionCollar>(
      encode(enc::LuldAuctionCollar{{13, 0, kTs}, "TSLA", 4100000, 4300000, 3900000, 2}));
  EXPECT_EQ(str(m.stock), "TSLA    ");
  EXPECT_EQ(m.auction_collar_reference_price, 4100000u);
  EXPECT_EQ(m.upper_auction_collar_price, 4300000u);
  EXPECT_EQ(m.lower_auction_collar_price, 3900000u);
  EXPECT_EQ(m.auction_collar_extension, 2u);
}

TEST(Itch50Decode, OperationalHalt) {
  auto m =
      decoded<itch::OperationalHalt>(encode(enc::OperationalHalt{{14, 0, kTs}, "QQQ", 'Q', 'H'}));
  EXPECT_EQ(m.stock_locate, 14);
  EXPECT_EQ(str(m.stock), "QQQ     ");
  EXPECT_EQ(m.market_code, 'Q');
  EXPECT_EQ(m.operational_halt_action, 'H');
}

TEST(Itch50Decode, AddOrder) {
  auto m = decoded<itch::AddOrder>(
      encode(enc::AddOrder{{15, 0, kTs}, 0x1122334455667788ull, 'B', 300, "AAPL", 2935500}));
  EXPECT_EQ(m.stock_locate, 15);
  EXPECT_EQ(m.order_reference_number, 0x1122334455667788ull);
  EXPECT_EQ(m.buy_sell_indicator, 'B');
  EXPECT_EQ(m.shares, 300u);
  EXPECT_EQ(str(m.stock), "AAPL    ");
  EXPECT_EQ(m.price, 2935500u);
}

TEST(Itch50Decode, AddOrderMpid) {
  auto m = decoded<itch::AddOrderMpid>(
      encode(enc::AddOrderMpid{{16, 0, kTs}, 42, 'S', 0xFFFFFFFF, "GOOGL", 13500000, "VIRT"}));
  EXPECT_EQ(m.order_reference_number, 42u);
  EXPECT_EQ(m.buy_sell_indicator, 'S');
  EXPECT_EQ(m.shares, 0xFFFFFFFFu);
  EXPECT_EQ(str(m.stock), "GOOGL   ");
  EXPECT_EQ(m.price, 13500000u);
  EXPECT_EQ(str(m.attribution), "VIRT");
}

TEST(Itch50Decode, OrderExecuted) {
  auto m = decoded<itch::OrderExecuted>(
      encode(enc::OrderExecuted{{17, 0, kTs}, 43, 100, 0xA1A2A3A4A5A6A7A8ull}));
  EXPECT_EQ(m.order_reference_number, 43u);
  EXPECT_EQ(m.executed_shares, 100u);
  EXPECT_EQ(m.match_number, 0xA1A2A3A4A5A6A7A8ull);
}

TEST(Itch50Decode, OrderExecutedWithPrice) {
  auto m = decoded<itch::OrderExecutedWithPrice>(
      encode(enc::OrderExecutedWithPrice{{18, 0, kTs}, 44, 50, 99, 'N', 1234567}));
  EXPECT_EQ(m.order_reference_number, 44u);
  EXPECT_EQ(m.executed_shares, 50u);
  EXPECT_EQ(m.match_number, 99u);
  EXPECT_EQ(m.printable, 'N');
  EXPECT_EQ(m.execution_price, 1234567u);
}

TEST(Itch50Decode, OrderCancel) {
  auto m = decoded<itch::OrderCancel>(encode(enc::OrderCancel{{19, 0, kTs}, 45, 25}));
  EXPECT_EQ(m.order_reference_number, 45u);
  EXPECT_EQ(m.cancelled_shares, 25u);
}

TEST(Itch50Decode, OrderDelete) {
  auto m = decoded<itch::OrderDelete>(encode(enc::OrderDelete{{20, 0, kTs}, 46}));
  EXPECT_EQ(m.stock_locate, 20);
  EXPECT_EQ(m.order_reference_number, 46u);
}

TEST(Itch50Decode, OrderReplace) {
  auto m =
      decoded<itch::OrderReplace>(encode(enc::OrderReplace{{21, 0, kTs}, 47, 48, 200, 1000100}));
  EXPECT_EQ(m.original_order_reference_number, 47u);
  EXPECT_EQ(m.new_order_reference_number, 48u);
  EXPECT_EQ(m.shares, 200u);
  EXPECT_EQ(m.price, 1000100u);
}

TEST(Itch50Decode, Trade) {
  auto m = decoded<itch::Trade>(encode(enc::Trade{{22, 0, kTs}, 0, 'B', 400, "SPY", 3210000, 777}));
  EXPECT_EQ(m.order_reference_number, 0u);
  EXPECT_EQ(m.buy_sell_indicator, 'B');
  EXPECT_EQ(m.shares, 400u);
  EXPECT_EQ(str(m.stock), "SPY     ");
  EXPECT_EQ(m.price, 3210000u);
  EXPECT_EQ(m.match_number, 777u);
}

TEST(Itch50Decode, CrossTrade) {
  auto m = decoded<itch::CrossTrade>(
      encode(enc::CrossTrade{{23, 0, kTs}, 0x100000000ull, "AMZN", 18000000, 778, 'O'}));
  EXPECT_EQ(m.shares, 0x100000000ull);
  EXPECT_EQ(str(m.stock), "AMZN    ");
  EXPECT_EQ(m.cross_price, 18000000u);
  EXPECT_EQ(m.match_number, 778u);
  EXPECT_EQ(m.cross_type, 'O');
}

TEST(Itch50Decode, BrokenTrade) {
  auto m = decoded<itch::BrokenTrade>(encode(enc::BrokenTrade{{24, 0, kTs}, 779}));
  EXPECT_EQ(m.stock_locate, 24);
  EXPECT_EQ(m.match_number, 779u);
}

TEST(Itch50Decode, Noii) {
  auto m = decoded<itch::Noii>(
      encode(enc::Noii{{25, 0, kTs}, 1000, 2000, 'B', "NVDA", 1, 2, 3, 'C', 'L'}));
  EXPECT_EQ(m.paired_shares, 1000u);
  EXPECT_EQ(m.imbalance_shares, 2000u);
  EXPECT_EQ(m.imbalance_direction, 'B');
  EXPECT_EQ(str(m.stock), "NVDA    ");
  EXPECT_EQ(m.far_price, 1u);
  EXPECT_EQ(m.near_price, 2u);
  EXPECT_EQ(m.current_reference_price, 3u);
  EXPECT_EQ(m.cross_type, 'C');
  EXPECT_EQ(m.price_variation_indicator, 'L');
}

TEST(Itch50Decode, RetailPriceImprovement) {
  auto m = decoded<itch::RetailPriceImprovement>(
      encode(enc::RetailPriceImprovement{{26, 0, kTs}, "INTC", 'A'}));
  EXPECT_EQ(str(m.stock), "INTC    ");
  EXPECT_EQ(m.interest_flag, 'A');
}

TEST(Itch50Decode, DirectListingPriceDiscovery) {
  auto m = decoded<itch::DirectListingPriceDiscovery>(encode(enc::DirectListingPriceDiscovery{
      {27, 0, kTs}, "DLCR", 'Y', 100000, 200000, 150000, 34200000000000ull, 140000, 160000}));
  EXPECT_EQ(str(m.stock), "DLCR    ");
  EXPECT_EQ(m.open_eligibility_status, 'Y');
  EXPECT_EQ(m.minimum_allowable_price, 100000u);
  EXPECT_EQ(m.maximum_allowable_price, 200000u);
  EXPECT_EQ(m.near_execution_price, 150000u);
  EXPECT_EQ(m.near_execution_time, 34200000000000ull);
  EXPECT_EQ(m.lower_price_range_collar, 140000u);
  EXPECT_EQ(m.upper_price_range_collar, 160000u);
}

TEST(Itch50Dispatch, AllTwentyThreeTypesHaveTheirSpecLength) {
  const std::string_view types = "SRHYLVWKJhAFECXDUPQBINO";
  const std::size_t lengths[] = {12, 39, 25, 20, 26, 35, 12, 28, 35, 21, 36, 40,
                                 31, 36, 23, 19, 35, 44, 40, 19, 50, 20, 48};
  ASSERT_EQ(types.size(), itch::kMessageTypeCount);
  for (std::size_t i = 0; i < types.size(); ++i) {
    EXPECT_EQ(itch::message_length(types[i]), lengths[i]) << types[i];
    Bytes b(lengths[i], 0);
    b[0] = static_cast<std::uint8_t>(types[i]);
    char seen = 0;
    auto sink = [&](const auto& m) { seen = std::remove_cvref_t<decltype(m)>::kType; };
    EXPECT_EQ(itch::dispatch(b, sink), itch::DecodeResult::kOk) << types[i];
    EXPECT_EQ(seen, types[i]);
  }
}

TEST(Itch50Dispatch, LongerDecodesItsKnownPrefix) {
  int calls = 0;
  itch::AddOrder seen{};
  auto sink = [&](const auto& m) {
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(m)>, itch::AddOrder>) seen = m;
    ++calls;
  };
  Bytes longer = encode(enc::AddOrder{{7, 0, 1}, 42, 'S', 100, "A", 12345});
  longer.insert(longer.end(), {0xde, 0xad, 0xbe, 0xef});
  EXPECT_EQ(itch::dispatch(longer, sink), itch::DecodeResult::kLong);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen.order_reference_number, 42u);
  EXPECT_EQ(seen.price, 12345u);
  EXPECT_EQ(seen.stock_locate, 7u);
}

TEST(Itch50Dispatch, ShorterIsRejectedWithoutCallingTheSink) {
  int calls = 0;
  auto sink = [&](const auto&) { ++calls; };
  Bytes add = encode(enc::AddOrder{{1, 0, 1}, 1, 'B', 1, "A", 1});
  Bytes shorter(add.begin(), add.end() - 1);
  EXPECT_EQ(itch::dispatch(shorter, sink), itch::DecodeResult::kBadLength);
  EXPECT_EQ(itch::dispatch(Bytes{'A'}, sink), itch::DecodeResult::kBadLength);
  EXPECT_EQ(itch::dispatch(Bytes{}, sink), itch::DecodeResult::kEmpty);
  EXPECT_EQ(calls, 0);
  itch::AddOrder m{};
  EXPECT_FALSE(itch::decode(shorter, m));
  EXPECT_FALSE(itch::decode(encode(enc::OrderDelete{{1, 0, 1}, 1}), m));  // type mismatch
}

TEST(Itch50Dispatch, UnknownTypesAreRejected) {
  int calls = 0;
  auto sink = [&](const auto&) { ++calls; };
  const std::string_view known = "SRHYLVWKJhAFECXDUPQBINO";
  for (int t = 0; t < 256; ++t) {
    if (known.find(static_cast<char>(t)) != std::string_view::npos) continue;
    Bytes b(36, 0);
    b[0] = static_cast<std::uint8_t>(t);
    EXPECT_EQ(itch::dispatch(b, sink), itch::DecodeResult::kUnknownType) << t;
    EXPECT_EQ(itch::message_length(static_cast<char>(t)), 0u);
  }
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace ichannel::feed
