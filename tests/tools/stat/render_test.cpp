// tests/tools/stat/render_test.cpp: render.hpp, stat_view.hpp and atomic_file.hpp against a
// synthetic statistics snapshot (no daemon, no channel files).
#include "tools/stat/render.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "stats/prometheus.hpp"
#include "tools/stat/stat_view.hpp"

namespace ichannel::tools {
namespace {

constexpr std::uint64_t kNow = 1'764'000'000'000'000'000ull;  // 2025-11-24

StatView synthetic_view() {
  StatView v;
  v.now_ns = kNow;
  v.channel_dir = "/dev/shm/ichannel";
  v.stats_path = "/dev/shm/ichannel/ichannel-stats";
  ChannelRow a;
  a.name = "itch.all";
  a.path = "/dev/shm/ichannel/itch.all";
  a.type_name = "ichannel::Tick";
  a.payload_size = 56;
  a.capacity = 65536;
  a.epoch = 3;
  a.producer_pid = 4242;
  a.heartbeat_ns = kNow - 250'000'000;  // 0.25 s
  a.heartbeat_age_s = 0.25;
  a.last_seq = 123456;
  a.rate_per_s = 250000.0;
  a.producer_alive = true;
  a.status = ChannelStatus::kAlive;
  ChannelRow b = a;
  b.name = "itch.\"odd\"";
  b.heartbeat_age_s = 9.5;
  b.rate_per_s.reset();
  b.status = ChannelStatus::kStale;
  v.channels = {a, b};

  stats::StatsSnapshot d;
  d.pid = 4242;
  d.start_ns = kNow - 3'723'000'000'000ull;  // up 01:02:03
  d.update_ns = kNow - 500'000'000;
  d.update_count = 3723;
  d.interval_ms = 1000;
  d.state = stats::DaemonState::kRunning;
  d.config_path = "/etc/ichannel/feed.yaml";
  stats::PortSnapshot p;
  p.name = "p0";
  p.rx_packets = 1000;
  p.rx_bytes = 1'500'000;
  p.imissed = 7;
  p.ierrors = 1;
  p.rx_nombuf = 2;
  p.unrouted = 3;
  p.rejected_total = 4;
  p.rejected = {{"not_ipv4", 4}, {"truncated", 0}};
  d.ports = {p};
  stats::LineSnapshot la;
  la.feed = "nasdaq.itch";
  la.line = 'A';
  la.group = 0xE9360C01;  // 233.54.12.1
  la.udp_port = 26400;
  la.packets = 500;
  la.messages = 19000;
  la.gaps = 2;
  la.gap_messages = 40;
  la.duplicates = 11;
  la.malformed = 1;
  la.heartbeats = 5;
  la.next_seq = 19001;
  la.feed_index = 0;
  stats::LineSnapshot lb = la;
  lb.line = 'B';
  lb.group = 0xE9360C02;
  lb.gaps = 0;
  lb.unknown_type = 3;  // split counters of line B: framing 1, unknown type 3, bad length 2
  lb.bad_length = 2;
  lb.long_messages = 5;
  lb.end_of_session = 1;
  lb.stale_session = 4;
  lb.held = 17;
  lb.released = 16;
  lb.late_copies = 8;
  lb.suspect = 2;
  lb.seq_zero = 1;
  lb.too_large = 3;
  d.lines = {la, lb};
  stats::FeedSnapshot f;  // the feed-wide counters, once per feed
  f.name = "nasdaq.itch";
  f.line_a = 0;
  f.line_b = 1;
  f.ticks = 18900;
  f.gaps = 1;
  f.gap_messages = 12;
  f.dropped_types = 70;
  f.session_changes = 1;
  f.holes = 9;
  f.held_now = 2;
  f.requests = 5;
  f.request_timeouts = 1;
  f.recovered = 40;
  f.recovery_packets = 4;
  f.store_full = 6;
  f.suspect_confirmed = 1;
  f.suspect_expired = 3;
  f.undecodable = 7;
  f.request_send_errors = 2;
  f.reply_drops = 11;
  f.by_type['A'] = 15000;
  f.by_type['E'] = 3900;
  d.feeds = {f};
  stats::ChannelSnapshot c;
  c.name = "itch.all";
  c.capacity = 65536;
  c.published = 18900;
  c.rate_per_s = 250000;
  c.epoch = 3;
  d.channels = {c};
  stats::CoreSnapshot core;
  core.lcore = 1;
  core.polls = 99999;
  core.bursts = 400;
  core.packets = 1000;
  core.full_bursts = 6;
  d.cores = {core};
  v.daemon = d;
  return v;
}

// Parses "name{labels} value" sample lines into a map; checks HELP/TYPE structure.
std::map<std::string, double> parse_prometheus(const std::string& text) {
  std::map<std::string, double> samples;
  std::set<std::string> typed;
  std::istringstream in(text);
  std::string line;
  const std::regex sample_re(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$)");
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) == 0) continue;
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream t(line.substr(7));
      std::string name, type;
      t >> name >> type;
      EXPECT_TRUE(typed.insert(name).second) << "family typed twice: " << name;
      EXPECT_TRUE(type == "counter" || type == "gauge") << line;
      if (type == "counter") {
        EXPECT_TRUE(name.size() > 6 && name.substr(name.size() - 6) == "_total") << name;
      }
      continue;
    }
    std::smatch m;
    EXPECT_TRUE(std::regex_match(line, m, sample_re)) << "bad line: " << line;
    if (m.empty()) continue;
    EXPECT_TRUE(typed.count(m[1].str()) == 1) << "sample before its TYPE: " << line;
    samples[m[1].str() + m[2].str()] = std::stod(m[3].str());
  }
  return samples;
}

