// Process tests of ichannel-tap and ichannel-stat against a real channel (no daemon, no DPDK):
// this test is the producer (ProducerChannel<Tick> in a temp dir) and runs the tools as child
// processes, reading their JSON output. Binaries come from ICHANNEL_TAP / ICHANNEL_STAT.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include <ichannel/channel.hpp>
#include <ichannel/tick.hpp>
#include <ichannel/top_of_book.hpp>

#include "tools/tap/tick_digest.hpp"
#include "tools/tap/top_text.hpp"

namespace ichannel::tools {
namespace {

namespace fs = std::filesystem;

std::string env_or_skip(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

// Runs a shell command, returns stdout; *status gets the exit status.
std::string run(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = ::pclose(p);
  *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

// Value of "key":<number> in a flat JSON text (first occurrence).
std::uint64_t json_number(const std::string& j, const std::string& key) {
  const auto pos = j.find("\"" + key + "\":");
  if (pos == std::string::npos) return ~0ull;
  return std::strtoull(j.c_str() + pos + key.size() + 3, nullptr, 10);
}
std::string json_string(const std::string& j, const std::string& key) {
  const auto pos = j.find("\"" + key + "\":\"");
  if (pos == std::string::npos) return "<missing>";
  const auto start = pos + key.size() + 4;
  return j.substr(start, j.find('"', start) - start);
}

Tick tick(std::uint64_t i) {
  Tick t{};
  t.recv_ns = wall_clock_ns();
  t.exch_ns = 34'200'000'000'000ull + i;
  t.seq = i;
  t.order_id = i * 7;
  t.price = static_cast<std::int64_t>(1'000'000 + i);
  t.qty = static_cast<std::uint32_t>(i % 1000);
  t.instrument = static_cast<std::uint16_t>(1 + i % 5);
  t.action = i % 3 == 0 ? Action::kDelete : Action::kAdd;
  t.side = Side::kSell;
  return t;
}

class TapStatProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    tap_ = env_or_skip("ICHANNEL_TAP");
    stat_ = env_or_skip("ICHANNEL_STAT");
    if (tap_.empty() || stat_.empty() || !fs::exists(tap_) || !fs::exists(stat_)) {
      GTEST_SKIP() << "ICHANNEL_TAP / ICHANNEL_STAT not set or not built";
    }
    char tmpl[] = "/tmp/ichannel-tools-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  ChannelOptions opts() const {
    ChannelOptions o;
    o.dir = dir_;
    o.hugepages = false;
    return o;
  }
  std::string tap_, stat_, dir_;
};

TEST_F(TapStatProcess, TapCountsEveryTickWithTheExpectedChecksum) {
  auto ch = ProducerChannel<Tick>::create("t.count", 4096, opts());
  ASSERT_TRUE(ch) << ch.error().message;
  TickDigest expected;
  for (std::uint64_t i = 1; i <= 1000; ++i) {
    const Tick t = tick(i);
    expected.add(t);
    (void)ch->sender().send(t);
  }
  ch->heartbeat();
  int status = -1;
  const std::string out =
      run(tap_ + " t.count --dir " + dir_ + " --count --from-oldest --messages 1000 --duration 20",
          &status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(json_number(out, "messages"), 1000u) << out;
  EXPECT_EQ(json_number(out, "lost"), 0u) << out;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(expected.checksum()));
  EXPECT_EQ(json_string(out, "checksum"), hex) << out;
  EXPECT_EQ(json_number(out, "add"), expected.count(Action::kAdd));
  EXPECT_EQ(json_number(out, "delete"), expected.count(Action::kDelete));
  EXPECT_EQ(json_number(out, "instruments"), 5u);
  EXPECT_EQ(json_string(out, "exit"), "messages");
  EXPECT_EQ(json_number(out, "count"), 1000u) << "latency samples";
}

TEST_F(TapStatProcess, TapFromOldestGetsWhatTheRingStillHoldsThenExitsWhenIdle) {
  auto ch = ProducerChannel<Tick>::create("t.lost", 64, opts());
  ASSERT_TRUE(ch) << ch.error().message;
  for (std::uint64_t i = 1; i <= 1000; ++i) (void)ch->sender().send(tick(i));
  int status = -1;
  const std::string out =
      run(tap_ + " t.lost --dir " + dir_ + " --count --from-oldest --idle-exit 0.3", &status);
  ASSERT_EQ(status, 0) << out;
  // A 64-slot ring after 1000 sends holds the newest ~63 intact messages; the tap starts at the
  // oldest of them and gets exactly those (nothing before its start counts as lost).
  EXPECT_GE(json_number(out, "messages"), 60u) << out;
  EXPECT_LE(json_number(out, "messages"), 64u) << out;
  EXPECT_EQ(json_number(out, "lost"), 0u) << out;
  EXPECT_EQ(json_string(out, "exit"), "idle");
}

TEST_F(TapStatProcess, TapPrintsJsonLinesAndItsSummaryOnStderr) {
  auto ch = ProducerChannel<Tick>::create("t.json", 64, opts());
  ASSERT_TRUE(ch) << ch.error().message;
  for (std::uint64_t i = 1; i <= 3; ++i) (void)ch->sender().send(tick(i));
  int status = -1;
  const std::string out = run(tap_ + " t.json --dir " + dir_ +
                                  " --json --from-oldest --messages 3 --duration 10 2>/dev/null",
                              &status);
  ASSERT_EQ(status, 0);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;
  EXPECT_EQ(out.rfind("{\"seq\":1,\"action\":\"add\"", 0), 0u) << out;
  EXPECT_NE(out.find("{\"seq\":3,\"action\":\"delete\""), std::string::npos) << out;
}

// A top-of-book channel: the tap reads the payload type from the header and counts records, their
// change bits and the checksum (TopDigest), in --count and in --json.
TEST_F(TapStatProcess, TapCountsTopOfBookRecordsOfATopOfBookChannel) {
  auto ch = ProducerChannel<TopOfBook>::create("t.tob", 1024, opts());
  ASSERT_TRUE(ch) << ch.error().message;
  TopDigest expected;
  for (std::uint64_t i = 1; i <= 300; ++i) {
    TopOfBook r{};
    r.recv_ns = wall_clock_ns();
    set_head(r, 34'200'000'000'000ull + i, 0, i % 50 == 0 ? kBookPossiblyWrong : 0);
    r.seq = i;
    r.bid_price = static_cast<std::int64_t>(1'000'000 + i);
    r.ask_price = r.bid_price + 100;
    r.bid_qty = 100;
    r.ask_qty = static_cast<std::uint32_t>(i);
    r.bid_orders = 1;
    r.ask_orders = 2;
    r.instrument = static_cast<std::uint16_t>(1 + i % 7);
    r.trading_state = 'T';
    r.change = i % 2 == 0 ? kTobBidChanged : kTobAskChanged;
    expected.add(r);
    (void)ch->sender().send(r);
  }
  int status = -1;
  const std::string out =
      run(tap_ + " t.tob --dir " + dir_ + " --count --from-oldest --messages 300 --duration 20",
          &status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(json_string(out, "payload"), "top_of_book") << out;
  EXPECT_EQ(json_number(out, "messages"), 300u) << out;
  EXPECT_EQ(json_number(out, "bid"), 150u) << out;
  EXPECT_EQ(json_number(out, "ask"), 150u) << out;
  EXPECT_EQ(json_number(out, "instruments"), 7u) << out;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(expected.checksum()));
  EXPECT_EQ(json_string(out, "checksum"), hex) << out;
  const std::string lines = run(tap_ + " t.tob --dir " + dir_ +
                                    " --json --from-oldest --messages 2 --duration 10 2>/dev/null",
                                &status);
  ASSERT_EQ(status, 0);
  EXPECT_EQ(lines.rfind("{\"seq\":1,\"instrument\":2,\"bid_price\":1000001,", 0), 0u) << lines;
  EXPECT_NE(lines.find("\"changes\":\"ask\""), std::string::npos) << lines;
}

TEST_F(TapStatProcess, TapFailsClearlyOnAMissingChannel) {
  int status = -1;
  const std::string out = run(tap_ + " nosuch --dir " + dir_ + " --count 2>&1", &status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(out.find("nosuch"), std::string::npos) << out;
}

TEST_F(TapStatProcess, TapKeepsReceivingAcrossAProducerRestart) {
  auto created = ProducerChannel<Tick>::create("t.restart", 1024, opts());
  ASSERT_TRUE(created) << created.error().message;
  std::optional<ProducerChannel<Tick>> first(std::move(*created));
  first->heartbeat();
  const std::string cmd =
      tap_ + " t.restart --dir " + dir_ + " --count --messages 200 --duration 20 --stale-after 0.2";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the tap attaches
  for (std::uint64_t i = 1; i <= 100; ++i) (void)first->sender().send(tick(i));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // Restart: the old producer goes away (its lock with it), a new one re-creates the channel
  // (new epoch).
  const std::uint64_t first_epoch = first->epoch();
  first.reset();
  auto second = ProducerChannel<Tick>::create("t.restart", 1024, opts());
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_NE(second->epoch(), first_epoch);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // tap notices (50 ms checks)
  for (std::uint64_t i = 1; i <= 100; ++i) (void)second->sender().send(tick(1000 + i));
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = ::pclose(p);
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << out;
  EXPECT_EQ(json_number(out, "messages"), 200u) << out;
  EXPECT_EQ(json_number(out, "restarts"), 1u) << out;
  EXPECT_EQ(json_number(out, "epoch"), second->epoch()) << out;
  EXPECT_EQ(json_number(out, "lost"), 0u) << out;
}

TEST_F(TapStatProcess, StatListsLeftoverTemporariesAndDeadChannelsWithTheirOwner) {
  {
    auto dead = ProducerChannel<Tick>::create("s.dead", 256, opts());  // its producer goes away
    ASSERT_TRUE(dead) << dead.error().message;
  }
  {  // what a creator killed before its rename leaves: an unlocked hidden temporary
    std::ofstream(dir_ + "/.s.crashed.31337.tmp") << "partial";
  }
  auto live = ProducerChannel<Tick>::create("s.live", 256, opts());
  ASSERT_TRUE(live) << live.error().message;
  int status = -1;
  const std::string json = run(stat_ + " --once --json --dir " + dir_, &status);
  ASSERT_EQ(status, 0) << json;
  const std::string leftovers = json.substr(json.find("\"leftovers\":"));
  const std::string owner = "\"owner_uid\":" + std::to_string(::geteuid());
  EXPECT_NE(leftovers.find("{\"file\":\".s.crashed.31337.tmp\",\"kind\":\"temporary\","
                           "\"channel\":\"s.crashed\""),
            std::string::npos)
      << json;
  EXPECT_NE(leftovers.find("\"creator_pid\":31337," + owner), std::string::npos) << json;
  EXPECT_NE(leftovers.find("{\"file\":\"s.dead\",\"kind\":\"dead\""), std::string::npos) << json;
  EXPECT_EQ(leftovers.find("s.live"), std::string::npos) << json;  // a live producer holds it
  const std::string text = run(stat_ + " --once --dir " + dir_, &status);
  ASSERT_EQ(status, 0) << text;
  EXPECT_NE(text.find("leftovers (no producer holds their lock"), std::string::npos) << text;
  EXPECT_NE(text.find("s.crashed (creator pid 31337)"), std::string::npos) << text;
}

TEST_F(TapStatProcess, StatListsChannelsWithRateAndStatus) {
  auto ch = ProducerChannel<Tick>::create("s.one", 256, opts());
  ASSERT_TRUE(ch) << ch.error().message;
  for (std::uint64_t i = 1; i <= 10; ++i) (void)ch->sender().send(tick(i));
  ch->heartbeat();
  int status = -1;
  std::string out = run(stat_ + " --once --json --dir " + dir_, &status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(json_string(out, "name"), "s.one") << out;
  EXPECT_EQ(json_number(out, "last_seq"), 10u) << out;
  EXPECT_EQ(json_number(out, "capacity"), 256u) << out;
  EXPECT_EQ(json_number(out, "producer_pid"), static_cast<std::uint64_t>(::getpid())) << out;
  EXPECT_EQ(json_string(out, "status"), "alive") << out;
  EXPECT_NE(out.find("\"daemon\":null"), std::string::npos) << out;
  // Heartbeat ages past --stale-after: stale (the producer process itself is alive).
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  out = run(stat_ + " --once --json --stale-after 0.2 --dir " + dir_, &status);
  EXPECT_EQ(json_string(out, "status"), "stale") << out;
  // Prometheus textfile written atomically.
  const std::string prom = dir_ + "/ichannel.prom";
  out = run(stat_ + " --once --quiet --stale-after 0.2 --dir " + dir_ + " --prometheus-file " +
                prom + " && cat " + prom,
            &status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("ichannel_channel_stale{channel=\"s.one\"} 1"), std::string::npos) << out;
  EXPECT_NE(out.find("ichannel_channel_last_sequence{channel=\"s.one\"} 10"), std::string::npos);
  EXPECT_NE(out.find("ichannel_daemon_up 0"), std::string::npos) << out;
}

}  // namespace
}  // namespace ichannel::tools
