// config/src/parse_sections.cpp: the ports, feeds, channels and routes sections.
#include "parse_sections.hpp"

#include <grp.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <ichannel/segment_file.hpp>

#include "config/ipv4.hpp"
#include "config/limits.hpp"
#include "config/names.hpp"
#include "parse.hpp"
#include "yaml_reader.hpp"

namespace ichannel::config {

namespace {
constexpr std::uint64_t kMaxMempool = 0xFFFFFFFFu;
}  // namespace

void parse_ports(Diagnostics& diag, const YAML::Node& node, std::vector<Port>& ports) {
  const auto items = read_sequence(diag, node, "ports");
  for (std::size_t i = 0; i < items.size(); ++i) {
    Port port;
    const MapReader map(diag, items[i], index_path("ports", i),
                        {"name", "device", "rx_queues", "rx_descriptors", "mempool_size",
                         "promiscuous", "allmulticast", "multicast_addresses"});
    if (auto v = map.require("name")) (void)read_name(diag, *v, map.path_of("name"), port.name);
    if (auto v = map.require("device")) {
      if (read_string(diag, *v, map.path_of("device"), port.device) && port.device.empty()) {
        diag.error(map.path_of("device"), "device must not be empty (a PCI address or vdev args)");
      }
    }
    if (auto v = map.get("rx_queues")) {
      (void)read_uint_as(diag, *v, map.path_of("rx_queues"), 1, 1024, port.rx_queues);
    }
    if (auto v = map.get("rx_descriptors")) {
      const std::string path = map.path_of("rx_descriptors");
      if (read_uint_as(diag, *v, path, 0, 65536, port.rx_descriptors) &&
          (!is_power_of_two(port.rx_descriptors) || port.rx_descriptors < 32)) {
        diag.error(path, std::to_string(port.rx_descriptors) +
                             " is not a power of two between 32 and 65536");
      }
    }
    if (auto v = map.get("mempool_size")) {
      (void)read_uint_as(diag, *v, map.path_of("mempool_size"), 1, kMaxMempool, port.mempool_size);
    }
    if (auto v = map.get("promiscuous"))
      (void)read_bool(diag, *v, map.path_of("promiscuous"), port.promiscuous);
    if (auto v = map.get("allmulticast"))
      (void)read_bool(diag, *v, map.path_of("allmulticast"), port.allmulticast);
    if (auto v = map.get("multicast_addresses")) {
      const std::string path = map.path_of("multicast_addresses");
      std::vector<std::string> texts;
      (void)read_string_list(diag, *v, path, texts);
      for (std::size_t j = 0; j < texts.size(); ++j) {
        const auto address = parse_ipv4(texts[j]);
        if (!address || !is_multicast(*address)) {
          diag.error(index_path(path, j), shown(texts[j]) + " is not an IPv4 multicast address");
        } else {
          port.multicast_addresses.push_back(*address);
        }
      }
    }
    ports.push_back(std::move(port));
  }
}

static void parse_line(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                       Line& line) {
  const MapReader map(diag, node, path, {"group", "port", "source", "vlan", "rx_port"});
  if (auto v = map.require("group")) {
    if (auto text = scalar_text(diag, *v, map.path_of("group"), "an IPv4 multicast address")) {
      const auto address = parse_ipv4(*text);
      if (address && is_multicast(*address)) {
        line.group = *address;
      } else {
        diag.error(map.path_of("group"), shown(*text) + " is not an IPv4 multicast address");
      }
    }
  }
  if (auto v = map.require("port"))
    (void)read_uint_as(diag, *v, map.path_of("port"), 1, 65535, line.port);
  if (auto v = map.get("source")) {
    if (auto text = scalar_text(diag, *v, map.path_of("source"), "an IPv4 unicast address")) {
      const auto address = parse_ipv4(*text);
      if (address && is_unicast(*address)) {
        line.source = *address;
      } else {
        diag.error(map.path_of("source"), shown(*text) + " is not a unicast IPv4 address");
      }
    }
  }
  if (auto v = map.get("vlan")) {
    std::uint16_t vlan = 0;
    if (read_uint_as(diag, *v, map.path_of("vlan"), 0, 4095, vlan)) line.vlan = vlan;
  }
  if (auto v = map.require("rx_port"))
    (void)read_string(diag, *v, map.path_of("rx_port"), line.port_name);
}

static void parse_arbitration(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                              Arbitration& a) {
  const MapReader map(diag, node, path,
                      {"reorder_packets", "reorder_us", "store_packets", "slot_bytes", "max_jump",
                       "suspect_ms", "session_confirm_packets", "session_silence_ms"});
  if (auto v = map.get("reorder_packets"))
    (void)read_uint_as(diag, *v, map.path_of("reorder_packets"), 1, 1u << 24, a.reorder_packets);
  if (auto v = map.get("reorder_us"))
    (void)read_uint(diag, *v, map.path_of("reorder_us"), 0, 60'000'000, a.reorder_us);
  if (auto v = map.get("store_packets"))
    (void)read_uint_as(diag, *v, map.path_of("store_packets"), 1, 1u << 24, a.store_packets);
  if (auto v = map.get("slot_bytes"))
    (void)read_uint_as(diag, *v, map.path_of("slot_bytes"), 20, 65555, a.slot_bytes);
  if (auto v = map.get("max_jump"))
    (void)read_uint(diag, *v, map.path_of("max_jump"), 1, std::uint64_t{1} << 62, a.max_jump);
  if (auto v = map.get("suspect_ms"))
    (void)read_uint(diag, *v, map.path_of("suspect_ms"), 1, 3'600'000, a.suspect_ms);
  if (auto v = map.get("session_confirm_packets")) {
    (void)read_uint_as(diag, *v, map.path_of("session_confirm_packets"), 1, 64,
                       a.session_confirm_packets);
  }
  if (auto v = map.get("session_silence_ms")) {
    (void)read_uint(diag, *v, map.path_of("session_silence_ms"), 1, 3'600'000,
                    a.session_silence_ms);
  }
}

// "A.B.C.D:PORT". A server: a unicast address and a port 1..65535; a local end (allow_any):
// 0.0.0.0 and port 0 mean "any".
static bool parse_endpoint(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                           bool allow_any, Ipv4& ip, std::uint16_t& port) {
  const auto text = scalar_text(diag, node, path, "ADDRESS:PORT");
  if (!text) return false;
  const std::string_view view(*text);
  const std::size_t colon = view.rfind(':');
  const auto address = parse_ipv4(view.substr(0, colon));
  const auto number =
      colon == std::string_view::npos ? std::nullopt : parse_decimal(view.substr(colon + 1));
  const bool address_ok = address && (is_unicast(*address) || (allow_any && *address == 0));
  if (!address_ok || !number || *number > 65535 || (*number == 0 && !allow_any)) {
    diag.error(path, shown(*text) + " is not " +
                         (allow_any ? "a local IPv4 ADDRESS:PORT (0.0.0.0 and port 0: any)"
                                    : "a unicast IPv4 ADDRESS:PORT with a port 1..65535"));
    return false;
  }
  ip = *address;
  port = static_cast<std::uint16_t>(*number);
  return true;
}

static void parse_recovery(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                           Recovery& r) {
  const MapReader map(diag, node, path,
                      {"server", "local", "timeout_ms", "attempts", "max_messages"});
  if (auto v = map.require("server"))
    (void)parse_endpoint(diag, *v, map.path_of("server"), false, r.server, r.server_port);
  if (auto v = map.get("local"))
    (void)parse_endpoint(diag, *v, map.path_of("local"), true, r.local, r.local_port);
  if (auto v = map.get("timeout_ms"))
    (void)read_uint(diag, *v, map.path_of("timeout_ms"), 1, 60'000, r.timeout_ms);
  if (auto v = map.get("attempts"))
    (void)read_uint_as(diag, *v, map.path_of("attempts"), 1, 100, r.attempts);
  if (auto v = map.get("max_messages"))
    (void)read_uint_as(diag, *v, map.path_of("max_messages"), 1, 65534, r.max_messages);
}

static void parse_mode(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                       unsigned& mode) {
  auto text = scalar_text(diag, node, path, "an octal file mode like \"0640\"");
  if (!text) return;
  std::string_view digits = *text;
  if (digits.substr(0, 2) == "0o" || digits.substr(0, 2) == "0O") digits.remove_prefix(2);
  unsigned value = 0;
  bool octal = !digits.empty() && digits.size() <= 6;
  for (const char c : digits) {
    octal = octal && c >= '0' && c <= '7';
    value = value * 8 + static_cast<unsigned>(c - '0');
  }
  if (!octal) {
    diag.error(path, "'" + shown(*text) + "' is not an octal file mode like \"0640\"");
  } else if (value > 0777) {
    diag.error(path, "file mode " + *text + " is above 0777 (no setuid, setgid or sticky bits)");
  } else if (auto ok = ichannel::check_file_mode(value); !ok) {
    // Only the producer writes a channel: a group- or world-writable segment would let any
    // member forge ticks (the producer's own rule, the same message).
    diag.error(path, ok.error().message);
  } else {
    mode = value;
  }
}

// The file keys a channel and a book table share: hugepages, numa_node, mode, group.
static void parse_file_keys(Diagnostics& diag, const MapReader& map, bool& hugepages,
                            int& numa_node, unsigned& mode, std::string& group) {
  if (auto v = map.get("hugepages")) (void)read_bool(diag, *v, map.path_of("hugepages"), hugepages);
  if (auto v = map.get("numa_node")) {
    std::int64_t node_id = 0;
    if (read_int(diag, *v, map.path_of("numa_node"), -1, 255, node_id)) {
      numa_node = static_cast<int>(node_id);
    }
  }
  if (auto v = map.get("mode")) parse_mode(diag, *v, map.path_of("mode"), mode);
  if (auto v = map.get("group")) {
    const std::string path = map.path_of("group");
    if (read_string(diag, *v, path, group) && !group.empty() &&
        ::getgrnam(group.c_str()) == nullptr) {
      diag.error(path, "group '" + shown(group) + "' does not exist on this host");
    }
  }
}

// A segment name (channel or book table): a file name in the channel directory.
static void parse_segment_name(Diagnostics& diag, const MapReader& map, const char* key,
                               std::string& name) {
  const auto v = map.get(key);
  if (!v) return;
  if (read_string(diag, *v, map.path_of(key), name) && !is_valid_channel_name(name)) {
    diag.error(map.path_of(key), "'" + shown(name) +
                                     "' is not a valid channel name (1..63 characters of "
                                     "A-Z a-z 0-9 . _ -, not starting with '.', no '..')");
  }
}

static void parse_books(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                        Books& b) {
  const MapReader map(diag, node, path,
                      {"depth", "max_orders", "table", "hugepages", "numa_node", "mode", "group"});
  if (auto v = map.get("depth"))
    (void)read_uint_as(diag, *v, map.path_of("depth"), 1, kMaxBookDepth, b.depth);
  if (auto v = map.get("max_orders"))
    (void)read_uint(diag, *v, map.path_of("max_orders"), 1024, kMaxBookOrders, b.max_orders);
  parse_segment_name(diag, map, "table", b.table);
  parse_file_keys(diag, map, b.hugepages, b.numa_node, b.mode, b.group);
}

// SoupBinTCP's session field: up to 10 printable characters, padded with spaces on the wire
// (so a space inside would be cut); empty asks for the server's current session.
static bool is_valid_session(std::string_view session) {
  return session.size() <= kMaxSnapshotSession &&
         std::all_of(session.begin(), session.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

static void parse_snapshot(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                           Snapshot& s) {
  const MapReader map(diag, node, path,
                      {"server", "credentials", "session", "on_start", "on_gap", "buffer_ticks",
                       "retry_ms", "connect_timeout_ms", "timeout_s"});
  if (auto v = map.require("server"))
    (void)parse_endpoint(diag, *v, map.path_of("server"), false, s.server, s.server_port);
  if (auto v = map.get("credentials"))
    (void)read_string(diag, *v, map.path_of("credentials"), s.credentials);
  if (auto v = map.get("session")) {
    const std::string key = map.path_of("session");
    std::string session;
    if (read_string(diag, *v, key, session)) {
      if (is_valid_session(session)) {
        s.session = session;
      } else {
        diag.error(key, "'" + shown(session) + "' is not a SoupBinTCP session (at most " +
                            std::to_string(kMaxSnapshotSession) +
                            " printable characters, no spaces; empty: any)");
      }
    }
  }
  if (auto v = map.get("on_start")) (void)read_bool(diag, *v, map.path_of("on_start"), s.on_start);
  if (auto v = map.get("on_gap")) (void)read_bool(diag, *v, map.path_of("on_gap"), s.on_gap);
  if (auto v = map.get("buffer_ticks")) {
    const std::string key = map.path_of("buffer_ticks");
    std::uint64_t ticks = 0;
    if (read_uint(diag, *v, key, kMinSnapshotBufferTicks, kMaxSnapshotBufferTicks, ticks)) {
      if (is_power_of_two(ticks)) {
        s.buffer_ticks = ticks;
      } else {
        diag.error(key, std::to_string(ticks) + " is not a power of two between " +
                            std::to_string(kMinSnapshotBufferTicks) + " and " +
                            std::to_string(kMaxSnapshotBufferTicks));
      }
    }
  }
  if (auto v = map.get("retry_ms"))
    (void)read_uint(diag, *v, map.path_of("retry_ms"), 10, 600'000, s.retry_ms);
  if (auto v = map.get("connect_timeout_ms")) {
    (void)read_uint(diag, *v, map.path_of("connect_timeout_ms"), 1, 600'000, s.connect_timeout_ms);
  }
  if (auto v = map.get("timeout_s"))
    (void)read_uint(diag, *v, map.path_of("timeout_s"), 1, 86'400, s.timeout_s);
}

void parse_feeds(Diagnostics& diag, const YAML::Node& node, std::vector<Feed>& feeds) {
  static const std::vector<std::string_view> kProtocols = {"itch50-moldudp64"};
  const auto items = read_sequence(diag, node, "feeds");
  for (std::size_t i = 0; i < items.size(); ++i) {
    Feed feed;
    const MapReader map(
        diag, items[i], index_path("feeds", i),
        {"name", "protocol", "lines", "arbitration", "recovery", "books", "snapshot"});
    if (auto v = map.require("name")) (void)read_name(diag, *v, map.path_of("name"), feed.name);
    if (auto v = map.get("protocol")) {
      std::string protocol;
      (void)read_choice(diag, *v, map.path_of("protocol"), "protocol", kProtocols, protocol);
    }
    if (auto v = map.require("lines")) {
      const MapReader lines(diag, *v, map.path_of("lines"), {"A", "B"});
      if (auto a = lines.require("A")) parse_line(diag, *a, lines.path_of("A"), feed.a);
      if (auto b = lines.get("B")) parse_line(diag, *b, lines.path_of("B"), feed.b.emplace());
    }
    if (auto v = map.get("arbitration"))
      parse_arbitration(diag, *v, map.path_of("arbitration"), feed.arbitration);
    if (auto v = map.get("recovery"))
      parse_recovery(diag, *v, map.path_of("recovery"), feed.recovery.emplace());
    if (auto v = map.get("books")) parse_books(diag, *v, map.path_of("books"), feed.books.emplace());
    if (auto v = map.get("snapshot"))
      parse_snapshot(diag, *v, map.path_of("snapshot"), feed.snapshot.emplace());
    if (feed.books && feed.books->table.empty() && !feed.name.empty()) {
      feed.books->table = feed.name + "-books";
    }
    feeds.push_back(std::move(feed));
  }
}

void parse_channels(Diagnostics& diag, const YAML::Node& node, std::vector<Channel>& channels) {
  static const std::vector<std::string_view> kPayloads = {"ticks", "top_of_book"};
  const auto items = read_sequence(diag, node, "channels");
  for (std::size_t i = 0; i < items.size(); ++i) {
    Channel channel;
    const MapReader map(diag, items[i], index_path("channels", i),
                        {"name", "payload", "capacity", "hugepages", "numa_node", "mode", "group"});
    if (map.require("name")) parse_segment_name(diag, map, "name", channel.name);
    if (auto v = map.get("payload")) {
      std::string payload;
      if (read_choice(diag, *v, map.path_of("payload"), "payload", kPayloads, payload)) {
        channel.payload = payload == "top_of_book" ? Payload::kTopOfBook : Payload::kTicks;
      }
    }
    if (auto v = map.get("capacity")) {
      const std::string path = map.path_of("capacity");
      std::uint64_t capacity = 0;
      if (read_uint(diag, *v, path, 0, std::uint64_t{1} << 30, capacity)) {
        if (capacity < 2 || !is_power_of_two(capacity)) {
          diag.error(path, std::to_string(capacity) + " is not a power of two >= 2");
        } else {
          channel.capacity = capacity;
        }
      }
    }
    parse_file_keys(diag, map, channel.hugepages, channel.numa_node, channel.mode, channel.group);
    channels.push_back(std::move(channel));
  }
}

void parse_routes(Diagnostics& diag, const YAML::Node& node, std::vector<Route>& routes) {
  const auto items = read_sequence(diag, node, "routes");
  for (std::size_t i = 0; i < items.size(); ++i) {
    Route route;
    const MapReader map(diag, items[i], index_path("routes", i),
                        {"feed", "channels", "symbols", "snapshot_orders"});
    if (auto v = map.require("feed")) (void)read_string(diag, *v, map.path_of("feed"), route.feed);
    if (auto v = map.require("channels")) {
      if (read_string_list(diag, *v, map.path_of("channels"), route.channels) &&
          route.channels.empty()) {
        diag.error(map.path_of("channels"), "a route needs at least one channel");
      }
    }
    if (auto v = map.get("symbols")) {
      const std::string path = map.path_of("symbols");
      (void)read_string_list(diag, *v, path, route.symbols);
      std::set<std::string_view> seen;
      for (std::size_t j = 0; j < route.symbols.size(); ++j) {
        const std::string& symbol = route.symbols[j];
        if (!is_valid_symbol(symbol)) {
          diag.error(index_path(path, j), "'" + shown(symbol) +
                                              "' is not an ITCH symbol (1..8 printable "
                                              "characters, no spaces)");
        } else if (!seen.insert(symbol).second) {
          diag.error(index_path(path, j), "symbol '" + symbol + "' is listed twice");
        }
      }
    }
    if (auto v = map.get("snapshot_orders"))
      (void)read_bool(diag, *v, map.path_of("snapshot_orders"), route.snapshot_orders);
    routes.push_back(std::move(route));
  }
}

void parse_cores(Diagnostics& diag, const YAML::Node& node, std::vector<Core>& cores) {
  const auto items = read_sequence(diag, node, "cores");
  for (std::size_t i = 0; i < items.size(); ++i) {
    Core core;
    const MapReader map(diag, items[i], index_path("cores", i), {"lcore", "port", "queue"});
    if (auto v = map.require("lcore")) {
      (void)read_uint_as(diag, *v, map.path_of("lcore"), 0, kMaxLcores - 1, core.lcore);
    }
    if (auto v = map.require("port")) (void)read_string(diag, *v, map.path_of("port"), core.port);
    if (auto v = map.get("queue"))
      (void)read_uint_as(diag, *v, map.path_of("queue"), 0, 1023, core.queue);
    cores.push_back(std::move(core));
  }
}

}  // namespace ichannel::config
