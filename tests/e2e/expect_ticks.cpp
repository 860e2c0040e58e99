// ichannel-e2e-expect: what a receiver of a channel must see when ichannel-feed replays a capture.
//
// Usage
//   ichannel-e2e-expect --pcap FILE --group-a G --port-a P [--group-b G --port-b P]
//                       [--symbols A,B,...] [--list-symbols N] [--books-out FILE --depth N]
// Reads the capture with libpcap, peels each frame (feed/packet.hpp), routes it by destination
// (group, port) to line A or B, runs it through an ItchFeed and its Fanout (the A/B merge,
// decode, normalize and instrument filter the daemon uses) and digests the ticks with the same
// TickDigest as ichannel-tap. Prints one JSON line with the same keys as ichannel-tap's summary
// (messages, checksum, instruments, actions) plus feed counters (gaps, duplicates) and, with
// --list-symbols, the first N symbols of the instrument directory. The e2e tests compare the tap's
// summary against it: this exercises everything between the wire and the strategy (DPDK, routing,
// publishing, the ring, the shm mapping) independently of the daemon's own code.
// --books-out: the same ticks also go through the tests' ReferenceBook (tests/book/
// reference_book.hpp, plain std containers); at the end one JSON line per instrument that ever
// had an order goes to FILE: {"i":locate,"bid":[[price,qty,orders],...best first, N],"ask":[...],
// "bid_levels":n,"ask_levels":n,"state":"T"} and a last line {"counters":{...}} - what
// the daemon's book table must hold at the end (tests/e2e/books.sh).
#include <arpa/inet.h>
#include <pcap/pcap.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "feed/fanout.hpp"
#include "feed/itch_feed.hpp"
#include "feed/packet.hpp"
#include "tests/book/reference_book.hpp"
#include "tap/tap_summary.hpp"
#include "tap/tick_digest.hpp"
#include "tap/tick_text.hpp"

namespace {

std::uint32_t parse_ipv4(const std::string& s) {
  in_addr a{};
  if (::inet_pton(AF_INET, s.c_str(), &a) != 1) throw CLI::ValidationError("bad IPv4 " + s);
  return ntohl(a.s_addr);
}

// The one channel of the expectation: what a receiver of it would see.
struct DigestSender {
  ichannel::tools::TickDigest* digest;
  std::vector<std::string>* directory;
  ichannel::test::ReferenceBook* books = nullptr;  // --books-out
  std::uint64_t send(const ichannel::Tick& t) noexcept {
    digest->add(t);
    if (books != nullptr) books->apply(t);
    if (t.action == ichannel::Action::kDirectory && directory->size() < 65536) {
      directory->push_back(ichannel::tools::symbol_of_directory(t));
    }
    return digest->total();
  }
};
using Feed = ichannel::feed::ItchFeed<ichannel::feed::Fanout<DigestSender>>;

void write_books(const std::string& path, const ichannel::test::ReferenceBook& b,
                 std::size_t depth) {
  using ichannel::book::BookSide;
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) throw std::runtime_error("cannot write " + path);
  for (const std::uint16_t i : b.instruments()) {
    std::string line = "{\"i\":" + std::to_string(i);
    for (const auto side : {BookSide::kBid, BookSide::kAsk}) {
      line += side == BookSide::kBid ? ",\"bid\":[" : ",\"ask\":[";
      bool first = true;
      for (const auto& l : b.levels(i, side, depth)) {
        line += (first ? "[" : ",[") + std::to_string(l.price) + "," + std::to_string(l.qty) +
                "," + std::to_string(l.orders) + "]";
        first = false;
      }
      line += "]";
    }
    const auto st = b.status_of(i).trading_state;
    line += ",\"bid_levels\":" + std::to_string(b.level_count(i, BookSide::kBid)) +
            ",\"ask_levels\":" + std::to_string(b.level_count(i, BookSide::kAsk)) +
            ",\"state\":\"" + (st == 0 ? std::string() : std::string(1, static_cast<char>(st))) +
            "\"}\n";
    std::fputs(line.c_str(), f);
  }
  const auto& c = b.counters();
  std::fprintf(f,
               "{\"counters\":{\"unknown_refs\":%llu,\"duplicate_refs\":%llu,\"crossed\":%llu,"
               "\"locked\":%llu,\"adds\":%llu,\"live_orders\":%llu}}\n",
               static_cast<unsigned long long>(c.unknown_refs),
               static_cast<unsigned long long>(c.duplicate_refs),
               static_cast<unsigned long long>(c.crossed), static_cast<unsigned long long>(c.locked),
               static_cast<unsigned long long>(c.adds),
               static_cast<unsigned long long>(c.live_orders));
  std::fclose(f);
}

}  // namespace

