// tests/daemon/datapath/snapshot_handover_test.cpp: the RX lcore's side of a snapshot
// (BookStage::service_snapshot, snapshot_port.hpp) driven the way the snapshot thread drives it,
// on a generated session with an unrecovered gap: buffering starts at the request, the thread
// rebuilds from a snapshot and drains part of the buffer, the RX lcore drains the rest at the
// hand-over, and then the live books, every book-table entry and the records (snapshot-begin,
// the resting orders, snapshot-end on the tick side; begin, one per instrument, end on the
// top-of-book side) equal books that saw every message; the mark is cleared and stays cleared
// although the session keeps flagging kTickAfterGap. A gap inside the buffer fails the
// hand-over and leaves the live books as they were.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <ichannel/book_table.hpp>
#include <ichannel/top_of_book.hpp>

#include "daemon/datapath/book_stage.hpp"
#include "feed/glimpse50.hpp"
#include "tests/daemon/book_fixture.hpp"

namespace ichannel::daemon {
namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t kDepth = 5;
constexpr std::uint32_t kInstruments = 64;

book::BookLimits limits() {
  return test::small_book_limits(kInstruments, kDepth, 1 << 16);
}

class SnapshotHandoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(books_.ok());
    stage_ = std::make_unique<BookStage<test::RecordingTopSender>>(limits(), books_.writer(), 2);
    sender_.out = &tops_;
    ASSERT_TRUE(stage_->tops().add_output(sender_, 0, symbols_, {}));
    stage_->attach_snapshot(std::make_unique<SnapshotPort>(1 << 14));
    port_ = stage_->snapshot_port();

    ticks_ = test::generated_ticks(30'000, 40, 11);
  }
  void TearDown() override { stage_.reset(); }

  // The live feed: message `seq` (1-based), flagged kTickAfterGap once the gap was declared.
  void live(std::uint64_t seq) {
    Tick t = ticks_[seq - 1];
    if (after_gap_) set_head(t, t.exch_ns, 2, static_cast<std::uint8_t>(t.flags | kTickAfterGap));
    stage_->on_tick(t);
  }
  void declare_gap(std::uint64_t first, std::uint64_t count) {
    Tick g{};
    g.seq = first;
    g.aux = count;
    set_tail(g, 0, 0, Action::kGap, Side::kNone);
    set_head(g, 0, 2, kTickAfterGap);
    stage_->on_tick(g);
    after_gap_ = true;
  }
  // Books that saw messages 1..last.
  std::unique_ptr<book::FeedBooks> truth(std::uint64_t last) {
    auto b = std::make_unique<book::FeedBooks>(limits());
    for (std::uint64_t s = 1; s <= last; ++s) (void)b->apply(ticks_[s - 1]);
    return b;
  }
  bool service() {
    return stage_->service_snapshot([this](const Tick& t) { all_.push_back(t); },
                                    [this](const Tick& t) { orders_.push_back(t); }, true);
  }
  std::uint64_t ack() const { return port_->ack.load(std::memory_order_acquire); }

  // The live books and every table entry equal `want`.
  void expect_books(const book::FeedBooks& want, std::uint64_t seq) {
    const book::FeedBooks& got = stage_->books();
    EXPECT_EQ(got.counters().live_orders, want.counters().live_orders);
    for (std::uint16_t i = 1; i < kInstruments; ++i) {
      EXPECT_EQ(got.top(i), want.top(i)) << "instrument " << i;
      BookSnapshot s;
      ASSERT_TRUE(books_.reader().read(i, s));
      EXPECT_FALSE(s.possibly_wrong()) << "instrument " << i;
      for (const auto side : {book::BookSide::kBid, book::BookSide::kAsk}) {
        std::vector<book::Level> levels(kDepth);
        const std::size_t n = want.levels(i, side, levels);
        const auto row = s.side(side == book::BookSide::kBid ? BookSide::kBid : BookSide::kAsk);
        ASSERT_EQ(row.size(), n) << "instrument " << i << " seq " << seq;
        for (std::size_t k = 0; k < n; ++k) {
          EXPECT_EQ(row[k].price, levels[k].price) << "instrument " << i << " level " << k;
          EXPECT_EQ(row[k].qty, levels[k].qty) << "instrument " << i << " level " << k;
          EXPECT_EQ(row[k].orders, levels[k].orders) << "instrument " << i << " level " << k;
        }
      }
    }
  }

  test::TempBookTable books_{"ichannel-handover", kInstruments, kDepth};
  std::unique_ptr<BookStage<test::RecordingTopSender>> stage_;
  SnapshotPort* port_ = nullptr;
  test::RecordingTopSender sender_;
  feed::SymbolTable symbols_;
  std::vector<Tick> ticks_;
  std::vector<TopOfBook> tops_;
  std::vector<Tick> all_, orders_;
  bool after_gap_ = false;
};

