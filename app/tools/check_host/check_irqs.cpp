// check_irqs.cpp: irqbalance and the affinity of every IRQ, kept off the isolated cores.
#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

#include "host_checks.hpp"

namespace ichannel::check_host {
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
