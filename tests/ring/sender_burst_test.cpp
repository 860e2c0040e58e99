// tests/ring/sender_burst_test.cpp: SenderBurst publishes what the Sender would have, and the
// Sender's cursor is exact again once the burst has ended.
#include <gtest/gtest.h>

#include <cstdint>
#include <ichannel/ichannel.hpp>
#include <span>
#include <vector>

namespace ichannel {
namespace {

struct Pod {
  std::uint64_t a;
  std::uint64_t b;
};

TEST(SenderBurst, SameSequenceAsTheSenderAndCursorWrittenBack) {
  std::vector<Message<Pod>> ring(8);
  auto tx = Sender<Pod>::with_init(ring);
  Receiver<Pod> rx{std::span<const Message<Pod>>(ring)};
  EXPECT_EQ(tx.send(Pod{1, 10}), 1u);
  {
    SenderBurst<Pod> burst(tx);
    EXPECT_TRUE(burst.active());
    EXPECT_EQ(burst.next_seq(), 2u);
    EXPECT_EQ(burst.send(Pod{2, 20}), 2u);
    EXPECT_EQ(burst.send_with([](Pod& p) { p = Pod{3, 30}; }), 3u);
    EXPECT_EQ(burst.next_seq(), 4u);
  }
  EXPECT_EQ(tx.next_seq(), 4u);
  EXPECT_EQ(tx.send(Pod{4, 40}), 4u);
  for (std::uint64_t i = 1; i <= 4; ++i) {
    auto m = rx.try_recv();
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->seq, i);
    EXPECT_EQ(m->value.a, i);
    EXPECT_EQ(m->value.b, 10 * i);
  }
  EXPECT_FALSE(rx.try_recv().has_value());
  EXPECT_EQ(rx.lost(), 0u);
}

TEST(SenderBurst, WrapsTheRingAndKeepsTheDirtyMarks) {
  std::vector<Message<Pod>> ring(4);
  auto tx = Sender<Pod>::with_init(ring);
  Receiver<Pod> rx{std::span<const Message<Pod>>(ring)};
  for (std::uint64_t round = 0; round < 5; ++round) {
    SenderBurst<Pod> burst(tx);
    for (int k = 0; k < 3; ++k) {
      const std::uint64_t s = burst.next_seq();
      EXPECT_EQ(burst.send(Pod{s, s * 2}), s);
    }
    // Read inside the burst: the messages are published as they are sent.
    for (int k = 0; k < 3; ++k) {
      auto m = rx.try_recv();
      ASSERT_TRUE(m.has_value());
      EXPECT_EQ(m->value.a, m->seq);
      EXPECT_EQ(m->value.b, 2 * m->seq);
    }
  }
  EXPECT_EQ(tx.next_seq(), 16u);
  EXPECT_EQ(rx.lost(), 0u);
}

TEST(SenderBurst, InactiveBurstTouchesNothing) {
  std::vector<Message<Pod>> ring(4);
  auto tx = Sender<Pod>::with_init(ring);
  {
    SenderBurst<Pod> idle;
    EXPECT_FALSE(idle.active());
  }
  EXPECT_EQ(tx.next_seq(), 1u);
}

}  // namespace
}  // namespace ichannel
