// The memory regions of one environment, named in JavaScript by plain numbers instead of one
// Napi::External each: an External costs a region its V8 object, Node-API's finalizer reference
// and weak handle, and the type tag (a property and a BigInt), where memory per region is a target
// (a service may hold a hundred thousand). The facade releases each id explicitly (mrRelease) when
// the region is closed or collected; environment teardown releases whatever is left.
#pragma once
#include <napi.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace ndkv {

struct MrCore;

// An id is slot * kGenerations + (the slot's generation % kGenerations): a V8 small integer (31
// bits on x64 without pointer compression) while slot < 2^21, an exact double beyond. A slot's
// generation moves on with each release, so the id of a released region, even once its slot is
// reused, names nothing (until the slot has been reused kGenerations times: the facade never keeps
// an id past its release, and the generation only catches a recent mistake).
// JS thread only: request threads hold their own shared_ptr<MrCore> in their jobs.
class MrRegistry {
 public:
  static constexpr uint32_t kGenerations = 1024;

  // The id of `core` from now until Release.
  double Add(std::shared_ptr<MrCore> core);
  // The core `value` names, or a TypeError ("expected a memory region handle") for anything that
  // is not the id of a live region: another handle, a number that is not an id, a released id.
  // The reference stays valid until the next Add or Release.
  const std::shared_ptr<MrCore>& Find(const Napi::Value& value) const;
  // Drops the registry's reference to the region `id` names (the core goes once no job holds it);
  // nothing for an id that names no live region, so releasing twice is harmless.
  void Release(double id);
  // Regions not yet released.
  size_t LiveCount() const { return entries_.size() - free_.size(); }

 private:
  struct Entry {
    std::shared_ptr<MrCore> core;  // null while the slot is free
    uint32_t generation = 0;
  };

  // The live entry `id` names, or null.
  const Entry* Lookup(double id) const;

  std::vector<Entry> entries_;
  std::vector<uint32_t> free_;
};

}  // namespace ndkv
