// Tests of app/book/feed_books.hpp: what each action does to the book, the BookChange bits, the
// status, the marks and the session reset. Each test also checks the ReferenceBook agrees.
#include "book/feed_books.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <memory>

#include "tests/book/book_check.hpp"

namespace ichannel::book {
namespace {

using test::add_tick;
using test::cancel_tick;
using test::delete_tick;
using test::exec_price_tick;
using test::exec_tick;
using test::replace_tick;
using test::status_tick;
using test::Twin;

constexpr std::int64_t kP = 100 * kPriceScale;  // $100.00

BookLimits small() {
  BookLimits l;
  l.max_orders = 1 << 16;
  l.level_store_levels = 1 << 16;
  return l;
}

TEST(FeedBooks, AddsAggregateIntoLevelsBestFirst) {
  Twin w(small());
  ASSERT_TRUE(w.apply(add_tick(7, 1, 'B', kP, 100)));
  ASSERT_TRUE(w.apply(add_tick(7, 2, 'B', kP - 100, 200)));
  ASSERT_TRUE(w.apply(add_tick(7, 3, 'B', kP, 50)));
  ASSERT_TRUE(w.apply(add_tick(7, 4, 'S', kP + 100, 300)));
  ASSERT_TRUE(w.apply(add_tick(7, 5, 'S', kP + 300, 10)));
  const BookTop top = w.books->top(7);
  EXPECT_EQ(top.bid, (Level{kP, 150, 2, 0}));
  EXPECT_EQ(top.ask, (Level{kP + 100, 300, 1, 0}));
  std::array<Level, 4> out{};
  ASSERT_EQ(w.books->levels(7, BookSide::kBid, out), 2u);
  EXPECT_EQ(out[1], (Level{kP - 100, 200, 1, 0}));
  ASSERT_EQ(w.books->levels(7, BookSide::kAsk, out), 2u);
  EXPECT_EQ(out[1].price, kP + 300);
  EXPECT_EQ(w.books->counters().live_orders, 5u);
  EXPECT_EQ(w.books->counters().levels, 4u);
  EXPECT_EQ(w.books->counters().instruments_with_orders, 1u);
  EXPECT_EQ(w.books->counters().crossed + w.books->counters().locked, 0u);
}

TEST(FeedBooks, ReportsTopAndDepthChangesOnlyWhereTheyHappen) {
  BookLimits l = small();
  l.depth = 2;
  FeedBooks b(l);
  EXPECT_EQ(b.apply(add_tick(1, 1, 'B', kP, 100)).bits,
            BookChange::kBidChanged | BookChange::kDepthChanged);
  EXPECT_EQ(b.apply(add_tick(1, 2, 'B', kP - 100, 100)).bits, BookChange::kDepthChanged);
  EXPECT_EQ(b.apply(add_tick(1, 3, 'B', kP - 200, 100)).bits, 0);  // third level: below N = 2
  EXPECT_EQ(b.apply(add_tick(1, 4, 'S', kP + 100, 100)).bits,
            BookChange::kAskChanged | BookChange::kDepthChanged | BookChange::kAskDepthChanged);
  const BookChange c = b.apply(delete_tick(1, 1));
  EXPECT_EQ(c.instrument, 1);
  EXPECT_EQ(c.bits, BookChange::kBidChanged | BookChange::kDepthChanged);
  EXPECT_EQ(b.top(1).bid.price, kP - 100);
}

TEST(FeedBooks, ExecutionsTakeSharesAndRemoveTheOrderAtZero) {
  Twin w(small());
  ASSERT_TRUE(w.apply(add_tick(3, 10, 'S', kP, 300)));
  ASSERT_TRUE(w.apply(exec_tick(3, 10, 100)));
  EXPECT_EQ(w.books->top(3).ask, (Level{kP, 200, 1, 0}));
  // C: the execution price is the trade's; the order's own price and level are what move.
  ASSERT_TRUE(w.apply(exec_price_tick(3, 10, 150, kP - 5000)));
  EXPECT_EQ(w.books->top(3).ask, (Level{kP, 50, 1, 0}));
  ASSERT_TRUE(w.apply(exec_tick(3, 10, 50)));
  EXPECT_EQ(w.books->top(3).ask, Level{});
  EXPECT_EQ(w.books->counters().executes, 3u);
  EXPECT_EQ(w.books->counters().live_orders, 0u);
  EXPECT_EQ(w.books->counters().instruments_with_orders, 0u);
}

TEST(FeedBooks, OverExecutionAndOverCancelAreCountedAndRemoveTheOrder) {
  Twin w(small());
  ASSERT_TRUE(w.apply(add_tick(3, 10, 'B', kP, 100)));
  ASSERT_TRUE(w.apply(add_tick(3, 11, 'B', kP, 100)));
  ASSERT_TRUE(w.apply(exec_tick(3, 10, 500)));
  ASSERT_TRUE(w.apply(cancel_tick(3, 11, 101)));
  EXPECT_EQ(w.books->counters().over_executions, 1u);
  EXPECT_EQ(w.books->counters().over_cancels, 1u);
  EXPECT_EQ(w.books->counters().live_orders, 0u);
  EXPECT_EQ(w.books->top(3).bid, Level{});
  EXPECT_FALSE(w.books->possibly_wrong(3));
}

TEST(FeedBooks, ReplaceMovesTheOrderToTheNewRefPriceAndSizeOnItsOwnSide) {
  Twin w(small());
  ASSERT_TRUE(w.apply(add_tick(5, 1, 'S', kP, 100)));
  // U carries side 0: the new order keeps the original's side (an ask here).
  ASSERT_TRUE(w.apply(replace_tick(5, 1, 2, kP + 100, 70)));
  EXPECT_EQ(w.books->top(5).ask, (Level{kP + 100, 70, 1, 0}));
  EXPECT_EQ(w.books->top(5).bid, Level{});
  ASSERT_TRUE(w.apply(replace_tick(5, 2, 3, kP + 100, 90)));  // same price: same level
  EXPECT_EQ(w.books->top(5).ask, (Level{kP + 100, 90, 1, 0}));
  ASSERT_TRUE(w.apply(exec_tick(5, 1, 1)));  // the original ref is gone
  EXPECT_EQ(w.books->counters().unknown_refs, 1u);
  ASSERT_TRUE(w.apply(delete_tick(5, 3)));
  EXPECT_EQ(w.books->counters().replaces, 2u);
  EXPECT_EQ(w.books->counters().live_orders, 0u);
}

TEST(FeedBooks, ReplaceOntoALiveRefIsADuplicateAndMarksTheInstrument) {
  Twin w(small());
  ASSERT_TRUE(w.apply(add_tick(5, 1, 'B', kP, 100)));
  ASSERT_TRUE(w.apply(add_tick(5, 2, 'B', kP - 100, 100)));
  ASSERT_TRUE(w.apply(replace_tick(5, 1, 2, kP, 50)));
  EXPECT_EQ(w.books->counters().duplicate_refs, 1u);
  EXPECT_TRUE(w.books->possibly_wrong(5));
  EXPECT_EQ(w.books->top(5).bid, (Level{kP - 100, 100, 1, 0}));  // the original left anyway
}

TEST(FeedBooks, UnknownReferencesAreCountedNeverInventedAndMarkTheInstrument) {
  Twin w(small());
  const BookChange c = w.books->apply(exec_tick(9, 777, 10));
  w.ref.apply(exec_tick(9, 777, 10));
  EXPECT_EQ(c.bits, BookChange::kMarkChanged);
  ASSERT_TRUE(w.apply(cancel_tick(9, 778, 10)));
  ASSERT_TRUE(w.apply(delete_tick(9, 779)));
  ASSERT_TRUE(w.apply(replace_tick(9, 780, 781, kP, 10)));  // new ref not invented either
  EXPECT_EQ(w.books->counters().unknown_refs, 4u);
  EXPECT_EQ(w.books->counters().marks, 1u);  // marked once
  EXPECT_EQ(w.books->counters().live_orders, 0u);
  EXPECT_TRUE(w.books->possibly_wrong(9));
  EXPECT_FALSE(w.books->possibly_wrong(8));
  EXPECT_FALSE(w.books->possibly_wrong());
}

TEST(FeedBooks, DuplicateAddIsCountedAndTheFirstOrderStays) {
  Twin w(small());
  ASSERT_TRUE(w.apply(add_tick(2, 5, 'B', kP, 100)));
  ASSERT_TRUE(w.apply(add_tick(2, 5, 'S', kP + 100, 100)));
  EXPECT_EQ(w.books->counters().duplicate_refs, 1u);
  EXPECT_EQ(w.books->top(2).bid, (Level{kP, 100, 1, 0}));
  EXPECT_EQ(w.books->top(2).ask, Level{});
  EXPECT_TRUE(w.books->possibly_wrong(2));
}

TEST(FeedBooks, RejectsAddsWithoutSharesOrWithABadSide) {
  Twin w(small());
  ASSERT_TRUE(w.apply(add_tick(2, 5, 'B', kP, 0)));
  ASSERT_TRUE(w.apply(add_tick(2, 6, 'X', kP, 10)));
  EXPECT_EQ(w.books->counters().rejected_adds, 2u);
  EXPECT_EQ(w.books->counters().live_orders, 0u);
}

TEST(FeedBooks, CountsLockedAndCrossedAdds) {
  Twin w(small());
  ASSERT_TRUE(w.apply(add_tick(1, 1, 'B', kP, 100)));
  ASSERT_TRUE(w.apply(add_tick(1, 2, 'S', kP, 100)));          // locked
  ASSERT_TRUE(w.apply(add_tick(1, 3, 'S', kP - 100, 100)));    // crossed
  ASSERT_TRUE(w.apply(add_tick(1, 4, 'B', kP + 100, 100)));    // crossed (best ask kP - 100)
  ASSERT_TRUE(w.apply(replace_tick(1, 4, 5, kP - 100, 100)));  // locked
  EXPECT_EQ(w.books->counters().locked, 2u);
  EXPECT_EQ(w.books->counters().crossed, 2u);
}

TEST(FeedBooks, KeepsTradingStateHaltReasonRegShoHaltsCollarsAndDirectory) {
  Twin w(small());
  std::uint64_t sym = 0;
  std::memcpy(&sym, "AAPL    ", 8);
  Tick r = test::order_tick(Action::kDirectory, 4, sym, 'Q', 0, 100);
  ASSERT_TRUE(w.apply(r));
  std::uint32_t reason = 0;
  std::memcpy(&reason, "LUDP", 4);
  const BookChange c = w.books->apply(status_tick(4, 'H', 'H', reason));
  w.ref.apply(status_tick(4, 'H', 'H', reason));
  EXPECT_EQ(c.bits, BookChange::kStatusChanged);
  ASSERT_TRUE(w.apply(status_tick(4, 'Y', '1')));
  ASSERT_TRUE(w.apply(status_tick(4, 'h', 'H', 'Q')));
  Tick j = test::order_tick(Action::kAuctionCollar, 4, sym, 0, 1'500'000, 2,
                            std::uint64_t{1'400'000} | std::uint64_t{1'600'000} << 32);
  ASSERT_TRUE(w.apply(j));
  const InstrumentStatus& s = w.books->status(4);
  EXPECT_EQ(s.symbol, sym);
  EXPECT_EQ(s.round_lot, 100u);
  EXPECT_EQ(s.market_category, 'Q');
  EXPECT_EQ(s.trading_state, 'H');
  EXPECT_EQ(s.halt_reason, reason);
  EXPECT_EQ(s.reg_sho, '1');
  EXPECT_EQ(s.op_halt, 'H');
  EXPECT_EQ(s.op_halt_market, 'Q');
  EXPECT_EQ(s.luld_reference, 1'500'000);
  EXPECT_EQ(s.luld_lower, 1'400'000);
  EXPECT_EQ(s.luld_upper, 1'600'000);
  EXPECT_EQ(s.luld_extension, 2u);
  // The same state again is not a trading-state change.
  EXPECT_EQ(w.books->apply(status_tick(4, 'H', 'H', reason)).bits, FeedBooks::kOtherStatusChanged);
  ASSERT_TRUE(w.apply(status_tick(0, 'S', 'Q')));
  EXPECT_EQ(w.books->feed_status().system_event, 'Q');
}

TEST(FeedBooks, GapMarksTheWholeFeedOnce) {
  Twin w(small());
  ASSERT_TRUE(w.apply(add_tick(1, 1, 'B', kP, 100)));
  const BookChange c = w.books->apply(test::gap_tick(5, 3));
  w.ref.apply(test::gap_tick(5, 3));
  EXPECT_EQ(c.instrument, 0);
  EXPECT_EQ(c.bits, BookChange::kMarkChanged);
  EXPECT_TRUE(w.books->possibly_wrong());
  EXPECT_TRUE(w.books->possibly_wrong(1));
  EXPECT_TRUE(w.books->possibly_wrong(999));
  // Afterwards an unknown reference marks nothing more: the feed already is.
  Tick e = exec_tick(1, 99, 1);
  e.flags = kTickAfterGap;
  ASSERT_TRUE(w.apply(e));
  EXPECT_EQ(w.books->counters().marks, 1u);
  EXPECT_EQ(w.books->counters().unknown_refs, 1u);
}

TEST(FeedBooks, SessionStartClearsEveryBookStatusAndMark) {
  Twin w(small());
  for (std::uint64_t r = 1; r <= 100; ++r) {
    ASSERT_TRUE(w.apply(add_tick(
        static_cast<std::uint16_t>(r % 7 + 1), r, r % 2 ? 'B' : 'S',
        r % 2 ? kP - 100 * static_cast<std::int64_t>(r) : kP + 100 * static_cast<std::int64_t>(r),
        100)));
  }
  ASSERT_TRUE(w.apply(status_tick(3, 'H', 'T')));
  ASSERT_TRUE(w.apply(exec_tick(2, 5000, 1)));  // marks instrument 2
  ASSERT_TRUE(w.apply(test::gap_tick(200, 1)));
  const BookChange c = w.books->apply(test::session_start_tick());
  w.ref.apply(test::session_start_tick());
  EXPECT_EQ(c.instrument, 0);
  EXPECT_EQ(c.bits, BookChange::kReset | BookChange::kMarkChanged);
  EXPECT_FALSE(w.books->possibly_wrong());
  EXPECT_FALSE(w.books->possibly_wrong(2));
  for (std::uint16_t i = 1; i <= 7; ++i) EXPECT_EQ(w.books->top(i), BookTop{});
  EXPECT_EQ(w.books->status(3).trading_state, 0);
  EXPECT_EQ(w.books->counters().live_orders, 0u);
  EXPECT_EQ(w.books->counters().levels, 0u);
  EXPECT_EQ(w.books->counters().instruments_with_orders, 0u);
  EXPECT_EQ(w.books->counters().resets, 1u);
  EXPECT_EQ(w.books->level_store().used(), 0u);
  // Order references restart: the old ones are unknown, the same numbers can be added again.
  ASSERT_TRUE(w.apply(delete_tick(1, 7)));
  EXPECT_EQ(w.books->counters().unknown_refs, 2u);
  ASSERT_TRUE(w.apply(add_tick(1, 8, 'B', kP, 10)));
  EXPECT_EQ(w.books->counters().duplicate_refs, 0u);
  EXPECT_TRUE(test::same_everywhere(*w.books, w.ref, 10));
}

TEST(FeedBooks, TradesAndOtherActionsLeaveTheBookAlone) {
  Twin w(small());
  ASSERT_TRUE(w.apply(add_tick(1, 1, 'B', kP, 100)));
  for (Action a : {Action::kTrade, Action::kCross, Action::kBrokenTrade, Action::kImbalance,
                   Action::kUndecodable, Action::kNone}) {
    const BookChange c = w.books->apply(test::order_tick(a, 1, 1, 'B', kP, 100));
    w.ref.apply(test::order_tick(a, 1, 1, 'B', kP, 100));
    EXPECT_EQ(c.bits, 0) << int(a);
  }
  EXPECT_EQ(w.books->top(1).bid, (Level{kP, 100, 1, 0}));
  EXPECT_TRUE(test::same_everywhere(*w.books, w.ref, 10));
}

TEST(FeedBooks, MemoryAtTheDefaultLimitsIsTheTablesSizes) {
  const FeedBooks b;
  EXPECT_EQ(b.order_store().hash().memory_bytes(), std::size_t{192} << 20);
  EXPECT_EQ(b.order_store().memory_bytes(), (std::size_t{192} + 24) << 20);  // + the window
  EXPECT_EQ(b.level_store().memory_bytes(), (std::size_t{48} << 20) + (std::size_t{256} << 10));
  EXPECT_LT(b.memory_bytes(), std::size_t{248 + 24} << 20);
}

}  // namespace
}  // namespace ichannel::book
