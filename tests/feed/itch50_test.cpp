// Every TotalView-ITCH 5.0 message type built byte by byte from the spec layout and decoded
// field by field; dispatch rejects wrong lengths and unknown types.
#include "feed/itch50.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "wire_builder.hpp"

namespace ichannel::feed {
namespace {

using test::Bytes;
using test::Writer;

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
  auto m = decoded<itch::SystemEvent>(Writer{}.itch('S', 0, 7, kTs).ch('O').take());
  EXPECT_EQ(m.stock_locate, 0);
  EXPECT_EQ(m.tracking_number, 7);
  EXPECT_EQ(m.event_code, 'O');
}

TEST(Itch50Decode, StockDirectory) {
  auto m = decoded<itch::StockDirectory>(Writer{}
                                             .itch('R', 0x1234, 2, kTs)
                                             .alpha("AAPL", 8)
                                             .ch('Q')
                                             .ch('N')
                                             .u32(100)
                                             .ch('N')
                                             .ch('C')
                                             .alpha("Z", 2)
                                             .ch('P')
                                             .ch('N')
                                             .ch('N')
                                             .ch('1')
                                             .ch('Y')
                                             .u32(3)
                                             .ch('Y')
                                             .take());
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
      Writer{}.itch('H', 9, 1, kTs).alpha("MSFT", 8).ch('T').ch(' ').alpha("MWCQ", 4).take());
  EXPECT_EQ(m.stock_locate, 9);
  EXPECT_EQ(str(m.stock), "MSFT    ");
  EXPECT_EQ(m.trading_state, 'T');
  EXPECT_EQ(m.reserved, ' ');
  EXPECT_EQ(str(m.reason), "MWCQ");
}

TEST(Itch50Decode, RegShoRestriction) {
  auto m = decoded<itch::RegShoRestriction>(
      Writer{}.itch('Y', 10, 0, kTs).alpha("ZVZZT", 8).ch('1').take());
  EXPECT_EQ(m.stock_locate, 10);
  EXPECT_EQ(str(m.stock), "ZVZZT   ");
  EXPECT_EQ(m.reg_sho_action, '1');
}

TEST(Itch50Decode, MarketParticipantPosition) {
  auto m = decoded<itch::MarketParticipantPosition>(Writer{}
                                                        .itch('L', 11, 0, kTs)
                                                        .alpha("GSCO", 4)
                                                        .alpha("IBM", 8)
                                                        .ch('Y')
                                                        .ch('N')
                                                        .ch('A')
                                                        .take());
  EXPECT_EQ(str(m.mpid), "GSCO");
  EXPECT_EQ(str(m.stock), "IBM     ");
  EXPECT_EQ(m.primary_market_maker, 'Y');
  EXPECT_EQ(m.market_maker_mode, 'N');
  EXPECT_EQ(m.market_participant_state, 'A');
}

TEST(Itch50Decode, MwcbDeclineLevel) {
  auto m = decoded<itch::MwcbDeclineLevel>(Writer{}
                                               .itch('V', 0, 0, kTs)
                                               .u64(300000000000ull)
                                               .u64(280000000000ull)
                                               .u64(0x0102030405060708ull)
                                               .take());
  EXPECT_EQ(m.level_1, 300000000000ull);
  EXPECT_EQ(m.level_2, 280000000000ull);
  EXPECT_EQ(m.level_3, 0x0102030405060708ull);
}

TEST(Itch50Decode, MwcbStatus) {
  auto m = decoded<itch::MwcbStatus>(Writer{}.itch('W', 0, 0, kTs).ch('2').take());
  EXPECT_EQ(m.breached_level, '2');
}

TEST(Itch50Decode, IpoQuotingPeriodUpdate) {
  auto m = decoded<itch::IpoQuotingPeriodUpdate>(
      Writer{}.itch('K', 12, 0, kTs).alpha("NEWCO", 8).u32(36000).ch('A').u32(215000).take());
  EXPECT_EQ(str(m.stock), "NEWCO   ");
  EXPECT_EQ(m.ipo_quotation_release_time, 36000u);
  EXPECT_EQ(m.ipo_quotation_release_qualifier, 'A');
  EXPECT_EQ(m.ipo_price, 215000u);
}

