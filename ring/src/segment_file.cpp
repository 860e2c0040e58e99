// segment_file.cpp: see ichannel/segment_file.hpp (trusted directory, temporary created O_EXCL
// and flocked, reserve, map, commit under the producer lock; verified read-only open; leftovers).
#include <ichannel/segment_file.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/magic.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

#include "file_util.hpp"

namespace ichannel {
namespace {

using detail::dir_of;
using detail::errno_text;
using detail::FdCloser;
using detail::join;
using detail::kOpenFlags;
using detail::round_up;

std::string uid_text(uid_t uid) {
  std::string s = "uid " + std::to_string(uid);
  if (std::string n = user_name(uid); !n.empty()) s += " (" + n + ")";
  return s;
}

// The producer's check of its directory (st from lstat or from fstat of an O_NOFOLLOW fd).
Result<bool> check_producer_dir(const std::string& dir, std::string_view noun,
                                const struct stat& st) {
  const std::string what = std::string(noun) + " " + dir;
  if (S_ISLNK(st.st_mode)) return Error{what + " is a symbolic link, not a directory"};
  if (!S_ISDIR(st.st_mode)) {
    return Error{what + " is " + file_kind(st.st_mode) + ", not a directory"};
  }
  const uid_t me = ::geteuid();
  if (st.st_uid != me && st.st_uid != 0) {
    return Error{what + " is owned by " + uid_text(st.st_uid) + ", not by this producer (uid " +
                 std::to_string(me) + ")"};
  }
  if ((st.st_mode & 022) != 0) {
    return Error{what + " is writable by group/others (mode " + mode_text(st.st_mode) + ")"};
  }
  return true;
}

// The receiver's check of a file and its directory (see the header's contract).
std::string check_reader_file(const std::string& path, const std::string& dir,
                              const struct stat& ds, const struct stat& fs) {
  if ((ds.st_mode & 022) != 0) {
    return "directory " + dir + " is writable by group/others (mode " + mode_text(ds.st_mode) +
           "); required: no group/other write bit";
  }
  if (ds.st_uid != 0 && ds.st_uid != fs.st_uid) {
    return path + " is owned by " + uid_text(fs.st_uid) + " but its directory " + dir + " by " +
           uid_text(ds.st_uid) + "; required: the directory's owner (or root)";
  }
  if (fs.st_uid != ds.st_uid && fs.st_uid != 0) {
    return path + " is owned by " + uid_text(fs.st_uid) + ", its directory " + dir + " by " +
           uid_text(ds.st_uid) + "; required: the directory's owner (or root)";
  }
  if ((fs.st_mode & 022) != 0) {
    return path + " has mode " + mode_text(fs.st_mode) +
           " (group/others may write it); required: no group/other write bit";
  }
  return {};
}

// pid holding a flock on (dev, ino) from /proc/locks (an exclusive one if any), 0 when not
// found.
std::int32_t lock_holder_pid(dev_t dev, ino_t ino) {
  std::ifstream in("/proc/locks");
  std::string line;
  std::int32_t shared = 0;
  char want[64];
  std::snprintf(want, sizeof want, "%02x:%02x:%lu", ::major(dev), ::minor(dev),
                static_cast<unsigned long>(ino));
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string id, type, adv, mode, pid, where;
    ls >> id >> type;
    if (type == "->" || type != "FLOCK") continue;  // waiters and POSIX locks
    ls >> adv >> mode >> pid >> where;
    if (where != want) continue;
    const auto p = static_cast<std::int32_t>(std::atol(pid.c_str()));
    if (mode == "WRITE") return p;
    if (shared == 0) shared = p;
  }
  return shared;
}

// Whether `file` is ".<name>.<digits>.tmp"; the pid through `pid`.
bool parse_temporary(std::string_view file, std::string& name, std::int32_t& pid) {
  constexpr std::string_view kSuffix = ".tmp";
  if (file.size() < 1 + 1 + 1 + 1 + kSuffix.size() || file.front() != '.') return false;
  if (file.substr(file.size() - kSuffix.size()) != kSuffix) return false;
  const std::string_view mid = file.substr(1, file.size() - 1 - kSuffix.size());  // name.pid
  const std::size_t dot = mid.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == mid.size()) return false;
  std::int64_t v = 0;
  for (char c : mid.substr(dot + 1)) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
    if (v > 0x7fffffff) return false;
  }
  name.assign(mid.substr(0, dot));
  pid = static_cast<std::int32_t>(v);
  return true;
}

