// config/src/validate.cpp: cross-field validation of a parsed Config.
#include "validate.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <ichannel/segment_file.hpp>

#include "config/ipv4.hpp"
#include "config/limits.hpp"

namespace ichannel::config {

namespace {

using std::to_string;

std::string idx(const char* list, std::size_t i) {
  return std::string(list) + '[' + to_string(i) + ']';
}

// Name -> index of a list's entries (the first entry of a name wins); reports duplicate names.
// The only name lookup of the configuration: the validator stores the resolved indices in the
// Config, so no consumer looks a name up again.
using NameIndex = std::map<std::string, std::size_t>;

template <typename T>
NameIndex index_names(const std::vector<T>& items, const char* list, const char* what,
                      Diagnostics& diag) {
  NameIndex index;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].name.empty()) continue;
    const auto [it, fresh] = index.emplace(items[i].name, i);
    if (!fresh) {
      diag.error(idx(list, i) + ".name", std::string(what) + " name '" + items[i].name +
                                             "' is already used by " + idx(list, it->second));
    }
  }
  return index;
}

std::optional<std::size_t> lookup(const NameIndex& index, const std::string& name) {
  const auto it = index.find(name);
  return it == index.end() ? std::nullopt : std::optional<std::size_t>(it->second);
}

struct Names {
  NameIndex ports, feeds, channels;
};

// Counts beyond the fixed tables of the statistics segment (limits.hpp).
void check_limits(const Config& config, Diagnostics& diag) {
  const auto limit = [&](const char* key, std::size_t n, std::size_t max) {
    if (n > max) {
      diag.error(key, to_string(n) + " entries, at most " + to_string(max) +
                          " are supported (statistics segment limit)");
    }
  };
  limit("ports", config.ports.size(), kMaxPorts);
  limit("feeds", config.feeds.size(), kMaxFeeds);
  limit("channels", config.channels.size(), kMaxChannels);
  limit("cores", config.cores.size(), kMaxCores);
}

std::string join_lcores(const std::set<unsigned>& lcores) {
  std::string text;
  for (const unsigned lcore : lcores) text += (text.empty() ? "" : ", ") + to_string(lcore);
  return text;
}

void check_ports(const Config& config, Diagnostics& diag) {
  std::map<std::string, std::size_t> devices;
  for (std::size_t i = 0; i < config.ports.size(); ++i) {
    const Port& port = config.ports[i];
    const std::string device = port.device.substr(0, port.device.find(','));
    if (!device.empty()) {
      const auto [it, fresh] = devices.emplace(device, i);
      if (!fresh) {
        diag.error(idx("ports", i) + ".device",
                   "device '" + device + "' is already used by " + idx("ports", it->second));
      }
    }
    const std::uint64_t needed = std::uint64_t{port.rx_queues} *
                                 (std::uint64_t{port.rx_descriptors} + kMempoolHeadroomPerQueue);
    if (port.mempool_size < needed) {
      diag.error(idx("ports", i) + ".mempool_size",
                 to_string(port.mempool_size) + " mbufs cannot fill " + to_string(port.rx_queues) +
                     " rx queue(s) of " + to_string(port.rx_descriptors) +
                     " descriptors; need at least " + to_string(needed));
    }
  }
}

