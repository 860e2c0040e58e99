// tests/feed/fanout_test.cpp: fan-out of a feed's ticks into its channels with filters.
#include "feed/fanout.hpp"

#include <gtest/gtest.h>

#include <ichannel/ichannel.hpp>
#include <memory>
#include <string>
#include <vector>

namespace ichannel::feed {
namespace {

struct RecordingSender {
  std::vector<Tick> sent;
  std::uint64_t send(const Tick& t) noexcept {
    sent.push_back(t);
    return sent.size();
  }
};

Tick tick_for(std::uint16_t locate, std::uint64_t seq) {
  Tick t{};
  t.instrument = locate;
  t.seq = seq;
  t.action = Action::kAdd;
  return t;
}

itch::Stock stock(const char* s) {
  itch::Stock st;
  st.fill(' ');
  for (std::size_t i = 0; s[i] != '\0' && i < st.size(); ++i) st[i] = s[i];
  return st;
}

TEST(Fanout, UnfilteredOutputsGetEveryTickInOrder) {
  auto table = std::make_unique<SymbolTable>();
  RecordingSender a, b;
  Fanout<RecordingSender> pub;
  ASSERT_TRUE(pub.add_output(a, 0, *table, {}));
  ASSERT_TRUE(pub.add_output(b, 1, *table, {}));
  for (std::uint64_t s = 1; s <= 5; ++s) pub.publish(tick_for(7, s));
  ASSERT_EQ(a.sent.size(), 5u);
  ASSERT_EQ(b.sent.size(), 5u);
  EXPECT_EQ(a.sent[4].seq, 5u);
  EXPECT_EQ(pub.published(0), 5u);
  EXPECT_EQ(pub.published(1), 5u);
  EXPECT_EQ(pub.filtered(0), 0u);
}

TEST(Fanout, FilteredOutputGetsOnlyItsSymbolsPlusFeedWideEvents) {
  auto table = std::make_unique<SymbolTable>();
  table->learn(10, stock("AAPL"));
  table->learn(11, stock("MSFT"));
  RecordingSender all, aapl;
  Fanout<RecordingSender> pub;
  const std::vector<std::string> symbols{"AAPL"};
  ASSERT_TRUE(pub.add_output(all, 0, *table, {}));
  ASSERT_TRUE(pub.add_output(aapl, 1, *table, symbols));
  pub.publish(tick_for(10, 1));  // AAPL
  pub.publish(tick_for(11, 2));  // MSFT: filtered
  pub.publish(tick_for(12, 3));  // unknown locate: not passed
  pub.publish(tick_for(0, 4));   // feed-wide (gap, system event): always passed
  EXPECT_EQ(all.sent.size(), 4u);
  ASSERT_EQ(aapl.sent.size(), 2u);
  EXPECT_EQ(aapl.sent[0].seq, 1u);
  EXPECT_EQ(aapl.sent[1].seq, 4u);
  EXPECT_EQ(pub.published(0), 4u);
  EXPECT_EQ(pub.published(1), 2u);
  EXPECT_EQ(pub.filtered(1), 2u);  // one known-but-unwanted, one unknown
}

TEST(Fanout, PublishedCountsFromTheOutputsAddition) {
  auto table = std::make_unique<SymbolTable>();
  RecordingSender a, b;
  Fanout<RecordingSender> pub;
  ASSERT_TRUE(pub.add_output(a, 0, *table, {}));
  pub.publish(tick_for(7, 1));
  pub.publish(tick_for(7, 2));
  ASSERT_TRUE(pub.add_output(b, 1, *table, {}));
  pub.publish(tick_for(7, 3));
  EXPECT_EQ(pub.published(0), 3u);
  EXPECT_EQ(pub.published(1), 1u);
  EXPECT_EQ(b.sent.size(), 1u);
}

TEST(Fanout, MovedAndCopiedFanoutsFilterWithTheirOwnFilters) {
  auto table = std::make_unique<SymbolTable>();
  table->learn(10, stock("AAPL"));
  table->learn(11, stock("MSFT"));
  RecordingSender aapl;
  Fanout<RecordingSender> pub;
  const std::vector<std::string> symbols{"AAPL"};
  ASSERT_TRUE(pub.add_output(aapl, 0, *table, symbols));
  pub.publish(tick_for(11, 1));  // filtered in the original
  Fanout<RecordingSender> moved(std::move(pub));
  moved.publish(tick_for(10, 2));
  moved.publish(tick_for(11, 3));
  Fanout<RecordingSender> copy(moved);
  copy.publish(tick_for(11, 4));
  EXPECT_EQ(moved.filtered(0), 2u);
  EXPECT_EQ(moved.published(0), 1u);
  EXPECT_EQ(copy.filtered(0), 3u);  // the copy's own filter counts on from the copied state
  EXPECT_EQ(copy.published(0), 1u);
  ASSERT_EQ(aapl.sent.size(), 1u);
  EXPECT_EQ(aapl.sent[0].seq, 2u);
}

TEST(Fanout, PublishesIntoARealRingReceiversCanRead) {
  auto table = std::make_unique<SymbolTable>();
  std::vector<Message<Tick>> ring(16);
  Sender<Tick> sender = Sender<Tick>::with_init(ring);
  Receiver<Tick> rx(std::span<const Message<Tick>>(ring.data(), ring.size()));
  Fanout<Sender<Tick>> pub;
  ASSERT_TRUE(pub.add_output(sender, 0, *table, {}));
  pub.publish(tick_for(3, 42));
  auto got = rx.try_recv();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->value.seq, 42u);
  EXPECT_EQ(got->value.instrument, 3u);
  EXPECT_FALSE(rx.try_recv().has_value());
}

// One packet's Burst on the common route (one output, no filter, an ichannel Sender) holds the
// sender's cursor; what it publishes and the counters are those of publish().
TEST(Fanout, BurstOnOneRealSenderPublishesLikePublish) {
  auto table = std::make_unique<SymbolTable>();
  std::vector<Message<Tick>> ring(8);
  Sender<Tick> sender = Sender<Tick>::with_init(ring);
  Receiver<Tick> rx(std::span<const Message<Tick>>(ring.data(), ring.size()));
  Fanout<Sender<Tick>> pub;
  ASSERT_TRUE(pub.add_output(sender, 0, *table, {}));
  pub.publish(tick_for(1, 100));
  {
    Fanout<Sender<Tick>>::Burst burst(pub);
    for (std::uint64_t s = 101; s < 106; ++s) burst.publish(tick_for(2, s));
  }
  EXPECT_EQ(sender.next_seq(), 7u);
  EXPECT_EQ(pub.published(0), 6u);
  EXPECT_EQ(pub.filtered(0), 0u);
  pub.publish(tick_for(3, 106));
  for (std::uint64_t s = 100; s < 107; ++s) {
    auto got = rx.try_recv();
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->seq, s - 99);
    EXPECT_EQ(got->value.seq, s);
  }
  EXPECT_FALSE(rx.try_recv().has_value());
}

