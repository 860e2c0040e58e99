// check_memory.cpp: hugepages reserved per NUMA node, the hugetlbfs mount and the channel
// directory (exists, on hugetlbfs, owned by the channels' group), transparent hugepages,
// systemd-logind RemoveIPC and the memlock limit.
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <ichannel/segment_file.hpp>

#include "tools/check_host/checks.hpp"

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
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    // Only the producer's user may create, replace or remove channels (docs/operations.md,
    // threat model): producers and receivers refuse such a directory.
    report.fail(what + " mode " + ichannel::mode_text(st.st_mode) +
                    " is writable by group/others (any member could forge or delete channels)",
                "chmod 0750 " + dir + " (or " + setup + ")");
    return;
  }
  if (ctx.usage.channel_groups.empty()) {
    report.ok(what + " on hugetlbfs " + mount->point);
    return;
  }
  if (ctx.usage.channel_groups.size() > 1) {
    // Several groups share the directory: it must be traversable by all of them.
    if ((st.st_mode & S_IXOTH) == 0) {
      report.fail(what + " mode " + ichannel::mode_text(st.st_mode) +
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
                "chgrp " + group + " " + dir + " && chmod 0750 " + dir + " (or " + setup + ")");
    return;
  }
  if ((st.st_mode & (S_IRGRP | S_IXGRP)) != (S_IRGRP | S_IXGRP)) {
    report.fail(what + " mode " + ichannel::mode_text(st.st_mode) + " denies group " + group,
                "chmod 0750 " + dir);
    return;
  }
  report.ok(what + " on hugetlbfs " + mount->point + ", group " + group);
}

namespace {

// Effective RemoveIPC= from logind.conf and its drop-ins (later files win); nullopt: not set.
std::optional<std::string> remove_ipc(const HostFs& fs) {
  std::vector<std::string> files = {"/etc/systemd/logind.conf"};
  for (const auto& name : fs.list("/etc/systemd/logind.conf.d")) {
    if (name.size() > 5 && name.substr(name.size() - 5) == ".conf") {
      files.push_back("/etc/systemd/logind.conf.d/" + name);
    }
  }
  std::optional<std::string> value;
  for (const auto& file : files) {
    std::istringstream lines(fs.read(file).value_or(""));
    std::string line;
    bool in_login = false;
    while (std::getline(lines, line)) {
      line.erase(0, line.find_first_not_of(" \t"));
      if (line.empty() || line[0] == '#' || line[0] == ';') continue;
      if (line[0] == '[') {
        in_login = line.rfind("[Login]", 0) == 0;
        continue;
      }
      const auto eq = line.find('=');
      if (!in_login || eq == std::string::npos) continue;
      std::string key = line.substr(0, eq);
      key.erase(key.find_last_not_of(" \t") + 1);
      if (key != "RemoveIPC") continue;
      std::string v = line.substr(eq + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      v.erase(v.find_last_not_of(" \t\r") + 1);
      value = v;
    }
  }
  return value;
}

// Soft RLIMIT_MEMLOCK in bytes; UINT64_MAX = unlimited; nullopt = unknown.
std::optional<std::uint64_t> memlock_limit(const HostFs& fs) {
  if (fs.is_real_root()) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_MEMLOCK, &limit) != 0) return std::nullopt;
    if (limit.rlim_cur == RLIM_INFINITY) return UINT64_MAX;
    return static_cast<std::uint64_t>(limit.rlim_cur);
  }
  std::istringstream lines(fs.read("/proc/self/limits").value_or(""));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("Max locked memory", 0) != 0) continue;
    std::istringstream words(line.substr(17));
    std::string soft;
    if (!(words >> soft)) return std::nullopt;
    if (soft == "unlimited") return UINT64_MAX;
    try {
      return std::stoull(soft);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

bool is_yes(std::string v) {
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  return v == "yes" || v == "true" || v == "1" || v == "on";
}

}  // namespace

void check_thp(const CheckContext& ctx, Report& report) {
  const auto text = ctx.fs.read_line("/sys/kernel/mm/transparent_hugepage/enabled");
  const auto open = text ? text->find('[') : std::string::npos;
  const auto close = text ? text->find(']') : std::string::npos;
  if (open == std::string::npos || close == std::string::npos || close < open) {
    report.warn("transparent hugepages: cannot read /sys/kernel/mm/transparent_hugepage/enabled");
    return;
  }
  const std::string mode = text->substr(open + 1, close - open - 1);
  const std::string set_madvise =
      "echo madvise > /sys/kernel/mm/transparent_hugepage/enabled "
      "(transparent_hugepage=madvise on the kernel command line)";
  const bool shm_channels = std::any_of(ctx.usage.channels.begin(), ctx.usage.channels.end(),
                                        [](const ChannelUse& c) { return !c.hugepages; });
  if (mode == "always") {
    report.warn("transparent hugepages: always (khugepaged compaction stalls the isolated cores)",
                set_madvise);
  } else if (mode == "never" && shm_channels) {
    report.warn("transparent hugepages: never, so /dev/shm channels get 4 KiB pages", set_madvise);
  } else {
    report.ok("transparent hugepages: " + mode);
  }
}

void check_remove_ipc(const CheckContext& ctx, Report& report) {
  if (!ctx.fs.exists("/etc/systemd")) {
    report.ok("systemd-logind RemoveIPC: no /etc/systemd (not a systemd host)");
    return;
  }
  const auto value = remove_ipc(ctx.fs);
  if (value && !is_yes(*value)) {
    report.ok("systemd-logind RemoveIPC=" + *value);
    return;
  }
  std::string what = "systemd-logind RemoveIPC=yes";
  if (!value) what += " (default)";
  report.warn(what + ": /dev/shm segments of a regular user are deleted at its logout",
              "run ichannel-feed as a system user (the shipped unit does), or set RemoveIPC=no "
              "in /etc/systemd/logind.conf.d/ichannel.conf");
}

void check_memlock(const CheckContext& ctx, Report& report) {
  std::uint64_t needed = ctx.usage.eal_hugepage_bytes;
  for (const auto& channel : ctx.usage.channels) needed += channel.bytes;
  const auto limit = memlock_limit(ctx.fs);
  const std::string fix =
      "LimitMEMLOCK=infinity in the unit (the shipped one sets it), or "
      "'ichannel - memlock unlimited' in /etc/security/limits.d/ichannel.conf";
  if (!limit) {
    report.warn("memlock limit unknown (cannot read /proc/self/limits)", fix);
  } else if (*limit == UINT64_MAX) {
    report.ok("memlock limit unlimited");
  } else if (*limit < needed) {
    report.fail("memlock limit " + std::to_string(*limit / 1024) +
                    " KiB (of this process) is below the " +
                    std::to_string((needed + kMiB - 1) / kMiB) + " MiB the config locks",
                fix);
  } else {
    report.warn("memlock limit " + std::to_string(*limit / 1024) +
                    " KiB (of this process) is not unlimited (vfio pins all DMA memory)",
                fix);
  }
}

}  // namespace ichannel::check_host
