// app/daemon/plan.cpp: see plan.hpp.
#include "plan.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <tuple>

#include "ipv4.hpp"
#include "stats/layout.hpp"

namespace ichannel::daemon {
namespace {

std::optional<std::size_t> port_index(const config::Config& c, const std::string& name) {
  for (std::size_t i = 0; i < c.ports.size(); ++i) {
    if (c.ports[i].name == name) return i;
  }
  return std::nullopt;
}

std::optional<std::size_t> index_of_channel(const config::Config& c, const std::string& name) {
  for (std::size_t i = 0; i < c.channels.size(); ++i) {
    if (c.channels[i].name == name) return i;
  }
  return std::nullopt;
}

std::optional<std::size_t> index_of_feed(const config::Config& c, const std::string& name) {
  for (std::size_t i = 0; i < c.feeds.size(); ++i) {
    if (c.feeds[i].name == name) return i;
  }
  return std::nullopt;
}

std::string join_lcores(const std::set<unsigned>& lcores) {
  std::string out;
  std::size_t n = 0;
  for (unsigned l : lcores) {
    if (n > 0) out += (n + 1 == lcores.size()) ? " and " : ", ";
    out += std::to_string(l);
    ++n;
  }
  return out;
}

void check_limits(const config::Config& c, Plan& plan) {
  auto limit = [&](const char* key, std::size_t n, std::size_t max) {
    if (n > max) {
      plan.errors.push_back({key, std::to_string(n) + " entries, at most " + std::to_string(max) +
                                      " are supported (statistics segment limit)"});
    }
  };
  limit("ports", c.ports.size(), stats::kMaxPorts);
  limit("feeds", c.feeds.size(), stats::kMaxFeeds);
  limit("channels", c.channels.size(), stats::kMaxChannels);
  limit("cores", c.cores.size(), stats::kMaxCores);
}

}  // namespace

Plan make_plan(const config::Config& c) {
  Plan plan;
  check_limits(c, plan);
  plan.feeds.resize(c.feeds.size());
  plan.channel_loop.assign(c.channels.size(), -1);

  // RX loops: one per distinct lcore, in order of first appearance.
  std::vector<std::set<std::size_t>> loops_of_port(c.ports.size());
  for (std::size_t i = 0; i < c.cores.size(); ++i) {
    const config::Core& core = c.cores[i];
    const auto port = port_index(c, core.port);
    if (!port) {
      plan.errors.push_back({"cores[" + std::to_string(i) + "].port", "unknown port " + core.port});
      continue;
    }
    auto it = std::find_if(plan.loops.begin(), plan.loops.end(),
                           [&](const LoopPlan& l) { return l.lcore == core.lcore; });
    if (it == plan.loops.end()) {
      plan.loops.push_back(LoopPlan{core.lcore, {}, {}, {}});
      it = plan.loops.end() - 1;
    }
    if (it->queues.size() == kMaxQueuesPerLoop) {
      plan.errors.push_back({"cores[" + std::to_string(i) + "]",
                             "lcore " + std::to_string(core.lcore) + " polls more than " +
                                 std::to_string(kMaxQueuesPerLoop) + " port queues"});
      continue;
    }
    it->queues.push_back(QueuePlan{i, *port, core.queue});
    loops_of_port[*port].insert(static_cast<std::size_t>(it - plan.loops.begin()));
  }

  // Feeds: exactly one loop must poll every port its lines arrive on.
  using LineKey = std::tuple<std::size_t, config::Ipv4, std::uint16_t, int, config::Ipv4>;
  std::vector<std::pair<LineKey, std::string>> seen_lines;
  for (std::size_t f = 0; f < c.feeds.size(); ++f) {
    const config::Feed& feed = c.feeds[f];
    const std::string fkey = "feeds[" + std::to_string(f) + "]";
    std::set<std::size_t> loops;
    bool line_error = false;
    for (int l = 0; l < 2; ++l) {
      if (l == 1 && !feed.b) continue;
      const config::Line& line = l == 0 ? feed.a : *feed.b;
      const std::string lkey = fkey + ".lines." + (l == 0 ? "A" : "B");
      const auto port = port_index(c, line.port_name);
      if (!port) {
        plan.errors.push_back({lkey + ".rx_port", "unknown port " + line.port_name});
        line_error = true;
        continue;
      }
      if (loops_of_port[*port].empty()) {
        plan.errors.push_back(
            {lkey + ".rx_port", "port " + line.port_name + " is not polled by any entry of cores"});
        line_error = true;
      }
      loops.insert(loops_of_port[*port].begin(), loops_of_port[*port].end());
      const LineKey key{*port, line.group, line.port, line.vlan ? int{*line.vlan} : -1,
                        line.source.value_or(0)};
      const std::string where = lkey;
      for (const auto& [k, other] : seen_lines) {
        if (k == key) {
          plan.errors.push_back({where, "same port, group " + config::format_ipv4(line.group) +
                                            ", UDP port " + std::to_string(line.port) +
                                            ", VLAN and source as " + other +
                                            ": packets could not be told apart"});
        }
      }
      seen_lines.emplace_back(key, where);
    }
    if (line_error) continue;
    if (loops.size() > 1) {
      std::set<unsigned> lcores;
      for (std::size_t i : loops) lcores.insert(plan.loops[i].lcore);
      plan.errors.push_back({fkey, "feed " + feed.name +
                                       " arrives on port queues polled by lcores " +
                                       join_lcores(lcores) +
                                       "; all lines of a feed must be polled by one lcore (the "
                                       "A/B merge state is not shared between cores)"});
      continue;
    }
    plan.feeds[f].loop = *loops.begin();
    plan.loops[*loops.begin()].feeds.push_back(f);
  }

  // Routes: outputs per feed; a channel gets exactly one producing loop.
  std::vector<std::set<std::size_t>> feeds_into(c.channels.size());
  for (std::size_t r = 0; r < c.routes.size(); ++r) {
    const config::Route& route = c.routes[r];
    const std::string rkey = "routes[" + std::to_string(r) + "]";
    const auto f = index_of_feed(c, route.feed);
    if (!f) {
      plan.errors.push_back({rkey + ".feed", "unknown feed " + route.feed});
      continue;
    }
    for (std::size_t k = 0; k < route.channels.size(); ++k) {
      const std::string ckey = rkey + ".channels[" + std::to_string(k) + "]";
      const auto ch = index_of_channel(c, route.channels[k]);
      if (!ch) {
        plan.errors.push_back({ckey, "unknown channel " + route.channels[k]});
        continue;
      }
      if (!feeds_into[*ch].insert(*f).second) {
        plan.errors.push_back({ckey, "channel " + route.channels[k] + " already receives feed " +
                                         route.feed +
                                         " from another route (ticks would be "
                                         "published twice)"});
        continue;
      }
      if (plan.feeds[*f].outputs.size() == kMaxOutputsPerFeed) {
        plan.errors.push_back({ckey, "feed " + route.feed + " is routed into more than " +
                                         std::to_string(kMaxOutputsPerFeed) + " channels"});
        continue;
      }
      plan.feeds[*f].outputs.push_back(FeedOutput{*ch, route.symbols});
    }
  }
  if (!plan.errors.empty()) return plan;
  for (std::size_t ch = 0; ch < c.channels.size(); ++ch) {
    std::set<unsigned> lcores;
    for (std::size_t f : feeds_into[ch]) lcores.insert(plan.loops[plan.feeds[f].loop].lcore);
    if (lcores.size() > 1) {
      plan.errors.push_back({"channels[" + std::to_string(ch) + "]",
                             "channel " + c.channels[ch].name + " is fed from lcores " +
                                 join_lcores(lcores) +
                                 "; a channel has one producer: poll its feeds on one lcore"});
      continue;
    }
    if (!feeds_into[ch].empty()) {
      const std::size_t loop = plan.feeds[*feeds_into[ch].begin()].loop;
      plan.channel_loop[ch] = static_cast<int>(loop);
      plan.loops[loop].channels.push_back(ch);
    }
  }
  return plan;
}

std::string message(const config::Config& config, const PlanError& error) {
  std::string out = config.source.empty() ? std::string("<config>") : config.source;
  if (!error.key.empty()) out += ": " + error.key;
  return out + ": " + error.reason;
}

}  // namespace ichannel::daemon
