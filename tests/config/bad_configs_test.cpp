// tests/config/bad_configs_test.cpp: every file in tests/config/bad/ fails to load with exactly
// the errors its header announces ("# expect: LINE:COL: KEY: REASON", one line per error; each
// must be a fragment of one reported message). The daemon's e2e test runs `ichannel-feed --check`
// on the same files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "tests/config/config_test_util.hpp"
#include "config/load.hpp"

namespace ichannel::config {
namespace {

std::vector<std::string> expectations(const std::filesystem::path& file) {
  constexpr std::string_view kPrefix = "# expect: ";
  std::vector<std::string> expected;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(kPrefix, 0) == 0) expected.push_back(line.substr(kPrefix.size()));
  }
  return expected;
}

TEST(BadConfigs, EachFailsWithExactlyItsExpectedErrors) {
  const std::filesystem::path dir = testing::bad_dir();
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 20u);
  for (const auto& file : files) {
    SCOPED_TRACE(file.filename().string());
    const std::vector<std::string> expected = expectations(file);
    ASSERT_FALSE(expected.empty()) << "no '# expect:' header";
    const LoadResult result = load_file(file.string());
    EXPECT_FALSE(result.ok());
    const std::vector<std::string> got = testing::messages(result);
    ASSERT_EQ(got.size(), expected.size()) << ::testing::PrintToString(got);
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].rfind(file.string() + ":", 0), 0u) << got[i];  // names the file first
      EXPECT_THAT(got[i], ::testing::HasSubstr(expected[i]));
    }
  }
}

}  // namespace
}  // namespace ichannel::config
