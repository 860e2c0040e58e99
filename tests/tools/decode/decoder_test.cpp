// tests/tools/decode/decoder_test.cpp: ichannel-decode's Decoder over frames built with app/wire:
// the daemon's peel, checksums, routing by each feed's lines and the feed's sequencer, driven by
// the capture's timestamps and flushed at the end; the config's feeds and their sequencer knobs;
// the route-style filter and the limit; the CSV rendering.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <ichannel/tick.hpp>

#include "daemon/datapath/rx_counters.hpp"
#include "tests/support/test_config.hpp"
#include "tools/decode/decoder.hpp"
#include "tools/decode/tick_csv.hpp"
#include "wire/frame.hpp"
#include "wire/itch50_encode.hpp"
#include "wire/moldudp64_encode.hpp"

namespace ichannel::tools {
namespace {

using Bytes = std::vector<std::uint8_t>;
namespace enc = wire::itch;

constexpr std::uint32_t kGroupA = 0xE9360C01;  // 233.54.12.1
constexpr std::uint32_t kGroupB = 0xE9360C02;  // 233.54.12.2
constexpr std::uint16_t kPort = 26400;
constexpr std::uint64_t kT0 = 1'700'000'000ULL * 1'000'000'000ULL;
constexpr std::uint64_t kUs = 1000;

Bytes add_order(std::uint64_t seq, std::string_view stock = "AAPL", std::uint16_t locate = 1) {
  return enc::encode(
      enc::AddOrder{{locate, 0, 34'200'000'000'000 + seq}, 1000 + seq, 'B', 100, stock, 1'000'000});
}

// One MoldUDP64 packet with one add order per sequence number in [first, first + count).
Bytes packet(std::uint64_t first, std::uint16_t count = 1, std::string_view stock = "AAPL",
             std::uint16_t locate = 1) {
  std::vector<Bytes> messages;
  for (std::uint64_t s = first; s < first + count; ++s)
    messages.push_back(add_order(s, stock, locate));
  return wire::mold_packet("SESSION01", first, messages);
}

Bytes frame(std::uint32_t group, std::uint16_t port, const Bytes& payload,
            std::optional<std::uint16_t> vlan = std::nullopt) {
  wire::UdpFrameSpec s;
  s.destination = group;
  s.destination_port = port;
  if (vlan) s.vlan_tags.push_back({wire::kTpidDot1q, *vlan});
  return wire::udp_frame(s, payload);
}

DecodeFeed ab_feed(std::string name = "itch") {
  DecodeFeed f;
  f.name = std::move(name);
  f.a.group = kGroupA;
  f.a.port = kPort;
  f.b = DecodeLine{kGroupB, kPort};
  return f;
}

struct Seen {
  std::size_t feed;
  Tick tick;
};

struct Decoded {
  std::vector<Seen> seen;
  Decoder decoder;
  explicit Decoded(std::vector<DecodeFeed> feeds, std::vector<std::string> symbols = {},
               std::uint64_t limit = 0)
      : decoder(std::move(feeds), std::move(symbols), limit, [this](std::size_t f, const Tick& t) {
          seen.push_back({f, t});
        }) {}

