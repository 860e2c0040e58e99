// check_nic.cpp: the kernel driver bound to each PCI NIC of the config.
#include <string>

#include "host_checks.hpp"

namespace ichannel::check_host {

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
