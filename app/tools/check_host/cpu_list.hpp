// cpu_list.hpp: parse and format Linux cpu lists ("0-3,8,10-11").
//
// Contract
// - The kernel writes cpu lists in sysfs (cpulist, smp_affinity_list, isolated) and accepts them
//   on the command line (isolcpus=, nohz_full=, rcu_nocbs=). These helpers read both forms.
// - Pure functions, any thread; they allocate (cold path, host checker only).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace ichannel::check_host {

using CpuSet = std::set<unsigned>;

// "0-3,8" -> {0,1,2,3,8}. Empty or whitespace-only text is the empty set. Returns nullopt on
// anything else that is not a list of numbers and ascending ranges.
[[nodiscard]] std::optional<CpuSet> parse_cpu_list(std::string_view text);

// Kernel command-line form: leading flag words are skipped ("isolcpus=managed_irq,domain,2-5"),
// "all" means every cpu in `all_cpus` (rcu_nocbs=all). Returns nullopt when the list is malformed.
[[nodiscard]] std::optional<CpuSet> parse_kernel_cpu_list(std::string_view text,
                                                          const CpuSet& all_cpus);

// {0,1,2,3,8} -> "0-3,8"; the empty set -> "".
[[nodiscard]] std::string format_cpu_list(const CpuSet& cpus);

}  // namespace ichannel::check_host
