// ichannel/book_table.hpp: the book table, a shared-memory segment holding every instrument's
// book of one feed (top N levels per side, trading state, the seq of the last message applied),
// readable consistently at any moment.
//
// Contract
// - One file per table, <dir>/<name>, with the channels' file discipline (segment_file.hpp:
//   trusted directory, O_EXCL flocked temporary, one producer per name by flock, commit by magic
//   last + rename; receivers verify owner/mode/directory/size/allocation before mapping and map
//   PROT_READ). Its own magic "ICHBOOK1" and version; the layout is the diagram below.
// - Producer: BookTableWriter::create() (cold). One writer thread. Per tick, AFTER the tick was
//   published into the feed's tick channels: begin(instrument) -> BookEntryWriter (fill it with
//   its setters), commit(entry), then applied(tick.seq) (also for ticks that change no entry),
//   and only then the TopOfBook record, if any (the hand-over relies on this order:
//   book_join.hpp, docs/ring.md "The book table and the hand-over"). update() does begin, fill,
//   commit, applied in one call. All of these are inline, noexcept, no allocation, no syscall.
// - Per-entry seqlock, the ring's protocol (sender.hpp / receiver.hpp):
//     writer: version = v+1 (odd), relaxed     D   "being written"
//             fence(release)                   F   orders D before every data store
//             data words, relaxed stores       P
//             version = v+2 (even), release    C   publishes the data
//     reader: s1 = version, acquire            pairs with C
//             data words, relaxed loads        may be torn
//             fence(acquire)                   pairs with F: any word from a later write implies
//                                              that write's D is visible below
//             s2 = version, relaxed            consistent iff s1 == s2 and s1 is even
//   Every access to a shared word is a std::atomic_ref access (no data race; ThreadSanitizer has
//   nothing to report; under TSan the fences are the ring's, detail::fence_*).
// - The table's last_seq (feed state line) is stored with release after the entry's commit and
//   loaded with acquire by readers: a reader that loaded last_seq = L then reads every entry at
//   least as new as the writes of messages <= L (what join_books builds on).
// - Receiver: BookTableReader::attach() (cold; refuses a wrong kind/version/depth/size naming
//   what differs: "X is a channel, not a book table", "book table X has depth 10, expected 5").
//   read()/try_read() are inline noexcept, bounded (kReadTries attempts), no allocation; one
//   thread per reader object at a time (reads are const and touch only the mapping, so several
//   threads may share one reader).
// - Sizes: depth N in 1..kMaxBookDepth (default 10), instruments (locates 0..cap-1) 1..65536.
//   Entry = 64-byte aligned {version | BookEntryFixed | BookLevel bids[N] | asks[N]}.
//
//   offset 0     +---------------------------------------------------------------+
//                | magic "ICHBOOK1" (u64, written last) | version | header size  |
//                | depth | entry size | instruments | producer pid              |
//                | entries offset (u64) | epoch (u64) | created (u64)            |
//                | feed index | fixed-part size                                  |
//   offset 64    | feed name (char[64], NUL-terminated)                          |
//   offset 192   | heartbeat_ns | heartbeat_mono_ns          (own cache line)    |
//   offset 256   | last_seq | feed version | feed flags+sessions | session[16]   |
//                |                                           (own cache line)    |
//   offset 4096  +---------------------------------------------------------------+
//                | entry 0: version | fixed (80 B) | bids[N] | asks[N] (24 B each)|
//                | entry 1 ... entry instruments-1          (entry size, 64-aligned)
//                +---------------------------------------------------------------+
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include <ichannel/message.hpp>
#include <ichannel/result.hpp>
#include <ichannel/segment_file.hpp>
#include <ichannel/top_of_book.hpp>

