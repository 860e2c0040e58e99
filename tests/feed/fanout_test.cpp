// tests/feed/fanout_test.cpp: fan-out of a feed's ticks into its channels with filters.
#include "feed/fanout.hpp"

#include <gtest/gtest.h>

#include <ichannel/ichannel.hpp>
#include <memory>
#include <string>
#include <type_traits>
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
  std::vector<Message<Tick>> ring(16);  // 7 unread below: more than a ring of 8 holds (6)
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

// Two outputs (one filtered): the Burst holds both senders' cursors until it ends; then the
// senders and the counters are where publish() would have left them.
TEST(Fanout, BurstWithTwoOutputsHoldsBothCursorsUntilItEnds) {
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
    EXPECT_EQ(a.next_seq(), 1u);  // held by the burst
    EXPECT_EQ(b.next_seq(), 1u);
  }
  EXPECT_EQ(a.next_seq(), 3u);
  EXPECT_EQ(b.next_seq(), 2u);
  EXPECT_EQ(pub.published(0), 2u);
  EXPECT_EQ(pub.published(1), 1u);
  EXPECT_EQ(pub.filtered(1), 1u);
}

// The reference for every route shape: one Fanout driven by publish(), a twin driven by Bursts
// (several packets of different lengths, an empty one, publish() calls between them, an output
// added between packets) must leave the same records in every ring, the same cursors and the
// same counters.
struct Shape {
  const char* name;
  std::vector<std::vector<std::string>> outputs;  // per output: its symbols (empty: no filter)
  std::size_t late = 0;  // outputs (of the last ones) added only after the first packets
};

struct Twin {
  std::vector<std::vector<Message<Tick>>> rings;
  std::vector<Sender<Tick>> senders;
  Fanout<Sender<Tick>> fanout;
  explicit Twin(std::size_t n) : rings(n, std::vector<Message<Tick>>(512)) {
    senders.reserve(n);
    for (auto& r : rings) senders.push_back(Sender<Tick>::with_init(r));
  }
};

std::vector<Tick> drain(const std::vector<Message<Tick>>& ring) {
  Receiver<Tick> rx(std::span<const Message<Tick>>(ring.data(), ring.size()), LapPolicy::kNewest,
                    StartAt::kOldest);
  std::vector<Tick> got;
  while (auto m = rx.try_recv()) got.push_back(m->value);
  EXPECT_EQ(rx.lost(), 0u);
  return got;
}

void expect_burst_matches_publish(const Shape& shape) {
  SCOPED_TRACE(shape.name);
  auto table = std::make_unique<SymbolTable>();
  table->learn(10, stock("AAPL"));
  table->learn(11, stock("MSFT"));
  table->learn(12, stock("IBM"));
  const std::size_t n = shape.outputs.size();
  Twin plain(n), burst(n);
  auto add = [&](std::size_t i) {
    ASSERT_TRUE(plain.fanout.add_output(plain.senders[i], i, *table, shape.outputs[i]));
    ASSERT_TRUE(burst.fanout.add_output(burst.senders[i], i, *table, shape.outputs[i]));
  };
  for (std::size_t i = 0; i < n - shape.late; ++i) add(i);
  // Locates 10..13 (13 never learned) and 0 (feed-wide), in a pattern no filter decides alike.
  std::uint64_t seq = 0;
  auto next = [&] {
    ++seq;
    const std::uint16_t locate = seq % 7 == 0 ? 0 : static_cast<std::uint16_t>(10 + seq % 4);
    return tick_for(locate, seq);
  };
  const std::size_t packets[] = {5, 1, 0, 38, 3, 17, 2};
  for (std::size_t k = 0; k < std::size(packets); ++k) {
    if (k == 3) {
      for (std::size_t i = n - shape.late; i < n; ++i) add(i);
    }
    {
      Fanout<Sender<Tick>>::Burst b(burst.fanout);
      for (std::size_t j = 0; j < packets[k]; ++j) {
        const Tick t = next();
        plain.fanout.publish(t);
        b.publish(t);
      }
    }
    const Tick between = next();  // a record outside any packet (a gap, a session start)
    plain.fanout.publish(between);
    burst.fanout.publish(between);
  }
  for (std::size_t i = 0; i < n; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(burst.senders[i].next_seq(), plain.senders[i].next_seq());
    EXPECT_EQ(burst.fanout.published(i), plain.fanout.published(i));
    EXPECT_EQ(burst.fanout.filtered(i), plain.fanout.filtered(i));
    EXPECT_EQ(burst.fanout.published(i), plain.senders[i].next_seq() - 1);
    const std::vector<Tick> want = drain(plain.rings[i]);
    const std::vector<Tick> got = drain(burst.rings[i]);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t j = 0; j < want.size(); ++j) {
      EXPECT_EQ(got[j].seq, want[j].seq);
      EXPECT_EQ(got[j].instrument, want[j].instrument);
    }
  }
}

