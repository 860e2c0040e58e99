// ladder_test.cpp: ichannel-book's rendering and lookup (tools/book/ladder.hpp) against a book
// table written by the test: the ladder's order (asks above bids), the marks, --depth, JSON,
// symbol and locate lookup and their errors.
#include "tools/book/ladder.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include <ichannel/book_table.hpp>

namespace ichannel::tools {
namespace {

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

class Ladder : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/dev/shm/ichannel-book-tool-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    ::chmod(base_.c_str(), 0755);
    BookTableOptions o;
    o.dir = base_;
    o.instruments = 32;
    o.depth = 5;
    o.feed_name = "itch.a";
    auto w = BookTableWriter::create("books", o);
    ASSERT_TRUE(w) << w.error().message;
    writer_ = std::move(*w);
    BookEntryFixed f{};
    std::memcpy(f.symbol, "AAPL    ", 8);
    f.instrument = 13;
    f.seq = 4242;
    f.exch_ns = 34'200'000'000'123;  // 09:30:00.000000123
    f.trading_state = 'T';
    f.flags = kBookKnown;
    f.bid_orders = 4;
    f.ask_orders = 7;
    f.bid_levels = 2;
    f.ask_levels = 3;
    BookEntryWriter e = writer_.begin(13);
    e.set_fixed(f);
    const BookLevel bids[] = {{1'000'000, 300, 3, 0}, {999'900, 100, 1, 0}};
    const BookLevel asks[] = {
        {1'000'100, 200, 2, 0}, {1'000'300, 400, 4, 0}, {1'000'500, 50, 1, 0}};
    e.set_levels(BookSide::kBid, bids);
    e.set_levels(BookSide::kAsk, asks);
    writer_.commit(e);
    writer_.applied(4242);
    BookTableAttachOptions a;
    a.dir = base_;
    auto r = BookTableReader::attach("books", a);
    ASSERT_TRUE(r) << r.error().message;
    reader_ = std::move(*r);
    snap_ = std::make_unique<BookSnapshot>();
    ASSERT_TRUE(reader_.read(13, *snap_));
  }
  void TearDown() override { std::filesystem::remove_all(base_); }

  std::string base_;
  BookTableWriter writer_;
  BookTableReader reader_;
  std::unique_ptr<BookSnapshot> snap_;
};

TEST(LadderText, PricesAndTimesAreFixedPointAndClockTime) {
  EXPECT_EQ(price_text(2'935'500), "293.5500");
  EXPECT_EQ(price_text(1), "0.0001");
  EXPECT_EQ(price_text(-25'000), "-2.5000");
  EXPECT_EQ(time_text(34'200'000'000'123), "09:30:00.000000123");
  EXPECT_EQ(time_text(0), "00:00:00.000000000");
}

TEST_F(Ladder, AsksAreAboveBidsWithTheBestPricesNextToTheSpread) {
  LadderOptions o;
  o.table = "books";
  const std::string text = render_ladder(*snap_, reader_.feed_state(), reader_.feed_name(), o);
  EXPECT_TRUE(contains(text,
                       "AAPL  locate 13  table books  feed itch.a  seq 4242  "
                       "09:30:00.000000123  trading\n"))
      << text;
  EXPECT_TRUE(contains(text, "orders bid 4 ask 7  levels bid 2 ask 3\n")) << text;
  const auto a3 = text.find("100.0500"), a1 = text.find("100.0100"), sp = text.find("spread"),
             b1 = text.find("100.0000"), b2 = text.find("99.9900");
  ASSERT_NE(a3, std::string::npos);
  EXPECT_LT(a3, a1);
  EXPECT_LT(a1, sp);
  EXPECT_LT(sp, b1);
  EXPECT_LT(b1, b2);
  EXPECT_TRUE(contains(text, "---- spread 0.0100 ")) << text;
  EXPECT_TRUE(contains(text, "ask        100.0300          400        4\n")) << text;
  EXPECT_TRUE(contains(text, "bid        100.0000          300        3\n")) << text;
  EXPECT_FALSE(contains(text, "POSSIBLY WRONG"));
}

TEST_F(Ladder, DepthLimitsTheLevelsShownPerSide) {
  LadderOptions o;
  o.depth = 1;
  const std::string text = render_ladder(*snap_, reader_.feed_state(), reader_.feed_name(), o);
  EXPECT_TRUE(contains(text, "100.0100"));
  EXPECT_FALSE(contains(text, "100.0300"));
  EXPECT_FALSE(contains(text, "99.9900"));
}

TEST_F(Ladder, TheMarksAndAHaltAreShown) {
  writer_.update(13, 4243, 1, [](BookEntryWriter& e) {
    BookEntryFixed f = e.fixed();
    f.trading_state = 'H';
    std::memcpy(f.halt_reason, "LUDP", 4);
    f.flags = kBookKnown | kBookPossiblyWrong;
    e.set_fixed(f);
    e.set_levels(BookSide::kAsk, {});
  });
  ASSERT_TRUE(reader_.read(13, *snap_));
  std::string text = render_ladder(*snap_, reader_.feed_state(), reader_.feed_name(), {});
  EXPECT_TRUE(contains(text, "halted (LUDP)  POSSIBLY WRONG\n")) << text;
  EXPECT_TRUE(contains(text, "(no asks)")) << text;
  writer_.set_feed_flags(kBookPossiblyWrong);
  text = render_ladder(*snap_, reader_.feed_state(), reader_.feed_name(), {});
  EXPECT_TRUE(contains(text, "POSSIBLY WRONG (feed gap)")) << text;
}

TEST_F(Ladder, JsonCarriesEveryFieldAndTheLevelsBestFirst) {
  LadderOptions o;
  o.table = "books";
  const std::string j = render_json(*snap_, reader_.feed_state(), reader_.feed_name(), o);
  EXPECT_TRUE(contains(j,
                       "\"table\":\"books\",\"feed\":\"itch.a\",\"instrument\":13,"
                       "\"symbol\":\"AAPL\",\"known\":true,\"seq\":4242,"))
      << j;
  EXPECT_TRUE(contains(j, "\"trading_state\":\"T\"")) << j;
  EXPECT_TRUE(contains(j,
                       "\"possibly_wrong\":false,\"feed_possibly_wrong\":false,"
                       "\"feed_last_seq\":4242"))
      << j;
  EXPECT_TRUE(contains(j,
                       "\"bids\":[{\"price\":1000000,\"qty\":300,\"orders\":3},"
                       "{\"price\":999900,\"qty\":100,\"orders\":1}]"))
      << j;
  EXPECT_TRUE(contains(j, "\"asks\":[{\"price\":1000100,")) << j;
  EXPECT_EQ(j.front(), '{');
  EXPECT_EQ(j.back(), '}');
}

TEST_F(Ladder, AnInstrumentIsFoundBySymbolOrLocate) {
  std::string why;
  EXPECT_EQ(resolve_instrument(reader_, "AAPL", why), 13u);
  EXPECT_EQ(resolve_instrument(reader_, "aapl", why), 13u);
  EXPECT_EQ(resolve_instrument(reader_, "13", why), 13u);
  EXPECT_EQ(resolve_instrument(reader_, "0", why), 0u);
  EXPECT_FALSE(resolve_instrument(reader_, "MSFT", why));
  EXPECT_EQ(why, "symbol MSFT is not in the table (no directory message for it yet)");
  EXPECT_FALSE(resolve_instrument(reader_, "32", why));
  EXPECT_EQ(why, "locate 32 is out of the table's range 0..31");
  EXPECT_FALSE(resolve_instrument(reader_, "TOOLONGSYM", why));
  EXPECT_FALSE(resolve_instrument(reader_, "", why));
}

}  // namespace
}  // namespace ichannel::tools
