// config/src/parse_sections.hpp: parsers of the list sections of the configuration (private).
//
// Contract: each reads one top-level list (its items' keys, types, ranges and formats) into the
// Config, reporting every problem to `diag` with its key path; see parse.hpp. Cold path.
#pragma once

#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/config.hpp"
#include "diagnostics.hpp"

namespace ichannel::config {

void parse_ports(Diagnostics& diag, const YAML::Node& node, std::vector<Port>& ports);
void parse_feeds(Diagnostics& diag, const YAML::Node& node, std::vector<Feed>& feeds);
void parse_channels(Diagnostics& diag, const YAML::Node& node, std::vector<Channel>& channels);
void parse_routes(Diagnostics& diag, const YAML::Node& node, std::vector<Route>& routes);
void parse_cores(Diagnostics& diag, const YAML::Node& node, std::vector<Core>& cores);

}  // namespace ichannel::config
