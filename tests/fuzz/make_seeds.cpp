// ichannel-fuzz-seeds DIR: writes a small seed corpus for ichannel-fuzz-frame into DIR, built
// with app/wire's encoders. Seeds follow frame_fuzz.cpp's input format: one mode byte (bit 7: raw
// MoldUDP64 packet instead of an Ethernet frame; bit 0: line B), then the bytes. They cover every
// ITCH 5.0 type at its spec length, heartbeats, end of session, a gap, VLAN stacks, a fragment.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "wire/frame.hpp"
#include "wire/itch50_encode.hpp"
#include "wire/moldudp64_encode.hpp"

namespace {

namespace enc = ichannel::wire::itch;
namespace wire = ichannel::wire;
using Bytes = std::vector<std::uint8_t>;

constexpr std::uint64_t kTs = 34200000000230ULL;
constexpr std::string_view kSession = "SESSION001";

Bytes add(std::uint16_t locate, std::uint64_t ref, std::string_view stock) {
  return enc::encode(enc::AddOrder{{locate, 0, kTs}, ref, 'B', 100, stock, 1500000});
}

// Every one of the 23 message types, default fields, locate 7.
std::vector<Bytes> every_type() {
  const enc::Header h{7, 0, kTs};
  std::vector<Bytes> v;
  auto put = [&](auto m) {
    m.header = h;
    v.push_back(enc::encode(m));
  };
  enc::StockDirectory r;
  r.stock = "AAPL";
  put(r);
  put(enc::SystemEvent{});
  put(enc::StockTradingAction{});
  put(enc::RegShoRestriction{});
  put(enc::MarketParticipantPosition{});
  put(enc::MwcbDeclineLevel{});
  put(enc::MwcbStatus{});
  put(enc::IpoQuotingPeriodUpdate{});
  put(enc::LuldAuctionCollar{});
  put(enc::OperationalHalt{});
  put(enc::AddOrder{});
  put(enc::AddOrderMpid{});
  put(enc::OrderExecuted{});
  put(enc::OrderExecutedWithPrice{});
  put(enc::OrderCancel{});
  put(enc::OrderDelete{});
  put(enc::OrderReplace{});
  put(enc::Trade{});
  put(enc::CrossTrade{});
  put(enc::BrokenTrade{});
  put(enc::Noii{});
  put(enc::RetailPriceImprovement{});
  put(enc::DirectListingPriceDiscovery{});
  return v;
}

Bytes frame(const Bytes& payload, std::vector<wire::VlanTag> tags = {},
            std::uint16_t flags_fragment = 0x4000) {
  wire::UdpFrameSpec s;
  s.destination = 0xE9360C01;  // 233.54.12.1
  s.destination_port = 26400;
  s.vlan_tags = std::move(tags);
  s.identification = 1;
  s.flags_fragment = flags_fragment;
  s.ttl = 64;
  return wire::udp_frame(s, payload);
}

Bytes seed(std::uint8_t mode, Bytes bytes) {
  bytes.insert(bytes.begin(), mode);
  return bytes;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: ichannel-fuzz-seeds DIR\n");
    return 2;
  }
  const std::filesystem::path out = argv[1];
  std::filesystem::create_directories(out);
  const Bytes one_add = wire::mold_packet(kSession, 1, std::vector<Bytes>{add(7, 1, "AAPL")});
  Bytes truncated = one_add;
  truncated.resize(truncated.size() - 3);
  const std::vector<std::pair<std::string, Bytes>> seeds{
      {"frame_every_type", seed(0x00, frame(wire::mold_packet(kSession, 1, every_type())))},
      {"frame_vlan_stack", seed(0x01, frame(one_add, {{0x88A8, 10}, {0x8100, 20}}))},
      {"frame_fragment", seed(0x00, frame(one_add, {}, 0x2000))},
      {"mold_adds",
       seed(0x80,
            wire::mold_packet(kSession, 1,
                              std::vector<Bytes>{add(7, 1, "AAPL"), add(8, 2, "MSFT"),
                                                 enc::encode(enc::OrderDelete{{7, 0, kTs}, 1})}))},
      {"mold_gap_line_b",
       seed(0x81, wire::mold_packet(kSession, 100, std::vector<Bytes>{add(9, 3, "S1")}))},
      {"mold_heartbeat", seed(0x80, wire::mold_heartbeat(kSession, 5))},
      {"mold_end_of_session", seed(0x81, wire::mold_end_of_session(kSession, 6))},
      {"mold_truncated", seed(0x80, truncated)},
      {"mold_new_session",
       seed(0x80, wire::mold_packet("SESSION002", 1, std::vector<Bytes>{add(7, 1, "AAPL")}))},
  };
  for (const auto& [name, data] : seeds) {
    std::ofstream f(out / name, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!f) {
      std::fprintf(stderr, "ichannel-fuzz-seeds: cannot write %s\n", (out / name).c_str());
      return 1;
    }
  }
  return 0;
}
