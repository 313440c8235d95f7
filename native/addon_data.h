// Per-environment state (main thread and each worker thread have their own): no static or global
// JavaScript references anywhere in the addon. Created by addon.cc, released by teardown.cc.
#pragma once
#include <napi.h>

#include <memory>
#include <vector>

#include "memory_block.h"

namespace ndkv {

struct DeviceCore;
class MrRequestQueue;
class QpDestroyThreads;

struct AddonData {
  std::vector<std::weak_ptr<DeviceCore>> devices;  // released by the cleanup hook, children first
  MemoryBlockRegistry blocks;
  std::vector<std::weak_ptr<MrRequestQueue>> mrQueues;  // shut down by the cleanup hook first
  // Started by the first queue-pair destroy; joined by the cleanup hook once no destroy is left.
  std::shared_ptr<QpDestroyThreads> qpDestroys;

  static AddonData* Of(Napi::Env env) { return env.GetInstanceData<AddonData>(); }
};

}  // namespace ndkv
