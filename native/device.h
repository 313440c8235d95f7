// A device: its verbs context, the root of every other verbs object. The device list, opening and
// closing live in device.cc; its children (protection domains, completion queues) include this.
#pragma once
#include <infiniband/verbs.h>
#include <napi.h>

#include <memory>
#include <vector>

#include "device_event_thread.h"
#include "util/tagged_handle.h"

namespace ndkv {

struct PdCore;
struct CqCore;

// Ownership runs child → parent: every child keeps its device alive, so the context is never
// closed under an object that still needs it. The device lists its children weakly, so that
// environment teardown can release them children first.
struct DeviceCore {
  ibv_context* context = nullptr;  // null once closed
  // The device can bind memory windows (ibv_device_attr.max_mw > 0): regions that grant remote
  // access are then registered with IBV_ACCESS_MW_BIND, so windows can be bound over them.
  bool supportsMemoryWindows = false;
  std::vector<std::weak_ptr<PdCore>> pds;
  std::vector<std::weak_ptr<CqCore>> cqs;
  // Reads the device's asynchronous events; stopped before the context is closed.
  std::unique_ptr<DeviceEventThread> events;
  ~DeviceCore();
  // Stops the event reader, then closes the context (once). ibv_close_device's result.
  int CloseContext();
  bool HasLivePds();
  bool HasLiveCqs();
};

using DeviceBox = CoreBox<DeviceCore, HandleKind::kDevice>;

// Exports deviceList, deviceOpen, deviceClose and forkSupport.
void InitDevice(Napi::Env env, Napi::Object exports);

}  // namespace ndkv
