// book_table_test.cpp: the TopOfBook record and the book table segment in one process with one
// uid: layouts, create / attach / read back, the feed state, and every refusal a receiver makes
// (wrong kind, version, depth, size; bad mode, sparse or short file, symlink; a second producer).
// Threads (torture) are in book_table_stress_test.cpp, other uids in book_table_process_test.cpp.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <ichannel/book_table.hpp>
#include <ichannel/ichannel.hpp>
#include <ichannel/tick.hpp>
#include <ichannel/top_of_book.hpp>

namespace ichannel {
namespace {

using namespace std::chrono_literals;

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

class BookTable : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/dev/shm/ichannel-book-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    ::chmod(base_.c_str(), 0755);
    dir_ = base_ + "/ch";
    opts_.dir = dir_;
    opts_.instruments = 16;
    opts_.depth = 4;
    opts_.feed_name = "itch.a";
    opts_.feed_index = 3;
    attach_.dir = dir_;
  }
  void TearDown() override { std::filesystem::remove_all(base_); }

  std::string base_, dir_;
  BookTableOptions opts_;
  BookTableAttachOptions attach_;
};

TEST(TopOfBookLayout, IsOneCacheLineWithTheStateWordAndSharesTheTickHeadWord) {
  static_assert(sizeof(Message<TopOfBook>) == 64);
  TopOfBook t{};
  set_head(t, 0x123456789abcull, 7, kTickAfterGap | kBookPossiblyWrong);
  std::uint64_t w;
  std::memcpy(&w, reinterpret_cast<const unsigned char*>(&t) + 8, 8);
  EXPECT_EQ(w, head_word(0x123456789abcull, 7, kTickAfterGap | kBookPossiblyWrong));
  EXPECT_EQ(std::uint64_t{t.exch_ns}, 0x123456789abcull);
  EXPECT_EQ(t.feed, 7u);
  EXPECT_TRUE(has_flag(t, kBookPossiblyWrong));
  EXPECT_FALSE(has_flag(t, kTickRecovered));
  EXPECT_EQ(PayloadTypeName<TopOfBook>::value, "ichannel::TopOfBook");
  EXPECT_EQ(saturate_u16(70000), 65535);
  EXPECT_EQ(saturate_u32(std::uint64_t{1} << 40), 0xffffffffu);
  EXPECT_EQ(kTobBidChanged | kTobAskChanged | kTobStatusChanged | kTobMarkChanged | kTobReset, 31);
}

TEST_F(BookTable, TopOfBookChannelsCarryTheRecordUnderItsPinnedTypeName) {
  ChannelOptions co;
  co.dir = dir_;
  auto tx = ProducerChannel<TopOfBook>::create("tob", 64, co);
  ASSERT_TRUE(tx) << tx.error().message;
  AttachOptions ao;
  ao.dir = dir_;
  auto rx = ReceiverChannel<TopOfBook>::attach("tob", ao);
  ASSERT_TRUE(rx) << rx.error().message;
  TopOfBook t{};
  t.seq = 42;
  t.bid_price = 1'000'000;
  t.ask_qty = 300;
  t.instrument = 9;
  t.change = kTobAskChanged;
  tx->sender().send(t);
  auto got = rx->receiver().try_recv();
  ASSERT_TRUE(got);
  EXPECT_EQ(std::memcmp(&got->value, &t, sizeof t), 0);
  auto info = inspect_channel("tob", dir_);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->type_name, "ichannel::TopOfBook");
  auto wrong = ReceiverChannel<Tick>::attach("tob", ao);
  ASSERT_FALSE(wrong);
  EXPECT_TRUE(contains(wrong.error().message, "holds ichannel::TopOfBook"))
      << wrong.error().message;
}

TEST_F(BookTable, AFreshTableDescribesItselfAndEveryEntryIsEmpty) {
  auto w = BookTableWriter::create("books", opts_);
  ASSERT_TRUE(w) << w.error().message;
  auto r = BookTableReader::attach("books", attach_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->depth(), 4u);
  EXPECT_EQ(r->instruments(), 16u);
  EXPECT_EQ(r->feed_name(), "itch.a");
  EXPECT_EQ(r->feed_index(), 3u);
  EXPECT_EQ(r->epoch(), w->epoch());
  EXPECT_EQ(r->producer_pid(), ::getpid());
  EXPECT_TRUE(r->producer_alive());
  EXPECT_EQ(r->last_seq(), 0u);
  EXPECT_NE(r->heartbeat_mono_ns(), 0u);
  EXPECT_EQ(w->bytes(), book_layout::table_bytes(16, 4));
  BookSnapshot s;
  for (std::uint32_t i = 0; i < 16; ++i) {
    ASSERT_TRUE(r->read(i, s));
    EXPECT_EQ(s.seq, 0u);
    EXPECT_EQ(s.instrument, i);
    EXPECT_EQ(s.bid_depth, 0u);
    EXPECT_EQ(s.version, 0u);
    EXPECT_FALSE(s.known());
  }
  EXPECT_EQ(r->try_read(16, s), BookRead::kOutOfRange);
  EXPECT_FALSE(r->read(65535, s));
}

