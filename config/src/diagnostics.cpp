// config/src/diagnostics.cpp: error collection and key-path positions.
#include "diagnostics.hpp"

#include <algorithm>

namespace ichannel::config {

std::string parent_path(const std::string& path) {
  const auto cut = path.find_last_of(".[");
  return cut == std::string::npos ? std::string() : path.substr(0, cut);
}

Position Diagnostics::where(std::string path) const {
  while (true) {
    if (const auto it = where_.find(path); it != where_.end()) return it->second;
    if (path.empty()) return {};
    path = parent_path(path);
  }
}

void Diagnostics::error_at(Position position, const std::string& path, std::string reason) {
  errors_.push_back(LoadError{source_, position.line, position.column, path, std::move(reason)});
}

std::vector<LoadError> Diagnostics::take_sorted() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const LoadError& a, const LoadError& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  return std::move(errors_);
}

std::string LoadError::message() const {
  std::string text = file;
  if (line > 0) {
    text += ':' + std::to_string(line);
    if (column > 0) text += ':' + std::to_string(column);
  }
  text += ": ";
  if (!key.empty()) text += key + ": ";
  text += reason;
  return text;
}

}  // namespace ichannel::config
