// daemon/control/channel_files.cpp: see channel_files.hpp.
#include "daemon/control/channel_files.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ichannel::daemon {

const char* to_string(ChannelFileState state) noexcept {
  switch (state) {
    case ChannelFileState::kPublished:
      return "published";
    case ChannelFileState::kReplaced:
      return "replaced";
    case ChannelFileState::kRemoved:
      return "removed";
  }
  return "unknown";
}

std::string ChannelFiles::add(std::string_view name, const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    return "channel " + std::string(name) + ": " + path + " vanished right after it was " +
           "published: " + std::strerror(errno);
  }
  entries_.push_back(
      Entry{std::string(name), path, st.st_dev, st.st_ino, ChannelFileState::kPublished});
  return {};
}

ChannelFileState ChannelFiles::probe(const Entry& entry) noexcept {
  struct stat st {};
  if (::lstat(entry.path.c_str(), &st) != 0) {
    // ENOENT: removed. Any other error (EACCES cannot happen for the producer's own directory)
    // is reported as removed too: receivers cannot reach our file through the path either.
    return ChannelFileState::kRemoved;
  }
  if (st.st_dev == entry.dev && st.st_ino == entry.ino) return ChannelFileState::kPublished;
  return ChannelFileState::kReplaced;
}

std::vector<ChannelFiles::Change> ChannelFiles::check() {
  std::vector<Change> changes;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const ChannelFileState now = probe(entries_[i]);
    if (now != entries_[i].state) {
      entries_[i].state = now;
      changes.push_back(Change{i, now});
    }
  }
  return changes;
}

std::vector<std::string> ChannelFiles::remove_published() {
  std::vector<std::string> report;
  for (const Entry& e : entries_) {
    const ChannelFileState now = probe(e);
    if (now != ChannelFileState::kPublished) {
      report.push_back("channel " + e.name + ": " + e.path + " left alone (" + to_string(now) +
                       " since this daemon created it)");
    } else if (::unlink(e.path.c_str()) != 0) {
      report.push_back("channel " + e.name + ": cannot remove " + e.path + ": " +
                       std::strerror(errno));
    } else {
      report.push_back("channel " + e.name + ": removed " + e.path +
                       " (created by this failed start)");
    }
  }
  entries_.clear();
  return report;
}

}  // namespace ichannel::daemon
