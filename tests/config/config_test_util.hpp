// tests/config/config_test_util.hpp: helpers shared by the config tests.
//
// Contract
// - kMinimalConfig is the smallest valid configuration (one port, feed, channel, route, core).
// - messages() flattens a LoadResult's errors into their "FILE:LINE:COL: KEY: REASON" strings.
// - source_dir() is the repository's config/ or tests/config/ directory: from the environment
//   (ICHANNEL_CONFIG_EXAMPLES, ICHANNEL_CONFIG_BAD) or the compile-time source root.
#pragma once

#include <cstdlib>
#include <string>
#include <vector>

#include "config/load.hpp"

namespace ichannel::config::testing {

inline constexpr const char* kMinimalConfig = R"(ports:
  - name: p0
    device: net_null0
feeds:
  - name: f
    lines:
      A: { group: 233.54.12.1, port: 26400, rx_port: p0 }
channels:
  - name: c
routes:
  - feed: f
    channels: [c]
cores:
  - { lcore: 1, port: p0 }
)";

inline std::vector<std::string> messages(const LoadResult& result) {
  std::vector<std::string> out;
  for (const LoadError& error : result.errors) out.push_back(error.message());
  return out;
}

inline std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

inline std::string examples_dir() {
  return env_or("ICHANNEL_CONFIG_EXAMPLES", std::string(ICHANNEL_SOURCE_ROOT) + "/config/examples");
}

inline std::string bad_dir() {
  return env_or("ICHANNEL_CONFIG_BAD", std::string(ICHANNEL_SOURCE_ROOT) + "/tests/config/bad");
}

}  // namespace ichannel::config::testing

namespace ichannel::config::testing {

// kMinimalConfig with the first occurrence of `from` replaced by `to` (which must exist).
inline std::string minimal_with(const std::string& from, const std::string& to) {
  std::string text = kMinimalConfig;
  const auto at = text.find(from);
  if (at == std::string::npos) std::abort();
  text.replace(at, from.size(), to);
  return text;
}

// Error messages of loading kMinimalConfig with a replacement, source name "t.yaml".
inline std::vector<std::string> errors_with(const std::string& from, const std::string& to) {
  return messages(load_string(minimal_with(from, to), "t.yaml"));
}

// Error messages of loading kMinimalConfig followed by `extra` (which starts at line 15).
inline std::vector<std::string> errors_appending(const std::string& extra) {
  return messages(load_string(std::string(kMinimalConfig) + extra, "t.yaml"));
}

}  // namespace ichannel::config::testing