int main(int argc, char** argv) {
  std::string pcap_file, group_a, group_b, symbols_csv;
  std::uint16_t port_a = 0, port_b = 0;
  std::size_t list_symbols = 0;
  CLI::App app{"expected ticks of a channel fed by a capture"};
  app.add_option("--pcap", pcap_file)->required()->check(CLI::ExistingFile);
  app.add_option("--group-a", group_a)->required();
  app.add_option("--port-a", port_a)->required();
  app.add_option("--group-b", group_b);
  app.add_option("--port-b", port_b);
  app.add_option("--symbols", symbols_csv, "instrument filter, comma separated");
  app.add_option("--list-symbols", list_symbols, "print the first N directory symbols");
  unsigned feed_id = 0;  // Tick::feed: the daemon stamps the config feeds[] index (layout 2)
  app.add_option("--feed-id", feed_id, "feeds[] index of the feed in the daemon's config")
      ->check(CLI::Range(0u, 255u));
  std::string books_out;
  std::size_t depth = 10;
  app.add_option("--books-out", books_out, "write the reference book's final state here");
  app.add_option("--depth", depth, "levels per side in --books-out")->check(CLI::Range(1, 64));
  CLI11_PARSE(app, argc, argv);

  const std::uint32_t ga = parse_ipv4(group_a);
  const std::uint32_t gb = group_b.empty() ? 0 : parse_ipv4(group_b);

  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(pcap_file.c_str(), err);
  if (p == nullptr) {
    std::fprintf(stderr, "ichannel-e2e-expect: %s\n", err);
    return 1;
  }
  auto digest = std::make_unique<ichannel::tools::TickDigest>();
  std::vector<std::string> directory;
  auto handler = std::make_unique<Feed>(ichannel::feed::Fanout<DigestSender>{},
                                        ichannel::feed::mold::SequencerConfig{},
                                        ichannel::feed::NoRequests{},
                                        static_cast<std::uint8_t>(feed_id));
  auto books = std::make_unique<ichannel::test::ReferenceBook>();
  DigestSender channel{digest.get(), &directory, books_out.empty() ? nullptr : books.get()};
  std::vector<std::string> symbols;
  if (!symbols_csv.empty()) {
    std::size_t pos = 0;
    while (pos <= symbols_csv.size()) {
      const std::size_t comma = symbols_csv.find(',', pos);
      const std::size_t end = comma == std::string::npos ? symbols_csv.size() : comma;
      if (end > pos) symbols.push_back(symbols_csv.substr(pos, end - pos));
      pos = end + 1;
    }
  }
  try {
    (void)handler->sink().add_output(channel, 0, handler->symbols(), symbols);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "ichannel-e2e-expect: %s\n", e.what());
    return 2;
  }
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  std::uint64_t frames = 0, routed = 0, last_ns = 0;
  while (pcap_next_ex(p, &h, &data) == 1) {
    ++frames;
    ichannel::feed::UdpDatagram d;
    if (ichannel::feed::peel({data, h->caplen}, d) != ichannel::feed::PeelResult::kOk) continue;
    int line = -1;
    if (d.dst_ip == ga && d.dst_port == port_a) line = 0;
    if (gb != 0 && d.dst_ip == gb && d.dst_port == port_b) line = 1;
    if (line < 0) continue;
    ++routed;
    // The capture's own clock drives the reorder window, as the daemon's TSC clock does.
    last_ns = static_cast<std::uint64_t>(h->ts.tv_sec) * 1'000'000'000ULL +
              static_cast<std::uint64_t>(h->ts.tv_usec) * 1000;  // pcap_open_offline: us
    handler->on_datagram(line, d.payload, last_ns);
  }
  pcap_close(p);
  handler->on_timer(last_ns + 10'000'000'000ULL);  // what still waits at the end is a gap

  if (!books_out.empty()) write_books(books_out, *books, depth);

  ichannel::tools::TapSummary s;
  s.channel = "expected";
  s.messages = digest->total();
  s.digest = digest.get();
  s.exit_reason = "eof";
  std::string json = ichannel::tools::render_summary_json(s);
  json.pop_back();  // reopen the object to append the feed counters
  const auto& c = handler->counters();
  std::string dir = "[";
  for (std::size_t i = 0; i < std::min(list_symbols, directory.size()); ++i) {
    dir += (i ? ",\"" : "\"") + directory[i] + "\"";
  }
  dir += "]";
  std::printf(
      "%s,\"frames\":%llu,\"routed\":%llu,\"gaps\":%llu,\"duplicates_a\":%llu,"
      "\"duplicates_b\":%llu,\"directory\":%s}\n",
      json.c_str(), static_cast<unsigned long long>(frames),
      static_cast<unsigned long long>(routed), static_cast<unsigned long long>(c.gaps),
      static_cast<unsigned long long>(c.line[0].duplicates),
      static_cast<unsigned long long>(c.line[1].duplicates), dir.c_str());
  return 0;
}
