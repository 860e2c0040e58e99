// config_usage.cpp: see config_usage.hpp.
#include "tools/check_host/config_usage.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace ichannel::check_host {
namespace {

std::uint64_t round_up(std::uint64_t value, std::uint64_t unit) {
  return (value + unit - 1) / unit * unit;
}

// Ports that carry the named feed (its A line and, if present, its B line).
std::set<std::string> feed_ports(const config::Config& config, const std::string& feed_name) {
  std::set<std::string> ports;
  for (const auto& feed : config.feeds) {
    if (feed.name != feed_name) continue;
    ports.insert(feed.a.port_name);
    if (feed.b) ports.insert(feed.b->port_name);
  }
  return ports;
}

bool all_hex(std::string_view s) {
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> pci_address(std::string_view device) {
  // Domain:bus:device.function; the domain is optional in DPDK's -a syntax.
  std::string full(device);
  if (full.size() == 7) full = "0000:" + full;
  if (full.size() != 12 || full[4] != ':' || full[7] != ':' || full[10] != '.') return std::nullopt;
  const std::string_view v(full);
  if (!all_hex(v.substr(0, 4)) || !all_hex(v.substr(5, 2)) || !all_hex(v.substr(8, 2)) ||
      v[11] < '0' || v[11] > '7') {
    return std::nullopt;
  }
  for (char& c : full) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return full;
}

CpuSet ConfigUsage::isolated_cores() const {
  CpuSet out = rx_lcores;
  out.insert(strategy_cores.begin(), strategy_cores.end());
  return out;
}

CpuSet ConfigUsage::used_cpus() const {
  CpuSet out = isolated_cores();
  out.insert(main_lcore);
  return out;
}

bool ConfigUsage::uses_hugepages() const {
  return eal_hugepage_bytes > 0 || has_hugepage_channels();
}

bool ConfigUsage::has_hugepage_channels() const {
  return std::any_of(channels.begin(), channels.end(),
                     [](const ChannelUse& c) { return c.hugepages; });
}

ConfigUsage derive_usage(const config::Config& config, const CpuSet& strategy_cores) {
  ConfigUsage usage;
  usage.main_lcore = config.eal.main_lcore;
  for (unsigned lcore : config.eal.lcores) {
    if (lcore != config.eal.main_lcore) usage.rx_lcores.insert(lcore);
  }
  usage.strategy_cores = strategy_cores;
  std::map<std::string, CpuSet> port_lcores;
  for (const auto& core : config.cores) port_lcores[core.port].insert(core.lcore);
  for (const auto& port : config.ports) {
    usage.ports.push_back(
        {port.name, port.device, pci_address(port.device), port_lcores[port.name]});
  }
  usage.eal_hugepage_bytes =
      config.eal.hugepages ? std::uint64_t{config.eal.memory_mb} * kMiB : std::uint64_t{0};
  usage.channel_dir = config.channel_dir.empty() ? kDefaultChannelDir : config.channel_dir;

  std::set<std::string> groups;
  for (const auto& channel : config.channels) {
    ChannelUse use;
    use.name = channel.name;
    use.numa_node = channel.numa_node;
    use.hugepages = channel.hugepages;
    use.bytes = kHeaderBytes + channel.capacity * kSlotBytes;
    if (use.hugepages) use.bytes = round_up(use.bytes, kHugepage2M);
    for (const auto& route : config.routes) {
      if (std::find(route.channels.begin(), route.channels.end(), channel.name) ==
          route.channels.end()) {
        continue;
      }
      for (const auto& port : feed_ports(config, route.feed)) {
        const auto& lcores = port_lcores[port];
        use.producer_lcores.insert(lcores.begin(), lcores.end());
      }
    }
    if (!channel.group.empty()) groups.insert(channel.group);
    usage.channels.push_back(std::move(use));
  }
  usage.channel_groups.assign(groups.begin(), groups.end());
  return usage;
}

}  // namespace ichannel::check_host
