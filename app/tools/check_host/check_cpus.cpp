// check_cpus.cpp: the kernel release, kernel isolation of the polling and strategy cores, SMT
// siblings, frequency governors, irqbalance and the affinity of every IRQ.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "tools/check_host/checks.hpp"

namespace ichannel::check_host {
namespace {

// DPDK 22.11 Linux getting-started guide: kernel >= 4.14 (oldest LTS at its release).
constexpr int kMinMajor = 4;
constexpr int kMinMinor = 14;

}  // namespace

void check_kernel(const CheckContext& ctx, Report& report) {
  const auto release = ctx.fs.read_line("/proc/sys/kernel/osrelease");
  int major = 0;
  int minor = 0;
  if (!release || std::sscanf(release->c_str(), "%d.%d", &major, &minor) != 2) {
    report.warn("kernel version unknown (cannot read /proc/sys/kernel/osrelease)",
                "DPDK 22.11 needs Linux >= 4.14; check uname -r");
    return;
  }
  if (major < kMinMajor || (major == kMinMajor && minor < kMinMinor)) {
    report.fail("kernel " + *release + " is older than 4.14, the minimum for DPDK 22.11",
                "boot a newer kernel (Debian 12 ships 6.1)");
    return;
  }
  report.ok("kernel " + *release + " (DPDK 22.11 needs >= 4.14)");
}

namespace {

std::string role_of(const ConfigUsage& usage, unsigned cpu) {
  return usage.rx_lcores.contains(cpu) ? "lcore " + std::to_string(cpu)
                                       : "strategy core " + std::to_string(cpu);
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

}  // namespace

void check_isolation(const CheckContext& ctx, Report& report) {
  const auto& usage = ctx.usage;
  const auto& topo = ctx.topo;
  for (const auto& problem : topo.problems) {
    report.warn(problem, "fix the kernel command line / sysfs entry named");
  }
  const CpuSet cores = usage.isolated_cores();
  const std::string wanted = format_cpu_list(cores);
  const std::string main = "main lcore " + std::to_string(usage.main_lcore);
  CpuSet spare = topo.housekeeping();  // candidates for the main lcore
  for (unsigned cpu : cores) spare.erase(cpu);
  if (!topo.online.contains(usage.main_lcore)) {
    report.fail(main + ": cpu " + std::to_string(usage.main_lcore) +
                    " is not online on this host (online: " + format_cpu_list(topo.online) + ")",
                "set eal.main_lcore to an online housekeeping cpu");
  } else if (topo.isolcpus.contains(usage.main_lcore)) {
    report.warn(
        main + ": cpu " + std::to_string(usage.main_lcore) +
            " is isolated; housekeeping (statistics, logging) belongs on a non-isolated cpu",
        "set eal.main_lcore to one of " + format_cpu_list(spare));
  } else {
    report.ok(main + ": cpu " + std::to_string(usage.main_lcore) +
              " is a housekeeping cpu (not isolated)");
  }
  for (unsigned cpu : cores) {
    const std::string who = role_of(usage, cpu);
    const std::string what = who + ": cpu " + std::to_string(cpu);
    if (usage.rx_lcores.contains(cpu) && usage.strategy_cores.contains(cpu)) {
      report.fail("strategy core " + std::to_string(cpu) + " is also an EAL lcore",
                  "give strategies their own isolated cores");
      continue;
    }
    if (usage.strategy_cores.contains(cpu) && cpu == usage.main_lcore) {
      report.fail("strategy core " + std::to_string(cpu) + " is the main lcore",
                  "give strategies their own isolated cores");
      continue;
    }
    if (!topo.online.contains(cpu)) {
      report.fail(
          what + " is not online on this host (online: " + format_cpu_list(topo.online) + ")",
          "use online cpus in eal.lcores / --strategy-cores");
      continue;
    }
    if (!topo.isolcpus.contains(cpu)) {
      report.fail(what + " is not in isolcpus",
                  "add isolcpus=" + wanted + " nohz_full=" + wanted + " rcu_nocbs=" + wanted +
                      " to the kernel command line (GRUB_CMDLINE_LINUX) and reboot");
      continue;
    }
    std::vector<std::string> missing;
    if (!topo.nohz_full.contains(cpu)) missing.push_back("nohz_full");
    if (!topo.rcu_nocbs.contains(cpu)) missing.push_back("rcu_nocbs");
    if (!missing.empty()) {
      std::string fix = "add";
      for (const auto& m : missing) fix += " " + m + "=" + wanted;
      report.warn(what + " is in isolcpus but not in " + join(missing),
                  fix + " to the kernel command line");
      continue;
    }
    report.ok(what + " isolated (isolcpus, nohz_full, rcu_nocbs)");
  }
}

void check_smt(const CheckContext& ctx, Report& report) {
  const CpuSet cores = ctx.usage.isolated_cores();
  const CpuSet used = ctx.usage.used_cpus();
  bool any_topology = false;
  bool problem = false;
  for (unsigned cpu : cores) {
    const auto text = ctx.fs.read_line("/sys/devices/system/cpu/cpu" + std::to_string(cpu) +
                                       "/topology/thread_siblings_list");
    const auto siblings = text ? parse_cpu_list(*text) : std::nullopt;
    if (!siblings) continue;
    any_topology = true;
    for (unsigned sibling : *siblings) {
      if (sibling == cpu) continue;
      const std::string pair = "cpu " + std::to_string(cpu) + " and cpu " +
                               std::to_string(sibling) + " are SMT siblings (one physical core)";
      if (used.contains(sibling)) {
        // Report each busy pair once, from its lower cpu.
        if (sibling < cpu && cores.contains(sibling)) continue;
        problem = true;
        report.warn(pair + " and both are used",
                    "move one of them to another physical core; leave siblings of busy cores "
                    "idle");
      } else if (!ctx.topo.isolcpus.contains(sibling)) {
        problem = true;
        report.warn(pair + "; cpu " + std::to_string(sibling) +
                        " is not isolated, so any task may share the core",
                    "add " + std::to_string(sibling) +
                        " to isolcpus/nohz_full/rcu_nocbs and leave it idle, or boot with nosmt");
      }
    }
  }
  if (any_topology && !problem) {
    report.ok("SMT: no sibling of cpus " + format_cpu_list(cores) + " is busy or unisolated");
  }
}

void check_governor(const CheckContext& ctx, Report& report) {
  // Group the used cpus by governor so a 32-core box does not print 32 identical lines.
  std::map<std::string, CpuSet> by_governor;  // "" = no cpufreq
  for (unsigned cpu : ctx.usage.used_cpus()) {
    if (!ctx.topo.online.contains(cpu)) continue;  // reported by check_isolation
    const auto governor = ctx.fs.read_line("/sys/devices/system/cpu/cpu" + std::to_string(cpu) +
                                           "/cpufreq/scaling_governor");
    by_governor[governor.value_or("")].insert(cpu);
  }
  for (const auto& [governor, cpus] : by_governor) {
    const std::string list = format_cpu_list(cpus);
    if (governor.empty()) {
      report.warn("no cpufreq scaling governor on cpus " + list +
                      " (virtual machine or firmware-controlled frequency)",
                  "set the BIOS/firmware power profile to maximum performance, C-states off");
    } else if (governor == "performance") {
      report.ok("frequency governor performance on cpus " + list);
    } else {
      report.fail("frequency governor " + governor + " on cpus " + list,
                  "cpupower -c " + list + " frequency-set -g performance");
    }
  }
}

namespace {

constexpr std::size_t kIrqsShown = 8;

bool is_number(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// Value of KEY= in a shell-style defaults file (quotes stripped), or "".
std::string shell_value(const std::string& text, const std::string& key) {
  std::string value;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto end = text.find('\n', pos);
    std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? text.size() : end + 1;
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    line = line.substr(first);
    if (line.rfind(key + "=", 0) != 0) continue;
    value = line.substr(key.size() + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
  }
  return value;
}

}  // namespace

void check_irqs(const CheckContext& ctx, Report& report) {
  const CpuSet cores = ctx.usage.isolated_cores();
  const std::string cores_list = format_cpu_list(cores);
  // Where IRQs belong: online, not isolated, and not one of the cores we protect.
  CpuSet spare = ctx.topo.housekeeping();
  for (unsigned cpu : cores) spare.erase(cpu);
  const std::string housekeeping = format_cpu_list(spare);

  std::string irqbalance_pid;
  for (const auto& entry : ctx.fs.list("/proc")) {
    if (!is_number(entry)) continue;
    if (ctx.fs.read_line("/proc/" + entry + "/comm") == "irqbalance") {
      irqbalance_pid = entry;
      break;
    }
  }
  if (irqbalance_pid.empty()) {
    report.ok("irqbalance not running");
  } else {
    const auto defaults = ctx.fs.read("/etc/default/irqbalance").value_or("");
    const std::string banned_text = shell_value(defaults, "IRQBALANCE_BANNED_CPULIST");
    const auto banned = parse_cpu_list(banned_text).value_or(CpuSet{});
    bool covered = !cores.empty();
    for (unsigned cpu : cores) covered = covered && banned.contains(cpu);
    if (covered) {
      report.ok("irqbalance running (pid " + irqbalance_pid +
                ") with IRQBALANCE_BANNED_CPULIST=" + banned_text + " covering cpus " + cores_list);
    } else {
      report.warn(
          "irqbalance running (pid " + irqbalance_pid + ") may move IRQs onto cpus " + cores_list,
          "set IRQBALANCE_BANNED_CPULIST=" + cores_list +
              " in /etc/default/irqbalance, or systemctl disable --now irqbalance");
    }
  }

  if (!ctx.fs.exists("/proc/irq")) {
    report.warn("cannot read /proc/irq; IRQ affinity not checked");
    return;
  }
  std::vector<unsigned> irqs;
  for (const auto& entry : ctx.fs.list("/proc/irq")) {
    if (!is_number(entry)) continue;
    unsigned irq = 0;
    std::from_chars(entry.data(), entry.data() + entry.size(), irq);
    irqs.push_back(irq);
  }
  std::sort(irqs.begin(), irqs.end());
  std::vector<unsigned> offending;
  for (unsigned irq : irqs) {
    const auto text = ctx.fs.read_line("/proc/irq/" + std::to_string(irq) + "/smp_affinity_list");
    const auto cpus = text ? parse_cpu_list(*text) : std::nullopt;
    if (!cpus) continue;
    for (unsigned cpu : *cpus) {
      if (cores.contains(cpu)) {
        offending.push_back(irq);
        break;
      }
    }
  }
  if (offending.empty()) {
    report.ok("no IRQ may run on cpus " + cores_list + " (" + std::to_string(irqs.size()) +
              " IRQs checked)");
    return;
  }
  std::string names;
  for (std::size_t i = 0; i < offending.size() && i < kIrqsShown; ++i) {
    if (i > 0) names += ',';
    names += std::to_string(offending[i]);
  }
  if (offending.size() > kIrqsShown) {
    names += " and " + std::to_string(offending.size() - kIrqsShown) + " more";
  }
  report.fail("IRQs " + names + " may run on cpus " + cores_list,
              "echo " + housekeeping +
                  " > /proc/irq/<N>/smp_affinity_list for each, and add irqaffinity=" +
                  housekeeping + " to the kernel command line");
}

}  // namespace ichannel::check_host
