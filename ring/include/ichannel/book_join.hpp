// ichannel/book_join.hpp: the late-joiner hand-over: books from the book table, then the
// records that follow them from a tick or top-of-book channel, none missing, none twice.
//
// Contract
// - join_books<T>(table, channel, instruments, opts), T = Tick or TopOfBook (any record with
//   `seq` and `instrument` fields, published in feed seq order), cold:
//     1. attaches the table (its producer must be alive);
//     2. checks the channel is of the same live producer: the same producer pid, both producer
//        locks held (a live pid is one process);
//     3. loads the table's last_seq L (acquire), then attaches the channel at its oldest intact
//        record (opts.start_at_oldest is forced) - the file of step 2 (same epoch);
//     4. reads each instrument's snapshot (seq S_i) from the table, then loads J = last_seq;
//     5. checks the channel still holds what follows: its cursor record is intact and not
//        lapped (lost() == 0), is of the table's feed, and - if the ring has wrapped - its feed
//        seq q0 <= L + 1.
//   Then recv/try_recv/recv_for yield exactly the channel records of the joined instruments
//   with seq > S_i and the feed-wide records (instrument 0) newer than the oldest snapshot, in
//   channel order; applies(record, i) says whether a feed-wide one is newer than i's snapshot
//   (apply it to that book only then: the snapshots are of slightly different moments).
// - Why it is exact (docs/ring.md "The book table and the hand-over"): the producer publishes a
//   tick BEFORE its table update and a TopOfBook AFTER it (applied() releases last_seq after the
//   entry commit). A record of instrument i with seq k > S_i has k >= L + 1: were k <= L, the
//   acquire of L would make the entry write of k visible and the snapshot would say >= k. The
//   channel is in feed seq order, so every record with seq >= q0 is at or after the cursor;
//   q0 <= L + 1 (or a ring that never wrapped: it holds everything) covers all of them. What the
//   join passes over (seq <= S_i, other instruments) is counted in filtered().
// - Sessions (a MoldUDP64 session start resets the books and restarts seq at 1): a join during
//   which the table started a session is refused ("join again"); records of an older session
//   still in the channel (up to the last session-start record between the cursor and the head,
//   found by a scan at the join) are passed over (sessions_passed()); a session start after the
//   join is handed over and resets every threshold, so the new session's records, whose seq
//   restart below the snapshots', are all handed over (sessions_followed()). A snapshot
//   hand-over's records (TopOfBook kTobSnapshot, Tick snapshot-begin/end) keep the session: they
//   carry seq X above the old entries' and are handed over where newer than a snapshot.
// - After the join the channel is followed like any ReceiverChannel: if it laps this receiver
//   later, lost() grows and exact() turns false (the books are then no longer complete). A
//   producer restart (recv_for reports kRestarted) ends the hand-over: restarted(), exact()
//   false, nothing more is delivered; join again. (Do not poll_producer() through channel().)
// - Errors name the table, the channel and what differs: "book table X (pid 1) and channel Y
//   (pid 2) are not of the same producer", "channel Y was lapped during the join", "channel Y
//   no longer holds what follows book table X: ...".
// - One thread per JoinedBooks at a time; try_recv/recv are inline noexcept and never allocate
//   (recv_for too, until its timeout elapses: then it polls the producer, cold); join_books
//   allocates (snapshots: ~3 KB per instrument).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <ichannel/book_table.hpp>
#include <ichannel/channel.hpp>
#include <ichannel/idle.hpp>
#include <ichannel/result.hpp>
#include <ichannel/tick.hpp>
#include <ichannel/top_of_book.hpp>

namespace ichannel {

template <class T>
concept BookRecord = requires(const T& t) {
  { t.seq } -> std::convertible_to<std::uint64_t>;
  { t.instrument } -> std::convertible_to<std::uint16_t>;
};

template <class T>
class JoinedBooks;
namespace detail {
template <class T>
struct BookJoin;
}  // namespace detail

template <class T>
class JoinedBooks {
 public:
  static constexpr std::uint64_t kNotJoined = std::numeric_limits<std::uint64_t>::max();