// Resolves Line::port_index.
void check_lines(Config& config, const Names& names, Diagnostics& diag) {
  std::map<std::tuple<Ipv4, unsigned, int>, std::string> seen;  // (group, port, vlan) -> path
  for (std::size_t i = 0; i < config.feeds.size(); ++i) {
    Feed& feed = config.feeds[i];
    for (const auto& [letter, line] :
         {std::pair{"A", &feed.a}, std::pair{"B", feed.b ? &*feed.b : nullptr}}) {
      if (line == nullptr) continue;
      const std::string path = idx("feeds", i) + ".lines." + letter;
      if (!line->port_name.empty()) {
        const auto port_index = lookup(names.ports, line->port_name);
        const Port* port = port_index ? &config.ports[*port_index] : nullptr;
        if (port_index) line->port_index = *port_index;
        if (port == nullptr) {
          diag.error(path + ".rx_port", "no port named '" + line->port_name + "' in ports");
        } else if (line->group != 0 && !port->allmulticast && !port->promiscuous &&
                   std::find(port->multicast_addresses.begin(), port->multicast_addresses.end(),
                             line->group) == port->multicast_addresses.end()) {
          diag.error(path + ".group", "port '" + port->name + "' would drop " +
                                          format_ipv4(line->group) +
                                          ": add it to multicast_addresses or set allmulticast");
        }
      }
      if (line->group == 0 || line->port == 0) continue;  // already reported by the parser
      const int vlan = line->vlan ? int{*line->vlan} : -1;
      const auto [it, fresh] =
          seen.emplace(std::tuple{line->group, unsigned{line->port}, vlan}, path);
      if (!fresh) {
        diag.error(path,
                   format_ipv4(line->group) + ":" + to_string(line->port) +
                       (vlan < 0 ? std::string(" without VLAN") : " on VLAN " + to_string(vlan)) +
                       " is already used by " + it->second);
      }
    }
  }
}

// Arbitration settings that contradict each other (each alone is range-checked by the parser).
void check_arbitration(const Config& config, Diagnostics& diag) {
  for (std::size_t i = 0; i < config.feeds.size(); ++i) {
    const Arbitration& a = config.feeds[i].arbitration;
    if (a.reorder_packets > a.store_packets) {
      diag.error(idx("feeds", i) + ".arbitration",
                 "reorder_packets " + to_string(a.reorder_packets) + " exceeds store_packets " +
                     to_string(a.store_packets) +
                     ": the store would fill first and the packet limit never fire");
    }
  }
}

// Resolves Route::feed_index and Route::channel_indices.
void check_routes(Config& config, const Names& names, Diagnostics& diag) {
  std::set<std::string> routed_feeds;
  std::set<std::string> used_channels;
  std::map<std::pair<std::string, std::string>, std::size_t> pairs;  // (feed, channel) -> route
  std::map<std::string, std::size_t> outputs;                        // feed -> channels it feeds
  for (std::size_t i = 0; i < config.routes.size(); ++i) {
    Route& route = config.routes[i];
    const auto feed_index = lookup(names.feeds, route.feed);
    if (feed_index) {
      route.feed_index = *feed_index;
    } else if (!route.feed.empty()) {
      diag.error(idx("routes", i) + ".feed", "no feed named '" + route.feed + "' in feeds");
    }
    routed_feeds.insert(route.feed);
    route.channel_indices.clear();
    for (std::size_t j = 0; j < route.channels.size(); ++j) {
      const std::string& channel = route.channels[j];
      const std::string path = idx("routes", i) + ".channels[" + to_string(j) + "]";
      used_channels.insert(channel);
      const auto channel_index = lookup(names.channels, channel);
      if (!channel_index) {
        diag.error(path, "no channel named '" + channel + "' in channels");
        continue;
      }
      route.channel_indices.push_back(*channel_index);
      const Channel& target = config.channels[*channel_index];
      if (feed_index && target.payload == Payload::kTopOfBook && !config.feeds[*feed_index].books) {
        diag.error(path, "channel '" + channel +
                             "' carries top_of_book records, which need books: feed '" +
                             route.feed + "' (" + idx("feeds", *feed_index) +
                             ") has no 'books' section");
      }
      const auto [it, fresh] = pairs.emplace(std::pair{route.feed, channel}, i);
      if (!fresh) {
        diag.error(path, "feed '" + route.feed + "' is already routed to channel '" + channel +
                             "' by " + idx("routes", it->second));
      } else if (feed_index && ++outputs[route.feed] > kMaxOutputsPerFeed) {
        diag.error(path, "feed " + route.feed + " is routed into more than " +
                             to_string(kMaxOutputsPerFeed) + " channels");
      }
    }
  }
  for (std::size_t i = 0; i < config.feeds.size(); ++i) {
    const std::string& name = config.feeds[i].name;
    if (!name.empty() && !routed_feeds.contains(name)) {
      diag.error(idx("feeds", i) + ".name", "feed '" + name + "' is not routed to any channel");
    }
  }
  for (std::size_t i = 0; i < config.channels.size(); ++i) {
    const Channel& channel = config.channels[i];
    if (!channel.name.empty() && !used_channels.contains(channel.name)) {
      diag.error(idx("channels", i) + ".name",
                 "channel '" + channel.name + "' is not used by any route");
    }
    if (!channel.name.empty() && channel.name == config.statistics.segment) {
      diag.error(idx("channels", i) + ".name",
                 "channel '" + channel.name + "' has the name of statistics.segment");
    }
  }
}

