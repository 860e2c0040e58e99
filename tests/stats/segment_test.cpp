// tests/stats/segment_test.cpp: statistics segment writer and reader (stats/writer.hpp,
// stats/reader.hpp).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "stats/reader.hpp"
#include "stats/writer.hpp"

namespace ichannel::stats {
namespace {

namespace fs = std::filesystem;

class StatsSegmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ichannel-stats-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    ::umount2((dir_ + "/small").c_str(), MNT_DETACH);  // AFullTmpfs..., if it failed midway
    fs::remove_all(dir_);
  }

  static StatsInit sample_init() {
    StatsInit init;
    init.pid = 4242;
    init.start_ns = 1'700'000'000'000'000'000ULL;
    init.interval_ms = 250;
    init.config_path = "/etc/ichannel/feed.yaml";
    init.reject_reasons = {"not_ipv4", "fragment"};
    init.ports = {{"p0", 3, 0, 2}};
    init.feeds = {{"nasdaq.itch", 0, 1, {}, {}}, {"bx.itch", 2, kNoLine, {}, {}}};
    init.lines = {{"nasdaq.itch", 'A', 0, 0xE9360C01, 26400},
                  {"nasdaq.itch", 'B', 0, 0xE9360C02, 26400},
                  {"bx.itch", 'A', 0, 0xE9360C03, 26401}};
    init.channels = {{"itch.all", 65536, -1, false, 77}};
    init.cores = {{1, 0, 0}};
    return init;
  }

  std::string dir_;
};

TEST(StatsPath, DefaultDirChannelDirAndAbsoluteSegment) {
  EXPECT_EQ(stats_path("", ""), "/dev/shm/ichannel/ichannel-stats");
  EXPECT_EQ(stats_path("/run/ich", "s1"), "/run/ich/s1");
  EXPECT_EQ(stats_path("/run/ich/", "s1"), "/run/ich/s1");
  EXPECT_EQ(stats_path("/run/ich", "/tmp/abs"), "/tmp/abs");
}

TEST(StatsPath, HugetlbfsChannelDirFallsBackToTheDefaultDir) {
  if (!is_hugetlbfs_dir("/dev/hugepages")) GTEST_SKIP() << "no hugetlbfs on /dev/hugepages";
  EXPECT_EQ(stats_path("/dev/hugepages", "s1"), "/dev/shm/ichannel/s1");
  EXPECT_FALSE(is_hugetlbfs_dir("/tmp"));
}