TEST_F(BookTable, WhatTheWriterCommitsIsWhatTheReaderReads) {
  auto w = BookTableWriter::create("books", opts_);
  ASSERT_TRUE(w) << w.error().message;
  auto r = BookTableReader::attach("books", attach_);
  ASSERT_TRUE(r) << r.error().message;

  BookEntryFixed f{};
  f.seq = 1000;
  f.exch_ns = 34'200'000'000'000;
  std::memcpy(f.symbol, "AAPL    ", 8);
  f.instrument = 5;
  f.trading_state = 'T';
  f.reg_sho = '0';
  f.flags = kBookKnown;
  std::memcpy(f.halt_reason, "    ", 4);
  f.bid_orders = 12;
  f.ask_orders = 7;
  f.bid_levels = 6;
  f.ask_levels = 2;
  f.luld_ref = 1'900'000;
  const std::vector<BookLevel> bids = {{1'000'000, 300, 3, 0},
                                       {999'900, 100, 1, 0},
                                       {999'800, 50, 1, 0},
                                       {999'700, 10, 1, 0},
                                       {999'600, 5, 1, 0}};  // 5 > depth 4: the 5th is not kept
  const std::vector<BookLevel> asks = {{1'000'100, 200, 2, 0}, {1'000'300, 400, 5, 0}};
  BookEntryWriter e = w->begin(5);
  e.set_fixed(f);
  e.set_levels(BookSide::kBid, bids);
  e.set_levels(BookSide::kAsk, asks);
  w->commit(e);
  w->applied(1000);

  BookSnapshot s;
  ASSERT_TRUE(r->read(5, s));
  EXPECT_EQ(s.seq, 1000u);
  EXPECT_EQ(s.exch_ns, 34'200'000'000'000u);
  EXPECT_EQ(std::string(s.symbol, 8), "AAPL    ");
  EXPECT_EQ(s.trading_state, 'T');
  EXPECT_TRUE(s.known());
  EXPECT_FALSE(s.possibly_wrong());
  EXPECT_EQ(s.bid_depth, 4u);
  EXPECT_EQ(s.ask_depth, 2u);
  EXPECT_EQ(s.bid_orders, 12u);
  EXPECT_EQ(s.luld_ref, 1'900'000);
  EXPECT_EQ(s.version, 2u);
  ASSERT_EQ(s.side(BookSide::kBid).size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(s.bids[i], bids[i]) << i;
  for (std::size_t i = 0; i < 2; ++i) EXPECT_EQ(s.asks[i], asks[i]) << i;
  EXPECT_EQ(r->last_seq(), 1000u);

  // A thinner book: the levels no longer present are zeroed; other fields kept.
  w->update(5, 1001, 34'200'000'000'100, [](BookEntryWriter& x) {
    const BookLevel one[] = {{1'000'000, 100, 1, 0}};
    x.set_levels(BookSide::kBid, one);
    x.set_flags(kBookKnown | kBookPossiblyWrong);
  });
  ASSERT_TRUE(r->read(5, s));
  EXPECT_EQ(s.seq, 1001u);
  EXPECT_EQ(s.bid_depth, 1u);
  EXPECT_EQ(s.ask_depth, 2u);
  EXPECT_TRUE(s.possibly_wrong());
  EXPECT_EQ(std::string(s.symbol, 8), "AAPL    ");
  EXPECT_EQ(s.bids[0], (BookLevel{1'000'000, 100, 1, 0}));
  EXPECT_EQ(r->last_seq(), 1001u);
  EXPECT_EQ(e.fixed().seq, 1001u);  // the writer reads its own words back

  // An instrument out of range writes nowhere.
  w->update(99, 1002, 0, [](BookEntryWriter& x) { x.set_depth(BookSide::kAsk, 3); });
  for (std::uint32_t i = 0; i < 16; ++i) {
    ASSERT_TRUE(r->read(i, s));
    if (i != 5) {
      EXPECT_EQ(s.seq, 0u) << i;
    }
  }
}

TEST_F(BookTable, TheFeedStateCarriesTheMarkTheSessionAndTheLastSeq) {
  auto w = BookTableWriter::create("books", opts_);
  ASSERT_TRUE(w) << w.error().message;
  auto r = BookTableReader::attach("books", attach_);
  ASSERT_TRUE(r) << r.error().message;
  BookFeedState s = r->feed_state();
  EXPECT_EQ(s.sessions, 0u);
  EXPECT_FALSE(s.possibly_wrong());
  w->start_session("0000012345");
  w->applied(17);
  s = r->feed_state();
  EXPECT_EQ(s.sessions, 1u);
  EXPECT_EQ(std::string(s.session), "0000012345");
  EXPECT_EQ(s.last_seq, 17u);
  w->applied(5);  // a late record with a lower seq: last_seq never goes back
  EXPECT_EQ(r->last_seq(), 17u);
  w->set_feed_flags(kBookPossiblyWrong);
  s = r->feed_state();
  EXPECT_TRUE(s.possibly_wrong());
  EXPECT_EQ(s.sessions, 1u);
  EXPECT_EQ(std::string(s.session), "0000012345");
  w->start_session("0000012346");
  s = r->feed_state();
  EXPECT_FALSE(s.possibly_wrong());
  EXPECT_EQ(s.sessions, 2u);
  EXPECT_EQ(std::string(s.session), "0000012346");
}

TEST_F(BookTable, ProducerAliveFollowsTheWritersLockAndTheHeartbeatMoves) {
  auto w = BookTableWriter::create("books", opts_);
  ASSERT_TRUE(w) << w.error().message;
  auto r = BookTableReader::attach("books", attach_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->producer_alive());
  const std::uint64_t before = r->heartbeat_mono_ns();
  std::this_thread::sleep_for(2ms);
  w->heartbeat();
  EXPECT_GT(r->heartbeat_mono_ns(), before);
  EXPECT_NE(r->heartbeat_ns(), 0u);
  *w = BookTableWriter{};  // the producer goes away; the file stays
  EXPECT_FALSE(r->producer_alive());
  BookSnapshot s;
  EXPECT_TRUE(r->read(1, s));  // the mapping stays valid
}

TEST_F(BookTable, ARecreatedTableHasANewerEpochAndASecondLiveProducerIsRefused) {
  std::uint64_t first = 0;
  {
    auto w = BookTableWriter::create("books", opts_);
    ASSERT_TRUE(w) << w.error().message;
    first = w->epoch();
    auto again = BookTableWriter::create("books", opts_);
    ASSERT_FALSE(again);
    EXPECT_TRUE(contains(again.error().message, "book table books already has a live producer"))
        << again.error().message;
    auto r = BookTableReader::attach("books", attach_);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->epoch(), first);  // untouched by the refused one
  }
  auto w = BookTableWriter::create("books", opts_);
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_GT(w->epoch(), first);
}

TEST_F(BookTable, ReceiversNameWhatIsWrongWithTheFile) {
  ChannelOptions co;
  co.dir = dir_;
  auto ch = ProducerChannel<Tick>::create("ticks", 64, co);
  ASSERT_TRUE(ch) << ch.error().message;
  auto w = BookTableWriter::create("books", opts_);
  ASSERT_TRUE(w) << w.error().message;

  auto r = BookTableReader::attach("ticks", attach_);
  ASSERT_FALSE(r);
  EXPECT_TRUE(contains(r.error().message,
                       "book table ticks: " + dir_ + "/ticks is a channel, not a book table"))
      << r.error().message;
  // And the other way round: a channel receiver refuses a book table.
  AttachOptions ao;
  ao.dir = dir_;
  auto c = ReceiverChannel<Tick>::attach("books", ao);
  ASSERT_FALSE(c);
  EXPECT_TRUE(contains(c.error().message, "not an ichannel segment")) << c.error().message;

  attach_.depth = 5;
  r = BookTableReader::attach("books", attach_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "book table books has depth 4, expected 5");
  attach_.depth = 4;
  attach_.instruments = 8;
  r = BookTableReader::attach("books", attach_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "book table books has 16 instruments, expected 8");
  attach_.instruments = 0;

  r = BookTableReader::attach("nope", attach_);
  ASSERT_FALSE(r);
  EXPECT_TRUE(contains(r.error().message, "book table nope does not exist")) << r.error().message;
  r = BookTableReader::attach("../x", attach_);
  ASSERT_FALSE(r);
}

TEST_F(BookTable, AnotherLayoutVersionIsRefused) {
  auto w = BookTableWriter::create("books", opts_);
  ASSERT_TRUE(w) << w.error().message;
  const int fd = ::open((dir_ + "/books").c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  const std::uint32_t v = 2;
  ASSERT_EQ(::pwrite(fd, &v, sizeof v, offsetof(book_layout::Header, version)), 4);
  ::close(fd);
  auto r = BookTableReader::attach("books", attach_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "book table books: layout version 2, this build reads 1");
}

TEST_F(BookTable, AShortFileIsRefusedBeforeAnyEntryIsTouched) {
  auto w = BookTableWriter::create("books", opts_);
  ASSERT_TRUE(w) << w.error().message;
  ASSERT_EQ(::truncate((dir_ + "/books").c_str(), 8192), 0);
  auto r = BookTableReader::attach("books", attach_);
  ASSERT_FALSE(r);
  EXPECT_TRUE(contains(r.error().message,
                       "is 8192 bytes, its header (16 entries of 320 bytes) "
                       "requires exactly"))
      << r.error().message;
}

TEST_F(BookTable, ASparseFileIsRefused) {
  auto w = BookTableWriter::create("books", opts_);
  ASSERT_TRUE(w) << w.error().message;
  // A forged copy with the real header, the rest a hole.
  std::vector<unsigned char> head(4096);
  {
    const int fd = ::open((dir_ + "/books").c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::pread(fd, head.data(), head.size(), 0), 4096);
    ::close(fd);
  }
  const std::string forged = dir_ + "/forged";
  const int fd = ::open(forged.c_str(), O_CREAT | O_WRONLY | O_EXCL, 0640);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, head.data(), head.size(), 0), 4096);
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(w->bytes()) + (1 << 20)), 0);
  ::close(fd);
  auto r = BookTableReader::attach("forged", attach_);
  ASSERT_FALSE(r);
  EXPECT_TRUE(contains(r.error().message, "is sparse")) << r.error().message;
  EXPECT_TRUE(contains(r.error().message, "required: fully allocated")) << r.error().message;
}

TEST_F(BookTable, AGroupWritableFileOrASymlinkIsRefused) {
  auto w = BookTableWriter::create("books", opts_);
  ASSERT_TRUE(w) << w.error().message;
  ASSERT_EQ(::symlink((dir_ + "/books").c_str(), (dir_ + "/link").c_str()), 0);
  auto r = BookTableReader::attach("link", attach_);
  ASSERT_FALSE(r);
  EXPECT_TRUE(contains(r.error().message, "is a symbolic link, not a regular file"))
      << r.error().message;
  ASSERT_EQ(::chmod((dir_ + "/books").c_str(), 0664), 0);
  r = BookTableReader::attach("books", attach_);
  ASSERT_FALSE(r);
  EXPECT_TRUE(contains(r.error().message, "has mode 0664 (group/others may write it)"))
      << r.error().message;
}

TEST_F(BookTable, TheProducerRefusesAWritableModeABadDepthAndABadInstrumentCount) {
  opts_.mode = 0666;
  auto w = BookTableWriter::create("books", opts_);
  ASSERT_FALSE(w);
  EXPECT_TRUE(contains(w.error().message, "mode 0666 lets group/others write"))
      << w.error().message;
  opts_.mode = 0640;
  opts_.depth = 65;
  w = BookTableWriter::create("books", opts_);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().message, "book table books: depth must be 1..64, got 65");
  opts_.depth = 0;
  EXPECT_FALSE(BookTableWriter::create("books", opts_));
  opts_.depth = 10;
  opts_.instruments = 65537;
  w = BookTableWriter::create("books", opts_);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().message, "book table books: instruments must be 1..65536, got 65537");
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/books"));
}

