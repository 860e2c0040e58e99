// ichannel-udp-bench: the kernel-socket baseline for the app benchmark (tests/bench/app/run.sh).
//
// Usage
//   ichannel-udp-bench --pcap FILE --port P [--seconds S] [--rx-cpu N] [--tx-cpu M] [--batch B]
// Loads the UDP payloads of the capture's packets to destination port P (the A line), then a
// sender thread blasts them in a loop over loopback (sendmmsg to 127.0.0.1:P, unicast) while the
// measuring thread receives them with recvmmsg on an ordinary UDP socket and runs each datagram
// through the same ItchFeed (MoldUDP64 + ITCH decode + normalize) the daemon uses, publishing
// every tick into an ichannel ring (Sender<Tick> over a private 65536-slot ring) - the daemon's
// work minus DPDK. Receive timestamp: CLOCK_REALTIME once per recvmmsg batch, like the daemon's
// per-burst TSC stamp. Prints one JSON line: packets sent/received, messages, ticks, rates.
// The capture should hold several MoldUDP64 sessions back to back (run.sh builds three), so a
// looped replay keeps being decoded instead of becoming duplicates.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include <ichannel/ichannel.hpp>
#include <ichannel/tick.hpp>

#include "feed/itch_feed.hpp"
#include "feed/packet.hpp"

