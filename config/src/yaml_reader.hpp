// config/src/yaml_reader.hpp: typed, position-aware reading of yaml-cpp nodes (private to config/).
//
// Contract
// - Every read_* takes the node, its key path and the Diagnostics; on success it stores the value
//   and returns true; on a type or range problem it reports one error naming the path and the
//   offending text, leaves the output untouched and returns false. Never throws for bad input.
// - MapReader checks on construction that the node is a mapping whose keys are known, plain and
//   unique ("unknown key 'capcity' (did you mean 'capacity'?)"), records every value's position
//   and hands out values by key; missing required keys are reported by require().
// - Integers are decimal only (yaml-cpp's own conversion would read "010" as octal 8).
// - Cold path, single thread. Includes yaml-cpp: never include this from a public header.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "diagnostics.hpp"

namespace ichannel::config {

[[nodiscard]] Position position_of(const YAML::Mark& mark);
[[nodiscard]] Position position_of(const YAML::Node& node);

// "a" + "b" -> "a.b"; "" + "b" -> "b".
[[nodiscard]] std::string join_path(const std::string& parent, std::string_view key);
// "a" + 2 -> "a[2]"
[[nodiscard]] std::string index_path(const std::string& parent, std::size_t index);

// User text as shown in messages: at most 64 characters, non-printable bytes as \xNN.
[[nodiscard]] std::string shown(std::string_view text);

// Short description of a node for messages: "'text'", "a list", "a mapping", "nothing".
[[nodiscard]] std::string describe(const YAML::Node& node);

class MapReader {
 public:
  // Reports (and then behaves as an empty mapping) if node is not a mapping.
  MapReader(Diagnostics& diag, const YAML::Node& node, std::string path,
            std::initializer_list<std::string_view> known_keys);

  [[nodiscard]] bool is_map() const { return is_map_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string path_of(std::string_view key) const { return join_path(path_, key); }

  // The value for key, or std::nullopt if absent.
  [[nodiscard]] std::optional<YAML::Node> get(std::string_view key) const;
  // Like get(); reports "required key is missing" (at the mapping) when absent.
  [[nodiscard]] std::optional<YAML::Node> require(std::string_view key) const;

 private:
  Diagnostics& diag_;
  std::string path_;
  Position position_;
  bool is_map_ = false;
  std::vector<std::pair<std::string, YAML::Node>> entries_;
};

// A sequence's items; reports (and returns none) if node is not a sequence. Records positions.
[[nodiscard]] std::vector<YAML::Node> read_sequence(Diagnostics& diag, const YAML::Node& node,
                                                    const std::string& path);

// The scalar text, or reports "expected <what>, got ..." (null and collections are errors).
[[nodiscard]] std::optional<std::string> scalar_text(Diagnostics& diag, const YAML::Node& node,
                                                     const std::string& path,
                                                     std::string_view what);

bool read_string(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                 std::string& out);
bool read_bool(Diagnostics& diag, const YAML::Node& node, const std::string& path, bool& out);
bool read_uint(Diagnostics& diag, const YAML::Node& node, const std::string& path,
               std::uint64_t min, std::uint64_t max, std::uint64_t& out);
bool read_int(Diagnostics& diag, const YAML::Node& node, const std::string& path, std::int64_t min,
              std::int64_t max, std::int64_t& out);
// All items, or (if any item is not a string) nothing: out is left untouched.
bool read_string_list(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                      std::vector<std::string>& out);

// One of `choices`, else "unknown WHAT 'x' (did you mean 'y'?); expected one of: a, b".
bool read_choice(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                 std::string_view what, const std::vector<std::string_view>& choices,
                 std::string& out);
// A port, feed or prefix name (names.hpp is_valid_identifier).
bool read_name(Diagnostics& diag, const YAML::Node& node, const std::string& path,
               std::string& out);

[[nodiscard]] constexpr bool is_power_of_two(std::uint64_t value) {
  return value != 0 && (value & (value - 1)) == 0;
}

// Typed convenience wrappers over read_uint for narrower fields.
template <typename T>
bool read_uint_as(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                  std::uint64_t min, std::uint64_t max, T& out) {
  std::uint64_t value = 0;
  if (!read_uint(diag, node, path, min, max, value)) return false;
  out = static_cast<T>(value);
  return true;
}

// Parses a decimal integer without sign, spaces or base prefixes; std::nullopt on overflow.
[[nodiscard]] std::optional<std::uint64_t> parse_decimal(std::string_view text);

}  // namespace ichannel::config
