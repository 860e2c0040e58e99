// tests/daemon/control/snapshot_thread_test.cpp: the feed's snapshot thread
// (control/snapshot_thread.hpp) against the simulator's GLIMPSE server over loopback TCP, with an
// RX lcore emulated by a thread that feeds the session's ticks into a BookStage and runs its
// housekeeping (service_snapshot) every 64 ticks, as the loop does. An unrecovered gap marks
// the books, the thread takes a snapshot while the feed goes on, and the books end equal to
// books that saw every message, unmarked; a daemon started mid-session takes its start snapshot;
// a server that refuses logins or drops the connection midway is counted, retried, and leaves
// the books marked. Runs under TSan (suite tsan): the port's release/acquire protocol is checked.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <ichannel/book_table.hpp>
#include <ichannel/top_of_book.hpp>

#include "config/config.hpp"
#include "daemon/control/snapshot_thread.hpp"
#include "daemon/datapath/book_stage.hpp"
#include "snapshot/glimpse_client.hpp"
#include "tools/sim/glimpse_server.hpp"
#include "tools/sim/rerequest_server.hpp"
#include "tools/sim/session.hpp"

namespace ichannel::daemon {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct NullSender {
  std::uint64_t send(const TopOfBook&) noexcept { return ++n; }
  std::uint64_t n = 0;
};

constexpr std::uint32_t kInstruments = 64;

book::BookLimits limits() {
  book::BookLimits l;
  l.max_orders = 1 << 16;
  l.level_store_levels = 1 << 16;
  l.instruments = kInstruments;
  l.depth = 5;
  return l;
}

struct Session {
  Session() {
    sim::GeneratorConfig g;
    g.messages = 40'000;
    g.symbols = 40;
    g.seed = 19;
    session = sim::pack_generated(g, {}, &ticks);
    history.emplace(session.options.session, 1);
    for (const auto& p : session.packets) history->add_packet(p.payload);
  }
  sim::Session session;
  std::vector<Tick> ticks;  // one per message, seq filled in
  std::optional<sim::MessageHistory> history;
};

Session& session() {
  static Session s;
  return s;
}

class SnapshotThreadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv(snapshot::kUserEnv, "ichsim", 1);
    ::setenv(snapshot::kPasswordEnv, "glimpse", 1);
    dir_ = fs::temp_directory_path() / ("ichannel-snapthread-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    BookTableOptions o;
    o.dir = dir_.string();
    o.hugepages = false;
    o.depth = 5;
    o.instruments = kInstruments;
    o.feed_name = "sim";
    auto t = BookTableWriter::create("sim-books", o);
    ASSERT_TRUE(t) << t.error().message;
    table_ = std::make_unique<BookTableWriter>(std::move(*t));
    stage_ = std::make_unique<BookStage<NullSender>>(limits(), *table_, 0);
    ASSERT_TRUE(stage_->tops().add_output(tops_, 0, symbols_, {}));
    stage_->attach_snapshot(std::make_unique<SnapshotPort>(1 << 16));
  }
  void TearDown() override {
    stage_.reset();
    table_.reset();
    fs::remove_all(dir_);
  }

  std::unique_ptr<sim::GlimpseServer> server(sim::GlimpseFaults faults = {}) {
    sim::GlimpseOptions o;
    o.bind = "127.0.0.1";
    o.faults = faults;
    auto s = std::make_unique<sim::GlimpseServer>(*session().history, o);
    s->start();
    return s;
  }
  config::Feed feed(std::uint16_t port, bool on_start) {
    config::Feed f;
    f.name = "sim";
    f.books.emplace();
    config::Snapshot s;
    s.server = 0x7f000001;
    s.server_port = port;
    s.on_start = on_start;
    s.retry_ms = 20;
    s.connect_timeout_ms = 2000;
    s.timeout_s = 20;
    f.snapshot = s;
    return f;
  }

  // The emulated RX lcore: ticks from..to (1-based) at about one per 20 us, flagged after a
  // declared gap [gap_first, gap_first + gap_count) which is never delivered; the exchange's
  // GLIMPSE state follows what was sent. Housekeeping every 64 ticks, then every ms until
  // `until` holds or `timeout` passed.
  template <class Until>
  void rx(sim::GlimpseServer& srv, std::uint64_t from, std::uint64_t to, std::uint64_t gap_first,
          std::uint64_t gap_count, Until until, std::chrono::seconds timeout = 20s) {
    const auto& ticks = session().ticks;
    bool after_gap = false;
    for (std::uint64_t q = from; q <= to && q <= ticks.size(); ++q) {
      srv.set_available(q + 1);
      if (q == gap_first) {
        Tick g{};
        g.seq = gap_first;
        g.aux = gap_count;
        set_tail(g, 0, 0, Action::kGap, Side::kNone);
        set_head(g, 0, 0, kTickAfterGap);
        stage_->on_tick(g);
        after_gap = true;
      }
      if (q >= gap_first && q < gap_first + gap_count) continue;
      Tick t = ticks[q - 1];
      if (after_gap) set_head(t, t.exch_ns, 0, static_cast<std::uint8_t>(t.flags | kTickAfterGap));
      stage_->on_tick(t);
      if (q % 64 == 0) (void)stage_->service_snapshot([](const Tick&) {}, [](const Tick&) {}, false);
      const auto spin = std::chrono::steady_clock::now() + 20us;
      while (std::chrono::steady_clock::now() < spin) {
      }
    }
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!until() && std::chrono::steady_clock::now() < end) {
      (void)stage_->service_snapshot([](const Tick&) {}, [](const Tick&) {}, false);
      std::this_thread::sleep_for(1ms);
    }
  }

  std::unique_ptr<book::FeedBooks> truth(std::uint64_t last) {
    auto b = std::make_unique<book::FeedBooks>(limits());
    for (std::uint64_t s = 1; s <= last; ++s) (void)b->apply(session().ticks[s - 1]);
    return b;
  }
  void expect_truth(std::uint64_t last) {
    const auto want = truth(last);
    const book::FeedBooks& got = stage_->books();
    EXPECT_EQ(got.counters().live_orders, want->counters().live_orders);
    for (std::uint16_t i = 1; i < kInstruments; ++i) {
      EXPECT_EQ(got.top(i), want->top(i)) << "instrument " << i;
      EXPECT_EQ(got.order_count(i, book::BookSide::kBid), want->order_count(i, book::BookSide::kBid));
      EXPECT_EQ(got.level_count(i, book::BookSide::kAsk), want->level_count(i, book::BookSide::kAsk));
    }
  }

  fs::path dir_;
  std::unique_ptr<BookTableWriter> table_;
  std::unique_ptr<BookStage<NullSender>> stage_;
  NullSender tops_;
  feed::SymbolTable symbols_;
};