// Book tables live in the channel directory beside the channels and the statistics segment:
// every one of those names must be distinct.
void check_books(const Config& config, Diagnostics& diag) {
  std::map<std::string, std::string> segments;  // name -> key that uses it
  for (std::size_t i = 0; i < config.channels.size(); ++i) {
    if (!config.channels[i].name.empty()) {
      segments.emplace(config.channels[i].name, idx("channels", i) + ".name");
    }
  }
  segments.emplace(config.statistics.segment, "statistics.segment");
  for (std::size_t i = 0; i < config.feeds.size(); ++i) {
    const Feed& feed = config.feeds[i];
    if (!feed.books || feed.books->table.empty()) continue;
    const std::string path = idx("feeds", i) + ".books.table";
    const auto [it, fresh] = segments.emplace(feed.books->table, path);
    if (!fresh) {
      diag.error(path, "book table name '" + feed.books->table + "' is already used by " +
                           it->second + " (tables, channels and the statistics segment share "
                           "the channel directory)");
    }
  }
}

// A snapshot rebuilds the feed's books; its resting orders reach tick channels only on the routes
// that ask for them (top-of-book channels get the snapshot as top-of-book records anyway).
void check_snapshots(const Config& config, Diagnostics& diag) {
  for (std::size_t i = 0; i < config.feeds.size(); ++i) {
    const Feed& feed = config.feeds[i];
    if (feed.snapshot && !feed.books) {
      diag.error(idx("feeds", i) + ".snapshot", "a snapshot rebuilds the order books: feed '" +
                                                    feed.name + "' has no 'books' section");
    }
  }
  for (std::size_t i = 0; i < config.routes.size(); ++i) {
    const Route& route = config.routes[i];
    if (!route.snapshot_orders || route.feed_index >= config.feeds.size()) continue;
    if (route.feed != config.feeds[route.feed_index].name) continue;  // unknown feed: reported
    const std::string path = idx("routes", i) + ".snapshot_orders";
    if (!config.feeds[route.feed_index].snapshot) {
      diag.error(path, "feed '" + route.feed + "' (" + idx("feeds", route.feed_index) +
                           ") has no 'snapshot' section: there are no snapshot orders to send");
    }
    for (const std::size_t c : route.channel_indices) {
      if (c < config.channels.size() && config.channels[c].payload == Payload::kTopOfBook) {
        diag.error(path, "channel '" + config.channels[c].name +
                             "' carries top_of_book records (a snapshot reaches it as top-of-book "
                             "records); snapshot_orders is only for tick channels");
      }
    }
  }
}

