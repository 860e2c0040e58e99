// config/src/load.cpp: the loader's entry points: read, parse YAML, parse fields, validate, report.
#include "config/load.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include <yaml-cpp/yaml.h>

#include <ichannel/segment_file.hpp>

#include "diagnostics.hpp"
#include "parse.hpp"
#include "validate.hpp"
#include "yaml_reader.hpp"

namespace ichannel::config {

LoadResult load_string(std::string_view yaml, const std::string& source_name) {
  Diagnostics diag(source_name);
  Config config;
  config.source = source_name;
  try {
    const std::vector<YAML::Node> documents = YAML::LoadAll(std::string(yaml));
    if (documents.empty() || documents.front().IsNull()) {
      diag.error_at({}, "", "the configuration is empty");
    } else if (documents.size() > 1) {
      diag.error_at(position_of(documents[1]), "", "only one YAML document is allowed");
    } else {
      parse_config(documents.front(), diag, config);
      validate_config(config, diag);
    }
  } catch (const YAML::Exception& e) {  // syntax errors (ParserException) and yaml-cpp limits
    diag.error_at(position_of(e.mark), "", "YAML syntax error: " + e.msg);
  }
  LoadResult result;
  result.errors = diag.take_sorted();
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

LoadResult validate(Config config) {
  Diagnostics diag(config.source);
  validate_config(config, diag);
  LoadResult result;
  result.errors = diag.take_sorted();
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

namespace {

LoadResult file_error(const std::string& path, std::string reason) {
  return LoadResult{std::nullopt, {LoadError{path, 0, 0, "", std::move(reason)}}};
}

struct FdCloser {
  int fd;
  ~FdCloser() { ::close(fd); }
};

}  // namespace

LoadResult load_file(const std::string& path) {
  // O_NOFOLLOW: a symlink planted at the path is refused, not followed; O_NONBLOCK: opening a
  // FIFO returns at once (and is refused by the fstat below) instead of waiting for a writer.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    if (error == ELOOP) {
      return file_error(path, "is a symbolic link (not followed); give the file it points to");
    }
    return file_error(path, std::string("cannot open: ") + std::strerror(error));
  }
  const FdCloser closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return file_error(path, std::string("cannot stat: ") + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) return file_error(path, "is a directory, not a file");
  if (!S_ISREG(st.st_mode)) {
    return file_error(path, std::string("is ") + ichannel::file_kind(st.st_mode) + ", not a regular file");
  }
  const std::string too_large = "config file " + path + " is larger than 1 MiB";
  if (static_cast<std::uint64_t>(st.st_size) > kMaxConfigBytes) return file_error(path, too_large);
  // Bounded read: never more than kMaxConfigBytes + 1, whatever st_size said.
  std::string text;
  text.resize(static_cast<std::size_t>(st.st_size) + 1);
  std::size_t used = 0;
  for (;;) {
    if (used == text.size()) {
      if (text.size() > kMaxConfigBytes) return file_error(path, too_large);
      text.resize(std::min<std::size_t>(text.size() * 2, kMaxConfigBytes + 1));
    }
    const ssize_t n = ::read(fd, text.data() + used, text.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return file_error(path, std::string("read error: ") + std::strerror(errno));
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  text.resize(used);
  return load_string(text, path);
}

}  // namespace ichannel::config