  // The table the books came from (read it again for fresher books; the hand-over uses the
  // snapshots taken at the join).
  [[nodiscard]] const BookTableReader& table() const noexcept { return table_; }
  [[nodiscard]] ReceiverChannel<T>& channel() noexcept { return channel_; }
  [[nodiscard]] std::span<const std::uint16_t> instruments() const noexcept { return order_; }
  // The snapshot of a joined instrument taken at the join, or nullptr.
  [[nodiscard]] const BookSnapshot* snapshot(std::uint32_t instrument) const noexcept {
    if (instrument >= index_.size() || index_[instrument] == kNoIndex) return nullptr;
    return &snapshots_[index_[instrument]];
  }
  // The table's last_seq before the channel was attached (L) and after the snapshots (J).
  [[nodiscard]] std::uint64_t table_seq_at_attach() const noexcept { return seq_before_; }
  [[nodiscard]] std::uint64_t join_seq() const noexcept { return join_seq_; }
  // Feed-wide records (instrument 0) with a seq above this are handed over: the lowest S_i.
  [[nodiscard]] std::uint64_t feed_wide_after() const noexcept { return after_[0]; }
  // The feed seq of the channel's oldest record at the join (0: the channel was empty). The
  // channel holds every record from it on; feed-wide records older than it that change no
  // entry are not in the hand-over (those that change one are: see docs/ring.md section 8).
  [[nodiscard]] std::uint64_t oldest_seq() const noexcept { return oldest_seq_; }

  // Whether the record belongs to the hand-over: a joined instrument's with seq > S_i, or a
  // feed-wide one (instrument 0) newer than some joined instrument's snapshot (seq > min S_i).
  [[nodiscard]] bool wants(const T& r) const noexcept {
    const std::uint32_t i = r.instrument;
    return i < after_.size() && after_[i] != kNotJoined && r.seq > after_[i];
  }
  // Whether a handed-over record applies to the book of `instrument`: its own records, and a
  // feed-wide record (a session start's reset, a gap) only if it is newer than that
  // instrument's snapshot (the snapshots are of different moments; an older one is in it).
  [[nodiscard]] bool applies(const T& r, std::uint16_t instrument) const noexcept {
    if (instrument >= after_.size() || instrument == 0 || after_[instrument] == kNotJoined) {
      return false;
    }
    return (r.instrument == instrument || r.instrument == 0) && r.seq > after_[instrument];
  }