// LOCK_SH|LOCK_NB probe: true if someone holds LOCK_EX.
bool exclusively_locked(int fd) noexcept {
  if (::flock(fd, LOCK_SH | LOCK_NB) == 0) {
    ::flock(fd, LOCK_UN);
    return false;
  }
  return errno == EWOULDBLOCK;
}

// Removes the unlocked temporaries of `name` in the directory (crashed creators).
void reclaim_temporaries(int dir_fd, std::string_view name) {
  const int dup_fd = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) return;
  DIR* d = ::fdopendir(dup_fd);
  if (d == nullptr) {
    ::close(dup_fd);
    return;
  }
  std::vector<std::string> victims;
  while (const dirent* e = ::readdir(d)) {
    std::string n;
    std::int32_t pid = 0;
    if (parse_temporary(e->d_name, n, pid) && n == name) victims.emplace_back(e->d_name);
  }
  ::closedir(d);
  for (const std::string& v : victims) {
    const int fd = ::openat(dir_fd, v.c_str(), O_RDONLY | kOpenFlags);
    if (fd < 0) continue;
    FdCloser closer{fd};
    struct stat st {};
    struct stat now {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) continue;  // its creator is alive
    // Still the same file under that name (not replaced since the open): remove it.
    if (::fstatat(dir_fd, v.c_str(), &now, AT_SYMLINK_NOFOLLOW) == 0 && now.st_dev == st.st_dev &&
        now.st_ino == st.st_ino) {
      ::unlinkat(dir_fd, v.c_str(), 0);
    }
  }
}

}  // namespace

std::string user_name(uid_t uid) {
  struct passwd pw {};
  struct passwd* found = nullptr;
  char buf[4096];
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) != 0 || found == nullptr) return {};
  return found->pw_name;
}

std::string mode_text(unsigned mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", mode & 07777U);
  return buf;
}

const char* file_kind(unsigned m) noexcept {
  if (S_ISREG(m)) return "a regular file";
  if (S_ISDIR(m)) return "a directory";
  if (S_ISFIFO(m)) return "a fifo";
  if (S_ISLNK(m)) return "a symbolic link";
  if (S_ISSOCK(m)) return "a socket";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  return "a special file";
}

