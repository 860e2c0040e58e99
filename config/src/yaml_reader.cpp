// config/src/yaml_reader.cpp: typed, position-aware reading of yaml-cpp nodes.
#include "yaml_reader.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

#include "config/names.hpp"
#include "suggest.hpp"

namespace ichannel::config {

Position position_of(const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return {};
  return Position{mark.line + 1, mark.column + 1};
}

Position position_of(const YAML::Node& node) {
  return position_of(node.Mark());
}

std::string join_path(const std::string& parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string path = parent;
  path += '.';
  path += key;
  return path;
}

std::string index_path(const std::string& parent, std::size_t index) {
  return parent + '[' + std::to_string(index) + ']';
}

std::string shown(std::string_view text) {
  constexpr std::size_t kMaxShown = 64;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : text.substr(0, kMaxShown)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F) {
      out += c;
    } else {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  if (text.size() > kMaxShown) out += "... (" + std::to_string(text.size()) + " bytes)";
  return out;
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return "'" + shown(node.Scalar()) + "'";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      break;
  }
  return "no value";
}

MapReader::MapReader(Diagnostics& diag, const YAML::Node& node, std::string path,
                     std::initializer_list<std::string_view> known_keys)
    : diag_(diag), path_(std::move(path)), position_(diag.where(path_)) {
  if (!node.IsMap()) {
    diag_.error_at(position_, path_, "expected a mapping of keys, got " + describe(node));
    return;
  }
  is_map_ = true;
  const std::vector<std::string_view> known(known_keys);
  for (const auto& pair : node) {
    const YAML::Node key = pair.first;  // copies: the iterator's pair is a proxy temporary
    const YAML::Node value = pair.second;
    const Position key_position = position_of(key);
    if (!key.IsScalar()) {
      diag_.error_at(key_position, path_, "keys must be plain words, got " + describe(key));
      continue;
    }
    const std::string& name = key.Scalar();
    const std::string key_path = join_path(path_, name);
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string reason = "unknown key '" + shown(name) + "'";
      if (const std::string hint = closest_match(name, known); !hint.empty()) {
        reason += " (did you mean '" + hint + "'?)";
      }
      diag_.error_at(key_position, key_path, std::move(reason));
      continue;
    }
    const bool duplicate = std::any_of(entries_.begin(), entries_.end(),
                                       [&](const auto& entry) { return entry.first == name; });
    if (duplicate) {
      diag_.error_at(key_position, key_path, "duplicate key '" + shown(name) + "'");
      continue;
    }
    // An empty value's mark is the next token's: point at the key instead.
    const Position value_position = position_of(value);
    diag_.remember(key_path,
                   value.IsNull() || value_position.line == 0 ? key_position : value_position);
    entries_.emplace_back(name, value);
  }
}

std::optional<YAML::Node> MapReader::get(std::string_view key) const {
  for (const auto& [name, value] : entries_) {
    if (name == key) return value;
  }
  return std::nullopt;
}

std::optional<YAML::Node> MapReader::require(std::string_view key) const {
  auto value = get(key);
  if (!value && is_map_) diag_.error_at(position_, path_of(key), "required key is missing");
  return value;
}

std::vector<YAML::Node> read_sequence(Diagnostics& diag, const YAML::Node& node,
                                      const std::string& path) {
  std::vector<YAML::Node> items;
  if (!node.IsSequence()) {
    diag.error(path, "expected a list, got " + describe(node));
    return items;
  }
  for (std::size_t i = 0; i < node.size(); ++i) {
    diag.remember(index_path(path, i), position_of(node[i]));
    items.push_back(node[i]);
  }
  return items;
}

std::optional<std::string> scalar_text(Diagnostics& diag, const YAML::Node& node,
                                       const std::string& path, std::string_view what) {
  if (node.IsScalar()) return node.Scalar();
  diag.error(path, "expected " + std::string(what) + ", got " + describe(node) +
                       (node.IsNull() ? " (write \"\" for an empty string)" : ""));
  return std::nullopt;
}