TEST_F(StatsSegmentTest, ReaderSeesStaticFieldsAndCountersTheWriterStored) {
  const std::string path = dir_ + "/sub/dir/stats";  // parent directories are created
  auto created = StatsWriter::create(path, sample_init());
  ASSERT_TRUE(created.writer) << created.error;
  StatsWriter& w = *created.writer;
  StatsSegment& s = w.segment();
  s.lines[1].duplicates.store(17, std::memory_order_relaxed);
  s.lines[0].packets.store(5, std::memory_order_relaxed);
  s.ports[0].imissed.store(9, std::memory_order_relaxed);
  s.ports[0].rejected[1].store(2, std::memory_order_relaxed);
  s.channels[0].published.store(1234, std::memory_order_relaxed);
  s.cores[0].packets.store(99, std::memory_order_relaxed);
  w.set_state(DaemonState::kRunning);
  w.publish(1'700'000'000'500'000'000ULL);

  auto opened = StatsReader::open(path);
  ASSERT_TRUE(opened.reader) << opened.error;
  const StatsSnapshot snap = opened.reader->snapshot();
  EXPECT_EQ(snap.pid, 4242);
  EXPECT_EQ(snap.interval_ms, 250u);
  EXPECT_EQ(snap.update_count, 1u);
  EXPECT_EQ(snap.update_ns, 1'700'000'000'500'000'000ULL);
  EXPECT_EQ(snap.state, DaemonState::kRunning);
  EXPECT_STREQ(to_string(snap.state), "running");
  EXPECT_EQ(snap.config_path, "/etc/ichannel/feed.yaml");
  ASSERT_EQ(snap.ports.size(), 1u);
  EXPECT_EQ(snap.ports[0].name, "p0");
  EXPECT_EQ(snap.ports[0].dpdk_port_id, 3);
  EXPECT_EQ(snap.ports[0].imissed, 9u);
  ASSERT_EQ(snap.ports[0].rejected.size(), 2u);
  EXPECT_EQ(snap.ports[0].rejected[1].first, "fragment");
  EXPECT_EQ(snap.ports[0].rejected[1].second, 2u);
  ASSERT_EQ(snap.lines.size(), 3u);
  EXPECT_EQ(snap.lines[0].feed, "nasdaq.itch");
  EXPECT_EQ(snap.lines[1].line, 'B');
  EXPECT_EQ(snap.lines[1].group, 0xE9360C02u);
  EXPECT_EQ(snap.lines[0].packets, 5u);
  EXPECT_EQ(snap.lines[1].duplicates, 17u);
  ASSERT_EQ(snap.channels.size(), 1u);
  EXPECT_EQ(snap.channels[0].name, "itch.all");
  EXPECT_EQ(snap.channels[0].capacity, 65536u);
  EXPECT_EQ(snap.channels[0].epoch, 77u);
  EXPECT_EQ(snap.channels[0].published, 1234u);
  ASSERT_EQ(snap.cores.size(), 1u);
  EXPECT_EQ(snap.cores[0].lcore, 1u);
  EXPECT_EQ(snap.cores[0].packets, 99u);

  // A live reader sees later updates through its mapping.
  s.channels[0].published.store(2000, std::memory_order_relaxed);
  w.publish(1'700'000'001'000'000'000ULL);
  EXPECT_EQ(opened.reader->snapshot().channels[0].published, 2000u);
  EXPECT_EQ(opened.reader->snapshot().update_count, 2u);
}

TEST_F(StatsSegmentTest, FileIsWorldReadableAndNoTemporaryIsLeftBehind) {
  const std::string path = dir_ + "/stats";
  ::umask(077);
  auto created = StatsWriter::create(path, sample_init());
  ::umask(022);
  ASSERT_TRUE(created.writer) << created.error;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_EQ(static_cast<std::size_t>(st.st_size), sizeof(StatsSegment));
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 1u);
}

TEST_F(StatsSegmentTest, RestartReplacesTheFileAndOldReadersKeepTheOldSegment) {
  const std::string path = dir_ + "/stats";
  auto first = StatsWriter::create(path, sample_init());
  ASSERT_TRUE(first.writer) << first.error;
  auto old_reader = StatsReader::open(path);
  ASSERT_TRUE(old_reader.reader);
  first.writer.reset();  // the old daemon exits: its producer lock goes with it
  StatsInit second_init = sample_init();
  second_init.pid = 5353;
  auto second = StatsWriter::create(path, second_init);
  ASSERT_TRUE(second.writer) << second.error;
  EXPECT_EQ(old_reader.reader->snapshot().pid, 4242);
  auto new_reader = StatsReader::open(path);
  ASSERT_TRUE(new_reader.reader);
  EXPECT_EQ(new_reader.reader->snapshot().pid, 5353);
}

TEST_F(StatsSegmentTest, ReaderRejectsMissingShortAndForeignFilesWithTheReason) {
  auto missing = StatsReader::open(dir_ + "/nope");
  EXPECT_FALSE(missing.reader);
  EXPECT_NE(missing.error.find(dir_ + "/nope"), std::string::npos) << missing.error;
  EXPECT_NE(missing.error.find("No such file"), std::string::npos) << missing.error;

  { std::ofstream(dir_ + "/short") << "hello"; }
  auto short_file = StatsReader::open(dir_ + "/short");
  EXPECT_FALSE(short_file.reader);
  EXPECT_NE(short_file.error.find("size 5 bytes"), std::string::npos) << short_file.error;

  {  // zeros, every block allocated: no magic
    const int fd = ::open((dir_ + "/short").c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::posix_fallocate(fd, 0, sizeof(StatsSegment)), 0);
    ::close(fd);
  }
  auto foreign = StatsReader::open(dir_ + "/short");
  EXPECT_FALSE(foreign.reader);
  EXPECT_NE(foreign.error.find("bad magic"), std::string::npos) << foreign.error;
}

