// cpu_list.cpp: see cpu_list.hpp.
#include "cpu_list.hpp"

#include <cctype>
#include <charconv>

namespace ichannel::check_host {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<unsigned> parse_number(std::string_view s) {
  unsigned value = 0;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, value);
  if (s.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

// Adds one "a" or "a-b" item; false when malformed.
bool add_item(std::string_view item, CpuSet& out) {
  constexpr unsigned kMaxCpus = 8192;  // CONFIG_NR_CPUS upper bound; guards against "0-4000000000"
  const auto dash = item.find('-');
  const auto first = parse_number(item.substr(0, dash));
  if (!first || *first >= kMaxCpus) return false;
  unsigned last = *first;
  if (dash != std::string_view::npos) {
    const auto parsed = parse_number(item.substr(dash + 1));
    if (!parsed || *parsed < *first || *parsed >= kMaxCpus) return false;
    last = *parsed;
  }
  for (unsigned cpu = *first; cpu <= last; ++cpu) out.insert(cpu);
  return true;
}

}  // namespace

std::optional<CpuSet> parse_cpu_list(std::string_view text) {
  text = trim(text);
  CpuSet out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    if (!add_item(trim(text.substr(0, comma)), out)) return std::nullopt;
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
    if (text.empty()) return std::nullopt;  // trailing comma
  }
  return out;
}

std::optional<CpuSet> parse_kernel_cpu_list(std::string_view text, const CpuSet& all_cpus) {
  text = trim(text);
  // Skip flag words (domain, managed_irq, nohz) that isolcpus= accepts before the list.
  while (!text.empty() && std::isalpha(static_cast<unsigned char>(text.front()))) {
    const auto comma = text.find(',');
    const auto word = text.substr(0, comma);
    if (word == "all") return all_cpus;
    if (comma == std::string_view::npos) return CpuSet{};  // flags only, no cpus
    text.remove_prefix(comma + 1);
  }
  return parse_cpu_list(text);
}

std::string format_cpu_list(const CpuSet& cpus) {
  std::string out;
  auto it = cpus.begin();
  while (it != cpus.end()) {
    const unsigned first = *it;
    unsigned last = first;
    for (++it; it != cpus.end() && *it == last + 1; ++it) last = *it;
    if (!out.empty()) out += ',';
    out += std::to_string(first);
    if (last != first) out += '-' + std::to_string(last);
  }
  return out;
}

}  // namespace ichannel::check_host
