// tests/config/load_test.cpp: load_file / load_string: valid configs, defaults, message format,
// syntax errors, unreadable files, and every shipped example.
#include "config/load.hpp"

#include "config/config.hpp"
#include "config/ipv4.hpp"
#include "config/names.hpp"

// The public headers must not drag yaml-cpp into their users.
#if defined(YAML_H_62B23520_7C8E_11DE_8A39_0800200C9A66) || \
    defined(NODE_NODE_H_62B23520_7C8E_11DE_8A39_0800200C9A66)
#error "a public config header includes yaml-cpp"
#endif

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "tests/config/config_test_util.hpp"

namespace ichannel::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::kMinimalConfig;
using testing::messages;

TEST(Load, MinimalConfigFillsEveryDefault) {
  const LoadResult result = load_string(kMinimalConfig, "min.yaml");
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(messages(result));
  const Config& c = *result.config;
  EXPECT_EQ(c.source, "min.yaml");
  EXPECT_EQ(c.eal.lcores, (std::vector<unsigned>{0, 1}));  // derived: main lcore + core lcores
  EXPECT_EQ(c.eal.main_lcore, 0u);
  EXPECT_TRUE(c.eal.hugepages);
  EXPECT_EQ(c.eal.memory_mb, 512u);
  EXPECT_EQ(c.eal.file_prefix, "ichannel");
  EXPECT_TRUE(c.eal.extra_args.empty());
  ASSERT_EQ(c.ports.size(), 1u);
  EXPECT_EQ(c.ports[0].name, "p0");
  EXPECT_EQ(c.ports[0].device, "net_null0");
  EXPECT_EQ(c.ports[0].rx_queues, 1u);
  EXPECT_EQ(c.ports[0].rx_descriptors, 4096u);
  EXPECT_EQ(c.ports[0].mempool_size, 65535u);
  EXPECT_FALSE(c.ports[0].promiscuous);
  EXPECT_TRUE(c.ports[0].allmulticast);
  EXPECT_TRUE(c.ports[0].multicast_addresses.empty());
  ASSERT_EQ(c.feeds.size(), 1u);
  EXPECT_EQ(c.feeds[0].protocol, Protocol::kItch50MoldUdp64);
  EXPECT_EQ(c.feeds[0].a.group, 0xE9360C01u);
  EXPECT_EQ(c.feeds[0].a.port, 26400);
  EXPECT_EQ(c.feeds[0].a.port_name, "p0");
  EXPECT_FALSE(c.feeds[0].a.source.has_value());
  EXPECT_FALSE(c.feeds[0].a.vlan.has_value());
  EXPECT_FALSE(c.feeds[0].b.has_value());
  ASSERT_EQ(c.channels.size(), 1u);
  EXPECT_EQ(c.channels[0].payload, Payload::kTicks);
  EXPECT_EQ(c.channels[0].capacity, 65536u);
  EXPECT_TRUE(c.channels[0].hugepages);
  EXPECT_EQ(c.channels[0].numa_node, -1);
  EXPECT_EQ(c.channels[0].mode, 0640u);
  EXPECT_EQ(c.channels[0].group, "");
  ASSERT_EQ(c.routes.size(), 1u);
  EXPECT_TRUE(c.routes[0].symbols.empty());
  ASSERT_EQ(c.cores.size(), 1u);
  EXPECT_EQ(c.cores[0].queue, 0u);
  EXPECT_EQ(c.logging.level, "info");
  EXPECT_EQ(c.logging.file, "");
  EXPECT_TRUE(c.logging.async);
  EXPECT_EQ(c.statistics.interval_ms, 1000u);
  EXPECT_EQ(c.statistics.segment, "ichannel-stats");
  EXPECT_EQ(c.statistics.prometheus_file, "");
  EXPECT_EQ(c.channel_dir, "");
}