TEST_F(StatsSegmentTest, TheSegmentIsFullyAllocatedAndASecondLiveWriterIsRefused) {
  const std::string path = dir_ + "/stats";
  auto first = StatsWriter::create(path, sample_init());
  ASSERT_TRUE(first.writer) << first.error;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_GE(static_cast<std::uint64_t>(st.st_blocks) * 512, sizeof(StatsSegment));  // fallocated
  auto second = StatsWriter::create(path, sample_init());
  EXPECT_FALSE(second.writer);
  EXPECT_NE(second.error.find("already has a live producer (pid " + std::to_string(::getpid())),
            std::string::npos)
      << second.error;
}

TEST_F(StatsSegmentTest, ReaderRefusesASparseOrGroupWritableSegment) {
  const std::string path = dir_ + "/stats";
  {
    auto w = StatsWriter::create(path, sample_init());
    ASSERT_TRUE(w.writer) << w.error;
  }
  ASSERT_EQ(::chmod(path.c_str(), 0664), 0);
  auto writable = StatsReader::open(path);
  EXPECT_FALSE(writable.reader);
  EXPECT_NE(writable.error.find("has mode 0664"), std::string::npos) << writable.error;
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  fs::remove(path);
  {
    const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, sizeof(StatsSegment)), 0);
    ::close(fd);
  }
  auto sparse = StatsReader::open(path);
  EXPECT_FALSE(sparse.reader);
  EXPECT_NE(sparse.error.find("is sparse"), std::string::npos) << sparse.error;
}

// Needs root: a 4 MiB tmpfs filled up, then the daemon's segment: an error, never a SIGBUS.
TEST_F(StatsSegmentTest, AFullTmpfsIsAnErrorAtCreateNotASigbus) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs";
  const std::string mnt = dir_ + "/small";
  ASSERT_EQ(::mkdir(mnt.c_str(), 0755), 0);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=4m,mode=0755") != 0) {
    GTEST_SKIP() << "cannot mount tmpfs (container without CAP_SYS_ADMIN?)";
  }
  {
    const int fd = ::open((mnt + "/filler").c_str(), O_CREAT | O_WRONLY, 0600);
    ASSERT_GE(fd, 0);
    off_t size = 0;
    while (::posix_fallocate(fd, size, 1 << 16) == 0) size += 1 << 16;
    ::close(fd);
  }
  auto w = StatsWriter::create(mnt + "/ichannel-stats", sample_init());
  EXPECT_FALSE(w.writer);
  EXPECT_NE(w.error.find("not enough space"), std::string::npos) << w.error;
  ::umount2(mnt.c_str(), MNT_DETACH);
}

TEST_F(StatsSegmentTest, ReaderRejectsAnotherLayoutVersion) {
  const std::string path = dir_ + "/stats";
  auto created = StatsWriter::create(path, sample_init());
  ASSERT_TRUE(created.writer);
  created.writer->segment().header.version = kStatsVersion + 1;
  auto opened = StatsReader::open(path);
  EXPECT_FALSE(opened.reader);
  EXPECT_NE(opened.error.find("layout version " + std::to_string(kStatsVersion + 1)),
            std::string::npos)
      << opened.error;
}

TEST_F(StatsSegmentTest, CreateInAnUnwritableLocationFailsWithPathAndReason) {
  auto created = StatsWriter::create("/proc/ichannel-no/stats", sample_init());
  EXPECT_FALSE(created.writer);
  EXPECT_NE(created.error.find("/proc/ichannel-no"), std::string::npos) << created.error;
}

TEST_F(StatsSegmentTest, LongNamesAreTruncatedAndTerminated) {
  StatsInit init = sample_init();
  init.channels[0].name = std::string(200, 'x');
  auto created = StatsWriter::create(dir_ + "/stats", init);
  ASSERT_TRUE(created.writer);
  auto opened = StatsReader::open(dir_ + "/stats");
  ASSERT_TRUE(opened.reader);
  EXPECT_EQ(opened.reader->snapshot().channels[0].name, std::string(kNameSize - 1, 'x'));
}

