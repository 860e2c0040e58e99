// daemon/control/wiring.cpp: see wiring.hpp.
#include "daemon/control/wiring.hpp"

#include <algorithm>
#include <exception>

#include "config/limits.hpp"
#include "stats/layout.hpp"

namespace ichannel::daemon {

static_assert(config::kMaxFeeds <= 256, "Tick::feed (8 bits) carries the config feed index");

// The validator bounds what a loop must hold (config/limits.hpp).
static_assert(RxPipeline::Fanout::kMaxOutputs >= config::kMaxOutputsPerFeed);
static_assert(Router::kMaxEntries >= config::kMaxLinesPerLcore);

std::vector<std::array<int, 2>> line_stats_indices(const config::Config& c) {
  std::vector<std::array<int, 2>> out;
  int next = 0;
  for (const config::Feed& f : c.feeds) {
    std::array<int, 2> idx{next++, -1};
    if (f.b) idx[1] = next++;
    out.push_back(idx);
  }
  return out;
}

feed::mold::SequencerConfig sequencer_config(const config::Feed& f) {
  const config::Arbitration& a = f.arbitration;
  feed::mold::SequencerConfig s;
  s.reorder_packets = a.reorder_packets;
  s.reorder_ns = a.reorder_us * 1000;
  s.store_packets = a.store_packets;
  s.slot_bytes = a.slot_bytes;
  s.max_jump = a.max_jump;
  s.suspect_ns = a.suspect_ms * 1'000'000;
  s.session_confirm_packets = a.session_confirm_packets;
  s.session_silence_ns = a.session_silence_ms * 1'000'000;
  if (f.recovery) {
    s.recovery = true;
    s.request_timeout_ns = f.recovery->timeout_ms * 1'000'000;
    s.request_attempts = f.recovery->attempts;
    s.request_max_messages = static_cast<std::uint16_t>(f.recovery->max_messages);
  }
  // With snapshots, a session joined midway is repaired by a snapshot, not by re-requesting its
  // whole prefix.
  s.request_join_prefix = !f.snapshot.has_value();
  return s;
}

book::BookLimits book_limits(const config::Books& b) {
  book::BookLimits l;
  l.max_orders = static_cast<std::uint32_t>(b.max_orders);
  l.depth = b.depth;
  return l;
}

std::string configure_pipeline(RxPipeline& pipeline, const config::Config& config, const Plan& plan,
                               std::size_t loop, const PipelineOutputs& outputs,
                               std::span<const std::array<int, 2>> line_stats,
                               RecoveryLink* recovery) {
  const LoopPlan& lp = plan.loops[loop];
  for (const std::size_t f : lp.feeds) {
    const config::Feed& cf = config.feeds[f];
    const auto slot = static_cast<std::uint16_t>(pipeline.feed_count());
    RxPipeline::Feed* added = nullptr;
    try {
      added = &pipeline.add_feed(
          f < line_stats.size() ? line_stats[f] : std::array<int, 2>{-1, -1},
          f < stats::kMaxFeeds ? static_cast<int>(f) : -1, sequencer_config(cf),
          cf.recovery ? recovery : nullptr, static_cast<std::uint8_t>(f));
    } catch (const std::exception& e) {
      return "feeds[" + std::to_string(f) + "].arbitration: " + e.what();
    }
    RxPipeline::Feed& feed = *added;
    auto& sink = feed.handler->sink();
    if (cf.books) {
      BookTableWriter* table = f < outputs.tables.size() ? outputs.tables[f] : nullptr;
      if (table == nullptr) return "feeds[" + std::to_string(f) + "].books: no book table";
      try {
        sink.enable_books(std::make_unique<RxPipeline::Sink::Books>(
            book_limits(*cf.books), *table, static_cast<std::uint8_t>(f)));
      } catch (const std::exception& e) {  // std::bad_alloc: the books do not fit in memory
        return "feeds[" + std::to_string(f) + "].books: " + e.what();
      }
      if (cf.snapshot) {
        try {
          sink.books()->attach_snapshot(std::make_unique<SnapshotPort>(cf.snapshot->buffer_ticks));
        } catch (const std::exception& e) {
          return "feeds[" + std::to_string(f) + "].snapshot.buffer_ticks: " + e.what();
        }
      }
    }
    for (const FeedOutput& out : plan.feeds[f].outputs) {
      const bool top = config.channels[out.channel].payload == config::Payload::kTopOfBook;
      const auto find = [&](auto senders) {
        return out.channel < senders.size() ? senders[out.channel] : nullptr;
      };
      TickSender* tick_sender = top ? nullptr : find(outputs.ticks);
      TopSender* top_sender = top ? find(outputs.tops) : nullptr;
      if (tick_sender == nullptr && top_sender == nullptr) {
        return "channels[" + std::to_string(out.channel) + "]: no sender on lcore " +
               std::to_string(lp.lcore);
      }
      if (top && sink.books() == nullptr) {
        return "channels[" + std::to_string(out.channel) + "]: top_of_book from feed " + cf.name +
               " without books";
      }
      try {
        const bool added_output =
            top ? sink.books()->tops().add_output(*top_sender, out.channel,
                                                   feed.handler->symbols(), out.symbols)
                : sink.ticks().add_output(*tick_sender, out.channel, feed.handler->symbols(),
                                          out.symbols);
        if (!added_output) return "feeds[" + std::to_string(f) + "]: too many channels";
        if (!top && out.snapshot_orders) sink.set_snapshot_orders(sink.ticks().size() - 1);
      } catch (const std::exception& e) {
        return "routes (feed " + cf.name + "): " + e.what();
      }
    }
    for (std::uint8_t l = 0; l < 2; ++l) {
      if (l == 1 && !cf.b) continue;
      const config::Line& line = l == 0 ? cf.a : *cf.b;
      RouteKey key;
      key.port_index = static_cast<std::uint16_t>(line.port_index);
      key.udp_port = line.port;
      key.group = line.group;
      key.vlan = line.vlan ? std::int32_t{*line.vlan} : kAnyVlan;
      key.source = line.source.value_or(kAnySource);
      if (!pipeline.add_line(key, slot, l)) {
        return "feeds[" + std::to_string(f) + "].lines." + (l == 0 ? "A" : "B") +
               ": duplicate or too many lines on lcore " + std::to_string(lp.lcore);
      }
    }
  }
  return {};
}

std::string build_loops(const config::Config& config, const Plan& plan,
                        std::span<const std::uint16_t> port_ids, const Segments& segments,
                        const TscClock& clock, const std::atomic<bool>* stop,
                        std::vector<std::unique_ptr<RxLoop>>& loops) {
  std::vector<TickSender*> ticks(segments.ticks.size(), nullptr);
  std::vector<TopSender*> tops(segments.tops.size(), nullptr);
  std::vector<BookTableWriter*> tables(segments.tables.size(), nullptr);
  const auto line_stats = line_stats_indices(config);
  for (std::size_t li = 0; li < plan.loops.size(); ++li) {
    const LoopPlan& lp = plan.loops[li];
    auto loop = std::make_unique<RxLoop>();
    loop->lcore = lp.lcore;
    loop->stop = stop;
    loop->clock = clock;
    for (const QueuePlan& q : lp.queues) {
      RxQueue rq;
      rq.port_id = port_ids[q.port];
      rq.queue = static_cast<std::uint16_t>(q.queue);
      rq.port_index = static_cast<std::uint16_t>(q.port);
      rq.core_stats = q.core;
      loop->queues.push_back(rq);
    }
    const bool recovers = std::any_of(lp.feeds.begin(), lp.feeds.end(), [&](std::size_t f) {
      return config.feeds[f].recovery.has_value();
    });
    if (recovers) loop->recovery = std::make_unique<RecoveryLink>();
    std::fill(ticks.begin(), ticks.end(), nullptr);
    std::fill(tops.begin(), tops.end(), nullptr);
    std::fill(tables.begin(), tables.end(), nullptr);
    for (const std::size_t ch : lp.channels) {
      RxChannel rc{ch, segments.ticks[ch].get(), segments.tops[ch].get()};
      if (rc.channel != nullptr) ticks[ch] = &rc.channel->sender();
      if (rc.tops != nullptr) tops[ch] = &rc.tops->sender();
      loop->channels.push_back(rc);
    }
    for (const std::size_t f : lp.feeds) {
      if (f < segments.tables.size() && segments.tables[f] != nullptr) {
        tables[f] = segments.tables[f].get();
        loop->tables.push_back(tables[f]);
      }
    }
    if (std::string e = configure_pipeline(loop->pipeline, config, plan, li,
                                           PipelineOutputs(ticks, tops, tables), line_stats,
                                           loop->recovery.get());
        !e.empty()) {
      return e;
    }
    loops.push_back(std::move(loop));
  }
  return {};
}

std::vector<RerequestTarget> rerequest_targets(const config::Config& config, const Plan& plan,
                                               std::span<const std::unique_ptr<RxLoop>> loops) {
  std::vector<RerequestTarget> out;
  for (std::size_t li = 0; li < plan.loops.size() && li < loops.size(); ++li) {
    const LoopPlan& lp = plan.loops[li];
    for (std::size_t slot = 0; slot < lp.feeds.size(); ++slot) {
      const config::Feed& f = config.feeds[lp.feeds[slot]];
      if (!f.recovery) continue;
      out.push_back({f.name, loops[li]->recovery.get(), static_cast<std::uint16_t>(slot),
                     f.recovery->server, f.recovery->server_port, f.recovery->local,
                     f.recovery->local_port, static_cast<std::uint32_t>(lp.feeds[slot])});
    }
  }
  return out;
}

}  // namespace ichannel::daemon
