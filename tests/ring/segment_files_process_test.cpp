// segment_files_process_test.cpp: the ring's files against another uid and other processes:
// a directory pre-created by another user, what a second uid can and cannot do in a producer's
// directory, a file of another uid, a second producer in a forked child, kill -9 of a producer
// (liveness by the lock), a killed creator's temporary, a full tmpfs. Tests needing root (a
// second uid made with useradd and removed on exit, a private tmpfs mount) skip without it.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include <ichannel/ichannel.hpp>
#include <ichannel/segment_file.hpp>
#include <ichannel/tick.hpp>

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
bool make_user() { return test::make_user(g_user, "ichtest-sec", remove_user); }
using test::in_child;

class SegmentFilesProcess : public ::testing::Test {
 protected:
  static void TearDownTestSuite() { remove_user(); }
  void SetUp() override {
    char tmpl[] = "/dev/shm/ichannel-files-proc-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    ::chmod(base_.c_str(), 0755);
    dir_ = base_ + "/ch";
    opts_.dir = dir_;
    attach_.dir = dir_;
  }
  void TearDown() override {
    ::umount2((base_ + "/small").c_str(), MNT_DETACH);
    std::filesystem::remove_all(base_);
  }
  void need_user() {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (useradd of a second uid)";
    if (!make_user()) GTEST_SKIP() << "useradd failed";
  }

  std::string base_, dir_;
  ChannelOptions opts_;
  AttachOptions attach_;
};

TEST_F(SegmentFilesProcess, ADirectoryPreCreatedByAnotherUidIsRefusedByTheProducer) {
  need_user();
  if (IsSkipped()) return;
  ASSERT_EQ(::mkdir(dir_.c_str(), 0755), 0);
  ASSERT_EQ(::chown(dir_.c_str(), g_user.uid, g_user.gid), 0);
  auto tx = ProducerChannel<Tick>::create("a", 64, opts_);
  ASSERT_FALSE(tx);
  EXPECT_TRUE(contains(tx.error().message, "channel directory " + dir_ + " is owned by uid " +
                                               std::to_string(g_user.uid) + " (" + g_user.name +
                                               "), not by this producer (uid 0)"))
      << tx.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, g_user.uid);  // never chown'ed
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
}

TEST_F(SegmentFilesProcess, AnotherUidCannotCreateReplaceOrRemoveChannelsInTheProducersDirectory) {
  need_user();
  if (IsSkipped()) return;
  opts_.mode = 0644;
  auto tx = ProducerChannel<Tick>::create("a", 64, opts_);
  ASSERT_TRUE(tx) << tx.error().message;
  const std::string dir = dir_;
  const int code = in_child(
      [&] {
        if (::open((dir + "/forged").c_str(), O_CREAT | O_WRONLY | O_EXCL, 0644) >= 0) return 1;
        if (errno != EACCES) return 2;
        if (::unlink((dir + "/a").c_str()) == 0 || errno != EACCES) return 3;
        if (::rename((dir + "/a").c_str(), (dir + "/b").c_str()) == 0 || errno != EACCES) return 4;
        if (::open((dir + "/a").c_str(), O_WRONLY) >= 0) return 5;
        // Reading is allowed (mode 0644): a receiver of another uid attaches.
        AttachOptions a;
        a.dir = dir;
        return ReceiverChannel<Tick>::attach("a", a) ? 0 : 6;
      },
      g_user.uid, g_user.gid);
  EXPECT_EQ(code, 0);
}

TEST_F(SegmentFilesProcess, AFileOwnedByAnotherUidIsRefusedByReceivers) {
  need_user();
  if (IsSkipped()) return;
  {
    auto tx = ProducerChannel<Tick>::create("a", 64, opts_);
    ASSERT_TRUE(tx) << tx.error().message;
  }
  ASSERT_EQ(::chown((dir_ + "/a").c_str(), g_user.uid, g_user.gid), 0);
  auto rx = ReceiverChannel<Tick>::attach("a", attach_);
  ASSERT_FALSE(rx);
  EXPECT_TRUE(contains(
      rx.error().message,
      dir_ + "/a is owned by uid " + std::to_string(g_user.uid) + " (" + g_user.name + ")"))
      << rx.error().message;
  EXPECT_TRUE(contains(rx.error().message, "required: the directory's owner (or root)"))
      << rx.error().message;
  EXPECT_FALSE(inspect_channel("a", dir_));
}

TEST_F(SegmentFilesProcess, AChannelOfAnotherUidInItsOwnDirectoryIsAccepted) {
  need_user();
  if (IsSkipped()) return;
  // The other user is then the producer: its own directory, its own files.
  ASSERT_EQ(::mkdir(dir_.c_str(), 0755), 0);
  ASSERT_EQ(::chown(dir_.c_str(), g_user.uid, g_user.gid), 0);
  const std::string dir = dir_;
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(g_user.gid) != 0 || ::setuid(g_user.uid) != 0) {
      ::_exit(99);
    }
    ChannelOptions o;
    o.dir = dir;
    o.mode = 0644;
    auto tx = ProducerChannel<Tick>::create("a", 64, o);
    const char c = tx ? 'y' : 'n';
    (void)::write(ready[1], &c, 1);
    ::pause();
    ::_exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  EXPECT_EQ(c, 'y');
  auto rx = ReceiverChannel<Tick>::attach("a", attach_);
  EXPECT_TRUE(rx) << rx.error().message;
  auto info = inspect_channel("a", dir_);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_TRUE(info->producer_alive);
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  ::close(ready[0]);
  ::close(ready[1]);
}

