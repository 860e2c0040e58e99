// book_join_test.cpp: join_books in one thread: the hand-over of a quiet producer (Tick and
// TopOfBook), a table lagging its channel (within and beyond what the channel holds), an empty
// channel, a lap after the join, and the refusals (a dead producer, another feed, bad
// instruments). At full speed with joiners at random moments: book_join_stress_test.cpp; two
// producer processes: book_table_process_test.cpp.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <ichannel/book_join.hpp>
#include "tests/ring/book_join_producer.hpp"

namespace ichannel {
namespace {

using namespace std::chrono_literals;
using test::SyntheticFeed;
using test::verify_join;

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

class BookJoin : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/dev/shm/ichannel-join-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    ::chmod(base_.c_str(), 0755);
    dir_ = base_ + "/ch";
    opts_.dir = dir_;
  }
  void TearDown() override { std::filesystem::remove_all(base_); }

  // A deterministic mix: instruments 1..5 and a feed-wide tick every 7th.
  static void run(SyntheticFeed& f, int n, int salt = 0) {
    for (int k = 0; k < n; ++k) {
      const int x = k * 31 + salt;
      const auto instrument = static_cast<std::uint16_t>(x % 7 == 0 ? 0 : 1 + x % 5);
      f.step(instrument, static_cast<std::uint32_t>(1 + (x * 13) % 100));
    }
  }
  template <class T>
  static std::vector<Received<T>> drain(JoinedBooks<T>& j) {
    std::vector<Received<T>> got;
    while (auto r = j.try_recv()) got.push_back(*r);
    return got;
  }

  std::string base_, dir_;
  AttachOptions opts_;
};

TEST_F(BookJoin, TicksAfterTheSnapshotsAreHandedOverExactly) {
  auto f = SyntheticFeed::create(dir_, 1024, 16);
  ASSERT_TRUE(f) << f.error().message;
  run(*f, 300);
  auto j = join_books<Tick>("books", "ticks", {1, 2, 4}, opts_);
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_EQ(j->join_seq(), 300u);
  EXPECT_EQ(j->table_seq_at_attach(), 300u);
  ASSERT_NE(j->snapshot(2), nullptr);
  EXPECT_EQ(j->snapshot(3), nullptr);
  EXPECT_EQ(j->instruments().size(), 3u);
  run(*f, 200, 5);
  auto got = drain(*j);
  EXPECT_TRUE(verify_join(*j, got, f->history));
  EXPECT_EQ(got.size() + j->filtered(), 500u);  // every record of the ring: taken or passed
  EXPECT_TRUE(j->exact());
}

TEST_F(BookJoin, TopOfBookRecordsAfterTheSnapshotsAreHandedOverExactly) {
  auto f = SyntheticFeed::create(dir_, 1024, 16);
  ASSERT_TRUE(f) << f.error().message;
  run(*f, 300);
  auto j = join_books<TopOfBook>("books", "tob", {3, 5}, opts_);
  ASSERT_TRUE(j) << j.error().message;
  run(*f, 200, 9);
  auto got = drain(*j);
  EXPECT_FALSE(got.empty());
  EXPECT_TRUE(verify_join(*j, got, f->history));
  EXPECT_TRUE(j->exact());
}

TEST_F(BookJoin, AJoinBetweenATickAndItsTableUpdateGetsThatTickFromTheChannel) {
  auto f = SyntheticFeed::create(dir_, 1024, 16);
  ASSERT_TRUE(f) << f.error().message;
  run(*f, 50);
  // The producer is between step 1 (tick published) and step 3 (table) of a tick.
  const std::uint64_t seq = f->publish_tick(2, 11);
  auto j = join_books<Tick>("books", "ticks", {2}, opts_);
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_LT(j->snapshot(2)->seq, seq);
  f->apply(seq, 2, 11);
  auto t = join_books<TopOfBook>("books", "tob", {2}, opts_);  // after the table, before nothing
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->snapshot(2)->seq, seq);
  run(*f, 50, 3);
  auto got = drain(*j);
  EXPECT_TRUE(verify_join(*j, got, f->history));
  const auto own = std::find_if(got.begin(), got.end(),
                                [](const Received<Tick>& r) { return r.value.instrument == 2; });
  ASSERT_NE(own, got.end());
  EXPECT_EQ(own->value.seq, seq);  // the tick the table had not applied yet
  auto tgot = drain(*t);
  EXPECT_TRUE(verify_join(*t, tgot, f->history));
}

