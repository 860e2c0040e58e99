// daemon/datapath/pipeline.hpp: what an RX loop does with one received frame.
//
// Contract
// - Pipeline<SenderT> owns the feeds of one RX loop (each an ItchFeed with its Fanout into the
//   feed's channels) and the loop's Router. on_frame(frame, port_index, recv_ns, counters): peel
//   Ethernet/VLAN/IPv4/UDP (IPv4 header and UDP checksums verified unless the NIC did) -> route by (port, group, UDP port [, VLAN, source]) ->
//   ItchFeed::on_datagram -> FeedSink: Fanout -> every channel of the route, then the feed's
//   books (book_stage.hpp) when it has them. Rejected frames are counted by
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

#include "daemon/datapath/feed_sink.hpp"
#include "daemon/datapath/recovery_link.hpp"
#include "daemon/datapath/router.hpp"
#include "daemon/datapath/rx_counters.hpp"
#include "feed/checksum.hpp"
#include "feed/fanout.hpp"
#include "feed/itch_feed.hpp"
#include "feed/packet.hpp"

namespace ichannel::daemon {

// A feed's re-requests go into its loop's RecoveryLink (never blocks; false when the queue is
// full or the feed has no re-request server: the sequencer retries on its timer).
struct LinkRequester {
  RecoveryLink* link = nullptr;
  std::uint16_t feed_slot = 0;
  bool operator()(const feed::mold::Session& session, std::uint64_t first,
                  std::uint16_t count) const noexcept {
    if (link == nullptr) return false;
    RecoveryRequest r;
    r.feed_slot = feed_slot;
    r.session = session;
    r.first = first;
    r.count = count;
    return link->request(r);
  }
};

template <class SenderT>
class Pipeline {
 public:
  using Sink = FeedSink<SenderT>;           // the feed's tick channels, then its books
  using Fanout = typename Sink::Ticks;      // the tick channels: handler->sink().ticks()
  using Handler = feed::ItchFeed<Sink, LinkRequester>;

  struct Feed {
    std::array<int, 2> line_stats{-1, -1};  // LineStats index of lines A and B (-1: none)
    int feed_stats = -1;                    // FeedStats index (= config feed index; -1: none)
    std::unique_ptr<Handler> handler;       // owns the feed's sink: handler->sink().ticks(),
                                            // handler->sink().books()
  };

  // Cold. Adds a feed (its slot is feed_count() before the call) and returns it.
  // Throws std::invalid_argument for an invalid sequencer config (the config validator checked it).
  // `link`: the loop's RecoveryLink when the feed has a re-request server, else nullptr.
  // `feed_id`: the config feeds[] index, carried in every tick of the feed (Tick::feed).
  Feed& add_feed(std::array<int, 2> line_stats, int feed_stats,
                 const feed::mold::SequencerConfig& sequencer = {}, RecoveryLink* link = nullptr,
                 std::uint8_t feed_id = 0) {
    auto feed = std::make_unique<Feed>();
    feed->line_stats = line_stats;
    feed->feed_stats = feed_stats;
    const LinkRequester requester{link, static_cast<std::uint16_t>(feeds_.size())};
    feed->handler = std::make_unique<Handler>(Sink{}, sequencer, requester, feed_id);
    feeds_.push_back(std::move(feed));
    return *feeds_.back();
  }

  // Cold. Routes `key` to line 0 (A) / 1 (B) of the feed in `slot`; false if the router is full
  // or has the key already (Router::add).
  bool add_line(const RouteKey& key, std::uint16_t slot, std::uint8_t line) noexcept {
    return router_.add(key, slot, line);
  }

  // checksums_verified: the NIC checked the IPv4 header and UDP checksums and found them good
  // (the RX loop rejects what it found bad); otherwise they are verified here, in software.
  void on_frame(std::span<const std::uint8_t> frame, std::uint16_t port_index,
                std::uint64_t recv_ns, RxCounters& c, bool checksums_verified = false) noexcept {
    feed::UdpDatagram d;
    const feed::PeelResult r = feed::peel(frame, d);
    if (r != feed::PeelResult::kOk) [[unlikely]] {
      c.reject(static_cast<std::size_t>(r) - 1);
      return;
    }
    if (!checksums_verified) {
      const feed::ChecksumResult cr = feed::verify_checksums(frame);
      if (!feed::accepted(cr)) [[unlikely]] {
        c.reject(cr == feed::ChecksumResult::kBadUdp ? kRejectBadUdpChecksum
                                                     : kRejectBadIpv4Checksum);
        return;
      }
    }
    const RouteEntry* e = router_.find(port_index, d.dst_ip, d.dst_port,
                                       d.has_vlan ? std::int32_t{d.vlan} : kAnyVlan, d.src_ip);
    if (e == nullptr) {
      ++c.unrouted;
      return;
    }
    feeds_[e->feed_slot]->handler->on_datagram(e->line, d.payload, recv_ns);
  }

  // The loop's clock, every few iterations: reorder windows and request timeouts of every feed
  // fire from here also when no packet arrives (one compare per feed when nothing is due).
  void on_timer(std::uint64_t now_ns) noexcept {
    for (auto& f : feeds_) f->handler->on_timer(now_ns);
  }

  // A re-request reply for the feed in `slot` (from the loop's RecoveryLink).
  void on_recovery(std::uint16_t slot, std::span<const std::uint8_t> packet,
                   std::uint64_t now_ns) noexcept {
    if (slot < feeds_.size()) [[likely]]
      feeds_[slot]->handler->on_recovery(packet, now_ns);
  }

  [[nodiscard]] std::size_t feed_count() const noexcept { return feeds_.size(); }
  [[nodiscard]] Feed& feed(std::size_t slot) noexcept { return *feeds_[slot]; }
  [[nodiscard]] const Feed& feed(std::size_t slot) const noexcept { return *feeds_[slot]; }

 private:
  std::vector<std::unique_ptr<Feed>> feeds_;
  Router router_;
};

}  // namespace ichannel::daemon
