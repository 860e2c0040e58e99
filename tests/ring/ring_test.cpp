// ring_test.cpp: single-threaded behaviour of Message/Sender/Receiver (ichannel.hpp).
//
// Not testable at runtime: Message<T> with a T that is not trivially copyable (e.g. std::string)
// is rejected by a static_assert in message.hpp ("T must be trivially copyable").
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include <ichannel/ichannel.hpp>
#include <ichannel/tick.hpp>

namespace pinned {
struct Quote {
  std::uint64_t bid, ask;
};
}  // namespace pinned
template <>
struct ichannel::PayloadTypeName<pinned::Quote> {
  static constexpr std::string_view value = "Quote";
};

namespace ichannel {
namespace {

static_assert(sizeof(Message<Tick>) == 64, "a Tick slot is exactly one cache line");
static_assert(alignof(Message<Tick>) == 64);
static_assert(std::is_trivially_copyable_v<Message<Tick>>);
static_assert(std::is_default_constructible_v<Message<Tick>>);
static_assert(!std::is_copy_constructible_v<Sender<Tick>>, "one sender per ring");
static_assert(std::is_copy_constructible_v<Receiver<Tick>>);

struct Odd {  // 12 bytes: not a multiple of the word size
  std::uint32_t a, b, c;
};

Tick make_tick(std::uint64_t n) {
  Tick t{};
  t.seq = n;
  t.order_id = n * 3;
  t.price = static_cast<std::int64_t>(n) * 7;
  t.qty = static_cast<std::uint32_t>(n);
  t.action = Action::kAdd;
  return t;
}

class RingTest : public ::testing::Test {
 protected:
  explicit RingTest(std::size_t cap = 8) : buf_(cap), tx_(Sender<Tick>::with_init(buf_)) {}
  std::vector<Message<Tick>> buf_;
  Sender<Tick> tx_;
};

TEST_F(RingTest, EmptyRingHasNothingToReceive) {
  Receiver<Tick> rx(buf_);
  EXPECT_FALSE(rx.try_recv().has_value());
  EXPECT_FALSE(rx.try_peek().has_value());
  EXPECT_EQ(rx.lost(), 0u);
  EXPECT_EQ(rx.next_seq(), 1u);
}

TEST_F(RingTest, OneMessageArrivesOnceWithSeqOne) {
  Receiver<Tick> rx(buf_);
  EXPECT_EQ(tx_.send(make_tick(42)), 1u);
  auto r = rx.try_recv();
  ASSERT_TRUE(r.has_value());
  auto [seq, t] = *r;
  EXPECT_EQ(seq, 1u);
  EXPECT_EQ(t.seq, 42u);
  EXPECT_EQ(t.price, 42 * 7);
  EXPECT_EQ(t.action, Action::kAdd);
  EXPECT_FALSE(rx.try_recv().has_value());
}

TEST_F(RingTest, WrapsAroundManyTimesInOrder) {
  Receiver<Tick> rx(buf_);
  for (std::uint64_t n = 1; n <= 8 * 50 + 3; ++n) {
    ASSERT_EQ(tx_.send(make_tick(n)), n);
    auto [seq, t] = rx.recv();
    ASSERT_EQ(seq, n);
    ASSERT_EQ(t.seq, n);
    ASSERT_EQ(t.order_id, n * 3);
  }
  EXPECT_EQ(rx.lost(), 0u);
}

TEST_F(RingTest, ReceiverFillsBufferThenDrainsWithoutLoss) {
  Receiver<Tick> rx(buf_);
  // capacity - 2 messages fit without losing anything (the two slots after the newest message
  // are always marked dirty: sender.hpp, D two ahead).
  for (std::uint64_t n = 1; n <= 6; ++n) tx_.send(make_tick(n));
  for (std::uint64_t n = 1; n <= 6; ++n) {
    auto r = rx.try_recv();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->seq, n);
  }
  EXPECT_EQ(rx.lost(), 0u);
}

TEST_F(RingTest, LappedNewestReceiverCountsOverwrittenAsLostAndJumpedIntactAsSkipped) {
  Receiver<Tick> rx(buf_);
  for (std::uint64_t n = 1; n <= 3; ++n) tx_.send(make_tick(n));
  ASSERT_EQ(rx.try_recv()->seq, 1u);
  for (std::uint64_t n = 4; n <= 30; ++n) tx_.send(make_tick(n));
  // Expected 2; 30 is the newest committed, 25..30 are intact (capacity - 2 = 6), 2..24 are
  // overwritten or marked dirty (23, 24: the slots of 31, 32): lost; 25..29 were intact and
  // jumped over: skipped.
  auto r = rx.try_recv();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->seq, 30u);
  EXPECT_EQ(r->value.seq, 30u);
  EXPECT_EQ(rx.lost(), 23u);
  EXPECT_EQ(rx.skipped(), 5u);
  EXPECT_FALSE(rx.try_recv().has_value());
  EXPECT_EQ(2u + rx.lost() + rx.skipped(), tx_.next_seq() - 1);  // received + lost + skipped
}

