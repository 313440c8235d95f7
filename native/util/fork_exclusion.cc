// Per-page counting of MADV_DONTFORK advice (see fork_exclusion.h). The table is process-wide, as
// the address space is: every environment and every request thread goes through one mutex.
#include "fork_exclusion.h"

#include <infiniband/verbs.h>
#include <sys/mman.h>
#include <unistd.h>

#include <map>
#include <mutex>
#include <utility>

namespace ndkv {

namespace {

// Disjoint page ranges, each with how many live exclusions cover it; ranges nobody covers are not
// in the table. madvise is called under the lock, so the advice always matches the counts.
class ExclusionTable {
 public:
  void Acquire(std::uintptr_t start, std::uintptr_t end) {
    std::lock_guard<std::mutex> lock(mutex_);
    SplitAt(start);
    SplitAt(end);
    std::uintptr_t cursor = start;
    auto it = ranges_.lower_bound(start);
    while (cursor < end) {
      std::uintptr_t next = it == ranges_.end() ? end : std::min(it->first, end);
      if (cursor < next) {  // a gap nobody covered yet
        ranges_.emplace_hint(it, cursor, Range{next, 1});
        cursor = next;
        continue;
      }
      ++it->second.holders;
      cursor = it->second.end;
      ++it;
    }
    // Idempotent over pages already advised. A failure (ENOMEM: too many mappings) leaves those
    // pages forkable: slower spawns, nothing worse.
    madvise(reinterpret_cast<void*>(start), end - start, MADV_DONTFORK);
  }

  void Release(std::uintptr_t start, std::uintptr_t end) {
    std::lock_guard<std::mutex> lock(mutex_);
    SplitAt(start);
    SplitAt(end);
    for (auto it = ranges_.lower_bound(start); it != ranges_.end() && it->first < end;) {
      if (--it->second.holders > 0) {
        ++it;
        continue;
      }
      madvise(reinterpret_cast<void*>(it->first), it->second.end - it->first, MADV_DOFORK);
      it = ranges_.erase(it);
    }
  }

 private:
  struct Range {
    std::uintptr_t end;
    size_t holders;
  };

  // Makes `at` a boundary between ranges, so a count can change on one side only.
  void SplitAt(std::uintptr_t at) {
    auto it = ranges_.upper_bound(at);
    if (it == ranges_.begin()) return;
    --it;
    if (it->first < at && at < it->second.end) {
      ranges_.emplace(at, Range{it->second.end, it->second.holders});
      it->second.end = at;
    }
  }

  std::mutex mutex_;
  std::map<std::uintptr_t, Range> ranges_;
};

ExclusionTable& Table() {
  // Never destroyed: a request thread may still release an exclusion while the process exits.
  static auto* table = new ExclusionTable();
  return *table;
}

std::uintptr_t PageSize() {
  static const auto size = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  return size;
}

// With libibverbs' own fork support on (ibv_fork_init() on a kernel without copy-on-fork),
// ibv_reg_mr and ibv_dereg_mr advise the same pages with their own counts; advice from here could
// then undo theirs for a registration made elsewhere in the process.
bool VerbsAdvisesItself() {
  static const bool advises = ibv_is_fork_initialized() == IBV_FORK_ENABLED;
  return advises;
}

}  // namespace

ForkExclusion::ForkExclusion(const void* addr, size_t length) {
  if (VerbsAdvisesItself()) return;
  auto first = reinterpret_cast<std::uintptr_t>(addr);
  std::uintptr_t page = PageSize();
  std::uintptr_t start = (first + page - 1) / page * page;
  std::uintptr_t end = (first + length) / page * page;
  if (start >= end) return;  // no whole page inside
  Table().Acquire(start, end);
  start_ = start;
  end_ = end;
}

void ForkExclusion::Release() {
  if (start_ == end_) return;
  Table().Release(start_, end_);
  start_ = end_ = 0;
}

namespace {

// Members are destroyed in reverse order: the exclusion before the bytes it advises.
struct ExcludedOwner {
  std::shared_ptr<void> owner;
  ForkExclusion exclusion;
  ExcludedOwner(const void* addr, size_t length, std::shared_ptr<void> bytes)
      : owner(std::move(bytes)), exclusion(addr, length) {}
};

}  // namespace

std::shared_ptr<void> HeldOutOfForks(const void* addr, size_t length, std::shared_ptr<void> owner) {
  return std::make_shared<ExcludedOwner>(addr, length, std::move(owner));
}

}  // namespace ndkv