TEST(StatRender, PrometheusExportsEveryDaemonCounterWithLabels) {
  const auto s = parse_prometheus(render_prometheus(synthetic_view()));
  EXPECT_EQ(s.at("ichannel_daemon_up"), 1);
  EXPECT_EQ(s.at("ichannel_port_rx_packets_total{port=\"p0\"}"), 1000);
  EXPECT_EQ(s.at("ichannel_port_imissed_total{port=\"p0\"}"), 7);
  EXPECT_EQ(s.at("ichannel_port_rx_nombuf_total{port=\"p0\"}"), 2);
  EXPECT_EQ(s.at("ichannel_port_rejected_total{port=\"p0\",reason=\"not_ipv4\"}"), 4);
  EXPECT_EQ(s.at("ichannel_feed_gaps_total{feed=\"nasdaq.itch\",line=\"A\"}"), 2);
  EXPECT_EQ(s.at("ichannel_feed_gaps_total{feed=\"nasdaq.itch\",line=\"B\"}"), 0);
  EXPECT_EQ(s.at("ichannel_feed_duplicates_total{feed=\"nasdaq.itch\",line=\"A\"}"), 11);
  EXPECT_EQ(s.at("ichannel_feed_unrecovered_gaps_total{feed=\"nasdaq.itch\"}"), 1);
  EXPECT_EQ(s.at("ichannel_feed_unrecovered_gap_messages_total{feed=\"nasdaq.itch\"}"), 12);
  EXPECT_EQ(s.at("ichannel_feed_next_sequence{feed=\"nasdaq.itch\",line=\"B\"}"), 19001);
  EXPECT_EQ(s.at("ichannel_channel_published_total{channel=\"itch.all\"}"), 18900);
  EXPECT_EQ(s.at("ichannel_channel_publish_rate{channel=\"itch.all\"}"), 250000);
  EXPECT_EQ(s.at("ichannel_core_full_bursts_total{lcore=\"1\",port=\"p0\",queue=\"0\"}"), 6);
  EXPECT_DOUBLE_EQ(s.at("ichannel_daemon_stats_age_seconds"), 0.5);
}

TEST(StatRender, PrometheusExportsChannelHeartbeatAgeAndStaleness) {
  const auto s = parse_prometheus(render_prometheus(synthetic_view()));
  EXPECT_DOUBLE_EQ(s.at("ichannel_channel_heartbeat_age_seconds{channel=\"itch.all\"}"), 0.25);
  EXPECT_EQ(s.at("ichannel_channel_stale{channel=\"itch.all\"}"), 0);
  // Label values are escaped.
  EXPECT_EQ(s.at("ichannel_channel_stale{channel=\"itch.\\\"odd\\\"\"}"), 1);
  EXPECT_EQ(s.at("ichannel_channel_last_sequence{channel=\"itch.all\"}"), 123456);
  EXPECT_EQ(s.at("ichannel_channel_epoch{channel=\"itch.all\"}"), 3);
}

