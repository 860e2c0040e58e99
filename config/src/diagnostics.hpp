// config/src/diagnostics.hpp: error collection shared by the parser and the validator (private).
//
// Contract
// - The parser records, for every key path it reads, the 1-based position of the value
//   (remember), and reports problems with error(path, reason) at that position or an explicit one.
// - The validator, which sees only the plain Config, reports with error(path, reason); the
//   position is that of the path, or of its nearest recorded ancestor ("a.b[2].c" -> "a.b[2]" ...).
// - Cold path, single thread, allocates.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "config/load.hpp"

namespace ichannel::config {

struct Position {
  int line = 0;    // 1-based; 0: unknown
  int column = 0;  // 1-based; 0: unknown
};

class Diagnostics {
 public:
  explicit Diagnostics(std::string source) : source_(std::move(source)) {}

  void remember(const std::string& path, Position position) { where_[path] = position; }

  // Position recorded for path or its nearest ancestor; {0, 0} if none.
  [[nodiscard]] Position where(std::string path) const;

  void error(const std::string& path, std::string reason) {
    error_at(where(path), path, std::move(reason));
  }
  void error_at(Position position, const std::string& path, std::string reason);

  [[nodiscard]] bool has_errors() const { return !errors_.empty(); }
  [[nodiscard]] std::vector<LoadError> take_sorted();  // stable sort by line, column
  [[nodiscard]] const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::map<std::string, Position> where_;
  std::vector<LoadError> errors_;
};

// Removes the last component of a key path: "a.b[2].c" -> "a.b[2]" -> "a.b" -> "a" -> "".
[[nodiscard]] std::string parent_path(const std::string& path);

}  // namespace ichannel::config
