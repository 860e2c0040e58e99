// app/stats/layout.hpp: the statistics shared-memory segment of ichannel-feed.
//
// Contract
// - One writer process (ichannel-feed) creates the segment at start; any number of readers
//   (ichannel-stat, a Prometheus exporter, tests) map it read-only. Header-only, no DPDK, no
//   allocation; readers use reader.hpp (open, check, snapshot) instead of duplicating it.
// - Where: <dir>/<statistics.segment>, dir = config channel_dir if set and not a hugetlbfs mount,
//   else /dev/shm/ichannel (kDefaultStatsDir). statistics.segment defaults to "ichannel-stats". A
//   segment name that starts with '/' is used as an absolute path. See stats_path() in
//   reader.hpp.
// - The daemon builds the whole file under a hidden temporary name (<ichannel/segment_file.hpp>,
//   the primitive channel segments use too), publishes magic last (release) and renames it into
//   place, so a reader never sees a half-initialized segment. A restarted daemon
//   replaces the file: readers notice a new pid / start_ns and re-open.
// - Everything after the magic that is static (names, counts, sizes) is written before the magic
//   and never changes. Every counter is a std::atomic<uint64_t> with exactly one writer thread,
//   stored relaxed; readers load relaxed. There is no whole-segment snapshot consistency: each
//   counter is individually exact and monotonic (except `rate_per_s` and the state fields).
// - update_ns (ns since the Unix epoch) is stored with release after every statistics pass of the
//   main lcore (every statistics.interval_ms); a reader that acquires it sees at least the
//   counters of that pass. A daemon that died shows a stale update_ns and state kRunning;
//   a clean exit stores kStopped after the final statistics pass.
//
// Layout (every block 64-byte aligned, offsets fixed by the static_asserts below):
//
//   +0        StatsHeader            magic, version, sizes, pid, start/update times, counts
//   +768      PortStats[16]          per DPDK port: hw counters (rte_eth_stats) + sw rejects
//   +5888     FeedStats[32]          per feed: its line rows, feed-wide counters, messages by type
//   +81664    LineStats[64]          per feed line (A/B): MoldUDP64 / ITCH counters of that line
//   +102144   ChannelStats[64]       per tick channel: published, filtered, rate
//   +114432   CoreStats[16]          per RX loop (lcore, port, queue): polls, packets, unrouted,
//                                    rejects
//   +118528   BookStats[32]          per feed (same index as FeedStats): its order books
//   +128768   SnapshotStats[32]      per feed (same index as FeedStats): its GLIMPSE snapshots
//   +139008   end
//
// Every counter exists exactly once: feed-wide counters (ticks, feed gaps, ...) live in the
// feed's FeedStats, never copied into its line rows. Version 2 added FeedStats and split the
// old merged `malformed` of a line into malformed / unknown_type / bad_length. Version 3 added the
// arbitration and recovery counters; version 4 undecodable, request_send_errors, reply_drops
// (feed) and released (line); version 5 BookStats (the feeds' order books, issue 11); version 6
// SnapshotStats (the feeds' GLIMPSE snapshots, issue 12).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "config/limits.hpp"

