// tests/stats/prometheus_test.cpp: stats/prometheus.hpp, the text ichannel-feed writes to
// statistics.prometheus_file, rendered from a segment filled here (the daemon's path: its own
// segment -> snapshot_of -> render_prometheus -> write_file_atomically).
#include "stats/prometheus.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "stats/atomic_file.hpp"
#include "stats/writer.hpp"

namespace ichannel::stats {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kNow = 1'764'000'000'000'000'000ull;

std::map<std::string, std::string> samples_of(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::size_t sp = line.rfind(' ');
    out[line.substr(0, sp)] = line.substr(sp + 1);
  }
  return out;
}

class StatsPrometheusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ichannel-prom-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    StatsInit init;
    init.pid = 4242;
    init.start_ns = kNow - 10'000'000'000ull;
    init.interval_ms = 1000;
    init.config_path = "/etc/ichannel/feed.yaml";
    init.reject_reasons = {"not_ipv4"};
    init.ports = {{"p0", 0, 0, 1}};
    init.feeds = {{"nasdaq.itch", 0, 1, {}, {}}};
    init.lines = {{"nasdaq.itch", 'A', 0, 0xE9360C01, 26400},
                  {"nasdaq.itch", 'B', 0, 0xE9360C02, 26400}};
    init.channels = {{"itch.all", 65536, -1, false, 7}};
    init.cores = {{1, 0, 0}};
    auto created = StatsWriter::create(dir_ + "/stats", init);
    ASSERT_TRUE(created.writer) << created.error;
    writer_.emplace(std::move(*created.writer));
    StatsSegment& s = writer_->segment();
    constexpr auto kR = std::memory_order_relaxed;
    s.feeds[0].ticks.store(18900, kR);
    s.feeds[0].gaps.store(1, kR);
    s.feeds[0].gap_messages.store(12, kR);
    s.feeds[0].by_type['A'].store(15000, kR);
    s.lines[0].gaps.store(2, kR);
    s.lines[1].unknown_type.store(3, kR);
    s.lines[1].bad_length.store(2, kR);
    s.lines[1].malformed.store(1, kR);
    s.channels[0].published.store(18900, kR);
    s.ports[0].rejected[0].store(4, kR);
    writer_->set_state(DaemonState::kRunning);
    writer_->publish(kNow);
  }
  void TearDown() override {
    writer_.reset();
    fs::remove_all(dir_);
  }

  std::string dir_;
  std::optional<StatsWriter> writer_;
};

TEST_F(StatsPrometheusTest, DaemonFileHasEveryFeedAndLineCounterOnce) {
  const std::string text = render_prometheus(snapshot_of(writer_->segment()), kNow);
  const auto s = samples_of(text);
  EXPECT_EQ(s.at("ichannel_daemon_up"), "1");
  EXPECT_EQ(s.at("ichannel_feed_ticks_total{feed=\"nasdaq.itch\"}"), "18900");
  EXPECT_EQ(s.at("ichannel_feed_unrecovered_gaps_total{feed=\"nasdaq.itch\"}"), "1");
  EXPECT_EQ(s.at("ichannel_feed_unrecovered_gap_messages_total{feed=\"nasdaq.itch\"}"), "12");
  EXPECT_EQ(s.at("ichannel_feed_messages_by_type_total{feed=\"nasdaq.itch\",type=\"A\"}"), "15000");
  EXPECT_EQ(s.at("ichannel_feed_gaps_total{feed=\"nasdaq.itch\",line=\"A\"}"), "2");
  EXPECT_EQ(s.at("ichannel_feed_malformed_total{feed=\"nasdaq.itch\",line=\"B\"}"), "6");
  EXPECT_EQ(s.at("ichannel_feed_unknown_type_total{feed=\"nasdaq.itch\",line=\"B\"}"), "3");
  EXPECT_EQ(s.at("ichannel_feed_bad_length_total{feed=\"nasdaq.itch\",line=\"B\"}"), "2");
  EXPECT_EQ(s.at("ichannel_feed_bad_framing_total{feed=\"nasdaq.itch\",line=\"B\"}"), "1");
  EXPECT_EQ(s.at("ichannel_channel_published_total{channel=\"itch.all\"}"), "18900");
  EXPECT_EQ(s.at("ichannel_port_rejected_total{port=\"p0\",reason=\"not_ipv4\"}"), "4");
  EXPECT_EQ(s.at("ichannel_daemon_stats_age_seconds"), "0");
  // One HELP and one TYPE per family.
  std::map<std::string, int> typed;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) == 0) ++typed[line.substr(7, line.find(' ', 7) - 7)];
  }
  for (const auto& [name, n] : typed) EXPECT_EQ(n, 1) << name;
  EXPECT_EQ(typed.count("ichannel_feed_ticks_total"), 1u);
}

