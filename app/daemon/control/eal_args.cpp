// daemon/control/eal_args.cpp: see eal_args.hpp.
#include "daemon/control/eal_args.hpp"

#include <cctype>

namespace ichannel::daemon {
namespace {

bool is_hex(char c) noexcept {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

// Exactly n hex digits at text[pos..pos+n).
bool hex_run(std::string_view text, std::size_t pos, std::size_t n) noexcept {
  if (pos + n > text.size()) return false;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!is_hex(text[i])) return false;
  }
  return true;
}

// "BB:DD.F" at pos, ending the string.
bool bdf_at(std::string_view text, std::size_t pos) noexcept {
  return text.size() == pos + 7 && hex_run(text, pos, 2) && text[pos + 2] == ':' &&
         hex_run(text, pos + 3, 2) && text[pos + 5] == '.' && hex_run(text, pos + 6, 1);
}

std::string_view before_comma(std::string_view device) noexcept {
  return device.substr(0, device.find(','));
}

}  // namespace

bool is_pci_address(std::string_view device) noexcept {
  const std::string_view addr = before_comma(device);
  if (bdf_at(addr, 0)) return true;
  return hex_run(addr, 0, 4) && addr.size() > 4 && addr[4] == ':' && bdf_at(addr, 5);
}

std::string dpdk_device_name(std::string_view device) {
  const std::string_view name = before_comma(device);
  if (is_pci_address(name) && bdf_at(name, 0)) return "0000:" + std::string(name);
  return std::string(name);
}

std::string lcore_list(const std::vector<unsigned>& lcores) {
  std::string out;
  for (unsigned lcore : lcores) {
    if (!out.empty()) out += ',';
    out += std::to_string(lcore);
  }
  return out;
}

std::vector<std::string> build_eal_args(const config::Config& config, std::string_view program) {
  const config::Eal& eal = config.eal;
  std::vector<std::string> args{std::string(program), "-l", lcore_list(eal.lcores), "--main-lcore",
                                std::to_string(eal.main_lcore)};
  if (!eal.hugepages) args.emplace_back("--no-huge");
  args.emplace_back("-m");
  args.push_back(std::to_string(eal.memory_mb));
  args.emplace_back("--file-prefix");
  args.push_back(eal.file_prefix);
  bool any_pci = false;
  for (const config::Port& port : config.ports) {
    if (is_pci_address(port.device)) {
      any_pci = true;
      args.emplace_back("-a");
    } else {
      args.emplace_back("--vdev");
    }
    args.push_back(port.device);
  }
  if (!any_pci) args.emplace_back("--no-pci");
  args.insert(args.end(), eal.extra_args.begin(), eal.extra_args.end());
  return args;
}

}  // namespace ichannel::daemon
