// tests/snapshot/credentials_test.cpp: snapshot/glimpse_client.hpp's credential loading (file
// and environment) and the client's failures that need no GLIMPSE server.
#include "snapshot/glimpse_client.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

using namespace ichannel::snapshot;

std::string write_file(const std::string& content, mode_t mode) {
  char path[] = "/tmp/ichannel-cred-XXXXXX";
  const int fd = ::mkstemp(path);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
  ::fchmod(fd, mode);
  ::close(fd);
  return path;
}

TEST(GlimpseCredentials, FileOfUserColonPasswordIsRead) {
  const auto p = write_file("trader:s3cr3t:x\n", 0600);
  auto c = credentials_from_file(p);
  ::unlink(p.c_str());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->username, "trader");
  EXPECT_EQ(c->password, "s3cr3t:x");
}

TEST(GlimpseCredentials, FileReadableByOthersIsRefused) {
  const auto p = write_file("trader:s3cr3t\n", 0644);
  auto c = credentials_from_file(p);
  ::unlink(p.c_str());
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("group or others"), std::string::npos);
}

TEST(GlimpseCredentials, BadFilesAreRefusedWithoutShowingThePassword) {
  const auto p1 = write_file("no-colon-here\n", 0600);
  auto c1 = credentials_from_file(p1);
  ::unlink(p1.c_str());
  ASSERT_FALSE(c1);
  EXPECT_NE(c1.error().message.find("user:password"), std::string::npos);
  const auto p2 = write_file("toolonguser:hunter2\n", 0600);
  auto c2 = credentials_from_file(p2);
  ::unlink(p2.c_str());
  ASSERT_FALSE(c2);
  EXPECT_EQ(c2.error().message.find("hunter2"), std::string::npos);
  const auto p3 = write_file("user:passwordistoolong\n", 0600);
  auto c3 = credentials_from_file(p3);
  ::unlink(p3.c_str());
  ASSERT_FALSE(c3);
  EXPECT_EQ(c3.error().message.find("passwordistoolong"), std::string::npos);
  EXPECT_FALSE(credentials_from_file("/nonexistent/ichannel-cred"));
}

TEST(GlimpseCredentials, EnvironmentNeedsBothVariables) {
  ::unsetenv(kUserEnv);
  ::unsetenv(kPasswordEnv);
  EXPECT_FALSE(load_credentials(""));
  ::setenv(kUserEnv, "envusr", 1);
  EXPECT_FALSE(load_credentials(""));
  ::setenv(kPasswordEnv, "envpw", 1);
  auto c = load_credentials("");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->username, "envusr");
  EXPECT_EQ(c->password, "envpw");
  ::unsetenv(kUserEnv);
  ::unsetenv(kPasswordEnv);
}

TEST(GlimpseClientFailure, NothingListeningIsAConnectError) {
  GlimpseClientOptions o;
  o.port = 1;  // privileged, never listened on in tests
  o.credentials = {"u", "p"};
  GlimpseClient c(o);
  const auto r = c.run([](const ichannel::Tick&) {});
  EXPECT_EQ(r.error, SnapshotError::kConnect) << r.message;
  EXPECT_NE(r.message.find("127.0.0.1:1"), std::string::npos);
  EXPECT_EQ(c.counters().connect_failures.load(), 1u);
}

}  // namespace
