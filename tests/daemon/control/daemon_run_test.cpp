// tests/daemon/control/daemon_run_test.cpp: ichannel-feed run for real on net_pcap with --no-huge.
//
// Each test builds its own capture (crafted MoldUDP64 / ITCH 5.0 frames), config, channel
// directory and DPDK file prefix under a temporary directory, runs the daemon binary
// (ICHANNEL_FEED_BIN) as a child process and checks what a strategy and ichannel-stat would
// see: ticks in the channels, counters in the statistics segment, exit status and messages.
// Needs no NIC, no hugepages; writes DPDK runtime files under /var/run/dpdk/<prefix> (removed).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ichannel/channel.hpp>
#include <ichannel/tick.hpp>
#include <map>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "stats/reader.hpp"
#include "tests/daemon/frames.hpp"
#include "tests/support/shared_data.hpp"
#include "tests/support/test_config.hpp"

namespace ichannel::daemon {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::Bytes;

constexpr std::uint32_t kSrc = 0x0A010101;
constexpr std::uint32_t kGroupA = 0xE9360C01;
constexpr std::uint32_t kGroupB = 0xE9360C02;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class DaemonRun : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ichannel-daemon-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    prefix_ = "ichtest-" + std::to_string(::getpid()) + "-" + fs::path(dir_).filename().string();
  }

  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    fs::remove_all(dir_);
    std::error_code ec;
    fs::remove_all("/var/run/dpdk/" + prefix_, ec);
  }

  // Capture: A and B copies of two packets (3 messages), then one frame for an unknown group.
  void write_capture() {
    const Bytes p1 = test::mold_packet("SESSION001", 1,
                                       {test::itch_add(5, 1000, 1, 'B', 100, "AAPL", 1500000),
                                        test::itch_add(6, 1001, 2, 'S', 50, "MSFT", 3000000)});
    const Bytes p2 = test::mold_packet("SESSION001", 3, {test::itch_delete(5, 1002, 1)});
    const std::vector<Bytes> frames{
        test::udp_frame(kSrc, kGroupA, 5000, 26400, p1),
        test::udp_frame(kSrc, kGroupB, 5000, 26400, p1),
        test::udp_frame(kSrc, kGroupB, 5000, 26400, p2),
        test::udp_frame(kSrc, kGroupA, 5000, 26400, p2),
        test::udp_frame(kSrc, 0xE9360C09, 5000, 26400, p2),
    };
    ASSERT_TRUE(test::write_pcap(dir_ + "/feed.pcap", frames));
  }

  std::string config_text(const std::string& channel_dir,
                          const std::string& prometheus_file = "") const {
    return test::render_config({
        {"PROMETHEUS_FILE", prometheus_file},
        {"CAPACITY", "1024"},
        {"CHANNEL", "itch.all"},
        {"CHANNEL_DIR", channel_dir},
        {"DEVICE", "net_pcap0,rx_pcap=" + dir_ + "/feed.pcap"},
        {"FEED", "nasdaq.itch"},
        {"FILE_PREFIX", prefix_},
        {"FILTERED_CHANNEL", "itch.aapl"},
        {"LOG_FILE", dir_ + "/daemon.log"},
        {"MEMORY_MB", "128"},
        {"MEMPOOL_SIZE", "2047"},
        {"RX_DESCRIPTORS", "256"},
        {"STATS_INTERVAL_MS", "50"},
        {"SYMBOLS", "AAPL"},
    });
  }

  void write_config(const std::string& text) { std::ofstream(dir_ + "/feed.yaml") << text; }

  void start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{ICHANNEL_FEED_BIN, "--config", dir_ + "/feed.yaml"};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      const int out = ::open((dir_ + "/stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err = ::open((dir_ + "/stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(out, 1);
      ::dup2(err, 2);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }

  // Exit status of the child (waits up to `limit`), -1 on timeout / signal.
  int wait_exit(std::chrono::milliseconds limit = 20s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(10ms);
    }
    return -1;
  }

  bool wait_for_log(const std::string& needle, std::chrono::milliseconds limit = 30s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (slurp(dir_ + "/daemon.log").find(needle) != std::string::npos) return true;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  std::vector<Tick> read_channel(const std::string& name) {
    AttachOptions opts;
    opts.dir = dir_ + "/run";
    opts.start_at_oldest = true;
    auto ch = ReceiverChannel<Tick>::attach(name, opts);
    EXPECT_TRUE(ch.has_value()) << (ch ? "" : ch.error().message);
    std::vector<Tick> out;
    if (!ch) return out;
    while (auto r = ch->receiver().try_recv()) out.push_back(r->value);
    return out;
  }

  std::string dir_;
  std::string prefix_;
  pid_t pid_ = -1;
};

