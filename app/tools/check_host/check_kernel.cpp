// check_kernel.cpp: kernel release against the minimum DPDK 22.11 supports.
#include <cstdio>

#include "host_checks.hpp"

namespace ichannel::check_host {
namespace {

// DPDK 22.11 Linux getting-started guide: kernel >= 4.14 (oldest LTS at its release).
constexpr int kMinMajor = 4;
constexpr int kMinMinor = 14;

}  // namespace

void check_kernel(const CheckContext& ctx, Report& report) {
  const auto release = ctx.fs.read_line("/proc/sys/kernel/osrelease");
  int major = 0;
  int minor = 0;
  if (!release || std::sscanf(release->c_str(), "%d.%d", &major, &minor) != 2) {
    report.warn("kernel version unknown (cannot read /proc/sys/kernel/osrelease)",
                "DPDK 22.11 needs Linux >= 4.14; check uname -r");
    return;
  }
  if (major < kMinMajor || (major == kMinMajor && minor < kMinMinor)) {
    report.fail("kernel " + *release + " is older than 4.14, the minimum for DPDK 22.11",
                "boot a newer kernel (Debian 12 ships 6.1)");
    return;
  }
  report.ok("kernel " + *release + " (DPDK 22.11 needs >= 4.14)");
}

}  // namespace ichannel::check_host
