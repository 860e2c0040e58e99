// iceoryx 2.0 peer for ichannel-ring-bench (see iceoryx_contender.hpp for the contract).
#include "tests/bench/ring/iceoryx_contender.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "iceoryx_hoofs/log/logmanager.hpp"
#include "iceoryx_posh/popo/publisher.hpp"
#include "iceoryx_posh/popo/subscriber.hpp"
#include "iceoryx_posh/runtime/posh_runtime.hpp"
#include "tests/bench/ring/producers.hpp"

namespace ringbench {
namespace {

using ichannel::Tick;

// iceoryx logs at verbose level by default; keep warnings and errors only.
void quiet_iceoryx_log() {
  iox::log::LogManager::GetLogManager().SetDefaultLogLevel(iox::log::LogLevel::kWarn,
                                                           iox::log::LogLevelOutput::kHideLogLevel);
}

iox::capro::IdString_t id(const std::string& s) {
  return iox::capro::IdString_t(iox::cxx::TruncateToCapacity, s.c_str(), s.size());
}

std::uint64_t queue_capacity(std::size_t wanted) {
  return std::min<std::uint64_t>(wanted, iox::MAX_SUBSCRIBER_QUEUE_CAPACITY);
}

iox::popo::PublisherOptions publisher_options() {
  iox::popo::PublisherOptions o;
  o.subscriberTooSlowPolicy = iox::popo::ConsumerTooSlowPolicy::WAIT_FOR_CONSUMER;
  return o;
}

iox::popo::SubscriberOptions subscriber_options(std::size_t capacity) {
  iox::popo::SubscriberOptions o;
  o.queueCapacity = queue_capacity(capacity);
  o.queueFullPolicy = iox::popo::QueueFullPolicy::BLOCK_PRODUCER;
  return o;
}

// Topic of one direction of one round: service "ringbench", instance "r<round>", event = dir.
iox::capro::ServiceDescription topic(int round, const char* dir) {
  char instance[24];
  std::snprintf(instance, sizeof(instance), "r%d", round);
  return {id("ringbench"), id(instance), id(dir)};
}

void send(iox::popo::Publisher<Tick>& pub, const Tick& t) noexcept {
  for (;;) {
    auto sample = pub.loan();
    if (!sample.has_error()) {
      *sample.value() = t;
      sample.value().publish();
      return;
    }
  }
}

Tick receive(iox::popo::Subscriber<Tick>& sub) noexcept {
  for (;;) {
    auto sample = sub.take();
    if (!sample.has_error()) return *sample.value();
  }
}

// Waits (sleeping) until both ends of this process are connected, or throws after ~10 s.
void wait_connected(iox::popo::Publisher<Tick>* pub, iox::popo::Subscriber<Tick>* sub) {
  for (int i = 0; i < 10'000; ++i) {
    const bool pub_ok = pub == nullptr || pub->hasSubscribers();
    const bool sub_ok =
        sub == nullptr || sub->getSubscriptionState() == iox::SubscribeState::SUBSCRIBED;
    if (pub_ok && sub_ok) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  throw std::runtime_error("iceoryx: publisher/subscriber did not connect within 10 s");
}

// Forks and execs this program as the iceoryx peer; Peer's child pins the core first.
void exec_peer(const std::string& exe, const char* mode, std::size_t n, int fd, int round) {
  const std::string n_s = std::to_string(n), fd_s = std::to_string(fd), r_s = std::to_string(round);
  execl(exe.c_str(), exe.c_str(), kIceoryxEchoCommand, mode, n_s.c_str(), fd_s.c_str(), r_s.c_str(),
        static_cast<char*>(nullptr));
  throw std::runtime_error("exec of " + exe + " failed");
}

}  // namespace

namespace {

// Starts iox-roudi with its output in `log_path` and waits until it is ready for clients.
pid_t start_roudi(const std::string& log_path) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork for iox-roudi failed");
  if (pid == 0) {
    const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    const char* level = std::getenv("RINGBENCH_ROUDI_LOG");  // e.g. debug, to investigate
    execlp("iox-roudi", "iox-roudi", "-l", level != nullptr ? level : "warning",
           static_cast<char*>(nullptr));
    _exit(127);
  }
  // RouDi prints "RouDi is ready for clients" once its shared memory is set up.
  for (int i = 0; i < 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      throw std::runtime_error(
          "iox-roudi exited at start (exit status " + std::to_string(WEXITSTATUS(status)) +
          "; 127: not installed; otherwise is another RouDi running?); log: " + log_path);
    }
    std::ifstream log(log_path);
    std::stringstream text;
    text << log.rdbuf();
    if (text.str().find("RouDi is ready for clients") != std::string::npos) return pid;
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  throw std::runtime_error("iox-roudi not ready after 10 s; log: " + log_path);
}

// Reports who terminated the benchmark (RouDi SIGTERMs its clients when it stops; so may other
// tools on a shared machine). Async-signal-safe: only open/read/write/_exit.
void on_terminate(int sig, siginfo_t* info, void*) {
  char buf[256];
  int len = std::snprintf(buf, sizeof(buf), "benchmark: signal %d from pid %d (", sig,
                          static_cast<int>(info->si_pid));
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/cmdline", static_cast<int>(info->si_pid));
  const int fd = open(path, O_RDONLY);
  if (fd >= 0) {
    const ssize_t n = read(fd, buf + len, sizeof(buf) - static_cast<std::size_t>(len) - 2);
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[len + i] == '\0') buf[len + i] = ' ';
    }
    if (n > 0) len += static_cast<int>(n);
    close(fd);
  }
  buf[len++] = ')';
  buf[len++] = '\n';
  (void)!write(2, buf, static_cast<std::size_t>(len));
  _exit(128 + sig);
}

}  // namespace