TEST(Fanout, BurstPublishesWhatPublishDoesOnEveryRouteShape) {
  const std::vector<std::string> aapl{"AAPL"}, msft_ibm{"MSFT", "IBM"};
  const std::vector<Shape> shapes{
      {"one output", {{}}},
      {"one filtered output", {aapl}},
      {"two outputs", {{}, {}}},
      {"two outputs, the second filtered", {{}, aapl}},
      {"two outputs, the first filtered", {msft_ibm, {}}},
      {"two filtered outputs", {aapl, msft_ibm}},
      {"three outputs, one filtered", {{}, {}, aapl}},
      {"three filtered outputs", {aapl, msft_ibm, aapl}},
      {"a second output added between packets", {{}, aapl}, 1},
      {"sixteen outputs, two added late",
       {{}, aapl, {}, msft_ibm, {}, {}, aapl, {}, {}, {}, msft_ibm, {}, {}, {}, aapl, {}},
       2},
  };
  for (const Shape& s : shapes) expect_burst_matches_publish(s);
}

// One Sender as the output of two routes (e.g. two filters into one channel): two bursts on it
// would be two producers, so the Burst publishes through publish(); both routes still publish.
TEST(Fanout, BurstOnASenderSharedByTwoRoutesPublishesEachRecordTwice) {
  auto table = std::make_unique<SymbolTable>();
  table->learn(10, stock("AAPL"));
  std::vector<Message<Tick>> ring(64);
  Sender<Tick> s = Sender<Tick>::with_init(ring);
  Fanout<Sender<Tick>> pub;
  const std::vector<std::string> aapl{"AAPL"};
  ASSERT_TRUE(pub.add_output(s, 0, *table, {}));
  ASSERT_TRUE(pub.add_output(s, 0, *table, aapl));
  {
    Fanout<Sender<Tick>>::Burst burst(pub);
    burst.publish(tick_for(10, 1));
    EXPECT_EQ(s.next_seq(), 3u);  // not held
    burst.publish(tick_for(11, 2));
  }
  EXPECT_EQ(s.next_seq(), 4u);
  const std::vector<Tick> got = drain(ring);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].seq, 1u);
  EXPECT_EQ(got[1].seq, 1u);
  EXPECT_EQ(got[2].seq, 2u);
  EXPECT_EQ(pub.published(0), 2u);
  EXPECT_EQ(pub.published(1), 1u);
}

// Fanout is generic over the record: any record with a `std::uint16_t instrument` (TopOfBook,
// or this one), its type taken from the sender.
struct Quote {
  std::uint64_t seq;
  std::int64_t bid;
  std::int64_t ask;
  std::uint16_t instrument;
};

struct QuoteRecorder {
  std::vector<Quote> sent;
  std::uint64_t send(const Quote& q) noexcept {
    sent.push_back(q);
    return sent.size();
  }
};

static_assert(std::is_same_v<Fanout<Sender<Quote>>::Record, Quote>);
static_assert(std::is_same_v<Fanout<QuoteRecorder>::Record, Quote>);
static_assert(std::is_same_v<Fanout<Sender<Tick>>::Record, Tick>);
// Tick has no padding: the Burst's no-lane path passes it as words (fanout.hpp), not in memory.
static_assert(std::has_unique_object_representations_v<Tick>);
static_assert(!std::has_unique_object_representations_v<Quote>);  // the copying path, below