namespace {

using Clock = std::chrono::steady_clock;

void pin(int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

std::uint64_t realtime_ns() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

struct RingSink {
  ichannel::Sender<ichannel::Tick>* sender;
  std::uint64_t* ticks;
  void operator()(const ichannel::Tick& t) noexcept {
    (void)sender->send(t);
    ++*ticks;
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string pcap_file;
  std::uint16_t port = 0;
  double seconds = 5;
  int rx_cpu = -1, tx_cpu = -1;
  unsigned batch = 32;
  CLI::App app{"kernel UDP (recvmmsg) receive + ITCH decode baseline"};
  app.add_option("--pcap", pcap_file)->required()->check(CLI::ExistingFile);
  app.add_option("--port", port, "destination UDP port of the packets to replay")->required();
  app.add_option("--seconds", seconds)->check(CLI::PositiveNumber);
  app.add_option("--rx-cpu", rx_cpu);
  app.add_option("--tx-cpu", tx_cpu);
  app.add_option("--batch", batch)->check(CLI::Range(1u, 1024u));
  CLI11_PARSE(app, argc, argv);

  // Load the A-line payloads.
  std::vector<std::vector<std::uint8_t>> payloads;
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(pcap_file.c_str(), err);
  if (p == nullptr) {
    std::fprintf(stderr, "ichannel-udp-bench: %s\n", err);
    return 1;
  }
  pcap_pkthdr* h;
  const u_char* data;
  while (pcap_next_ex(p, &h, &data) == 1) {
    ichannel::feed::UdpDatagram d;
    if (ichannel::feed::peel({data, h->caplen}, d) != ichannel::feed::PeelResult::kOk) continue;
    if (d.dst_port != port) continue;
    payloads.emplace_back(d.payload.begin(), d.payload.end());
  }
  pcap_close(p);
  if (payloads.empty()) {
    std::fprintf(stderr, "ichannel-udp-bench: no packets to port %u in %s\n", port,
                 pcap_file.c_str());
    return 1;
  }

  const int rx = ::socket(AF_INET, SOCK_DGRAM, 0);
  const int tx = ::socket(AF_INET, SOCK_DGRAM, 0);
  const int rcvbuf = 64 << 20;
  if (::setsockopt(rx, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0) {
    ::setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(rx, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    std::perror("ichannel-udp-bench: bind");
    return 1;
  }
  timeval tv{0, 100'000};
  ::setsockopt(rx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

  std::atomic<bool> stop{false};       // main -> sender thread; relaxed: only a stop request
  std::atomic<std::uint64_t> sent{0};  // sender -> main after join (join orders it)
  std::thread sender_thread([&] {
    pin(tx_cpu);
    std::vector<mmsghdr> msgs(batch);
    std::vector<iovec> iov(batch);
    std::size_t next = 0;
    std::uint64_t n = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      for (unsigned i = 0; i < batch; ++i) {
        auto& pl = payloads[next];
        next = next + 1 == payloads.size() ? 0 : next + 1;
        iov[i] = {pl.data(), pl.size()};
        msgs[i] = {};
        msgs[i].msg_hdr.msg_name = &sa;
        msgs[i].msg_hdr.msg_namelen = sizeof sa;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
      }
      const int k = ::sendmmsg(tx, msgs.data(), batch, 0);
      if (k > 0) n += static_cast<unsigned>(k);
    }
    sent.store(n, std::memory_order_relaxed);
  });

  pin(rx_cpu);
  std::vector<ichannel::Message<ichannel::Tick>> ring(65536);
  auto ring_sender = ichannel::Sender<ichannel::Tick>::with_init(ring);
  std::uint64_t ticks = 0;
  auto handler =
      std::make_unique<ichannel::feed::ItchFeed<RingSink>>(RingSink{&ring_sender, &ticks});
  std::vector<std::vector<std::uint8_t>> bufs(batch, std::vector<std::uint8_t>(2048));
  std::vector<mmsghdr> msgs(batch);
  std::vector<iovec> iov(batch);
  for (unsigned i = 0; i < batch; ++i) {
    iov[i] = {bufs[i].data(), bufs[i].size()};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  std::uint64_t packets = 0, calls = 0;
  // Warm up 0.5 s, then measure.
  const auto warm_end = Clock::now() + std::chrono::milliseconds(500);
  auto t0 = Clock::now();
  std::uint64_t packets0 = 0, ticks0 = 0, msgs0 = 0;
  bool measuring = false;
  const auto end = warm_end + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(seconds));
  for (;;) {
    const auto now = Clock::now();
    if (!measuring && now >= warm_end) {
      measuring = true;
      t0 = now;
      packets0 = packets;
      ticks0 = ticks;
      msgs0 = handler->counters().line[0].messages;
    }
    if (now >= end) break;
    const int k = ::recvmmsg(rx, msgs.data(), batch, 0, nullptr);
    if (k <= 0) continue;
    ++calls;
    const std::uint64_t recv_ns = realtime_ns();
    for (int i = 0; i < k; ++i) {
      handler->on_datagram(0, {bufs[i].data(), msgs[i].msg_len}, recv_ns);
    }
    packets += static_cast<unsigned>(k);
  }
  const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
  stop.store(true, std::memory_order_relaxed);
  sender_thread.join();
  const auto& c = handler->counters();
  const std::uint64_t mp = packets - packets0, mt = ticks - ticks0, mm = c.line[0].messages - msgs0;
  std::printf(
      "{\"receiver\":\"kernel-udp-recvmmsg\",\"seconds\":%.3f,\"packets_sent\":%llu,"
      "\"packets\":%llu,\"messages\":%llu,\"ticks\":%llu,\"packets_per_s\":%.0f,"
      "\"messages_per_s\":%.0f,\"ticks_per_s\":%.0f,\"avg_batch\":%.1f,\"gaps\":%llu}\n",
      dt, static_cast<unsigned long long>(sent.load(std::memory_order_relaxed)),
      static_cast<unsigned long long>(mp), static_cast<unsigned long long>(mm),
      static_cast<unsigned long long>(mt), static_cast<double>(mp) / dt,
      static_cast<double>(mm) / dt, static_cast<double>(mt) / dt,
      calls ? static_cast<double>(packets) / static_cast<double>(calls) : 0.0,
      static_cast<unsigned long long>(c.gaps));
  ::close(rx);
  ::close(tx);
  return 0;
}
