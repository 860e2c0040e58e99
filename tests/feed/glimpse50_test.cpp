// tests/feed/glimpse50_test.cpp: feed/glimpse50.hpp: End of Snapshot decode and normalize, and
// the ITCH 5.0 types passing through glimpse::dispatch, against app/wire's encoders.
#include "feed/glimpse50.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "wire/itch50_encode.hpp"

namespace {

using namespace ichannel;
namespace glimpse = ichannel::feed::glimpse;
namespace wi = ichannel::wire::itch;

struct Sink {
  int eos = 0, adds = 0, others = 0;
  std::uint64_t next = 0;
  void operator()(const glimpse::EndOfSnapshot& m) {
    ++eos;
    next = m.sequence_number;
  }
  void operator()(const feed::itch::AddOrder&) { ++adds; }
  template <class M>
  void operator()(const M&) {
    ++others;
  }
};

TEST(Glimpse50, EndOfSnapshotDecodesItsSequenceNumber) {
  const auto b = wi::encode(wi::EndOfSnapshot{123456789});
  Sink s;
  EXPECT_EQ(glimpse::dispatch(b, s), glimpse::DecodeResult::kOk);
  EXPECT_EQ(s.eos, 1);
  EXPECT_EQ(s.next, 123456789u);
}

TEST(Glimpse50, EndOfSnapshotNormalizesToAStatusTickCarryingTheNextSequence) {
  Tick t{};
  set_head(t, 0, 3, 0);
  ASSERT_TRUE(feed::normalize(glimpse::EndOfSnapshot{777}, t));
  EXPECT_EQ(t.action, Action::kStatus);
  EXPECT_EQ(static_cast<char>(t.side), 'G');
  EXPECT_EQ(t.aux, feed::kStatusEndOfSnapshot);
  EXPECT_EQ(t.order_id, 777u);
  EXPECT_EQ(t.instrument, 0);
  EXPECT_EQ(std::uint64_t{t.exch_ns}, 0u);
  EXPECT_EQ(std::uint64_t{t.feed}, 3u);
}

TEST(Glimpse50, ShortOrNonNumericEndOfSnapshotIsRefusedWithoutCallingTheSink) {
  auto b = wi::encode(wi::EndOfSnapshot{5});
  Sink s;
  EXPECT_EQ(glimpse::dispatch(std::span<const std::uint8_t>(b.data(), 20), s),
            glimpse::DecodeResult::kBadLength);
  b[10] = 'x';
  EXPECT_EQ(glimpse::dispatch(b, s), glimpse::DecodeResult::kBadField);
  std::vector<std::uint8_t> blank{'G'};
  blank.resize(21, ' ');
  EXPECT_EQ(glimpse::dispatch(blank, s), glimpse::DecodeResult::kBadField);
  EXPECT_EQ(s.eos, 0);
}

TEST(Glimpse50, LongerEndOfSnapshotDecodesItsKnownPrefix) {
  auto b = wi::encode(wi::EndOfSnapshot{9});
  b.push_back('!');
  Sink s;
  EXPECT_EQ(glimpse::dispatch(b, s), glimpse::DecodeResult::kLong);
  EXPECT_EQ(s.next, 9u);
}

TEST(Glimpse50, ItchMessagesPassThroughAsOnTheLiveFeed) {
  Sink s;
  const auto a = wi::encode(wi::AddOrder{{1, 0, 5}, 10, 'B', 100, "AAPL", 1'000'000});
  EXPECT_EQ(glimpse::dispatch(a, s), glimpse::DecodeResult::kOk);
  const auto sys = wi::encode(wi::SystemEvent{{0, 0, 1}, 'Q'});
  EXPECT_EQ(glimpse::dispatch(sys, s), glimpse::DecodeResult::kOk);
  EXPECT_EQ(s.adds, 1);
  EXPECT_EQ(s.others, 1);
  EXPECT_EQ(glimpse::dispatch(std::span<const std::uint8_t>(a.data(), 20), s),
            glimpse::DecodeResult::kBadLength);
  const std::vector<std::uint8_t> unknown{'?', 0};
  EXPECT_EQ(glimpse::dispatch(unknown, s), glimpse::DecodeResult::kUnknownType);
  EXPECT_EQ(glimpse::dispatch({}, s), glimpse::DecodeResult::kEmpty);
}

TEST(Glimpse50, LiveItchDispatchStillTreatsGAsUnknown) {
  const auto b = wi::encode(wi::EndOfSnapshot{1});
  auto any = [](const auto&) {};
  EXPECT_EQ(feed::itch::dispatch(b, any), feed::itch::DecodeResult::kUnknownType);
}

}  // namespace