// Resolves Core::port_index. Returns, per port name, the set of lcores polling any of its queues.
std::map<std::string, std::set<unsigned>> check_cores(Config& config, const Names& names,
                                                      Diagnostics& diag) {
  Eal& eal = config.eal;
  const bool derive_lcores = eal.lcores.empty();
  if (derive_lcores) {
    std::set<unsigned> lcores{eal.main_lcore};
    for (const Core& core : config.cores) lcores.insert(core.lcore);
    eal.lcores.assign(lcores.begin(), lcores.end());
  } else if (std::find(eal.lcores.begin(), eal.lcores.end(), eal.main_lcore) == eal.lcores.end()) {
    diag.error("eal.main_lcore", "lcore " + to_string(eal.main_lcore) + " is not in eal.lcores");
  }
  std::map<std::pair<std::string, unsigned>, std::size_t> polled;  // (port, queue) -> core index
  std::map<std::string, std::set<unsigned>> lcores_of_port;
  std::map<unsigned, std::size_t> queues_of_lcore;
  for (std::size_t i = 0; i < config.cores.size(); ++i) {
    Core& core = config.cores[i];
    const std::string path = idx("cores", i);
    if (core.lcore == eal.main_lcore) {
      diag.error(path + ".lcore", "lcore " + to_string(core.lcore) +
                                      " is eal.main_lcore (housekeeping); poll on another lcore");
    } else if (!derive_lcores &&
               std::find(eal.lcores.begin(), eal.lcores.end(), core.lcore) == eal.lcores.end()) {
      diag.error(path + ".lcore", "lcore " + to_string(core.lcore) + " is not in eal.lcores");
    }
    if (core.port.empty()) continue;
    const auto port_index = lookup(names.ports, core.port);
    if (!port_index) {
      diag.error(path + ".port", "no port named '" + core.port + "' in ports");
      continue;
    }
    core.port_index = *port_index;
    const Port* port = &config.ports[*port_index];
    if (++queues_of_lcore[core.lcore] > kMaxQueuesPerLcore) {
      diag.error(path, "lcore " + to_string(core.lcore) + " polls more than " +
                           to_string(kMaxQueuesPerLcore) + " port queues");
    }
    if (core.queue >= port->rx_queues) {
      diag.error(path + ".queue", "queue " + to_string(core.queue) + " does not exist: port '" +
                                      port->name + "' has " + to_string(port->rx_queues) +
                                      " rx queue(s)");
      continue;
    }
    const auto [it, fresh] = polled.emplace(std::pair{core.port, core.queue}, i);
    if (!fresh) {
      diag.error(path, "queue " + to_string(core.queue) + " of port '" + core.port +
                           "' is already polled by " + idx("cores", it->second));
    }
    lcores_of_port[core.port].insert(core.lcore);
  }
  for (std::size_t i = 0; i < config.ports.size(); ++i) {
    const Port& port = config.ports[i];
    if (port.name.empty()) continue;
    for (unsigned queue = 0; queue < port.rx_queues; ++queue) {
      if (!polled.contains({port.name, queue})) {
        diag.error(idx("ports", i) + ".name", "queue " + to_string(queue) + " of port '" +
                                                  port.name + "' is not polled by any core");
      }
    }
  }
  return lcores_of_port;
}

// One lcore per feed (A/B merge state is per feed) and one writer per channel (SPMC ring).
void check_producers(const Config& config,
                     const std::map<std::string, std::set<unsigned>>& lcores_of_port,
                     Diagnostics& diag) {
  std::map<std::string, std::set<unsigned>> lcores_of_feed;
  for (std::size_t i = 0; i < config.feeds.size(); ++i) {
    const Feed& feed = config.feeds[i];
    std::set<unsigned>& lcores = lcores_of_feed[feed.name];
    for (const Line* line : {&feed.a, feed.b ? &*feed.b : nullptr}) {
      if (line == nullptr) continue;
      if (const auto it = lcores_of_port.find(line->port_name); it != lcores_of_port.end()) {
        lcores.insert(it->second.begin(), it->second.end());
      }
    }
    if (lcores.size() > 1) {
      diag.error(idx("feeds", i) + ".lines", "feed '" + feed.name + "' arrives on lcores " +
                                                 join_lcores(lcores) +
                                                 "; its A/B lines must be polled by one lcore");
    }
  }
  std::map<std::string, std::set<unsigned>> writers;
  for (const Route& route : config.routes) {
    const auto it = lcores_of_feed.find(route.feed);
    if (it == lcores_of_feed.end()) continue;
    for (const std::string& channel : route.channels) {
      writers[channel].insert(it->second.begin(), it->second.end());
    }
  }
  for (std::size_t i = 0; i < config.channels.size(); ++i) {
    const auto it = writers.find(config.channels[i].name);
    if (it != writers.end() && it->second.size() > 1) {
      diag.error(idx("channels", i) + ".name",
                 "channel '" + config.channels[i].name + "' would be written by lcores " +
                     join_lcores(it->second) +
                     "; a channel has one writer: route it only from feeds polled by one lcore");
    }
  }
}

