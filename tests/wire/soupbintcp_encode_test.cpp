// tests/wire/soupbintcp_encode_test.cpp: wire/soupbintcp_encode.hpp against the SoupBinTCP 3.00
// layouts, byte for byte (written from the spec, not from app/feed's decoder).
#include "wire/soupbintcp_encode.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "wire/itch50_encode.hpp"

namespace {

using namespace ichannel::wire;

std::string text(const std::vector<std::uint8_t>& b, std::size_t from) {
  return {b.begin() + static_cast<std::ptrdiff_t>(from), b.end()};
}

TEST(SoupBinTcpEncode, LoginRequestIsFortySevenBytesOfSpacePaddedFields) {
  std::vector<std::uint8_t> b;
  soup::append_login_request(b, "user", "secret", "SESS1", 1);
  ASSERT_EQ(b.size(), 49u);
  EXPECT_EQ(b[0], 0);
  EXPECT_EQ(b[1], 47);
  EXPECT_EQ(b[2], 'L');
  EXPECT_EQ(text(b, 3),
            std::string("user  ") + "secret    " + "SESS1     " + std::string(19, ' ') + "1");
}

TEST(SoupBinTcpEncode, LoginFieldsLongerThanTheirWidthAreCut) {
  std::vector<std::uint8_t> b;
  soup::append_login_request(b, "username", "passwordpassword", "", 0);
  EXPECT_EQ(text(b, 3).substr(0, 16), "usernapasswordpa");
  EXPECT_EQ(text(b, 3).substr(16, 10), std::string(10, ' '));
  EXPECT_EQ(text(b, 3).substr(26), std::string(19, ' ') + "0");
}

TEST(SoupBinTcpEncode, LoginAcceptedCarriesSessionAndRightJustifiedSequence) {
  std::vector<std::uint8_t> b;
  soup::append_login_accepted(b, "GLIMPSE", 12345678901234567890ULL);
  ASSERT_EQ(b.size(), 33u);
  EXPECT_EQ(b[1], 31);
  EXPECT_EQ(b[2], 'A');
  EXPECT_EQ(text(b, 3), "GLIMPSE   12345678901234567890");
}

TEST(SoupBinTcpEncode, LoginRejectedCarriesTheReasonCode) {
  std::vector<std::uint8_t> b;
  soup::append_login_rejected(b, soup::kRejectNotAuthorized);
  EXPECT_EQ(b, (std::vector<std::uint8_t>{0, 2, 'J', 'A'}));
}

TEST(SoupBinTcpEncode, EmptyPacketsAreLengthOneAndTheirType) {
  std::vector<std::uint8_t> b;
  soup::append_server_heartbeat(b);
  soup::append_client_heartbeat(b);
  soup::append_end_of_session(b);
  soup::append_logout_request(b);
  EXPECT_EQ(b, (std::vector<std::uint8_t>{0, 1, 'H', 0, 1, 'R', 0, 1, 'Z', 0, 1, 'O'}));
}

TEST(SoupBinTcpEncode, DataPacketsCountTheTypeByteInTheirLength) {
  std::vector<std::uint8_t> b;
  const std::vector<std::uint8_t> msg(300, 7);
  soup::append_sequenced(b, msg);
  ASSERT_EQ(b.size(), 303u);
  EXPECT_EQ(b[0], 0x01);
  EXPECT_EQ(b[1], 0x2D);  // 301
  EXPECT_EQ(b[2], 'S');
  b.clear();
  soup::append_unsequenced(b, msg);
  EXPECT_EQ(b[2], 'U');
  b.clear();
  soup::append_debug(b, "hello");
  EXPECT_EQ(b, (std::vector<std::uint8_t>{0, 6, '+', 'h', 'e', 'l', 'l', 'o'}));
}

TEST(SoupBinTcpEncode, PayloadThatDoesNotFitThrows) {
  std::vector<std::uint8_t> b;
  const std::vector<std::uint8_t> big(65535, 0);
  EXPECT_THROW(soup::append_sequenced(b, big), std::length_error);
  const std::vector<std::uint8_t> max(65534, 0);
  soup::append_sequenced(b, max);
  EXPECT_EQ(b[0], 0xFF);
  EXPECT_EQ(b[1], 0xFF);
}

TEST(GlimpseEncode, EndOfSnapshotIsTwentyOneBytesWithRightJustifiedSequence) {
  const auto b = itch::encode(itch::EndOfSnapshot{42});
  ASSERT_EQ(b.size(), itch::EndOfSnapshot::kLength);
  EXPECT_EQ(text(b, 0), "G" + std::string(18, ' ') + "42");
}

}  // namespace
