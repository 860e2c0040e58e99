// verdict.cpp: see verdict.hpp.
#include "verdict.hpp"

#include <algorithm>

namespace ichannel::check_host {

std::string format_verdict(const Verdict& verdict) {
  std::string line;
  switch (verdict.level) {
    case Level::kOk:
      line = "OK   ";
      break;
    case Level::kWarn:
      line = "WARN ";
      break;
    case Level::kFail:
      line = "FAIL ";
      break;
  }
  line += verdict.message;
  if (verdict.level != Level::kOk && !verdict.fix.empty()) line += " -> " + verdict.fix;
  return line;
}

std::vector<std::string> Report::lines() const {
  std::vector<std::string> out;
  out.reserve(verdicts_.size());
  for (const auto& verdict : verdicts_) out.push_back(format_verdict(verdict));
  return out;
}

int Report::exit_status() const {
  const bool failed = std::any_of(verdicts_.begin(), verdicts_.end(),
                                  [](const Verdict& v) { return v.level == Level::kFail; });
  return failed ? 1 : 0;
}

}  // namespace ichannel::check_host
