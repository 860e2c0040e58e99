// tests/tools/sim/glimpse_server_test.cpp: sim/glimpse_server.hpp's SnapshotBuilder: the state a
// snapshot renders after every kind of order event (the server itself: tests/snapshot).
#include "tools/sim/glimpse_server.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "feed/glimpse50.hpp"
#include "wire/itch50_encode.hpp"

namespace {

using namespace ichannel;
namespace wi = ichannel::wire::itch;

struct Rendered {
  std::vector<char> types;
  std::vector<feed::itch::AddOrder> adds;
  std::vector<feed::itch::AddOrderMpid> mpid_adds;
  std::uint64_t next = 0;
};

Rendered render(const sim::SnapshotBuilder& b, std::uint64_t next) {
  Rendered r;
  for (const auto& m : b.messages(next)) {
    r.types.push_back(static_cast<char>(m[0]));
    auto visit = [&](const auto& x) {
      using M = std::decay_t<decltype(x)>;
      if constexpr (std::is_same_v<M, feed::itch::AddOrder>) r.adds.push_back(x);
      if constexpr (std::is_same_v<M, feed::itch::AddOrderMpid>) r.mpid_adds.push_back(x);
      if constexpr (std::is_same_v<M, feed::glimpse::EndOfSnapshot>) r.next = x.sequence_number;
    };
    EXPECT_EQ(feed::glimpse::dispatch(m, visit), feed::glimpse::DecodeResult::kOk);
  }
  return r;
}

TEST(SnapshotBuilder, RendersStatusThenRestingOrdersInPriorityThenEndOfSnapshot) {
  sim::SnapshotBuilder b;
  std::uint64_t seq = 1;
  auto apply = [&](const std::vector<std::uint8_t>& m) { b.apply(m, seq++); };
  apply(wi::encode(wi::SystemEvent{{0, 0, 1}, 'O'}));
  apply(wi::encode(wi::StockDirectory{{2, 0, 2}, "BBB"}));
  apply(wi::encode(wi::StockDirectory{{1, 0, 2}, "AAA"}));
  apply(wi::encode(wi::StockTradingAction{{1, 0, 3}, "AAA", 'T'}));
  apply(wi::encode(wi::RegShoRestriction{{1, 0, 3}, "AAA", '0'}));
  apply(wi::encode(wi::StockTradingAction{{1, 0, 4}, "AAA", 'H'}));  // replaces the 'T'
  apply(wi::encode(wi::AddOrder{{1, 0, 10}, 100, 'B', 500, "AAA", 10'000}));
  apply(wi::encode(wi::AddOrderMpid{{1, 0, 11}, 101, 'S', 300, "AAA", 11'000, "ABCD"}));
  apply(wi::encode(wi::AddOrder{{2, 0, 12}, 102, 'B', 200, "BBB", 5'000}));
  apply(wi::encode(wi::AddOrder{{2, 0, 13}, 103, 'B', 200, "BBB", 5'000}));
  apply(wi::encode(wi::OrderExecuted{{1, 0, 14}, 100, 100, 1}));          // 100: 400 left
  apply(wi::encode(wi::OrderCancel{{1, 0, 15}, 101, 50}));                // 101: 250 left
  apply(wi::encode(wi::OrderReplace{{2, 0, 16}, 102, 104, 150, 5'100}));  // 102 -> 104, last
  apply(wi::encode(wi::OrderDelete{{2, 0, 17}, 103}));
  apply(wi::encode(wi::AddOrder{{2, 0, 18}, 105, 'S', 10, "BBB", 6'000}));
  apply(wi::encode(wi::OrderExecutedWithPrice{{2, 0, 19}, 105, 10, 2, 'Y', 6'000}));  // all
  EXPECT_EQ(b.live_orders(), 3u);

  const Rendered r = render(b, seq);
  EXPECT_EQ(r.types, (std::vector<char>{'S', 'R', 'R', 'H', 'Y', 'A', 'F', 'A', 'G'}));
  EXPECT_EQ(r.next, seq);
  ASSERT_EQ(r.adds.size(), 2u);
  EXPECT_EQ(r.adds[0].order_reference_number, 100u);
  EXPECT_EQ(r.adds[0].shares, 400u);
  EXPECT_EQ(r.adds[1].order_reference_number, 104u);  // the replace's priority: last
  EXPECT_EQ(r.adds[1].shares, 150u);
  EXPECT_EQ(r.adds[1].price, 5'100u);
  EXPECT_EQ(r.adds[1].buy_sell_indicator, 'B');
  EXPECT_EQ(r.adds[1].stock_locate, 2);
  ASSERT_EQ(r.mpid_adds.size(), 1u);
  EXPECT_EQ(r.mpid_adds[0].shares, 250u);
  EXPECT_EQ(std::string(r.mpid_adds[0].attribution.data(), 4), "ABCD");
}

TEST(SnapshotBuilder, EventsOfUnknownOrdersChangeNothing) {
  sim::SnapshotBuilder b;
  b.apply(wi::encode(wi::OrderDelete{{1, 0, 1}, 9}), 1);
  b.apply(wi::encode(wi::OrderReplace{{1, 0, 2}, 9, 10, 1, 1}), 2);
  b.apply(std::vector<std::uint8_t>{'A', 1}, 3);  // short: ignored
  EXPECT_EQ(b.live_orders(), 0u);
  EXPECT_EQ(render(b, 4).types, (std::vector<char>{'G'}));
}

}  // namespace
