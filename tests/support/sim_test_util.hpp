// tests/support/sim_test_util.hpp: helpers shared by the simulator and wire tests: unique temp
// files, the shared-data lookup, and decoding a capture through app/feed's peel + ItchFeed.
// Test-only; allocates freely.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <ichannel/tick.hpp>

#include "feed/itch_feed.hpp"
#include "feed/packet.hpp"
#include "tests/support/shared_data.hpp"
#include "wire/pcap.hpp"

namespace ichannel::sim::test {

// A file path in the temp dir, removed when the object dies.
class TempFile {
 public:
  explicit TempFile(const std::string& stem) {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("ichannel-sim-" + stem + "-" + std::to_string(::getpid()) + "-" +
             std::to_string(counter++));
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  [[nodiscard]] std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

using ichannel::test::nasdaq_sample;  // tests/support/shared_data.hpp

struct VectorSink {
  std::vector<Tick>* out;
  void operator()(const Tick& t) noexcept { out->push_back(t); }
};
using Handler = feed::ItchFeed<VectorSink>;

struct Decoded {
  std::vector<Tick> ticks;
  std::unique_ptr<Handler> handler;  // counters after the whole capture
  std::uint64_t frames = 0;
  std::uint64_t rejected = 0;  // frames the peel refused, or to an unknown group/port
};

// Peels every frame of `pcap` (checksums verified) and feeds its payload to one ItchFeed:
// line 0 for frames to (group_a, port_a), line 1 for (group_b, port_b).
inline Decoded decode_capture(const std::string& pcap, std::uint32_t group_a, std::uint16_t port_a,
                              std::uint32_t group_b = 0, std::uint16_t port_b = 0) {
  Decoded d;
  d.handler = std::make_unique<Handler>(VectorSink{&d.ticks});
  std::uint64_t last_ns = 0;
  d.frames = wire::read_pcap(pcap, [&](std::span<const std::uint8_t> frame, std::uint64_t ns) {
    feed::UdpDatagram udp;
    if (feed::peel(frame, udp, true) != feed::PeelResult::kOk) {
      ++d.rejected;
      return;
    }
    int line = -1;
    if (udp.dst_ip == group_a && udp.dst_port == port_a) line = 0;
    if (udp.dst_ip == group_b && udp.dst_port == port_b) line = 1;
    if (line < 0) {
      ++d.rejected;
      return;
    }
    d.handler->on_datagram(line, udp.payload, ns);
    last_ns = ns;
  });
  d.handler->on_timer(last_ns + 10'000'000'000ULL);  // the reorder window ends after the capture
  return d;
}

}  // namespace ichannel::sim::test