TEST_F(DaemonRun, ReplaysACaptureIntoChannelsAndStatisticsThenStopsCleanlyOnSigterm) {
  write_capture();
  write_config(config_text(dir_ + "/run"));
  start();
  ASSERT_TRUE(wait_for_log("ichannel-feed ready:"))
      << slurp(dir_ + "/daemon.log") << slurp(dir_ + "/stderr");

  const std::string stats_path = dir_ + "/run/ichannel-stats";
  auto opened = stats::StatsReader::open(stats_path);
  ASSERT_TRUE(opened.reader) << opened.error;
  stats::StatsSnapshot snap;
  const auto end = std::chrono::steady_clock::now() + 20s;
  do {
    std::this_thread::sleep_for(20ms);
    snap = opened.reader->snapshot();
  } while ((snap.ports.empty() || snap.ports[0].polled < 5) &&
           std::chrono::steady_clock::now() < end);
  ASSERT_EQ(snap.ports.size(), 1u);
  EXPECT_EQ(snap.ports[0].polled, 5u);
  EXPECT_EQ(snap.state, stats::DaemonState::kRunning);
  EXPECT_EQ(snap.pid, pid_);

  // Strategy view while the daemon runs: every first copy once, filtered channel only AAPL.
  const auto all = read_channel("itch.all");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].action, Action::kAdd);
  EXPECT_EQ(all[0].seq, 1u);
  EXPECT_EQ(all[1].order_id, 2u);
  EXPECT_EQ(all[2].action, Action::kDelete);
  EXPECT_EQ(all[2].seq, 3u);
  const std::uint64_t now =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  EXPECT_GT(all[0].recv_ns, snap.start_ns);
  EXPECT_LE(all[0].recv_ns, now);
  const auto aapl = read_channel("itch.aapl");
  ASSERT_EQ(aapl.size(), 2u);
  EXPECT_EQ(aapl[0].instrument, 5u);
  EXPECT_EQ(aapl[1].instrument, 5u);

  ASSERT_EQ(::kill(pid_, SIGTERM), 0);
  EXPECT_EQ(wait_exit(), 0) << slurp(dir_ + "/stderr");
  const std::string out = slurp(dir_ + "/stdout");
  EXPECT_EQ(out.find("ichannel-feed ready: 1 ports, 1 feeds, 2 channels, 1 rx loops, stats " +
                     dir_ + "/run/ichannel-stats\n"),
            0u)
      << out;
  EXPECT_NE(out.find("ichannel-feed stopped after"), std::string::npos) << out;
  EXPECT_NE(out.find("messages 3, ticks 3, gaps 0, duplicates 3, malformed 0, unrouted 1"),
            std::string::npos)
      << out;

  // Final statistics after exit.
  const stats::StatsSnapshot last = opened.reader->snapshot();
  EXPECT_EQ(last.state, stats::DaemonState::kStopped);
  ASSERT_EQ(last.lines.size(), 2u);
  EXPECT_EQ(last.lines[0].packets, 2u);
  EXPECT_EQ(last.lines[1].packets, 2u);
  EXPECT_EQ(last.lines[0].messages + last.lines[1].messages, 3u);
  EXPECT_EQ(last.lines[0].duplicates + last.lines[1].duplicates, 3u);
  ASSERT_EQ(last.feeds.size(), 1u);  // per-feed values: the feed block, once
  EXPECT_EQ(last.feeds[0].ticks, 3u);
  EXPECT_EQ(last.feeds[0].line_a, 0);
  EXPECT_EQ(last.feeds[0].line_b, 1);
  EXPECT_EQ(last.lines[1].feed_index, 0u);
  EXPECT_EQ(last.ports[0].rx_packets, 5u);  // PMD counter
  EXPECT_EQ(last.ports[0].unrouted, 1u);
  ASSERT_EQ(last.channels.size(), 2u);
  EXPECT_EQ(last.channels[0].published, 3u);
  EXPECT_EQ(last.channels[1].published, 2u);
  EXPECT_EQ(last.channels[1].filtered, 1u);  // MSFT
  ASSERT_EQ(last.cores.size(), 1u);
  EXPECT_EQ(last.cores[0].packets, 5u);

  // Channels stay readable after the daemon is gone.
  EXPECT_EQ(read_channel("itch.all").size(), 3u);
  auto info = inspect_channel("itch.all", dir_ + "/run");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->last_seq, 3u);
  EXPECT_FALSE(info->producer_alive);
}

