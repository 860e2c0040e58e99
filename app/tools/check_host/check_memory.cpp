// check_memory.cpp: transparent hugepages, systemd-logind RemoveIPC and the memlock limit.
#include <sys/resource.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "host_checks.hpp"

namespace ichannel::check_host {
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
