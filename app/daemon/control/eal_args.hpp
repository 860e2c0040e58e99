// daemon/control/eal_args.hpp: the DPDK EAL command line built from the configuration.
//
// Contract
// - build_eal_args(config, program) returns argv (argv[0] = program) for rte_eal_init:
//   -l <lcores> --main-lcore <main> [--no-huge] -m <memory_mb> --file-prefix <prefix>
//   then one "--vdev <devargs>" per virtual port (device starts with "net_"), one "-a <pci>" per
//   PCI port, "--no-pci" when no port is a PCI device, then eal.extra_args verbatim.
// - is_pci_address accepts "DDDD:BB:DD.F" and "BB:DD.F" (hex), optionally followed by ",devargs".
// - dpdk_device_name(device) is the name DPDK gives the probed port, for
//   rte_eth_dev_get_port_by_name: the vdev name before the first ',' ("net_pcap0"), or the PCI
//   address with a "0000:" domain added when it had none.
// - Cold path, pure functions (allocate strings), no DPDK include: unit-tested without a NIC.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace ichannel::daemon {

[[nodiscard]] bool is_pci_address(std::string_view device) noexcept;

[[nodiscard]] std::string dpdk_device_name(std::string_view device);

// "0,1,4" for {0, 1, 4}.
[[nodiscard]] std::string lcore_list(const std::vector<unsigned>& lcores);

[[nodiscard]] std::vector<std::string> build_eal_args(const config::Config& config,
                                                      std::string_view program);

}  // namespace ichannel::daemon
