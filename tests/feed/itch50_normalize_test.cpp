// ITCH message -> Tick per the table in itch50_normalize.hpp / docs/tick-format.md, type by type.
#include "feed/itch50_normalize.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string_view>

#include "feed/itch50.hpp"
#include "wire/itch50_encode.hpp"

namespace ichannel::feed {
namespace {

using Bytes = std::vector<std::uint8_t>;
namespace enc = ::ichannel::wire::itch;  // the encoder: from the spec, not from the decoder
using ::ichannel::wire::itch::encode;

constexpr std::uint64_t kTs = 34200000000230ull;

std::uint64_t sym(std::string_view s) {
  char b[8];
  std::memset(b, ' ', 8);
  std::memcpy(b, s.data(), s.size());
  std::uint64_t v;
  std::memcpy(&v, b, 8);
  return v;
}

// Stock Directory as the feed tests send it: timestamp 1, IPO flag blank, the rest typical.
Bytes stock_directory(std::uint16_t locate, std::string_view stock) {
  enc::StockDirectory r;
  r.header = {locate, 0, 1};
  r.stock = stock;
  r.ipo_flag = ' ';
  return encode(r);
}

// Decodes `b` through dispatch and normalizes it; returns whether a tick was produced.
bool to_tick(const Bytes& b, Tick& t) {
  bool produced = false;
  auto sink = [&](const auto& m) { produced = normalize(m, t); };
  EXPECT_EQ(itch::dispatch(b, sink), itch::DecodeResult::kOk);
  return produced;
}

TEST(Normalize, AddOrderBecomesAdd) {
  Tick t{};
  ASSERT_TRUE(to_tick(encode(enc::AddOrder{{7, 0, kTs}, 1001, 'S', 250, "AAPL", 2935500}), t));
  EXPECT_EQ(t.action, Action::kAdd);
  EXPECT_EQ(t.instrument, 7);
  EXPECT_EQ(t.exch_ns, kTs);
  EXPECT_EQ(t.order_id, 1001u);
  EXPECT_EQ(t.side, Side::kSell);
  EXPECT_EQ(t.qty, 250u);
  EXPECT_EQ(t.price, 2935500);  // $293.55 at kPriceScale 1e4
  EXPECT_EQ(t.aux, 0u);
}

TEST(Normalize, AddOrderMpidCarriesAttributionInAux) {
  Tick t{};
  ASSERT_TRUE(
      to_tick(encode(enc::AddOrderMpid{{8, 0, kTs}, 1002, 'B', 100, "MSFT", 1575000, "VIRT"}), t));
  EXPECT_EQ(t.action, Action::kAdd);
  EXPECT_EQ(t.side, Side::kBuy);
  EXPECT_EQ(t.order_id, 1002u);
  EXPECT_EQ(t.price, 1575000);
  char mpid[4];
  std::memcpy(mpid, &t.aux, 4);
  EXPECT_EQ(std::string_view(mpid, 4), "VIRT");
  EXPECT_EQ(t.aux >> 32, 0u);
}

TEST(Normalize, ReplaceCarriesNewOrderIdInAux) {
  Tick t{};
  ASSERT_TRUE(to_tick(encode(enc::OrderReplace{{9, 0, kTs}, 1003, 2003, 300, 100500}), t));
  EXPECT_EQ(t.action, Action::kReplace);
  EXPECT_EQ(t.order_id, 1003u);
  EXPECT_EQ(t.aux, 2003u);
  EXPECT_EQ(t.qty, 300u);
  EXPECT_EQ(t.price, 100500);
  EXPECT_EQ(t.side, Side::kNone);
}

TEST(Normalize, CancelDeleteExecute) {
  Tick x{};
  ASSERT_TRUE(to_tick(encode(enc::OrderCancel{{1, 0, kTs}, 5, 40}), x));
  EXPECT_EQ(x.action, Action::kCancel);
  EXPECT_EQ(x.order_id, 5u);
  EXPECT_EQ(x.qty, 40u);
  Tick d{};
  ASSERT_TRUE(to_tick(encode(enc::OrderDelete{{2, 0, kTs}, 6}), d));
  EXPECT_EQ(d.action, Action::kDelete);
  EXPECT_EQ(d.order_id, 6u);
  EXPECT_EQ(d.instrument, 2);
  Tick e{};
  ASSERT_TRUE(to_tick(encode(enc::OrderExecuted{{3, 0, kTs}, 7, 60, 888}), e));
  EXPECT_EQ(e.action, Action::kExecute);
  EXPECT_EQ(e.order_id, 7u);
  EXPECT_EQ(e.qty, 60u);
  EXPECT_EQ(e.aux, 888u);
  EXPECT_EQ(e.price, 0);
}

TEST(Normalize, ExecuteWithPriceCarriesPrintableInSide) {
  Tick t{};
  ASSERT_TRUE(to_tick(encode(enc::OrderExecutedWithPrice{{4, 0, kTs}, 8, 70, 889, 'N', 99}), t));
  EXPECT_EQ(t.action, Action::kExecuteWithPrice);
  EXPECT_EQ(t.order_id, 8u);
  EXPECT_EQ(t.qty, 70u);
  EXPECT_EQ(t.aux, 889u);
  EXPECT_EQ(t.price, 99);
  EXPECT_EQ(static_cast<char>(t.side), 'N');
}

TEST(Normalize, TradeAndCrossAndBrokenTrade) {
  Tick p{};
  ASSERT_TRUE(to_tick(encode(enc::Trade{{5, 0, kTs}, 0, 'B', 500, "SPY", 3210000, 900}), p));
  EXPECT_EQ(p.action, Action::kTrade);
  EXPECT_EQ(p.side, Side::kBuy);
  EXPECT_EQ(p.qty, 500u);
  EXPECT_EQ(p.price, 3210000);
  EXPECT_EQ(p.aux, 900u);
  Tick q{};
  ASSERT_TRUE(to_tick(encode(enc::CrossTrade{{6, 0, kTs}, 123456, "AMZN", 18000000, 901, 'C'}), q));
  EXPECT_EQ(q.action, Action::kCross);
  EXPECT_EQ(q.qty, 123456u);
  EXPECT_EQ(q.price, 18000000);
  EXPECT_EQ(q.aux, 901u);
  EXPECT_EQ(static_cast<char>(q.side), 'C');
  Tick b{};
  ASSERT_TRUE(to_tick(encode(enc::BrokenTrade{{6, 0, kTs}, 901}), b));
  EXPECT_EQ(b.action, Action::kBrokenTrade);
  EXPECT_EQ(b.aux, 901u);
  EXPECT_EQ(b.instrument, 6);
}

TEST(Normalize, CrossSharesSaturateAtUint32Max) {
  Tick q{};
  ASSERT_TRUE(to_tick(encode(enc::CrossTrade{{6, 0, kTs}, 0x1'0000'0005ull, "X", 1, 1, 'O'}), q));
  EXPECT_EQ(q.qty, 0xFFFFFFFFu);
}

TEST(Normalize, DirectoryPutsSymbolBytesInOrderId) {
  Tick t{};
  ASSERT_TRUE(to_tick(stock_directory(42, "ZVZZT"), t));
  EXPECT_EQ(t.action, Action::kDirectory);
  EXPECT_EQ(t.instrument, 42);
  EXPECT_EQ(t.order_id, sym("ZVZZT"));
  EXPECT_EQ(t.qty, 100u);                     // round lot size
  EXPECT_EQ(static_cast<char>(t.side), 'Q');  // market category
  // aux bytes: financial status 'N', issue classification 'C', round lots only 'N', issue
  // sub-type "Z ", authenticity 'P', short sale threshold 'N', IPO flag ' ' (stock_directory).
  unsigned char a[8];
  std::memcpy(a, &t.aux, 8);
  EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(a), 8), "NCNZ PN ");
  // price as u64: LULD tier '1', ETP flag 'N', inverse 'N', 0, leverage factor in bits 32..63.
  EXPECT_EQ(static_cast<std::uint64_t>(t.price),
            std::uint64_t{'1'} | std::uint64_t{'N'} << 8 | std::uint64_t{'N'} << 16);
  enc::StockDirectory r;
  r.header = {9, 0, kTs};
  r.stock = "SPXL";
  r.etp_flag = 'Y';
  r.etp_leverage_factor = 3;
  r.inverse_indicator = 'Y';
  r.authenticity = 'T';
  Tick e{};
  ASSERT_TRUE(to_tick(encode(r), e));
  EXPECT_EQ(static_cast<std::uint64_t>(e.price),
            std::uint64_t{'1'} | std::uint64_t{'Y'} << 8 | std::uint64_t{'Y'} << 16 |
                std::uint64_t{3} << 32);
  EXPECT_EQ((e.aux >> 40) & 0xFF, std::uint64_t{'T'});
}