TEST_F(StatsSegmentTest, FeedBlockHoldsFeedWideCountersOnceAndItsLinesPointToIt) {
  const std::string path = dir_ + "/stats";
  auto created = StatsWriter::create(path, sample_init());
  ASSERT_TRUE(created.writer) << created.error;
  StatsSegment& s = created.writer->segment();
  EXPECT_EQ(s.header.feed_count, 2u);
  s.feeds[0].ticks.store(18900, std::memory_order_relaxed);
  s.feeds[0].dropped_types.store(70, std::memory_order_relaxed);
  s.feeds[0].gaps.store(1, std::memory_order_relaxed);
  s.feeds[0].gap_messages.store(12, std::memory_order_relaxed);
  s.feeds[0].session_changes.store(2, std::memory_order_relaxed);
  s.feeds[0].by_type['A'].store(15000, std::memory_order_relaxed);
  s.feeds[0].by_type[0xFF].store(1, std::memory_order_relaxed);
  s.feeds[1].ticks.store(5, std::memory_order_relaxed);
  created.writer->publish(1);

  auto opened = StatsReader::open(path);
  ASSERT_TRUE(opened.reader) << opened.error;
  const StatsSnapshot snap = opened.reader->snapshot();
  ASSERT_EQ(snap.feeds.size(), 2u);
  const FeedSnapshot& f = snap.feeds[0];
  EXPECT_EQ(f.name, "nasdaq.itch");
  EXPECT_EQ(f.line_a, 0);
  EXPECT_EQ(f.line_b, 1);
  EXPECT_EQ(f.ticks, 18900u);
  EXPECT_EQ(f.dropped_types, 70u);
  EXPECT_EQ(f.gaps, 1u);
  EXPECT_EQ(f.gap_messages, 12u);
  EXPECT_EQ(f.session_changes, 2u);
  EXPECT_EQ(f.by_type['A'], 15000u);
  EXPECT_EQ(f.by_type[0xFF], 1u);
  EXPECT_EQ(f.by_type['E'], 0u);
  EXPECT_EQ(snap.feeds[1].name, "bx.itch");
  EXPECT_EQ(snap.feeds[1].line_a, 2);
  EXPECT_EQ(snap.feeds[1].line_b, -1) << "a one-line feed has no line B";
  EXPECT_EQ(snap.feeds[1].ticks, 5u);
  // Each line row names its feed block; the feed-wide values are not on the line rows.
  EXPECT_EQ(snap.lines[0].feed_index, 0u);
  EXPECT_EQ(snap.lines[1].feed_index, 0u);
  EXPECT_EQ(snap.lines[2].feed_index, 1u);
  ASSERT_NE(snap.feed_of(snap.lines[1]), nullptr);
  EXPECT_EQ(snap.feed_of(snap.lines[1])->ticks, 18900u);
  EXPECT_EQ(snap.feed_of(snap.lines[2])->name, "bx.itch");
}

// Version 6: SnapshotStats rows after the BookStats rows, one per feed (the FeedStats index), 320
// bytes each, counters from byte 128 in ICHANNEL_SNAPSHOT_STATS order.
TEST(StatsLayout, SnapshotRowsAreAppendedAfterTheBookRowsInVersion6) {
  EXPECT_EQ(kStatsVersion, 6u);
  EXPECT_EQ(offsetof(StatsSegment, snapshots),
            offsetof(StatsSegment, books) + kMaxFeeds * sizeof(BookStats));
  EXPECT_EQ(sizeof(StatsSegment), offsetof(StatsSegment, snapshots) + kMaxFeeds * 320);
  EXPECT_EQ(sizeof(StatsSegment), 139008u);
  EXPECT_EQ(sizeof(SnapshotStats), 320u);
  EXPECT_EQ(offsetof(SnapshotStats, enabled), 0u);
  EXPECT_EQ(offsetof(SnapshotStats, buffer_ticks), 8u);
  EXPECT_EQ(offsetof(SnapshotStats, server), 16u);
  std::size_t offset = 128;
  std::size_t counters = 0;
#define ICHANNEL_SNAPSHOT_STATS_OFFSET(name, type, help)     \
  EXPECT_EQ(offsetof(SnapshotStats, name), offset) << #name; \
  offset += sizeof(Counter);                                 \
  ++counters;
  ICHANNEL_SNAPSHOT_STATS(ICHANNEL_SNAPSHOT_STATS_OFFSET)
#undef ICHANNEL_SNAPSHOT_STATS_OFFSET
  EXPECT_EQ(counters, kSnapshotStatsCounters);
  EXPECT_EQ(offsetof(SnapshotStats, reserved_counters), offset);
}