Result<int> open_regular_file(const std::string& path, int flags, unsigned mode) {
  const int fd = ::open(path.c_str(), flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);
  if (fd < 0) {
    const int e = errno;
    struct stat ls {};
    if (e == ELOOP && ::lstat(path.c_str(), &ls) == 0 && S_ISLNK(ls.st_mode)) {
      return Error{"is a symbolic link (not followed)"};
    }
    return Error{errno_text(e)};
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const int e = errno;
    const bool stat_failed = st.st_mode == 0;
    ::close(fd);
    if (stat_failed) return Error{"cannot stat: " + errno_text(e)};
    return Error{std::string("is ") + file_kind(st.st_mode) + ", not a regular file"};
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

Result<bool> check_file_mode(unsigned mode) {
  if ((mode & 022) != 0 || (mode & ~0777U) != 0) {
    return Error{"mode " + mode_text(mode) + " lets group/others write; at most 0644/0640"};
  }
  return true;
}

Result<bool> make_trusted_dir(const std::string& dir_in, std::string_view noun,
                              const std::string& group) {
  std::string dir = dir_in;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  if (dir.empty()) return Error{std::string(noun) + " is empty"};
  // Missing parents: 0755 (mkdir -p); an existing parent is left as it is.
  for (std::size_t pos = dir.find('/', 1); pos != std::string::npos; pos = dir.find('/', pos + 1)) {
    const std::string cur = dir.substr(0, pos);
    if (::mkdir(cur.c_str(), 0755) == 0) {
      ::chmod(cur.c_str(), 0755);  // ours: 0755 whatever the umask (receivers must traverse it)
    } else if (errno != EEXIST) {
      return Error{"cannot create " + std::string(noun) + " " + cur + ": " + errno_text(errno)};
    }
  }
  const unsigned mode = group.empty() ? 0755 : 0750;
  if (::mkdir(dir.c_str(), mode) == 0) {
    // Ours: exact mode (no umask), then the group.
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | kOpenFlags);
    if (fd < 0)
      return Error{"cannot open " + std::string(noun) + " " + dir + ": " + errno_text(errno)};
    FdCloser closer{fd};
    if (!group.empty()) {
      struct group grp {};
      struct group* found = nullptr;
      char buf[4096];
      if (::getgrnam_r(group.c_str(), &grp, buf, sizeof buf, &found) != 0 || found == nullptr) {
        return Error{"cannot give " + std::string(noun) + " " + dir + " to group '" + group +
                     "': unknown group"};
      }
      if (::fchown(fd, static_cast<uid_t>(-1), found->gr_gid) != 0) {
        return Error{"cannot give " + std::string(noun) + " " + dir + " to group " + group + ": " +
                     errno_text(errno)};
      }
    }
    if (::fchmod(fd, mode) != 0) {
      return Error{"cannot set mode on " + std::string(noun) + " " + dir + ": " +
                   errno_text(errno)};
    }
  } else if (errno != EEXIST) {
    return Error{"cannot create " + std::string(noun) + " " + dir + ": " + errno_text(errno)};
  }
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) {
    return Error{"cannot stat " + std::string(noun) + " " + dir + ": " + errno_text(errno)};
  }
  return check_producer_dir(dir, noun, st);
}

Result<bool> make_dirs(const std::string& dir, std::string_view noun) {
  return make_trusted_dir(dir, noun, {});
}

SegmentFile::~SegmentFile() {
  if (addr_ != nullptr) ::munmap(addr_, len_);
  if (!tmp_path_.empty()) ::unlink(tmp_path_.c_str());
  if (dir_fd_ >= 0) ::close(dir_fd_);
  if (fd_ >= 0) ::close(fd_);  // releases the producer lock
}

void SegmentFile::swap(SegmentFile& o) noexcept {
  std::swap(addr_, o.addr_);
  std::swap(len_, o.len_);
  std::swap(fd_, o.fd_);
  std::swap(dir_fd_, o.dir_fd_);
  std::swap(writer_, o.writer_);
  path_.swap(o.path_);
  tmp_path_.swap(o.tmp_path_);
  who_.swap(o.who_);
  std::swap(dev_, o.dev_);
  std::swap(ino_, o.ino_);
  std::swap(owner_, o.owner_);
  std::swap(page_, o.page_);
  std::swap(hugetlbfs_, o.hugetlbfs_);
}

std::uint64_t SegmentFile::size_for(std::uint64_t bytes) const noexcept {
  return round_up(bytes, page_);
}

bool SegmentFile::producer_alive() const noexcept {
  if (writer_) return fd_ >= 0;  // our own lock (a probe on this fd would convert it)
  return fd_ >= 0 && exclusively_locked(fd_);
}

