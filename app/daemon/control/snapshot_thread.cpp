// daemon/control/snapshot_thread.cpp: see snapshot_thread.hpp.
#include "daemon/control/snapshot_thread.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "config/ipv4.hpp"
#include "feed/glimpse50.hpp"
#include "snapshot/glimpse_client.hpp"
#include "snapshot/snapshot_replay.hpp"

namespace ichannel::daemon {

namespace {

constexpr auto kR = std::memory_order_relaxed;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void raise_to(std::atomic<std::uint64_t>& gauge, std::uint64_t v) noexcept {
  if (v > gauge.load(kR)) gauge.store(v, kR);
}

}  // namespace

SnapshotThread::SnapshotThread(std::size_t feed_index, const config::Feed& feed, SnapshotPort& port,
                               const book::BookLimits& limits)
    : feed_index_(feed_index),
      feed_(feed),
      cfg_(*feed.snapshot),
      port_(port),
      limits_(limits),
      server_(config::format_ipv4(cfg_.server) + ":" + std::to_string(cfg_.server_port)) {}

SnapshotThread::~SnapshotThread() {
  stop();
}

std::string SnapshotThread::start() {
  auto creds = snapshot::load_credentials(cfg_.credentials);
  if (!creds) {
    return "feeds[" + std::to_string(feed_index_) + "].snapshot: " + creds.error().message;
  }
  username_ = std::move(creds->username);
  password_ = std::move(creds->password);
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::exception& e) {
    return "feeds[" + std::to_string(feed_index_) + "].snapshot: thread: " + e.what();
  }
  return {};
}

void SnapshotThread::stop() noexcept {
  stop_.store(true, kR);
  if (thread_.joinable()) thread_.join();
}

void SnapshotThread::set_state(stats::SnapshotState s) noexcept {
  counters_.state.store(static_cast<std::uint64_t>(s), kR);
}

bool SnapshotThread::sleep_for(double seconds) {
  const auto until = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < until) {
    if (stop_.load(kR)) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return !stop_.load(kR);
}

