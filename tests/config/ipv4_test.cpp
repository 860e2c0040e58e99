// tests/config/ipv4_test.cpp: strict dotted-quad parsing, formatting and address classes.
#include "config/ipv4.hpp"

#include <gtest/gtest.h>

namespace ichannel::config {
namespace {

TEST(Ipv4, ParsesDottedQuadInHostOrder) {
  EXPECT_EQ(parse_ipv4("233.54.12.1"), std::optional<Ipv4>(0xE9360C01u));
  EXPECT_EQ(parse_ipv4("0.0.0.0"), std::optional<Ipv4>(0u));
  EXPECT_EQ(parse_ipv4("255.255.255.255"), std::optional<Ipv4>(0xFFFFFFFFu));
  static_assert(parse_ipv4("10.1.2.3").value() == 0x0A010203u);
}

TEST(Ipv4, RejectsEverythingElse) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.300", "1..2.3", "1.2.3.",
                          ".1.2.3", " 1.2.3.4", "1.2.3.4 ", "1.2.3.-4", "+1.2.3.4", "0001.2.3.4",
                          "a.b.c.d", "1.2.3.4/24", "0x1.2.3.4"}) {
    EXPECT_FALSE(parse_ipv4(bad).has_value()) << bad;
  }
}

TEST(Ipv4, MulticastIs224Slash4) {
  EXPECT_TRUE(is_multicast(*parse_ipv4("224.0.0.0")));
  EXPECT_TRUE(is_multicast(*parse_ipv4("239.255.255.255")));
  EXPECT_FALSE(is_multicast(*parse_ipv4("223.255.255.255")));
  EXPECT_FALSE(is_multicast(*parse_ipv4("240.0.0.0")));
}

TEST(Ipv4, UnicastExcludesZeroMulticastAndReserved) {
  EXPECT_TRUE(is_unicast(*parse_ipv4("10.1.1.1")));
  EXPECT_TRUE(is_unicast(*parse_ipv4("223.255.255.254")));
  EXPECT_FALSE(is_unicast(0));
  EXPECT_FALSE(is_unicast(*parse_ipv4("233.54.12.1")));
  EXPECT_FALSE(is_unicast(*parse_ipv4("255.255.255.255")));
}

TEST(Ipv4, FormatsBackToDottedQuad) {
  EXPECT_EQ(format_ipv4(0xE9360C01u), "233.54.12.1");
  EXPECT_EQ(format_ipv4(0), "0.0.0.0");
}

}  // namespace
}  // namespace ichannel::config
