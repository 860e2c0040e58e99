// segment_file.cpp: see ichannel/segment_file.hpp (create under a hidden temporary, reserve, map,
// commit by rename; read-only open with a size check).
#include <ichannel/segment_file.hpp>

#include <fcntl.h>
#include <grp.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "file_util.hpp"

namespace ichannel {
namespace {

using detail::errno_text;
using detail::join;
using detail::round_up;


struct FdCloser {
  int fd;
  ~FdCloser() { ::close(fd); }
};

}  // namespace

Result<bool> make_dirs(const std::string& dir, std::string_view noun) {
  std::string cur;
  std::size_t pos = 0;
  while (pos <= dir.size()) {
    std::size_t next = dir.find('/', pos);
    if (next == std::string::npos) next = dir.size();
    cur = dir.substr(0, next);
    pos = next + 1;
    if (cur.empty()) continue;
    if (::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST) {
      return Error{"cannot create " + std::string(noun) + " " + cur + ": " + errno_text(errno)};
    }
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Error{std::string(noun) + " " + dir + " is not a directory"};
  }
  return true;
}

SegmentFile::~SegmentFile() {
  if (addr_ != nullptr) ::munmap(addr_, len_);
  if (!tmp_path_.empty()) ::unlink(tmp_path_.c_str());
}

void SegmentFile::swap(SegmentFile& o) noexcept {
  std::swap(addr_, o.addr_);
  std::swap(len_, o.len_);
  path_.swap(o.path_);
  tmp_path_.swap(o.tmp_path_);
  std::swap(dev_, o.dev_);
  std::swap(ino_, o.ino_);
  std::swap(hugetlbfs_, o.hugetlbfs_);
}

Result<SegmentFile> SegmentFile::create(const std::string& dir, std::string_view name,
                                        std::uint64_t bytes_wanted,
                                        const SegmentFileOptions& opts) {
  const std::string& who = opts.who;
  if (auto ok = make_dirs(dir, opts.dir_noun); !ok) return ok.error();

  SegmentFile f;
  f.path_ = join(dir, name);
  std::string tmp_name(".");  // hidden: directory listings skip it until commit()
  tmp_name.append(name).append(".").append(std::to_string(::getpid())).append(".tmp");
  f.tmp_path_ = join(dir, tmp_name);
  ::unlink(f.tmp_path_.c_str());  // leftover of an earlier crash of this same pid
  const int fd = ::open(f.tmp_path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, opts.mode);
  if (fd < 0) {
    const int err = errno;
    f.tmp_path_.clear();
    return Error{who + ": cannot create " + join(dir, tmp_name) + ": " + errno_text(err)};
  }
  FdCloser closer{fd};

  if (::fchmod(fd, opts.mode) != 0) {
    return Error{who + ": cannot set mode on " + f.tmp_path_ + ": " + errno_text(errno)};
  }
  if (!opts.group.empty()) {
    struct group grp {};
    struct group* found = nullptr;
    char buf[4096];
    if (::getgrnam_r(opts.group.c_str(), &grp, buf, sizeof buf, &found) != 0 || found == nullptr) {
      return Error{who + ": unknown group '" + opts.group + "'"};
    }
    if (::fchown(fd, static_cast<uid_t>(-1), found->gr_gid) != 0) {
      return Error{who + ": cannot give " + f.tmp_path_ + " to group " + opts.group + ": " +
                   errno_text(errno)};
    }
  }

  struct statfs fs {};
  if (::fstatfs(fd, &fs) != 0) return Error{who + ": fstatfs: " + errno_text(errno)};
  f.hugetlbfs_ = static_cast<unsigned long>(fs.f_type) == HUGETLBFS_MAGIC;
  // hugetlbfs files are whole huge pages; elsewhere the caller's size is kept.
  const std::uint64_t page = f.hugetlbfs_ ? static_cast<std::uint64_t>(fs.f_bsize) : 1;
  const std::uint64_t bytes = round_up(bytes_wanted, page);

  if (int err = ::posix_fallocate(fd, 0, static_cast<off_t>(bytes)); err != 0) {
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
    if (err != EOPNOTSUPP && err != EINVAL) {
      return Error{who + ": cannot reserve " + std::to_string(bytes) + " bytes for " + f.tmp_path_ +
                   ": " + errno_text(err)};
    }
    if (::ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
      return Error{who + ": cannot size " + f.tmp_path_ + ": " + errno_text(errno)};
    }
  }

  void* addr = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED) {
    return Error{who + ": cannot map " + std::to_string(bytes) + " bytes of " + f.tmp_path_ + ": " +
                 errno_text(errno)};
  }
  f.addr_ = addr;
  f.len_ = bytes;

  struct stat st {};
  if (::fstat(fd, &st) != 0) return Error{who + ": fstat: " + errno_text(errno)};
  f.dev_ = st.st_dev;
  f.ino_ = st.st_ino;
  return f;
}

Result<bool> SegmentFile::commit() {
  if (::msync(addr_, len_ < 4096 ? len_ : 4096, MS_SYNC) != 0) {
    // tmpfs/hugetlbfs: msync is a no-op; a failure here is not fatal for shared mappings.
  }
  if (::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
    return Error{"cannot publish " + path_ + " (rename from " + tmp_path_ +
                 "): " + errno_text(errno)};
  }
  tmp_path_.clear();
  return true;
}

SegmentFileOpen SegmentFile::open_read_only(const std::string& path, std::uint64_t min_size) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {std::nullopt, {OpenFailure::Step::kOpen, errno, 0}};
  FdCloser closer{fd};

  struct stat st {};
  if (::fstat(fd, &st) != 0) return {std::nullopt, {OpenFailure::Step::kStat, errno, 0}};
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size < min_size) return {std::nullopt, {OpenFailure::Step::kTooSmall, 0, size}};
  void* addr = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED) return {std::nullopt, {OpenFailure::Step::kMap, errno, size}};
  SegmentFile f;
  f.addr_ = addr;
  f.len_ = size;
  f.path_ = path;
  f.dev_ = st.st_dev;
  f.ino_ = st.st_ino;
  return {std::move(f), {}};
}

}  // namespace ichannel
