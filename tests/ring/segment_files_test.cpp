// segment_files_test.cpp: the ring's files and permissions (segment_file.hpp, segment.hpp) in one
// process with one uid: the directory and mode checks, no symlink following, no FIFO blocking,
// the receivers' checks before any slot is touched, the producer lock and the liveness probe,
// leftovers. Attacks that need a second uid or processes are in segment_files_process_test.cpp.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include <ichannel/ichannel.hpp>
#include <ichannel/segment_file.hpp>
#include <ichannel/tick.hpp>

namespace ichannel {
namespace {

using namespace std::chrono_literals;

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

class SegmentFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/dev/shm/ichannel-files-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    ::chmod(base_.c_str(), 0755);
    dir_ = base_ + "/ch";
    opts_.dir = dir_;
    attach_.dir = dir_;
  }
  void TearDown() override { std::filesystem::remove_all(base_); }

  // A published channel with no producer left (the file stays).
  void publish_dead(const std::string& name) {
    auto tx = ProducerChannel<Tick>::create(name, 64, opts_);
    ASSERT_TRUE(tx) << tx.error().message;
  }
  static mode_t mode_of(const std::string& p) {
    struct stat st {};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
  }

  std::string base_, dir_;
  ChannelOptions opts_;
  AttachOptions attach_;
};

TEST_F(SegmentFiles, ProducerCreatesTheDirectory0755AndTheFileWithTheRequestedMode) {
  const mode_t old = ::umask(077);  // the umask applies to none of them
  opts_.mode = 0644;
  opts_.dir = dir_ + "/sub";  // a missing parent too
  auto tx = ProducerChannel<Tick>::create("a", 64, opts_);
  ::umask(old);
  ASSERT_TRUE(tx) << tx.error().message;
  EXPECT_EQ(mode_of(dir_), 0755u);
  dir_ += "/sub";
  EXPECT_EQ(mode_of(dir_), 0755u);
  EXPECT_EQ(mode_of(dir_ + "/a"), 0644u);
}

TEST_F(SegmentFiles, WithAGroupTheDirectoryIs0750AndBelongsToIt) {
  // A group this process is not in needs root for chgrp; "daemon" exists on Debian.
  const group* g = ::getgrnam("daemon");
  if (::geteuid() != 0 || g == nullptr) GTEST_SKIP() << "needs root and a group 'daemon'";
  const gid_t gid = g->gr_gid;
  opts_.group = "daemon";
  auto tx = ProducerChannel<Tick>::create("a", 64, opts_);
  ASSERT_TRUE(tx) << tx.error().message;
  EXPECT_EQ(mode_of(dir_), 0750u);
  struct stat st {};
  ASSERT_EQ(::stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_gid, gid);
  ASSERT_EQ(::stat((dir_ + "/a").c_str(), &st), 0);
  EXPECT_EQ(st.st_gid, gid);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
}

