// tests/tools/sim/real_data_test.cpp: the real Nasdaq sample (../shared/data, skipped when absent)
// converted by the simulator and decoded by app/feed gives the published golden values.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "feed/itch50.hpp"
#include "feed/moldudp64.hpp"
#include "tests/support/sim_test_util.hpp"
#include "tools/sim/session.hpp"

namespace ichannel::sim {
namespace {

namespace fi = feed::itch;

struct Golden {
  std::map<char, std::uint64_t> by_type;
  std::uint64_t messages = 0;
  std::uint64_t first_ts = 0;
  std::uint64_t last_ts = 0;
  std::set<std::string> symbols;  // stocks of A and F messages
  std::uint64_t next_seq = 1;
  bool sequences_contiguous = true;

  void operator()(const auto& m) noexcept {
    if (messages++ == 0) first_ts = m.timestamp;
    last_ts = m.timestamp;
    using M = std::decay_t<decltype(m)>;
    ++by_type[M::kType];
    if constexpr (std::is_same_v<M, fi::AddOrder> || std::is_same_v<M, fi::AddOrderMpid>)
      symbols.insert(std::string(m.stock.begin(), m.stock.end()));
  }
};

TEST(RealData, ConvertedNasdaqSampleDecodesToThePublishedCounts) {
  const std::filesystem::path sample = test::nasdaq_sample();
  if (!std::filesystem::exists(sample))
    GTEST_SKIP() << "Nasdaq sample not found at " << sample
                 << " (set ICHANNEL_SHARED_DATA to the shared/data folder)";
  PackOptions p;
  p.session = "NASDAQ";
  const Session s = pack_binary_file(sample.string(), p);
  EXPECT_EQ(s.summary.messages, 1000u);
  EXPECT_EQ(s.summary.distinct_symbols, 185u);

  test::TempFile pcap("real");
  LineSpec a;
  a.name = "a";
  a.address.group = 0xE9360C01;  // 233.54.12.1
  a.address.port = 26477;
  a.address.vlan = 12;
  CaptureOptions c;
  c.lines = {a};
  c.out = pcap.str();
  write_capture(s, c);

  Golden g;
  std::uint64_t frames = 0;
  wire::read_pcap(pcap.str(), [&](std::span<const std::uint8_t> frame, std::uint64_t) {
    ++frames;
    feed::UdpDatagram udp;
    ASSERT_EQ(feed::peel(frame, udp, true), feed::PeelResult::kOk);
    EXPECT_LE(udp.payload.size(), wire::kDefaultMaxPayload);
    feed::mold::Header h;
    ASSERT_TRUE(feed::mold::parse_header(udp.payload, h));
    EXPECT_EQ(h.session_view(), "NASDAQ    ");
    if (h.sequence != g.next_seq) g.sequences_contiguous = false;
    g.next_seq = h.sequence + h.count;
    feed::mold::BlockReader r(udp.payload);
    std::span<const std::uint8_t> m;
    for (int i = 0; i < h.count; ++i) {
      ASSERT_EQ(r.next(m), feed::mold::BlockStatus::kMessage);
      ASSERT_EQ(fi::dispatch(m, g), fi::DecodeResult::kOk);
    }
  });
  EXPECT_EQ(frames, s.packets.size());
  EXPECT_TRUE(g.sequences_contiguous);
  EXPECT_EQ(g.next_seq, 1001u);
  EXPECT_EQ(g.messages, 1000u);
  const std::map<char, std::uint64_t> want{{'A', 367}, {'U', 225}, {'F', 193}, {'D', 167},
                                           {'E', 28},  {'X', 6},   {'I', 4},   {'P', 4},
                                           {'Q', 4},   {'C', 1},   {'S', 1}};
  EXPECT_EQ(g.by_type, want);
  EXPECT_EQ(g.first_ts, 34'200'000'000'230u);
  EXPECT_EQ(g.last_ts, 34'200'002'364'611u);
  EXPECT_EQ(g.symbols.size(), 185u);
  EXPECT_EQ(s.summary.first_timestamp, 34'200'000'000'230u);
  EXPECT_EQ(s.summary.last_timestamp, 34'200'002'364'611u);

  // The whole pipeline agrees: FeedHandler decodes every message once, no gap, no error.
  const test::Decoded d = test::decode_capture(pcap.str(), a.address.group, a.address.port);
  const feed::FeedCounters& fc = d.handler->counters();
  EXPECT_EQ(fc.line[0].messages, 1000u);
  EXPECT_EQ(fc.gaps + fc.line[0].malformed + fc.line[0].bad_length + fc.line[0].unknown_type, 0u);
  EXPECT_EQ(fc.by_type['A'], 367u);
  EXPECT_EQ(fc.by_type['I'], 4u);
}

TEST(RealData, TruncatedBinaryFileIsAClearError) {
  test::TempFile f("truncated");
  {
    std::ofstream out(f.str(), std::ios::binary);
    const char bytes[] = {0x00, 0x0C, 'S', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'O', 0x00, 0x13, 'D', 1};
    out.write(bytes, sizeof bytes);
  }
  try {
    (void)pack_binary_file(f.str(), PackOptions{});
    FAIL() << "no error for a truncated file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("offset 14"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)pack_binary_file("/nonexistent/file.itch", PackOptions{}), std::runtime_error);
}

}  // namespace
}  // namespace ichannel::sim
