// book_table_stress_test.cpp: the per-entry seqlock under fire. One writer thread rewrites a
// few entries at full speed, every field derived from one counter (so any mix of two writes is
// detectable), and reader threads must never see a torn entry; the feed state (mark, sessions,
// session name) likewise. Also run in the TSan build (suite tsan): every shared access is
// atomic, so it must report nothing. Updates: ICHANNEL_BOOK_STRESS_UPDATES (default 2,000,000;
// 200,000 under TSan).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <ichannel/book_table.hpp>

namespace ichannel {
namespace {

constexpr std::uint32_t kInstruments = 4;
constexpr std::uint32_t kDepth = 8;

std::uint64_t update_count() {
  if (const char* env = std::getenv("ICHANNEL_BOOK_STRESS_UPDATES")) {
    return std::strtoull(env, nullptr, 10);
  }
#if defined(ICHANNEL_TSAN)
  return 200'000;
#else
  return 2'000'000;
#endif
}

// Entry content of write number c (instrument c % kInstruments + 1... stored at c % 4).
BookEntryFixed fixed_of(std::uint64_t c) {
  BookEntryFixed f{};
  f.seq = c;
  f.exch_ns = c * 7;
  const std::uint64_t sym = c ^ 0x5a5a5a5a5a5a5a5aull;
  std::memcpy(f.symbol, &sym, 8);
  f.instrument = static_cast<std::uint16_t>(c % kInstruments);
  f.trading_state = static_cast<std::uint8_t>(c);
  f.reg_sho = static_cast<std::uint8_t>(c >> 8);
  f.op_halt = static_cast<std::uint8_t>(c >> 16);
  f.flags = static_cast<std::uint8_t>(c >> 3) & (kBookKnown | kBookPossiblyWrong);
  f.bid_depth = static_cast<std::uint8_t>(c % (kDepth + 1));
  f.ask_depth = static_cast<std::uint8_t>((c / 3) % (kDepth + 1));
  const auto c32 = static_cast<std::uint32_t>(c);
  std::memcpy(f.halt_reason, &c32, 4);
  f.bid_orders = c32 * 3;
  f.ask_orders = c32 * 5;
  f.bid_levels = c32 + 1;
  f.ask_levels = c32 + 2;
  f.luld_ref = -static_cast<std::int64_t>(c);
  f.luld_lower = static_cast<std::int64_t>(c) * 2;
  f.luld_upper = static_cast<std::int64_t>(c) * 3;
  return f;
}
BookLevel level_of(std::uint64_t c, BookSide side, std::uint32_t k) {
  const auto s = static_cast<std::int64_t>(side == BookSide::kBid ? 1 : 2);
  return BookLevel{static_cast<std::int64_t>(c) * 100 * s + k, c + k * s,
                   static_cast<std::uint32_t>(c + k), 0};
}

// Empty string when the snapshot is exactly write number s.seq.
std::string torn(const BookSnapshot& s) {
  const std::uint64_t c = s.seq;
  const BookEntryFixed f = fixed_of(c);
  if (std::memcmp(static_cast<const BookEntryFixed*>(&s), &f, sizeof f) != 0) {
    return "fixed part of write " + std::to_string(c) + " does not match";
  }
  for (std::uint32_t k = 0; k < f.bid_depth; ++k) {
    if (!(s.bids[k] == level_of(c, BookSide::kBid, k))) {
      return "bid " + std::to_string(k) + " of write " + std::to_string(c);
    }
  }
  for (std::uint32_t k = 0; k < f.ask_depth; ++k) {
    if (!(s.asks[k] == level_of(c, BookSide::kAsk, k))) {
      return "ask " + std::to_string(k) + " of write " + std::to_string(c);
    }
  }
  return {};
}

std::string session_of(std::uint32_t n) {
  std::string s = std::to_string(n);
  return std::string(10 - s.size(), '0') + s;
}

class BookTableStress : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/dev/shm/ichannel-book-stress-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    ::chmod(base_.c_str(), 0755);
  }
  void TearDown() override { std::filesystem::remove_all(base_); }
  std::string base_;
};