TEST(StatRender, PrometheusDaemonDownWhenSegmentMissingOrStale) {
  StatView v = synthetic_view();
  v.daemon->update_ns = kNow - 10'000'000'000ull;  // 10 s old with a 1 s interval
  EXPECT_EQ(parse_prometheus(render_prometheus(v)).at("ichannel_daemon_up"), 0);
  v.daemon.reset();
  v.daemon_error = "no such file";
  const auto s = parse_prometheus(render_prometheus(v));
  EXPECT_EQ(s.at("ichannel_daemon_up"), 0);
  EXPECT_EQ(s.count("ichannel_port_rx_packets_total{port=\"p0\"}"), 0u);
  EXPECT_EQ(s.count("ichannel_channel_heartbeat_age_seconds{channel=\"itch.all\"}"), 1u);
}

TEST(StatRender, TextScreenShowsChannelsPortsLinesAndStaleness) {
  const std::string t = render_text(synthetic_view());
  EXPECT_NE(t.find("ichannel-stat  2025-11-24"), std::string::npos) << t;
  const std::regex chan_row(R"(itch\.all\s+4242\s+3\s+0\.25s\s+123456\s+250000\s+65536\s+alive)");
  EXPECT_TRUE(std::regex_search(t, chan_row)) << t;
  const std::regex stale_row(R"(itch\."odd"\s+4242\s+3\s+9\.50s\s+123456\s+-\s+65536\s+stale)");
  EXPECT_TRUE(std::regex_search(t, stale_row)) << t;
  EXPECT_NE(t.find("daemon pid 4242 running, up 01:02:03, stats updated 0.5s ago"),
            std::string::npos)
      << t;
  const std::regex port_row(R"(p0\s+1000\s+1500000\s+7\s+1\s+2\s+3\s+4)");
  EXPECT_TRUE(std::regex_search(t, port_row)) << t;
  EXPECT_NE(t.find("rejected not_ipv4"), std::string::npos);
  EXPECT_EQ(t.find("rejected truncated"), std::string::npos) << "zero reasons are hidden";
  const std::regex line_row(
      R"(nasdaq\.itch\s+A\s+233\.54\.12\.1:26400\s+500\s+19000\s+2\s+40\s+11\s+1\s+19001)");
  EXPECT_TRUE(std::regex_search(t, line_row)) << t;
}

TEST(StatRender, LeftoversAreShownWithKindOwnerAndSizeInTextAndJson) {
  StatView v = synthetic_view();
  LeftoverFile t;
  t.kind = LeftoverFile::Kind::kTemporary;
  t.file = ".itch.all.4242.tmp";
  t.name = "itch.all";
  t.path = "/dev/shm/ichannel/.itch.all.4242.tmp";
  t.pid = 4242;
  t.owner_uid = 1001;
  t.owner_name = "feed";
  t.size = 8392704;
  t.allocated = 8392704;
  LeftoverFile d;
  d.kind = LeftoverFile::Kind::kDeadFile;
  d.file = d.name = "itch.old";
  d.path = "/dev/shm/ichannel/itch.old";
  d.owner_uid = 1002;
  v.leftovers = {t, d};
  const std::string text = render_text(v);
  EXPECT_NE(text.find("leftovers (no producer holds their lock"), std::string::npos) << text;
  EXPECT_NE(text.find(".itch.all.4242.tmp"), std::string::npos) << text;
  EXPECT_NE(text.find("feed (uid 1001)"), std::string::npos) << text;
  EXPECT_NE(text.find("itch.all (creator pid 4242)"), std::string::npos) << text;
  EXPECT_NE(text.find("uid 1002"), std::string::npos) << text;
  const std::string json = render_json(v);
  EXPECT_NE(json.find("\"leftovers\":[{\"file\":\".itch.all.4242.tmp\",\"kind\":\"temporary\","
                      "\"channel\":\"itch.all\",\"path\":\"/dev/shm/ichannel/.itch.all.4242.tmp\","
                      "\"creator_pid\":4242,\"owner_uid\":1001,\"owner\":\"feed\","
                      "\"size_bytes\":8392704,\"allocated_bytes\":8392704},{\"file\":\"itch.old\","
                      "\"kind\":\"dead\""),
            std::string::npos)
      << json;
  // Without leftovers the screen is what it was.
  v.leftovers.clear();
  EXPECT_EQ(render_text(v).find("leftovers"), std::string::npos);
  EXPECT_NE(render_json(v).find("\"leftovers\":[]"), std::string::npos);
}