TEST(Load, FullConfigValuesArrive) {
  const LoadResult result = load_string(R"(
eal: { lcores: "0-2,5", main_lcore: 5, hugepages: no, memory_mb: 1024, file_prefix: t1,
       extra_args: [--log-level=lib.eal:debug, "-a", "0000:3b:00.0"] }
ports:
  - { name: nic, device: "0000:3b:00.0", rx_queues: 2, rx_descriptors: 1024, mempool_size: 4096,
      promiscuous: true, allmulticast: false, multicast_addresses: [239.1.1.1, 239.1.1.2] }
feeds:
  - name: itch
    protocol: itch50-moldudp64
    lines:
      A: { group: 239.1.1.1, port: 1, source: 10.0.0.1, vlan: 4095, rx_port: nic }
      B: { group: 239.1.1.2, port: 65535, vlan: 0, rx_port: nic }
channels:
  - { name: all, payload: ticks, capacity: 2, hugepages: false, numa_node: 1, mode: "0600",
      group: root }
  - { name: few, capacity: 1073741824, mode: 0o755 }
routes:
  - { feed: itch, channels: [all, few], symbols: [AAPL, ZVZZT] }
cores:
  - { lcore: 2, port: nic, queue: 1 }
  - { lcore: 2, port: nic, queue: 0 }
logging: { level: critical, file: /tmp/x.log, async: off }
statistics: { interval_ms: 10, segment: s.1, prometheus_file: /tmp/p.prom }
channel_dir: /dev/shm/test
)");
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(messages(result));
  const Config& c = *result.config;
  EXPECT_EQ(c.eal.lcores, (std::vector<unsigned>{0, 1, 2, 5}));
  EXPECT_EQ(c.eal.main_lcore, 5u);
  EXPECT_FALSE(c.eal.hugepages);
  EXPECT_EQ(c.eal.memory_mb, 1024u);
  EXPECT_EQ(c.eal.file_prefix, "t1");
  EXPECT_THAT(c.eal.extra_args, ElementsAre("--log-level=lib.eal:debug", "-a", "0000:3b:00.0"));
  const Port& p = c.ports.at(0);
  EXPECT_EQ(p.rx_queues, 2u);
  EXPECT_EQ(p.rx_descriptors, 1024u);
  EXPECT_EQ(p.mempool_size, 4096u);
  EXPECT_TRUE(p.promiscuous);
  EXPECT_FALSE(p.allmulticast);
  EXPECT_THAT(p.multicast_addresses, ElementsAre(0xEF010101u, 0xEF010102u));
  const Feed& f = c.feeds.at(0);
  EXPECT_EQ(f.a.port, 1);
  EXPECT_EQ(f.a.source, std::optional<Ipv4>(0x0A000001u));
  EXPECT_EQ(f.a.vlan, std::optional<std::uint16_t>(4095));
  ASSERT_TRUE(f.b.has_value());
  EXPECT_EQ(f.b->group, 0xEF010102u);
  EXPECT_EQ(f.b->port, 65535);
  EXPECT_EQ(f.b->vlan, std::optional<std::uint16_t>(0));
  EXPECT_FALSE(f.b->source.has_value());
  EXPECT_EQ(c.channels.at(0).capacity, 2u);
  EXPECT_FALSE(c.channels.at(0).hugepages);
  EXPECT_EQ(c.channels.at(0).numa_node, 1);
  EXPECT_EQ(c.channels.at(0).mode, 0600u);
  EXPECT_EQ(c.channels.at(0).group, "root");
  EXPECT_EQ(c.channels.at(1).capacity, 1073741824u);
  EXPECT_EQ(c.channels.at(1).mode, 0755u);
  EXPECT_THAT(c.routes.at(0).channels, ElementsAre("all", "few"));
  EXPECT_THAT(c.routes.at(0).symbols, ElementsAre("AAPL", "ZVZZT"));
  EXPECT_EQ(c.cores.at(0).queue, 1u);
  EXPECT_EQ(c.logging.level, "critical");
  EXPECT_EQ(c.logging.file, "/tmp/x.log");
  EXPECT_FALSE(c.logging.async);
  EXPECT_EQ(c.statistics.interval_ms, 10u);
  EXPECT_EQ(c.statistics.segment, "s.1");
  EXPECT_EQ(c.statistics.prometheus_file, "/tmp/p.prom");
  EXPECT_EQ(c.channel_dir, "/dev/shm/test");
}

TEST(Load, MessageHasFileLineColumnKeyAndReason) {
  const LoadError error{"feed.yaml", 12, 14, "feeds[1].lines.A.group",
                        "233.54.12.300 is not an IPv4 multicast address"};
  EXPECT_EQ(error.message(),
            "feed.yaml:12:14: feeds[1].lines.A.group: 233.54.12.300 is not an IPv4 multicast "
            "address");
  EXPECT_EQ((LoadError{"f.yaml", 0, 0, "", "cannot open: x"}).message(), "f.yaml: cannot open: x");
  EXPECT_EQ((LoadError{"f.yaml", 3, 0, "", "r"}).message(), "f.yaml:3: r");
}

