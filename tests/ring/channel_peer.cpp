// channel_peer.cpp: helper program exec'd by channel_test (process suite).
//
//   channel_peer produce DIR NAME COUNT CAPACITY DELAY_MS
//     creates the channel, sleeps DELAY_MS (receivers attach), sends COUNT checksummed messages,
//     heartbeats every 1024, exits 0.
//   channel_peer receive DIR NAME COUNT WAIT_MS
//     attaches (waiting up to WAIT_MS, starting at the oldest message), receives until seq COUNT,
//     checks checksums and strictly increasing seqs, prints "received R lost L skipped S",
//     exits 0 iff nothing was torn and R + L + S == COUNT - (starting seq) + 1. Exit 2: attach error; 3: timeout; 4: bad data.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include <ichannel/ichannel.hpp>
#include "tests/ring/peer_payload.hpp"

using ichannel::test::Checked;

namespace {

int produce(const std::string& dir, const std::string& name, std::uint64_t count,
            std::uint64_t capacity, int delay_ms) {
  ichannel::ChannelOptions opts;
  opts.dir = dir;
  auto ch = ichannel::ProducerChannel<Checked>::create(name, capacity, opts);
  if (!ch) {
    std::fprintf(stderr, "produce: %s\n", ch.error().message.c_str());
    return 2;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  for (std::uint64_t n = 1; n <= count; ++n) {
    ch->sender().send(ichannel::test::make_checked(n));
    if ((n & 1023) == 0) {
      ch->heartbeat();
      std::this_thread::yield();  // small rings on 2 cores: give receivers a chance
    }
  }
  ch->heartbeat();
  return 0;
}

int receive(const std::string& dir, const std::string& name, std::uint64_t count, int wait_ms) {
  ichannel::AttachOptions opts;
  opts.dir = dir;
  opts.wait = std::chrono::milliseconds(wait_ms);
  opts.start_at_oldest = true;
  auto ch = ichannel::ReceiverChannel<Checked>::attach(name, opts);
  if (!ch) {
    std::fprintf(stderr, "receive: %s\n", ch.error().message.c_str());
    return 2;
  }
  auto& rx = ch->receiver();
  const std::uint64_t start = rx.next_seq();
  std::uint64_t received = 0, last = 0, bad = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::uint32_t idle = 0;
  while (rx.next_seq() <= count) {
    if (auto r = rx.try_recv()) {
      if (!ichannel::test::intact(r->value) || r->value.seq != r->seq || r->seq <= last) ++bad;
      last = r->seq;
      ++received;
      idle = 0;
      continue;
    }
    if (++idle > 256) {
      std::this_thread::yield();
      if (std::chrono::steady_clock::now() > deadline) {
        std::fprintf(stderr, "receive: timeout at seq %llu\n",
                     static_cast<unsigned long long>(rx.next_seq()));
        return 3;
      }
    }
  }
  std::printf("received %llu lost %llu skipped %llu\n", static_cast<unsigned long long>(received),
              static_cast<unsigned long long>(rx.lost()),
              static_cast<unsigned long long>(rx.skipped()));
  return bad == 0 && received + rx.lost() + rx.skipped() == count - start + 1 ? 0 : 4;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "produce" && argc == 7) {
    return produce(argv[2], argv[3], std::strtoull(argv[4], nullptr, 10),
                   std::strtoull(argv[5], nullptr, 10), std::atoi(argv[6]));
  }
  if (mode == "receive" && argc == 6) {
    return receive(argv[2], argv[3], std::strtoull(argv[4], nullptr, 10), std::atoi(argv[5]));
  }
  std::fprintf(stderr,
               "usage: channel_peer produce DIR NAME COUNT CAPACITY DELAY_MS\n"
               "       channel_peer receive DIR NAME COUNT WAIT_MS\n");
  return 64;
}