  [[nodiscard]] std::optional<Received<T>> try_recv() noexcept {
    if (restarted_) [[unlikely]]
      return std::nullopt;  // records of another producer: not this hand-over's
    for (;;) {
      auto r = channel_.receiver().try_recv();
      if (!r) return r;
      if (take(*r)) return r;
    }
  }
  template <class Idle = BusySpin>
  [[nodiscard]] Received<T> recv(Idle idle = Idle{}) noexcept {
    for (;;) {
      if (auto r = try_recv()) return *r;
      idle();
    }
  }
  // The next wanted record within `timeout`, or (timeout) the producer's state, as
  // ReceiverChannel::recv_for.
  template <class Rep, class Period, class Idle = BusySpin>
  [[nodiscard]] RecvOutcome<T> recv_for(std::chrono::duration<Rep, Period> timeout,
                                        Idle idle = Idle{}) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto r = try_recv()) {
        return RecvOutcome<T>{r, ProducerChange{channel_.producer_state(),
                                                channel_.producer_state(), channel_.epoch()}};
      }
      const auto now = std::chrono::steady_clock::now();
      const auto left = now < deadline ? deadline - now : std::chrono::steady_clock::duration{0};
      RecvOutcome<T> out = channel_.recv_for(left, idle);
      if (!out) {
        if (out.producer.to == ProducerState::kRestarted) restarted_ = true;
        return out;
      }
      if (take(*out.message)) return out;
      if (std::chrono::steady_clock::now() >= deadline) {
        if (auto r = try_recv()) {
          return RecvOutcome<T>{r, out.producer};
        }
        const ProducerChange change = channel_.poll_producer();
        if (change.to == ProducerState::kRestarted) restarted_ = true;
        return RecvOutcome<T>{std::nullopt, change};
      }
    }
  }

  // Records passed over: other instruments, or already contained in the snapshots.
  [[nodiscard]] std::uint64_t filtered() const noexcept { return filtered_; }
  [[nodiscard]] std::uint64_t lost() const noexcept {
    return const_cast<ReceiverChannel<T>&>(channel_).receiver().lost();
  }
  [[nodiscard]] std::uint64_t skipped() const noexcept {
    return const_cast<ReceiverChannel<T>&>(channel_).receiver().skipped();
  }
  // True while nothing of the channel was lost or skipped since the join and its producer did
  // not restart: snapshot + every record received so far is the instrument's full history.
  [[nodiscard]] bool exact() const noexcept { return lost() == 0 && skipped() == 0 && !restarted_; }
  // The channel switched to a restarted producer (recv_for reported kRestarted): the hand-over
  // is over (its snapshots belong to the old producer); try_recv returns nothing any more.
  // Join again.
  [[nodiscard]] bool restarted() const noexcept { return restarted_; }

  // The MoldUDP64 session starts this hand-over passed over (records of an older session still
  // in the channel at the join) and followed (a session start after the join).
  [[nodiscard]] std::uint64_t sessions_passed() const noexcept { return sessions_passed_; }
  [[nodiscard]] std::uint64_t sessions_followed() const noexcept { return sessions_followed_; }

 private:
  static constexpr std::uint32_t kNoIndex = std::numeric_limits<std::uint32_t>::max();

  friend struct detail::BookJoin<T>;

  // Whether to hand a received record over (counted in filtered() if not). Records up to the
  // last session start the join found are an older session's; a session start after the join
  // resets every book, so everything of the new session after it is wanted (its sequence
  // numbers restart at 1, below the snapshots').
  bool take(const Received<T>& r) noexcept {
    if (r.seq <= older_session_until_) [[unlikely]] {
      ++filtered_;
      return false;
    }
    if (is_session_start(r.value)) [[unlikely]] {
      for (std::uint16_t i : order_) after_[i] = 0;
      after_[0] = 0;
      ++sessions_followed_;
      return true;
    }
    if (wants(r.value)) return true;
    ++filtered_;
    return false;
  }

 public:
  // A session start record: Tick kStatus with aux 'm', or TopOfBook's instrument-0 reset (not a
  // snapshot hand-over's, which keeps the session). Other record types have none.
  [[nodiscard]] static bool is_session_start(const T& r) noexcept {
    if constexpr (std::is_same_v<T, Tick>) {
      return r.action == Action::kStatus && (r.aux & 0xFF) == 'm' && r.instrument == 0;
    } else if constexpr (std::is_same_v<T, TopOfBook>) {
      return r.instrument == 0 && (r.change & kTobReset) != 0 && (r.change & kTobSnapshot) == 0;
    } else {
      return false;
    }
  }

 private:
  JoinedBooks(BookTableReader table, ReceiverChannel<T> channel)
      : table_(std::move(table)), channel_(std::move(channel)) {}

  BookTableReader table_;
  ReceiverChannel<T> channel_;
  std::vector<std::uint64_t> after_;  // per locate: S_i; for 0 the lowest S_i; kNotJoined
  std::vector<std::uint32_t> index_;  // per locate: index into snapshots_, or kNoIndex
  std::vector<BookSnapshot> snapshots_;
  std::vector<std::uint16_t> order_;  // the joined instruments, as given (deduplicated)
  std::uint64_t seq_before_ = 0;
  std::uint64_t join_seq_ = 0;
  std::uint64_t oldest_seq_ = 0;
  std::uint64_t filtered_ = 0;
  std::uint64_t older_session_until_ = 0;  // ring seq of the last session start found at the join
  std::uint64_t sessions_passed_ = 0;
  std::uint64_t sessions_followed_ = 0;
  bool restarted_ = false;
};