namespace ichannel {

inline constexpr std::uint64_t kBookTableMagic = 0x314B4F4F42484349ULL;  // "ICHBOOK1" LE
inline constexpr std::uint32_t kBookTableVersion = 1;
inline constexpr std::uint32_t kMaxBookDepth = 64;
inline constexpr std::uint32_t kDefaultBookDepth = 10;
inline constexpr std::uint32_t kMaxBookInstruments = 65536;
inline constexpr std::uint64_t kBookEntriesOffset = 4096;
inline constexpr std::size_t kBookFeedNameMax = 64;

// BookEntryFixed::flags (kBookPossiblyWrong = 0x08 is top_of_book.hpp's, same bit).
inline constexpr std::uint8_t kBookKnown = 0x01;  // the instrument's directory message was seen

struct BookLevel {
  std::int64_t price;    // kPriceScale fixed point
  std::uint64_t qty;     // shares at the level
  std::uint32_t orders;  // orders at the level
  std::uint32_t reserved;
  friend bool operator==(const BookLevel&, const BookLevel&) = default;
};
static_assert(sizeof(BookLevel) == 24 && std::is_trivially_copyable_v<BookLevel>);
static_assert(std::has_unique_object_representations_v<BookLevel>);

// The fixed part of an entry (10 words).
struct BookEntryFixed {
  std::uint64_t seq;           // feed seq of the last message applied to this instrument (0: none)
  std::uint64_t exch_ns;       // exchange time of that message
  char symbol[8];              // ITCH Stock, space padded (from the directory message)
  std::uint16_t instrument;    // stock locate
  std::uint8_t trading_state;  // ITCH H Trading State ('T','H','P','Q'), 0 unknown
  std::uint8_t reg_sho;        // ITCH Y Reg SHO Action ('0','1','2'), 0 unknown
  std::uint8_t op_halt;        // ITCH h Operational Halt Action ('H','T'), 0 none
  std::uint8_t flags;          // kBookKnown | kBookPossiblyWrong
  std::uint8_t bid_depth;      // levels present in bids[] (<= depth)
  std::uint8_t ask_depth;      // levels present in asks[] (<= depth)
  char halt_reason[4];         // ITCH H Reason, space padded
  std::uint32_t reserved;
  std::uint32_t bid_orders;  // live orders on the bid side (all levels)
  std::uint32_t ask_orders;  // live orders on the ask side
  std::uint32_t bid_levels;  // price levels on the bid side (all, not only the top N)
  std::uint32_t ask_levels;  // price levels on the ask side
  std::int64_t luld_ref;     // LULD Auction Collar reference price (ITCH J), 0 none
  std::int64_t luld_lower;   // LULD lower collar
  std::int64_t luld_upper;   // LULD upper collar
};
static_assert(sizeof(BookEntryFixed) == 80 && std::is_trivially_copyable_v<BookEntryFixed>);
static_assert(std::has_unique_object_representations_v<BookEntryFixed>);
static_assert(offsetof(BookEntryFixed, symbol) == 16 &&
              offsetof(BookEntryFixed, instrument) == 24 && offsetof(BookEntryFixed, flags) == 29 &&
              offsetof(BookEntryFixed, bid_depth) == 30 &&
              offsetof(BookEntryFixed, halt_reason) == 32 &&
              offsetof(BookEntryFixed, bid_orders) == 40 &&
              offsetof(BookEntryFixed, luld_ref) == 56);

enum class BookSide : std::uint8_t { kBid = 0, kAsk = 1 };

namespace book_layout {
inline constexpr std::size_t kFixedWords = sizeof(BookEntryFixed) / 8;  // 10
inline constexpr std::size_t kLevelWords = sizeof(BookLevel) / 8;       // 3
inline constexpr std::size_t kFixedWord = 1;                            // the version is word 0

// Entry size in bytes for depth N: version + fixed + 2N levels, rounded up to a cache line.
[[nodiscard]] constexpr std::uint32_t entry_size(std::uint32_t depth) noexcept {
  const std::uint64_t raw = 8 + sizeof(BookEntryFixed) + 2ull * depth * sizeof(BookLevel);
  return static_cast<std::uint32_t>((raw + kCacheLine - 1) / kCacheLine * kCacheLine);
}
static_assert(entry_size(10) == 576 && entry_size(1) == 192 && entry_size(64) == 3200);

struct Header {
  std::uint64_t magic;  // atomic_ref: release store (producer, last) / acquire load (receivers)
  std::uint32_t version;
  std::uint32_t header_size;
  std::uint32_t depth;
  std::uint32_t entry_size;
  std::uint32_t instruments;
  std::int32_t producer_pid;
  std::uint64_t entries_offset;
  std::uint64_t epoch;
  std::uint64_t created_ns;
  std::uint32_t feed_index;
  std::uint32_t fixed_size;  // sizeof(BookEntryFixed) of the producer
  char feed_name[kBookFeedNameMax];
  std::uint8_t reserved0[64];
  alignas(kCacheLine) std::uint64_t heartbeat_ns;  // atomic_ref, relaxed both sides; wall clock
  std::uint64_t heartbeat_mono_ns;                 // atomic_ref, relaxed both sides
  std::uint8_t reserved1[kCacheLine - 16];
  // The feed state line. last_seq: release store by applied() / acquire load by readers.
  // feed_version is the seqlock of flags_sessions and session (same protocol as the entries).
  alignas(kCacheLine) std::uint64_t last_seq;
  std::uint64_t feed_version;
  std::uint64_t flags_sessions;  // feed flags (kBookPossiblyWrong) | session starts << 32
  char session[16];              // MoldUDP64 session (10 bytes, NUL padded)
  std::uint8_t reserved2[kCacheLine - 40];
};
static_assert(offsetof(Header, version) == 8 && offsetof(Header, depth) == 16);
static_assert(offsetof(Header, instruments) == 24 && offsetof(Header, entries_offset) == 32);
static_assert(offsetof(Header, epoch) == 40 && offsetof(Header, feed_index) == 56);
static_assert(offsetof(Header, feed_name) == 64 && offsetof(Header, heartbeat_ns) == 192);
static_assert(offsetof(Header, last_seq) == 256 && offsetof(Header, session) == 280);
static_assert(sizeof(Header) == 320 && sizeof(Header) <= kBookEntriesOffset);

// Whole 4 KiB pages (SegmentFile rounds further to the huge page size on hugetlbfs).
[[nodiscard]] constexpr std::uint64_t table_bytes(std::uint32_t instruments,
                                                  std::uint32_t depth) noexcept {
  const std::uint64_t raw = kBookEntriesOffset + std::uint64_t{instruments} * entry_size(depth);
  return (raw + 4095) / 4096 * 4096;
}

// relaxed/acquire loads through const memory (receivers map read-only; a load never writes).
inline std::atomic_ref<std::uint64_t> ref(const std::uint64_t& w) noexcept {
  return std::atomic_ref<std::uint64_t>(const_cast<std::uint64_t&>(w));
}
}  // namespace book_layout

// The feed-wide state of the table's feed.
struct BookFeedState {
  std::uint64_t last_seq = 0;  // feed seq of the last message applied (any instrument or none)
  std::uint8_t flags = 0;      // kBookPossiblyWrong: the feed had an unrecovered gap
  std::uint32_t sessions = 0;  // session starts (resets) seen by the producer
  char session[16] = {};       // MoldUDP64 session of the last start
  [[nodiscard]] bool possibly_wrong() const noexcept { return (flags & kBookPossiblyWrong) != 0; }
};

// A consistent copy of one entry. Levels past bid_depth / ask_depth are unspecified.
struct BookSnapshot : BookEntryFixed {
  std::uint64_t version = 0;  // the entry's seqlock value the copy was taken at (even)
  BookLevel bids[kMaxBookDepth];
  BookLevel asks[kMaxBookDepth];
  [[nodiscard]] bool possibly_wrong() const noexcept { return (flags & kBookPossiblyWrong) != 0; }
  [[nodiscard]] bool known() const noexcept { return (flags & kBookKnown) != 0; }
  [[nodiscard]] std::span<const BookLevel> side(BookSide s) const noexcept {
    return s == BookSide::kBid ? std::span<const BookLevel>(bids, bid_depth)
                               : std::span<const BookLevel>(asks, ask_depth);
  }
};

// One entry being written (from BookTableWriter::begin until commit). Every setter is a few
// relaxed word stores into the shared entry (ordered by begin's fence and commit's release).
class BookEntryWriter {
 public:
  [[nodiscard]] std::uint16_t instrument() const noexcept { return instrument_; }