TEST_F(SegmentFiles, AGroupWritableDirectoryIsRefusedAndLeftAsItIs) {
  ASSERT_EQ(::mkdir(dir_.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(dir_.c_str(), 02770), 0);
  auto tx = ProducerChannel<Tick>::create("a", 64, opts_);
  ASSERT_FALSE(tx);
  EXPECT_TRUE(contains(tx.error().message,
                       "channel directory " + dir_ + " is writable by group/others (mode 2770)"))
      << tx.error().message;
  EXPECT_EQ(mode_of(dir_), 02770u);  // never chmod'ed
}

TEST_F(SegmentFiles, ASymlinkedDirectoryIsRefused) {
  ASSERT_EQ(::mkdir((base_ + "/real").c_str(), 0755), 0);
  ASSERT_EQ(::symlink((base_ + "/real").c_str(), dir_.c_str()), 0);
  auto tx = ProducerChannel<Tick>::create("a", 64, opts_);
  ASSERT_FALSE(tx);
  EXPECT_TRUE(contains(tx.error().message, "is a symbolic link, not a directory")) << tx.error().message;
  EXPECT_FALSE(std::filesystem::exists(base_ + "/real/a"));
}

TEST_F(SegmentFiles, AModeWithGroupOrOtherWriteIsRefused) {
  opts_.mode = 0666;
  auto tx = ProducerChannel<Tick>::create("a", 64, opts_);
  ASSERT_FALSE(tx);
  EXPECT_TRUE(contains(tx.error().message, "mode 0666 lets group/others write; at most 0644/0640"))
      << tx.error().message;
  EXPECT_TRUE(check_file_mode(0640));
  EXPECT_TRUE(check_file_mode(0600));
  EXPECT_FALSE(check_file_mode(0660));
  EXPECT_FALSE(check_file_mode(04640));
}

TEST_F(SegmentFiles, ASymlinkPlantedAtTheTemporaryNameIsNotFollowed) {
  ASSERT_TRUE(make_dirs(dir_));
  const std::string victim = base_ + "/victim";
  { std::ofstream(victim) << "precious"; }
  const std::string tmp = dir_ + "/.a." + std::to_string(::getpid()) + ".tmp";
  ASSERT_EQ(::symlink(victim.c_str(), tmp.c_str()), 0);
  auto tx = ProducerChannel<Tick>::create("a", 64, opts_);
  ASSERT_FALSE(tx);
  EXPECT_TRUE(contains(tx.error().message, tmp)) << tx.error().message;
  EXPECT_TRUE(contains(tx.error().message, "symbolic link")) << tx.error().message;
  std::ifstream in(victim);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "precious");
  EXPECT_EQ(std::filesystem::file_size(victim), 8u);
}

TEST_F(SegmentFiles, ASymlinkAtTheChannelPathIsRefusedByReceiversAndReplacedNotFollowed) {
  ASSERT_TRUE(make_dirs(dir_));
  const std::string victim = base_ + "/victim";
  { std::ofstream(victim) << "precious"; }
  ASSERT_EQ(::symlink(victim.c_str(), (dir_ + "/a").c_str()), 0);
  auto rx = ReceiverChannel<Tick>::attach("a", attach_);
  ASSERT_FALSE(rx);
  EXPECT_TRUE(contains(rx.error().message, "is a symbolic link, not a regular file"))
      << rx.error().message;
  auto info = inspect_channel("a", dir_);
  ASSERT_FALSE(info);
  EXPECT_TRUE(contains(info.error().message, "symbolic link")) << info.error().message;

  auto tx = ProducerChannel<Tick>::create("a", 64, opts_);
  ASSERT_TRUE(tx) << tx.error().message;
  EXPECT_EQ(std::filesystem::file_size(victim), 8u);  // the link was replaced, not followed
  EXPECT_FALSE(std::filesystem::is_symlink(dir_ + "/a"));
  EXPECT_TRUE(ReceiverChannel<Tick>::attach("a", attach_));
}

TEST_F(SegmentFiles, AFifoAtTheChannelPathFailsAttachAndInspectAtOnce) {
  ASSERT_TRUE(make_dirs(dir_));
  ASSERT_EQ(::mkfifo((dir_ + "/f").c_str(), 0600), 0);
  attach_.wait = 2s;  // would wait for a missing channel; a FIFO is an error at once
  const auto t0 = std::chrono::steady_clock::now();
  auto rx = ReceiverChannel<Tick>::attach("f", attach_);
  auto info = inspect_channel("f", dir_);
  const auto list = list_channels(dir_);
  const auto leftovers = list_leftover_files(dir_);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
  ASSERT_FALSE(rx);
  EXPECT_TRUE(contains(rx.error().message, dir_ + "/f is a fifo, not a regular file"))
      << rx.error().message;
  ASSERT_FALSE(info);
  EXPECT_TRUE(contains(info.error().message, "is a fifo")) << info.error().message;
  EXPECT_TRUE(list.empty());
  EXPECT_TRUE(leftovers.empty());
}