Result<SegmentFile> SegmentFile::create(const std::string& dir, std::string_view name,
                                        std::uint64_t bytes_wanted,
                                        const SegmentFileOptions& opts) {
  const std::string& who = opts.who;
  if (auto ok = check_file_mode(opts.mode); !ok) return Error{who + ": " + ok.error().message};
  if (auto ok = make_trusted_dir(dir, opts.dir_noun, opts.group); !ok) return ok.error();

  SegmentFile f;
  f.writer_ = true;
  f.who_ = who;
  f.dir_fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | kOpenFlags);
  if (f.dir_fd_ < 0) {
    return Error{"cannot open " + opts.dir_noun + " " + dir + ": " + errno_text(errno)};
  }
  {
    struct stat ds {};
    if (::fstat(f.dir_fd_, &ds) != 0)
      return Error{who + ": fstat " + dir + ": " + errno_text(errno)};
    if (auto ok = check_producer_dir(dir, opts.dir_noun, ds); !ok) return ok.error();
  }
  reclaim_temporaries(f.dir_fd_, name);

  f.path_ = join(dir, name);
  std::string tmp_name(".");  // hidden: directory listings skip it until commit()
  tmp_name.append(name).append(".").append(std::to_string(::getpid())).append(".tmp");
  const std::string tmp_path = join(dir, tmp_name);
  f.fd_ = ::openat(f.dir_fd_, tmp_name.c_str(), O_RDWR | O_CREAT | O_EXCL | kOpenFlags, opts.mode);
  if (f.fd_ < 0) {
    const int err = errno;
    if (err == EEXIST) {
      struct stat ls {};
      std::string what = "it exists and its creator (this process) holds its lock";
      if (::fstatat(f.dir_fd_, tmp_name.c_str(), &ls, AT_SYMLINK_NOFOLLOW) == 0 &&
          !S_ISREG(ls.st_mode)) {
        what = std::string("it exists and is ") + file_kind(ls.st_mode) +
               " (not followed; remove it)";
      }
      return Error{who + ": cannot create " + tmp_path + ": " + what};
    }
    return Error{who + ": cannot create " + tmp_path + ": " + errno_text(err)};
  }
  f.tmp_path_ = tmp_path;
  // The producer lock, from the temporary's first moment: a concurrent reclaim skips it.
  if (::flock(f.fd_, LOCK_EX | LOCK_NB) != 0) {
    return Error{who + ": cannot lock " + tmp_path + ": " + errno_text(errno)};
  }
  struct stat st {};
  if (::fstat(f.fd_, &st) != 0) return Error{who + ": fstat: " + errno_text(errno)};
  if (st.st_nlink == 0) {
    f.tmp_path_.clear();
    return Error{who + ": " + tmp_path + " was removed while being created (retry)"};
  }

  if (::fchmod(f.fd_, opts.mode) != 0) {
    return Error{who + ": cannot set mode on " + tmp_path + ": " + errno_text(errno)};
  }
  if (!opts.group.empty()) {
    struct group grp {};
    struct group* found = nullptr;
    char buf[4096];
    if (::getgrnam_r(opts.group.c_str(), &grp, buf, sizeof buf, &found) != 0 || found == nullptr) {
      return Error{who + ": unknown group '" + opts.group + "'"};
    }
    if (::fchown(f.fd_, static_cast<uid_t>(-1), found->gr_gid) != 0) {
      return Error{who + ": cannot give " + tmp_path + " to group " + opts.group + ": " +
                   errno_text(errno)};
    }
  }

  struct statfs fs {};
  if (::fstatfs(f.fd_, &fs) != 0) return Error{who + ": fstatfs: " + errno_text(errno)};
  f.hugetlbfs_ = static_cast<unsigned long>(fs.f_type) == HUGETLBFS_MAGIC;
  // hugetlbfs files are whole huge pages; elsewhere the caller's size is kept.
  f.page_ = f.hugetlbfs_ ? static_cast<std::uint64_t>(fs.f_bsize) : 1;
  const std::uint64_t page = f.page_;
  const std::uint64_t bytes = round_up(bytes_wanted, page);

  // Every block reserved now (no ftruncate fallback: a sparse file would SIGBUS on a full fs).
  if (int err = ::posix_fallocate(f.fd_, 0, static_cast<off_t>(bytes)); err != 0) {
    if (err == ENOSPC && f.hugetlbfs_) {
      return Error{who + ": not enough free hugepages in " + dir + ": needs " +
                   std::to_string(bytes / page) + " pages of " + std::to_string(page >> 20) +
                   " MiB (see HugePages_Free in /proc/meminfo; reserve more with "
                   "vm.nr_hugepages)"};
    }
    if (err == ENOSPC) {
      return Error{who + ": not enough space in " + dir + " for " + std::to_string(bytes) +
                   " bytes (" + std::to_string(fs.f_bavail * fs.f_bsize) +
                   " free; containers default to a 64 MB /dev/shm: raise --shm-size or use "
                   "hugepages)"};
    }
    return Error{who + ": cannot reserve " + std::to_string(bytes) + " bytes for " + tmp_path +
                 ": " + errno_text(err)};
  }
  if (::fstat(f.fd_, &st) != 0) return Error{who + ": fstat: " + errno_text(errno)};
  if (static_cast<std::uint64_t>(st.st_blocks) * 512 < bytes) {
    return Error{who + ": " + tmp_path + " is not fully allocated after fallocate (" +
                 std::to_string(static_cast<std::uint64_t>(st.st_blocks) * 512) + " of " +
                 std::to_string(bytes) + " bytes)"};
  }

  void* addr = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, f.fd_, 0);
  if (addr == MAP_FAILED) {
    return Error{who + ": cannot map " + std::to_string(bytes) + " bytes of " + tmp_path + ": " +
                 errno_text(errno)};
  }
  f.addr_ = addr;
  f.len_ = bytes;
  f.dev_ = st.st_dev;
  f.ino_ = st.st_ino;
  f.owner_ = st.st_uid;
  return f;
}