  void set_seq(std::uint64_t seq, std::uint64_t exch_ns) noexcept {
    store(book_layout::kFixedWord + 0, seq);
    store(book_layout::kFixedWord + 1, exch_ns);
  }
  void set_fixed(const BookEntryFixed& f) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(&f);
    for (std::size_t i = 0; i < book_layout::kFixedWords; ++i) {
      std::uint64_t w;
      std::memcpy(&w, p + 8 * i, 8);
      store(book_layout::kFixedWord + i, w);
    }
  }
  // The entry's fixed part as this writer last stored it (the writer's own words: no race).
  [[nodiscard]] BookEntryFixed fixed() const noexcept {
    BookEntryFixed f;
    auto* p = reinterpret_cast<unsigned char*>(&f);
    for (std::size_t i = 0; i < book_layout::kFixedWords; ++i) {
      const std::uint64_t w = load(book_layout::kFixedWord + i);
      std::memcpy(p + 8 * i, &w, 8);
    }
    return f;
  }
  // The counts of both sides (bid_orders, ask_orders, bid_levels, ask_levels: two words).
  void set_counts(std::uint32_t bid_orders, std::uint32_t ask_orders, std::uint32_t bid_levels,
                  std::uint32_t ask_levels) noexcept {
    constexpr std::size_t w = book_layout::kFixedWord + offsetof(BookEntryFixed, bid_orders) / 8;
    static_assert(offsetof(BookEntryFixed, ask_levels) == offsetof(BookEntryFixed, bid_orders) + 12);
    const std::uint32_t v[4] = {bid_orders, ask_orders, bid_levels, ask_levels};
    std::uint64_t x[2];
    std::memcpy(x, v, sizeof x);  // the fields' memory order, as set_fixed stores them
    store(w, x[0]);
    store(w + 1, x[1]);
  }
  // Level i (0 = best) of a side; i < depth.
  void set_level(BookSide side, std::uint32_t i, const BookLevel& l) noexcept {
    const std::size_t w0 = level_word(side, i);
    std::uint64_t w[book_layout::kLevelWords];
    std::memcpy(w, &l, sizeof l);
    for (std::size_t k = 0; k < book_layout::kLevelWords; ++k) store(w0 + k, w[k]);
  }
  // The side's levels best first (at most depth are stored) and its depth byte; levels that
  // were present before and are not any more are zeroed.
  void set_levels(BookSide side, std::span<const BookLevel> best_first) noexcept {
    const std::uint32_t n =
        best_first.size() < depth_ ? static_cast<std::uint32_t>(best_first.size()) : depth_;
    const std::uint32_t old = side_depth(side);
    for (std::uint32_t i = 0; i < n; ++i) set_level(side, i, best_first[i]);
    for (std::uint32_t i = n; i < old && i < depth_; ++i) set_level(side, i, BookLevel{});
    set_depth(side, n);
  }
  // The number of levels present on a side (bid_depth / ask_depth), clamped to depth.
  void set_depth(BookSide side, std::uint32_t n) noexcept {
    set_byte(offsetof(BookEntryFixed, bid_depth) + static_cast<std::size_t>(side),
             static_cast<std::uint8_t>(n < depth_ ? n : depth_));
  }
  void set_flags(std::uint8_t flags) noexcept { set_byte(offsetof(BookEntryFixed, flags), flags); }
  [[nodiscard]] std::uint32_t side_depth(BookSide side) const noexcept {
    const std::size_t off = offsetof(BookEntryFixed, bid_depth) + static_cast<std::size_t>(side);
    return static_cast<std::uint8_t>(load(book_layout::kFixedWord + off / 8) >> (8 * (off % 8)));
  }

