// book/huge_buffer.hpp: one preallocated, zero-filled, page-aligned region for the book's big
// tables (the order store, the level store), backed by anonymous mmap with MADV_HUGEPAGE.
//
// Contract
// - Cold: the constructor maps (and may fail: std::bad_alloc naming the size), the destructor
//   unmaps. Move-only. Nothing here runs on the hot path: the tables index into data().
// - Transparent huge pages are asked for (madvise), never required: without THP the region is
//   ordinary 4 KiB pages. Pages are touched lazily by the kernel; prefault() touches them all
//   (optional, cold) so that the first day's adds do not pay the page faults.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstring>
#include <new>
#include <utility>

namespace ichannel::book {

class HugeBuffer {
 public:
  HugeBuffer() = default;
  explicit HugeBuffer(std::size_t bytes) : size_(round_up(bytes)) {
    if (size_ == 0) return;
    void* p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    (void)::madvise(p, size_, MADV_HUGEPAGE);  // a hint: THP may be off, then 4 KiB pages
#endif
    data_ = static_cast<unsigned char*>(p);
  }
  HugeBuffer(const HugeBuffer&) = delete;
  HugeBuffer& operator=(const HugeBuffer&) = delete;
  HugeBuffer(HugeBuffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  HugeBuffer& operator=(HugeBuffer&& o) noexcept {
    if (this != &o) {
      release();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  ~HugeBuffer() {
    release();
  }

  [[nodiscard]] void* data() const noexcept {
    return data_;
  }
  [[nodiscard]] std::size_t size() const noexcept {
    return size_;
  }

  // Cold: writes every page once, keeping its contents (the kernel then backs the region).
  void prefault() noexcept {
    volatile unsigned char* p = data_;
    for (std::size_t i = 0; i < size_; i += 4096) p[i] = p[i];
  }
  // Cold: zero-fills the region again (memset; the pages stay mapped).
  void clear() noexcept {
    if (data_ != nullptr) std::memset(data_, 0, size_);
  }

 private:
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;
  static std::size_t round_up(std::size_t n) noexcept {
    return n == 0 ? 0 : (n + kHugePage - 1) / kHugePage * kHugePage;
  }
  void release() noexcept {
    if (data_ != nullptr) ::munmap(data_, size_);
    data_ = nullptr;
    size_ = 0;
  }

  unsigned char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace ichannel::book
