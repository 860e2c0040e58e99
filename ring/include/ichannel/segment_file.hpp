// ichannel/segment_file.hpp: publish and map a self-describing shared-memory file (cold path).
//
// Contract
// - The one primitive under every segment ichannel publishes: the channel segments
//   (ring/src/segment.cpp) and ichannel-feed's statistics segment (app/stats/writer.cpp, read by
//   app/stats/reader.cpp). The file format (magic, version, sizes) belongs to the caller; this
//   unit only knows "a file that is complete once it has its name", who may have written it, and
//   the single-producer lock.
// - The security model (docs/ring.md "Files and permissions"):
//   * Directory: make_trusted_dir() creates a missing `dir` with mkdir (missing parents 0755; the
//     directory itself 0755, or 0750 and chgrp'd when a group is given). An existing one is used
//     only if lstat says a real directory (not a symlink) owned by this euid or root with no
//     group/other write bit; it is never chmod'ed or chown'ed. Everything else is refused.
//   * Every open: O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC relative to the verified directory fd, then
//     fstat: only regular files are accepted (a FIFO never blocks anyone).
//   * File modes with a group/other write bit are refused ("mode 0666 lets group/others write").
// - Producer: SegmentFile::create(dir, name, bytes, opts) verifies/creates `dir`, removes
//   unlocked temporaries of `name` (".<name>.<pid>.tmp" of crashed creators), creates its own
//   temporary with O_CREAT|O_EXCL|O_NOFOLLOW and takes flock(LOCK_EX) on it at once, sets
//   opts.mode with fchmod (the umask does not apply) and opts.group, sizes it to `bytes` (rounded
//   up to the huge page size on hugetlbfs) with posix_fallocate and checks every block is
//   allocated (st_blocks), so a full /dev/shm or missing hugepages are an error now, never a
//   SIGBUS later; then maps it MAP_SHARED read-write. The caller fills the mapping and stores
//   its magic last (release); commit() takes LOCK_EX|LOCK_NB on the file currently published
//   under "<dir>/<name>" (retrying up to ~100 ms: a receiver's liveness probe holds LOCK_SH for a
//   moment) and renames the temporary over it; if another process holds the lock: "<who>
//   already has a live producer (pid N)". With no file published the rename is
//   RENAME_NOREPLACE, so two creators cannot both win. The fd (and the lock) stays open for the
//   SegmentFile's lifetime: exactly one live producer per name, enforced by the kernel and
//   released by it on exit or kill -9. Destroying an uncommitted SegmentFile unlinks the
//   temporary. Error messages are prefixed with opts.who and name the file and the reason.
// - Reader: SegmentFile::open_read_only(path, min_size) opens the directory (O_NOFOLLOW) and the
//   file O_RDONLY|O_NOFOLLOW|O_NONBLOCK, and verifies before mapping: a regular file; its owner
//   is the directory's owner (or root) and the directory is owned by root or the file's owner;
//   no group/other write bit on file or directory; at least min_size bytes; fully allocated
//   (st_blocks * 512 >= size). Only then it maps all of it PROT_READ. The caller checks the exact
//   size its header implies (size_for()) before touching anything past the header. Failures are
//   typed (OpenFailure: step, errno, size, text) so each reader words its own message.
// - producer_alive() on a reader: flock(LOCK_SH|LOCK_NB) on the reader's own fd; EWOULDBLOCK
//   means a producer holds LOCK_EX (alive); success is unlocked at once (dead). No clock, no pid.
// - Movable, not copyable; unmaps and closes on destruction. Allocates and makes syscalls: never
//   on a hot path.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <ichannel/result.hpp>

namespace ichannel {

struct SegmentFileOptions {
  std::string who = "segment";         // error prefix: "channel itch.all", "statistics ..."
  std::string dir_noun = "directory";  // "cannot create <dir_noun> <dir>: ..."
  unsigned mode = 0640;                // file mode (umask does not apply); no group/other write
  std::string group;                   // empty: the creator's group
};

class SegmentFile;

struct OpenFailure {
  enum class Step : std::uint8_t {
    kOpen,
    kStat,
    kNotRegular,
    kUntrusted,
    kTooSmall,
    kSparse,
    kMap
  };
  Step step = Step::kOpen;
  int err = 0;             // errno of the failed call (0 for the checks)
  std::uint64_t size = 0;  // kTooSmall/kSparse: the file's size in bytes
  std::string text;        // kNotRegular/kUntrusted/kSparse: what was found and what is required
};

struct SegmentFileOpen;

class SegmentFile {
 public:
  [[nodiscard]] static Result<SegmentFile> create(const std::string& dir, std::string_view name,
                                                  std::uint64_t bytes,
                                                  const SegmentFileOptions& opts);
  [[nodiscard]] static SegmentFileOpen open_read_only(const std::string& path,
                                                      std::uint64_t min_size);

  SegmentFile() noexcept = default;
  SegmentFile(SegmentFile&& o) noexcept { swap(o); }
  SegmentFile& operator=(SegmentFile&& o) noexcept {
    SegmentFile tmp(std::move(o));
    swap(tmp);
    return *this;
  }
  SegmentFile(const SegmentFile&) = delete;
  SegmentFile& operator=(const SegmentFile&) = delete;
  ~SegmentFile();

