// daemon/control/channels.cpp: see channels.hpp.
#include "daemon/control/channels.hpp"

#include <rte_lcore.h>
#include <spdlog/spdlog.h>

namespace ichannel::daemon {

namespace {

// -1 on a multi-socket host: the node of the lcore that writes the segment.
int numa_node_of(int configured, unsigned writer_lcore) {
  if (configured >= 0 || rte_socket_count() <= 1) return configured;
  return static_cast<int>(rte_lcore_to_socket_id(writer_lcore));
}

template <class T>
std::string create_channel(const config::Config& config, const config::Channel& c,
                           unsigned lcore, std::unique_ptr<ProducerChannel<T>>& out,
                           ChannelFiles& files) {
  ChannelOptions opts;
  opts.dir = config.channel_dir;
  opts.hugepages = c.hugepages;
  opts.mode = c.mode;
  opts.group = c.group;
  opts.numa_node = numa_node_of(c.numa_node, lcore);
  auto created = ProducerChannel<T>::create(c.name, c.capacity, opts);
  if (!created) return "channel " + c.name + ": " + created.error().message;
  out = std::make_unique<ProducerChannel<T>>(std::move(*created));
  if (std::string e = files.add(c.name, out->path()); !e.empty()) return e;
  spdlog::info("channel {}: {} ({}, capacity {}, epoch {}, {}{})", c.name, out->path(),
               PayloadTypeName<T>::value, c.capacity, out->epoch(),
               out->hugetlbfs() ? "hugetlbfs" : "shm",
               out->locked() ? ", locked" : ", NOT locked (mlock failed)");
  return {};
}

}  // namespace

std::string create_segments(const config::Config& config, const Plan& plan, Segments& out,
                            ChannelFiles& files) {
  out.ticks.resize(config.channels.size());
  out.tops.resize(config.channels.size());
  out.tables.resize(config.feeds.size());
  for (std::size_t i = 0; i < config.channels.size(); ++i) {
    const config::Channel& c = config.channels[i];
    const unsigned lcore = plan.loops[plan.channel_loop[i]].lcore;
    std::string e = c.payload == config::Payload::kTopOfBook
                        ? create_channel(config, c, lcore, out.tops[i], files)
                        : create_channel(config, c, lcore, out.ticks[i], files);
    if (!e.empty()) return e;
  }
  for (std::size_t f = 0; f < config.feeds.size(); ++f) {
    const config::Feed& feed = config.feeds[f];
    if (!feed.books) continue;
    const config::Books& b = *feed.books;
    BookTableOptions opts;
    opts.dir = config.channel_dir;
    opts.hugepages = b.hugepages;
    opts.mode = b.mode;
    opts.group = b.group;
    opts.numa_node = numa_node_of(b.numa_node, plan.loops[plan.feeds[f].loop].lcore);
    opts.depth = b.depth;
    opts.feed_name = feed.name;
    opts.feed_index = static_cast<std::uint32_t>(f);
    auto created = BookTableWriter::create(b.table, opts);
    if (!created) return "book table " + b.table + ": " + created.error().message;
    out.tables[f] = std::make_unique<BookTableWriter>(std::move(*created));
    if (std::string e = files.add(b.table, out.tables[f]->path()); !e.empty()) return e;
    spdlog::info("book table {}: {} (feed {}, depth {}, {} instruments, {} MiB, epoch {}, {}{})",
                 b.table, out.tables[f]->path(), feed.name, b.depth,
                 out.tables[f]->instruments(), out.tables[f]->bytes() >> 20,
                 out.tables[f]->epoch(), out.tables[f]->hugetlbfs() ? "hugetlbfs" : "shm",
                 out.tables[f]->locked() ? ", locked" : ", NOT locked (mlock failed)");
  }
  return {};
}

}  // namespace ichannel::daemon
