// tests/bench/ring/platform.hpp: the benchmark's view of the machine.
//
// Contract
// - TSC timestamps (`now_ticks`) and their calibration to nanoseconds; core pinning and
//   SCHED_FIFO for the calling thread; a block shared with threads, forked and exec'd children
//   (`SharedBlock<T>`, a memfd mapping); and `Peer`, which runs a function pinned to a core either
//   on a thread or in a forked child process.
// - Benchmark-only code: cold helpers may allocate and make syscalls; `now_ticks` is inline and
//   cheap (rdtsc behind an lfence so it is not hoisted above the loads it times).
// - The TSC is invariant on this machine (constant_tsc, nonstop_tsc), so timestamps taken on
//   different cores and in different processes are comparable.
#pragma once

#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <x86intrin.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

namespace ringbench {

inline std::uint64_t now_ticks() noexcept {
  _mm_lfence();
  return __rdtsc();
}

// TSC ticks per nanosecond, measured once against steady_clock over `ms` milliseconds.
inline double calibrate_ticks_per_ns(int ms = 100) {
  const auto c0 = std::chrono::steady_clock::now();
  const std::uint64_t t0 = now_ticks();
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  const auto c1 = std::chrono::steady_clock::now();
  const std::uint64_t t1 = now_ticks();
  const double ns = std::chrono::duration<double, std::nano>(c1 - c0).count();
  return static_cast<double>(t1 - t0) / ns;
}

// Pins the calling thread to `core`; throws with the reason if the kernel refuses.
inline void pin_to_core(int core) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core, &set);
  if (sched_setaffinity(0, sizeof(set), &set) != 0) {
    throw std::runtime_error("cannot pin to core " + std::to_string(core) +
                             " (sched_setaffinity failed; is the core online and allowed?)");
  }
}

// Switches the calling thread to SCHED_FIFO at `priority`; threads and children created later
// inherit it. Throws with the reason when not permitted.
inline void set_fifo(int priority) {
  sched_param sp{};
  sp.sched_priority = priority;
  if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0) {
    throw std::runtime_error("cannot switch to SCHED_FIFO priority " + std::to_string(priority) +
                             " (needs root or CAP_SYS_NICE)");
  }
}

// One T in a shared memfd mapping: visible to this process, its threads and children forked
// after construction; an exec'd child maps it through the inherited fd() (no CLOEXEC). T must be
// usable from several processes (lock-free atomics, no pointers into private memory).
template <class T>
class SharedBlock {
 public:
  SharedBlock() {
    fd_ = memfd_create("ringbench-shared", 0);
    if (fd_ < 0 || ftruncate(fd_, sizeof(T)) != 0) {
      throw std::runtime_error("memfd_create/ftruncate of a shared result block failed");
    }
    void* p = mmap(nullptr, sizeof(T), PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (p == MAP_FAILED) throw std::runtime_error("mmap of a shared result block failed");
    ptr_ = new (p) T{};
  }
  ~SharedBlock() {
    ptr_->~T();
    munmap(ptr_, sizeof(T));
    close(fd_);
  }
  int fd() const noexcept { return fd_; }
  SharedBlock(const SharedBlock&) = delete;
  SharedBlock& operator=(const SharedBlock&) = delete;
  T* operator->() const noexcept { return ptr_; }
  T& operator*() const noexcept { return *ptr_; }

 private:
  T* ptr_;
  int fd_ = -1;
};

enum class PeerKind { kThread, kProcess };

// Runs `fn` pinned to `core` on a new thread or in a forked child. A child ends with _exit:
// status 0 when fn returned, 1 when it threw (the message goes to stderr). join() reports a
// failed peer as an exception in the caller.
class Peer {
 public:
  Peer(PeerKind kind, int core, std::function<void()> fn) : kind_(kind) {
    if (kind_ == PeerKind::kThread) {
      thread_ = std::thread([core, fn = std::move(fn), this] {
        try {
          pin_to_core(core);
          fn();
        } catch (const std::exception& e) {
          error_ = e.what();
        }
        // Pairs with the acquire load in finished().
        done_.store(true, std::memory_order_release);
      });
      return;
    }
    std::fflush(nullptr);
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      int status = 0;
      try {
        pin_to_core(core);
        fn();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "ringbench child: %s\n", e.what());
        status = 1;
      }
      std::fflush(nullptr);
      _exit(status);
    }
  }
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;
  ~Peer() {
    // Unwinding past a running child (main side failed): do not wait for it forever.
    if (!joined_ && kind_ == PeerKind::kProcess && !finished()) kill(pid_, SIGKILL);
    if (!joined_) {
      try {
        join();
      } catch (...) {
      }
    }
  }

  // True once the peer has ended (normally or not); lets the main side stop waiting for a peer
  // that failed during setup. Cold (a syscall for a process peer).
  bool finished() {
    if (kind_ == PeerKind::kThread) return done_.load(std::memory_order_acquire);
    if (reaped_) return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped_ = true;
      status_ = status;
    }
    return reaped_;
  }

  void join() {
    joined_ = true;
    if (kind_ == PeerKind::kThread) {
      thread_.join();
      if (!error_.empty()) throw std::runtime_error(error_);
      return;
    }
    int status = status_;
    if (!reaped_ && waitpid(pid_, &status, 0) != pid_) status = -1;
    reaped_ = true;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      throw std::runtime_error("benchmark child process " + std::to_string(pid_) + " failed");
    }
  }

 private:
  PeerKind kind_;
  std::thread thread_;
  std::string error_;
  std::atomic<bool> done_{false};
  pid_t pid_ = -1;
  int status_ = 0;
  bool reaped_ = false;
  bool joined_ = false;
};

}  // namespace ringbench