TEST_F(SegmentFiles, AGroupWritableChannelFileIsRefusedByReceivers) {
  auto tx = ProducerChannel<Tick>::create("a", 64, opts_);
  ASSERT_TRUE(tx) << tx.error().message;
  ASSERT_EQ(::chmod((dir_ + "/a").c_str(), 0664), 0);
  auto rx = ReceiverChannel<Tick>::attach("a", attach_);
  ASSERT_FALSE(rx);
  EXPECT_TRUE(contains(rx.error().message, dir_ + "/a has mode 0664")) << rx.error().message;
  EXPECT_TRUE(contains(rx.error().message, "required: no group/other write bit"))
      << rx.error().message;
  EXPECT_FALSE(inspect_channel("a", dir_));
}

TEST_F(SegmentFiles, AChannelInAGroupWritableDirectoryIsRefusedByReceivers) {
  auto tx = ProducerChannel<Tick>::create("a", 64, opts_);
  ASSERT_TRUE(tx) << tx.error().message;
  ASSERT_EQ(::chmod(dir_.c_str(), 01777), 0);
  auto rx = ReceiverChannel<Tick>::attach("a", attach_);
  ASSERT_FALSE(rx);
  EXPECT_TRUE(contains(rx.error().message,
                       "directory " + dir_ + " is writable by group/others (mode 1777)"))
      << rx.error().message;
}

// A header claiming 2^30 slots over a sparse file: tmpfs would allocate on the first read of a
// hole and SIGBUS once full. Refused before any slot is touched.
TEST_F(SegmentFiles, ASparseHugeFileWithAValidHeaderIsRefusedBeforeAnySlotIsTouched) {
  publish_dead("model");
  layout::SegmentHeader h{};
  {
    const int fd = ::open((dir_ + "/model").c_str(), O_RDONLY);
    ASSERT_EQ(::pread(fd, &h, sizeof h, 0), static_cast<ssize_t>(sizeof h));
    ::close(fd);
  }
  h.capacity = std::uint64_t{1} << 30;
  const std::uint64_t size = layout::kSlotsOffset + h.capacity * h.slot_size;  // 64 GiB
  const std::string path = dir_ + "/sparse";
  const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY, 0640);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, &h, sizeof h, 0), static_cast<ssize_t>(sizeof h));
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(size)), 0);
  ::close(fd);
  auto rx = ReceiverChannel<Tick>::attach("sparse", attach_);
  ASSERT_FALSE(rx);
  EXPECT_TRUE(contains(rx.error().message, path + " is sparse")) << rx.error().message;
  EXPECT_TRUE(contains(rx.error().message, "required: fully allocated")) << rx.error().message;
  auto info = inspect_channel("sparse", dir_);  // the capacity scan would touch every slot
  ASSERT_FALSE(info);
  EXPECT_TRUE(contains(info.error().message, "is sparse")) << info.error().message;
  for (const auto& c : list_channels(dir_)) EXPECT_NE(c.name, "sparse");
}

TEST_F(SegmentFiles, AFileLargerOrSmallerThanItsHeaderSaysIsRefused) {
  publish_dead("a");
  const std::string path = dir_ + "/a";
  const auto size = std::filesystem::file_size(path);
  {
    const int fd = ::open(path.c_str(), O_WRONLY);
    ASSERT_EQ(::posix_fallocate(fd, 0, static_cast<off_t>(size + 4096)), 0);
    ::close(fd);
  }
  auto rx = ReceiverChannel<Tick>::attach("a", attach_);
  ASSERT_FALSE(rx);
  EXPECT_TRUE(contains(rx.error().message, "requires exactly " + std::to_string(size)))
      << rx.error().message;
  ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(size - 4096)), 0);
  auto small = inspect_channel("a", dir_);
  ASSERT_FALSE(small);
  EXPECT_TRUE(contains(small.error().message, "requires exactly")) << small.error().message;
}

TEST_F(SegmentFiles, ASecondProducerOfALiveChannelIsRefusedAndTheFirstStaysPublished) {
  auto first = ProducerChannel<Tick>::create("a", 64, opts_);
  ASSERT_TRUE(first) << first.error().message;
  const auto t0 = std::chrono::steady_clock::now();
  auto second = ProducerChannel<Tick>::create("a", 64, opts_);
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(second);
  EXPECT_TRUE(contains(second.error().message, "channel a already has a live producer (pid " +
                                                   std::to_string(::getpid()) + ")"))
      << second.error().message;
  EXPECT_LT(took, 1s);
  auto info = inspect_channel("a", dir_);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->epoch, first->epoch());
  EXPECT_TRUE(info->producer_alive);
  // No temporary of the refused producer is left behind.
  EXPECT_TRUE(list_leftover_files(dir_).empty());
}

