#include "mr_registry.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "memory_region.h"

namespace ndkv {

double MrRegistry::Add(std::shared_ptr<MrCore> core) {
  uint32_t slot;
  if (free_.empty()) {
    // The free list can always take every slot, so Release never allocates (and never throws
    // between its steps). Grown geometrically, as the entries are.
    if (free_.capacity() <= entries_.size()) {
      free_.reserve(std::max<size_t>(16, 2 * entries_.size()));
    }
    entries_.emplace_back();
    slot = static_cast<uint32_t>(entries_.size() - 1);
  } else {
    slot = free_.back();
    free_.pop_back();
  }
  Entry& entry = entries_[slot];
  entry.core = std::move(core);
  return static_cast<double>(slot) * kGenerations + entry.generation % kGenerations;
}

const MrRegistry::Entry* MrRegistry::Lookup(double id) const {
  // Rejects NaN, infinities, negatives and fractions before any conversion to an integer.
  if (!(id >= 0) || id >= static_cast<double>(entries_.size()) * kGenerations ||
      id != std::floor(id)) {
    return nullptr;
  }
  auto value = static_cast<uint64_t>(id);
  const Entry& entry = entries_[value / kGenerations];
  if (entry.core == nullptr || entry.generation % kGenerations != value % kGenerations) {
    return nullptr;
  }
  return &entry;
}

const std::shared_ptr<MrCore>& MrRegistry::Find(const Napi::Value& value) const {
  // One Node-API call for the type check and the number (it fails for anything but a number).
  double id = 0;
  const Entry* entry =
      napi_get_value_double(value.Env(), value, &id) == napi_ok ? Lookup(id) : nullptr;
  if (entry == nullptr) throw Napi::TypeError::New(value.Env(), "expected a memory region handle");
  return entry->core;
}

void MrRegistry::Release(double id) {
  const Entry* found = Lookup(id);
  if (found == nullptr) return;
  auto slot = static_cast<uint32_t>(static_cast<uint64_t>(id) / kGenerations);
  Entry& entry = entries_[slot];
  // The generation moves on before the core goes, and the slot is free for the next Add.
  entry.generation++;
  free_.push_back(slot);
  std::shared_ptr<MrCore> core = std::move(entry.core);
}  // `core` is released here: ~MrCore may deregister a registration still in place

}  // namespace ndkv