TEST(Itch50Decode, LuldAuctionCollar) {
  auto m = decoded<itch::LuldAuctionCollar>(Writer{}
                                                .itch('J', 13, 0, kTs)
                                                .alpha("TSLA", 8)
                                                .u32(4100000)
                                                .u32(4300000)
                                                .u32(3900000)
                                                .u32(2)
                                                .take());
  EXPECT_EQ(str(m.stock), "TSLA    ");
  EXPECT_EQ(m.auction_collar_reference_price, 4100000u);
  EXPECT_EQ(m.upper_auction_collar_price, 4300000u);
  EXPECT_EQ(m.lower_auction_collar_price, 3900000u);
  EXPECT_EQ(m.auction_collar_extension, 2u);
}

TEST(Itch50Decode, OperationalHalt) {
  auto m = decoded<itch::OperationalHalt>(
      Writer{}.itch('h', 14, 0, kTs).alpha("QQQ", 8).ch('Q').ch('H').take());
  EXPECT_EQ(m.stock_locate, 14);
  EXPECT_EQ(str(m.stock), "QQQ     ");
  EXPECT_EQ(m.market_code, 'Q');
  EXPECT_EQ(m.operational_halt_action, 'H');
}

TEST(Itch50Decode, AddOrder) {
  auto m = decoded<itch::AddOrder>(
      test::add_order(15, kTs, 0x1122334455667788ull, 'B', 300, "AAPL", 2935500));
  EXPECT_EQ(m.stock_locate, 15);
  EXPECT_EQ(m.order_reference_number, 0x1122334455667788ull);
  EXPECT_EQ(m.buy_sell_indicator, 'B');
  EXPECT_EQ(m.shares, 300u);
  EXPECT_EQ(str(m.stock), "AAPL    ");
  EXPECT_EQ(m.price, 2935500u);
}

TEST(Itch50Decode, AddOrderMpid) {
  auto m = decoded<itch::AddOrderMpid>(Writer{}
                                           .itch('F', 16, 0, kTs)
                                           .u64(42)
                                           .ch('S')
                                           .u32(0xFFFFFFFF)
                                           .alpha("GOOGL", 8)
                                           .u32(13500000)
                                           .alpha("VIRT", 4)
                                           .take());
  EXPECT_EQ(m.order_reference_number, 42u);
  EXPECT_EQ(m.buy_sell_indicator, 'S');
  EXPECT_EQ(m.shares, 0xFFFFFFFFu);
  EXPECT_EQ(str(m.stock), "GOOGL   ");
  EXPECT_EQ(m.price, 13500000u);
  EXPECT_EQ(str(m.attribution), "VIRT");
}

TEST(Itch50Decode, OrderExecuted) {
  auto m = decoded<itch::OrderExecuted>(
      Writer{}.itch('E', 17, 0, kTs).u64(43).u32(100).u64(0xA1A2A3A4A5A6A7A8ull).take());
  EXPECT_EQ(m.order_reference_number, 43u);
  EXPECT_EQ(m.executed_shares, 100u);
  EXPECT_EQ(m.match_number, 0xA1A2A3A4A5A6A7A8ull);
}

TEST(Itch50Decode, OrderExecutedWithPrice) {
  auto m = decoded<itch::OrderExecutedWithPrice>(
      Writer{}.itch('C', 18, 0, kTs).u64(44).u32(50).u64(99).ch('N').u32(1234567).take());
  EXPECT_EQ(m.order_reference_number, 44u);
  EXPECT_EQ(m.executed_shares, 50u);
  EXPECT_EQ(m.match_number, 99u);
  EXPECT_EQ(m.printable, 'N');
  EXPECT_EQ(m.execution_price, 1234567u);
}

TEST(Itch50Decode, OrderCancel) {
  auto m = decoded<itch::OrderCancel>(Writer{}.itch('X', 19, 0, kTs).u64(45).u32(25).take());
  EXPECT_EQ(m.order_reference_number, 45u);
  EXPECT_EQ(m.cancelled_shares, 25u);
}

TEST(Itch50Decode, OrderDelete) {
  auto m = decoded<itch::OrderDelete>(test::order_delete(20, kTs, 46));
  EXPECT_EQ(m.stock_locate, 20);
  EXPECT_EQ(m.order_reference_number, 46u);
}

