// tests/bench/ring/ichannel_contenders.hpp: ichannel as a contender, in process and across
// processes over a named shm channel.
//
// Contract
// - In process: Sender<Tick>/Receiver<Tick> over std::vector<Message<Tick>> rings (the seed API),
//   peer on a thread. Ping-pong uses two rings (one per direction).
// - Process: the main process creates the forward channel (ProducerChannel) and attaches the
//   backward one; a forked child attaches the forward channel read-only and creates the backward
//   one, each by name in `Params::shm_dir` (default: ichannel's, a hugetlbfs mount if there is
//   one, else /dev/shm). Every round uses fresh channel names and removes its files afterwards.
// - Threads over shm: the same channels with the peer on a thread (a diagnostic row: it tells
//   mapping effects from process effects when the two rows above differ).
// - Throughput: the sender never waits (broadcast ring); the receiver counts lost() messages when
//   it is lapped. msgs/s counts delivered messages only.
// - Receivers busy-spin (BusySpin, ichannel's default), as the peers' adapters do.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <ichannel/ichannel.hpp>
#include "daemon/datapath/feed_sink.hpp"
#include "feed/fanout.hpp"
#include "feed/symbols.hpp"
#include "tests/bench/ring/contender.hpp"
#include "tests/bench/ring/producers.hpp"

namespace ringbench {

using TickMessage = ichannel::Message<ichannel::Tick>;

[[nodiscard]] inline bool is_fanout(Producer p) noexcept {
  return p == Producer::kFanout1 || p == Producer::kFanout2 || p == Producer::kFanout2Filtered ||
         p == Producer::kFanout1Publish || p == Producer::kFanout2Publish ||
         p == Producer::kFanout2FilteredPublish || p == Producer::kSink1;
}

// The throughput producer of every ichannel row: n ticks from src into tx. With
// Producer::kNormalizerLocalSender the Sender is moved into a local for the loop; with
// kNormalizerBurst a SenderBurst is opened on it for every TickSource::kBurst ticks; the fanout
// kinds go through a feed::Fanout (producers.hpp). Built before the timing starts (the Fanout's
// second ring and filter are allocated here), called once with n.
class IchannelProducer {
 public:
  using Fanout = ichannel::feed::Fanout<ichannel::Sender<ichannel::Tick>>;
  using Sink = ichannel::daemon::FeedSink<ichannel::Sender<ichannel::Tick>>;

  IchannelProducer(ichannel::Sender<ichannel::Tick>& tx, const Params& p)
      : tx_(&tx), src_(p.producer) {
    if (!is_fanout(p.producer)) return;
    const Producer k = p.producer;
    symbols_ = std::make_unique<ichannel::feed::SymbolTable>();
    std::vector<std::string> wanted;
    for (std::uint16_t locate = 1; locate <= 500; ++locate) {
      const std::string name = "S" + std::to_string(locate);
      ichannel::feed::itch::Stock st;
      st.fill(' ');
      for (std::size_t i = 0; i < name.size(); ++i) st[i] = name[i];
      symbols_->learn(locate, st);
      if (locate % 8 == 0) wanted.push_back(name);
    }
    if (k == Producer::kSink1) {
      sink_ = std::make_unique<Sink>();
      (void)sink_->ticks().add_output(tx, 0, *symbols_, {});
      return;
    }
    fanout_ = std::make_unique<Fanout>();
    (void)fanout_->add_output(tx, 0, *symbols_, {});
    burst_ = k == Producer::kFanout1 || k == Producer::kFanout2 || k == Producer::kFanout2Filtered;
    if (k != Producer::kFanout1 && k != Producer::kFanout1Publish) {
      extra_ring_.resize(p.capacity);
      extra_.emplace(ichannel::Sender<ichannel::Tick>::with_init(extra_ring_));
      const bool filtered =
          k == Producer::kFanout2Filtered || k == Producer::kFanout2FilteredPublish;
      (void)fanout_->add_output(
          *extra_, 1, *symbols_,
          filtered ? std::span<const std::string>(wanted) : std::span<const std::string>());
    }
  }

