// main_test.cpp: the ichannel-check-host program end to end (config file, fake root,
// output lines, exit status 0 / 1 / 2).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/tools/check_host/fake_host.hpp"

#ifndef ICHANNEL_CHECK_HOST_EXE
#error "meson passes the path of ichannel-check-host"
#endif

namespace ichannel::check_host {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;

constexpr const char* kConfig = R"(
eal:
  lcores: [0, 2]
  main_lcore: 0
  memory_mb: 512
ports:
  - name: nic-a
    device: "0000:3b:00.0"
feeds:
  - name: nasdaq.itch
    protocol: itch50-moldudp64
    lines:
      A: { group: 233.54.12.1, port: 26400, rx_port: nic-a }
channels:
  - name: itch.all
    capacity: 65536
    numa_node: 0
routes:
  - feed: nasdaq.itch
    channels: [itch.all]
cores:
  - { lcore: 2, port: nic-a, queue: 0 }
)";

struct ProgramRun {
  int status = -1;
  std::string out;
  std::string err;
};

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class CheckHostCli : public ::testing::Test {
 protected:
  void SetUp() override { write_config(kConfig); }

  void write_config(const std::string& yaml) {
    std::ofstream(host_.root() / "feed.yaml", std::ios::trunc) << yaml;
  }

  ProgramRun run(const std::string& args) {
    const auto out = host_.root() / "out.txt";
    const auto err = host_.root() / "err.txt";
    const std::string command = std::string(ICHANNEL_CHECK_HOST_EXE) + " " + args + " >" +
                                out.string() + " 2>" + err.string();
    const int raw = std::system(command.c_str());
    ProgramRun result;
    result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    result.out = slurp(out);
    result.err = slurp(err);
    return result;
  }

  std::string standard_args() {
    return "--config " + (host_.root() / "feed.yaml").string() + " --root " +
           host_.root().string() + " --strategy-cores 3";
  }

  testing::FakeHost host_;
};

TEST_F(CheckHostCli, FitHostExitsZero) {
  const ProgramRun r = run(standard_args());
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("OK   port nic-a: NIC 0000:3b:00.0 bound to vfio-pci\n"));
  EXPECT_THAT(r.out, EndsWith("\nhost fit: 0 FAIL, 0 WARN, 17 OK\n"));
  EXPECT_EQ(r.err, "");
}

TEST_F(CheckHostCli, UnfitHostExitsOne) {
  host_.set_hugepages(0, 0, 0);
  const ProgramRun r = run(standard_args());
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("\nFAIL hugepages on node 0: 0 MiB reserved, config needs 518 MiB"
                               " -> deploy/setup-hugepages --node 0 --pages 259 --size 2M\n"));
  EXPECT_THAT(r.out, EndsWith("\nhost NOT fit: 1 FAIL, 0 WARN, 16 OK\n"));
}

TEST_F(CheckHostCli, InvalidConfigExitsTwoWithThePosition) {
  write_config(std::string(kConfig) + "bogus_key: 1\n");
  const ProgramRun r = run(standard_args());
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("feed.yaml:"));
  EXPECT_THAT(r.err, HasSubstr("error(s) in the config"));
}

TEST_F(CheckHostCli, MissingConfigFileExitsTwo) {
  const ProgramRun r = run("--config /nonexistent/feed.yaml --root " + host_.root().string());
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/feed.yaml"));
}

TEST_F(CheckHostCli, BadStrategyCoresExitTwo) {
  const ProgramRun r = run("--config " + (host_.root() / "feed.yaml").string() + " --root " +
                           host_.root().string() + " --strategy-cores 3-x");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("--strategy-cores '3-x' is not a cpu list"));
}

TEST_F(CheckHostCli, MissingRequiredOptionExitsTwo) {
  const ProgramRun r = run("--root " + host_.root().string());
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("--config"));
}

}  // namespace
}  // namespace ichannel::check_host
