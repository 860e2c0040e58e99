// ring_test.cpp: single-threaded behaviour of Message/Sender/Receiver (ichannel.hpp).
//
// Not testable at runtime: Message<T> with a T that is not trivially copyable (e.g. std::string)
// is rejected by a static_assert in message.hpp ("T must be trivially copyable").
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
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
  // capacity - 1 messages fit without losing anything (one slot is always the next dirty one).
  for (std::uint64_t n = 1; n <= 7; ++n) tx_.send(make_tick(n));
  for (std::uint64_t n = 1; n <= 7; ++n) {
    auto r = rx.try_recv();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->seq, n);
  }
  EXPECT_EQ(rx.lost(), 0u);
}

TEST_F(RingTest, LappedReceiverJumpsToNewestAndCountsExactly) {
  Receiver<Tick> rx(buf_);
  for (std::uint64_t n = 1; n <= 3; ++n) tx_.send(make_tick(n));
  ASSERT_EQ(rx.try_recv()->seq, 1u);
  for (std::uint64_t n = 4; n <= 30; ++n) tx_.send(make_tick(n));
  // Expected 2; 2..29 are skipped, 30 is the newest committed.
  auto r = rx.try_recv();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->seq, 30u);
  EXPECT_EQ(r->value.seq, 30u);
  EXPECT_EQ(rx.lost(), 28u);
  EXPECT_FALSE(rx.try_recv().has_value());
  EXPECT_EQ(1u + rx.lost() + 1u, tx_.next_seq() - 1);  // received + lost == published
}

TEST_F(RingTest, LappedReceiverWithOldestPolicyKeepsEveryIntactMessage) {
  Receiver<Tick> rx(buf_, LapPolicy::kOldest);
  for (std::uint64_t n = 1; n <= 30; ++n) tx_.send(make_tick(n));
  // Slot of 31 is dirty; 24..30 (capacity - 1 = 7 messages) are intact.
  std::uint64_t received = 0;
  std::uint64_t expect = 24;
  while (auto r = rx.try_recv()) {
    EXPECT_EQ(r->seq, expect);
    EXPECT_EQ(r->value.seq, expect);
    ++expect;
    ++received;
  }
  EXPECT_EQ(received, 7u);
  EXPECT_EQ(rx.lost(), 23u);
  EXPECT_EQ(received + rx.lost(), 30u);
}

TEST_F(RingTest, LossIsCountedExactlyOverRepeatedLaps) {
  Receiver<Tick> rx(buf_);
  std::uint64_t received = 0;
  for (std::uint64_t round = 1; round <= 20; ++round) {
    for (std::uint64_t i = 0; i < round * 3; ++i) tx_.send(make_tick(i));
    while (rx.try_recv()) ++received;
    ASSERT_EQ(received + rx.lost(), tx_.next_seq() - 1) << "round " << round;
  }
  EXPECT_GT(rx.lost(), 0u);
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
  EXPECT_EQ(rx2.try_recv()->seq, 94u);
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
  // The next send marks the slot after it dirty; capacity sends later the view's slot is reused.
  for (std::uint64_t n = 2; n <= 8; ++n) tx_.send(make_tick(n));
  EXPECT_FALSE(rx.validate(*v)) << "slot 1 is marked dirty for seq 9";
  EXPECT_FALSE(rx.consume(*v));
  EXPECT_EQ(rx.lost(), 0u);
  // The next read resyncs and counts the lost messages (1 .. 7; newest is 8).
  auto r = rx.try_recv();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->seq, 8u);
  EXPECT_EQ(rx.lost(), 7u);
}

TEST_F(RingTest, ViewStaysValidWhileOtherSlotsAreWritten) {
  Receiver<Tick> rx(buf_);
  tx_.send(make_tick(1));
  auto v = rx.try_peek();
  ASSERT_TRUE(v.has_value());
  for (std::uint64_t n = 2; n <= 7; ++n) tx_.send(make_tick(n));
  EXPECT_TRUE(rx.validate(*v));
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
