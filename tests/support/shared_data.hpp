// tests/support/shared_data.hpp: where the tests find the real exchange data kept beside the
// repository.
//
// Contract
// - nasdaq_sample(): $ICHANNEL_SHARED_DATA (when set and non-empty), else
//   <source root>/../shared/data, then itch/12302019_SNIPPET.NASDAQ_ITCH50. The file may be
//   absent (a clone without ../shared): callers GTEST_SKIP with the path they looked at.
// - Needs ICHANNEL_SOURCE_ROOT defined by the test's meson target. Test-only; allocates.
#pragma once

#include <cstdlib>
#include <filesystem>

namespace ichannel::test {

inline std::filesystem::path nasdaq_sample() {
  std::filesystem::path dir;
  if (const char* env = std::getenv("ICHANNEL_SHARED_DATA"); env != nullptr && *env != '\0') {
    dir = env;
  } else {
    dir = std::filesystem::path(ICHANNEL_SOURCE_ROOT) / ".." / "shared" / "data";
  }
  return dir / "itch" / "12302019_SNIPPET.NASDAQ_ITCH50";
}

}  // namespace ichannel::test
