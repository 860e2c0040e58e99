// book_table.cpp: creating, publishing and attaching book tables (cold path; see
// ichannel/book_table.hpp). The file handling is SegmentFile's (segment_file.hpp); this adds the
// table header, its checks, and the feed-state seqlock.
#include <ichannel/book_table.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <thread>

#include <ichannel/channel.hpp>
#include <ichannel/layout.hpp>

#include "file_util.hpp"

namespace ichannel {
namespace detail {
// segment.cpp: the channels' wording of a failed verified open.
std::string describe_open_failure(const std::string& who, const std::string& path,
                                  const OpenFailure& why);
}  // namespace detail

namespace {

using detail::FdCloser;
using detail::join;
using detail::kOpenFlags;

std::string table_dir_for(const BookTableOptions& opts) {
  if (!opts.dir.empty()) return opts.dir;
  if (const char* env = std::getenv("ICHANNEL_DIR"); env != nullptr && *env != '\0') return env;
  return opts.hugepages ? default_channel_dir() : std::string("/dev/shm/ichannel");
}

// Epoch of the file currently published under `path` (0 if none or unreadable).
std::uint64_t old_epoch(const std::string& path) {
  return detail::published_epoch<book_layout::Header>(path, kBookTableMagic);
}

}  // namespace

Result<BookTableWriter> BookTableWriter::create(std::string_view name,
                                                const BookTableOptions& opts) {
  if (auto ok = validate_channel_name(name); !ok) {
    return Error{"book table: " + ok.error().message};
  }
  const std::string who = "book table " + std::string(name);
  if (opts.depth < 1 || opts.depth > kMaxBookDepth) {
    return Error{who + ": depth must be 1.." + std::to_string(kMaxBookDepth) + ", got " +
                 std::to_string(opts.depth)};
  }
  if (opts.instruments < 1 || opts.instruments > kMaxBookInstruments) {
    return Error{who + ": instruments must be 1.." + std::to_string(kMaxBookInstruments) +
                 ", got " + std::to_string(opts.instruments)};
  }
  if (opts.feed_name.size() >= kBookFeedNameMax) {
    return Error{who + ": feed name longer than " + std::to_string(kBookFeedNameMax - 1) +
                 " characters"};
  }
  const std::string dir = table_dir_for(opts);
  SegmentFileOptions fopts;
  fopts.who = who;
  fopts.dir_noun = "book table directory";
  fopts.mode = opts.mode;
  fopts.group = opts.group;
  auto file =
      SegmentFile::create(dir, name, book_layout::table_bytes(opts.instruments, opts.depth), fopts);
  if (!file) return file.error();

  BookTableWriter w;
  w.file_ = std::move(*file);
  void* addr = w.file_.data();
  const std::uint64_t bytes = w.file_.size();
  if (!w.file_.hugetlbfs() && opts.hugepages) ::madvise(addr, bytes, MADV_HUGEPAGE);  // advisory
  if (opts.numa_node >= 0) {
    if (auto ok = detail::bind_numa(addr, bytes, opts.numa_node); !ok)
      return Error{who + ": " + ok.error().message};
  }
  // Pre-fault every page with a write (blocks are reserved: this cannot SIGBUS). The file is
  // fresh, so every entry is zero: version 0 (even), seq 0 ("never written").
  auto* p = static_cast<unsigned char*>(addr);
  for (std::uint64_t off = 0; off < bytes; off += 4096) p[off] = 0;
  w.locked_ = ::mlock(addr, bytes) == 0;

  const std::uint64_t now = wall_clock_ns();
  const std::uint64_t prev = old_epoch(w.file_.path());
  auto* h = w.header();
  std::memset(h, 0, sizeof *h);
  h->version = kBookTableVersion;
  h->header_size = sizeof(book_layout::Header);
  h->depth = opts.depth;
  h->entry_size = book_layout::entry_size(opts.depth);
  h->instruments = opts.instruments;
  h->producer_pid = static_cast<std::int32_t>(::getpid());
  h->entries_offset = kBookEntriesOffset;
  h->epoch = now > prev ? now : prev + 1;
  h->created_ns = now;
  h->feed_index = opts.feed_index;
  h->fixed_size = sizeof(BookEntryFixed);
  std::memcpy(h->feed_name, opts.feed_name.data(), opts.feed_name.size());
  h->heartbeat_ns = now;
  h->heartbeat_mono_ns = monotonic_ns();  // a fresh table counts as a heartbeat

  w.base_ = p + kBookEntriesOffset;
  w.entry_size_ = h->entry_size;
  w.depth_ = opts.depth;
  w.instruments_ = opts.instruments;
  w.scratch_ = std::make_unique<std::uint64_t[]>(w.entry_size_ / 8);
  // Each entry's instrument field, so a never-written entry still says which locate it is.
  for (std::uint32_t i = 0; i < w.instruments_; ++i) {
    std::uint64_t* e = w.entry(i);
    std::memcpy(reinterpret_cast<unsigned char*>(e + book_layout::kFixedWord) +
                    offsetof(BookEntryFixed, instrument),
                &i, sizeof(std::uint16_t));
  }

  // release: the commit of the header and the entries; pairs with the acquire load of magic
  // in attach() (and old_epoch()'s plain read of a published file).
  std::atomic_ref<std::uint64_t>(h->magic).store(kBookTableMagic, std::memory_order_release);
  if (auto ok = w.file_.commit(); !ok) {
    // SegmentFile words it "<who> already has a live producer (pid N): ..." for a second one.
    return ok.error();
  }
  return w;
}

void BookTableWriter::heartbeat(std::chrono::steady_clock::time_point now) noexcept {
  book_layout::Header* h = header();
  const auto mono = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count());
  // relaxed: monitoring data, read relaxed by BookTableReader::heartbeat_*(); no ordering.
  std::atomic_ref<std::uint64_t>(h->heartbeat_mono_ns).store(mono, std::memory_order_relaxed);
  std::atomic_ref<std::uint64_t>(h->heartbeat_ns).store(wall_clock_ns(), std::memory_order_relaxed);
}

