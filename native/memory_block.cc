// The natively owned memory behind allocate(): mapping a block, and finding the block a
// registration's range lies in (see memory_block.h).
#include "memory_block.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "addon_data.h"
#include "util/export_function.h"
#include "util/make_core.h"

namespace ndkv {

MemoryBlock::~MemoryBlock() {
  forkExclusion.reset();  // before the unmapping: the pages' counts belong to these addresses
  if (base != nullptr) munmap(base, length);
}

void MemoryBlockRegistry::Add(const std::shared_ptr<MemoryBlock>& block) {
  // Pruned once the map has doubled since the last pruning: amortized O(1) per block (a scan on
  // every allocate() made the n-th allocation O(n)).
  if (blocks_.size() >= pruneAt_) {
    for (auto it = blocks_.begin(); it != blocks_.end();) {
      it = it->second.expired() ? blocks_.erase(it) : std::next(it);
    }
    pruneAt_ = std::max<size_t>(2 * blocks_.size(), kFirstPrune);
  }
  blocks_[reinterpret_cast<std::uintptr_t>(block->base)] = block;
}

std::shared_ptr<MemoryBlock> MemoryBlockRegistry::Find(const void* addr, size_t length) {
  auto start = reinterpret_cast<std::uintptr_t>(addr);
  auto it = blocks_.upper_bound(start);
  if (it == blocks_.begin()) return nullptr;
  --it;
  auto block = it->second.lock();
  if (!block) return nullptr;
  auto base = reinterpret_cast<std::uintptr_t>(block->base);
  return start + length <= base + block->length ? block : nullptr;
}

namespace {

// memoryAllocate(length): a zero-filled, page-aligned ArrayBuffer backed by a MemoryBlock, or the
// errno (a number) when the memory cannot be mapped.
Napi::Value AllocateMemory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "length must be a number");
  double requested = info[0].As<Napi::Number>().DoubleValue();
  if (!(requested >= 1) || requested > static_cast<double>(SIZE_MAX / 2)) {
    return Napi::Number::New(env, EINVAL);
  }
  size_t length = static_cast<size_t>(requested);
  // mmap gives page alignment and zeroed pages; MAP_PRIVATE anonymous memory is what verbs pins
  // best.
  // The block first: if anything after the mapping throws, ~MemoryBlock unmaps it.
  auto block = MakeCore<MemoryBlock>();
  void* base = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) return Napi::Number::New(env, errno);
  block->base = base;
  block->length = length;
  // The whole mapping, rounded up to pages as mmap did: no JS object shares any of its pages.
  auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  block->forkExclusion.emplace(base, (length + page - 1) / page * page);
  AddonData::Of(env)->blocks.Add(block);
  // The ArrayBuffer owns one reference; each registration over the block owns another.
  // Held by a unique_ptr until the ArrayBuffer exists, so a throwing ArrayBuffer::New frees it.
  auto owner = std::make_unique<std::shared_ptr<MemoryBlock>>(block);
  auto buffer = Napi::ArrayBuffer::New(
      env, base, length, [](Napi::Env, void*, std::shared_ptr<MemoryBlock>* hint) { delete hint; },
      owner.get());
  owner.release();
  return buffer;
}

}  // namespace

void InitMemoryBlock(Napi::Env env, Napi::Object exports) {
  ExportFunction<AllocateMemory>(env, exports, "memoryAllocate");
  exports.Set("memoryPageSize", Napi::Number::New(env, static_cast<double>(sysconf(_SC_PAGESIZE))));
}

}  // namespace ndkv