TEST(StatRender, TextScreenSaysWhyDaemonStatisticsAreMissing) {
  StatView v = synthetic_view();
  v.daemon.reset();
  v.daemon_error = "statistics segment /x: No such file or directory (is ichannel-feed running?)";
  const std::string t = render_text(v);
  EXPECT_NE(t.find("daemon: no statistics (statistics segment /x: No such file"), std::string::npos)
      << t;
}

TEST(StatRender, TextScreenMarksAStaleDaemon) {
  StatView v = synthetic_view();
  v.daemon->update_ns = kNow - 30'000'000'000ull;
  EXPECT_NE(render_text(v).find("running (STALE)"), std::string::npos);
}

TEST(StatRender, JsonHasChannelsAndDaemonCounters) {
  const std::string j = render_json(synthetic_view());
  EXPECT_EQ(j.front(), '{');
  EXPECT_EQ(j.back(), '}');
  for (const char* key :
       {"\"name\":\"itch.all\"", "\"status\":\"alive\"", "\"status\":\"stale\"",
        "\"heartbeat_age_s\":0.250", "\"rate_per_s\":250000.0", "\"rate_per_s\":null",
        "\"state\":\"running\"", "\"stale\":false", "\"imissed\":7",
        "\"rejected\":{\"not_ipv4\":4,\"truncated\":0}", "\"group\":\"233.54.12.2\"",
        "\"full_bursts\":6", "\"name\":\"itch.\\\"odd\\\"\""}) {
    EXPECT_NE(j.find(key), std::string::npos) << key << " in " << j;
  }
  // Balanced braces and brackets (a cheap structural check; the e2e tests parse it with python).
  int braces = 0, brackets = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const char c = j[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (c == '"') in_string = !in_string;
    if (in_string) continue;
    braces += c == '{' ? 1 : c == '}' ? -1 : 0;
    brackets += c == '[' ? 1 : c == ']' ? -1 : 0;
    ASSERT_GE(braces, 0);
    ASSERT_GE(brackets, 0);
  }
  EXPECT_EQ(braces, 0);
  EXPECT_EQ(brackets, 0);
}

TEST(StatRender, PrometheusExportsFeedBlocksAndSplitLineCounters) {
  const auto s = parse_prometheus(render_prometheus(synthetic_view()));
  EXPECT_EQ(s.at("ichannel_feed_ticks_total{feed=\"nasdaq.itch\"}"), 18900);
  EXPECT_EQ(s.at("ichannel_feed_dropped_types_total{feed=\"nasdaq.itch\"}"), 70);
  EXPECT_EQ(s.at("ichannel_feed_session_changes_total{feed=\"nasdaq.itch\"}"), 1);
  EXPECT_EQ(s.at("ichannel_feed_messages_by_type_total{feed=\"nasdaq.itch\",type=\"A\"}"), 15000);
  EXPECT_EQ(s.at("ichannel_feed_messages_by_type_total{feed=\"nasdaq.itch\",type=\"E\"}"), 3900);
  EXPECT_EQ(s.count("ichannel_feed_messages_by_type_total{feed=\"nasdaq.itch\",type=\"F\"}"), 0u)
      << "types never seen are not exported";
  // malformed keeps its meaning (all three causes); the split counters say which.
  EXPECT_EQ(s.at("ichannel_feed_malformed_total{feed=\"nasdaq.itch\",line=\"A\"}"), 1);
  EXPECT_EQ(s.at("ichannel_feed_malformed_total{feed=\"nasdaq.itch\",line=\"B\"}"), 6);
  EXPECT_EQ(s.at("ichannel_feed_bad_framing_total{feed=\"nasdaq.itch\",line=\"B\"}"), 1);
  EXPECT_EQ(s.at("ichannel_feed_unknown_type_total{feed=\"nasdaq.itch\",line=\"B\"}"), 3);
  EXPECT_EQ(s.at("ichannel_feed_bad_length_total{feed=\"nasdaq.itch\",line=\"B\"}"), 2);
  EXPECT_EQ(s.at("ichannel_feed_long_messages_total{feed=\"nasdaq.itch\",line=\"B\"}"), 5);
  EXPECT_EQ(s.at("ichannel_feed_end_of_session_total{feed=\"nasdaq.itch\",line=\"B\"}"), 1);
  EXPECT_EQ(s.at("ichannel_feed_stale_session_total{feed=\"nasdaq.itch\",line=\"B\"}"), 4);
}

