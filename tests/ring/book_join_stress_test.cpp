// book_join_stress_test.cpp: join_books with the producer at full speed. A producer thread
// publishes a synthetic tick stream for a few instruments in the daemon's order (tick, table,
// TopOfBook; book_join_producer.hpp); joiners start at random moments of its run, join a
// random set of instruments over the Tick or the TopOfBook channel, and follow to the end: table
// snapshot + followed records must equal the producer's full history. On a ring too small to
// hold a join's duration the joins are refused (lapped / no longer holds) or, when they get
// through, exact. Also in the TSan build. Ticks: ICHANNEL_JOIN_STRESS_TICKS (default 200,000;
// 40,000 under TSan).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <ichannel/book_join.hpp>
#include "tests/ring/book_join_producer.hpp"

namespace ichannel {
namespace {

using test::SyntheticFeed;
using test::verify_join;

std::uint64_t tick_count() {
  if (const char* env = std::getenv("ICHANNEL_JOIN_STRESS_TICKS")) {
    return std::strtoull(env, nullptr, 10);
  }
#if defined(ICHANNEL_TSAN)
  return 40'000;
#else
  return 200'000;
#endif
}

struct XorShift {
  std::uint64_t s;
  std::uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
};

constexpr std::uint32_t kInstruments = 8;  // locates 1..7 used, 0 feed-wide

struct Joiner {
  std::uint64_t start_at = 0;  // producer progress to wait for
  bool tob = false;
  std::vector<std::uint16_t> instruments;
  std::optional<Result<JoinedBooks<Tick>>> ticks;
  std::optional<Result<JoinedBooks<TopOfBook>>> tobs;
  std::vector<Received<Tick>> got_ticks;
  std::vector<Received<TopOfBook>> got_tobs;
};

template <class T>
void follow(JoinedBooks<T>& j, std::vector<Received<T>>& got, const std::atomic<bool>& done) {
  for (;;) {
    // acquire: pairs with the producer's release store after its last send, so the drain
    // below sees every record.
    const bool finished = done.load(std::memory_order_acquire);
    while (auto r = j.try_recv()) got.push_back(*r);
    if (finished) return;  // done was set after the last send: the drain above saw everything
    std::this_thread::yield();
  }
}

struct Outcome {
  int verified = 0, refused = 0, inexact = 0;
  std::vector<std::string> failures;
};

Outcome run(const std::string& dir, std::uint64_t capacity, int joiners, std::uint64_t seed) {
  Outcome out;
  const std::uint64_t n = tick_count();
  auto f = SyntheticFeed::create(dir, capacity, kInstruments);
  if (!f) {
    out.failures.push_back(f.error().message);
    return out;
  }
  f->history.reserve(n);
  XorShift rng{seed};
  std::vector<Joiner> js(static_cast<std::size_t>(joiners));
  for (int k = 0; k < joiners; ++k) {
    Joiner& j = js[static_cast<std::size_t>(k)];
    j.start_at = rng.next() % n;
    j.tob = (k & 1) != 0;
    const std::uint64_t mask = 1 + rng.next() % 127;  // a non-empty subset of 1..7
    for (std::uint16_t i = 1; i < kInstruments; ++i) {
      if ((mask >> (i - 1)) & 1) j.instruments.push_back(i);
    }
  }
  // release by the producer after each step, acquire by joiners waiting for their moment.
  std::atomic<std::uint64_t> progress{0};
  std::atomic<bool> done{false};
  AttachOptions ao;
  ao.dir = dir;

  std::thread producer([&] {
    XorShift r{seed * 7 + 1};
    for (std::uint64_t k = 0; k < n; ++k) {
      const std::uint64_t x = r.next();
      const auto instrument = static_cast<std::uint16_t>(x % 16 == 0 ? 0 : 1 + x % 7);
      f->step(instrument, static_cast<std::uint32_t>(1 + (x >> 8) % 100));
      progress.store(k + 1, std::memory_order_release);
    }
    // release: pairs with the joiners' acquire load; everything was published before.
    done.store(true, std::memory_order_release);
  });
  std::vector<std::thread> threads;
  for (Joiner& j : js) {
    threads.emplace_back([&] {
      while (progress.load(std::memory_order_acquire) < j.start_at) std::this_thread::yield();
      std::span<const std::uint16_t> is(j.instruments);
      if (j.tob) {
        j.tobs.emplace(join_books<TopOfBook>("books", "tob", is, ao));
        if (*j.tobs) follow(**j.tobs, j.got_tobs, done);
      } else {
        j.ticks.emplace(join_books<Tick>("books", "ticks", is, ao));
        if (*j.ticks) follow(**j.ticks, j.got_ticks, done);
      }
    });
  }
  producer.join();
  for (auto& t : threads) t.join();

  const auto judge = [&](auto& result, auto& got) {
    if (!result) {
      const std::string& m = result.error().message;
      if (m.find("was lapped during the join") != std::string::npos ||
          m.find("no longer holds what follows") != std::string::npos) {
        ++out.refused;
      } else {
        out.failures.push_back(m);
      }
      return;
    }
    if (!result->exact()) {
      ++out.inexact;
      return;
    }
    if (auto ok = verify_join(*result, got, f->history); !ok) {
      out.failures.push_back(ok.message());
    } else {
      ++out.verified;
    }
  };
  for (Joiner& j : js) {
    if (j.tob) {
      judge(*j.tobs, j.got_tobs);
    } else {
      judge(*j.ticks, j.got_ticks);
    }
  }
  return out;
}

class BookJoinStress : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/dev/shm/ichannel-join-stress-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    ::chmod(base_.c_str(), 0755);
  }
  void TearDown() override { std::filesystem::remove_all(base_); }
  std::string base_;
};