void BookTableWriter::store_feed(std::uint8_t flags, std::uint32_t sessions,
                                 const char* session) noexcept {
  book_layout::Header* h = header();
  // The entries' seqlock protocol on the feed state (book_table.hpp).
  // D: relaxed odd version; ordered before the data stores by F.
  std::atomic_ref<std::uint64_t>(h->feed_version).store(++feed_version_, std::memory_order_relaxed);
  // F: pairs with the acquire fence in feed_state().
  detail::fence_release();
  // relaxed data stores: made visible by C, validated by the reader's version reload.
  std::atomic_ref<std::uint64_t>(h->flags_sessions)
      .store(std::uint64_t{flags} | std::uint64_t{sessions} << 32, std::memory_order_relaxed);
  if (session != nullptr) {
    std::uint64_t w[2];
    std::memcpy(w, session, 16);
    auto* sw = reinterpret_cast<std::uint64_t*>(h->session);
    std::atomic_ref<std::uint64_t>(sw[0]).store(w[0], std::memory_order_relaxed);
    std::atomic_ref<std::uint64_t>(sw[1]).store(w[1], std::memory_order_relaxed);
  }
  // C: release even version; pairs with the acquire load of feed_version in feed_state().
  std::atomic_ref<std::uint64_t>(h->feed_version).store(++feed_version_, std::memory_order_release);
  sessions_ = sessions;
}

BookFeedState BookTableReader::feed_state() const noexcept {
  const book_layout::Header* h = header();
  BookFeedState s;
  const auto* sw = reinterpret_cast<const std::uint64_t*>(h->session);
  for (unsigned t = 0; t < kReadTries; ++t) {
    // acquire: pairs with store_feed's release store C.
    const std::uint64_t v1 = book_layout::ref(h->feed_version).load(std::memory_order_acquire);
    if ((v1 & 1) != 0) {
      pause();
      continue;
    }
    // relaxed: pairs with store_feed's relaxed data stores; validated below.
    const std::uint64_t fs = book_layout::ref(h->flags_sessions).load(std::memory_order_relaxed);
    const std::uint64_t w0 = book_layout::ref(sw[0]).load(std::memory_order_relaxed);
    const std::uint64_t w1 = book_layout::ref(sw[1]).load(std::memory_order_relaxed);
    // acquire fence: pairs with store_feed's release fence F.
    detail::fence_acquire();
    // relaxed: ordered by the fence above.
    if (book_layout::ref(h->feed_version).load(std::memory_order_relaxed) != v1) continue;
    s.flags = static_cast<std::uint8_t>(fs);
    s.sessions = static_cast<std::uint32_t>(fs >> 32);
    std::memcpy(s.session, &w0, 8);
    std::memcpy(s.session + 8, &w1, 8);
    break;
  }
  s.last_seq = last_seq();
  return s;
}