  // What the feed published, as "seq" for messages and "gap:first+count" for gap records.
  std::vector<std::string> sequence() const {
    std::vector<std::string> out;
    for (const Seen& s : seen) {
      out.push_back(s.tick.action == Action::kGap
                        ? "gap:" + std::to_string(s.tick.seq) + "+" + std::to_string(s.tick.aux)
                        : std::to_string(s.tick.seq));
    }
    return out;
  }
};

using Seqs = std::vector<std::string>;

TEST(Decoder, InOrderLineDecodesEveryMessageOnceWithItsCaptureTime) {
  Decoded r({ab_feed()});
  for (std::uint64_t s = 1; s <= 5; ++s)
    r.decoder.on_frame(frame(kGroupA, kPort, packet(s)), kT0 + s * kUs);
  r.decoder.finish();
  EXPECT_EQ(r.sequence(), (Seqs{"1", "2", "3", "4", "5"}));
  for (const Seen& s : r.seen) {
    EXPECT_EQ(s.tick.action, Action::kAdd);
    EXPECT_EQ(s.tick.recv_ns, kT0 + s.tick.seq * kUs);
  }
  EXPECT_EQ(r.decoder.counters(0).gaps, 0u);
  EXPECT_EQ(r.decoder.frames(), 5u);
}

TEST(Decoder, BCopyArrivingAfterAsNextPacketFillsTheHoleWithoutAGap) {
  // A loses 3; B is skewed: its copy of 3 arrives just after A's 4.
  Decoded r({ab_feed()});
  std::uint64_t t = kT0;
  auto a = [&](std::uint64_t s) { r.decoder.on_frame(frame(kGroupA, kPort, packet(s)), t += kUs); };
  auto b = [&](std::uint64_t s) { r.decoder.on_frame(frame(kGroupB, kPort, packet(s)), t += kUs); };
  a(1), b(1), a(2), b(2), a(4), b(3), a(5), b(4), b(5);
  r.decoder.finish();
  EXPECT_EQ(r.sequence(), (Seqs{"1", "2", "3", "4", "5"}));
  const feed::FeedCounters c = r.decoder.counters(0);
  EXPECT_EQ(c.gaps, 0u);
  EXPECT_EQ(c.line[0].held, 1u);
}

TEST(Decoder, OverlappingBlocksFromBothLinesLoseNothing) {
  // A 1-10, A 21-30, then B 1-30 late.
  Decoded r({ab_feed()});
  r.decoder.on_frame(frame(kGroupA, kPort, packet(1, 10)), kT0);
  r.decoder.on_frame(frame(kGroupA, kPort, packet(21, 10)), kT0 + kUs);
  r.decoder.on_frame(frame(kGroupB, kPort, packet(1, 30)), kT0 + 100 * kUs);
  r.decoder.finish();
  ASSERT_EQ(r.seen.size(), 30u);
  for (std::size_t i = 0; i < 30; ++i) EXPECT_EQ(r.seen[i].tick.seq, i + 1);
  EXPECT_EQ(r.decoder.counters(0).gaps, 0u);
}

TEST(Decoder, CaptureTimestampsDriveTheReorderWindow) {
  // Both lines lose 3; 4 waits in the window; 5 comes 10 ms later (past the 2 ms window): the gap
  // is declared from the capture's clock before 5 is decoded, not at the end.
  Decoded r({ab_feed()});
  r.decoder.on_frame(frame(kGroupA, kPort, packet(1)), kT0);
  r.decoder.on_frame(frame(kGroupA, kPort, packet(2)), kT0 + kUs);
  r.decoder.on_frame(frame(kGroupA, kPort, packet(4)), kT0 + 2 * kUs);
  EXPECT_EQ(r.sequence(), (Seqs{"1", "2"}));  // 4 is held
  r.decoder.on_frame(frame(kGroupA, kPort, packet(5)), kT0 + 10'000 * kUs);
  EXPECT_EQ(r.sequence(), (Seqs{"1", "2", "gap:3+1", "4", "5"}));
  r.decoder.finish();
  EXPECT_EQ(r.seen.size(), 5u);
  const feed::FeedCounters c = r.decoder.counters(0);
  EXPECT_EQ(c.gaps, 1u);
  EXPECT_EQ(c.gap_messages, 1u);
}

TEST(Decoder, FinishFlushesTheWindowSoATrailingHoleShowsAsAGap) {
  Decoded r({ab_feed()});
  r.decoder.on_frame(frame(kGroupA, kPort, packet(1)), kT0);
  r.decoder.on_frame(frame(kGroupB, kPort, packet(1)), kT0 + kUs);
  r.decoder.on_frame(frame(kGroupA, kPort, packet(4, 2)), kT0 + 2 * kUs);
  r.decoder.on_frame(frame(kGroupB, kPort, packet(4, 2)), kT0 + 3 * kUs);
  EXPECT_EQ(r.sequence(), (Seqs{"1"}));
  r.decoder.finish();
  EXPECT_EQ(r.sequence(), (Seqs{"1", "gap:2+2", "4", "5"}));
  EXPECT_EQ(r.decoder.counters(0).held_now, 0u);
}

TEST(Decoder, CorruptCopyOnAIsRejectedByItsUdpChecksumAndBFillsIn) {
  Decoded r({ab_feed()});
  Bytes bad = frame(kGroupA, kPort, packet(2));
  bad.back() ^= 0x01;  // last payload byte: the UDP checksum no longer matches
  r.decoder.on_frame(frame(kGroupA, kPort, packet(1)), kT0);
  r.decoder.on_frame(bad, kT0 + kUs);
  r.decoder.on_frame(frame(kGroupB, kPort, packet(1)), kT0 + 2 * kUs);
  r.decoder.on_frame(frame(kGroupB, kPort, packet(2)), kT0 + 3 * kUs);
  r.decoder.finish();
  EXPECT_EQ(r.sequence(), (Seqs{"1", "2"}));
  EXPECT_EQ(r.seen[1].tick.recv_ns, kT0 + 3 * kUs);  // B's copy
  EXPECT_EQ(r.decoder.rx().rejected[daemon::kRejectBadUdpChecksum], 1u);
  EXPECT_EQ(r.decoder.rx().rejected_total, 1u);
  EXPECT_EQ(r.decoder.counters(0).gaps, 0u);
}

TEST(Decoder, FramesOfNoLineAreCountedUnrouted) {
  Decoded r({ab_feed()});
  r.decoder.on_frame(frame(kGroupA, kPort + 1, packet(1)), kT0);
  r.decoder.on_frame(frame(0xE9360C09, kPort, packet(1)), kT0 + kUs);
  r.decoder.finish();
  EXPECT_TRUE(r.seen.empty());
  EXPECT_EQ(r.decoder.rx().unrouted, 2u);
}

config::Config two_feed_config() {
  config::Config c = test::minimal_config();  // feed "itch": A 233.54.12.1, B 233.54.12.2, 26400
  config::Feed y = c.feeds[0];
  y.name = "other";
  y.a.group = 0xE9360D01;  // 233.54.13.1
  y.a.port = 26500;
  y.a.vlan = 7;
  y.b.reset();
  y.arbitration.reorder_us = 50;
  y.recovery = config::Recovery{};
  y.recovery->server = 0x0A000002;
  y.recovery->server_port = 9000;
  c.feeds.push_back(y);
  c.routes.push_back(test::route("other", {"all"}));
  return test::validated(c);
}

TEST(Decoder, ConfigFeedsCarryTheDaemonsSequencerKnobsWithRecoveryOff) {
  std::string error;
  const std::vector<DecodeFeed> feeds = feeds_from_config(two_feed_config(), "", error);
  ASSERT_EQ(feeds.size(), 2u) << error;
  EXPECT_EQ(feeds[0].name, "itch");
  EXPECT_EQ(feeds[0].a.group, kGroupA);
  ASSERT_TRUE(feeds[0].b.has_value());
  EXPECT_EQ(feeds[0].b->group, kGroupB);
  EXPECT_EQ(feeds[0].sequencer.reorder_ns, 2'000'000u);
  EXPECT_EQ(feeds[1].name, "other");
  EXPECT_EQ(feeds[1].a.vlan, 7);
  EXPECT_FALSE(feeds[1].b.has_value());
  EXPECT_EQ(feeds[1].sequencer.reorder_ns, 50'000u);
  EXPECT_FALSE(feeds[1].sequencer.recovery);  // a capture answers no re-request
}

TEST(Decoder, ConfigRoutesByGroupPortAndVlanOfEachFeed) {
  std::string error;
  Decoded r(feeds_from_config(two_feed_config(), "", error));
  r.decoder.on_frame(frame(kGroupA, kPort, packet(1)), kT0);
  r.decoder.on_frame(frame(0xE9360D01, 26500, packet(1), 7), kT0 + kUs);      // feed 1
  r.decoder.on_frame(frame(0xE9360D01, 26500, packet(8)), kT0 + 2 * kUs);     // no VLAN: no line
  r.decoder.on_frame(frame(0xE9360D01, 26400, packet(8), 7), kT0 + 3 * kUs);  // wrong port
  r.decoder.on_frame(frame(kGroupB, kPort, packet(2)), kT0 + 4 * kUs);
  r.decoder.finish();
  std::vector<std::pair<std::size_t, std::uint64_t>> got;
  for (const Seen& s : r.seen) got.emplace_back(s.feed, s.tick.seq);
  EXPECT_EQ(got, (std::vector<std::pair<std::size_t, std::uint64_t>>{{0, 1}, {1, 1}, {0, 2}}));
  EXPECT_EQ(r.decoder.rx().unrouted, 2u);
  EXPECT_EQ(r.decoder.counters(1).line[0].packets, 1u);
}

TEST(Decoder, FeedOptionKeepsOnlyThatFeed) {
  std::string error;
  Decoded r(feeds_from_config(two_feed_config(), "other", error));
  ASSERT_EQ(r.decoder.feeds().size(), 1u);
  r.decoder.on_frame(frame(kGroupA, kPort, packet(1)), kT0);
  r.decoder.on_frame(frame(0xE9360D01, 26500, packet(1), 7), kT0 + kUs);
  r.decoder.finish();
  ASSERT_EQ(r.seen.size(), 1u);
  EXPECT_EQ(r.seen[0].feed, 0u);
  EXPECT_EQ(r.decoder.rx().unrouted, 1u);
}

TEST(Decoder, UnknownFeedNameIsAnError) {
  std::string error;
  EXPECT_TRUE(feeds_from_config(two_feed_config(), "nope", error).empty());
  EXPECT_NE(error.find("no feed named 'nope'"), std::string::npos) << error;
}

TEST(Decoder, LinesThatDifferOnlyByRxPortAreRefused) {
  DecodeFeed x = ab_feed("x");
  DecodeFeed y = ab_feed("y");
  EXPECT_THROW(Decoder({x, y}, {}, 0, nullptr), std::invalid_argument);
}

TEST(Decoder, SymbolFilterPassesOnlyTheListedInstruments) {
  Decoded r({ab_feed()}, {"MSFT"});
  r.decoder.on_frame(frame(kGroupA, kPort, packet(1, 1, "AAPL", 1)), kT0);
  r.decoder.on_frame(frame(kGroupA, kPort, packet(2, 1, "MSFT", 2)), kT0 + kUs);
  r.decoder.on_frame(frame(kGroupA, kPort, packet(3, 1, "AAPL", 1)), kT0 + 2 * kUs);
  r.decoder.finish();
  EXPECT_EQ(r.sequence(), (Seqs{"2"}));
  EXPECT_EQ(r.decoder.filtered(0), 2u);
  EXPECT_EQ(r.decoder.counters(0).ticks, 3u);
}

TEST(Decoder, LimitStopsAfterNTicks) {
  Decoded r({ab_feed()}, {}, 2);
  for (std::uint64_t s = 1; s <= 5; ++s)
    r.decoder.on_frame(frame(kGroupA, kPort, packet(s)), kT0 + s * kUs);
  r.decoder.finish();
  EXPECT_EQ(r.sequence(), (Seqs{"1", "2"}));
  EXPECT_TRUE(r.decoder.limit_reached());
  EXPECT_EQ(r.decoder.emitted(), 2u);
}

TEST(Decoder, CountsJsonNamesFeedsLinesActionsAndRejects) {
  Decoded r({ab_feed()});
  r.decoder.on_frame(frame(kGroupA, kPort, packet(1, 3)), kT0);
  r.decoder.on_frame(frame(kGroupB, kPort, packet(1, 3)), kT0 + kUs);
  r.decoder.finish();
  const std::string j = r.decoder.counts_json();
  EXPECT_NE(j.find("\"frames\":2,"), std::string::npos) << j;
  EXPECT_NE(j.find("\"bad_udp_checksum\":0"), std::string::npos) << j;
  EXPECT_NE(j.find("\"name\":\"itch\",\"ticks\":3,"), std::string::npos) << j;
  EXPECT_NE(j.find("\"add\":3,"), std::string::npos) << j;
  EXPECT_NE(j.find("\"by_type\":{\"A\":3}"), std::string::npos) << j;
  EXPECT_NE(j.find("\"b\":{\"packets\":1,\"messages\":0,"), std::string::npos) << j;
  EXPECT_NE(j.find("\"duplicates\":3,"), std::string::npos) << j;
}

TEST(TickCsv, OneLinePerTickInTheHeadersColumnsWithQuotedText) {
  Tick t{};
  t.recv_ns = 5;
  t.exch_ns = 6;
  t.seq = 7;
  t.order_id = 8;
  t.aux = 9;
  t.price = 1'234'500;
  t.qty = 10;
  t.instrument = 11;
  t.action = Action::kAdd;
  t.side = Side::kSell;
  EXPECT_EQ(format_tick_csv(t, "a,b", "X\"Y"),
            "\"a,b\",7,add,11,\"X\"\"Y\",S,10,1234500,123.4500,8,9,6,5");
  EXPECT_EQ(std::string(kTickCsvHeader),
            "feed,seq,action,instrument,symbol,side,qty,price,price_str,order_id,aux,exch_ns,"
            "recv_ns\n");
}

}  // namespace
}  // namespace ichannel::tools
