// check_cpus.cpp: kernel isolation of the polling and strategy cores, frequency governors.
#include <map>
#include <string>
#include <vector>

#include "host_checks.hpp"

namespace ichannel::check_host {
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

}  // namespace ichannel::check_host
