// host_fs.hpp: read-only view of a host's /proc, /sys and /etc below a root directory.
//
// Contract
// - Every absolute path the checker reads goes through HostFs, which prefixes the root given with
//   --root ("/" on a real host, a temporary fake tree in tests). Nothing here writes.
// - Missing or unreadable files are not errors: they come back as nullopt / empty, and the check
//   that asked decides what that means.
// - Cold path; allocates.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ichannel::check_host {

class HostFs {
 public:
  explicit HostFs(std::filesystem::path root) : root_(std::move(root)) {}

  // Root + absolute path ("/proc/cmdline" -> "<root>/proc/cmdline").
  [[nodiscard]] std::filesystem::path path(std::string_view absolute) const;
  // Whole file, or nullopt when it does not exist or cannot be read.
  [[nodiscard]] std::optional<std::string> read(std::string_view absolute) const;
  // First line without trailing whitespace.
  [[nodiscard]] std::optional<std::string> read_line(std::string_view absolute) const;
  // Entry names of a directory, sorted; empty when it does not exist.
  [[nodiscard]] std::vector<std::string> list(std::string_view absolute) const;
  // Last component of a symlink's target (".../drivers/vfio-pci" -> "vfio-pci").
  [[nodiscard]] std::optional<std::string> link_name(std::string_view absolute) const;
  [[nodiscard]] bool exists(std::string_view absolute) const;
  // True when the root is the real "/" (the checker may then ask the kernel directly).
  [[nodiscard]] bool is_real_root() const;

 private:
  std::filesystem::path root_;
};

}  // namespace ichannel::check_host