TEST(Load, SyntaxErrorIsReportedWithPosition) {
  const LoadResult result = load_string("ports:\n  - name: p0\n    device: [unclosed\n", "s.yaml");
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].file, "s.yaml");
  EXPECT_GT(result.errors[0].line, 0);
  EXPECT_GT(result.errors[0].column, 0);
  EXPECT_THAT(result.errors[0].message(), HasSubstr("YAML syntax error"));
}

TEST(Load, TabIndentationIsASyntaxErrorAtItsLine) {
  const LoadResult result = load_string("eal:\n  main_lcore: 0\n\tfile_prefix: x\n", "t.yaml");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].line, 3);
  EXPECT_THAT(result.errors[0].reason, HasSubstr("YAML syntax error"));
}

TEST(Load, EmptyDocumentIsAnError) {
  for (const char* text : {"", "# only a comment\n", "~\n"}) {
    const LoadResult result = load_string(text, "e.yaml");
    EXPECT_THAT(messages(result), ElementsAre("e.yaml: the configuration is empty")) << text;
  }
}

TEST(Load, SecondDocumentIsAnError) {
  const std::string text = std::string(kMinimalConfig) + "---\nports: []\n";
  EXPECT_THAT(messages(load_string(text, "d.yaml")),
              ElementsAre("d.yaml:16:1: only one YAML document is allowed"));
}

TEST(Load, RootMustBeAMapping) {
  EXPECT_THAT(messages(load_string("- a\n- b\n", "r.yaml")),
              ElementsAre("r.yaml:1:1: expected a mapping of keys, got a list"));
}

TEST(Load, MissingFileIsOneErrorWithoutPosition) {
  const LoadResult result = load_file("/nonexistent/ichannel.yaml");
  EXPECT_THAT(messages(result),
              ElementsAre("/nonexistent/ichannel.yaml: cannot open: No such file or directory"));
}

TEST(Load, DirectoryIsRejected) {
  EXPECT_THAT(messages(load_file("/tmp")), ElementsAre("/tmp: is a directory, not a file"));
}

TEST(Load, FileErrorsNameTheFile) {
  const auto path = std::filesystem::temp_directory_path() / "ichannel-config-load-test.yaml";
  {
    std::ofstream out(path);
    out << kMinimalConfig << "logging: { level: loud }\n";
  }
  const LoadResult result = load_file(path.string());
  std::filesystem::remove(path);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].file, path.string());
  EXPECT_EQ(result.errors[0].line, 15);
  EXPECT_EQ(result.errors[0].column, 19);
  EXPECT_EQ(result.errors[0].key, "logging.level");
}

// The examples name host paths (logging.file in /var/log/ichannel, channel_dir on the host's
// hugetlbfs) that the validator checks on the host it runs on: they are replaced by a fresh
// temporary directory set up like the deployment (logs directory present, channel directory
// 0750), so the examples are checked, not this machine.
TEST(Load, EveryExampleLoadsWithoutError) {
  const std::filesystem::path dir = testing::examples_dir();
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  std::string host = (std::filesystem::temp_directory_path() / "ichannel-examples-XXXXXX").string();
  ASSERT_NE(::mkdtemp(host.data()), nullptr);
  std::filesystem::create_directory(host + "/log");
  std::filesystem::create_directory(host + "/channels");
  std::filesystem::permissions(host + "/channels", std::filesystem::perms::owner_all |
                                                       std::filesystem::perms::group_read |
                                                       std::filesystem::perms::group_exec);
  const auto replace_all = [](std::string text, const std::string& from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
      text.replace(at, from.size(), to);
    }
    return text;
  };
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    ++count;
    std::ifstream in(entry.path());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text = replace_all(text, "/var/log/ichannel/", host + "/log/");
    text = replace_all(text, "channel_dir: /dev/hugepages/ichannel",
                       "channel_dir: " + host + "/channels");
    const LoadResult result = load_string(text, entry.path().string());
    EXPECT_TRUE(result.ok()) << entry.path() << ": " << ::testing::PrintToString(messages(result));
  }
  std::filesystem::remove_all(host);
  EXPECT_GE(count, 3);
}

}  // namespace
}  // namespace ichannel::config