TEST_F(SnapshotThreadTest, GapIsRepairedBySnapshotWhileTheFeedGoesOn) {
  auto srv = server();
  const config::Feed f = feed(srv->port(), false);
  SnapshotThread thread(0, f, *stage_->snapshot_port(), limits());
  ASSERT_EQ(thread.start(), "");
  const std::uint64_t n = session().ticks.size();
  const auto& c = thread.counters();
  rx(*srv, 1, n, n / 3, 500, [&] { return c.completed.load() >= 1; });
  thread.stop();
  ASSERT_EQ(c.completed.load(), 1u) << "failures " << c.failures.load();
  EXPECT_EQ(c.failures.load(), 0u);
  EXPECT_GT(c.last_orders.load(), 100u);
  EXPECT_GT(c.last_next_seq.load(), n / 3 + 500);
  EXPECT_GT(c.bytes.load(), 0u);
  EXPECT_FALSE(stage_->books().possibly_wrong());
  expect_truth(n);
  EXPECT_EQ(stage_->books().counters().unknown_refs, 0u) << "the rebuilt books knew every order";
}

TEST_F(SnapshotThreadTest, DaemonStartedMidSessionTakesItsStartSnapshot) {
  auto srv = server();
  const std::uint64_t n = session().ticks.size(), join = n / 2;
  srv->set_available(join);
  const config::Feed f = feed(srv->port(), true);
  SnapshotThread thread(0, f, *stage_->snapshot_port(), limits());
  ASSERT_EQ(thread.start(), "");
  const auto& c = thread.counters();
  // The daemon's feed begins at `join`: 1..join-1 arrive as the sequencer's prefix gap.
  rx(*srv, 1, n, 1, join - 1, [&] { return c.completed.load() >= 1; });
  thread.stop();
  ASSERT_EQ(c.completed.load(), 1u) << "failures " << c.failures.load();
  EXPECT_FALSE(stage_->books().possibly_wrong());
  expect_truth(n);
}

TEST_F(SnapshotThreadTest, RefusedLoginsAreCountedRetriedAndLeaveTheBooksMarked) {
  sim::GlimpseFaults faults;
  faults.refuse_logins = true;
  auto srv = server(faults);
  const config::Feed f = feed(srv->port(), false);
  SnapshotThread thread(0, f, *stage_->snapshot_port(), limits());
  ASSERT_EQ(thread.start(), "");
  const auto& c = thread.counters();
  const std::uint64_t n = session().ticks.size();
  rx(*srv, 1, n / 2, 1000, 100, [&] { return c.logins_rejected.load() >= 3; });
  const auto t0 = std::chrono::steady_clock::now();
  thread.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s) << "stop is prompt";
  EXPECT_GE(c.logins_rejected.load(), 3u) << "retried";
  EXPECT_EQ(c.failures.load(), c.logins_rejected.load());
  EXPECT_EQ(c.completed.load(), 0u);
  EXPECT_TRUE(stage_->books().possibly_wrong());
  EXPECT_EQ(c.state.load(), static_cast<std::uint64_t>(stats::SnapshotState::kIdle));
}

TEST_F(SnapshotThreadTest, ConnectionDroppedMidwayIsCountedAndNothingIsHandedOver) {
  sim::GlimpseFaults faults;
  faults.drop_after = 50;
  auto srv = server(faults);
  const config::Feed f = feed(srv->port(), false);
  SnapshotThread thread(0, f, *stage_->snapshot_port(), limits());
  ASSERT_EQ(thread.start(), "");
  const auto& c = thread.counters();
  const std::uint64_t n = session().ticks.size();
  rx(*srv, 1, n / 2, 1000, 100, [&] { return c.disconnects.load() >= 2; });
  thread.stop();
  EXPECT_GE(c.disconnects.load(), 2u);
  EXPECT_EQ(c.completed.load(), 0u);
  EXPECT_TRUE(stage_->books().possibly_wrong());
  EXPECT_GT(stage_->books().counters().unknown_refs, 0u) << "still the live, wrong books";
}

TEST_F(SnapshotThreadTest, MissingCredentialsFailTheStartNamingTheFeed) {
  ::unsetenv(snapshot::kUserEnv);
  auto srv = server();
  const config::Feed f = feed(srv->port(), true);
  SnapshotThread thread(3, f, *stage_->snapshot_port(), limits());
  const std::string e = thread.start();
  EXPECT_NE(e.find("feeds[3].snapshot"), std::string::npos) << e;
  EXPECT_NE(e.find(snapshot::kUserEnv), std::string::npos) << e;
}

}  // namespace
}  // namespace ichannel::daemon