TEST_F(RingTest, LappedReceiverWithOldestPolicyKeepsEveryIntactMessage) {
  Receiver<Tick> rx(buf_, LapPolicy::kOldest);
  for (std::uint64_t n = 1; n <= 30; ++n) tx_.send(make_tick(n));
  // Slots of 31 and 32 are dirty; 25..30 (capacity - 2 = 6 messages) are intact.
  std::uint64_t received = 0;
  std::uint64_t expect = 25;
  while (auto r = rx.try_recv()) {
    EXPECT_EQ(r->seq, expect);
    EXPECT_EQ(r->value.seq, expect);
    ++expect;
    ++received;
  }
  EXPECT_EQ(received, 6u);
  EXPECT_EQ(rx.lost(), 24u);
  EXPECT_EQ(rx.skipped(), 0u) << "kOldest never passes an intact message";
  EXPECT_EQ(received + rx.lost(), 30u);
}

TEST_F(RingTest, LossIsCountedExactlyOverRepeatedLapsWithEitherPolicy) {
  for (LapPolicy lap : {LapPolicy::kNewest, LapPolicy::kOldest}) {
    std::vector<Message<Tick>> buf(8);
    auto tx = Sender<Tick>::with_init(buf);
    Receiver<Tick> rx(buf, lap);
    std::uint64_t received = 0;
    for (std::uint64_t round = 1; round <= 20; ++round) {
      for (std::uint64_t i = 0; i < round * 3; ++i) tx.send(make_tick(i));
      while (rx.try_recv()) ++received;
      ASSERT_EQ(received + rx.lost() + rx.skipped(), tx.next_seq() - 1) << "round " << round;
    }
    EXPECT_GT(rx.lost(), 0u);
    if (lap == LapPolicy::kNewest) {
      EXPECT_GT(rx.skipped(), 0u);
    } else {
      EXPECT_EQ(rx.skipped(), 0u);
    }
  }
}

TEST_F(RingTest, ReceiverCreatedBeforeFirstSendGetsTheFirstMessage) {
  Receiver<Tick> early(buf_);
  tx_.send(make_tick(5));
  EXPECT_EQ(early.try_recv()->seq, 1u);
}

TEST_F(RingTest, ReceiverThatJoinsLateStartsAtNextMessage) {
  for (std::uint64_t n = 1; n <= 1000; ++n) tx_.send(make_tick(n));
  Receiver<Tick> late(buf_);
  EXPECT_FALSE(late.try_recv().has_value());
  EXPECT_EQ(late.next_seq(), 1001u);
  tx_.send(make_tick(1001));
  auto r = late.try_recv();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->seq, 1001u);
  EXPECT_EQ(late.lost(), 0u);
}

TEST_F(RingTest, ReceiverStartingAtOldestReadsWhatIsStillIntact) {
  for (std::uint64_t n = 1; n <= 3; ++n) tx_.send(make_tick(n));
  Receiver<Tick> rx(buf_, LapPolicy::kNewest, StartAt::kOldest);
  EXPECT_EQ(rx.try_recv()->seq, 1u);
  for (std::uint64_t n = 4; n <= 100; ++n) tx_.send(make_tick(n));
  Receiver<Tick> rx2(buf_, LapPolicy::kNewest, StartAt::kOldest);
  EXPECT_EQ(rx2.try_recv()->seq, 95u);  // 95..100: capacity - 2
}

