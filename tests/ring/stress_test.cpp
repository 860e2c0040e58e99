// stress_test.cpp: one sender at full speed, several receiver threads, small rings.
//
// Every payload carries its own checksum, so a torn read (words from two messages) is caught.
// Checks: no torn value is ever returned, seqs strictly increase, at the end
// received + lost + skipped == published for every receiver (kOldest: skipped == 0), and a view
// consumed twice is refused the second time. Message count: ICHANNEL_STRESS_MESSAGES
// (default 3000000 per full-speed case, an eighth of it paced, 500000 under TSan; a few
// seconds in total). Long run: ICHANNEL_STRESS_MESSAGES=100000000 ring_stress_test.
#include <gtest/gtest.h>
#include <sched.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <ichannel/ichannel.hpp>
#include "tests/ring/peer_payload.hpp"

namespace ichannel {
namespace {

using test::Checked;
using test::intact;
static_assert(sizeof(Message<Checked>) == 64);

Checked make(std::uint64_t seq) {
  return test::make_checked(seq);
}

std::uint64_t message_count() {
  if (const char* env = std::getenv("ICHANNEL_STRESS_MESSAGES")) {
    return std::strtoull(env, nullptr, 10);
  }
#if defined(ICHANNEL_TSAN)
  return 500'000;  // ThreadSanitizer runs 10-20x slower
#else
  return 3'000'000;
#endif
}

struct Tally {
  std::uint64_t received = 0, lost = 0, skipped = 0, torn = 0, out_of_order = 0, last = 0,
                views_failed = 0, reconsumed = 0;
};

// Busy work for the paced sender (an atomic so the loop is not optimized away; only the sender
// touches it, relaxed, no pairing).
std::atomic<std::uint64_t> spin_sink{0};

enum class Mode { kCopy, kCopyOldest, kView };

Tally run_receiver(Receiver<Checked> rx, Mode mode, const std::atomic<bool>& done,
                   std::uint64_t total) {
  Tally t;
  std::uint32_t idle = 0;
  for (;;) {
    bool got = false;
    if (mode == Mode::kView) {
      if (auto v = rx.try_peek()) {
        const Checked c = v->value();
        if (rx.consume(*v)) {
          got = true;
          if (!intact(c) || c.seq != v->seq()) ++t.torn;
          if (v->seq() <= t.last) ++t.out_of_order;
          t.last = v->seq();
          ++t.received;
          const std::uint64_t at = rx.next_seq();
          if (rx.consume(*v) || rx.next_seq() != at) ++t.reconsumed;  // a stale view: refused
        } else {
          ++t.views_failed;  // overwritten while we looked: counted as lost on the next read
        }
      }
    } else if (auto r = rx.try_recv()) {
      got = true;
      if (!intact(r->value) || r->value.seq != r->seq) ++t.torn;
      if (r->seq <= t.last) ++t.out_of_order;
      t.last = r->seq;
      ++t.received;
    }
    if (got) {
      idle = 0;
      continue;
    }
    // acquire: pairs with the sender thread's release store of done after its last send.
    if (done.load(std::memory_order_acquire) && rx.next_seq() > total) break;
    if (++idle > 64) ::sched_yield();  // 2-core machines: let the sender run
  }
  t.lost = rx.lost();
  t.skipped = rx.skipped();
  return t;
}

// (capacity, paced): paced senders pause a little between messages, so receivers keep up and
// most reads race with the writer on the same slot instead of lapping.
class StressTest : public ::testing::TestWithParam<std::tuple<std::size_t, bool>> {};

TEST_P(StressTest, NoTornValueSeqsIncreaseAndReceivedPlusLostPlusSkippedAddsUp) {
  const std::size_t capacity = std::get<0>(GetParam());
  const bool paced = std::get<1>(GetParam());
  // Paced runs are about racing reads, not volume: an eighth of the messages.
  const std::uint64_t total = paced ? message_count() / 8 + 1 : message_count();
  std::vector<Message<Checked>> buf(capacity);
  auto tx = Sender<Checked>::with_init(buf);
  const std::vector<Mode> modes = {Mode::kCopy, Mode::kCopyOldest, Mode::kView};
  std::vector<Tally> tallies(modes.size());
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < modes.size(); ++i) {
    Receiver<Checked> rx(buf,
                         modes[i] == Mode::kCopyOldest ? LapPolicy::kOldest : LapPolicy::kNewest);
    threads.emplace_back([&, rx, i] { tallies[i] = run_receiver(rx, modes[i], done, total); });
  }
  std::thread sender([&] {
    for (std::uint64_t n = 1; n <= total; ++n) {
      if (tx.send(make(n)) != n) std::abort();
      if (paced) {
        for (int i = 0; i < 64; ++i) spin_sink.fetch_add(1, std::memory_order_relaxed);
      }
    }
    // release: pairs with the receivers' acquire load of done.
    done.store(true, std::memory_order_release);
  });
  sender.join();
  for (auto& t : threads) t.join();

  for (std::size_t i = 0; i < modes.size(); ++i) {
    const Tally& t = tallies[i];
    SCOPED_TRACE("receiver " + std::to_string(i));
    EXPECT_EQ(t.torn, 0u);
    EXPECT_EQ(t.out_of_order, 0u);
    EXPECT_EQ(t.received + t.lost + t.skipped, total);
    EXPECT_EQ(t.reconsumed, 0u) << "a consumed view consumed again moved the cursor";
    if (modes[i] == Mode::kCopyOldest) {
      EXPECT_EQ(t.skipped, 0u) << "kOldest never skips intact";
    }
    EXPECT_EQ(t.last, total) << "the newest message is always delivered";
    EXPECT_GT(t.received, 0u);
    std::printf(
        "capacity %zu paced %d receiver %zu: received %llu lost %llu skipped %llu failed views "
        "%llu\n",
        capacity, static_cast<int>(paced), i, static_cast<unsigned long long>(t.received),
        static_cast<unsigned long long>(t.lost), static_cast<unsigned long long>(t.skipped),
                static_cast<unsigned long long>(t.views_failed));
  }
}

INSTANTIATE_TEST_SUITE_P(SmallRings, StressTest,
                         ::testing::Combine(::testing::Values(2u, 4u, 64u), ::testing::Bool()),
                         [](const auto& info) {
                           return "capacity" + std::to_string(std::get<0>(info.param)) +
                                  (std::get<1>(info.param) ? "Paced" : "FullSpeed");
                         });

}  // namespace
}  // namespace ichannel
