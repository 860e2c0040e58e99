// topology_test.cpp: parsing and formatting of Linux cpu lists (topology.hpp).
#include "tools/check_host/topology.hpp"

#include <gtest/gtest.h>

namespace ichannel::check_host {
namespace {

TEST(CpuList, ParsesSinglesAndRanges) {
  EXPECT_EQ(parse_cpu_list("0-3,8,10-11\n"), (CpuSet{0, 1, 2, 3, 8, 10, 11}));
  EXPECT_EQ(parse_cpu_list(""), CpuSet{});
  EXPECT_EQ(parse_cpu_list(" 5 "), CpuSet{5});
}

TEST(CpuList, RejectsMalformedLists) {
  EXPECT_EQ(parse_cpu_list("3-1"), std::nullopt);
  EXPECT_EQ(parse_cpu_list("1,,2"), std::nullopt);
  EXPECT_EQ(parse_cpu_list("1,"), std::nullopt);
  EXPECT_EQ(parse_cpu_list("x"), std::nullopt);
  EXPECT_EQ(parse_cpu_list("-1"), std::nullopt);
  EXPECT_EQ(parse_cpu_list("0-4000000000"), std::nullopt);
}

TEST(CpuList, KernelFormSkipsIsolcpusFlagsAndExpandsAll) {
  const CpuSet all{0, 1, 2, 3};
  EXPECT_EQ(parse_kernel_cpu_list("managed_irq,domain,2-3", all), (CpuSet{2, 3}));
  EXPECT_EQ(parse_kernel_cpu_list("all", all), all);
  EXPECT_EQ(parse_kernel_cpu_list("nohz", all), CpuSet{});
  EXPECT_EQ(parse_kernel_cpu_list("domain,2-x", all), std::nullopt);
}

TEST(CpuList, FormatsCompactRanges) {
  EXPECT_EQ(format_cpu_list({0, 1, 2, 3, 8, 10, 11}), "0-3,8,10-11");
  EXPECT_EQ(format_cpu_list({}), "");
  EXPECT_EQ(format_cpu_list({7}), "7");
}

}  // namespace
}  // namespace ichannel::check_host