TEST_F(BookJoin, ATableLaggingItsChannelWithinWhatTheChannelHoldsIsExact) {
  // The books on their own lcore: the table follows the channel at a distance.
  auto f = SyntheticFeed::create(dir_, 64, 16);
  ASSERT_TRUE(f) << f.error().message;
  std::vector<std::pair<std::uint64_t, std::pair<std::uint16_t, std::uint32_t>>> pending;
  std::size_t applied = 0;
  for (int k = 0; k < 200; ++k) {
    const auto instrument = static_cast<std::uint16_t>(k % 9 == 0 ? 0 : 1 + k % 4);
    const auto qty = static_cast<std::uint32_t>(1 + k % 17);
    pending.push_back({f->publish_tick(instrument, qty), {instrument, qty}});
    if (pending.size() - applied > 30) {  // lag 30 < 63 the ring holds
      f->apply(pending[applied].first, pending[applied].second.first,
               pending[applied].second.second);
      ++applied;
    }
  }
  auto j = join_books<Tick>("books", "ticks", {1, 2, 3, 4}, opts_);
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_LT(j->join_seq(), 200u);
  for (; applied < pending.size(); ++applied) {
    f->apply(pending[applied].first, pending[applied].second.first, pending[applied].second.second);
  }
  auto got = drain(*j);
  EXPECT_TRUE(verify_join(*j, got, f->history));
  EXPECT_TRUE(j->exact());
}

TEST_F(BookJoin, AChannelThatNoLongerHoldsWhatFollowsTheTableIsRefused) {
  auto f = SyntheticFeed::create(dir_, 64, 16);
  ASSERT_TRUE(f) << f.error().message;
  for (int k = 0; k < 10; ++k) f->step(1, 1);
  for (int k = 0; k < 200; ++k) f->publish_tick(1, 1);  // the table stays at 10
  auto j = join_books<Tick>("books", "ticks", {1}, opts_);
  ASSERT_FALSE(j);
  EXPECT_TRUE(contains(j.error().message,
                       "channel ticks no longer holds what follows book table "
                       "books: its oldest record has feed seq"))
      << j.error().message;
  EXPECT_TRUE(contains(j.error().message, "the table had applied up to 10 (needs <= 11)"))
      << j.error().message;
}

TEST_F(BookJoin, ARingThatNeverWrappedHoldsEverythingWhateverTheTableSays) {
  auto f = SyntheticFeed::create(dir_, 1024, 16);
  ASSERT_TRUE(f) << f.error().message;
  // Ticks the table never saw (a channel attached to a table that lags by 500): all there.
  std::vector<std::uint64_t> seqs;
  for (int k = 0; k < 500; ++k) seqs.push_back(f->publish_tick(1 + k % 3, 2));
  auto j = join_books<Tick>("books", "ticks", {1, 3}, opts_);
  ASSERT_TRUE(j) << j.error().message;
  for (int k = 0; k < 500; ++k) f->apply(seqs[k], 1 + k % 3, 2);
  auto got = drain(*j);
  EXPECT_TRUE(verify_join(*j, got, f->history));
}

TEST_F(BookJoin, AnEmptyChannelHandsOverEverythingThatComesLater) {
  auto f = SyntheticFeed::create(dir_, 64, 16);
  ASSERT_TRUE(f) << f.error().message;
  auto j = join_books<TopOfBook>("books", "tob", {1, 2, 3, 4, 5}, opts_);
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_EQ(j->snapshot(1)->seq, 0u);
  run(*f, 40);
  auto got = drain(*j);
  EXPECT_TRUE(verify_join(*j, got, f->history));
  auto r = j->recv_for(1ms);
  EXPECT_FALSE(r);
  EXPECT_EQ(r.producer.to, ProducerState::kSame);
}

TEST_F(BookJoin, RecvForSkipsPassedRecordsAndReturnsTheNextWantedOne) {
  auto f = SyntheticFeed::create(dir_, 256, 16);
  ASSERT_TRUE(f) << f.error().message;
  auto j = join_books<Tick>("books", "ticks", {4}, opts_);
  ASSERT_TRUE(j) << j.error().message;
  for (int k = 0; k < 20; ++k) f->step(1, 1);
  f->step(4, 7);
  auto r = j->recv_for(100ms);
  ASSERT_TRUE(r);
  EXPECT_EQ(r.message->value.instrument, 4u);
  EXPECT_EQ(r.message->value.qty, 7u);
  EXPECT_EQ(j->filtered(), 20u);
}

