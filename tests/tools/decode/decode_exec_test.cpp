// tests/tools/decode/decode_exec_test.cpp: the ichannel-decode binary over captures that
// `ichannel-sim generate` wrote: loss on both lines decodes to the simulator's counts with the
// common losses as gap records; a skewed B line fills A's losses without a gap; --config routes
// like the quick flags; JSON, CSV and --count agree; bad inputs fail with their exit status and a
// clear message. Exec tests: suite 'nosan'.
#include <sys/wait.h>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/sim_test_util.hpp"
#include "tests/support/exec.hpp"
#include "tests/support/test_config.hpp"

namespace {

using ichannel::sim::test::TempFile;

using ::ichannel::test::Exec;
using ::ichannel::test::run;
using ::ichannel::test::slurp;


// The number after the keys `path`, each searched after the previous one ("-1" if missing).
long long number(const std::string& json, std::initializer_list<std::string> path) {
  std::size_t pos = 0;
  for (const std::string& key : path) {
    pos = json.find("\"" + key + "\":", pos);
    if (pos == std::string::npos) return -1;
    pos += key.size() + 3;
  }
  while (pos < json.size() && json[pos] == ' ') ++pos;
  return std::stoll(json.substr(pos));
}

// The "K": N pairs of the object after `key` (one level, numbers only).
std::map<std::string, long long> object(const std::string& json, const std::string& key,
                                        std::size_t from = 0) {
  std::map<std::string, long long> out;
  std::size_t pos = json.find("\"" + key + "\":", from);
  if (pos == std::string::npos) return out;
  pos = json.find('{', pos);
  const std::size_t end = json.find('}', pos);
  std::string body = json.substr(pos + 1, end - pos - 1);
  std::size_t i = 0;
  while ((i = body.find('"', i)) != std::string::npos) {
    const std::size_t k_end = body.find('"', i + 1);
    const std::string k = body.substr(i + 1, k_end - i - 1);
    const std::size_t colon = body.find(':', k_end);
    out[k] = std::stoll(body.substr(colon + 1));
    i = body.find(',', colon);
    if (i == std::string::npos) break;
  }
  return out;
}

std::size_t count_of(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

const std::string kSim = ICHANNEL_SIM_EXE;
const std::string kDecode = ICHANNEL_DECODE_EXE;
// The template's default lines (tests/support/feed-config.yaml.in).
const std::string kLines =
    " --group-a 233.54.12.1 --port-a 26400 --group-b 233.54.12.2 --port-b 26400";

struct Capture {
  TempFile pcap{"decode-pcap"};
  TempFile summary_file{"decode-summary"};
  std::string summary;
};

void generate(Capture& c, const std::string& options) {
  const Exec g = run(kSim + " generate --messages 3000 --symbols 10 --quiet --out " + c.pcap.str() +
                     " --summary " + c.summary_file.str() + kLines + " " + options);
  ASSERT_EQ(g.status, 0) << g.out;
  c.summary = slurp(c.summary_file.str());
}

std::string write_config(const TempFile& file, const ichannel::test::ConfigValues& extra = {}) {
  ichannel::test::ConfigValues v{{"CHANNEL", "all"},
                                 {"DEVICE", "net_pcap0,rx_pcap=/tmp/x.pcap"},
                                 {"FILE_PREFIX", "ichdecode"}};
  for (const auto& [k, value] : extra) v[k] = value;
  std::ofstream(file.str()) << ichannel::test::render_config(v);
  return file.str();
}

TEST(DecodeExec, LossOnBothLinesDecodesToTheSimulatorsCountsWithTheCommonLossesAsGaps) {
  Capture c;
  generate(c, "--seed 3 --loss-a 0.1 --loss-b 0.1");
  const Exec d = run(kDecode + " " + c.pcap.str() + kLines + " --count");
  ASSERT_EQ(d.status, 0) << d.out;
  const std::string& j = d.out;
  // Per line: every packet the simulator wrote reached its line.
  EXPECT_EQ(number(j, {"lines", "a", "packets"}), number(c.summary, {"lines", "a", "packets"}));
  EXPECT_EQ(number(j, {"lines", "b", "packets"}), number(c.summary, {"lines", "b", "packets"}));
  EXPECT_EQ(number(j, {"unrouted"}), 0);
  EXPECT_EQ(number(j, {"rejected_total"}), 0);
  // Per feed: what was decoded plus what became gaps is every message of the session.
  const long long gaps = number(j, {"feeds", "gaps"});
  const long long gap_messages = number(j, {"feeds", "gap_messages"});
  EXPECT_GT(gaps, 0) << "seed 3 should lose some packets on both lines: " << j;
  const auto sim_types = object(c.summary, "messages_by_type");
  const auto types = object(j, "by_type");
  long long sim_total = 0, total = 0;
  for (const auto& [t, n] : sim_types) {
    sim_total += n;
    EXPECT_LE(types.count(t) ? types.at(t) : 0, n) << t;
  }
  for (const auto& [t, n] : types) total += n;
  EXPECT_EQ(sim_total, number(c.summary, {"messages"}));
  EXPECT_EQ(total + gap_messages, sim_total);
  const auto actions = object(j, "actions");
  EXPECT_EQ(actions.at("gap"), gaps);
  long long ticks = 0;
  for (const auto& [a, n] : actions) ticks += n;
  EXPECT_EQ(ticks, number(j, {"feeds", "ticks"}));
  EXPECT_EQ(ticks - gaps + gap_messages, number(c.summary, {"expected_ticks", "total"}));

  // The JSON lines are the same ticks: one per line, the gap records with their sizes.
  const Exec lines = run(kDecode + " " + c.pcap.str() + kLines + " --json");
  ASSERT_EQ(lines.status, 0);
  EXPECT_EQ(static_cast<long long>(count_of(lines.out, "\n")), ticks);
  EXPECT_EQ(static_cast<long long>(count_of(lines.out, "\"action\":\"gap\"")), gaps);
  long long gap_sum = 0;
  std::istringstream in(lines.out);
  for (std::string l; std::getline(in, l);) {
    if (l.find("\"action\":\"gap\"") != std::string::npos) gap_sum += number(l, {"aux"});
  }
  EXPECT_EQ(gap_sum, gap_messages);
  // CSV: a header, then the same number of lines.
  const Exec csv = run(kDecode + " " + c.pcap.str() + kLines + " --csv");
  ASSERT_EQ(csv.status, 0);
  EXPECT_EQ(csv.out.rfind("feed,seq,action,", 0), 0u);
  EXPECT_EQ(static_cast<long long>(count_of(csv.out, "\n")), ticks + 1);
  EXPECT_EQ(static_cast<long long>(count_of(csv.out, ",gap,")), gaps);
}

TEST(DecodeExec, SkewedBLineFillsTheLossesOfAWithoutAGap) {
  // B 1.5 ms behind A (packets are ~1 ms apart): B's copy of a lost packet comes after A's next.
  Capture c;
  generate(c, "--seed 5 --loss-a 0.2 --b-delay-ns 1500000");
  const Exec d = run(kDecode + " " + c.pcap.str() + kLines + " --count");
  ASSERT_EQ(d.status, 0) << d.out;
  EXPECT_GT(number(c.summary, {"lines", "a", "dropped_packets"}), 0);
  EXPECT_GT(number(d.out, {"lines", "a", "held"}), 0) << d.out;
  EXPECT_EQ(number(d.out, {"feeds", "gaps"}), 0) << d.out;
  const auto expected = object(c.summary, "expected_ticks");
  const auto actions = object(d.out, "actions");
  for (const auto& [a, n] : expected) {
    if (a != "total") EXPECT_EQ(actions.count(a) ? actions.at(a) : -1, n) << a;
  }
  EXPECT_EQ(number(d.out, {"feeds", "ticks"}), expected.at("total"));
}

TEST(DecodeExec, ConfigRoutesTheCaptureLikeTheQuickFlags) {
  Capture c;
  generate(c, "--seed 3 --loss-a 0.1 --loss-b 0.1");
  TempFile yaml("decode-config");
  write_config(yaml);
  const Exec flags = run(kDecode + " " + c.pcap.str() + kLines + " --json");
  const Exec config = run(kDecode + " " + c.pcap.str() + " --config " + yaml.str() + " --json");
  const Exec feed =
      run(kDecode + " " + c.pcap.str() + " --config " + yaml.str() + " --feed sim.itch --json");
  ASSERT_EQ(config.status, 0) << config.out;
  ASSERT_EQ(feed.status, 0) << feed.out;
  EXPECT_FALSE(config.out.empty());
  EXPECT_EQ(config.out, flags.out);
  EXPECT_EQ(feed.out, flags.out);
  const Exec count = run(kDecode + " " + c.pcap.str() + " --config " + yaml.str() + " --count");
  EXPECT_NE(count.out.find("\"name\":\"sim.itch\""), std::string::npos) << count.out;
}

TEST(DecodeExec, ConfigWithOtherLinesRoutesNothing) {
  Capture c;
  generate(c, "--seed 3");
  TempFile yaml("decode-config");
  write_config(yaml, {{"PORT", "26401"}});
  const Exec d = run(kDecode + " " + c.pcap.str() + " --config " + yaml.str() + " --count");
  ASSERT_EQ(d.status, 0) << d.out;
  EXPECT_EQ(number(d.out, {"unrouted"}), number(d.out, {"frames"}));
  EXPECT_EQ(number(d.out, {"ticks"}), 0);
}

TEST(DecodeExec, SymbolFilterAndLimit) {
  Capture c;
  generate(c, "--seed 3");
  const Exec all = run(kDecode + " " + c.pcap.str() + kLines + " --count");
  const Exec some = run(kDecode + " " + c.pcap.str() + kLines + " --limit 7");
  ASSERT_EQ(some.status, 0);
  EXPECT_EQ(count_of(some.out, "\n"), 7u);
  // The first directory symbol of the session, then only its ticks (and feed-wide ones).
  const Exec first = run(kDecode + " " + c.pcap.str() + kLines +
                         " --csv | awk -F, '$3 == \"directory\" {print $5; exit}'");
  std::string symbol = first.out.substr(0, first.out.find('\n'));
  ASSERT_FALSE(symbol.empty());
  const Exec one = run(kDecode + " " + c.pcap.str() + kLines + " --symbol " + symbol + " --csv");
  ASSERT_EQ(one.status, 0);
  std::istringstream in(one.out);
  std::string l;
  std::getline(in, l);  // header
  std::size_t n = 0;
  while (std::getline(in, l)) {
    ++n;
    const bool feed_wide = l.find(",0,,") != std::string::npos;  // instrument 0, no symbol
    EXPECT_TRUE(feed_wide || l.find("," + symbol + ",") != std::string::npos) << l;
  }
  EXPECT_GT(n, 0u);
  EXPECT_LT(static_cast<long long>(n), number(all.out, {"ticks"}));
}

TEST(DecodeExec, BadInputsFailWithAClearMessageAndTheirExitStatus) {
  TempFile missing("decode-missing");
  Exec r = run(kDecode + " " + missing.str() + kLines + " 2>&1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find(missing.str() + ": cannot open capture"), std::string::npos) << r.out;

  TempFile text("decode-text");
  std::ofstream(text.str()) << "not a capture\n";
  r = run(kDecode + " " + text.str() + kLines + " 2>&1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find(text.str() + ": cannot open capture"), std::string::npos) << r.out;

  // A FIFO named as the capture is refused at once (no writer would ever come).
  TempFile fifo("decode-fifo");
  ASSERT_EQ(::mkfifo(fifo.str().c_str(), 0600), 0);
  r = run("timeout 5 " + kDecode + " " + fifo.str() + kLines + " 2>&1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find(fifo.str() + ": cannot open capture: is a fifo, not a regular file"),
            std::string::npos)
      << r.out;

  TempFile yaml("decode-bad-config");
  std::ofstream(yaml.str()) << "feeds:\n  - name: x\n    lines:\n      A: { group: 1.2.3.4 }\n";
  r = run(kDecode + " " + text.str() + " --config " + yaml.str() + " 2>&1");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find(yaml.str() + ":4:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("configuration error(s)"), std::string::npos) << r.out;

  TempFile good("decode-config");
  write_config(good);
  r = run(kDecode + " " + text.str() + " --config " + good.str() + " --feed nope 2>&1");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("no feed named 'nope'"), std::string::npos) << r.out;

  r = run(kDecode + " " + text.str() + " 2>&1");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("--config FILE or --group-a"), std::string::npos) << r.out;

  r = run(kDecode + " " + text.str() + " --group-a 233.54.12.300 --port-a 1 2>&1");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("bad IPv4 233.54.12.300"), std::string::npos) << r.out;

  r = run(kDecode + " " + text.str() + kLines + " --csv --count 2>&1");
  EXPECT_EQ(r.status, 2);
  r = run(kDecode + " " + text.str() + kLines + " --config " + good.str() + " 2>&1");
  EXPECT_EQ(r.status, 2);
}

}  // namespace
