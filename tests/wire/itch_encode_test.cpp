// tests/wire/itch_encode_test.cpp: app/wire's ITCH encoder against the spec layout (byte
// offsets checked by hand) and against app/feed's independent decoder (field by field).
#include "wire/itch50_encode.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <type_traits>

#include "feed/itch50.hpp"

namespace ichannel::wire {
namespace {

using Bytes = std::vector<std::uint8_t>;

std::uint64_t be(const Bytes& b, std::size_t at, int width) {
  std::uint64_t v = 0;
  for (int i = 0; i < width; ++i) v = (v << 8) | b[at + i];
  return v;
}
std::string alpha(const Bytes& b, std::size_t at, std::size_t width) {
  return std::string(b.begin() + static_cast<long>(at), b.begin() + static_cast<long>(at + width));
}
std::string str(const std::array<char, 8>& s) {
  return std::string(s.begin(), s.end());
}

const itch::Header kHeader{0x1234, 0x0102, 34'200'123'456'789};

void expect_header(const Bytes& b, char type) {
  EXPECT_EQ(b[0], static_cast<std::uint8_t>(type));
  EXPECT_EQ(be(b, 1, 2), 0x1234u);
  EXPECT_EQ(be(b, 3, 2), 0x0102u);
  EXPECT_EQ(be(b, 5, 6), 34'200'123'456'789u);
}

TEST(ItchEncode, SystemEventIsTwelveBytesWithEventCodeLast) {
  Bytes b;
  EXPECT_EQ(itch::append(b, itch::SystemEvent{kHeader, 'Q'}), 12u);
  ASSERT_EQ(b.size(), 12u);
  expect_header(b, 'S');
  EXPECT_EQ(b[11], 'Q');
  feed::itch::SystemEvent m;
  ASSERT_TRUE(feed::itch::decode(b, m));
  EXPECT_EQ(m.event_code, 'Q');
  EXPECT_EQ(m.timestamp, kHeader.timestamp);
}

TEST(ItchEncode, StockDirectoryMatchesSpecOffsetsAndFeedDecoder) {
  itch::StockDirectory r;
  r.header = kHeader;
  r.stock = "AAPL";
  r.round_lot_size = 100;
  r.etp_leverage_factor = 7;
  Bytes b;
  EXPECT_EQ(itch::append(b, r), 39u);
  expect_header(b, 'R');
  EXPECT_EQ(alpha(b, 11, 8), "AAPL    ");
  EXPECT_EQ(b[19], 'Q');
  EXPECT_EQ(be(b, 21, 4), 100u);
  EXPECT_EQ(alpha(b, 27, 2), "Z ");
  EXPECT_EQ(be(b, 34, 4), 7u);
  EXPECT_EQ(b[38], 'N');
  feed::itch::StockDirectory m;
  ASSERT_TRUE(feed::itch::decode(b, m));
  EXPECT_EQ(str(m.stock), "AAPL    ");
  EXPECT_EQ(m.round_lot_size, 100u);
  EXPECT_EQ(m.issue_classification, 'C');
  EXPECT_EQ(m.etp_leverage_factor, 7u);
}

TEST(ItchEncode, StockTradingActionCarriesStateAndReason) {
  Bytes b;
  EXPECT_EQ(itch::append(b, itch::StockTradingAction{kHeader, "MSFT", 'H', ' ', "LUDP"}), 25u);
  expect_header(b, 'H');
  EXPECT_EQ(alpha(b, 11, 8), "MSFT    ");
  EXPECT_EQ(b[19], 'H');
  EXPECT_EQ(alpha(b, 21, 4), "LUDP");
  feed::itch::StockTradingAction m;
  ASSERT_TRUE(feed::itch::decode(b, m));
  EXPECT_EQ(m.trading_state, 'H');
}

TEST(ItchEncode, AddOrderAndMpidVariantMatchSpecOffsets) {
  Bytes a;
  EXPECT_EQ(
      itch::append(a, itch::AddOrder{kHeader, 0x0102030405060708, 'S', 300, "ZVZZT", 1'234'500}),
      36u);
  expect_header(a, 'A');
  EXPECT_EQ(be(a, 11, 8), 0x0102030405060708u);
  EXPECT_EQ(a[19], 'S');
  EXPECT_EQ(be(a, 20, 4), 300u);
  EXPECT_EQ(alpha(a, 24, 8), "ZVZZT   ");
  EXPECT_EQ(be(a, 32, 4), 1'234'500u);
  feed::itch::AddOrder m;
  ASSERT_TRUE(feed::itch::decode(a, m));
  EXPECT_EQ(m.order_reference_number, 0x0102030405060708u);
  EXPECT_EQ(m.price, 1'234'500u);

  Bytes f;
  EXPECT_EQ(itch::append(f, itch::AddOrderMpid{kHeader, 9, 'B', 1, "A", 1, "GSCO"}), 40u);
  EXPECT_EQ(alpha(f, 36, 4), "GSCO");
  feed::itch::AddOrderMpid mf;
  ASSERT_TRUE(feed::itch::decode(f, mf));
  EXPECT_EQ(std::string(mf.attribution.begin(), mf.attribution.end()), "GSCO");
}

TEST(ItchEncode, ExecutionsCancelDeleteReplaceMatchFeedDecoder) {
  Bytes e, c, x, d, u;
  EXPECT_EQ(itch::append(e, itch::OrderExecuted{kHeader, 11, 50, 77}), 31u);
  EXPECT_EQ(itch::append(c, itch::OrderExecutedWithPrice{kHeader, 12, 60, 78, 'N', 99}), 36u);
  EXPECT_EQ(itch::append(x, itch::OrderCancel{kHeader, 13, 5}), 23u);
  EXPECT_EQ(itch::append(d, itch::OrderDelete{kHeader, 14}), 19u);
  EXPECT_EQ(itch::append(u, itch::OrderReplace{kHeader, 15, 16, 200, 4321}), 35u);
  EXPECT_EQ(be(e, 19, 4), 50u);
  EXPECT_EQ(be(e, 23, 8), 77u);
  EXPECT_EQ(c[31], 'N');
  EXPECT_EQ(be(c, 32, 4), 99u);
  EXPECT_EQ(be(u, 19, 8), 16u);
  EXPECT_EQ(be(u, 31, 4), 4321u);

  feed::itch::OrderExecuted me;
  feed::itch::OrderExecutedWithPrice mc;
  feed::itch::OrderCancel mx;
  feed::itch::OrderDelete md;
  feed::itch::OrderReplace mu;
  ASSERT_TRUE(feed::itch::decode(e, me));
  ASSERT_TRUE(feed::itch::decode(c, mc));
  ASSERT_TRUE(feed::itch::decode(x, mx));
  ASSERT_TRUE(feed::itch::decode(d, md));
  ASSERT_TRUE(feed::itch::decode(u, mu));
  EXPECT_EQ(me.executed_shares, 50u);
  EXPECT_EQ(me.match_number, 77u);
  EXPECT_EQ(mc.execution_price, 99u);
  EXPECT_EQ(mx.cancelled_shares, 5u);
  EXPECT_EQ(md.order_reference_number, 14u);
  EXPECT_EQ(mu.original_order_reference_number, 15u);
  EXPECT_EQ(mu.new_order_reference_number, 16u);
  EXPECT_EQ(mu.shares, 200u);
  EXPECT_EQ(mu.price, 4321u);
}

TEST(ItchEncode, TradeAndCrossTradeMatchSpecOffsets) {
  Bytes p, q;
  EXPECT_EQ(itch::append(p, itch::Trade{kHeader, 0, 'B', 100, "QQQ", 2'500'000, 555}), 44u);
  EXPECT_EQ(itch::append(q, itch::CrossTrade{kHeader, 5'000'000'000, "SPY", 3'000'000, 556, 'O'}),
            40u);
  EXPECT_EQ(be(p, 36, 8), 555u);
  EXPECT_EQ(be(q, 11, 8), 5'000'000'000u);
  EXPECT_EQ(alpha(q, 19, 8), "SPY     ");
  EXPECT_EQ(be(q, 27, 4), 3'000'000u);
  EXPECT_EQ(q[39], 'O');
  feed::itch::Trade mp;
  feed::itch::CrossTrade mq;
  ASSERT_TRUE(feed::itch::decode(p, mp));
  ASSERT_TRUE(feed::itch::decode(q, mq));
  EXPECT_EQ(mp.match_number, 555u);
  EXPECT_EQ(mq.shares, 5'000'000'000u);
  EXPECT_EQ(mq.cross_type, 'O');
}

TEST(ItchEncode, LongSymbolIsCutToEightCharacters) {
  Bytes b;
  itch::append(b, itch::OrderDelete{kHeader, 1});
  itch::StockDirectory r;
  r.stock = "TOOLONGSYMBOL";
  Bytes rb;
  EXPECT_EQ(itch::append(rb, r), 39u);
  EXPECT_EQ(alpha(rb, 11, 8), "TOOLONGS");
}

// Every one of the 23 types: the encoder writes its spec length with its type byte first, and
// app/feed's dispatch accepts it as that type.
TEST(ItchEncode, EveryTypeHasItsSpecLengthAndDispatchesAsItself) {
  const std::string_view types = "SRHYLVWKJhAFECXDUPQBINO";
  const std::size_t lengths[] = {12, 39, 25, 20, 26, 35, 12, 28, 35, 21, 36, 40,
                                 31, 36, 23, 19, 35, 44, 40, 19, 50, 20, 48};
  std::vector<Bytes> encoded;
  auto put = [&](auto m) {
    m.header = kHeader;
    Bytes b;
    EXPECT_EQ(itch::append(b, m), decltype(m)::kLength) << decltype(m)::kType;
    EXPECT_EQ(b[0], decltype(m)::kType);
    encoded.push_back(b);
  };
  put(itch::SystemEvent{});
  put(itch::StockDirectory{});
  put(itch::StockTradingAction{});
  put(itch::RegShoRestriction{});
  put(itch::MarketParticipantPosition{});
  put(itch::MwcbDeclineLevel{});
  put(itch::MwcbStatus{});
  put(itch::IpoQuotingPeriodUpdate{});
  put(itch::LuldAuctionCollar{});
  put(itch::OperationalHalt{});
  put(itch::AddOrder{});
  put(itch::AddOrderMpid{});
  put(itch::OrderExecuted{});
  put(itch::OrderExecutedWithPrice{});
  put(itch::OrderCancel{});
  put(itch::OrderDelete{});
  put(itch::OrderReplace{});
  put(itch::Trade{});
  put(itch::CrossTrade{});
  put(itch::BrokenTrade{});
  put(itch::Noii{});
  put(itch::RetailPriceImprovement{});
  put(itch::DirectListingPriceDiscovery{});
  ASSERT_EQ(encoded.size(), types.size());
  for (std::size_t i = 0; i < types.size(); ++i) {
    EXPECT_EQ(encoded[i].size(), lengths[i]) << types[i];
    EXPECT_EQ(encoded[i][0], static_cast<std::uint8_t>(types[i]));
    char seen = 0;
    auto sink = [&](const auto& m) { seen = std::remove_cvref_t<decltype(m)>::kType; };
    EXPECT_EQ(feed::itch::dispatch(encoded[i], sink), feed::itch::DecodeResult::kOk) << types[i];
    EXPECT_EQ(seen, types[i]);
  }
}

}  // namespace
}  // namespace ichannel::wire
