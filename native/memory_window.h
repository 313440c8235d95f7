// A memory window: remote access to part of a registered region under a token of its own, a child
// of a protection domain. Bound and invalidated by work requests on a queue pair
// (queue_pair_post.cc).
#pragma once
#include <infiniband/verbs.h>
#include <napi.h>

#include <cstdint>
#include <memory>

#include "protection_domain.h"
#include "util/tagged_handle.h"

namespace ndkv {

// A type 2 window (IBV_MW_TYPE_2).
struct MwCore {
  ibv_mw* mw = nullptr;    // null once deallocated
  uint32_t boundRkey = 0;  // the rkey the last bind request gave the window (type 2)
  std::shared_ptr<PdCore> pd;
  ~MwCore();
  int Destroy();
};

using MwBox = CoreBox<MwCore, HandleKind::kMemoryWindow>;

// Exports mwAlloc and mwDealloc.
void InitMemoryWindow(Napi::Env env, Napi::Object exports);

}  // namespace ndkv