TEST(Normalize, StatusMessagesBecomeStatusTicks) {
  Tick s{};
  ASSERT_TRUE(to_tick(encode(enc::SystemEvent{{0, 0, kTs}, 'Q'}), s));
  EXPECT_EQ(s.action, Action::kStatus);
  EXPECT_EQ(static_cast<char>(s.side), 'Q');
  EXPECT_EQ(s.aux, std::uint64_t{'S'});
  EXPECT_EQ(s.instrument, 0);
  Tick h{};
  ASSERT_TRUE(to_tick(encode(enc::StockTradingAction{{3, 0, kTs}, "MSFT", 'H', ' ', "LUDP"}), h));
  EXPECT_EQ(h.action, Action::kStatus);
  EXPECT_EQ(static_cast<char>(h.side), 'H');
  EXPECT_EQ(h.aux & 0xFF, std::uint64_t{'H'});
  EXPECT_EQ(h.aux >> 8, sym("LUDP") & 0xFFFFFFFFull);  // Reason, 4 bytes in memcpy order
  EXPECT_EQ(h.order_id, sym("MSFT"));
  Tick y{};
  ASSERT_TRUE(to_tick(encode(enc::RegShoRestriction{{3, 0, kTs}, "MSFT", '1'}), y));
  EXPECT_EQ(static_cast<char>(y.side), '1');
  EXPECT_EQ(y.aux, std::uint64_t{'Y'});
  Tick oh{};
  ASSERT_TRUE(to_tick(encode(enc::OperationalHalt{{3, 0, kTs}, "MSFT", 'B', 'T'}), oh));
  EXPECT_EQ(static_cast<char>(oh.side), 'T');
  EXPECT_EQ(oh.aux, std::uint64_t{'h'} | (std::uint64_t{'B'} << 8));
  Tick w{};
  ASSERT_TRUE(to_tick(encode(enc::MwcbStatus{{0, 0, kTs}, '1'}), w));
  EXPECT_EQ(static_cast<char>(w.side), '1');
  EXPECT_EQ(w.aux, std::uint64_t{'W'});
}