TEST(Itch50Decode, OrderReplace) {
  auto m = decoded<itch::OrderReplace>(
      Writer{}.itch('U', 21, 0, kTs).u64(47).u64(48).u32(200).u32(1000100).take());
  EXPECT_EQ(m.original_order_reference_number, 47u);
  EXPECT_EQ(m.new_order_reference_number, 48u);
  EXPECT_EQ(m.shares, 200u);
  EXPECT_EQ(m.price, 1000100u);
}

TEST(Itch50Decode, Trade) {
  auto m = decoded<itch::Trade>(Writer{}
                                    .itch('P', 22, 0, kTs)
                                    .u64(0)
                                    .ch('B')
                                    .u32(400)
                                    .alpha("SPY", 8)
                                    .u32(3210000)
                                    .u64(777)
                                    .take());
  EXPECT_EQ(m.order_reference_number, 0u);
  EXPECT_EQ(m.buy_sell_indicator, 'B');
  EXPECT_EQ(m.shares, 400u);
  EXPECT_EQ(str(m.stock), "SPY     ");
  EXPECT_EQ(m.price, 3210000u);
  EXPECT_EQ(m.match_number, 777u);
}

TEST(Itch50Decode, CrossTrade) {
  auto m = decoded<itch::CrossTrade>(Writer{}
                                         .itch('Q', 23, 0, kTs)
                                         .u64(0x100000000ull)
                                         .alpha("AMZN", 8)
                                         .u32(18000000)
                                         .u64(778)
                                         .ch('O')
                                         .take());
  EXPECT_EQ(m.shares, 0x100000000ull);
  EXPECT_EQ(str(m.stock), "AMZN    ");
  EXPECT_EQ(m.cross_price, 18000000u);
  EXPECT_EQ(m.match_number, 778u);
  EXPECT_EQ(m.cross_type, 'O');
}

TEST(Itch50Decode, BrokenTrade) {
  auto m = decoded<itch::BrokenTrade>(Writer{}.itch('B', 24, 0, kTs).u64(779).take());
  EXPECT_EQ(m.stock_locate, 24);
  EXPECT_EQ(m.match_number, 779u);
}

TEST(Itch50Decode, Noii) {
  auto m = decoded<itch::Noii>(Writer{}
                                   .itch('I', 25, 0, kTs)
                                   .u64(1000)
                                   .u64(2000)
                                   .ch('B')
                                   .alpha("NVDA", 8)
                                   .u32(1)
                                   .u32(2)
                                   .u32(3)
                                   .ch('C')
                                   .ch('L')
                                   .take());
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
      Writer{}.itch('N', 26, 0, kTs).alpha("INTC", 8).ch('A').take());
  EXPECT_EQ(str(m.stock), "INTC    ");
  EXPECT_EQ(m.interest_flag, 'A');
}

TEST(Itch50Decode, DirectListingPriceDiscovery) {
  auto m = decoded<itch::DirectListingPriceDiscovery>(Writer{}
                                                          .itch('O', 27, 0, kTs)
                                                          .alpha("DLCR", 8)
                                                          .ch('Y')
                                                          .u32(100000)
                                                          .u32(200000)
                                                          .u32(150000)
                                                          .u64(34200000000000ull)
                                                          .u32(140000)
                                                          .u32(160000)
                                                          .take());
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

TEST(Itch50Dispatch, WrongLengthIsRejectedWithoutCallingTheSink) {
  int calls = 0;
  auto sink = [&](const auto&) { ++calls; };
  Bytes add = test::add_order(1, 1, 1, 'B', 1, "A", 1);
  Bytes longer = add;
  longer.push_back(0);
  Bytes shorter(add.begin(), add.end() - 1);
  EXPECT_EQ(itch::dispatch(longer, sink), itch::DecodeResult::kBadLength);
  EXPECT_EQ(itch::dispatch(shorter, sink), itch::DecodeResult::kBadLength);
  EXPECT_EQ(itch::dispatch(Bytes{'A'}, sink), itch::DecodeResult::kBadLength);
  EXPECT_EQ(itch::dispatch(Bytes{}, sink), itch::DecodeResult::kEmpty);
  EXPECT_EQ(calls, 0);
  itch::AddOrder m{};
  EXPECT_FALSE(itch::decode(shorter, m));
  EXPECT_FALSE(itch::decode(test::order_delete(1, 1, 1), m));  // type mismatch
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
