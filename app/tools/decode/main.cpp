// ichannel-decode: run the daemon's feed handler over a capture, offline, without DPDK.
//
// Usage
//   ichannel-decode FILE.pcap (--config FILE [--feed NAME] | --group-a G --port-a P
//                   [--group-b G --port-b P]) [--json | --csv | --count]
//                   [--symbol S,... ] [--limit N]
// Every frame of the capture (pcap or pcapng, micro or nanosecond, Ethernet) goes through what
// an RX loop of ichannel-feed does with it: peel (Ethernet, VLAN, IPv4, UDP), IPv4 header and UDP
// checksums, route by each feed's lines (group, UDP port, optional VLAN / source; the RX port is
// not in a capture, so it is ignored), the feed's ItchFeed with the SequencerConfig the daemon
// derives from feeds[].arbitration (its defaults with the quick flags; re-request recovery off:
// holes past the reorder window become gap records), and the route-style instrument filter
// (--symbol). The capture's timestamps are the receive times and the clock of the reorder
// window; at the end the windows are flushed, so trailing holes show as gaps. Output on stdout:
//   --json   (default) one JSON object per tick, the keys of ichannel-tap --json (latency_ns 0)
//   --csv    a header line, then one line per tick: feed,seq,action,instrument,symbol,side,qty,
//            price,price_str,order_id,aux,exch_ns,recv_ns
//   --count  one JSON object: frames, rejected by reason, unrouted, ticks and per feed its
//            counters (actions, ITCH types, lines a / b)
// --limit N stops after N ticks. Exit status: 0 success, 1 the capture cannot be read, 2 usage or
// configuration error (each as FILE:LINE:COL: KEY: REASON, like ichannel-feed).
#include <arpa/inet.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "config/load.hpp"
#include "daemon/control/wiring.hpp"
#include "tools/decode/decoder.hpp"
#include "tools/decode/tick_csv.hpp"
#include "tools/tap/tick_digest.hpp"
#include "tools/tap/tick_text.hpp"
#include "wire/pcap.hpp"

namespace {

using namespace ichannel;

bool parse_ipv4(const std::string& s, std::uint32_t& out) {
  in_addr a{};
  if (::inet_pton(AF_INET, s.c_str(), &a) != 1) return false;
  out = ntohl(a.s_addr);
  return true;
}

int usage_error(const std::string& what) {
  std::cerr << "ichannel-decode: " << what << '\n';
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string pcap_file, config_file, feed_name, group_a, group_b;
  std::uint16_t port_a = 0, port_b = 0;
  std::vector<std::string> symbols;
  std::uint64_t limit = 0;
  bool json = false, csv = false, count = false;

  CLI::App app{"ichannel-decode: the feed handler of ichannel-feed over a capture, offline"};
  app.add_option("pcap", pcap_file, "capture file (pcap)")->required();
  auto* cfg = app.add_option("-c,--config", config_file, "ichannel-feed YAML configuration");
  app.add_option("--feed", feed_name, "only this feed of --config")->needs(cfg);
  auto* ga = app.add_option("--group-a", group_a, "A line multicast group (without --config)");
  auto* pa = app.add_option("--port-a", port_a, "A line UDP port (without --config)");
  auto* gb = app.add_option("--group-b", group_b, "B line multicast group");
  auto* pb = app.add_option("--port-b", port_b, "B line UDP port");
  cfg->excludes(ga)->excludes(pa)->excludes(gb)->excludes(pb);
  ga->needs(pa);
  pa->needs(ga);
  gb->needs(pb)->needs(ga);
  pb->needs(gb);
  app.add_option("--symbol,--instrument", symbols, "instrument filter (route-style symbol list)")
      ->delimiter(',');
  app.add_option("--limit", limit, "stop after N ticks");
  auto* j = app.add_flag("--json", json, "one JSON object per tick (default)");
  auto* c = app.add_flag("--csv", csv, "CSV, one line per tick")->excludes(j);
  app.add_flag("--count", count, "counts only, one JSON object")->excludes(j)->excludes(c);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  std::vector<tools::DecodeFeed> feeds;
  if (!config_file.empty()) {
    const config::LoadResult loaded = config::load_file(config_file);
    if (!loaded.ok()) {
      for (const config::LoadError& e : loaded.errors) std::cerr << e.message() << '\n';
      std::cerr << "ichannel-decode: " << loaded.errors.size() << " configuration error(s)\n";
      return 2;
    }
    std::string error;
    feeds = tools::feeds_from_config(*loaded.config, feed_name, error);
    if (feeds.empty()) return usage_error(error);
  } else {
    if (group_a.empty()) return usage_error("give --config FILE or --group-a G --port-a P");
    tools::DecodeFeed f;
    f.name = "cli";
    f.sequencer = daemon::sequencer_config(config::Feed{});  // feeds[].arbitration defaults
    if (!parse_ipv4(group_a, f.a.group)) return usage_error("--group-a: bad IPv4 " + group_a);
    f.a.port = port_a;
    if (!group_b.empty()) {
      tools::DecodeLine b;
      if (!parse_ipv4(group_b, b.group)) return usage_error("--group-b: bad IPv4 " + group_b);
      b.port = port_b;
      f.b = b;
    }
    feeds.push_back(std::move(f));
  }

  const bool per_tick = !count;
  std::vector<std::unique_ptr<tools::SymbolBook>> books;
  for (std::size_t i = 0; i < feeds.size(); ++i)
    books.push_back(std::make_unique<tools::SymbolBook>());
  std::string line;
  auto on_tick = [&](std::size_t f, const Tick& t) {
    if (!per_tick) return;
    books[f]->learn(t);
    const std::string_view sym = books[f]->symbol(t.instrument);
    line = csv ? tools::format_tick_csv(t, feeds[f].name, sym) : tools::format_tick_json(t, sym, 0);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stdout);
  };

  std::unique_ptr<tools::Decoder> decoder;
  try {
    decoder = std::make_unique<tools::Decoder>(feeds, symbols, limit, on_tick);
  } catch (const std::exception& e) {
    return usage_error(e.what());
  }
  if (csv) std::fputs(tools::kTickCsvHeader, stdout);
  try {
    wire::read_pcap(pcap_file, [&](std::span<const std::uint8_t> frame, std::uint64_t ns) {
      decoder->on_frame(frame, ns);
    });
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::cerr << "ichannel-decode: " << e.what() << '\n';
    return 1;
  }
  decoder->finish();
  if (count) {
    const std::string s = decoder->counts_json() + '\n';
    std::fwrite(s.data(), 1, s.size(), stdout);
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}