TEST(Normalize, InformationalTypesHaveTheirOwnActions) {
  Tick l{};
  ASSERT_TRUE(to_tick(encode(enc::MarketParticipantPosition{{4, 0, kTs}, "GSCO", "AAPL", 'Y', 'N',
                                                            'A'}),
                      l));
  EXPECT_EQ(l.action, Action::kParticipantPosition);
  EXPECT_EQ(l.instrument, 4);
  EXPECT_EQ(l.exch_ns, kTs);
  EXPECT_EQ(l.order_id, sym("AAPL"));
  EXPECT_EQ(l.aux, (sym("GSCO") & 0xFFFFFFFFull) | std::uint64_t{'Y'} << 32 |
                       std::uint64_t{'N'} << 40);
  EXPECT_EQ(static_cast<char>(l.side), 'A');

  Tick v{};
  ASSERT_TRUE(to_tick(encode(enc::MwcbDeclineLevel{{0, 0, kTs}, 111, 222, 333}), v));
  EXPECT_EQ(v.action, Action::kMwcbLevels);
  EXPECT_EQ(v.order_id, 111u);
  EXPECT_EQ(v.aux, 222u);
  EXPECT_EQ(v.price, 333);
  EXPECT_EQ(v.instrument, 0);

  Tick k{};
  ASSERT_TRUE(to_tick(encode(enc::IpoQuotingPeriodUpdate{{5, 0, kTs}, "NEWCO", 36000, 'C', 150000}),
                      k));
  EXPECT_EQ(k.action, Action::kIpoQuoting);
  EXPECT_EQ(k.order_id, sym("NEWCO"));
  EXPECT_EQ(k.qty, 36000u);
  EXPECT_EQ(static_cast<char>(k.side), 'C');
  EXPECT_EQ(k.price, 150000);

  Tick j{};
  ASSERT_TRUE(to_tick(encode(enc::LuldAuctionCollar{{6, 0, kTs}, "AAPL", 1000, 1100, 900, 2}), j));
  EXPECT_EQ(j.action, Action::kAuctionCollar);
  EXPECT_EQ(j.order_id, sym("AAPL"));
  EXPECT_EQ(j.price, 1000);
  EXPECT_EQ(j.aux, std::uint64_t{900} | std::uint64_t{1100} << 32);
  EXPECT_EQ(j.qty, 2u);

  Tick im{};
  ASSERT_TRUE(to_tick(encode(enc::Noii{{7, 0, kTs}, 5000, 1200, 'B', "AAPL", 2001, 2002, 2003, 'O',
                                       'L'}),
                      im));
  EXPECT_EQ(im.action, Action::kImbalance);
  EXPECT_EQ(im.order_id & 0xFFFF'FFFF'FFFFull, 5000u);
  EXPECT_EQ((im.order_id >> 48) & 0xFF, std::uint64_t{'O'});
  EXPECT_EQ(im.order_id >> 56, std::uint64_t{'L'});
  EXPECT_EQ(im.aux, 1200u);
  EXPECT_EQ(static_cast<char>(im.side), 'B');
  EXPECT_EQ(im.qty, 2003u);
  EXPECT_EQ(static_cast<std::uint64_t>(im.price), std::uint64_t{2002} | std::uint64_t{2001} << 32);
  Tick big{};
  ASSERT_TRUE(to_tick(encode(enc::Noii{{7, 0, kTs}, ~0ull, 1, 'B', "AAPL", 1, 1, 1, 'O', 'L'}), big));
  EXPECT_EQ(big.order_id & 0xFFFF'FFFF'FFFFull, 0xFFFF'FFFF'FFFFull);  // saturated at 2^48 - 1
  EXPECT_EQ((big.order_id >> 48) & 0xFF, std::uint64_t{'O'});

  Tick n{};
  ASSERT_TRUE(to_tick(encode(enc::RetailPriceImprovement{{8, 0, kTs}, "AAPL", 'S'}), n));
  EXPECT_EQ(n.action, Action::kRetailInterest);
  EXPECT_EQ(n.order_id, sym("AAPL"));
  EXPECT_EQ(static_cast<char>(n.side), 'S');

  enc::DirectListingPriceDiscovery od;
  od.header = {9, 0, kTs};
  od.stock = "DLCR";
  od.open_eligibility_status = 'Y';
  od.minimum_allowable_price = 10;
  od.maximum_allowable_price = 20;
  od.near_execution_price = 15;
  od.near_execution_time = 34'500'000'000'000ull;
  od.lower_price_range_collar = 12;
  od.upper_price_range_collar = 18;
  Tick o{};
  ASSERT_TRUE(to_tick(encode(od), o));
  EXPECT_EQ(o.action, Action::kPriceDiscovery);
  EXPECT_EQ(static_cast<char>(o.side), 'Y');
  EXPECT_EQ(o.qty, 15u);
  EXPECT_EQ(o.order_id, 34'500'000'000'000ull);
  EXPECT_EQ(static_cast<std::uint64_t>(o.price), std::uint64_t{10} | std::uint64_t{20} << 32);
  EXPECT_EQ(o.aux, std::uint64_t{12} | std::uint64_t{18} << 32);
}

