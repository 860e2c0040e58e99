// tests/config/snapshot_test.cpp: feeds[].snapshot (the GLIMPSE snapshot server of a feed with
// books) and routes[].snapshot_orders: defaults, every key, ranges, formats, and the rules that a
// snapshot needs books and snapshot_orders needs the feed's snapshot and only tick channels. The
// credentials file's host checks are in host_files_test.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "config/load.hpp"
#include "tests/config/config_test_util.hpp"

namespace ichannel::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::messages;
using testing::minimal_with;

const std::string kLineA = "      A: { group: 233.54.12.1, port: 26400, rx_port: p0 }\n";

// kMinimalConfig whose feed has books (line 8) and `snapshot: <snapshot>` (line 9).
std::string with_snapshot(const std::string& snapshot) {
  return minimal_with(kLineA, kLineA + "    books: {}\n    snapshot: " + snapshot + "\n");
}

std::vector<std::string> snapshot_errors(const std::string& snapshot) {
  return messages(load_string(with_snapshot(snapshot), "t.yaml"));
}

TEST(ConfigSnapshot, AFeedWithoutSnapshotKeyHasNoSnapshotAndRoutesSendNoSnapshotOrders) {
  const LoadResult r = load_string(testing::kMinimalConfig, "t.yaml");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.config->feeds[0].snapshot.has_value());
  EXPECT_FALSE(r.config->routes[0].snapshot_orders);
}

TEST(ConfigSnapshot, OnlyTheServerIsRequiredAndEveryOtherKeyGetsItsDefault) {
  const LoadResult r = load_string(with_snapshot("{ server: \"10.1.9.20:26600\" }"), "t.yaml");
  ASSERT_TRUE(r.ok()) << messages(r)[0];
  const Snapshot& s = *r.config->feeds[0].snapshot;
  EXPECT_EQ(s.server, 0x0A010914u);
  EXPECT_EQ(s.server_port, 26600);
  EXPECT_EQ(s.credentials, "");
  EXPECT_EQ(s.session, "");
  EXPECT_TRUE(s.on_start);
  EXPECT_TRUE(s.on_gap);
  EXPECT_EQ(s.buffer_ticks, 2'097'152u);
  EXPECT_EQ(s.retry_ms, 1000u);
  EXPECT_EQ(s.connect_timeout_ms, 5000u);
  EXPECT_EQ(s.timeout_s, 300u);
}

