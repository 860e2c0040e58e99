// tests/daemon/control/channel_files_test.cpp: the daemon's record of the channel files it
// published: a replaced or removed path is reported once per change, and the failed-start
// cleanup removes only files that are still the daemon's own.
#include "daemon/control/channel_files.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace ichannel::daemon {
namespace {

namespace fs = std::filesystem;

class ChannelFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "ichannel-files-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string make(const std::string& name, const std::string& text = "segment") {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  std::string dir_;
};

TEST_F(ChannelFilesTest, ReplacedAndRemovedPathsAreReportedOncePerChange) {
  ChannelFiles files;
  ASSERT_EQ(files.add("a", make("a")), "");
  ASSERT_EQ(files.add("b", make("b")), "");
  EXPECT_TRUE(files.check().empty());

  const std::string forged = make(".forged");
  ASSERT_EQ(::rename(forged.c_str(), (dir_ + "/a").c_str()), 0);
  ASSERT_EQ(::unlink((dir_ + "/b").c_str()), 0);
  auto changes = files.check();
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].index, 0u);
  EXPECT_EQ(changes[0].state, ChannelFileState::kReplaced);
  EXPECT_EQ(changes[1].index, 1u);
  EXPECT_EQ(changes[1].state, ChannelFileState::kRemoved);
  EXPECT_TRUE(files.check().empty()) << "each change once";
  EXPECT_EQ(files.entries()[0].state, ChannelFileState::kReplaced);
}

TEST_F(ChannelFilesTest, AFileThatVanishedBeforeItWasRecordedIsAnError) {
  ChannelFiles files;
  EXPECT_NE(files.add("gone", dir_ + "/gone").find("channel gone: "), std::string::npos);
  EXPECT_EQ(files.size(), 0u);
}

TEST_F(ChannelFilesTest, FailedStartCleanupRemovesOnlyTheDaemonsOwnFiles) {
  ChannelFiles files;
  ASSERT_EQ(files.add("ours", make("ours")), "");
  ASSERT_EQ(files.add("taken", make("taken")), "");
  const std::string other = make(".other", "another producer's segment");
  ASSERT_EQ(::rename(other.c_str(), (dir_ + "/taken").c_str()), 0);
  make("unrelated");  // never recorded: never touched

  const auto report = files.remove_published();
  ASSERT_EQ(report.size(), 2u);
  EXPECT_EQ(report[0], "channel ours: removed " + dir_ + "/ours (created by this failed start)");
  EXPECT_EQ(report[1],
            "channel taken: " + dir_ + "/taken left alone (replaced since this daemon created it)");
  EXPECT_FALSE(fs::exists(dir_ + "/ours"));
  EXPECT_TRUE(fs::exists(dir_ + "/taken"));
  EXPECT_TRUE(fs::exists(dir_ + "/unrelated"));
  EXPECT_EQ(files.size(), 0u);
}

}  // namespace
}  // namespace ichannel::daemon