bool read_string(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                 std::string& out) {
  auto text = scalar_text(diag, node, path, "a string");
  if (!text) return false;
  out = std::move(*text);
  return true;
}

bool read_bool(Diagnostics& diag, const YAML::Node& node, const std::string& path, bool& out) {
  auto text = scalar_text(diag, node, path, "true or false");
  if (!text) return false;
  std::string word = *text;
  std::transform(word.begin(), word.end(), word.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (word == "true" || word == "yes" || word == "on") {
    out = true;
    return true;
  }
  if (word == "false" || word == "no" || word == "off") {
    out = false;
    return true;
  }
  diag.error(path, "expected true or false, got '" + shown(*text) + "'");
  return false;
}

std::optional<std::uint64_t> parse_decimal(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

bool read_uint(Diagnostics& diag, const YAML::Node& node, const std::string& path,
               std::uint64_t min, std::uint64_t max, std::uint64_t& out) {
  auto text = scalar_text(diag, node, path, "an unsigned integer");
  if (!text) return false;
  const auto value = parse_decimal(*text);
  if (!value) {
    diag.error(path, "expected an unsigned integer, got '" + shown(*text) + "'");
    return false;
  }
  if (*value < min || *value > max) {
    diag.error(path,
               *text + " is out of range " + std::to_string(min) + ".." + std::to_string(max));
    return false;
  }
  out = *value;
  return true;
}

bool read_int(Diagnostics& diag, const YAML::Node& node, const std::string& path, std::int64_t min,
              std::int64_t max, std::int64_t& out) {
  auto text = scalar_text(diag, node, path, "an integer");
  if (!text) return false;
  const bool negative = !text->empty() && (*text)[0] == '-';
  const auto magnitude = parse_decimal(std::string_view(*text).substr(negative ? 1 : 0));
  const auto limit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (!magnitude || *magnitude > limit) {
    diag.error(path, "expected an integer, got '" + shown(*text) + "'");
    return false;
  }
  const auto value =
      negative ? -static_cast<std::int64_t>(*magnitude) : static_cast<std::int64_t>(*magnitude);
  if (value < min || value > max) {
    diag.error(path,
               *text + " is out of range " + std::to_string(min) + ".." + std::to_string(max));
    return false;
  }
  out = value;
  return true;
}

bool read_string_list(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                      std::vector<std::string>& out) {
  if (!node.IsSequence()) {
    diag.error(path, "expected a list, got " + describe(node));
    return false;
  }
  bool ok = true;
  std::vector<std::string> values;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string item_path = index_path(path, i);
    diag.remember(item_path, position_of(node[i]));
    std::string value;
    if (read_string(diag, node[i], item_path, value)) {
      values.push_back(std::move(value));
    } else {
      ok = false;
    }
  }
  if (ok) out = std::move(values);  // all or nothing: indexes stay those of the file
  return ok;
}

bool read_choice(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                 std::string_view what, const std::vector<std::string_view>& choices,
                 std::string& out) {
  auto text = scalar_text(diag, node, path, "a string");
  if (!text) return false;
  if (std::find(choices.begin(), choices.end(), *text) != choices.end()) {
    out = *text;
    return true;
  }
  std::string reason = "unknown " + std::string(what) + " '" + shown(*text) + "'";
  const std::string hint = closest_match(*text, choices);
  if (!hint.empty()) reason += " (did you mean '" + hint + "'?)";
  reason += "; expected one of:";
  for (std::size_t i = 0; i < choices.size(); ++i) {
    reason += i == 0 ? " " : ", ";
    reason += choices[i];
  }
  diag.error(path, std::move(reason));
  return false;
}

bool read_name(Diagnostics& diag, const YAML::Node& node, const std::string& path,
               std::string& out) {
  std::string name;
  if (!read_string(diag, node, path, name)) return false;
  if (!is_valid_identifier(name)) {
    diag.error(path,
               "'" + shown(name) + "' is not a valid name (1..63 characters of A-Z a-z 0-9 . _ -)");
    return false;
  }
  out = std::move(name);
  return true;
}

}  // namespace ichannel::config
