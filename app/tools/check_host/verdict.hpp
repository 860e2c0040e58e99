// verdict.hpp: one line of the host checker's report, and the exit status of a whole report.
//
// Contract
// - A Verdict is OK, WARN or FAIL with a message and, for WARN/FAIL, how to fix it. It prints as
//   "OK   <message>", "WARN <message> -> <fix>" or "FAIL <message> -> <fix>" (a WARN without a
//   fix has no arrow). Operators grep for "^FAIL"; tests compare the exact lines.
// - exit_status: 1 when any FAIL, else 0 (2, bad config, is decided by main before checking).
// - Cold path; allocates.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace ichannel::check_host {

enum class Level { kOk, kWarn, kFail };

struct Verdict {
  Level level = Level::kOk;
  std::string message;
  std::string fix;  // empty for OK
};

class Report {
 public:
  void ok(std::string message) { verdicts_.push_back({Level::kOk, std::move(message), {}}); }
  void warn(std::string message, std::string fix = {}) {
    verdicts_.push_back({Level::kWarn, std::move(message), std::move(fix)});
  }
  void fail(std::string message, std::string fix) {
    verdicts_.push_back({Level::kFail, std::move(message), std::move(fix)});
  }
  [[nodiscard]] const std::vector<Verdict>& verdicts() const { return verdicts_; }
  [[nodiscard]] std::vector<std::string> lines() const;
  [[nodiscard]] int exit_status() const;

 private:
  std::vector<Verdict> verdicts_;
};

[[nodiscard]] std::string format_verdict(const Verdict& verdict);

}  // namespace ichannel::check_host
