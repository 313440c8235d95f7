// A protection domain: the parent of memory regions, memory windows and queue pairs, itself a child
// of a device. Its children include this header.
#pragma once
#include <infiniband/verbs.h>
#include <napi.h>

#include <memory>
#include <vector>

#include "device.h"
#include "util/tagged_handle.h"
#include "util/weak_list.h"

namespace ndkv {

struct MrCore;
struct QpCore;
struct MwCore;

struct PdCore {
  ibv_pd* pd = nullptr;  // null once deallocated
  std::shared_ptr<DeviceCore> device;
  // By slot: a batch names its regions by slot (mrDeregisterBatch).
  SlotList<MrCore> mrs;
  std::vector<std::weak_ptr<QpCore>> qps;
  std::vector<std::weak_ptr<MwCore>> mws;
  ~PdCore();
  bool HasBusyMrs();
  // Queue pairs or memory windows not yet destroyed: verbs would refuse the deallocation.
  bool HasLiveQpsOrMws();
};

using PdBox = CoreBox<PdCore, HandleKind::kProtectionDomain>;

// Exports pdAlloc and pdDealloc.
void InitProtectionDomain(Napi::Env env, Napi::Object exports);

}  // namespace ndkv
