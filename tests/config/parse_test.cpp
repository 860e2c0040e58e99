// tests/config/parse_test.cpp: per-field checks of the loader: types, ranges, formats, unknown and
// duplicate keys, required keys, with their exact messages and positions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/load.hpp"
#include "tests/config/config_test_util.hpp"

namespace ichannel::config {
namespace {

using ::testing::ElementsAre;
using testing::errors_appending;
using testing::errors_with;
using ::testing::IsEmpty;
using testing::messages;

const std::string kChannel = "  - name: c\n";
const std::string kLineEnd = "rx_port: p0 }";

std::vector<std::string> channel_errors(const std::string& extra_line) {
  return errors_with(kChannel, kChannel + "    " + extra_line + "\n");
}

TEST(ParseUnknownKeys, TypoIsRejectedWithSuggestion) {
  EXPECT_THAT(channel_errors("capcity: 1024"),
              ElementsAre("t.yaml:10:5: channels[0].capcity: unknown key 'capcity' (did you mean "
                          "'capacity'?)"));
}

TEST(ParseUnknownKeys, TopLevelTypoIsRejectedWithSuggestion) {
  EXPECT_THAT(errors_appending("loging: { level: info }\n"),
              ElementsAre("t.yaml:15:1: loging: unknown key 'loging' (did you mean 'logging'?)"));
}

TEST(ParseUnknownKeys, UnrelatedKeyHasNoSuggestion) {
  EXPECT_THAT(errors_appending("colour: blue\n"),
              ElementsAre("t.yaml:15:1: colour: unknown key 'colour'"));
}

TEST(ParseUnknownKeys, TypoInFlowMappingAlsoReportsTheMissingRequiredKey) {
  EXPECT_THAT(errors_with(kLineEnd, "rx_prt: p0 }"),
              ElementsAre("t.yaml:7:10: feeds[0].lines.A.rx_port: required key is missing",
                          "t.yaml:7:45: feeds[0].lines.A.rx_prt: unknown key 'rx_prt' (did you "
                          "mean 'rx_port'?)"));
}

TEST(ParseUnknownKeys, OnlyLinesAAndBExist) {
  EXPECT_THAT(errors_with("      A: {",
                          "      C: { group: 233.54.12.9, port: 1, rx_port: p0 }\n      A: {"),
              ElementsAre("t.yaml:7:7: feeds[0].lines.C: unknown key 'C'"));
}

TEST(ParseKeys, DuplicateKeyIsRejected) {
  EXPECT_THAT(channel_errors("name: d"),
              ElementsAre("t.yaml:10:5: channels[0].name: duplicate key 'name'"));
}

TEST(ParseKeys, MissingRequiredKeyIsReportedAtItsMapping) {
  EXPECT_THAT(errors_with("    device: net_null0\n", ""),
              ElementsAre("t.yaml:2:5: ports[0].device: required key is missing"));
}

TEST(ParseKeys, MissingTopLevelSectionIsReportedAtTheStart) {
  EXPECT_THAT(errors_with("cores:\n  - { lcore: 1, port: p0 }\n", ""),
              ElementsAre("t.yaml:1:1: cores: required key is missing",
                          "t.yaml:2:11: ports[0].name: queue 0 of port 'p0' is not polled by any "
                          "core"));
}

TEST(ParseTypes, StringWhereIntegerExpectedNamesTheKey) {
  EXPECT_THAT(channel_errors("capacity: big"),
              ElementsAre("t.yaml:10:15: channels[0].capacity: expected an unsigned integer, got "
                          "'big'"));
}

TEST(ParseTypes, IntegersAreDecimalOnly) {
  EXPECT_THAT(channel_errors("capacity: 0x10"),
              ElementsAre("t.yaml:10:15: channels[0].capacity: expected an unsigned integer, got "
                          "'0x10'"));
  // yaml-cpp itself would read "010" as octal 8 (a power of two); we read decimal 10.
  EXPECT_THAT(channel_errors("capacity: 010"),
              ElementsAre("t.yaml:10:15: channels[0].capacity: 10 is not a power of two >= 2"));
  EXPECT_THAT(channel_errors("capacity: -4"),
              ElementsAre("t.yaml:10:15: channels[0].capacity: expected an unsigned integer, got "
                          "'-4'"));
}

TEST(ParseTypes, ListWhereStringExpected) {
  EXPECT_THAT(errors_with("device: net_null0", "device: [a, b]"),
              ElementsAre("t.yaml:3:13: ports[0].device: expected a string, got a list"));
}

TEST(ParseTypes, MissingValueIsNotAnEmptyString) {
  EXPECT_THAT(errors_with("device: net_null0", "device:"),
              ElementsAre("t.yaml:3:5: ports[0].device: expected a string, got no value (write "
                          "\"\" for an empty string)"));
}

TEST(ParseTypes, BooleanAcceptsYamlWordsOnly) {
  EXPECT_THAT(channel_errors("hugepages: maybe"),
              ElementsAre("t.yaml:10:16: channels[0].hugepages: expected true or false, got "
                          "'maybe'"));
  EXPECT_THAT(channel_errors("hugepages: Off"), IsEmpty());
}

TEST(ParseTypes, SectionMustBeAMapping) {
  EXPECT_THAT(errors_appending("logging: info\n"),
              ElementsAre("t.yaml:15:10: logging: expected a mapping of keys, got 'info'"));
}

TEST(ParseTypes, ListSectionMustBeAList) {
  EXPECT_THAT(errors_with("channels:\n  - name: c\n", "channels: { name: c }\n"),
              ElementsAre("t.yaml:8:11: channels: expected a list, got a mapping",
                          "t.yaml:11:16: routes[0].channels[0]: no channel named 'c' in channels"));
}

TEST(ParseRanges, CapacityMustBeAPowerOfTwoOfAtLeastTwo) {
  for (const char* bad : {"0", "1", "3", "1000", "65535"}) {
    EXPECT_THAT(channel_errors(std::string("capacity: ") + bad),
                ElementsAre("t.yaml:10:15: channels[0].capacity: " + std::string(bad) +
                            " is not a power of two >= 2"));
  }
  EXPECT_THAT(channel_errors("capacity: 2147483648"),
              ElementsAre("t.yaml:10:15: channels[0].capacity: 2147483648 is out of range "
                          "0..1073741824"));
  EXPECT_THAT(channel_errors("capacity: 2"), IsEmpty());
}

TEST(ParseRanges, RxDescriptorsMustBeAPowerOfTwo) {
  EXPECT_THAT(errors_with("device: net_null0", "device: net_null0\n    rx_descriptors: 1000"),
              ElementsAre("t.yaml:4:21: ports[0].rx_descriptors: 1000 is not a power of two "
                          "between 32 and 65536"));
}

TEST(ParseRanges, UdpPortIsOneTo65535) {
  EXPECT_THAT(errors_with("port: 26400", "port: 0"),
              ElementsAre("t.yaml:7:38: feeds[0].lines.A.port: 0 is out of range 1..65535"));
  EXPECT_THAT(errors_with("port: 26400", "port: 65536"),
              ElementsAre("t.yaml:7:38: feeds[0].lines.A.port: 65536 is out of range 1..65535"));
}

TEST(ParseRanges, VlanIsZeroTo4095) {
  EXPECT_THAT(errors_with(kLineEnd, "vlan: 4096, " + kLineEnd),
              ElementsAre("t.yaml:7:51: feeds[0].lines.A.vlan: 4096 is out of range 0..4095"));
  EXPECT_THAT(errors_with(kLineEnd, "vlan: 4095, " + kLineEnd), IsEmpty());
}

TEST(ParseRanges, NumaNodeIsMinusOneOrANode) {
  EXPECT_THAT(channel_errors("numa_node: -2"),
              ElementsAre("t.yaml:10:16: channels[0].numa_node: -2 is out of range -1..255"));
}

TEST(ParseAddresses, GroupMustBeIpv4Multicast) {
  EXPECT_THAT(errors_with("233.54.12.1", "233.54.12.300"),
              ElementsAre("t.yaml:7:19: feeds[0].lines.A.group: 233.54.12.300 is not an IPv4 "
                          "multicast address"));
  EXPECT_THAT(errors_with("233.54.12.1", "10.1.1.1"),
              ElementsAre("t.yaml:7:19: feeds[0].lines.A.group: 10.1.1.1 is not an IPv4 "
                          "multicast address"));
}

TEST(ParseAddresses, SourceMustBeUnicast) {
  EXPECT_THAT(errors_with(kLineEnd, "source: 239.1.1.1, " + kLineEnd),
              ElementsAre("t.yaml:7:53: feeds[0].lines.A.source: 239.1.1.1 is not a unicast "
                          "IPv4 address"));
  EXPECT_THAT(errors_with(kLineEnd, "source: 10.1.1, " + kLineEnd),
              ElementsAre("t.yaml:7:53: feeds[0].lines.A.source: 10.1.1 is not a unicast IPv4 "
                          "address"));
}

TEST(ParseAddresses, PortMulticastListMustBeMulticast) {
  EXPECT_THAT(errors_with("device: net_null0",
                          "device: net_null0\n    multicast_addresses: [233.54.12.1, 10.0.0.1]"),
              ElementsAre("t.yaml:4:40: ports[0].multicast_addresses[1]: 10.0.0.1 is not an "
                          "IPv4 multicast address"));
}

TEST(ParseNames, ChannelNamesAreSafeFileNames) {
  for (const char* bad : {"a/b", "..", "x..y", ".", ".hidden"}) {
    EXPECT_THAT(errors_with("  - name: c\n", "  - name: \"" + std::string(bad) + "\"\n"),
                ::testing::Contains("t.yaml:9:11: channels[0].name: '" + std::string(bad) +
                                    "' is not a valid channel name (1..63 characters of A-Z a-z "
                                    "0-9 . _ -, not starting with '.', no '..')"))
        << bad;
  }
  EXPECT_THAT(errors_with("  - name: c\n", "  - name: " + std::string(64, 'x') + "\n"),
              ::testing::Contains(::testing::HasSubstr("is not a valid channel name")));
}

TEST(ParseNames, StatisticsSegmentFollowsTheChannelNameRule) {
  EXPECT_THAT(errors_appending("statistics: { segment: .stats }\n"),
              ElementsAre("t.yaml:15:24: statistics.segment: '.stats' is not a valid segment name "
                          "(1..63 characters of A-Z a-z 0-9 . _ -, not starting with '.', no "
                          "'..')"));
  EXPECT_THAT(errors_appending("statistics: { segment: stats.main }\n"), IsEmpty());
}

TEST(ParseChannels, ModeIsAnOctalStringOrNumberUpTo0777) {
  EXPECT_THAT(channel_errors("mode: \"0888\""),
              ElementsAre("t.yaml:10:11: channels[0].mode: '0888' is not an octal file mode like "
                          "\"0640\""));
  EXPECT_THAT(channel_errors("mode: \"01777\""),
              ElementsAre("t.yaml:10:11: channels[0].mode: file mode 01777 is above 0777 (no "
                          "setuid, setgid or sticky bits)"));
  EXPECT_THAT(channel_errors("mode: rw"),
              ElementsAre("t.yaml:10:11: channels[0].mode: 'rw' is not an octal file mode like "
                          "\"0640\""));
  EXPECT_THAT(channel_errors("mode: 0600"), IsEmpty());
  EXPECT_THAT(channel_errors("mode: 640"), IsEmpty());
}

TEST(ParseChannels, ModeWithGroupOrOtherWriteBitsIsRejected) {
  EXPECT_THAT(channel_errors("mode: \"0666\""),
              ElementsAre("t.yaml:10:11: channels[0].mode: mode 0666 lets group/others write; at "
                          "most 0644/0640"));
  EXPECT_THAT(channel_errors("mode: \"0620\""),
              ElementsAre("t.yaml:10:11: channels[0].mode: mode 0620 lets group/others write; at "
                          "most 0644/0640"));
  EXPECT_THAT(channel_errors("mode: 602"),
              ElementsAre("t.yaml:10:11: channels[0].mode: mode 0602 lets group/others write; at "
                          "most 0644/0640"));
  EXPECT_THAT(channel_errors("mode: \"0644\""), IsEmpty());
  EXPECT_THAT(channel_errors("mode: \"0604\""), IsEmpty());
}

TEST(ParseChannels, GroupMustExistOnTheHost) {
  EXPECT_THAT(channel_errors("group: no-such-group-ichannel"),
              ElementsAre("t.yaml:10:12: channels[0].group: group 'no-such-group-ichannel' does "
                          "not exist on this host"));
  EXPECT_THAT(channel_errors("group: root"), IsEmpty());
}

TEST(ParseChannels, PayloadIsTicksOrTopOfBook) {
  EXPECT_THAT(channel_errors("payload: tick"),
              ElementsAre("t.yaml:10:14: channels[0].payload: unknown payload 'tick' (did you "
                          "mean 'ticks'?); expected one of: ticks, top_of_book"));
}

TEST(ParseFeeds, ProtocolIsItch50MoldUdp64) {
  EXPECT_THAT(errors_with("    lines:", "    protocol: itch41\n    lines:"),
              ElementsAre("t.yaml:6:15: feeds[0].protocol: unknown protocol 'itch41'; expected "
                          "one of: itch50-moldudp64"));
}

TEST(ParseLogging, LevelMustBeASpdlogLevel) {
  EXPECT_THAT(errors_appending("logging: { level: inf }\n"),
              ElementsAre("t.yaml:15:19: logging.level: unknown logging level 'inf' (did you mean "
                          "'info'?); expected one of: trace, debug, info, warn, error, critical, "
                          "off"));
}

TEST(ParseLogging, SpdlogSpellingWarningMeansWarn) {
  const auto result =
      load_string(std::string(testing::kMinimalConfig) + "logging: { level: warning }\n");
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(messages(result));
  EXPECT_EQ(result.config->logging.level, "warn");
}

TEST(ParseRoutes, SymbolsAreAtMostEightCharacters) {
  EXPECT_THAT(errors_with("channels: [c]", "channels: [c]\n    symbols: [AAPL, TOOLONGSYM, AAPL]"),
              ElementsAre("t.yaml:13:21: routes[0].symbols[1]: 'TOOLONGSYM' is not an ITCH "
                          "symbol (1..8 printable characters, no spaces)",
                          "t.yaml:13:33: routes[0].symbols[2]: symbol 'AAPL' is listed twice"));
}

TEST(ParseRoutes, RouteNeedsAChannel) {
  EXPECT_THAT(errors_with("channels: [c]", "channels: []"),
              ElementsAre("t.yaml:9:11: channels[0].name: channel 'c' is not used by any route",
                          "t.yaml:12:15: routes[0].channels: a route needs at least one channel"));
}

TEST(ParseEal, LcoresAcceptDpdkListSyntax) {
  EXPECT_THAT(errors_appending("eal: { lcores: \"0-3,5\" }\n"), IsEmpty());
  EXPECT_THAT(errors_appending("eal: { lcores: \"3-1\" }\n"),
              ElementsAre("t.yaml:15:16: eal.lcores: '3-1' is not an lcore list like [0, 1] or "
                          "\"0-3,5\" (ids below 128)"));
  EXPECT_THAT(errors_appending("eal: { lcores: [0, 1, 1] }\n"),
              ElementsAre("t.yaml:15:16: eal.lcores: lcore 1 is listed twice"));
  EXPECT_THAT(errors_appending("eal: { lcores: [0, 1, 128] }\n"),
              ElementsAre("t.yaml:15:23: eal.lcores[2]: 128 is out of range 0..127"));
}

TEST(ParseEal, ExtraArgsMustNotRepeatManagedOptions) {
  EXPECT_THAT(errors_appending("eal: { extra_args: [--no-pci, \"--file-prefix=x\"] }\n"),
              ElementsAre("t.yaml:15:31: eal.extra_args[1]: '--file-prefix' is set by "
                          "ichannel-feed from the eal section; use eal.lcores/main_lcore/"
                          "hugepages/memory_mb/file_prefix instead"));
}

TEST(ParseTopLevel, ChannelDirMustBeAbsolute) {
  EXPECT_THAT(errors_appending("channel_dir: relative/dir\n"),
              ElementsAre("t.yaml:15:14: channel_dir: 'relative/dir' is not an absolute path"));
}

TEST(ParseTopLevel, EmptySectionsAreErrors) {
  EXPECT_THAT(errors_with("cores:\n  - { lcore: 1, port: p0 }\n", "cores: []\n"),
              ElementsAre("t.yaml:2:11: ports[0].name: queue 0 of port 'p0' is not polled by any "
                          "core",
                          "t.yaml:13:8: cores: at least one core is required"));
}

TEST(ParseAllErrors, EveryProblemIsReportedInFileOrder) {
  const std::string text = R"(ports:
  - name: p0
    device: net_null0
    rx_queues: two
feeds:
  - name: f
    lines:
      A: { group: 1.2.3.4, port: 26400, rx_port: p0 }
      B: { group: 233.54.12.2, port: 70000, rx_port: p1 }
channels:
  - { name: c, capacity: 100, mdoe: "0640" }
routes:
  - { feed: f, channels: [c, d] }
cores:
  - { lcore: 0, port: p0 }
logging: { level: verbose }
)";
  EXPECT_THAT(
      messages(load_string(text, "m.yaml")),
      ElementsAre(
          "m.yaml:4:16: ports[0].rx_queues: expected an unsigned integer, got 'two'",
          "m.yaml:8:19: feeds[0].lines.A.group: 1.2.3.4 is not an IPv4 multicast address",
          "m.yaml:9:38: feeds[0].lines.B.port: 70000 is out of range 1..65535",
          "m.yaml:9:54: feeds[0].lines.B.rx_port: no port named 'p1' in ports",
          "m.yaml:11:26: channels[0].capacity: 100 is not a power of two >= 2",
          "m.yaml:11:31: channels[0].mdoe: unknown key 'mdoe' (did you mean 'mode'?)",
          "m.yaml:13:30: routes[0].channels[1]: no channel named 'd' in channels",
          "m.yaml:15:14: cores[0].lcore: lcore 0 is eal.main_lcore (housekeeping); poll on "
          "another lcore",
          "m.yaml:16:19: logging.level: unknown logging level 'verbose'; expected one of: trace, "
          "debug, info, warn, error, critical, off"));
}

}  // namespace
}  // namespace ichannel::config

namespace ichannel::config {
namespace {

TEST(ParseMessages, LongOrBinaryValuesAreShortenedInMessages) {
  const std::string long_value(5000, 'x');
  EXPECT_THAT(
      channel_errors("capacity: " + long_value),
      ElementsAre("t.yaml:10:15: channels[0].capacity: expected an unsigned integer, got '" +
                  std::string(64, 'x') + "... (5000 bytes)'"));
  EXPECT_THAT(channel_errors("capacity: \"1\\t2\""),
              ElementsAre("t.yaml:10:15: channels[0].capacity: expected an unsigned integer, got "
                          "'1\\x092'"));
}

}  // namespace
}  // namespace ichannel::config
