// tests/config/host_files_test.cpp: what the loader opens and the host paths the validator
// checks. load_file opens O_NOFOLLOW | O_NONBLOCK, accepts only a regular file and reads at most
// 1 MiB (a FIFO, /dev/zero or a symlink are refused at once); the validator refuses a
// logging.file whose directory is missing (the daemon never creates it) or that is not a
// regular file, an existing channel_dir that is not a real directory or is writable by
// group/others, and a snapshot credentials file that is missing, not a regular file or has
// group/other permissions (checked with lstat, never opened).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "config/load.hpp"
#include "tests/config/config_test_util.hpp"

namespace ichannel::config {
namespace {

using ::testing::ElementsAre;
using testing::errors_appending;
using ::testing::IsEmpty;
using testing::kMinimalConfig;
using testing::messages;

// A private temporary directory (mode 0700), removed with everything in it.
class HostFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "ichannel-cfg-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream out(path(name), std::ios::binary);
    out << text;
  }

  std::string dir_;
};

// load_file in another thread; fails the test (instead of hanging it) after 5 s.
LoadResult load_within_seconds(const std::string& file, const std::string& fifo_to_unblock = {}) {
  auto pending = std::async(std::launch::async, [file] { return load_file(file); });
  if (pending.wait_for(std::chrono::seconds(5)) == std::future_status::timeout) {
    ADD_FAILURE() << "load_file(" << file << ") blocked";
    if (!fifo_to_unblock.empty()) {  // give the blocked reader a writer and EOF
      const int fd = ::open(fifo_to_unblock.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd >= 0) ::close(fd);
    }
  }
  return pending.get();
}

TEST_F(HostFiles, FifoIsRefusedAtOnceWithoutWaitingForAWriter) {
  ASSERT_EQ(::mkfifo(path("feed.yaml").c_str(), 0600), 0);
  const LoadResult result = load_within_seconds(path("feed.yaml"), path("feed.yaml"));
  EXPECT_THAT(messages(result), ElementsAre(path("feed.yaml") + ": is a fifo, not a regular file"));
}

TEST_F(HostFiles, CharacterDeviceIsRefusedWithoutReadingIt) {
  const LoadResult result = load_within_seconds("/dev/zero");
  EXPECT_THAT(messages(result),
              ElementsAre("/dev/zero: is a character device, not a regular file"));
}

TEST_F(HostFiles, SymlinkIsNotFollowed) {
  write("real.yaml", kMinimalConfig);
  ASSERT_TRUE(load_file(path("real.yaml")).ok());
  ASSERT_EQ(::symlink(path("real.yaml").c_str(), path("link.yaml").c_str()), 0);
  EXPECT_THAT(messages(load_file(path("link.yaml"))),
              ElementsAre(path("link.yaml") +
                          ": is a symbolic link (not followed); give the file it points to"));
}

TEST_F(HostFiles, FileLargerThanOneMebibyteIsRefusedBeforeParsing) {
  // A valid configuration padded with a comment to 1 MiB + 1 byte.
  std::string text = kMinimalConfig;
  text += "#";
  text.resize(kMaxConfigBytes + 1, 'x');
  write("big.yaml", text);
  EXPECT_THAT(messages(load_file(path("big.yaml"))),
              ElementsAre(path("big.yaml") + ": config file " + path("big.yaml") +
                          " is larger than 1 MiB"));
  text.resize(kMaxConfigBytes);  // exactly 1 MiB: read and accepted
  text.back() = '\n';
  write("limit.yaml", text);
  EXPECT_TRUE(load_file(path("limit.yaml")).ok()) << messages(load_file(path("limit.yaml")))[0];
}

TEST_F(HostFiles, LoggingFileInAMissingDirectoryIsAnError) {
  const std::string file = path("no-such-dir/feed.log");
  EXPECT_THAT(errors_appending("logging: { file: " + file + " }\n"),
              ElementsAre("t.yaml:15:18: logging.file: directory " + path("no-such-dir") +
                          " does not exist (No such file or directory); ichannel-feed does not "
                          "create it"));
  EXPECT_FALSE(std::filesystem::exists(path("no-such-dir")));
}

TEST_F(HostFiles, LoggingFileInAnExistingDirectoryIsAccepted) {
  EXPECT_THAT(errors_appending("logging: { file: " + path("feed.log") + " }\n"), IsEmpty());
  write("old.log", "earlier run\n");  // an existing regular file is appended to
  EXPECT_THAT(errors_appending("logging: { file: " + path("old.log") + " }\n"), IsEmpty());
}