namespace ichannel::config {
namespace {

TEST(LoadFeedArbitration, DefaultsAreTheSequencersAndNoRecovery) {
  const LoadResult result = load_string(testing::kMinimalConfig, "min.yaml");
  ASSERT_TRUE(result.ok()) << testing::messages(result).front();
  const Feed& f = result.config->feeds.at(0);
  EXPECT_EQ(f.arbitration.reorder_packets, 256u);
  EXPECT_EQ(f.arbitration.reorder_us, 2000u);
  EXPECT_EQ(f.arbitration.store_packets, 4096u);
  EXPECT_EQ(f.arbitration.slot_bytes, 2048u);
  EXPECT_EQ(f.arbitration.max_jump, 65536u);
  EXPECT_FALSE(f.recovery.has_value());
}

TEST(LoadFeedArbitration, ArbitrationAndRecoveryValuesArrive) {
  const std::string text = testing::minimal_with(
      "    lines:\n",
      "    arbitration: { reorder_packets: 16, reorder_us: 10000, store_packets: 128,\n"
      "                   slot_bytes: 9100, max_jump: 1000, suspect_ms: 500,\n"
      "                   session_confirm_packets: 5, session_silence_ms: 800 }\n"
      "    recovery: { server: \"10.1.2.3:18001\", local: \"10.1.2.4:0\", timeout_ms: 40,\n"
      "                attempts: 7, max_messages: 500 }\n"
      "    lines:\n");
  const LoadResult result = load_string(text, "t.yaml");
  ASSERT_TRUE(result.ok()) << testing::messages(result).front();
  const Feed& f = result.config->feeds.at(0);
  EXPECT_EQ(f.arbitration.reorder_packets, 16u);
  EXPECT_EQ(f.arbitration.reorder_us, 10000u);
  EXPECT_EQ(f.arbitration.store_packets, 128u);
  EXPECT_EQ(f.arbitration.slot_bytes, 9100u);
  EXPECT_EQ(f.arbitration.max_jump, 1000u);
  EXPECT_EQ(f.arbitration.suspect_ms, 500u);
  EXPECT_EQ(f.arbitration.session_confirm_packets, 5u);
  EXPECT_EQ(f.arbitration.session_silence_ms, 800u);
  ASSERT_TRUE(f.recovery.has_value());
  EXPECT_EQ(f.recovery->server, 0x0A010203u);
  EXPECT_EQ(f.recovery->server_port, 18001);
  EXPECT_EQ(f.recovery->local, 0x0A010204u);
  EXPECT_EQ(f.recovery->local_port, 0);
  EXPECT_EQ(f.recovery->timeout_ms, 40u);
  EXPECT_EQ(f.recovery->attempts, 7u);
  EXPECT_EQ(f.recovery->max_messages, 500u);
}

TEST(LoadFeedArbitration, AReorderWindowLargerThanTheStoreIsRefused) {
  const auto msgs = testing::messages(load_string(
      testing::minimal_with("    lines:\n",
                            "    arbitration: { reorder_packets: 512, store_packets: 256 }\n"
                            "    lines:\n"),
      "t.yaml"));
  EXPECT_THAT(msgs, ::testing::Contains(::testing::HasSubstr(
                        "feeds[0].arbitration: reorder_packets 512 exceeds store_packets 256")));
  // Only store_packets given: the default window (256) is checked against it too.
  EXPECT_THAT(testing::messages(load_string(
                  testing::minimal_with("    lines:\n",
                                        "    arbitration: { store_packets: 100 }\n    lines:\n"),
                  "t.yaml")),
              ::testing::Contains(::testing::HasSubstr("reorder_packets 256 exceeds store_packets 100")));
}

TEST(LoadFeedArbitration, RecoveryEndpointsAreChecked) {
  const auto with_server = [](const std::string& server) {
    return testing::messages(load_string(
        testing::minimal_with("    lines:\n",
                              "    recovery: { server: \"" + server + "\" }\n    lines:\n"),
        "t.yaml"));
  };
  EXPECT_THAT(with_server("10.1.2.3"), ::testing::Contains(::testing::HasSubstr(
                                           "feeds[0].recovery.server: 10.1.2.3 is not a unicast")));
  EXPECT_THAT(with_server("10.1.2.3:0"),
              ::testing::Contains(::testing::HasSubstr("with a port 1..65535")));
  EXPECT_THAT(with_server("10.1.2.3:70000"),
              ::testing::Contains(::testing::HasSubstr("with a port 1..65535")));
  EXPECT_THAT(with_server("0.0.0.0:5000"),
              ::testing::Contains(::testing::HasSubstr("is not a unicast")));
  EXPECT_TRUE(with_server("10.1.2.3:5000").empty());
}

}  // namespace
}  // namespace ichannel::config