  void operator()(std::size_t n) {
    if (sink_) {
      sink_bursts(n);
      return;
    }
    if (fanout_) {
      if (burst_) {
        fanout_bursts(n);
      } else {
        fanout_publish(n);
      }
      return;
    }
    if (src_.kind() == Producer::kNormalizerBurst) {
      sender_bursts(n);
      return;
    }
    if (src_.kind() == Producer::kNormalizerLocalSender) {
      ichannel::Sender<ichannel::Tick> local = std::move(*tx_);
      src_.run(n, [&local](const ichannel::Tick& t) { (void)local.send(t); });
      *tx_ = std::move(local);
      return;
    }
    ichannel::Sender<ichannel::Tick>& tx = *tx_;
    src_.run(n, [&tx](const ichannel::Tick& t) { (void)tx.send(t); });
  }

 private:
  // flatten: each loop is one function with the tick build, the Fanout and the sends inlined
  // (as ItchFeed's on_walk is); left to the inliner, the lambda went out of line and the tick
  // crossed it through the stack (the normalizer-mem shape).
  [[gnu::flatten, gnu::noinline]] void fanout_bursts(std::size_t n) {
    Fanout& f = *fanout_;
    for (std::size_t first = 0; first < n; first += TickSource::kBurst) {
      Fanout::Burst burst(f);
      const std::size_t k = n - first < TickSource::kBurst ? n - first : TickSource::kBurst;
      src_.run(first, k, [&burst](const ichannel::Tick& t) { burst.publish(t); });
    }
  }
  [[gnu::flatten, gnu::noinline]] void sink_bursts(std::size_t n) {
    Sink& s = *sink_;
    for (std::size_t first = 0; first < n; first += TickSource::kBurst) {
      Sink::Burst burst(s);
      const std::size_t k = n - first < TickSource::kBurst ? n - first : TickSource::kBurst;
      src_.run(first, k, [&burst](const ichannel::Tick& t) { burst.publish(t); });
    }
  }
  [[gnu::flatten, gnu::noinline]] void fanout_publish(std::size_t n) {
    Fanout& f = *fanout_;
    src_.run(n, [&f](const ichannel::Tick& t) { f.publish(t); });
  }
  [[gnu::flatten, gnu::noinline]] void sender_bursts(std::size_t n) {
    for (std::size_t first = 0; first < n; first += TickSource::kBurst) {
      ichannel::SenderBurst<ichannel::Tick> burst(*tx_);
      const std::size_t k = n - first < TickSource::kBurst ? n - first : TickSource::kBurst;
      src_.run(first, k, [&burst](const ichannel::Tick& t) { (void)burst.send(t); });
    }
  }

