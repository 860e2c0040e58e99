// tick_digest_test.cpp: tools/tap/tick_digest.hpp, tick_text.hpp and tap_summary.hpp.
#include "tools/tap/tick_digest.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "tools/tap/tap_summary.hpp"
#include "tools/tap/tick_text.hpp"

namespace ichannel::tools {
namespace {

Tick make_tick(std::uint64_t seq, Action a, std::uint16_t instrument) {
  Tick t{};
  t.recv_ns = 1'700'000'000'000'000'000ull + seq;
  t.exch_ns = 34'200'000'000'000ull + seq;
  t.seq = seq;
  t.order_id = 1000 + seq;
  t.aux = 0;
  t.price = 2'012'300;  // 201.2300
  t.qty = 100;
  t.instrument = instrument;
  t.action = a;
  t.side = Side::kBuy;
  return t;
}

TEST(TickDigest, CountsPerActionAndDistinctInstruments) {
  TickDigest d;
  d.add(make_tick(1, Action::kAdd, 5));
  d.add(make_tick(2, Action::kAdd, 6));
  d.add(make_tick(3, Action::kDelete, 5));
  d.add(make_tick(4, Action::kGap, 0));
  EXPECT_EQ(d.total(), 4u);
  EXPECT_EQ(d.count(Action::kAdd), 2u);
  EXPECT_EQ(d.count(Action::kDelete), 1u);
  EXPECT_EQ(d.count(Action::kGap), 1u);
  EXPECT_EQ(d.count(Action::kTrade), 0u);
  EXPECT_EQ(d.distinct_instruments(), 3u);
  EXPECT_TRUE(d.saw_instrument(6));
  EXPECT_FALSE(d.saw_instrument(7));
}

TEST(TickDigest, ChecksumIgnoresReceiveTimeAndDeliveryFlagsOnly) {
  TickDigest a, b, f;
  Tick t = make_tick(9, Action::kAdd, 3);
  a.add(t);
  t.recv_ns += 12345;
  b.add(t);
  EXPECT_EQ(a.checksum(), b.checksum());
  t.flags = kTickRecovered | kTickLastInPacket | kTickAfterGap;  // how it arrived, not what
  f.add(t);
  EXPECT_EQ(a.checksum(), f.checksum());
  // Every other byte matters (the feed id, byte 14, too).
  for (std::size_t off = 8; off < sizeof(Tick); ++off) {
    if (off == TickDigest::kFlagsByte) continue;
    Tick u = make_tick(9, Action::kAdd, 3);
    unsigned char bytes[sizeof(Tick)];
    std::memcpy(bytes, &u, sizeof u);
    bytes[off] ^= 0x01;
    std::memcpy(&u, bytes, sizeof u);
    TickDigest c;
    c.add(u);
    EXPECT_NE(c.checksum(), a.checksum()) << "byte " << off;
  }
}

TEST(TickDigest, ChecksumDependsOnOrder) {
  TickDigest a, b;
  a.add(make_tick(1, Action::kAdd, 1));
  a.add(make_tick(2, Action::kAdd, 1));
  b.add(make_tick(2, Action::kAdd, 1));
  b.add(make_tick(1, Action::kAdd, 1));
  EXPECT_NE(a.checksum(), b.checksum());
}

TEST(TickText, ActionNamesCoverEveryAction) {
  EXPECT_EQ(action_name(Action::kAdd), "add");
  EXPECT_EQ(action_name(Action::kGap), "gap");
  EXPECT_EQ(action_name(static_cast<Action>(200)), "unknown");
}

TEST(TickText, TextLineShowsSymbolPriceAndTime) {
  SymbolBook book;
  Tick dir = make_tick(1, Action::kDirectory, 12);
  std::memcpy(&dir.order_id, "AAPL    ", 8);
  book.learn(dir);
  EXPECT_EQ(book.symbol(12), "AAPL");
  EXPECT_EQ(book.symbol(13), "");
  const Tick t = make_tick(17, Action::kAdd, 12);
  EXPECT_EQ(format_tick_text(t, book.symbol(12), 812),
            "seq=17 09:30:00.000000017 add B AAPL(12) 100 @ 201.2300 oid=1017 aux=0 feed=0 "
            "flags=- lat_ns=812");
  Tick f = t;
  f.feed = 3;
  f.flags = kTickRecovered | kTickLastInPacket | kTickAfterGap | 0x80;
  EXPECT_NE(format_tick_text(f, "AAPL", 1).find(" feed=3 flags=recovered,last,after_gap,0x80 "),
            std::string::npos)
      << format_tick_text(f, "AAPL", 1);
  EXPECT_EQ(symbol_of_directory(dir), "AAPL");
}

TEST(TickText, JsonLineHasEveryField) {
  Tick t = make_tick(5, Action::kExecuteWithPrice, 3);
  t.price = -15;  // negative prices exist for some instruments: keep the sign
  const std::string j = format_tick_json(t, "MSFT", -3);
  EXPECT_NE(j.find("\"seq\":5,"), std::string::npos) << j;
  EXPECT_NE(j.find("\"action\":\"execute_with_price\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"symbol\":\"MSFT\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"price\":-15,\"price_str\":\"-0.0015\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"latency_ns\":-3,"), std::string::npos) << j;
  EXPECT_NE(j.find("\"feed\":0,\"flags\":0,\"recovered\":false,\"last_in_packet\":false,"
                   "\"after_gap\":false,\"snapshot\":false}"),
            std::string::npos)
      << j;
  t.feed = 7;
  t.flags = kTickLastInPacket;
  const std::string k = format_tick_json(t, "MSFT", 0);
  EXPECT_NE(k.find("\"feed\":7,\"flags\":2,\"recovered\":false,\"last_in_packet\":true,"),
            std::string::npos)
      << k;
  EXPECT_EQ(j.front(), '{');
}

TEST(TickText, JsonEscapesQuotesAndControls) {
  EXPECT_EQ(json_escape("a\"b\\c\n"), "a\\\"b\\\\c\\u000a");
}

TEST(TapSummary, SummaryJsonHasStableKeys) {
  TickDigest d;
  d.add(make_tick(1, Action::kAdd, 1));
  LatencyHistogram h;
  h.record(100);
  TapSummary s;
  s.channel = "itch.all";
  s.messages = 1;
  s.lost = 2;
  s.restarts = 1;
  s.digest = &d;
  s.latency = &h;
  s.exit_reason = "idle";
  const std::string j = render_summary_json(s);
  for (const char* key : {"\"channel\":\"itch.all\"", "\"messages\":1", "\"lost\":2",
                          "\"checksum\":\"", "\"actions\":{\"none\":0,\"add\":1", "\"p50\":100",
                          "\"p999\":100", "\"restarts\":1", "\"exit\":\"idle\""}) {
    EXPECT_NE(j.find(key), std::string::npos) << key << " in " << j;
  }
}

}  // namespace
}  // namespace ichannel::tools
