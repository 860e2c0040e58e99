// tests/daemon/datapath/book_stage_test.cpp: the RX lcore's book stage (book_stage.hpp) on the
// simulator's sessions, against the tests' ReferenceBook (tests/book/reference_book.hpp): after
// every message the book table entry of the touched instrument (read back through a
// BookTableReader, as a strategy would) holds the reference's top N levels, counts, status and
// seq, and a TopOfBook record was published exactly when the reference's best bid or offer
// changed, with the reference's values. A gap marks the feed in the table and in the records;
// a session start resets the table.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <ichannel/book_table.hpp>
#include <ichannel/top_of_book.hpp>

#include "daemon/datapath/book_stage.hpp"
#include "tests/daemon/book_fixture.hpp"
#include "tests/book/reference_book.hpp"
#include "tools/sim/generator.hpp"

namespace ichannel::daemon {
namespace {

namespace fs = std::filesystem;


constexpr std::uint32_t kDepth = 5;
constexpr std::uint32_t kInstruments = 256;

class BookStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(books_.ok());
    stage_ = std::make_unique<BookStage<test::RecordingTopSender>>(
        test::small_book_limits(kInstruments, kDepth, 1 << 18), books_.writer(), 3);
    sender_.out = &records_;
    ASSERT_TRUE(stage_->tops().add_output(sender_, 0, symbols_, {}));
  }
  void TearDown() override { stage_.reset(); }

  // The table entry of t.instrument equals the reference after t; the records published for t
  // are exactly what the reference's top-of-book change calls for.
  void check(const Tick& t, const book::BookTop& before, std::size_t records_before) {
    const std::uint16_t i = t.instrument;
    const book::BookTop after = ref_.top(i);
    const std::size_t published = records_.size() - records_before;
    const bool changed = !(after == before);
    if (i == 0 || t.action == Action::kGap) return;
    BookSnapshot s;
    ASSERT_TRUE(books_.reader().read(i, s));
    ASSERT_EQ(s.seq, t.seq);
    ASSERT_EQ(s.instrument, i);
    for (const auto side : {book::BookSide::kBid, book::BookSide::kAsk}) {
      const auto want = ref_.levels(i, side, kDepth);
      const auto got = s.side(side == book::BookSide::kBid ? BookSide::kBid : BookSide::kAsk);
      ASSERT_EQ(got.size(), want.size()) << "seq " << t.seq;
      for (std::size_t k = 0; k < want.size(); ++k) {
        ASSERT_EQ(got[k].price, want[k].price) << "seq " << t.seq << " level " << k;
        ASSERT_EQ(got[k].qty, want[k].qty) << "seq " << t.seq << " level " << k;
        ASSERT_EQ(got[k].orders, want[k].orders) << "seq " << t.seq << " level " << k;
      }
    }
    ASSERT_EQ(s.bid_levels, ref_.level_count(i, book::BookSide::kBid));
    ASSERT_EQ(s.ask_levels, ref_.level_count(i, book::BookSide::kAsk));
    ASSERT_EQ(s.trading_state, ref_.status_of(i).trading_state);
    ASSERT_EQ(s.possibly_wrong(), ref_.possibly_wrong(i));
    if (!changed) {
      if (t.action != Action::kStatus) {
        ASSERT_EQ(published, 0u) << "seq " << t.seq << " action " << int(t.action) << " change "
                                 << int(records_.back().change);
      }
      return;
    }
    ASSERT_EQ(published, 1u) << "seq " << t.seq << ": one record per change of the best";
    const TopOfBook& r = records_.back();
    EXPECT_EQ(r.seq, t.seq);
    EXPECT_EQ(r.instrument, i);
    EXPECT_EQ(std::uint64_t{r.feed}, 3u);
    EXPECT_EQ(r.recv_ns, t.recv_ns);
    EXPECT_EQ(std::uint64_t{r.exch_ns}, std::uint64_t{t.exch_ns});
    EXPECT_EQ(r.bid_price, after.bid.price);
    EXPECT_EQ(r.ask_price, after.ask.price);
    EXPECT_EQ(r.bid_qty, after.bid.qty);
    EXPECT_EQ(r.ask_qty, after.ask.qty);
    EXPECT_EQ(r.bid_orders, after.bid.orders);
    EXPECT_EQ(r.ask_orders, after.ask.orders);
    EXPECT_EQ((r.change & kTobBidChanged) != 0, !(after.bid == before.bid));
    EXPECT_EQ((r.change & kTobAskChanged) != 0, !(after.ask == before.ask));
    EXPECT_EQ(has_flag(r, kBookPossiblyWrong), ref_.possibly_wrong(i));
  }

  void play(const Tick& t) {
    const book::BookTop before = ref_.top(t.instrument);
    const std::size_t n = records_.size();
    stage_->on_tick(t);
    ref_.apply(t);
    check(t, before, n);
  }

  test::TempBookTable books_{"ichannel-bookstage", kInstruments, kDepth};
  std::unique_ptr<BookStage<test::RecordingTopSender>> stage_;
  std::vector<TopOfBook> records_;
  test::RecordingTopSender sender_;
  feed::SymbolTable symbols_;
  test::ReferenceBook ref_{1 << 18, kInstruments};
};