TEST_F(RingTest, CopiedReceiversKeepIndependentCursors) {
  Receiver<Tick> a(buf_);
  for (std::uint64_t n = 1; n <= 4; ++n) tx_.send(make_tick(n));
  ASSERT_EQ(a.try_recv()->seq, 1u);
  Receiver<Tick> b = a;  // continues from the same position
  ASSERT_EQ(a.try_recv()->seq, 2u);
  ASSERT_EQ(a.try_recv()->seq, 3u);
  ASSERT_EQ(b.try_recv()->seq, 2u);
  Receiver<Tick> c(buf_);
  c = b;
  EXPECT_EQ(c.try_recv()->seq, 3u);
  EXPECT_EQ(b.try_recv()->seq, 3u);
  EXPECT_EQ(a.try_recv()->seq, 4u);
}

TEST_F(RingTest, ManyReceiversEachGetEveryMessage) {
  std::vector<Receiver<Tick>> rxs(5, Receiver<Tick>(buf_));
  for (std::uint64_t n = 1; n <= 5; ++n) tx_.send(make_tick(n));
  for (auto& rx : rxs) {
    for (std::uint64_t n = 1; n <= 5; ++n) EXPECT_EQ(rx.try_recv()->value.seq, n);
  }
}

TEST_F(RingTest, ZeroCopySendFillsInPlace) {
  Receiver<Tick> rx(buf_);
  const auto seq = tx_.send_with([](Tick& t) {
    t = Tick{};
    t.price = -12345;
    t.instrument = 77;
  });
  EXPECT_EQ(seq, 1u);
  auto r = rx.try_recv();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->value.price, -12345);
  EXPECT_EQ(r->value.instrument, 77);
}

TEST_F(RingTest, ZeroCopyViewReadsFieldsAndValidates) {
  Receiver<Tick> rx(buf_);
  tx_.send(make_tick(9));
  auto v = rx.try_peek();
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->seq(), 1u);
  EXPECT_EQ(v->read_at<std::int64_t>(offsetof(Tick, price)), 63);
  EXPECT_EQ(v->read_at<std::uint32_t>(offsetof(Tick, qty)), 9u);
  EXPECT_EQ(v->read_at<Action>(offsetof(Tick, action)), Action::kAdd);
  EXPECT_EQ(v->value().order_id, 27u);
  EXPECT_TRUE(rx.validate(*v));
  EXPECT_EQ(rx.next_seq(), 1u);  // peeking does not advance
  EXPECT_TRUE(rx.consume(*v));
  EXPECT_EQ(rx.next_seq(), 2u);
  EXPECT_FALSE(rx.try_peek().has_value());
}

TEST_F(RingTest, ZeroCopyViewIsInvalidatedByAnOverwrite) {
  Receiver<Tick> rx(buf_);
  tx_.send(make_tick(1));
  auto v = rx.try_peek();
  ASSERT_TRUE(v.has_value());
  // Each send marks the slot two after it dirty: send(7) marks seq 9's slot, the view's.
  for (std::uint64_t n = 2; n <= 6; ++n) tx_.send(make_tick(n));
  EXPECT_TRUE(rx.validate(*v)) << "slot 1 still holds message 1";
  tx_.send(make_tick(7));
  EXPECT_FALSE(rx.validate(*v)) << "slot 1 is marked dirty for seq 9";
  EXPECT_FALSE(rx.consume(*v));
  EXPECT_EQ(rx.lost(), 0u);
  // The next read resyncs: 1 is being overwritten (lost), 2..6 were intact and are jumped
  // over (kNewest: skipped), 7 is the newest.
  auto r = rx.try_recv();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->seq, 7u);
  EXPECT_EQ(rx.lost(), 1u);
  EXPECT_EQ(rx.skipped(), 5u);
}

TEST_F(RingTest, ViewStaysValidWhileOtherSlotsAreWritten) {
  Receiver<Tick> rx(buf_);
  tx_.send(make_tick(1));
  auto v = rx.try_peek();
  ASSERT_TRUE(v.has_value());
  for (std::uint64_t n = 2; n <= 6; ++n) tx_.send(make_tick(n));  // capacity - 2 after it
  EXPECT_TRUE(rx.validate(*v));
}