TEST_F(StatsSegmentTest, SnapshotRowsDescribeTheServerAndOnlyFeedsWithOneGetAWriterRow) {
  StatsInit init = sample_init();
  init.feeds[0].books = StatsInit::Books{"nasdaq-books", 10, 4'194'304};
  init.feeds[0].snapshot = StatsInit::Snapshot{"10.1.9.20:26600", 2'097'152};
  const std::string path = dir_ + "/stats";
  auto created = StatsWriter::create(path, init);
  ASSERT_TRUE(created.writer) << created.error;
  StatsWriter& w = *created.writer;
  SnapshotStats* g = w.snapshot_stats(0);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g, &w.segment().snapshots[0]);
  EXPECT_EQ(w.snapshot_stats(1), nullptr) << "bx.itch has no snapshot server";
  EXPECT_EQ(w.snapshot_stats(2), nullptr) << "beyond the feeds";
  EXPECT_EQ(w.snapshot_stats(kMaxFeeds + 5), nullptr);
  g->state.store(static_cast<std::uint64_t>(SnapshotState::kLoading), std::memory_order_relaxed);
  g->attempts.store(2, std::memory_order_relaxed);
  g->completed.store(1, std::memory_order_relaxed);
  g->failures.store(1, std::memory_order_relaxed);
  g->stale.store(1, std::memory_order_relaxed);
  g->last_orders.store(1'000'000, std::memory_order_relaxed);
  g->last_next_seq.store(123'456'789, std::memory_order_relaxed);
  g->bytes.store(40'000'000, std::memory_order_relaxed);
  w.publish(1);

  auto opened = StatsReader::open(path);
  ASSERT_TRUE(opened.reader) << opened.error;
  const StatsSnapshot snap = opened.reader->snapshot();
  ASSERT_EQ(snap.feeds.size(), 2u);
  ASSERT_TRUE(snap.feeds[0].snapshots.has_value());
  const SnapshotsSnapshot& o = *snap.feeds[0].snapshots;
  EXPECT_EQ(o.server, "10.1.9.20:26600");
  EXPECT_EQ(o.buffer_ticks, 2'097'152u);
  EXPECT_EQ(o.state, 2u);
  EXPECT_STREQ(snapshot_state_name(o.state), "loading");
  EXPECT_EQ(o.attempts, 2u);
  EXPECT_EQ(o.completed, 1u);
  EXPECT_EQ(o.failures, 1u);
  EXPECT_EQ(o.stale, 1u);
  EXPECT_EQ(o.connect_failures, 0u);
  EXPECT_EQ(o.last_orders, 1'000'000u);
  EXPECT_EQ(o.last_next_seq, 123'456'789u);
  EXPECT_EQ(o.bytes, 40'000'000u);
  EXPECT_TRUE(snap.feeds[0].books.has_value());
  EXPECT_FALSE(snap.feeds[1].snapshots.has_value());
  EXPECT_FALSE(snap.feeds[1].books.has_value());
  for (std::uint64_t state = 0; state <= 4; ++state) {
    EXPECT_STRNE(snapshot_state_name(state), "?") << state;
  }
  EXPECT_STREQ(snapshot_state_name(5), "?");
}