Result<BookTableReader> BookTableReader::attach(std::string_view name,
                                                const BookTableAttachOptions& opts) {
  if (auto ok = validate_channel_name(name); !ok) {
    return Error{"book table: " + ok.error().message};
  }
  const std::string dir = opts.dir.empty() ? default_channel_dir() : opts.dir;
  const std::string who = "book table " + std::string(name);
  const std::string path = join(dir, name);

  const auto deadline = std::chrono::steady_clock::now() + opts.wait;
  SegmentFileOpen opened;
  for (;;) {
    // kBookEntriesOffset: the smallest file that can hold a table header.
    opened = SegmentFile::open_read_only(path, kBookEntriesOffset);
    if (opened.file) break;
    const OpenFailure& why = opened.failure;
    if (why.step != OpenFailure::Step::kOpen || why.err != ENOENT) {
      return Error{detail::describe_open_failure(who, path, why)};
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Error{who + " does not exist (" + path + ")" +
                   (opts.wait.count() > 0
                        ? " after waiting " + std::to_string(opts.wait.count()) + " ms"
                        : std::string())};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  BookTableReader r;
  r.file_ = std::move(*opened.file);
  const std::uint64_t size = r.file_.size();
  const book_layout::Header* h = r.header();
  // acquire: pairs with create()'s release store of magic; every header field was written before.
  const std::uint64_t magic = book_layout::ref(h->magic).load(std::memory_order_acquire);
  if (magic == layout::kMagic) return Error{who + ": " + path + " is a channel, not a book table"};
  if (magic != kBookTableMagic) {
    return Error{who + ": " + path + " is not a book table (bad magic)"};
  }
  if (h->version != kBookTableVersion) {
    return Error{who + ": layout version " + std::to_string(h->version) + ", this build reads " +
                 std::to_string(kBookTableVersion)};
  }
  if (h->depth < 1 || h->depth > kMaxBookDepth || h->instruments < 1 ||
      h->instruments > kMaxBookInstruments || h->entries_offset != kBookEntriesOffset ||
      h->header_size != sizeof(book_layout::Header)) {
    return Error{who + ": corrupt header: depth " + std::to_string(h->depth) + ", instruments " +
                 std::to_string(h->instruments) + ", entries offset " +
                 std::to_string(h->entries_offset) + ", header size " +
                 std::to_string(h->header_size)};
  }
  if (h->fixed_size != sizeof(BookEntryFixed) ||
      h->entry_size != book_layout::entry_size(h->depth)) {
    return Error{who + ": entry size " + std::to_string(h->entry_size) + " (fixed part " +
                 std::to_string(h->fixed_size) + ") for depth " + std::to_string(h->depth) +
                 ", this build expects " + std::to_string(book_layout::entry_size(h->depth)) +
                 " (fixed part " + std::to_string(sizeof(BookEntryFixed)) + ")"};
  }
  if (opts.depth != 0 && h->depth != opts.depth) {
    return Error{who + " has depth " + std::to_string(h->depth) + ", expected " +
                 std::to_string(opts.depth)};
  }
  if (opts.instruments != 0 && h->instruments != opts.instruments) {
    return Error{who + " has " + std::to_string(h->instruments) + " instruments, expected " +
                 std::to_string(opts.instruments)};
  }
  // Exactly the size the producer makes; fully allocated (checked by open_read_only), so no
  // entry access can SIGBUS.
  const std::uint64_t want = r.file_.size_for(book_layout::table_bytes(h->instruments, h->depth));
  if (size != want) {
    return Error{who + ": refused: " + path + " is " + std::to_string(size) +
                 " bytes, its header (" + std::to_string(h->instruments) + " entries of " +
                 std::to_string(h->entry_size) + " bytes) requires exactly " +
                 std::to_string(want)};
  }
  r.base_ = static_cast<const unsigned char*>(r.file_.data()) + kBookEntriesOffset;
  r.entry_size_ = h->entry_size;
  r.depth_ = h->depth;
  r.instruments_ = h->instruments;
  return r;
}

}  // namespace ichannel