TEST_F(SnapshotHandoverTest, RebuiltBooksReplaceTheMarkedOnesExactlyAndTheRecordsSayWhat) {
  const std::uint64_t n = ticks_.size();
  const std::uint64_t lost_first = n / 5, lost = 300;
  const std::uint64_t b = n / 3, s = b + 1500, c = b + 3000, d = b + 3200;
  ASSERT_LT(d, n);
  for (std::uint64_t q = 1; q < lost_first; ++q) live(q);
  declare_gap(lost_first, lost);
  for (std::uint64_t q = lost_first + lost; q <= b; ++q) live(q);
  ASSERT_TRUE(stage_->books().possibly_wrong());
  (void)service();
  EXPECT_EQ(port_->marked.load(), 1u) << "the thread learns of the mark in the housekeeping";

  // The thread asks for buffering; the RX lcore starts at its housekeeping.
  port_->receiver.emplace(port_->ring(), LapPolicy::kNewest, StartAt::kNext);
  port_->request.store(SnapshotPort::word(1, SnapshotPort::kBuffer), std::memory_order_release);
  EXPECT_FALSE(service());
  EXPECT_EQ(ack(), SnapshotPort::word(1, SnapshotPort::kAckBuffering));
  for (std::uint64_t q = b + 1; q <= c; ++q) live(q);

  // The snapshot (everything before S) and the thread's part of the buffer.
  port_->incoming = truth(s - 1);
  port_->incoming->repaired();
  port_->replay.emplace(s);
  while (auto m = port_->receiver->try_recv()) {
    ASSERT_NE(port_->replay->offer(m->value, *port_->incoming), snapshot::ReplayVerdict::kRefused);
  }
  EXPECT_EQ(port_->replay->skipped(), s - b - 1);
  EXPECT_EQ(port_->replay->last_applied(), c);
  for (std::uint64_t q = c + 1; q <= d; ++q) live(q);  // arrives before the hand-over
  const std::size_t tops_before = tops_.size();
  ASSERT_GT(stage_->books().counters().unknown_refs, 0u) << "the gap left the live books wrong";
  const book::BookCounters old = stage_->books().counters();
  ASSERT_NE(stage_->books().counters().live_orders, truth(d)->counters().live_orders);

  port_->request.store(SnapshotPort::word(1, SnapshotPort::kHandover), std::memory_order_release);
  ASSERT_TRUE(service());
  EXPECT_EQ(ack(), SnapshotPort::word(1, SnapshotPort::kAckDone));
  EXPECT_EQ(port_->handover_applied, d - c) << "the RX lcore drained the rest";
  EXPECT_EQ(port_->handover_last_seq, d);
  ASSERT_TRUE(port_->incoming) << "the retired books go back to the thread";
  // The stage's counters (what the statistics export) stay cumulative across the swap.
  EXPECT_EQ(stage_->counters().adds, old.adds + stage_->books().counters().adds);
  EXPECT_EQ(stage_->counters().marks, old.marks + stage_->books().counters().marks);
  EXPECT_GE(stage_->counters().marks, 1u);
  EXPECT_EQ(stage_->counters().unknown_refs,
            old.unknown_refs + stage_->books().counters().unknown_refs);
  EXPECT_EQ(stage_->counters().live_orders, stage_->books().counters().live_orders) << "a gauge";
  EXPECT_TRUE(port_->incoming->possibly_wrong());

  const auto want = truth(d);
  ASSERT_GT(want->counters().live_orders, 100u);
  EXPECT_FALSE(stage_->books().possibly_wrong());
  EXPECT_FALSE(books_.reader().feed_state().possibly_wrong());
  EXPECT_EQ(books_.reader().last_seq(), d);
  expect_books(*want, d);

  // Tick side: begin, the resting orders (exactly the truth's), end.
  ASSERT_EQ(all_.size(), 2u);
  EXPECT_EQ(all_[0].action, Action::kStatus);
  EXPECT_EQ(all_[0].aux, feed::kStatusSnapshotBegin);
  EXPECT_EQ(all_[0].seq, d);
  EXPECT_EQ(all_[0].order_id, s);
  EXPECT_EQ(all_[1].aux, feed::kStatusEndOfSnapshot);
  EXPECT_EQ(all_[1].order_id, d + 1);
  ASSERT_EQ(orders_.size(), want->counters().live_orders);
  std::map<std::uint64_t, book::Order> resting;
  want->order_store().for_each([&](const book::Order& o) { resting[o.ref] = o; });
  for (const Tick& o : orders_) {
    ASSERT_TRUE(has_flag(o, kTickSnapshot));
    EXPECT_EQ(o.action, Action::kAdd);
    EXPECT_EQ(o.seq, d);
    const auto it = resting.find(o.order_id);
    ASSERT_NE(it, resting.end()) << "order " << o.order_id;
    EXPECT_EQ(o.price, it->second.price);
    EXPECT_EQ(o.qty, it->second.qty);
    EXPECT_EQ(o.instrument, it->second.instrument);
    EXPECT_EQ(o.side, it->second.side == 0 ? Side::kBuy : Side::kSell);
    resting.erase(it);
  }
  EXPECT_TRUE(resting.empty());

  // Top-of-book side: begin (reset), one per instrument with a book, end (mark cleared).
  ASSERT_GE(tops_.size(), tops_before + 3);
  const TopOfBook& first = tops_[tops_before];
  EXPECT_EQ(first.instrument, 0u);
  EXPECT_EQ(first.change, kTobSnapshot | kTobReset);
  const TopOfBook& last = tops_.back();
  EXPECT_EQ(last.instrument, 0u);
  EXPECT_EQ(last.change, kTobSnapshot | kTobMarkChanged);
  EXPECT_FALSE(has_flag(last, kBookPossiblyWrong));
  for (std::size_t k = tops_before + 1; k + 1 < tops_.size(); ++k) {
    const TopOfBook& r = tops_[k];
    EXPECT_NE(r.change & kTobSnapshot, 0);
    EXPECT_EQ(r.seq, d);
    const book::BookTop top = want->top(r.instrument);
    EXPECT_EQ(r.bid_price, top.bid.price);
    EXPECT_EQ(r.ask_qty, top.ask.qty);
  }

  // Idle again; the rest of the session (still flagged after the gap) keeps the books right.
  port_->request.store(SnapshotPort::word(2, SnapshotPort::kIdle), std::memory_order_release);
  EXPECT_FALSE(service());
  const auto sent = port_->sender().next_seq();
  for (std::uint64_t q = d + 1; q <= n; ++q) live(q);
  EXPECT_EQ(port_->sender().next_seq(), sent) << "nothing buffered when idle";
  (void)service();
  EXPECT_EQ(port_->marked.load(), 0u);
  expect_books(*truth(n), n);
}

