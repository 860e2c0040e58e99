// book_table_process_test.cpp: book tables against another uid and other processes: a table
// owned by another uid is refused by readers, another uid can read but not replace or remove
// one, a second producer in a forked child is refused, kill -9 of the producer ends
// producer_alive(), and join_books refuses a table and a channel of two different producers.
// Tests needing root (a second uid made with useradd, removed on exit) skip without it.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include <ichannel/book_join.hpp>
#include <ichannel/book_table.hpp>
#include <ichannel/ichannel.hpp>

#include "tests/ring/test_user.hpp"

namespace ichannel {
namespace {

using namespace std::chrono_literals;

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// A second uid for the suite (tests/ring/test_user.hpp).
test::TestUser g_user;
void remove_user() { test::remove_user(g_user); }
bool make_user() { return test::make_user(g_user, "ichtest-book", remove_user); }
using test::in_child;

// A child that runs `setup`, reports its result byte through a pipe and then waits until the
// parent closes the other pipe (or kills it).
struct LiveChild {
  pid_t pid = -1;
  int done_w = -1;
  char status = 0;
  static LiveChild start(const std::function<char()>& setup) {
    int ready[2], done[2];
    LiveChild c;
    if (::pipe(ready) != 0 || ::pipe(done) != 0) return c;
    c.pid = ::fork();
    if (c.pid == 0) {
      ::close(ready[0]);
      ::close(done[1]);
      const char s = setup();
      (void)!::write(ready[1], &s, 1);
      char x;
      (void)!::read(done[0], &x, 1);
      ::_exit(0);
    }
    ::close(ready[1]);
    ::close(done[0]);
    c.done_w = done[1];
    if (::read(ready[0], &c.status, 1) != 1) c.status = 'X';
    ::close(ready[0]);
    return c;
  }
  void stop() {
    if (done_w >= 0) ::close(done_w);
    done_w = -1;
    if (pid <= 0) return;
    int st = 0;
    ::waitpid(pid, &st, 0);
    pid = -1;
  }
  ~LiveChild() { stop(); }
};

class BookTableProcess : public ::testing::Test {
 protected:
  static void TearDownTestSuite() { remove_user(); }
  void SetUp() override {
    char tmpl[] = "/dev/shm/ichannel-book-proc-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    ::chmod(base_.c_str(), 0755);
    dir_ = base_ + "/ch";
    opts_.dir = dir_;
    opts_.instruments = 16;
    attach_.dir = dir_;
  }
  void TearDown() override { std::filesystem::remove_all(base_); }
  void need_user() {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (useradd of a second uid)";
    if (!make_user()) GTEST_SKIP() << "useradd failed";
  }

  std::string base_, dir_;
  BookTableOptions opts_;
  BookTableAttachOptions attach_;
};

TEST_F(BookTableProcess, ATableOwnedByAnotherUidIsRefusedByReaders) {
  need_user();
  if (IsSkipped()) return;
  { ASSERT_TRUE(BookTableWriter::create("books", opts_)); }
  ASSERT_EQ(::chown((dir_ + "/books").c_str(), g_user.uid, g_user.gid), 0);
  auto r = BookTableReader::attach("books", attach_);
  ASSERT_FALSE(r);
  EXPECT_TRUE(contains(
      r.error().message,
      dir_ + "/books is owned by uid " + std::to_string(g_user.uid) + " (" + g_user.name + ")"))
      << r.error().message;
  EXPECT_TRUE(contains(r.error().message, "required: the directory's owner (or root)"))
      << r.error().message;
}

TEST_F(BookTableProcess, AnotherUidReadsATableButCannotReplaceOrRemoveIt) {
  need_user();
  if (IsSkipped()) return;
  opts_.mode = 0644;
  auto w = BookTableWriter::create("books", opts_);
  ASSERT_TRUE(w) << w.error().message;
  w->update(3, 77, 0, [](BookEntryWriter&) {});
  const std::string dir = dir_;
  const int code = in_child(
      [&] {
        if (::unlink((dir + "/books").c_str()) == 0 || errno != EACCES) return 1;
        if (::rename((dir + "/books").c_str(), (dir + "/x").c_str()) == 0) return 2;
        if (::open((dir + "/books").c_str(), O_WRONLY) >= 0) return 3;
        BookTableOptions o;
        o.dir = dir;
        o.instruments = 16;
        if (BookTableWriter::create("books", o)) return 4;  // not its directory
        BookTableAttachOptions a;
        a.dir = dir;
        auto r = BookTableReader::attach("books", a);
        if (!r) return 5;
        BookSnapshot s;
        if (!r->read(3, s) || s.seq != 77) return 6;
        return r->producer_alive() ? 0 : 7;
      },
      g_user.uid, g_user.gid);
  EXPECT_EQ(code, 0);
}

TEST_F(BookTableProcess, ASecondProducerInAForkedChildIsRefused) {
  auto w = BookTableWriter::create("books", opts_);
  ASSERT_TRUE(w) << w.error().message;
  const BookTableOptions o = opts_;
  const int code = in_child([&] {
    auto again = BookTableWriter::create("books", o);
    if (again) return 1;
    const std::string want =
        "book table books already has a live producer (pid " + std::to_string(::getppid()) + ")";
    return contains(again.error().message, want) ? 0 : 2;
  });
  EXPECT_EQ(code, 0);
}

TEST_F(BookTableProcess, KillNineOfTheProducerEndsProducerAlive) {
  const BookTableOptions o = opts_;
  LiveChild c = LiveChild::start([&] {
    // Leaked on purpose: the producer lives until the child is killed.
    auto* w = new Result<BookTableWriter>(BookTableWriter::create("books", o));
    return *w ? 'Y' : 'N';
  });
  ASSERT_EQ(c.status, 'Y');
  auto r = BookTableReader::attach("books", attach_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->producer_alive());
  EXPECT_EQ(r->producer_pid(), c.pid);
  ::kill(c.pid, SIGKILL);
  int st = 0;
  ::waitpid(c.pid, &st, 0);
  c.pid = -1;
  const auto until = std::chrono::steady_clock::now() + 100ms;
  while (r->producer_alive() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_FALSE(r->producer_alive());
}

TEST_F(BookTableProcess, AJoinOfATableAndAChannelOfTwoProducersIsRefused) {
  auto w = BookTableWriter::create("books", opts_);
  ASSERT_TRUE(w) << w.error().message;
  const std::string dir = dir_;
  LiveChild c = LiveChild::start([&] {
    ChannelOptions co;
    co.dir = dir;
    // Leaked on purpose: it lives until the child exits.
    auto* tx = new Result<ProducerChannel<Tick>>(ProducerChannel<Tick>::create("ticks", 64, co));
    return *tx ? 'Y' : 'N';
  });
  ASSERT_EQ(c.status, 'Y');
  AttachOptions ao;
  ao.dir = dir_;
  auto j = join_books<Tick>("books", "ticks", {1}, ao);
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().message, "book table books (pid " + std::to_string(::getpid()) +
                                   ") and channel ticks (pid " + std::to_string(c.pid) +
                                   ") are not of the same producer");
}

}  // namespace
}  // namespace ichannel
