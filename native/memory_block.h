// Memory that ndk-verbs allocates itself: page aligned, owned natively, and freed only when both
// its ArrayBuffer is gone and no memory region is registered over it. So even an ArrayBuffer that
// JS detaches or transfers away cannot free pages that a live registration still points at.
#pragma once
#include <napi.h>

#include <cstdint>
#include <map>
#include <memory>

namespace ndkv {

struct MemoryBlock {
  void* base = nullptr;
  size_t length = 0;
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
  std::map<std::uintptr_t, std::weak_ptr<MemoryBlock>> blocks_;
};

// Exports memoryAllocate and memoryPageSize (a number: the size allocations are aligned to).
void InitMemoryBlock(Napi::Env env, Napi::Object exports);

}  // namespace ndkv
