// daemon/control/logging.cpp: see logging.hpp.
#include "daemon/control/logging.hpp"

#include <pthread.h>
#include <sched.h>

#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <chrono>
#include <memory>

namespace ichannel::daemon {

std::string setup_logging(const config::Logging& cfg, int cpu) {
  try {
    spdlog::sink_ptr sink;
    if (cfg.file.empty()) {
      sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    } else {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(cfg.file, false);
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
