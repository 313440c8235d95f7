// Per-environment state (main thread and each worker thread have their own): no static or global
// JavaScript references anywhere in the addon. Created by addon.cc, released by teardown.cc.
#pragma once
#include <napi.h>

#include <memory>
#include <vector>

#include "memory_block.h"
#include "mr_registry.h"

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
  // Last, so destroyed first (with the environment's instance data, after the cleanup hook, which
  // destroyed every region through its protection domain): the cores it still holds then only let
  // go of their parents.
  MrRegistry mrs;

  static AddonData* Of(Napi::Env env) { return env.GetInstanceData<AddonData>(); }
};

}  // namespace ndkv
