// tests/daemon/test_config.hpp: a small valid Config built in code for the daemon unit tests.
//
// Contract: minimal_config() returns one port p0 (net_pcap vdev), one feed "itch" with lines
// A 233.54.12.1:26400 and B 233.54.12.2:26400 on p0, one channel "all" routed from the feed,
// one core (lcore 1 polls p0 queue 0), main lcore 0, --no-huge. Tests mutate it, then pass it
// through validated() (the config validator: checks it and resolves the *_index members).
#pragma once

#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config/load.hpp"

namespace ichannel::test {

inline config::Config minimal_config() {
  config::Config c;
  c.source = "test.yaml";
  c.eal.lcores = {0, 1};
  c.eal.main_lcore = 0;
  c.eal.hugepages = false;
  c.eal.memory_mb = 256;
  c.eal.file_prefix = "ichtest";
  config::Port p;
  p.name = "p0";
  p.device = "net_pcap0,rx_pcap=/tmp/x.pcap";
  c.ports.push_back(p);
  config::Feed f;
  f.name = "itch";
  f.a.group = 0xE9360C01;  // 233.54.12.1
  f.a.port = 26400;
  f.a.port_name = "p0";
  config::Line b = f.a;
  b.group = 0xE9360C02;
  f.b = b;
  c.feeds.push_back(f);
  config::Channel ch;
  ch.name = "all";
  ch.capacity = 1024;
  ch.hugepages = false;
  c.channels.push_back(ch);
  config::Route r;
  r.feed = "itch";
  r.channels = {"all"};
  c.routes.push_back(r);
  config::Core core;
  core.lcore = 1;
  core.port = "p0";
  c.cores.push_back(core);
  return c;
}

inline config::Route route(std::string feed, std::vector<std::string> channels,
                           std::vector<std::string> symbols = {}) {
  config::Route r;
  r.feed = std::move(feed);
  r.channels = std::move(channels);
  r.symbols = std::move(symbols);
  return r;
}

inline config::Core core(unsigned lcore, std::string port, unsigned queue) {
  config::Core c;
  c.lcore = lcore;
  c.port = std::move(port);
  c.queue = queue;
  return c;
}

// The config as the loader would return it; a test failure (and the input) if it is invalid.
inline config::Config validated(const config::Config& c) {
  config::LoadResult result = config::validate(c);
  for (const config::LoadError& e : result.errors) ADD_FAILURE() << e.message();
  return result.ok() ? *result.config : c;
}

}  // namespace ichannel::test
