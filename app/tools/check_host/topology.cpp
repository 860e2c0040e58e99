// topology.cpp: see topology.hpp.
#include "tools/check_host/topology.hpp"

#include <cctype>
#include <charconv>
#include <sstream>
#include <string_view>

namespace ichannel::check_host {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<unsigned> parse_number(std::string_view s) {
  unsigned value = 0;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, value);
  if (s.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

// Adds one "a" or "a-b" item; false when malformed.
bool add_item(std::string_view item, CpuSet& out) {
  constexpr unsigned kMaxCpus = 8192;  // CONFIG_NR_CPUS upper bound; guards against "0-4000000000"
  const auto dash = item.find('-');
  const auto first = parse_number(item.substr(0, dash));
  if (!first || *first >= kMaxCpus) return false;
  unsigned last = *first;
  if (dash != std::string_view::npos) {
    const auto parsed = parse_number(item.substr(dash + 1));
    if (!parsed || *parsed < *first || *parsed >= kMaxCpus) return false;
    last = *parsed;
  }
  for (unsigned cpu = *first; cpu <= last; ++cpu) out.insert(cpu);
  return true;
}

}  // namespace

std::optional<CpuSet> parse_cpu_list(std::string_view text) {
  text = trim(text);
  CpuSet out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    if (!add_item(trim(text.substr(0, comma)), out)) return std::nullopt;
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
    if (text.empty()) return std::nullopt;  // trailing comma
  }
  return out;
}

std::optional<CpuSet> parse_kernel_cpu_list(std::string_view text, const CpuSet& all_cpus) {
  text = trim(text);
  // Skip flag words (domain, managed_irq, nohz) that isolcpus= accepts before the list.
  while (!text.empty() && std::isalpha(static_cast<unsigned char>(text.front()))) {
    const auto comma = text.find(',');
    const auto word = text.substr(0, comma);
    if (word == "all") return all_cpus;
    if (comma == std::string_view::npos) return CpuSet{};  // flags only, no cpus
    text.remove_prefix(comma + 1);
  }
  return parse_cpu_list(text);
}

std::string format_cpu_list(const CpuSet& cpus) {
  std::string out;
  auto it = cpus.begin();
  while (it != cpus.end()) {
    const unsigned first = *it;
    unsigned last = first;
    for (++it; it != cpus.end() && *it == last + 1; ++it) last = *it;
    if (!out.empty()) out += ',';
    out += std::to_string(first);
    if (last != first) out += '-' + std::to_string(last);
  }
  return out;
}

namespace {

// "cpu12" with prefix "cpu" -> 12; nullopt when the rest is not a number.
std::optional<unsigned> numbered(std::string_view name, std::string_view prefix) {
  if (name.substr(0, prefix.size()) != prefix || name.size() == prefix.size()) return std::nullopt;
  name.remove_prefix(prefix.size());
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), value);
  if (ec != std::errc{} || ptr != name.data() + name.size()) return std::nullopt;
  return value;
}

void read_online(const HostFs& fs, Topology& topo) {
  if (auto text = fs.read_line("/sys/devices/system/cpu/online")) {
    if (auto cpus = parse_cpu_list(*text)) {
      topo.online = *cpus;
      return;
    }
    topo.problems.push_back("cannot parse /sys/devices/system/cpu/online: '" + *text + "'");
  }
  for (const auto& name : fs.list("/sys/devices/system/cpu")) {
    if (auto cpu = numbered(name, "cpu")) topo.online.insert(*cpu);
  }
}

void read_nodes(const HostFs& fs, Topology& topo) {
  for (const auto& name : fs.list("/sys/devices/system/cpu")) {
    const auto cpu = numbered(name, "cpu");
    if (!cpu) continue;
    for (const auto& entry : fs.list("/sys/devices/system/cpu/" + name)) {
      if (auto node = numbered(entry, "node")) topo.cpu_node[*cpu] = static_cast<int>(*node);
    }
  }
  for (const auto& name : fs.list("/sys/devices/system/node")) {
    const auto node = numbered(name, "node");
    if (!node) continue;
    const auto text = fs.read_line("/sys/devices/system/node/" + name + "/cpulist");
    const auto cpus = text ? parse_cpu_list(*text) : std::nullopt;
    if (!cpus) continue;
    for (unsigned cpu : *cpus) topo.cpu_node.emplace(cpu, static_cast<int>(*node));
  }
}

void read_cmdline(const HostFs& fs, Topology& topo) {
  topo.cmdline = fs.read_line("/proc/cmdline");
  if (!topo.cmdline) {
    topo.problems.push_back("cannot read /proc/cmdline");
    return;
  }
  std::istringstream words(*topo.cmdline);
  std::string word;
  while (words >> word) {
    if (word == "--") break;  // the rest is for init
    const auto eq = word.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = word.substr(0, eq);
    CpuSet* target = key == "isolcpus"    ? &topo.isolcpus
                     : key == "nohz_full" ? &topo.nohz_full
                     : key == "rcu_nocbs" ? &topo.rcu_nocbs
                                          : nullptr;
    if (target == nullptr) continue;
    if (auto cpus = parse_kernel_cpu_list(word.substr(eq + 1), topo.online)) {
      *target = *cpus;  // the last occurrence wins, as in the kernel
    } else {
      topo.problems.push_back("cannot parse " + word + " in /proc/cmdline");
    }
  }
}

}  // namespace

int Topology::node_of(unsigned cpu) const {
  const auto it = cpu_node.find(cpu);
  return it == cpu_node.end() ? -1 : it->second;
}

CpuSet Topology::cpus_of_node(int node) const {
  CpuSet out;
  for (const auto& [cpu, n] : cpu_node) {
    if (n == node) out.insert(cpu);
  }
  return out;
}

CpuSet Topology::housekeeping() const {
  CpuSet out;
  for (unsigned cpu : online) {
    if (!isolcpus.contains(cpu)) out.insert(cpu);
  }
  return out;
}

Topology read_topology(const HostFs& fs) {
  Topology topo;
  read_online(fs, topo);
  read_nodes(fs, topo);
  read_cmdline(fs, topo);
  return topo;
}

}  // namespace ichannel::check_host
