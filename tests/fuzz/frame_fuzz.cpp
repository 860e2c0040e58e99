// libFuzzer target: arbitrary bytes -> frame peel -> MoldUDP64 A/B merge -> ITCH 5.0 decode ->
// normalize -> filtered sink. The first input byte picks the mode and line:
//   bit 7 clear: the rest is an Ethernet frame (peel, then its UDP payload goes to the handler)
//   bit 7 set:   the rest is a MoldUDP64 packet handed straight to the handler
//   bit 0:       line A (0) or B (1)
// The handler persists across inputs, so sequence, session and symbol state get exercised too.
// Any crash, sanitizer report or broken invariant (__builtin_trap) is a finding.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "feed/instrument_filter.hpp"
#include "feed/itch_feed.hpp"
#include "feed/packet.hpp"

namespace {

using namespace ichannel;

struct CheckingSink {
  feed::InstrumentFilter* filter = nullptr;
  std::uint64_t last_seq = 0;
  std::uint64_t published = 0;
  void operator()(const Tick& t) noexcept {
    if (static_cast<std::uint8_t>(t.action) >
            static_cast<std::uint8_t>(Action::kParticipantPosition) ||
        t.action == Action::kNone) {
      __builtin_trap();
    }
    if (t.action == Action::kGap && t.aux == 0) __builtin_trap();
    if (filter != nullptr && filter->pass(t)) ++published;
  }
};

using Handler = feed::ItchFeed<CheckingSink>;

Handler& handler() {
  static Handler* h = [] {
    auto* fresh = new Handler(CheckingSink{});
    static const std::vector<std::string> kWanted = {"AAPL", "MSFT", "S1"};
    static feed::InstrumentFilter filter(fresh->symbols(), kWanted);
    fresh->sink().filter = &filter;
    return fresh;
  }();
  return *h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  const int line = mode & 1;
  Handler& h = handler();
  if ((mode & 0x80) != 0) {
    h.on_datagram(line, rest, 1);
    return 0;
  }
  feed::UdpDatagram d;
  const feed::PeelResult r = feed::peel(rest, d, (mode & 0x02) != 0);
  if (r == feed::PeelResult::kOk) {
    // The payload must be a view inside the input.
    if (d.payload.data() < rest.data() ||
        d.payload.data() + d.payload.size() > rest.data() + rest.size()) {
      __builtin_trap();
    }
    h.on_datagram(line, d.payload, 1);
  }
  return 0;
}
