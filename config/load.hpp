// config/load.hpp: load and validate an ichannel-feed YAML configuration.
//
// Contract
// - load_file / load_string parse YAML (yaml-cpp, private to config/) into the plain structs of
//   config.hpp and validate everything (types, ranges, addresses, names, cross references) before
//   returning. On success `config` is set and `errors` is empty; on any error `config` is empty
//   and `errors` lists ALL problems found, sorted by position, each naming file, line, column
//   (1-based), key path and reason.
// - Never throws for bad input (only std::bad_alloc can escape). Cold path: allocates freely.
// - Thread-safe (no shared state), but group lookups use getgrnam, so call it from one thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace ichannel::config {

struct LoadError {
  std::string file;    // source name (path given to load_file, or load_string's source_name)
  int line = 0;        // 1-based; 0: no position (e.g. the file cannot be read)
  int column = 0;      // 1-based; 0: no position
  std::string key;     // key path, e.g. "feeds[1].lines.A.group"; empty for syntax errors
  std::string reason;  // e.g. "233.54.12.300 is not an IPv4 multicast address"

  // "FILE:LINE:COL: KEY: REASON"; parts without a value are left out ("FILE: REASON").
  [[nodiscard]] std::string message() const;
};

struct LoadResult {
  std::optional<Config> config;   // set if and only if errors is empty
  std::vector<LoadError> errors;  // every problem found, sorted by line then column

  [[nodiscard]] bool ok() const { return config.has_value(); }
};

// Largest configuration file load_file reads.
inline constexpr std::size_t kMaxConfigBytes = std::size_t{1} << 20;  // 1 MiB

// Reads and validates the file at `path`. A file that cannot be read is one error without
// position. The open never follows a symlink at `path` ("is a symbolic link (not followed)"),
// never blocks (O_NONBLOCK: a FIFO is refused at once: "is a fifo, not a regular file"), accepts
// only a regular file and reads at most kMaxConfigBytes ("config file F is larger than 1 MiB").
[[nodiscard]] LoadResult load_file(const std::string& path);

// Validates YAML text; `source_name` is used as the file name in errors and Config::source.
[[nodiscard]] LoadResult load_string(std::string_view yaml,
                                     const std::string& source_name = "<string>");

// Runs the validator (and the name resolution) of load_* on a Config built in code, e.g. by a
// test; errors carry config.source and the key but no line or column.
[[nodiscard]] LoadResult validate(Config config);

}  // namespace ichannel::config
