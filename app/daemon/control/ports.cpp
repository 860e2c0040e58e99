// daemon/control/ports.cpp: see ports.hpp.
#include "daemon/control/ports.hpp"

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

#include "daemon/control/eal_args.hpp"

namespace ichannel::daemon {
namespace {

std::string dpdk_error(int ret) {
  return rte_strerror(ret < 0 ? -ret : ret);
}

std::string port_label(const config::Port& port) {
  return "port " + port.name + " (" + port.device + ")";
}

// Enables an optional receive mode; -ENOTSUP is tolerated on virtual devices.
std::string optional_mode(const config::Port& port, const char* what, int ret) {
  if (ret == 0) return {};
  if (ret == -ENOTSUP && !is_pci_address(port.device)) {
    spdlog::info("{}: {} not supported by this virtual device (ignored)", port_label(port), what);
    return {};
  }
  return port_label(port) + ": " + what + ": " + dpdk_error(ret);
}

}  // namespace

void multicast_mac(std::uint32_t group, std::uint8_t (&mac)[6]) noexcept {
  mac[0] = 0x01;
  mac[1] = 0x00;
  mac[2] = 0x5e;
  mac[3] = static_cast<std::uint8_t>((group >> 16) & 0x7f);
  mac[4] = static_cast<std::uint8_t>((group >> 8) & 0xff);
  mac[5] = static_cast<std::uint8_t>(group & 0xff);
}

std::string setup_port(const config::Port& port, std::size_t index, PortRuntime& out) {
  const std::string name = dpdk_device_name(port.device);
  if (rte_eth_dev_get_port_by_name(name.c_str(), &out.port_id) != 0) {
    return port_label(port) + ": no DPDK port named " + name +
           " (device not probed: check the device string, driver binding and EAL log)";
  }
  rte_eth_dev_info info{};
  if (int ret = rte_eth_dev_info_get(out.port_id, &info); ret != 0) {
    return port_label(port) + ": rte_eth_dev_info_get: " + dpdk_error(ret);
  }
  if (port.rx_queues > info.max_rx_queues) {
    return port_label(port) + ": rx_queues " + std::to_string(port.rx_queues) +
           " exceeds the device maximum " + std::to_string(info.max_rx_queues);
  }
  out.socket = rte_eth_dev_socket_id(out.port_id);
  const int pool_socket = out.socket >= 0 ? out.socket : static_cast<int>(rte_socket_id());

  const std::string pool_name = "ich_rx_" + std::to_string(index);
  const unsigned cache = std::min(256u, port.mempool_size / 2);
  out.pool = rte_pktmbuf_pool_create(pool_name.c_str(), port.mempool_size, cache, 0,
                                     RTE_MBUF_DEFAULT_BUF_SIZE, pool_socket);
  if (out.pool == nullptr) {
    return port_label(port) + ": rte_pktmbuf_pool_create(" + std::to_string(port.mempool_size) +
           " mbufs, socket " + std::to_string(pool_socket) + "): " + dpdk_error(rte_errno) +
           " (lower ports[].mempool_size or give the EAL more memory)";
  }

  rte_eth_conf conf{};
  if (port.rx_queues > 1) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf =
        (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
  }
  if (int ret =
          rte_eth_dev_configure(out.port_id, static_cast<std::uint16_t>(port.rx_queues), 0, &conf);
      ret != 0) {
    return port_label(port) + ": rte_eth_dev_configure(" + std::to_string(port.rx_queues) +
           " rx queues): " + dpdk_error(ret);
  }
  out.configured = true;
  std::uint16_t nb_rxd = static_cast<std::uint16_t>(std::min(port.rx_descriptors, 65535u));
  std::uint16_t nb_txd = 0;
  if (int ret = rte_eth_dev_adjust_nb_rx_tx_desc(out.port_id, &nb_rxd, &nb_txd); ret != 0) {
    return port_label(port) + ": rte_eth_dev_adjust_nb_rx_tx_desc: " + dpdk_error(ret);
  }
  out.rx_descriptors = nb_rxd;
  for (unsigned q = 0; q < port.rx_queues; ++q) {
    if (int ret = rte_eth_rx_queue_setup(out.port_id, static_cast<std::uint16_t>(q), nb_rxd,
                                         static_cast<unsigned>(pool_socket), nullptr, out.pool);
        ret != 0) {
      return port_label(port) + ": rte_eth_rx_queue_setup(queue " + std::to_string(q) + ", " +
             std::to_string(nb_rxd) + " descriptors): " + dpdk_error(ret);
    }
  }
  if (int ret = rte_eth_dev_start(out.port_id); ret != 0) {
    return port_label(port) + ": rte_eth_dev_start: " + dpdk_error(ret);
  }
  out.started = true;

  if (port.promiscuous) {
    if (auto e = optional_mode(port, "promiscuous mode", rte_eth_promiscuous_enable(out.port_id));
        !e.empty()) {
      return e;
    }
  }
  if (!port.multicast_addresses.empty()) {
    std::vector<rte_ether_addr> macs(port.multicast_addresses.size());
    for (std::size_t i = 0; i < macs.size(); ++i) {
      multicast_mac(port.multicast_addresses[i], macs[i].addr_bytes);
    }
    if (auto e =
            optional_mode(port, "multicast address list",
                          rte_eth_dev_set_mc_addr_list(out.port_id, macs.data(),
                                                       static_cast<std::uint32_t>(macs.size())));
        !e.empty()) {
      return e;
    }
  }
  if (port.allmulticast) {
    if (auto e =
            optional_mode(port, "all-multicast mode", rte_eth_allmulticast_enable(out.port_id));
        !e.empty()) {
      return e;
    }
  }
  spdlog::info(
      "port {}: dpdk port {} ({}) on socket {} configured ({} rx queues, {} descriptors, "
      "mempool {})",
      port.name, out.port_id, port.device, out.socket, port.rx_queues, nb_rxd, port.mempool_size);
  return {};
}

void stop_port(PortRuntime& port) noexcept {
  if (port.started) {
    (void)rte_eth_dev_stop(port.port_id);
    port.started = false;
  }
  if (port.configured) {
    (void)rte_eth_dev_close(port.port_id);
    port.configured = false;
  }
  if (port.pool != nullptr) {
    rte_mempool_free(port.pool);
    port.pool = nullptr;
  }
}

}  // namespace ichannel::daemon
