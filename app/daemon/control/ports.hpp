// daemon/control/ports.hpp: DPDK port setup and teardown from config::Port (cold path).
//
// Contract
// - Called on the main lcore after rte_eal_init and before any RX loop runs. setup_port() looks
//   the probed device up by name (vdev name or PCI address), creates a per-port mbuf pool on the
//   port's NUMA socket, configures rx_queues RX queues (RSS over IP/UDP when > 1) and no TX
//   queue, sets up the queues with rx_descriptors (adjusted to the device limits), starts the
//   port and enables promiscuous / all-multicast or programs the multicast address list.
// - -ENOTSUP for promiscuous, all-multicast or the multicast list on a virtual device is logged
//   at info and tolerated (net_pcap has none of them); every other failure is an error whose
//   message names the port, the device and the DPDK call with rte_strerror's text.
// - stop_port() stops and closes the port and frees its pool; safe on a partially set up port.
// - Logs through spdlog; allocates; not for the hot path.
#pragma once

#include <cstdint>
#include <string>

#include "config/config.hpp"

struct rte_mempool;

namespace ichannel::daemon {

struct PortRuntime {
  std::uint16_t port_id = 0;
  int socket = -1;  // NUMA socket of the device, -1 unknown
  rte_mempool* pool = nullptr;
  bool configured = false;  // rte_eth_dev_configure succeeded: close on teardown
  bool started = false;
  std::uint16_t rx_descriptors = 0;  // after adjustment to the device limits
};

// Returns an empty string on success, else the error message.
[[nodiscard]] std::string setup_port(const config::Port& port, std::size_t index, PortRuntime& out);

void stop_port(PortRuntime& port) noexcept;

// 01:00:5e + low 23 bits of the IPv4 group (RFC 1112), as 6 bytes.
void multicast_mac(std::uint32_t group, std::uint8_t (&mac)[6]) noexcept;

}  // namespace ichannel::daemon
