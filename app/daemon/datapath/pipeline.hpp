// daemon/datapath/pipeline.hpp: what an RX loop does with one received frame.
//
// Contract
// - Pipeline<SenderT> owns the feeds of one RX loop (each an ItchFeed with its Fanout into the
//   feed's channels) and the loop's Router. on_frame(frame, port_index, recv_ns, counters): peel
//   Ethernet/VLAN/IPv4/UDP -> route by (port, group, UDP port [, VLAN, source]) ->
//   ItchFeed::on_datagram -> Fanout -> every channel of the route. Rejected frames are counted by
//   reason, frames that match no line as unrouted. Inline, noexcept, no allocation, no lock, no
//   syscall, no logging.
// - Built on the cold path by control/wiring.cpp (add_feed allocates the feed: 512 KiB symbol
//   table; add_line fills the router), then used only on its loop's lcore.
// - No DPDK: the RX loop (rx_loop.hpp) feeds it mbuf data; tests feed it crafted frames.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "daemon/datapath/router.hpp"
#include "daemon/datapath/rx_counters.hpp"
#include "feed/fanout.hpp"
#include "feed/itch_feed.hpp"
#include "feed/packet.hpp"

namespace ichannel::daemon {

template <class SenderT>
class Pipeline {
 public:
  using Fanout = feed::Fanout<SenderT>;
  using Handler = feed::ItchFeed<Fanout>;

  struct Feed {
    std::array<int, 2> line_stats{-1, -1};  // LineStats index of lines A and B (-1: none)
    int feed_stats = -1;                    // FeedStats index (= config feed index; -1: none)
    std::unique_ptr<Handler> handler;       // owns the feed's Fanout: handler->sink()
  };

  // Cold. Adds a feed (its slot is feed_count() before the call) and returns it.
  Feed& add_feed(std::array<int, 2> line_stats, int feed_stats) {
    auto feed = std::make_unique<Feed>();
    feed->line_stats = line_stats;
    feed->feed_stats = feed_stats;
    feed->handler = std::make_unique<Handler>();
    feeds_.push_back(std::move(feed));
    return *feeds_.back();
  }

  // Cold. Routes `key` to line 0 (A) / 1 (B) of the feed in `slot`; false if the router is full
  // or has the key already (Router::add).
  bool add_line(const RouteKey& key, std::uint16_t slot, std::uint8_t line) noexcept {
    return router_.add(key, slot, line);
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

 private:
  std::vector<std::unique_ptr<Feed>> feeds_;
  Router router_;
};

}  // namespace ichannel::daemon
