// app/book against the ReferenceBook on the simulator's generated sessions (app/tools/sim): after
// every message the touched instrument's top N, top, counts and every counter are equal; a
// well-formed session has no unknown or duplicate reference and no crossed or locked add; a
// session start between two sessions clears the books (the second session's references restart).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "book/feed_books.hpp"
#include "tests/book/book_check.hpp"
#include "tools/sim/generator.hpp"

namespace ichannel::book {
namespace {

// The simulator's realistic book model (GeneratorConfig::peak_live_orders, issue 11) when it is
// there: books that build up, never crossed or locked. The earlier flat model lets prices walk
// past resting orders (crossed and locked adds happen): there both books must still agree.
template <class C>
constexpr bool kBookModel = requires(C c) {
  c.peak_live_orders;
};

template <class C>
void realistic(C& config, std::uint64_t peak) {
  if constexpr (kBookModel<C>) config.peak_live_orders = peak;
}

BookLimits limits() {
  BookLimits l;
  l.max_orders = 1 << 20;
  l.level_store_levels = 1 << 20;
  return l;
}

// Applies one generated session to the twin; seq continues from `seq`.
void play(test::Twin& w, std::uint64_t messages, std::uint32_t symbols, std::uint64_t seed,
          std::uint64_t& seq) {
  sim::GeneratorConfig config;
  config.messages = messages;
  config.symbols = symbols;
  config.seed = seed;
  realistic(config, messages / 4);
  sim::Generator gen(config);
  std::vector<std::uint8_t> msg;
  std::uint64_t time_ns = 0;
  Tick t{};
  while (gen.next(msg, time_ns, &t)) {
    t.seq = ++seq;
    ASSERT_TRUE(w.apply(t)) << "seed " << seed << " message " << seq;
  }
}

void expect_well_formed(const BookCounters& c) {
  EXPECT_EQ(c.unknown_refs, 0u);
  EXPECT_EQ(c.duplicate_refs, 0u);
  EXPECT_EQ(c.over_executions, 0u);
  EXPECT_EQ(c.over_cancels, 0u);
  EXPECT_EQ(c.rejected_adds, 0u);
  if constexpr (kBookModel<sim::GeneratorConfig>) {
    EXPECT_EQ(c.crossed, 0u);
    EXPECT_EQ(c.locked, 0u);
  }
  EXPECT_EQ(c.order_store_full + c.level_store_full, 0u);
  EXPECT_EQ(c.marks, 0u);
}

TEST(BookSimSession, GeneratedSessionsMatchTheReferenceAfterEveryMessage) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    test::Twin w(limits());
    std::uint64_t seq = 0;
    play(w, 150'000, 300, seed, seq);
    ASSERT_TRUE(test::same_everywhere(*w.books, w.ref, 10));
    expect_well_formed(w.books->counters());
    EXPECT_GT(w.books->counters().adds, 50'000u);
    EXPECT_GT(w.books->counters().replaces + w.books->counters().executes, 5'000u);
  }
}

TEST(BookSimSession, SessionStartBetweenTwoSessionsClearsTheBooks) {
  test::Twin w(limits());
  std::uint64_t seq = 0;
  play(w, 20'000, 100, 5, seq);
  const std::uint64_t live = w.books->counters().live_orders;
  ASSERT_GT(live, 0u);
  ASSERT_TRUE(w.apply(test::session_start_tick()));
  EXPECT_EQ(w.books->counters().live_orders, 0u);
  EXPECT_EQ(w.books->counters().resets, 1u);
  seq = 0;
  play(w, 20'000, 100, 6, seq);  // the same order references again: no duplicates
  ASSERT_TRUE(test::same_everywhere(*w.books, w.ref, 10));
  expect_well_formed(w.books->counters());
}

}  // namespace
}  // namespace ichannel::book
