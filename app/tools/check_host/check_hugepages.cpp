// check_hugepages.cpp: hugepages reserved per NUMA node, the hugetlbfs mount and the channel
// directory (exists, on hugetlbfs, owned by the channels' group).
#include <sys/stat.h>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "host_checks.hpp"

namespace ichannel::check_host {
namespace {

struct PagePool {
  std::uint64_t page_bytes = 0;
  std::uint64_t reserved = 0;  // nr_hugepages
  std::uint64_t free = 0;      // free_hugepages
};

std::uint64_t to_number(const std::optional<std::string>& text) {
  std::uint64_t value = 0;
  if (text) std::from_chars(text->data(), text->data() + text->size(), value);
  return value;
}

// Pools of a node ("hugepages-2048kB" dirs); node 0 falls back to the global pools on kernels
// without NUMA sysfs.
std::vector<PagePool> read_pools(const HostFs& fs, int node) {
  std::string base = "/sys/devices/system/node/node" + std::to_string(node) + "/hugepages";
  if (!fs.exists(base) && node == 0) base = "/sys/kernel/mm/hugepages";
  std::vector<PagePool> pools;
  for (const auto& name : fs.list(base)) {
    if (name.rfind("hugepages-", 0) != 0 || name.size() < 13) continue;
    PagePool pool;
    pool.page_bytes = to_number(name.substr(10, name.size() - 12)) * 1024;  // "...kB"
    if (pool.page_bytes == 0) continue;
    pool.reserved = to_number(fs.read_line(base + "/" + name + "/nr_hugepages"));
    pool.free = to_number(fs.read_line(base + "/" + name + "/free_hugepages"));
    pools.push_back(pool);
  }
  return pools;
}

std::string mib(std::uint64_t bytes) {
  return std::to_string((bytes + kMiB - 1) / kMiB) + " MiB";
}

// Node whose hugepages the EAL and a channel use (-1 / unknown counts as node 0).
int eal_node(const CheckContext& ctx) {
  const CpuSet& rx = ctx.usage.rx_lcores;
  const int node = ctx.topo.node_of(rx.empty() ? ctx.usage.main_lcore : *rx.begin());
  return node < 0 ? 0 : node;
}

int channel_node(const CheckContext& ctx, const ChannelUse& channel) {
  if (channel.numa_node >= 0) return channel.numa_node;
  for (unsigned cpu : channel.producer_lcores) {
    if (ctx.topo.node_of(cpu) >= 0) return ctx.topo.node_of(cpu);
  }
  return eal_node(ctx);
}

struct Mount {
  std::string point;
  std::string options;
};

std::vector<Mount> hugetlbfs_mounts(const HostFs& fs) {
  std::vector<Mount> mounts;
  std::istringstream lines(fs.read("/proc/mounts").value_or(""));
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string device, point, type, options;
    if (words >> device >> point >> type >> options && type == "hugetlbfs") {
      mounts.push_back({point, options});
    }
  }
  return mounts;
}

std::optional<unsigned> group_gid(const HostFs& fs, const std::string& group) {
  std::istringstream lines(fs.read("/etc/group").value_or(""));
  std::string line;
  while (std::getline(lines, line)) {
    // name:password:gid:members
    const auto c1 = line.find(':');
    const auto c2 = line.find(':', c1 + 1);
    const auto c3 = line.find(':', c2 + 1);
    if (c1 == std::string::npos || c2 == std::string::npos || line.substr(0, c1) != group) continue;
    const std::string gid = line.substr(c2 + 1, c3 == std::string::npos ? c3 : c3 - c2 - 1);
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(gid.data(), gid.data() + gid.size(), value);
    if (ec == std::errc{} && ptr == gid.data() + gid.size()) return value;
  }
  return std::nullopt;
}

std::string octal(unsigned mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", mode & 07777);
  return text;
}

}  // namespace

