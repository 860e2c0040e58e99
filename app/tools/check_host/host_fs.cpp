// host_fs.cpp: see host_fs.hpp.
#include "tools/check_host/host_fs.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

namespace ichannel::check_host {

std::filesystem::path HostFs::path(std::string_view absolute) const {
  while (!absolute.empty() && absolute.front() == '/') absolute.remove_prefix(1);
  return root_ / absolute;
}

std::optional<std::string> HostFs::read(std::string_view absolute) const {
  std::ifstream in(path(absolute), std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

std::optional<std::string> HostFs::read_line(std::string_view absolute) const {
  auto text = read(absolute);
  if (!text) return std::nullopt;
  std::string line = text->substr(0, text->find('\n'));
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
    line.pop_back();
  }
  return line;
}

std::vector<std::string> HostFs::list(std::string_view absolute) const {
  std::vector<std::string> names;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(path(absolute), ec), end; !ec && it != end;
       it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<std::string> HostFs::link_name(std::string_view absolute) const {
  std::error_code ec;
  const auto target = std::filesystem::read_symlink(path(absolute), ec);
  if (ec) return std::nullopt;
  return target.filename().string();
}

bool HostFs::exists(std::string_view absolute) const {
  std::error_code ec;
  return std::filesystem::exists(path(absolute), ec);
}

bool HostFs::is_real_root() const {
  std::error_code ec;
  return std::filesystem::equivalent(root_, "/", ec);
}

}  // namespace ichannel::check_host