Result<bool> SegmentFile::commit() {
  if (tmp_path_.empty() || dir_fd_ < 0) return Error{who_ + ": nothing to commit"};
  ::msync(addr_, len_ < 4096 ? len_ : 4096, MS_SYNC);  // tmpfs/hugetlbfs: a no-op
  const std::string tmp_name = tmp_path_.substr(tmp_path_.rfind('/') + 1);
  const std::string name = path_.substr(path_.rfind('/') + 1);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
  const auto fail = [&](const std::string& what, int err) {
    return Error{who_ + ": cannot publish " + path_ + " (" + what + "): " + errno_text(err)};
  };
  for (;;) {
    const int old = ::openat(dir_fd_, name.c_str(), O_RDONLY | kOpenFlags);
    if (old < 0) {
      const int err = errno;
      if (err == ENOENT) {
        // Nothing published: create the name only if it is still free (two creators cannot both
        // win); EEXIST: someone published meanwhile, take its lock first.
        if (::renameat2(dir_fd_, tmp_name.c_str(), dir_fd_, name.c_str(), RENAME_NOREPLACE) == 0) {
          break;
        }
        if (errno == EEXIST) continue;
        if (errno != EINVAL && errno != ENOSYS) return fail("rename from " + tmp_path_, errno);
      } else if (err != ELOOP) {
        return fail("open", err);
      }
      // A symlink at the name (in our own directory) or no RENAME_NOREPLACE: replace the entry.
      if (::renameat(dir_fd_, tmp_name.c_str(), dir_fd_, name.c_str()) != 0) {
        return fail("rename from " + tmp_path_, errno);
      }
      break;
    }
    FdCloser closer{old};
    struct stat st {};
    if (::fstat(old, &st) != 0) return fail("fstat", errno);
    if (S_ISREG(st.st_mode) && ::flock(old, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK) return fail("flock", errno);
      if (std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      const std::int32_t pid = lock_holder_pid(st.st_dev, st.st_ino);
      return Error{who_ + " already has a live producer (" +
                   (pid > 0 ? "pid " + std::to_string(pid) : std::string("pid unknown")) +
                   "): " + path_ + " is locked by it"};
    }
    // Under the old file's lock: still the file published under the name? Then replace it.
    struct stat now {};
    if (::fstatat(dir_fd_, name.c_str(), &now, AT_SYMLINK_NOFOLLOW) != 0 ||
        now.st_dev != st.st_dev || now.st_ino != st.st_ino) {
      continue;
    }
    if (::renameat(dir_fd_, tmp_name.c_str(), dir_fd_, name.c_str()) != 0) {
      return fail("rename from " + tmp_path_, errno);
    }
    break;  // closer drops the old file's lock
  }
  tmp_path_.clear();
  ::close(dir_fd_);
  dir_fd_ = -1;
  return true;
}

SegmentFileOpen SegmentFile::open_read_only(const std::string& path, std::uint64_t min_size) {
  using Step = OpenFailure::Step;
  const std::string dir = dir_of(path);
  const std::string name = path.substr(path.rfind('/') + 1);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | kOpenFlags);
  if (dfd < 0) {
    const int err = errno;
    if (err == ELOOP || err == ENOTDIR) {
      return {std::nullopt,
              {Step::kUntrusted, err, 0, "directory " + dir + " is not a directory (a symlink?)"}};
    }
    return {std::nullopt, {Step::kOpen, err, 0, {}}};
  }
  FdCloser dcloser{dfd};
  const int fd = ::openat(dfd, name.c_str(), O_RDONLY | kOpenFlags);
  if (fd < 0) {
    const int err = errno;
    if (err == ELOOP) {
      return {std::nullopt,
              {Step::kNotRegular, err, 0, path + " is a symbolic link, not a regular file"}};
    }
    return {std::nullopt, {Step::kOpen, err, 0, {}}};
  }
  FdCloser closer{fd};

  struct stat st {};
  struct stat ds {};
  if (::fstat(fd, &st) != 0 || ::fstat(dfd, &ds) != 0) {
    return {std::nullopt, {Step::kStat, errno, 0, {}}};
  }
  if (!S_ISREG(st.st_mode)) {
    return {std::nullopt,
            {Step::kNotRegular, 0, 0,
             path + " is " + file_kind(st.st_mode) + ", not a regular file"}};
  }
  if (std::string why = check_reader_file(path, dir, ds, st); !why.empty()) {
    return {std::nullopt, {Step::kUntrusted, 0, 0, std::move(why)}};
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size < min_size) return {std::nullopt, {Step::kTooSmall, 0, size, {}}};
  const auto allocated = static_cast<std::uint64_t>(st.st_blocks) * 512;
  if (allocated < size) {
    return {std::nullopt,
            {Step::kSparse, 0, size,
             path + " is sparse (" + std::to_string(allocated) + " of " + std::to_string(size) +
                 " bytes allocated); required: fully allocated"}};
  }
  struct statfs fs {};
  if (::fstatfs(fd, &fs) != 0) return {std::nullopt, {Step::kStat, errno, 0, {}}};
  void* addr = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED) return {std::nullopt, {Step::kMap, errno, size, {}}};
  SegmentFile f;
  f.addr_ = addr;
  f.len_ = size;
  f.fd_ = closer.release();
  f.path_ = path;
  f.dev_ = st.st_dev;
  f.ino_ = st.st_ino;
  f.owner_ = st.st_uid;
  f.hugetlbfs_ = static_cast<unsigned long>(fs.f_type) == HUGETLBFS_MAGIC;
  f.page_ = f.hugetlbfs_ ? static_cast<std::uint64_t>(fs.f_bsize) : 1;
  return {std::move(f), {}};
}