TEST_F(SnapshotHandoverTest, GapInTheBufferFailsTheHandOverAndLeavesTheLiveBooks) {
  const std::uint64_t b = 2000, s = 2500;
  for (std::uint64_t q = 1; q <= b; ++q) live(q);
  port_->receiver.emplace(port_->ring(), LapPolicy::kNewest, StartAt::kNext);
  port_->request.store(SnapshotPort::word(1, SnapshotPort::kBuffer), std::memory_order_release);
  (void)service();
  for (std::uint64_t q = b + 1; q <= 3000; ++q) live(q);
  port_->incoming = truth(s - 1);
  port_->replay.emplace(s);
  while (auto m = port_->receiver->try_recv())
    (void)port_->replay->offer(m->value, *port_->incoming);
  declare_gap(3001, 50);  // the live feed loses what the rebuilt books need
  for (std::uint64_t q = 3051; q <= 3100; ++q) live(q);
  const std::uint64_t live_orders = stage_->books().counters().live_orders;
  port_->request.store(SnapshotPort::word(1, SnapshotPort::kHandover), std::memory_order_release);
  EXPECT_FALSE(service());
  EXPECT_EQ(ack(), SnapshotPort::word(1, SnapshotPort::kAckFailed));
  EXPECT_EQ(port_->handover_failure, snapshot::ReplayFailure::kGap);
  EXPECT_TRUE(stage_->books().possibly_wrong()) << "the live books stay, marked";
  EXPECT_EQ(stage_->books().counters().live_orders, live_orders);
  EXPECT_TRUE(port_->incoming) << "the thread gets its books back";
  EXPECT_TRUE(all_.empty()) << "no snapshot records";
}

TEST_F(SnapshotHandoverTest, OverrunBufferFailsTheHandOver) {
  port_->receiver.emplace(port_->ring(), LapPolicy::kNewest, StartAt::kNext);
  port_->request.store(SnapshotPort::word(1, SnapshotPort::kBuffer), std::memory_order_release);
  (void)service();
  for (std::uint64_t q = 1; q <= (1u << 14) + 100; ++q) live(q);  // more than the buffer holds
  port_->incoming = truth(0);
  port_->replay.emplace(1);
  port_->request.store(SnapshotPort::word(1, SnapshotPort::kHandover), std::memory_order_release);
  EXPECT_FALSE(service());
  EXPECT_TRUE(port_->handover_overflow);
  EXPECT_EQ(ack(), SnapshotPort::word(1, SnapshotPort::kAckFailed));
}

}  // namespace
}  // namespace ichannel::daemon
