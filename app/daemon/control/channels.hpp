// daemon/control/channels.hpp: creation of the configured channels and book tables (cold path,
// main lcore).
//
// Contract
// - create_segments(config, plan, out, files) creates, in config order, one ProducerChannel per
//   Config::channels entry - ProducerChannel<Tick> for `payload: ticks` (out.ticks[i]),
//   ProducerChannel<TopOfBook> for `payload: top_of_book` (out.tops[i]); the other vector holds
//   nullptr at i - with the entry's directory, hugepages, mode, group and NUMA node, then one
//   BookTableWriter per feed with `books` (out.tables[f], nullptr for feeds without). numa_node
//   -1 on a multi-socket host means the node of the lcore that writes the segment
//   (plan.channel_loop / the feed's loop). Each segment is logged with its path, size and epoch.
// - Records each published file in `files` (channel_files.hpp: the replaced/removed watch and
//   the failed-start cleanup): the channels first, in config order (file index = channel
//   index), then the book tables.
// - Returns "" or "channel NAME: reason" / "book table NAME: reason" for the first one that
//   fails (the ones created so far stay in `out` and `files`: the supervisor removes their files
//   when the start fails; after a start that succeeded they stay on disk after exit).
// - Calls rte_socket_count / rte_lcore_to_socket_id: after rte_eal_init.
#pragma once

#include <ichannel/book_table.hpp>
#include <ichannel/channel.hpp>
#include <ichannel/tick.hpp>
#include <ichannel/top_of_book.hpp>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "daemon/control/channel_files.hpp"
#include "daemon/control/plan.hpp"

namespace ichannel::daemon {

using TickChannel = ProducerChannel<Tick>;
using TopChannel = ProducerChannel<TopOfBook>;

// Everything the daemon publishes in shared memory besides the statistics segment.
struct Segments {
  std::vector<std::unique_ptr<TickChannel>> ticks;       // [channels index]; null: top_of_book
  std::vector<std::unique_ptr<TopChannel>> tops;         // [channels index]; null: ticks
  std::vector<std::unique_ptr<BookTableWriter>> tables;  // [feeds index]; null: no books

  // Channel i, whichever its payload (the two vectors have the same size).
  [[nodiscard]] bool hugetlbfs(std::size_t i) const {
    return ticks[i] ? ticks[i]->hugetlbfs() : tops[i]->hugetlbfs();
  }
  [[nodiscard]] std::uint64_t epoch(std::size_t i) const {
    return ticks[i] ? ticks[i]->epoch() : tops[i]->epoch();
  }
  void clear() {
    ticks.clear();
    tops.clear();
    tables.clear();
  }
};

[[nodiscard]] std::string create_segments(const config::Config& config, const Plan& plan,
                                          Segments& out, ChannelFiles& files);

}  // namespace ichannel::daemon
