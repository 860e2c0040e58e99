// tests/daemon/control/eal_args_test.cpp: the EAL argv built from the configuration.
#include "daemon/control/eal_args.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/support/test_config.hpp"

namespace ichannel::daemon {
namespace {

using Args = std::vector<std::string>;

TEST(EalArgs, PciAddressesAreRecognisedWithAndWithoutDomain) {
  EXPECT_TRUE(is_pci_address("0000:3b:00.0"));
  EXPECT_TRUE(is_pci_address("3b:00.1"));
  EXPECT_TRUE(is_pci_address("0000:3B:00.0,rxq_cqe_comp_en=0"));
  EXPECT_FALSE(is_pci_address("net_pcap0,rx_pcap=/tmp/a.pcap"));
  EXPECT_FALSE(is_pci_address("net_af_packet0,iface=veth0"));
  EXPECT_FALSE(is_pci_address("3b:00"));
  EXPECT_FALSE(is_pci_address("00000:3b:00.0"));
  EXPECT_FALSE(is_pci_address(""));
}

TEST(EalArgs, DeviceNameIsVdevNameOrPciAddressWithDomain) {
  EXPECT_EQ(dpdk_device_name("net_pcap0,rx_pcap=/tmp/a.pcap,infinite_rx=1"), "net_pcap0");
  EXPECT_EQ(dpdk_device_name("net_null0"), "net_null0");
  EXPECT_EQ(dpdk_device_name("3b:00.0"), "0000:3b:00.0");
  EXPECT_EQ(dpdk_device_name("0000:3b:00.0,foo=1"), "0000:3b:00.0");
}

TEST(EalArgs, NoHugeConfigGivesNoHugeMemoryPrefixVdevAndNoPci) {
  const config::Config c = test::minimal_config();
  const Args expected{"ichannel-feed",
                      "-l",
                      "0,1",
                      "--main-lcore",
                      "0",
                      "--no-huge",
                      "-m",
                      "256",
                      "--file-prefix",
                      "ichtest",
                      "--vdev",
                      "net_pcap0,rx_pcap=/tmp/x.pcap",
                      "--no-pci"};
  EXPECT_EQ(build_eal_args(c, "ichannel-feed"), expected);
}

TEST(EalArgs, HugepageConfigWithPciPortAllowsOnlyThatDeviceAndAppendsExtraArgs) {
  config::Config c = test::minimal_config();
  c.eal.hugepages = true;
  c.eal.memory_mb = 1024;
  c.eal.lcores = {2, 4, 6};
  c.eal.main_lcore = 2;
  c.ports[0].device = "0000:3b:00.0";
  c.eal.extra_args = {"--log-level=lib.eal:debug", "--huge-dir=/mnt/huge"};
  const Args args = build_eal_args(c, "x");
  const Args expected{"x",
                      "-l",
                      "2,4,6",
                      "--main-lcore",
                      "2",
                      "-m",
                      "1024",
                      "--file-prefix",
                      "ichtest",
                      "-a",
                      "0000:3b:00.0",
                      "--log-level=lib.eal:debug",
                      "--huge-dir=/mnt/huge"};
  EXPECT_EQ(args, expected);
  EXPECT_EQ(std::count(args.begin(), args.end(), "--no-huge"), 0);
  EXPECT_EQ(std::count(args.begin(), args.end(), "--no-pci"), 0);
}

TEST(EalArgs, MixedPortsGetVdevAndAllowListEntriesInPortOrder) {
  config::Config c = test::minimal_config();
  config::Port p1 = c.ports[0];
  p1.name = "p1";
  p1.device = "3b:00.1";
  c.ports.push_back(p1);
  const Args args = build_eal_args(c, "x");
  const auto vdev = std::find(args.begin(), args.end(), "--vdev");
  const auto allow = std::find(args.begin(), args.end(), "-a");
  ASSERT_NE(vdev, args.end());
  ASSERT_NE(allow, args.end());
  EXPECT_LT(vdev, allow);
  EXPECT_EQ(*(allow + 1), "3b:00.1");
  EXPECT_EQ(std::count(args.begin(), args.end(), "--no-pci"), 0);
}

TEST(EalArgs, LcoreListJoinsWithCommas) {
  EXPECT_EQ(lcore_list({}), "");
  EXPECT_EQ(lcore_list({3}), "3");
  EXPECT_EQ(lcore_list({0, 1, 17}), "0,1,17");
}

}  // namespace
}  // namespace ichannel::daemon
