// What each JavaScript handle holds. A box lives exactly as long as its handle; the verbs object
// behind it (a *Core) lives as long as anything still needs it.
#pragma once
#include <napi.h>

#include <memory>

#include "mr_request_queue.h"
#include "tagged_handle.h"
#include "verbs_objects.h"

namespace ndkv {

struct DeviceBox {
  static constexpr napi_type_tag kTypeTag = {0x6e646b7665726273ULL, 0x0000000000000001ULL};
  static constexpr const char* kTypeName = "device";
  std::shared_ptr<DeviceCore> core;
};

struct PdBox {
  static constexpr napi_type_tag kTypeTag = {0x6e646b7665726273ULL, 0x0000000000000002ULL};
  static constexpr const char* kTypeName = "protection domain";
  std::shared_ptr<PdCore> core;
};

struct MrBox {
  static constexpr napi_type_tag kTypeTag = {0x6e646b7665726273ULL, 0x0000000000000003ULL};
  static constexpr const char* kTypeName = "memory region";
  std::shared_ptr<MrCore> core;
  // The JS view over the registered bytes, referenced from the start of a registration until its
  // deregistration succeeds, so the ArrayBuffer JS handed over stays alive while it is registered.
  // The bytes are held apart from it, by the core (MrCore::pinnedMemory): a detach can take them
  // away from the ArrayBuffer, and the core may outlive this box while verbs still points at them.
  Napi::ObjectReference pinnedView;

  void Unpin() { pinnedView.Reset(); }
};

struct CqBox {
  static constexpr napi_type_tag kTypeTag = {0x6e646b7665726273ULL, 0x0000000000000004ULL};
  static constexpr const char* kTypeName = "completion queue";
  std::shared_ptr<CqCore> core;
};

struct QpBox {
  static constexpr napi_type_tag kTypeTag = {0x6e646b7665726273ULL, 0x0000000000000005ULL};
  static constexpr const char* kTypeName = "queue pair";
  std::shared_ptr<QpCore> core;
};

struct MwBox {
  static constexpr napi_type_tag kTypeTag = {0x6e646b7665726273ULL, 0x0000000000000006ULL};
  static constexpr const char* kTypeName = "memory window";
  std::shared_ptr<MwCore> core;
};

struct MrQueueBox {
  static constexpr napi_type_tag kTypeTag = {0x6e646b7665726273ULL, 0x0000000000000007ULL};
  static constexpr const char* kTypeName = "memory-region request queue";
  std::shared_ptr<MrRequestQueue> queue;
  ~MrQueueBox() { queue->Shutdown(); }
};

}  // namespace ndkv
