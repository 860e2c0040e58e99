// tests/config/books_test.cpp: feeds[].books and top_of_book channels: defaults, ranges, the
// rule that a top-of-book channel needs a feed with books, and one namespace for tables,
// channels and the statistics segment.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "config/load.hpp"
#include "tests/config/config_test_util.hpp"

namespace ichannel::config {
namespace {

using ::testing::ElementsAre;
using testing::errors_with;
using ::testing::IsEmpty;
using testing::minimal_with;

const std::string kLineA = "      A: { group: 233.54.12.1, port: 26400, rx_port: p0 }\n";

std::string with_books(const std::string& books) {
  return minimal_with(kLineA, kLineA + "    books: " + books + "\n");
}

TEST(ConfigBooks, AFeedWithoutBooksKeyHasNoBooks) {
  const LoadResult r = load_string(testing::kMinimalConfig, "t.yaml");
  ASSERT_TRUE(r.errors.empty());
  EXPECT_FALSE(r.config->feeds[0].books.has_value());
}

TEST(ConfigBooks, EmptyBooksSectionGetsTheDefaultsAndATableNamedAfterTheFeed) {
  const LoadResult r = load_string(with_books("{}"), "t.yaml");
  ASSERT_TRUE(r.errors.empty()) << testing::messages(r)[0];
  const Books& b = *r.config->feeds[0].books;
  EXPECT_EQ(b.depth, 10u);
  EXPECT_EQ(b.max_orders, 4'194'304u);
  EXPECT_EQ(b.table, "f-books");
  EXPECT_TRUE(b.hugepages);
  EXPECT_EQ(b.mode, 0640u);
}

TEST(ConfigBooks, EveryKeyIsRead) {
  const LoadResult r = load_string(
      with_books("{ depth: 5, max_orders: 2097152, table: nasdaq.book, hugepages: false, "
                 "mode: \"0644\", numa_node: 0 }"),
      "t.yaml");
  ASSERT_TRUE(r.errors.empty()) << testing::messages(r)[0];
  const Books& b = *r.config->feeds[0].books;
  EXPECT_EQ(b.depth, 5u);
  EXPECT_EQ(b.max_orders, 2'097'152u);
  EXPECT_EQ(b.table, "nasdaq.book");
  EXPECT_FALSE(b.hugepages);
  EXPECT_EQ(b.mode, 0644u);
  EXPECT_EQ(b.numa_node, 0);
}

TEST(ConfigBooks, DepthAndMaxOrdersAreRangeChecked) {
  EXPECT_THAT(testing::messages(load_string(with_books("{ depth: 65 }"), "t.yaml")),
              ElementsAre("t.yaml:8:21: feeds[0].books.depth: 65 is out of range 1..64"));
  EXPECT_THAT(testing::messages(load_string(with_books("{ max_orders: 10 }"), "t.yaml")),
              ElementsAre("t.yaml:8:26: feeds[0].books.max_orders: 10 is out of range "
                          "1024..67108864"));
}

TEST(ConfigBooks, TableNameFollowsTheChannelNameRulesAndModeTheChannelModeRule) {
  EXPECT_THAT(testing::messages(load_string(with_books("{ table: ../x }"), "t.yaml")),
              ElementsAre("t.yaml:8:21: feeds[0].books.table: '../x' is not a valid channel name "
                          "(1..63 characters of A-Z a-z 0-9 . _ -, not starting with '.', no "
                          "'..')"));
  EXPECT_THAT(testing::messages(load_string(with_books("{ mode: \"0666\" }"), "t.yaml")),
              ElementsAre("t.yaml:8:20: feeds[0].books.mode: mode 0666 lets group/others write; "
                          "at most 0644/0640"));
}

TEST(ConfigBooks, UnknownKeyInBooksIsRejectedWithSuggestion) {
  EXPECT_THAT(testing::messages(load_string(with_books("{ dpth: 5 }"), "t.yaml")),
              ElementsAre("t.yaml:8:14: feeds[0].books.dpth: unknown key 'dpth' (did you mean "
                          "'depth'?)"));
}

TEST(ConfigBooks, TopOfBookChannelNeedsAFeedWithBooks) {
  const std::string text =
      minimal_with("  - name: c\n", "  - name: c\n    payload: top_of_book\n");
  EXPECT_THAT(testing::messages(load_string(text, "t.yaml")),
              ElementsAre("t.yaml:13:16: routes[0].channels[0]: channel 'c' carries top_of_book "
                          "records, which need books: feed 'f' (feeds[0]) has no 'books' "
                          "section"));
  std::string booked = text;
  booked.replace(booked.find(kLineA), kLineA.size(), kLineA + "    books: {}\n");
  const LoadResult r = load_string(booked, "t.yaml");
  ASSERT_TRUE(r.errors.empty()) << testing::messages(r)[0];
  EXPECT_EQ(r.config->channels[0].payload, Payload::kTopOfBook);
}

TEST(ConfigBooks, TableNameMustDifferFromChannelsAndTheStatisticsSegment) {
  EXPECT_THAT(testing::messages(load_string(with_books("{ table: c }"), "t.yaml")),
              ElementsAre("t.yaml:8:21: feeds[0].books.table: book table name 'c' is already "
                          "used by channels[0].name (tables, channels and the statistics segment "
                          "share the channel directory)"));
  EXPECT_THAT(testing::messages(load_string(with_books("{ table: ichannel-stats }"), "t.yaml")),
              ElementsAre("t.yaml:8:21: feeds[0].books.table: book table name 'ichannel-stats' "
                          "is already used by statistics.segment (tables, channels and the "
                          "statistics segment share the channel directory)"));
}

}  // namespace
}  // namespace ichannel::config