TEST(ConfigSnapshot, EveryKeyIsRead) {
  const std::string text = with_snapshot(
      "{ server: \"10.1.9.20:26600\", session: \"0000004711\", on_start: false, "
      "on_gap: false, buffer_ticks: 1024, retry_ms: 10, connect_timeout_ms: 600000, "
      "timeout_s: 86400 }");
  const LoadResult r = load_string(text, "t.yaml");
  ASSERT_TRUE(r.ok()) << messages(r)[0];
  const Snapshot& s = *r.config->feeds[0].snapshot;
  EXPECT_EQ(s.session, "0000004711");
  EXPECT_FALSE(s.on_start);
  EXPECT_FALSE(s.on_gap);
  EXPECT_EQ(s.buffer_ticks, 1024u);
  EXPECT_EQ(s.retry_ms, 10u);
  EXPECT_EQ(s.connect_timeout_ms, 600'000u);
  EXPECT_EQ(s.timeout_s, 86'400u);
  const LoadResult top = load_string(with_snapshot("{ server: \"10.1.9.20:1\", "
                                                   "buffer_ticks: 268435456 }"),
                                     "t.yaml");
  ASSERT_TRUE(top.ok()) << messages(top)[0];
  EXPECT_EQ(top.config->feeds[0].snapshot->buffer_ticks, 268'435'456u);
}

TEST(ConfigSnapshot, TheServerIsRequiredAndMustBeAUnicastAddressWithAPort) {
  EXPECT_THAT(snapshot_errors("{ on_gap: false }"),
              ElementsAre("t.yaml:9:15: feeds[0].snapshot.server: required key is missing"));
  for (const char* bad : {"233.54.12.9:26600", "10.1.9.20", "10.1.9.20:0", "10.1.9.20:65536",
                          "0.0.0.0:26600", "glimpse.example.com:26600"}) {
    EXPECT_THAT(snapshot_errors(std::string("{ server: \"") + bad + "\" }"),
                ElementsAre(std::string("t.yaml:9:25: feeds[0].snapshot.server: ") + bad +
                            " is not a unicast IPv4 ADDRESS:PORT with a port 1..65535"))
        << bad;
  }
}

// A snapshot with the server and one more `key: value` (at line 9, column 44 of the file): each
// case's only error, without the "t.yaml:9:" in front.
struct KeyCase {
  const char* key_value;
  const char* error;
};

void expect_one_error_each(std::initializer_list<KeyCase> cases) {
  for (const KeyCase& c : cases) {
    EXPECT_THAT(
        snapshot_errors(std::string("{ server: \"10.1.9.20:26600\", ") + c.key_value + " }"),
        ElementsAre(std::string("t.yaml:9:") + c.error))
        << c.key_value;
  }
}

TEST(ConfigSnapshot, SessionIsAtMostTenPrintableCharactersWithoutSpaces) {
  expect_one_error_each({
      {"session: \"12345678901\"",
       "53: feeds[0].snapshot.session: '12345678901' is not a SoupBinTCP session (at most 10 "
       "printable characters, no spaces; empty: any)"},
      {"session: \"a b\"",
       "53: feeds[0].snapshot.session: 'a b' is not a SoupBinTCP session (at most 10 printable "
       "characters, no spaces; empty: any)"},
  });
  EXPECT_THAT(snapshot_errors("{ server: \"10.1.9.20:26600\", session: \"\" }"), IsEmpty());
}

TEST(ConfigSnapshot, BufferTicksIsAPowerOfTwoBetween1024And2To28) {
  expect_one_error_each({
      {"buffer_ticks: 512",
       "58: feeds[0].snapshot.buffer_ticks: 512 is out of range 1024..268435456"},
      {"buffer_ticks: 536870912",
       "58: feeds[0].snapshot.buffer_ticks: 536870912 is out of range 1024..268435456"},
      {"buffer_ticks: 3000",
       "58: feeds[0].snapshot.buffer_ticks: 3000 is not a power of two between 1024 and "
       "268435456"},
  });
}

TEST(ConfigSnapshot, TimesAndSwitchesAreRangeAndTypeChecked) {
  expect_one_error_each({
      {"retry_ms: 9", "54: feeds[0].snapshot.retry_ms: 9 is out of range 10..600000"},
      {"retry_ms: 600001", "54: feeds[0].snapshot.retry_ms: 600001 is out of range 10..600000"},
      {"connect_timeout_ms: 0",
       "64: feeds[0].snapshot.connect_timeout_ms: 0 is out of range 1..600000"},
      {"connect_timeout_ms: 600001",
       "64: feeds[0].snapshot.connect_timeout_ms: 600001 is out of range 1..600000"},
      {"timeout_s: 0", "55: feeds[0].snapshot.timeout_s: 0 is out of range 1..86400"},
      {"timeout_s: 86401", "55: feeds[0].snapshot.timeout_s: 86401 is out of range 1..86400"},
      {"on_start: maybe", "54: feeds[0].snapshot.on_start: expected true or false, got 'maybe'"},
      {"on_gap: 2", "52: feeds[0].snapshot.on_gap: expected true or false, got '2'"},
      {"credentials: [a, b]", "57: feeds[0].snapshot.credentials: expected a string, got a list"},
  });
}

TEST(ConfigSnapshot, UnknownKeyIsRejectedWithSuggestion) {
  EXPECT_THAT(
      snapshot_errors("{ server: \"10.1.9.20:26600\", retri_ms: 10 }"),
      ElementsAre("t.yaml:9:44: feeds[0].snapshot.retri_ms: unknown key 'retri_ms' (did you "
                  "mean 'retry_ms'?)"));
}

TEST(ConfigSnapshot, ASnapshotNeedsTheFeedsBooks) {
  const std::string text =
      minimal_with(kLineA, kLineA + "    snapshot: { server: \"10.1.9.20:26600\" }\n");
  EXPECT_THAT(messages(load_string(text, "t.yaml")),
              ElementsAre("t.yaml:8:15: feeds[0].snapshot: a snapshot rebuilds the order books: "
                          "feed 'f' has no 'books' section"));
}

TEST(ConfigSnapshot, SnapshotOrdersAreSentOnTheTickChannelsOfARouteThatAsksForThem) {
  const std::string text =
      minimal_with("    channels: [c]\n", "    channels: [c]\n    snapshot_orders: true\n");
  std::string booked = text;
  booked.replace(booked.find(kLineA), kLineA.size(),
                 kLineA + "    books: {}\n    snapshot: { server: \"10.1.9.20:26600\" }\n");
  const LoadResult r = load_string(booked, "t.yaml");
  ASSERT_TRUE(r.ok()) << messages(r)[0];
  EXPECT_TRUE(r.config->routes[0].snapshot_orders);
}

TEST(ConfigSnapshot, SnapshotOrdersNeedTheFeedsSnapshot) {
  const std::string text =
      minimal_with("    channels: [c]\n", "    channels: [c]\n    snapshot_orders: true\n");
  EXPECT_THAT(messages(load_string(text, "t.yaml")),
              ElementsAre("t.yaml:13:22: routes[0].snapshot_orders: feed 'f' (feeds[0]) has no "
                          "'snapshot' section: there are no snapshot orders to send"));
  EXPECT_THAT(messages(load_string(minimal_with("    channels: [c]\n",
                                                "    channels: [c]\n    snapshot_orders: false\n"),
                                   "t.yaml")),
              IsEmpty());
  EXPECT_THAT(messages(load_string(minimal_with("    channels: [c]\n",
                                                "    channels: [c]\n    snapshot_orders: 1\n"),
                                   "t.yaml")),
              ElementsAre("t.yaml:13:22: routes[0].snapshot_orders: expected true or false, got "
                          "'1'"));
}

TEST(ConfigSnapshot, SnapshotOrdersAreOnlyForTickChannels) {
  std::string text = minimal_with("  - name: c\n", "  - name: c\n    payload: top_of_book\n");
  text.replace(text.find(kLineA), kLineA.size(),
               kLineA + "    books: {}\n    snapshot: { server: \"10.1.9.20:26600\" }\n");
  text.replace(text.find("    channels: [c]\n"), 18,
               "    channels: [c]\n    snapshot_orders: true\n");
  EXPECT_THAT(messages(load_string(text, "t.yaml")),
              ElementsAre("t.yaml:16:22: routes[0].snapshot_orders: channel 'c' carries "
                          "top_of_book records (a snapshot reaches it as top-of-book records); "
                          "snapshot_orders is only for tick channels"));
}

TEST(ConfigSnapshot, ValidateOnAConfigBuiltInCodeChecksTheSameRules) {
  LoadResult loaded = load_string(testing::kMinimalConfig, "code");
  ASSERT_TRUE(loaded.ok());
  Config config = *loaded.config;
  config.feeds[0].snapshot = Snapshot{};
  config.routes[0].snapshot_orders = true;
  EXPECT_THAT(messages(validate(config)),
              ElementsAre("code: feeds[0].snapshot: a snapshot rebuilds the order books: feed 'f' "
                          "has no 'books' section"));
  config.feeds[0].snapshot.reset();
  EXPECT_THAT(messages(validate(config)),
              ElementsAre("code: routes[0].snapshot_orders: feed 'f' (feeds[0]) has no 'snapshot' "
                          "section: there are no snapshot orders to send"));
}

}  // namespace
}  // namespace ichannel::config
