// daemon/control/logging.cpp: see logging.hpp.
#include "daemon/control/logging.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/async.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>

namespace ichannel::daemon {
namespace {

// Appends to a file descriptor the daemon opened itself (spdlog's file sinks create missing
// parent directories and follow symlinks; this one does neither). Owns the fd.
class FdSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit FdSink(int fd) : fd_(fd) {}
  ~FdSink() override { ::close(fd_); }
  FdSink(const FdSink&) = delete;
  FdSink& operator=(const FdSink&) = delete;

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
      const ssize_t n = ::write(fd_, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // disk full, I/O error: the line is lost, the daemon goes on
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  }
  void flush_() override {}  // every line is written at once (no user-space buffer)

 private:
  int fd_;
};

// Opens logging.file for appending: created 0640 if missing, never through a symlink, never
// blocking (a FIFO is refused), only a regular file; its directory must exist (never created).
std::string open_log_file(const std::string& path, int& fd_out) {
  const int fd = ::open(path.c_str(),
                        O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0640);
  if (fd < 0) {
    const int err = errno;
    if (err == ELOOP) return path + " is a symbolic link (not followed)";
    if (err == ENOENT) {
      return "cannot open " + path + ": its directory does not exist (ichannel-feed does not " +
             "create it)";
    }
    if (err == ENXIO) return path + " is a fifo, not a regular file";
    return "cannot open " + path + ": " + std::strerror(err);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return path + " is not a regular file";
  }
  fd_out = fd;
  return {};
}

}  // namespace

std::string setup_logging(const config::Logging& cfg, int cpu) {
  try {
    spdlog::sink_ptr sink;
    if (cfg.file.empty()) {
      sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    } else {
      int fd = -1;
      if (std::string e = open_log_file(cfg.file, fd); !e.empty()) return "logging: " + e;
      sink = std::make_shared<FdSink>(fd);
    }
    std::shared_ptr<spdlog::logger> logger;
    if (cfg.async) {
      spdlog::init_thread_pool(8192, 1, [cpu] {
        if (cpu < 0) return;
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        (void)pthread_setaffinity_np(pthread_self(), sizeof set, &set);  // best effort
      });
      logger = std::make_shared<spdlog::async_logger>("ichannel-feed", sink, spdlog::thread_pool(),
                                                      spdlog::async_overflow_policy::block);
    } else {
      logger = std::make_shared<spdlog::logger>("ichannel-feed", sink);
    }
    logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
    logger->set_level(spdlog::level::from_str(cfg.level));
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(logger);
  } catch (const spdlog::spdlog_ex& e) {
    return std::string("logging: ") + (cfg.file.empty() ? "stderr" : cfg.file) + ": " + e.what();
  }
  return {};
}

void start_periodic_flush() {
  spdlog::flush_every(std::chrono::seconds(1));
}

void shutdown_logging() noexcept {
  try {
    spdlog::default_logger()->flush();
    spdlog::shutdown();
  } catch (...) {
  }
}

}  // namespace ichannel::daemon