TEST_F(RingTest, ConsumeOfAViewOlderThanTheCursorReturnsFalseAndNeverMovesItBack) {
  Receiver<Tick> rx(buf_);
  for (std::uint64_t n = 1; n <= 4; ++n) tx_.send(make_tick(n));
  auto v1 = rx.try_peek();
  ASSERT_TRUE(v1.has_value());
  ASSERT_TRUE(rx.consume(*v1));
  EXPECT_EQ(rx.next_seq(), 2u);
  EXPECT_FALSE(rx.consume(*v1)) << "consumed already";
  EXPECT_EQ(rx.next_seq(), 2u);
  auto v2 = rx.try_peek();
  ASSERT_TRUE(v2.has_value());
  ASSERT_EQ(rx.try_recv()->seq, 2u);  // the cursor moves on by another call
  EXPECT_TRUE(rx.validate(*v2)) << "message 2 is still intact";
  EXPECT_FALSE(rx.consume(*v2)) << "but it is behind the cursor now";
  EXPECT_EQ(rx.next_seq(), 3u);
  Receiver<Tick> ahead = rx;  // a copy further on hands out a newer view
  ASSERT_EQ(ahead.try_recv()->seq, 3u);
  auto v4 = ahead.try_peek();
  ASSERT_TRUE(v4.has_value());
  EXPECT_FALSE(rx.consume(*v4)) << "a view ahead of the cursor would skip 3 uncounted";
  EXPECT_EQ(rx.try_recv()->seq, 3u);
  EXPECT_EQ(rx.lost() + rx.skipped(), 0u);
}

// The dirty mark D of send(n) goes to the slot of n + 2 on rings of 4 slots or more (a line no
// caught-up receiver polls yet: docs/ring.md), to n + 1 on a ring of 2 (n + 2 is n's own slot).
TEST(RingDirtyMark, SendNMarksTheSlotOfNPlus2DirtyOrNPlus1OnARingOfTwo) {
  const auto state = [](const std::vector<Message<Tick>>& ring, std::uint64_t seq) {
    std::uint64_t s = 0;
    std::memcpy(&s, static_cast<const void*>(&ring[seq & (ring.size() - 1)]), sizeof s);
    return s;
  };
  std::vector<Message<Tick>> ring(8);
  auto tx = Sender<Tick>::with_init(ring);
  EXPECT_EQ(state(ring, 1), 1 | kDirtyBit);
  EXPECT_EQ(state(ring, 2), 2 | kDirtyBit);
  EXPECT_EQ(state(ring, 3), 0u);
  for (std::uint64_t n = 1; n <= 20; ++n) {
    tx.send(make_tick(n));
    EXPECT_EQ(state(ring, n), n) << "C: message " << n << " clean";
    EXPECT_EQ(state(ring, n + 1), (n + 1) | kDirtyBit) << "marked by send(" << n - 1 << ")";
    EXPECT_EQ(state(ring, n + 2), (n + 2) | kDirtyBit) << "D of send(" << n << ")";
    if (n >= 5) EXPECT_EQ(state(ring, n + 3), n + 3 - 8) << "intact: " << n + 3 - 8;
  }
  std::vector<Message<Tick>> two(2);
  auto tx2 = Sender<Tick>::with_init(two);
  Receiver<Tick> rx(two);
  for (std::uint64_t n = 1; n <= 5; ++n) {
    tx2.send(make_tick(n));
    EXPECT_EQ(state(two, n), n);
    EXPECT_EQ(state(two, n + 1), (n + 1) | kDirtyBit);
    ASSERT_EQ(rx.try_recv()->seq, n) << "a ring of 2 holds one unread message";
  }
  EXPECT_EQ(dirty_ahead(2), 1u);
  EXPECT_EQ(dirty_ahead(4), 2u);
  EXPECT_EQ(dirty_ahead(std::uint64_t{1} << 20), 2u);
}