TEST(Normalize, EveryTypeProducesATick) {
  for (const char type : std::string_view("SRHYLVWKJhAFECXDUPQBINO")) {
    Bytes b(itch::message_length(type), 0);
    b[0] = static_cast<std::uint8_t>(type);
    Tick t{};
    EXPECT_TRUE(to_tick(b, t)) << type;
    EXPECT_NE(t.action, Action::kNone) << type;
  }
}

// normalize keeps the head word's feed and flags (set_head) and replaces only exch_ns.
TEST(Normalize, KeepsFeedAndFlags) {
  Tick t{};
  set_head(t, 0, 17, kTickRecovered | kTickAfterGap);
  ASSERT_TRUE(to_tick(encode(enc::OrderDelete{{5, 0, kTs}, 1004}), t));
  EXPECT_EQ(t.exch_ns, kTs);
  EXPECT_EQ(t.feed, 17u);
  EXPECT_EQ(t.flags, unsigned{kTickRecovered | kTickAfterGap});
  std::uint64_t word;
  std::memcpy(&word, reinterpret_cast<const unsigned char*>(&t) + 8, sizeof word);
  EXPECT_EQ(word, head_word(kTs, 17, kTickRecovered | kTickAfterGap));
  EXPECT_EQ(word, kTs | std::uint64_t{17} << 48 | std::uint64_t{0x05} << 56);
}

