// tests/daemon/book_fixture.hpp: what the book-stage tests (datapath/book_stage_test.cpp,
// datapath/snapshot_handover_test.cpp, control/snapshot_thread_test.cpp) set up alike: a book
// table in a private temporary directory (writer and a reader, removed with the fixture), the
// small BookLimits of a test, a top-of-book sender that records or counts, and a simulated
// session's ticks.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <ichannel/book_table.hpp>
#include <ichannel/top_of_book.hpp>

#include "book/book_limits.hpp"
#include "tools/sim/generator.hpp"

namespace ichannel::test {

// A top-of-book channel that keeps every record (out == nullptr: only counts them).
struct RecordingTopSender {
  std::vector<TopOfBook>* out = nullptr;
  std::uint64_t sent = 0;
  std::uint64_t send(const TopOfBook& r) noexcept {
    if (out != nullptr) out->push_back(r);
    return ++sent;
  }
};

// A simulated session's ticks (seq 1, 2, ... and recv_ns = 1,000,000 + seq).
inline std::vector<Tick> generated_ticks(std::uint64_t messages, std::uint32_t symbols,
                                         std::uint64_t seed) {
  sim::GeneratorConfig config;
  config.messages = messages;
  config.symbols = symbols;
  config.seed = seed;
  sim::Generator gen(config);
  std::vector<std::uint8_t> msg;
  std::uint64_t time_ns = 0;
  Tick t{};
  std::vector<Tick> out;
  while (gen.next(msg, time_ns, &t)) {
    t.seq = out.size() + 1;
    t.recv_ns = 1'000'000 + t.seq;
    out.push_back(t);
  }
  return out;
}

inline book::BookLimits small_book_limits(std::uint32_t instruments, std::uint32_t depth,
                                          std::uint32_t orders) {
  book::BookLimits l;
  l.max_orders = orders;
  l.level_store_levels = orders;
  l.instruments = instruments;
  l.depth = depth;
  return l;
}

// The book table "sim-books" of feed "sim" in <tmp>/<prefix>-<pid>, not on hugepages.
class TempBookTable {
 public:
  TempBookTable(const std::string& prefix, std::uint32_t instruments, std::uint32_t depth)
      : dir_(std::filesystem::temp_directory_path() / (prefix + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(dir_);
    BookTableOptions o;
    o.dir = dir_.string();
    o.hugepages = false;
    o.depth = depth;
    o.instruments = instruments;
    o.feed_name = "sim";
    auto t = BookTableWriter::create("sim-books", o);
    if (!t) {
      ADD_FAILURE() << t.error().message;
      return;
    }
    writer_ = std::make_unique<BookTableWriter>(std::move(*t));
    BookTableAttachOptions a;
    a.dir = dir_.string();
    auto r = BookTableReader::attach("sim-books", a);
    if (!r) {
      ADD_FAILURE() << r.error().message;
      return;
    }
    reader_ = std::make_unique<BookTableReader>(std::move(*r));
  }
  ~TempBookTable() {
    reader_.reset();
    writer_.reset();
    std::filesystem::remove_all(dir_);
  }
  TempBookTable(const TempBookTable&) = delete;
  TempBookTable& operator=(const TempBookTable&) = delete;

  [[nodiscard]] bool ok() const noexcept { return writer_ && reader_; }
  [[nodiscard]] BookTableWriter& writer() noexcept { return *writer_; }
  [[nodiscard]] BookTableReader& reader() noexcept { return *reader_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<BookTableWriter> writer_;
  std::unique_ptr<BookTableReader> reader_;
};

}  // namespace ichannel::test
