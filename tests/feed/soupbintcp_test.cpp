// tests/feed/soupbintcp_test.cpp: feed/soupbintcp.hpp, the streaming decoder, against the
// independent encoder of app/wire: every packet type, any split of the stream, every error.
#include "feed/soupbintcp.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "wire/soupbintcp_encode.hpp"

namespace {

using namespace ichannel::feed::soup;
namespace enc = ichannel::wire::soup;

struct Seen {
  char type;
  std::vector<std::uint8_t> payload;
};

std::vector<Seen> feed_in_chunks(StreamDecoder& d, const std::vector<std::uint8_t>& stream,
                                 std::size_t chunk) {
  std::vector<Seen> seen;
  for (std::size_t i = 0; i < stream.size(); i += chunk) {
    const std::size_t n = std::min(chunk, stream.size() - i);
    d.feed(std::span<const std::uint8_t>(stream.data() + i, n), [&](const Packet& p) {
      seen.push_back({p.type, {p.payload.begin(), p.payload.end()}});
    });
  }
  return seen;
}

std::vector<std::uint8_t> server_stream() {
  std::vector<std::uint8_t> b;
  enc::append_debug(b, "hi");
  enc::append_login_accepted(b, "SESSION1", 1);
  const std::vector<std::uint8_t> m1{'S', 1, 2, 3};
  const std::vector<std::uint8_t> m2(1000, 9);
  enc::append_sequenced(b, m1);
  enc::append_server_heartbeat(b);
  enc::append_sequenced(b, m2);
  enc::append_end_of_session(b);
  return b;
}

TEST(SoupBinTcpDecoder, DecodesEveryServerPacketTypeWhateverTheReadSizes) {
  const auto stream = server_stream();
  for (std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7},
                            std::size_t{64}, stream.size()}) {
    StreamDecoder d(Direction::kFromServer);
    const auto seen = feed_in_chunks(d, stream, chunk);
    ASSERT_EQ(seen.size(), 6u) << "chunk " << chunk;
    EXPECT_EQ(seen[0].type, '+');
    EXPECT_EQ(std::string(seen[0].payload.begin(), seen[0].payload.end()), "hi");
    EXPECT_EQ(seen[1].type, 'A');
    EXPECT_EQ(seen[2].type, 'S');
    EXPECT_EQ(seen[2].payload, (std::vector<std::uint8_t>{'S', 1, 2, 3}));
    EXPECT_EQ(seen[3].type, 'H');
    EXPECT_TRUE(seen[3].payload.empty());
    EXPECT_EQ(seen[4].payload.size(), 1000u);
    EXPECT_EQ(seen[5].type, 'Z');
    EXPECT_EQ(d.error(), StreamError::kNone);
    EXPECT_EQ(d.buffered(), 0u);
    EXPECT_EQ(d.packets(), 6u);
  }
}

TEST(SoupBinTcpDecoder, DecodesEveryClientPacketType) {
  std::vector<std::uint8_t> b;
  enc::append_login_request(b, "me", "pw", "", 1);
  enc::append_client_heartbeat(b);
  enc::append_unsequenced(b, std::vector<std::uint8_t>{1, 2});
  enc::append_debug(b, "x");
  enc::append_logout_request(b);
  StreamDecoder d(Direction::kFromClient);
  const auto seen = feed_in_chunks(d, b, 5);
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0].type, 'L');
  EXPECT_EQ(seen[1].type, 'R');
  EXPECT_EQ(seen[2].type, 'U');
  EXPECT_EQ(seen[3].type, '+');
  EXPECT_EQ(seen[4].type, 'O');
}

TEST(SoupBinTcpDecoder, PartialPacketIsHeldUntilItCompletes) {
  std::vector<std::uint8_t> b;
  enc::append_sequenced(b, std::vector<std::uint8_t>(50, 1));
  StreamDecoder d(Direction::kFromServer);
  int n = 0;
  auto count = [&](const Packet&) { ++n; };
  d.feed(std::span<const std::uint8_t>(b.data(), 30), count);
  EXPECT_EQ(n, 0);
  EXPECT_EQ(d.buffered(), 30u);
  d.feed(std::span<const std::uint8_t>(b.data() + 30, b.size() - 30), count);
  EXPECT_EQ(n, 1);
  EXPECT_EQ(d.buffered(), 0u);
}

StreamError error_of(Direction dir, const std::vector<std::uint8_t>& bytes, std::size_t chunk = 1,
                     std::size_t max = kDefaultMaxPacket) {
  StreamDecoder d(dir, max);
  (void)feed_in_chunks(d, bytes, chunk);
  return d.error();
}

TEST(SoupBinTcpDecoder, ZeroLengthIsAnError) {
  EXPECT_EQ(error_of(Direction::kFromServer, {0, 0}), StreamError::kZeroLength);
  EXPECT_EQ(error_of(Direction::kFromServer, {0, 0}, 2), StreamError::kZeroLength);
}

