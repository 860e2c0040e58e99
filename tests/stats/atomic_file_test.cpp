// tests/stats/atomic_file_test.cpp: stats/atomic_file.hpp (the Prometheus textfile writer of the
// daemon and of ichannel-stat).
#include "stats/atomic_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace ichannel::stats {
namespace {

TEST(AtomicFile, ReplacesContentAndLeavesNoTemporary) {
  char dir_template[] = "/tmp/ichannel-stat-test-XXXXXX";
  const char* dir = ::mkdtemp(dir_template);
  ASSERT_NE(dir, nullptr);
  const std::string path = std::string(dir) + "/ichannel.prom";
  ASSERT_EQ(write_file_atomically(path, "a 1\n"), "");
  ASSERT_EQ(write_file_atomically(path, "b 2\n"), "");
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), "b 2\n");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_NE(::access((path + ".tmp." + std::to_string(::getpid())).c_str(), F_OK), 0);
  ::unlink(path.c_str());
  ::rmdir(dir);
}

TEST(AtomicFile, ReportsTheFailingPath) {
  const std::string err = write_file_atomically("/nonexistent-dir-ichannel/x.prom", "x");
  EXPECT_NE(err.find("/nonexistent-dir-ichannel/x.prom"), std::string::npos) << err;
}

TEST(AtomicFile, APlantedSymlinkAtTheTemporaryNameIsReplacedNotFollowed) {
  char dir_template[] = "/tmp/ichannel-stat-test-XXXXXX";
  const char* dir = ::mkdtemp(dir_template);
  ASSERT_NE(dir, nullptr);
  const std::string path = std::string(dir) + "/ichannel.prom";
  const std::string victim = std::string(dir) + "/victim";
  { std::ofstream(victim) << "keep"; }
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  ASSERT_EQ(::symlink(victim.c_str(), tmp.c_str()), 0);
  ASSERT_EQ(write_file_atomically(path, "c 3\n"), "");
  std::ifstream in(victim);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), "keep") << "the symlink's target was not written";
  struct stat st {};
  ASSERT_EQ(::lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  ::unlink(path.c_str());
  ::unlink(victim.c_str());
  ::rmdir(dir);
}

}  // namespace
}  // namespace ichannel::stats
