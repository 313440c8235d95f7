// Keeping registered memory out of fork() children. Since Linux 5.9/5.12, fork() copies every
// DMA-pinned anonymous page into the child at once, so each child_process spawn (libuv forks, then
// execs) of a process with gigabytes registered copies gigabytes first. MADV_DONTFORK on a range
// spares it: the child gets no mapping there at all (it execs anyway). The advice is counted per
// page, so overlapping holders (an allocate() block and the regions over it, or two registrations
// of one Buffer) keep a page excluded until the last of them lets go, and only then is it undone.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

namespace ndkv {

// Holds the whole pages inside [addr, addr + length) out of fork children while it lives. The
// partial pages at either end are left alone: they may hold other objects that a child that does
// not exec could still read.
class ForkExclusion {
 public:
  ForkExclusion() = default;
  ForkExclusion(const void* addr, size_t length);
  ForkExclusion(const ForkExclusion&) = delete;
  ForkExclusion& operator=(const ForkExclusion&) = delete;
  ~ForkExclusion() { Release(); }

  // Undoes the advice for the pages no other holder still covers. Idempotent.
  void Release();

 private:
  std::uintptr_t start_ = 0;
  std::uintptr_t end_ = 0;
};

// `owner` (the owner of the bytes of a registration) together with a ForkExclusion of
// [addr, addr + length): the exclusion is released first, while the bytes are still there, then
// the owner.
std::shared_ptr<void> HeldOutOfForks(const void* addr, size_t length, std::shared_ptr<void> owner);

}  // namespace ndkv