// The RX lcore acts on a request in its housekeeping (about every 10 ms).
bool SnapshotThread::request(std::uint64_t mode, std::uint64_t want_ack, double timeout_s) {
  const std::uint64_t want = SnapshotPort::word(generation_, want_ack);
  port_.request.store(SnapshotPort::word(generation_, mode), std::memory_order_release);
  const auto t0 = Clock::now();
  for (;;) {
    const std::uint64_t a = port_.ack.load(std::memory_order_acquire);
    if (a == want) return true;
    if (SnapshotPort::generation_of(a) == generation_ && want_ack == SnapshotPort::kAckDone &&
        SnapshotPort::value_of(a) == SnapshotPort::kAckFailed) {
      return false;
    }
    // A hand-over is never abandoned (the RX lcore may act on it any time): only stop ends it.
    if (timeout_s > 0 ? seconds_since(t0) > timeout_s : stop_.load(kR)) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void SnapshotThread::run() {
  bool due = cfg_.on_start;
  double backoff = static_cast<double>(cfg_.retry_ms) / 1000.0;
  const double kMaxBackoff = 30.0;
  while (!stop_.load(kR)) {
    if (!due && cfg_.on_gap && port_.marked.load(kR) != 0) {
      spdlog::warn("feed {}: books marked possibly wrong: snapshot from {}", feed_.name, server_);
      due = true;
    }
    if (!due) {
      set_state(stats::SnapshotState::kIdle);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    const Result r = attempt();
    if (r == Result::kStopped) break;
    if (r == Result::kDone) {
      due = false;
      backoff = static_cast<double>(cfg_.retry_ms) / 1000.0;
      set_state(stats::SnapshotState::kIdle);
      // The RX lcore's next housekeeping reports the mark of the new books.
      if (!sleep_for(0.05)) break;
      continue;
    }
    // Failed: retry while the books are marked (a gap, or the prefix of a session joined
    // midway) and a snapshot is wanted for that: on_gap, or the start snapshot not done yet. A
    // daemon started before the open has right (empty, unmarked) books: nothing to retry.
    set_state(stats::SnapshotState::kRetryWait);
    if (!sleep_for(backoff)) break;
    backoff = std::min(backoff * 2, kMaxBackoff);
    const bool start_due = cfg_.on_start && counters_.completed.load(kR) == 0;
    due = port_.marked.load(kR) != 0 && (cfg_.on_gap || start_due);
  }
  // Leave the RX lcore not buffering.
  ++generation_;
  (void)request(SnapshotPort::kIdle, SnapshotPort::kAckIdle, 0.5);
  set_state(stats::SnapshotState::kIdle);
}

SnapshotThread::Result SnapshotThread::attempt() {
  const auto t0 = Clock::now();
  counters_.attempts.fetch_add(1, kR);
  set_state(stats::SnapshotState::kLoading);
  const auto fail = [&](std::atomic<std::uint64_t>* reason, const std::string& why) {
    counters_.failures.fetch_add(1, kR);
    if (reason != nullptr) reason->fetch_add(1, kR);
    spdlog::error("feed {}: snapshot from {} failed: {}", feed_.name, server_, why);
    ++generation_;
    (void)request(SnapshotPort::kIdle, SnapshotPort::kAckIdle, 1.0);
    return Result::kFailed;
  };

  // A spare book set (cold: the first attempt allocates it; later ones reuse the retired one).
  if (!spare_) {
    try {
      spare_ = std::make_unique<book::FeedBooks>(limits_);
    } catch (const std::exception& e) {
      return fail(nullptr, std::string("allocating the spare books: ") + e.what());
    }
  } else {
    spare_->reset();
  }
  book::FeedBooks& books = *spare_;

  // 1. Buffering: the receiver starts at the buffer's next tick, before the RX lcore sends.
  ++generation_;
  port_.receiver.emplace(port_.ring(), LapPolicy::kNewest, StartAt::kNext);
  if (!request(SnapshotPort::kBuffer, SnapshotPort::kAckBuffering, 5.0)) {
    return stop_.load(kR) ? Result::kStopped
                          : fail(nullptr, "the RX lcore did not start buffering");
  }
  // A daemon that just started: let the first live message arrive first (up to 1 s), so that
  // the snapshot begins after it.
  for (int i = 0; i < 100 && port_.buffered.load(kR) == 0 && !stop_.load(kR); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  // 2. The snapshot into the spare books.
  snapshot::GlimpseClientOptions o;
  o.host = config::format_ipv4(cfg_.server);
  o.port = cfg_.server_port;
  o.credentials = {username_, password_};
  o.session = cfg_.session;
  o.connect_timeout_s = static_cast<double>(cfg_.connect_timeout_ms) / 1000.0;
  o.total_timeout_s = static_cast<double>(cfg_.timeout_s);
  o.feed = static_cast<std::uint8_t>(feed_index_);
  snapshot::GlimpseClient client(o);
  std::uint64_t orders = 0;
  const snapshot::SnapshotOutcome out = client.run(
      [&](const Tick& snap) {
        if (snap.action == Action::kStatus && snap.aux == feed::kStatusEndOfSnapshot) return;
        Tick t = snap;
        t.seq = 0;  // the snapshot's own numbering; the books' state is "before S"
        set_head(t, t.exch_ns, t.feed, 0);
        if (t.action == Action::kAdd) ++orders;
        (void)books.apply(t);
      },
      &stop_);
  counters_.bytes.fetch_add(client.counters().bytes.load(kR), kR);
  if (!out.ok()) {
    if (out.error == snapshot::SnapshotError::kStopped) return Result::kStopped;
    std::atomic<std::uint64_t>* reason = nullptr;
    switch (out.error) {
      case snapshot::SnapshotError::kConnect:
      case snapshot::SnapshotError::kConnectTimeout:
        reason = &counters_.connect_failures;
        break;
      case snapshot::SnapshotError::kLoginRejected:
        reason = &counters_.logins_rejected;
        break;
      case snapshot::SnapshotError::kServerTimeout:
        reason = &counters_.server_timeouts;
        break;
      case snapshot::SnapshotError::kDisconnected:
        reason = &counters_.disconnects;
        break;
      default:
        reason = &counters_.malformed;
        break;
    }
    return fail(reason, out.message);
  }
  if (out.next_sequence == 0)
    return fail(&counters_.malformed, "End of Snapshot without a sequence");

  // 3. The buffered live ticks from S on.
  set_state(stats::SnapshotState::kApplying);
  books.repaired();
  port_.replay.emplace(out.next_sequence);
  snapshot::SnapshotReplay& replay = *port_.replay;
  Receiver<Tick>& rx = *port_.receiver;
  std::uint64_t high_water = 0;
  for (;;) {
    if (stop_.load(kR)) return Result::kStopped;
    const std::uint64_t buffered = port_.buffered.load(kR);
    const std::uint64_t consumed = replay.applied() + replay.skipped();
    if (buffered > consumed) raise_to(counters_.buffer_high_water, buffered - consumed);
    high_water = std::max(high_water, buffered);
    auto m = rx.try_recv();
    if (rx.lost() != 0 || rx.skipped() != 0) {
      return fail(&counters_.buffer_overflows,
                  "live ticks overran the buffer (" + std::to_string(port_.capacity()) +
                      " ticks, feeds[].snapshot.buffer_ticks) while the snapshot was loading");
    }
    if (!m) {
      if (replay.caught_up()) break;  // the RX lcore does the rest
      // The live feed is still behind the snapshot (its copy of S - 1 has not arrived).
      if (seconds_since(t0) > static_cast<double>(cfg_.timeout_s)) {
        return fail(&counters_.stale, "the live feed did not reach the snapshot's sequence " +
                                          std::to_string(out.next_sequence) + " within " +
                                          std::to_string(cfg_.timeout_s) + " s (timeout_s)");
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      continue;
    }
    if (replay.offer(m->value, books) == snapshot::ReplayVerdict::kRefused) {
      std::atomic<std::uint64_t>* reason = replay.failure() == snapshot::ReplayFailure::kStale
                                               ? &counters_.stale
                                               : &counters_.gaps_during;
      return fail(reason, std::string(snapshot::to_string(replay.failure())) +
                              " (snapshot sequence " + std::to_string(out.next_sequence) +
                              ", buffered tick seq " + std::to_string(m->value.seq) + ")");
    }
  }

  // 4. Hand-over (the receiver, the replay and the books become the RX lcore's).
  set_state(stats::SnapshotState::kHandover);
  port_.incoming = std::move(spare_);
  const bool done = request(SnapshotPort::kHandover, SnapshotPort::kAckDone, 0);
  // Stopped before the RX lcore answered: it may still be using incoming, receiver and replay;
  // leave them to the port (destroyed with the loop, after it stopped).
  if (!done && stop_.load(kR)) return Result::kStopped;
  spare_ = std::move(port_.incoming);  // the retired books (done) or ours back (failed)
  counters_.overlap_skipped.fetch_add(replay.skipped(), kR);
  counters_.replayed.fetch_add(replay.applied(), kR);
  if (!done) {
    if (port_.handover_overflow) {
      return fail(&counters_.buffer_overflows, "live ticks overran the buffer at the hand-over");
    }
    return fail(&counters_.gaps_during,
                std::string("at the hand-over: ") + snapshot::to_string(port_.handover_failure));
  }
  const double secs = seconds_since(t0);
  counters_.completed.fetch_add(1, kR);
  counters_.last_orders.store(orders, kR);
  counters_.last_messages.store(out.messages, kR);
  counters_.last_duration_us.store(static_cast<std::uint64_t>(secs * 1e6), kR);
  counters_.last_buffered.store(high_water, kR);
  counters_.last_next_seq.store(out.next_sequence, kR);
  counters_.last_handover_us.store(port_.handover_ns / 1000, kR);
  counters_.last_server_wait_us.store(static_cast<std::uint64_t>(out.first_message_seconds * 1e6), kR);
  spdlog::info(
      "feed {}: snapshot from {}: {} messages, {} orders, End of Snapshot {}; {} buffered live "
      "ticks ({} already in the snapshot, {} applied); books ready at seq {} after {:.3f} s (the server's first message after "
      "{:.3f} s); {} orders published to the tick channels; the RX lcore's hand-over took {:.3f} ms",
      feed_.name, server_, out.messages, orders, out.next_sequence, high_water, replay.skipped(),
      replay.applied(), port_.handover_last_seq, secs, out.first_message_seconds,
      port_.handover_orders,
      static_cast<double>(port_.handover_ns) / 1e6);
  ++generation_;
  (void)request(SnapshotPort::kIdle, SnapshotPort::kAckIdle, 1.0);
  return Result::kDone;
}

}  // namespace ichannel::daemon
