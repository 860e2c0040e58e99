// checks_test.cpp: ichannel-check-host verdicts against a fit fake host and against each
// misconfiguration, compared line by line.
#include "tools/check_host/checks.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "tests/tools/check_host/fake_host.hpp"

namespace ichannel::check_host {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

config::Config make_config() {
  config::Config c;
  c.eal.lcores = {0, 2};
  c.eal.main_lcore = 0;
  c.eal.memory_mb = 512;
  config::Port port;
  port.name = "nic-a";
  port.device = "0000:3b:00.0";
  c.ports.push_back(port);
  config::Feed feed;
  feed.name = "nasdaq.itch";
  feed.a.port_name = "nic-a";
  c.feeds.push_back(feed);
  config::Channel channel;
  channel.name = "itch.all";
  channel.capacity = 65536;  // 4 MiB + header page -> 6 MiB of 2M pages
  channel.numa_node = 0;
  channel.group = "ichannel";
  c.channels.push_back(channel);
  c.routes.push_back({"nasdaq.itch", {"itch.all"}, {}, 0, {}});
  c.cores.push_back({2, "nic-a", 0, 0});
  return c;
}

class HostChecks : public ::testing::Test {
 protected:
  std::vector<std::string> run() {
    report_ = check_host(HostFs(host_.root()), config_, strategy_);
    return report_.lines();
  }
  // The verdicts that are not OK: what a misconfiguration test expects to see exactly.
  std::vector<std::string> problems() {
    std::vector<std::string> out;
    for (const auto& line : run()) {
      if (line.rfind("OK   ", 0) != 0) out.push_back(line);
    }
    return out;
  }