TEST_F(SegmentFiles, AfterTheProducerIsGoneANewOneReplacesTheChannel) {
  std::uint64_t old_epoch = 0;
  {
    auto first = ProducerChannel<Tick>::create("a", 64, opts_);
    ASSERT_TRUE(first) << first.error().message;
    old_epoch = first->epoch();
  }
  auto second = ProducerChannel<Tick>::create("a", 64, opts_);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_NE(second->epoch(), old_epoch);
}

TEST_F(SegmentFiles, ProducerAliveIsTheLockProbeOnTheReceiversOwnFile) {
  std::optional<ProducerChannel<Tick>> tx;
  {
    auto c = ProducerChannel<Tick>::create("a", 64, opts_);
    ASSERT_TRUE(c) << c.error().message;
    tx.emplace(std::move(*c));
  }
  auto seg = detail::open_segment("a", dir_, detail::payload_info<Tick>(), 0ms);
  ASSERT_TRUE(seg) << seg.error().message;
  EXPECT_TRUE(seg->producer_alive());
  EXPECT_TRUE(seg->producer_alive());  // probing does not take the lock away
  EXPECT_TRUE(inspect_channel("a", dir_)->producer_alive);
  tx.reset();
  EXPECT_FALSE(seg->producer_alive());
  EXPECT_FALSE(inspect_channel("a", dir_)->producer_alive);
}

TEST_F(SegmentFiles, ReceiverProbesInALoopDoNotStopAProducerRestart) {
  {
    auto first = ProducerChannel<Tick>::create("a", 64, opts_);
    ASSERT_TRUE(first);
  }
  auto seg = detail::open_segment("a", dir_, detail::payload_info<Tick>(), 0ms);
  ASSERT_TRUE(seg);
  std::atomic<bool> stop{false};
  std::thread prober([&] {
    while (!stop.load(std::memory_order_relaxed)) (void)seg->producer_alive();
  });
  auto second = ProducerChannel<Tick>::create("a", 64, opts_);
  stop.store(true, std::memory_order_relaxed);
  prober.join();
  EXPECT_TRUE(second) << second.error().message;
}

TEST_F(SegmentFiles, ASharedLockHeldLongerThanTheRetryLooksLikeALiveProducer) {
  {
    auto first = ProducerChannel<Tick>::create("a", 64, opts_);
    ASSERT_TRUE(first);
  }
  const int fd = ::open((dir_ + "/a").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_EQ(::flock(fd, LOCK_SH), 0);
  auto second = ProducerChannel<Tick>::create("a", 64, opts_);
  ::close(fd);
  ASSERT_FALSE(second);
  EXPECT_TRUE(contains(second.error().message, "already has a live producer"))
      << second.error().message;
}

TEST_F(SegmentFiles, LeftoverTemporariesAndDeadChannelsAreListedWithTheirOwner) {
  ASSERT_TRUE(make_dirs(dir_));
  {
    const int fd = ::open((dir_ + "/.a.999999.tmp").c_str(), O_CREAT | O_WRONLY, 0640);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::posix_fallocate(fd, 0, 8192), 0);
    ::close(fd);
  }
  publish_dead("b");
  auto live = ProducerChannel<Tick>::create("c", 64, opts_);
  ASSERT_TRUE(live);
  const auto l = list_leftover_files(dir_);
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0].kind, LeftoverFile::Kind::kTemporary);
  EXPECT_EQ(l[0].file, ".a.999999.tmp");
  EXPECT_EQ(l[0].name, "a");
  EXPECT_EQ(l[0].pid, 999999);
  EXPECT_EQ(l[0].owner_uid, ::geteuid());
  EXPECT_EQ(l[0].owner_name, user_name(::geteuid()));
  EXPECT_EQ(l[0].size, 8192u);
  EXPECT_GE(l[0].allocated, 8192u);
  EXPECT_EQ(l[1].kind, LeftoverFile::Kind::kDeadFile);
  EXPECT_EQ(l[1].name, "b");
  EXPECT_EQ(l[1].path, dir_ + "/b");
  // A producer of "a" reclaims the dead temporary of "a".
  auto a = ProducerChannel<Tick>::create("a", 64, opts_);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/.a.999999.tmp"));
  ASSERT_EQ(list_leftover_files(dir_).size(), 1u);
}