TEST(StatRender, PrometheusDaemonPartIsTheTextTheDaemonWrites) {
  const StatView v = synthetic_view();
  const std::string all = render_prometheus(v);
  const std::string daemon = stats::render_prometheus(*v.daemon, v.now_ns, v.stale_after_s);
  ASSERT_GE(all.size(), daemon.size());
  EXPECT_EQ(all.substr(all.size() - daemon.size()), daemon)
      << "ichannel-stat ends with exactly the daemon's statistics.prometheus_file text";
  EXPECT_EQ(all.find("# HELP ichannel_daemon_up"), all.size() - daemon.size());
}

TEST(StatRender, TextScreenShowsFeedBlocksAndSplitCounters) {
  const std::string t = render_text(synthetic_view());
  // Line B's MALFORMED column is the sum of its three causes (1 + 3 + 2).
  const std::regex line_b(
      R"(nasdaq\.itch\s+B\s+233\.54\.12\.2:26400\s+500\s+19000\s+0\s+40\s+11\s+6\s+19001)");
  EXPECT_TRUE(std::regex_search(t, line_b)) << t;
  const std::regex split_b(R"(nasdaq\.itch\s+B\s+1\s+3\s+2\s+5\s+1\s+4\n)");
  EXPECT_TRUE(std::regex_search(t, split_b)) << t;
  const std::regex feed_row(R"(nasdaq\.itch\s+18900\s+1\s+12\s+70\s+1\s+A=15000 E=3900\n)");
  EXPECT_TRUE(std::regex_search(t, feed_row)) << t;
}

TEST(StatRender, ArbitrationAndRecoveryCountersReachEveryOutput) {
  const StatView v = synthetic_view();
  const std::string t = render_text(v);
  EXPECT_TRUE(std::regex_search(t, std::regex(R"(nasdaq\.itch\s+B\s+17\s+16\s+8\s+2\s+1\s+3\s+5\n)")))
      << t;
  EXPECT_TRUE(
      std::regex_search(t, std::regex(R"(nasdaq\.itch\s+9\s+2\s+5\s+1\s+40\s+6\s+1/3\s+7\s+2/11\n)")))
      << t;
  const auto p = parse_prometheus(render_prometheus(v));
  EXPECT_EQ(p.at("ichannel_feed_holes_total{feed=\"nasdaq.itch\"}"), 9);
  EXPECT_EQ(p.at("ichannel_feed_held_packets{feed=\"nasdaq.itch\"}"), 2);
  EXPECT_EQ(p.at("ichannel_feed_rerequests_total{feed=\"nasdaq.itch\"}"), 5);
  EXPECT_EQ(p.at("ichannel_feed_rerequest_timeouts_total{feed=\"nasdaq.itch\"}"), 1);
  EXPECT_EQ(p.at("ichannel_feed_recovered_messages_total{feed=\"nasdaq.itch\"}"), 40);
  EXPECT_EQ(p.at("ichannel_feed_rerequest_replies_total{feed=\"nasdaq.itch\"}"), 4);
  EXPECT_EQ(p.at("ichannel_feed_store_full_total{feed=\"nasdaq.itch\"}"), 6);
  EXPECT_EQ(p.at("ichannel_feed_suspect_confirmed_total{feed=\"nasdaq.itch\"}"), 1);
  EXPECT_EQ(p.at("ichannel_feed_suspect_expired_total{feed=\"nasdaq.itch\"}"), 3);
  EXPECT_EQ(p.at("ichannel_feed_held_total{feed=\"nasdaq.itch\",line=\"B\"}"), 17);
  EXPECT_EQ(p.at("ichannel_feed_released_total{feed=\"nasdaq.itch\",line=\"B\"}"), 16);
  EXPECT_EQ(p.at("ichannel_feed_undecodable_total{feed=\"nasdaq.itch\"}"), 7);
  EXPECT_EQ(p.at("ichannel_feed_rerequest_send_errors_total{feed=\"nasdaq.itch\"}"), 2);
  EXPECT_EQ(p.at("ichannel_feed_rerequest_reply_drops_total{feed=\"nasdaq.itch\"}"), 11);
  EXPECT_EQ(p.at("ichannel_feed_late_copies_total{feed=\"nasdaq.itch\",line=\"B\"}"), 8);
  EXPECT_EQ(p.at("ichannel_feed_suspect_sequence_total{feed=\"nasdaq.itch\",line=\"B\"}"), 2);
  EXPECT_EQ(p.at("ichannel_feed_sequence_zero_total{feed=\"nasdaq.itch\",line=\"B\"}"), 1);
  EXPECT_EQ(p.at("ichannel_feed_too_large_to_hold_total{feed=\"nasdaq.itch\",line=\"B\"}"), 3);
  const std::string j = render_json(v);
  for (const char* key : {"\"late_copies\":8,\"held\":17,\"suspect\":2,\"seq_zero\":1,\"too_large\":3",
                          "\"holes\":9,\"held_now\":2,\"requests\":5,\"request_timeouts\":1,"
                          "\"recovered\":40,\"recovery_packets\":4,\"store_full\":6,"
                          "\"suspect_confirmed\":1,\"suspect_expired\":3,"
                          "\"undecodable\":7,\"request_send_errors\":2,\"reply_drops\":11",
                          "\"long_messages\":5,\"released\":16}"}) {
    EXPECT_NE(j.find(key), std::string::npos) << key << " in " << j;
  }
}

