// config/config.hpp: the validated configuration of ichannel-feed, as plain structs.
//
// Contract
// - Produced only by ichannel::config::load_file / load_string (config/load.hpp), which parse YAML
//   with yaml-cpp and validate everything before returning; nothing of yaml-cpp leaks out.
// - A Config that was returned is complete and consistent: every cross reference (port of a line,
//   feed and channels of a route, port queue of a core) names an existing entry and is resolved
//   to its index (the *_index members), addresses are parsed, defaults are filled in, and every
//   invariant the daemon relies on holds (config/src/validate.hpp lists them; limits.hpp the
//   capacities). Consumers (daemon, host checker) never re-validate and never look a name up.
// - Cold path only: strings and vectors, allocation is fine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ichannel::config {

// IPv4 address in host byte order (e.g. 233.54.12.1 == 0xE9360C01).
using Ipv4 = std::uint32_t;

struct Eal {
  std::vector<unsigned> lcores;          // all lcores the EAL gets (-l); must include main_lcore
  unsigned main_lcore = 0;               // housekeeping, logging, statistics (not isolated)
  bool hugepages = true;                 // false: --no-huge with memory_mb
  unsigned memory_mb = 512;              // -m
  std::string file_prefix = "ichannel";  // --file-prefix
  std::vector<std::string> extra_args;   // appended verbatim
};

struct Port {
  std::string name;    // referenced by lines and cores
  std::string device;  // PCI address (0000:3b:00.0) or vdev devargs (net_pcap0,...)
  unsigned rx_queues = 1;
  unsigned rx_descriptors = 4096;
  unsigned mempool_size = 65535;  // mbufs per port (sized for a 10x one-ms burst)
  bool promiscuous = false;
  bool allmulticast = true;               // enable all-multicast reception
  std::vector<Ipv4> multicast_addresses;  // if non-empty: rte_eth_dev_set_mc_addr_list
};

enum class Protocol { kItch50MoldUdp64 };

struct Line {                         // one multicast line (A or B) of a feed
  Ipv4 group = 0;                     // multicast destination address
  std::uint16_t port = 0;             // UDP destination port
  std::optional<Ipv4> source;         // optional source filter
  std::optional<std::uint16_t> vlan;  // optional VLAN id filter (outermost tag)
  std::string port_name;              // which Port it arrives on (key: "rx_port")
  std::size_t port_index = 0;         // resolved: index of port_name in Config::ports
};

// How the feed's A and B lines are merged (the MoldUDP64 sequencer, app/feed; defaults and their
// reasons: docs/configuration.md). Key: feeds[].arbitration.
struct Arbitration {
  unsigned reorder_packets = 256;           // a hole waits for at most this many held packets...
  std::uint64_t reorder_us = 2000;          // ...or this long, before it is re-requested / a gap
  unsigned store_packets = 4096;            // preallocated held-packet store, packets
  unsigned slot_bytes = 2048;               // bytes per stored packet
  std::uint64_t max_jump = 65536;           // a jump further ahead is suspect until confirmed
  std::uint64_t suspect_ms = 2000;          // an unconfirmed suspect expires after this
  unsigned session_confirm_packets = 3;     // consistent packets that adopt a new session
  std::uint64_t session_silence_ms = 5000;  // or the old session silent this long
};

// The feed's MoldUDP64 re-request server (feeds[].recovery). Requests leave through a kernel
// UDP socket on the daemon's control thread (docs/operations.md, "Gap recovery").
struct Recovery {
  Ipv4 server = 0;  // unicast address of the re-request server
  std::uint16_t server_port = 0;
  Ipv4 local = 0;                  // local address to send from (0: the kernel chooses)
  std::uint16_t local_port = 0;    // 0: any
  std::uint64_t timeout_ms = 250;  // a request unanswered this long is sent again...
  unsigned attempts = 4;           // ...up to this many times, then the rest is a gap
  unsigned max_messages = 1024;    // messages asked for per request (1..65534)
};

