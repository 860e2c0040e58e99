// app/book on the real Nasdaq sample (../shared/data/itch/12302019_SNIPPET.NASDAQ_ITCH50: 1,000
// TotalView-ITCH 5.0 messages of 2019-12-30 from the open), decoded and normalized by the feed's
// ItchFeed as tests/feed do: after every message the book equals the ReferenceBook. The sample
// starts after the pre-market, so it executes and deletes orders neither book saw: both count
// the same unknown references and mark the same instruments. Skips when the file is absent.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

#include "book/feed_books.hpp"
#include "feed/itch_feed.hpp"
#include "tests/book/book_check.hpp"
#include "tests/support/shared_data.hpp"
#include "wire/moldudp64_encode.hpp"

namespace ichannel::book {
namespace {

using Bytes = std::vector<std::uint8_t>;

// BinaryFILE: u16 BE length + message, repeated (tests/support/shared_data.hpp).
std::vector<Bytes> read_binary_file(const std::filesystem::path& p) {
  test::BinaryFile f = test::read_binary_file(p);
  return std::move(f.messages);
}

struct Collect {
  std::vector<Tick>* out;
  void operator()(const Tick& t) noexcept { out->push_back(t); }
};

TEST(BookRealSample, NasdaqSampleMatchesTheReferenceAfterEveryMessage) {
  const std::filesystem::path path = test::nasdaq_sample();
  if (!std::filesystem::exists(path)) {
    GTEST_SKIP() << "shared data absent: " << path
                 << " (set ICHANNEL_SHARED_DATA to the shared/data folder)";
  }
  const std::vector<Bytes> msgs = read_binary_file(path);
  ASSERT_EQ(msgs.size(), 1000u);
  std::vector<Tick> ticks;
  auto feed = std::make_unique<feed::ItchFeed<Collect>>(Collect{&ticks});
  std::uint64_t seq = 1;
  for (std::size_t i = 0; i < msgs.size(); i += 20) {  // 20 messages per MoldUDP64 packet
    const std::vector<Bytes> batch(
        msgs.begin() + static_cast<std::ptrdiff_t>(i),
        msgs.begin() + static_cast<std::ptrdiff_t>(std::min(i + 20, msgs.size())));
    feed->on_datagram(0, wire::mold_packet("0000000001", seq, batch), 7);
    seq += batch.size();
  }
  ASSERT_EQ(ticks.size(), 1000u);

  test::Twin w;
  for (const Tick& t : ticks) ASSERT_TRUE(w.apply(t)) << "seq " << t.seq;
  ASSERT_TRUE(test::same_everywhere(*w.books, w.ref, 10));
  const BookCounters& c = w.books->counters();
  // The sample's adds are known; its E/X/D/U of pre-market orders are not.
  EXPECT_EQ(c.adds, 367u + 193u);
  EXPECT_GT(c.unknown_refs, 0u);
  EXPECT_EQ(c.duplicate_refs, 0u);
  EXPECT_EQ(c.crossed, 0u);
  EXPECT_GT(c.marks, 0u);
  EXPECT_FALSE(w.books->possibly_wrong());  // no gap: only instruments are marked
  std::printf(
      "real sample: %llu adds, %llu replaces, %llu executes, %llu deletes, %llu unknown refs, "
      "%llu marked instruments, %llu live orders on %llu instruments, %llu locked\n",
      (unsigned long long)c.adds, (unsigned long long)c.replaces, (unsigned long long)c.executes,
      (unsigned long long)c.deletes, (unsigned long long)c.unknown_refs,
      (unsigned long long)c.marks, (unsigned long long)c.live_orders,
      (unsigned long long)c.instruments_with_orders, (unsigned long long)c.locked);
}

}  // namespace
}  // namespace ichannel::book