TEST(RingBuffering, ACapacityNRingHoldsNMinus2UnreadMessagesAndTheNextSendLosesExactlyOne) {
  for (LapPolicy lap : {LapPolicy::kNewest, LapPolicy::kOldest}) {
    std::vector<Message<Tick>> buf(8);
    auto tx = Sender<Tick>::with_init(buf);
    Receiver<Tick> rx(buf, lap);
    for (std::uint64_t n = 1; n <= 6; ++n) tx.send(make_tick(n));
    Receiver<Tick> full = rx;  // 6 unread: all readable
    for (std::uint64_t n = 1; n <= 6; ++n) ASSERT_EQ(full.try_recv()->seq, n);
    EXPECT_EQ(full.lost() + full.skipped(), 0u);
    tx.send(make_tick(7));  // 7 unread: the 7th send's dirty mark (D, seq 9) takes 1's slot
    std::uint64_t received = 0, first = 0;
    while (auto r = rx.try_recv()) {
      if (received++ == 0) first = r->seq;
    }
    EXPECT_EQ(rx.lost(), 1u);
    if (lap == LapPolicy::kOldest) {
      EXPECT_EQ(first, 2u);
      EXPECT_EQ(received, 6u);
      EXPECT_EQ(rx.skipped(), 0u);
    } else {
      EXPECT_EQ(first, 7u);
      EXPECT_EQ(rx.skipped(), 5u);
    }
    EXPECT_EQ(received + rx.lost() + rx.skipped(), 7u);
  }
}

// The slots StartAt::kOldest / kOldest laps doubt are the two after the newest message: the
// sender marks them dirty (D of the last two sends), so normally their messages are gone.
// Between C and D of the last send the second still holds an intact message; oldest_intact looks
// instead of assuming.
TEST_F(RingTest, OldestIntactChecksTheDoubtedSlotsInsteadOfAssumingTheyAreGone) {
  for (std::uint64_t n = 1; n <= 8; ++n) tx_.send(make_tick(n));
  EXPECT_EQ(Receiver<Tick>(buf_, LapPolicy::kOldest, StartAt::kOldest).next_seq(), 3u);
  // Simulate the instant between C of send(8) and its D (seq 10's mark, slot 2): slot 2 still
  // holds message 2, clean.
  const std::uint64_t clean_two = 2;
  std::memcpy(static_cast<void*>(&buf_[2]), &clean_two, sizeof clean_two);
  Receiver<Tick> rx(buf_, LapPolicy::kOldest, StartAt::kOldest);
  EXPECT_EQ(rx.next_seq(), 2u);
  EXPECT_EQ(rx.try_recv()->value.seq, 2u);
}

TEST_F(RingTest, SkipToEndCountsIntactAsSkippedAndOverwrittenAsLost) {
  Receiver<Tick> rx(buf_);
  for (std::uint64_t n = 1; n <= 5; ++n) tx_.send(make_tick(n));
  EXPECT_EQ(rx.skip_to_end(), 5u);
  EXPECT_EQ(rx.skipped(), 5u);
  EXPECT_EQ(rx.lost(), 0u);
  EXPECT_EQ(rx.skip_to_end(), 0u);
  for (std::uint64_t n = 6; n <= 25; ++n) tx_.send(make_tick(n));  // 20..25 intact
  EXPECT_EQ(rx.skip_to_end(), 20u);
  EXPECT_EQ(rx.lost(), 14u);       // 6..19
  EXPECT_EQ(rx.skipped(), 5u + 6u);  // 20..25
  EXPECT_FALSE(rx.try_recv().has_value());
  tx_.send(make_tick(26));
  EXPECT_EQ(rx.try_recv()->seq, 26u);
}

TEST_F(RingTest, RebindContinuesOnANewRingWithCumulativeCounters) {
  Receiver<Tick> rx(buf_);
  for (std::uint64_t n = 1; n <= 20; ++n) tx_.send(make_tick(n));
  ASSERT_EQ(rx.try_recv()->seq, 20u);
  const std::uint64_t lost = rx.lost(), skipped = rx.skipped();
  ASSERT_GT(lost, 0u);
  std::vector<Message<Tick>> next(4);
  auto tx2 = Sender<Tick>::with_init(next);
  for (std::uint64_t n = 1; n <= 10; ++n) tx2.send(make_tick(100 + n));  // 9..10 intact
  rx.rebind(next);
  EXPECT_EQ(rx.lost(), lost + 8u) << "1..8 of the new ring were overwritten before we got there";
  EXPECT_EQ(rx.skipped(), skipped);
  EXPECT_EQ(rx.capacity(), 4u);
  for (std::uint64_t n = 9; n <= 10; ++n) EXPECT_EQ(rx.try_recv()->seq, n);
  EXPECT_FALSE(rx.try_recv().has_value());
}

