// tests/support/test_config.hpp: the tests' ichannel-feed config, rendered from the one template
// (tests/support/feed-config.yaml.in) that the e2e scripts and deploy/demo render too.
//
// Contract
// - render_config(values): the template's text with the rendering rules written at its top
//   (tests/support/feed-config.sh implements the same rules for the shell). Throws
//   std::runtime_error naming the placeholder for an unknown name or a placeholder without value.
// - load_config(values): rendered, then loaded and validated by config::load_string; throws
//   std::runtime_error with every load error.
// - minimal_config(): one port p0 (net_pcap vdev), one feed "itch" with lines A 233.54.12.1:26400
//   and B 233.54.12.2:26400 on p0, one channel "all" (1024 slots) routed from the feed, one core
//   (lcore 1 polls p0 queue 0), main lcore 0, --no-huge; everything else at the struct defaults.
//   Tests mutate it, then pass it through validated() (the config validator: checks it and
//   resolves the *_index members again). route() and core() build the entries tests add.
// - The template's path comes from the meson define ICHANNEL_FEED_CONFIG_TEMPLATE
//   (test_support_dep). Test-only; allocates; reads the template on every call.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "config/load.hpp"

#ifndef ICHANNEL_FEED_CONFIG_TEMPLATE
#error "link test_support_dep (tests/support/meson.build): it defines the template's path"
#endif

namespace ichannel::test {

using ConfigValues = std::map<std::string, std::string>;

namespace detail {

struct Placeholder {
  std::size_t begin = 0;  // the opening '@'
  std::size_t end = 0;    // one past the closing '@'
  std::string name;
  std::optional<std::string> fallback;  // @NAME=DEFAULT@
};

inline bool name_char(char c, bool first) {
  return std::isupper(static_cast<unsigned char>(c)) ||
         (!first && (std::isdigit(static_cast<unsigned char>(c)) || c == '_'));
}

// Every @NAME@ / @NAME=DEFAULT@ of a line, left to right (the regex
// @([A-Z][A-Z0-9_]*)(=([^@]*))?@ of the shell renderer).
inline std::vector<Placeholder> placeholders(const std::string& line) {
  std::vector<Placeholder> out;
  std::size_t at = line.find('@');
  while (at != std::string::npos) {
    std::size_t i = at + 1;
    while (i < line.size() && name_char(line[i], i == at + 1)) ++i;
    Placeholder p;
    p.begin = at;
    p.name = line.substr(at + 1, i - at - 1);
    if (!p.name.empty() && i < line.size() && line[i] == '@') {
      p.end = i + 1;
    } else if (!p.name.empty() && i < line.size() && line[i] == '=' &&
               line.find('@', i + 1) != std::string::npos) {
      const std::size_t close = line.find('@', i + 1);
      p.fallback = line.substr(i + 1, close - i - 1);
      p.end = close + 1;
    }
    if (p.end != 0) {
      out.push_back(p);
      at = line.find('@', p.end);
    } else {
      at = line.find('@', at + 1);
    }
  }
  return out;
}

// NAME of a leading "@?NAME@" marker, and the marker's length; nullopt when there is none.
inline std::optional<std::pair<std::string, std::size_t>> condition(const std::string& line) {
  if (line.rfind("@?", 0) != 0) return std::nullopt;
  std::size_t i = 2;
  while (i < line.size() && name_char(line[i], i == 2)) ++i;
  if (i == 2 || i >= line.size() || line[i] != '@') return std::nullopt;
  return std::make_pair(line.substr(2, i - 2), i + 1);
}

}  // namespace detail

inline std::string render_config(const ConfigValues& values) {
  const std::string path = ICHANNEL_FEED_CONFIG_TEMPLATE;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("render_config: cannot read " + path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind('#', 0) != 0) lines.push_back(line);
  }
  std::map<std::string, std::string> defaults;
  std::set<std::string> known;
  for (const auto& line : lines) {
    if (const auto marker = detail::condition(line)) known.insert(marker->first);
    for (const auto& p : detail::placeholders(line)) {
      known.insert(p.name);
      if (!p.fallback) continue;
      const auto [it, inserted] = defaults.emplace(p.name, *p.fallback);
      if (!inserted && it->second != *p.fallback) {
        throw std::runtime_error("render_config: " + path + ": two defaults for " + p.name);
      }
    }
  }
  for (const auto& [name, value] : values) {
    if (!known.contains(name)) {
      throw std::runtime_error("render_config: no placeholder " + name + " in " + path);
    }
  }
  const auto value_of = [&](const std::string& name) -> std::optional<std::string> {
    if (const auto it = values.find(name); it != values.end()) return it->second;
    if (const auto it = defaults.find(name); it != defaults.end()) return it->second;
    return std::nullopt;
  };
  std::string out;
  for (std::string line : lines) {
    if (const auto marker = detail::condition(line)) {
      if (value_of(marker->first).value_or("").empty()) continue;
      line.erase(0, marker->second);
    }
    std::string rendered;
    std::size_t done = 0;
    for (const auto& p : detail::placeholders(line)) {
      const auto value = value_of(p.name);
      if (!value) throw std::runtime_error("render_config: " + p.name + " needs a value");
      rendered += line.substr(done, p.begin - done) + *value;
      done = p.end;
    }
    out += rendered + line.substr(done) + '\n';
  }
  return out;
}

inline config::Config load_config(const ConfigValues& values,
                                  const std::string& source_name = "test.yaml") {
  auto loaded = config::load_string(render_config(values), source_name);
  if (!loaded.ok()) {
    std::string message = "load_config: the rendered template does not load:";
    for (const auto& error : loaded.errors) message += "\n  " + error.message();
    throw std::runtime_error(message);
  }
  return std::move(*loaded.config);
}

inline config::Config minimal_config() {
  return load_config({
      {"CAPACITY", "1024"},
      {"CHANNEL", "all"},
      {"DEVICE", "net_pcap0,rx_pcap=/tmp/x.pcap"},
      {"FEED", "itch"},
      {"FILE_PREFIX", "ichtest"},
      {"HUGEPAGES", "false"},
      {"MEMORY_MB", "256"},
      // The struct defaults (config.hpp), where the template's defaults are the e2e values.
      {"LOG_ASYNC", "true"},
      {"MEMPOOL_SIZE", "65535"},
      {"RX_DESCRIPTORS", "4096"},
      {"STATS_INTERVAL_MS", "1000"},
  });
}

inline config::Route route(std::string feed, std::vector<std::string> channels,
                           std::vector<std::string> symbols = {}) {
  config::Route r;
  r.feed = std::move(feed);
  r.channels = std::move(channels);
  r.symbols = std::move(symbols);
  return r;
}

inline config::Core core(unsigned lcore, std::string port, unsigned queue) {
  config::Core c;
  c.lcore = lcore;
  c.port = std::move(port);
  c.queue = queue;
  return c;
}

// The config as the loader would return it; a test failure (and the input) if it is invalid.
inline config::Config validated(const config::Config& c) {
  config::LoadResult result = config::validate(c);
  for (const config::LoadError& e : result.errors) ADD_FAILURE() << e.message();
  return result.ok() ? *result.config : c;
}

}  // namespace ichannel::test