TEST_F(SegmentFiles, ALockedTemporaryIsNeitherReclaimedNorListed) {
  auto f = SegmentFile::create(dir_, "a", 4096, {});
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_TRUE(list_leftover_files(dir_).empty());
  auto other = ProducerChannel<Tick>::create("b", 64, opts_);
  ASSERT_TRUE(other);
  EXPECT_TRUE(std::filesystem::exists(f->tmp_path()));
}

TEST_F(SegmentFiles, SegmentFilesAreFullyAllocatedNeverSparse) {
  auto f = SegmentFile::create(dir_, "stats", 100'000, {});
  ASSERT_TRUE(f) << f.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(f->tmp_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 100'000);
  EXPECT_GE(static_cast<std::uint64_t>(st.st_blocks) * 512, 100'000u);
  ASSERT_TRUE(f->commit());
  auto r = SegmentFile::open_read_only(dir_ + "/stats", 100'000);
  ASSERT_TRUE(r.file);
  EXPECT_TRUE(r.file->producer_alive());
  EXPECT_EQ(r.file->size(), r.file->size_for(100'000));
}

TEST_F(SegmentFiles, IchannelDirAppliesToChannelsWithoutHugepages) {
  ASSERT_EQ(::setenv("ICHANNEL_DIR", dir_.c_str(), 1), 0);
  ChannelOptions o;
  o.hugepages = false;
  auto tx = ProducerChannel<Tick>::create("nohuge", 64, o);
  AttachOptions a;
  auto rx = ReceiverChannel<Tick>::attach("nohuge", a);
  ::unsetenv("ICHANNEL_DIR");
  ASSERT_TRUE(tx) << tx.error().message;
  EXPECT_EQ(tx->path(), dir_ + "/nohuge");
  EXPECT_TRUE(rx) << rx.error().message;
}

}  // namespace
TEST_F(SegmentFiles, OpenRegularFileRefusesSymlinksAndFifosAtOnceAndOpensRegularFiles) {
  ASSERT_TRUE(make_dirs(dir_));
  const std::string target = dir_ + "/target", link = dir_ + "/link", fifo = dir_ + "/fifo";
  { std::ofstream(target) << "x"; }
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto t0 = std::chrono::steady_clock::now();
  auto via_link = open_regular_file(link, O_RDONLY);
  auto from_fifo = open_regular_file(fifo, O_RDONLY);
  auto write_fifo = open_regular_file(fifo, O_WRONLY | O_CREAT | O_TRUNC);  // no reader: ENXIO
  auto create_via_link = open_regular_file(link, O_WRONLY | O_CREAT | O_TRUNC);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);  // nothing blocked
  ASSERT_FALSE(via_link);
  EXPECT_EQ(via_link.error().message, "is a symbolic link (not followed)");
  ASSERT_FALSE(from_fifo);
  EXPECT_EQ(from_fifo.error().message, "is a fifo, not a regular file");
  EXPECT_FALSE(write_fifo);
  ASSERT_FALSE(create_via_link);
  std::ifstream in(target);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "x");  // the symlink's target was not truncated
  auto ok = open_regular_file(target, O_RDONLY);
  ASSERT_TRUE(ok) << ok.error().message;
  char c = 0;
  EXPECT_EQ(::read(*ok, &c, 1), 1);
  EXPECT_EQ(c, 'x');
  EXPECT_EQ(::fcntl(*ok, F_GETFL) & O_NONBLOCK, 0);
  ::close(*ok);
}

}  // namespace ichannel
