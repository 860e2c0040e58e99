// config/src/load.cpp: the loader's entry points: read, parse YAML, parse fields, validate, report.
#include "config/load.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "diagnostics.hpp"
#include "parse.hpp"
#include "validate.hpp"
#include "yaml_reader.hpp"

namespace ichannel::config {

LoadResult load_string(std::string_view yaml, const std::string& source_name) {
  Diagnostics diag(source_name);
  Config config;
  config.source = source_name;
  try {
    const std::vector<YAML::Node> documents = YAML::LoadAll(std::string(yaml));
    if (documents.empty() || documents.front().IsNull()) {
      diag.error_at({}, "", "the configuration is empty");
    } else if (documents.size() > 1) {
      diag.error_at(position_of(documents[1]), "", "only one YAML document is allowed");
    } else {
      parse_config(documents.front(), diag, config);
      validate_config(config, diag);
    }
  } catch (const YAML::Exception& e) {  // syntax errors (ParserException) and yaml-cpp limits
    diag.error_at(position_of(e.mark), "", "YAML syntax error: " + e.msg);
  }
  LoadResult result;
  result.errors = diag.take_sorted();
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

LoadResult validate(Config config) {
  Diagnostics diag(config.source);
  validate_config(config, diag);
  LoadResult result;
  result.errors = diag.take_sorted();
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

LoadResult load_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return LoadResult{std::nullopt, {LoadError{path, 0, 0, "", "is a directory, not a file"}}};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    return LoadResult{
        std::nullopt,
        {LoadError{path, 0, 0, "", std::string("cannot open: ") + std::strerror(error)}}};
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return LoadResult{std::nullopt, {LoadError{path, 0, 0, "", "read error"}}};
  }
  return load_string(text.str(), path);
}

}  // namespace ichannel::config