// The feed's order books (feeds[].books; docs/books.md). Absent: no books, no book table, no
// top-of-book records. The book table is a segment in the channel directory, created like a
// channel (hugepages, numa_node, mode, group mean what they mean for channels).
struct Books {
  unsigned depth = 10;                   // price levels per side in the book table (1..64)
  std::uint64_t max_orders = 4'194'304;  // live orders preallocated for (whole feed)
  std::string table;                     // book table name; default "<feed>-books"
  bool hugepages = true;
  int numa_node = -1;
  unsigned mode = 0640;
  std::string group;
};

// The feed's GLIMPSE 5.0 snapshot server (feeds[].snapshot; needs books): the books are rebuilt
// from a snapshot at start and after an unrecovered gap (docs/configuration.md, docs/books.md).
struct Snapshot {
  Ipv4 server = 0;  // unicast address of the GLIMPSE SoupBinTCP server
  std::uint16_t server_port = 0;
  std::string credentials;  // file `user:password`; empty: environment (not opened by the loader)
  std::string session;      // requested SoupBinTCP session (<= 10 characters); empty: any
  bool on_start = true;     // take a snapshot when the daemon starts
  bool on_gap = true;       // and when an unrecovered gap marks the books possibly wrong
  std::uint64_t buffer_ticks = 2'097'152;  // live ticks buffered meanwhile (power of two)
  std::uint64_t retry_ms = 1000;           // first retry after a failure (doubling, <= 30 s)
  std::uint64_t connect_timeout_ms = 5000;
  std::uint64_t timeout_s = 300;  // bound of one snapshot: connect to End of Snapshot
};

struct Feed {
  std::string name;
  Protocol protocol = Protocol::kItch50MoldUdp64;
  Line a;
  std::optional<Line> b;  // B line is optional
  Arbitration arbitration;
  std::optional<Recovery> recovery;  // none: holes past the reorder window become gaps
  std::optional<Books> books;        // none: no order books for this feed
  std::optional<Snapshot> snapshot;  // none: no snapshots (needs books)
};

// What a channel carries: ichannel::Tick (every event of its routes' feeds) or
// ichannel::TopOfBook (one record per change of an instrument's best bid/offer; needs books).
enum class Payload { kTicks, kTopOfBook };

struct Channel {
  std::string name;  // shm segment name (validated: no '/', no "..", <= 63 chars)
  Payload payload = Payload::kTicks;
  std::uint64_t capacity = 65536;  // slots, power of two >= 2
  bool hugepages = true;           // false: /dev/shm
  int numa_node = -1;              // -1: any / local to the polling lcore
  unsigned mode = 0640;            // file mode of the segment
  std::string group;               // owning group name; empty: the daemon's group
};

struct Route {
  std::string feed;                          // Feed::name
  std::vector<std::string> channels;         // Channel::name, at least one
  std::vector<std::string> symbols;          // instrument filter; empty: everything
  bool snapshot_orders = false;  // tick channels: a snapshot's resting orders as flagged adds
  std::size_t feed_index = 0;                // resolved: index of feed in Config::feeds
  std::vector<std::size_t> channel_indices;  // resolved: index of each channel in Config::channels
};

struct Core {
  unsigned lcore = 0;          // an EAL lcore other than main_lcore
  std::string port;            // Port::name
  unsigned queue = 0;          // < port.rx_queues
  std::size_t port_index = 0;  // resolved: index of port in Config::ports
};

struct Logging {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  std::string file;            // empty: stderr
  bool async = true;           // spdlog async logger (thread on the main lcore's cpu)
};

struct Statistics {
  unsigned interval_ms = 1000;             // how often counters are published
  std::string segment = "ichannel-stats";  // shm name of the statistics segment
  std::string prometheus_file;             // optional node_exporter textfile path; empty: off
};

struct Config {
  std::string source;  // file the config was loaded from (for messages)
  Eal eal;
  std::vector<Port> ports;
  std::vector<Feed> feeds;
  std::vector<Channel> channels;
  std::vector<Route> routes;
  std::vector<Core> cores;
  Logging logging;
  Statistics statistics;
  std::string channel_dir;  // optional override of the channel directory; empty: default
};

}  // namespace ichannel::config