// Two outputs (one filtered): the Burst is publish() per tick, nothing held.
TEST(Fanout, BurstWithTwoOutputsFallsBackToPublish) {
  auto table = std::make_unique<SymbolTable>();
  table->learn(5, stock("AAPL"));
  table->learn(6, stock("MSFT"));
  std::vector<Message<Tick>> ring_a(8), ring_b(8);
  Sender<Tick> a = Sender<Tick>::with_init(ring_a);
  Sender<Tick> b = Sender<Tick>::with_init(ring_b);
  Fanout<Sender<Tick>> pub;
  ASSERT_TRUE(pub.add_output(a, 0, *table, {}));
  const std::vector<std::string> only{"AAPL"};
  ASSERT_TRUE(pub.add_output(b, 1, *table, only));
  {
    Fanout<Sender<Tick>>::Burst burst(pub);
    burst.publish(tick_for(5, 1));
    burst.publish(tick_for(6, 2));
    EXPECT_EQ(a.next_seq(), 3u);  // not held: the senders move as they publish
    EXPECT_EQ(b.next_seq(), 2u);
  }
  EXPECT_EQ(pub.published(0), 2u);
  EXPECT_EQ(pub.published(1), 1u);
  EXPECT_EQ(pub.filtered(1), 1u);
}

TEST(Fanout, OutputTableIsBounded) {
  auto table = std::make_unique<SymbolTable>();
  RecordingSender s;
  Fanout<RecordingSender> pub;
  for (std::size_t i = 0; i < Fanout<RecordingSender>::kMaxOutputs; ++i)
    ASSERT_TRUE(pub.add_output(s, i, *table, {}));
  EXPECT_FALSE(pub.add_output(s, 99, *table, {}));
  EXPECT_EQ(pub.size(), Fanout<RecordingSender>::kMaxOutputs);
}

}  // namespace
}  // namespace ichannel::feed
