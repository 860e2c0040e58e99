// Per-sink instrument filter by symbol, resolved through locates learned by the table.
#include "feed/instrument_filter.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace ichannel::feed {
namespace {

itch::Stock stock(std::string_view s) {
  itch::Stock out;
  out.fill(' ');
  for (std::size_t i = 0; i < s.size(); ++i) out[i] = s[i];
  return out;
}

TEST(InstrumentFilter, EmptyListPassesEverything) {
  auto table = std::make_unique<SymbolTable>();
  InstrumentFilter f(*table, {});
  EXPECT_TRUE(f.pass(17));
  EXPECT_EQ(f.unknown(), 0u);
}

TEST(InstrumentFilter, PassesWantedBlocksOthersAndDropsUnknownLocates) {
  auto table = std::make_unique<SymbolTable>();
  const std::vector<std::string> want = {"AAPL", "MSFT"};
  InstrumentFilter f(*table, want);
  EXPECT_FALSE(f.pass(1));  // not learned yet
  EXPECT_EQ(f.unknown(), 1u);
  table->learn(1, stock("AAPL"));
  table->learn(2, stock("TSLA"));
  EXPECT_TRUE(f.pass(1));
  EXPECT_FALSE(f.pass(2));
  EXPECT_FALSE(f.pass(2));  // cached decision, still counted
  EXPECT_EQ(f.filtered(), 2u);
  EXPECT_EQ(f.unknown(), 1u);
}

TEST(InstrumentFilter, FeedWideEventsAlwaysPass) {
  auto table = std::make_unique<SymbolTable>();
  const std::vector<std::string> want = {"AAPL"};
  InstrumentFilter f(*table, want);
  Tick gap{};
  gap.action = Action::kGap;
  EXPECT_TRUE(f.pass(gap));
  EXPECT_TRUE(f.pass(std::uint16_t{0}));
}

TEST(InstrumentFilter, RebindingALocateRevisesTheCachedDecision) {
  auto table = std::make_unique<SymbolTable>();
  const std::vector<std::string> want = {"AAPL"};
  InstrumentFilter f(*table, want);
  table->learn(9, stock("TSLA"));
  EXPECT_FALSE(f.pass(9));
  table->learn(9, stock("AAPL"));  // next session's directory
  EXPECT_TRUE(f.pass(9));
}

TEST(InstrumentFilter, InvalidSymbolIsAnErrorNamingIt) {
  auto table = std::make_unique<SymbolTable>();
  const std::vector<std::string> want = {"AAPL", "WAYTOOLONG"};
  try {
    InstrumentFilter f(*table, want);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("WAYTOOLONG"), std::string::npos);
  }
}

}  // namespace
}  // namespace ichannel::feed