std::vector<LeftoverFile> list_leftover_files(const std::string& dir) {
  std::vector<LeftoverFile> out;
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | kOpenFlags);
  if (dfd < 0) return out;
  FdCloser dcloser{dfd};
  const int dup_fd = ::fcntl(dfd, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) return out;
  DIR* d = ::fdopendir(dup_fd);
  if (d == nullptr) {
    ::close(dup_fd);
    return out;
  }
  std::vector<std::string> entries;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view n = e->d_name;
    if (n != "." && n != "..") entries.emplace_back(n);
  }
  ::closedir(d);
  std::sort(entries.begin(), entries.end());
  for (const std::string& e : entries) {
    LeftoverFile l;
    l.file = e;
    if (e.front() == '.') {
      if (!parse_temporary(e, l.name, l.pid)) continue;
      l.kind = LeftoverFile::Kind::kTemporary;
    } else {
      l.name = e;
      l.kind = LeftoverFile::Kind::kDeadFile;
    }
    const int fd = ::openat(dfd, e.c_str(), O_RDONLY | kOpenFlags);
    if (fd < 0) continue;
    FdCloser closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (exclusively_locked(fd)) continue;  // a live producer (or creator) holds it
    l.path = join(dir, e);
    l.owner_uid = st.st_uid;
    l.owner_name = user_name(st.st_uid);
    l.size = static_cast<std::uint64_t>(st.st_size);
    l.allocated = static_cast<std::uint64_t>(st.st_blocks) * 512;
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace ichannel
