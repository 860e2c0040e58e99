// tests/config/robustness_test.cpp: the loader never throws or crashes on damaged input, and every
// rejected input comes with at least one well-formed error.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "tests/config/config_test_util.hpp"
#include "config/load.hpp"

namespace ichannel::config {
namespace {

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Deletes, duplicates, or overwrites a few bytes with YAML-significant characters.
std::string mutate(std::string text, std::mt19937& rng) {
  static constexpr char kAlphabet[] = ":-[]{},'\"#&*!|> \n\t0123456789.aZ\x80\xff";
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < edits && !text.empty(); ++i) {
    const std::size_t at = rng() % text.size();
    switch (rng() % 3) {
      case 0:
        text.erase(at, 1 + rng() % 8);
        break;
      case 1:
        text.insert(at, text.substr(at, 1 + rng() % 16));
        break;
      default:
        text[at] = kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
        break;
    }
  }
  return text;
}

TEST(Robustness, MutatedExamplesNeverThrowAndAlwaysExplainRejection) {
  std::mt19937 rng(20261127);
  int rejected = 0;
  int total = 0;
  for (const auto& entry : std::filesystem::directory_iterator(testing::examples_dir())) {
    if (entry.path().extension() != ".yaml") continue;
    const std::string original = read_all(entry.path());
    for (int i = 0; i < 400; ++i) {
      const std::string text = mutate(original, rng);
      LoadResult result;
      ASSERT_NO_THROW(result = load_string(text, "m.yaml")) << text;
      ++total;
      EXPECT_EQ(result.ok(), result.errors.empty());
      if (!result.ok()) ++rejected;
      for (const LoadError& error : result.errors) {
        EXPECT_EQ(error.file, "m.yaml");
        EXPECT_FALSE(error.reason.empty());
        EXPECT_GE(error.line, 0);
        EXPECT_GE(error.column, 0);
      }
    }
  }
  EXPECT_GT(total, 0);
  EXPECT_GT(rejected, total / 4);  // the mutations do break most files
}

TEST(Robustness, DeepNestingIsAnErrorNotAStackOverflow) {
  const std::string text = "eal: " + std::string(100000, '[') + "\n";
  const LoadResult result = load_string(text, "deep.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_FALSE(result.errors.empty());
}

TEST(Robustness, NonStringListItemRejectsTheListWithoutShiftingIndexes) {
  const std::string text =
      testing::minimal_with("channels: [c]", "channels: [c]\n    symbols: [AAPL, [X], TOOLONGSYM]");
  EXPECT_EQ(testing::messages(load_string(text, "t.yaml")),
            (std::vector<std::string>{"t.yaml:13:21: routes[0].symbols[1]: expected a string, "
                                      "got a list"}));
}

}  // namespace
}  // namespace ichannel::config