TEST_F(BookJoin, ALapAfterTheJoinIsCountedAndTheHandOverIsNoLongerExact) {
  auto f = SyntheticFeed::create(dir_, 64, 16);
  ASSERT_TRUE(f) << f.error().message;
  run(*f, 10);
  auto j = join_books<Tick>("books", "ticks", {1}, opts_);
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_TRUE(j->exact());
  run(*f, 300);
  (void)drain(*j);
  EXPECT_GT(j->lost() + j->skipped(), 0u);
  EXPECT_FALSE(j->exact());
}

TEST_F(BookJoin, AChannelWithoutALiveProducerIsRefused) {
  ChannelOptions co;
  co.dir = dir_;
  { auto gone = ProducerChannel<Tick>::create("ticks", 64, co); }
  BookTableOptions bo;
  bo.dir = dir_;
  bo.instruments = 16;
  auto w = BookTableWriter::create("books", bo);
  ASSERT_TRUE(w) << w.error().message;
  auto j = join_books<Tick>("books", "ticks", {1}, opts_);
  ASSERT_FALSE(j);
  EXPECT_TRUE(contains(j.error().message, "channel ticks has no live producer"))
      << j.error().message;
  *w = BookTableWriter{};
  auto tx = ProducerChannel<Tick>::create("ticks", 64, co);
  ASSERT_TRUE(tx);
  j = join_books<Tick>("books", "ticks", {1}, opts_);
  ASSERT_FALSE(j);
  EXPECT_TRUE(contains(j.error().message, "book table books has no live producer"))
      << j.error().message;
}

TEST_F(BookJoin, AChannelOfAnotherFeedIsRefused) {
  auto f = SyntheticFeed::create(dir_, 64, 16);
  ASSERT_TRUE(f) << f.error().message;
  BookTableOptions bo;
  bo.dir = dir_;
  bo.instruments = 16;
  bo.feed_index = 5;
  bo.feed_name = "other";
  auto w = BookTableWriter::create("books5", bo);
  ASSERT_TRUE(w) << w.error().message;
  run(*f, 5);
  auto j = join_books<Tick>("books5", "ticks", {1}, opts_);
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().message,
            "channel ticks carries feed 2, book table books5 is of feed 5 (other)");
}

TEST_F(BookJoin, InstrumentsOutOfTheTablesRangeOrTheFeedWideLocateAreRefused) {
  auto f = SyntheticFeed::create(dir_, 64, 16);
  ASSERT_TRUE(f) << f.error().message;
  auto j = join_books<Tick>("books", "ticks", {1, 16}, opts_);
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().message,
            "book table books: instrument 16 is out of range 1..15 (0 is the feed-wide locate)");
  EXPECT_FALSE((join_books<Tick>("books", "ticks", {0}, opts_)));
  auto none = join_books<Tick>("nope", "ticks", {1}, opts_);
  ASSERT_FALSE(none);
  EXPECT_TRUE(contains(none.error().message, "book table nope does not exist"));
  auto nochan = join_books<Tick>("books", "nope", {1}, opts_);
  ASSERT_FALSE(nochan);
  EXPECT_TRUE(contains(nochan.error().message, "channel nope does not exist"));
  auto wrong = join_books<TopOfBook>("books", "ticks", {1}, opts_);
  ASSERT_FALSE(wrong);
  EXPECT_TRUE(contains(wrong.error().message, "holds ichannel::Tick")) << wrong.error().message;
}

TEST_F(BookJoin, AnInstrumentGivenTwiceIsJoinedOnce) {
  auto f = SyntheticFeed::create(dir_, 256, 16);
  ASSERT_TRUE(f) << f.error().message;
  run(*f, 30);
  auto j = join_books<Tick>("books", "ticks", {2, 2, 3}, opts_);
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_EQ(j->instruments().size(), 2u);
  run(*f, 30, 1);
  auto got = drain(*j);
  EXPECT_TRUE(verify_join(*j, got, f->history));
}

TEST_F(BookJoin, AFeedWideRecordAppliesOnlyToBooksWhoseSnapshotIsOlder) {
  auto f = SyntheticFeed::create(dir_, 64, 16);
  ASSERT_TRUE(f) << f.error().message;
  f->step(1, 5);  // seq 1
  f->step(0, 1);  // seq 2: feed-wide (a session start's reset, a gap)
  f->step(2, 7);  // seq 3
  auto j = join_books<Tick>("books", "ticks", {1, 2}, opts_);
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_EQ(j->snapshot(1)->seq, 1u);
  EXPECT_EQ(j->snapshot(2)->seq, 3u);
  EXPECT_EQ(j->feed_wide_after(), 1u);
  EXPECT_EQ(j->join_seq(), 3u);
  auto r = j->try_recv();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->value.seq, 2u);
  EXPECT_EQ(r->value.instrument, 0u);
  EXPECT_TRUE(j->applies(r->value, 1));   // instrument 1's snapshot predates it
  EXPECT_FALSE(j->applies(r->value, 2));  // instrument 2's already contains it
  EXPECT_FALSE(j->applies(r->value, 3));  // not joined
  EXPECT_FALSE(j->try_recv());
}

