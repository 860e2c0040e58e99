// tests/ring/sender_burst_test.cpp: SenderBurst publishes what the Sender would have, and the
// Sender's cursor is exact again once the burst has ended.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
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
    for (int k = 0; k < 2; ++k) {  // capacity - 2: the most a ring of 4 holds unread
      const std::uint64_t s = burst.next_seq();
      EXPECT_EQ(burst.send(Pod{s, s * 2}), s);
    }
    // Read inside the burst: the messages are published as they are sent.
    for (int k = 0; k < 2; ++k) {
      auto m = rx.try_recv();
      ASSERT_TRUE(m.has_value());
      EXPECT_EQ(m->value.a, m->seq);
      EXPECT_EQ(m->value.b, 2 * m->seq);
    }
  }
  EXPECT_EQ(tx.next_seq(), 11u);
  EXPECT_EQ(rx.lost(), 0u);
}

std::uint64_t state_of(const std::vector<Message<Pod>>& ring, std::uint64_t seq) {
  std::uint64_t s = 0;
  std::memcpy(&s, static_cast<const void*>(&ring[seq & (ring.size() - 1)]), sizeof s);
  return s;
}

// Inside a burst the dirty mark goes one slot ahead (the burst streams), and the burst's end marks
// the slot after next as well, so a Sender::send after it (two ahead) finds its slot marked.
TEST(SenderBurst, MarksOneAheadAndItsEndRestoresTheTwoMarksSendsRelyOn) {
  std::vector<Message<Pod>> ring(8);
  auto tx = Sender<Pod>::with_init(ring);
  EXPECT_EQ(tx.send(Pod{1, 10}), 1u);  // marks 2 (with_init) and 3
  {
    SenderBurst<Pod> burst(tx);
    burst.send(Pod{2, 20});
    burst.send(Pod{3, 30});
    EXPECT_EQ(state_of(ring, 3), 3u);
    EXPECT_EQ(state_of(ring, 4), 4 | kDirtyBit) << "D of burst send(3): one ahead";
    EXPECT_EQ(state_of(ring, 5), 0u) << "not marked inside the burst";
  }
  EXPECT_EQ(state_of(ring, 5), 5 | kDirtyBit) << "E: the burst's end marks next + 1";
  EXPECT_EQ(tx.send(Pod{4, 40}), 4u);
  EXPECT_EQ(state_of(ring, 6), 6 | kDirtyBit) << "Sender::send: two ahead";
  {
    SenderBurst<Pod> empty(tx);  // a burst that sends nothing changes nothing a reader sees
  }
  EXPECT_EQ(state_of(ring, 5), 5 | kDirtyBit);
  EXPECT_EQ(state_of(ring, 6), 6 | kDirtyBit);
}

// Sends and bursts of every length alternate over many laps; a receiver that keeps up gets every
// message, one that falls behind loses exactly what was overwritten, and the counts add up.
TEST(SenderBurst, SendsAndBurstsInterleavedOverManyLapsLoseNothingWhenRead) {
  std::vector<Message<Pod>> ring(8);
  auto tx = Sender<Pod>::with_init(ring);
  Receiver<Pod> rx{std::span<const Message<Pod>>(ring)};
  Receiver<Pod> slow{std::span<const Message<Pod>>(ring)};
  std::uint64_t got = 0, slow_got = 0;
  for (std::uint64_t round = 0; round < 200; ++round) {
    const std::uint64_t n = round % 7;  // burst lengths 0 .. 6 (at most N-2 unread)
    if (round % 3 == 0) {
      tx.send(Pod{tx.next_seq(), 0});
    } else {
      SenderBurst<Pod> burst(tx);
      for (std::uint64_t k = 0; k < n; ++k) burst.send(Pod{burst.next_seq(), 0});
    }
    while (auto m = rx.try_recv()) {
      EXPECT_EQ(m->value.a, m->seq);
      ++got;
    }
    if (round % 5 == 0) {
      while (auto m = slow.try_recv()) {
        EXPECT_EQ(m->value.a, m->seq);
        ++slow_got;
      }
    }
  }
  const std::uint64_t sent = tx.next_seq() - 1;
  EXPECT_EQ(got, sent);
  EXPECT_EQ(rx.lost() + rx.skipped(), 0u);
  while (auto m = slow.try_recv()) ++slow_got;
  EXPECT_GT(slow.lost(), 0u);
  EXPECT_EQ(slow_got + slow.lost() + slow.skipped(), sent);
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
