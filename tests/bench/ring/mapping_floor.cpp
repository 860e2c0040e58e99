// ichannel-mapping-floor: what the receiver's read-only mapping costs a hand-off, and whether
// anything but the page-table entry's write permission changes it. One memfd (or a file on
// hugetlbfs with --file-dir) holds two rings (one per direction); the senders write through the
// file's PROT_READ|PROT_WRITE mapping, the receivers read through the view under test. Ping-pong
// between two pinned threads (the ring bench's harness), one-way = round trip / 2, p50 over
// --lat-msgs round trips; every view once per round, rotated order, --rounds rounds. Four
// protocols per view: ichannel's Sender/Receiver<Tick>, and the ring-shaped limit's bare
// protocol (limits.hpp: seven payload words then the sequence word; no ichannel code) with a
// plain writer and with writers that pre-own the line one or two slots ahead. Finding: a
// read-only view cost the one-ahead writer (ichannel's dirty mark until it moved two ahead) its
// whole gain; the two-ahead one keeps it (docs/benchmarks.md section 1, "Issue 10", 10).
//
// Views: heap (no file); the sender's own mapping; a second MAP_SHARED RW mapping; MAP_SHARED
// PROT_READ (what receivers use); the same with MAP_POPULATE; PROT_READ + MADV_WILLNEED + every
// page read before the round; a RW mapping mprotect()ed to PROT_READ; MAP_PRIVATE RW never
// written (copy-on-write: read-only PTEs on a writable mapping); PROT_READ with the limit reader
// loading only the sequence word. Benchmark code, never run by the test suite;
// docs/benchmarks.md section 1 ("Issue 10", 9).
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <ichannel/ichannel.hpp>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/bench/ring/contender.hpp"
#include "tests/bench/ring/harness.hpp"
#include "tests/bench/ring/limits.hpp"
#include "tests/bench/ring/platform.hpp"
#include "tests/bench/ring/stats.hpp"

namespace {

using namespace ringbench;
using TickMessage = ichannel::Message<ichannel::Tick>;

enum class View {
  kHeap,
  kSame,
  kSecondRw,
  kReadOnly,
  kReadOnlyPopulate,
  kReadOnlyPrefault,
  kMprotect,
  kPrivate,
  kReadOnlyStateOnly,
};
constexpr View kViews[] = {View::kHeap,
                           View::kSame,
                           View::kSecondRw,
                           View::kReadOnly,
                           View::kReadOnlyPopulate,
                           View::kReadOnlyPrefault,
                           View::kMprotect,
                           View::kPrivate,
                           View::kReadOnlyStateOnly};
const char* name(View v) {
  switch (v) {
    case View::kHeap:
      return "heap (no file)";
    case View::kSame:
      return "the sender's own RW mapping";
    case View::kSecondRw:
      return "second MAP_SHARED RW mapping";
    case View::kReadOnly:
      return "MAP_SHARED PROT_READ (receivers)";
    case View::kReadOnlyPopulate:
      return "PROT_READ + MAP_POPULATE";
    case View::kReadOnlyPrefault:
      return "PROT_READ + MADV_WILLNEED + pages read";
    case View::kMprotect:
      return "RW mapping mprotect()ed to PROT_READ";
    case View::kPrivate:
      return "MAP_PRIVATE RW, never written";
    case View::kReadOnlyStateOnly:
      return "PROT_READ, reader loads only the seq word";
  }
  return "?";
}

void* must_map(std::size_t bytes, int prot, int flags, int fd) {
  void* p = mmap(nullptr, bytes, prot, flags, fd, 0);
  if (p == MAP_FAILED) throw std::runtime_error(std::string("mmap: ") + std::strerror(errno));
  return p;
}

// The file of one round: `bytes` (two rings), the writers' RW mapping, the readers' view.
struct Mapping {
  int fd = -1;
  std::size_t bytes = 0;
  unsigned char* rw = nullptr;
  const unsigned char* view = nullptr;
  void* view_map = nullptr;  // munmap()ed at the end (null: view is rw or heap)
  std::vector<unsigned char> heap;