 private:
  friend class BookTableWriter;
  BookEntryWriter(std::uint64_t* words, std::uint64_t version, std::uint32_t depth,
                  std::uint16_t instrument) noexcept
      : words_(words), version_(version), depth_(depth), instrument_(instrument) {}

  [[nodiscard]] std::size_t level_word(BookSide side, std::uint32_t i) const noexcept {
    return book_layout::kFixedWord + book_layout::kFixedWords +
           (static_cast<std::size_t>(side) * depth_ + i) * book_layout::kLevelWords;
  }
  void store(std::size_t i, std::uint64_t v) noexcept {
    // relaxed: ordered after the odd version by begin's fence F, made visible by commit's
    // release store C; pairs with the reader's relaxed data loads (validated after its fence).
    std::atomic_ref<std::uint64_t>(words_[i]).store(v, std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t load(std::size_t i) const noexcept {
    // relaxed: the writer reading back its own stores (single writer): no ordering needed.
    return book_layout::ref(words_[i]).load(std::memory_order_relaxed);
  }
  void set_byte(std::size_t fixed_off, std::uint8_t v) noexcept {
    const std::size_t i = book_layout::kFixedWord + fixed_off / 8;
    const unsigned shift = 8 * (fixed_off % 8);
    std::uint64_t w = load(i);
    w = (w & ~(std::uint64_t{0xff} << shift)) | (std::uint64_t{v} << shift);
    store(i, w);
  }

  std::uint64_t* words_;
  std::uint64_t version_;  // odd: the value begin() stored
  std::uint32_t depth_;
  std::uint16_t instrument_;
};

struct BookTableOptions {
  std::string dir;        // empty: $ICHANNEL_DIR, else the channels' default directory
  bool hugepages = true;  // false: /dev/shm/ichannel when dir and $ICHANNEL_DIR are empty
  unsigned mode = 0640;   // file mode (umask does not apply); group/other write is refused
  std::string group;      // empty: the creator's group
  int numa_node = -1;     // >= 0: bind the table's memory to this node (as channels)
  std::uint32_t depth = kDefaultBookDepth;          // levels per side, 1..64
  std::uint32_t instruments = kMaxBookInstruments;  // locates 0..instruments-1, 1..65536
  std::string feed_name;                            // shown by tools; < 64 characters
  std::uint32_t feed_index = 0;  // config feeds[] index (Tick::feed of the feed's ticks)
};

class BookTableWriter {
 public:
  // Creates, fills and publishes <dir>/<name> (cold). A re-created name gets a new epoch; a
  // live producer of the same name: "book table X already has a live producer (pid N)".
  [[nodiscard]] static Result<BookTableWriter> create(std::string_view name,
                                                      const BookTableOptions& opts = {});

  BookTableWriter() = default;
  BookTableWriter(BookTableWriter&&) noexcept = default;
  BookTableWriter& operator=(BookTableWriter&&) noexcept = default;

  // Opens the instrument's entry for writing (its version becomes odd). An instrument >=
  // instruments() gets a private scratch entry: writes to it go nowhere, commit is harmless.
  [[nodiscard]] BookEntryWriter begin(std::uint32_t instrument) noexcept {
    std::uint64_t* e = instrument < instruments_ ? entry(instrument) : scratch_.get();
    // relaxed: the writer's own word (single writer).
    const std::uint64_t v = book_layout::ref(e[0]).load(std::memory_order_relaxed) + 1;
    // D: relaxed; the odd version is ordered before every data store by F below.
    std::atomic_ref<std::uint64_t>(e[0]).store(v, std::memory_order_relaxed);
    // F: pairs with the reader's acquire fence (a reader that saw a data word of this write sees
    // the odd version when it reloads the version).
    detail::fence_release();
    return BookEntryWriter(e, v, depth_, static_cast<std::uint16_t>(instrument));
  }
  // Starts the cache misses of the instrument's entry for writing: its version and fixed part
  // (the lines every tick writes) and the first lines of both sides' levels (where most level
  // changes are). A hint, no shared access; out of range: nothing. Always inlined: GCC finds a
  // function made only of __builtin_prefetch side-effect free and deletes the calls to it.
  [[gnu::always_inline]] void prefetch(std::uint32_t instrument) const noexcept {
    if (instrument >= instruments_) return;
    const unsigned char* e = base_ + std::uint64_t{instrument} * entry_size_;
    const std::size_t asks =
        (book_layout::kFixedWord + book_layout::kFixedWords + std::size_t{depth_} * book_layout::kLevelWords) * 8;
    __builtin_prefetch(e, 1, 3);        // version, seq, exch_ns, symbol, state bytes
    __builtin_prefetch(e + 64, 1, 3);   // counts, LULD, bids[0..1]
    __builtin_prefetch(e + 128, 1, 3);  // bids[1..4]
    __builtin_prefetch(e + asks, 1, 3);
    __builtin_prefetch(e + asks + 64, 1, 3);
  }
  // Publishes the entry (its version becomes even again).
  void commit(const BookEntryWriter& w) noexcept {
    // C: release, pairs with the reader's acquire load of the version: the data is visible.
    std::atomic_ref<std::uint64_t>(w.words_[0]).store(w.version_ + 1, std::memory_order_release);
  }
  // The feed seq of the last message applied; call after the entry's commit (every tick,
  // including those that change no entry) and before its TopOfBook record is published. Never
  // goes back: a seq below the last one (a late gap record) keeps the table's value.
  void applied(std::uint64_t seq) noexcept {
    last_applied_ = seq > last_applied_ ? seq : last_applied_;
    // release: pairs with the acquire load in BookTableReader::last_seq(): every entry commit
    // before it is visible to a reader that loads this value (join_books relies on it).
    std::atomic_ref<std::uint64_t>(header()->last_seq)
        .store(last_applied_, std::memory_order_release);
  }
  // begin, set_seq(seq, exch_ns), fill(BookEntryWriter&), commit, applied(seq).
  template <class Fill>
  void update(std::uint32_t instrument, std::uint64_t seq, std::uint64_t exch_ns,
              Fill&& fill) noexcept {
    BookEntryWriter w = begin(instrument);
    w.set_seq(seq, exch_ns);
    static_cast<Fill&&>(fill)(w);
    commit(w);
    applied(seq);
  }

  // The feed-wide mark and session (cold-ish: on a gap, a repair, a session start). Seqlocked.
  void set_feed_flags(std::uint8_t flags) noexcept { store_feed(flags, sessions_, nullptr); }
  // A session start: sessions + 1, the session name (<= 16 bytes kept), flags as given.
  // The new session's sequence numbers restart at 1: last_seq restarts at 0 (the next
  // applied() of the new session sets it; "never goes back" holds within a session).
  void start_session(std::string_view session, std::uint8_t flags = 0) noexcept {
    char s[16] = {};
    std::memcpy(s, session.data(), session.size() < 16 ? session.size() : 16);
    store_feed(flags, sessions_ + 1, s);
    last_applied_ = 0;
    // release: as in applied(); a reader that loads 0 joins the new session from its start.
    std::atomic_ref<std::uint64_t>(header()->last_seq).store(0, std::memory_order_release);
  }

  // Heartbeat like ProducerChannel::heartbeat (relaxed stores on the header's own line).
  void heartbeat(std::chrono::steady_clock::time_point now) noexcept;
  void heartbeat() noexcept { heartbeat(std::chrono::steady_clock::now()); }

  [[nodiscard]] std::uint32_t depth() const noexcept { return depth_; }
  [[nodiscard]] std::uint32_t instruments() const noexcept { return instruments_; }
  [[nodiscard]] std::uint64_t epoch() const noexcept { return header()->epoch; }
  [[nodiscard]] const std::string& path() const noexcept { return file_.path(); }
  [[nodiscard]] bool hugetlbfs() const noexcept { return file_.hugetlbfs(); }
  [[nodiscard]] bool locked() const noexcept { return locked_; }
  [[nodiscard]] std::uint64_t bytes() const noexcept { return file_.size(); }

 private:
  [[nodiscard]] book_layout::Header* header() const noexcept {
    return static_cast<book_layout::Header*>(file_.data());
  }
  [[nodiscard]] std::uint64_t* entry(std::uint32_t i) const noexcept {
    return reinterpret_cast<std::uint64_t*>(base_ + std::uint64_t{i} * entry_size_);
  }
  void store_feed(std::uint8_t flags, std::uint32_t sessions, const char* session) noexcept;

  SegmentFile file_;
  unsigned char* base_ = nullptr;  // entry 0
  std::uint32_t entry_size_ = 0, depth_ = 0, instruments_ = 0;
  std::uint32_t sessions_ = 0;
  std::uint64_t feed_version_ = 0;
  std::uint64_t last_applied_ = 0;  // what applied() stored (private: no shared access)
  bool locked_ = false;
  std::unique_ptr<std::uint64_t[]> scratch_;  // begin() of an out-of-range instrument
};

struct BookTableAttachOptions {
  std::string dir;                    // empty: default_channel_dir() ($ICHANNEL_DIR first)
  std::chrono::milliseconds wait{0};  // wait this long for the table to appear
  std::uint32_t depth = 0;            // > 0: refuse a table of another depth
  std::uint32_t instruments = 0;      // > 0: refuse a table of another instrument count
};

enum class BookRead : std::uint8_t {
  kOk,          // a consistent copy
  kOutOfRange,  // instrument >= instruments()
  kBusy,        // the entry was being rewritten on every one of the attempts
};

class BookTableReader {
 public:
  // Attempts of read() before it reports kBusy (a writer holds an entry for well under a
  // microsecond; the bound only keeps a reader from spinning forever on a stuck entry).
  static constexpr unsigned kReadTries = 4096;

  [[nodiscard]] static Result<BookTableReader> attach(std::string_view name,
                                                      const BookTableAttachOptions& opts = {});

  BookTableReader() = default;
  BookTableReader(BookTableReader&&) noexcept = default;
  BookTableReader& operator=(BookTableReader&&) noexcept = default;

  // A consistent copy of the instrument's entry: true, or false when the instrument is out of
  // range or the entry stayed busy for kReadTries attempts (try_read says which).
  [[nodiscard]] bool read(std::uint32_t instrument, BookSnapshot& out) const noexcept {
    return try_read(instrument, out) == BookRead::kOk;
  }
  [[nodiscard]] BookRead try_read(std::uint32_t instrument, BookSnapshot& out,
                                  unsigned tries = kReadTries) const noexcept {
    if (instrument >= instruments_) return BookRead::kOutOfRange;
    const std::uint64_t* e = entry(instrument);
    auto* fixed = reinterpret_cast<unsigned char*>(static_cast<BookEntryFixed*>(&out));
    for (unsigned t = 0; t < tries; ++t) {
      // acquire: pairs with the writer's release store C (commit): the data words are visible.
      const std::uint64_t s1 = book_layout::ref(e[0]).load(std::memory_order_acquire);
      if ((s1 & 1) != 0) [[unlikely]] {
        pause();
        continue;
      }
      copy_words(fixed, e + book_layout::kFixedWord, book_layout::kFixedWords);
      const std::uint32_t nb = out.bid_depth < depth_ ? out.bid_depth : depth_;
      const std::uint32_t na = out.ask_depth < depth_ ? out.ask_depth : depth_;
      const std::uint64_t* levels = e + book_layout::kFixedWord + book_layout::kFixedWords;
      copy_words(reinterpret_cast<unsigned char*>(out.bids), levels, nb * book_layout::kLevelWords);
      copy_words(reinterpret_cast<unsigned char*>(out.asks),
                 levels + std::size_t{depth_} * book_layout::kLevelWords,
                 na * book_layout::kLevelWords);
      // acquire fence: pairs with the writer's release fence F (begin); orders the data loads
      // above before the version reload below.
      detail::fence_acquire();
      // relaxed: ordered by the fence above; pairs with the writer's D of a later write.
      const std::uint64_t s2 = book_layout::ref(e[0]).load(std::memory_order_relaxed);
      if (s1 == s2) [[likely]] {
        out.bid_depth = static_cast<std::uint8_t>(nb);
        out.ask_depth = static_cast<std::uint8_t>(na);
        out.version = s1;
        return BookRead::kOk;
      }
      pause();
    }
    return BookRead::kBusy;
  }

  // The feed seq of the last message the producer applied.
  [[nodiscard]] std::uint64_t last_seq() const noexcept {
    // acquire: pairs with BookTableWriter::applied's release store.
    return book_layout::ref(header()->last_seq).load(std::memory_order_acquire);
  }
  // The feed-wide state (a consistent copy; the mark, sessions, session name, last_seq).
  [[nodiscard]] BookFeedState feed_state() const noexcept;

  // Whether the producer of THIS file still runs (the flock probe, as channels). Cold.
  [[nodiscard]] bool producer_alive() const noexcept { return file_.producer_alive(); }
  [[nodiscard]] std::uint64_t heartbeat_mono_ns() const noexcept {
    // relaxed: monitoring data, pairs with BookTableWriter::heartbeat's relaxed stores.
    return book_layout::ref(header()->heartbeat_mono_ns).load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t heartbeat_ns() const noexcept {
    // relaxed: monitoring data, pairs with BookTableWriter::heartbeat's relaxed stores.
    return book_layout::ref(header()->heartbeat_ns).load(std::memory_order_relaxed);
  }

  [[nodiscard]] std::uint32_t depth() const noexcept { return depth_; }
  [[nodiscard]] std::uint32_t instruments() const noexcept { return instruments_; }
  [[nodiscard]] std::uint64_t epoch() const noexcept { return header()->epoch; }
  [[nodiscard]] std::int32_t producer_pid() const noexcept { return header()->producer_pid; }
  [[nodiscard]] std::uint64_t created_ns() const noexcept { return header()->created_ns; }
  [[nodiscard]] std::uint32_t feed_index() const noexcept { return header()->feed_index; }
  [[nodiscard]] std::string_view feed_name() const noexcept {
    const char* n = header()->feed_name;
    return {n, ::strnlen(n, kBookFeedNameMax)};
  }
  [[nodiscard]] const std::string& path() const noexcept { return file_.path(); }
  [[nodiscard]] dev_t dev() const noexcept { return file_.dev(); }
  [[nodiscard]] ino_t ino() const noexcept { return file_.ino(); }

 private:
  static void pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
  static void copy_words(unsigned char* dst, const std::uint64_t* src, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) {
      // relaxed: pairs with the writer's relaxed data stores; validated by the version reload.
      const std::uint64_t w = book_layout::ref(src[i]).load(std::memory_order_relaxed);
      std::memcpy(dst + 8 * i, &w, 8);
    }
  }
  [[nodiscard]] const book_layout::Header* header() const noexcept {
    return static_cast<const book_layout::Header*>(file_.data());
  }
  [[nodiscard]] const std::uint64_t* entry(std::uint32_t i) const noexcept {
    return reinterpret_cast<const std::uint64_t*>(base_ + std::uint64_t{i} * entry_size_);
  }

  SegmentFile file_;
  const unsigned char* base_ = nullptr;
  std::uint32_t entry_size_ = 0, depth_ = 0, instruments_ = 0;
};

}  // namespace ichannel