  // Take the lock of the published file and rename() the temporary over path(). The caller
  // stored its magic (release) before.
  [[nodiscard]] Result<bool> commit();

  [[nodiscard]] void* data() const noexcept { return addr_; }
  [[nodiscard]] std::size_t size() const noexcept { return len_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  // "" once committed (and for readers).
  [[nodiscard]] const std::string& tmp_path() const noexcept { return tmp_path_; }
  [[nodiscard]] bool hugetlbfs() const noexcept { return hugetlbfs_; }
  [[nodiscard]] dev_t dev() const noexcept { return dev_; }
  [[nodiscard]] ino_t ino() const noexcept { return ino_; }
  [[nodiscard]] uid_t owner() const noexcept { return owner_; }
  // The file size create() makes for a request of `bytes` on this file's file system.
  [[nodiscard]] std::uint64_t size_for(std::uint64_t bytes) const noexcept;
  // Reader: whether a process holds the producer lock (LOCK_EX) of this file. Producer: true.
  [[nodiscard]] bool producer_alive() const noexcept;

 private:
  void swap(SegmentFile& o) noexcept;

  void* addr_ = nullptr;
  std::size_t len_ = 0;
  int fd_ = -1;      // kept open: the producer's flock, the reader's liveness probe
  int dir_fd_ = -1;  // producer until commit: the verified directory
  bool writer_ = false;
  std::string path_;      // final path <dir>/<name>
  std::string tmp_path_;  // non-empty until committed
  std::string who_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  uid_t owner_ = 0;
  std::uint64_t page_ = 1;  // size granule: the huge page size on hugetlbfs, else 1
  bool hugetlbfs_ = false;
};

struct SegmentFileOpen {
  std::optional<SegmentFile> file;  // set on success
  OpenFailure failure;              // why, when !file
};

// Creates `dir` if missing (parents 0755, `dir` itself 0755, or 0750 + chgrp when `group` is not
// empty) and verifies it is a trusted directory for a producer (see the contract above).
// Errors: "cannot create <noun> <component>: <reason>", "<noun> D is owned by uid U (name), not
// by this producer (uid V)", "<noun> D is writable by group/others (mode 2770)", "<noun> D is a
// symbolic link, not a directory". make_dirs is the same check without a group.
[[nodiscard]] Result<bool> make_trusted_dir(const std::string& dir, std::string_view noun,
                                            const std::string& group);
[[nodiscard]] Result<bool> make_dirs(const std::string& dir, std::string_view noun = "directory");

// "mode 0666 lets group/others write; at most 0644/0640" (also for bits beyond 0777), or ok.
[[nodiscard]] Result<bool> check_file_mode(unsigned mode);

// Words for messages about files (every error about a file in the project uses these):
// "0640", "2770" - the permission bits in octal; "a fifo", "a directory", "a symbolic link",
// "a regular file", ... - what a file of this st_mode is.
[[nodiscard]] std::string mode_text(unsigned mode);
[[nodiscard]] const char* file_kind(unsigned st_mode) noexcept;

// The project's one way to open a file someone names (captures, ITCH files, summaries): `flags`
// (O_RDONLY, or O_WRONLY|O_CREAT|O_TRUNC with `mode`) plus O_NOFOLLOW|O_NONBLOCK|O_CLOEXEC, then
// fstat: only a regular file is accepted, so a symlink is never followed and a FIFO never
// blocks. Returns the fd (the caller closes it; O_NONBLOCK is cleared again) or an Error whose
// message is the reason only, for the caller to put after its own words about the file: "is a
// symbolic link (not followed)", "is a fifo, not a regular file", "No such file or directory".
[[nodiscard]] Result<int> open_regular_file(const std::string& path, int flags,
                                            unsigned mode = 0644);

// What a crash or failed start left in a directory: hidden temporaries ".<name>.<pid>.tmp"
// nobody holds the lock of, and published files whose producer lock is free.
struct LeftoverFile {
  enum class Kind : std::uint8_t { kTemporary, kDeadFile };
  Kind kind = Kind::kTemporary;
  std::string file;  // the directory entry (".itch.all.4242.tmp", "itch.all")
  std::string name;  // the published name it belongs to ("itch.all")
  std::string path;
  std::int32_t pid = 0;  // temporaries: the creator's pid from the name
  uid_t owner_uid = 0;
  std::string owner_name;       // "" when the uid has no passwd entry
  std::uint64_t size = 0;       // st_size
  std::uint64_t allocated = 0;  // st_blocks * 512 (what it holds of /dev/shm or hugepages)
};
// Lists leftovers in `dir` (unreadable entries and non-regular files are skipped; never follows
// a symlink, never blocks). Cold.
std::vector<LeftoverFile> list_leftover_files(const std::string& dir);

// "name" of a uid from the passwd database, or "" (cold).
std::string user_name(uid_t uid);

}  // namespace ichannel