TEST_F(DaemonRun, BadConfigPrintsEveryErrorExitsTwoAndCreatesNothing) {
  write_capture();
  std::string text = config_text(dir_ + "/run");
  text.replace(text.find("233.54.12.1"), 11, "233.54.12.300");
  text.replace(text.find("capacity: 1024"), 14, "capacity: 1000");
  write_config(text);
  start();
  EXPECT_EQ(wait_exit(), 2);
  const std::string err = slurp(dir_ + "/stderr");
  EXPECT_NE(err.find(dir_ + "/feed.yaml:"), std::string::npos) << err;
  EXPECT_NE(err.find("feeds[0].lines.A.group"), std::string::npos) << err;
  EXPECT_NE(err.find("channels[0].capacity"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir_ + "/run"));
  EXPECT_FALSE(fs::exists(dir_ + "/daemon.log"));
  EXPECT_FALSE(fs::exists("/var/run/dpdk/" + prefix_));
}

TEST_F(DaemonRun, FeedPolledByTwoLcoresIsRefusedAsAConfigError) {
  write_capture();
  std::string text = config_text(dir_ + "/run");
  // The feed's port queues are polled by two lcores: its A/B state would be shared.
  text.replace(text.find("lcores: [0, 1]"), 14, "lcores: [0, 1, 2]");
  text.replace(text.find("    rx_descriptors: 256"), 0, "    rx_queues: 2\n");
  text.replace(text.find("logging:"), 0, "  - { lcore: 2, port: p0, queue: 1 }\n");
  write_config(text);
  start();
  EXPECT_EQ(wait_exit(), 2);
  const std::string err = slurp(dir_ + "/stderr");
  // The config validator refuses it (FILE:LINE:COL), naming the feed.
  EXPECT_NE(err.find(dir_ + "/feed.yaml:"), std::string::npos) << err;
  EXPECT_NE(err.find("feeds[0]"), std::string::npos) << err;
  EXPECT_NE(err.find("nasdaq.itch"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir_ + "/run"));
  EXPECT_FALSE(fs::exists("/var/run/dpdk/" + prefix_));
}

TEST_F(DaemonRun, CheckValidatesOnlyAndCreatesNothing) {
  write_capture();
  write_config(config_text(dir_ + "/run"));
  start({"--check"});
  EXPECT_EQ(wait_exit(), 0);
  EXPECT_NE(slurp(dir_ + "/stdout").find("configuration OK"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ + "/run"));
  EXPECT_FALSE(fs::exists("/var/run/dpdk/" + prefix_));
}

TEST_F(DaemonRun, RuntimeFailureExitsOneNamingWhatFailed) {
  write_capture();
  write_config(config_text("/proc/ichannel-cannot-exist"));
  start();
  EXPECT_EQ(wait_exit(), 1);
  const std::string err = slurp(dir_ + "/stderr");
  EXPECT_NE(err.find("ichannel-feed: error: channel itch.all"), std::string::npos) << err;
}

// Files in a directory, dot files (temporaries) included.
std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