TEST_F(StatsSegmentTest, LineRowsCarryEachErrorCounterUnderItsOwnName) {
  const std::string path = dir_ + "/stats";
  auto created = StatsWriter::create(path, sample_init());
  ASSERT_TRUE(created.writer) << created.error;
  LineStats& l = created.writer->segment().lines[1];
  l.malformed.store(1, std::memory_order_relaxed);
  l.unknown_type.store(3, std::memory_order_relaxed);
  l.bad_length.store(2, std::memory_order_relaxed);
  l.heartbeats.store(9, std::memory_order_relaxed);
  l.end_of_session.store(1, std::memory_order_relaxed);
  l.stale_session.store(4, std::memory_order_relaxed);
  l.next_seq.store(77, std::memory_order_relaxed);
  l.long_messages.store(5, std::memory_order_relaxed);
  auto opened = StatsReader::open(path);
  ASSERT_TRUE(opened.reader) << opened.error;
  const LineSnapshot o = opened.reader->snapshot().lines[1];
  EXPECT_EQ(o.malformed, 1u);
  EXPECT_EQ(o.unknown_type, 3u);
  EXPECT_EQ(o.bad_length, 2u);
  EXPECT_EQ(o.malformed_total(), 6u);  // long messages are decoded: not malformed
  EXPECT_EQ(o.long_messages, 5u);
  EXPECT_EQ(o.heartbeats, 9u);
  EXPECT_EQ(o.end_of_session, 1u);
  EXPECT_EQ(o.stale_session, 4u);
  EXPECT_EQ(o.next_seq, 77u);
}

TEST_F(StatsSegmentTest, TheTemporaryIsHiddenAndALeftoverOfThisPidIsReplaced) {
  const std::string leftover = dir_ + "/.stats." + std::to_string(::getpid()) + ".tmp";
  { std::ofstream(leftover) << "crash"; }
  auto created = StatsWriter::create(dir_ + "/stats", sample_init());
  ASSERT_TRUE(created.writer) << created.error;
  EXPECT_FALSE(fs::exists(leftover));
  EXPECT_TRUE(StatsReader::open(dir_ + "/stats").reader);
}

// Writer (RX loop / main lcore role) and reader (ichannel-stat role) in parallel: every counter
// read is a value the writer stored, never torn, and never goes backwards. Run under TSan too.
TEST_F(StatsSegmentTest, ConcurrentReaderSeesMonotonicCountersWhileTheWriterUpdates) {
  const std::string path = dir_ + "/stats";
  auto created = StatsWriter::create(path, sample_init());
  ASSERT_TRUE(created.writer);
  auto opened = StatsReader::open(path);
  ASSERT_TRUE(opened.reader);
  constexpr std::uint64_t kUpdates = 20000;
  std::atomic<bool> done{false};  // pairs: writer's release store, reader's acquire load
  std::thread writer([&] {
    StatsSegment& s = created.writer->segment();
    for (std::uint64_t i = 1; i <= kUpdates; ++i) {
      s.channels[0].published.store(i, std::memory_order_relaxed);
      s.lines[0].packets.store(2 * i, std::memory_order_relaxed);
      created.writer->publish(i);
    }
    done.store(true, std::memory_order_release);
  });
  std::uint64_t last_published = 0, last_update = 0, snapshots = 0;
  while (!done.load(std::memory_order_acquire)) {
    const StatsSnapshot snap = opened.reader->snapshot();
    ASSERT_GE(snap.channels[0].published, last_published);
    ASSERT_GE(snap.update_ns, last_update);
    ASSERT_EQ(snap.lines[0].packets % 2, 0u);
    // update_ns is stored (release) after the counters: acquiring it shows at least those.
    ASSERT_GE(snap.channels[0].published, snap.update_ns);
    last_published = snap.channels[0].published;
    last_update = snap.update_ns;
    ++snapshots;
  }
  writer.join();
  const StatsSnapshot final_snap = opened.reader->snapshot();
  EXPECT_EQ(final_snap.channels[0].published, kUpdates);
  EXPECT_EQ(final_snap.update_count, kUpdates);
  EXPECT_GT(snapshots, 0u);
}

}  // namespace
}  // namespace ichannel::stats