// The directory part of a path ("." for a bare file name).
std::string directory_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Host paths the daemon opens at start and would refuse (it never creates a missing directory
// and never follows a symlink): checked here so --check reports them. The channel directory's
// owner is not checked (it depends on the user the daemon runs as, not the one running --check).
void check_host_paths(const Config& config, Diagnostics& diag) {
  struct stat st {};
  if (const std::string& file = config.logging.file; !file.empty()) {
    const std::string dir = directory_of(file);
    if (::stat(dir.c_str(), &st) != 0) {
      diag.error("logging.file", "directory " + dir + " does not exist (" + std::strerror(errno) +
                                     "); ichannel-feed does not create it");
    } else if (!S_ISDIR(st.st_mode)) {
      diag.error("logging.file", dir + " is " + ichannel::file_kind(st.st_mode) + ", not a directory");
    } else if (::lstat(file.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      diag.error("logging.file", file + " is " + ichannel::file_kind(st.st_mode) +
                                     ", not a regular file (symlinks are not followed)");
    }
  }
  // The GLIMPSE credentials: read by the daemon at start (never by the loader), refused there
  // unless a regular file (not a symlink) without group/other permissions.
  for (std::size_t i = 0; i < config.feeds.size(); ++i) {
    const auto& snapshot = config.feeds[i].snapshot;
    if (!snapshot || snapshot->credentials.empty()) continue;
    const std::string key = idx("feeds", i) + ".snapshot.credentials";
    const std::string& file = snapshot->credentials;
    if (::lstat(file.c_str(), &st) != 0) {
      diag.error(key, "credentials file " + file + ": " + std::strerror(errno) +
                          " (it must hold user:password for the GLIMPSE login)");
    } else if (!S_ISREG(st.st_mode)) {
      diag.error(key, "credentials file " + file + " is " + ichannel::file_kind(st.st_mode) +
                          ", not a regular file (symlinks are not followed)");
    } else if ((st.st_mode & 077) != 0) {
      diag.error(key, "credentials file " + file + " has mode " + ichannel::mode_text(st.st_mode) +
                          ": readable or writable by group or others (chmod 600)");
    }
  }
  if (const std::string& dir = config.channel_dir; !dir.empty()) {
    if (::lstat(dir.c_str(), &st) != 0) {
      // Created by the producer at start (mkdir, mode 0755 / 0750).
    } else if (!S_ISDIR(st.st_mode)) {
      diag.error("channel_dir", "channel directory " + dir + " is " + ichannel::file_kind(st.st_mode) +
                                    ", not a directory (symlinks are not followed)");
    } else if ((st.st_mode & 022) != 0) {
      diag.error("channel_dir", "channel directory " + dir + " is writable by group/others (mode " +
                                    ichannel::mode_text(st.st_mode) + ")");
    }
  }
}

}  // namespace

void validate_config(Config& config, Diagnostics& diag) {
  check_limits(config, diag);
  Names names;
  names.ports = index_names(config.ports, "ports", "port", diag);
  check_ports(config, diag);
  names.feeds = index_names(config.feeds, "feeds", "feed", diag);
  check_lines(config, names, diag);
  check_arbitration(config, diag);
  names.channels = index_names(config.channels, "channels", "channel", diag);
  check_routes(config, names, diag);
  check_books(config, diag);
  check_snapshots(config, diag);
  const auto lcores_of_port = check_cores(config, names, diag);
  check_producers(config, lcores_of_port, diag);
  check_host_paths(config, diag);
}

}  // namespace ichannel::config
