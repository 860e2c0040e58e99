// tests/support/exec.hpp: run a shell command from a test and read what it printed (the exec
// tests of the tools, suite 'nosan'). Test-only; allocates.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace ichannel::test {

struct Exec {
  int status = -1;  // exit status, -1 when the command did not exit normally
  std::string out;  // stdout (and stderr when the command says 2>&1)
};

inline Exec run(const std::string& command) {
  Exec r;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace ichannel::test