TEST(StatRender, JsonKeepsPerFeedValuesOnLineRowsAndAddsFeedBlocks) {
  const std::string j = render_json(synthetic_view());
  for (const char* key :
       {"\"ticks\":18900,\"feed_gaps\":1,\"feed_gap_messages\":12",  // on both line rows
        "\"malformed\":6", "\"bad_framing\":1,\"unknown_type\":3,\"bad_length\":2",
        "\"end_of_session\":1,\"stale_session\":4", "\"too_large\":3,\"long_messages\":5,",
        "\"feeds\":[{\"name\":\"nasdaq.itch\",\"line_a\":\"A\",\"line_b\":\"B\",\"ticks\":18900,"
        "\"dropped_types\":70,\"gaps\":1,\"gap_messages\":12,\"session_changes\":1,",
        "\"by_type\":{\"A\":15000,\"E\":3900},\"books\":null,\"snapshots\":null}]"}) {
    EXPECT_NE(j.find(key), std::string::npos) << key << " in " << j;
  }
  const std::string both = "\"ticks\":18900,\"feed_gaps\":1";
  const std::size_t first = j.find(both);
  ASSERT_NE(first, std::string::npos);
  EXPECT_NE(j.find(both, first + 1), std::string::npos) << "line B has the feed's values too";
}

// A feed with books: every BookStats counter reaches JSON and Prometheus (with its type), the
// text screen has a books row with the mark.
TEST(StatRender, BookCountersReachEveryOutput) {
  StatView v = synthetic_view();
  stats::BooksSnapshot b;
  b.table = "nasdaq-books";
  b.depth = 10;
  b.max_orders = 4194304;
  b.orders = 1648000;
  b.levels = 91234;
  b.instruments = 8371;
  b.unknown_refs = 17;
  b.crossed = 0;
  b.marked = 1;
  b.top_of_book = 555;
  b.memory_bytes = 123456789;
  v.daemon->feeds[0].books = b;
  const std::string j = render_json(v);
  EXPECT_NE(j.find("\"books\":{\"table\":\"nasdaq-books\",\"depth\":10,\"max_orders\":4194304,"
                   "\"orders\":1648000,\"levels\":91234,\"instruments\":8371,"),
            std::string::npos)
      << j;
  EXPECT_NE(j.find("\"unknown_refs\":17,"), std::string::npos) << j;
  EXPECT_NE(j.find("\"memory_bytes\":123456789}"), std::string::npos) << j;
  const std::string p = render_prometheus(v);
  for (const char* line : {"# TYPE ichannel_book_orders gauge", "ichannel_book_orders{feed=\"nasdaq.itch\"} 1648000",
                           "# TYPE ichannel_book_unknown_refs_total counter",
                           "ichannel_book_unknown_refs_total{feed=\"nasdaq.itch\"} 17",
                           "ichannel_book_marked{feed=\"nasdaq.itch\"} 1",
                           "ichannel_book_top_of_book_total{feed=\"nasdaq.itch\"} 555",
                           "ichannel_book_max_orders{feed=\"nasdaq.itch\"} 4194304"}) {
    EXPECT_NE(p.find(line), std::string::npos) << line << " in " << p;
  }
  const std::string t = render_text(v);
  EXPECT_NE(t.find("FEED (books)"), std::string::npos) << t;
  EXPECT_NE(t.find("nasdaq-books"), std::string::npos) << t;
  EXPECT_NE(t.find("WRONG?"), std::string::npos) << t;
}

