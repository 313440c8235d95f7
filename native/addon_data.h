// Per-environment state (main thread and each worker thread have their own): no static or global
// JavaScript references anywhere in the addon.
#pragma once
#include <napi.h>

#include <memory>
#include <vector>

#include "memory_block.h"
#include "mr_request_queue.h"
#include "verbs_objects.h"

namespace ndkv {

struct AddonData {
  std::vector<std::weak_ptr<DeviceCore>> devices;  // released by the cleanup hook, children first
  MemoryBlockRegistry blocks;
  std::vector<std::weak_ptr<MrRequestQueue>> mrQueues;  // shut down by the cleanup hook first

  static AddonData* Of(Napi::Env env) { return env.GetInstanceData<AddonData>(); }
};

}  // namespace ndkv
