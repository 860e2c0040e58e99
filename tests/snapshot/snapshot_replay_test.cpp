// tests/snapshot/snapshot_replay_test.cpp: SnapshotReplay (snapshot/snapshot_replay.hpp) decides
// which buffered live ticks a book rebuilt from a snapshot still needs: the snapshot's sequence
// before, inside and after what was buffered, a live feed lossy while the snapshot was taken, a
// session change, and the books it leaves equal to books that saw every message.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include <ichannel/tick.hpp>

#include "book/feed_books.hpp"
#include "snapshot/snapshot_replay.hpp"

namespace ichannel::snapshot {
namespace {

book::BookLimits limits() {
  book::BookLimits l;
  l.max_orders = 1024;
  l.level_store_levels = 1024;
  l.instruments = 16;
  return l;
}

// Message `seq`: an add of order `seq` on instrument 1 + seq % 3, price 100 + seq % 7.
Tick add(std::uint64_t seq) {
  Tick t{};
  t.seq = seq;
  t.order_id = seq;
  t.price = static_cast<std::int64_t>(100 + seq % 7) * 10'000;
  set_tail(t, 100, static_cast<std::uint16_t>(1 + seq % 3), Action::kAdd,
           seq % 2 == 0 ? Side::kBuy : Side::kSell);
  return t;
}

Tick gap(std::uint64_t first, std::uint64_t count) {
  Tick t{};
  t.seq = first;
  t.aux = count;
  set_tail(t, 0, 0, Action::kGap, Side::kNone);
  set_head(t, 0, 0, kTickAfterGap);
  return t;
}

Tick status(char source, std::uint64_t seq) {
  Tick t{};
  t.seq = seq;
  t.aux = static_cast<std::uint64_t>(source);
  set_tail(t, 0, 0, Action::kStatus, static_cast<Side>('E'));
  return t;
}

// Books that applied messages [from, to].
void apply_range(book::FeedBooks& b, std::uint64_t from, std::uint64_t to) {
  for (std::uint64_t s = from; s <= to; ++s) (void)b.apply(add(s));
}

void expect_same_books(const book::FeedBooks& a, const book::FeedBooks& b) {
  EXPECT_EQ(a.counters().live_orders, b.counters().live_orders);
  for (std::uint16_t i = 1; i < 4; ++i) {
    EXPECT_EQ(a.top(i), b.top(i)) << "instrument " << i;
    EXPECT_EQ(a.order_count(i, book::BookSide::kBid), b.order_count(i, book::BookSide::kBid));
    EXPECT_EQ(a.order_count(i, book::BookSide::kAsk), b.order_count(i, book::BookSide::kAsk));
  }
}

TEST(SnapshotReplay, SnapshotInsideTheBufferSkipsWhatItHoldsAndAppliesTheRestOnce) {
  book::FeedBooks truth(limits()), rebuilt(limits());
  apply_range(truth, 1, 300);
  apply_range(rebuilt, 1, 149);  // the snapshot: everything before S = 150
  SnapshotReplay r(150);
  for (std::uint64_t s = 100; s <= 300; ++s) r.offer(add(s), rebuilt);  // buffered from 100
  EXPECT_FALSE(r.failed());
  EXPECT_EQ(r.skipped(), 50u);
  EXPECT_EQ(r.applied(), 151u);
  EXPECT_EQ(r.last_applied(), 300u);
  EXPECT_EQ(r.next(), 301u);
  EXPECT_EQ(rebuilt.counters().duplicate_refs, 0u) << "nothing applied twice";
  expect_same_books(truth, rebuilt);
}

TEST(SnapshotReplay, SnapshotAtTheBuffersFirstMessageAppliesEverything) {
  book::FeedBooks truth(limits()), rebuilt(limits());
  apply_range(truth, 1, 80);
  apply_range(rebuilt, 1, 39);
  SnapshotReplay r(40);
  for (std::uint64_t s = 40; s <= 80; ++s) EXPECT_EQ(r.offer(add(s), rebuilt), ReplayVerdict::kApplied);
  EXPECT_EQ(r.skipped(), 0u);
  expect_same_books(truth, rebuilt);
}

TEST(SnapshotReplay, SnapshotAfterEverythingBufferedSkipsAllThenAppliesWhatFollows) {
  book::FeedBooks truth(limits()), rebuilt(limits());
  apply_range(truth, 1, 120);
  apply_range(rebuilt, 1, 109);  // S = 110: the buffer (50..100) is all in the snapshot
  SnapshotReplay r(110);
  for (std::uint64_t s = 50; s <= 100; ++s) EXPECT_EQ(r.offer(add(s), rebuilt), ReplayVerdict::kSkipped);
  EXPECT_EQ(r.last_applied(), 109u) << "the books hold everything before S";
  EXPECT_FALSE(r.any_applied());
  for (std::uint64_t s = 101; s <= 120; ++s) r.offer(add(s), rebuilt);  // still arriving
  EXPECT_FALSE(r.failed());
  EXPECT_EQ(r.skipped(), 51u + 9u);
  expect_same_books(truth, rebuilt);
}

TEST(SnapshotReplay, CaughtUpOnlyOnceTheLiveFeedReachedTheSnapshot) {
  book::FeedBooks rebuilt(limits());
  SnapshotReplay r(100);
  EXPECT_FALSE(r.caught_up());
  for (std::uint64_t s = 90; s < 99; ++s) r.offer(add(s), rebuilt);
  EXPECT_FALSE(r.caught_up()) << "98 < S - 1: the live feed is behind the snapshot";
  r.offer(add(99), rebuilt);
  EXPECT_TRUE(r.caught_up());
  EXPECT_TRUE(SnapshotReplay(1).caught_up()) << "a snapshot of an empty session";
  SnapshotReplay g(100);
  g.offer(gap(95, 10), rebuilt);
  EXPECT_TRUE(g.caught_up()) << "a gap through S - 1 (the attempt failed anyway)";
}

TEST(SnapshotReplay, SnapshotOlderThanTheBufferIsStale) {
  book::FeedBooks rebuilt(limits());
  SnapshotReplay r(40);
  EXPECT_EQ(r.offer(add(60), rebuilt), ReplayVerdict::kRefused);
  EXPECT_EQ(r.failure(), ReplayFailure::kStale) << "40..59 are in neither";
  EXPECT_EQ(r.offer(add(61), rebuilt), ReplayVerdict::kRefused) << "refused from then on";
  EXPECT_EQ(rebuilt.counters().adds, 0u);
}

TEST(SnapshotReplay, JoinPrefixGapBeforeTheSnapshotIsCovered) {
  // A daemon that joined at 500 reports 1..499 as one gap record; the snapshot (S = 520) holds them.
  book::FeedBooks rebuilt(limits());
  SnapshotReplay r(520);
  EXPECT_EQ(r.offer(gap(1, 499), rebuilt), ReplayVerdict::kSkipped);
  for (std::uint64_t s = 500; s < 520; ++s) EXPECT_EQ(r.offer(add(s), rebuilt), ReplayVerdict::kSkipped);
  EXPECT_EQ(r.offer(add(520), rebuilt), ReplayVerdict::kApplied);
  EXPECT_FALSE(rebuilt.possibly_wrong()) << "a covered gap does not mark the rebuilt books";
}

TEST(SnapshotReplay, LossyLiveFeedWhileSnapshottingFailsWhenTheGapReachesS) {
  book::FeedBooks rebuilt(limits());
  {
    SnapshotReplay r(100);  // gap 90..109 covers S
    r.offer(add(89), rebuilt);
    EXPECT_EQ(r.offer(gap(90, 20), rebuilt), ReplayVerdict::kRefused);
    EXPECT_EQ(r.failure(), ReplayFailure::kGap);
  }
  {
    SnapshotReplay r(100);  // gap after S: the books miss 150..159
    for (std::uint64_t s = 100; s < 150; ++s) r.offer(add(s), rebuilt);
    EXPECT_EQ(r.offer(gap(150, 10), rebuilt), ReplayVerdict::kRefused);
    EXPECT_EQ(r.failure(), ReplayFailure::kGap);
  }
  {
    SnapshotReplay r(100);  // gap wholly before S: fine
    r.offer(add(80), rebuilt);
    EXPECT_EQ(r.offer(gap(81, 10), rebuilt), ReplayVerdict::kSkipped);
    EXPECT_FALSE(r.failed());
  }
}

TEST(SnapshotReplay, SessionChangeFailsAndEndOfSessionIsApplied) {
  book::FeedBooks rebuilt(limits());
  SnapshotReplay r(10);
  r.offer(add(10), rebuilt);
  EXPECT_EQ(r.offer(status('M', 11), rebuilt), ReplayVerdict::kApplied);
  EXPECT_EQ(rebuilt.feed_status().session_ended, 1);
  EXPECT_EQ(r.next(), 11u) << "end of session carries the next sequence, not a message";
  EXPECT_EQ(r.offer(status('m', 0), rebuilt), ReplayVerdict::kRefused);
  EXPECT_EQ(r.failure(), ReplayFailure::kSessionChange);
}

TEST(SnapshotReplay, MessageBeyondNextAfterOthersIsOutOfOrder) {
  book::FeedBooks rebuilt(limits());
  SnapshotReplay r(10);
  r.offer(add(10), rebuilt);
  EXPECT_EQ(r.offer(add(12), rebuilt), ReplayVerdict::kRefused);
  EXPECT_EQ(r.failure(), ReplayFailure::kOutOfOrder);
}

TEST(SnapshotReplay, RepairedBooksIgnoreTheSessionsAfterGapFlagButNotANewGap) {
  book::FeedBooks b(limits());
  (void)b.apply(gap(1, 5));
  ASSERT_TRUE(b.possibly_wrong());
  b.repaired();
  EXPECT_FALSE(b.possibly_wrong());
  Tick t = add(6);
  set_head(t, 0, 0, kTickAfterGap);  // the sequencer keeps flagging the session's ticks
  (void)b.apply(t);
  EXPECT_FALSE(b.possibly_wrong()) << "the flag says nothing about repaired books";
  (void)b.apply(gap(7, 2));
  EXPECT_TRUE(b.possibly_wrong()) << "a new gap marks them again";
  b.reset();
  (void)b.apply(t);
  EXPECT_TRUE(b.possibly_wrong()) << "a session start forgets the repair";
}

}  // namespace
}  // namespace ichannel::snapshot