  // A file in file_dir (hugetlbfs) is sized to whole 2 MiB pages.
  Mapping(View v, std::size_t b, const std::string& file_dir)
      : bytes(file_dir.empty() ? b : (b + (2u << 20) - 1) / (2u << 20) * (2u << 20)) {
    if (v == View::kHeap) {
      heap.assign(bytes + 64, 0);
      rw = heap.data() + (64 - reinterpret_cast<std::uintptr_t>(heap.data()) % 64) % 64;
      view = rw;
      return;
    }
    if (file_dir.empty()) {
      fd = memfd_create("mapping-floor", MFD_CLOEXEC);
    } else {
      const std::string path = file_dir + "/mapping-floor-" + std::to_string(getpid());
      fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd >= 0) unlink(path.c_str());
    }
    if (fd < 0 || ftruncate(fd, static_cast<off_t>(bytes)) != 0)
      throw std::runtime_error(
          "cannot create the ring file (--file-dir on hugetlbfs: free pages?)");
    rw = static_cast<unsigned char*>(must_map(bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd));
    std::memset(rw, 0, bytes);
    switch (v) {
      case View::kSame:
        view = rw;
        return;
      case View::kSecondRw:
        view_map = must_map(bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
        break;
      case View::kReadOnly:
      case View::kReadOnlyStateOnly:
        view_map = must_map(bytes, PROT_READ, MAP_SHARED, fd);
        break;
      case View::kReadOnlyPopulate:
        view_map = must_map(bytes, PROT_READ, MAP_SHARED | MAP_POPULATE, fd);
        break;
      case View::kReadOnlyPrefault: {
        view_map = must_map(bytes, PROT_READ, MAP_SHARED, fd);
        (void)madvise(view_map, bytes, MADV_WILLNEED);
        volatile unsigned char sink = 0;
        for (std::size_t i = 0; i < bytes; i += 4096)
          sink = sink + static_cast<const unsigned char*>(view_map)[i];
        break;
      }
      case View::kMprotect:
        view_map = must_map(bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
        if (mprotect(view_map, bytes, PROT_READ) != 0) throw std::runtime_error("mprotect");
        break;
      case View::kPrivate:
        view_map = must_map(bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd);
        break;
      case View::kHeap:
        break;
    }
    view = static_cast<const unsigned char*>(view_map);
  }
  ~Mapping() {
    if (view_map != nullptr) munmap(view_map, bytes);
    if (fd >= 0) {
      munmap(rw, bytes);
      close(fd);
    }
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
};

// The two rings of a round in its file: fwd at offset 0, bwd after it; the writers' pointers and
// the readers' views of each.
template <class Slot>
struct Rings {
  Slot* fwd;
  Slot* bwd;
  const Slot* fwd_view;
  const Slot* bwd_view;
  Rings(const Mapping& m, std::size_t capacity) noexcept
      : fwd(reinterpret_cast<Slot*>(m.rw)),
        bwd(fwd + capacity),
        fwd_view(reinterpret_cast<const Slot*>(m.view)),
        bwd_view(fwd_view + capacity) {}
};

// ichannel's Sender/Receiver<Tick> on the two rings.
std::vector<std::uint64_t> ichannel_pingpong(View v, const Params& p, const std::string& dir) {
  Mapping m(v, 2 * p.capacity * sizeof(TickMessage), dir);
  const Rings<TickMessage> rings(m, p.capacity);
  return run_pingpong(
      PeerKind::kThread, p.core_peer, p.warmup, p.lat_msgs,
      [&](Control& ctl, std::size_t total) {
        auto bwd = ichannel::Sender<ichannel::Tick>::with_init(
            std::span<TickMessage>(rings.bwd, p.capacity));
        ichannel::Receiver<ichannel::Tick> rx(
            std::span<const TickMessage>(rings.fwd_view, p.capacity));
        signal_ready(ctl);
        for (std::size_t k = 0; k < total; ++k) bwd.send(rx.recv().value);
      },
      [&] {
        auto tx = std::make_shared<ichannel::Sender<ichannel::Tick>>(
            ichannel::Sender<ichannel::Tick>::with_init(
                std::span<TickMessage>(rings.fwd, p.capacity)));
        auto rx = std::make_shared<ichannel::Receiver<ichannel::Tick>>(
            std::span<const TickMessage>(rings.bwd_view, p.capacity));
        return [tx, rx](std::uint64_t i) {
          tx->send(make_tick(i));
          check_seq("ichannel", i, rx->recv().value.seq);
        };
      });
}

// The ring-shaped limit's protocol (limits.hpp) with the readers on the view.
template <bool kStateOnly>
std::uint64_t view_read(const LimitSlot& s, std::uint64_t seq) noexcept {
  // Pairs with the release store of seq in limit_write (through the writer's mapping).
  while (s.seq.load(std::memory_order_acquire) != seq) {
  }
  if constexpr (kStateOnly)
    return 7 * seq + 14;  // what the payload sums to (7 i + 21, i = seq - 1)
  std::uint64_t sum = 0;
  for (int j = 0; j < 7; ++j) {
    // relaxed: ordered after the acquire load above; pairs with limit_write's relaxed stores.
    sum += std::atomic_ref<std::uint64_t>(const_cast<std::uint64_t&>(s.words[j]))
               .load(std::memory_order_relaxed);
  }
  return sum;
}

template <bool kStateOnly, unsigned kAhead>
std::vector<std::uint64_t> limit_pingpong(View v, const Params& p, const std::string& dir) {
  Mapping m(v, 2 * p.capacity * sizeof(LimitSlot), dir);
  const Rings<LimitSlot> rings(m, p.capacity);
  const std::size_t mask = p.capacity - 1;
  return run_pingpong(
      PeerKind::kThread, p.core_peer, p.warmup, p.lat_msgs,
      [&](Control& ctl, std::size_t total) {
        signal_ready(ctl);
        for (std::uint64_t k = 0; k < total; ++k) {  // message k: seq k + 1, words k .. k + 6
          check_seq("limit", 7 * k + 21, view_read<kStateOnly>(rings.fwd_view[k & mask], k + 1));
          limit_send<kAhead>(rings.bwd, mask, k);  // limits.hpp
        }
      },
      [&] {
        return [&](std::uint64_t i) {
          limit_send<kAhead>(rings.fwd, mask, i);
          check_seq("limit", 7 * i + 21, view_read<kStateOnly>(rings.bwd_view[i & mask], i + 1));
        };
      });
}

double p50_ns(std::vector<std::uint64_t> rtt, double tpn) {
  std::nth_element(rtt.begin(), rtt.begin() + static_cast<std::ptrdiff_t>(rtt.size() / 2),
                   rtt.end());
  return static_cast<double>(rtt[rtt.size() / 2]) / tpn / 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ichannel-mapping-floor: the receiver's mapping and the hand-off latency"};
  Params p;
  int rounds = 5;
  int fifo = 0;
  std::vector<int> cores{0, 1};
  std::string file_dir;
  app.add_option("-r,--rounds", rounds, "rounds")->capture_default_str();
  app.add_option("-l,--lat-msgs", p.lat_msgs, "round trips per measurement")->capture_default_str();
  app.add_option("-w,--warmup", p.warmup, "round trips before timing")->capture_default_str();
  app.add_option("-c,--capacity", p.capacity, "slots per ring")->capture_default_str();
  app.add_option("--cores", cores, "MAIN PEER")->expected(2)->capture_default_str();
  app.add_option("--fifo", fifo, "SCHED_FIFO priority (0: off)");
  app.add_option("--file-dir", file_dir,
                 "put the ring file in this directory (e.g. a hugetlbfs mount); default a memfd");
  CLI11_PARSE(app, argc, argv);
  p.core_main = cores[0];
  p.core_peer = cores[1];
  pin_to_core(p.core_main);
  if (fifo > 0) set_fifo(fifo);
  const double tpn = calibrate_ticks_per_ns();

  constexpr std::size_t kN = std::size(kViews);
  constexpr int kProtocols = 4;  // ichannel, limit plain, pre-owning one / two ahead
  const char* protocol[kProtocols] = {"ichannel", "limit, plain writer",
                                      "limit, pre-owning next", "limit, pre-owning 2 ahead"};
  std::vector<double> ns[kProtocols][kN], ratio[kProtocols][kN];  // ratio: / the own mapping
  const auto measure = [&](int proto, View v) {
    const bool state_only = v == View::kReadOnlyStateOnly;
    if (proto == 0) return state_only ? 0.0 : p50_ns(ichannel_pingpong(v, p, file_dir), tpn);
    if (proto == 1)
      return p50_ns(state_only ? limit_pingpong<true, 0>(v, p, file_dir)
                               : limit_pingpong<false, 0>(v, p, file_dir),
                    tpn);
    if (proto == 2)
      return p50_ns(state_only ? limit_pingpong<true, 1>(v, p, file_dir)
                               : limit_pingpong<false, 1>(v, p, file_dir),
                    tpn);
    return p50_ns(state_only ? limit_pingpong<true, 2>(v, p, file_dir)
                             : limit_pingpong<false, 2>(v, p, file_dir),
                  tpn);
  };
  for (int r = 0; r < rounds; ++r) {
    double got[kProtocols][kN] = {};
    for (std::size_t k = 0; k < kN; ++k) {
      const std::size_t i = (k + static_cast<std::size_t>(r)) % kN;  // rotated order
      for (int q = 0; q < kProtocols; ++q) got[q][i] = measure(q, kViews[i]);
    }
    constexpr std::size_t kOwn = 1;  // View::kSame
    for (int q = 0; q < kProtocols; ++q) {
      for (std::size_t i = 0; i < kN; ++i) {
        ns[q][i].push_back(got[q][i]);
        ratio[q][i].push_back(got[q][i] / got[q][kOwn]);
      }
    }
    std::printf(
        "round %d: own RW / PROT_READ ns: ichannel %.1f / %.1f, limit plain %.1f / %.1f, "
        "pre-owning next %.1f / %.1f, 2 ahead %.1f / %.1f\n",
        r + 1, got[0][kOwn], got[0][3], got[1][kOwn], got[1][3], got[2][kOwn], got[2][3],
        got[3][kOwn], got[3][3]);
  }
  std::printf(
      "\nring file: %s, capacity %zu, %zu round trips x %d rounds, %s; one-way p50 ns, "
      "median over rounds, x the sender's own mapping in the same round [min-max]\n",
      file_dir.empty() ? "memfd (4 KiB pages)" : file_dir.c_str(), p.capacity, p.lat_msgs, rounds,
      fifo > 0 ? "SCHED_FIFO" : "SCHED_OTHER");
  std::printf("| receiver's view |");
  for (int q = 0; q < kProtocols; ++q) std::printf(" %s | x own |", protocol[q]);
  std::printf("\n|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
  for (std::size_t i = 0; i < kN; ++i) {
    std::printf("| %s |", name(kViews[i]));
    for (int q = 0; q < kProtocols; ++q) {
      if (q == 0 && kViews[i] == View::kReadOnlyStateOnly) {
        std::printf(" - | - |");
        continue;
      }
      const auto [lo, hi] = std::minmax_element(ratio[q][i].begin(), ratio[q][i].end());
      std::printf(" %.1f | %.2f [%.2f-%.2f] |", median(ns[q][i]), median(ratio[q][i]), *lo, *hi);
    }
    std::printf("\n");
  }
  return 0;
}
