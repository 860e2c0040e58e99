// book_exec_test.cpp: ichannel-book as a process against a book table this test writes: one
// print, --json, --watch seeing an update, and the errors (no table, unknown symbol) with their
// exit status. The binary comes from $ICHANNEL_BOOK (meson sets it).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include <ichannel/book_table.hpp>

namespace ichannel {
namespace {

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

struct ExecResult {
  int status = -1;
  std::string out;
};

ExecResult start_and_read(const std::string& args, const std::function<void()>& meanwhile = {}) {
  const char* bin = std::getenv("ICHANNEL_BOOK");
  ExecResult r;
  if (bin == nullptr) return r;
  const std::string cmd = std::string(bin) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  if (meanwhile) meanwhile();
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

class BookExec : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::getenv("ICHANNEL_BOOK") == nullptr) GTEST_SKIP() << "ICHANNEL_BOOK not set";
    char tmpl[] = "/dev/shm/ichannel-book-exec-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    ::chmod(base_.c_str(), 0755);
    BookTableOptions o;
    o.dir = base_;
    o.instruments = 64;
    o.feed_name = "itch.a";
    auto w = BookTableWriter::create("books", o);
    ASSERT_TRUE(w) << w.error().message;
    writer_ = std::move(*w);
    set(100, 300);
  }
  void TearDown() override {
    if (!base_.empty()) std::filesystem::remove_all(base_);
  }
  void set(std::uint64_t seq, std::uint64_t bid_qty) {
    writer_.update(42, seq, 34'200'000'000'000, [&](BookEntryWriter& e) {
      BookEntryFixed f = e.fixed();
      std::memcpy(f.symbol, "MSFT    ", 8);
      f.flags = kBookKnown;
      f.trading_state = 'T';
      f.seq = seq;
      e.set_fixed(f);
      const BookLevel b[] = {{4'000'000, bid_qty, 2, 0}};
      const BookLevel a[] = {{4'000'500, 100, 1, 0}};
      e.set_levels(BookSide::kBid, b);
      e.set_levels(BookSide::kAsk, a);
    });
  }
  std::string base_;
  BookTableWriter writer_;
};

TEST_F(BookExec, PrintsTheLadderOfASymbolOnce) {
  ExecResult r = start_and_read("books MSFT --dir " + base_);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "MSFT  locate 42  table books  feed itch.a  seq 100")) << r.out;
  EXPECT_TRUE(contains(r.out, "ask        400.0500          100        1\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "bid        400.0000          300        2\n")) << r.out;
  EXPECT_LT(r.out.find("400.0500"), r.out.find("400.0000"));
}

TEST_F(BookExec, JsonByLocate) {
  ExecResult r = start_and_read("books 42 --json --dir " + base_);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "\"instrument\":42,\"symbol\":\"MSFT\"")) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
}

TEST_F(BookExec, WatchPrintsAgainWhenTheBookChanges) {
  ExecResult r =
      start_and_read("books MSFT --json --watch --count 2 --interval 0.02 --dir " + base_, [&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        set(101, 900);
      });
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2) << r.out;
  EXPECT_TRUE(contains(r.out, "\"seq\":100")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"seq\":101")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"qty\":900")) << r.out;
}

TEST_F(BookExec, AMissingTableOrAnUnknownSymbolExitsOne) {
  ExecResult r = start_and_read("nope MSFT --dir " + base_);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.out, "ichannel-book: book table nope does not exist")) << r.out;
  r = start_and_read("books ZZZZ --dir " + base_);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.out, "symbol ZZZZ is not in the table")) << r.out;
  r = start_and_read("books MSFT --depth 0 --dir " + base_);
  EXPECT_EQ(r.status, 2) << r.out;
}

}  // namespace
}  // namespace ichannel