namespace ichannel::stats {

inline constexpr std::uint64_t kStatsMagic = 0x3153544154534349ULL;  // "ICSTATS1" little-endian
inline constexpr std::uint32_t kStatsVersion = 6;
inline constexpr const char* kDefaultStatsDir = "/dev/shm/ichannel";
inline constexpr const char* kDefaultStatsSegment = "ichannel-stats";

inline constexpr std::size_t kMaxPorts = 16;
inline constexpr std::size_t kMaxLines = 64;  // 32 feeds x (A, B)
inline constexpr std::size_t kMaxFeeds = kMaxLines / 2;
inline constexpr std::size_t kItchTypes = 256;         // FeedStats::by_type, one per type byte
inline constexpr std::uint32_t kNoLine = 0xFFFFFFFFu;  // FeedStats::line_b of a one-line feed
inline constexpr std::size_t kMaxChannels = 64;
inline constexpr std::size_t kMaxCores = 16;
inline constexpr std::size_t kMaxRejectReasons = 16;
inline constexpr std::size_t kNameSize = 64;        // NUL-terminated, channel names are <= 63
inline constexpr std::size_t kReasonNameSize = 24;  // NUL-terminated
inline constexpr std::size_t kPathSize = 256;       // NUL-terminated, truncated if longer
// The validator keeps every configuration within these rows (config/limits.hpp).
static_assert(kMaxPorts >= config::kMaxPorts && kMaxLines >= config::kMaxLines &&
                  kMaxFeeds >= config::kMaxFeeds && kMaxChannels >= config::kMaxChannels &&
                  kMaxCores >= config::kMaxCores,
              "a validated configuration must fit the statistics segment");

using Counter = std::atomic<std::uint64_t>;
static_assert(Counter::is_always_lock_free, "stats counters must be lock-free in shared memory");

enum class DaemonState : std::uint32_t {
  kStarting = 1,  // segment published, EAL/ports/channels being set up
  kRunning = 2,   // RX loops launched
  kStopping = 3,  // stop requested (signal), loops draining
  kStopped = 4,   // clean exit: final counters written
  kFailed = 5,    // runtime error after the segment was published
};

struct alignas(64) StatsHeader {
  std::atomic<std::uint64_t> magic;         // kStatsMagic; stored last with release, pairs with the
                                            // reader's acquire load in reader.hpp
  std::uint32_t version;                    // kStatsVersion
  std::uint32_t segment_size;               // sizeof(StatsSegment)
  std::int32_t pid;                         // daemon pid
  std::uint32_t interval_ms;                // statistics.interval_ms
  std::uint64_t start_ns;                   // daemon start, ns since the Unix epoch
  std::atomic<std::uint64_t> update_ns;     // last statistics pass; release store by the main
                                            // lcore, pairs with the reader's acquire load
  std::atomic<std::uint64_t> update_count;  // number of statistics passes (relaxed)
  std::atomic<std::uint32_t> state;         // DaemonState; release store, reader acquire
  std::uint32_t port_count;
  std::uint32_t line_count;
  std::uint32_t channel_count;
  std::uint32_t core_count;
  std::uint32_t reject_reason_count;  // number of valid entries in reject_reason_names
  std::uint32_t feed_count;
  char config_path[kPathSize];                                   // config file the daemon runs
  char reject_reason_names[kMaxRejectReasons][kReasonNameSize];  // index = PortStats::rejected[i]
};

struct alignas(64) PortStats {
  char name[kNameSize];  // config ports[].name
  std::uint16_t dpdk_port_id;
  std::int16_t numa_socket;  // -1 unknown
  std::uint32_t rx_queues;
  std::uint8_t reserved[56];
  // Hardware / PMD counters from rte_eth_stats_get, written by the main lcore.
  Counter rx_packets;  // ipackets
  Counter rx_bytes;    // ibytes
  Counter imissed;     // dropped by the NIC: RX ring full
  Counter ierrors;     // erroneous packets
  Counter rx_nombuf;   // mbuf allocation failures (mempool too small)
  // Software counters: sums of CoreStats over the RX loops polling this port (main lcore).
  Counter polled;    // packets the RX loops took from this port's queues
  Counter unrouted;  // valid UDP/IPv4 but no feed line matches (group, port, vlan, source)
  Counter rejected_total;
  Counter rejected[kMaxRejectReasons];  // by reason, names in StatsHeader::reject_reason_names
};

struct alignas(64) FeedStats {
  char name[kNameSize];  // config feeds[].name
  std::uint32_t line_a;  // index into LineStats of line A
  std::uint32_t line_b;  // index into LineStats of line B, kNoLine if the feed has one line
  std::uint8_t reserved[56];
  // Written by the RX loop that owns the feed (relaxed), copied from feed::FeedCounters.
  Counter ticks;            // ticks handed to the channels (gap and status records too)
  Counter dropped_types;    // decoded messages whose type carries no tick (0 since tick layout 2)
  Counter gaps;             // feed gaps published as kGap ticks (neither line had the messages)
  Counter gap_messages;     // messages missing in those feed gaps
  Counter session_changes;  // MoldUDP64 sessions adopted after the first one
  Counter holes;              // holes opened at the expected sequence (most fill in the window)
  Counter held_now;           // gauge: packets waiting in the reorder store
  Counter requests;           // MoldUDP64 re-requests sent (retries included)
  Counter request_timeouts;   // re-requests that timed out
  Counter recovered;          // messages delivered from re-request replies
  Counter recovery_packets;   // re-request replies received
  Counter store_full;         // holes declared early because the reorder store was full
  Counter suspect_confirmed;  // sequence jumps confirmed by a consistent packet
  Counter suspect_expired;    // unconfirmed sequence jumps dropped
  Counter undecodable;        // kUndecodable records published (unknown type, short, empty)
  // Written by the main lcore from the re-request client thread's per-feed counters.
  Counter request_send_errors;  // re-requests the kernel refused to send (sequencer re-asks)
  Counter reply_drops;          // re-request replies dropped: RX loop's reply queue full
  Counter reserved_counters[7];
  Counter by_type[kItchTypes];  // decoded messages per ITCH message type byte
};

struct alignas(64) LineStats {
  char feed[kNameSize];  // config feeds[].name
  char line;             // 'A' or 'B'
  std::uint8_t reserved0[3];
  std::uint32_t port_index;  // index into PortStats
  std::uint32_t group;       // IPv4 multicast group, host order
  std::uint16_t udp_port;
  std::uint8_t reserved1[2];
  std::uint32_t feed_index;  // index into FeedStats
  std::uint8_t reserved[44];
  // Written by the RX loop that owns the feed (relaxed), copied from feed::LineCounters.
  Counter packets;         // MoldUDP64 packets routed to this line
  Counter messages;        // new messages decoded from this line (first copies only)
  Counter gaps;            // jumps in this line's own sequence (line loss, maybe covered by the
                           // other line)
  Counter gap_messages;    // messages this line skipped
  Counter duplicates;      // messages already delivered (by either line) and skipped
  Counter malformed;       // packets with bad MoldUDP64 framing
  Counter unknown_type;    // ITCH messages with an unknown type byte
  Counter bad_length;      // ITCH messages shorter than their type's spec length (or empty)
  Counter heartbeats;      // MoldUDP64 heartbeats (count 0)
  Counter end_of_session;  // MoldUDP64 end-of-session packets (count 0xFFFF)
  Counter stale_session;   // packets of another session, dropped (never adopted on one packet)
  Counter next_seq;        // this line's next expected sequence number (gauge)
  Counter late_copies;     // messages that arrived after their gap was declared
  Counter held;            // packets that waited in the reorder store for a hole to fill
  Counter suspect;         // packets set aside as an unconfirmed sequence jump
  Counter seq_zero;        // packets with sequence number 0, dropped
  Counter too_large;       // packets ahead of the sequence too large to hold
  Counter long_messages;   // known ITCH types longer than their spec (known prefix decoded)
  Counter released;        // held packets delivered from the reorder store once the hole filled
  Counter reserved_counters[5];
};

struct alignas(64) ChannelStats {
  char name[kNameSize];  // config channels[].name
  std::uint64_t capacity;
  std::int32_t numa_node;
  std::uint32_t hugepages;  // 1: hugetlbfs, 0: /dev/shm
  std::uint8_t reserved[48];
  Counter published;   // ticks sent (= sender's last seq); written by the owning RX loop
  Counter filtered;    // ticks dropped by the route's instrument filter; owning RX loop
  Counter rate_per_s;  // published per second over the last interval (gauge); main lcore
  Counter epoch;       // producer epoch of the channel segment; main lcore at start
  Counter file_state;  // the channel's path: 0 still the daemon's file, 1 replaced by another
                       // file, 2 removed (daemon::ChannelFileState); main lcore, about 1/s
  Counter reserved_counters[3];
};

struct alignas(64) CoreStats {
  std::uint32_t lcore;
  std::uint32_t port_index;  // index into PortStats
  std::uint32_t queue;
  std::uint8_t reserved[52];
  // Written by this RX loop in its housekeeping (relaxed); PortStats sums them per port.
  Counter polls;        // rx_burst calls
  Counter bursts;       // rx_burst calls that returned >= 1 packet
  Counter packets;      // packets received
  Counter full_bursts;  // rx_burst calls that returned the full burst (32): falling behind
  Counter unrouted;     // valid UDP/IPv4 packets that match no feed line
  Counter rejected_total;
  Counter rejected[kMaxRejectReasons];  // by reason, names in StatsHeader::reject_reason_names
  Counter reserved_counters[2];
};

// The counters of one feed's order books, once for every consumer (the layout below, the
// reader's snapshot, the RX loop's copy, Prometheus, ichannel-stat):
// X(name, prometheus type, meaning). Gauges are levels, the rest count since start.
#define ICHANNEL_BOOK_STATS(X)                                                                  \
  X(orders, gauge, "live orders in the books")                                                 \
  X(levels, gauge, "price levels, both sides, all instruments")                                \
  X(instruments, gauge, "instruments with at least one live order")                            \
  X(adds, counter, "orders added (A, F and the new order of U)")                               \
  X(executions, counter, "executions applied (E, C)")                                          \
  X(cancels, counter, "partial cancels applied (X)")                                           \
  X(deletes, counter, "deletes applied (D)")                                                   \
  X(replaces, counter, "replaces applied (U)")                                                 \
  X(unknown_refs, counter, "E/C/X/D/U of an order reference the book does not know")           \
  X(duplicate_refs, counter, "adds of an order reference that is already live")                \
  X(over_executions, counter, "executions or cancels of more shares than the order had")       \
  X(rejected_adds, counter, "adds with 0 shares, no side or a locate beyond the table")        \
  X(crossed, counter, "adds/replaces after which the best bid is above the best ask")          \
  X(locked, counter, "adds/replaces after which the best bid equals the best ask")             \
  X(order_store_full, counter, "adds refused: max_orders orders live")                         \
  X(level_store_full, counter, "adds refused: no room for a new price level")                  \
  X(resets, counter, "books cleared by a new MoldUDP64 session")                               \
  X(marked, gauge, "1 while the feed's books are marked possibly wrong")                       \
  X(marks, counter, "times the books or an instrument were marked possibly wrong")             \
  X(top_of_book, counter, "top-of-book records produced (before instrument filters)")          \
  X(memory_bytes, gauge, "memory of the book structures, bytes")

inline constexpr std::size_t kBookStatsCounters = 21;  // entries of ICHANNEL_BOOK_STATS

// The order books of one feed (feeds[].books), same index as FeedStats; all zero for a feed
// without books (enabled 0). Counters written by the RX loop that owns the feed (relaxed),
// copied from book::BookCounters in its housekeeping.
struct alignas(64) BookStats {
  std::uint32_t enabled;  // 1: the feed has books (and a book table)
  std::uint32_t depth;    // levels per side in the book table
  std::uint64_t max_orders;
  char table[kNameSize];  // the book table's name (segment in the channel directory)
  std::uint8_t reserved[48];
#define ICHANNEL_BOOK_STATS_FIELD(name, type, help) Counter name;
  ICHANNEL_BOOK_STATS(ICHANNEL_BOOK_STATS_FIELD)
#undef ICHANNEL_BOOK_STATS_FIELD
  Counter reserved_counters[24 - kBookStatsCounters];
};

// The counters of one feed's snapshots (feeds[].snapshot: the books rebuilt from a GLIMPSE 5.0
// snapshot at start and after an unrecovered gap), once for every consumer like
// ICHANNEL_BOOK_STATS: X(name, prometheus type, meaning).
#define ICHANNEL_SNAPSHOT_STATS(X)                                                               \
  X(state, gauge,                                                                                \
    "0 idle, 1 waiting to retry, 2 buffering and loading the snapshot, 3 applying the buffer, "  \
    "4 handing over")                                                                            \
  X(attempts, counter, "snapshots requested")                                                    \
  X(completed, counter, "snapshots that rebuilt the books")                                      \
  X(failures, counter, "attempts that failed (every reason below)")                              \
  X(connect_failures, counter, "connect refused, unreachable or timed out")                      \
  X(logins_rejected, counter, "logins the server rejected")                                      \
  X(server_timeouts, counter, "servers silent past the timeout, or the snapshot past timeout_s") \
  X(disconnects, counter, "connections closed before End of Snapshot")                           \
  X(malformed, counter, "framing errors, undecodable or out-of-place messages")                  \
  X(buffer_overflows, counter, "attempts failed because live ticks overran the buffer")          \
  X(stale, counter, "attempts failed because the snapshot was older than the buffered feed")     \
  X(gaps_during, counter, "attempts failed by a gap or session change while buffering")          \
  X(last_orders, gauge, "resting orders in the last completed snapshot")                         \
  X(last_messages, gauge, "messages in the last completed snapshot")                             \
  X(last_duration_us, gauge, "connect to books ready, last completed snapshot, microseconds")    \
  X(last_buffered, gauge, "live ticks buffered during the last completed snapshot")              \
  X(last_next_seq, gauge, "End of Snapshot sequence of the last completed snapshot")             \
  X(buffer_high_water, gauge, "most live ticks waiting in the buffer at once")                   \
  X(overlap_skipped, counter, "buffered ticks skipped: already in the snapshot")                 \
  X(replayed, counter, "buffered ticks applied to the new books")                                \
  X(bytes, counter, "bytes received from the snapshot server")                                  \
  X(last_handover_us, gauge,                                                                     \
    "RX lcore time of the last hand-over (the loop's pause: table, records), microseconds")     \
  X(last_server_wait_us, gauge,                                                                  \
    "connect to the first snapshot message, last completed snapshot (the server's share)")

inline constexpr std::size_t kSnapshotStatsCounters = 23;  // entries of ICHANNEL_SNAPSHOT_STATS

// SnapshotStats::state values (the snapshot thread's phase).
enum class SnapshotState : std::uint64_t {
  kIdle = 0,       // nothing to do (books not marked, or no trigger)
  kRetryWait = 1,  // an attempt failed; the next one after retry_ms (doubling up to 30 s)
  kLoading = 2,    // live ticks buffered, the GLIMPSE snapshot being read into spare books
  kApplying = 3,   // the buffered ticks from the snapshot's next sequence on being applied
  kHandover = 4,   // waiting for the RX lcore to swap the books and publish the snapshot
};

// The snapshots of one feed (feeds[].snapshot), same index as FeedStats; all zero for a feed
// without snapshot (enabled 0). Counters written by the feed's snapshot thread (relaxed stores,
// single writer); readers load relaxed (each value individually exact, no cross-counter
// consistency: a reader may see attempts incremented before the matching completed/failures).
struct alignas(64) SnapshotStats {
  std::uint32_t enabled;  // 1: the feed has a snapshot server
  std::uint8_t reserved0[4];
  std::uint64_t buffer_ticks;  // feeds[].snapshot.buffer_ticks: slots of the live-tick buffer
  char server[kNameSize];      // "A.B.C.D:PORT" of the GLIMPSE server
  std::uint8_t reserved[48];
#define ICHANNEL_SNAPSHOT_STATS_FIELD(name, type, help) Counter name;
  ICHANNEL_SNAPSHOT_STATS(ICHANNEL_SNAPSHOT_STATS_FIELD)
#undef ICHANNEL_SNAPSHOT_STATS_FIELD
  Counter reserved_counters[24 - kSnapshotStatsCounters];
};

struct StatsSegment {
  StatsHeader header;
  PortStats ports[kMaxPorts];
  FeedStats feeds[kMaxFeeds];
  LineStats lines[kMaxLines];
  ChannelStats channels[kMaxChannels];
  CoreStats cores[kMaxCores];
  BookStats books[kMaxFeeds];
  SnapshotStats snapshots[kMaxFeeds];
};

static_assert(std::is_standard_layout_v<StatsSegment>);
static_assert(sizeof(StatsHeader) == 768);
static_assert(sizeof(PortStats) == 320);
static_assert(sizeof(FeedStats) == 320 + 256 * 8);
static_assert(sizeof(LineStats) == 320);
static_assert(sizeof(ChannelStats) == 192);
static_assert(sizeof(CoreStats) == 256);
static_assert(offsetof(StatsSegment, ports) == 768);
static_assert(offsetof(StatsSegment, feeds) == 768 + 16 * 320);
static_assert(offsetof(StatsSegment, lines) == 768 + 16 * 320 + 32 * 2368);
static_assert(offsetof(StatsSegment, channels) == 768 + 16 * 320 + 32 * 2368 + 64 * 320);
static_assert(offsetof(StatsSegment, cores) == 768 + 16 * 320 + 32 * 2368 + 64 * 320 + 64 * 192);
static_assert(sizeof(BookStats) == 320);
static_assert(offsetof(StatsSegment, books) ==
              768 + 16 * 320 + 32 * 2368 + 64 * 320 + 64 * 192 + 16 * 256);
static_assert(sizeof(SnapshotStats) == 320 && sizeof(SnapshotStats) % 64 == 0);
static_assert(offsetof(StatsSegment, snapshots) ==
              768 + 16 * 320 + 32 * 2368 + 64 * 320 + 64 * 192 + 16 * 256 + 32 * 320);
static_assert(sizeof(StatsSegment) ==
              768 + 16 * 320 + 32 * 2368 + 64 * 320 + 64 * 192 + 16 * 256 + 32 * 320 + 32 * 320);
static_assert(offsetof(SnapshotStats, buffer_ticks) == 8);
static_assert(offsetof(SnapshotStats, server) == 16);
static_assert(offsetof(SnapshotStats, state) == 128);
static_assert(offsetof(SnapshotStats, bytes) == 128 + (kSnapshotStatsCounters - 3) * 8);
static_assert(offsetof(SnapshotStats, last_server_wait_us) ==
              128 + (kSnapshotStatsCounters - 1) * 8);
static_assert(offsetof(StatsHeader, feed_count) == 72);
static_assert(offsetof(PortStats, rx_packets) == 128);
static_assert(offsetof(FeedStats, ticks) == 128);
static_assert(offsetof(FeedStats, by_type) == 320);
static_assert(offsetof(LineStats, feed_index) == 80);
static_assert(offsetof(LineStats, packets) == 128);
static_assert(offsetof(LineStats, next_seq) == 128 + 11 * 8);
static_assert(offsetof(ChannelStats, published) == 128);
static_assert(offsetof(CoreStats, polls) == 64);

}  // namespace ichannel::stats