  testing::FakeHost host_;
  config::Config config_ = make_config();
  CpuSet strategy_{3};
  Report report_;
};

TEST_F(HostChecks, FitHostPassesEveryCheck) {
  EXPECT_THAT(
      run(),
      ElementsAre(
          "OK   kernel 6.1.0-18-amd64 (DPDK 22.11 needs >= 4.14)",
          "OK   main lcore 0: cpu 0 is a housekeeping cpu (not isolated)",
          "OK   lcore 2: cpu 2 isolated (isolcpus, nohz_full, rcu_nocbs)",
          "OK   strategy core 3: cpu 3 isolated (isolcpus, nohz_full, rcu_nocbs)",
          "OK   SMT: no sibling of cpus 2-3 is busy or unisolated",
          "OK   frequency governor performance on cpus 0,2-3", "OK   irqbalance not running",
          "OK   no IRQ may run on cpus 2-3 (2 IRQs checked)",
          "OK   port nic-a: NIC 0000:3b:00.0 on NUMA node 0, polled by lcores 2",
          "OK   channel itch.all: numa_node 0 matches its producer lcores",
          "OK   port nic-a: NIC 0000:3b:00.0 bound to vfio-pci",
          "OK   hugepages on node 0: 1024 MiB reserved (512 x 2048kB), 1024 MiB free, config "
          "needs 518 MiB",
          "OK   hugetlbfs mounted on /dev/hugepages",
          "OK   channel dir /dev/hugepages/ichannel on hugetlbfs /dev/hugepages, group ichannel",
          "OK   transparent hugepages: madvise", "OK   systemd-logind RemoveIPC=no",
          "OK   memlock limit unlimited"));
  EXPECT_EQ(report_.exit_status(), 0);
}

TEST_F(HostChecks, OldKernelFails) {
  host_.write("/proc/sys/kernel/osrelease", "4.9.0-19-amd64\n");
  EXPECT_THAT(problems(),
              ElementsAre("FAIL kernel 4.9.0-19-amd64 is older than 4.14, the minimum "
                          "for DPDK 22.11 -> boot a newer kernel (Debian 12 ships 6.1)"));
  EXPECT_EQ(report_.exit_status(), 1);
}

TEST_F(HostChecks, LcoreMissingFromIsolcpusFails) {
  host_.write("/proc/cmdline", "ro isolcpus=3 nohz_full=2-3 rcu_nocbs=2-3\n");
  EXPECT_THAT(problems(), ElementsAre("FAIL lcore 2: cpu 2 is not in isolcpus -> add isolcpus=2-3 "
                                      "nohz_full=2-3 rcu_nocbs=2-3 to the kernel command line "
                                      "(GRUB_CMDLINE_LINUX) and reboot"));
  EXPECT_EQ(report_.exit_status(), 1);
}

TEST_F(HostChecks, IsolatedCoreWithoutNohzFullIsOnlyAWarning) {
  host_.write("/proc/cmdline", "ro isolcpus=2-3 rcu_nocbs=all\n");
  EXPECT_THAT(problems(),
              ElementsAre("WARN lcore 2: cpu 2 is in isolcpus but not in nohz_full -> add "
                          "nohz_full=2-3 to the kernel command line",
                          "WARN strategy core 3: cpu 3 is in isolcpus but not in nohz_full -> add "
                          "nohz_full=2-3 to the kernel command line"));
  EXPECT_EQ(report_.exit_status(), 0);
}

TEST_F(HostChecks, IsolatedMainLcoreIsAWarning) {
  host_.write("/proc/cmdline", "isolcpus=0,2-3 nohz_full=0,2-3 rcu_nocbs=0,2-3\n");
  EXPECT_THAT(problems(), ElementsAre("WARN main lcore 0: cpu 0 is isolated; housekeeping "
                                      "(statistics, logging) belongs on a non-isolated cpu -> "
                                      "set eal.main_lcore to one of 1,4-7"));
}

TEST_F(HostChecks, MalformedCmdlineListIsReported) {
  host_.write("/proc/cmdline", "isolcpus=2-x nohz_full=2-3 rcu_nocbs=2-3\n");
  const auto lines = problems();
  EXPECT_THAT(lines, Contains("WARN cannot parse isolcpus=2-x in /proc/cmdline -> fix the kernel "
                              "command line / sysfs entry named"));
  EXPECT_EQ(report_.exit_status(), 1);  // and the cores count as not isolated
}

TEST_F(HostChecks, StrategyCoreThatIsAnLcoreFails) {
  strategy_ = {2};
  EXPECT_THAT(problems(), ElementsAre("FAIL strategy core 2 is also an EAL lcore -> give "
                                      "strategies their own isolated cores"));
}

TEST_F(HostChecks, StrategyCoreThatIsTheMainLcoreFails) {
  strategy_ = {0};
  const auto lines = problems();
  EXPECT_THAT(lines, Contains("FAIL strategy core 0 is the main lcore -> give strategies their "
                              "own isolated cores"));
  EXPECT_EQ(report_.exit_status(), 1);
}

TEST_F(HostChecks, CpuThatIsNotOnlineFails) {
  strategy_ = {12};
  EXPECT_THAT(problems(),
              ElementsAre("FAIL strategy core 12: cpu 12 is not online on this host (online: "
                          "0-7) -> use online cpus in eal.lcores / --strategy-cores"));
}

TEST_F(HostChecks, UnisolatedSmtSiblingIsAWarning) {
  host_.write("/sys/devices/system/cpu/cpu2/topology/thread_siblings_list", "2,6\n");
  host_.write("/sys/devices/system/cpu/cpu6/topology/thread_siblings_list", "2,6\n");
  EXPECT_THAT(problems(), ElementsAre("WARN cpu 2 and cpu 6 are SMT siblings (one physical core); "
                                      "cpu 6 is not isolated, so any task may share the core -> "
                                      "add 6 to isolcpus/nohz_full/rcu_nocbs and leave it idle, or "
                                      "boot with nosmt"));
  EXPECT_EQ(report_.exit_status(), 0);
}

TEST_F(HostChecks, BusySmtSiblingsAreReportedOnce) {
  host_.write("/sys/devices/system/cpu/cpu2/topology/thread_siblings_list", "2-3\n");
  host_.write("/sys/devices/system/cpu/cpu3/topology/thread_siblings_list", "2-3\n");
  EXPECT_THAT(problems(), ElementsAre("WARN cpu 2 and cpu 3 are SMT siblings (one physical core) "
                                      "and both are used -> move one of them to another physical "
                                      "core; leave siblings of busy cores idle"));
}

TEST_F(HostChecks, IdleIsolatedSmtSiblingPasses) {
  host_.write("/proc/cmdline", "isolcpus=2-3,6 nohz_full=2-3,6 rcu_nocbs=2-3,6\n");
  host_.write("/sys/devices/system/cpu/cpu2/topology/thread_siblings_list", "2,6\n");
  EXPECT_THAT(problems(), IsEmpty());
}

TEST_F(HostChecks, PowersaveGovernorFails) {
  host_.set_governor(2, "powersave");
  EXPECT_THAT(run(), Contains("OK   frequency governor performance on cpus 0,3"));
  EXPECT_THAT(problems(), ElementsAre("FAIL frequency governor powersave on cpus 2 -> cpupower -c "
                                      "2 frequency-set -g performance"));
}

TEST_F(HostChecks, MissingCpufreqIsAWarning) {
  for (unsigned cpu : {0, 2, 3})
    host_.remove("/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/cpufreq");
  EXPECT_THAT(
      problems(),
      ElementsAre("WARN no cpufreq scaling governor on cpus 0,2-3 (virtual machine or "
                  "firmware-controlled frequency) -> set the BIOS/firmware power profile to "
                  "maximum performance, C-states off"));
  EXPECT_EQ(report_.exit_status(), 0);
}

TEST_F(HostChecks, IrqbalanceWithoutBannedCpusIsAWarning) {
  host_.write("/proc/733/comm", "irqbalance\n");
  EXPECT_THAT(problems(),
              ElementsAre("WARN irqbalance running (pid 733) may move IRQs onto cpus 2-3 -> set "
                          "IRQBALANCE_BANNED_CPULIST=2-3 in /etc/default/irqbalance, or systemctl "
                          "disable --now irqbalance"));
}

TEST_F(HostChecks, IrqbalanceWithBannedIsolatedCpusPasses) {
  host_.write("/proc/733/comm", "irqbalance\n");
  host_.write("/etc/default/irqbalance",
              "#IRQBALANCE_ONESHOT=\nIRQBALANCE_BANNED_CPULIST=\"2-3\"\n");
  EXPECT_THAT(problems(), IsEmpty());
  EXPECT_THAT(run(), Contains("OK   irqbalance running (pid 733) with "
                              "IRQBALANCE_BANNED_CPULIST=2-3 covering cpus 2-3"));
}

TEST_F(HostChecks, IrqOnAnIsolatedCoreFails) {
  host_.write("/proc/irq/31/smp_affinity_list", "0-7\n");
  host_.write("/proc/irq/30/smp_affinity_list", "3\n");
  EXPECT_THAT(problems(),
              ElementsAre("FAIL IRQs 30,31 may run on cpus 2-3 -> echo 0-1,4-7 > "
                          "/proc/irq/<N>/smp_affinity_list for each, and add irqaffinity=0-1,4-7 "
                          "to the kernel command line"));
}

TEST_F(HostChecks, NicOnTheOtherNumaNodeFails) {
  host_.write("/sys/bus/pci/devices/0000:3b:00.0/numa_node", "1\n");
  EXPECT_THAT(problems(), ElementsAre("FAIL port nic-a: NIC 0000:3b:00.0 is on NUMA node 1 but "
                                      "lcores 2 polling it are on node 0 -> poll it from cpus of "
                                      "node 1 (4-7)"));
}

TEST_F(HostChecks, NicWithoutNumaAffinityPasses) {
  host_.write("/sys/bus/pci/devices/0000:3b:00.0/numa_node", "-1\n");
  EXPECT_THAT(problems(), IsEmpty());
  EXPECT_THAT(run(), Contains("OK   port nic-a: NIC 0000:3b:00.0 has no NUMA affinity "
                              "(single-node host)"));
}

TEST_F(HostChecks, ChannelOnAnotherNodeThanItsProducerFails) {
  config_.channels[0].numa_node = 1;
  host_.set_hugepages(1, 512, 512);
  EXPECT_THAT(problems(), ElementsAre("FAIL channel itch.all: numa_node 1 but its producer lcores "
                                      "2 are on node 0 -> set numa_node: 0 (or -1: local to the "
                                      "producer)"));
}

TEST_F(HostChecks, StrategyCoreOnAnotherNodeIsAWarning) {
  strategy_ = {6};
  host_.write("/proc/cmdline", "isolcpus=2,6 nohz_full=2,6 rcu_nocbs=2,6\n");
  host_.write("/proc/irq/24/smp_affinity_list", "0-1\n");
  EXPECT_THAT(problems(), ElementsAre("WARN strategy core 6 is on NUMA node 1, the channels' "
                                      "producers on node 0 -> run strategies on isolated cpus of "
                                      "node 0 (0-3)"));
}

TEST_F(HostChecks, NicWithoutDriverFails) {
  host_.remove("/sys/bus/pci/devices/0000:3b:00.0/driver");
  EXPECT_THAT(problems(), ElementsAre("FAIL port nic-a: NIC 0000:3b:00.0 has no driver bound -> "
                                      "modprobe vfio-pci && dpdk-devbind.py --bind=vfio-pci "
                                      "0000:3b:00.0"));
}

TEST_F(HostChecks, NicOnAKernelDriverFails) {
  host_.bind_driver("ice");
  EXPECT_THAT(problems(), ElementsAre("FAIL port nic-a: NIC 0000:3b:00.0 bound to kernel driver "
                                      "ice, which DPDK cannot drive -> ip link set <interface> "
                                      "down && modprobe vfio-pci && dpdk-devbind.py "
                                      "--bind=vfio-pci 0000:3b:00.0"));
}

TEST_F(HostChecks, VfioWithoutIommuGroupFails) {
  host_.remove("/sys/bus/pci/devices/0000:3b:00.0/iommu_group");
  EXPECT_THAT(problems(), ElementsAre("FAIL port nic-a: NIC 0000:3b:00.0 bound to vfio-pci but has "
                                      "no IOMMU group -> enable VT-d / AMD-Vi in the firmware and "
                                      "add intel_iommu=on iommu=pt to the kernel command line"));
}

TEST_F(HostChecks, BifurcatedMellanoxDriverPasses) {
  host_.bind_driver("mlx5_core");
  EXPECT_THAT(problems(), IsEmpty());
  EXPECT_THAT(run(), Contains("OK   port nic-a: NIC 0000:3b:00.0 bound to mlx5_core "
                              "(bifurcated: the DPDK mlx PMD runs beside it)"));
}

TEST_F(HostChecks, UioDriverIsAWarning) {
  host_.bind_driver("igb_uio");
  EXPECT_THAT(problems(), ElementsAre("WARN port nic-a: NIC 0000:3b:00.0 bound to igb_uio (works, "
                                      "but no IOMMU protection) -> modprobe vfio-pci && "
                                      "dpdk-devbind.py --bind=vfio-pci 0000:3b:00.0"));
}

TEST_F(HostChecks, UnknownPciAddressFails) {
  config_.ports[0].device = "3B:00.1";  // short form, upper case: normalized
  EXPECT_THAT(problems(), ElementsAre("FAIL port nic-a: PCI device 0000:3b:00.1 not found under "
                                      "/sys/bus/pci/devices -> check the address with lspci -D "
                                      "and fix ports[].device"));
}

TEST_F(HostChecks, VirtualDeviceSkipsNicChecks) {
  config_.ports[0].device = "net_pcap0,rx_pcap=/data/day.pcap";
  EXPECT_THAT(problems(), IsEmpty());
  EXPECT_THAT(run(), Contains("OK   port nic-a: virtual device net_pcap0 (no NIC to check)"));
}

TEST_F(HostChecks, NoHugepagesReservedFails) {
  host_.set_hugepages(0, 0, 0);
  EXPECT_THAT(problems(), ElementsAre("FAIL hugepages on node 0: 0 MiB reserved, config needs 518 "
                                      "MiB -> deploy/setup-hugepages --node 0 --pages 259 --size "
                                      "2M"));
}

TEST_F(HostChecks, OneGigabytePagesCount) {
  host_.set_hugepages(0, 0, 0);
  host_.write("/sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages", "1\n");
  host_.write("/sys/devices/system/node/node0/hugepages/hugepages-1048576kB/free_hugepages", "1\n");
  EXPECT_THAT(problems(), IsEmpty());
  EXPECT_THAT(run(), Contains("OK   hugepages on node 0: 1024 MiB reserved (1 x 1048576kB), "
                              "1024 MiB free, config needs 518 MiB"));
}

TEST_F(HostChecks, HugepagesInUseIsAWarning) {
  host_.set_hugepages(0, 512, 10);
  EXPECT_THAT(problems(),
              ElementsAre("WARN hugepages on node 0: 1024 MiB reserved (512 x 2048kB) but only 20 "
                          "MiB free, config needs 518 MiB -> find what holds them (a running "
                          "ichannel-feed counts: grep -l huge /proc/*/numa_maps) or reserve more"));
  EXPECT_EQ(report_.exit_status(), 0);
}

TEST_F(HostChecks, NoHugepagesNeededWhenConfigUsesNone) {
  config_.eal.hugepages = false;
  config_.channels[0].hugepages = false;
  host_.set_hugepages(0, 0, 0);
  host_.write("/proc/mounts", "proc /proc proc rw 0 0\n");
  EXPECT_THAT(problems(), IsEmpty());
  EXPECT_THAT(run(), Contains("OK   hugepages not used (eal.hugepages false, no hugepage "
                              "channels)"));
}

TEST_F(HostChecks, MissingHugetlbfsMountFails) {
  host_.write("/proc/mounts", "proc /proc proc rw 0 0\ntmpfs /dev/shm tmpfs rw 0 0\n");
  EXPECT_THAT(problems(), ElementsAre("FAIL no hugetlbfs mount in /proc/mounts -> "
                                      "deploy/setup-hugepages --pages <N> --mount /dev/hugepages"));
}

TEST_F(HostChecks, ChannelDirOutsideHugetlbfsFails) {
  config_.channel_dir = "/dev/shm/ichannel";
  EXPECT_THAT(problems(), ElementsAre("FAIL channel dir /dev/shm/ichannel is not on a hugetlbfs "
                                      "mount (hugetlbfs: /dev/hugepages) -> set channel_dir below "
                                      "/dev/hugepages, or deploy/setup-hugepages --pages <N> "
                                      "--group ichannel --mount /dev/shm"));
}

TEST_F(HostChecks, MissingChannelDirFails) {
  host_.remove("/dev/hugepages/ichannel");
  EXPECT_THAT(problems(), ElementsAre("FAIL channel dir /dev/hugepages/ichannel does not exist -> "
                                      "deploy/setup-hugepages --pages <N> --group ichannel "
                                      "(creates it)"));
}

TEST_F(HostChecks, ChannelDirOfAnotherGroupFails) {
  const std::string gid = std::to_string(::getegid() + 1);
  host_.write("/etc/group", "ichannel:x:" + gid + ":\n");
  EXPECT_THAT(problems(),
              ElementsAre("FAIL channel dir /dev/hugepages/ichannel belongs to gid " +
                          std::to_string(::getegid()) + ", not group ichannel (gid " + gid +
                          ") -> chgrp ichannel /dev/hugepages/ichannel && chmod 0750 "
                          "/dev/hugepages/ichannel (or deploy/setup-hugepages --pages <N> --group "
                          "ichannel)"));
}

TEST_F(HostChecks, UnknownChannelGroupFails) {
  host_.write("/etc/group", "root:x:0:\n");
  EXPECT_THAT(problems(), ElementsAre("FAIL group ichannel (channels[].group) does not exist -> "
                                      "groupadd --system ichannel"));
}

TEST_F(HostChecks, ChannelDirClosedToItsGroupFails) {
  std::filesystem::permissions(host_.path("/dev/hugepages/ichannel"),
                               std::filesystem::perms::owner_all);
  EXPECT_THAT(problems(), ElementsAre("FAIL channel dir /dev/hugepages/ichannel mode 0700 denies "
                                      "group ichannel -> chmod 0750 /dev/hugepages/ichannel"));
}

TEST_F(HostChecks, GroupWritableChannelDirFails) {
  std::filesystem::permissions(host_.path("/dev/hugepages/ichannel"),
                               std::filesystem::perms::owner_all |
                                   std::filesystem::perms::group_all |
                                   std::filesystem::perms::set_gid);
  EXPECT_THAT(problems(),
              ElementsAre("FAIL channel dir /dev/hugepages/ichannel mode 2770 is writable by "
                          "group/others (any member could forge or delete channels) -> chmod 0750 "
                          "/dev/hugepages/ichannel (or deploy/setup-hugepages --pages <N> --group "
                          "ichannel)"));
}

TEST_F(HostChecks, TransparentHugepagesAlwaysIsAWarning) {
  host_.write("/sys/kernel/mm/transparent_hugepage/enabled", "[always] madvise never\n");
  EXPECT_THAT(problems(),
              ElementsAre("WARN transparent hugepages: always (khugepaged compaction stalls the "
                          "isolated cores) -> echo madvise > "
                          "/sys/kernel/mm/transparent_hugepage/enabled "
                          "(transparent_hugepage=madvise on the kernel command line)"));
}

TEST_F(HostChecks, RemoveIpcDefaultIsAWarning) {
  host_.remove("/etc/systemd/logind.conf.d");
  EXPECT_THAT(problems(),
              ElementsAre("WARN systemd-logind RemoveIPC=yes (default): /dev/shm segments of a "
                          "regular user are deleted at its logout -> run ichannel-feed as a system "
                          "user (the shipped unit does), or set RemoveIPC=no in "
                          "/etc/systemd/logind.conf.d/ichannel.conf"));
}

TEST_F(HostChecks, LaterLogindDropInWins) {
  host_.write("/etc/systemd/logind.conf.d/zz-site.conf", "[Login]\nRemoveIPC = yes\n");
  EXPECT_THAT(problems(),
              ElementsAre("WARN systemd-logind RemoveIPC=yes: /dev/shm segments of a regular user "
                          "are deleted at its logout -> run ichannel-feed as a system user (the "
                          "shipped unit does), or set RemoveIPC=no in "
                          "/etc/systemd/logind.conf.d/ichannel.conf"));
}

TEST_F(HostChecks, SmallMemlockLimitFails) {
  host_.set_limits("8388608");
  EXPECT_THAT(problems(),
              ElementsAre("FAIL memlock limit 8192 KiB (of this process) is below the 518 MiB the "
                          "config locks -> LimitMEMLOCK=infinity in the unit (the shipped one sets "
                          "it), or 'ichannel - memlock unlimited' in "
                          "/etc/security/limits.d/ichannel.conf"));
}

TEST_F(HostChecks, LargeButFiniteMemlockLimitIsAWarning) {
  host_.set_limits("1073741824");
  EXPECT_THAT(problems(),
              ElementsAre("WARN memlock limit 1048576 KiB (of this process) is not unlimited "
                          "(vfio pins all DMA memory) -> LimitMEMLOCK=infinity in the unit (the "
                          "shipped one sets it), or 'ichannel - memlock unlimited' in "
                          "/etc/security/limits.d/ichannel.conf"));
}

TEST_F(HostChecks, EmptyTreeFailsWithoutCrashing) {
  char pattern[] = "/tmp/ichannel-empty-root-XXXXXX";
  const std::filesystem::path empty = ::mkdtemp(pattern);
  const Report report = check_host(HostFs(empty), config_, strategy_);
  std::filesystem::remove_all(empty);
  EXPECT_EQ(report.exit_status(), 1);
  EXPECT_THAT(report.lines(), Contains("WARN kernel version unknown (cannot read "
                                       "/proc/sys/kernel/osrelease) -> DPDK 22.11 needs Linux >= "
                                       "4.14; check uname -r"));
  EXPECT_THAT(report.lines(),
              Contains("FAIL no hugetlbfs mount in /proc/mounts -> "
                       "deploy/setup-hugepages --pages <N> --mount /dev/hugepages"));
}

}  // namespace
}  // namespace ichannel::check_host