TEST(Fanout, PublishesAnyRecordTypeFilteredOnItsInstrument) {
  auto table = std::make_unique<SymbolTable>();
  table->learn(10, stock("AAPL"));
  table->learn(11, stock("MSFT"));
  std::vector<Message<Quote>> ring_all(16), ring_aapl(16);
  Sender<Quote> all = Sender<Quote>::with_init(ring_all);
  Sender<Quote> aapl = Sender<Quote>::with_init(ring_aapl);
  QuoteRecorder rec;
  Fanout<Sender<Quote>> pub;
  Fanout<QuoteRecorder> recorded;
  const std::vector<std::string> symbols{"AAPL"};
  ASSERT_TRUE(pub.add_output(all, 0, *table, {}));
  ASSERT_TRUE(pub.add_output(aapl, 1, *table, symbols));
  ASSERT_TRUE(recorded.add_output(rec, 0, *table, symbols));
  const Quote quotes[] = {{1, 100, 101, 10}, {2, 200, 201, 11}, {3, 0, 0, 0}, {4, 102, 103, 10}};
  pub.publish(quotes[0]);
  {
    Fanout<Sender<Quote>>::Burst burst(pub);
    Fanout<QuoteRecorder>::Burst other(recorded);
    for (const Quote& q : quotes) {
      if (q.seq == 1) continue;
      burst.publish(q);
    }
    for (const Quote& q : quotes) other.publish(q);
  }
  Receiver<Quote> rx(std::span<const Message<Quote>>(ring_aapl.data(), ring_aapl.size()),
                     LapPolicy::kNewest, StartAt::kOldest);
  std::vector<std::uint64_t> seqs;
  while (auto m = rx.try_recv()) {
    seqs.push_back(m->value.seq);
    if (m->value.seq == 4) {
      EXPECT_EQ(m->value.ask, 103);
    }
  }
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{1, 3, 4}));
  EXPECT_EQ(all.next_seq(), 5u);
  EXPECT_EQ(pub.published(0), 4u);
  EXPECT_EQ(pub.published(1), 3u);
  EXPECT_EQ(pub.filtered(1), 1u);
  ASSERT_EQ(rec.sent.size(), 3u);
  EXPECT_EQ(recorded.published(0), 3u);
  EXPECT_EQ(recorded.filtered(0), 1u);
}

// Three outputs (no lanes) of a record with padding bytes: publish() through a copy.
TEST(Fanout, BurstOfAPaddedRecordIntoThreeOutputsPublishesLikePublish) {
  auto table = std::make_unique<SymbolTable>();
  table->learn(10, stock("AAPL"));
  std::vector<std::vector<Message<Quote>>> rings(3, std::vector<Message<Quote>>(16));
  std::vector<Sender<Quote>> senders;
  for (auto& r : rings) senders.push_back(Sender<Quote>::with_init(r));
  Fanout<Sender<Quote>> pub;
  const std::vector<std::string> aapl{"AAPL"};
  ASSERT_TRUE(pub.add_output(senders[0], 0, *table, {}));
  ASSERT_TRUE(pub.add_output(senders[1], 1, *table, {}));
  ASSERT_TRUE(pub.add_output(senders[2], 2, *table, aapl));
  {
    Fanout<Sender<Quote>>::Burst burst(pub);
    burst.publish(Quote{1, 100, 101, 10});
    burst.publish(Quote{2, 200, 201, 11});
  }
  EXPECT_EQ(senders[0].next_seq(), 3u);
  EXPECT_EQ(senders[1].next_seq(), 3u);
  EXPECT_EQ(senders[2].next_seq(), 2u);
  EXPECT_EQ(pub.published(0), 2u);
  EXPECT_EQ(pub.published(2), 1u);
  EXPECT_EQ(pub.filtered(2), 1u);
  Receiver<Quote> rx(std::span<const Message<Quote>>(rings[2].data(), rings[2].size()),
                     LapPolicy::kNewest, StartAt::kOldest);
  auto got = rx.try_recv();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->value.ask, 101);
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