TEST_F(BookTableStress, ReadersNeverSeeATornEntryWhileTheWriterRewritesAtFullSpeed) {
  BookTableOptions o;
  o.dir = base_;
  o.instruments = kInstruments;
  o.depth = kDepth;
  auto w = BookTableWriter::create("torture", o);
  ASSERT_TRUE(w) << w.error().message;
  BookTableAttachOptions a;
  a.dir = base_;
  const std::uint64_t n = update_count();
  std::atomic<bool> done{false};  // relaxed flag: pairs with nothing (a stop signal)

  std::thread writer([&] {
    BookLevel levels[kDepth];
    for (std::uint64_t c = 1; c <= n; ++c) {
      const auto i = static_cast<std::uint32_t>(c % kInstruments);
      BookEntryWriter e = w->begin(i);
      e.set_fixed(fixed_of(c));
      for (BookSide side : {BookSide::kBid, BookSide::kAsk}) {
        const std::uint32_t d = side == BookSide::kBid ? c % (kDepth + 1) : (c / 3) % (kDepth + 1);
        for (std::uint32_t k = 0; k < d; ++k) levels[k] = level_of(c, side, k);
        e.set_levels(side, std::span<const BookLevel>(levels, d));
      }
      w->commit(e);
      w->applied(c);
      if (c % 1024 == 0) {
        const auto sessions = static_cast<std::uint32_t>(c / 1024);
        w->start_session(session_of(sessions), (sessions & 1) != 0 ? kBookPossiblyWrong : 0);
      }
    }
    done.store(true, std::memory_order_relaxed);
  });

  struct Tally {
    std::uint64_t reads = 0, busy = 0, states = 0;
    std::string first_torn;
  };
  std::vector<Tally> tallies(2);
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&, r] {
      auto rd = BookTableReader::attach("torture", a);
      if (!rd) {
        tallies[r].first_torn = rd.error().message;
        return;
      }
      Tally& t = tallies[r];
      std::uint64_t last[kInstruments] = {};
      auto snap = std::make_unique<BookSnapshot>();
      std::uint32_t i = static_cast<std::uint32_t>(r);
      while (!done.load(std::memory_order_relaxed) && t.first_torn.empty()) {
        i = (i * 5 + 1) % kInstruments;
        const BookRead got = rd->try_read(i, *snap);
        if (got == BookRead::kBusy) {
          ++t.busy;
          continue;
        }
        ++t.reads;
        if (snap->seq == 0) continue;  // not written yet
        if (std::string why = torn(*snap); !why.empty()) {
          t.first_torn = why;
        } else if (snap->seq % kInstruments != i) {
          t.first_torn =
              "write " + std::to_string(snap->seq) + " in the entry of " + std::to_string(i);
        } else if (snap->seq < last[i]) {
          t.first_torn = "entry " + std::to_string(i) + " went back from " +
                         std::to_string(last[i]) + " to " + std::to_string(snap->seq);
        }
        last[i] = snap->seq;
        if ((t.reads & 63) == 0) {
          const BookFeedState fs = rd->feed_state();
          ++t.states;
          if (fs.sessions != 0 && (std::string(fs.session) != session_of(fs.sessions) ||
                                   fs.possibly_wrong() != ((fs.sessions & 1) != 0))) {
            t.first_torn = "feed state: sessions " + std::to_string(fs.sessions) + " with " +
                           std::string(fs.session);
          }
        }
      }
    });
  }
  writer.join();
  for (auto& t : readers) t.join();
  for (const Tally& t : tallies) {
    EXPECT_EQ(t.first_torn, "");
    EXPECT_GT(t.reads, 0u);
    EXPECT_GT(t.states, 0u);
    std::printf("reader: %llu consistent reads, %llu busy, %llu feed states\n",
                static_cast<unsigned long long>(t.reads), static_cast<unsigned long long>(t.busy),
                static_cast<unsigned long long>(t.states));
  }
  auto rd = BookTableReader::attach("torture", a);
  ASSERT_TRUE(rd);
  EXPECT_EQ(rd->last_seq(), n);
  auto snap = std::make_unique<BookSnapshot>();
  for (std::uint32_t i = 0; i < kInstruments; ++i) {
    ASSERT_TRUE(rd->read(i, *snap));
    EXPECT_EQ(torn(*snap), "");
    EXPECT_GT(snap->seq + kInstruments, n);  // the last write of each entry
  }
}

}  // namespace
}  // namespace ichannel
