// snapshot/snapshot_replay.hpp: which buffered live ticks a book rebuilt from a GLIMPSE snapshot
// still needs, and when the snapshot and the buffered feed do not fit together.
//
// Contract
// - A GLIMPSE snapshot describes the books before the TotalView sequence S its End of Snapshot
//   carries ("apply the live feed from S on"). While it was fetched, the feed's live ticks were
//   buffered in feed order (daemon/datapath/snapshot_port.hpp). SnapshotReplay(S) is offered
//   every buffered tick in that order and applies exactly those the snapshot does not already
//   hold: a message with seq < S is skipped (counted), seq == next() is applied and next()
//   moves on, so each sequence reaches the books exactly once.
// - The attempt fails (failure(), then every later offer is refused) when the two do not fit:
//   kStale: the buffer's first message (or gap) lies beyond S, so [S, first) is in neither (the
//     snapshot is older than the buffering; take another);
//   kGap: a gap record covers next() or later (the live feed lost what the books need);
//   kSessionChange: a new MoldUDP64 session started (the snapshot is of the old one);
//   kOutOfOrder: a message beyond next() after others were applied (cannot come from the
//     feed, which publishes every sequence as a tick or inside a gap record).
//   A gap record wholly before next() is skipped (the snapshot covers it: a daemon that joined
//   midway reports 1..first-1 as a gap). An end-of-session record is applied (it carries the
//   next sequence, not a message of its own).
// - caught_up(): the buffered feed has reached the snapshot (a message or gap at S - 1 or later
//   was offered, or S == 1). Only then may the books take over: before it, the live feed is
//   behind the snapshot, and its next messages (< S) are already in the rebuilt books.
// - Used by the feed's snapshot thread and, for the last ticks, by the feed's RX lcore at the
//   hand-over (the object moves between them with the hand-over's release/acquire): inline,
//   noexcept, no allocation.
#pragma once

#include <cstdint>

#include <ichannel/tick.hpp>

#include "book/feed_books.hpp"

namespace ichannel::snapshot {

enum class ReplayFailure : std::uint8_t { kNone = 0, kStale, kGap, kSessionChange, kOutOfOrder };

enum class ReplayVerdict : std::uint8_t { kSkipped, kApplied, kRefused };

class SnapshotReplay {
 public:
  // next_seq: End of Snapshot's sequence S (>= 1).
  explicit SnapshotReplay(std::uint64_t next_seq) noexcept
      : next_(next_seq == 0 ? 1 : next_seq), snapshot_next_(next_), caught_up_(next_ == 1) {}

  ReplayVerdict offer(const Tick& t, book::FeedBooks& books) noexcept {
    if (failure_ != ReplayFailure::kNone) return ReplayVerdict::kRefused;
    if (t.action == Action::kStatus) {
      const auto source = static_cast<std::uint8_t>(t.aux & 0xFF);
      if (source == book::kSourceSessionStart) return fail(ReplayFailure::kSessionChange);
      if (source == book::kSourceEndOfSession) {
        if (t.seq >= snapshot_next_) caught_up_ = true;  // nothing more comes in this session
        return apply(t, books);
      }
    }
    if (t.action == Action::kGap) {
      const std::uint64_t end = t.seq + t.aux;
      if (end >= snapshot_next_) caught_up_ = true;
      if (end <= next_) return skip();
      if (t.seq > next_) return fail(seen_ ? ReplayFailure::kOutOfOrder : ReplayFailure::kStale);
      return fail(ReplayFailure::kGap);
    }
    if (t.seq + 1 >= snapshot_next_) caught_up_ = true;
    if (t.seq < next_) return skip();
    if (t.seq > next_) return fail(seen_ ? ReplayFailure::kOutOfOrder : ReplayFailure::kStale);
    ++next_;
    return apply(t, books);
  }

  [[nodiscard]] bool caught_up() const noexcept { return caught_up_; }

  [[nodiscard]] ReplayFailure failure() const noexcept { return failure_; }
  [[nodiscard]] bool failed() const noexcept { return failure_ != ReplayFailure::kNone; }
  // The next sequence the books need (S until the first message is applied).
  [[nodiscard]] std::uint64_t next() const noexcept { return next_; }
  // The snapshot's S.
  [[nodiscard]] std::uint64_t snapshot_next() const noexcept { return snapshot_next_; }
  // The last sequence the books hold: next() - 1.
  [[nodiscard]] std::uint64_t last_applied() const noexcept { return next_ - 1; }
  [[nodiscard]] std::uint64_t skipped() const noexcept { return skipped_; }
  [[nodiscard]] std::uint64_t applied() const noexcept { return applied_; }
  // The last tick applied (receive and exchange time of the books' state), or none.
  [[nodiscard]] const Tick& last_tick() const noexcept { return last_; }
  [[nodiscard]] bool any_applied() const noexcept { return applied_ != 0; }

 private:
  ReplayVerdict skip() noexcept {
    seen_ = true;
    ++skipped_;
    return ReplayVerdict::kSkipped;
  }
  ReplayVerdict apply(const Tick& t, book::FeedBooks& books) noexcept {
    seen_ = true;
    ++applied_;
    last_ = t;
    (void)books.apply(t);
    return ReplayVerdict::kApplied;
  }
  ReplayVerdict fail(ReplayFailure f) noexcept {
    failure_ = f;
    return ReplayVerdict::kRefused;
  }

  std::uint64_t next_;
  std::uint64_t snapshot_next_;
  std::uint64_t skipped_ = 0;
  std::uint64_t applied_ = 0;
  bool seen_ = false;
  bool caught_up_;
  ReplayFailure failure_ = ReplayFailure::kNone;
  Tick last_{};
};

[[nodiscard]] constexpr const char* to_string(ReplayFailure f) noexcept {
  switch (f) {
    case ReplayFailure::kNone:
      return "none";
    case ReplayFailure::kStale:
      return "the snapshot is older than the buffered feed";
    case ReplayFailure::kGap:
      return "the live feed had a gap the books need";
    case ReplayFailure::kSessionChange:
      return "a new MoldUDP64 session started";
    case ReplayFailure::kOutOfOrder:
      return "a buffered message out of order";
  }
  return "unknown";
}

}  // namespace ichannel::snapshot
