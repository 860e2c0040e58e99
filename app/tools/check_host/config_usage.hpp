// config_usage.hpp: what a validated Config asks of the host (cpus, NICs, memory, directories).
//
// Contract
// - derive_usage() turns the config (plus the strategy cores given on the command line) into the
//   facts the host checks compare against: which cpus must be isolated, which lcores poll which
//   port, which lcores produce into which channel, how much hugepage memory is needed and where.
// - Pure function of its inputs; cold path; allocates.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "tools/check_host/topology.hpp"

namespace ichannel::check_host {

inline constexpr const char* kDefaultChannelDir = "/dev/hugepages/ichannel";
inline constexpr std::uint64_t kMiB = 1024 * 1024;
inline constexpr std::uint64_t kHugepage2M = 2 * kMiB;
inline constexpr std::uint64_t kSlotBytes = 64;      // state word + 56-byte Tick
inline constexpr std::uint64_t kHeaderBytes = 4096;  // segment header page

struct ChannelUse {
  std::string name;
  CpuSet producer_lcores;  // lcores polling a port that carries a feed routed to this channel
  int numa_node = -1;      // as configured; -1: local to the producer
  bool hugepages = true;
  std::uint64_t bytes = 0;  // segment size (rounded up to 2 MiB for hugepage channels)
};

struct PortUse {
  std::string name;
  std::string device;              // as configured
  std::optional<std::string> pci;  // normalized "0000:3b:00.0", nullopt for virtual devices
  CpuSet lcores;                   // lcores polling it
};

struct ConfigUsage {
  unsigned main_lcore = 0;
  CpuSet rx_lcores;       // EAL lcores other than the main lcore
  CpuSet strategy_cores;  // --strategy-cores
  std::vector<PortUse> ports;
  std::vector<ChannelUse> channels;
  std::uint64_t eal_hugepage_bytes = 0;     // eal.memory_mb when eal.hugepages, else 0
  std::string channel_dir;                  // config override or kDefaultChannelDir
  std::vector<std::string> channel_groups;  // distinct non-empty channels[].group, sorted

  // Cores that must be isolated: rx lcores and strategy cores.
  [[nodiscard]] CpuSet isolated_cores() const;
  // Every cpu the deployment runs on: main lcore, rx lcores, strategy cores.
  [[nodiscard]] CpuSet used_cpus() const;
  [[nodiscard]] bool uses_hugepages() const;
  [[nodiscard]] bool has_hugepage_channels() const;
};

// "0000:3b:00.0" or "3b:00.0" (any case) -> "0000:3b:00.0"; nullopt for vdev devargs.
[[nodiscard]] std::optional<std::string> pci_address(std::string_view device);

[[nodiscard]] ConfigUsage derive_usage(const config::Config& config, const CpuSet& strategy_cores);

}  // namespace ichannel::check_host
