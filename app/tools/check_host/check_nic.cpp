// check_nic.cpp: NUMA placement (NIC, polling lcores, channel memory and strategy cores on one
// node) and the kernel driver bound to each PCI NIC of the config (and its IOMMU group).
#include <cstdlib>
#include <set>
#include <string>

#include "tools/check_host/checks.hpp"

namespace ichannel::check_host {
namespace {

// NUMA node of a PCI device; -1 when the kernel does not know (single-node host) or unreadable.
int pci_node(const HostFs& fs, const std::string& pci) {
  const auto text = fs.read_line("/sys/bus/pci/devices/" + pci + "/numa_node");
  if (!text || text->empty()) return -1;
  char* end = nullptr;
  const long node = std::strtol(text->c_str(), &end, 10);
  return *end == '\0' ? static_cast<int>(node) : -1;
}

// The lcores of `lcores` whose node is known and differs from `node`.
CpuSet off_node(const Topology& topo, const CpuSet& lcores, int node) {
  CpuSet out;
  for (unsigned cpu : lcores) {
    const int n = topo.node_of(cpu);
    if (n >= 0 && n != node) out.insert(cpu);
  }
  return out;
}

std::string nodes_of(const Topology& topo, const CpuSet& cpus) {
  std::set<int> nodes;
  for (unsigned cpu : cpus) nodes.insert(topo.node_of(cpu));
  std::string out;
  for (int n : nodes) {
    if (!out.empty()) out += ',';
    out += std::to_string(n);
  }
  return out;
}

}  // namespace

void check_numa(const CheckContext& ctx, Report& report) {
  const auto& topo = ctx.topo;
  for (const auto& port : ctx.usage.ports) {
    if (!port.pci) continue;  // virtual device: check_nic_drivers says so
    if (!ctx.fs.exists("/sys/bus/pci/devices/" + *port.pci)) continue;  // ditto
    const std::string nic = "port " + port.name + ": NIC " + *port.pci;
    const int node = pci_node(ctx.fs, *port.pci);
    if (node < 0) {
      report.ok(nic + " has no NUMA affinity (single-node host)");
      continue;
    }
    const CpuSet wrong = off_node(topo, port.lcores, node);
    if (!wrong.empty()) {
      report.fail(nic + " is on NUMA node " + std::to_string(node) + " but lcores " +
                      format_cpu_list(wrong) + " polling it are on node " + nodes_of(topo, wrong),
                  "poll it from cpus of node " + std::to_string(node) + " (" +
                      format_cpu_list(topo.cpus_of_node(node)) + ")");
      continue;
    }
    std::string polled = port.lcores.empty() ? std::string(", polled by no lcore")
                                             : ", polled by lcores " + format_cpu_list(port.lcores);
    report.ok(nic + " on NUMA node " + std::to_string(node) + polled);
  }

  std::set<int> producer_nodes;
  for (const auto& channel : ctx.usage.channels) {
    const std::string what = "channel " + channel.name;
    for (unsigned cpu : channel.producer_lcores) {
      if (topo.node_of(cpu) >= 0) producer_nodes.insert(topo.node_of(cpu));
    }
    if (channel.numa_node < 0) continue;  // local to the producer by construction
    const CpuSet wrong = off_node(topo, channel.producer_lcores, channel.numa_node);
    if (!wrong.empty()) {
      report.fail(what + ": numa_node " + std::to_string(channel.numa_node) +
                      " but its producer lcores " + format_cpu_list(wrong) + " are on node " +
                      nodes_of(topo, wrong),
                  "set numa_node: " + nodes_of(topo, wrong) + " (or -1: local to the producer)");
    } else {
      report.ok(what + ": numa_node " + std::to_string(channel.numa_node) +
                " matches its producer lcores");
    }
  }

  if (producer_nodes.size() != 1) return;  // no producers, or producers on several nodes
  const int node = *producer_nodes.begin();
  for (unsigned cpu : ctx.usage.strategy_cores) {
    const int n = topo.node_of(cpu);
    if (n < 0 || n == node) continue;
    report.warn("strategy core " + std::to_string(cpu) + " is on NUMA node " + std::to_string(n) +
                    ", the channels' producers on node " + std::to_string(node),
                "run strategies on isolated cpus of node " + std::to_string(node) + " (" +
                    format_cpu_list(topo.cpus_of_node(node)) + ")");
  }
}

void check_nic_drivers(const CheckContext& ctx, Report& report) {
  for (const auto& port : ctx.usage.ports) {
    const std::string who = "port " + port.name;
    if (!port.pci) {
      report.ok(who + ": virtual device " + port.device.substr(0, port.device.find(',')) +
                " (no NIC to check)");
      continue;
    }
    const std::string dir = "/sys/bus/pci/devices/" + *port.pci;
    const std::string bind = "modprobe vfio-pci && dpdk-devbind.py --bind=vfio-pci " + *port.pci;
    if (!ctx.fs.exists(dir)) {
      report.fail(who + ": PCI device " + *port.pci + " not found under /sys/bus/pci/devices",
                  "check the address with lspci -D and fix ports[].device");
      continue;
    }
    const std::string nic = who + ": NIC " + *port.pci;
    const auto driver = ctx.fs.link_name(dir + "/driver");
    if (!driver) {
      report.fail(nic + " has no driver bound", bind);
    } else if (*driver == "vfio-pci" && !ctx.fs.exists(dir + "/iommu_group")) {
      report.fail(nic + " bound to vfio-pci but has no IOMMU group",
                  "enable VT-d / AMD-Vi in the firmware and add intel_iommu=on iommu=pt to the "
                  "kernel command line");
    } else if (*driver == "vfio-pci") {
      report.ok(nic + " bound to vfio-pci");
    } else if (*driver == "mlx5_core" || *driver == "mlx4_core") {
      report.ok(nic + " bound to " + *driver + " (bifurcated: the DPDK mlx PMD runs beside it)");
    } else if (*driver == "uio_pci_generic" || *driver == "igb_uio") {
      report.warn(nic + " bound to " + *driver + " (works, but no IOMMU protection)", bind);
    } else {
      report.fail(nic + " bound to kernel driver " + *driver + ", which DPDK cannot drive",
                  "ip link set <interface> down && " + bind);
    }
  }
}

}  // namespace ichannel::check_host