// The start fails at the second channel (its path is taken by a directory): the first channel,
// created by this run, is removed again; what was there before is left alone.
TEST_F(DaemonRun, FailedStartRemovesTheChannelsItCreatedAndNothingElse) {
  write_capture();
  write_config(config_text(dir_ + "/run"));
  ASSERT_EQ(::mkdir((dir_ + "/run").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((dir_ + "/run/itch.aapl").c_str(), 0755), 0);
  start();
  EXPECT_EQ(wait_exit(), 1);
  const std::string err = slurp(dir_ + "/stderr");
  EXPECT_NE(err.find("ichannel-feed: error: channel itch.aapl"), std::string::npos) << err;
  EXPECT_EQ(names_in(dir_ + "/run"), std::vector<std::string>{"itch.aapl"})
      << "no dead channel, no temporary";
  EXPECT_TRUE(fs::is_directory(dir_ + "/run/itch.aapl"));
  EXPECT_NE(slurp(dir_ + "/daemon.log")
                .find("channel itch.all: removed " + dir_ +
                      "/run/itch.all (created by this failed start)"),
            std::string::npos)
      << slurp(dir_ + "/daemon.log");
}

// A channel with a live producer (here: this test) makes the start fail; the daemon removes the
// channel it created itself and leaves the other producer's file alone.
TEST_F(DaemonRun, FailedStartLeavesAChannelWithALiveProducerAlone) {
  write_capture();
  write_config(config_text(dir_ + "/run"));
  ChannelOptions opts;
  opts.dir = dir_ + "/run";
  opts.hugepages = false;
  auto other = ProducerChannel<Tick>::create("itch.aapl", 1024, opts);
  ASSERT_TRUE(other.has_value()) << other.error().message;
  struct stat before {};
  ASSERT_EQ(::stat((dir_ + "/run/itch.aapl").c_str(), &before), 0);
  start();
  EXPECT_EQ(wait_exit(), 1);
  const std::string err = slurp(dir_ + "/stderr");
  EXPECT_NE(err.find("channel itch.aapl"), std::string::npos) << err;
  EXPECT_NE(err.find("live producer"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir_ + "/run/itch.all")) << "created by the failed start: removed";
  struct stat after {};
  ASSERT_EQ(::stat((dir_ + "/run/itch.aapl").c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino) << "the live producer's channel is untouched";
  auto info = inspect_channel("itch.aapl", dir_ + "/run");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->epoch, other->epoch());
}

// A channel path replaced or removed while the daemon runs: logged once each and shown in the
// statistics (file_state 1 replaced, 2 removed) within about a second.
TEST_F(DaemonRun, ChannelReplacedOrRemovedBehindItsBackIsReported) {
  write_capture();
  write_config(config_text(dir_ + "/run"));
  start();
  ASSERT_TRUE(wait_for_log("ichannel-feed ready:")) << slurp(dir_ + "/stderr");
  auto opened = stats::StatsReader::open(dir_ + "/run/ichannel-stats");
  ASSERT_TRUE(opened.reader) << opened.error;
  ASSERT_EQ(opened.reader->snapshot().channels.size(), 2u);
  EXPECT_EQ(opened.reader->snapshot().channels[0].file_state, 0u);

  // Another file renamed over itch.all (what an impostor producer would do).
  fs::copy_file(dir_ + "/run/itch.all", dir_ + "/run/forged");
  ASSERT_EQ(::rename((dir_ + "/run/forged").c_str(), (dir_ + "/run/itch.all").c_str()), 0);
  EXPECT_TRUE(wait_for_log("channel itch.all: " + dir_ + "/run/itch.all was replaced behind", 10s))
      << slurp(dir_ + "/daemon.log");
  ASSERT_EQ(::unlink((dir_ + "/run/itch.aapl").c_str()), 0);
  EXPECT_TRUE(wait_for_log("channel itch.aapl: " + dir_ + "/run/itch.aapl was removed behind", 10s))
      << slurp(dir_ + "/daemon.log");
  const auto end = std::chrono::steady_clock::now() + 5s;
  stats::StatsSnapshot snap = opened.reader->snapshot();
  while ((snap.channels[0].file_state != 1 || snap.channels[1].file_state != 2) &&
         std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(20ms);
    snap = opened.reader->snapshot();
  }
  EXPECT_EQ(snap.channels[0].file_state, 1u);
  EXPECT_EQ(snap.channels[1].file_state, 2u);
  EXPECT_EQ(snap.state, stats::DaemonState::kRunning);  // it keeps running (and says so)
  const std::string log = slurp(dir_ + "/daemon.log");
  EXPECT_EQ(log.find("was replaced behind"), log.rfind("was replaced behind")) << "once";

  ASSERT_EQ(::kill(pid_, SIGTERM), 0);
  EXPECT_EQ(wait_exit(), 0) << slurp(dir_ + "/stderr");
}

// The root daemon used to mkdir -p the directory of logging.file: now it is a config error and
// nothing is created.
TEST_F(DaemonRun, LogFileInAMissingDirectoryIsAConfigErrorAndTheDirectoryIsNotCreated) {
  write_capture();
  std::string text = config_text(dir_ + "/run");
  const std::string log = dir_ + "/daemon.log";
  text.replace(text.find(log), log.size(), dir_ + "/no/such/dir/daemon.log");
  write_config(text);
  start();
  EXPECT_EQ(wait_exit(), 2);
  const std::string err = slurp(dir_ + "/stderr");
  EXPECT_NE(err.find("logging.file: directory " + dir_ +
                     "/no/such/dir does not exist (No such file or directory); ichannel-feed "
                     "does not create it"),
            std::string::npos)
      << err;
  EXPECT_FALSE(fs::exists(dir_ + "/no"));
  EXPECT_FALSE(fs::exists(dir_ + "/run"));
}

// A FIFO at the config path is refused at once (the open never waits for a writer).
TEST_F(DaemonRun, ConfigFileThatIsAFifoIsRefusedAtOnce) {
  ASSERT_EQ(::mkfifo((dir_ + "/feed.yaml").c_str(), 0600), 0);
  start({"--check"});
  EXPECT_EQ(wait_exit(5s), 2) << "blocked on the FIFO";
  EXPECT_NE(slurp(dir_ + "/stderr").find(dir_ + "/feed.yaml: is a fifo, not a regular file"),
            std::string::npos)
      << slurp(dir_ + "/stderr");
}

TEST_F(DaemonRun, MissingConfigFileIsAConfigError) {
  start();  // no feed.yaml written
  EXPECT_EQ(wait_exit(), 2);
  EXPECT_NE(slurp(dir_ + "/stderr").find(dir_ + "/feed.yaml"), std::string::npos);
}

// The real Nasdaq sample (1000 messages) framed into MoldUDP64 packets on lines A and B: every
// 5th packet lost on A only (B covers it), packet 7 lost on both (one feed gap). The channels
// must carry exactly the tick-producing messages of the file minus packet 7, plus one kGap.
TEST_F(DaemonRun, RealNasdaqSampleArrivesExactlyOnceDespiteLossOnOneLine) {
  const std::string sample = ichannel::test::nasdaq_sample().string();
  const std::string raw = slurp(sample);
  if (raw.empty()) GTEST_SKIP() << "shared sample not found: " << sample;

  std::vector<Bytes> messages;
  for (std::size_t off = 0; off + 2 <= raw.size();) {
    const std::size_t len = (std::uint8_t(raw[off]) << 8) | std::uint8_t(raw[off + 1]);
    ASSERT_LE(off + 2 + len, raw.size());
    messages.emplace_back(raw.begin() + off + 2, raw.begin() + off + 2 + len);
    off += 2 + len;
  }
  ASSERT_EQ(messages.size(), 1000u);

  // Packets of at most ~1400 payload bytes.
  std::vector<std::pair<std::size_t, std::size_t>> packets;  // [first, last) message index
  for (std::size_t i = 0; i < messages.size();) {
    std::size_t j = i, bytes = 20;
    while (j < messages.size() && bytes + 2 + messages[j].size() <= 1400)
      bytes += 2 + messages[j++].size();
    packets.emplace_back(i, j);
    i = j;
  }
  constexpr std::size_t kLostOnBoth = 7;
  ASSERT_GT(packets.size(), kLostOnBoth);
  std::vector<Bytes> frames;
  for (std::size_t p = 0; p < packets.size(); ++p) {
    if (p == kLostOnBoth) continue;
    const std::vector<Bytes> msgs(messages.begin() + packets[p].first,
                                  messages.begin() + packets[p].second);
    const Bytes mold = test::mold_packet("0000012345", packets[p].first + 1, msgs);
    if (p % 5 != 3) frames.push_back(test::udp_frame(kSrc, kGroupA, 5000, 26400, mold));
    frames.push_back(test::udp_frame(kSrc, kGroupB, 5000, 26400, mold));
  }
  ASSERT_TRUE(test::write_pcap(dir_ + "/feed.pcap", frames));

  // Expected ticks per action from the file, by an independent mapping of the ITCH types.
  std::map<Action, std::size_t> expected;
  std::map<std::uint16_t, std::string> symbol_of;  // from A/F, first seen
  for (std::size_t p = 0; p < packets.size(); ++p) {
    if (p == kLostOnBoth) continue;
    for (std::size_t i = packets[p].first; i < packets[p].second; ++i) {
      switch (messages[i][0]) {
        case 'A':
        case 'F':
          ++expected[Action::kAdd];
          break;
        case 'U':
          ++expected[Action::kReplace];
          break;
        case 'D':
          ++expected[Action::kDelete];
          break;
        case 'E':
          ++expected[Action::kExecute];
          break;
        case 'X':
          ++expected[Action::kCancel];
          break;
        case 'C':
          ++expected[Action::kExecuteWithPrice];
          break;
        case 'P':
          ++expected[Action::kTrade];
          break;
        case 'Q':
          ++expected[Action::kCross];
          break;
        case 'S':
          ++expected[Action::kStatus];
          break;
        case 'I':
          ++expected[Action::kImbalance];  // tick layout 2: informational types publish too
          break;
        default:
          break;
      }
    }
  }
  expected[Action::kGap] = 1;
  std::size_t expected_total = 0;
  for (const auto& [a, n] : expected) expected_total += n;

  std::string text = config_text(dir_ + "/run");
  text.replace(text.find("capacity: 1024, hugepages: false }\n  - { name: itch.aapl"), 14,
               "capacity: 2048");
  write_config(text);
  start();
  ASSERT_TRUE(wait_for_log("ichannel-feed ready:"))
      << slurp(dir_ + "/daemon.log") << slurp(dir_ + "/stderr");
  auto opened = stats::StatsReader::open(dir_ + "/run/ichannel-stats");
  ASSERT_TRUE(opened.reader) << opened.error;
  const auto end = std::chrono::steady_clock::now() + 20s;
  while (opened.reader->snapshot().ports[0].polled < frames.size() &&
         std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(::kill(pid_, SIGTERM), 0);
  ASSERT_EQ(wait_exit(), 0) << slurp(dir_ + "/stderr");

  const auto all = read_channel("itch.all");
  ASSERT_EQ(all.size(), expected_total);
  std::map<Action, std::size_t> got;
  std::uint64_t last_seq = 0;
  bool after_gap = false;
  for (const Tick& t : all) {
    ++got[t.action];
    EXPECT_GE(t.seq, last_seq);  // feed order
    EXPECT_EQ(t.feed, 0u);       // the config's feeds[0]
    after_gap = after_gap || t.action == Action::kGap;
    EXPECT_EQ(has_flag(t, kTickAfterGap), after_gap) << t.seq;
    last_seq = t.seq;
  }
  EXPECT_EQ(got, expected);
  const auto gap =
      std::find_if(all.begin(), all.end(), [](const Tick& t) { return t.action == Action::kGap; });
  ASSERT_NE(gap, all.end());
  EXPECT_EQ(gap->seq, packets[kLostOnBoth].first + 1);
  EXPECT_EQ(gap->aux, packets[kLostOnBoth].second - packets[kLostOnBoth].first);

  const stats::StatsSnapshot s = opened.reader->snapshot();
  ASSERT_EQ(s.feeds.size(), 1u);
  EXPECT_EQ(s.feeds[0].gaps, 1u);
  EXPECT_EQ(s.feeds[0].ticks, expected_total);
  EXPECT_GT(s.lines[0].gaps, 0u);  // line A lost every 5th packet...
  EXPECT_EQ(s.lines[1].gaps, 1u);  // ...line B only packet 7
  EXPECT_EQ(s.lines[0].messages + s.lines[1].messages,
            1000u - (packets[kLostOnBoth].second - packets[kLostOnBoth].first));
  EXPECT_EQ(s.channels[0].published, expected_total);
}

// statistics.prometheus_file: the daemon writes the Prometheus text itself every statistics pass
// (atomically, no temporary left) and its final state when it stops.
TEST_F(DaemonRun, WritesThePrometheusFileEveryPassAndItsFinalStateOnExit) {
  write_capture();
  const std::string prom = dir_ + "/textfile/ichannel.prom";
  ASSERT_EQ(::mkdir((dir_ + "/textfile").c_str(), 0755), 0);
  write_config(config_text(dir_ + "/run", prom));
  start();
  ASSERT_TRUE(wait_for_log("ichannel-feed ready:"))
      << slurp(dir_ + "/daemon.log") << slurp(dir_ + "/stderr");
  const std::string published = "ichannel_channel_published_total{channel=\"itch.all\"} 3\n";
  const auto end = std::chrono::steady_clock::now() + 20s;
  std::string body;
  do {
    std::this_thread::sleep_for(20ms);
    body = slurp(prom);
  } while (body.find(published) == std::string::npos && std::chrono::steady_clock::now() < end);
  EXPECT_NE(body.find(published), std::string::npos) << body;
  EXPECT_NE(body.find("ichannel_daemon_up 1\n"), std::string::npos) << body;
  EXPECT_NE(body.find("ichannel_feed_ticks_total{feed=\"nasdaq.itch\"} 3\n"), std::string::npos)
      << body;
  EXPECT_NE(body.find("# TYPE ichannel_feed_malformed_total counter\n"), std::string::npos);

  ASSERT_EQ(::kill(pid_, SIGTERM), 0);
  EXPECT_EQ(wait_exit(), 0) << slurp(dir_ + "/stderr");
  body = slurp(prom);
  EXPECT_NE(body.find("ichannel_daemon_up 0\n"), std::string::npos) << body;
  EXPECT_NE(body.find("state=\"stopped\""), std::string::npos) << body;
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_ + "/textfile")) {
    ++files;
  }
  EXPECT_EQ(files, 1u) << "no temporary left beside the textfile";
  EXPECT_NE(slurp(dir_ + "/daemon.log").find("Prometheus textfile " + prom), std::string::npos)
      << "the daemon names the file it writes";
}