TEST_F(RingTest, RecvForReturnsAWaitingMessageAtOnceAndNothingAfterTheTimeout) {
  using namespace std::chrono_literals;
  Receiver<Tick> rx(buf_);
  tx_.send(make_tick(1));
  auto r = rx.recv_for(0ms);
  ASSERT_TRUE(r.has_value()) << "a message already there needs no time";
  EXPECT_EQ(r->seq, 1u);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(rx.recv_for(20ms).has_value());
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(waited, 20ms);
  EXPECT_LT(waited, 2s);
  EXPECT_FALSE(rx.recv_until(std::chrono::steady_clock::now() - 1s, PauseSpin{}).has_value());
  tx_.send(make_tick(2));
  EXPECT_EQ(rx.recv_until(std::chrono::steady_clock::now() - 1s)->seq, 2u)
      << "a past deadline still delivers what is there";
  tx_.send(make_tick(3));
  EXPECT_EQ(rx.recv_for(std::chrono::hours::max(), SpinThenYield{})->seq, 3u)
      << "an enormous timeout neither overflows nor delays a waiting message";
}

// The lap resync used to scan the whole ring (3-5 ms at 2^20 slots in release). It now starts
// from the seq found in the receiver's own slot and gallops/bisects: O(log capacity) loads.
// Timing: the best of 5 (copies of the same lapped receiver), so a preemption on the loaded
// test machine does not count; a ring scan would exceed the bound every time.
TEST(RingLargeLap, ALapped2To20SlotRingResyncsInMicrosecondsWithExactCounts) {
  using Clock = std::chrono::steady_clock;
  constexpr std::size_t kCap = std::size_t{1} << 20;
  constexpr int kTries = 5;
  // One fill for both policies (a 2^20 ring is ~10^6 sends, slow under TSan).
  std::vector<Message<Tick>> buf(kCap);
  auto tx = Sender<Tick>::with_init(buf);
  Receiver<Tick> newest_rx(buf, LapPolicy::kNewest);
  Receiver<Tick> oldest_rx(buf, LapPolicy::kOldest);
  tx.send(make_tick(1));
  ASSERT_EQ(newest_rx.try_recv()->seq, 1u);
  ASSERT_EQ(oldest_rx.try_recv()->seq, 1u);
  const std::uint64_t newest = kCap + kCap / 4 + 12345;
  for (std::uint64_t n = 2; n <= newest; ++n) tx.send(make_tick(n));
  const std::uint64_t oldest = newest - kCap + 3;  // the two slots after newest are dirty
  for (LapPolicy lap : {LapPolicy::kNewest, LapPolicy::kOldest}) {
    SCOPED_TRACE(lap == LapPolicy::kNewest ? "kNewest" : "kOldest");
    const Receiver<Tick>& rx = lap == LapPolicy::kNewest ? newest_rx : oldest_rx;
    const std::uint64_t expect = lap == LapPolicy::kNewest ? newest : oldest;
    auto best_resync = Clock::duration::max();
    auto best_join = Clock::duration::max();
    for (int i = 0; i < kTries; ++i) {
      Receiver<Tick> lapped = rx;
      const auto t0 = Clock::now();
      auto r = lapped.try_recv();  // lapped: resync
      best_resync = std::min(best_resync, Clock::now() - t0);
      ASSERT_TRUE(r.has_value());
      EXPECT_EQ(r->seq, expect);
      EXPECT_EQ(r->value.seq, expect);
      EXPECT_EQ(lapped.lost(), oldest - 2) << "2 .. oldest-1 were overwritten";
      EXPECT_EQ(lapped.skipped(), lap == LapPolicy::kNewest ? newest - oldest : 0u);
      EXPECT_EQ(1u + 1u + lapped.lost() + lapped.skipped(), expect) << "1 and expect received";
      const auto j0 = Clock::now();
      Receiver<Tick> late(buf, lap);  // joins the lapped ring: finds the newest the same way
      best_join = std::min(best_join, Clock::now() - j0);
      EXPECT_EQ(late.next_seq(), newest + 1);
    }
    EXPECT_EQ(Receiver<Tick>(buf, lap, StartAt::kOldest).next_seq(), oldest);
    // Loose enough for TSan/debug builds; the scan took milliseconds even in release.
    EXPECT_LT(best_resync, std::chrono::milliseconds(1))
        << std::chrono::duration_cast<std::chrono::microseconds>(best_resync).count() << " us";
    EXPECT_LT(best_join, std::chrono::milliseconds(1))
        << std::chrono::duration_cast<std::chrono::microseconds>(best_join).count() << " us";
    std::printf("2^20 ring: resync %lld ns, join %lld ns (best of %d)\n",
                static_cast<long long>(
                    std::chrono::duration_cast<std::chrono::nanoseconds>(best_resync).count()),
                static_cast<long long>(
                    std::chrono::duration_cast<std::chrono::nanoseconds>(best_join).count()),
                kTries);
  }
}

