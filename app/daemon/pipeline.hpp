// app/daemon/pipeline.hpp: what an RX loop does with one received frame.
//
// Contract
// - Pipeline<SenderT> owns the FeedHandlers of one RX loop (each with its Publisher) and the
//   loop's Router. on_frame(frame, port_index, recv_ns, counters): peel Ethernet/VLAN/IPv4/UDP ->
//   route by (port, group, UDP port [, VLAN, source]) -> FeedHandler::on_datagram -> Publisher ->
//   every channel of the route. Rejected frames are counted by reason, frames that match no
//   line as unrouted. Inline, noexcept, no allocation, no lock, no syscall, no logging.
// - configure() builds it from the config and plan for one loop (cold: allocates the handlers,
//   512 KiB symbol table each, and the filters). senders[i] is the Sender of Config::channels[i]
//   (nullptr for channels this loop does not write).
// - No DPDK: the RX loop (rx_loop.hpp) feeds it mbuf data; tests feed it crafted frames.
// - Single-threaded: one Pipeline per RX loop, used only on that loop's lcore after configure().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "config.hpp"
#include "feed/feed_handler.hpp"
#include "feed/packet.hpp"
#include "plan.hpp"
#include "publisher.hpp"
#include "router.hpp"
#include "stats/layout.hpp"

namespace ichannel::daemon {

// Reject reasons: PeelResult r (r != kOk) counts at index r - 1; frames DPDK delivers in more
// than one mbuf segment (jumbo frames; never market data) at kRejectMultiSegment.
inline constexpr std::size_t kRejectMultiSegment = feed::kPeelResultCount - 1;
inline constexpr std::size_t kRejectReasonCount = kRejectMultiSegment + 1;
static_assert(kRejectReasonCount <= stats::kMaxRejectReasons);

[[nodiscard]] inline std::vector<std::string> reject_reason_names() {
  std::vector<std::string> names;
  for (std::size_t r = 1; r < feed::kPeelResultCount; ++r) {
    names.emplace_back(feed::to_string(static_cast<feed::PeelResult>(r)));
  }
  names.emplace_back("multi_segment");
  return names;
}

// Per polled queue, private to the RX loop; copied into CoreStats by housekeeping.
struct RxCounters {
  std::uint64_t polls = 0;
  std::uint64_t bursts = 0;
  std::uint64_t packets = 0;
  std::uint64_t full_bursts = 0;
  std::uint64_t unrouted = 0;
  std::uint64_t rejected_total = 0;
  std::array<std::uint64_t, kRejectReasonCount> rejected{};

  void reject(std::size_t reason) noexcept {
    ++rejected[reason];
    ++rejected_total;
  }
};

template <class SenderT>
class Pipeline {
 public:
  using Sink = PublisherSink<SenderT>;
  using Handler = feed::FeedHandler<Sink>;

  struct Feed {
    std::size_t config_index = 0;
    std::array<int, 2> line_stats{-1, -1};  // LineStats index of lines A and B (-1: none)
    int feed_stats = -1;                    // FeedStats index (= config feed index; -1: none)
    Publisher<SenderT> publisher;
    std::unique_ptr<Handler> handler;
  };

  // Cold. Returns "" or an error naming the config key.
  std::string configure(const config::Config& config, const Plan& plan, std::size_t loop,
                        std::span<SenderT* const> senders,
                        std::span<const std::array<int, 2>> line_stats) {
    const LoopPlan& lp = plan.loops[loop];
    for (std::size_t f : lp.feeds) {
      const config::Feed& cf = config.feeds[f];
      auto feed = std::make_unique<Feed>();
      feed->config_index = f;
      if (f < line_stats.size()) feed->line_stats = line_stats[f];
      if (f < stats::kMaxFeeds) feed->feed_stats = static_cast<int>(f);
      feed->handler = std::make_unique<Handler>(Sink{&feed->publisher});
      for (const FeedOutput& out : plan.feeds[f].outputs) {
        SenderT* sender = out.channel < senders.size() ? senders[out.channel] : nullptr;
        if (sender == nullptr) {
          return "channels[" + std::to_string(out.channel) + "]: no sender on lcore " +
                 std::to_string(lp.lcore);
        }
        try {
          if (!feed->publisher.add_output(*sender, out.channel, feed->handler->symbols(),
                                          out.symbols)) {
            return "feeds[" + std::to_string(f) + "]: too many channels";
          }
        } catch (const std::exception& e) {
          return "routes (feed " + cf.name + "): " + e.what();
        }
      }
      const auto slot = static_cast<std::uint16_t>(feeds_.size());
      for (std::uint8_t l = 0; l < 2; ++l) {
        if (l == 1 && !cf.b) continue;
        const config::Line& line = l == 0 ? cf.a : *cf.b;
        RouteKey key;
        key.port_index = port_index(config, line.port_name);
        key.udp_port = line.port;
        key.group = line.group;
        key.vlan = line.vlan ? std::int32_t{*line.vlan} : kAnyVlan;
        key.source = line.source.value_or(kAnySource);
        if (!router_.add(key, slot, l)) {
          return "feeds[" + std::to_string(f) + "].lines." + (l == 0 ? "A" : "B") +
                 ": duplicate or too many lines on lcore " + std::to_string(lp.lcore);
        }
      }
      feeds_.push_back(std::move(feed));
    }
    return {};
  }

  void on_frame(std::span<const std::uint8_t> frame, std::uint16_t port_index,
                std::uint64_t recv_ns, RxCounters& c) noexcept {
    feed::UdpDatagram d;
    const feed::PeelResult r = feed::peel(frame, d);
    if (r != feed::PeelResult::kOk) [[unlikely]] {
      c.reject(static_cast<std::size_t>(r) - 1);
      return;
    }
    const RouteEntry* e = router_.find(port_index, d.dst_ip, d.dst_port,
                                       d.has_vlan ? std::int32_t{d.vlan} : kAnyVlan, d.src_ip);
    if (e == nullptr) {
      ++c.unrouted;
      return;
    }
    feeds_[e->feed_slot]->handler->on_datagram(e->line, d.payload, recv_ns);
  }

  [[nodiscard]] std::size_t feed_count() const noexcept { return feeds_.size(); }
  [[nodiscard]] Feed& feed(std::size_t slot) noexcept { return *feeds_[slot]; }
  [[nodiscard]] const Feed& feed(std::size_t slot) const noexcept { return *feeds_[slot]; }
  [[nodiscard]] const Router& router() const noexcept { return router_; }

 private:
  static std::uint16_t port_index(const config::Config& config, const std::string& name) {
    for (std::size_t i = 0; i < config.ports.size(); ++i) {
      if (config.ports[i].name == name) return static_cast<std::uint16_t>(i);
    }
    return 0xFFFF;  // make_plan rejected unknown ports already
  }

  std::vector<std::unique_ptr<Feed>> feeds_;
  Router router_;
};

// LineStats index of every feed's lines: feeds in config order, A then B when present.
[[nodiscard]] inline std::vector<std::array<int, 2>> line_stats_indices(const config::Config& c) {
  std::vector<std::array<int, 2>> out;
  int next = 0;
  for (const config::Feed& f : c.feeds) {
    std::array<int, 2> idx{next++, -1};
    if (f.b) idx[1] = next++;
    out.push_back(idx);
  }
  return out;
}

}  // namespace ichannel::daemon
