// tools/decode/decoder.hpp: the offline feed handler of ichannel-decode: captured frames ->
// the daemon's Pipeline (peel, IPv4/UDP checksums, Router, ItchFeed with its sequencer, Fanout
// with the route-style instrument filter) -> a callback per published tick.
//
// Contract
// - DecodeFeed describes one feed as the daemon sees it: its lines (group, UDP port, optional
//   VLAN / source) and its SequencerConfig. feeds_from_config() builds them from a validated
//   daemon config with the daemon's own sequencer_config() (control/wiring.hpp); re-request
//   recovery is turned off (a capture cannot be asked for a retransmission), so a hole becomes a
//   gap record once the reorder window runs out, as on a daemon without `recovery`.
// - The capture has no RX port: every line is routed as if on port index 0, so two lines that
//   differ only by rx_port are refused (Decoder's constructor throws std::invalid_argument).
// - on_frame(frame, epoch_ns): the capture's timestamp is the receive time and the clock of the
//   reorder window (the feeds' timers run before each frame, as the daemon's loop does between
//   bursts). finish() flushes every window (a timer far in the future), so trailing holes show as
//   gaps. After `limit` ticks (0: none) nothing more is decoded.
// - Cold tool code: allocates (a feed's store is SequencerConfig::store_packets x slot_bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <ichannel/tick.hpp>

#include "config/config.hpp"
#include "daemon/datapath/pipeline.hpp"
#include "daemon/datapath/router.hpp"
#include "daemon/datapath/rx_counters.hpp"
#include "feed/moldudp64_sequencer_config.hpp"
#include "tools/tap/tick_digest.hpp"

namespace ichannel::tools {

struct DecodeLine {
  std::uint32_t group = 0;  // host order
  std::uint16_t port = 0;
  std::int32_t vlan = daemon::kAnyVlan;
  std::uint32_t source = daemon::kAnySource;
};

struct DecodeFeed {
  std::string name;
  DecodeLine a;
  std::optional<DecodeLine> b;
  feed::mold::SequencerConfig sequencer;
};

// The feeds of `config` (all of them when `only` is empty, else the one named so). Returns an
// empty vector and sets `error` when no feed has that name.
[[nodiscard]] std::vector<DecodeFeed> feeds_from_config(const config::Config& config,
                                                        const std::string& only,
                                                        std::string& error);

class Decoder {
 public:
  // on_tick(feed index, tick): every tick a feed publishes through the filter, in order.
  using OnTick = std::function<void(std::size_t, const Tick&)>;

  Decoder(std::vector<DecodeFeed> feeds, std::vector<std::string> symbols, std::uint64_t limit,
          OnTick on_tick);
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  void on_frame(std::span<const std::uint8_t> frame, std::uint64_t epoch_ns);
  void finish();

  [[nodiscard]] bool limit_reached() const noexcept { return limit_ != 0 && emitted_ >= limit_; }
  [[nodiscard]] std::uint64_t frames() const noexcept { return frames_; }
  [[nodiscard]] std::uint64_t emitted() const noexcept { return emitted_; }
  [[nodiscard]] const std::vector<DecodeFeed>& feeds() const noexcept { return feeds_; }
  [[nodiscard]] feed::FeedCounters counters(std::size_t feed) const;
  [[nodiscard]] std::uint64_t filtered(std::size_t feed) const;
  [[nodiscard]] const daemon::RxCounters& rx() const noexcept { return rx_; }

  // --count: one JSON object: frames, rejected (by reason), unrouted, ticks, and per feed its
  // counters (feed-wide, per action, per ITCH type, per line a / b).
  [[nodiscard]] std::string counts_json() const;

 private:
  struct Sender {
    Decoder* decoder = nullptr;
    std::size_t feed = 0;
    std::uint64_t sent = 0;
    std::array<std::uint64_t, tools::kActionCount> per_action{};  // index: Action
    std::uint64_t send(const Tick& t) noexcept;
  };
  using Pipeline = daemon::Pipeline<Sender>;

  std::vector<DecodeFeed> feeds_;
  std::uint64_t limit_ = 0;
  OnTick on_tick_;
  std::vector<std::unique_ptr<Sender>> senders_;
  std::unique_ptr<Pipeline> pipeline_;
  daemon::RxCounters rx_;
  std::uint64_t frames_ = 0;
  std::uint64_t emitted_ = 0;
  std::uint64_t last_ns_ = 0;
};

}  // namespace ichannel::tools