TEST_F(BookJoin, AJoinSoonAfterASessionStartPassesOverTheOlderSessionsRecords) {
  for (const bool tob : {false, true}) {
    auto f = SyntheticFeed::create(dir_ + (tob ? "-tob" : "-tick"), 1024, 16);
    ASSERT_TRUE(f) << f.error().message;
    run(*f, 300);  // the old session's seq reach 300, above anything of the new one
    f->start_session();
    run(*f, 40, 3);
    AttachOptions o = opts_;
    o.dir = dir_ + (tob ? "-tob" : "-tick");
    if (tob) {
      auto j = join_books<TopOfBook>("books", "tob", {1, 2, 3}, o);
      ASSERT_TRUE(j) << j.error().message;
      run(*f, 60, 11);
      auto got = drain(*j);
      EXPECT_EQ(j->sessions_passed(), 1u);
      EXPECT_TRUE(verify_join(*j, got, f->history)) << "only the new session's records";
    } else {
      auto j = join_books<Tick>("books", "ticks", {1, 2, 3}, o);
      ASSERT_TRUE(j) << j.error().message;
      run(*f, 60, 11);
      auto got = drain(*j);
      EXPECT_EQ(j->sessions_passed(), 1u);
      EXPECT_TRUE(verify_join(*j, got, f->history)) << "only the new session's records";
      for (const auto& r : got) EXPECT_LE(r.value.seq, 100u) << "an old-session tick";
    }
  }
}

TEST_F(BookJoin, ASessionStartAfterTheJoinIsHandedOverWithTheWholeNewSession) {
  auto f = SyntheticFeed::create(dir_, 1024, 16);
  ASSERT_TRUE(f) << f.error().message;
  run(*f, 200);
  auto j = join_books<Tick>("books", "ticks", {1, 2}, opts_);
  ASSERT_TRUE(j) << j.error().message;
  ASSERT_GT(j->snapshot(1)->seq, 100u);
  (void)drain(*j);  // feed-wide records newer than the older snapshot
  f->start_session();
  run(*f, 50, 7);  // seq 1..50: all below the snapshots' seq
  auto got = drain(*j);
  ASSERT_FALSE(got.empty());
  EXPECT_TRUE(JoinedBooks<Tick>::is_session_start(got[0].value)) << "the reset comes first";
  EXPECT_EQ(j->sessions_followed(), 1u);
  std::size_t wanted = 0;
  for (const auto& e : f->history) wanted += e.instrument == 1 || e.instrument == 2 || e.instrument == 0;
  EXPECT_EQ(got.size(), 1 + wanted) << "every new-session record of the joined instruments";
  for (std::size_t k = 1; k < got.size(); ++k) {
    EXPECT_TRUE(got[k].value.instrument == 0 || j->applies(got[k].value, got[k].value.instrument));
  }
}

TEST_F(BookJoin, AProducerRestartEndsTheHandOver) {
  ChannelOptions co;
  co.dir = dir_;
  BookTableOptions bo;
  bo.dir = dir_;
  bo.instruments = 16;
  auto w = BookTableWriter::create("books", bo);
  ASSERT_TRUE(w) << w.error().message;
  std::optional<ProducerChannel<Tick>> tx;
  tx.emplace(std::move(*ProducerChannel<Tick>::create("ticks", 64, co)));
  Tick t{};
  t.seq = 1;
  t.instrument = 1;
  tx->sender().send(t);
  w->update(1, 1, 0, [](BookEntryWriter&) {});
  auto j = join_books<Tick>("books", "ticks", {1}, opts_);
  ASSERT_TRUE(j) << j.error().message;
  tx.reset();
  tx.emplace(std::move(*ProducerChannel<Tick>::create("ticks", 64, co)));
  t.seq = 2;
  tx->sender().send(t);
  bool restarted = false;
  for (int k = 0; k < 10 && !restarted; ++k) {
    auto r = j->recv_for(5ms);
    ASSERT_FALSE(r) << "a record of the new producer was handed over";
    restarted = r.producer.to == ProducerState::kRestarted;
  }
  EXPECT_TRUE(restarted);
  EXPECT_TRUE(j->restarted());
  EXPECT_FALSE(j->exact());
  EXPECT_FALSE(j->try_recv());
}

}  // namespace
}  // namespace ichannel