// The segment path end to end for a feed with a snapshot server next to one without: every
// ICHANNEL_SNAPSHOT_STATS entry becomes ichannel_snapshot_<name> (gauges) or _<name>_total
// (counters) with one HELP/TYPE and a sample only for the feed with the server, plus the buffer
// size and the server as an info label.
TEST(StatsPrometheusSnapshots, EverySnapshotCounterIsAFamilyOfTheFeedsWithASnapshotServer) {
  char tmpl[] = "/tmp/ichannel-prom-snap-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  StatsInit init;
  init.interval_ms = 1000;
  init.feeds = {
      {"nasdaq.itch", 0, kNoLine, std::nullopt, StatsInit::Snapshot{"10.1.9.20:26600", 1024}},
      {"bx.itch", 1, kNoLine, std::nullopt, std::nullopt}};
  init.lines = {{"nasdaq.itch", 'A', 0, 0xE9360C01, 26400}, {"bx.itch", 'A', 0, 0xE9360C02, 26400}};
  auto created = StatsWriter::create(dir + "/stats", init);
  ASSERT_TRUE(created.writer) << created.error;
  SnapshotStats* g = created.writer->snapshot_stats(0);
  ASSERT_NE(g, nullptr);
  std::uint64_t value = 100;
#define ICHANNEL_SNAPSHOT_STATS_STORE(name, type, help) \
  g->name.store(value++, std::memory_order_relaxed);
  ICHANNEL_SNAPSHOT_STATS(ICHANNEL_SNAPSHOT_STATS_STORE)
#undef ICHANNEL_SNAPSHOT_STATS_STORE
  created.writer->set_state(DaemonState::kRunning);
  created.writer->publish(kNow);
  const std::string text = render_prometheus(snapshot_of(created.writer->segment()), kNow);
  const auto s = samples_of(text);
  value = 100;
  std::size_t families = 0;
  const auto expect_family = [&](const std::string& name, const char* type) {
    const std::string full =
        "ichannel_snapshot_" + name + (std::string(type) == "counter" ? "_total" : "");
    EXPECT_EQ(s.at(full + "{feed=\"nasdaq.itch\"}"), std::to_string(value++)) << full;
    EXPECT_EQ(s.count(full + "{feed=\"bx.itch\"}"), 0u) << full;
    EXPECT_NE(text.find("# TYPE " + full + " " + type + "\n"), std::string::npos) << full;
    EXPECT_NE(text.find("# HELP " + full + " "), std::string::npos) << full;
    ++families;
  };
#define ICHANNEL_SNAPSHOT_STATS_EXPECT(name, type, help) expect_family(#name, #type);
  ICHANNEL_SNAPSHOT_STATS(ICHANNEL_SNAPSHOT_STATS_EXPECT)
#undef ICHANNEL_SNAPSHOT_STATS_EXPECT
  EXPECT_EQ(families, kSnapshotStatsCounters);
  EXPECT_EQ(s.at("ichannel_snapshot_state{feed=\"nasdaq.itch\"}"), "100");
  EXPECT_EQ(s.at("ichannel_snapshot_failures_total{feed=\"nasdaq.itch\"}"), "103");
  EXPECT_EQ(s.at("ichannel_snapshot_buffer_ticks{feed=\"nasdaq.itch\"}"), "1024");
  EXPECT_EQ(s.at("ichannel_snapshot_info{feed=\"nasdaq.itch\",server=\"10.1.9.20:26600\"}"), "1");
  EXPECT_EQ(text.find("bx.itch\",server"), std::string::npos);
  created.writer.reset();
  fs::remove_all(dir);
}

TEST_F(StatsPrometheusTest, AFeedWithoutASnapshotServerHasNoSnapshotFamilies) {
  const std::string text = render_prometheus(snapshot_of(writer_->segment()), kNow);
  EXPECT_EQ(text.find("ichannel_snapshot_"), std::string::npos) << text;
}

TEST_F(StatsPrometheusTest, StoppedOrStaleDaemonIsDown) {
  writer_->set_state(DaemonState::kStopped);
  EXPECT_EQ(
      samples_of(render_prometheus(snapshot_of(writer_->segment()), kNow)).at("ichannel_daemon_up"),
      "0");
  writer_->set_state(DaemonState::kRunning);
  const std::uint64_t later = kNow + 10'000'000'000ull;  // 10 s without a pass, 1 s interval
  EXPECT_EQ(samples_of(render_prometheus(snapshot_of(writer_->segment()), later))
                .at("ichannel_daemon_up"),
            "0");
  PrometheusWriter w;
  append_prometheus(w, nullptr, kNow, kDefaultStaleAfterS);
  EXPECT_EQ(w.take(),
            "# HELP ichannel_daemon_up 1 if the ichannel-feed statistics segment is readable, "
            "running and fresh.\n# TYPE ichannel_daemon_up gauge\nichannel_daemon_up 0\n");
}

TEST_F(StatsPrometheusTest, DaemonWritesTheFileAtomicallyWorldReadable) {
  const std::string path = dir_ + "/ichannel.prom";
  const std::string text = render_prometheus(snapshot_of(writer_->segment()), kNow);
  ASSERT_EQ(write_file_atomically(path, text), "");
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), text);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 2u) << "the statistics segment and the .prom file, no temporary";
}

TEST(StatsPrometheus, LabelValuesAreEscaped) {
  EXPECT_EQ(prometheus_escape("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(prometheus_label("feed", "x\"y"), "feed=\"x\\\"y\"");
}

}  // namespace
}  // namespace ichannel::stats
