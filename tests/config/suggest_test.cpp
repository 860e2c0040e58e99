// tests/config/suggest_test.cpp: edit distance and the "did you mean" choice.
#include "suggest.hpp"

#include <gtest/gtest.h>

namespace ichannel::config {
namespace {

TEST(Suggest, EditDistanceCountsInsertDeleteSubstituteAndSwap) {
  EXPECT_EQ(edit_distance("capacity", "capacity"), 0u);
  EXPECT_EQ(edit_distance("capcity", "capacity"), 1u);    // missing letter
  EXPECT_EQ(edit_distance("capacityy", "capacity"), 1u);  // extra letter
  EXPECT_EQ(edit_distance("capacoty", "capacity"), 1u);   // wrong letter
  EXPECT_EQ(edit_distance("capaictY", "capacity"), 1u);   // one swap; case is ignored
  EXPECT_EQ(edit_distance("cpaaictY", "capacity"), 2u);   // two swaps
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(Suggest, ClosestMatchPicksTheNearestKnownKey) {
  const std::vector<std::string_view> keys = {"name", "capacity", "hugepages", "numa_node", "mode"};
  EXPECT_EQ(closest_match("capcity", keys), "capacity");
  EXPECT_EQ(closest_match("hugepage", keys), "hugepages");
  EXPECT_EQ(closest_match("mdoe", keys), "mode");
  EXPECT_EQ(closest_match("Name", keys), "name");
}

TEST(Suggest, NoSuggestionWhenNothingIsClose) {
  const std::vector<std::string_view> keys = {"name", "capacity"};
  EXPECT_EQ(closest_match("colour", keys), "");
  EXPECT_EQ(closest_match("xy", {"ab"}), "");  // replacing the whole word is no suggestion
  EXPECT_EQ(closest_match("abcd", {"wxyz"}), "");
}

}  // namespace
}  // namespace ichannel::config