TEST(SoupBinTcpDecoder, OversizedLengthIsRefusedBeforeItsBodyArrives) {
  StreamDecoder d(Direction::kFromServer, 100);
  const std::vector<std::uint8_t> head{0, 101, 'S'};
  int n = 0;
  d.feed(std::span<const std::uint8_t>(head.data(), 2), [&](const Packet&) { ++n; });
  EXPECT_EQ(d.error(), StreamError::kOversized);
  EXPECT_EQ(d.error_offset(), 0u);
  EXPECT_EQ(n, 0);
}

TEST(SoupBinTcpDecoder, UnknownTypeAndWrongDirectionAreErrors) {
  EXPECT_EQ(error_of(Direction::kFromServer, {0, 1, 'Q'}), StreamError::kUnknownType);
  EXPECT_EQ(error_of(Direction::kFromServer, {0, 1, 'R'}), StreamError::kWrongDirection);
  EXPECT_EQ(error_of(Direction::kFromClient, {0, 1, 'H'}), StreamError::kWrongDirection);
  EXPECT_EQ(error_of(Direction::kFromServer, {0, 1, 'Q'}, 3), StreamError::kUnknownType);
}

TEST(SoupBinTcpDecoder, FixedTypesOfAnotherLengthAreErrors) {
  EXPECT_EQ(error_of(Direction::kFromServer, {0, 2, 'H', 0}), StreamError::kBadLength);
  EXPECT_EQ(error_of(Direction::kFromServer, {0, 3, 'J', 'A', 'A'}), StreamError::kBadLength);
  EXPECT_EQ(error_of(Direction::kFromServer, {0, 1, 'A'}, 8), StreamError::kBadLength);
  EXPECT_EQ(error_of(Direction::kFromClient, {0, 46, 'L'}), StreamError::kBadLength);
}

TEST(SoupBinTcpDecoder, FirstErrorStopsTheStreamAndNamesTheOffset) {
  std::vector<std::uint8_t> b;
  enc::append_server_heartbeat(b);
  b.insert(b.end(), {0, 1, '?'});
  enc::append_server_heartbeat(b);
  StreamDecoder d(Direction::kFromServer);
  const auto seen = feed_in_chunks(d, b, b.size());
  EXPECT_EQ(seen.size(), 1u);
  EXPECT_EQ(d.error(), StreamError::kUnknownType);
  EXPECT_EQ(d.error_offset(), 3u);
  int n = 0;
  d.feed(b, [&](const Packet&) { ++n; });
  EXPECT_EQ(n, 0);
  d.reset();
  d.feed(std::span<const std::uint8_t>(b.data(), 3), [&](const Packet&) { ++n; });
  EXPECT_EQ(n, 1);
}

TEST(SoupBinTcpDecoder, ArbitraryBytesNeverCrash) {
  std::uint64_t x = 88172645463325252ULL;
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::uint8_t> b(1 + round % 97);
    for (auto& v : b) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      v = static_cast<std::uint8_t>(x);
    }
    StreamDecoder d(round % 2 ? Direction::kFromServer : Direction::kFromClient, 64);
    (void)feed_in_chunks(d, b, 1 + round % 5);
  }
  SUCCEED();
}

TEST(SoupBinTcpFields, LoginRequestRoundTrips) {
  std::vector<std::uint8_t> b;
  enc::append_login_request(b, "user", "pass", "S1", 12345);
  StreamDecoder d(Direction::kFromClient);
  LoginRequest m{};
  bool ok = false;
  d.feed(b, [&](const Packet& p) { ok = decode(p, m); });
  ASSERT_TRUE(ok);
  EXPECT_EQ(trimmed(m.username), "user");
  EXPECT_EQ(trimmed(m.password), "pass");
  EXPECT_EQ(trimmed(m.requested_session), "S1");
  EXPECT_EQ(m.requested_sequence_number, 12345u);
}

TEST(SoupBinTcpFields, LoginAcceptedAndRejectedDecode) {
  std::vector<std::uint8_t> b;
  enc::append_login_accepted(b, "GLIMPSE", 1);
  enc::append_login_rejected(b, 'S');
  StreamDecoder d(Direction::kFromServer);
  LoginAccepted a{};
  LoginRejected j{};
  int ok = 0;
  d.feed(b, [&](const Packet& p) { ok += p.type == 'A' ? decode(p, a) : decode(p, j); });
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(trimmed(a.session), "GLIMPSE");
  EXPECT_EQ(a.sequence_number, 1u);
  EXPECT_EQ(j.reject_reason_code, 'S');
  LoginAccepted wrong{};
  EXPECT_FALSE(decode(Packet{'J', {}}, wrong));
}

TEST(SoupBinTcpFields, NumericFieldsAcceptSpacePaddingOnly) {
  auto num = [](std::string s, std::uint64_t& v) {
    return parse_numeric(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()),
        v);
  };
  std::uint64_t v = 0;
  EXPECT_TRUE(num("   42", v));
  EXPECT_EQ(v, 42u);
  EXPECT_TRUE(num("42   ", v));
  EXPECT_TRUE(num("18446744073709551615", v));
  EXPECT_EQ(v, 18446744073709551615ULL);
  EXPECT_FALSE(num("18446744073709551616", v));
  EXPECT_FALSE(num("     ", v));
  EXPECT_FALSE(num("  4 2", v));
  EXPECT_FALSE(num(" -42", v));
  EXPECT_FALSE(num("4x", v));
}

}  // namespace