TEST_F(BookTable, AttachWaitsForATableThatAppearsLater) {
  std::optional<Result<BookTableWriter>> w;
  std::thread maker([&] {
    std::this_thread::sleep_for(30ms);
    w.emplace(BookTableWriter::create("late", opts_));
  });
  attach_.wait = 5000ms;
  auto r = BookTableReader::attach("late", attach_);
  maker.join();
  ASSERT_TRUE(*w) << (*w).error().message;
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->instruments(), 16u);
  attach_.wait = 20ms;
  auto none = BookTableReader::attach("never", attach_);
  ASSERT_FALSE(none);
  EXPECT_TRUE(contains(none.error().message, "after waiting 20 ms")) << none.error().message;
}

TEST_F(BookTable, TheFullLocateRangeAtDefaultDepthFits) {
  opts_.instruments = kMaxBookInstruments;
  opts_.depth = kDefaultBookDepth;
  auto w = BookTableWriter::create("big", opts_);
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_EQ(w->bytes(), 4096u + 65536u * 576u);
  auto r = BookTableReader::attach("big", attach_);
  ASSERT_TRUE(r) << r.error().message;
  w->update(65535, 7, 8, [](BookEntryWriter& e) {
    const BookLevel l[] = {{5, 6, 7, 0}};
    e.set_levels(BookSide::kAsk, l);
  });
  BookSnapshot s;
  ASSERT_TRUE(r->read(65535, s));
  EXPECT_EQ(s.seq, 7u);
  EXPECT_EQ(s.instrument, 65535u);
  EXPECT_EQ(s.asks[0], (BookLevel{5, 6, 7, 0}));
}

}  // namespace
}  // namespace ichannel
