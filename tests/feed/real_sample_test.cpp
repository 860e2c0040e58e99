// The real Nasdaq sample (1,000 TotalView-ITCH 5.0 messages of 2019-12-30 from the open), framed
// into MoldUDP64 packets by a small helper here and decoded through the whole ItchFeed.
// Golden values from ../shared/data/README.md. Skips when the shared data folder is absent.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "feed/itch_feed.hpp"
#include "tests/support/shared_data.hpp"
#include "wire/moldudp64_encode.hpp"

namespace ichannel::feed {
namespace {

using Bytes = std::vector<std::uint8_t>;
constexpr std::string_view kSession = "0000000001";

// BinaryFILE: u16 BE length + message, repeated (tests/support/shared_data.hpp).
std::vector<Bytes> read_binary_file(const std::filesystem::path& p) {
  test::BinaryFile f = test::read_binary_file(p);
  EXPECT_EQ(f.consumed, f.size) << "trailing bytes in " << p;
  return std::move(f.messages);
}

// Packs messages into MoldUDP64 packets of at most `max_payload` bytes, sequences from 1.
std::vector<Bytes> frame(const std::vector<Bytes>& msgs, std::size_t max_payload) {
  std::vector<Bytes> packets;
  std::vector<Bytes> batch;
  std::size_t size = mold::kHeaderLength;
  std::uint64_t seq = 1;
  for (const Bytes& m : msgs) {
    if (!batch.empty() && size + 2 + m.size() > max_payload) {
      packets.push_back(::ichannel::wire::mold_packet(kSession, seq, batch));
      seq += batch.size();
      batch.clear();
      size = mold::kHeaderLength;
    }
    batch.push_back(m);
    size += 2 + m.size();
  }
  if (!batch.empty()) packets.push_back(::ichannel::wire::mold_packet(kSession, seq, batch));
  return packets;
}

struct Collect {
  std::vector<Tick>* out;
  void operator()(const Tick& t) noexcept { out->push_back(t); }
};

class RealSample : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ichannel::test::nasdaq_sample();
    if (!std::filesystem::exists(path_)) {
      GTEST_SKIP() << "shared data absent: " << path_
                   << " (set ICHANNEL_SHARED_DATA to the shared/data folder)";
    }
    msgs_ = read_binary_file(path_);
  }
  std::filesystem::path path_;
  std::vector<Bytes> msgs_;
};

TEST_F(RealSample, DecodesExactPerTypeCountsTimestampsAndSymbols) {
  ASSERT_EQ(msgs_.size(), 1000u);
  const auto packets = frame(msgs_, 1450);
  EXPECT_GE(packets.size(), 24u);  // ~35.5 KB of messages in <= 1450-byte packets
  std::vector<Tick> ticks;
  auto h = std::make_unique<ItchFeed<Collect>>(Collect{&ticks});
  for (const Bytes& p : packets) h->on_datagram(0, p, 7);
  const FeedCounters& c = h->counters();

  const std::pair<char, std::uint64_t> expected[] = {{'A', 367}, {'U', 225}, {'F', 193}, {'D', 167},
                                                     {'E', 28},  {'X', 6},   {'I', 4},   {'P', 4},
                                                     {'Q', 4},   {'C', 1},   {'S', 1}};
  std::uint64_t total = 0;
  for (auto [type, n] : expected) {
    EXPECT_EQ(c.by_type[static_cast<unsigned char>(type)], n) << type;
    total += n;
  }
  EXPECT_EQ(total, 1000u);
  EXPECT_EQ(c.line[0].messages, 1000u);
  EXPECT_EQ(c.line[0].unknown_type + c.line[0].bad_length + c.line[0].malformed, 0u);
  EXPECT_EQ(c.gaps, 0u);
  EXPECT_EQ(c.dropped_types, 0u);  // layout 2: the four NOII (I) messages are kImbalance ticks
  EXPECT_EQ(c.line[0].long_messages, 0u);
  ASSERT_EQ(ticks.size(), 1000u);
  EXPECT_EQ(c.ticks, 1000u);
  std::size_t imbalances = 0;
  for (const Tick& t : ticks) imbalances += t.action == Action::kImbalance ? 1 : 0;
  EXPECT_EQ(imbalances, 4u);
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    ASSERT_EQ(ticks[i].seq, i + 1);  // every sequence number reaches the sink, in order
    ASSERT_EQ(ticks[i].feed, 0u);
  }

  // Timestamps of the first and last message.
  EXPECT_EQ(ticks.front().exch_ns, 34200000000230ull);
  EXPECT_EQ(ticks.back().exch_ns, 34200002364611ull);
  EXPECT_EQ(ticks.back().seq, 1000u);

  // Distinct symbols in A/F messages, straight from the decoded messages.
  std::set<std::string> symbols;
  for (const Bytes& m : msgs_) {
    itch::AddOrder a;
    itch::AddOrderMpid f;
    if (itch::decode(m, a)) symbols.emplace(a.stock.begin(), a.stock.end());
    if (itch::decode(m, f)) symbols.emplace(f.stock.begin(), f.stock.end());
  }
  EXPECT_EQ(symbols.size(), 185u);
  // The table learned at least those (P and Q messages may add a few more instruments).
  EXPECT_GE(h->symbols().size(), 185u);

  // Order events keep their fields: every add has a side and a positive price and quantity.
  for (const Tick& t : ticks) {
    if (t.action != Action::kAdd) continue;
    EXPECT_TRUE(t.side == Side::kBuy || t.side == Side::kSell);
    EXPECT_GT(t.price, 0);
    EXPECT_GT(t.qty, 0u);
    EXPECT_NE(t.instrument, 0);
    EXPECT_TRUE(h->symbols().known(t.instrument));
  }
}

TEST_F(RealSample, ABLinesWithDisjointLossGiveTheSameTicksAsOneCleanLine) {
  const auto packets = frame(msgs_, 600);
  std::vector<Tick> clean, merged;
  auto one = std::make_unique<ItchFeed<Collect>>(Collect{&clean});
  auto two = std::make_unique<ItchFeed<Collect>>(Collect{&merged});
  for (const Bytes& p : packets) one->on_datagram(0, p, 7);
  for (std::size_t i = 0; i < packets.size(); ++i) {
    if (i % 3 != 0) two->on_datagram(0, packets[i], 7);  // A loses every third packet
    if (i % 3 != 1) two->on_datagram(1, packets[i], 7);  // B loses others
  }
  ASSERT_EQ(merged.size(), clean.size());
  for (std::size_t i = 0; i < clean.size(); ++i) {
    EXPECT_EQ(std::memcmp(&merged[i], &clean[i], sizeof(Tick)), 0) << i;
  }
  EXPECT_EQ(two->counters().gaps, 0u);
  EXPECT_GT(two->counters().line[0].gaps, 0u);
  EXPECT_GT(two->counters().line[1].duplicates, 0u);
}

}  // namespace
}  // namespace ichannel::feed
