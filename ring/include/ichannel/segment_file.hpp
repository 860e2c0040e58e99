// ichannel/segment_file.hpp: publish and map a self-describing shared-memory file (cold path).
//
// Contract
// - The one primitive under every segment ichannel publishes: the channel segments
//   (ring/src/segment.cpp) and ichannel-feed's statistics segment (app/stats/writer.cpp, read by
//   app/stats/reader.cpp). The file format (magic, version, sizes) belongs to the caller; this
//   unit only knows "a file that is complete once it has its name".
// - Producer: SegmentFile::create(dir, name, bytes, opts) makes `dir` (mkdir -p, 0755 for new
//   components), creates the hidden temporary "<dir>/.<name>.<pid>.tmp" with O_EXCL (a leftover
//   of an earlier crash of this same pid is removed first), sets opts.mode with fchmod (the umask
//   does not apply) and opts.group, sizes it to `bytes` rounded up to the huge page size on
//   hugetlbfs, reserves every block with posix_fallocate (ftruncate where unsupported) so a full
//   /dev/shm or missing hugepages are an error now, never a SIGBUS later, and maps it MAP_SHARED
//   read-write. The caller fills the mapping and stores its magic last (release), then commit()
//   renames the temporary over "<dir>/<name>": readers see the old file or the whole new one,
//   and mappings of the old file stay valid. Destroying an uncommitted SegmentFile unlinks the
//   temporary. Error messages are prefixed with opts.who and name the file and the reason.
// - Reader: SegmentFile::open_read_only(path, min_size) opens O_RDONLY, checks that the file
//   holds at least min_size bytes and maps all of it PROT_READ. Failures are typed
//   (OpenFailure: which step, errno, size) so each reader words its own message.
// - Movable, not copyable; unmaps on destruction. Allocates and makes syscalls: never on a hot
//   path.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <ichannel/result.hpp>

namespace ichannel {

struct SegmentFileOptions {
  std::string who = "segment";         // error prefix: "channel itch.all", "statistics ..."
  std::string dir_noun = "directory";  // "cannot create <dir_noun> <dir>: ..."
  unsigned mode = 0640;                // file mode (umask does not apply)
  std::string group;                   // empty: the creator's group
};

class SegmentFile;

struct OpenFailure {
  enum class Step : std::uint8_t { kOpen, kStat, kTooSmall, kMap };
  Step step = Step::kOpen;
  int err = 0;             // errno of the failed call (0 for kTooSmall)
  std::uint64_t size = 0;  // kTooSmall: the file's size in bytes
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

  // rename() the temporary over path(). The caller stored its magic (release) before.
  [[nodiscard]] Result<bool> commit();

  [[nodiscard]] void* data() const noexcept { return addr_; }
  [[nodiscard]] std::size_t size() const noexcept { return len_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] const std::string& tmp_path() const noexcept {
    return tmp_path_;
  }  // "" once
     // committed
  [[nodiscard]] bool hugetlbfs() const noexcept { return hugetlbfs_; }
  [[nodiscard]] dev_t dev() const noexcept { return dev_; }
  [[nodiscard]] ino_t ino() const noexcept { return ino_; }

 private:
  void swap(SegmentFile& o) noexcept;

  void* addr_ = nullptr;
  std::size_t len_ = 0;
  std::string path_;      // final path <dir>/<name>
  std::string tmp_path_;  // non-empty until committed
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  bool hugetlbfs_ = false;
};

struct SegmentFileOpen {
  std::optional<SegmentFile> file;  // set on success
  OpenFailure failure;              // why, when !file
};

// mkdir -p with mode 0755 for new components; fails if `dir` is not a directory afterwards.
// Errors: "cannot create <noun> <component>: <reason>", "<noun> <dir> is not a directory".
[[nodiscard]] Result<bool> make_dirs(const std::string& dir, std::string_view noun = "directory");

}  // namespace ichannel