int with_roudi(const std::function<int()>& body) {
  const char* tmp = std::getenv("TMPDIR");
  const std::string log_path = std::string(tmp != nullptr ? tmp : "/tmp") + "/ringbench-roudi-" +
                               std::to_string(getpid()) + ".log";
  const pid_t roudi = start_roudi(log_path);
  std::fflush(nullptr);
  const pid_t bench = fork();
  if (bench < 0) {
    kill(roudi, SIGTERM);
    waitpid(roudi, nullptr, 0);
    throw std::runtime_error("fork of the benchmark process failed");
  }
  if (bench == 0) {
    struct sigaction sa {};
    sa.sa_sigaction = on_terminate;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    int rc = 1;
    try {
      rc = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "error: %s\n", e.what());
    }
    std::fflush(nullptr);
    std::exit(rc);  // normal exit: the iceoryx runtime deregisters from RouDi
  }
  // Ctrl-C reaches the whole process group; this process only waits and cleans up.
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  int status = 0;
  waitpid(bench, &status, 0);
  kill(roudi, SIGTERM);  // RouDi has no registered process left: it stops at once
  waitpid(roudi, nullptr, 0);
  if (WIFSIGNALED(status)) {
    std::fprintf(stderr, "benchmark process killed by signal %d\n", WTERMSIG(status));
    return 1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

IceoryxSession::IceoryxSession(std::string self_exe) : self_exe_(std::move(self_exe)) {
  quiet_iceoryx_log();
  iox::runtime::PoshRuntime::initRuntime(iox::RuntimeName_t(
      iox::cxx::TruncateToCapacity, "ringbench-main-" + std::to_string(getpid())));
}

Contender iceoryx_contender(IceoryxSession& session) {
  Contender c{"iceoryx 2.0 (processes)", Role::kPeer, true, {}, {}};
  c.pingpong = [&session](const Params& p) {
    const int round = session.next_round();
    iox::popo::Publisher<Tick> pub(topic(round, "ping"), publisher_options());
    iox::popo::Subscriber<Tick> sub(topic(round, "pong"), subscriber_options(p.capacity));
    return run_pingpong(
        PeerKind::kProcess, p.core_peer, p.warmup, p.lat_msgs,
        [&](Control& ctl, std::size_t total) {
          exec_peer(session.self_exe(), "ping", total, ctl.fd, round);
        },
        [&] {
          wait_connected(&pub, &sub);
          return [&](std::uint64_t i) {
            send(pub, make_tick(i));
            check_seq("iceoryx", i, receive(sub).seq);
          };
        });
  };
  c.throughput = [&session](const Params& p) {
    const int round = session.next_round();
    iox::popo::Publisher<Tick> pub(topic(round, "ping"), publisher_options());
    // iceoryx moves ~1 M msgs/s here: cap the count so this row does not dominate the run.
    return run_throughput(
        PeerKind::kProcess, p.core_peer, std::min<std::size_t>(p.thr_msgs, 200'000),
        [&](Control& ctl, std::size_t n) {
          exec_peer(session.self_exe(), "thr", n, ctl.fd, round);
        },
        [&] {
          wait_connected(&pub, nullptr);
          return [&pub, src = TickSource(p.producer)](std::size_t n) {
            src.run(n, [&pub](const Tick& t) { send(pub, t); });
          };
        });
  };
  return c;
}

int iceoryx_echo_main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "%s: internal command, usage: %s MODE N FD ROUND\n", argv[1], argv[0]);
    return 2;
  }
  const std::string mode = argv[2];
  const std::size_t n = std::stoull(argv[3]);
  const int fd = std::stoi(argv[4]);
  const int round = std::stoi(argv[5]);
  void* p = mmap(nullptr, sizeof(Control), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    std::fprintf(stderr, "iceoryx peer: cannot map the control block (fd %d)\n", fd);
    return 1;
  }
  Control& ctl = *static_cast<Control*>(p);
  try {
    quiet_iceoryx_log();
    iox::runtime::PoshRuntime::initRuntime(iox::RuntimeName_t(
        iox::cxx::TruncateToCapacity,
        "ringbench-peer-" + std::to_string(getpid()) + "-" + std::to_string(round)));
    const std::size_t capacity = iox::MAX_SUBSCRIBER_QUEUE_CAPACITY;
    iox::popo::Subscriber<Tick> sub(topic(round, "ping"), subscriber_options(capacity));
    if (mode == "ping") {
      iox::popo::Publisher<Tick> pub(topic(round, "pong"), publisher_options());
      wait_connected(&pub, &sub);
      signal_ready(ctl);
      for (std::size_t k = 0; k < n; ++k) send(pub, receive(sub));
    } else {
      wait_connected(nullptr, &sub);
      signal_ready(ctl);
      std::uint64_t received = 0, sum = 0;
      for (;;) {
        const Tick t = receive(sub);
        ++received;
        sum += static_cast<std::uint64_t>(t.price);
        if (t.seq + 1 == n) break;
      }
      ctl.t_end = now_ticks();
      ctl.received = received;
      ctl.lost = n - received;
      ctl.checksum = sum;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "iceoryx peer: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace ringbench