TEST(RingCapacity, NonPowerOfTwoOrTooSmallIsRejected) {
  for (std::size_t cap : {0u, 1u, 3u, 6u, 100u}) {
    std::vector<Message<Tick>> buf(cap);
    EXPECT_THROW((void)Sender<Tick>::with_init(buf), std::invalid_argument) << cap;
    EXPECT_THROW((void)Receiver<Tick>(buf), std::invalid_argument) << cap;
  }
  std::vector<Message<Tick>> two(2);
  auto tx = Sender<Tick>::with_init(two);
  Receiver<Tick> rx(two);
  for (std::uint64_t n = 1; n <= 10; ++n) {
    tx.send(make_tick(n));
    EXPECT_EQ(rx.try_recv()->value.seq, n);
  }
}

TEST(RingCapacity, ErrorMessageNamesTheCapacity) {
  std::vector<Message<Tick>> buf(12);
  try {
    (void)Sender<Tick>::with_init(buf);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("power of two >= 2, got 12"), std::string::npos)
        << e.what();
  }
}

TEST(RingPayload, OddSizedPayloadRoundTrips) {
  static_assert(sizeof(Message<Odd>) == 64);
  std::vector<Message<Odd>> buf(4);
  auto tx = Sender<Odd>::with_init(buf);
  Receiver<Odd> rx(buf);
  tx.send(Odd{1, 2, 3});
  auto r = rx.try_recv();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->value.a, 1u);
  EXPECT_EQ(r->value.b, 2u);
  EXPECT_EQ(r->value.c, 3u);
}

TEST(RingPayload, LargePayloadUsesWholeCacheLines) {
  struct Big {
    std::uint64_t w[20];
  };
  static_assert(sizeof(Message<Big>) == 192);
  std::vector<Message<Big>> buf(4);
  auto tx = Sender<Big>::with_init(buf);
  Receiver<Big> rx(buf);
  Big b{};
  for (int i = 0; i < 20; ++i) b.w[i] = static_cast<std::uint64_t>(i) * 11;
  tx.send(b);
  auto r = rx.try_recv();
  ASSERT_TRUE(r.has_value());
  for (int i = 0; i < 20; ++i) EXPECT_EQ(r->value.w[i], static_cast<std::uint64_t>(i) * 11);
}

TEST(RingIdle, SpinThenYieldAndPauseSpinWork) {
  std::vector<Message<Tick>> buf(4);
  auto tx = Sender<Tick>::with_init(buf);
  Receiver<Tick> rx(buf);
  tx.send(make_tick(1));
  tx.send(make_tick(2));
  EXPECT_EQ(rx.recv(SpinThenYield{4}).seq, 1u);
  EXPECT_EQ(rx.recv(PauseSpin{}).seq, 2u);
}

TEST(RingResult, HoldsAValueOrAnError) {
  Result<int> ok = 42;
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, 42);
  EXPECT_EQ(ok.value(), 42);
  EXPECT_THROW((void)ok.error(), std::logic_error);
  Result<int> bad = Error{"channel x: broken"};
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "channel x: broken");
  try {
    (void)bad.value();
    FAIL() << "expected std::logic_error";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("channel x: broken"), std::string::npos);
  }
}

TEST(RingTypeName, DerivedFromTheTypeOrSpecialised) {
  EXPECT_EQ(PayloadTypeName<Tick>::value, "ichannel::Tick");
  EXPECT_TRUE(PayloadTypeName<Odd>::value.ends_with("::Odd")) << PayloadTypeName<Odd>::value;
  EXPECT_EQ(PayloadTypeName<pinned::Quote>::value, "Quote");
}

}  // namespace
}  // namespace ichannel
