// tests/config/names_test.cpp: accepted channel names, identifiers and ITCH symbols; the
// config's channel-name rule is exactly the producer's (ichannel::validate_channel_name).
#include "config/names.hpp"

#include <gtest/gtest.h>

#include <ichannel/channel.hpp>
#include <string>
#include <vector>

namespace ichannel::config {
namespace {

TEST(Names, ChannelNameIsOneSafeFileName) {
  EXPECT_TRUE(is_valid_channel_name("itch.all"));
  EXPECT_TRUE(is_valid_channel_name("A-z_0.9"));
  EXPECT_TRUE(is_valid_channel_name(std::string(63, 'x')));
  EXPECT_FALSE(is_valid_channel_name(std::string(64, 'x')));
  EXPECT_FALSE(is_valid_channel_name(""));
  EXPECT_FALSE(is_valid_channel_name("."));
  EXPECT_FALSE(is_valid_channel_name(".."));
  EXPECT_FALSE(is_valid_channel_name("a..b"));
  EXPECT_FALSE(is_valid_channel_name("a/b"));
  EXPECT_FALSE(is_valid_channel_name("a b"));
  EXPECT_FALSE(is_valid_channel_name("caf\xc3\xa9"));
  EXPECT_FALSE(is_valid_channel_name(".hidden"));  // hidden: the producers' temporaries
  EXPECT_TRUE(is_valid_channel_name("itch.all."));
}

TEST(Names, ChannelNameRuleIsTheProducersRule) {
  for (const std::string& name :
       std::vector<std::string>{"itch.all", "A-z_0.9", std::string(63, 'x'), std::string(64, 'x'),
                                "", ".", "..", "a..b", "a/b", "a b", ".hidden", ".itch.all.123.tmp",
                                "itch.all.", "-x", "_", "caf\xc3\xa9", "tab\t", "x\n"}) {
    EXPECT_EQ(is_valid_channel_name(name), static_cast<bool>(ichannel::validate_channel_name(name)))
        << "'" << name << "'";
  }
}

TEST(Names, IdentifierAllowsDotsButNotOtherPunctuation) {
  EXPECT_TRUE(is_valid_identifier("nasdaq.itch"));
  EXPECT_TRUE(is_valid_identifier(".."));  // not a file name: only channels forbid ".."
  EXPECT_FALSE(is_valid_identifier("p:0"));
  EXPECT_FALSE(is_valid_identifier(""));
}

TEST(Names, SymbolIsOneToEightPrintableCharacters) {
  EXPECT_TRUE(is_valid_symbol("AAPL"));
  EXPECT_TRUE(is_valid_symbol("BRK.A"));
  EXPECT_TRUE(is_valid_symbol("ZXZZT123"));
  EXPECT_FALSE(is_valid_symbol("ZXZZT1234"));
  EXPECT_FALSE(is_valid_symbol(""));
  EXPECT_FALSE(is_valid_symbol("BRK A"));
  EXPECT_FALSE(is_valid_symbol("A\tB"));
}

}  // namespace
}  // namespace ichannel::config