// set_tail (tick.hpp) writes qty, instrument, action, side as one word; the fields read back
// unchanged, the rest of the Tick is untouched, and the constexpr path agrees with the word.
TEST(Normalize, SetTailRoundTripsTheLastWord) {
  Tick t;
  std::memset(&t, 0xAB, sizeof t);
  set_tail(t, 0xFFFFFFFEu, 0xBEEF, Action::kCross, static_cast<Side>('C'));
  EXPECT_EQ(t.qty, 0xFFFFFFFEu);
  EXPECT_EQ(t.instrument, 0xBEEF);
  EXPECT_EQ(t.action, Action::kCross);
  EXPECT_EQ(static_cast<char>(t.side), 'C');
  EXPECT_EQ(t.price, static_cast<std::int64_t>(0xABABABABABABABABull));
  std::uint64_t word;
  std::memcpy(&word, &t.qty, sizeof word);
  EXPECT_EQ(word, tail_word(0xFFFFFFFEu, 0xBEEF, Action::kCross, static_cast<Side>('C')));
  EXPECT_EQ(word, 0x4308BEEFFFFFFFFEull);  // side 'C' | action 8 | locate | qty, little-endian

  constexpr Tick c = [] {
    Tick x{};
    set_tail(x, 250, 7, Action::kAdd, Side::kSell);
    return x;
  }();
  static_assert(c.qty == 250 && c.instrument == 7 && c.action == Action::kAdd &&
                c.side == Side::kSell);

  // normalize writes the whole tail even where the table lists no qty / side.
  Tick d;
  std::memset(&d, 0xFF, sizeof d);
  ASSERT_TRUE(to_tick(encode(enc::OrderDelete{{5, 0, kTs}, 1004}), d));
  EXPECT_EQ(d.qty, 0u);
  EXPECT_EQ(d.side, Side::kNone);
  EXPECT_EQ(d.instrument, 5);
  EXPECT_EQ(d.action, Action::kDelete);
}

}  // namespace
}  // namespace ichannel::feed
