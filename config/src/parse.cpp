// config/src/parse.cpp: YAML document -> Config: the root, eal, cores, logging and statistics;
// the other sections are in parse_sections.cpp.
#include "parse.hpp"

#include <algorithm>
#include <array>
#include <bitset>
#include <string>
#include <string_view>
#include <vector>

#include "config/names.hpp"
#include "parse_sections.hpp"
#include "yaml_reader.hpp"

namespace ichannel::config {

namespace {

const std::vector<std::string_view> kLogLevels = {"trace", "debug",    "info", "warn",
                                                  "error", "critical", "off"};
// EAL options ichannel-feed derives from the config; extra_args must not repeat them.
constexpr std::array<std::string_view, 9> kManagedEalArgs = {
    "-l",        "--lcores",      "-c",          "--main-lcore", "-m",
    "--no-huge", "--file-prefix", "--in-memory", "--socket-mem"};

// "0-3,5" (DPDK -l syntax) -> {0, 1, 2, 3, 5}
bool parse_lcore_list(std::string_view text, std::vector<unsigned>& out) {
  std::vector<unsigned> lcores;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (comma != std::string_view::npos && text.empty()) return false;  // trailing comma
    const auto dash = item.find('-');
    const auto first = parse_decimal(item.substr(0, dash));
    const auto last = dash == std::string_view::npos ? first : parse_decimal(item.substr(dash + 1));
    if (!first || !last || *first > *last || *last >= kMaxLcores) return false;
    for (auto lcore = *first; lcore <= *last; ++lcore)
      lcores.push_back(static_cast<unsigned>(lcore));
  }
  if (lcores.empty()) return false;
  out = std::move(lcores);
  return true;
}

void parse_lcores(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                  std::vector<unsigned>& out) {
  std::vector<unsigned> lcores;
  if (node.IsScalar()) {
    if (!parse_lcore_list(node.Scalar(), lcores)) {
      diag.error(path, "'" + shown(node.Scalar()) +
                           "' is not an lcore list like [0, 1] or \"0-3,5\" (ids below " +
                           std::to_string(kMaxLcores) + ")");
      return;
    }
  } else {
    const auto items = read_sequence(diag, node, path);
    for (std::size_t i = 0; i < items.size(); ++i) {
      unsigned lcore = 0;
      if (read_uint_as(diag, items[i], index_path(path, i), 0, kMaxLcores - 1, lcore)) {
        lcores.push_back(lcore);
      }
    }
  }
  std::bitset<kMaxLcores> seen;
  for (const unsigned lcore : lcores) {
    if (seen.test(lcore)) diag.error(path, "lcore " + std::to_string(lcore) + " is listed twice");
    seen.set(lcore);
  }
  out = std::move(lcores);
}

void parse_eal(Diagnostics& diag, const YAML::Node& node, Eal& eal) {
  const MapReader map(
      diag, node, "eal",
      {"lcores", "main_lcore", "hugepages", "memory_mb", "file_prefix", "extra_args"});
  if (auto v = map.get("lcores")) parse_lcores(diag, *v, map.path_of("lcores"), eal.lcores);
  if (auto v = map.get("main_lcore")) {
    (void)read_uint_as(diag, *v, map.path_of("main_lcore"), 0, kMaxLcores - 1, eal.main_lcore);
  }
  if (auto v = map.get("hugepages"))
    (void)read_bool(diag, *v, map.path_of("hugepages"), eal.hugepages);
  if (auto v = map.get("memory_mb")) {
    (void)read_uint_as(diag, *v, map.path_of("memory_mb"), 64, 1u << 20, eal.memory_mb);
  }
  if (auto v = map.get("file_prefix"))
    (void)read_name(diag, *v, map.path_of("file_prefix"), eal.file_prefix);
  if (auto v = map.get("extra_args")) {
    const std::string path = map.path_of("extra_args");
    (void)read_string_list(diag, *v, path, eal.extra_args);
    for (std::size_t i = 0; i < eal.extra_args.size(); ++i) {
      const std::string& arg = eal.extra_args[i];
      const std::string option = arg.substr(0, arg.find('='));
      if (std::find(kManagedEalArgs.begin(), kManagedEalArgs.end(), option) !=
          kManagedEalArgs.end()) {
        diag.error(index_path(path, i), "'" + shown(option) +
                                            "' is set by ichannel-feed from the eal section; "
                                            "use eal.lcores/main_lcore/hugepages/memory_mb/"
                                            "file_prefix instead");
      }
    }
  }
}

void parse_logging(Diagnostics& diag, const YAML::Node& node, Logging& logging) {
  const MapReader map(diag, node, "logging", {"level", "file", "async"});
  if (auto v = map.get("level")) {
    const bool spdlog_alias = v->IsScalar() && v->Scalar() == "warning";  // spdlog's own name
    if (spdlog_alias) {
      logging.level = "warn";
    } else {
      (void)read_choice(diag, *v, map.path_of("level"), "logging level", kLogLevels, logging.level);
    }
  }
  if (auto v = map.get("file")) (void)read_string(diag, *v, map.path_of("file"), logging.file);
  if (auto v = map.get("async")) (void)read_bool(diag, *v, map.path_of("async"), logging.async);
}

void parse_statistics(Diagnostics& diag, const YAML::Node& node, Statistics& statistics) {
  const MapReader map(diag, node, "statistics", {"interval_ms", "segment", "prometheus_file"});
  if (auto v = map.get("interval_ms")) {
    (void)read_uint_as(diag, *v, map.path_of("interval_ms"), 10, 3'600'000, statistics.interval_ms);
  }
  if (auto v = map.get("segment")) {
    const std::string path = map.path_of("segment");
    if (read_string(diag, *v, path, statistics.segment) &&
        !is_valid_channel_name(statistics.segment)) {
      diag.error(path, "'" + shown(statistics.segment) +
                           "' is not a valid segment name (1..63 characters of A-Z a-z 0-9 . _ -, "
                           "not starting with '.', no '..')");
    }
  }
  if (auto v = map.get("prometheus_file")) {
    (void)read_string(diag, *v, map.path_of("prometheus_file"), statistics.prometheus_file);
  }
}

}  // namespace