TEST_F(BookStageTest, TableAndTopOfBookRecordsFollowTheReferenceBookOnEveryMessage) {
  sim::GeneratorConfig config;
  config.messages = 40'000;
  config.symbols = 60;
  config.seed = 7;
  sim::Generator gen(config);
  std::vector<std::uint8_t> msg;
  std::uint64_t time_ns = 0;
  Tick t{};
  std::uint64_t seq = 0;
  while (gen.next(msg, time_ns, &t)) {
    t.seq = ++seq;
    t.recv_ns = 1'000'000 + seq;
    play(t);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(records_.size(), 1000u);
  EXPECT_EQ(stage_->top_records(), records_.size());
  EXPECT_EQ(books_.reader().last_seq(), seq);
  EXPECT_EQ(stage_->books().counters().unknown_refs, 0u);
}

TEST_F(BookStageTest, GapMarksTheFeedInTheTableAndEveryLaterRecordUntilASessionStart) {
  sim::GeneratorConfig config;
  config.messages = 3'000;
  config.symbols = 10;
  config.seed = 3;
  sim::Generator gen(config);
  std::vector<std::uint8_t> msg;
  std::uint64_t time_ns = 0;
  Tick t{};
  std::uint64_t seq = 0;
  std::vector<Tick> ticks;
  while (gen.next(msg, time_ns, &t)) {
    t.seq = ++seq;
    ticks.push_back(t);
  }
  const std::size_t half = ticks.size() / 2;
  for (std::size_t k = 0; k < half; ++k) play(ticks[k]);
  ASSERT_FALSE(books_.reader().feed_state().possibly_wrong());
  Tick gap{};
  gap.action = Action::kGap;
  gap.seq = ++seq;
  gap.aux = 5;
  set_head(gap, 0, 3, kTickAfterGap);
  const std::size_t before_gap = records_.size();
  play(gap);
  EXPECT_TRUE(books_.reader().feed_state().possibly_wrong());
  ASSERT_EQ(records_.size(), before_gap + 1) << "one feed-wide record for the mark";
  EXPECT_EQ(records_.back().instrument, 0u);
  EXPECT_TRUE(has_flag(records_.back(), kBookPossiblyWrong));
  EXPECT_NE(records_.back().change & kTobMarkChanged, 0);
  const std::size_t after_gap = records_.size();
  for (std::size_t k = half; k < ticks.size(); ++k) {
    Tick x = ticks[k];
    x.seq = ++seq;
    x.flags = x.flags | kTickAfterGap;
    play(x);
    if (HasFatalFailure()) return;
  }
  ASSERT_GT(records_.size(), after_gap);
  for (std::size_t k = after_gap; k < records_.size(); ++k) {
    EXPECT_TRUE(has_flag(records_[k], kBookPossiblyWrong)) << k;
  }
  // A new session: books reset, the mark cleared, the table's entries empty.
  Tick start{};
  start.action = Action::kStatus;
  start.side = static_cast<Side>('S');
  start.aux = 'm';
  std::memcpy(&start.order_id, "SESSION2", 8);
  play(start);
  EXPECT_FALSE(books_.reader().feed_state().possibly_wrong());
  EXPECT_EQ(books_.reader().last_seq(), 0u) << "the new session's numbers restart at 1";
  EXPECT_NE(records_.back().change & kTobReset, 0);
  for (std::uint32_t i = 1; i <= 10; ++i) {
    BookSnapshot s;
    ASSERT_TRUE(books_.reader().read(i, s));
    EXPECT_EQ(s.bid_depth + s.ask_depth, 0) << "instrument " << i;
    EXPECT_EQ(s.seq, 0u);
  }
  Tick first = ticks[0];
  first.seq = 1;
  play(first);
  EXPECT_EQ(books_.reader().last_seq(), 1u);
}


// A delete that names another locate than its order's (hostile input): the book takes the order
// off its own instrument, and that instrument's table entry and top-of-book record say so.
TEST_F(BookStageTest, AnEventNamingAnotherLocateUpdatesTheEntryOfTheOrdersInstrument) {
  Tick add{};
  add.action = Action::kAdd;
  add.seq = 1;
  add.instrument = 5;
  add.order_id = 77;
  add.side = Side::kBuy;
  add.price = 1'000'000;
  add.qty = 100;
  stage_->on_tick(add);
  BookSnapshot s;
  ASSERT_TRUE(books_.reader().read(5, s));
  ASSERT_EQ(s.bid_depth, 1);
  Tick del{};
  del.action = Action::kDelete;
  del.seq = 2;
  del.instrument = 6;  // not the order's
  del.order_id = 77;
  const std::size_t n = records_.size();
  stage_->on_tick(del);
  ASSERT_TRUE(books_.reader().read(5, s));
  EXPECT_EQ(stage_->books().level_count(5, book::BookSide::kBid), 0u)
      << "the book takes an order off its own instrument";
  EXPECT_EQ(s.bid_depth, 0) << "and the table says so";
  EXPECT_EQ(s.seq, 2u);
  ASSERT_EQ(records_.size(), n + 1);
  EXPECT_EQ(records_.back().instrument, 5);
  EXPECT_EQ(records_.back().bid_qty, 0u);
}

}  // namespace
}  // namespace ichannel::daemon