void check_hugepages(const CheckContext& ctx, Report& report) {
  if (!ctx.usage.uses_hugepages()) {
    report.ok("hugepages not used (eal.hugepages false, no hugepage channels)");
    return;
  }
  std::map<int, std::uint64_t> needed;  // node -> bytes
  needed[eal_node(ctx)] += ctx.usage.eal_hugepage_bytes;
  for (const auto& channel : ctx.usage.channels) {
    if (channel.hugepages) needed[channel_node(ctx, channel)] += channel.bytes;
  }
  for (const auto& [node, bytes] : needed) {
    const std::string where = "hugepages on node " + std::to_string(node);
    std::uint64_t reserved = 0;
    std::uint64_t free = 0;
    std::uint64_t reserved_large = 0;  // in pools other than 2M
    std::string pools;
    for (const auto& pool : read_pools(ctx.fs, node)) {
      reserved += pool.reserved * pool.page_bytes;
      free += pool.free * pool.page_bytes;
      if (pool.page_bytes != kHugepage2M) reserved_large += pool.reserved * pool.page_bytes;
      if (pool.reserved == 0) continue;
      if (!pools.empty()) pools += ", ";
      pools +=
          std::to_string(pool.reserved) + " x " + std::to_string(pool.page_bytes / 1024) + "kB";
    }
    std::string have = mib(reserved) + " reserved";
    if (!pools.empty()) have += " (" + pools + ")";
    if (reserved < bytes) {
      const std::uint64_t pages = (bytes - reserved_large + kHugepage2M - 1) / kHugepage2M;
      report.fail(where + ": " + have + ", config needs " + mib(bytes),
                  "deploy/setup-hugepages --node " + std::to_string(node) + " --pages " +
                      std::to_string(pages) + " --size 2M");
    } else if (free < bytes) {
      report.warn(
          where + ": " + have + " but only " + mib(free) + " free, config needs " + mib(bytes),
          "find what holds them (a running ichannel-feed counts: grep -l huge "
          "/proc/*/numa_maps) or reserve more");
    } else {
      report.ok(where + ": " + have + ", " + mib(free) + " free, config needs " + mib(bytes));
    }
  }
}

void check_hugetlbfs(const CheckContext& ctx, Report& report) {
  if (!ctx.usage.uses_hugepages()) return;
  const auto mounts = hugetlbfs_mounts(ctx.fs);
  if (mounts.empty()) {
    report.fail("no hugetlbfs mount in /proc/mounts",
                "deploy/setup-hugepages --pages <N> --mount /dev/hugepages");
    return;
  }
  std::string points;
  for (const auto& m : mounts) {
    if (!points.empty()) points += ',';
    points += m.point;
  }
  report.ok("hugetlbfs mounted on " + points);
  if (!ctx.usage.has_hugepage_channels()) return;

  const std::string& dir = ctx.usage.channel_dir;
  const std::string what = "channel dir " + dir;
  const Mount* mount = nullptr;
  for (const auto& m : mounts) {
    const bool below = dir == m.point || (dir.rfind(m.point + "/", 0) == 0) || m.point == "/";
    if (below && (mount == nullptr || m.point.size() > mount->point.size())) mount = &m;
  }
  const std::string group =
      ctx.usage.channel_groups.empty() ? std::string("ichannel") : ctx.usage.channel_groups[0];
  const std::string setup = "deploy/setup-hugepages --pages <N> --group " + group;
  if (mount == nullptr) {
    report.fail(what + " is not on a hugetlbfs mount (hugetlbfs: " + points + ")",
                "set channel_dir below " + mounts.front().point + ", or " + setup + " --mount " +
                    dir.substr(0, dir.rfind('/')));
    return;
  }
  struct stat st {};
  if (::stat(ctx.fs.path(dir).c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    report.fail(what + " does not exist", setup + " (creates it)");
    return;
  }
  if (ctx.usage.channel_groups.empty()) {
    report.ok(what + " on hugetlbfs " + mount->point);
    return;
  }
  if (ctx.usage.channel_groups.size() > 1) {
    // Several groups share the directory: it must be traversable by all of them.
    if ((st.st_mode & S_IXOTH) == 0) {
      report.fail(what + " mode " + octal(st.st_mode) +
                      " is not traversable by the groups of several channels",
                  "chmod o+x " + dir);
    } else {
      report.ok(what + " on hugetlbfs " + mount->point + ", traversable by every channel group");
    }
    return;
  }
  const auto gid = group_gid(ctx.fs, group);
  if (!gid) {
    report.fail("group " + group + " (channels[].group) does not exist",
                "groupadd --system " + group);
    return;
  }
  if (st.st_gid != *gid) {
    report.fail(what + " belongs to gid " + std::to_string(st.st_gid) + ", not group " + group +
                    " (gid " + std::to_string(*gid) + ")",
                "chgrp " + group + " " + dir + " && chmod 2770 " + dir + " (or " + setup + ")");
    return;
  }
  if ((st.st_mode & (S_IRGRP | S_IXGRP)) != (S_IRGRP | S_IXGRP)) {
    report.fail(what + " mode " + octal(st.st_mode) + " denies group " + group,
                "chmod 2770 " + dir);
    return;
  }
  report.ok(what + " on hugetlbfs " + mount->point + ", group " + group);
}

}  // namespace ichannel::check_host