  ichannel::Sender<ichannel::Tick>* tx_;
  TickSource src_;
  std::unique_ptr<ichannel::feed::SymbolTable> symbols_;
  std::vector<TickMessage> extra_ring_;
  std::optional<ichannel::Sender<ichannel::Tick>> extra_;
  std::unique_ptr<Fanout> fanout_;
  std::unique_ptr<Sink> sink_;
  bool burst_ = false;
};

// std::function needs a copyable callable; the producer (and its Fanout) stays in one place.
inline auto make_ichannel_producer(ichannel::Sender<ichannel::Tick>& tx, const Params& p) {
  auto prod = std::make_shared<IchannelProducer>(tx, p);
  return [prod](std::size_t n) { (*prod)(n); };
}

// Each side constructs the Sender/Receiver it uses on its own stack: a receiver's cursor written
// on one core must not share a cache line with the sender's cursor written on the other (as it
// would if both objects sat side by side in one frame).
inline Contender ichannel_in_process() {
  using ichannel::Receiver;
  using ichannel::Sender;
  using ichannel::Tick;
  Contender c{"ichannel (threads)", Role::kIchannel, false, {}, {}};
  c.pingpong = [](const Params& p) {
    std::vector<TickMessage> fwd_ring(p.capacity), bwd_ring(p.capacity);
    auto fwd = Sender<Tick>::with_init(fwd_ring);
    std::optional<Receiver<Tick>> bwd_rx;
    return run_pingpong(
        PeerKind::kThread, p.core_peer, p.warmup, p.lat_msgs,
        [&](Control& ctl, std::size_t total) {
          Receiver<Tick> rx{std::span<const TickMessage>(fwd_ring)};
          auto bwd = Sender<Tick>::with_init(bwd_ring);
          signal_ready(ctl);  // publishes bwd_ring's initialization (release)
          for (std::size_t k = 0; k < total; ++k) bwd.send(rx.recv().value);
        },
        [&] {
          bwd_rx.emplace(std::span<const TickMessage>(bwd_ring));
          return [&tx = fwd, &rx = *bwd_rx](std::uint64_t i) {
            tx.send(make_tick(i));
            check_seq("ichannel (threads)", i, rx.recv().value.seq);
          };
        });
  };
  c.throughput = [](const Params& p) {
    std::vector<TickMessage> ring(p.capacity);
    auto tx = Sender<Tick>::with_init(ring);
    return run_throughput(
        PeerKind::kThread, p.core_peer, p.thr_msgs,
        [&](Control& ctl, std::size_t n) {
          Receiver<Tick> rx{std::span<const TickMessage>(ring)};
          signal_ready(ctl);
          std::uint64_t received = 0, sum = 0;
          for (;;) {
            const auto m = rx.recv();
            ++received;
            sum += static_cast<std::uint64_t>(m.value.price);
            if (m.value.seq + 1 == n) break;
          }
          ctl.t_end = now_ticks();
          ctl.received = received;
          ctl.lost = rx.lost();
          ctl.checksum = sum;
        },
        [&] { return make_ichannel_producer(tx, p); });
  };
  return c;
}

namespace detail {

inline ichannel::AttachOptions attach_options(const Params& p) {
  ichannel::AttachOptions o;
  o.dir = p.shm_dir;
  o.wait = std::chrono::milliseconds{5000};
  return o;
}

// A channel name unique to this process and call ("ringbench-<pid>-<n>-<suffix>").
inline std::string fresh_channel_name(const char* suffix) {
  static int counter = 0;
  return "ringbench-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" + suffix;
}

template <class R>
auto must(R&& r, const std::string& what) {
  if (!r) throw std::runtime_error(what + ": " + r.error().message);
  return std::move(*r);
}

// Removes the listed channels when the round ends, whatever happened.
struct ChannelCleanup {
  std::string dir;
  std::vector<std::string> names;
  ~ChannelCleanup() {
    for (const auto& n : names) (void)ichannel::remove_channel(n, dir);
  }
};

}  // namespace detail

// Where the process channels went (filled by the first process round; printed in the report).
inline std::string& process_channel_note() {
  static std::string note;
  return note;
}

// kind == kProcess: the real deployment (producer and receiver processes). kind == kThread: the
// same shm channels between two threads of this process (tells mapping effects from process
// effects when the two differ).
inline Contender ichannel_shm(PeerKind kind) {
  using ichannel::ProducerChannel;
  using ichannel::ReceiverChannel;
  using ichannel::Tick;
  const bool process = kind == PeerKind::kProcess;
  Contender c{process ? "ichannel (processes)" : "ichannel (threads, shm)",
              Role::kIchannel,
              process,
              {},
              {}};
  c.pingpong = [kind](const Params& p) {
    ichannel::ChannelOptions copt;
    copt.dir = p.shm_dir;
    const ichannel::AttachOptions aopt = detail::attach_options(p);
    detail::ChannelCleanup cleanup{
        p.shm_dir, {detail::fresh_channel_name("fwd"), detail::fresh_channel_name("bwd")}};
    const std::string& fwd_name = cleanup.names[0];
    const std::string& bwd_name = cleanup.names[1];
    auto fwd = detail::must(ProducerChannel<Tick>::create(fwd_name, p.capacity, copt),
                            "create channel " + fwd_name);
    if (process_channel_note().empty()) {
      process_channel_note() = fwd.path() + (fwd.hugetlbfs() ? " (hugetlbfs" : " (not hugetlbfs") +
                               (fwd.locked() ? ", mlocked)" : ", not mlocked)");
    }
    std::optional<ReceiverChannel<Tick>> bwd_rx;
    return run_pingpong(
        kind, p.core_peer, p.warmup, p.lat_msgs,
        [&](Control& ctl, std::size_t total) {
          auto rx =
              detail::must(ReceiverChannel<Tick>::attach(fwd_name, aopt), "attach " + fwd_name);
          auto bwd = detail::must(ProducerChannel<Tick>::create(bwd_name, p.capacity, copt),
                                  "create channel " + bwd_name);
          auto& r = rx.receiver();
          auto& s = bwd.sender();
          signal_ready(ctl);
          for (std::size_t k = 0; k < total; ++k) s.send(r.recv().value);
        },
        [&] {
          bwd_rx.emplace(
              detail::must(ReceiverChannel<Tick>::attach(bwd_name, aopt), "attach " + bwd_name));
          return [&tx = fwd.sender(), &rx = bwd_rx->receiver()](std::uint64_t i) {
            tx.send(make_tick(i));
            check_seq("ichannel (shm channel)", i, rx.recv().value.seq);
          };
        });
  };
  c.throughput = [kind](const Params& p) {
    ichannel::ChannelOptions copt;
    copt.dir = p.shm_dir;
    const ichannel::AttachOptions aopt = detail::attach_options(p);
    detail::ChannelCleanup cleanup{p.shm_dir, {detail::fresh_channel_name("thr")}};
    const std::string& name = cleanup.names[0];
    auto ch = detail::must(ProducerChannel<Tick>::create(name, p.capacity, copt),
                           "create channel " + name);
    return run_throughput(
        kind, p.core_peer, p.thr_msgs,
        [&](Control& ctl, std::size_t n) {
          auto rc = detail::must(ReceiverChannel<Tick>::attach(name, aopt), "attach " + name);
          auto& rx = rc.receiver();
          signal_ready(ctl);
          std::uint64_t received = 0, sum = 0;
          for (;;) {
            const auto m = rx.recv();
            ++received;
            sum += static_cast<std::uint64_t>(m.value.price);
            if (m.value.seq + 1 == n) break;
          }
          ctl.t_end = now_ticks();
          ctl.received = received;
          ctl.lost = rx.lost();
          ctl.checksum = sum;
        },
        [&] { return make_ichannel_producer(ch.sender(), p); });
  };
  return c;
}

// With no --shm-dir, probes ichannel's default directory once; if a channel cannot be created
// there (e.g. a hugetlbfs mount without free hugepages), falls back to ichannel's /dev/shm
// directory and says why. Returns a line for the report.
inline std::string resolve_channel_dir(Params& p) {
  if (!p.shm_dir.empty()) return "channel dir " + p.shm_dir + " (--shm-dir)";
  const std::string name = "ringbench-probe-" + std::to_string(getpid());
  auto probe = ichannel::ProducerChannel<ichannel::Tick>::create(name, 2);
  if (probe) {
    const std::string path = probe->path();
    (void)ichannel::remove_channel(name);
    return "channel dir: ichannel default (" + path.substr(0, path.rfind('/')) + ")";
  }
  ichannel::ChannelOptions no_huge;
  no_huge.hugepages = false;
  auto fallback = ichannel::ProducerChannel<ichannel::Tick>::create(name, 2, no_huge);
  if (!fallback) {
    throw std::runtime_error("cannot create a channel: " + probe.error().message + "; and " +
                             fallback.error().message);
  }
  const std::string path = fallback->path();
  p.shm_dir = path.substr(0, path.rfind('/'));
  (void)ichannel::remove_channel(name, p.shm_dir);
  return "channel dir: " + p.shm_dir + " (fallback: " + probe.error().message + ")";
}

inline void add_ichannel_contenders(std::vector<Contender>& cs, bool with_process) {
  cs.push_back(ichannel_in_process());
  cs.push_back(ichannel_shm(PeerKind::kThread));
  if (with_process) cs.push_back(ichannel_shm(PeerKind::kProcess));
}

}  // namespace ringbench