TEST_F(SegmentFilesProcess, ASecondProducerInAForkedChildIsRefused) {
  auto tx = ProducerChannel<Tick>::create("a", 64, opts_);
  ASSERT_TRUE(tx) << tx.error().message;
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  const ChannelOptions o = opts_;
  const int code = in_child([&] {
    auto second = ProducerChannel<Tick>::create("a", 64, o);
    if (second) return 1;
    const std::string& m = second.error().message;
    (void)::write(out[1], m.data(), m.size());
    return 0;
  });
  ::close(out[1]);
  std::string msg(4096, '\0');
  const ssize_t n = ::read(out[0], msg.data(), msg.size());
  ::close(out[0]);
  msg.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  ASSERT_EQ(code, 0) << "the second producer was not refused";
  EXPECT_TRUE(contains(
      msg, "channel a already has a live producer (pid " + std::to_string(::getpid()) + ")"))
      << msg;
  auto info = inspect_channel("a", dir_);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->epoch, tx->epoch());
}

TEST_F(SegmentFilesProcess, KillNineOfTheProducerMakesProducerAliveFalseWithin100ms) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const ChannelOptions o = opts_;
  const pid_t pid = ::fork();
  if (pid == 0) {
    auto tx = ProducerChannel<Tick>::create("a", 64, o);
    const char c = tx ? 'y' : 'n';
    (void)::write(ready[1], &c, 1);
    for (;;) ::pause();
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  auto seg = detail::open_segment("a", dir_, detail::payload_info<Tick>(), 0ms);
  ASSERT_TRUE(seg) << seg.error().message;
  EXPECT_TRUE(seg->producer_alive());
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  while (seg->producer_alive() && std::chrono::steady_clock::now() - t0 < 2s) {
    std::this_thread::sleep_for(100us);
  }
  const auto took = std::chrono::steady_clock::now() - t0;
  ::waitpid(pid, nullptr, 0);
  ::close(ready[0]);
  ::close(ready[1]);
  EXPECT_FALSE(seg->producer_alive());
  EXPECT_LT(took, 100ms) << std::chrono::duration<double, std::milli>(took).count() << " ms";
  // The channel is now a dead file: listed as a leftover, and a new producer may replace it.
  const auto l = list_leftover_files(dir_);
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].kind, LeftoverFile::Kind::kDeadFile);
  EXPECT_TRUE(ProducerChannel<Tick>::create("a", 64, opts_));
}

TEST_F(SegmentFilesProcess, TheTemporaryOfAKilledCreatorIsListedAndReclaimed) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const std::string dir = dir_;
  const pid_t pid = ::fork();
  if (pid == 0) {
    auto f = SegmentFile::create(dir, "a", 1 << 20, {});  // never committed
    const char c = f ? 'y' : 'n';
    (void)::write(ready[1], &c, 1);
    for (;;) ::pause();
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  EXPECT_TRUE(list_leftover_files(dir_).empty());  // its creator holds the lock
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  ::close(ready[0]);
  ::close(ready[1]);
  const std::string tmp = "." + std::string("a.") + std::to_string(pid) + ".tmp";
  const auto l = list_leftover_files(dir_);
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].kind, LeftoverFile::Kind::kTemporary);
  EXPECT_EQ(l[0].file, tmp);
  EXPECT_EQ(l[0].name, "a");
  EXPECT_EQ(l[0].pid, pid);
  EXPECT_EQ(l[0].owner_uid, ::geteuid());
  EXPECT_GE(l[0].allocated, 1u << 20);
  auto tx = ProducerChannel<Tick>::create("a", 64, opts_);
  ASSERT_TRUE(tx) << tx.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/" + tmp));
  EXPECT_TRUE(list_leftover_files(dir_).empty());
}

TEST_F(SegmentFilesProcess, AFullTmpfsIsAnErrorAtCreateNotASigbus) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs";
  const std::string mnt = base_ + "/small";
  ASSERT_EQ(::mkdir(mnt.c_str(), 0755), 0);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=4m,mode=0755") != 0) {
    GTEST_SKIP() << "cannot mount tmpfs (container without CAP_SYS_ADMIN?)";
  }
  ChannelOptions o;
  o.dir = mnt + "/ichannel";
  auto big = ProducerChannel<Tick>::create("big", 1 << 17, o);  // 8 MiB of slots
  ASSERT_FALSE(big);
  EXPECT_TRUE(contains(big.error().message, "not enough space in " + o.dir)) << big.error().message;
  // The primitive of the statistics segment, on a file system that is already full.
  {
    const int fd = ::open((mnt + "/filler").c_str(), O_CREAT | O_WRONLY, 0600);
    ASSERT_GE(fd, 0);
    off_t size = 0;
    while (::posix_fallocate(fd, size, 1 << 16) == 0) size += 1 << 16;
    ::close(fd);
  }
  SegmentFileOptions so;
  so.who = "statistics segment " + o.dir + "/ichannel-stats";
  auto stats = SegmentFile::create(o.dir, "ichannel-stats", 200'000, so);
  ASSERT_FALSE(stats);
  EXPECT_TRUE(contains(stats.error().message, "not enough space")) << stats.error().message;
  auto small = ProducerChannel<Tick>::create("small", 64, o);
  ASSERT_FALSE(small);
  EXPECT_TRUE(list_leftover_files(o.dir).empty());  // the failed temporaries are gone
  ASSERT_EQ(::umount2(mnt.c_str(), MNT_DETACH), 0);
}

}  // namespace
}  // namespace ichannel
