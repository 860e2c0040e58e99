// tests/support/shared_data.hpp: where the tests find the real exchange data kept beside the
// repository.
//
// Contract
// - nasdaq_sample(): $ICHANNEL_SHARED_DATA (when set and non-empty), else
//   <source root>/../shared/data, then itch/12302019_SNIPPET.NASDAQ_ITCH50. The file may be
//   absent (a clone without ../shared): callers GTEST_SKIP with the path they looked at.
// - read_binary_file(path): the messages of a Nasdaq BinaryFILE (u16 BE length + message,
//   repeated) and how many of its bytes they cover (a truncated last message is left out).
// - Needs ICHANNEL_SOURCE_ROOT defined by the test's meson target. Test-only; allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

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

struct BinaryFile {
  std::vector<std::vector<std::uint8_t>> messages;
  std::size_t consumed = 0;  // bytes of the file the messages (and their lengths) cover
  std::size_t size = 0;      // bytes of the file
};

inline BinaryFile read_binary_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  const std::vector<std::uint8_t> all((std::istreambuf_iterator<char>(in)),
                                      std::istreambuf_iterator<char>());
  BinaryFile f;
  f.size = all.size();
  std::size_t i = 0;
  while (i + 2 <= all.size()) {
    const std::size_t len = (std::size_t{all[i]} << 8) | all[i + 1];
    if (i + 2 + len > all.size()) break;
    f.messages.emplace_back(all.begin() + static_cast<std::ptrdiff_t>(i + 2),
                            all.begin() + static_cast<std::ptrdiff_t>(i + 2 + len));
    i += 2 + len;
  }
  f.consumed = i;
  return f;
}

}  // namespace ichannel::test