void parse_config(const YAML::Node& root, Diagnostics& diag, Config& config) {
  diag.remember("", position_of(root));
  const MapReader map(diag, root, "",
                      {"eal", "ports", "feeds", "channels", "routes", "cores", "logging",
                       "statistics", "channel_dir"});
  if (!map.is_map()) return;
  if (auto v = map.get("eal")) parse_eal(diag, *v, config.eal);
  const auto require_list = [&](const char* key, auto parse, auto& out, const char* what) {
    const auto value = map.require(key);
    if (!value) return;
    parse(diag, *value, out);
    if (value->IsSequence() && value->size() == 0) {
      diag.error(key, std::string("at least one ") + what + " is required");
    }
  };
  require_list("ports", parse_ports, config.ports, "port");
  require_list("feeds", parse_feeds, config.feeds, "feed");
  require_list("channels", parse_channels, config.channels, "channel");
  require_list("routes", parse_routes, config.routes, "route");
  require_list("cores", parse_cores, config.cores, "core");
  if (auto v = map.get("logging")) parse_logging(diag, *v, config.logging);
  if (auto v = map.get("statistics")) parse_statistics(diag, *v, config.statistics);
  if (auto v = map.get("channel_dir")) {
    if (read_string(diag, *v, "channel_dir", config.channel_dir) && !config.channel_dir.empty() &&
        config.channel_dir.front() != '/') {
      diag.error("channel_dir", "'" + shown(config.channel_dir) + "' is not an absolute path");
    }
  }
}

}  // namespace ichannel::config
