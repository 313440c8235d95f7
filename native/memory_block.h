// Memory that ndk-verbs allocates itself: page aligned, owned natively, and freed only when both
// its ArrayBuffer is gone and no memory region is registered over it. So even an ArrayBuffer that
// JS detaches or transfers away cannot free pages that a live registration still points at.
// Blocks are MADV_DONTFORK for their whole life: a child process never gets a copy of them (in a
// child that does not exec, the range is unmapped).
#pragma once
#include <napi.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>

#include "util/fork_exclusion.h"

namespace ndkv {

struct MemoryBlock {
  void* base = nullptr;
  size_t length = 0;
  // Held from the mapping to the unmapping, so registrations over the block never undo it.
  std::optional<ForkExclusion> forkExclusion;
  ~MemoryBlock();
};

// The blocks of one environment, by start address, so a registration can find (and hold) the block
// its range lies in.
class MemoryBlockRegistry {
 public:
  void Add(const std::shared_ptr<MemoryBlock>& block);
  // The live block that contains [addr, addr + length), or null for memory ndk-verbs did not
  // allocate.
  std::shared_ptr<MemoryBlock> Find(const void* addr, size_t length);

 private:
  static constexpr size_t kFirstPrune = 64;
  std::map<std::uintptr_t, std::weak_ptr<MemoryBlock>> blocks_;
  size_t pruneAt_ = kFirstPrune;
};

// Exports memoryAllocate and memoryPageSize (a number: the size allocations are aligned to).
void InitMemoryBlock(Napi::Env env, Napi::Object exports);

}  // namespace ndkv
