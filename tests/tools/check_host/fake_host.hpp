// tests/tools/check_host/fake_host.hpp: builds a fake /proc + /sys + /etc + /dev tree in a
// temporary directory for the host checker tests. The default tree is a fit two-node host (cpus 0-3
// on node 0, 4-7 on node 1, cpus 2-3 isolated, SMT off, NIC 0000:3b:00.0 on node 0 bound to
// vfio-pci in IOMMU group 42, 512 x 2M hugepages on node 0 mounted on /dev/hugepages, channel dir
// owned by group "ichannel" = the test's own gid). Tests then break one thing and look at the
// verdicts. Test-only; allocates; one thread.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace ichannel::check_host::testing {

class FakeHost {
 public:
  FakeHost() {
    // tmpfs (/dev/shm) when available: dozens of small files per test, no disk I/O.
    char shm_pattern[] = "/dev/shm/ichannel-fake-host-XXXXXX";
    char tmp_pattern[] = "/tmp/ichannel-fake-host-XXXXXX";
    const char* dir = ::mkdtemp(shm_pattern);
    if (dir == nullptr) dir = ::mkdtemp(tmp_pattern);
    if (dir == nullptr) throw std::runtime_error("cannot create a temporary directory");
    root_ = dir;
    build_fit_host();
  }
  ~FakeHost() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  [[nodiscard]] const std::filesystem::path& root() const { return root_; }

  // Writes `content` to root + absolute path, creating parent directories.
  void write(const std::string& absolute, const std::string& content) const {
    const auto file = path(absolute);
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::trunc) << content;
  }
  void remove(const std::string& absolute) const { std::filesystem::remove_all(path(absolute)); }
  void mkdir(const std::string& absolute) const {
    std::filesystem::create_directories(path(absolute));
  }
  // Symlink root + absolute -> target (replacing what is there).
  void link(const std::string& absolute, const std::string& target) const {
    remove(absolute);
    std::filesystem::create_directories(path(absolute).parent_path());
    std::filesystem::create_symlink(target, path(absolute));
  }
  [[nodiscard]] std::filesystem::path path(std::string absolute) const {
    return root_ / absolute.substr(absolute.find_first_not_of('/'));
  }
  void set_governor(unsigned cpu, const std::string& governor) const {
    write("/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/cpufreq/scaling_governor",
          governor + "\n");
  }
  void set_hugepages(int node, unsigned reserved, unsigned free) const {
    const std::string base =
        "/sys/devices/system/node/node" + std::to_string(node) + "/hugepages/hugepages-2048kB/";
    write(base + "nr_hugepages", std::to_string(reserved) + "\n");
    write(base + "free_hugepages", std::to_string(free) + "\n");
  }
  void bind_driver(const std::string& driver) const {
    link("/sys/bus/pci/devices/" + std::string(kNic) + "/driver",
         "../../../../bus/pci/drivers/" + driver);
  }
  void set_limits(const std::string& memlock_soft) const {
    write("/proc/self/limits",
          "Limit                     Soft Limit           Hard Limit           Units     \n"
          "Max open files            1024                 524288               files     \n"
          "Max locked memory         " +
              memlock_soft + "            " + memlock_soft + "            bytes     \n");
  }

  static constexpr const char* kNic = "0000:3b:00.0";

 private:
  void build_fit_host() const {
    write("/proc/sys/kernel/osrelease", "6.1.0-18-amd64\n");
    write("/proc/cmdline",
          "BOOT_IMAGE=/vmlinuz-6.1.0-18-amd64 root=UUID=x ro isolcpus=managed_irq,domain,2-3 "
          "nohz_full=2-3 rcu_nocbs=2-3 -- isolcpus=7\n");
    write("/sys/devices/system/cpu/online", "0-7\n");
    for (unsigned cpu = 0; cpu < 8; ++cpu) {
      mkdir("/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/node" +
            std::to_string(cpu / 4));
      set_governor(cpu, "performance");
      write("/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/thread_siblings_list",
            std::to_string(cpu) + "\n");  // SMT off
    }
    write("/sys/devices/system/node/node0/cpulist", "0-3\n");
    write("/sys/devices/system/node/node1/cpulist", "4-7\n");
    set_hugepages(0, 512, 512);
    set_hugepages(1, 0, 0);
    write("/sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages", "0\n");
    write("/sys/devices/system/node/node0/hugepages/hugepages-1048576kB/free_hugepages", "0\n");
    write("/proc/1/comm", "systemd\n");
    write("/proc/812/comm", "sshd\n");
    write("/proc/irq/default_smp_affinity", "ff\n");
    write("/proc/irq/0/smp_affinity_list", "0\n");
    write("/proc/irq/24/smp_affinity_list", "0-1,4-7\n");
    write("/sys/bus/pci/devices/" + std::string(kNic) + "/numa_node", "0\n");
    bind_driver("vfio-pci");
    mkdir("/sys/kernel/iommu_groups/42");
    link("/sys/bus/pci/devices/" + std::string(kNic) + "/iommu_group",
         "../../../../kernel/iommu_groups/42");
    const std::string gid = std::to_string(::getegid());
    write("/proc/mounts",
          "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"
          "hugetlbfs /dev/hugepages hugetlbfs rw,relatime,gid=" +
              gid + ",mode=1770,pagesize=2M 0 0\n");
    mkdir("/dev/hugepages/ichannel");
    std::filesystem::permissions(path("/dev/hugepages/ichannel"),
                                 std::filesystem::perms::owner_all |
                                     std::filesystem::perms::group_read |
                                     std::filesystem::perms::group_exec);  // 0750: the model
    write("/etc/group", "root:x:0:\nichannel:x:" + gid + ":alice,bob\n");
    write("/sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
    write("/etc/systemd/logind.conf", "[Login]\n#RemoveIPC=yes\n");
    write("/etc/systemd/logind.conf.d/ichannel.conf", "[Login]\nRemoveIPC=no\n");
    set_limits("unlimited");
  }

  std::filesystem::path root_;
};

}  // namespace ichannel::check_host::testing