namespace detail {
template <class T>
struct BookJoin {
  static Result<JoinedBooks<T>> run(std::string_view table_name, std::string_view channel_name,
                                    std::span<const std::uint16_t> instruments,
                                    const AttachOptions& opts) {
    const std::string tname = "book table " + std::string(table_name);
    const std::string cname = "channel " + std::string(channel_name);
    BookTableAttachOptions topts;
    topts.dir = opts.dir;
    topts.wait = opts.wait;
    auto table = BookTableReader::attach(table_name, topts);
    if (!table) return table.error();
    if (!table->producer_alive()) {
      return Error{tname + " has no live producer (pid " + std::to_string(table->producer_pid()) +
                   " no longer holds it): nothing to hand over to"};
    }
    for (std::uint16_t i : instruments) {
      if (i == 0 || i >= table->instruments()) {
        return Error{tname + ": instrument " + std::to_string(i) + " is out of range 1.." +
                     std::to_string(table->instruments() - 1) + " (0 is the feed-wide locate)"};
      }
    }
    // The channel's producer (header and liveness) first: inspect_channel reads every slot
    // state, which must not lengthen the window between the attach and the check below.
    auto info = inspect_channel(channel_name, opts.dir);
    if (!info) return info.error();
    if (!info->producer_alive) {
      return Error{cname + " has no live producer (pid " + std::to_string(info->producer_pid) +
                   "): nothing to hand over to"};
    }
    if (info->producer_pid != table->producer_pid()) {
      return Error{tname + " (pid " + std::to_string(table->producer_pid()) + ") and " + cname +
                   " (pid " + std::to_string(info->producer_pid) +
                   ") are not of the same producer"};
    }
    // Allocations before the attach: they must not lengthen the window to the check either.
    std::vector<std::uint64_t> after(table->instruments(), JoinedBooks<T>::kNotJoined);
    std::vector<std::uint32_t> index(table->instruments(), JoinedBooks<T>::kNoIndex);
    std::vector<BookSnapshot> snapshots(instruments.size());
    std::vector<std::uint16_t> order;
    order.reserve(instruments.size());

    // L: before the channel is attached (what makes the q0 check below exact).
    const std::uint64_t seq_before = table->last_seq();
    const std::uint32_t sessions_before = table->feed_state().sessions;

    AttachOptions copts = opts;
    copts.start_at_oldest = true;
    auto channel = ReceiverChannel<T>::attach(channel_name, copts);
    if (!channel) return channel.error();
    if (info->epoch != channel->epoch()) {
      return Error{cname + " was replaced during the join (epoch " + std::to_string(info->epoch) +
                   " -> " + std::to_string(channel->epoch()) + "); join again"};
    }

    const BookTableReader& t = *table;
    for (std::uint16_t i : instruments) {
      if (index[i] != JoinedBooks<T>::kNoIndex) continue;  // given twice
      BookSnapshot& s = snapshots[order.size()];
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
      BookRead got = t.try_read(i, s);
      while (got == BookRead::kBusy && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::yield();
        got = t.try_read(i, s);
      }
      if (got != BookRead::kOk) {
        return Error{tname + ": instrument " + std::to_string(i) +
                     " stayed busy for 100 ms (a stuck producer?)"};
      }
      index[i] = static_cast<std::uint32_t>(order.size());
      after[i] = s.seq;
      order.push_back(i);
    }
    // J, and the feed-wide threshold: the oldest snapshot (applies() tells per instrument).
    const std::uint64_t join_seq = t.last_seq();
    if (t.feed_state().sessions != sessions_before) {
      return Error{tname + " started a new MoldUDP64 session during the join (its snapshots may "
                           "be of either session); join again"};
    }
    after[0] = join_seq;
    for (std::uint16_t i : order) after[0] = after[i] < after[0] ? after[i] : after[0];

    Receiver<T>& rx = channel->receiver();
    // Records of an older session still in the channel (a join soon after a session start):
    // everything up to the last session start is passed over. A scan of a copy of the cursor
    // (cold: up to the channel's capacity in records).
    std::uint64_t older_until = 0, sessions_passed = 0;
    if constexpr (std::is_same_v<T, Tick> || std::is_same_v<T, TopOfBook>) {
      Receiver<T> scan = rx;
      while (auto m = scan.try_recv()) {
        if (JoinedBooks<T>::is_session_start(m->value)) {
          older_until = m->seq;
          ++sessions_passed;
        }
      }
    }
    const auto lapped = [&] {
      return Error{cname + " was lapped during the join (" + std::to_string(rx.lost()) +
                   " records lost before the hand-over): join again, or give the channel more "
                   "capacity"};
    };
    const std::optional<View<T>> v = rx.try_peek();
    std::uint64_t oldest = 0;
    if (rx.lost() != 0 || rx.skipped() != 0) return lapped();
    if (v) {
      const auto q0 = v->template read_at<std::uint64_t>(offsetof(T, seq));
      const auto head = v->template read_at<std::uint64_t>(8);  // exch_ns | feed << 48 | flags
      if (!rx.validate(*v)) return lapped();
      oldest = q0;
      const auto feed = static_cast<std::uint32_t>((head >> 48) & 0xff);
      if (feed != t.feed_index()) {
        return Error{cname + " carries feed " + std::to_string(feed) + ", " + tname +
                     " is of feed " + std::to_string(t.feed_index()) + " (" +
                     std::string(t.feed_name()) + ")"};
      }
      // (After a session start found above, the channel holds the whole current session.)
      if (older_until == 0 && v->seq() > 1 && q0 > seq_before + 1) {
        return Error{cname + " no longer holds what follows " + tname + ": its oldest record has " +
                     "feed seq " + std::to_string(q0) + ", the table had applied up to " +
                     std::to_string(seq_before) + " (needs <= " + std::to_string(seq_before + 1) +
                     "): the channel was lapped, or the table lags it by more than it holds"};
      }
    } else if (rx.next_seq() > 1) {
      return lapped();  // the oldest record went while we looked at it
    }
    snapshots.resize(order.size());
    JoinedBooks<T> j(std::move(*table), std::move(*channel));
    j.seq_before_ = seq_before;
    j.join_seq_ = join_seq;
    j.oldest_seq_ = oldest;
    j.older_session_until_ = older_until;
    j.sessions_passed_ = sessions_passed;
    j.after_ = std::move(after);
    j.index_ = std::move(index);
    j.snapshots_ = std::move(snapshots);
    j.order_ = std::move(order);
    return j;
  }
};
}  // namespace detail

template <class T>
requires BookRecord<T>
[[nodiscard]] Result<JoinedBooks<T>> join_books(std::string_view table_name,
                                                std::string_view channel_name,
                                                std::span<const std::uint16_t> instruments,
                                                const AttachOptions& opts = {}) {
  return detail::BookJoin<T>::run(table_name, channel_name, instruments, opts);
}

template <class T>
requires BookRecord<T>
[[nodiscard]] Result<JoinedBooks<T>> join_books(std::string_view table_name,
                                                std::string_view channel_name,
                                                std::initializer_list<std::uint16_t> instruments,
                                                const AttachOptions& opts = {}) {
  return join_books<T>(table_name, channel_name,
                       std::span<const std::uint16_t>(instruments.begin(), instruments.size()),
                       opts);
}

}  // namespace ichannel
