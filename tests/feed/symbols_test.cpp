// Locate -> symbol table learned from the feed.
#include "feed/symbols.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace ichannel::feed {
namespace {

itch::Stock stock(std::string_view s) {
  itch::Stock out;
  out.fill(' ');
  for (std::size_t i = 0; i < s.size(); ++i) out[i] = s[i];
  return out;
}

TEST(SymbolTable, UnknownLocatesHaveNoSymbol) {
  auto t = std::make_unique<SymbolTable>();
  EXPECT_FALSE(t->known(5));
  EXPECT_EQ(t->symbol(5), "");
  EXPECT_EQ(t->size(), 0u);
}

TEST(SymbolTable, LearnsAndTrimsPadding) {
  auto t = std::make_unique<SymbolTable>();
  t->learn(5, stock("AAPL"));
  t->learn(65535, stock("BRK A"));
  EXPECT_TRUE(t->known(5));
  EXPECT_EQ(t->symbol(5), "AAPL");
  EXPECT_EQ(t->symbol(65535), "BRK A");
  EXPECT_EQ(t->key(5), symbol_key("AAPL"));
  EXPECT_EQ(t->size(), 2u);
}

TEST(SymbolTable, RelearningTheSameSymbolChangesNothingRebindingBumpsVersion) {
  auto t = std::make_unique<SymbolTable>();
  t->learn(5, stock("AAPL"));
  const auto v = t->version();
  t->learn(5, stock("AAPL"));
  EXPECT_EQ(t->version(), v);
  t->learn(5, stock("MSFT"));
  EXPECT_GT(t->version(), v);
  EXPECT_EQ(t->symbol(5), "MSFT");
  EXPECT_EQ(t->size(), 1u);
}

TEST(SymbolTable, AllZeroStockIsIgnoredAndClearForgets) {
  auto t = std::make_unique<SymbolTable>();
  itch::Stock zero{};
  t->learn(3, zero);
  EXPECT_FALSE(t->known(3));
  t->learn(3, stock("X"));
  t->clear();
  EXPECT_FALSE(t->known(3));
  EXPECT_EQ(t->size(), 0u);
}

TEST(SymbolKey, TextKeysArePaddedAndBoundsChecked) {
  EXPECT_EQ(symbol_key("AAPL"), symbol_key(stock("AAPL")));
  EXPECT_EQ(symbol_key(""), 0u);
  EXPECT_EQ(symbol_key("TOOLONGXX"), 0u);
  EXPECT_NE(symbol_key("ABCDEFGH"), 0u);
}

}  // namespace
}  // namespace ichannel::feed