// kill -9 leaves a stale statistics segment and stale channels; a restart replaces both (new pid,
// new epochs) and a receiver that stayed attached notices the restart.
TEST_F(DaemonRun, RestartAfterKillReplacesStatisticsAndChannelEpochs) {
  write_capture();
  write_config(config_text(dir_ + "/run"));
  start();
  ASSERT_TRUE(wait_for_log("ichannel-feed ready:")) << slurp(dir_ + "/stderr");
  const pid_t first_pid = pid_;
  auto first_info = inspect_channel("itch.all", dir_ + "/run");
  ASSERT_TRUE(first_info.has_value());
  AttachOptions opts;
  opts.dir = dir_ + "/run";
  auto receiver = ReceiverChannel<Tick>::attach("itch.all", opts);
  ASSERT_TRUE(receiver.has_value());
  auto old_stats = stats::StatsReader::open(dir_ + "/run/ichannel-stats");
  ASSERT_TRUE(old_stats.reader);

  ASSERT_EQ(::kill(pid_, SIGKILL), 0);
  ASSERT_EQ(::waitpid(pid_, nullptr, 0), pid_);
  pid_ = -1;
  const std::uint64_t frozen = old_stats.reader->snapshot().update_ns;
  std::this_thread::sleep_for(300ms);  // 6 statistics intervals
  const stats::StatsSnapshot dead = old_stats.reader->snapshot();
  EXPECT_EQ(dead.update_ns, frozen);
  EXPECT_EQ(dead.state, stats::DaemonState::kRunning);  // never reached "stopped"
  EXPECT_EQ(receiver->check_producer(100ms), ProducerState::kStale);

  fs::remove(dir_ + "/daemon.log");
  start();
  ASSERT_TRUE(wait_for_log("ichannel-feed ready:")) << slurp(dir_ + "/stderr");
  auto new_stats = stats::StatsReader::open(dir_ + "/run/ichannel-stats");
  ASSERT_TRUE(new_stats.reader) << new_stats.error;
  EXPECT_EQ(new_stats.reader->snapshot().pid, pid_);
  EXPECT_NE(pid_, first_pid);
  EXPECT_EQ(old_stats.reader->snapshot().pid, first_pid);  // old mapping: the dead daemon
  auto second_info = inspect_channel("itch.all", dir_ + "/run");
  ASSERT_TRUE(second_info.has_value());
  EXPECT_NE(second_info->epoch, first_info->epoch);
  EXPECT_EQ(new_stats.reader->snapshot().channels[0].epoch, second_info->epoch);
  EXPECT_EQ(receiver->check_producer(5s), ProducerState::kRestarted);

  ASSERT_EQ(::kill(pid_, SIGTERM), 0);
  EXPECT_EQ(wait_exit(), 0) << slurp(dir_ + "/stderr");
}

}  // namespace
}  // namespace ichannel::daemon