TEST_F(BookJoinStress, JoinersAtRandomMomentsEndWithTheProducersFullHistory) {
  // The rings hold the whole run: no join may be refused, every one must be exact.
  const std::uint64_t cap = std::bit_ceil(tick_count() + 2);
  for (std::uint64_t seed : {0x9e3779b97f4a7c15ull, 0x2545f4914f6cdd1dull}) {
    const std::string dir = base_ + "/" + std::to_string(seed % 1000);
    Outcome o = run(dir, cap, 6, seed);
    for (const std::string& m : o.failures) ADD_FAILURE() << m;
    EXPECT_EQ(o.refused, 0);
    EXPECT_EQ(o.inexact, 0);
    EXPECT_EQ(o.verified, 6);
  }
}

TEST_F(BookJoinStress, OnWrappingRingsJoinsAreRefusedOrExactNeverWrong) {
  // 8 slots: most joins are refused or lapped; 32768: the rings have wrapped before most
  // joins (the q0 check is live) and most joiners keep up.
  Outcome total;
  for (std::uint64_t seed : {11ull, 12ull, 13ull, 14ull}) {
    const std::string dir = base_ + "/" + std::to_string(seed);
    Outcome o = run(dir, seed % 2 == 0 ? 32768 : 8, 6, seed);
    for (const std::string& m : o.failures) ADD_FAILURE() << m;
    total.verified += o.verified;
    total.refused += o.refused;
    total.inexact += o.inexact;
  }
  std::printf("wrapping rings: %d refused, %d exact, %d lapped while following\n", total.refused,
              total.verified, total.inexact);
  EXPECT_EQ(total.refused + total.verified + total.inexact, 24);
}

TEST_F(BookJoinStress, AJoinWhileTheRingIsLappedIsRefusedNotWrong) {
  // Joins in a loop against a producer that laps a 4-slot ring within a microsecond: a join
  // (file opens, an inspect) that overlaps it must be refused. One that gets through (the
  // producer was descheduled meanwhile) must be exact: tick seq s is of instrument
  // 1 + (s - 1) % 7 and every tick goes to the channel (channel seq == feed seq), so the first
  // tick of instrument i after its snapshot must be at or after the cursor.
  auto f = SyntheticFeed::create(base_ + "/lap", 4, kInstruments);
  ASSERT_TRUE(f) << f.error().message;
  std::atomic<bool> stop{false};           // relaxed stop flag, pairs with nothing
  std::atomic<std::uint64_t> progress{0};  // relaxed: a warm-up counter, pairs with nothing
  std::thread producer([&] {
    std::uint64_t k = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      const auto i = static_cast<std::uint16_t>(1 + k % 7);
      f->apply(f->publish_tick(i, 1), i, 1);
      if (f->history.size() > 100'000) f->history.clear();
      progress.store(++k, std::memory_order_relaxed);
    }
  });
  while (progress.load(std::memory_order_relaxed) < 10'000) std::this_thread::yield();
  AttachOptions ao;
  ao.dir = base_ + "/lap";
  int refused = 0, through = 0;
  std::uint64_t max_through = 0;  // most ticks published around a join that got through
  std::vector<std::string> other;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while ((refused < 20 || through + refused < 200) && std::chrono::steady_clock::now() < until) {
    const std::uint64_t p0 = progress.load(std::memory_order_relaxed);
    auto j = join_books<Tick>("books", "ticks", {1, 2}, ao);
    const std::uint64_t p1 = progress.load(std::memory_order_relaxed);
    if (j) {
      ++through;
      max_through = std::max(max_through, p1 - p0);
      const std::uint64_t cursor = j->channel().receiver().next_seq();
      for (std::uint16_t i : {1, 2}) {
        const std::uint64_t snap = j->snapshot(i)->seq;
        const std::uint64_t first = snap + 1 + ((i - 1) + 7 - snap % 7) % 7;  // of i, > snap
        if (first < cursor) {
          ADD_FAILURE() << "instrument " << i << ": snapshot at " << snap << ", its next tick "
                        << first << " is before the cursor " << cursor;
        }
      }
      continue;
    }
    const std::string& m = j.error().message;
    if (m.find("was lapped during the join") != std::string::npos ||
        m.find("no longer holds what follows") != std::string::npos) {
      ++refused;
    } else {
      other.push_back(m);
    }
  }
  stop.store(true, std::memory_order_relaxed);
  producer.join();
  for (const std::string& m : other) ADD_FAILURE() << m;
  std::printf("lapped ring: %d refused, %d got through (at most %llu ticks around one)\n", refused,
              through, static_cast<unsigned long long>(max_through));
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace ichannel