// A feed with a snapshot server: every SnapshotStats counter reaches JSON and Prometheus (with its
// type), the text screen has a snapshots row with the state and, after failures, their reasons.
TEST(StatRender, SnapshotCountersReachEveryOutput) {
  StatView v = synthetic_view();
  v.daemon->feeds[0].snapshots = stats::SnapshotsSnapshot{.server = "10.1.9.20:26600",
                                                          .buffer_ticks = 2097152,
                                                          .state = 1,
                                                          .attempts = 3,
                                                          .completed = 1,
                                                          .failures = 2,
                                                          .logins_rejected = 1,
                                                          .buffer_overflows = 1,
                                                          .last_orders = 1000000,
                                                          .last_duration_us = 1234567,
                                                          .last_buffered = 4242,
                                                          .buffer_high_water = 5000,
                                                          .bytes = 987654321};
  const auto expect_all_in = [](const std::string& text, std::initializer_list<const char*> parts) {
    for (const char* part : parts)
      EXPECT_NE(text.find(part), std::string::npos) << part << " in " << text;
  };
  expect_all_in(render_json(v),
                {"\"snapshots\":{\"server\":\"10.1.9.20:26600\",\"buffer_ticks\":2097152,"
                 "\"state_name\":\"retry-wait\",\"state\":1,\"attempts\":3,\"completed\":1,"
                 "\"failures\":2,\"connect_failures\":0,\"logins_rejected\":1,",
                 "\"buffer_overflows\":1,", "\"bytes\":987654321,\"last_handover_us\":0,\"last_server_wait_us\":0}}]"});
  expect_all_in(
      render_prometheus(v),
      {"# TYPE ichannel_snapshot_state gauge", "ichannel_snapshot_state{feed=\"nasdaq.itch\"} 1",
       "# TYPE ichannel_snapshot_failures_total counter",
       "ichannel_snapshot_failures_total{feed=\"nasdaq.itch\"} 2",
       "ichannel_snapshot_completed_total{feed=\"nasdaq.itch\"} 1",
       "ichannel_snapshot_last_duration_us{feed=\"nasdaq.itch\"} 1234567",
       "ichannel_snapshot_buffer_high_water{feed=\"nasdaq.itch\"} 5000",
       "ichannel_snapshot_buffer_ticks{feed=\"nasdaq.itch\"} 2097152",
       "ichannel_snapshot_bytes_total{feed=\"nasdaq.itch\"} 987654321",
       "ichannel_snapshot_info{feed=\"nasdaq.itch\",server=\"10.1.9.20:26600\"} 1"});
  expect_all_in(render_text(v), {"FEED (snapshots)", "10.1.9.20:26600", "retry-wait",
                                 "1234.6" /* last duration, ms */, "5000/2097152",
                                 "login 1 timeout 0 disconnect 0 malformed 0 overflow 1"});
  // Without a snapshot server: no snapshot families at all, no snapshots row.
  EXPECT_EQ(render_prometheus(synthetic_view()).find("ichannel_snapshot_"), std::string::npos);
  EXPECT_EQ(render_text(synthetic_view()).find("FEED (snapshots)"), std::string::npos);
}

TEST(StatView, ClassifyAliveStaleDead) {
  EXPECT_EQ(classify(true, 0.1, 2.0), ChannelStatus::kAlive);
  EXPECT_EQ(classify(true, 2.5, 2.0), ChannelStatus::kStale);
  EXPECT_EQ(classify(false, 0.1, 2.0), ChannelStatus::kDead);
}

TEST(StatView, RateTrackerMeasuresPerEpochAndRestartsOnNewEpoch) {
  RateTracker r;
  EXPECT_FALSE(r.update("c", 1, 100, 1'000'000'000));
  EXPECT_DOUBLE_EQ(*r.update("c", 1, 600, 1'500'000'000), 1000.0);
  EXPECT_FALSE(r.update("c", 2, 5, 2'000'000'000)) << "new epoch: no rate across a restart";
  EXPECT_DOUBLE_EQ(*r.update("c", 2, 105, 3'000'000'000), 100.0);
  EXPECT_FALSE(r.update("other", 1, 1, 3'000'000'000));
}

}  // namespace
}  // namespace ichannel::tools