TEST_F(HostFiles, LoggingFileThatIsNotARegularFileIsAnError) {
  ASSERT_EQ(::mkfifo(path("fifo.log").c_str(), 0600), 0);
  EXPECT_THAT(errors_appending("logging: { file: " + path("fifo.log") + " }\n"),
              ElementsAre("t.yaml:15:18: logging.file: " + path("fifo.log") +
                          " is a fifo, not a regular file (symlinks are not followed)"));
  ASSERT_EQ(::symlink("/etc/passwd", path("link.log").c_str()), 0);
  EXPECT_THAT(errors_appending("logging: { file: " + path("link.log") + " }\n"),
              ElementsAre("t.yaml:15:18: logging.file: " + path("link.log") +
                          " is a symbolic link, not a regular file (symlinks are not followed)"));
  write("plain", "");
  EXPECT_THAT(errors_appending("logging: { file: " + path("plain/feed.log") + " }\n"),
              ElementsAre("t.yaml:15:18: logging.file: " + path("plain") +
                          " is a regular file, not a directory"));
}

TEST_F(HostFiles, GroupWritableChannelDirectoryIsAnError) {
  ASSERT_EQ(::mkdir(path("channels").c_str(), 0750), 0);
  EXPECT_THAT(errors_appending("channel_dir: " + path("channels") + "\n"), IsEmpty());
  ASSERT_EQ(::chmod(path("channels").c_str(), 02770), 0);
  EXPECT_THAT(errors_appending("channel_dir: " + path("channels") + "\n"),
              ElementsAre("t.yaml:15:14: channel_dir: channel directory " + path("channels") +
                          " is writable by group/others (mode 2770)"));
  EXPECT_THAT(errors_appending("channel_dir: " + path("missing") + "\n"), IsEmpty())
      << "a missing channel directory is created by the producer";
}

TEST_F(HostFiles, ChannelDirectoryThatIsASymlinkIsAnError) {
  ASSERT_EQ(::mkdir(path("real").c_str(), 0755), 0);
  ASSERT_EQ(::symlink(path("real").c_str(), path("channels").c_str()), 0);
  EXPECT_THAT(errors_appending("channel_dir: " + path("channels") + "\n"),
              ElementsAre("t.yaml:15:14: channel_dir: channel directory " + path("channels") +
                          " is a symbolic link, not a directory (symlinks are not followed)"));
}

// kMinimalConfig whose feed has books and a snapshot with `credentials: file` (line 9).
std::vector<std::string> credentials_errors(const std::string& file) {
  const std::string line_a = "      A: { group: 233.54.12.1, port: 26400, rx_port: p0 }\n";
  return messages(
      load_string(testing::minimal_with(line_a, line_a +
                                                    "    books: {}\n    snapshot: { server: "
                                                    "\"10.1.9.20:26600\", credentials: " +
                                                    file + " }\n"),
                  "t.yaml"));
}

TEST_F(HostFiles, SnapshotCredentialsFileMustExistAndBePrivateButIsNotRead) {
  write("glimpse.cred", "");  // empty: the loader does not read it (the daemon does)
  ASSERT_EQ(::chmod(path("glimpse.cred").c_str(), 0600), 0);
  EXPECT_THAT(credentials_errors(path("glimpse.cred")), IsEmpty());
  ASSERT_EQ(::chmod(path("glimpse.cred").c_str(), 0400), 0);
  EXPECT_THAT(credentials_errors(path("glimpse.cred")), IsEmpty());
  ASSERT_EQ(::chmod(path("glimpse.cred").c_str(), 0640), 0);
  EXPECT_THAT(credentials_errors(path("glimpse.cred")),
              ElementsAre("t.yaml:9:57: feeds[0].snapshot.credentials: credentials file " +
                          path("glimpse.cred") +
                          " has mode 0640: readable or writable by group or others (chmod 600)"));
  EXPECT_THAT(credentials_errors(path("missing.cred")),
              ElementsAre("t.yaml:9:57: feeds[0].snapshot.credentials: credentials file " +
                          path("missing.cred") +
                          ": No such file or directory (it must hold user:password for the "
                          "GLIMPSE login)"));
}

TEST_F(HostFiles, SnapshotCredentialsThatAreNotARegularFileAreAnError) {
  write("real.cred", "u:p\n");
  ASSERT_EQ(::chmod(path("real.cred").c_str(), 0600), 0);
  ASSERT_EQ(::symlink(path("real.cred").c_str(), path("link.cred").c_str()), 0);
  EXPECT_THAT(credentials_errors(path("link.cred")),
              ElementsAre("t.yaml:9:57: feeds[0].snapshot.credentials: credentials file " +
                          path("link.cred") +
                          " is a symbolic link, not a regular file (symlinks are not followed)"));
  ASSERT_EQ(::mkfifo(path("fifo.cred").c_str(), 0600), 0);
  EXPECT_THAT(credentials_errors(path("fifo.cred")),
              ElementsAre("t.yaml:9:57: feeds[0].snapshot.credentials: credentials file " +
                          path("fifo.cred") +
                          " is a fifo, not a regular file (symlinks are not followed)"));
  EXPECT_THAT(credentials_errors("\"\""), IsEmpty()) << "empty: the environment";
}

}  // namespace
}  // namespace ichannel::config
