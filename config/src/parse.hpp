// config/src/parse.hpp: YAML document -> Config, with every per-field check (private to config/).
//
// Contract
// - parse_config reads the root mapping into `config`, filling defaults from config.hpp for keys
//   that are absent, and reports to `diag` every type, range, format and unknown-key problem of a
//   single field, with its key path and position. Fields with problems keep their defaults.
// - Checks that relate several fields (references, uniqueness, core/queue coverage) are left to
//   validate_config (validate.hpp), which runs on the result even when parsing reported errors.
// - Cold path; never throws for bad input.
#pragma once

#include <yaml-cpp/yaml.h>

#include "config/config.hpp"
#include "diagnostics.hpp"

namespace ichannel::config {

// Upper bound of lcore ids (DPDK 22.11 RTE_MAX_LCORE as built by Debian).
inline constexpr unsigned kMaxLcores = 128;

void parse_config(const YAML::Node& root, Diagnostics& diag, Config& config);

}  // namespace ichannel::config
