// tests/daemon/datapath/book_stage_test.cpp: the RX lcore's book stage (book_stage.hpp) on the
// simulator's sessions, against the tests' ReferenceBook (tests/book/reference_book.hpp): after
// every message the book table entry of the touched instrument (read back through a
// BookTableReader, as a strategy would) holds the reference's top N levels, counts, status and
// seq, and a TopOfBook record was published exactly when the reference's best bid or offer
// changed, with the reference's values. A gap marks the feed in the table and in the records;
// a session start resets the table.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <ichannel/book_table.hpp>
#include <ichannel/receiver.hpp>
#include <ichannel/sender.hpp>
#include <ichannel/top_of_book.hpp>

#include "daemon/datapath/book_stage.hpp"
#include "daemon/datapath/feed_sink.hpp"
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
    ASSERT_EQ(std::uint64_t{s.bid_orders} + s.ask_orders, ref_.order_count(i)) << "seq " << t.seq;
    // The status fields, written on status events only, stay right across the order events.
    const book::InstrumentStatus st = ref_.status_of(i);
    ASSERT_EQ(s.trading_state, st.trading_state);
    ASSERT_EQ(s.reg_sho, st.reg_sho);
    ASSERT_EQ(s.op_halt, st.op_halt);
    ASSERT_EQ(s.known(), st.known != 0) << "seq " << t.seq;
    ASSERT_EQ(std::memcmp(s.symbol, &st.symbol, sizeof s.symbol), 0) << "seq " << t.seq;
    ASSERT_EQ(std::memcmp(s.halt_reason, &st.halt_reason, sizeof s.halt_reason), 0);
    ASSERT_EQ(s.luld_ref, st.luld_reference);
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


// The daemon's per-packet path: through FeedSink::Burst the books of a packet are applied when
// the Burst ends (BookStage::stage / flush). Inside the packet its ticks are already in the tick
// channel while the table still says the previous packet; after it, the table entries and the
// top-of-book records are exactly those of applying every tick at once (on_tick), whatever the
// packet's size (1 to more than two staging batches).
TEST(FeedSinkBooks, APacketsBooksApplyWhenItsBurstEndsAndEqualPerTickApplication) {
  using Sink = FeedSink<Sender<Tick>, test::RecordingTopSender>;
  const std::vector<Tick> ticks = test::generated_ticks(30'000, 40, 11);
  const book::BookLimits limits = test::small_book_limits(kInstruments, kDepth, 1 << 18);
  test::TempBookTable staged_table{"ichannel-sink-staged", kInstruments, kDepth};
  test::TempBookTable direct_table{"ichannel-sink-direct", kInstruments, kDepth};
  ASSERT_TRUE(staged_table.ok() && direct_table.ok());
  feed::SymbolTable symbols;
  std::vector<Message<Tick>> ring(1u << 12);
  Sender<Tick> tx = Sender<Tick>::with_init(ring);
  Receiver<Tick> rx(ring, LapPolicy::kOldest);
  Sink sink;
  ASSERT_TRUE(sink.ticks().add_output(tx, 0, symbols, {}));
  sink.enable_books(std::make_unique<Sink::Books>(limits, staged_table.writer(), 3));
  std::vector<TopOfBook> staged_records, direct_records;
  test::RecordingTopSender staged_tops{&staged_records}, direct_tops{&direct_records};
  ASSERT_TRUE(sink.books()->tops().add_output(staged_tops, 0, symbols, {}));
  BookStage<test::RecordingTopSender> direct(limits, direct_table.writer(), 3);
  ASSERT_TRUE(direct.tops().add_output(direct_tops, 0, symbols, {}));

  const std::size_t sizes[] = {1, 3, 20, Sink::Books::kBatch, Sink::Books::kBatch + 1, 7,
                               2 * Sink::Books::kBatch + 5, 2};
  std::size_t next = 0, packets = 0;
  while (next < ticks.size()) {
    const std::size_t n = std::min(sizes[packets++ % std::size(sizes)], ticks.size() - next);
    const std::uint64_t before = staged_table.reader().last_seq();
    {
      Sink::Burst burst(sink);
      for (std::size_t k = 0; k < n; ++k) burst.publish(ticks[next + k]);
      std::size_t got = 0;
      while (auto r = rx.try_recv()) {
        ASSERT_EQ(r->value.seq, ticks[next + got].seq);
        ++got;
      }
      ASSERT_EQ(got, n) << "the packet's ticks are in the channel";
      if (n < Sink::Books::kBatch) {
        ASSERT_EQ(staged_table.reader().last_seq(), before) << "its books not applied yet";
      }
    }
    for (std::size_t k = 0; k < n; ++k) direct.on_tick(ticks[next + k]);
    ASSERT_EQ(staged_table.reader().last_seq(), ticks[next + n - 1].seq);
    for (std::size_t k = 0; k < n; ++k) {
      const std::uint16_t i = ticks[next + k].instrument;
      if (i == 0 || i >= kInstruments) continue;
      BookSnapshot a, b;
      ASSERT_TRUE(staged_table.reader().read(i, a));
      ASSERT_TRUE(direct_table.reader().read(i, b));
      ASSERT_EQ(std::memcmp(static_cast<const BookEntryFixed*>(&a),
                            static_cast<const BookEntryFixed*>(&b), sizeof(BookEntryFixed)),
                0)
          << "instrument " << i << " after seq " << ticks[next + n - 1].seq;
      for (const BookSide side : {BookSide::kBid, BookSide::kAsk}) {
        const auto x = a.side(side);
        const auto y = b.side(side);
        ASSERT_TRUE(std::equal(x.begin(), x.end(), y.begin(), y.end()))
            << "instrument " << i << " after seq " << ticks[next + n - 1].seq;
      }
    }
    next += n;
  }
  EXPECT_FALSE(sink.books()->staged());
  ASSERT_EQ(staged_records.size(), direct_records.size());
  EXPECT_GT(staged_records.size(), 1000u);
  for (std::size_t k = 0; k < staged_records.size(); ++k) {
    ASSERT_EQ(std::memcmp(&staged_records[k], &direct_records[k], sizeof(TopOfBook)), 0)
        << "record " << k;
  }
}

}  // namespace
}  // namespace ichannel::daemon
